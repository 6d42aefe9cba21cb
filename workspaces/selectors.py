"""Reads of the public schema."""

from django.db.models import Count, QuerySet

from blazz.core.rows import fetch_row
from workspaces.models import PUBLIC_SCHEMA, ApiKey, Membership, Role, Workspace


def workspace_list_for_user(*, user) -> QuerySet[Workspace]:
    return (
        Workspace.objects.filter(memberships__user=user)
        .exclude(schema_name=PUBLIC_SCHEMA)
        .order_by("name")
    )


def membership_for(*, user, workspace) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False) or workspace is None:
        return None
    return Membership.objects.filter(user=user, workspace=workspace).first()


def member_list(*, workspace) -> QuerySet[Membership]:
    return Membership.objects.filter(workspace=workspace).select_related("user").order_by("created_at")


def membership_is_last_owner(*, membership: Membership) -> bool:
    """As stored now (the services decide again under a lock when they write)."""
    return (
        membership.pk is not None
        and Membership.objects.filter(pk=membership.pk, role=Role.OWNER).exists()
        and Membership.objects.filter(workspace_id=membership.workspace_id, role=Role.OWNER).count() == 1
    )


def api_key_list(*, workspace) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(workspace=workspace).order_by("-created_at")


def api_key_by_hash(*, key_hash: str) -> ApiKey | None:
    """An active key (its workspace loads when asked for). Read lean (blazz.core.rows): every API call
    with a key starts here."""
    return fetch_row(ApiKey, "key_hash = %s AND revoked_at IS NULL", [key_hash])


def workspace_list_for_admin() -> QuerySet[Workspace]:
    return Workspace.objects.exclude(schema_name=PUBLIC_SCHEMA).annotate(member_count=Count("memberships"))


def socket_principal_still_valid(*, workspace, user_id: int | None = None, session_key: str | None = None,
                                 key_id: int | None = None) -> bool:
    """Whether a socket's principal may still act, read now: an API key not revoked; or a login
    session that still exists, names this user with their current password (Django's session
    hash), on an active account that is still a member. The inbox socket asks before every frame."""
    from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils.crypto import constant_time_compare

    if key_id is not None:
        return ApiKey.objects.filter(pk=key_id, workspace=workspace, revoked_at=None).exists()
    if user_id is None or not session_key:
        return False
    session = SessionStore(session_key).load()  # {} when gone or expired
    if str(session.get(SESSION_KEY)) != str(user_id):
        return False
    user = get_user_model().objects.filter(pk=user_id, is_active=True, memberships__workspace=workspace).first()
    return user is not None and constant_time_compare(session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash())


def workspace_retention_days(*, schema_name: str) -> int | None:
    """Days a workspace keeps messages and media; None: retention is off (the default)."""
    return Workspace.objects.filter(schema_name=schema_name).values_list("retention_days", flat=True).first()
