"""The workspace's event log: every catalogue event that advances seq, written in the transaction
of the change it describes, read by the socket's resume, `GET /api/v1/events/` and the outgoing
webhooks. Its tables belong to the webhooks app (webhooks/models.py: EventLog, EventCounter); the
statements live here because the publisher (blazz/core) and the inbox socket (chats) write and read
them, and neither may import webhooks.

Sequence: `append` takes the next values from the workspace's one counter row with an UPDATE,
which locks that row until the transaction ends, and the publisher calls it just before COMMIT
(blazz/core/db/base.py). So a transaction that got seq N commits before any transaction can take
N+1: rows become visible in seq order, and a reader that saw seq M has already seen every seq
below it. "After N" never misses a lower number committing later (the trap of a plain sequence,
whose values are handed out at INSERT and commit in any order). The cost: writers of one
workspace serialise on that row for one round trip (the COMMIT itself); docs/realtime.md has
the figures and the alternative (reading below the oldest in-flight xid) we did not take.

Every statement names its schema: the publisher may write for a schema other than the
connection's search_path. blazz/tests/test_eventlog.py runs each one.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone

EVENT_ID_PREFIX = "evt_"
# Called with the schema after a transaction that logged events committed (the webhooks app
# registers its delivery trigger here: blazz/core cannot import it).
after_commit_hooks: list[Callable[[str], None]] = []


@dataclass(frozen=True)
class LoggedEvent:
    seq: int
    event_id: str
    type: str
    occurred_at: datetime
    data: dict

    def frame(self, schema: str) -> dict:
        """As the inbox socket carries it: `{type, id, workspace, occurred_at, seq, ...data}`."""
        return {"type": self.type, "id": self.event_id, "workspace": schema, "occurred_at": iso(self.occurred_at),
                "seq": self.seq, **self.data}

    def envelope(self, schema: str) -> dict:
        """As REST, the webhooks and an envelope socket carry it."""
        return {"id": self.event_id, "type": self.type, "workspace": schema, "seq": self.seq,
                "occurred_at": iso(self.occurred_at), "data": self.data}


ENVELOPE_KEYS = ("id", "type", "workspace", "seq", "occurred_at")


def envelope_of_frame(frame: dict, schema: str) -> dict:
    """A socket frame as the envelope (`?format=envelope` sockets): a frame that is not logged
    (typing, presence, hello, ping, error) has no id, and occurred now."""
    return {"id": frame.get("id"), "type": frame["type"], "workspace": schema, "seq": frame["seq"],
            "occurred_at": frame.get("occurred_at") or iso(timezone.now()),
            "data": {key: value for key, value in frame.items() if key not in ENVELOPE_KEYS}}


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def new_event_id() -> str:
    return EVENT_ID_PREFIX + secrets.token_hex(12)


def _table(schema: str, name: str) -> str:
    quote = connection.ops.quote_name
    return f"{quote(schema)}.{quote(name)}"


def append(schema: str, items: list[tuple[str, str, datetime, dict | str]]) -> list[int]:
    """Write (event_id, type, occurred_at, data) rows in the caller's transaction; returns their
    seqs in the same order. `data`: the payload, or its JSON text (the publisher encodes it once
    for the log and the frame). Locks the workspace's counter row until the transaction ends:
    call it as late as possible (the publisher calls it right before COMMIT).

    One statement whatever the count, its text always the same (parsed once): the counter's
    upsert, and the rows from one JSON array parameter (`[[id, type, occurred_at, data], ...]`);
    a text array of JSON documents would be escaped element by element on the way."""
    if not items:
        return []
    counter, log = _table(schema, "webhooks_eventcounter"), _table(schema, "webhooks_eventlog")
    rows = ",".join(
        f'[{json.dumps(event_id)},{json.dumps(kind)},"{iso(occurred_at)}",'
        f'{data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))}]'
        for event_id, kind, occurred_at, data in items)
    with connection.cursor() as cursor:
        # An upsert: a table emptied by hand (or by a test's flush) gets its row back.
        cursor.execute(
            f"WITH c AS (INSERT INTO {counter} AS c (id, value, pruned_through) VALUES (1, %s, 0) "
            "ON CONFLICT (id) DO UPDATE SET value = c.value + EXCLUDED.value RETURNING value), "
            f"l AS (INSERT INTO {log} (seq, event_id, type, occurred_at, data) "
            "SELECT c.value - %s + e.n, e.row->>0, e.row->>1, (e.row->>2)::timestamptz, e.row->3 "
            "FROM c, jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS e(row, n)) "
            "SELECT value FROM c",
            [len(items), len(items), f"[{rows}]"],
        )
        last = cursor.fetchone()[0]
    return list(range(last - len(items) + 1, last + 1))


def after(schema: str, after_seq: int, *, limit: int, types: list[str] | None = None) -> list[LoggedEvent]:
    """Committed events with seq > after_seq, in seq order, at most `limit`."""
    sql = f"SELECT seq, event_id, type, occurred_at, data FROM {_table(schema, 'webhooks_eventlog')} WHERE seq > %s"
    params: list = [after_seq]
    if types:
        sql += " AND type = ANY(%s)"
        params.append(types)
    sql += " ORDER BY seq LIMIT %s"
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [LoggedEvent(seq, event_id, kind, occurred_at, data if isinstance(data, dict) else json.loads(data))
            for seq, event_id, kind, occurred_at, data in rows]


def bounds(schema: str) -> tuple[int, int]:
    """(pruned_through, last): a resume from below pruned_through has lost events; `last` is the
    highest committed seq."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pruned_through, value FROM {_table(schema, 'webhooks_eventcounter')} WHERE id = 1")
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, 0)


def resume_problem(schema: str, after_seq: int) -> str | None:
    """Why a reader cannot resume after `after_seq` ("older_than_log": events it missed were
    deleted; "ahead_of_log": a seq this workspace never handed out), or None when it can."""
    pruned_through, last = bounds(schema)
    if after_seq < pruned_through:
        return "older_than_log"
    if after_seq > last:
        return "ahead_of_log"
    return None


def prune(schema: str, *, before: datetime) -> int:
    """Delete the events that occurred before `before` and remember the highest seq deleted.
    Returns how many were deleted."""
    counter, log = _table(schema, "webhooks_eventcounter"), _table(schema, "webhooks_eventlog")
    with connection.cursor() as cursor:
        cursor.execute(f"WITH gone AS (DELETE FROM {log} WHERE occurred_at < %s RETURNING seq) "
                       "SELECT count(*), max(seq) FROM gone", [before])
        count, highest = cursor.fetchone()
        if highest is not None:
            cursor.execute(f"UPDATE {counter} SET pruned_through = GREATEST(pruned_through, %s) WHERE id = 1",
                           [highest])
    return count


def erase_contact(schema: str, contact_id: int) -> int:
    """Delete the logged events about one contact (a person's erasure): those naming it as
    `contact_id`, or carrying its chat row, contact or one of its messages. Returns how many.
    Resume readers see a jump in seq, as they do past events filtered out by type."""
    log = _table(schema, "webhooks_eventlog")
    key = str(int(contact_id))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {log} WHERE data->>'contact_id' = %s OR data->'message'->>'contact_id' = %s "
                       "OR data->'chat'->>'id' = %s OR data->'contact'->>'id' = %s", [key] * 4)
        return cursor.rowcount
