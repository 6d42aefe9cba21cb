"""The team inbox on the real stack (daphne, Redis, the worker, the bridge's sandbox): a chat list
under a filter plus its events equals a fresh fetch of that filter; a change of status or
assignee reaches another agent's socket; "agents see only their own and unassigned chats" holds
on the socket."""

import asyncio

import pytest

from chats.tests.test_integration_realtime import (  # noqa: F401 (people: a fixture)
    about, barrier, connect, is_barrier, new_phone, people, run, sandbox,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

VIEW = {"assignee": "none", "status": "open"}


def in_view(row: dict) -> bool:
    return row["assignee"] is None and row["status"] == "open"


def listed(ws, phones: set[str], view: dict = VIEW) -> dict[int, dict]:
    """The view's rows of these customers (other tests share the workspace)."""
    rows, params = {}, {**view, "page_size": 100}
    with ws.api() as api:
        url = "/api/v1/chats/"
        while url:
            page = api.get(url, params=params).json()
            rows.update({row["id"]: row for row in page["results"] if row["phone"].lstrip("+") in phones})
            url, params = page["next"], None
    return rows


def patch_chat(ws, contact_id: int, body: dict) -> dict:
    with ws.api() as api:
        response = api.patch(f"/api/v1/chats/{contact_id}/", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_filtered_chat_list_plus_its_events_equals_a_fresh_fetch(stack, stack_a, people):
    phones = [new_phone() for _ in range(4)]

    async def scenario():
        agent = await connect(stack, stack_a.host, name="agent", cookie=people.cookie1)
        ids = []
        for phone in phones:
            sandbox(stack, stack_a, "inbound", **{"from": phone, "body": f"hello from {phone}"})
            row = await agent.wait("chat.updated", lambda f, p=phone: f["chat"]["phone"].lstrip("+") == p)
            ids.append(row["chat"]["id"])
        await barrier([agent], stack_a)
        rows = await asyncio.to_thread(listed, stack_a, set(phones))
        assert set(rows) == set(ids)
        since = len(agent.frames)

        # Assigned away (leaves the view), resolved (leaves), resolved then reopened by the
        # customer (back), assigned then unassigned (back), a new message (moves).
        await asyncio.to_thread(patch_chat, stack_a, ids[0], {"assignee_id": people.agent2.pk})
        await asyncio.to_thread(patch_chat, stack_a, ids[1], {"status": "resolved"})
        await asyncio.to_thread(patch_chat, stack_a, ids[2], {"status": "resolved"})
        sandbox(stack, stack_a, "inbound", **{"from": phones[2], "body": "still there?"})
        await agent.wait("chat.status", lambda f: f["contact_id"] == ids[2] and f["status"] == "open")
        await asyncio.to_thread(patch_chat, stack_a, ids[3], {"assignee_id": people.agent1.pk})
        await asyncio.to_thread(patch_chat, stack_a, ids[3], {"assignee_id": None})
        await barrier([agent], stack_a)

        for frame in agent.frames[since:]:
            if is_barrier(frame) or frame["type"] != "chat.updated" or frame["chat"]["id"] not in ids:
                continue
            if in_view(frame["chat"]):
                rows[frame["chat"]["id"]] = frame["chat"]
            else:
                rows.pop(frame["chat"]["id"], None)
        fresh = await asyncio.to_thread(listed, stack_a, set(phones))
        assert set(fresh) == {ids[2], ids[3]}
        assert rows == fresh
        await agent.close()

    run(scenario)


def test_a_label_view_plus_contact_panel_edits_equals_a_fresh_fetch(stack, stack_a, people):
    """The contact panel's writes (name, custom fields, labels) through the same services: the
    label view rebuilt from chat.updated frames equals a fresh fetch of it."""
    phones = [new_phone() for _ in range(3)]
    with stack_a.api() as api:
        label = api.post("/api/v1/labels/", json={"name": f"panel-{phones[0]}", "color": "#123456"}).json()
    view = {"label": label["id"], "status": "all"}

    def edit_contact(contact_id: int, body: dict):
        with stack_a.api() as api:
            assert api.patch(f"/api/v1/contacts/{contact_id}/", json=body).status_code == 200

    async def scenario():
        agent = await connect(stack, stack_a.host, name="agent", cookie=people.cookie1)
        ids = []
        for phone in phones:
            sandbox(stack, stack_a, "inbound", **{"from": phone, "body": f"hello from {phone}"})
            row = await agent.wait("chat.updated", lambda f, p=phone: f["chat"]["phone"].lstrip("+") == p)
            ids.append(row["chat"]["id"])
        for contact_id in ids[:2]:
            await asyncio.to_thread(patch_chat, stack_a, contact_id, {"label_ids": [label["id"]]})
        await barrier([agent], stack_a)
        rows = await asyncio.to_thread(listed, stack_a, set(phones), view)
        assert set(rows) == set(ids[:2])
        since = len(agent.frames)

        # Renamed with a field (stays), unlabelled (leaves), labelled (joins).
        await asyncio.to_thread(edit_contact, ids[0], {"name": "Renamed in the panel", "custom_fields": {"tier": "gold"}})
        await asyncio.to_thread(patch_chat, stack_a, ids[1], {"label_ids": []})
        await asyncio.to_thread(patch_chat, stack_a, ids[2], {"label_ids": [label["id"]]})
        await barrier([agent], stack_a)

        for frame in agent.frames[since:]:
            if is_barrier(frame) or frame["type"] != "chat.updated" or frame["chat"]["id"] not in ids:
                continue
            if any(item["id"] == label["id"] for item in frame["chat"]["labels"]):
                rows[frame["chat"]["id"]] = frame["chat"]
            else:
                rows.pop(frame["chat"]["id"], None)
        fresh = await asyncio.to_thread(listed, stack_a, set(phones), view)
        assert set(fresh) == {ids[0], ids[2]}
        assert fresh[ids[0]]["display_name"] == "Renamed in the panel"
        assert rows == fresh
        await agent.close()

    run(scenario)


def test_a_status_or_assignee_change_reaches_another_agents_socket(stack, stack_a, people):
    phone = new_phone()

    async def scenario():
        other = await connect(stack, stack_a.host, name="agent2", cookie=people.cookie2)
        sandbox(stack, stack_a, "inbound", **{"from": phone, "body": "hi team"})
        contact_id = (await other.wait("chat.updated", lambda f: f["chat"]["phone"].lstrip("+") == phone))["chat"]["id"]

        await asyncio.to_thread(patch_chat, stack_a, contact_id, {"status": "pending",
                                                                   "assignee_id": people.agent1.pk})
        status = await other.wait("chat.status", about(contact_id))
        assigned = await other.wait("chat.assigned", about(contact_id))
        row = await other.wait("chat.updated", lambda f: f["chat"]["id"] == contact_id
                               and f["chat"]["status"] == "pending")
        assert (status["status"], status["previous"]) == ("pending", "open")
        assert assigned["assignee"]["id"] == people.agent1.pk
        assert row["chat"]["assignee"]["id"] == people.agent1.pk
        lines = other.got("message.new", lambda f: f["message"]["contact_id"] == contact_id
                          and f["message"]["type"] == "system")
        assert len(lines) == 2
        await other.close()

    run(scenario)


def test_agents_see_only_their_own_chats_on_the_socket_when_the_workspace_says_so(stack, stack_a, people):
    phone = new_phone()

    def settings(value: bool):
        with stack_a.api() as api:
            assert api.patch("/api/v1/inbox-settings/", json={"agents_see_own_only": value}).status_code == 200

    async def scenario():
        await asyncio.to_thread(settings, True)
        try:
            restricted = await connect(stack, stack_a.host, name="agent2", cookie=people.cookie2)
            sandbox(stack, stack_a, "inbound", **{"from": phone, "body": "unassigned first"})
            row = await restricted.wait("chat.updated", lambda f: f["chat"]["phone"].lstrip("+") == phone)
            contact_id = row["chat"]["id"]

            await asyncio.to_thread(patch_chat, stack_a, contact_id, {"assignee_id": people.agent1.pk})
            hidden = await restricted.wait("chat.hidden", about(contact_id))
            sandbox(stack, stack_a, "inbound", **{"from": phone, "body": "now agent1's"})
            await barrier([restricted], stack_a)
            mine = [f for f in restricted.frames if about(contact_id)(f) and f["seq"] > hidden["seq"]]
            assert mine and {f["type"] for f in mine} == {"chat.hidden"}  # nothing of it leaks
            await restricted.subscribe(contact_id)
            assert restricted.got("error", lambda f: f["code"] == "contact_not_found")
            await restricted.close()
        finally:
            await asyncio.to_thread(settings, False)

    run(scenario)


def customer_phone_sees(stack, ws, phone: str, wa_message_id: str) -> dict | None:
    with stack.bridge_http() as bridge:
        seen = bridge.get(f"/sandbox/sessions/{ws.session.id}/customers/{phone}/messages").json()
    return next((m for m in seen["messages"] if m["wa_message_id"] == wa_message_id), None)


def test_an_agent_edits_then_deletes_a_sent_message_and_the_customers_phone_shows_both(stack, stack_a, people):
    from blazz.dev.realstack import wait_until
    from chats.tests.test_integration_realtime import api_send

    phone = new_phone()

    async def scenario():
        agent = await connect(stack, stack_a.host, name="agent", cookie=people.cookie1)
        sandbox(stack, stack_a, "inbound", **{"from": phone, "body": "hello"})
        contact_id = (await agent.wait("chat.updated", lambda f: f["chat"]["phone"].lstrip("+") == phone))["chat"]["id"]
        sent = await asyncio.to_thread(api_send, stack_a, contact_id, "the price is 100")
        status = await agent.wait("message.status", lambda f: f["message_id"] == sent["id"] and f["status"] == "sent")

        with stack_a.api() as api:
            edited = api.patch(f"/api/v1/messages/{sent['id']}/", json={"body": "the price is 90"})
        assert edited.status_code == 200, edited.text
        assert edited.json()["body"] == "the price is 90" and edited.json()["edits"][0]["body"] == "the price is 100"
        await agent.wait("message.updated", lambda f: f["message"]["id"] == sent["id"])
        await asyncio.to_thread(wait_until, lambda: (customer_phone_sees(stack, stack_a, phone, status["wa_message_id"])
                                                     or {}).get("body") == "the price is 90", 15)

        with stack_a.api() as api:
            deleted = api.delete(f"/api/v1/messages/{sent['id']}/")
            again = api.delete(f"/api/v1/messages/{sent['id']}/")
        assert deleted.status_code == 200 and deleted.json()["revoked"] is True
        assert again.status_code == 200  # idempotent
        assert deleted.json()["body"] == "the price is 90"  # agents still see it
        await agent.wait("message.revoked", lambda f: f["message_id"] == sent["id"])
        await asyncio.to_thread(wait_until, lambda: (customer_phone_sees(stack, stack_a, phone, status["wa_message_id"])
                                                     or {}).get("revoked") is True, 15)
        await agent.close()

    run(scenario)
