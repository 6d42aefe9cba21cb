"""`/api/v1/webhooks/` in process: CRUD, the secret, SSRF refusals, the other workspace's side,
and signatures a CRM verifies with the standardwebhooks package (as a receiver would)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from standardwebhooks.webhooks import Webhook

from conftest import host_client
from webhooks.models import WebhookEndpoint
from webhooks.outbound import delivery, endpoints


@pytest.fixture
def admin_a(world):
    return host_client(world.ws_a, world.owner_a)


def create(client, **body):
    return client.post("/api/v1/webhooks/", data=json.dumps({"url": "http://127.0.0.1:9/h", **body}),
                       content_type="application/json")


def test_create_shows_the_secret_once_and_crud_works(admin_a, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    made = create(admin_a, events=["message.new", "message.status"], headers={"X-Crm": "1"}, description="crm")

    assert made.status_code == 201, made.content
    body = made.json()
    assert body["secret"].startswith("whsec_") and body["events"] == ["message.new", "message.status"]
    listed = admin_a.get("/api/v1/webhooks/").json()
    assert [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]
    patched = admin_a.patch(f"/api/v1/webhooks/{body['id']}/", data=json.dumps({"enabled": False}),
                            content_type="application/json")
    assert patched.status_code == 200 and patched.json()["enabled"] is False
    assert patched.json()["events"] == ["message.new", "message.status"]
    assert admin_a.get(f"/api/v1/webhooks/{body['id']}/secret/").json()["secret"] == body["secret"]
    rotated = admin_a.post(f"/api/v1/webhooks/{body['id']}/rotate-secret/").json()
    assert rotated["secret"] != body["secret"]
    assert admin_a.delete(f"/api/v1/webhooks/{body['id']}/").status_code == 204
    assert admin_a.get(f"/api/v1/webhooks/{body['id']}/").json()["error"]["code"] == "webhook_not_found"


@pytest.mark.parametrize("url", ["http://127.0.0.1/h", "http://10.0.0.8/h", "http://169.254.169.254/latest/meta-data",
                                 "http://[::1]/h", "http://localhost/h", "ftp://example.com/h"])
def test_private_and_non_http_urls_are_refused(admin_a, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE = False

    refused = create(admin_a, url=url)

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] in ("url_not_allowed", "invalid_request")
    if url.startswith("http"):
        assert refused.json()["error"]["code"] == "url_not_allowed"


def test_bad_events_and_reserved_headers_are_400(admin_a, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    assert create(admin_a, events=["nope"]).json()["error"]["fields"]["events"]
    assert create(admin_a, headers={"webhook-signature": "x"}).json()["error"]["fields"]["headers"] == ["webhook-signature"]


def test_another_workspace_never_sees_or_touches_an_endpoint(admin_a, world, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    made = create(admin_a).json()
    globex = host_client(world.ws_b, world.owner_b)

    assert globex.get("/api/v1/webhooks/").json() == []
    assert globex.get(f"/api/v1/webhooks/{made['id']}/").status_code == 404
    assert globex.delete(f"/api/v1/webhooks/{made['id']}/").status_code == 404
    assert globex.get(f"/api/v1/webhooks/{made['id']}/secret/").status_code == 404


def test_an_agent_cannot_manage_webhooks(world):
    assert host_client(world.ws_a, world.agent_a).get("/api/v1/webhooks/").status_code == 403


def test_signatures_verify_with_standardwebhooks_during_a_rotation_with_both_secrets(world):
    with schema_context(world.ws_a.schema_name):
        endpoint = WebhookEndpoint(url="http://127.0.0.1/h", events=["*"], secret=endpoints.new_secret())
        old = endpoint.secret
        at, body = timezone.now(), '{"id":"evt_1"}'
        headers = {"webhook-id": "evt_1", "webhook-timestamp": str(int(at.timestamp()))}

        Webhook(old).verify(body, {**headers, "webhook-signature": delivery.signature(endpoint, "evt_1", at, body)})
        endpoint.previous_secret, endpoint.secret = old, endpoints.new_secret()
        endpoint.previous_secret_until = timezone.now() + timedelta(hours=24)
        both = delivery.signature(endpoint, "evt_1", at, body)
        for secret in (old, endpoint.secret):  # a receiver with either secret accepts it
            Webhook(secret).verify(body, {**headers, "webhook-signature": both})
        endpoint.previous_secret_until = timezone.now() - timedelta(seconds=1)
        assert len(delivery.signature(endpoint, "evt_1", at, body).split()) == 1


def test_the_retry_schedule_has_jitter_and_an_end(settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [5, 300]
    assert 4 <= delivery.retry_delay(1) <= 6 and 240 <= delivery.retry_delay(2) <= 360
    assert delivery.retry_delay(3) is None
