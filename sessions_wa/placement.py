"""The node registry's writes: heartbeats, which node a session goes to, and epochs.

Everything here is in the public schema (nodes.models), callable from any schema: the tables are
read and written as `public.` tables by django-tenants' search path. docs/scale-out.md tells the
story; docs/bridge.md "Bridge nodes" is the bridge's side.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_tenants.utils import schema_context

from nodes.models import BridgeNode, SessionPlacement

logger = logging.getLogger(__name__)


def live_cutoff() -> dt.datetime:
    """A node whose last heartbeat is older than this is dead (BRIDGE_NODE_TIMEOUT)."""
    return timezone.now() - dt.timedelta(seconds=settings.BRIDGE_NODE_TIMEOUT)


def live_nodes():
    return BridgeNode.objects.filter(last_heartbeat_at__gte=live_cutoff())


def node_with_most_headroom(*, exclude: tuple[str, ...] = ()) -> BridgeNode | None:
    """The live, not draining node with the most room (capacity - sessions placed on it; ties:
    fewer placed, then id). Locks the candidates, so concurrent placements count each other.
    Call inside a transaction."""
    candidates = list(live_nodes().filter(draining=False).exclude(id__in=exclude)
                      .select_for_update().order_by("id"))
    if not candidates:
        return None
    placed = dict(SessionPlacement.objects.filter(node__in=candidates, active=True)
                  .values("node").annotate(n=Count("session_id")).values_list("node", "n"))
    return min(candidates, key=lambda node: (placed.get(node.id, 0) - node.capacity, placed.get(node.id, 0), node.id))


def placement_create(*, session_id: str, schema_name: str, engine: str, options: dict) -> SessionPlacement:
    """Place a new session on the node with the most headroom (none live: unplaced, BRIDGE_URL).
    Idempotent: a session placed already keeps its placement."""
    with transaction.atomic():
        existing = SessionPlacement.objects.filter(session_id=session_id).first()
        if existing is not None:
            return existing
        node = node_with_most_headroom()
        return SessionPlacement.objects.create(session_id=session_id, schema_name=schema_name, node=node,
                                               engine=engine, options=options or {})


def placement_ensure(*, session_id: str, schema_name: str, engine: str, options: dict) -> None:
    """A session from before the registry (or whose placement was lost) gets an unplaced one:
    the first node reporting it adopts it."""
    SessionPlacement.objects.get_or_create(session_id=session_id, defaults={
        "schema_name": schema_name, "engine": engine, "options": options or {}})


def placement_deactivate(*, session_id: str) -> None:
    """Logged out and removed: no node is asked to hold it any more (routing stays, for the
    reconcile's repeated DELETE)."""
    SessionPlacement.objects.filter(session_id=session_id).update(active=False)


def current_epoch(session_id: str) -> int | None:
    return SessionPlacement.objects.filter(session_id=session_id).values_list("epoch", flat=True).first()


def node_heartbeat(*, node_id: str, data: dict) -> list[dict]:
    """Record a node's beat and answer the sessions it should hold (docs/bridge.md: `{id,
    engine, workspace, options, epoch}` each). Sessions it reports that nobody placed are
    adopted; those placed elsewhere are not listed, so it releases them."""
    reported = [sid for sid in data.get("session_ids", []) if isinstance(sid, str)][:10_000]
    with transaction.atomic():
        node, _ = BridgeNode.objects.update_or_create(id=node_id, defaults={
            "url": data["url"].rstrip("/"), "capacity": data["capacity"],
            "memory_budget_bytes": data.get("memory_budget_bytes"), "rss_bytes": data["rss_bytes"],
            "load": {"sessions": data.get("sessions") or {}, "outbox_depth": data.get("outbox_depth", 0),
                     "dead_letters": data.get("dead_letters", 0)},
            "last_heartbeat_at": timezone.now(),
        })
        SessionPlacement.objects.filter(session_id__in=reported, node__isnull=True, active=True).update(node=node)
        known = set(SessionPlacement.objects.filter(session_id__in=reported).values_list("session_id", flat=True))
        for session_id in reported:
            if session_id not in known:
                _adopt(session_id, node)
        desired = SessionPlacement.objects.filter(node=node, active=True).order_by("session_id")
        return [{"id": p.session_id, "engine": p.engine, "workspace": p.schema_name, "options": p.options,
                 "epoch": p.epoch} for p in desired]


def _adopt(session_id: str, node: BridgeNode) -> None:
    """A session a node holds that the registry has no row of (created before it): placed where it is."""
    from sessions_wa.models import WhatsAppSession
    from workspaces.models import PUBLIC_SCHEMA, Workspace

    schema = session_id.split(".", 1)[0]
    if schema == PUBLIC_SCHEMA or not Workspace.objects.filter(schema_name=schema).exists():
        return
    with schema_context(schema):
        session = WhatsAppSession.objects.filter(pk=session_id, deleted_at__isnull=True).first()
    if session is not None:
        SessionPlacement.objects.get_or_create(session_id=session_id, defaults={
            "schema_name": schema, "node": node, "engine": session.engine, "options": session.options})


def placements_to_move() -> list[SessionPlacement]:
    """Active sessions on a dead node or a draining one. Unplaced ones stay with BRIDGE_URL (a
    bridge without heartbeats) until a node reporting them adopts them."""
    cutoff = live_cutoff()
    return list(SessionPlacement.objects.filter(active=True, node__isnull=False).filter(
        Q(node__last_heartbeat_at__lt=cutoff) | Q(node__last_heartbeat_at__isnull=True) | Q(node__draining=True),
    ).select_related("node").order_by("session_id"))


def _needs_moving(placement: SessionPlacement) -> bool:
    node = placement.node
    return placement.active and node is not None and (
        node.draining or node.last_heartbeat_at is None or node.last_heartbeat_at < live_cutoff())


def placement_move(*, session_id: str) -> tuple[SessionPlacement, BridgeNode | None] | None:
    """Give a session of a dead or draining node to the node with the most headroom at the next
    epoch. Returns (placement, the node it left), or None when it no longer needs moving or no
    other node can take it (it stays where it is)."""
    with transaction.atomic():
        placement = SessionPlacement.objects.select_for_update(of=("self",)).select_related("node").get(pk=session_id)
        old = placement.node
        if not _needs_moving(placement):
            return None  # a concurrent run moved it already
        target = node_with_most_headroom(exclude=(old.id,) if old else ())
        if target is None:
            return None
        placement.node, placement.epoch, placement.moved_at = target, placement.epoch + 1, timezone.now()
        placement.save(update_fields=["node", "epoch", "moved_at"])
    logger.info("session %s moved from %s to %s (epoch %s)", session_id, old, target, placement.epoch)
    return placement, old


def nodes_report() -> list[dict]:
    """For /api/health/: each node with its load as its last heartbeat said."""
    cutoff = live_cutoff()
    placed = dict(SessionPlacement.objects.filter(active=True, node__isnull=False)
                  .values("node").annotate(n=Count("session_id")).values_list("node", "n"))
    return [{
        "id": node.id, "url": node.url, "sessions": sum((node.load.get("sessions") or {}).values()),
        "placed": placed.get(node.id, 0), "capacity": node.capacity, "rss_bytes": node.rss_bytes,
        "outbox_depth": node.load.get("outbox_depth", 0),
        "last_heartbeat_at": node.last_heartbeat_at.isoformat() if node.last_heartbeat_at else None,
        "live": bool(node.last_heartbeat_at and node.last_heartbeat_at >= cutoff), "draining": node.draining,
    } for node in BridgeNode.objects.order_by("id")]
