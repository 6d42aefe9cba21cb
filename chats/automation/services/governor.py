"""The send governor: one per WhatsApp number, shared by every worker through Redis, between each
automated message and the bridge. It hands out send slots: no closer than 60/per_minute seconds
apart plus a random delay, and no more than per_hour / per_day in a clock hour / day; a newly linked
number gets a fraction of its caps while it warms up. Agent and API replies never ask it.

One Lua script reserves a slot atomically (no two workers get the same one). Keys carry the
workspace's schema."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from blazz.core.errors import DomainError
from chats.automation.errors import AutomationErrorCode as Code
from chats.automation.models import SendLimits

_client: redis.Redis | None = None

# KEYS: next-slot, hour-count prefix, day-count prefix. ARGV: now, interval, per_hour, per_day,
# horizon. Returns the slot's delay from now in ms, or -(wait in ms) when the slot is beyond the
# horizon (nothing reserved).
RESERVE = """
local now = tonumber(ARGV[1])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local per_hour, per_day = tonumber(ARGV[3]), tonumber(ARGV[4])
for _ = 1, 3 do
  local hour, day = math.floor(slot / 3600000), math.floor(slot / 86400000)
  local in_hour = tonumber(redis.call('GET', KEYS[2] .. hour) or '0')
  local in_day = tonumber(redis.call('GET', KEYS[3] .. day) or '0')
  if in_day >= per_day then slot = (day + 1) * 86400000
  elseif in_hour >= per_hour then slot = (hour + 1) * 3600000
  else break end
end
if slot - now > tonumber(ARGV[5]) then return -(slot - now) end
local hour, day = math.floor(slot / 3600000), math.floor(slot / 86400000)
redis.call('INCR', KEYS[2] .. hour); redis.call('PEXPIRE', KEYS[2] .. hour, 7200000)
redis.call('INCR', KEYS[3] .. day); redis.call('PEXPIRE', KEYS[3] .. day, 172800000)
redis.call('SET', KEYS[1], slot + tonumber(ARGV[2]), 'PX', 86400000)
return slot - now
"""


@dataclass(frozen=True)
class Limits:
    per_minute: int
    per_hour: int
    per_day: int
    min_delay_ms: int
    max_delay_ms: int
    warming_up: bool

    def seconds_for(self, count: int) -> float:
        """How long `count` sends take at these limits (the broadcast wizard's estimate)."""
        if count <= 0:
            return 0.0
        spacing = 60.0 / self.per_minute + (self.min_delay_ms + self.max_delay_ms) / 2000.0
        by_minute = count * spacing
        by_hour = (count - 1) // self.per_hour * 3600.0
        by_day = (count - 1) // self.per_day * 86400.0
        return max(by_minute, by_hour, by_day)


def limits_for(session) -> Limits:
    row = SendLimits.objects.filter(session_id=session.pk).first()

    def pick(name):
        value = getattr(row, name, None) if row else None
        return value if value is not None else getattr(settings, f"GOVERNOR_{name.upper()}")

    warmup_days = pick("warmup_days")
    warming_up = bool(warmup_days) and session.created_at and (timezone.now() - session.created_at).days < warmup_days
    factor = settings.GOVERNOR_WARMUP_FACTOR if warming_up else 1.0
    return Limits(per_minute=max(1, int(pick("per_minute") * factor)), per_hour=max(1, int(pick("per_hour") * factor)),
                  per_day=max(1, int(pick("per_day") * factor)), min_delay_ms=pick("min_delay_ms"),
                  max_delay_ms=max(pick("min_delay_ms"), pick("max_delay_ms")), warming_up=bool(warming_up))


def redis_client() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
    return _client


def _keys(session_id: str) -> list[str]:
    base = f"gov:{connection.schema_name}:{session_id}"
    return [f"{base}:next", f"{base}:h:", f"{base}:d:"]


def reserve(session, *, horizon_seconds: float = 30.0, limits: Limits | None = None) -> float:
    """A send slot for this number: seconds from now until it (>= 0), reserved; or, when the next
    slot is further than the horizon, minus the seconds to wait (nothing reserved: ask again then)."""
    limits = limits or limits_for(session)
    jitter = random.uniform(limits.min_delay_ms, limits.max_delay_ms)
    interval_ms = 60000.0 / limits.per_minute + jitter
    now_ms = int(time.time() * 1000)
    result = redis_client().eval(RESERVE, 3, *_keys(session.pk), now_ms, int(interval_ms), limits.per_hour,
                           limits.per_day, int(horizon_seconds * 1000))
    return int(result) / 1000.0


def pacer(*, horizon_seconds: float):
    """For message_send's `pace`: the number's next slot (seconds from now, reserved), or a
    DomainError when the limits put it beyond the horizon."""
    def pace(session) -> float:
        delay = reserve(session, horizon_seconds=horizon_seconds)
        if delay < 0:
            raise DomainError(Code.SEND_LIMIT_REACHED, _("The number's send limits are reached: the next slot "
                                                         "is in %(seconds)d s.") % {"seconds": int(-delay)})
        return delay
    return pace


def reset(session) -> None:
    """Forget this number's reservations (tests, and an admin who changed the limits)."""
    client = redis_client()
    next_key, hour_prefix, day_prefix = _keys(session.pk)
    client.delete(next_key)
    for prefix in (hour_prefix, day_prefix):
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
