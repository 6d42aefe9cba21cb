"""Media by URL with the real pieces: a file server on 127.0.0.1, daphne, the Celery worker that
fetches it, the bridge's sandbox customer that receives it (the stack sets
WEBHOOKS_ALLOW_PRIVATE, which lets a fetch reach 127.0.0.1)."""

import uuid

import pytest

from blazz.dev.realstack import wait_until
from chats.tests.test_remote_media import PNG, FileServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

CUSTOMER = "+6281100000091"


@pytest.fixture
def files():
    served = FileServer({"/pictures/dot.png": (200, "image/png", PNG, {})})
    yield served
    served.close()


def test_an_image_by_url_is_fetched_by_the_worker_and_reaches_the_sandbox_customer(stack, stack_a, files):
    with stack_a.api() as api:
        contact = api.post("/api/v1/contacts/", json={"phone": CUSTOMER}).json()
        client_id, missing_id = f"c-{uuid.uuid4()}", f"c-{uuid.uuid4()}"
        sent = api.post(f"/api/v1/contacts/{contact['id']}/messages/", json={
            "client_id": client_id, "type": "image", "media_url": f"{files.url}/pictures/dot.png", "caption": "dot"})
        missing = api.post(f"/api/v1/contacts/{contact['id']}/messages/", json={
            "client_id": missing_id, "type": "image", "media_url": f"{files.url}/pictures/nope.png"})
    assert sent.status_code == 201 and missing.status_code == 201, (sent.text, missing.text)
    assert sent.json()["status"] == "pending" and sent.json()["media"]["status"] == "pending"

    def customer_has_it():
        received = stack.customer(stack_a.session.id, CUSTOMER)["received"]
        return next((m for m in received if m["client_id"] == client_id), None)

    got = wait_until(customer_has_it, 30, message="the sandbox customer to receive the image")
    assert got["type"] == "image" and got["media"]["mimetype"] == "image/png" and got["media"]["size"] == len(PNG)

    def message(message_id):
        with stack_a.api() as api:
            return api.get(f"/api/v1/messages/{message_id}/").json()

    final = wait_until(lambda: (m := message(sent.json()["id"]))["status"] in ("sent", "delivered", "read") and m,
                       30, message="the image's ticks")
    assert final["media"]["status"] == "ready" and final["wa_message_id"] == got["wa_message_id"]
    failed = wait_until(lambda: (m := message(missing.json()["id"]))["status"] == "failed" and m, 30,
                        message="the missing file's message to fail")
    assert "HTTP 404" in failed["failure_reason"]
    assert not [m for m in stack.customer(stack_a.session.id, CUSTOMER)["received"] if m["client_id"] == missing_id]
