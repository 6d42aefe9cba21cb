"""Every statement of chats/store.py, run against the migrated schema: a renamed or dropped column
fails here, in CI, not on the first event in production. Each function is called, and the test
fails if one is added without being called here."""

import inspect

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from chats import store
from chats.models import Contact, Label, Message, PendingMessageEvent
from sessions_wa.models import SessionStatus, WhatsAppSession


def public_functions(module) -> set[str]:
    return {name for name, value in inspect.getmembers(module, inspect.isfunction)
            if value.__module__ == module.__name__ and not name.startswith("_")}


def test_every_statement_of_the_chats_store_runs_against_the_schema(world):
    called = set()

    def call(name, *args, **kwargs):
        called.add(name)
        return getattr(store, name)(*args, **kwargs)

    with schema_context(world.ws_a.schema_name), transaction.atomic():
        session = WhatsAppSession.objects.create(id="ws_acme.st", engine="sandbox", status=SessionStatus.CONNECTED)
        contact = Contact.objects.create(wa_id="6281200000077@c.us", phone="+6281200000077", assignee=world.agent_a)
        now = timezone.now()
        message = Message(contact=contact, session=session, direction="out", body="stored", client_id="c-store",
                          timestamp=now)
        call("message_insert", message)
        again = Message(contact=contact, session=session, direction="in", wa_message_id="wa-store", timestamp=now)
        assert call("message_insert_unless_known", again) is True
        assert again.pending_events_exist is False
        assert call("message_insert_unless_known", Message(contact=contact, direction="in", wa_message_id="wa-store",
                                                           timestamp=now)) is False

        assert call("message_by_id", message.pk, for_update=True).client_id == "c-store"
        assert call("message_by_wa_id", "wa-store").pk == again.pk
        assert call("message_by_client_id", "c-store").pk == message.pk
        assert call("message_id_by_client_id", "c-store") == message.pk
        assert call("wa_id_taken", "wa-store", by_other_than=message.pk) is True
        assert call("wa_id_taken", "wa-store", by_other_than=again.pk) is False
        call("message_count_send_attempt", message.pk, at=now)
        assert Message.objects.get(pk=message.pk).send_attempts == 1
        assert call("pending_events_exist", "wa-store") is False
        PendingMessageEvent.objects.create(wa_message_id="wa-early", type="message.ack", data={}, session_id=session.pk)
        assert call("pending_events_among", ["wa-early", "wa-store", "wa-none"]) == {"wa-early"}
        early = Message(contact=contact, session=session, direction="in", wa_message_id="wa-early", timestamp=now)
        assert call("message_insert_unless_known", early) is True and early.pending_events_exist is True
        batch = [Message(contact=contact, session=session, direction="in", wa_message_id=wa_id, timestamp=now)
                 for wa_id in ("wa-batch-1", "wa-store", "wa-batch-2")]
        assert call("messages_insert_unless_known", batch) == [True, False, True]

        assert call("contact_by_id", contact.pk).wa_id == contact.wa_id
        with CaptureQueriesContext(connection) as read:
            bare = call("contact_with_labels", contact.pk)
            assert list(bare.labels.all()) == []
        assert len(read) == 1  # the row; no labels, no second statement
        contact.labels.add(Label.objects.create(name="vip"), Label.objects.create(name="b2b"))
        with CaptureQueriesContext(connection) as read:
            labelled = call("contact_with_labels", contact.pk)
            assert [label.name for label in labelled.labels.all()] == ["b2b", "vip"]  # the model's order
        assert len(read) == 2
        assert [label.name for label in labelled.labels.filter(name="vip")] == ["vip"]  # filtered: a query
        assert call("contact_by_wa_id", contact.wa_id).pk == contact.pk
        Contact.objects.filter(pk=contact.pk).update(lid="111222333@lid")
        found = call("contacts_by_wa_ids", [contact.wa_id, "111222333@lid", "6289999999999@c.us"])
        assert {key: c.pk for key, c in found.items()} == {contact.wa_id: contact.pk, "111222333@lid": contact.pk}
        assert [c.pk for c in call("contacts_by_ids", [contact.pk, 0])] == [contact.pk]
        assert call("user_by_id", world.agent_a.pk).email == world.agent_a.email
        call("contact_after_send", contact.pk, message_id=message.pk, at=now, session_id=session.pk)
        call("contact_after_new_message", contact.pk, session_id=session.pk, unread=True, push_name="Ana",
             last_message=(again.pk, now))
        contact.refresh_from_db()
        assert (contact.last_message_id, contact.unread_count, contact.push_name) == (again.pk, 1, "Ana")
        older = now - timezone.timedelta(minutes=1)
        call("contacts_after_new_messages", [(contact.pk, session.pk, 2, "", batch[0].pk, older)])
        contact.refresh_from_db()  # an older message adds unread but does not become the last one
        assert (contact.last_message_id, contact.unread_count, contact.push_name) == (again.pk, 3, "Ana")
        call("contacts_after_new_messages", [(contact.pk, session.pk, 0, "Ana B", batch[2].pk, now)])
        contact.refresh_from_db()
        assert (contact.last_message_id, contact.unread_count, contact.push_name) == (batch[2].pk, 3, "Ana B")
        call("contacts_after_new_messages", [])
        transaction.set_rollback(True)

    assert called == public_functions(store)

