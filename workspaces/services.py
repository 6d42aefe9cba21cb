"""Every write to the public schema: signup, workspaces, members, API keys, suspension."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets

from django.contrib.auth import get_user_model, password_validation
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blazz.core import events
from blazz.core.errors import Conflict, DomainError, Forbidden, NotFound
from blazz.core.publisher import close_sockets_on_commit
from workspaces import signals
from workspaces.asgi import CLOSE_FORBIDDEN, CLOSE_RECONNECT, CLOSE_UNAUTHENTICATED
from workspaces.errors import WorkspaceErrorCode as Code
from workspaces.models import PUBLIC_SCHEMA, ApiKey, Domain, Membership, Role, Workspace

logger = logging.getLogger(__name__)
User = get_user_model()

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {
        "www", "api", "admin", "public", "static", "media", "app", "apps", "mail", "smtp", "help",
        "support", "status", "blog", "docs", "login", "logout", "signup", "ws", "hooks", "bridge",
        "localhost", "root", "test", "demo-admin", "billing", "dashboard", "cdn", "assets",
    }
)
NAME_MAX = 100
EMAIL_MAX = 254
API_KEY_PREFIX = "blz_"
HANDOFF_MAX_AGE_SECONDS = 60


def schema_name_for(slug: str) -> str:
    return "ws_" + slug.replace("-", "_")


# --- validation ------------------------------------------------------------------------------------


def _collect(errors: list[tuple[str, Code, str]]) -> None:
    """Raise one DomainError naming the first code and every field's messages."""
    if not errors:
        return
    fields: dict[str, list[str]] = {}
    for field, _code, message in errors:
        fields.setdefault(field, []).append(message)
    field, code, message = errors[0]
    status = 409 if code in (Code.SLUG_TAKEN, Code.EMAIL_TAKEN) else 400
    raise DomainError(code, message, fields=fields, status=status)


def _slug_errors(slug: str) -> list[tuple[str, Code, str]]:
    if not isinstance(slug, str) or not SLUG_RE.match(slug) or "--" in slug:
        return [("slug", Code.SLUG_INVALID,
                 "3 to 32 lowercase letters, digits or single hyphens, starting with a letter.")]
    if slug in RESERVED_SLUGS:
        return [("slug", Code.SLUG_RESERVED, f"'{slug}' is reserved.")]
    if Workspace.objects.filter(slug=slug).exists() or Workspace.objects.filter(schema_name=schema_name_for(slug)).exists():
        return [("slug", Code.SLUG_TAKEN, f"'{slug}' is taken.")]
    return []


def _name_errors(name: str) -> list[tuple[str, Code, str]]:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_MAX:
        return [("name", Code.NAME_INVALID, _("A name of 1 to %(max)s characters.") % {"max": NAME_MAX})]
    return []


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _email_errors(email: str, *, must_be_new: bool) -> list[tuple[str, Code, str]]:
    try:
        if len(email) > EMAIL_MAX:
            raise ValidationError("too long")
        validate_email(email)
    except (ValidationError, TypeError):
        return [("email", Code.EMAIL_INVALID, _("Enter a valid email address."))]
    if must_be_new and User.objects.filter(username=email).exists():
        return [("email", Code.EMAIL_TAKEN, _("An account with this email exists: log in to add a workspace."))]
    return []


def _password_errors(password: str, email: str) -> list[tuple[str, Code, str]]:
    try:
        password_validation.validate_password(password, User(username=email, email=email))
    except ValidationError as exc:
        return [("password", Code.WEAK_PASSWORD, message) for message in exc.messages]
    return []


# --- workspaces -----------------------------------------------------------------------------------------


def workspace_create(*, slug: str, name: str, owner) -> Workspace:
    """Create a workspace with its schema (migrated), its domain and the owner's membership.

    Nothing is left half-created: the rows and the schema go in one transaction, so a failure
    at any step (a slug taken by a concurrent signup included) rolls all of it back.
    Caller: the public schema is active.
    """
    slug = (slug or "").strip().lower()
    _collect(_slug_errors(slug) + _name_errors(name))
    try:
        with transaction.atomic():
            workspace = Workspace(schema_name=schema_name_for(slug), slug=slug, name=name.strip())
            workspace.save(verbosity=0)
            Domain.objects.create(domain=workspace.host, tenant=workspace, is_primary=True)
            Membership.objects.create(user=owner, workspace=workspace, role=Role.OWNER)
    except IntegrityError:
        connection.set_schema_to_public()
        raise Conflict(Code.SLUG_TAKEN, _("“%(slug)s” is taken.") % {"slug": slug}, fields={"slug": [f"'{slug}' is taken."]})
    finally:
        connection.set_schema_to_public()
    logger.info("workspace created: %s", workspace.schema_name)
    return workspace


def signup(*, email: str, password: str, slug: str, name: str):
    """A new user and their first workspace. Validates everything before writing anything.

    Returns (user, workspace).
    """
    return workspace_create_with_owner(email=email, password=password, slug=slug, name=name, new_account=True)


def workspace_create_with_owner(*, email: str, password: str | None, slug: str, name: str, new_account: bool):
    """A workspace and its owner's account, for signup and `manage.py create_workspace`.

    Everything is validated before anything is written (slug, name, email, and the password
    whenever one is given), then the account and the workspace are written in one transaction:
    a failure leaves no account without a workspace, and an existing account's password is
    changed only when the workspace is made. `new_account`: the email must not have an account
    (signup); otherwise an existing account is reused and given `password` when one is set. A new
    account without a password has none usable: see `invitations.invitation_create`.
    Returns (user, workspace).
    """
    email = normalise_email(email)
    slug = (slug or "").strip().lower()
    errors = _slug_errors(slug) + _name_errors(name) + _email_errors(email, must_be_new=new_account)
    if new_account or password:
        errors += _password_errors(password, email)
    _collect(errors)
    with transaction.atomic():
        user = None if new_account else User.objects.select_for_update().filter(username=email).first()
        if user is None:
            try:
                with transaction.atomic():
                    user = User.objects.create_user(username=email, email=email, password=password or None)
            except IntegrityError:
                raise Conflict(Code.EMAIL_TAKEN, _("An account with this email exists."), fields={"email": ["taken"]})
        elif password:
            user.set_password(password)
            user.save(update_fields=["password"])
        workspace = workspace_create(slug=slug, name=name, owner=user)
    return user, workspace


def user_get_or_create(*, email: str, password: str | None):
    """For scripts and tests: reuse the account with this email, or create it. It commits at once:
    to make an account with a workspace, use `workspace_create_with_owner`."""
    email = normalise_email(email)
    _collect(_email_errors(email, must_be_new=False))
    user = User.objects.filter(username=email).first()
    if user is None:
        if password:
            _collect(_password_errors(password, email))
        user = User.objects.create_user(username=email, email=email, password=password or None)
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def workspace_set_suspended(*, workspace: Workspace, suspended: bool, reason: str = "") -> Workspace:
    """Suspend or resume a workspace. Suspended: its hosts answer 403 and its sessions stay stopped."""
    if workspace.is_public:
        raise DomainError(Code.WORKSPACE_NOT_FOUND, _("The public schema is not a workspace."))
    workspace.is_suspended = suspended
    workspace.suspended_at = timezone.now() if suspended else None
    workspace.suspended_reason = reason[:200] if suspended else ""
    workspace.save(update_fields=["is_suspended", "suspended_at", "suspended_reason"])
    transaction.on_commit(
        lambda: signals.workspace_suspension_changed.send(sender=Workspace, workspace=workspace)
    )
    return workspace


# --- members -------------------------------------------------------------------------------------------


def _require_owner(*, workspace: Workspace, actor) -> None:
    """An API key acts for the workspace but is nobody's account: it is never an owner."""
    if not isinstance(actor, User) or not Membership.objects.filter(
            workspace=workspace, user=actor, role=Role.OWNER).exists():
        raise Forbidden(Code.OWNER_REQUIRED, _("Only an owner can manage members."))


def _validate_role(role: str) -> str:
    if role not in Role.values:
        raise DomainError(Code.ROLE_INVALID, _("Role must be one of %(roles)s.") % {"roles": ", ".join(Role.values)},
                          fields={"role": ["invalid"]})
    return role


def _owner_count(workspace: Workspace) -> int:
    return Membership.objects.filter(workspace=workspace, role=Role.OWNER).count()


def member_change_role(*, workspace: Workspace, actor, membership_id: int, role: str | None) -> Membership:
    """An owner changes a member's role (the API); `role` None changes nothing."""
    _require_owner(workspace=workspace, actor=actor)
    if role is None:
        membership = Membership.objects.filter(workspace=workspace, pk=membership_id).select_related("user").first()
        if membership is None:
            raise NotFound(Code.MEMBER_NOT_FOUND, _("No such member."))
        return membership
    return membership_set_role(workspace=workspace, membership_id=membership_id, role=role)


def member_remove(*, workspace: Workspace, actor, membership_id: int) -> None:
    """An owner removes a member (the API)."""
    _require_owner(workspace=workspace, actor=actor)
    membership_delete(workspace=workspace, membership_id=membership_id)


def membership_set_role(*, workspace: Workspace, membership_id: int, role: str) -> Membership:
    """Change a role; a workspace keeps at least one owner. Trusts the caller: an owner
    (`member_change_role`) or a superuser (the admin)."""
    _validate_role(role)
    with transaction.atomic():
        # Lock the workspace's owner rows so two demotions cannot both pass the last-owner check.
        list(Membership.objects.select_for_update().filter(workspace=workspace, role=Role.OWNER))
        membership = Membership.objects.filter(workspace=workspace, pk=membership_id).first()
        if membership is None:
            raise NotFound(Code.MEMBER_NOT_FOUND, _("No such member."))
        if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(workspace) == 1:
            raise Conflict(Code.LAST_OWNER, _("A workspace keeps at least one owner."))
        changed = membership.role != role
        membership.role = role
        membership.save(update_fields=["role"])
        if changed:
            close_sockets_on_commit([events.user_group(workspace.schema_name, membership.user_id)], CLOSE_RECONNECT)
    return membership


def membership_delete(*, workspace: Workspace, membership_id: int) -> None:
    """Remove a membership; a workspace keeps at least one owner. Trusts the caller: an owner
    (`member_remove`) or a superuser (the admin)."""
    with transaction.atomic():
        list(Membership.objects.select_for_update().filter(workspace=workspace, role=Role.OWNER))
        membership = Membership.objects.filter(workspace=workspace, pk=membership_id).first()
        if membership is None:
            raise NotFound(Code.MEMBER_NOT_FOUND, _("No such member."))
        if membership.role == Role.OWNER and _owner_count(workspace) == 1:
            raise Conflict(Code.LAST_OWNER, _("A workspace keeps at least one owner."))
        membership.delete()
        close_sockets_on_commit([events.user_group(workspace.schema_name, membership.user_id)], CLOSE_FORBIDDEN)


# --- login hand-off between hosts -------------------------------------------------------------------------


def login_handoff_token(*, user, workspace: Workspace) -> str:
    """A one-time, 60-second token that logs `user` in on the workspace host (cookies are per host)."""
    return signing.dumps({"uid": user.pk, "ws": workspace.pk, "n": secrets.token_urlsafe(12)}, salt="blazz.handoff")


def login_handoff_redeem(*, token: str, workspace: Workspace):
    """Returns the user the token names, once; None when invalid, expired, replayed or not a member."""
    try:
        data = signing.loads(token, salt="blazz.handoff", max_age=HANDOFF_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if data.get("ws") != workspace.pk:
        return None
    if not cache.add(f"handoff:{data['n']}", 1, timeout=HANDOFF_MAX_AGE_SECONDS * 2):
        return None  # replayed
    user = User.objects.filter(pk=data["uid"], is_active=True).first()
    if user is None or not Membership.objects.filter(user=user, workspace=workspace).exists():
        return None
    return user


def session_end_sockets(*, workspace: Workspace | None, session_key: str | None) -> None:
    """A login session ends (logout): its sockets on the workspace's host close (4401)."""
    if workspace is not None and not workspace.is_public and session_key:
        close_sockets_on_commit([events.session_group(workspace.schema_name, session_key)], CLOSE_UNAUTHENTICATED)


def user_password_changed(*, user) -> None:
    """Every socket of `user`, in every workspace, closes (4401): sessions made with the old
    password are void (Django's session hash), and their sockets with them."""
    schemas = Workspace.objects.filter(memberships__user=user).values_list("schema_name", flat=True)
    close_sockets_on_commit([events.user_group(schema, user.pk) for schema in schemas], CLOSE_UNAUTHENTICATED)


# --- API keys ---------------------------------------------------------------------------------------------


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_create(*, workspace: Workspace, name: str, created_by=None) -> tuple[ApiKey, str]:
    """Returns (key row, the key in clear). The clear key is never stored: show it once."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DomainError("invalid_request", _("A name of 1 to 100 characters."), fields={"name": ["invalid"]})
    if workspace.is_public:
        raise DomainError(Code.WORKSPACE_NOT_FOUND, _("API keys belong to a workspace."))
    for _attempt in range(5):
        prefix = API_KEY_PREFIX + secrets.token_hex(4)
        raw_key = f"{prefix}_{secrets.token_urlsafe(24)}"
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    workspace=workspace, name=name, prefix=prefix, key_hash=hash_api_key(raw_key),
                    created_by=created_by,
                )
            return key, raw_key
        except IntegrityError:
            continue  # a prefix collision: 32 bits, so astronomically rare; draw again
    raise RuntimeError("could not draw a unique API key prefix")


def api_key_revoke(*, workspace: Workspace, key_id: int) -> ApiKey:
    key = ApiKey.objects.filter(workspace=workspace, pk=key_id).first()
    if key is None:
        raise NotFound(Code.API_KEY_NOT_FOUND, _("No such API key."))
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    close_sockets_on_commit([events.api_key_group(workspace.schema_name, key.pk)], CLOSE_UNAUTHENTICATED)
    return key


def api_key_touch(*, key: ApiKey) -> None:
    """Record use, at most once a minute per key (a write per request would be wasteful)."""
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def ensure_public_workspace() -> Workspace:
    workspace, _created = Workspace.objects.get_or_create(
        schema_name=PUBLIC_SCHEMA, defaults={"slug": "public", "name": "Blazz"}
    )
    return workspace
