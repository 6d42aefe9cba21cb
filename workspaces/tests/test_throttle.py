"""Login, signup and invitation acceptance are throttled per account and per address, with
backoff (workspaces/throttle.py on django-ratelimit and Redis)."""

import pytest

from conftest import PASSWORD, host_client
from workspaces import throttle


class Clock:
    """django-ratelimit's clock, held still (windows are fixed: a test must not straddle one's end)."""

    def __init__(self):
        self.now = 1_800_000_000.0

    def time(self):
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    import django_ratelimit.core

    held = Clock()
    monkeypatch.setattr(django_ratelimit.core, "time", held)
    return held


def _login(client, password, email="owner@acme.test"):
    return client.post("/login/", {"email": email, "password": password})


def test_wrong_passwords_lock_the_account_even_for_the_right_one_then_it_opens_again(world, clock):
    client = host_client(world.ws_a)
    for _ in range(5):
        assert _login(client, "wrong-guess").status_code == 401

    locked = _login(client, PASSWORD)
    assert locked.status_code == 429 and b"Too many attempts" in locked.content

    clock.now += 61  # the minute's window is over; the hour's (20) is not full
    assert _login(client, PASSWORD).status_code == 302


def test_the_account_lock_holds_on_every_host_and_from_every_address(world):
    for attempt in range(5):
        client = host_client(world.ws_a if attempt % 2 else None, REMOTE_ADDR=f"10.0.0.{attempt}")
        assert _login(client, "wrong-guess").status_code == 401

    other_address = host_client(None, REMOTE_ADDR="10.9.9.9")
    assert _login(other_address, PASSWORD).status_code == 429
    # another account from that address is not locked
    assert host_client(world.ws_b, REMOTE_ADDR="10.9.9.9").post(
        "/login/", {"email": "owner@globex.test", "password": PASSWORD}).status_code == 302


def test_one_address_guessing_many_accounts_is_locked(world):
    client = host_client(None, REMOTE_ADDR="10.1.1.1")
    for n in range(30):
        assert _login(client, "wrong-guess", email=f"nobody{n}@acme.test").status_code == 401

    assert _login(client, PASSWORD).status_code == 429
    assert _login(host_client(None, REMOTE_ADDR="10.1.1.2"), PASSWORD).status_code == 302


def test_the_backoff_grows_with_the_tiers(clock):
    limit = throttle.Limit("test-tiers", ("2/m", "3/h"))
    for _ in range(2):
        throttle.record(limit, "k")
    assert 0 < throttle.wait_seconds(limit, "k") <= 60

    clock.now += 60
    assert throttle.wait_seconds(limit, "k") == 0
    throttle.record(limit, "k")  # the hour's third
    clock.now += 60
    assert 0 < throttle.wait_seconds(limit, "k") <= 3600  # a new minute, and still waiting: the hour's


def test_signups_are_throttled_per_address(db):
    client = host_client(None, REMOTE_ADDR="10.2.2.2")
    for n in range(5):
        response = client.post("/api/v1/signup/", {"email": "", "password": "", "slug": "", "name": ""},
                               content_type="application/json")
        assert response.status_code == 400

    response = client.post("/api/v1/signup/", {}, content_type="application/json")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled" and int(response["Retry-After"]) > 0
    assert host_client(None, REMOTE_ADDR="10.2.2.2").post("/signup/", {}).status_code == 429


def test_guessing_an_account_s_password_through_an_invitation_is_throttled(world, client_a):
    invite_url = client_a.post("/api/v1/members/", {"email": "owner@globex.test"},
                               content_type="application/json").json()["invite_url"]
    path = invite_url.split(":8000", 1)[1]
    for n in range(5):
        assert host_client(world.ws_a, REMOTE_ADDR=f"10.3.3.{n}").post(path, {"password": "guess"}).status_code == 401

    assert host_client(world.ws_a, REMOTE_ADDR="10.3.4.4").post(path, {"password": PASSWORD}).status_code == 429


@pytest.mark.parametrize("limit", [throttle.LOGIN_FAILURES_PER_ACCOUNT, throttle.SIGNUPS_PER_IP])
def test_every_limit_backs_off_minute_then_hour(limit):
    assert [rate[-1] for rate in limit.rates][:2] == ["m", "h"]
