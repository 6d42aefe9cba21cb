from datetime import timedelta

from blazz.celery import app
from webhooks import services


@app.task
def applied_webhooks_prune_task(days: int = 7):
    return services.applied_webhooks_prune(older_than=timedelta(days=days))
