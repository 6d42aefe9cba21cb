"""Channels group names (docs/realtime.md "Groups"): the schema is in every name, so a socket of one
workspace can never be in another's. blazz/core/events.py re-exports them (`events.inbox_group`).

`t.{schema}.inbox` (every agent socket and API-key socket of the workspace), `t.{schema}.contact.{id}`
(sockets viewing that contact), `t.{schema}.firehose` (API-key sockets, which receive the
per-contact events of every contact), and one group per member, login session and API key (what
a revocation closes)."""

from __future__ import annotations

import hashlib


def inbox_group(schema: str) -> str:
    return f"t.{schema}.inbox"


def contact_group(schema: str, contact_id: int) -> str:
    return f"t.{schema}.contact.{int(contact_id)}"


def firehose_group(schema: str) -> str:
    return f"t.{schema}.firehose"


# Principal groups: every socket also joins the groups of who opened it, so that revoking that
# principal (a key revoked, a member removed or re-roled, a logout, a password change) closes its
# sockets at once (blazz.core.publisher.close_sockets_on_commit). They carry no event.
def user_group(schema: str, user_id: int) -> str:
    return f"t.{schema}.user.{int(user_id)}"


def api_key_group(schema: str, key_id: int) -> str:
    return f"t.{schema}.key.{int(key_id)}"


def session_group(schema: str, session_key: str) -> str:
    """A login session's sockets; the key is hashed (group names are logged, session keys are secrets)."""
    return f"t.{schema}.session.{hashlib.sha256(session_key.encode()).hexdigest()[:32]}"
