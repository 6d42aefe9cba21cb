"""Reads: the plans and query counts the inbox relies on."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from chats import selectors

pytestmark = pytest.mark.django_db


def many_chats(count=5000):
    """Enough chats (and fresh statistics) for the planner to choose as it would in production:
    on a near-empty table sorting everything is cheaper than any index."""
    from chats.models import Contact

    now = timezone.now()
    Contact.objects.bulk_create(
        Contact(wa_id=f"62811{n:08d}@c.us", phone=f"+62811{n:08d}", last_message_at=now - timedelta(seconds=n))
        for n in range(count))
    Contact.objects.bulk_create(Contact(wa_id=f"62822{n:08d}@c.us", phone=f"+62822{n:08d}") for n in range(count))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE chats_contact")


@pytest.mark.parametrize("page", ["first", "next"])
def test_the_chat_list_pages_are_read_in_order_from_the_chat_list_index(world, page):
    with schema_context(world.ws_a.schema_name):
        many_chats()
        chats = selectors.chat_list()
        if page == "next":  # what the cursor adds for the pages after the first
            chats = chats.filter(last_message_at__lt=timezone.now() - timedelta(seconds=100))

        plan = chats[:51].explain()

    assert "Index Scan using contact_chat_list_idx" in plan, plan
    assert "Sort" not in plan, plan  # the index gives the ORDER BY's order: no (incremental) sort


def test_the_chat_list_index_matches_the_chat_order():
    """The index and selectors.CHAT_ORDER change together."""
    from chats.models import Contact

    index = next(i for i in Contact._meta.indexes if i.name == "contact_chat_list_idx")
    columns = [(e.expression.name, e.descending, e.nulls_last) for e in index.expressions]
    assert columns == [(field.lstrip("-"), field.startswith("-"), None) for field in selectors.CHAT_ORDER]
