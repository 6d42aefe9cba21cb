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
