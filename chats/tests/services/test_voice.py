"""Voice notes as WhatsApp makes them: the browser's WebM/Opus becomes OGG/Opus before the bridge
sees it, and every voice note gets a 64-bar waveform and a duration. Real ffmpeg throughout."""

import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from blazz.core import events
from chats import audio, services
from chats.models import MediaFile, Message
from chats.tests.services.conftest import send
from sessions_wa import bridge

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is installed by `make install`")


def recording(fmt: str = "webm", codec: str = "libopus", seconds: float = 2.0) -> bytes:
    """What a browser's MediaRecorder makes: a tone that gets louder, then a second of silence."""
    graph = f"[0]volume='t/{seconds}':eval=frame[a];[a][1]concat=n=2:v=0:a=1,atrim=0:{seconds + 1}"
    done = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}:sample_rate=48000",
         "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-filter_complex", graph, "-ac", "1", "-c:a", codec,
         "-f", fmt, "pipe:1"],
        capture_output=True, check=True)
    return done.stdout


def test_a_webm_opus_recording_becomes_ogg_opus_with_its_length_kept():
    webm = recording()
    assert not audio.is_ogg_opus(webm)

    ogg = audio.to_ogg_opus(webm)

    assert audio.is_ogg_opus(ogg)
    assert audio.measure(ogg).duration == pytest.approx(3.0, abs=0.15)


def test_a_recording_that_is_not_opus_is_encoded_to_opus():
    mp4 = recording(fmt="adts", codec="aac")

    assert audio.is_ogg_opus(audio.to_ogg_opus(mp4))


def test_the_waveform_has_64_bars_that_follow_the_loudness():
    measured = audio.measure(recording())

    assert len(measured.waveform) == audio.WAVEFORM_BARS
    assert max(measured.waveform) == 100
    loud, rising, silent = measured.waveform[35:42], measured.waveform[2:8], measured.waveform[-10:]
    assert min(loud) > max(rising)  # it gets louder over the first two seconds
    assert max(silent) == 0  # then a second of silence


def test_peaks_of_silence_and_of_nothing_are_flat():
    import array

    assert audio.peaks(array.array("h", [0] * 1000)) == [0] * 64
    assert audio.peaks(array.array("h")) == [0] * 64


def test_a_file_ffmpeg_cannot_read_is_an_audio_error():
    with pytest.raises(audio.AudioError):
        audio.measure(b"not audio at all")


def test_sending_a_browser_recording_hands_whatsapp_ogg_opus_and_keeps_the_waveform(acme, monkeypatch, published):
    calls = []
    monkeypatch.setattr(bridge, "message_send",
                        lambda session_id, payload: calls.append(payload) or {"wa_message_id": "wa-voice"})
    upload = SimpleUploadedFile("voice-1.webm", recording(), content_type="audio/webm;codecs=opus")
    media = services.media_upload(uploaded_file=upload)
    message, _ = send(acme, client_id="v1", body="", type="voice", media_id=str(media.pk))

    sent = published(services.message_deliver, message_id=message.pk)

    stored = MediaFile.objects.get(pk=media.pk)
    assert stored.mimetype == "audio/ogg" and stored.filename == "voice-1.ogg"
    with stored.file.open("rb") as handle:
        assert audio.is_ogg_opus(handle.read())
    assert len(stored.waveform) == 64 and stored.duration == pytest.approx(3.0, abs=0.15)
    assert calls[0]["media"]["mimetype"] == "audio/ogg" and calls[0]["media"]["filename"] == "voice-1.ogg"
    updated = [e for e in sent if isinstance(e, events.MessageUpdated)]
    assert updated and updated[0].message["media"]["waveform"] == stored.waveform
    assert Message.objects.get(pk=message.pk).wa_message_id == "wa-voice"


def test_preparing_a_voice_note_twice_changes_nothing_the_second_time(acme):
    media = services.media_upload(uploaded_file=SimpleUploadedFile("v.webm", recording(), content_type="audio/webm"))
    first = services.media_prepare_voice(media_id=media.pk)
    name, waveform = first.file.name, first.waveform

    second = services.media_prepare_voice(media_id=media.pk)

    assert second.file.name == name and second.waveform == waveform


def test_an_ogg_opus_file_ffmpeg_cannot_measure_is_sent_as_it_is_without_a_waveform(acme, monkeypatch):
    calls = []
    monkeypatch.setattr(bridge, "message_send", lambda s, payload: calls.append(payload) or {"wa_message_id": "w3"})
    header_only = b"OggS\x00\x02" + b"\x00" * 20 + b"OpusHead" + b"\x01" * 64
    media = services.media_upload(uploaded_file=SimpleUploadedFile("n.ogg", header_only, content_type="audio/ogg"))
    message, _ = send(acme, client_id="v3", body="", type="voice", media_id=str(media.pk))

    assert services.message_deliver(message_id=message.pk) == ("done", "sent")

    stored = MediaFile.objects.get(pk=media.pk)
    assert stored.waveform is None and stored.size == len(header_only) and calls[0]["media"]["mimetype"] == "audio/ogg"


def test_a_voice_note_ffmpeg_cannot_convert_fails_with_the_reason_instead_of_reaching_whatsapp(acme, monkeypatch):
    calls = []
    monkeypatch.setattr(bridge, "message_send", lambda *a: calls.append(a) or {"wa_message_id": "x"})
    media = services.media_upload(uploaded_file=SimpleUploadedFile("v.ogg", b"OggS garbage", content_type="audio/ogg"))
    message, _ = send(acme, client_id="v2", body="", type="voice", media_id=str(media.pk))

    assert services.message_deliver(message_id=message.pk)[0] == "failed"

    failed = Message.objects.get(pk=message.pk)
    assert failed.status == "failed" and "voice note could not be converted" in failed.failure_reason
    assert calls == []
