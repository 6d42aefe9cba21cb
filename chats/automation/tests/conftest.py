"""The automation world: acme's connected number, a helper for a customer writing in, and the
auto-reply tasks the inbound path queues."""

import itertools
import time
from types import SimpleNamespace

import pytest
from django_tenants.utils import schema_context

from chats import queue, services
from chats.automation.services import gate
from sessions_wa.models import SessionStatus, WhatsAppSession

_ids = itertools.count(1)


@pytest.fixture
def acme(world):
    with schema_context(world.ws_a.schema_name):
        session = WhatsAppSession.objects.create(id="ws_acme.auto", engine="sandbox", status=SessionStatus.CONNECTED,
                                                 phone="+628000000009")
        yield type("Acme", (), {"session": session, "world": world})


@pytest.fixture(autouse=True)
def _gate_forgets_other_tests():
    """The gate keeps each workspace's rules per process; a test's rules roll back with it, and the
    version the gate compares does not (nothing committed sets a new token)."""
    gate._summaries.clear()


@pytest.fixture
def queued(monkeypatch):
    """The auto-reply tasks the inbound path queues, as (message_id, status), at once."""
    calls = []

    class Task:
        def __init__(self, name):
            self.name = name

        def delay(self, *args):
            if self.name == queue.AUTOREPLY_TASK:
                calls.append(args)

        apply_async = delay

    monkeypatch.setattr(queue, "task", Task)
    monkeypatch.setattr(queue, "transaction", SimpleNamespace(on_commit=lambda fn, *a, **k: fn()))
    return calls


def customer_writes(acme, body, phone="6281234500001", **extra):
    """A customer's message as the bridge reports it, applied the way the webhook applies it."""
    data = {"wa_message_id": f"in-{next(_ids)}-{time.time_ns()}", "chat_id": f"{phone}@c.us", "from": f"{phone}@c.us",
            "from_name": "Budi Santoso", "to": "628000000009@c.us", "type": "text", "body": body,
            "timestamp": int(time.time()), **extra}
    return services.message_apply_received(session=acme.session, data=data)


def labelled(contact, *names):
    """The team inbox's labels on a chat (created when new); returns them."""
    from chats.models import Label

    labels = [Label.objects.get_or_create(name=name)[0] for name in names]
    contact.labels.add(*labels)
    return labels
