"""POST /api/v1/messages/{id}/forward/ and GET /api/v1/contacts/{id}/messages/?around=."""

import pytest
from django_tenants.utils import schema_context

from chats import services
from chats.models import Message
from chats.tests.test_api import inbound
from chats.tests.test_api_team import session_a  # noqa: F401 (a fixture)


@pytest.fixture
def two_chats(world, session_a):  # noqa: F811
    first = inbound(world, session_a, "price?", chat_id="6281234567890@c.us", name="Budi")
    second = inbound(world, session_a, "hi", chat_id="6281234567891@c.us", name="Citra")
    return first, second.contact_id


def forward(client, message_id, body):
    return client.post(f"/api/v1/messages/{message_id}/forward/", body, content_type="application/json")


def test_forward_answers_201_then_200_for_the_same_client_id(client_a, two_chats):
    source, to = two_chats
    first = forward(client_a, source.pk, {"contact_id": to, "client_id": "fw-1"})
    again = forward(client_a, source.pk, {"contact_id": to, "client_id": "fw-1"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert (first.json()["forwarded"], first.json()["contact_id"], first.json()["body"]) == (True, to, "price?")


@pytest.mark.parametrize("body, field", [({"client_id": "x"}, "contact_id"), ({"contact_id": 1}, "client_id"),
                                         ({"contact_id": "x", "client_id": "x"}, "contact_id")])
def test_forward_bad_input_is_a_400_naming_the_field(client_a, two_chats, body, field):
    response = forward(client_a, two_chats[0].pk, body)
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_forward_into_another_workspaces_chat_is_a_404(world, client_a, client_b, two_chats):
    source, _ = two_chats
    with schema_context(world.ws_b.schema_name):
        theirs, _ = services.contact_create(phone="+62 812-9999-0000")

    into_theirs = forward(client_a, source.pk, {"contact_id": theirs.pk, "client_id": "fw-x"})
    from_theirs = forward(client_b, source.pk, {"contact_id": theirs.pk, "client_id": "fw-y"})

    assert (into_theirs.status_code, into_theirs.json()["error"]["code"]) == (404, "contact_not_found")
    assert (from_theirs.status_code, from_theirs.json()["error"]["code"]) == (404, "message_not_found")
    with schema_context(world.ws_b.schema_name):
        assert not Message.objects.filter(contact_id=theirs.pk).exists()


def test_around_returns_the_page_centred_on_the_message_with_links_both_ways(world, client_a, session_a):  # noqa: F811
    made = [inbound(world, session_a, f"m{n}") for n in range(30)]
    contact_id, anchor = made[0].contact_id, made[15]

    page = client_a.get(f"/api/v1/contacts/{contact_id}/messages/?around={anchor.pk}&page_size=9").json()

    assert [m["body"] for m in page["results"]] == [f"m{n}" for n in range(19, 10, -1)]  # newest first
    assert page["next"] and page["previous"] and "around" not in page["next"]
    older = client_a.get(page["next"]).json()["results"]
    newer = client_a.get(page["previous"]).json()["results"]
    assert older[0]["body"] == "m10" and newer[-1]["body"] == "m20"


def test_around_at_the_newest_message_has_no_newer_page(world, client_a, session_a):  # noqa: F811
    made = [inbound(world, session_a, f"m{n}") for n in range(5)]
    page = client_a.get(f"/api/v1/contacts/{made[0].contact_id}/messages/?around={made[-1].pk}&page_size=3").json()
    assert [m["body"] for m in page["results"]] == ["m4", "m3", "m2"] and page["previous"] is None


@pytest.mark.parametrize("around, status", [("abc", 400), ("999999", 404)])
def test_around_a_bad_or_foreign_id_is_a_clear_error(world, client_a, two_chats, around, status):
    source, other_chat = two_chats
    response = client_a.get(f"/api/v1/contacts/{other_chat}/messages/?around={around}")
    assert response.status_code == status and "around" in response.json()["error"]["fields"]
    # a message of another chat is not this chat's
    assert client_a.get(f"/api/v1/contacts/{other_chat}/messages/?around={source.pk}").status_code == 404


def test_search_within_one_chat_finds_only_its_messages(world, client_a, client_b, session_a, two_chats):  # noqa: F811
    source, other_chat = two_chats
    inbound(world, session_a, "price list please", chat_id="6281234567891@c.us", name="Citra")

    one_chat = client_a.get(f"/api/v1/messages/search/?q=price&contact_id={source.contact_id}").json()["results"]
    everywhere = client_a.get("/api/v1/messages/search/?q=price").json()["results"]
    theirs = client_b.get(f"/api/v1/messages/search/?q=price&contact_id={source.contact_id}")

    assert [m["contact_id"] for m in one_chat] == [source.contact_id]
    assert {m["contact_id"] for m in everywhere} == {source.contact_id, other_chat}
    assert theirs.status_code == 404  # globex has no such chat: its socket or key sees none of acme's
