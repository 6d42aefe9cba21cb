"""blazz.core.rows: the lean one-row read gives the instance the ORM would."""

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from blazz.core.rows import fetch_row, fetch_value
from chats.models import Contact, Message


def fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_a_row_reads_as_the_orm_reads_it_json_and_times_included(world):
    with schema_context(world.ws_a.schema_name):
        contact = Contact.objects.create(wa_id="6281200000099@c.us", phone="+6281200000099", name="Rows",
                                         custom_fields={"tier": "gold", "n": [1, 2]}, tags=["vip", "b2b"],
                                         assignee=world.agent_a)
        message = Message.objects.create(contact=contact, direction="in", type="location", body="",
                                         location={"lat": -6.2, "lng": 106.8}, wa_message_id="false_rows_1",
                                         status="delivered", timestamp=timezone.now())

        lean_contact = fetch_row(Contact, "wa_id = %s", [contact.wa_id])
        lean_message = fetch_row(Message, "id = %s", [message.pk], for_update=True)

        assert fields(lean_contact) == fields(Contact.objects.get(pk=contact.pk))
        assert lean_contact.custom_fields == {"tier": "gold", "n": [1, 2]} and lean_contact.tags == ["vip", "b2b"]
        assert lean_contact.assignee == world.agent_a  # relations load lazily, as from the ORM
        assert fields(lean_message) == fields(Message.objects.get(pk=message.pk))
        assert not lean_message._state.adding
        lean_message.body = "saved through the ORM"
        lean_message.save(update_fields=["body"])
        assert Message.objects.get(pk=message.pk).body == "saved through the ORM"


def test_nothing_found_is_none(world):
    with schema_context(world.ws_a.schema_name), transaction.atomic():
        assert fetch_row(Contact, "wa_id = %s", ["nobody@c.us"]) is None
        assert fetch_value("SELECT id FROM chats_contact WHERE wa_id = %s", ["nobody@c.us"]) is None


def test_it_reads_the_current_schema_only(world):
    with schema_context(world.ws_a.schema_name):
        contact = Contact.objects.create(wa_id="6281200000098@c.us", phone="+6281200000098")
    with schema_context(world.ws_b.schema_name):
        assert fetch_row(Contact, "wa_id = %s", [contact.wa_id]) is None


def test_insert_row_stores_what_save_would_and_skips_a_duplicate(world):
    from blazz.core.rows import insert_row

    with schema_context(world.ws_a.schema_name), transaction.atomic():
        contact = Contact.objects.create(wa_id="6281200000097@c.us", phone="+6281200000097")
        message = Message(contact=contact, direction="in", type="location", location={"lat": 1.5, "lng": 2},
                          wa_message_id="false_rows_insert", status="delivered", timestamp=timezone.now())

        assert insert_row(message, unless_exists="wa_message_id") is True
        stored = Message.objects.get(pk=message.pk)
        assert fields(stored) == {**fields(message), "created_at": stored.created_at}
        assert stored.created_at is not None and stored.edits == [] and stored.send_attempts == 0
        assert not message._state.adding and Message.objects.filter(search="rows").count() == 0

        again = Message(contact=contact, direction="in", type="text", body="other", wa_message_id="false_rows_insert",
                        status="delivered", timestamp=timezone.now())
        assert insert_row(again, unless_exists="wa_message_id") is False
        assert again.pk is None
        assert Message.objects.filter(wa_message_id="false_rows_insert").count() == 1  # the transaction goes on
