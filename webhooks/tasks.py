from datetime import timedelta

from blazz.celery import app
from webhooks.inbound.apply import applied_webhooks_prune
from webhooks.outbound.log import event_log_prune


@app.task
def applied_webhooks_prune_task(days: int = 7):
    return applied_webhooks_prune(older_than=timedelta(days=days))


@app.task
def event_log_prune_task():
    return event_log_prune()
