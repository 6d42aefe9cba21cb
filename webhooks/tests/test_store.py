"""Every statement of webhooks/store.py, run against the migrated schemas."""

import inspect

from django.db import transaction
from django_tenants.utils import schema_context

from sessions_wa.models import WhatsAppSession
from webhooks import store


def test_every_statement_of_the_webhooks_store_runs_against_the_schema(world):
    assert store.workspace_exists(world.ws_a.schema_name) is True
    assert store.workspace_exists("ws_nobody") is False
    assert store.workspace_exists("public") is False
    assert store.workspace_exists("not a schema; --") is False
    with schema_context(world.ws_b.schema_name):  # read in public whatever the search path
        assert store.workspace_exists(world.ws_a.schema_name) is True
    with schema_context(world.ws_a.schema_name):
        WhatsAppSession.objects.create(id="ws_acme.ev", engine="sandbox")
        known, session = store.event_session(world.ws_a.schema_name, "ws_acme.ev")
        assert known is True and session.pk == "ws_acme.ev"
        assert store.event_session(world.ws_a.schema_name, "ws_acme.none") == (True, None)
    with schema_context(world.ws_b.schema_name):  # another workspace's session: not in this schema
        assert store.event_session(world.ws_b.schema_name, "ws_acme.ev") == (True, None)
    with schema_context("ws_nobody"):
        assert store.event_session("ws_nobody", "ws_acme.ev") == (False, None)
    assert store.event_session("public", "x") == (False, None)
    with schema_context(world.ws_a.schema_name), transaction.atomic():
        assert store.applied_webhook_record(webhook_id="evt_store", event_type="message.ack", session_id="s") is True
        assert store.applied_webhook_record(webhook_id="evt_store", event_type="message.ack", session_id="s") is False
        rows = [("evt_store", "message.ack", "s"), ("evt_many1", "message.ack", "s"), ("evt_many2", "chat.typing", "s")]
        assert store.applied_webhooks_record_many(rows) == {"evt_many1", "evt_many2"}
        assert store.applied_webhooks_record_many(rows) == set()
        assert store.applied_webhooks_record_many([]) == set()
        transaction.set_rollback(True)

    assert public_functions(store) == {"workspace_exists", "event_session", "applied_webhook_record",
                                       "applied_webhooks_record_many"}


def public_functions(module) -> set[str]:
    return {name for name, value in inspect.getmembers(module, inspect.isfunction)
            if value.__module__ == module.__name__ and not name.startswith("_")}
