"""Languages and time zones: which language a request gets, the preferences API, the catalogue."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from conftest import host_client
from workspaces.models import Membership, Workspace


def test_api_errors_follow_accept_language(world):
    client = host_client(world.ws_a, world.agent_a, HTTP_ACCEPT_LANGUAGE="id-ID,id;q=0.9,en;q=0.5")

    response = client.get("/api/v1/contacts/999999/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "contact_not_found"
    assert response.json()["error"]["message"] == "Kontak tidak ditemukan."
    assert response["Content-Language"] == "id"
    assert "Accept-Language" in response["Vary"]


def test_english_without_a_header_or_a_choice(world):
    response = host_client(world.ws_a, world.agent_a).get("/api/v1/contacts/999999/")

    assert response.json()["error"]["message"] == "No such contact."


def test_the_members_own_language_wins_over_the_header(world):
    Membership.objects.filter(user=world.agent_a, workspace=world.ws_a).update(language="id")
    client = host_client(world.ws_a, world.agent_a, HTTP_ACCEPT_LANGUAGE="en-US")

    response = client.post("/api/v1/contacts/", {"phone": "12"}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "phone_invalid"
    assert response.json()["error"]["message"].startswith("Ini bukan nomor telepon")


def test_an_api_client_that_asks_for_nothing_gets_the_workspaces_language(world, api_key_a):
    Workspace.objects.filter(pk=world.ws_a.pk).update(language="id")

    response = host_client(world.ws_a, HTTP_AUTHORIZATION=f"Bearer {api_key_a}").get("/api/v1/contacts/999999/")

    assert response.json()["error"]["message"] == "Kontak tidak ditemukan."
    assert response["Content-Language"] == "id"


def test_drf_validation_messages_are_translated_too(world):
    client = host_client(world.ws_a, world.owner_a, HTTP_ACCEPT_LANGUAGE="id")

    response = client.post("/api/v1/members/", {}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Masukan tidak valid."
    assert response.json()["error"]["fields"]["email"] == ["Bidang ini harus diisi."]


def test_me_reports_the_effective_preferences(world):
    me = host_client(world.ws_a, world.agent_a).get("/api/v1/me/").json()

    assert me["workspace"]["timezone"] == "Asia/Jakarta"
    assert me["preferences"] == {"language": "", "timezone": "", "effective_language": "en",
                                 "effective_timezone": "Asia/Jakarta"}


def test_a_member_sets_their_language_and_time_zone(world):
    client = host_client(world.ws_a, world.agent_a)

    response = client.patch("/api/v1/me/preferences/", {"language": "id", "timezone": "Asia/Makassar"},
                            content_type="application/json")
    again = client.patch("/api/v1/me/preferences/", {"language": "id", "timezone": "Asia/Makassar"},
                         content_type="application/json")

    assert response.status_code == 200 and again.json() == response.json()
    assert response.json()["effective_timezone"] == "Asia/Makassar"
    membership = Membership.objects.get(user=world.agent_a, workspace=world.ws_a)
    assert (membership.language, membership.timezone) == ("id", "Asia/Makassar")
    # The next answer is in the chosen language.
    assert client.get("/api/v1/contacts/999999/").json()["error"]["message"] == "Kontak tidak ditemukan."
    # "" goes back to the workspace's.
    reset = client.patch("/api/v1/me/preferences/", {"timezone": ""}, content_type="application/json").json()
    assert reset["timezone"] == "" and reset["effective_timezone"] == "Asia/Jakarta" and reset["language"] == "id"


@pytest.mark.parametrize("body, code", [
    ({"timezone": "Mars/Olympus"}, "timezone_invalid"),
    ({"language": "fr"}, "language_invalid"),
])
def test_unknown_preferences_are_refused(world, body, code):
    response = host_client(world.ws_a, world.agent_a).patch("/api/v1/me/preferences/", body,
                                                            content_type="application/json")

    assert response.status_code == 400 and response.json()["error"]["code"] == code


def test_an_api_key_has_no_preferences(world, api_key_a):
    response = host_client(world.ws_a, HTTP_AUTHORIZATION=f"Bearer {api_key_a}").patch(
        "/api/v1/me/preferences/", {"language": "id"}, content_type="application/json")

    assert response.status_code == 403 and response.json()["error"]["code"] == "session_required"


def test_owners_set_the_workspace_defaults_and_agents_cannot(world, client_a):
    agent = host_client(world.ws_a, world.agent_a)

    refused = agent.patch("/api/v1/workspace/preferences/", {"timezone": "Asia/Jayapura"}, content_type="application/json")
    done = client_a.patch("/api/v1/workspace/preferences/", {"timezone": "Asia/Jayapura", "language": "id"},
                          content_type="application/json")

    assert refused.status_code == 403
    assert done.status_code == 200 and done.json()["timezone"] == "Asia/Jayapura"
    assert agent.get("/api/v1/me/").json()["preferences"]["effective_timezone"] == "Asia/Jayapura"
    # The agent chose no language: the workspace's now applies where the request names none.
    assert agent.get("/api/v1/contacts/999999/").json()["error"]["message"] == "Kontak tidak ditemukan."


def test_another_workspaces_owner_cannot_change_these_defaults(world):
    intruder = host_client(world.ws_a, world.owner_b)

    response = intruder.patch("/api/v1/workspace/preferences/", {"timezone": "UTC"}, content_type="application/json")

    assert response.status_code in (401, 403)
    assert Workspace.objects.get(pk=world.ws_a.pk).timezone == "Asia/Jakarta"
    assert Workspace.objects.get(pk=world.ws_b.pk).timezone == "Asia/Jakarta"


def test_the_login_page_speaks_the_browsers_language(world):
    page = host_client(world.ws_a, HTTP_ACCEPT_LANGUAGE="id").get("/login/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Masuk ke Acme" in text and '<html lang="id">' in text


def _po_entries(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (single- and multi-line strings)."""
    entries, current, key = {}, {}, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        match = re.match(r'^(msgid|msgstr) "(.*)"$', line)
        if match:
            key = match.group(1)
            current[key] = match.group(2)
        elif line.startswith('"') and key:
            current[key] += line[1:-1]
        elif not line.strip():
            if current.get("msgid"):
                entries[current["msgid"].encode().decode("unicode_escape").encode("latin-1").decode("utf-8")] = (
                    current.get("msgstr", "").encode().decode("unicode_escape").encode("latin-1").decode("utf-8"))
            current, key = {}, None
    return entries


def test_every_server_text_has_an_indonesian_translation_in_the_compiled_catalogue():
    po = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES" / "django.po"
    entries = _po_entries(po)

    assert entries, "the catalogue is empty"
    assert [msgid for msgid, msgstr in entries.items() if not msgstr] == []
    assert "#, fuzzy" not in po.read_text(encoding="utf-8")
    with translation.override("id"):
        stale = [msgid for msgid, msgstr in entries.items() if translation.gettext(msgid) != msgstr]
    assert stale == [], "django.mo is older than django.po: run `make messages`"
