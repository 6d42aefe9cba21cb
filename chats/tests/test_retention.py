"""A contact's erasure (DELETE /api/v1/contacts/{id}/?erase=true) and the per-workspace retention
prune beat runs, in-process on the real PostgreSQL and the configured file storage."""

import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import schema_context

from chats import services
from chats.models import Contact, ErasureRecord, MediaFile, Message, Reaction
from chats.tasks import messages_retention_task
from chats.tests.test_media_storage import keys, s3  # noqa: F401  (s3: a moto bucket as the storage)
from conftest import host_client
from sessions_wa.models import SessionStatus, WhatsAppSession
from workspaces.models import Workspace

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def session_in(workspace, name="ret"):
    with schema_context(workspace.schema_name):
        return WhatsAppSession.objects.create(id=f"{workspace.schema_name}.{name}", engine="sandbox",
                                              status=SessionStatus.CONNECTED, phone="+628000000009")


def inbound(workspace, session, body, *, chat_id="6281234567890@c.us", days_ago=0):
    when = int((timezone.now() - timedelta(days=days_ago)).timestamp())
    with schema_context(workspace.schema_name):
        return services.message_apply_received(session=session, data={
            "wa_message_id": f"in-{uuid.uuid4()}", "chat_id": chat_id, "from_name": "Budi", "type": "text",
            "body": body, "timestamp": when})


@pytest.fixture
def chat_a(world, client_a, django_capture_on_commit_callbacks):
    """Acme's contact with an inbound text, a reaction on it, and an image sent with an upload."""
    session = session_in(world.ws_a)
    message = inbound(world.ws_a, session, "my address is secret")
    with schema_context(world.ws_a.schema_name):
        Reaction.objects.create(message=message, reactor="me", emoji="👍")
    upload = client_a.post("/api/v1/media/", {"file": SimpleUploadedFile("dot.png", PNG, content_type="image/png")})
    with django_capture_on_commit_callbacks(execute=False):
        sent = client_a.post(f"/api/v1/contacts/{message.contact_id}/messages/",
                             {"client_id": str(uuid.uuid4()), "type": "image", "media_id": upload.json()["id"]},
                             content_type="application/json")
    assert sent.status_code == 201
    with schema_context(world.ws_a.schema_name):
        media = MediaFile.objects.get(pk=upload.json()["id"])
        assert media.file.storage.exists(media.file.name)
    return message.contact_id, media


def file_exists(workspace, media) -> bool:
    with schema_context(workspace.schema_name):
        return media.file.storage.exists(media.file.name)


def test_erase_removes_messages_reactions_media_and_files_and_keeps_a_contentless_audit_line(
        world, client_a, chat_a, django_capture_on_commit_callbacks):
    contact_id, media = chat_a
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.delete(f"/api/v1/contacts/{contact_id}/?erase=true")
    assert response.status_code == 204
    assert not file_exists(world.ws_a, media)
    with schema_context(world.ws_a.schema_name):
        assert not Contact.objects.filter(pk=contact_id).exists()
        assert not Message.objects.filter(contact_id=contact_id).exists()
        assert not MediaFile.objects.filter(pk=media.pk).exists()
        assert not Reaction.objects.exists()
        record = ErasureRecord.objects.get(contact_id=contact_id)
    assert (record.messages, record.media_files, record.reactions) == (2, 1, 1)
    assert record.erased_by_user_id == world.owner_a.pk and record.erased_by_api_key_id is None
    assert "6281234567890" not in str(vars(record)) and "Budi" not in str(vars(record))


def test_erase_deletes_the_event_log_rows_about_the_contact_only(world, client_a, chat_a):
    from blazz.core import eventlog

    contact_id, _media = chat_a
    schema, now = world.ws_a.schema_name, timezone.now()
    with schema_context(schema):
        eventlog.append(schema, [
            (eventlog.new_event_id(), "message.new", now, {"message": {"id": 1, "contact_id": contact_id}}),
            (eventlog.new_event_id(), "chat.updated", now, {"chat": {"id": contact_id, "phone": "+6281234567890"}}),
            (eventlog.new_event_id(), "message.status", now, {"contact_id": contact_id, "status": "read"}),
            (eventlog.new_event_id(), "chat.updated", now, {"chat": {"id": contact_id + 1000}}),
        ])
    assert client_a.delete(f"/api/v1/contacts/{contact_id}/?erase=true").status_code == 204
    with schema_context(schema):
        left = eventlog.after(schema, 0, limit=100)
        assert ErasureRecord.objects.get(contact_id=contact_id).events == 3
    assert [event.data for event in left] == [{"chat": {"id": contact_id + 1000}}]


def test_erase_deletes_the_file_from_an_s3_bucket_too(world, s3, client_a, chat_a,  # noqa: F811
                                                     django_capture_on_commit_callbacks):
    contact_id, media = chat_a
    assert len(keys(s3)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert client_a.delete(f"/api/v1/contacts/{contact_id}/?erase=true").status_code == 204
    assert keys(s3) == []


def test_no_api_key_may_erase_a_contact_whatever_its_scopes(world, chat_a, api_key_a):
    contact_id, media = chat_a
    client = host_client(world.ws_a, HTTP_AUTHORIZATION=f"Bearer {api_key_a}")
    response = client.delete(f"/api/v1/contacts/{contact_id}/?erase=true")
    assert response.status_code == 403 and response.json()["error"]["code"] == "session_required"
    assert file_exists(world.ws_a, media)
    with schema_context(world.ws_a.schema_name):
        assert not ErasureRecord.objects.exists()


def test_erase_from_the_other_workspace_is_404_and_touches_nothing(world, client_b, api_key_b, chat_a):
    contact_id, media = chat_a
    assert client_b.delete(f"/api/v1/contacts/{contact_id}/?erase=true").status_code == 404
    key_b = host_client(world.ws_b, HTTP_AUTHORIZATION=f"Bearer {api_key_b}")
    assert key_b.delete(f"/api/v1/contacts/{contact_id}/?erase=true").status_code == 403  # no key erases
    assert file_exists(world.ws_a, media)
    with schema_context(world.ws_a.schema_name):
        assert Message.objects.filter(contact_id=contact_id).count() == 2
        assert not ErasureRecord.objects.exists()


def test_an_agent_may_not_erase_and_a_bad_flag_is_400(world, chat_a):
    contact_id, media = chat_a
    agent = host_client(world.ws_a, world.agent_a)
    response = agent.delete(f"/api/v1/contacts/{contact_id}/?erase=true")
    assert response.status_code == 403 and response.json()["error"]["code"] == "erase_not_allowed"
    bad = host_client(world.ws_a, world.owner_a).delete(f"/api/v1/contacts/{contact_id}/?erase=banana")
    assert bad.status_code == 400 and "erase" in bad.json()["error"]["fields"]
    with schema_context(world.ws_a.schema_name):
        assert Message.objects.filter(contact_id=contact_id).count() == 2


def test_erase_keeps_a_file_another_contact_still_shows(world, client_a, chat_a, django_capture_on_commit_callbacks):
    contact_id, media = chat_a
    other = client_a.post("/api/v1/contacts/", {"phone": "+6281299990000"}, content_type="application/json").json()
    with django_capture_on_commit_callbacks(execute=False):
        client_a.post(f"/api/v1/contacts/{other['id']}/messages/",
                      {"client_id": str(uuid.uuid4()), "type": "image", "media_id": str(media.pk)},
                      content_type="application/json")
    with django_capture_on_commit_callbacks(execute=True):
        assert client_a.delete(f"/api/v1/contacts/{contact_id}/?erase=true").status_code == 204
    assert file_exists(world.ws_a, media)
    with schema_context(world.ws_a.schema_name):
        assert ErasureRecord.objects.get(contact_id=contact_id).media_files == 0


def test_a_file_a_template_uses_outlives_erasure_and_retention(world, client_a, chat_a,
                                                               django_capture_on_commit_callbacks):
    from chats.automation.models import Template

    contact_id, media = chat_a
    with schema_context(world.ws_a.schema_name):
        Template.objects.create(name="promo", body="look", media=media)
        MediaFile.objects.filter(pk=media.pk).update(created_at=timezone.now() - timedelta(days=40))
    with django_capture_on_commit_callbacks(execute=True):
        assert client_a.delete(f"/api/v1/contacts/{contact_id}/?erase=true").status_code == 204
    with schema_context(world.ws_a.schema_name), django_capture_on_commit_callbacks(execute=True):
        assert services.messages_prune_old(older_than_days=30).media_files == 0
        assert Template.objects.get(name="promo").media_id == media.pk
    assert file_exists(world.ws_a, media)


def test_retention_prunes_only_old_rows_of_its_own_workspace(world, django_capture_on_commit_callbacks):
    Workspace.objects.filter(pk=world.ws_a.pk).update(retention_days=30)
    session_a, session_b = session_in(world.ws_a), session_in(world.ws_b)
    for n in range(5):
        inbound(world.ws_a, session_a, f"old {n}", days_ago=40)
    kept = inbound(world.ws_a, session_a, "recent", days_ago=1)
    only_old = inbound(world.ws_a, session_a, "old alone", chat_id="6281211110000@c.us", days_ago=40)
    old_b = inbound(world.ws_b, session_b, "old in globex", days_ago=400)
    with schema_context(world.ws_a.schema_name):
        old_upload = MediaFile.objects.create(mimetype="image/png", filename="never-sent.png", size=len(PNG))
        old_upload.file.save("never-sent.png", SimpleUploadedFile("never-sent.png", PNG), save=True)
        MediaFile.objects.filter(pk=old_upload.pk).update(created_at=timezone.now() - timedelta(days=40))

    with schema_context(world.ws_b.schema_name):
        assert messages_retention_task() is None  # retention off: nothing deleted
    with schema_context(world.ws_a.schema_name), django_capture_on_commit_callbacks(execute=True):
        result = services.messages_prune_old(older_than_days=30, batch_size=2)
        assert result.as_dict() == {"messages": 6, "media_files": 1, "pending_events": 0, "done": True}
        assert list(Message.objects.values_list("pk", flat=True)) == [kept.pk]
        contact = Contact.objects.get(pk=kept.contact_id)
        assert contact.last_message_id == kept.pk
        assert Contact.objects.get(pk=only_old.contact_id).last_message_at is None  # out of the chat list
        assert messages_retention_task() == {"messages": 0, "media_files": 0, "pending_events": 0, "done": True}
    assert not file_exists(world.ws_a, old_upload)
    with schema_context(world.ws_b.schema_name):
        assert Message.objects.filter(pk=old_b.pk).exists()


def test_retention_stops_at_its_time_budget_and_the_next_run_carries_on(world):
    session = session_in(world.ws_a)
    for n in range(3):
        inbound(world.ws_a, session, f"old {n}", days_ago=10)
    with schema_context(world.ws_a.schema_name):
        first = services.messages_prune_old(older_than_days=5, batch_size=1, time_budget_seconds=0)
        assert (first.messages, first.done) == (1, False)
        rest = services.messages_prune_old(older_than_days=5, batch_size=1)
        assert (rest.messages, rest.done) == (2, True)
        assert not Message.objects.exists()


def test_erasing_a_contact_already_gone_is_not_found(world, chat_a):
    from blazz.core.errors import NotFound

    contact_id, _media = chat_a
    with schema_context(world.ws_a.schema_name):
        stale = Contact.objects.get(pk=contact_id)
        services.contact_erase(contact=stale)
        with pytest.raises(NotFound):
            services.contact_erase(contact=stale)
        assert ErasureRecord.objects.filter(contact_id=contact_id).count() == 1


def test_erase_publishes_contact_erased_to_its_own_workspace_inbox(world, client_a, chat_a, monkeypatch,
                                                                   django_capture_on_commit_callbacks):
    from blazz.core import publisher

    sent = []
    monkeypatch.setattr(publisher, "_to_redis", lambda schema, built, *_frame: sent.extend(
        (schema, event) for event in built))
    contact_id, _media = chat_a
    with django_capture_on_commit_callbacks(execute=True):
        assert client_a.delete(f"/api/v1/contacts/{contact_id}/?erase=true").status_code == 204

    erased = [(schema, event) for schema, event in sent if event.type == "contact.erased"]
    assert [(schema, event.contact_id) for schema, event in erased] == [(world.ws_a.schema_name, contact_id)]
    assert erased[0][1].groups(world.ws_a.schema_name) == [f"t.{world.ws_a.schema_name}.inbox"]
    assert erased[0][1].payload() == {"contact_id": contact_id}
