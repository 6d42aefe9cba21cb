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
    assert response.json()["error"]["code"] == "owner_required"
