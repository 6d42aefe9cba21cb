"""sessions_wa/store.py, run against the migrated schema."""

import inspect

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from sessions_wa import store
from sessions_wa.models import WhatsAppSession


def test_the_sessions_store_runs_against_the_schema(world):
    with schema_context(world.ws_a.schema_name), transaction.atomic():
        WhatsAppSession.objects.create(id="ws_acme.gone", engine="sandbox", deleted_at=timezone.now())

        assert store.session_by_id("ws_acme.gone").pk == "ws_acme.gone"
        assert store.session_by_id("ws_acme.gone", live=True) is None
        transaction.set_rollback(True)
    assert public_functions(store) == {"session_by_id"}


def public_functions(module) -> set[str]:
    return {name for name, value in inspect.getmembers(module, inspect.isfunction)
            if value.__module__ == module.__name__ and not name.startswith("_")}
