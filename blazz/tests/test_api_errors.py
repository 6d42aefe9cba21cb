"""Errors that never reach a view's own code still leave /api/ in the one error shape:
`{"error": {"code", "message", "fields"}}` (blazz/core/errors.py)."""

from __future__ import annotations

import pytest

from conftest import host_client

pytestmark = pytest.mark.django_db


def test_an_unknown_api_path_is_a_json_404_and_a_page_keeps_the_html_one(world, client_a):
    response = client_a.get("/api/v1/contacts/not-a-number/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"

    assert host_client().get("/api/v1/nothing-here/").json()["error"]["code"] == "not_found"
    page = host_client().get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_cursor_we_did_not_issue_is_invalid_input(client_a):
    response = client_a.get("/api/v1/chats/", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert "cursor" in response.json()["error"]["fields"]


def test_a_body_that_is_not_json_is_a_415_in_the_error_shape(client_a):
    response = client_a.post("/api/v1/contacts/", "phone=%2B6281234567890", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_an_api_key_cannot_manage_members_it_is_nobodys_account(world, api_key_a):
    crm = host_client(world.ws_a, HTTP_AUTHORIZATION=f"Bearer {api_key_a}")
    response = crm.post("/api/v1/members/", {"email": "new@acme.test"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "session_required"


# --- whatever DEBUG says (issues 11.5, 12.5) -------------------------------------------------------


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v1/contacts/-1/", "/api/v1/media/..%2F../",
                                  "/hooks/bridge/", "/hooks/nothing/"])
def test_every_machine_path_answers_json_errors_on_a_workspace_host(world, client_a, debug, path):
    response = client_a.get(path)

    assert response.status_code >= 400
    assert response["Content-Type"] == "application/json"
    assert set(response.json()["error"]) >= {"code", "message"}
    assert b"Traceback" not in response.content and b"urlpatterns" not in response.content


def test_a_10_mb_body_is_a_json_413_before_it_is_read(db, debug):
    body = b'{"email": "' + b"a" * (10 * 1024 * 1024) + b'"}'

    response = host_client().post("/api/v1/signup/", body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_crash_is_a_json_500_without_the_debug_page(world, debug, monkeypatch):
    from django.test import Client

    from workspaces import api

    def crash(self, request):
        raise RuntimeError("a bug with secrets in its locals")

    monkeypatch.setattr(api.MeApi, "get", crash)
    client = Client(HTTP_HOST=world.ws_a.host, raise_request_exception=False)
    client.force_login(world.owner_a)
    session = client.session
    session["blazz_workspace"] = world.ws_a.schema_name
    session.save()

    response = client.get("/api/v1/me/")

    assert response.status_code == 500
    assert response.json() == {"error": {"code": "server_error", "message": "Server error."}}


def test_a_page_keeps_django_s_html_error(world, debug):
    response = host_client(world.ws_a).get("/admin/nothing-here/")
    assert response["Content-Type"].startswith("text/html")


def test_make_run_s_env_file_does_not_turn_debug_on(tmp_path):
    import subprocess
    import sys

    env_file = tmp_path / ".env"
    subprocess.run([sys.executable, "-m", "blazz.dev.envfile", str(env_file)], check=True, capture_output=True)

    assert not [line for line in env_file.read_text().splitlines() if line.startswith("DEBUG")]
