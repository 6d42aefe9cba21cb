from conftest import PASSWORD, host_client


def test_public_login_lists_the_users_workspaces(world, public_client):
    response = public_client.post("/login/", {"email": "owner@acme.test", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/workspaces/"

    page = public_client.get("/workspaces/")

    assert b"Acme" in page.content and b"Globex" not in page.content


def test_public_login_wrong_password_is_401(world, public_client):
    response = public_client.post("/login/", {"email": "owner@acme.test", "password": "nope"})
    assert response.status_code == 401


def test_picking_a_workspace_hands_the_login_to_its_host(world, public_client):
    public_client.post("/login/", {"email": "owner@acme.test", "password": PASSWORD})
    location = public_client.get("/workspaces/?go=acme")["Location"]
    assert location.startswith("http://acme.localhost:8000/auth/handoff/")

    acme = host_client(world.ws_a)
    acme.get(location.split(":8000", 1)[1])

    assert acme.get("/api/v1/me/").status_code == 200


def test_picking_a_workspace_one_is_not_a_member_of_does_nothing(world, public_client):
    public_client.post("/login/", {"email": "owner@acme.test", "password": PASSWORD})
    assert public_client.get("/workspaces/?go=globex").status_code == 200


def test_handoff_token_for_another_workspace_is_refused(world):
    from workspaces import services

    token = services.login_handoff_token(user=world.owner_a, workspace=world.ws_a)
    globex = host_client(world.ws_b)

    response = globex.get(f"/auth/handoff/?token={token}")

    assert response["Location"] == "/login/"
    assert globex.get("/api/v1/me/").status_code in (401, 403)


def test_workspace_login_admits_members(world):
    client = host_client(world.ws_a)

    response = client.post("/login/", {"email": "agent@acme.test", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/api/v1/me/").json()["role"] == "agent"


def test_workspace_login_refuses_a_non_member_with_a_clear_403_page(world):
    client = host_client(world.ws_a)

    response = client.post("/login/", {"email": "owner@globex.test", "password": PASSWORD})

    assert response.status_code == 403
    assert b"not a member" in response.content
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_login_page_renders_on_a_workspace_host(world):
    response = host_client(world.ws_a).get("/login/")
    assert response.status_code == 200 and b"Log in to Acme" in response.content


def test_unknown_workspace_host_is_404(db):
    from django.test import Client

    response = Client(HTTP_HOST="nobody.localhost").get("/")
    assert response.status_code == 404
    assert Client(HTTP_HOST="nobody.localhost").get("/api/v1/me/").json()["error"]["code"] == "not_found"
