"""A chat exported as a file: the contact and its whole thread as JSON, CSV or plain text,
streamed (never the whole thread in memory). chats/api/export.py serves it.

Times: CSV and TXT in the reader's time zone (their own, else the workspace's), ISO 8601 with the
offset (`2026-12-03T14:05:00+07:00`), the zone named in the header; JSON keeps the API's objects
(UTC) and names the zone beside them.

Language: TXT is for people and reads in the reader's language; the CSV's column names are a
machine contract (spreadsheet and CRM imports map them) and never change with it, as the codes in
its cells (direction, type, status) do not."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from chats.models import Contact, Direction, Message
from chats.serializers import ContactSerializer, MessageSerializer

CONTENT_TYPES = {"json": "application/json", "csv": "text/csv", "txt": "text/plain"}
EXPORT_FORMATS = tuple(CONTENT_TYPES)
CSV_COLUMNS = ["timestamp ({zone})", "direction", "sender", "type", "body", "caption", "status", "edited", "revoked",
               "wa_message_id"]


def export_filename(contact: Contact, fmt: str) -> str:
    return f"chat-{contact.phone.lstrip('+')}.{fmt}"


def export_chunks(contact: Contact, messages, fmt: str, *, timezone: str = "UTC") -> Iterator[str]:
    """The file in pieces. `messages`: the thread's queryset, oldest first; `fmt`: one of
    EXPORT_FORMATS; `timezone`: an IANA name, the reader's."""
    rows = messages.iterator(chunk_size=500)
    if fmt == "txt":
        # Read now, in the request's language: the file is streamed after the view has returned.
        return _txt(contact, rows, ZoneInfo(timezone), _txt_words())
    return {"json": _json, "csv": _csv}[fmt](contact, rows, ZoneInfo(timezone))


def _txt_words() -> dict[str, str]:
    return {"header": _("Chat with %(name)s (%(phone)s). Times: %(zone)s (UTC%(offset)s)."),
            "edited": _("(edited)"), "deleted": _("(deleted)"), "you": _("You"), "file": _("file")}


def _local(moment: datetime, zone: ZoneInfo) -> str:
    """ISO 8601 with the offset, to the second: 2026-12-03T14:05:00+07:00."""
    return moment.astimezone(zone).isoformat(timespec="seconds")


def _offset(zone: ZoneInfo, at: datetime | None = None) -> str:
    moment = (at or datetime.now(tz=zone)).astimezone(zone)
    return moment.strftime("%z")[:3] + ":" + moment.strftime("%z")[3:]


def _json(contact: Contact, rows, zone: ZoneInfo) -> Iterator[str]:
    yield ('{"timezone": ' + json.dumps(zone.key) + ', "contact": ' + json.dumps(ContactSerializer(contact).data, default=str)
           + ', "messages": [')
    for index, message in enumerate(rows):
        yield ("," if index else "") + json.dumps(MessageSerializer(message).data, default=str, ensure_ascii=False)
    yield "]}"


def _csv(contact: Contact, rows, zone: ZoneInfo) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.format(zone=zone.key) for column in CSV_COLUMNS])
    for message in rows:
        writer.writerow([_local(message.timestamp, zone), message.direction, _sender(contact, message), message.type,
                         message.body, message.caption, message.status, bool(message.edits), message.revoked,
                         message.wa_message_id or ""])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _txt(contact: Contact, rows, zone: ZoneInfo, words: dict[str, str]) -> Iterator[str]:
    yield words["header"] % {"name": contact.display_name, "phone": contact.phone, "zone": zone.key,
                             "offset": _offset(zone)} + "\n\n"
    for message in rows:
        text = message.body or message.caption or f"<{message.type}>"
        if message.media_id and message.type != "text":
            text = f"<{message.type}: {message.media.filename or words['file']}> {message.caption or ''}".strip()
        marks = (f" {words['edited']}" if message.edits else "") + (f" {words['deleted']}" if message.revoked else "")
        yield f"[{_local(message.timestamp, zone)}] {_sender(contact, message, words['you'])}: {text}{marks}\n"


def _sender(contact: Contact, message: Message, you: str = "You") -> str:
    if message.direction == Direction.IN:
        return contact.display_name
    return message.sent_by.get_full_name() or message.sent_by.email if message.sent_by else you
