"""Rate limits of the REST API, per API key and per signed-in member, in Redis (a DRF throttle).

Every `/api/v1/` request made with an API key counts against that key
(`API_RATE_LIMIT_PER_KEY`, default 600/m), every request of a signed-in member against that
member in that workspace (`API_RATE_LIMIT_PER_USER`, default 1200/m: the inbox's own calls, with
room for a busy agent). Fixed windows aligned on the clock (a minute starts at :00), one Redis
INCR per request on the `ratelimit` cache; the counter's key carries the workspace's schema and the
key's or the member's id, so one workspace's traffic never spends another's allowance.

Every answer to a counted request carries the IETF draft's headers (`RateLimit-Limit`,
`RateLimit-Remaining`, `RateLimit-Reset`: seconds until the window ends); past the limit the answer
is 429 `rate_limited` with `Retry-After` (RateLimitHeadersMiddleware adds them: the throttle runs
before the view, the headers go on whatever the view answers). Sign-up and login have their own
limits with backoff (workspaces/throttle.py).
"""

from __future__ import annotations

import dataclasses
import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

from blazz.core.errors import DomainError
from workspaces.authentication import ApiKeyPrincipal
from workspaces.errors import WorkspaceErrorCode as Code

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Where a request's state waits for the middleware (on Django's HttpRequest, which DRF wraps).
STATE_ATTRIBUTE = "blazz_ratelimit"


class RateLimited(DomainError):
    status_code = 429
    code = Code.RATE_LIMITED.value


@dataclasses.dataclass(frozen=True)
class Rate:
    count: int
    period: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """"600/m", "10/s", "5000/h", "100000/d"."""
        count, _slash, unit = text.strip().partition("/")
        if unit[:1] not in PERIODS or not count.isdigit() or int(count) < 1:
            raise ValueError(f"A rate is N/s, N/m, N/h or N/d, not {text!r}")
        return cls(int(count), PERIODS[unit[:1]])


@dataclasses.dataclass(frozen=True)
class State:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends
    exceeded: bool = False

    def headers(self) -> dict[str, str]:
        found = {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(self.remaining),
                 "RateLimit-Reset": str(self.reset)}
        if self.exceeded:
            found["Retry-After"] = str(self.reset)
        return found


def subject(request) -> tuple[str, str] | None:
    """(setting name, counter key) for the caller, or None for a request nobody is counted for."""
    tenant = getattr(request, "tenant", None)
    schema = getattr(tenant, "schema_name", "public")
    user = getattr(request, "user", None)
    if isinstance(user, ApiKeyPrincipal):
        return "API_RATE_LIMIT_PER_KEY", f"{schema}:key:{user.key.pk}"
    if user is not None and user.is_authenticated:
        return "API_RATE_LIMIT_PER_USER", f"{schema}:user:{user.pk}"
    return None


def take(key: str, rate: Rate, now: float | None = None) -> State:
    """Count one request against `key` in the current window; its state after the count."""
    now = time.time() if now is None else now
    window = int(now // rate.period)
    reset = max(1, int((window + 1) * rate.period - now + 0.999))
    namespace = getattr(settings, "RATELIMIT_NAMESPACE", "blazz")
    cache_key = f"{namespace}:api:{key}:{rate.period}:{window}"
    cache = caches[settings.RATELIMIT_USE_CACHE]
    cache.add(cache_key, 0, timeout=rate.period + 1)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add and incr: a new window's first request
        cache.add(cache_key, 1, timeout=rate.period + 1)
        used = 1
    return State(limit=rate.count, remaining=max(0, rate.count - used), reset=reset, exceeded=used > rate.count)


class ApiRateThrottle(BaseThrottle):
    """DRF's DEFAULT_THROTTLE_CLASSES: counts each request of a key or a member. A Redis that
    cannot be reached lets the request through (logged): a limit is not worth an outage."""

    def allow_request(self, request, view):
        found = subject(request)
        if found is None or not getattr(settings, "API_RATE_LIMIT_ENABLE", True):
            return True
        setting, key = found
        try:
            state = take(key, Rate.parse(getattr(settings, setting)))
        except Exception:
            logger.exception("rate limit check failed for %s", key)
            return True
        setattr(request._request, STATE_ATTRIBUTE, state)
        if state.exceeded:
            raise RateLimited(message=_("Too many requests: try again in %(seconds)s s.") % {"seconds": state.reset})
        return True


class RateLimitHeadersMiddleware:
    """Puts a counted request's RateLimit-* headers (and Retry-After on a 429) on its answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        state = getattr(request, STATE_ATTRIBUTE, None)
        if state is not None:
            for name, value in state.headers().items():
                response[name] = value
        return response
