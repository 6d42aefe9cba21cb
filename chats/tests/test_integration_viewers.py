"""Who is viewing a chat ("Budi is viewing"), with real daphne, Redis and sockets: an agent's
socket views the chat it subscribes to until it unsubscribes or closes; the chat's viewers hear
each change (chat.viewers); another workspace's sockets never do."""

import asyncio

import pytest

from chats.tests.test_integration_realtime import (  # noqa: F401 (people is a fixture)
    about, barrier, connect, new_contact, people, run,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def names(frame) -> list[int]:
    return sorted(user["id"] for user in frame["viewers"])


def test_viewers_join_on_subscribe_and_leave_on_unsubscribe_and_close(stack, stack_a, stack_b, people):  # noqa: F811
    contact = new_contact(stack_a)
    contact_b = new_contact(stack_b)
    one, two = people.agent1.pk, people.agent2.pk

    async def scenario():
        ana = await connect(stack, stack_a.host, name="ana", cookie=people.cookie1)
        budi = await connect(stack, stack_a.host, name="budi", cookie=people.cookie2)
        bystander = await connect(stack, stack_a.host, name="bystander", cookie=people.cookie2)
        b = await connect(stack, stack_b.host, name="b", cookie=people.cookie_b)
        await b.subscribe(contact_b["id"])

        await ana.subscribe(contact["id"])
        alone = await ana.wait("chat.viewers", about(contact["id"]))
        assert names(alone) == [one] and alone["viewers"][0]["name"]
        await budi.subscribe(contact["id"])
        both = await ana.wait("chat.viewers", lambda f: about(contact["id"])(f) and names(f) == [one, two])
        assert both["seq"] >= 0
        await budi.wait("chat.viewers", lambda f: about(contact["id"])(f) and names(f) == [one, two])

        await budi.send({"type": "unsubscribe", "contact_id": contact["id"]})
        await ana.wait("chat.viewers", lambda f: about(contact["id"])(f) and names(f) == [one], timeout=10)
        await budi.subscribe(contact["id"])
        await ana.wait("chat.viewers", lambda f: about(contact["id"])(f) and names(f) == [one, two]
                       and f is not both)
        await budi.close()  # the socket's end: it leaves every chat it viewed
        left = await ana.wait_many("chat.viewers", lambda f: about(contact["id"])(f) and names(f) == [one], count=2)
        await barrier([ana, bystander, b], stack_a, stack_b)

        assert left[-1]["viewers"] == [alone["viewers"][0]]
        assert bystander.got("chat.viewers") == []  # not viewing it
        assert [f for f in b.got("chat.viewers") if f["contact_id"] != contact_b["id"]] == []
        assert b.got("chat.viewers", about(contact_b["id"]))  # B's own chat: its own frame
        await asyncio.gather(ana.close(), bystander.close(), b.close())

    run(scenario)
