"""The contact panel's API: custom field definitions and typed values, a contact's activity,
label and session counts, structured system lines, and a member's own name."""

import pytest
from django_tenants.utils import schema_context

from chats.models import CustomField, Label
from chats.tests.test_api_team import agent_client, chats, patch, session_a  # noqa: F401 (fixtures)
from conftest import host_client


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


@pytest.fixture
def fields_a(world):
    with schema_context(world.ws_a.schema_name):
        return {
            "plan": CustomField.objects.create(key="plan", name="Plan", type="choice", choices=["free", "pro"]),
            "seats": CustomField.objects.create(key="seats", name="Seats", type="number"),
            "renews": CustomField.objects.create(key="renews", name="Renews on", type="date"),
            "note": CustomField.objects.create(key="note", name="Note", type="text"),
        }


def test_an_admin_defines_a_choice_field_and_every_member_reads_it(client_a, agent_client):
    made = post(client_a, "/api/v1/custom-fields/", {"key": "tier", "name": "Tier", "type": "choice",
                                                     "choices": ["gold", "silver"]})

    assert made.status_code == 201, made.json()
    assert [f["key"] for f in agent_client.get("/api/v1/custom-fields/").json()] == ["tier"]


def test_an_agent_may_not_define_fields(agent_client):
    response = post(agent_client, "/api/v1/custom-fields/", {"key": "tier", "name": "Tier", "type": "text"})

    assert response.status_code == 403
    assert "error" in response.json()


def test_a_choice_field_without_choices_and_a_taken_key_are_refused(client_a, fields_a):
    no_choices = post(client_a, "/api/v1/custom-fields/", {"key": "tier", "name": "Tier", "type": "choice"})
    taken = post(client_a, "/api/v1/custom-fields/", {"key": "plan", "name": "Plan again", "type": "text"})
    bad_type = post(client_a, "/api/v1/custom-fields/", {"key": "x", "name": "X", "type": "colour"})

    assert (no_choices.status_code, no_choices.json()["error"]["code"]) == (400, "custom_field_invalid")
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "custom_field_key_taken")
    assert bad_type.status_code == 400 and "type" in bad_type.json()["error"]["fields"]


def test_a_field_is_renamed_but_keeps_its_key_and_type(client_a, fields_a):
    field = fields_a["seats"]
    response = client_a.patch(f"/api/v1/custom-fields/{field.pk}/", {"name": "Licences", "type": "text", "key": "z"},
                              content_type="application/json")

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["key"], response.json()["type"]) == ("Licences", "seats",
                                                                                          "number")
    assert client_a.delete(f"/api/v1/custom-fields/{field.pk}/").status_code == 204
    assert client_a.delete(f"/api/v1/custom-fields/{field.pk}/").status_code == 404


def test_contact_values_are_checked_against_their_types(client_a, chats, fields_a):
    good = client_a.patch(f"/api/v1/contacts/{chats[0]}/", {"custom_fields": {
        "plan": "pro", "seats": 12, "renews": "2027-01-31", "note": " VIP ", "crm_id": {"any": "thing"}}},
        content_type="application/json")

    assert good.status_code == 200, good.json()
    assert good.json()["custom_fields"] == {"plan": "pro", "seats": 12, "renews": "2027-01-31", "note": "VIP",
                                            "crm_id": {"any": "thing"}}


@pytest.mark.parametrize("values, bad", [
    ({"plan": "enterprise"}, "plan"), ({"seats": "twelve"}, "seats"), ({"seats": True}, "seats"),
    ({"renews": "31/01/2027"}, "renews"), ({"renews": "2027-02-30"}, "renews"), ({"note": 5}, "note"),
])
def test_a_value_that_does_not_fit_its_type_is_a_400_naming_the_field(client_a, chats, fields_a, values, bad):
    response = client_a.patch(f"/api/v1/contacts/{chats[0]}/", {"custom_fields": values},
                              content_type="application/json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "custom_field_invalid"
    assert list(error["fields"]) == [f"custom_fields.{bad}"]


def test_an_empty_value_clears_the_field(client_a, chats, fields_a):
    client_a.patch(f"/api/v1/contacts/{chats[0]}/", {"custom_fields": {"plan": "pro"}}, content_type="application/json")
    cleared = client_a.patch(f"/api/v1/contacts/{chats[0]}/", {"custom_fields": {"plan": ""}},
                             content_type="application/json")

    assert cleared.json()["custom_fields"] == {}


def test_activity_counts_notes_apart_from_the_conversation(client_a, chats):
    post(client_a, f"/api/v1/contacts/{chats[0]}/messages/", {"client_id": "n-1", "type": "note", "body": "psst"})
    patch(client_a, chats[0], {"status": "resolved"})

    activity = client_a.get(f"/api/v1/contacts/{chats[0]}/activity/").json()

    assert (activity["messages_count"], activity["notes_count"]) == (1, 1)
    assert activity["last_inbound_at"] == activity["last_message_at"] == activity["first_message_at"]
    assert activity["first_contact_at"]


def test_another_workspace_cannot_read_the_activity(client_b, chats):
    assert client_b.get(f"/api/v1/contacts/{chats[0]}/activity/").status_code == 404


def test_counts_by_label_and_session_stay_under_the_other_filters(world, client_a, chats, session_a):
    with schema_context(world.ws_a.schema_name):
        vip = Label.objects.create(name="VIP", color="#ff0000")
    patch(client_a, chats[0], {"label_ids": [vip.pk]})
    patch(client_a, chats[1], {"label_ids": [vip.pk], "status": "resolved"})

    counts = client_a.get("/api/v1/chats/counts/?status=open").json()

    assert counts["label"] == {str(vip.pk): 1}
    assert counts["session"] == {session_a.pk: 2}
    assert client_a.get(f"/api/v1/chats/counts/?label={vip.pk}&status=all").json()["session"] == {session_a.pk: 2}


def test_system_lines_carry_their_facts_for_each_language(world, client_a, chats):
    patch(client_a, chats[0], {"assignee_id": world.agent_a.pk, "status": "resolved"})

    thread = client_a.get(f"/api/v1/contacts/{chats[0]}/messages/").json()["results"]

    lines = [m["system_data"] for m in thread if m["type"] == "system"]
    assert sorted(lines, key=lambda line: line["kind"]) == [
        {"kind": "assigned", "by": "owner@acme.test", "to": "agent@acme.test"},
        {"kind": "status", "status": "resolved", "by": "owner@acme.test", "until": None}]
    assert all(m["system_data"] is None for m in thread if m["type"] != "system")


def test_a_member_renames_themselves_and_the_name_shows_where_they_act(world, agent_client, client_a, chats):
    response = agent_client.patch("/api/v1/me/", {"name": "  Budi Santoso "}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["user"]["name"] == "Budi Santoso"
    members = {m["user_id"]: m["name"] for m in client_a.get("/api/v1/members/").json()}
    assert members[world.agent_a.pk] == "Budi Santoso"
    row = patch(client_a, chats[0], {"assignee_id": world.agent_a.pk}).json()
    assert row["assignee"]["name"] == "Budi Santoso"


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_blank_or_long_name_is_refused(agent_client, name):
    response = agent_client.patch("/api/v1/me/", {"name": name}, content_type="application/json")

    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]


def test_an_api_key_has_no_profile_to_rename(world, api_key_a):
    client = host_client(world.ws_a, HTTP_AUTHORIZATION=f"Bearer {api_key_a}")

    assert client.patch("/api/v1/me/", {"name": "Bot"}, content_type="application/json").status_code == 403
