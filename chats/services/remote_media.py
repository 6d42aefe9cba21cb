"""A file to send given by URL (`media_url`) or inline (`media_base64`, `filename`, `mimetype`)
instead of uploaded first.

Inline: decoded and stored in the request (the body's size limit bounds it), then sent as an
upload is. By URL: the message is stored `pending` with a `pending` file at once; a worker
(`media_fetch_for_send_task`) fetches the file under the webhooks' SSRF rules
(blazz/core/urls_guard.py: http(s) only, no private, loopback, link-local or reserved address,
checked when given and again before the fetch, which connects to the address checked), no
redirects, 10 s, at most MEDIA_MAX_UPLOAD_BYTES, a type uploads may have; then the message is
queued for the bridge. A fetch that fails fails the message, with a reason that names why. The
send task leaves a message whose file is not in alone (chats/services/delivery.py), and fails it
if the file never comes (FETCH_GIVE_UP).
"""

from __future__ import annotations

import base64
import binascii
import io
import mimetypes
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import httpx
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from blazz.core.errors import DomainError
from blazz.core.urls_guard import UrlNotAllowed, pinned, resolve_allowed
from chats import queue
from chats.media_files import probe
from chats.models import MediaFile, MediaStatus
from chats.services.media import ALLOWED_MIMETYPES, media_mark_failed, media_upload
from chats.services.status import message_mark_failed

FETCH_TIMEOUT_SECONDS = 10.0
# A message whose file has not come in this long (its fetch task lost with a Redis restart) fails.
FETCH_GIVE_UP = timedelta(minutes=10)
USER_AGENT = "Blazz-Media/1"


class FetchFailed(Exception):
    pass


def media_from_base64(*, data: str, filename: str, mimetype: str, uploaded_by=None) -> MediaFile:
    """An inline file, stored now (the upload's checks: size 413, type 415)."""
    try:
        content = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError("invalid_request", _("media_base64 is not valid base64."),
                          fields={"media_base64": ["not base64"]}) from None
    name = (filename or "").strip() or "file"
    return media_upload(uploaded_file=SimpleUploadedFile(name, content, content_type=(mimetype or "").strip()),
                        uploaded_by=uploaded_by)


def media_pending_from_url(*, url: str, filename: str = "", mimetype: str = "") -> MediaFile:
    """The record of a file a worker will fetch; 400 `url_not_allowed` for a URL it may not fetch."""
    try:
        resolve_allowed(url)
    except UrlNotAllowed as error:
        raise DomainError("url_not_allowed", str(error), fields={"media_url": [str(error)]}) from None
    name = (filename or "").strip() or unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or "file"
    guessed = (mimetype or "").strip().lower() or (mimetypes.guess_type(name)[0] or "")
    return MediaFile.objects.create(mimetype=guessed[:100] or "application/octet-stream", filename=name[:255],
                                    status=MediaStatus.PENDING)


def fetch(url: str) -> tuple[bytes, str]:
    """(content, mimetype) of `url`, under the SSRF rules and the size limit. Raises FetchFailed."""
    try:
        target, host, extensions = pinned(url, resolve_allowed(url))
    except UrlNotAllowed as error:
        raise FetchFailed(str(error)) from None
    limit = settings.MEDIA_MAX_UPLOAD_BYTES
    try:
        with httpx.Client(timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=False) as client, client.stream(
                "GET", target, headers={**host, "user-agent": USER_AGENT}, extensions=extensions) as response:
            if response.is_redirect:
                raise FetchFailed(_("it answered a redirect (%(status)s), which is not followed")
                                  % {"status": response.status_code})
            if response.status_code != 200:
                raise FetchFailed(_("it answered HTTP %(status)s") % {"status": response.status_code})
            if int(response.headers.get("content-length") or 0) > limit:
                raise FetchFailed(_("it is larger than %(mb)s MB") % {"mb": limit // (1024 * 1024)})
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise FetchFailed(_("it is larger than %(mb)s MB") % {"mb": limit // (1024 * 1024)})
                chunks.append(chunk)
            return b"".join(chunks), response.headers.get("content-type", "")
    except httpx.HTTPError as error:
        raise FetchFailed(f"{type(error).__name__}: {error}"[:200]) from None


def media_fetch_for_send(*, media_id: str, message_id: int, url: str) -> str:
    """The worker's part: fetch the file, store it, queue the message's send; or fail both with
    the reason. Returns "sent", "failed" or "done" (already in, or gone)."""
    media = MediaFile.objects.filter(pk=media_id).first()
    if media is None or media.status != MediaStatus.PENDING:
        return "done"
    try:
        content, content_type = fetch(url)
        mimetype = (content_type.split(";")[0].strip().lower() or media.mimetype)
        if mimetype in ("", "application/octet-stream", "binary/octet-stream"):
            mimetype = media.mimetype
        if mimetype not in ALLOWED_MIMETYPES:
            raise FetchFailed(_("files of type %(type)s cannot be sent") % {"type": mimetype or _("unknown")})
        if not content:
            raise FetchFailed(_("the file is empty"))
    except FetchFailed as error:
        reason = _("The file could not be fetched from %(url)s: %(why)s.") % {"url": url[:200], "why": error}
        media_mark_failed(media_id=media_id, reason=reason)
        message_mark_failed(message_id=message_id, reason=reason)
        return "failed"
    with transaction.atomic():
        media = MediaFile.objects.select_for_update().filter(pk=media_id, status=MediaStatus.PENDING).first()
        if media is None:
            return "done"
        media.file.save(media.filename or "file", ContentFile(content), save=False)
        for name, value in probe(io.BytesIO(content), mimetype).items():
            setattr(media, name, value)
        media.mimetype, media.size, media.status, media.error = mimetype, len(content), MediaStatus.READY, ""
        media.save()
    queue.message_send_now(message_id)
    return "sent"


def waiting_for_file(message) -> str | None:
    """For the send task: None when the message may go; "wait" while its file is being fetched;
    a reason to fail it when the file never came (or its fetch failed)."""
    media = message.media
    if media is None or media.status == MediaStatus.READY:
        return None
    if media.status == MediaStatus.FAILED:
        return media.error or _("Its file could not be fetched.")
    from django.utils import timezone

    if timezone.now() - media.created_at > FETCH_GIVE_UP:
        return _("Its file was never fetched.")
    return "wait"


def queue_fetch_after_commit(*, media_id: str, message_id: int, url: str) -> None:
    queue.media_fetch_for_send_after_commit(media_id, message_id, url)
