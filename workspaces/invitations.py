"""Invitations: how a person joins a workspace. Services (every write) of the Invitation model.

Accounts are global (one per email, across workspaces), so an owner never creates an account's
password nor adds an existing account: they invite an email, and the person accepts through a
signed, expiring, single-use link, either by proving they own the existing account (its password)
or by creating the account with their own password and name. The owner's answer is the same
whether or not the email has an account. The link is emailed (Django's email backend) and shown
to the owner to copy.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext as _

from blazz.core.errors import Conflict, DomainError, NotFound
from workspaces.errors import WorkspaceErrorCode as Code
from workspaces.models import Invitation, Membership, Role, Workspace
from workspaces.services import (
    NAME_MAX, _collect, _email_errors, _password_errors, _require_owner, _validate_role, normalise_email,
)

logger = logging.getLogger(__name__)
User = get_user_model()

INVITATION_MAX_AGE = datetime.timedelta(days=7)
_SALT = "blazz.invitation"


def invitation_url(invitation: Invitation) -> str:
    """The link to send: signed (the row id and its nonce), on the workspace's host."""
    token = signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=_SALT)
    return f"{invitation.workspace.url}/invite/{token}/"


def member_invite(*, workspace: Workspace, actor, email: str, role: str = Role.AGENT) -> tuple[Invitation, str]:
    """An owner invites `email`. Returns (invitation, link). A pending invitation of the same email
    is renewed (new link, older ones void, role updated): repeating the call is harmless.
    Emails the link after commit. 409 `member_exists` when the email is a member already."""
    _require_owner(workspace=workspace, actor=actor)
    _validate_role(role)
    email = normalise_email(email)
    _collect(_email_errors(email, must_be_new=False))
    if Membership.objects.filter(workspace=workspace, user__username=email).exists():
        raise Conflict(Code.MEMBER_EXISTS, _("%(email)s is already a member.") % {"email": email})
    invitation = invitation_create(workspace=workspace, email=email, role=role, invited_by=actor)
    url = invitation_url(invitation)
    transaction.on_commit(lambda: invitation_send_email(invitation=invitation, url=url, inviter=actor))
    return invitation, url


def invitation_create(*, workspace: Workspace, email: str, role: str, invited_by=None) -> Invitation:
    """Create or renew the pending invitation of `email` (trusts its caller: an owner's
    `member_invite`, or `manage.py create_workspace` for an owner without a password)."""
    fields = {"role": role, "nonce": secrets.token_urlsafe(16), "invited_by": invited_by,
              "expires_at": timezone.now() + INVITATION_MAX_AGE}
    for _attempt in range(2):
        try:
            with transaction.atomic():
                invitation, _created = Invitation.objects.select_for_update().update_or_create(
                    workspace=workspace, email=email, accepted_at=None, defaults=fields)
            return invitation
        except IntegrityError:
            continue  # a concurrent invite of the same email created it first: renew that one
    raise Conflict(Code.MEMBER_EXISTS, _("%(email)s is being invited concurrently; try again.") % {"email": email})


def invitation_send_email(*, invitation: Invitation, url: str, inviter=None) -> None:
    """Mail the link. Runs after commit: a mail server that fails is logged, never a 500 (the owner
    has the link on screen)."""
    who = (inviter.get_full_name() or inviter.email) if isinstance(inviter, User) else "Blazz"
    workspace = invitation.workspace
    # In the workspace's language and time zone: the invitee has no preference of their own yet.
    expires = invitation.expires_at.astimezone(ZoneInfo(workspace.timezone or "UTC"))
    with translation.override(workspace.language or settings.LANGUAGE_CODE):
        subject = _("Join %(workspace)s on Blazz") % {"workspace": workspace.name}
        body = _("%(who)s invites you to %(workspace)s on Blazz.\n\n"
                 "Open this link to join (it works once, until %(expires)s):\n%(url)s\n") % {
            "who": who, "workspace": workspace.name, "url": url,
            "expires": f"{expires:%Y-%m-%d %H:%M} {expires.tzname()}"}
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    except Exception:
        logger.exception("invitation email to %s could not be sent", invitation.email)


def invitation_list(*, workspace: Workspace):
    return Invitation.objects.filter(workspace=workspace, accepted_at=None, expires_at__gt=timezone.now())


def invitation_revoke(*, workspace: Workspace, actor, invitation_id: int) -> None:
    _require_owner(workspace=workspace, actor=actor)
    deleted, _kinds = Invitation.objects.filter(workspace=workspace, pk=invitation_id, accepted_at=None).delete()
    if not deleted:
        raise NotFound(Code.INVITATION_NOT_FOUND, _("No such invitation."))


def invitation_for_token(*, token: str, workspace: Workspace, lock: bool = False) -> Invitation:
    """The pending invitation the link names, on the host it was opened on; DomainError
    `invalid_token` when forged, expired, used, renewed since, revoked or for another workspace."""
    invalid = DomainError(Code.INVALID_TOKEN, _("This invitation link is invalid, used or expired."))
    try:
        data = signing.loads(token, salt=_SALT, max_age=INVITATION_MAX_AGE)
    except signing.BadSignature:
        raise invalid
    rows = Invitation.objects.select_for_update() if lock else Invitation.objects
    invitation = rows.filter(pk=data.get("i"), nonce=data.get("n"), accepted_at=None).select_related("workspace").first()
    if invitation is None or invitation.expires_at <= timezone.now():
        raise invalid
    if invitation.workspace_id != workspace.pk:
        raise DomainError(Code.INVALID_TOKEN, _("This invitation is for another workspace."))
    return invitation


def invitation_account_exists(invitation: Invitation) -> bool:
    """Whether the invited email has an account one can log in to (the invite page asks for its
    password rather than a new one). Only the link's holder sees it, never the owner's API."""
    return User.objects.filter(username=invitation.email, is_active=True).exclude(password__startswith="!").exists()


def _accept(invitation: Invitation, user) -> Membership:
    membership, _created = Membership.objects.get_or_create(
        workspace=invitation.workspace, user=user, defaults={"role": invitation.role})
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def invitation_accept_as(*, token: str, workspace: Workspace, user) -> Membership:
    """Accept as `user`, whom the caller authenticated (signed in, or their password checked):
    the invited email's own account only."""
    with transaction.atomic():
        invitation = invitation_for_token(token=token, workspace=workspace, lock=True)
        if normalise_email(user.username) != invitation.email:
            raise DomainError(Code.WRONG_ACCOUNT, _("This invitation is for %(email)s.") % {"email": invitation.email}, status=403)
        return _accept(invitation, user)


def invitation_accept_new_account(*, token: str, workspace: Workspace, name: str, password: str):
    """Accept by creating the invited email's account with the person's own password and name.
    An account that has a password already is never touched: 409 `account_exists` (log in instead).
    Returns the user."""
    name = (name or "").strip()
    with transaction.atomic():
        invitation = invitation_for_token(token=token, workspace=workspace, lock=True)
        errors = [] if 0 < len(name) <= NAME_MAX else [("name", Code.NAME_INVALID, f"A name of 1 to {NAME_MAX} characters.")]
        _collect(errors + _password_errors(password, invitation.email))
        user = User.objects.select_for_update().filter(username=invitation.email).first()
        if user is not None and user.has_usable_password():
            raise Conflict(Code.ACCOUNT_EXISTS, _("This email has an account: log in with its password to accept."))
        if user is None:
            try:
                with transaction.atomic():
                    user = User.objects.create_user(username=invitation.email, email=invitation.email)
            except IntegrityError:
                raise Conflict(Code.ACCOUNT_EXISTS, _("This email has an account: log in with its password to accept."))
        user.set_password(password)
        user.first_name = name[:150]
        user.save(update_fields=["password", "first_name"])
        _accept(invitation, user)
    return user
