"""The contact frames a CRM stream and an agent's own devices get, through the real stack:
contact.updated, contact.deleted, contact.erased, contact.merged (a LID learnt its phone) and the
agent-only chat.muted. Their frames count toward test_integration_realtime's catalogue check
(test_integration_zz_catalogue.py)."""

from __future__ import annotations

from blazz.dev.realstack import wait_until
from chats.tests.test_integration_realtime import FRAME_TIMEOUT, connect, new_phone, run, sandbox

RAN: set[str] = set()


def customer(stack, ws, body: str) -> int:
    """A new customer writes: the id of their chat."""
    phone = new_phone()
    sandbox(stack, ws, "inbound", **{"from": phone, "body": body})

    def found():
        with ws.api() as api:
            rows = api.get("/api/v1/chats/", params={"q": phone}).json()["results"]
        return rows[0]["id"] if rows else None
    return wait_until(found, FRAME_TIMEOUT, 0.1, "the customer's chat")


def test_contact_updates_deletes_and_erasures_reach_a_crm_stream(stack, stack_a):
    edited, deleted, erased = (customer(stack, stack_a, f"frames {n}") for n in range(3))

    async def scenario():
        crm = await connect(stack, stack_a.host, name="crm", api_key=stack_a.api_key)
        with stack_a.api() as api:
            assert api.patch(f"/api/v1/contacts/{edited}/", json={"name": "Ibu Sari"}).status_code == 200
        with stack_a.admin() as admin:  # deleting and erasing are an owner's, never a key's
            assert admin.delete(f"/api/v1/contacts/{deleted}/").status_code == 204
            assert admin.delete(f"/api/v1/contacts/{erased}/", params={"erase": "true"}).status_code == 204
        updated = await crm.wait("contact.updated", lambda f: f["contact"]["id"] == edited)
        assert updated["contact"]["name"] == "Ibu Sari"
        await crm.wait("contact.deleted", lambda f: f["contact_id"] == deleted)
        await crm.wait("contact.erased", lambda f: f["contact_id"] == erased)
        await crm.close()

    run(scenario)
    RAN.add("contacts")


def test_a_mute_reaches_only_the_muting_members_own_sockets(stack, stack_a):
    contact_id = customer(stack, stack_a, "mute me")

    async def scenario():
        with stack_a.admin() as admin:
            cookie = "; ".join(f"{name}={value}" for name, value in admin.cookies.items())
            own = await connect(stack, stack_a.host, name="owner-device", cookie=cookie)
            crm = await connect(stack, stack_a.host, name="crm", api_key=stack_a.api_key)
            assert admin.put(f"/api/v1/contacts/{contact_id}/mute/", json={}).status_code == 200
        muted = await own.wait("chat.muted", lambda f: f["contact_id"] == contact_id)
        assert muted["muted"] is True and muted["muted_until"] is None
        await crm.sync()  # every frame published before this one has reached it
        assert crm.got("chat.muted") == []
        await own.close()
        await crm.close()

    run(scenario)
    RAN.add("mute")


def test_a_lid_contact_merged_into_its_phone_is_announced(stack, stack_a):
    phone = new_phone()

    async def scenario():
        crm = await connect(stack, stack_a.host, name="crm", api_key=stack_a.api_key)
        sandbox(stack, stack_a, "inbound", **{"from": phone, "body": "by phone"})
        await crm.wait("message.new", lambda f: f["message"]["body"] == "by phone")
        lid = sandbox(stack, stack_a, "lid", **{"from": phone})["lid"]
        sandbox(stack, stack_a, "inbound", **{"from": phone, "body": "by lid"})
        by_lid = await crm.wait("message.new", lambda f: f["message"]["body"] == "by lid")
        sandbox(stack, stack_a, "lid", **{"from": phone, "announce": True})  # WhatsApp maps lid -> phone
        merged = await crm.wait("contact.merged", lambda f: f["contact_id"] == by_lid["message"]["contact_id"])
        assert merged["into_contact_id"] != merged["contact_id"] and lid
        await crm.close()

    run(scenario)
    RAN.add("merge")

