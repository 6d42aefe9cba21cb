"""The base of every catalogue event (blazz/core/events.py holds the catalogue): its audiences,
its groups and the shape check of its payload at construction."""

from __future__ import annotations

import dataclasses
import typing
from functools import cache
from typing import Any, ClassVar

from blazz.core.groups import contact_group, firehose_group, inbox_group, user_group
from blazz.core.payloads import check, shape_of

# Audiences: the whole inbox of the workspace, the sockets viewing one contact (and the firehose),
# or the one socket the consumer is talking to (never published).
INBOX = "inbox"
CONTACT = "contact"
SOCKET = "socket"
USER = "user"  # every socket of one member (`user_id`): their own settings, on all their devices

@dataclasses.dataclass(frozen=True, kw_only=True)
class Event:
    type: ClassVar[str]
    audience: ClassVar[str] = INBOX
    # False for frames that change nothing REST returns: they carry the current seq. True: the
    # event is written to the workspace's event log (blazz/core/eventlog.py), which hands out its
    # seq, and is replayed by a resume, `GET /api/v1/events/` and the outgoing webhooks.
    advances_seq: ClassVar[bool] = True
    # Python field name -> wire name, where the wire name is not a valid identifier.
    wire_names: ClassVar[dict[str, str]] = {}

    def __post_init__(self):
        for name, how, shape in _shaped_fields(type(self)):
            value = getattr(self, name)
            if how == "list":
                for index, item in enumerate(value):
                    check(shape, item, f"{self.type}.{name}.{index}")
            elif value is not None or how == "one":
                check(shape, value, f"{self.type}.{name}")

    def payload(self) -> dict[str, Any]:
        # Shallow: the fields are JSON-ready values an event does not share.
        data = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        for name, wire in self.wire_names.items():
            data[wire] = data.pop(name)
        return data

    def groups(self, schema: str) -> list[str]:
        if self.audience == INBOX:
            return [inbox_group(schema)]
        if self.audience == CONTACT:
            return [contact_group(schema, self.contact_id), firehose_group(schema)]
        if self.audience == USER:
            return [user_group(schema, self.user_id)]
        raise TypeError(f"{self.type} frames go to one socket; they are not published")


@cache
def _shaped_fields(cls: type[Event]) -> tuple:
    """(field, how, shape) for each field of `cls` typed with a payload shape."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, *found) for f in dataclasses.fields(cls) if (found := shape_of(hints[f.name])))
