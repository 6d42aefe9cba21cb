"""Public schema: who the workspaces are, who belongs to them, and how machines get in."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

PUBLIC_SCHEMA = "public"


class Language(models.TextChoices):
    """The languages Blazz speaks (settings.LANGUAGES, frontend/src/i18n/)."""

    ENGLISH = "en", "English"  # each in its own language, as language pickers show them
    INDONESIAN = "id", "Bahasa Indonesia"


DEFAULT_TIMEZONE = "Asia/Jakarta"


def validate_country(value: str) -> None:
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(f"{value!r} is not a country code phone numbers know (ISO 3166 alpha-2, e.g. ID).")


class Workspace(TenantMixin):
    """A company using Blazz: one PostgreSQL schema, one host `{slug}.{BASE_DOMAIN}`."""

    slug = models.SlugField(_("slug"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # What a member who chose nothing, and an API client that asks for nothing, gets.
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.ENGLISH)
    timezone = models.CharField(_("timezone"), max_length=64, default=DEFAULT_TIMEZONE,
                                help_text=_("IANA time zone name."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    is_suspended = models.BooleanField(_("is suspended"), default=False)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    suspended_reason = models.CharField(_("suspended reason"), max_length=200, blank=True)
    max_sessions = models.PositiveSmallIntegerField(
        _("max sessions"), default=5,
        help_text=_("Plan limit: WhatsApp numbers the workspace may have at once (each webjs number "
                    "runs a Chromium on a shared bridge). Logged-out numbers do not count."))
    country = models.CharField(
        _("country"), max_length=2, default="ID", validators=[validate_country],
        help_text=_("Default country (ISO 3166 alpha-2) of phone numbers typed without their country code."))
    retention_days = models.PositiveIntegerField(
        _("retention days"), null=True, blank=True,
        help_text=_("Delete messages and media older than this many days (beat, in small batches). Empty: keep all."))

    auto_create_schema = True
    auto_drop_schema = True

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")
        ordering = ["slug"]

    def __str__(self):
        return self.slug

    @property
    def is_public(self) -> bool:
        return self.schema_name == PUBLIC_SCHEMA

    @property
    def host(self) -> str:
        return f"{self.slug}.{settings.BASE_DOMAIN}"

    @property
    def url(self) -> str:
        port = settings.SITE_PORT
        default_port = {"http": "80", "https": "443"}.get(settings.SITE_SCHEME)
        suffix = f":{port}" if port and port != default_port else ""
        return f"{settings.SITE_SCHEME}://{self.host}{suffix}"


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        ordering = ["domain"]


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    AGENT = "agent", _("Agent")


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="memberships")
    workspace = models.ForeignKey(Workspace, verbose_name=_("workspace"), on_delete=models.CASCADE,
                                  related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The member's own choice; blank: the workspace's.
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, blank=True)
    timezone = models.CharField(_("timezone"), max_length=64, blank=True,
                                help_text=_("IANA time zone name; blank: the workspace's."))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "workspace"], name="membership_unique_user_workspace")]
        ordering = ["workspace_id", "created_at"]

    def __str__(self):
        return f"{self.user} @ {self.workspace} ({self.role})"


class ApiKey(models.Model):
    """A workspace's key for CRMs. Only its SHA-256 is stored; the key is shown once, at creation.

    Keys carry 192 random bits, so a fast hash is enough: there is nothing to brute-force.
    """

    workspace = models.ForeignKey(Workspace, verbose_name=_("workspace"), on_delete=models.CASCADE,
                                  related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, help_text=_("Shown to recognise the key."))
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("api key")
        verbose_name_plural = _("api keys")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Invitation(models.Model):
    """An owner's invitation of an email to a workspace. The person accepts it through a signed link
    (valid INVITATION_MAX_AGE), once, by logging in to their account or by creating it with their own
    password and name: nobody but the person chooses an account's password or joins it to a
    workspace (workspaces/invitations.py)."""

    workspace = models.ForeignKey(Workspace, verbose_name=_("workspace"), on_delete=models.CASCADE,
                                  related_name="invitations")
    email = models.CharField(_("email"), max_length=254)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AGENT)
    nonce = models.CharField(_("nonce"), max_length=32,
                             help_text=_("The secret the link signs; a new one voids older links."))
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("invited by"), null=True, blank=True,
                                   on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), null=True, blank=True,
                                    on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [models.UniqueConstraint(fields=["workspace", "email"], condition=models.Q(accepted_at=None),
                                               name="invitation_one_pending_per_email")]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} -> {self.workspace} ({self.role})"
