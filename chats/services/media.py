"""Files: an agent's upload to send, and a customer's file fetched from the bridge by a worker."""

from __future__ import annotations

import io
import mimetypes

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from blazz.core import events
from blazz.core.errors import DomainError
from chats import audio, queue
from chats.errors import ChatErrorCode as Code
from chats.media_files import probe
from chats.models import MediaFile, MediaStatus, Message, MessageType
from chats.services.publish import publish_message
from sessions_wa import bridge
from sessions_wa.models import WhatsAppSession

ALLOWED_MIMETYPES = {
    "image/jpeg", "image/png", "image/webp", "image/gif",
    "video/mp4", "video/3gpp", "video/quicktime", "video/webm",
    "audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac", "audio/amr", "audio/webm", "audio/wav", "audio/x-wav",
    "application/pdf", "application/msword", "application/zip", "text/plain", "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
}


def media_upload(*, uploaded_file, uploaded_by=None) -> MediaFile:
    """Store an upload to send later. 413 over the size limit, 415 outside the allowed types."""
    if uploaded_file.size > settings.MEDIA_MAX_UPLOAD_BYTES:
        raise DomainError(Code.PAYLOAD_TOO_LARGE,
                          _("Files are limited to %(mb)s MB.") % {"mb": settings.MEDIA_MAX_UPLOAD_BYTES // (1024 * 1024)}, status=413)
    if uploaded_file.size == 0:
        raise DomainError("invalid_request", _("The file is empty."), fields={"file": ["empty"]})
    mimetype = (uploaded_file.content_type or "").split(";")[0].strip().lower()
    if mimetype in ("", "application/octet-stream"):
        mimetype = (mimetypes.guess_type(uploaded_file.name or "")[0] or "").lower()
    if mimetype not in ALLOWED_MIMETYPES:
        raise DomainError(Code.UNSUPPORTED_MEDIA_TYPE, _("Files of type %(type)s cannot be sent.") % {"type": mimetype or _("unknown")},
                          status=415)
    filename = (uploaded_file.name or "file").rsplit("/", 1)[-1][:255]
    media = MediaFile(mimetype=mimetype, filename=filename, size=uploaded_file.size, status=MediaStatus.READY,
                      uploaded_by=uploaded_by if getattr(uploaded_by, "pk", None) else None,
                      **probe(uploaded_file, mimetype))
    media.file.save(filename, uploaded_file, save=False)
    media.save()
    return media


def media_from_event(session: WhatsAppSession, media: dict | None) -> MediaFile | None:
    """The record of a file the bridge reports with a message: `pending` until a worker fetches it,
    `failed` when the bridge could not download it."""
    if not media:
        return None
    return MediaFile.objects.create(
        mimetype=(media.get("mimetype") or "application/octet-stream")[:100],
        filename=(media.get("filename") or "")[:255], size=int(media.get("size") or 0),
        status=MediaStatus.PENDING if media.get("id") else MediaStatus.FAILED,
        error="" if media.get("id") else "The bridge could not download it.",
        bridge_media_id=media.get("id") or "", session=session,
    )


def queue_media_fetch(message: Message) -> None:
    """After commit, fetch the message's file from the bridge. Called after the message's own
    publishes, so its message.new and chat.updated go out before the fetch's message.updated."""
    media = message.media
    if media is not None and media.status == MediaStatus.PENDING:
        queue.media_fetch_after_commit(str(media.pk))


def media_fetch_from_bridge(*, media_id) -> MediaFile | None:
    """Fetch an inbound file from the bridge into our storage (the worker task's body).
    Emits: message.updated for each message showing it."""
    media = MediaFile.objects.filter(pk=media_id).first()
    if media is None or media.status == MediaStatus.READY:
        return media
    content, content_type = bridge.media_download(media.session_id, media.bridge_media_id)
    name = media.filename or f"{media.pk}{mimetypes.guess_extension(media.mimetype or content_type) or ''}"
    measured = _measure_voice(media, content)
    with transaction.atomic():
        media = MediaFile.objects.select_for_update().get(pk=media_id)
        if media.status == MediaStatus.READY:
            return media
        media.file.save(name, ContentFile(content), save=False)
        media.size = len(content)
        _set_shape(media, content, media.mimetype or content_type, measured)
        media.status = MediaStatus.READY
        media.error = ""
        media.save()
        for message_id in media.messages.values_list("pk", flat=True):
            publish_message(message_id, events.MessageUpdated)
    return media


def media_mark_failed(*, media_id, reason: str) -> None:
    """Emits: message.updated for each message showing it."""
    with transaction.atomic():
        updated = MediaFile.objects.filter(pk=media_id).exclude(status=MediaStatus.READY).update(
            status=MediaStatus.FAILED, error=reason[:300])
        if updated:
            for message_id in Message.objects.filter(media_id=media_id).values_list("pk", flat=True):
                publish_message(message_id, events.MessageUpdated)


def _measure_voice(media: MediaFile, content: bytes) -> audio.VoiceMeasure | None:
    """The waveform and duration of a voice note's file; None for other files, or when ffmpeg
    cannot read it (the note still plays: the bubble draws a flat waveform)."""
    if not media.messages.filter(type=MessageType.VOICE).exists():
        return None
    try:
        return audio.measure(content)
    except audio.AudioError:
        return None


def media_prepare_voice(*, media_id) -> MediaFile | None:
    """Make an outbound voice note what WhatsApp expects, OGG/Opus (the browser records WebM/Opus:
    remuxed, or encoded when it is not Opus), and measure its waveform and duration. The send
    task's first step for a voice message; idempotent (a prepared file is left alone).
    Raises audio.AudioError when the file is not OGG/Opus and ffmpeg cannot convert it. Emits: message.updated for each
    message showing it."""
    media = MediaFile.objects.filter(pk=media_id).first()
    if media is None or media.status != MediaStatus.READY or not media.file:
        return media
    if media.waveform and media.mimetype == audio.OGG_OPUS:
        return media
    with media.file.open("rb") as handle:
        original = handle.read()
    if audio.is_ogg_opus(original):
        # Already what WhatsApp wants: sent as it is, measured when ffmpeg can read it (else the
        # bubble draws flat bars).
        ogg = original
        try:
            measured = audio.measure(ogg)
        except audio.AudioError:
            measured = None
    else:
        ogg = audio.to_ogg_opus(original)
        measured = audio.measure(ogg)
    if measured is None and media.mimetype == audio.OGG_OPUS:
        return media
    with transaction.atomic():
        media = MediaFile.objects.select_for_update().get(pk=media_id)
        if media.waveform and media.mimetype == audio.OGG_OPUS:
            return media
        if ogg is not original or media.mimetype != audio.OGG_OPUS:
            stem = (media.filename or str(media.pk)).rsplit(".", 1)[0]
            media.filename = f"{stem}.ogg"[:255]
            media.file.save(media.filename, ContentFile(ogg), save=False)
            media.size = len(ogg)
            media.mimetype = audio.OGG_OPUS
        _set_shape(media, ogg, media.mimetype, measured)
        media.save()
        for message_id in media.messages.values_list("pk", flat=True):
            publish_message(message_id, events.MessageUpdated)
    return media


def _set_shape(media: MediaFile, content: bytes, mimetype: str, measured: audio.VoiceMeasure | None) -> None:
    """The one place a stored file's width, height and duration (seconds, a float to 2 places) are
    set once its bytes are known: the container's header (chats.media_files.probe); for a voice
    note ffmpeg measured, its decoded length and waveform instead (exact where a header may lie)."""
    for field, value in probe(io.BytesIO(content), mimetype).items():
        setattr(media, field, value)
    if measured is not None:
        media.duration, media.waveform = measured.duration, measured.waveform
