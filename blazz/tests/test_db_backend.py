"""blazz/core/db/base.py's search path: switching back to the path the server already has sends no
SET, and every switch still reads the right workspace (a wrong guess here would show one tenant
another's rows)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from chats.models import Contact


def sets(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("SET search_path")]


def test_returning_to_the_search_path_the_server_has_sends_no_set(world):
    with schema_context(world.ws_a.schema_name):
        Contact.objects.create(wa_id="6281200000001@c.us", phone="+6281200000001")
    with CaptureQueriesContext(connection) as queries:
        connection.set_schema_to_public()
        with schema_context(world.ws_a.schema_name):
            assert Contact.objects.filter(wa_id="6281200000001@c.us").count() == 1
        connection.set_schema_to_public()
        with schema_context(world.ws_a.schema_name):
            assert Contact.objects.filter(wa_id="6281200000001@c.us").count() == 1
    assert sets(queries) == []  # ws_a's path was set by the create, and nothing undid it


def test_another_workspace_gets_its_own_path_and_never_sees_the_first_ones_rows(world):
    with schema_context(world.ws_a.schema_name):
        Contact.objects.create(wa_id="6281200000002@c.us", phone="+6281200000002")
    for schema, expected in [(world.ws_b.schema_name, 0), (world.ws_a.schema_name, 1),
                             (world.ws_b.schema_name, 0), (world.ws_a.schema_name, 1)]:
        with CaptureQueriesContext(connection) as queries, schema_context(schema):
            assert Contact.objects.filter(wa_id="6281200000002@c.us").count() == expected
        assert sets(queries) == [f'SET search_path = "{schema}","public"']


def test_a_savepoint_rollback_that_undid_the_set_sends_it_again(world):
    with schema_context(world.ws_a.schema_name):
        Contact.objects.count()
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic(), schema_context(world.ws_b.schema_name):
            Contact.objects.count()  # SET ws_b inside the savepoint, undone by its rollback
            raise RuntimeError
        with CaptureQueriesContext(connection) as queries, schema_context(world.ws_b.schema_name):
            Contact.objects.count()
    assert sets(queries) == [f'SET search_path = "{world.ws_b.schema_name}","public"']


def test_a_rollback_that_undid_the_set_sends_it_again(transactional_db, world):
    with schema_context(world.ws_a.schema_name):
        Contact.objects.count()
    with transaction.atomic(), schema_context(world.ws_b.schema_name):
        Contact.objects.count()  # SET ws_b in a transaction that is rolled back
        transaction.set_rollback(True)
    with CaptureQueriesContext(connection) as queries, schema_context(world.ws_b.schema_name):
        Contact.objects.count()
    assert sets(queries) == [f'SET search_path = "{world.ws_b.schema_name}","public"']


def test_a_schema_name_that_is_not_one_is_still_refused_at_the_first_query(world):
    from django.core.exceptions import ValidationError

    with schema_context(world.ws_a.schema_name):
        Contact.objects.count()
    with pytest.raises(ValidationError), schema_context("not a schema; --"):
        Contact.objects.count()
