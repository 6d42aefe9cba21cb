"""Forwarding a message to another chat: stored pending once per client_id, handed to the bridge
with `forward_of`, marked forwarded; what cannot be forwarded is a 409."""

import pytest

from blazz.core.errors import Conflict
from chats import services
from chats.models import Message
from chats.services.forward import message_forward
from chats.tests.services.conftest import received
from chats.tests.services.conftest import sent_with_wa_id as linked
from sessions_wa import bridge


def sent_with_wa_id(acme, wa_id="wa-1"):
    return Message.objects.get(pk=linked(acme, wa_id).pk)


@pytest.fixture
def other(acme):
    contact, _ = services.contact_create(phone="+62 812-0000-1111")
    return contact


def test_forward_stores_a_pending_forwarded_copy_and_emits_its_frames(acme, other, published):
    source = sent_with_wa_id(acme)
    frames = published(message_forward, message=source, to=other, client_id="fw-1")

    forward = Message.objects.get(client_id="fw-1")
    assert (forward.contact_id, forward.status, forward.forwarded, forward.forwarded_from_id, forward.body) == (
        other.pk, "pending", True, source.pk, "hi")
    assert [e.type for e in frames] == ["message.new", "message.sent", "chat.updated"]  # message.sent: the CRM's name
    assert frames[0].message["forwarded"] is True and frames[0].message["contact_id"] == other.pk


def test_forward_again_with_the_same_client_id_returns_the_same_message(acme, other):
    source = sent_with_wa_id(acme)
    first, created = message_forward(message=source, to=other, client_id="fw-1")
    again, created_again = message_forward(message=source, to=other, client_id="fw-1")

    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert Message.objects.filter(forwarded_from=source).count() == 1
    with pytest.raises(Conflict) as refused:  # the same key for another forward
        message_forward(message=source, to=acme.contact, client_id="fw-1")
    assert refused.value.code == "client_id_conflict"


def test_the_bridge_gets_forward_of_and_no_content(acme, other, monkeypatch):
    calls = []
    monkeypatch.setattr(bridge, "message_send", lambda sid, payload: calls.append(payload) or {"wa_message_id": "wa-fw"})
    source = sent_with_wa_id(acme, "wa-source")
    forward, _ = message_forward(message=source, to=other, client_id="fw-1")

    assert services.message_deliver(message_id=forward.pk)[0] == "done"
    assert calls == [{"to": other.wa_id, "client_id": "fw-1", "forward_of": "wa-source"}]
    assert Message.objects.get(pk=forward.pk).wa_message_id == "wa-fw"


def test_a_customers_message_can_be_forwarded_and_an_inbound_forward_is_marked(acme, other):
    inbound = services.message_apply_received(session=acme.session, data=received(acme, "wa-in", forwarded=True))
    assert inbound.forwarded is True

    forward, _ = message_forward(message=inbound, to=other, client_id="fw-2")
    assert forward.direction == "out" and forward.forwarded_from_id == inbound.pk


@pytest.mark.parametrize("change, code", [({"revoked": True}, "not_forwardable"), ({"type": "note"}, "not_forwardable"),
                                          ({"wa_message_id": None}, "not_sent_yet")])
def test_what_cannot_be_forwarded_is_a_conflict(acme, other, change, code):
    source = sent_with_wa_id(acme)
    Message.objects.filter(pk=source.pk).update(**change)
    source.refresh_from_db()

    with pytest.raises(Conflict) as refused:
        message_forward(message=source, to=other, client_id="fw-1")
    assert refused.value.code == code
    assert not Message.objects.filter(client_id="fw-1").exists()
