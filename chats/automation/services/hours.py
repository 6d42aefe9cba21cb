"""Business hours: the workspace's weekly schedule in its timezone, and closed dates. An empty
weekly schedule means hours are not set: always open (an outside-hours rule never fires)."""

from __future__ import annotations

from django.utils.translation import gettext as _
import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from blazz.core.errors import DomainError
from chats.automation.errors import AutomationErrorCode as Code
from chats.automation.models import BusinessHours
from chats.automation.services import config

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
LOOKBACK_DAYS = 14


def hours_get() -> BusinessHours:
    hours, _created = BusinessHours.objects.get_or_create(pk=1)
    return hours


def hours_read() -> BusinessHours:
    """The schedule as hours_get gives it, without storing the default row (for the receive path,
    which must not write it)."""
    return BusinessHours.objects.filter(pk=1).first() or BusinessHours(pk=1)


def hours_save(*, timezone: str | None = None, weekly: dict | None = None,
               closed_dates: list | None = None) -> BusinessHours:
    """Change the schedule (only the parts given); each part is checked, bad ones are a 400 naming them."""
    errors = {}
    if timezone is not None and timezone not in available_timezones():
        errors["timezone"] = ["unknown timezone"]
    if weekly is not None:
        errors.update(_weekly_errors(weekly))
    if closed_dates is not None:
        errors.update(_dates_errors(closed_dates))
    if errors:
        raise DomainError(Code.HOURS_INVALID, _("The business hours are not valid."), fields=errors)
    hours = hours_get()
    if timezone is not None:
        hours.timezone = timezone
    if weekly is not None:
        hours.weekly = {day: [list(r) for r in weekly.get(day) or []] for day in DAYS if weekly.get(day)}
    if closed_dates is not None:
        hours.closed_dates = sorted(set(closed_dates))
    hours.save()
    config.changed()  # the inbound gate keeps the schedule (services/gate.py)
    return hours


def _weekly_errors(weekly) -> dict:
    if not isinstance(weekly, dict):
        return {"weekly": ["an object of days: {mon: [[\"09:00\", \"17:00\"]], ...}"]}
    errors = {}
    for day, ranges in weekly.items():
        if day not in DAYS:
            errors[f"weekly.{day}"] = ["unknown day (mon ... sun)"]
            continue
        if not isinstance(ranges, list):
            errors[f"weekly.{day}"] = ["a list of [start, end] ranges"]
            continue
        for r in ranges:
            if (not isinstance(r, (list, tuple)) or len(r) != 2 or not all(isinstance(t, str) and HHMM.match(t) for t in r)
                    or r[0] >= r[1]):
                errors[f"weekly.{day}"] = ["each range is [\"HH:MM\", \"HH:MM\"], start before end"]
    return errors


def _dates_errors(dates) -> dict:
    if not isinstance(dates, list):
        return {"closed_dates": ["a list of YYYY-MM-DD dates"]}
    for value in dates:
        try:
            dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return {"closed_dates": [f"not a date: {value!r}"]}
    return {}


def _zone(hours: BusinessHours) -> ZoneInfo:
    try:
        return ZoneInfo(hours.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _ranges_on(hours: BusinessHours, day: dt.date) -> list[tuple[dt.time, dt.time]]:
    if day.isoformat() in (hours.closed_dates or []):
        return []
    ranges = []
    for start, end in (hours.weekly or {}).get(DAYS[day.weekday()], []):
        ranges.append((dt.time.fromisoformat(start), dt.time.max if end == "24:00" else dt.time.fromisoformat(end)))
    return ranges


def is_set(hours: BusinessHours) -> bool:
    return any((hours.weekly or {}).values())


def is_open(hours: BusinessHours, at: dt.datetime) -> bool:
    if not is_set(hours):
        return True
    local = at.astimezone(_zone(hours))
    return any(start <= local.time() < end for start, end in _ranges_on(hours, local.date()))


def closed_period(hours: BusinessHours, at: dt.datetime) -> str:
    """A name for the closed period `at` falls in: when it began (the last closing time), so an
    away message fires once per period. Empty when open."""
    if is_open(hours, at):
        return ""
    local = at.astimezone(_zone(hours))
    for back in range(LOOKBACK_DAYS + 1):
        day = local.date() - dt.timedelta(days=back)
        ends = [dt.datetime.combine(day, end) for _start, end in _ranges_on(hours, day)]
        ends = [end for end in ends if end <= local.replace(tzinfo=None)]
        if ends:
            return max(ends).strftime("%Y-%m-%dT%H:%M")
    return "closed"
