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
    inline = media.mimetype.startswith(INLINE_PREFIXES) and media.mimetype != "image/svg+xml"
    response = FileResponse(media.file.open("rb"), content_type=media.mimetype if inline else "application/octet-stream",
                            filename=media.filename or str(media.pk), as_attachment=not inline)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
