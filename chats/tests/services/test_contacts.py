"""Contacts by phone number."""

import pytest

from blazz.core.errors import DomainError
from chats import selectors, services
from chats.models import Contact
from workspaces.models import Workspace


def test_contact_create_normalises_the_phone_and_is_idempotent(acme):
    assert (acme.contact.phone, acme.contact.wa_id) == ("+6281234567890", "6281234567890@c.us")
    again, created = services.contact_create(phone="006281234567890")
    assert again.pk == acme.contact.pk and created is False


@pytest.mark.parametrize("phone", ["", "abc", "+12", "0812-34", "1" * 16, "0", "0812 3456 7890 ext 1"])
def test_contact_create_refuses_a_bad_phone_saying_how_to_type_it(acme, phone):
    with pytest.raises(DomainError) as error:
        services.contact_create(phone=phone)
    assert error.value.code == "phone_invalid"
    assert "+62" in error.value.message and error.value.fields["phone"] == [error.value.message]


@pytest.mark.parametrize("phone", [
    "0812-3456-7890", "081234567890", "(0812) 3456 7890", "0812.3456.7890", "+62 812 3456 7890",
    "+62 (812) 3456-7890", "62 812 3456 7890", "0062 812 3456 7890", "6281234567890@c.us",
    "\uff10\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10",  # full-width: NFKC makes them ASCII
])
def test_every_way_a_number_is_typed_finds_the_same_contact(acme, phone):
    """National (against the workspace's country, Indonesia by default), international, with
    spaces, dashes, dots and brackets: all one E.164 number, so one contact."""
    contact, created = services.contact_create(phone=phone)
    assert (contact.pk, created, contact.phone) == (acme.contact.pk, False, "+6281234567890")


@pytest.mark.parametrize("phone", ["\u0660\u0668\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660",
                                   "+\u0666\u0662\u0668\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660",
                                   "\u096e\u0967\u0968"])
def test_digits_of_other_scripts_are_refused_not_made_a_second_contact(acme, phone):
    with pytest.raises(DomainError) as error:
        services.contact_create(phone=phone)
    assert error.value.code == "phone_invalid" and "0-9" in error.value.message
    assert Contact.objects.count() == 1


def test_a_number_typed_nationally_is_read_in_the_workspaces_country(acme, world):
    Workspace.objects.filter(pk=world.ws_a.pk).update(country="US")

    contact, created = services.contact_create(phone="(415) 555-2671")

    assert created and contact.phone == "+14155552671" and contact.wa_id == "14155552671@c.us"
    with pytest.raises(DomainError):
        services.contact_create(phone="0899-1234-5678")  # Indonesian national form: not in the US


def test_search_finds_a_contact_by_the_number_as_typed_nationally(acme):
    services.contact_create(phone="+6281100000003", name="Budi")

    for q in ("081100000003", "0811-0000-0003", "+62 811 0000 0003", "0811000"):
        assert [c.phone for c in selectors.contact_list(q=q)] == ["+6281100000003"], q
    assert list(selectors.contact_list(q="0899")) == []
