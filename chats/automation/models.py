"""Tenant schema: templates, business hours, auto-reply rules and what they fired, scheduled messages."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

DEFAULT_TIMEZONE = "Asia/Jakarta"


class TemplateCategory(models.TextChoices):
    GREETING = "greeting", "Greeting"
    AWAY = "away", "Away"
    FOLLOW_UP = "follow_up", "Follow-up"
    MARKETING = "marketing", "Marketing"
    UTILITY = "utility", "Utility"
    OTHER = "other", "Other"


class Template(models.Model):
    """A reusable message: a body with `{{variables}}` (chats/services/variables.py), optionally
    a file (image, video, document) the body captions."""

    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=TemplateCategory.choices,
                                default=TemplateCategory.OTHER)
    body = models.TextField(max_length=4096)
    media = models.ForeignKey("chats.MediaFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    fallbacks = models.JSONField(default=dict, blank=True, help_text="Per variable: the value used when it has none.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("template")
        verbose_name_plural = _("templates")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(Lower("name"), name="template_name_unique_ci")]

    def __str__(self):
        return self.name


class BusinessHours(models.Model):
    """The workspace's opening hours: one row (pk 1). `weekly`: {"mon": [["09:00", "17:00"], ...], ...}
    (a day missing or empty is closed); `closed_dates`: ["2026-12-25", ...] in the timezone."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    timezone = models.CharField(_("time zone"), max_length=64, default=DEFAULT_TIMEZONE)
    weekly = models.JSONField(default=dict, blank=True)
    closed_dates = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")

    def __str__(self):
        return f"Business hours ({self.timezone})"


class Trigger(models.TextChoices):
    KEYWORD = "keyword", "Message text matches"
    FIRST_MESSAGE = "first_message", "First message of a new contact"
    OUTSIDE_HOURS = "outside_hours", "Any message outside business hours"


class MatchType(models.TextChoices):
    EXACT = "exact", "Is exactly"
    CONTAINS = "contains", "Contains"
    STARTS_WITH = "starts_with", "Starts with"
    REGEX = "regex", "Regular expression"


class AutoReplyRule(models.Model):
    """One ordered rule: a trigger, optional conditions, actions, a cooldown per contact."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0, help_text="Lower runs first.")
    enabled = models.BooleanField(_("enabled"), default=True)
    session_ids = models.JSONField(default=list, blank=True, help_text="Numbers it answers on; empty: all.")
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices, default=Trigger.KEYWORD)
    match_type = models.CharField(_("match type"), max_length=12, choices=MatchType.choices, default=MatchType.CONTAINS)
    pattern = models.CharField(_("pattern"), max_length=500, blank=True)
    # Conditions (all must hold; empty: no condition). Labels are the team inbox's (chats.Label).
    condition_statuses = models.JSONField(default=list, blank=True,
                                          help_text="The chat's status when the message came is one of these.")
    condition_label_ids = models.JSONField(default=list, blank=True, help_text="The chat has one of these labels.")
    condition_contact_is_new = models.BooleanField(null=True, blank=True,
                                                   help_text="True: only new contacts; False: only known ones.")
    condition_unassigned = models.BooleanField(null=True, blank=True)
    # Actions.
    reply_template = models.ForeignKey(Template, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reply_text = models.TextField(blank=True, max_length=4096)
    assign_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", db_constraint=False)
    add_label_ids = models.JSONField(default=list, blank=True, help_text="Labels added to the chat.")
    set_status = models.CharField(max_length=10, blank=True, help_text="open, pending or resolved.")
    cooldown_seconds = models.PositiveIntegerField(default=24 * 3600,
                                                   help_text="Per contact; outside-hours rules fire once per closed period.")
    stop_here = models.BooleanField(default=True, help_text="Later rules do not also fire.")
    fired_count = models.PositiveIntegerField(_("times fired"), default=0)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("auto-reply rule")
        verbose_name_plural = _("auto-reply rules")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class RuleFiring(models.Model):
    """A rule fired for one inbound message: once (unique), and the cooldown's memory."""

    rule = models.ForeignKey(AutoReplyRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="firings")
    contact = models.ForeignKey("chats.Contact", verbose_name=_("contact"), on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey("chats.Message", verbose_name=_("message"), on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("period"), max_length=40, blank=True,
                              help_text="The closed period it answered (outside hours).")
    fired_at = models.DateTimeField(_("fired at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rule firing")
        verbose_name_plural = _("rule firings")
        constraints = [models.UniqueConstraint(fields=["rule", "message"], name="rule_fires_once_per_message")]
        indexes = [models.Index(fields=["rule", "contact", "-fired_at"], name="rule_firing_cooldown_idx")]


class ScheduledStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class ScheduledMessage(models.Model):
    """A message to send at `send_at`: editable and cancellable while `scheduled`; sent once (its
    client_id is the sent message's, so a second attempt finds the first)."""

    contact = models.ForeignKey("chats.Contact", verbose_name=_("contact"), on_delete=models.CASCADE,
                                related_name="scheduled_messages")
    client_id = models.CharField(max_length=100, unique=True)
    send_at = models.DateTimeField(_("send at"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=ScheduledStatus.choices,
                              default=ScheduledStatus.SCHEDULED)
    type = models.CharField(_("type"), max_length=10, default="text")
    body = models.TextField(blank=True)
    caption = models.TextField(blank=True)
    media = models.ForeignKey("chats.MediaFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    template = models.ForeignKey(Template, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    variables = models.JSONField(default=dict, blank=True)
    session_id = models.CharField(max_length=64, blank=True)
    message = models.ForeignKey("chats.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    origin_api = models.BooleanField(default=False, help_text="Scheduled through the API (not an agent).")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled message")
        verbose_name_plural = _("scheduled messages")
        ordering = ["send_at", "id"]
        indexes = [models.Index(fields=["status", "send_at"], name="scheduled_due_idx")]

    def __str__(self):
        return f"scheduled {self.pk} at {self.send_at:%Y-%m-%d %H:%M}"


class SendLimits(models.Model):
    """The send governor's limits for one number (chats/automation/services/governor.py); a number
    without a row uses the defaults in settings (GOVERNOR_*)."""

    session = models.OneToOneField("sessions_wa.WhatsAppSession", on_delete=models.CASCADE, primary_key=True,
                                   related_name="+")
    per_minute = models.PositiveIntegerField(null=True, blank=True)
    per_hour = models.PositiveIntegerField(null=True, blank=True)
    per_day = models.PositiveIntegerField(null=True, blank=True)
    min_delay_ms = models.PositiveIntegerField(null=True, blank=True)
    max_delay_ms = models.PositiveIntegerField(null=True, blank=True)
    warmup_days = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("send limits")
        verbose_name_plural = _("send limits")


class AutomationSettings(models.Model):
    """The workspace's automation settings: one row (pk 1). `optout_keywords`: a message that is
    one of these (alone, case- and accent-insensitive) opts its contact out of broadcasts."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    optout_keywords = models.JSONField(_("opt-out keywords"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("automation settings")
        verbose_name_plural = _("automation settings")


class OptOut(models.Model):
    """A contact who asked for no more broadcasts (a stop keyword, or an agent). Replies to their own
    messages are not affected."""

    contact = models.OneToOneField("chats.Contact", on_delete=models.CASCADE, primary_key=True, related_name="+")
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")


class BroadcastStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Broadcast(models.Model):
    """One template to an audience, paced by the number's governor."""

    name = models.CharField(max_length=100)
    template = models.ForeignKey(Template, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey("sessions_wa.WhatsAppSession", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=BroadcastStatus.choices, default=BroadcastStatus.DRAFT)
    pause_reason = models.CharField(max_length=300, blank=True)
    audience = models.JSONField(default=dict, blank=True, help_text="{labels: [...], custom_fields: {k: v}}")
    start_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    ticked_at = models.DateTimeField(null=True, blank=True, help_text="The sender's heartbeat.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_constraint=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.name


class RecipientStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Handed to the send path"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class BroadcastRecipient(models.Model):
    """One contact of a broadcast, with its own variables (a CSV's columns). Sent once: its message's
    client_id is `bc-{broadcast}-{recipient}`."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="recipients")
    contact = models.ForeignKey("chats.Contact", on_delete=models.CASCADE, related_name="+")
    variables = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=RecipientStatus.choices, default=RecipientStatus.QUEUED)
    message = models.ForeignKey("chats.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("broadcast recipient")
        verbose_name_plural = _("broadcast recipients")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["broadcast", "contact"], name="broadcast_contact_once")]
        indexes = [models.Index(fields=["broadcast", "status", "id"], name="broadcast_recipient_queue_idx")]
