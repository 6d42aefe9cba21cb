import base64
import json
import secrets
import time
import uuid
from datetime import datetime, timezone

import pytest
from django.conf import settings
from django_tenants.utils import schema_context
from standardwebhooks.webhooks import Webhook

from conftest import host_client

TEST_SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


@pytest.fixture
def webhook_secret(settings):
    from webhooks.inbound import verify

    settings.BRIDGE_WEBHOOK_SECRET = TEST_SECRET
    verify._verifier = None
    yield TEST_SECRET
    verify._verifier = None


@pytest.fixture
def session_a(world):
    from sessions_wa.models import SessionStatus, WhatsAppSession

    with schema_context(world.ws_a.schema_name):
        return WhatsAppSession.objects.create(id=f"{world.ws_a.schema_name}.t1", engine="sandbox",
                                              status=SessionStatus.CONNECTED, phone="+628000000001")


def signed(payload: dict, *, webhook_id=None, secret=TEST_SECRET, at=None):
    body = json.dumps(payload)
    webhook_id = webhook_id or f"evt_{uuid.uuid4().hex}"
    at = at or datetime.now(tz=timezone.utc)
    signature = Webhook(secret).sign(webhook_id, at, body)
    headers = {"HTTP_WEBHOOK_ID": webhook_id, "HTTP_WEBHOOK_TIMESTAMP": str(int(at.timestamp())),
               "HTTP_WEBHOOK_SIGNATURE": signature}
    return body, headers


class Bridge:
    """Posts signed bridge events to /hooks/bridge/ on the public host, as the bridge does."""

    def __init__(self, session):
        self.session = session
        self.client = host_client()

    def post(self, type_, data, webhook_id=None, workspace=None, session_id=None, epoch=None, **sign):
        payload = {"type": type_, "session_id": session_id or self.session.pk,
                   "workspace": workspace or self.session.pk.split(".")[0], "occurred_at": time.time(), "data": data}
        if epoch is not None:
            payload["epoch"] = epoch
        body, headers = signed(payload, webhook_id=webhook_id, **sign)
        return self.client.generic("POST", "/hooks/bridge/", body, content_type="application/json", **headers)


@pytest.fixture
def bridge_a(webhook_secret, session_a):
    return Bridge(session_a)


def received(wa_id=None, chat_id="6281234567890@c.us", body="hello", **extra):
    return {"wa_message_id": wa_id or f"false_{chat_id}_{secrets.token_hex(8)}", "chat_id": chat_id,
            "from": chat_id, "from_name": "Budi", "to": "628000000001@c.us", "type": "text", "body": body,
            "caption": None, "media": None, "reply_to": None, "timestamp": time.time(), "client_id": None, **extra}
