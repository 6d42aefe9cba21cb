"""Tenant schema: the record of bridge webhooks applied (the idempotency key of the receive path)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppliedWebhook(models.Model):
    """A `webhook-id` whose event was applied, written in the same transaction as its effects:
    a replay, a duplicate or a concurrent second delivery finds it and changes nothing."""

    webhook_id = models.CharField(_("webhook id"), primary_key=True, max_length=100)
    type = models.CharField(_("type"), max_length=40)
    session_id = models.CharField(_("session id"), max_length=64)
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("applied webhook")
        verbose_name_plural = _("applied webhooks")

    def __str__(self):
        return f"{self.webhook_id} {self.type}"


class EventLog(models.Model):
    """One catalogue event that advances seq (blazz/core/events.py), written in the transaction
    of the change it describes (blazz/core/eventlog.py writes and reads it). `seq` is handed out
    by EventCounter just before the commit, so rows commit in seq order: docs/realtime.md."""

    seq = models.BigIntegerField(primary_key=True)
    event_id = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=60)
    occurred_at = models.DateTimeField(db_index=True)
    data = models.JSONField()

    class Meta:
        verbose_name = _("event log entry")
        verbose_name_plural = _("event log")
        ordering = ["seq"]

    def __str__(self):
        return f"{self.seq} {self.type}"


class EventCounter(models.Model):
    """The workspace's one counter row (id 1): the last seq handed out, and the highest seq the
    retention job has deleted (a resume from below it gets `resync_required`)."""

    id = models.SmallIntegerField(primary_key=True)
    value = models.BigIntegerField(default=0)
    pruned_through = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("event counter")
        verbose_name_plural = _("event counters")


class WebhookEndpoint(models.Model):
    """A CRM's URL that receives the workspace's logged events, signed (Standard Webhooks), in seq
    order: `delivered_seq` is the last event it has had (or skipped: not in `events`)."""

    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(max_length=200, blank=True, default="")
    events = models.JSONField(_("events"), default=list)  # event types, or ["*"]
    enabled = models.BooleanField(_("enabled"), default=True)
    # False: events go out at once, each on its own with its own retries, so a failing one holds
    # back nothing (webhooks/outbound/unordered.py); True: in seq order, one at a time.
    ordered = models.BooleanField(default=True)
    headers = models.JSONField(default=dict)  # extra request headers
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True, default="")
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    delivered_seq = models.BigIntegerField(_("delivered up to"), default=0)
    retry_attempt = models.IntegerField(default=0)  # failed attempts of the event at the head
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["id"]

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint, with every attempt (time, status code, latency, error,
    response excerpt) in `attempts`."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    endpoint = models.ForeignKey(WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE,
                                 related_name="deliveries")
    event_id = models.CharField(_("event id"), max_length=40)
    seq = models.BigIntegerField(_("sequence"))
    type = models.CharField(_("type"), max_length=60)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.JSONField(default=list)
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # an unordered endpoint's retry
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-seq", "-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once")]
        indexes = [models.Index(fields=["endpoint", "status", "created_at"])]

    def __str__(self):
        return f"{self.event_id} -> {self.endpoint_id} {self.status}"
