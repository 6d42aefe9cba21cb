"""Contacts by phone number."""

import pytest

from blazz.core.errors import DomainError
from chats import services


def test_contact_create_normalises_the_phone_and_is_idempotent(acme):
    assert (acme.contact.phone, acme.contact.wa_id) == ("+6281234567890", "6281234567890@c.us")
    again, created = services.contact_create(phone="006281234567890")
    assert again.pk == acme.contact.pk and created is False


@pytest.mark.parametrize("phone", ["", "abc", "+12", "0812345678", "1" * 16])
def test_contact_create_refuses_a_bad_phone(acme, phone):
    with pytest.raises(DomainError) as error:
        services.contact_create(phone=phone)
    assert error.value.code == "phone_invalid"
