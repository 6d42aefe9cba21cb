"""LID identities and the catch-up after downtime, end to end: the sandbox's customers switch to a
LID and write while the number is offline; daphne, the worker and the bridge do the rest."""

import uuid
from urllib.parse import quote

import pytest

from blazz.dev.realstack import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def sandbox(stack, ws, action, **body):
    with stack.bridge_http() as bridge:
        response = bridge.post(f"/sandbox/sessions/{quote(ws.session.id, safe='')}/{action}", json=body)
    assert response.status_code < 300, response.text
    return response.json()


def chats_of(ws) -> list[dict]:
    with ws.api() as api:
        return api.get("/api/v1/chats/", params={"page_size": 100}).json()["results"]


def thread(ws, contact_id) -> list[dict]:
    with ws.api() as api:
        return api.get(f"/api/v1/contacts/{contact_id}/messages/", params={"page_size": 100}).json()["results"]


def chat_with(ws, text):
    return next((chat for chat in chats_of(ws) if (chat.get("last_message") or {}).get("body") == text), None)


def send(ws, contact_id, body):
    with ws.api() as api:
        response = api.post(f"/api/v1/contacts/{contact_id}/messages/", json={"client_id": f"c-{uuid.uuid4()}", "body": body})
    assert response.status_code == 201, response.text
    return response.json()


def test_a_customer_switched_to_a_lid_stays_one_contact_once_whatsapp_maps_it(stack, stack_a):
    phone = "+6281100000901"
    sandbox(stack, stack_a, "inbound", **{"from": phone, "body": "hello by phone"})
    by_phone = wait_until(lambda: chat_with(stack_a, "hello by phone"), 15, 0.2, "the phone's chat")

    # WhatsApp switches the customer to a LID and does not say whose it is yet: a contact of its own.
    lid = sandbox(stack, stack_a, "lid", **{"from": phone, "lid": "209999000000901"})["lid"]
    sandbox(stack, stack_a, "inbound", **{"from": phone, "body": "hello by lid"})
    by_lid = wait_until(lambda: chat_with(stack_a, "hello by lid"), 15, 0.2, "the LID's chat")
    assert by_lid["id"] != by_phone["id"] and by_lid["wa_id"] == lid
    sent_to_lid = send(stack_a, by_lid["id"], "answer to the lid")
    wait_until(lambda: any(m["client_id"] == sent_to_lid["client_id"]
                           for m in stack.customer(stack_a.session.id, phone)["received"]), 15, 0.2,
               "the customer to receive the message sent to their LID")

    # Now WhatsApp tells: one person, one contact and chat, with every message of both.
    sandbox(stack, stack_a, "lid", **{"from": phone, "announce": True})
    wait_until(lambda: not any(chat["id"] == by_lid["id"] for chat in chats_of(stack_a)), 15, 0.2,
               "the LID's chat to merge into the phone's")
    bodies = {m["body"] for m in thread(stack_a, by_phone["id"])}
    assert {"hello by phone", "hello by lid", "answer to the lid"} <= bodies
    sandbox(stack, stack_a, "inbound", **{"from": phone, "body": "after the merge"})
    wait_until(lambda: (chat := chat_with(stack_a, "after the merge")) and chat["id"] == by_phone["id"], 15, 0.2,
               "a later LID message to land in the one chat")
    sent = send(stack_a, by_phone["id"], "to either id")
    wait_until(lambda: any(m["client_id"] == sent["client_id"] for m in stack.customer(stack_a.session.id, phone)["received"]),
               15, 0.2, "the customer to receive a send after the merge")


def test_messages_written_while_offline_arrive_once_as_history_with_the_phones_unread_count(stack, stack_b):
    phones = ["+6281100000911", "+6281100000912"]
    sandbox(stack, stack_b, "offline")
    try:
        for n, phone in enumerate([phones[0], phones[0], phones[1]]):
            assert sandbox(stack, stack_b, "inbound", **{"from": phone, "body": f"while away {n}"})["held"] is True
    finally:
        sandbox(stack, stack_b, "online")

    def caught_up():
        chats = {chat["phone"]: chat for chat in chats_of(stack_b) if chat["phone"] in phones}
        return len(chats) == 2 and chats[phones[0]]["unread_count"] == 2 and chats[phones[1]]["unread_count"] == 1 and chats

    chats = wait_until(caught_up, 20, 0.3, "the held messages as history with the phone's unread counts")
    messages = thread(stack_b, chats[phones[0]]["id"])
    assert sorted(m["body"] for m in messages) == ["while away 0", "while away 1"]
    assert all(m["history"] for m in messages)
