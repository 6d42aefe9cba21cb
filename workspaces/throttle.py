"""Throttles on Redis, for any app: django-ratelimit's fixed-window counters, in the `ratelimit`
cache (one Redis keyspace for every host: an account is global, so its failures count across
every workspace's login page).

A `Limit` has tiers of growing windows (`5/m`, `20/h`, `100/d`): once a tier is full, every
attempt waits for that tier's window to end, so a client that keeps failing waits a minute, then
an hour, then a day (the backoff). Two uses:

    wait = throttle.wait_seconds(LOGIN_FAILURES_PER_ACCOUNT, email)   # before trying (counts nothing)
    throttle.record(LOGIN_FAILURES_PER_ACCOUNT, email)                # after a failure

or `throttle.take(limit, key)` to count every attempt (signup). Keys are hashed by
django-ratelimit before they reach Redis.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage


@dataclasses.dataclass(frozen=True)
class Limit:
    name: str
    rates: tuple[str, ...]


LOGIN_FAILURES_PER_ACCOUNT = Limit("login-account", ("5/m", "20/h", "100/d"))
LOGIN_FAILURES_PER_IP = Limit("login-ip", ("30/m", "200/h", "1000/d"))
SIGNUPS_PER_IP = Limit("signup-ip", ("5/m", "20/h", "50/d"))
INVITE_ATTEMPTS_PER_IP = Limit("invite-ip", ("10/m", "60/h", "300/d"))
INVITE_FAILURES_PER_INVITATION = Limit("invite-invitation", ("5/m", "20/h"))


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR (a proxy in front must set it, e.g. daphne's
    --proxy-headers; a forwarded header anyone can write is not trusted here)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _usages(limit: Limit, key: str, *, increment: bool):
    namespace = getattr(settings, "RATELIMIT_NAMESPACE", "blazz")
    for rate in limit.rates:
        usage = get_usage(None, group=f"{namespace}:{limit.name}:{rate}", key=lambda _group, _request: key,
                          rate=rate, increment=increment)
        if usage is not None:
            yield usage


def wait_seconds(limit: Limit, key: str) -> int:
    """0 when one more attempt may go ahead; else how long until it may (the longest full tier)."""
    return max([max(1, usage["time_left"]) for usage in _usages(limit, key, increment=False)
                if usage["count"] >= usage["limit"]] or [0])


def record(limit: Limit, key: str) -> None:
    """Count one attempt (a failure, for the failure limits) in every tier."""
    for _usage in _usages(limit, key, increment=True):
        pass


def take(limit: Limit, key: str) -> int:
    """Count an attempt unless the limit is full: 0 when it may go ahead, else seconds to wait."""
    wait = wait_seconds(limit, key)
    if not wait:
        record(limit, key)
    return wait


def wait_message(seconds: int) -> str:
    if seconds < 120:
        return _("Too many attempts: try again in %(seconds)s s.") % {"seconds": seconds}
    return _("Too many attempts: try again in %(minutes)s minutes.") % {"minutes": (seconds + 59) // 60}
