"""Voice notes with the real pieces: the browser's WebM/Opus goes up, the worker (real ffmpeg) makes
it OGG/Opus and measures it, the bridge (sandbox) hands it to the customer; the customer's own
voice notes get their waveform when the worker fetches them. And pairing by phone number."""

import shutil
import uuid

import pytest
from django_tenants.utils import schema_context

from blazz.dev.realstack import wait_until
from chats.tests.services.test_voice import recording
from chats.tests.test_integration_send_receive import new_contact

pytestmark = [pytest.mark.integration, pytest.mark.django_db,
              pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is installed by `make install`")]


def test_a_browser_recording_reaches_the_customer_as_ogg_opus_with_its_waveform(stack, stack_a):
    phone = "+6281100009301"
    contact = new_contact(stack_a, phone)
    client_id = f"v-{uuid.uuid4()}"
    with stack_a.api() as api:
        media = api.post("/api/v1/media/", files={"file": ("voice-1.webm", recording(), "audio/webm;codecs=opus")}).json()
        sent = api.post(f"/api/v1/contacts/{contact['id']}/messages/",
                        json={"client_id": client_id, "type": "voice", "media_id": media["id"]})
    assert sent.status_code == 201, sent.text

    def got():
        return [m for m in stack.customer(stack_a.session.id, phone)["received"] if m["client_id"] == client_id]

    received = wait_until(got, 30, message="the customer to receive the voice note")[0]
    assert received["type"] == "voice" and received["media"]["mimetype"].startswith("audio/ogg")
    with stack_a.api() as api:
        shown = api.get(f"/api/v1/contacts/{contact['id']}/messages/").json()["results"]
    voice = next(m for m in shown if m["client_id"] == client_id)
    assert len(voice["media"]["waveform"]) == 64 and voice["media"]["duration"] == pytest.approx(3.0, abs=0.2)
    assert voice["media"]["mimetype"] == "audio/ogg" and voice["media"]["filename"] == "voice-1.ogg"


def test_pairing_by_phone_number_links_the_number_typed(stack, stack_a):
    with stack_a.admin() as api:
        created = api.post("/api/v1/sessions/", json={
            "engine": "sandbox", "name": "by code", "options": {"qr_scan_delay_ms": 600000, "pairing_delay_ms": 500}})
        assert created.status_code == 201, created.text
        session_id = created.json()["id"]
        wait_until(lambda: api.get(f"/api/v1/sessions/{session_id}/").json()["status"] == "qr", 20,
                   message="the QR to show")
        asked = api.post(f"/api/v1/sessions/{session_id}/pairing-code/", json={"phone": "+62 812 7777 0001"})
        assert asked.status_code == 200, asked.text
        assert len(asked.json()["pairing_code"]) == 8
        linked = wait_until(lambda: (s := api.get(f"/api/v1/sessions/{session_id}/").json())["status"] == "connected" and s,
                            20, message="the number to link")
        assert linked["phone"] == "+6281277770001" and linked["pairing_code"] == ""
        too_late = api.post(f"/api/v1/sessions/{session_id}/pairing-code/", json={"phone": "+6281277770001"})
        assert too_late.status_code == 409 and too_late.json()["error"]["code"] == "not_waiting_for_scan"
        api.delete(f"/api/v1/sessions/{session_id}/")


def test_a_customers_voice_note_gets_its_waveform_when_the_worker_fetches_it(stack, stack_a):
    with stack.bridge_http() as bridge:
        response = bridge.post(f"/sandbox/sessions/{stack_a.session.id}/inbound",
                               json={"from": "6281100009302", "type": "voice", "media": "sample:voice"})
    wa_id = response.json()["wa_message_id"]
    from chats.models import Message

    def measured():
        with schema_context(stack_a.schema):
            message = Message.objects.select_related("media").filter(wa_message_id=wa_id).first()
            return message if message and message.media and message.media.waveform else None

    message = wait_until(measured, 30, message="the worker to fetch and measure the voice note")
    assert len(message.media.waveform) == 64 and max(message.media.waveform) == 100
    assert message.media.duration > 0
