"""POST /hooks/bridge/ as daphne serves it: the plain ASGI app in front of Django (webhooks/inbound/asgi.py)
answers as the Django view does, with the one error shape, and hands every other host and path to
Django."""

import json
import time
import uuid
from datetime import datetime, timezone

import httpx
import pytest
from django.conf import settings
from django_tenants.utils import schema_context
from standardwebhooks.webhooks import Webhook

from chats.models import Message
from chats.tests.test_integration_failures import sign_and_post
from webhooks.models import AppliedWebhook

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def post(stack, body, *, host="localhost", method="POST", webhook_id=None, sign=True, **headers):
    """`headers` replace the signed ones."""
    webhook_id = webhook_id or f"evt_{uuid.uuid4().hex}"
    now = datetime.now(tz=timezone.utc)
    signed = {"webhook-id": webhook_id, "webhook-timestamp": str(int(now.timestamp())),
              "webhook-signature": Webhook(settings.BRIDGE_WEBHOOK_SECRET).sign(webhook_id, now, body)} if sign else {}
    return httpx.request(method, f"{stack.web_url}/hooks/bridge/", content=body, timeout=15,
                         headers={"Host": host, "content-type": "application/json", **signed, **headers})


def received(**data):
    chat_id = "6281299900001@c.us"
    return {"wa_message_id": f"false_{chat_id}_{uuid.uuid4().hex[:12]}", "chat_id": chat_id, "from": chat_id,
            "from_name": "Asgi", "to": "628000000001@c.us", "type": "text", "body": "via the asgi app",
            "caption": None, "media": None, "reply_to": None, "timestamp": time.time(), "client_id": None, **data}


def assert_error(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == code


def test_an_event_is_applied_once_and_its_replay_answers_duplicate(stack, stack_a):
    data = received()
    webhook_id = f"evt_{uuid.uuid4().hex}"

    first = sign_and_post(stack, stack_a, "message.received", data, webhook_id)
    again = sign_and_post(stack, stack_a, "message.received", data, webhook_id)

    assert (first.status_code, first.json()) == (200, {"ok": True, "duplicate": False})
    assert (again.status_code, again.json()) == (200, {"ok": True, "duplicate": True})
    with schema_context(stack_a.schema):
        assert Message.objects.filter(wa_message_id=data["wa_message_id"]).count() == 1
        assert AppliedWebhook.objects.filter(webhook_id=webhook_id).count() == 1


def test_refusals_have_the_error_shape_and_store_nothing(stack, stack_a):
    envelope = {"type": "message.received", "session_id": stack_a.session.id, "workspace": stack_a.schema,
                "occurred_at": time.time(), "data": received()}
    body = json.dumps(envelope)

    assert_error(post(stack, body, sign=False), 401, "invalid_signature")
    assert_error(post(stack, body, **{"webhook-signature": "v1,AAAA"}), 401, "invalid_signature")
    assert_error(post(stack, "{not json"), 400, "invalid_payload")
    assert_error(post(stack, json.dumps({**envelope, "workspace": "ws_nowhere"})), 404, "unknown_workspace")
    assert_error(post(stack, json.dumps({**envelope, "session_id": "nope"})), 404, "unknown_session")
    assert_error(post(stack, json.dumps({**envelope, "type": "message.exploded"})), 422, "unknown_event_type")
    too_big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    assert_error(post(stack, too_big), 413, "payload_too_large")
    get = post(stack, "", method="GET", sign=False)
    assert_error(get, 405, "method_not_allowed")
    assert get.headers["allow"] == "POST"

    with schema_context(stack_a.schema):
        assert not Message.objects.filter(wa_message_id=envelope["data"]["wa_message_id"]).exists()


def test_a_workspace_host_and_other_paths_are_djangos(stack, stack_a):
    data = received()
    event = json.dumps({"type": "message.received", "session_id": stack_a.session.id, "workspace": stack_a.schema,
                        "occurred_at": time.time(), "data": data})

    on_workspace_host = post(stack, event, host=stack_a.host)

    assert on_workspace_host.status_code in (403, 404)  # the route lives on the public host only, as before
    with schema_context(stack_a.schema):
        assert not Message.objects.filter(wa_message_id=data["wa_message_id"]).exists()

    health = httpx.get(f"{stack.web_url}/api/health/", timeout=15,
                       headers={"Host": "localhost", "Authorization": f"Bearer {stack.bridge_token}"})
    assert health.headers["content-type"] == "application/json" and "checks" in health.json()
