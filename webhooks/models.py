"""Tenant schema: the record of bridge webhooks applied (the idempotency key of the receive path)."""

from django.db import models


class AppliedWebhook(models.Model):
    """A `webhook-id` whose event was applied, written in the same transaction as its effects:
    a replay, a duplicate or a concurrent second delivery finds it and changes nothing."""

    webhook_id = models.CharField(primary_key=True, max_length=100)
    type = models.CharField(max_length=40)
    session_id = models.CharField(max_length=64)
    applied_at = models.DateTimeField(auto_now_add=True, db_index=True)

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
        ordering = ["seq"]

    def __str__(self):
        return f"{self.seq} {self.type}"


class EventCounter(models.Model):
    """The workspace's one counter row (id 1): the last seq handed out, and the highest seq the
    retention job has deleted (a resume from below it gets `resync_required`)."""

    id = models.SmallIntegerField(primary_key=True)
    value = models.BigIntegerField(default=0)
    pruned_through = models.BigIntegerField(default=0)
