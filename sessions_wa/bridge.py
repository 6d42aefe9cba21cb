"""The bridge's REST API, as Django calls it (docs/bridge.md). One place knows its routes.

Node-aware: a call for a session goes to the node that owns it (nodes.SessionPlacement, read in
the public schema on every call so a move is seen at once) with the placement's epoch in
`X-Blazz-Epoch`; a session placed on no node yet (one bridge, heartbeats off) goes to BRIDGE_URL.

Errors: `BridgeUnavailable` when it cannot be reached or answers 5xx/timeout (worth retrying);
`BridgeError` with the bridge's error code for a 4xx (retrying the same request will not help,
except for the codes in `BridgeError.retryable`).
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import httpx
from django.conf import settings
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


class BridgeUnavailable(Exception):
    """Unreachable, timed out, or a 5xx: the request may succeed later."""


class BridgeError(Exception):
    # 4xx codes that describe a passing state, not a bad request.
    # stale_epoch: the session moved between reading its placement and the call; the next try
    # reads the new one.
    RETRYABLE_CODES = frozenset({"session_not_connected", "send_in_progress", "session_not_found", "stale_epoch"})

    def __init__(self, status: int, code: str, message: str):
        self.status = status
        self.code = code
        self.message = message
        super().__init__(f"{status} {code}: {message}")

    @property
    def retryable(self) -> bool:
        return self.code in self.RETRYABLE_CODES


_client: httpx.Client | None = None


def _http() -> httpx.Client:
    global _client
    if _client is None:
        _client = httpx.Client(
            base_url=settings.BRIDGE_URL,
            headers={"Authorization": f"Bearer {settings.BRIDGE_TOKEN}"},
            timeout=settings.BRIDGE_TIMEOUT_SECONDS,
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        )
    return _client


def route(session_id: str) -> tuple[str, int | None]:
    """(base URL, epoch) of the node that owns a session: BRIDGE_URL and no epoch when unplaced."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n.url, p.epoch FROM public.nodes_sessionplacement p "
                "LEFT JOIN public.nodes_bridgenode n ON n.id = p.node_id WHERE p.session_id = %s", [session_id])
            row = cursor.fetchone()
    except DatabaseError as exc:  # where to send it is unknown: as if the bridge were away, try later
        raise BridgeUnavailable(f"no placement read: {exc}") from exc
    if row is None:
        return settings.BRIDGE_URL, None
    return (row[0] or settings.BRIDGE_URL).rstrip("/"), row[1]


def _request(method: str, path: str, *, json=None, timeout: float | None = None,
             session_id: str | None = None, headers: dict | None = None) -> httpx.Response:
    headers = dict(headers or {})
    if session_id is not None:
        base, epoch = route(session_id)
        path = f"{base}{path}"
        if epoch is not None:
            headers["X-Blazz-Epoch"] = str(epoch)
    try:
        response = _http().request(method, path, json=json, headers=headers,
                                   timeout=timeout or settings.BRIDGE_TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        raise BridgeUnavailable(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code >= 500:
        code, message = _error_of(response)
        if response.status_code == 502 and code in ("send_failed", "engine_error"):
            raise BridgeError(response.status_code, code, message)
        raise BridgeUnavailable(f"{response.status_code} {code}: {message}")
    if response.status_code >= 400:
        code, message = _error_of(response)
        raise BridgeError(response.status_code, code, message)
    return response


def _error_of(response: httpx.Response) -> tuple[str, str]:
    try:
        error = response.json()["error"]
        return str(error.get("code", "error")), str(error.get("message", ""))[:400]
    except (ValueError, KeyError, TypeError):
        return "error", response.text[:400]


def _sid(session_id: str) -> str:
    return quote(session_id, safe="")


def health(timeout: float = 2.0) -> dict:
    return _request("GET", "/health", timeout=timeout).json()


def session_create(*, session_id: str, engine: str, workspace: str, options: dict) -> dict:
    """On the session's node, at its epoch (the node records a higher one, refuses a lower one)."""
    base, epoch = route(session_id)
    body = {"id": session_id, "engine": engine, "workspace": workspace, "options": options}
    if epoch is not None:
        body["epoch"] = epoch
    return _request("POST", f"{base}/sessions", json=body).json()


def session_release(session_id: str, *, node_url: str, epoch: int) -> dict:
    """The session moves off the node at `node_url` (named: its placement may point elsewhere
    already): it stops it without logging out and forgets it."""
    return _request("POST", f"{node_url.rstrip('/')}/sessions/{_sid(session_id)}/release",
                    headers={"X-Blazz-Epoch": str(epoch)}).json()


def session_get(session_id: str) -> dict:
    return _request("GET", f"/sessions/{_sid(session_id)}", session_id=session_id).json()


def session_delete(session_id: str) -> dict:
    return _request("DELETE", f"/sessions/{_sid(session_id)}", session_id=session_id).json()


def session_restart(session_id: str) -> dict:
    return _request("POST", f"/sessions/{_sid(session_id)}/restart", session_id=session_id).json()


def session_stop(session_id: str) -> dict:
    """Stop without logging out; the bridge keeps it stopped until session_start."""
    return _request("POST", f"/sessions/{_sid(session_id)}/stop", session_id=session_id).json()


def session_start(session_id: str) -> dict:
    return _request("POST", f"/sessions/{_sid(session_id)}/start", session_id=session_id).json()


def session_pairing_code(session_id: str, phone_digits: str) -> dict:
    """{code}: a code to type on the phone instead of scanning (the session must be waiting for a scan)."""
    return _request("POST", f"/sessions/{_sid(session_id)}/pairing-code", json={"phone": phone_digits}).json()


def message_send(session_id: str, payload: dict) -> dict:
    """At most once per payload["client_id"] on the bridge side: a repeat returns the first answer."""
    return _request("POST", f"/sessions/{_sid(session_id)}/messages", session_id=session_id, json=payload).json()


def reaction_send(session_id: str, wa_message_id: str, emoji: str) -> None:
    _request("POST", f"/sessions/{_sid(session_id)}/messages/{quote(wa_message_id, safe='')}/reactions", session_id=session_id,
             json={"emoji": emoji}, timeout=settings.BRIDGE_FAST_TIMEOUT_SECONDS)


def message_edit(session_id: str, wa_message_id: str, body: str) -> dict:
    """Our own message's new text (15-minute window: 422 edit_window_passed)."""
    return _request("POST", f"/sessions/{_sid(session_id)}/messages/{quote(wa_message_id, safe='')}/edit",
                    json={"body": body}).json()


def message_revoke(session_id: str, wa_message_id: str) -> dict:
    """Our own message deleted for everyone (idempotent)."""
    return _request("DELETE", f"/sessions/{_sid(session_id)}/messages/{quote(wa_message_id, safe='')}").json()


def chat_seen(session_id: str, chat_id: str) -> None:
    _request("POST", f"/sessions/{_sid(session_id)}/chats/{quote(chat_id, safe='')}/seen", session_id=session_id,
             timeout=settings.BRIDGE_FAST_TIMEOUT_SECONDS)


def chat_typing(session_id: str, chat_id: str, state: str) -> None:
    _request("POST", f"/sessions/{_sid(session_id)}/chats/{quote(chat_id, safe='')}/typing", session_id=session_id,
             json={"state": state}, timeout=settings.BRIDGE_FAST_TIMEOUT_SECONDS)


def media_download(session_id: str, media_id: str):
    """Returns (bytes, content_type). Media is at most 64 MB, so it fits in memory."""
    response = _request("GET", f"/sessions/{_sid(session_id)}/media/{quote(media_id, safe='')}", session_id=session_id, timeout=60)
    return response.content, response.headers.get("content-type", "application/octet-stream")
