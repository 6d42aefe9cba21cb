"""What an API key may do: its scopes, chosen when it is created, and what each operation needs.

A key holds any of `read` (every GET: contacts, chats, messages, events, exports, sessions'
status, templates...), `send` (what reaches a customer: send, retry, react, edit or revoke a
message, mark a chat read, upload media, create a contact to write to, schedule, broadcast) and
`manage` (change the workspace's records: a contact's fields, a chat's status, assignee and
labels, labels, canned replies, templates, auto-replies, business hours, inbox settings, opt-outs).

Some operations no key may do, whatever its scopes (`SESSION_ONLY`): deleting or erasing a
contact, creating, logging out or pairing a WhatsApp number and its send limits, webhooks, members,
invitations, API keys and the workspace's preferences. They need an owner or an admin logged in
(a leaked key must not be able to log a number out, wipe contacts or redirect the event stream).

Each API view names what each of its methods needs in `api_key_scopes` (the manner of
django-oauth-toolkit's `required_scopes`); a method it does not name is SESSION_ONLY: closed to
keys unless declared (workspaces/tests/test_scopes.py lists every route's need).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from blazz.core import events


class Scope(models.TextChoices):
    READ = "read", _("Read")
    SEND = "send", _("Send")
    MANAGE = "manage", _("Manage")


ALL_SCOPES: tuple[str, ...] = tuple(Scope.values)
# Not scopes a key can hold: what a method needs instead of one.
SESSION_ONLY = "session_only"
ANY_KEY = "any_key"  # any key of the workspace, whatever its scopes (GET /me/)

# What the common shapes of view need.
READ_ONLY = {"GET": Scope.READ}
READ_AND_MANAGE = {"GET": Scope.READ, "POST": Scope.MANAGE, "PUT": Scope.MANAGE, "PATCH": Scope.MANAGE,
                   "DELETE": Scope.MANAGE}


# Socket frames that reach a customer (a read receipt, "typing..."): an API key needs `send`.
SOCKET_SEND_FRAMES = (events.READ, events.TYPING)


def required(view, method: str) -> str:
    """What `method` on `view` needs from an API key: a Scope, ANY_KEY or SESSION_ONLY."""
    declared = getattr(view, "api_key_scopes", None) or {}
    if method in ("HEAD", "OPTIONS"):
        method = "GET"
    return declared.get(method, SESSION_ONLY)


def normalise(scopes) -> list[str]:
    """A key's scopes as stored: known names, each once, in the catalogue's order. Raises ValueError."""
    chosen = set(scopes or ())
    unknown = sorted(str(name) for name in chosen - set(ALL_SCOPES))
    if unknown:
        raise ValueError(f"Unknown scopes: {', '.join(unknown)}.")
    if not chosen:
        raise ValueError("Choose at least one scope.")
    return [name for name in ALL_SCOPES if name in chosen]
