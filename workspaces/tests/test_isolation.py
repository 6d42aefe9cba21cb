"""A member or key of workspace A cannot log in to, read or write workspace B."""

from conftest import host_client


def test_a_session_made_on_a_is_nobody_on_b(world):
    client = host_client(world.ws_a, world.owner_a)
    # the same cookie jar, presented to B's host
    on_b = host_client(world.ws_b)
    on_b.cookies = client.cookies

    assert on_b.get("/api/v1/me/").status_code == 401
    assert on_b.get("/api/v1/members/").status_code == 401
    response = on_b.post("/api/v1/members/", {"email": "x@y.test"}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert on_b.get("/")["Location"].startswith("/login/")


def test_a_member_of_a_logged_in_on_b_by_hand_is_refused(world):
    # even a session explicitly bound to B is refused when the user is not B's member
    intruder = host_client(world.ws_b, world.owner_a)

    assert intruder.get("/api/v1/me/").status_code == 403
    assert intruder.get("/api/v1/members/").json()["error"]["code"] == "forbidden"
    assert intruder.get("/").status_code == 403


def test_api_key_of_a_is_refused_on_bs_host(world, api_key_a):
    on_b = host_client(world.ws_b, HTTP_AUTHORIZATION=f"Bearer {api_key_a}")

    response = on_b.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_api_key_of_a_works_on_as_host(world, api_key_a):
    response = host_client(world.ws_a, HTTP_AUTHORIZATION=f"Bearer {api_key_a}").get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["workspace"]["slug"] == "acme"
    assert response.json()["role"] == "api_key"


def test_api_key_is_refused_on_the_public_host(world, api_key_a):
    response = host_client(None, HTTP_AUTHORIZATION=f"Bearer {api_key_a}").get("/api/v1/me/")
    assert response.status_code == 404  # the public host has no workspace API at all


def test_unknown_or_malformed_key_is_401(world):
    for header in ("Bearer blz_nope_nope", "Bearer ", "Bearer a b"):
        response = host_client(world.ws_a, HTTP_AUTHORIZATION=header).get("/api/v1/me/")
        assert response.status_code == 401, header


def test_member_ids_of_b_are_404_on_a(world, client_a):
    from workspaces.models import Membership

    b_membership = Membership.objects.get(user=world.agent_b, workspace=world.ws_b)

    response = client_a.patch(f"/api/v1/members/{b_membership.pk}/", {"role": "admin"}, content_type="application/json")

    assert response.status_code == 404
    assert Membership.objects.get(pk=b_membership.pk).role == "agent"
