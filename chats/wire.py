"""Times on the wire: as the bridge sends them (epoch seconds) and as the events carry them (ISO
8601, UTC, `Z`), the same as the REST API's."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def from_epoch(value) -> dt.datetime:
    """A bridge time as a datetime; now when it is not one."""
    try:
        return dt.datetime.fromtimestamp(float(value), tz=dt.timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return timezone.now()
