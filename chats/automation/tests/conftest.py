"""The automation world: acme's connected number and a helper for a customer writing in."""

import itertools
import time

import pytest
from django_tenants.utils import schema_context

from chats import services
from sessions_wa.models import SessionStatus, WhatsAppSession

_ids = itertools.count(1)


@pytest.fixture
def acme(world):
    with schema_context(world.ws_a.schema_name):
        session = WhatsAppSession.objects.create(id="ws_acme.auto", engine="sandbox", status=SessionStatus.CONNECTED,
                                                 phone="+628000000009")
        yield type("Acme", (), {"session": session, "world": world})


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
