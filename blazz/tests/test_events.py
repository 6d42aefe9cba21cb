"""The event catalogue (blazz/core/events.py) and the publisher (blazz/core/publisher.py), without
processes.

Every catalogue class builds its frame with exactly its declared fields and checks its payload's
shape at construction; the events table of docs/api.md says the same as the catalogue (the
frontend's copy is generated: blazz/tests/test_contract_export.py); the Lua publisher really
produces what a RedisPubSubChannelLayer consumer receives (real Redis, a real channel layer), seq
advances only for the events that change state, and nothing leaves before the commit.
"""

import asyncio
import dataclasses
import json
import time
import re
import typing
import uuid
from pathlib import Path

import pytest
import redis
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from blazz.core import eventlog, events, payloads, publisher
from blazz.dev.realstack import wait_until
from sessions_wa.contract import TYPING_STATES

ROOT = Path(__file__).resolve().parents[2]

SAMPLES = {str: "x", int: 7, float: 1.5, bool: True, dict: {"k": "v"}, list: ["t"]}


def sample_value(hint):
    """A value of the declared type: a payload shape with every field, the non-None half of
    `X | None`, one element of a list."""
    if typing.is_typeddict(hint):
        return {name: sample_value(field) for name, field in typing.get_type_hints(hint).items()}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if args and type(None) in args:
        return sample_value(next(arg for arg in args if arg is not type(None)))
    if origin is list:
        return [sample_value(args[0])]
    return SAMPLES[hint]


def sample(cls: type[events.Event], **overrides) -> events.Event:
    """An instance with a value of the declared type for every field without a default."""
    hints = typing.get_type_hints(cls)
    values = {field.name: sample_value(hints[field.name]) for field in dataclasses.fields(cls)
              if field.default is dataclasses.MISSING}
    if cls is events.Typing:
        values["sender"] = "contact"
        values["state"] = "typing"
    return cls(**{**values, **overrides})


def published_samples() -> list[events.Event]:
    """One instance of each event that goes to groups (both kinds of typing)."""
    found = [sample(cls) for cls in events.CATALOGUE if cls.audience != events.SOCKET]
    return found + [sample(events.Typing, sender="agent", user={"id": 3, "name": "Ana"})]


def in_thread(fn, *args, **kwargs):
    """Run `fn` in a thread (as daphne's and Celery's threads publish), giving its database
    connection back to the pool when done (a thread that ends keeps it otherwise)."""
    from django.db import connections

    def run():
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    return asyncio.to_thread(run)


def schema_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"  # a fresh workspace seq counter per test


@pytest.fixture
def log_schema(transactional_db, world):
    """A fresh schema holding just the event log's tables (copied from a migrated workspace): a
    workspace's seq counter and log of its own, for one test."""
    from django.db import connection

    schema, source = schema_name(), world.ws_a.schema_name
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema}"')
        for table in ("webhooks_eventcounter", "webhooks_eventlog"):
            cursor.execute(f'CREATE TABLE "{schema}".{table} (LIKE "{source}".{table} INCLUDING ALL)')
        cursor.execute(f'INSERT INTO "{schema}".webhooks_eventcounter (id, value, pruned_through) VALUES (1, 0, 0)')
    yield schema
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')


# --- the catalogue ------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", events.CATALOGUE, ids=lambda cls: cls.type)
def test_every_catalogue_event_builds_its_frame_with_exactly_its_fields(cls):
    event = sample(cls)

    frame = events.frame(event, 41)

    assert frame["type"] == cls.type and frame["seq"] == 41
    assert set(frame) == {"type", "seq"} | events.FRAME_FIELDS[cls.type]
    assert json.loads(events.encode(frame)) == frame


@pytest.mark.parametrize("cls", events.CATALOGUE, ids=lambda cls: cls.type)
def test_an_undeclared_or_missing_field_fails_at_construction(cls):
    fields = {f.name: getattr(sample(cls), f.name) for f in dataclasses.fields(cls)}

    with pytest.raises(TypeError):
        cls(**fields, surprise=1)
    required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING]
    if required:
        with pytest.raises(TypeError):
            cls(**{name: value for name, value in fields.items() if name != required[0]})
    with pytest.raises(dataclasses.FrozenInstanceError):
        sample(cls).type = "other"


@pytest.mark.parametrize("cls", [c for c in events.CATALOGUE if events._shaped_fields(c)], ids=lambda c: c.type)
def test_a_payload_shape_with_a_field_missing_or_undeclared_at_any_depth_fails_at_construction(cls):
    name, _how, _shape = events._shaped_fields(cls)[0]
    good = getattr(sample(cls), name)
    row = good[0] if isinstance(good, list) else good
    nested = next((key for key, value in row.items() if isinstance(value, dict) and key not in ("location",
                   "contact_card", "custom_fields", "options", "variables")), None)

    for broken in ({k: v for k, v in row.items() if k != next(iter(row))}, {**row, "surprise": 1},
                   *([{**row, nested: {**row[nested], "surprise": 1}}] if nested else [])):
        with pytest.raises(TypeError):
            cls(**{**_fields(sample(cls)), name: [broken] if isinstance(good, list) else broken})


def _fields(event) -> dict:
    return {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}


@pytest.mark.parametrize("cls", events.CATALOGUE, ids=lambda cls: cls.type)
def test_every_catalogue_event_holds_to_its_schema(cls):
    assert events.frame_problems(events.frame(sample(cls), 3)) == []


def test_the_schema_check_names_what_is_wrong_at_any_depth():
    frame = events.frame(sample(events.MessageNew), 3)
    frame["message"]["media"]["size"] = "big"
    frame["message"]["reactions"][0]["user_id"] = True

    assert events.frame_problems(frame) == ["message.new.message.media.size: 'big' is not int",
                                            "message.new.message.reactions.0.user_id: True is not int"]
    assert events.frame_problems({"type": "nope", "seq": 1}) == ["unknown frame type 'nope'"]


def test_typing_says_from_on_the_wire_and_expires_on_its_own():
    frame = events.frame(sample(events.Typing), 1)

    assert frame["from"] == "contact" and "sender" not in frame
    assert frame["expires_in"] == events.TYPING_EXPIRES_SECONDS > 0
    assert set(TYPING_STATES) == {"typing", "recording", "paused"}


def test_event_types_are_unique_and_indexed():
    assert len(set(events.EVENT_TYPES)) == len(events.CATALOGUE)
    assert all(events.BY_TYPE[cls.type] is cls for cls in events.CATALOGUE)
    assert set(events.FRAME_FIELDS) == set(events.EVENT_TYPES)


@pytest.mark.parametrize("event", published_samples(), ids=lambda event: f"{event.type}-{getattr(event, 'sender', '')}")
def test_the_script_fills_the_seq_into_exactly_the_frame(event):
    # The Lua script sends head + seq + tail (the JSON is built once, in Python).
    keys, args, payload = publisher._script_call("ws_x", event, None, None)

    assert keys == [publisher.seq_key("ws_x")] and "ws_x" in keys[0]
    assert args[0] == "" and args[1] == events.LAYER_MESSAGE_TYPE  # no seq given: the current one
    assert json.loads(args[2] + "12" + args[3]) == events.frame(event, 12)
    assert payload == event.payload()


def test_a_frame_without_payload_is_still_json():
    head = '{"type":"ping","seq":'
    assert json.loads(head + "3}") == events.frame(events.Ping(), 3) == {"type": "ping", "seq": 3}


# --- groups -------------------------------------------------------------------------------------------


def test_group_names_carry_the_schema():
    assert events.inbox_group("ws_acme") == "t.ws_acme.inbox"
    assert events.contact_group("ws_acme", 12) == "t.ws_acme.contact.12"
    assert events.firehose_group("ws_acme") == "t.ws_acme.firehose"
    assert events.contact_group("ws_acme", "12") == "t.ws_acme.contact.12"  # never a free-form string
    with pytest.raises(ValueError):
        events.contact_group("ws_acme", "12.globex")


@pytest.mark.parametrize("event", published_samples(), ids=lambda event: f"{event.type}-{getattr(event, 'sender', '')}")
def test_every_published_event_goes_only_to_its_own_workspace_groups(event):
    for schema in ("ws_acme", "ws_globex"):
        groups = event.groups(schema)
        assert groups and all(group.startswith(f"t.{schema}.") for group in groups)
        channels = publisher._script_call(schema, event, None, None)[1][6:]
        assert channels == [f"{settings.CHANNEL_LAYERS['default']['CONFIG']['prefix']}__group__{g}" for g in groups]


def test_contact_scoped_events_reach_the_contact_and_the_firehose_never_the_inbox():
    viewers = sample(events.ChatViewers, contact_id=12)
    agent_typing = sample(events.Typing, contact_id=12, sender="agent")
    contact_typing = sample(events.Typing, contact_id=12, sender="contact")
    presence = sample(events.Presence, contact_id=12)

    assert viewers.groups("s") == agent_typing.groups("s") == ["t.s.contact.12", "t.s.firehose"]
    assert contact_typing.groups("s") == presence.groups("s") == ["t.s.inbox"]  # the chat list shows them


@pytest.mark.parametrize("cls", [c for c in events.CATALOGUE if c.audience == events.SOCKET], ids=lambda c: c.type)
def test_socket_frames_are_never_published(cls):
    with pytest.raises(TypeError):
        sample(cls).groups("s")


@pytest.mark.parametrize("event", published_samples(), ids=lambda event: f"{event.type}-{getattr(event, 'sender', '')}")
def test_only_events_for_the_whole_inbox_advance_seq(event):
    # seq is one counter per workspace: an advancing frame that some inbox socket does not receive
    # would look like a gap to that socket, and every socket would refetch after every such frame.
    if event.advances_seq:
        assert event.groups("s") == [events.inbox_group("s")]


def test_the_frames_that_carry_the_current_seq():
    assert {cls.type for cls in events.CATALOGUE if not cls.advances_seq} == {
        "typing", "presence", "chat.viewers", "chat.muted", "hello", "ping", "resync_required", "error"}


# --- the docs say the same ---------------------------------------------------------------------------


def _realtime_section() -> str:
    text = (ROOT / "docs/api.md").read_text()
    return text[text.index("## Real-time"):]


def _documented_client_frames() -> set[str]:
    return set(re.findall(r'\{"type": "([a-z._]+)"', _realtime_section()))


def _documented_events() -> dict[str, tuple[set[str], str]]:
    """docs/api.md's events table: type -> (fields, seq column)."""
    rows = {}
    for line in _realtime_section().splitlines():
        match = re.match(r"^\| `([a-z._]+)` \|(.*)$", line)
        if not match:
            continue
        cells = [cell.strip() for cell in match.group(2).rstrip("|").split(" | ")]
        fields_cell, seq_cell = cells[0], cells[1]
        # Field names are the backticked spans outside parentheses; within a span, the names
        # before ":" of each comma-separated piece at brace depth 0.
        fields_cell = re.sub(r"\((?:[^()`]|`[^`]*`)*\)", "", fields_cell)
        names = set()
        for span in re.findall(r"`([^`]*)`", fields_cell):
            depth, piece, pieces = 0, "", []
            for char in span:
                depth += {"{": 1, "}": -1}.get(char, 0)
                if char == "," and depth == 0:
                    pieces.append(piece)
                    piece = ""
                else:
                    piece += char
            pieces.append(piece)
            names |= {re.match(r"\s*(\w+)", p).group(1) for p in pieces if p.strip()}
        rows[match.group(1)] = (names - {"seq"}, seq_cell.strip("`"))
    return rows


def test_the_docs_client_frames_are_the_catalogue():
    assert sorted(events.CLIENT_FRAMES) == sorted(_documented_client_frames())


def test_the_docs_events_table_is_the_catalogue():
    documented = _documented_events()

    assert sorted(documented) == sorted(events.EVENT_TYPES)
    for name, (fields, _seq) in documented.items():
        assert fields == set(events.FRAME_FIELDS[name]), name


def test_the_docs_say_which_frames_advance_seq():
    documented = _documented_events()

    for cls in events.CATALOGUE:
        expected = "advances" if cls.advances_seq else ("0" if cls is events.Error else "current")
        assert documented[cls.type][1] == expected, cls.type


def test_docs_realtime_exists_and_is_linked():
    assert (ROOT / "docs/realtime.md").exists()
    assert "docs/realtime.md" in (ROOT / "README.md").read_text()


# --- the publisher, against real Redis and a real channel layer ---------------------------------------------


def layer() -> RedisPubSubChannelLayer:
    return RedisPubSubChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])


async def joined(channel_layer, *groups: str) -> str:
    """A channel in these groups, once Redis has its subscriptions (so nothing published after
    this returns can be missed)."""
    channel = await channel_layer.new_channel()
    for group in groups:
        await channel_layer.group_add(group, channel)
    client = redis.Redis.from_url(settings.REDIS_URL)
    names = [publisher.group_channel(group) for group in groups]
    await asyncio.to_thread(wait_until, lambda: all(n >= 1 for _, n in client.pubsub_numsub(*names)), 5, 0.01,
                            "the subscriptions")
    client.close()
    return channel


async def received(channel_layer, channel, timeout=5.0) -> dict:
    return await asyncio.wait_for(channel_layer.receive(channel), timeout)


def chat_event(**chat) -> events.ChatUpdated:
    return events.ChatUpdated(chat={**sample_value(payloads.ChatPayload), **chat})


def message_event(**message) -> events.MessageNew:
    return events.MessageNew(message={**sample_value(payloads.MessagePayload), **message})


def test_the_publisher_speaks_the_channel_layers_format(log_schema):
    schema = log_schema

    async def scenario():
        channel_layer = layer()
        channel = await joined(channel_layer, events.inbox_group(schema))
        event = message_event(id=5, body="héllo \"quoted\" </script>")

        await in_thread(publisher.publish_on_commit, schema, event)
        message = await received(channel_layer, channel)

        # `at`: when it was published, for blazz_event_to_frame_seconds.
        assert message == {"type": events.LAYER_MESSAGE_TYPE, "text": message["text"], "seq": 1, "at": message["at"]}
        assert abs(float(message["at"]) - time.time()) < 60
        # A logged event's frame carries its envelope's id, workspace and occurred_at (as the log has them).
        frame = json.loads(message["text"])
        [logged] = await in_thread(eventlog.after, schema, 0, limit=1)
        assert frame == {**events.frame(event, 1), "id": logged.event_id, "workspace": schema,
                         "occurred_at": eventlog.iso(logged.occurred_at)}
        await channel_layer.flush()

    asyncio.run(scenario())


def test_seq_advances_only_for_events_that_change_state(log_schema):
    schema = log_schema

    async def scenario():
        channel_layer = layer()
        groups = [events.inbox_group(schema), events.contact_group(schema, 7), events.firehose_group(schema),
                  events.user_group(schema, sample(events.ChatMuted).user_id)]
        channel = await joined(channel_layer, *groups)
        seq = publisher.current_seq(schema)
        assert seq == 0
        for event in published_samples():
            # The log hands out the seq of an event that advances it; the others carry the current one.
            seq += 1 if event.advances_seq else 0
            [frame] = publisher._to_redis(schema, [event], None, [seq if event.advances_seq else None])
            # A channel in several groups of one frame gets it once per group.
            copies = [json.loads((await received(channel_layer, channel))["text"]) for _ in event.groups(schema)]

            assert frame["seq"] == seq == publisher.current_seq(schema), event.type
            assert copies == [frame] * len(event.groups(schema))
            assert set(frame) == {"type", "seq"} | events.FRAME_FIELDS[event.type]
        assert await publisher.current_seq_async(schema) == seq
        await channel_layer.flush()

    asyncio.run(scenario())


def test_events_published_together_go_in_one_round_trip_in_order_even_after_redis_lost_the_script(log_schema):
    schema = log_schema

    async def scenario():
        channel_layer = layer()
        channel = await joined(channel_layer, events.inbox_group(schema))
        new, chat = message_event(id=9), chat_event(id=3)

        frames = publisher._to_redis(schema, [new, chat], None, [101, 102])
        got = [json.loads((await received(channel_layer, channel))["text"]) for _ in range(2)]

        assert got == frames == [events.frame(new, 101), events.frame(chat, 102)]

        publisher._sync_client()[0].script_flush()  # as after a Redis restart
        await in_thread(publisher.publish_on_commit, schema, lambda: [message_event(id=1), chat_event(id=1)])
        got = [json.loads((await received(channel_layer, channel))["text"]) for _ in range(2)]

        # Their seqs come from the log (a fresh one here), whatever Redis has seen.
        assert [(f["type"], f["seq"]) for f in got] == [("message.new", 1), ("chat.updated", 2)]
        await channel_layer.flush()

    asyncio.run(scenario())


def test_concurrent_publishers_send_every_seq_once_each_publisher_in_its_order(log_schema):
    schema = log_schema

    async def scenario():
        channel_layer = layer()
        channel = await joined(channel_layer, events.inbox_group(schema))

        def burst():
            for n in range(50):
                publisher.publish_on_commit(schema, chat_event(id=n))

        await asyncio.gather(*(in_thread(burst) for _ in range(4)))
        frames = [json.loads((await received(channel_layer, channel))["text"]) for _ in range(200)]

        # Their after-commit publishes race, so Redis may see them out of seq order (the socket
        # puts them back in order: chats/tests/test_consumer_resume.py); none is lost or doubled.
        assert sorted(frame["seq"] for frame in frames) == list(range(1, 201))
        assert [f["seq"] for f in frames] != [] and publisher.current_seq(schema) == 200
        await channel_layer.flush()

    asyncio.run(scenario())


def test_publish_with_an_origin_marks_the_sender_and_the_consumer_skips_its_own(log_schema):
    from chats.consumers.inbox import InboxConsumer

    schema = log_schema

    async def scenario():
        channel_layer = layer()
        channel = await joined(channel_layer, events.contact_group(schema, 3))
        event = events.Typing(contact_id=3, sender="agent", user={"id": 1, "name": "Ana"}, state="typing")

        await in_thread(publisher.publish_on_commit, schema, event, origin="sender-channel")
        message = await received(channel_layer, channel)

        assert message["origin"] == "sender-channel" and json.loads(message["text"]) == events.frame(event, 0)
        sent = []
        consumer = InboxConsumer()
        consumer.send = lambda text_data: _append(sent, text_data)
        consumer.channel_name = "sender-channel"
        await consumer.blazz_event(message)
        assert sent == []
        consumer.channel_name = "another-channel"
        await consumer.blazz_event(message)
        assert sent == [message["text"]]  # forwarded as is: no decoding, no encoding per socket
        await channel_layer.flush()

    asyncio.run(scenario())


async def _append(items, value):
    items.append(value)


def test_socket_frames_cannot_be_published():
    with pytest.raises(TypeError):
        publisher._to_redis(schema_name(), [events.Ping()])


def test_publish_on_commit_waits_for_the_commit_and_logs_in_the_transaction(log_schema):
    schema = log_schema

    from django.db import transaction

    from blazz.core import eventlog

    with pytest.raises(LookupError), transaction.atomic():
        publisher.publish_on_commit(schema, chat_event())
        raise LookupError("rolled back")
    assert publisher.current_seq(schema) == 0 and eventlog.bounds(schema) == (0, 0)

    with transaction.atomic():
        publisher.publish_on_commit(schema, chat_event())
        assert publisher.current_seq(schema) == 0 and eventlog.bounds(schema) == (0, 0)
    assert publisher.current_seq(schema) == 1 and [e.seq for e in eventlog.after(schema, 0, limit=9)] == [1]


def test_outside_a_transaction_events_go_at_once_and_builders_run_in_the_schema(log_schema):
    from django.db import connection

    schema = log_schema
    seen_in = []

    def build():
        seen_in.append(connection.schema_name)
        return [chat_event(id=1), message_event(id=2)]

    publisher.publish_on_commit(schema, build, chat_event(id=3))
    publisher.publish_on_commit(schema, lambda: None)  # a builder may find nothing to say

    assert seen_in == [schema] and publisher.current_seq(schema) == 3


def test_a_failure_to_build_or_to_publish_is_logged_never_raised(monkeypatch, log_schema):
    def down(*args):
        raise redis.ConnectionError("down")

    def broken():
        raise LookupError("the row is gone")

    logged = []
    monkeypatch.setattr(publisher, "_to_redis", down)
    monkeypatch.setattr(publisher.logger, "exception", lambda message, *args: logged.append(message % args))

    publisher.publish_on_commit(log_schema, chat_event())  # does not raise: clients catch up through seq
    publisher.publish_on_commit(log_schema, broken)

    assert logged == [f"could not publish chat.updated to {log_schema}",
                      f"could not build events after a change in {log_schema}"]


def test_the_publisher_refuses_a_layer_format_it_does_not_speak(settings):
    default = settings.CHANNEL_LAYERS["default"]
    settings.CHANNEL_LAYERS = {"default": {**default, "CONFIG": {**default["CONFIG"],
                                                                 "symmetric_encryption_keys": ["k"]}}}
    with pytest.raises(ImproperlyConfigured):
        publisher._check_layer_format()
    settings.CHANNEL_LAYERS = {"default": {**default, "BACKEND": "channels_redis.core.RedisChannelLayer"}}
    with pytest.raises(ImproperlyConfigured):
        publisher._check_layer_format()
