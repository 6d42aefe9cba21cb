"""REST rate limits per API key and per signed-in member, in Redis (workspaces/ratelimit.py): the
RateLimit-* headers on every counted answer, 429 `rate_limited` with Retry-After past the limit,
and one workspace's traffic never spending another's allowance."""

import pytest

from conftest import host_client
from workspaces import ratelimit, services


class Clock:
    """The module's clock, held still (windows are fixed: a test must not straddle one's end)."""

    def __init__(self):
        self.now = 1_800_000_010.0  # 10 s into a minute

    def time(self):
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    held = Clock()
    monkeypatch.setattr(ratelimit, "time", held)
    return held


def key_client(workspace, name="crm"):
    _key, raw = services.api_key_create(workspace=workspace, name=name)
    return host_client(workspace, HTTP_AUTHORIZATION=f"Bearer {raw}")


def limits(response):
    return (response.get("RateLimit-Limit"), response.get("RateLimit-Remaining"), response.get("RateLimit-Reset"))


def test_a_key_s_answers_count_down_then_429_rate_limited_with_retry_after(world, settings, clock):
    settings.API_RATE_LIMIT_PER_KEY = "3/m"
    crm = key_client(world.ws_a)

    answers = [crm.get("/api/v1/contacts/") for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert [limits(r) for r in answers] == [("3", "2", "50"), ("3", "1", "50"), ("3", "0", "50")]
    assert all("Retry-After" not in r for r in answers)

    refused = crm.get("/api/v1/contacts/")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused["Retry-After"] == "50" and limits(refused) == ("3", "0", "50")

    clock.now += 50  # the next minute: a fresh allowance
    again = crm.get("/api/v1/contacts/")
    assert again.status_code == 200 and limits(again) == ("3", "2", "60")


def test_an_error_answer_of_a_counted_request_carries_the_headers_too(world, settings):
    settings.API_RATE_LIMIT_PER_KEY = "5/m"
    response = key_client(world.ws_a).get("/api/v1/contacts/999999999/")
    assert response.status_code == 404 and limits(response) == ("5", "4", "50")


def test_a_key_that_used_up_its_limit_leaves_the_other_workspace_s_keys_and_its_own_other_keys_alone(
        world, settings):
    settings.API_RATE_LIMIT_PER_KEY = "2/m"
    a, a_other, b = key_client(world.ws_a), key_client(world.ws_a, "other"), key_client(world.ws_b)
    for _ in range(2):
        assert a.get("/api/v1/contacts/").status_code == 200
    assert a.get("/api/v1/contacts/").status_code == 429

    from_b = b.get("/api/v1/contacts/")
    assert from_b.status_code == 200 and limits(from_b)[:2] == ("2", "1")
    assert a_other.get("/api/v1/contacts/").status_code == 200


def test_a_signed_in_member_is_limited_on_their_own(world, settings, client_a, client_b):
    settings.API_RATE_LIMIT_PER_USER = "2/m"
    for _ in range(2):
        assert client_a.get("/api/v1/chats/").status_code == 200
    refused = client_a.get("/api/v1/chats/")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert int(refused["Retry-After"]) > 0

    assert client_b.get("/api/v1/chats/").status_code == 200  # the other workspace's owner
    assert host_client(world.ws_a, world.agent_a).get("/api/v1/chats/").status_code == 200  # a colleague


def test_a_request_nobody_is_counted_for_has_no_headers(db, settings):
    settings.API_RATE_LIMIT_PER_USER = "1/m"
    response = host_client(None).post("/api/v1/signup/", {}, content_type="application/json")
    assert response.status_code == 400 and "RateLimit-Limit" not in response


def test_redis_out_of_reach_lets_requests_through(world, settings, monkeypatch):
    settings.API_RATE_LIMIT_PER_KEY = "1/m"

    def unreachable(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(ratelimit, "take", unreachable)
    crm = key_client(world.ws_a)
    assert [crm.get("/api/v1/contacts/").status_code for _ in range(3)] == [200, 200, 200]


@pytest.mark.parametrize("text,rate", [("600/m", (600, 60)), ("10/s", (10, 1)), ("5000/hour", (5000, 3600)),
                                       ("7/d", (7, 86400))])
def test_rates_read_as_count_per_period(text, rate):
    assert ratelimit.Rate.parse(text) == ratelimit.Rate(*rate)


@pytest.mark.parametrize("text", ["600", "0/m", "x/m", "10/w", ""])
def test_a_bad_rate_is_refused(text):
    with pytest.raises(ValueError):
        ratelimit.Rate.parse(text)
