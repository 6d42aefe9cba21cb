"""A stored media file as an HTTP response: for members (chats/api/media.py) and for the bridge
fetching a file to send (chats/internal.py)."""

from __future__ import annotations

import uuid

from django.http import FileResponse
from django.utils.translation import gettext as _

from blazz.core.errors import NotFound
from chats import selectors
from chats.errors import ChatErrorCode as Code
from chats.models import MediaFile

INLINE_PREFIXES = ("image/", "video/", "audio/")
# What a browser may show inline: pictures, video and sound it renders without running anything
# (an SVG is a document that can hold script: it downloads). Compared with the base type,
# lowercased: `image/SVG+xml; charset=utf-8` is image/svg+xml.
INLINE_TYPES = frozenset({
    "image/jpeg", "image/png", "image/webp", "image/gif",
    "video/mp4", "video/3gpp", "video/quicktime", "video/webm",
    "audio/ogg", "audio/opus", "audio/mpeg", "audio/mp4", "audio/aac", "audio/amr", "audio/webm", "audio/wav",
    "audio/x-wav",
})


def base_type(mimetype: str) -> str:
    """`Image/JPEG; charset=x` -> `image/jpeg`."""
    return (mimetype or "").split(";", 1)[0].strip().lower()


def probe(fileobj, mimetype: str) -> dict:
    """What a file says of its shape, where it is cheap to read and the inbox wants it before the
    file loads (a bubble reserves its box): {width, height} of a picture (Pillow reads the header
    only), {duration} in seconds of sound or video (mutagen reads the container). Unknown: None.
    Leaves `fileobj` at its start."""
    shape = {"width": None, "height": None, "duration": None}
    kind = base_type(mimetype)
    try:
        if kind.startswith("image/"):
            from PIL import Image

            with Image.open(fileobj) as image:
                shape["width"], shape["height"] = image.size
        elif kind.startswith(("audio/", "video/")):
            import mutagen

            found = mutagen.File(fileobj)
            length = getattr(getattr(found, "info", None), "length", None)
            if length and length > 0:
                shape["duration"] = round(float(length), 2)
    except Exception:  # a file its header does not describe is still a file: its shape is unknown
        pass
    finally:
        fileobj.seek(0)
    return shape


def media_or_404(media_id) -> MediaFile:
    try:
        media_id = uuid.UUID(str(media_id))
    except ValueError:
        raise NotFound(Code.MEDIA_NOT_FOUND, _("No such media."))
    media = selectors.media_get(media_id)
    if media is None or not media.file:
        raise NotFound(Code.MEDIA_NOT_FOUND, _("No such media."))
    return media


def media_file_response(media: MediaFile) -> FileResponse:
    """Pictures, video and sound show inline; anything else (a customer may send HTML) downloads,
    sandboxed, so a file can never run as a page of ours."""
    kind = base_type(media.mimetype)
    inline = kind in INLINE_TYPES
    response = FileResponse(media.file.open("rb"), content_type=kind if inline else "application/octet-stream",
                            filename=media.filename or str(media.pk), as_attachment=not inline)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
