"""Sockets do not outlive their principal (real daphne, Redis and sockets).

A revoked API key, a removed or re-roled member, a logout and a password change close the
principal's open sockets at once (4401, 4403; 4001 = reconnect after a role change); and a
revocation whose close never arrived still stops the socket's next frame from acting.
"""

import asyncio

import pytest

from chats.tests.test_integration_realtime import (
    FRAME_TIMEOUT, chat_row, committed, connect, login, member, new_phone, run, sandbox,
)
from conftest import PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


async def closed_with(socket) -> int:
    await asyncio.wait_for(asyncio.shield(socket._reader), FRAME_TIMEOUT)
    return socket.close_code


def test_revoking_an_api_key_closes_its_open_socket_and_not_the_others(stack, stack_a):
    from workspaces import services

    key, raw = committed(lambda: services.api_key_create(workspace=stack_a.workspace, name="to revoke"))

    async def scenario():
        doomed = await connect(stack, stack_a.host, name="doomed", api_key=raw)
        kept = await connect(stack, stack_a.host, name="kept", api_key=stack_a.api_key)

        await asyncio.to_thread(committed, lambda: services.api_key_revoke(workspace=stack_a.workspace, key_id=key.pk))

        assert await closed_with(doomed) == 4401
        sandbox(stack, stack_a, "inbound", **{"from": new_phone(), "body": "after the revocation"})
        await kept.wait("message.new", lambda f: f["message"]["body"] == "after the revocation")
        assert not doomed.got("message.new", lambda f: f["message"]["body"] == "after the revocation")
        await kept.close()

    run(scenario)


def test_removing_a_member_closes_their_sockets_with_4403(stack, stack_a):
    from workspaces import services
    from workspaces.models import Membership

    user = member(stack_a, "rv-removed@stacka.test")
    cookie = login(stack, stack_a, user.email)
    membership_id = committed(lambda: Membership.objects.get(user=user, workspace=stack_a.workspace).pk)

    async def scenario():
        socket = await connect(stack, stack_a.host, name="removed", cookie=cookie)
        await asyncio.to_thread(committed, lambda: services.membership_delete(
            workspace=stack_a.workspace, membership_id=membership_id))
        assert await closed_with(socket) == 4403

    run(scenario)


def test_a_role_change_closes_with_4001_and_the_member_reconnects(stack, stack_a):
    from workspaces import services
    from workspaces.models import Membership

    user = member(stack_a, "rv-promoted@stacka.test")
    cookie = login(stack, stack_a, user.email)
    membership_id = committed(lambda: Membership.objects.get(user=user, workspace=stack_a.workspace).pk)

    async def scenario():
        socket = await connect(stack, stack_a.host, name="promoted", cookie=cookie)
        await asyncio.to_thread(committed, lambda: services.membership_set_role(
            workspace=stack_a.workspace, membership_id=membership_id, role="admin"))
        assert await closed_with(socket) == 4001
        again = await connect(stack, stack_a.host, name="again", cookie=cookie)
        await again.close()

    run(scenario)


def test_logging_out_closes_that_session_s_sockets_only(stack, stack_a):
    user = member(stack_a, "rv-logout@stacka.test")
    other_cookie = login(stack, stack_a, user.email)  # another browser of the same person

    async def scenario():
        with stack.http(stack_a.host) as browser:
            browser.get("/login/")
            browser.post("/login/", data={"email": user.email, "password": PASSWORD,
                                          "csrfmiddlewaretoken": browser.cookies["blazz_csrftoken"]})
            cookie = f"blazz_session={browser.cookies['blazz_session']}"
            socket = await connect(stack, stack_a.host, name="logged-out", cookie=cookie)
            other = await connect(stack, stack_a.host, name="other-browser", cookie=other_cookie)

            assert browser.get("/logout/").status_code == 405  # a cross-site image cannot log anyone out
            response = await asyncio.to_thread(
                browser.post, "/logout/", data={"csrfmiddlewaretoken": browser.cookies["blazz_csrftoken"]})
            assert response.status_code == 302

            assert await closed_with(socket) == 4401
            await other.sync()  # still open and answering
            await other.close()

    run(scenario)


def test_a_password_change_closes_every_socket_of_the_account(stack, stack_a):
    user = member(stack_a, "rv-password@stacka.test")
    cookie = login(stack, stack_a, user.email)

    def change_password():
        user.set_password("a-brand-new-passphrase-7")
        user.save()

    async def scenario():
        socket = await connect(stack, stack_a.host, name="old-password", cookie=cookie)
        await asyncio.to_thread(committed, change_password)
        assert await closed_with(socket) == 4401

    run(scenario)


def test_a_frame_after_a_revocation_whose_close_was_lost_does_not_act(stack, stack_a):
    """The membership goes without the close order (as if Redis lost it): the socket's next `read`
    frame must not clear the unread count nor send a read receipt; the socket is closed instead."""
    from workspaces.models import Membership

    user = member(stack_a, "rv-lost-close@stacka.test")
    cookie = login(stack, stack_a, user.email)
    phone = new_phone()

    async def scenario():
        socket = await connect(stack, stack_a.host, name="lost-close", cookie=cookie)
        sandbox(stack, stack_a, "inbound", **{"from": phone, "body": "unread for the leaver"})
        row = await socket.wait("chat.updated", lambda f: f["chat"]["phone"] == f"+{phone}")
        contact_id = row["chat"]["id"]
        await asyncio.to_thread(committed, lambda: Membership.objects.filter(
            user=user, workspace=stack_a.workspace).delete())  # a raw delete: no close order

        await socket.send({"type": "read", "contact_id": contact_id})

        assert await closed_with(socket) == 4401
        assert chat_row(stack_a, {"id": contact_id, "phone": f"+{phone}"})["unread_count"] == 1
        assert not stack.customer(stack_a.session.id, phone).get("seen_at")

    run(scenario)
