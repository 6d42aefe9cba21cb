"""A file to send by URL or inline (chats/services/remote_media.py), in-process: a real HTTP server
on 127.0.0.1 serves the files; the worker's fetch is called in place (the send task is not run:
no bridge here). The real send to a sandbox customer: test_integration_remote_media.py."""

import base64
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django_tenants.utils import schema_context

from chats.models import MediaFile, Message
from chats.services import remote_media
from conftest import host_client
from sessions_wa.models import SessionStatus, WhatsAppSession

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


class FileServer:
    """Serves `files` {path: (status, content type, body, extra headers)} on 127.0.0.1."""

    def __init__(self, files):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                status, kind, body, extra = files.get(self.path, (404, "text/plain", b"no", {}))
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(body)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def files(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    served = FileServer({"/dot.png": (200, "image/png", PNG, {}), "/big.png": (200, "image/png", PNG * 100, {}),
                         "/moved.png": (302, "text/plain", b"", {"location": "/dot.png"}),
                         "/page.html": (200, "text/html", b"<html></html>", {})})
    yield served
    served.close()


@pytest.fixture
def contact_a(world, client_a):
    with schema_context(world.ws_a.schema_name):
        WhatsAppSession.objects.create(id="ws_acme.media", engine="sandbox", status=SessionStatus.CONNECTED,
                                       phone="+628000000005")
    return client_a.post("/api/v1/contacts/", {"phone": "+6281200000321"}, content_type="application/json").json()


@pytest.fixture
def queued(monkeypatch):
    found = {"fetch": [], "send": []}
    from chats import queue

    monkeypatch.setattr(queue, "media_fetch_for_send_after_commit", lambda *args: found["fetch"].append(args))
    monkeypatch.setattr(queue, "message_send_now", lambda message_id: found["send"].append(message_id) or True)
    return found


def send(client, contact, **body):
    return client.post(f"/api/v1/contacts/{contact['id']}/messages/",
                       {"client_id": str(uuid.uuid4()), "type": "image", **body}, content_type="application/json")


def fetched(world, queued):
    media_id, message_id, url = queued["fetch"][-1]
    with schema_context(world.ws_a.schema_name):
        outcome = remote_media.media_fetch_for_send(media_id=media_id, message_id=message_id, url=url)
        return outcome, Message.objects.select_related("media").get(pk=message_id)


def test_by_url_the_message_waits_pending_until_the_worker_has_the_file_then_its_send_is_queued(
        world, client_a, contact_a, files, queued):
    answer = send(client_a, contact_a, media_url=f"{files.url}/dot.png", caption="look")
    assert answer.status_code == 201, answer.content
    assert answer.json()["status"] == "pending" and answer.json()["media"]["status"] == "pending"
    assert queued["send"] == [] and queued["fetch"][0][2] == f"{files.url}/dot.png"

    outcome, message = fetched(world, queued)
    assert outcome == "sent" and queued["send"] == [message.pk]
    assert message.status == "pending" and message.media.status == "ready"
    assert (message.media.mimetype, message.media.filename, message.media.size) == ("image/png", "dot.png", len(PNG))
    assert (message.media.width, message.media.height) == (1, 1)
    with message.media.file.open("rb") as stored:
        assert stored.read() == PNG


@pytest.mark.parametrize("path,why", [("/missing.png", "HTTP 404"), ("/moved.png", "redirect"),
                                      ("/page.html", "text/html"), ("/big.png", "larger than")])
def test_a_fetch_that_fails_fails_the_message_with_a_readable_reason(world, client_a, contact_a, files, queued,
                                                                      settings, path, why):
    settings.MEDIA_MAX_UPLOAD_BYTES = len(PNG) * 10
    assert send(client_a, contact_a, media_url=f"{files.url}{path}").status_code == 201

    outcome, message = fetched(world, queued)
    assert outcome == "failed" and queued["send"] == []
    assert message.status == "failed" and why in message.failure_reason and files.url in message.failure_reason
    assert message.media.status == "failed"


def test_private_addresses_are_refused_when_given_and_when_fetched(world, client_a, contact_a, files, queued, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    refused = send(client_a, contact_a, media_url=f"{files.url}/dot.png")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "url_not_allowed"
    assert send(client_a, contact_a, media_url="ftp://example.com/x.png").status_code == 400

    settings.WEBHOOKS_ALLOW_PRIVATE = True
    assert send(client_a, contact_a, media_url=f"{files.url}/dot.png").status_code == 201
    settings.WEBHOOKS_ALLOW_PRIVATE = False  # DNS, or the rule, changed before the worker ran
    outcome, message = fetched(world, queued)
    assert outcome == "failed" and "private" in message.failure_reason


def test_inline_base64_is_stored_at_once_and_sent_as_an_upload(world, client_a, contact_a, queued,
                                                               django_capture_on_commit_callbacks, monkeypatch):
    from chats import queue

    sends = []
    monkeypatch.setattr(queue, "message_send_after_commit", lambda message_id, **_: sends.append(message_id))
    answer = send(client_a, contact_a, media_base64=base64.b64encode(PNG).decode(), filename="dot.png",
                  mimetype="image/png")
    assert answer.status_code == 201, answer.content
    assert answer.json()["media"]["status"] == "ready" and sends == [answer.json()["id"]] and queued["fetch"] == []

    bad = send(client_a, contact_a, media_base64="not base64!", filename="x.png", mimetype="image/png")
    assert bad.status_code == 400 and "media_base64" in bad.json()["error"]["fields"]
    exe = send(client_a, contact_a, media_base64=base64.b64encode(b"MZ").decode(), filename="x.exe",
               mimetype="application/x-msdownload")
    assert exe.status_code == 415


def test_one_way_to_give_the_file_and_not_on_a_text(world, client_a, contact_a, files):
    both = send(client_a, contact_a, media_url=f"{files.url}/dot.png", media_base64=base64.b64encode(PNG).decode(),
                filename="dot.png", mimetype="image/png")
    assert both.status_code == 400
    text = send(client_a, contact_a, type="text", body="hi", media_url=f"{files.url}/dot.png")
    assert text.status_code == 400 and text.json()["error"]["code"] == "field_not_allowed"


def test_a_repeat_of_the_same_client_id_returns_the_same_message(world, client_a, contact_a, files, queued):
    body = {"client_id": "c-url-1", "type": "image", "media_url": f"{files.url}/dot.png"}
    url = f"/api/v1/contacts/{contact_a['id']}/messages/"
    first = client_a.post(url, body, content_type="application/json")
    again = client_a.post(url, body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    with schema_context(world.ws_a.schema_name):
        assert MediaFile.objects.count() == 1


def test_the_other_workspace_cannot_send_to_this_contact_by_url(world, client_b, contact_a, files, queued):
    answer = send(client_b, contact_a, media_url=f"{files.url}/dot.png")
    assert answer.status_code == 404 and queued["fetch"] == []
    with schema_context(world.ws_a.schema_name):
        assert not MediaFile.objects.exists()
    assert host_client(world.ws_b, world.owner_b).get(f"/api/v1/contacts/{contact_a['id']}/").status_code == 404
