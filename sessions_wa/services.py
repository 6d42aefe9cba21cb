"""Every write to sessions: create, log out, and the status the bridge reports.

All functions run inside the workspace's schema (a request on its host, a task carrying its
schema, or `schema_context`). Emits: session.status.
"""

from __future__ import annotations

import logging
import re
import secrets

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blazz.core import events
from blazz.core.errors import Conflict, DomainError, NotFound
from blazz.core.publisher import publish_on_commit
from sessions_wa import bridge, placement
from sessions_wa.contract import STATUS_REASON_CODES
from sessions_wa.errors import SessionErrorCode as Code
from sessions_wa.models import Engine, SessionStatus, WhatsAppSession
from sessions_wa.serializers import session_data

logger = logging.getLogger(__name__)

BRIDGE_STOPPED_REASON = "stopped"  # the bridge's reason for a session stopped on purpose


def _schema() -> str:
    return connection.schema_name


def _publish(session: WhatsAppSession) -> None:
    publish_on_commit(_schema(), events.SessionStatusChanged(session=session_data(session)))


def _phone(digits: str | None) -> str:
    digits = (digits or "").strip().lstrip("+")
    return f"+{digits}" if digits else ""


def session_create(*, engine: str, name: str = "", options: dict | None = None) -> WhatsAppSession:
    """Record a new number and ask the bridge to start it. When the bridge cannot be reached the
    session stays `starting` and the reconcile task starts it once the bridge is back.
    Emits: session.status."""
    if engine not in Engine.values:
        raise DomainError(Code.ENGINE_INVALID, _("engine must be one of %(engines)s") % {"engines": ", ".join(Engine.values)},
                          fields={"engine": ["invalid"]})
    if options is not None and not isinstance(options, dict):
        raise DomainError("invalid_request", _("options must be an object"), fields={"options": ["not an object"]})
    with transaction.atomic():
        _check_session_limit()
        session = WhatsAppSession.objects.create(
            id=f"{_schema()}.{secrets.token_hex(4)}", engine=engine, name=(name or "").strip()[:100],
            options=options or {}, status=SessionStatus.STARTING,
        )
        node = placement.placement_create(session_id=session.id, schema_name=_schema(), engine=engine,
                                          options=session.options).node_id
        if node:
            WhatsAppSession.objects.filter(pk=session.pk).update(node=node)
            session.node = node
        _publish(session)
    return session_start_on_bridge(session=session)


def _check_session_limit() -> None:
    """The workspace's plan limit (Workspace.max_sessions, set by a superuser). Caller: in a
    transaction; the workspace row is locked so that two concurrent creates cannot both pass."""
    from workspaces.models import Workspace

    limit = Workspace.objects.select_for_update().filter(schema_name=_schema()).values_list(
        "max_sessions", flat=True).first()
    if limit is not None and WhatsAppSession.objects.filter(deleted_at__isnull=True).count() >= limit:
        raise Conflict(Code.SESSION_LIMIT_REACHED,
                       _("This workspace may have %(limit)d WhatsApp numbers at once: remove one first, "
                         "or ask the operator for more.") % {"limit": limit})


def _workspace_suspended() -> bool:
    from workspaces.models import Workspace

    return Workspace.objects.filter(schema_name=_schema(), is_suspended=True).exists()


def session_start_on_bridge(*, session: WhatsAppSession) -> WhatsAppSession:
    """POST /sessions on the bridge (idempotent there); apply its answer unless a webhook got here first.
    Never for a suspended workspace: its session waits, `starting`, for the reconcile after the resume."""
    if _workspace_suspended():
        logger.info("not starting %s: its workspace is suspended", session.id)
        return session
    try:
        info = bridge.session_create(session_id=session.id, engine=session.engine, workspace=_schema(),
                                     options=session.options)
    except bridge.BridgeUnavailable as exc:
        logger.warning("bridge unavailable creating %s: %s", session.id, exc)
        return session_apply_state(session_id=session.id, status=SessionStatus.STARTING,
                                   reason="Waiting for the bridge.", only_if_status=SessionStatus.STARTING) or session
    except bridge.BridgeError as exc:
        return session_apply_state(session_id=session.id, status=SessionStatus.FAILED, reason=exc.message) or session
    return session_apply_bridge_info(session_id=session.id, info=info, only_if_status=SessionStatus.STARTING) or session


def session_apply_bridge_info(*, session_id: str, info: dict, only_if_status=None, older_than=None):
    return session_apply_state(
        session_id=session_id, status=info.get("status"), phone=info.get("phone"), reason=info.get("reason") or "",
        reason_code=info.get("reason_code") or "",
        qr_raw=info.get("qr_raw"), qr_data_url=info.get("qr"), node=info.get("node"),
        only_if_status=only_if_status, older_than=older_than,
    )


def session_apply_state(
    *, session_id: str, status: str | None, phone: str | None = None, reason: str = "", reason_code: str = "",
    qr_raw: str | None = None, qr_data_url: str | None = None, node: str | None = None,
    only_if_status: str | None = None, older_than=None,
) -> WhatsAppSession | None:
    """Apply what the bridge says of a session. Returns the session, or None when the condition
    (`only_if_status`, or the row not updated since `older_than`) kept it unchanged.
    Emits: session.status when something visible changed."""
    if status not in SessionStatus.values:
        raise DomainError("invalid_request", _("Unknown session status %(status)r.") % {"status": status}, fields={"status": ["unknown"]})
    with transaction.atomic():
        session = WhatsAppSession.objects.select_for_update().filter(pk=session_id).first()
        if session is None:
            raise NotFound(Code.SESSION_NOT_FOUND, _("No session %(id)s.") % {"id": session_id})
        if only_if_status is not None and session.status != only_if_status:
            return None
        if older_than is not None and session.updated_at > older_than:
            return None
        if session.deleted_at is not None and status != SessionStatus.LOGGED_OUT:
            return session  # removed by a user: late news of it changes nothing
        before = (session.status, session.phone, session.reason, session.reason_code, session.qr_raw, session.node,
                  session.pairing_code)
        session.status = status
        session.reason = (reason or "")[:500]
        session.reason_code = (reason_code if reason_code in STATUS_REASON_CODES else "unknown") if reason else ""
        if phone:
            session.phone = _phone(phone)
        if node:
            session.node = node[:200]
        if status == SessionStatus.QR:
            if qr_raw:
                session.qr_raw = qr_raw
            if qr_data_url:
                session.qr_data_url = qr_data_url
        else:
            session.qr_raw = session.qr_data_url = session.pairing_code = ""
        if status == SessionStatus.CONNECTED and before[0] != SessionStatus.CONNECTED:
            session.connected_at = timezone.now()
        session.save()
        if before != (session.status, session.phone, session.reason, session.reason_code, session.qr_raw,
                      session.node, session.pairing_code):
            _publish(session)
    return session


def session_apply_pairing_code(*, session_id: str, code: str) -> WhatsAppSession | None:
    """The bridge's `session.pairing_code` (each renewal is a new code). Kept only while the session
    waits for a scan. Emits: session.status when the code changed."""
    with transaction.atomic():
        session = WhatsAppSession.objects.select_for_update().filter(pk=session_id).first()
        if session is None:
            raise NotFound(Code.SESSION_NOT_FOUND, _("No session %(id)s.") % {"id": session_id})
        if session.status != SessionStatus.QR or session.deleted_at is not None or session.pairing_code == code:
            return session
        session.pairing_code = (code or "")[:16]
        session.save(update_fields=["pairing_code", "updated_at"])
        _publish(session)
    return session


def session_request_pairing_code(*, session: WhatsAppSession, phone: str) -> WhatsAppSession:
    """"Link with phone number instead": ask the bridge for a code to type on `phone` (WhatsApp >
    Linked devices > Link with phone number). 409 unless the session waits for a scan. Asking again
    is harmless (the bridge renews or repeats the code). Emits: session.status."""
    if session.status != SessionStatus.QR:
        raise Conflict(Code.NOT_WAITING_FOR_SCAN, _("A code can be asked for only while the QR code is shown."))
    digits = re.sub(r"\D+", "", phone or "")
    digits = digits[2:] if (phone or "").strip().startswith("00") else digits
    if not 7 <= len(digits) <= 15 or digits.startswith("0"):
        raise DomainError(Code.PHONE_INVALID, _("A phone number in international form, e.g. +6281234567890."),
                          fields={"phone": ["invalid"]})
    try:
        answer = bridge.session_pairing_code(session.id, digits)
    except bridge.BridgeError as exc:
        if exc.code == "invalid_session_state":
            raise Conflict(Code.NOT_WAITING_FOR_SCAN, _("A code can be asked for only while the QR code is shown.")) from exc
        raise DomainError(Code.BRIDGE_ERROR, exc.message, status=502) from exc
    except bridge.BridgeUnavailable as exc:
        raise DomainError(Code.BRIDGE_UNAVAILABLE, _("The bridge is unavailable: %(error)s") % {"error": exc},
                          status=503) from exc
    return session_apply_pairing_code(session_id=session.id, code=answer.get("code") or "") or session


def session_apply_qr(*, session_id: str, qr: str, qr_data_url: str | None) -> WhatsAppSession | None:
    return session_apply_state(session_id=session_id, status=SessionStatus.QR, qr_raw=qr, qr_data_url=qr_data_url)


def session_logout(*, session: WhatsAppSession) -> WhatsAppSession:
    """Log the number out and remove it from the workspace. The row is kept (marked deleted) so
    late webhooks of it still resolve; the reconcile task repeats the bridge call if it failed.
    Emits: session.status."""
    try:
        bridge.session_delete(session.id)
    except bridge.BridgeError as exc:
        if exc.code != "session_not_found":
            logger.warning("bridge refused to delete %s: %s", session.id, exc)
    except bridge.BridgeUnavailable as exc:
        logger.warning("bridge unavailable deleting %s (will retry): %s", session.id, exc)
    with transaction.atomic():
        session = WhatsAppSession.objects.select_for_update().get(pk=session.pk)
        session.status = SessionStatus.LOGGED_OUT
        session.qr_raw = session.qr_data_url = ""
        session.deleted_at = session.deleted_at or timezone.now()
        session.save()
        placement.placement_deactivate(session_id=session.id)
        _publish(session)
    return session


def session_note_move(*, session_id: str, node: str, reason: str) -> WhatsAppSession | None:
    """The session moved to another bridge node (sessions_wa.failover): `starting` there until the
    new node reports. Emits: session.status."""
    return session_apply_state(session_id=session_id, status=SessionStatus.STARTING, reason=reason, node=node)


def sessions_reconcile() -> dict:
    """Make the bridge run what this workspace has: start sessions it does not know (it lost its
    data, or was down when they were created), delete the ones users removed, stop them while the
    workspace is suspended (and start them when it is resumed), and adopt the bridge's status where
    no webhook has said anything newer. Run by beat every 30 s and at worker start for every
    workspace, suspended ones included (so a session started around a suspension is stopped by
    the next run), and at once on (un)suspension."""
    counts = {"started": 0, "stopped": 0, "deleted": 0, "updated": 0, "unreachable": 0}
    suspended = _workspace_suspended()
    for session in WhatsAppSession.objects.all():
        if session.deleted_at is None:
            placement.placement_ensure(session_id=session.id, schema_name=_schema(), engine=session.engine,
                                       options=session.options)
        asked_at = timezone.now()
        try:
            info = bridge.session_get(session.id)
        except bridge.BridgeUnavailable as exc:
            # Its node is away (failover moves it); the others are still reconciled.
            logger.info("reconcile: %s unreachable: %s", session.id, exc)
            counts["unreachable"] += 1
            continue
        except bridge.BridgeError as exc:
            if exc.code != "session_not_found":
                raise
            info = None
        if session.deleted_at is not None:
            if info is not None:
                bridge.session_delete(session.id)
                counts["deleted"] += 1
            continue
        stopped_on_bridge = info is not None and info.get("reason") == BRIDGE_STOPPED_REASON
        if suspended:
            # A suspended workspace's sessions are not running: stopped, not logged out, so
            # resuming needs no new QR scan.
            if info is not None and not stopped_on_bridge:
                session_apply_bridge_info(session_id=session.id, info=bridge.session_stop(session.id))
                counts["stopped"] += 1
            continue
        if stopped_on_bridge:
            session_apply_bridge_info(session_id=session.id, info=bridge.session_start(session.id))
            counts["started"] += 1
        elif info is None:
            session_start_on_bridge(session=session)
            counts["started"] += 1
        elif info.get("status") != session.status or (info.get("node") or "") != session.node:
            if session_apply_bridge_info(session_id=session.id, info=info, older_than=asked_at):
                counts["updated"] += 1
    if counts["unreachable"]:
        raise bridge.BridgeUnavailable(f"{counts['unreachable']} sessions' bridge unreachable ({counts})")
    return counts
