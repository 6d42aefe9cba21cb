"""Paging while rows move (issue 12.2), for every cursor-paged list: a row that did not change is
seen exactly once, however the rows around it moved, appeared or went while a client paged."""

import uuid

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from chats import services
from chats.models import Contact, Message
from chats.tests.test_api import session_a  # noqa: F401 (fixture)

SECOND = 1764000000  # every row below shares this second: only the tie-breakers order them


def received(world, session, n: int, body: str = "hello", at: int = SECOND):
    with schema_context(world.ws_a.schema_name):
        return services.message_apply_received(session=session, data={
            "wa_message_id": f"in-{uuid.uuid4()}", "chat_id": f"628120000{n:04d}@c.us", "from_name": f"C{n}",
            "type": "text", "body": body, "timestamp": at})


def walk(client, url: str, params: dict, between=None) -> list[int]:
    """Every id the pages give, following `next`; `between(page_number, rows)` runs after each page."""
    seen, page, number = [], client.get(url, params).json(), 1
    while True:
        seen += [row["id"] for row in page["results"]]
        if between:
            between(number, page["results"])
        if not page["next"]:
            return seen
        page, number = client.get(page["next"]).json(), number + 1


def test_the_chat_list_never_skips_a_chat_when_one_on_an_earlier_page_moves(world, client_a, session_a):
    messages = [received(world, session_a, n) for n in range(7)]
    contacts = [m.contact_id for m in messages]

    def a_chat_of_page_one_gets_a_message(number, rows):
        if number == 1:
            received(world, session_a, contacts.index(rows[1]["id"]), "again", at=SECOND)
        if number == 2:  # and one not seen yet jumps to the top
            received(world, session_a, 0, "news", at=SECOND + 5)

    seen = walk(client_a, "/api/v1/chats/", {"page_size": 2}, a_chat_of_page_one_gets_a_message)

    unchanged = set(contacts) - {contacts[0]}
    assert all(seen.count(contact) == 1 for contact in unchanged), seen
    assert len(seen) == len(set(seen))


def test_the_contact_list_never_skips_a_contact_when_one_on_an_earlier_page_goes(world, client_a, session_a):
    with schema_context(world.ws_a.schema_name):
        ids = [services.contact_create(phone=f"+62812000{n:05d}")[0].pk for n in range(7)]
        Contact.objects.filter(pk__in=ids).update(created_at=timezone.now())  # one instant for all

    gone = []

    def delete_one_of_page_one(number, rows):
        if number == 1:
            with schema_context(world.ws_a.schema_name):
                Contact.objects.filter(pk=rows[0]["id"]).delete()
            gone.append(rows[0]["id"])

    seen = walk(client_a, "/api/v1/contacts/", {"page_size": 2}, delete_one_of_page_one)

    assert sorted(seen) == sorted(ids)  # the deleted one was seen on page one, every other once


def test_a_thread_and_the_search_never_repeat_a_message_when_one_arrives_in_the_same_second(world, client_a,
                                                                                            session_a):
    first = received(world, session_a, 1, "parcel 1")
    for n in range(2, 8):
        received(world, session_a, 1, f"parcel {n}")
    arrived = []

    def one_more_in_the_same_second(number, rows):
        if number == 1:
            arrived.append(received(world, session_a, 1, "parcel late").pk)

    for url, params in ((f"/api/v1/contacts/{first.contact_id}/messages/", {"page_size": 3}),
                        ("/api/v1/messages/search/", {"q": "parcel", "page_size": 3})):
        with schema_context(world.ws_a.schema_name):
            there = set(Message.objects.values_list("pk", flat=True))
        arrived.clear()
        seen = walk(client_a, url, params, one_more_in_the_same_second)
        assert len(seen) == len(set(seen)) and set(seen) == there, (url, seen)  # the late one sorts before page one
        assert arrived[0] not in seen


def test_previous_links_walk_back_the_same_rows(world, client_a, session_a):
    for n in range(5):
        received(world, session_a, n)
    first = client_a.get("/api/v1/chats/", {"page_size": 2}).json()
    second = client_a.get(first["next"]).json()

    back = client_a.get(second["previous"]).json()

    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]
    assert first["previous"] is None and back["next"]


@pytest.mark.parametrize("size", ["0", "-1", "", "1000", "two", "1.5"])
def test_a_page_size_outside_one_to_a_hundred_is_400(client_a, size):
    response = client_a.get("/api/v1/chats/", {"page_size": size})

    assert response.status_code == 400 and "page_size" in response.json()["error"]["fields"]


@pytest.mark.parametrize("cursor", ["x", "eyJ2IjpbMV0sInIiOjB9", "eyJ2IjpbIm5vdCBhIGRhdGUiLCIxIiwiMSJdLCJyIjowfQ"])
def test_a_cursor_the_server_did_not_issue_is_400(client_a, cursor):
    response = client_a.get("/api/v1/chats/", {"cursor": cursor})

    assert response.status_code == 400 and response.json()["error"]["fields"] == {"cursor": ["invalid"]}
