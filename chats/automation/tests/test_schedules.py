import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from chats.automation.models import ScheduledMessage
from chats.automation.services.schedules import scheduled_send_due
from chats.models import Message, MessageOrigin
from sessions_wa.models import SessionStatus, WhatsAppSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(client_a, world):
    with schema_context(world.ws_a.schema_name):
        WhatsAppSession.objects.create(id="ws_acme.sch", engine="sandbox", status=SessionStatus.CONNECTED)
    return client_a.post("/api/v1/contacts/", {"phone": "+6281234500111", "name": "Dewi"},
                         content_type="application/json").json()


def schedule(client, contact, seconds=60, **body):
    send_at = (timezone.now() + dt.timedelta(seconds=seconds)).isoformat()
    return client.post(f"/api/v1/contacts/{contact['id']}/messages/",
                       {"client_id": "s-1", "body": "Reminder", "send_at": send_at, **body},
                       content_type="application/json")


def test_a_scheduled_message_is_editable_and_cancellable_until_it_goes(client_a, contact):
    made = schedule(client_a, contact)
    assert made.status_code == 202 and made.json()["status"] == "scheduled"
    url = f"/api/v1/scheduled-messages/{made.json()['id']}/"
    edited = client_a.patch(url, {"body": "Reminder (edited)"}, content_type="application/json")
    assert edited.status_code == 200 and edited.json()["body"] == "Reminder (edited)"
    assert client_a.delete(url).json()["status"] == "cancelled"
    assert client_a.delete(url).status_code == 200  # again: still cancelled
    late_edit = client_a.patch(url, {"body": "x"}, content_type="application/json")
    assert late_edit.status_code == 409 and late_edit.json()["error"]["code"] == "scheduled_message_not_editable"


def test_due_messages_go_once_on_the_send_path_marked_scheduled(client_a, contact, world):
    made = schedule(client_a, contact, seconds=1).json()
    with schema_context(world.ws_a.schema_name):
        later = timezone.now() + dt.timedelta(seconds=5)
        assert scheduled_send_due(now=later) == 1
        assert scheduled_send_due(now=later) == 0
        message = Message.objects.get(client_id="s-1")
        assert message.origin == MessageOrigin.SCHEDULE and message.body == "Reminder"
        assert ScheduledMessage.objects.get(pk=made["id"]).message_id == message.pk


def test_send_at_in_the_past_and_a_template_missing_variables_are_400s(client_a, contact):
    past = schedule(client_a, contact, seconds=-3600)
    assert past.status_code == 400 and past.json()["error"]["code"] == "send_at_invalid"
    template = client_a.post("/api/v1/templates/", {"name": "T", "body": "Hi {{1}}"}, content_type="application/json").json()
    missing = schedule(client_a, contact, template_id=template["id"])
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "variables_missing"


def test_another_workspace_cannot_see_or_cancel_a_scheduled_message(client_a, client_b, contact):
    made = schedule(client_a, contact).json()
    assert client_b.get(f"/api/v1/scheduled-messages/{made['id']}/").status_code == 404
    assert client_b.delete(f"/api/v1/scheduled-messages/{made['id']}/").status_code == 404
