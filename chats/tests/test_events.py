"""The event catalogue and the publisher (chats/events.py), without processes.

Every catalogue class builds its frame with exactly its declared fields; the frontend's list of
frame names and the events table of docs/api.md say the same as the catalogue; the Lua publisher
really produces what a RedisPubSubChannelLayer consumer receives (real Redis, a real channel
layer), and seq advances only for the events that change state.
"""

import asyncio
import dataclasses
import json
import re
import types
import typing
import uuid
from pathlib import Path

import pytest
import redis
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from blazz.realstack import wait_until
from chats import events
from chats.routing import websocket_urlpatterns

ROOT = Path(__file__).resolve().parents[2]

SAMPLES = {str: "x", int: 7, bool: True, dict: {"id": 1}, list: [{"emoji": "+1"}]}


def sample(cls: type[events.Event], **overrides) -> events.Event:
    """An instance with a value of the declared type for every field without a default."""
    hints = typing.get_type_hints(cls)
    values = {}
    for field in dataclasses.fields(cls):
        if field.default is not dataclasses.MISSING:
            continue
        hint = hints[field.name]
        if isinstance(hint, types.UnionType):  # `str | None`: the non-None half
            hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
        values[field.name] = SAMPLES[hint]
    if cls is events.Typing:
        values["sender"] = "contact"
        values["state"] = "typing"
    return cls(**{**values, **overrides})


def published_samples() -> list[events.Event]:
    """One instance of each event that goes to groups (both kinds of typing)."""
    found = [sample(cls) for cls in events.CATALOGUE if cls.audience != events.SOCKET]
    return found + [sample(events.Typing, sender="agent", user={"id": 3, "name": "Ana"})]


def schema_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"  # a fresh workspace seq counter per test


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


def test_typing_says_from_on_the_wire_and_expires_on_its_own():
    frame = events.frame(sample(events.Typing), 1)

    assert frame["from"] == "contact" and "sender" not in frame
    assert frame["expires_in"] == events.TYPING_EXPIRES_SECONDS > 0
    assert set(events.TYPING_STATES) == {"typing", "recording", "paused"}


def test_event_types_are_unique_and_indexed():
    assert len(set(events.EVENT_TYPES)) == len(events.CATALOGUE)
    assert all(events.BY_TYPE[cls.type] is cls for cls in events.CATALOGUE)
    assert set(events.FRAME_FIELDS) == set(events.EVENT_TYPES)


@pytest.mark.parametrize("event", published_samples(), ids=lambda event: f"{event.type}-{getattr(event, 'sender', '')}")
def test_the_script_fills_the_seq_into_exactly_the_frame(event):
    # The Lua script sends head + seq + tail (the JSON is built once, in Python).
    keys, args, payload = events._script_call("ws_x", event, None)

    assert keys == [events.seq_key("ws_x")] and "ws_x" in keys[0]
    assert args[0] == ("1" if event.advances_seq else "0") and args[1] == events.LAYER_MESSAGE_TYPE
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
        channels = events._script_call(schema, event, None)[1][5:]
        assert channels == [f"{settings.CHANNEL_LAYERS['default']['CONFIG']['prefix']}__group__{g}" for g in groups]


def test_contact_scoped_events_reach_the_contact_and_the_firehose_never_the_inbox():
    presence = sample(events.Presence, contact_id=12)
    agent_typing = sample(events.Typing, contact_id=12, sender="agent")
    contact_typing = sample(events.Typing, contact_id=12, sender="contact")

    assert presence.groups("s") == agent_typing.groups("s") == ["t.s.contact.12", "t.s.firehose"]
    assert contact_typing.groups("s") == ["t.s.inbox"]


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
    assert {cls.type for cls in events.CATALOGUE if not cls.advances_seq} == {"typing", "presence", "hello", "ping",
                                                                              "error"}


# --- the frontend and the docs say the same ------------------------------------------------------------


def _js_object(source: str, name: str) -> dict[str, str]:
    body = re.search(rf"export const {name} = Object\.freeze\(\{{(.*?)\}}\);", source, re.S)
    assert body, f"{name} not found in frontend/src/realtime/events.js"
    return dict(re.findall(r"(\w+): '([^']*)'", body.group(1)))


def test_the_frontend_event_names_are_the_catalogue():
    source = (ROOT / "frontend/src/realtime/events.js").read_text()

    assert sorted(_js_object(source, "SERVER_EVENTS").values()) == sorted(events.EVENT_TYPES)
    assert sorted(_js_object(source, "TYPING_STATES").values()) == sorted(events.TYPING_STATES)
    assert sorted(_js_object(source, "CLIENT_FRAMES").values()) == sorted(_documented_client_frames())
    path = re.search(r"INBOX_SOCKET_PATH = '([^']*)'", source).group(1)
    assert path == "/" + str(websocket_urlpatterns[0].pattern)


def _realtime_section() -> str:
    text = (ROOT / "docs/api.md").read_text()
    return text[text.index("## Real-time"):]


def _documented_client_frames() -> set[str]:
    return set(re.findall(r'\{"type": "([a-z.]+)"', _realtime_section()))


def _documented_events() -> dict[str, tuple[set[str], str]]:
    """docs/api.md's events table: type -> (fields, seq column)."""
    rows = {}
    for line in _realtime_section().splitlines():
        match = re.match(r"^\| `([a-z.]+)` \|(.*)$", line)
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
    names = [events._group_channel(group) for group in groups]
    await asyncio.to_thread(wait_until, lambda: all(n >= 1 for _, n in client.pubsub_numsub(*names)), 5, 0.01,
                            "the subscriptions")
    client.close()
    return channel


async def received(channel_layer, channel, timeout=5.0) -> dict:
    return await asyncio.wait_for(channel_layer.receive(channel), timeout)


def test_publish_now_speaks_the_channel_layers_format():
    schema = schema_name()

    async def scenario():
        channel_layer = layer()
        channel = await joined(channel_layer, events.inbox_group(schema))
        event = events.MessageNew(message={"id": 5, "body": "héllo \"quoted\" </script>"})

        [frame] = events.publish_now(schema, event)
        message = await received(channel_layer, channel)

        assert message == {"type": events.LAYER_MESSAGE_TYPE, "text": message["text"]}
        assert json.loads(message["text"]) == frame == events.frame(event, 1)
        await channel_layer.flush()

    asyncio.run(scenario())


def test_seq_advances_only_for_events_that_change_state():
    schema = schema_name()

    async def scenario():
        channel_layer = layer()
        groups = [events.inbox_group(schema), events.contact_group(schema, 7), events.firehose_group(schema)]
        channel = await joined(channel_layer, *groups)
        seq = events.current_seq(schema)
        assert seq == 0
        for event in published_samples():
            [frame] = events.publish_now(schema, event)
            # A channel in several groups of one frame gets it once per group.
            copies = [json.loads((await received(channel_layer, channel))["text"]) for _ in event.groups(schema)]

            seq += 1 if event.advances_seq else 0
            assert frame["seq"] == seq == events.current_seq(schema), event.type
            assert copies == [frame] * len(event.groups(schema))
            assert set(frame) == {"type", "seq"} | events.FRAME_FIELDS[event.type]
        assert await events.current_seq_async(schema) == seq
        await channel_layer.flush()

    asyncio.run(scenario())


def test_events_published_together_go_in_one_round_trip_in_order_even_after_redis_lost_the_script():
    schema = schema_name()

    async def scenario():
        channel_layer = layer()
        channel = await joined(channel_layer, events.inbox_group(schema))
        new, chat = events.MessageNew(message={"id": 9}), events.ChatUpdated(chat={"id": 3})

        frames = events.publish_now(schema, new, chat)
        got = [json.loads((await received(channel_layer, channel))["text"]) for _ in range(2)]

        assert got == frames == [events.frame(new, 1), events.frame(chat, 2)]

        events._sync_client()[0].script_flush()  # as after a Redis restart
        frames = events.publish_now(schema, events.MessageNew(message={"id": 1}), events.ChatUpdated(chat={"id": 1}))
        got = [json.loads((await received(channel_layer, channel))["text"]) for _ in range(2)]

        assert got == frames and [f["type"] for f in frames] == ["message.new", "chat.updated"]
        await channel_layer.flush()

    asyncio.run(scenario())


def test_frames_arrive_in_seq_order_from_concurrent_publishers():
    schema = schema_name()

    async def scenario():
        channel_layer = layer()
        channel = await joined(channel_layer, events.inbox_group(schema))

        def burst():
            for n in range(50):
                events.publish_now(schema, events.ChatUpdated(chat={"n": n}))

        await asyncio.gather(*(asyncio.to_thread(burst) for _ in range(4)))
        seqs = [json.loads((await received(channel_layer, channel))["text"])["seq"] for _ in range(200)]

        assert seqs == list(range(1, 201))
        await channel_layer.flush()

    asyncio.run(scenario())


def test_publish_with_an_origin_marks_the_sender_and_the_consumer_skips_its_own():
    from chats.consumers import InboxConsumer

    schema = schema_name()

    async def scenario():
        channel_layer = layer()
        channel = await joined(channel_layer, events.contact_group(schema, 3))
        event = events.Typing(contact_id=3, sender="agent", user={"id": 1, "name": "Ana"}, state="typing")

        frame = await events.publish(schema, event, origin="sender-channel")
        message = await received(channel_layer, channel)

        assert message["origin"] == "sender-channel" and json.loads(message["text"]) == frame
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
        events.publish_now(schema_name(), events.Ping())


def test_publish_on_commit_waits_for_the_commit(monkeypatch):
    schema = schema_name()
    committed = []  # what transaction.on_commit holds until the commit
    monkeypatch.setattr(events.transaction, "on_commit", committed.append)

    events.publish_on_commit(schema, events.ChatUpdated(chat={"id": 1}))
    assert events.current_seq(schema) == 0 and len(committed) == 1

    committed[0]()
    assert events.current_seq(schema) == 1


def test_a_failure_to_publish_is_logged_never_raised(monkeypatch):
    def down(*args):
        raise redis.ConnectionError("down")

    committed, logged = [], []
    monkeypatch.setattr(events.transaction, "on_commit", committed.append)
    monkeypatch.setattr(events, "publish_now", down)
    monkeypatch.setattr(events.logger, "exception", lambda message, *args: logged.append(message % args))
    events.publish_on_commit("ws_x", events.ChatUpdated(chat={"id": 1}))

    committed[0]()  # does not raise: the data is committed, clients catch up through seq
    assert logged == ["could not publish chat.updated to ws_x"]


def test_the_publisher_refuses_a_layer_format_it_does_not_speak(settings):
    default = settings.CHANNEL_LAYERS["default"]
    settings.CHANNEL_LAYERS = {"default": {**default, "CONFIG": {**default["CONFIG"],
                                                                 "symmetric_encryption_keys": ["k"]}}}
    with pytest.raises(ImproperlyConfigured):
        events._check_layer_format()
    settings.CHANNEL_LAYERS = {"default": {**default, "BACKEND": "channels_redis.core.RedisChannelLayer"}}
    with pytest.raises(ImproperlyConfigured):
        events._check_layer_format()
