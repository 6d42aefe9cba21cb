"""Reading a chat."""

from chats import services
from chats.models import Contact
from sessions_wa import bridge


def test_mark_read_clears_unread(acme, monkeypatch):
    seen = []
    monkeypatch.setattr(bridge, "chat_seen", lambda session_id, chat_id: seen.append(chat_id))
    Contact.objects.filter(pk=acme.contact.pk).update(unread_count=3, session=acme.session)

    services.contact_mark_read(contact=Contact.objects.get(pk=acme.contact.pk))

    assert Contact.objects.get(pk=acme.contact.pk).unread_count == 0
    assert seen == [acme.contact.wa_id]


def test_reading_a_chat_deleted_since_it_was_found_is_not_found(acme):
    """Issue 12.3: the request found the contact, then another deleted it before the lock."""
    import pytest

    from blazz.core.errors import DomainError

    found = Contact.objects.get(pk=acme.contact.pk)
    services.contact_delete(contact=Contact.objects.get(pk=acme.contact.pk))

    with pytest.raises(DomainError) as error:
        services.contact_mark_read(contact=found)
    assert (error.value.status_code, error.value.code) == (404, "contact_not_found")
    with pytest.raises(DomainError) as error:
        services.contact_update(contact=found, name="gone")
    assert error.value.status_code == 404


def test_retrying_or_reacting_to_a_message_deleted_meanwhile_is_not_found(acme):
    import pytest

    from blazz.core.errors import DomainError
    from chats.models import Message
    from chats.services.changes import set_reaction
    from chats.tests.services.conftest import send

    message, _ = send(acme)
    services.message_mark_failed(message_id=message.pk, reason="x")
    found = Message.objects.get(pk=message.pk)
    services.contact_delete(contact=Contact.objects.get(pk=acme.contact.pk))

    with pytest.raises(DomainError) as error:
        services.message_retry(message=found)
    assert (error.value.status_code, error.value.code) == (404, "message_not_found")
    with pytest.raises(DomainError) as error:
        set_reaction(message=found, reactor="me", emoji="👍")
    assert error.value.status_code == 404
