"""Phone numbers over the API as users type them (issue 12.7): parsed against the workspace's
country, refused with a sentence that says how to type them."""

from chats.tests.test_api import contact_a, session_a  # noqa: F401 (fixtures)


def test_a_contact_is_created_and_found_with_the_local_number_format(client_a, contact_a):
    """Issue 12.7: `081100000003` as every Indonesian user types it, on the workspace's host."""
    created = client_a.post("/api/v1/contacts/", {"phone": "081100000003"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["phone"] == "+6281100000003"

    found = client_a.get("/api/v1/contacts/", {"q": "0811-0000-0003"}).json()["results"]
    assert [c["id"] for c in found] == [created.json()["id"]]


def test_a_phone_the_parser_cannot_read_is_a_400_saying_how_to_type_it(client_a, session_a):
    response = client_a.post("/api/v1/contacts/", {"phone": "0812-34"}, content_type="application/json")

    error = response.json()["error"]
    assert response.status_code == 400 and error["code"] == "phone_invalid"
    assert "0812" in error["message"] and error["fields"]["phone"] == [error["message"]]
