"""The team inbox's REST API: a chat's status, assignee and labels, the list's views and counts,
labels, inbox settings, and who sees which chat."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from chats.models import Label, Message
from chats.tests.test_api import inbound
from conftest import host_client
from sessions_wa.models import SessionStatus, WhatsAppSession


@pytest.fixture
def session_a(world):
    with schema_context(world.ws_a.schema_name):
        return WhatsAppSession.objects.create(id="ws_acme.api", engine="sandbox", status=SessionStatus.CONNECTED,
                                              phone="+628000000001")


@pytest.fixture
def chats(world, session_a):
    """Three chats with messages in acme: Budi, Citra, Dewi (newest last)."""
    made = []
    for n, (phone, name) in enumerate([("6281234567890", "Budi"), ("6281234567891", "Citra"),
                                       ("6281234567892", "Dewi")]):
        message = inbound(world, session_a, f"hello {n}", chat_id=f"{phone}@c.us", name=name)
        made.append(message.contact_id)
    return made


@pytest.fixture
def agent_client(world):
    return host_client(world.ws_a, world.agent_a)


def patch(client, contact_id, body):
    return client.patch(f"/api/v1/chats/{contact_id}/", body, content_type="application/json")


def names(response):
    return [row["display_name"] for row in response.json()["results"]]


def test_patch_a_chat_assigns_resolves_and_answers_the_row(world, client_a, chats):
    response = patch(client_a, chats[0], {"assignee_id": world.agent_a.pk, "status": "resolved"})

    assert response.status_code == 200
    row = response.json()
    assert (row["assignee"]["id"], row["status"], row["snoozed_until"]) == (world.agent_a.pk, "resolved", None)
    thread = client_a.get(f"/api/v1/contacts/{chats[0]}/messages/").json()["results"]
    assert [m["body"] for m in thread if m["type"] == "system"] == [
        "owner@acme.test assigned this to agent@acme.test", "owner@acme.test resolved this"]  # newest first


def test_snooze_through_the_api(client_a, chats):
    until = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    row = patch(client_a, chats[0], {"status": "snoozed", "snoozed_until": until}).json()
    assert row["status"] == "snoozed" and row["snoozed_until"]

    bad = patch(client_a, chats[0], {"status": "snoozed"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "snooze_time_invalid"


@pytest.mark.parametrize("body, field", [({"status": "closed"}, "status"), ({"assignee_id": "x"}, "assignee_id"),
                                         ({"label_ids": "x"}, "label_ids"), ({"snoozed_until": "soon"}, "snoozed_until")])
def test_patch_bad_input_is_a_400_naming_the_field(client_a, chats, body, field):
    response = patch(client_a, chats[0], body)
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_list_filters_by_assignee_status_label_and_session(world, client_a, agent_client, chats):
    with schema_context(world.ws_a.schema_name):
        vip = Label.objects.create(name="vip", color="#e11d48")
    patch(client_a, chats[0], {"assignee_id": world.agent_a.pk, "label_ids": [vip.pk]})
    patch(client_a, chats[1], {"status": "resolved"})

    assert names(agent_client.get("/api/v1/chats/?assignee=me")) == ["Budi"]
    assert names(client_a.get("/api/v1/chats/?assignee=none&status=open")) == ["Dewi"]
    assert names(client_a.get(f"/api/v1/chats/?assignee={world.agent_a.pk}")) == ["Budi"]
    assert names(client_a.get("/api/v1/chats/?status=resolved")) == ["Citra"]
    assert names(client_a.get(f"/api/v1/chats/?label={vip.pk}")) == ["Budi"]
    assert names(client_a.get("/api/v1/chats/?session_id=ws_acme.api&status=all")) == ["Dewi", "Citra", "Budi"]
    assert names(client_a.get("/api/v1/chats/?session_id=other")) == []
    assert client_a.get("/api/v1/chats/?assignee=someone").status_code == 400


def test_counts_follow_the_other_filters(world, client_a, agent_client, chats):
    patch(client_a, chats[0], {"assignee_id": world.agent_a.pk})
    patch(client_a, chats[1], {"status": "resolved"})

    counts = agent_client.get("/api/v1/chats/counts/?status=open").json()
    assert counts["assignee"] == {"all": 2, "unassigned": 1, "mine": 1}
    assert counts["status"] == {"open": 2, "pending": 0, "resolved": 1, "snoozed": 0}
    mine = agent_client.get("/api/v1/chats/counts/?assignee=me").json()
    assert mine["status"]["open"] == 1 and mine["status"]["resolved"] == 0


def test_a_filtered_list_pages_through_every_row_once(client_a, chats):
    first = client_a.get("/api/v1/chats/?status=open&page_size=2").json()
    rest = client_a.get(first["next"].split("testserver", 1)[-1]).json()

    assert [r["display_name"] for r in first["results"] + rest["results"]] == ["Dewi", "Citra", "Budi"]


def test_agents_see_only_their_own_and_unassigned_when_the_workspace_says_so(world, client_a, agent_client, chats):
    patch(client_a, chats[0], {"assignee_id": world.owner_a.pk})
    patch(client_a, chats[1], {"assignee_id": world.agent_a.pk})
    assert len(names(agent_client.get("/api/v1/chats/"))) == 3  # off by default

    assert agent_client.patch("/api/v1/inbox-settings/", {"agents_see_own_only": True},
                              content_type="application/json").status_code == 403  # agents may not
    assert client_a.patch("/api/v1/inbox-settings/", {"agents_see_own_only": True},
                          content_type="application/json").json()["agents_see_own_only"] is True

    assert names(agent_client.get("/api/v1/chats/")) == ["Dewi", "Citra"]
    assert len(names(client_a.get("/api/v1/chats/"))) == 3  # the owner sees all
    assert agent_client.get("/api/v1/chats/counts/").json()["assignee"]["all"] == 2
    hidden = chats[0]
    assert agent_client.get(f"/api/v1/chats/{hidden}/").status_code == 404
    assert agent_client.get(f"/api/v1/contacts/{hidden}/messages/").status_code == 404
    assert patch(agent_client, hidden, {"status": "resolved"}).status_code == 404
    hits = agent_client.get("/api/v1/messages/search/?q=hello").json()["results"]
    assert sorted(hit["contact"]["display_name"] for hit in hits) == ["Citra", "Dewi"]


def test_labels_crud_and_a_taken_name(client_a, chats):
    made = client_a.post("/api/v1/labels/", {"name": "vip", "color": "#e11d48"}, content_type="application/json")
    assert made.status_code == 201 and made.json()["color"] == "#e11d48"
    again = client_a.post("/api/v1/labels/", {"name": "vip"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "label_name_taken"
    bad = client_a.post("/api/v1/labels/", {"name": "x", "color": "red"}, content_type="application/json")
    assert bad.status_code == 400 and "color" in bad.json()["error"]["fields"]

    label_id = made.json()["id"]
    assert client_a.patch(f"/api/v1/labels/{label_id}/", {"name": "VIP"},
                          content_type="application/json").json()["name"] == "VIP"
    patch(client_a, chats[0], {"label_ids": [label_id]})
    assert client_a.get(f"/api/v1/chats/{chats[0]}/").json()["labels"][0]["name"] == "VIP"
    assert client_a.delete(f"/api/v1/labels/{label_id}/").status_code == 204
    assert client_a.get(f"/api/v1/chats/{chats[0]}/").json()["labels"] == []


def test_another_workspace_cannot_touch_a_chat_its_labels_or_its_members(world, client_a, client_b, chats):
    assert patch(client_b, chats[0], {"status": "resolved"}).status_code == 404
    assert client_b.get(f"/api/v1/chats/{chats[0]}/").status_code == 404
    label_id = client_a.post("/api/v1/labels/", {"name": "vip"}, content_type="application/json").json()["id"]
    assert client_b.patch(f"/api/v1/labels/{label_id}/", {"name": "x"},
                          content_type="application/json").status_code == 404
    response = patch(client_a, chats[0], {"assignee_id": world.owner_b.pk})
    assert response.status_code == 400 and response.json()["error"]["code"] == "assignee_not_member"
    assert client_b.get("/api/v1/chats/").json()["results"] == []


def test_an_api_key_updates_a_chat_and_has_no_mine(world, api_key_a, chats):
    crm = host_client(world.ws_a, HTTP_AUTHORIZATION=f"Bearer {api_key_a}")
    row = patch(crm, chats[0], {"status": "pending"}).json()
    assert row["status"] == "pending"
    with schema_context(world.ws_a.schema_name):
        # The line says Blazz did it: no member acted.
        assert Message.objects.filter(contact_id=chats[0], type="system").get().body == "Blazz marked this pending"
    assert crm.get("/api/v1/chats/?assignee=me").status_code == 400


def test_a_note_stays_out_of_the_customers_export_unless_asked_for(client_a, chats):
    made = client_a.post(f"/api/v1/contacts/{chats[0]}/messages/", {"client_id": "note-1", "type": "note",
                                                                     "body": "internal: refund approved"},
                         content_type="application/json")
    assert made.status_code == 201 and made.json()["type"] == "note"

    customer_copy = b"".join(client_a.get(f"/api/v1/contacts/{chats[0]}/export/?format=txt").streaming_content)
    agents_copy = b"".join(client_a.get(f"/api/v1/contacts/{chats[0]}/export/?format=txt&internal=1").streaming_content)
    assert b"refund approved" not in customer_copy and b"hello 0" in customer_copy
    assert b"refund approved" in agents_copy


def test_canned_replies_crud_and_render_with_the_contacts_name(world, client_a, chats):
    made = client_a.post("/api/v1/canned-replies/", {"shortcut": "thanks",
                                                      "body": "Hi {{contact.first_name}}, {{agent.name}} here."},
                         content_type="application/json")
    assert made.status_code == 201
    reply_id = made.json()["id"]
    taken = client_a.post("/api/v1/canned-replies/", {"shortcut": "thanks", "body": "x"},
                          content_type="application/json")
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "shortcut_taken"
    typo = client_a.post("/api/v1/canned-replies/", {"shortcut": "typo", "body": "Hi {{contact.nmae}}"},
                         content_type="application/json")
    assert typo.status_code == 400 and typo.json()["error"]["code"] == "variables_unknown"
    assert [r["shortcut"] for r in client_a.get("/api/v1/canned-replies/?q=/tha").json()] == ["thanks"]

    rendered = client_a.get(f"/api/v1/canned-replies/{reply_id}/render/?contact_id={chats[0]}").json()
    assert rendered == {"text": "Hi Budi, owner@acme.test here."}
    assert client_a.get(f"/api/v1/canned-replies/{reply_id}/render/").status_code == 400
    assert client_a.delete(f"/api/v1/canned-replies/{reply_id}/").status_code == 204


def test_another_workspace_does_not_see_canned_replies(client_a, client_b, chats):
    reply_id = client_a.post("/api/v1/canned-replies/", {"shortcut": "hi", "body": "Hi"},
                             content_type="application/json").json()["id"]
    assert client_b.get("/api/v1/canned-replies/").json() == []
    assert client_b.patch(f"/api/v1/canned-replies/{reply_id}/", {"body": "x"},
                          content_type="application/json").status_code == 404


def test_a_note_is_edited_and_deleted_locally_and_a_customers_message_is_not_ours(client_a, chats):
    note = client_a.post(f"/api/v1/contacts/{chats[0]}/messages/", {"client_id": "note-e", "type": "note",
                                                                     "body": "draft"},
                         content_type="application/json").json()
    edited = client_a.patch(f"/api/v1/messages/{note['id']}/", {"body": "final"}, content_type="application/json")
    assert edited.status_code == 200 and edited.json()["body"] == "final" and edited.json()["edits"][0]["body"] == "draft"
    deleted = client_a.delete(f"/api/v1/messages/{note['id']}/")
    assert deleted.status_code == 200 and deleted.json()["revoked"] is True

    theirs = client_a.get(f"/api/v1/contacts/{chats[0]}/messages/").json()["results"][-1]
    assert theirs["direction"] == "in"
    response = client_a.patch(f"/api/v1/messages/{theirs['id']}/", {"body": "x"}, content_type="application/json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_editable"
    assert client_a.delete(f"/api/v1/messages/{theirs['id']}/").status_code == 409
    assert client_a.patch(f"/api/v1/messages/{note['id']}/", {"body": ""},
                          content_type="application/json").status_code == 400
