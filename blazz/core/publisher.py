"""THE publisher: the one way a catalogue event (blazz/core/events.py) reaches the sockets.

    publish_on_commit(schema, *events, origin=None)

Services call it inside their transaction; the events go out after the commit (at once outside a
transaction), never before, so no socket hears of a change a rollback undid. Each item is an
Event, or a callable that builds events after the commit from the rows as committed (it runs in
`schema`; it may return nothing). Everything one call hands over goes to Redis in one round trip,
in order (message.new then chat.updated). A failure to build or to publish is logged here, never
raised: the data is committed, and clients catch up through `seq`. docs/realtime.md has the story.

The events that advance seq are built right before the COMMIT instead (the builders then see the
transaction's final rows, as committed) and written to the event log in that transaction, which
hands out their seq (blazz/core/eventlog.py); a failure to write the log fails the commit.

How: one Lua script records the highest seq published (or GETs it for frames that do not advance
it) and PUBLISHes the frame to every group's Redis channel in the same atomic step. Transactions
commit in seq order, but their after-commit callbacks race: a socket may hear seq N+1 before N,
and the consumer fills such a gap from the log (chats/consumers/inbox.py). The frame's JSON is
built here once, with a hole for the seq; the script fills it and wraps it in the channel layer's
own wire format (msgpack `{"type": "blazz.event", "text": ..., "seq"?: ..., "origin"?: ...}`), so the consumer
forwards the text as is: no decoding, no encoding per socket.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
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

from django.utils import timezone

from blazz.core import eventlog
from blazz.core.events import LAYER_CLOSE_TYPE, LAYER_MESSAGE_TYPE, Event, encode

logger = logging.getLogger(__name__)

EventSource = Event | Callable[[], Iterable[Event] | None]


def publish_on_commit(schema: str, *events: EventSource, origin: str | None = None) -> None:
    """Publish `events` to their groups in `schema` once the current transaction commits. `origin`:
    the channel name of the consumer the events come from (it does not get them back). The events
    that advance seq are written to the event log right before the COMMIT (blazz/core/eventlog.py)."""
    batch = _Batch(schema, events, origin)
    # Checked first: outside a transaction Django's on_commit opens a database connection just to
    # ask for autocommit, and the typing relay's threads have none to give back.
    if connection.in_atomic_block:
        transaction.on_commit(batch)
    else:
        batch()


class _Batch:
    """One publish_on_commit call: built and logged before the COMMIT (`before_commit`, called by
    blazz/core/db/base.py), sent to Redis after it (`__call__`, Django's on_commit callback)."""

    def __init__(self, schema: str, sources, origin: str | None):
        self.schema, self.sources, self.origin = schema, sources, origin
        self.built: list[Event] | None = None
        self.seqs: list[int | None] = []
        self.stamps: list[tuple[str, str] | None] = []  # each logged event's (id, occurred_at)
        self.texts: list[str] | None = None  # each built event's payload as JSON, encoded once

    def before_commit(self) -> None:
        if self.built is not None:
            return
        try:
            self.built = _built(self.schema, self.sources)
        except Exception:
            # A builder that fails publishes nothing (as before the log): the change still commits.
            logger.exception("could not build events after a change in %s", self.schema)
            self.built = []
        # A failure to write the log is raised: the change must not commit without its events.
        self.texts = [encode(event.payload()) for event in self.built]
        self.seqs, self.stamps = _log(self.schema, self.built, self.texts)

    def _may_log(self) -> bool:
        return any(not isinstance(source, Event) or source.advances_seq for source in self.sources)

    def __call__(self) -> None:
        try:
            if self.built is None and not self._may_log():
                # Frames that are never logged (typing, presence): no database at all, as the
                # typing relay's threads have no connection to give back.
                self.built, self.seqs = list(self.sources), [None] * len(self.sources)
                self.stamps = [None] * len(self.sources)
            elif self.built is None:
                # No COMMIT ran our hook (outside a transaction, or a test's transaction that never
                # commits): logged now, in a transaction of its own.
                with transaction.atomic():
                    self.before_commit()
            if self.built:
                _to_redis(self.schema, self.built, self.origin, self.seqs, self.stamps, self.texts)
        except Exception:
            names = ", ".join(event.type for event in self.built or ()) or "events built after commit"
            logger.exception("could not publish %s to %s", names, self.schema)
        if any(seq is not None for seq in self.seqs):
            for hook in eventlog.after_commit_hooks:
                hook(self.schema)


def _log(schema: str, built: list[Event], texts: list[str]) -> tuple[list[int | None], list[tuple[str, str] | None]]:
    """Each event's seq and (event id, occurred_at) from the log for the events that advance it,
    None for the others. `texts`: each event's payload as JSON."""
    logged = [(event, text) for event, text in zip(built, texts) if event.advances_seq]
    if not logged:
        return [None] * len(built), [None] * len(built)
    now = timezone.now()
    ids = [eventlog.new_event_id() for _event in logged]
    seqs = iter(eventlog.append(schema, [(event_id, event.type, now, text)
                                         for event_id, (event, text) in zip(ids, logged)]))
    stamps = iter((event_id, eventlog.iso(now)) for event_id in ids)
    return ([next(seqs) if event.advances_seq else None for event in built],
            [next(stamps) if event.advances_seq else None for event in built])


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

# ARGV[1]: the event's seq from the log, or '' for a frame that carries the current one. The key
# keeps the highest seq published (frames of concurrent transactions may arrive here out of order;
# the consumer puts them back in order from the log).
_PUBLISH_SCRIPT = """
local seq
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if ARGV[1] ~= '' then
  seq = tonumber(ARGV[1])
  if seq > current then redis.call('SET', KEYS[1], ARGV[1]) end
else
  seq = current
end
local message = {type = ARGV[2], text = ARGV[3] .. string.format('%d', seq) .. ARGV[4]}
if ARGV[1] ~= '' then message['seq'] = seq end
if ARGV[5] ~= '' then message['origin'] = ARGV[5] end
message['at'] = ARGV[6]
local body = cmsgpack.pack(message)
for i = 7, #ARGV do redis.call('PUBLISH', ARGV[i], body) end
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


def _script_call(schema: str, event: Event, origin: str | None, seq: int | None,
                 stamp: tuple[str, str] | None = None, text: str | None = None) -> tuple[list[str], list[str], dict]:
    payload = event.payload()
    # `{"type":"x",["id","workspace","occurred_at" of a logged event,]"seq":` + seq + `,...payload}`:
    # the payload's JSON (`text`, when the caller has it) without its opening brace.
    head = '{"type":' + json.dumps(event.type) + _stamp_json(schema, stamp) + ',"seq":'
    tail = ("," + (text or encode(payload))[1:]) if payload else "}"
    channels = [group_channel(group) for group in event.groups(schema)]
    # ARGV[6]: when it was published (epoch seconds as text), for blazz_event_to_frame_seconds.
    args = ["" if seq is None else str(seq), LAYER_MESSAGE_TYPE, head, tail, origin or "", repr(time.time()),
            *channels]
    return [seq_key(schema)], args, payload


def _stamp_json(schema: str, stamp: tuple[str, str] | None) -> str:
    if stamp is None:
        return ""
    return ',"id":' + json.dumps(stamp[0]) + ',"workspace":' + json.dumps(schema) + ',"occurred_at":' + json.dumps(stamp[1])


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


def _to_redis(schema: str, events: list[Event], origin: str | None = None,
              seqs: list[int | None] | None = None, stamps: list[tuple[str, str] | None] | None = None,
              texts: list[str] | None = None) -> list[dict]:
    """Send events to their groups at once, in order, in one round trip; returns their frames.
    `seqs`: each event's seq from the log (None: the frame carries the current seq); `stamps`:
    each logged event's (id, occurred_at), which its frame carries as the envelope does."""
    client, script = _sync_client()
    seqs = seqs or [None] * len(events)
    stamps = stamps or [None] * len(events)
    texts = texts or [None] * len(events)
    calls = [_script_call(schema, event, origin, seq, stamp, text)
             for event, seq, stamp, text in zip(events, seqs, stamps, texts)]
    if len(calls) == 1:
        seqs = [script(keys=calls[0][0], args=calls[0][1])]
    else:
        seqs = _pipelined(client, script, calls)
    return [{"type": event.type, **_stamp(schema, stamp), "seq": seq, **call[2]}
            for event, seq, stamp, call in zip(events, seqs, stamps, calls)]


def _stamp(schema: str, stamp: tuple[str, str] | None) -> dict:
    return {} if stamp is None else {"id": stamp[0], "workspace": schema, "occurred_at": stamp[1]}


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
