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
