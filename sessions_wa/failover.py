"""Moving sessions between bridge nodes: off a node that stopped heartbeating (failover), off a
draining one (gracefully: released first, so a webjs profile is backed up). Run by beat every
BRIDGE_FAILOVER_INTERVAL_SECONDS (sessions_wa.tasks); one run at a time (a PostgreSQL advisory lock).

The move itself is a new placement at the next epoch (sessions_wa.placement). The new node is
asked to start the session at once; if it cannot be reached, its next heartbeat's answer lists the
session and it starts it then. The old node, when it comes back, is answered without the session
and releases it (its events of the old epoch change no session status: webhooks/inbound/apply.py).
"""

from __future__ import annotations

import logging

from django.db import connection
from django_tenants.utils import schema_context

from sessions_wa import bridge, placement, services
from sessions_wa.contract import SessionStatus

logger = logging.getLogger(__name__)

MOVING_REASON = "Moving to another bridge node."


LOCK_KEY = 0x626C617A7A  # "blazz": pg_try_advisory_lock's key of the failover run


def nodes_failover() -> dict:
    """Move every session that needs it; returns counts. One run at a time: a run that finds
    another one under way returns at once (each move also re-checks under its row lock)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        if not cursor.fetchone()[0]:
            return {"skipped": True}
    try:
        return _move_all()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _move_all() -> dict:
    counts = {"moved": 0, "stuck": 0}
    for item in placement.placements_to_move():
        graceful = item.node is not None and item.node.draining and \
            item.node.last_heartbeat_at is not None and item.node.last_heartbeat_at >= placement.live_cutoff()
        if graceful:
            try:
                bridge.session_release(item.session_id, node_url=item.node.url, epoch=item.epoch)
            except (bridge.BridgeUnavailable, bridge.BridgeError) as exc:
                logger.warning("releasing %s on draining %s failed (moving it anyway): %s", item.session_id,
                               item.node_id, exc)
        moved = placement.placement_move(session_id=item.session_id)
        if moved is None:
            counts["stuck"] += 1  # (or moved by a concurrent run)
            continue
        counts["moved"] += 1
        _started_on_new_node(moved[0])
    if counts["stuck"]:
        logger.warning("%s sessions need another bridge node and none has room", counts["stuck"])
    return counts


def _started_on_new_node(moved) -> None:
    with schema_context(moved.schema_name):
        services.session_note_move(session_id=moved.session_id, node=moved.node_id, reason=MOVING_REASON)
        try:
            info = bridge.session_create(session_id=moved.session_id, engine=moved.engine,
                                         workspace=moved.schema_name, options=moved.options)
        except (bridge.BridgeUnavailable, bridge.BridgeError) as exc:
            logger.warning("starting moved %s on %s failed (its heartbeat will): %s", moved.session_id,
                           moved.node_id, exc)
            return
        if info.get("status") and info.get("status") != SessionStatus.STARTING:
            services.session_apply_bridge_info(session_id=moved.session_id, info=info,
                                               only_if_status=SessionStatus.STARTING)
