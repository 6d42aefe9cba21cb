"""Which members have the inbox open: a Redis sorted set per workspace (the schema in its key) of
`{user_id}:{socket}` scored by when that socket's entry lapses. The inbox socket adds itself on
connect and again with every ping, and removes itself on disconnect; a crashed process's entries
lapse on their own. Auto-assignment reads it."""

from __future__ import annotations

import time

import redis
import redis.asyncio
from django.conf import settings

# Three pings: a socket alive but slow to ping is not dropped.
TTL_SECONDS = 3 * float(getattr(settings, "REALTIME_PING_SECONDS", 20)) + 5

_sync: redis.Redis | None = None
_async: dict = {}


def key(schema: str) -> str:
    return f"blazz:online:{schema}"


def _client() -> redis.Redis:
    global _sync
    if _sync is None:
        _sync = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
    return _sync


def _async_client() -> redis.asyncio.Redis:
    import asyncio

    loop = asyncio.get_running_loop()
    client = _async.get(id(loop))
    if client is None:
        client = _async[id(loop)] = redis.asyncio.Redis.from_url(settings.REDIS_URL, socket_timeout=5,
                                                                 socket_connect_timeout=5)
    return client


async def here(schema: str, user_id: int, socket: str) -> None:
    client = _async_client()
    await client.zadd(key(schema), {f"{user_id}:{socket}": time.time() + TTL_SECONDS})


async def gone(schema: str, user_id: int, socket: str) -> None:
    await _async_client().zrem(key(schema), f"{user_id}:{socket}")


def user_ids(schema: str) -> set[int]:
    """The members with an inbox socket open now."""
    client = _client()
    client.zremrangebyscore(key(schema), "-inf", time.time())
    return {int(member.split(b":", 1)[0]) for member in client.zrange(key(schema), 0, -1)}
