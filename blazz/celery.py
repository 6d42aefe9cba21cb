"""The Celery app. Tasks carry their workspace's schema (tenant-schemas-celery puts it in a header
when a task is sent from inside a tenant's context, and switches to it before the task runs)."""

import os

from celery import signals
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blazz.settings")



def _closed_broker_connection_is_a_connection_error():
    """kombu's Redis channel, closed after Redis went away with tasks delivered and not acked
    (acks_late), restores them with a new client, built from its transport's connection, which
    kombu has set to None by then: an AttributeError that no `ignore_errors` catches, so the
    worker's consumer died instead of reconnecting. A closed connection raises what it is, a
    connection error: the close is then ignored as kombu means it to be; the unacked messages come
    back by the visibility timeout, and lost sends by the send sweep."""
    from kombu.transport import redis as kombu_redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    connparams = kombu_redis.Channel._connparams

    def _connparams_of_an_open_connection(self, asynchronous=False):
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection is closed")
        return connparams(self, asynchronous=asynchronous)

    kombu_redis.Channel._connparams = _connparams_of_an_open_connection


_closed_broker_connection_is_a_connection_error()
app = CeleryApp("blazz")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_process_init.connect
def _forget_inherited_connection_pools(**kwargs):
    """A prefork child starts with a copy of its parent's memory: a PostgreSQL pool the parent had
    opened would share its sockets (and its dead maintenance threads) with the child. The child
    forgets it, without closing anything, and opens its own on first use."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    DatabaseWrapper._connection_pools.clear()


@signals.worker_process_init.connect
def _freeze_what_was_imported(**kwargs):
    """As in blazz/asgi.py: the imported modules' objects are left out of every full garbage
    collection (a pause of tens of milliseconds per task that runs into one)."""
    import gc

    gc.freeze()


@signals.task_prerun.connect
@signals.task_postrun.connect
def _connection_back_to_the_pool(**kwargs):
    """What Django does around a request: a connection past its age (with the pool: any) goes
    back to the pool, and a broken one is dropped, so a PostgreSQL restart costs one task at most.
    (Celery's fixup would close the whole pool here; CELERY_DB_REUSE_MAX in settings stops it.)"""
    from django.db import close_old_connections

    close_old_connections()
