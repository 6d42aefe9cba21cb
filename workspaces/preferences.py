"""Writes of language and time zone: a member's own, and the workspace's defaults (owners and
admins). Services in the sense of STYLE.md, apart from services.py, which holds the rest."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from blazz.core.errors import DomainError, Forbidden
from workspaces.errors import WorkspaceErrorCode as Code
from workspaces.locale import LANGUAGES, is_valid_timezone
from workspaces.models import Membership, Role, Workspace

_UNSET = object()


def _clean_language(value: str, *, blank_ok: bool) -> str:
    value = (value or "").strip()
    if (blank_ok and value == "") or value in LANGUAGES:
        return value
    raise DomainError(Code.LANGUAGE_INVALID, _("Choose English (en) or Indonesian (id)."),
                      fields={"language": [_("Unknown language.")]})


def _clean_timezone(value: str, *, blank_ok: bool) -> str:
    value = (value or "").strip()
    if (blank_ok and value == "") or is_valid_timezone(value):
        return value
    raise DomainError(Code.TIMEZONE_INVALID, _("Choose a time zone by its name, such as Asia/Jakarta."),
                      fields={"timezone": [_("Unknown time zone.")]})


def membership_set_preferences(*, membership: Membership, language=_UNSET, timezone=_UNSET) -> Membership:
    """A member sets their own language and/or time zone ("" goes back to the workspace's).
    Idempotent: the same values again change nothing."""
    changed = {}
    if language is not _UNSET:
        changed["language"] = _clean_language(language, blank_ok=True)
    if timezone is not _UNSET:
        changed["timezone"] = _clean_timezone(timezone, blank_ok=True)
    if changed:
        with transaction.atomic():
            Membership.objects.filter(pk=membership.pk).update(**changed)
        for field, value in changed.items():
            setattr(membership, field, value)
    return membership


def workspace_set_preferences(*, workspace: Workspace, actor_membership: Membership | None,
                              language=_UNSET, timezone=_UNSET, retention_days=_UNSET) -> Workspace:
    """An owner or admin sets the workspace's default language, time zone and/or retention (days
    after which messages and media are deleted; None: keep all)."""
    if actor_membership is None or actor_membership.role not in (Role.OWNER, Role.ADMIN):
        raise Forbidden(Code.OWNER_REQUIRED, _("Only an owner or an admin can do this."))
    changed = {}
    if language is not _UNSET:
        changed["language"] = _clean_language(language, blank_ok=False)
    if timezone is not _UNSET:
        changed["timezone"] = _clean_timezone(timezone, blank_ok=False)
    if retention_days is not _UNSET:
        changed["retention_days"] = retention_days  # the API checked its range
    if changed:
        with transaction.atomic():
            Workspace.objects.filter(pk=workspace.pk).update(**changed)
        for field, value in changed.items():
            setattr(workspace, field, value)
    return workspace


def member_set_name(*, user, name: str) -> None:
    """The member's own display name (what colleagues, system lines and {{agent.name}} show). The
    account is global: the name is the same in every workspace the person belongs to."""
    from workspaces.services import NAME_MAX

    name = (name or "").strip() if isinstance(name, str) else ""
    if not name or len(name) > NAME_MAX:
        raise DomainError(Code.NAME_INVALID, _("A name of 1 to %(max)s characters.") % {"max": NAME_MAX},
                          fields={"name": [_("A name of 1 to %(max)s characters.") % {"max": NAME_MAX}]})
    user.first_name, user.last_name = name, ""
    user.save(update_fields=["first_name", "last_name"])
