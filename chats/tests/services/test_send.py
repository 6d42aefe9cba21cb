"""The send path's rules: one pending message per client_id, checked before it is stored."""

import pytest

from blazz.core.errors import DomainError
from chats.models import Contact, Message
from chats.tasks import message_send_task
from chats.tests.services.conftest import send
from sessions_wa.models import SessionStatus, WhatsAppSession


def test_message_send_stores_a_pending_message_and_moves_the_chat(acme):
    message, created = send(acme)

    assert created and message.status == "pending" and message.direction == "out"
    contact = Contact.objects.get(pk=acme.contact.pk)
    assert contact.last_message_id == message.pk and contact.session_id == acme.session.pk


def test_message_send_same_client_id_returns_the_same_message(acme):
    first, _ = send(acme)
    second, created = send(acme)
    assert second.pk == first.pk and created is False


def test_message_send_different_body_under_a_used_client_id_is_409(acme):
    send(acme)
    with pytest.raises(DomainError) as error:
        send(acme, body="something else")
    assert (error.value.code, error.value.status_code) == ("client_id_conflict", 409)


@pytest.mark.parametrize("kwargs, code", [
    ({"body": "   "}, "body_required"),
    ({"type": "image", "body": ""}, "media_required"),
    ({"type": "revoked"}, "type_invalid"),
    ({"type": "location", "body": "", "location": {"latitude": 100, "longitude": 0}}, "invalid_request"),
    ({"type": "contact", "body": "", "contact_card": {"name": "x"}}, "invalid_request"),
    ({"contact_card": {"name": "x", "phone": "0"}}, "field_not_allowed"),
    ({"location": {"latitude": 1, "longitude": 2}}, "field_not_allowed"),
    ({"caption": "a caption on text"}, "field_not_allowed"),
    ({"type": "voice", "body": "", "caption": "no captions on voice notes",
      "media_id": "00000000-0000-0000-0000-000000000000"}, "field_not_allowed"),
    ({"type": "location", "location": {"latitude": 1, "longitude": 2}}, "field_not_allowed"),
    ({"reply_to_id": 999999}, "reply_to_not_found"),
    ({"type": "image", "body": "", "media_id": "00000000-0000-0000-0000-000000000000"}, "media_not_found"),
])
def test_message_send_refuses_bad_requests(acme, kwargs, code):
    with pytest.raises(DomainError) as error:
        send(acme, **kwargs)
    assert error.value.code == code
    assert not Message.objects.exists()


def test_message_send_through_a_disconnected_session_is_409(acme):
    WhatsAppSession.objects.filter(pk=acme.session.pk).update(status=SessionStatus.DISCONNECTED)
    with pytest.raises(DomainError) as error:
        send(acme)
    assert (error.value.code, error.value.status_code) == ("session_not_connected", 409)


def test_a_send_that_cannot_be_queued_after_its_commit_is_recorded_not_queued(acme, monkeypatch,
                                                                               django_capture_on_commit_callbacks):
    """The broker away at the commit: no exception reaches the request that stored the message."""
    from kombu.exceptions import OperationalError


    def broker_away(message_id):
        raise OperationalError("Error 111 connecting to redis")

    monkeypatch.setattr(message_send_task, "delay", broker_away)
    with django_capture_on_commit_callbacks(execute=True):
        message, created = send(acme)

    assert created and Message.objects.get(pk=message.pk).send_queued_at is None


def test_repeating_the_post_of_a_send_that_was_not_queued_queues_it_once(acme, monkeypatch,
                                                                         django_capture_on_commit_callbacks):

    queued = []
    monkeypatch.setattr(message_send_task, "delay", queued.append)
    message, _ = send(acme)
    Message.objects.filter(pk=message.pk).update(send_queued_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        again, created = send(acme)
        send(acme)

    assert (again.pk, created, queued) == (message.pk, False, [message.pk])
    assert Message.objects.get(pk=message.pk).send_queued_at is not None
