"""Media over the API: the shape a bubble reserves before the file loads, the upload limit the
browser checks first, and what is shown inline."""

import io
import wave

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from PIL import Image

from chats.models import MediaFile


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def wav(seconds: float, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(rate)
        sound.writeframes(b"\x00\x00" * int(rate * seconds))
    return out.getvalue()


def test_an_uploaded_picture_carries_its_width_and_height(client_a):
    upload = client_a.post("/api/v1/media/", {"file": SimpleUploadedFile("wide.png", png(320, 120),
                                                                         content_type="image/png")})

    assert upload.status_code == 201
    assert {k: upload.json()[k] for k in ("width", "height", "duration")} == {"width": 320, "height": 120,
                                                                             "duration": None}


def test_an_uploaded_sound_carries_its_duration(client_a):
    upload = client_a.post("/api/v1/media/", {"file": SimpleUploadedFile("note.wav", wav(1.5),
                                                                         content_type="audio/wav")})

    assert upload.status_code == 201
    assert (upload.json()["duration"], upload.json()["width"]) == (1.5, None)


def test_a_file_whose_header_says_nothing_is_stored_with_its_shape_unknown(client_a):
    upload = client_a.post("/api/v1/media/", {"file": SimpleUploadedFile("broken.png", b"\x89PNG not really",
                                                                         content_type="image/png")})

    assert upload.status_code == 201 and (upload.json()["width"], upload.json()["height"]) == (None, None)


def test_me_tells_the_browser_the_upload_limit(client_a, settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 12345

    me = client_a.get("/api/v1/me/").json()

    assert me["limits"] == {"media_max_upload_bytes": 12345} and me["workspace"]["country"] == "ID"


def stored_media(world, mimetype: str, content: bytes) -> str:
    with schema_context(world.ws_a.schema_name):
        media = MediaFile(mimetype=mimetype, filename="file", size=len(content))
        media.file.save("file", ContentFile(content), save=False)
        media.save()
        return str(media.pk)


def test_an_svg_typed_with_parameters_or_capitals_downloads_never_inline(world, client_a):
    """Issue 11.7: the inline allow-list compares the base type, lowercased."""
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for mimetype in ("image/svg+xml; charset=utf-8", "IMAGE/SVG+XML", "text/html; charset=utf-8"):
        response = client_a.get(f"/api/v1/media/{stored_media(world, mimetype, svg)}/")
        assert response["Content-Type"] == "application/octet-stream", mimetype
        assert response["Content-Disposition"].startswith("attachment"), mimetype


def test_a_picture_typed_with_parameters_still_shows_inline(world, client_a):
    response = client_a.get(f"/api/v1/media/{stored_media(world, 'Image/PNG; x=1', png(2, 2))}/")

    assert response["Content-Type"] == "image/png" and not response["Content-Disposition"].startswith("attachment")
