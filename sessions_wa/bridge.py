"""The bridge's REST API, as Django calls it (docs/bridge.md). One place knows its routes.

Errors: `BridgeUnavailable` when it cannot be reached or answers 5xx/timeout (worth retrying);
`BridgeError` with the bridge's error code for a 4xx (retrying the same request will not help,
except for the codes in `BridgeError.retryable`).
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)


class BridgeUnavailable(Exception):
    """Unreachable, timed out, or a 5xx: the request may succeed later."""


class BridgeError(Exception):
    # 4xx codes that describe a passing state, not a bad request.
    RETRYABLE_CODES = frozenset({"session_not_connected", "send_in_progress", "session_not_found"})

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


def _request(method: str, path: str, *, json=None, timeout: float | None = None) -> httpx.Response:
    try:
        response = _http().request(method, path, json=json, timeout=timeout or settings.BRIDGE_TIMEOUT_SECONDS)
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
    return _request("POST", "/sessions", json={"id": session_id, "engine": engine, "workspace": workspace,
                                                "options": options}).json()


def session_get(session_id: str) -> dict:
    return _request("GET", f"/sessions/{_sid(session_id)}").json()


def session_delete(session_id: str) -> dict:
    return _request("DELETE", f"/sessions/{_sid(session_id)}").json()


def session_restart(session_id: str) -> dict:
    return _request("POST", f"/sessions/{_sid(session_id)}/restart").json()


def session_stop(session_id: str) -> dict:
    """Stop without logging out; the bridge keeps it stopped until session_start."""
    return _request("POST", f"/sessions/{_sid(session_id)}/stop").json()


def session_start(session_id: str) -> dict:
    return _request("POST", f"/sessions/{_sid(session_id)}/start").json()


def session_pairing_code(session_id: str, phone_digits: str) -> dict:
    """{code}: a code to type on the phone instead of scanning (the session must be waiting for a scan)."""
    return _request("POST", f"/sessions/{_sid(session_id)}/pairing-code", json={"phone": phone_digits}).json()


def message_send(session_id: str, payload: dict) -> dict:
    """At most once per payload["client_id"] on the bridge side: a repeat returns the first answer."""
    return _request("POST", f"/sessions/{_sid(session_id)}/messages", json=payload).json()


def reaction_send(session_id: str, wa_message_id: str, emoji: str) -> None:
    _request("POST", f"/sessions/{_sid(session_id)}/messages/{quote(wa_message_id, safe='')}/reactions",
             json={"emoji": emoji}, timeout=settings.BRIDGE_FAST_TIMEOUT_SECONDS)


def chat_seen(session_id: str, chat_id: str) -> None:
    _request("POST", f"/sessions/{_sid(session_id)}/chats/{quote(chat_id, safe='')}/seen",
             timeout=settings.BRIDGE_FAST_TIMEOUT_SECONDS)


def chat_typing(session_id: str, chat_id: str, state: str) -> None:
    _request("POST", f"/sessions/{_sid(session_id)}/chats/{quote(chat_id, safe='')}/typing",
             json={"state": state}, timeout=settings.BRIDGE_FAST_TIMEOUT_SECONDS)


def media_download(session_id: str, media_id: str):
    """Returns (bytes, content_type). Media is at most 64 MB, so it fits in memory."""
    response = _request("GET", f"/sessions/{_sid(session_id)}/media/{quote(media_id, safe='')}", timeout=60)
    return response.content, response.headers.get("content-type", "application/octet-stream")
