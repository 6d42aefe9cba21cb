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


def _csrf_client(world, origin: str):
    from django.test import Client

    # With the port: the old default trusted `http://*.localhost:8000`, every workspace's pages.
    client = Client(HTTP_HOST=f"{world.ws_a.host}:8000", enforce_csrf_checks=True, HTTP_ORIGIN=origin)
    client.get("/login/")
    return client, client.cookies["blazz_csrftoken"].value


def test_a_form_post_from_another_workspace_s_page_is_refused(world):
    client, token = _csrf_client(world, f"http://{world.ws_b.host}:8000")
    response = client.post("/login/", {"email": "owner@acme.test", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 403

    client, token = _csrf_client(world, f"http://{world.ws_a.host}:8000")
    response = client.post("/login/", {"email": "owner@acme.test", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_logout_is_post_only(world):
    client = host_client(world.ws_a, world.owner_a)

    assert client.get("/logout/").status_code == 405
    assert client.get("/api/v1/me/").status_code == 200  # still logged in
    assert client.post("/logout/").status_code == 302
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_secure_cookies_follow_https(monkeypatch):
    import subprocess
    import sys

    probe = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='blazz.settings'; django.setup(); " \
            "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    for scheme, expected in (("https", "True True"), ("http", "False False")):
        env = {**__import__("os").environ, "SITE_SCHEME": scheme, "SECRET_KEY": "x" * 50}
        out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.split()[-2:] == expected.split()
