"""THE publisher: the one way a catalogue event (blazz/core/events.py) reaches the sockets.

    publish_on_commit(schema, *events, origin=None)

Services call it inside their transaction; the events go out after the commit (at once outside a
transaction), never before, so no socket hears of a change a rollback undid. Each item is an
Event, or a callable that builds events after the commit from the rows as committed (it runs in
`schema`; it may return nothing). Everything one call hands over goes to Redis in one round trip,
in order (message.new then chat.updated). A failure to build or to publish is logged here, never
raised: the data is committed, and clients catch up through `seq`. docs/realtime.md has the story.

How: one Lua script takes the seq (INCR, or GET for frames that do not advance it) and PUBLISHes
the frame to every group's Redis channel in the same atomic step. So frames reach every subscriber
in seq order even with many publishers at once (daphne's threads, Celery workers), and a frame
carrying the current seq is never ahead of the frame that made it current. The frame's JSON is
built here once, with a hole for the seq; the script fills it and wraps it in the channel layer's
own wire format (msgpack `{"type": "blazz.event", "text": ..., "origin"?: ...}`), so the consumer
forwards the text as is: no decoding, no encoding per socket.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from typing import Any

import msgpack
import redis
import redis.asyncio
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from blazz.core.events import LAYER_CLOSE_TYPE, LAYER_MESSAGE_TYPE, Event, encode

logger = logging.getLogger(__name__)

EventSource = Event | Callable[[], Iterable[Event] | None]


def publish_on_commit(schema: str, *events: EventSource, origin: str | None = None) -> None:
    """Publish `events` to their groups in `schema` once the current transaction commits. `origin`:
    the channel name of the consumer the events come from (it does not get them back)."""

    def send():
        built: list[Event] = []
        try:
            built = _built(schema, events)
            if built:
                _to_redis(schema, built, origin)
        except Exception:
            names = ", ".join(event.type for event in built) or "events built after commit"
            logger.exception("could not publish %s to %s", names, schema)

    # Checked first: outside a transaction Django's on_commit opens a database connection just to
    # ask for autocommit, and the typing relay's threads have none to give back.
    if connection.in_atomic_block:
        transaction.on_commit(send)
    else:
        send()


def close_sockets_on_commit(groups: Iterable[str], code: int) -> None:
    """Close every socket in `groups` with `code` once the current transaction commits (at once
    outside one): how a revoked principal's open sockets end. Not an event: no seq, no frame, the
    consumer closes (`blazz_close`). A failure is logged (the principal is revoked all the same, and
    the consumer re-checks it before acting on any frame)."""
    groups = list(groups)

    def send():
        try:
            client = _sync_client()[0]
            body = msgpack.packb({"type": LAYER_CLOSE_TYPE, "code": int(code)})
            with client.pipeline(transaction=False) as pipe:
                for group in groups:
                    pipe.publish(group_channel(group), body)
                pipe.execute()
        except Exception:
            logger.exception("could not close the sockets of %s", ", ".join(groups))

    if connection.in_atomic_block:
        transaction.on_commit(send)
    else:
        send()


def _built(schema: str, sources) -> list[Event]:
    if all(isinstance(source, Event) for source in sources):
        return list(sources)
    built = []
    # Usually the connection is still in the schema (the commit happened inside the request's or
    # the webhook's schema), and setting it again would cost a `SET search_path` round trip.
    with nullcontext() if connection.schema_name == schema else _schema_context(schema):
        for source in sources:
            built.extend([source] if isinstance(source, Event) else (source() or ()))
    return built


def _schema_context(schema: str):
    from django_tenants.utils import schema_context

    return schema_context(schema)


# --- Redis -----------------------------------------------------------------------------------------

_PUBLISH_SCRIPT = """
local seq
if ARGV[1] == '1' then
  seq = redis.call('INCR', KEYS[1])
else
  seq = tonumber(redis.call('GET', KEYS[1]) or '0')
end
local message = {type = ARGV[2], text = ARGV[3] .. string.format('%d', seq) .. ARGV[4]}
if ARGV[5] ~= '' then message['origin'] = ARGV[5] end
local body = cmsgpack.pack(message)
for i = 6, #ARGV do redis.call('PUBLISH', ARGV[i], body) end
return seq
"""


def _layer_config() -> dict:
    return settings.CHANNEL_LAYERS["default"]


def _prefix() -> str:
    return _layer_config()["CONFIG"].get("prefix", "asgi")


def seq_key(schema: str) -> str:
    return f"{_prefix()}:seq:{schema}"


def group_channel(group: str) -> str:
    """The Redis channel channels_redis's RedisPubSubChannelLayer publishes a group's messages on."""
    return f"{_prefix()}__group__{group}"


def _check_layer_format() -> None:
    """The script speaks the pub/sub layer's default format: plain msgpack, no encryption."""
    config = _layer_config()
    options = config.get("CONFIG", {})
    if (config["BACKEND"] != "channels_redis.pubsub.RedisPubSubChannelLayer"
            or options.get("symmetric_encryption_keys") or options.get("serializer_format", "msgpack") != "msgpack"):
        raise ImproperlyConfigured("blazz.core.publisher publishes in RedisPubSubChannelLayer's plain msgpack "
                                   "format; change the publisher with the layer's configuration")


def _script_call(schema: str, event: Event, origin: str | None) -> tuple[list[str], list[str], dict]:
    payload = event.payload()
    # `{"type":"x","seq":` + seq + `,...payload}`: the payload's JSON without its opening brace.
    head = '{"type":' + json.dumps(event.type) + ',"seq":'
    tail = ("," + encode(payload)[1:]) if payload else "}"
    channels = [group_channel(group) for group in event.groups(schema)]
    args = ["1" if event.advances_seq else "0", LAYER_MESSAGE_TYPE, head, tail, origin or "", *channels]
    return [seq_key(schema)], args, payload


_sync: tuple[redis.Redis, Any] | None = None
_async: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> client


def _sync_client() -> tuple[redis.Redis, Any]:
    global _sync
    if _sync is None:
        _check_layer_format()
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
        _sync = (client, client.register_script(_PUBLISH_SCRIPT))
    return _sync


def _async_client() -> redis.asyncio.Redis:
    loop = asyncio.get_running_loop()
    client = _async.get(loop)
    if client is None:
        client = _async[loop] = redis.asyncio.Redis.from_url(settings.REDIS_URL, socket_timeout=5,
                                                             socket_connect_timeout=5)
    return client


def current_seq(schema: str) -> int:
    """The workspace's seq now: what a frame that does not advance it carries."""
    value = _sync_client()[0].get(seq_key(schema))
    return int(value) if value else 0


async def current_seq_async(schema: str) -> int:
    value = await _async_client().get(seq_key(schema))
    return int(value) if value else 0


def _to_redis(schema: str, events: list[Event], origin: str | None = None) -> list[dict]:
    """Send events to their groups at once, in order, in one round trip; returns their frames."""
    client, script = _sync_client()
    calls = [_script_call(schema, event, origin) for event in events]
    if len(calls) == 1:
        seqs = [script(keys=calls[0][0], args=calls[0][1])]
    else:
        seqs = _pipelined(client, script, calls)
    return [{"type": event.type, "seq": seq, **call[2]} for event, seq, call in zip(events, seqs, calls)]


def _pipelined(client, script, calls) -> list:
    """EVALSHA per call in one pipeline. Not `script(client=pipe)`: redis-py then asks SCRIPT EXISTS
    first on every execute, a second round trip. A Redis that lost the script (a restart) runs
    none of them: it is loaded and they are sent again."""
    for attempt in (1, 2):
        with client.pipeline(transaction=False) as pipe:
            for keys, args, _payload in calls:
                pipe.evalsha(script.sha, len(keys), *keys, *args)
            try:
                return pipe.execute()
            except redis.exceptions.NoScriptError:
                if attempt == 2:
                    raise
                client.script_load(_PUBLISH_SCRIPT)
    raise AssertionError("unreachable")
