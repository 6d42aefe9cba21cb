"""The default world of the service tests: acme's connected number and one contact, and helpers
that send, link and ack the way the send path and the bridge do. `published` runs a service,
commits, and returns the events it published, each checked against the catalogue's schema."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from blazz.core import events, publisher
from chats import services
from chats.models import Message
from sessions_wa.models import SessionStatus, WhatsAppSession


@pytest.fixture
def acme(world):
    with schema_context(world.ws_a.schema_name):
        session = WhatsAppSession.objects.create(id="ws_acme.s", engine="sandbox", status=SessionStatus.CONNECTED,
                                                 phone="+628000000001")
        contact, _ = services.contact_create(phone="+62 812-3456-7890")
        yield type("Acme", (), {"session": session, "contact": contact})


def send(acme, client_id="c1", body="hi", **kw):
    return services.message_send(contact=acme.contact, client_id=client_id,
                                 request=services.SendRequest(type=kw.pop("type", "text"), body=body, **kw))


def sent_with_wa_id(acme, wa_id="wa-1"):
    message, _ = send(acme)
    services.message_link_wa_id(message_id=message.pk, wa_message_id=wa_id)
    return message


def ack(acme, wa_id, value):
    services.message_apply_ack(session=acme.session, data={"wa_message_id": wa_id, "ack": value})
    return Message.objects.get(wa_message_id=wa_id)


@pytest.fixture
def published(monkeypatch, django_capture_on_commit_callbacks):
    """Run a service, commit, and return the events it published, in order. Every one of them,
    built from real rows, must hold to the catalogue's schema."""
    sent = []
    monkeypatch.setattr(publisher, "_to_redis", lambda schema, built, *_frame: sent.extend(built))

    def run(fn, **kwargs):
        sent.clear()
        with django_capture_on_commit_callbacks(execute=True):
            fn(**kwargs)
        for event in sent:
            assert events.frame_problems(events.frame(event, 1)) == [], event.type
        return list(sent)

    return run


@pytest.fixture
def queued(monkeypatch, django_capture_on_commit_callbacks):
    """The message ids handed to message_send_task, as the sweep's commit queues them."""
    from chats import tasks

    ids = []
    monkeypatch.setattr(tasks.message_send_task, "delay", ids.append)

    def sweep():
        ids.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.messages_requeue_stuck(attempt_time_limit=dt.timedelta(minutes=2))
        return sorted(ids)

    return sweep


def age(message, **fields):
    """Move a message's times into the past: {field: minutes ago}."""
    now = timezone.now()
    Message.objects.filter(pk=message.pk).update(**{f: now - dt.timedelta(minutes=m) for f, m in fields.items()})


def received(acme, wa_id, **data):
    return {"wa_message_id": wa_id, "chat_id": acme.contact.wa_id, "from": acme.contact.wa_id, "from_name": "Ana",
            "type": "text", "body": "hello", "timestamp": timezone.now().timestamp(), **data}
