"""An agent's own mute of a chat: REST (until a time or for good, idempotent), who hears of it (that
member's sockets only), API keys, ended mutes, and the other workspace's side."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from blazz.core import events, publisher
from chats.models import ChatMute
from chats.tests.test_api import inbound
from conftest import host_client
from sessions_wa.models import SessionStatus, WhatsAppSession


@pytest.fixture
def contact_id(world):
    with schema_context(world.ws_a.schema_name):
        session = WhatsAppSession.objects.create(id="ws_acme.mute", engine="sandbox",
                                                 status=SessionStatus.CONNECTED, phone="+628000000001")
    return inbound(world, session, "halo").contact_id


@pytest.fixture
def sent(monkeypatch):
    """The events published (to Redis) after each commit, with their groups."""
    frames = []
    monkeypatch.setattr(publisher, "_to_redis",
                        lambda schema, built, *_frame: frames.extend((e, e.groups(schema)) for e in built))
    return frames


def put(client, contact_id, body):
    return client.put(f"/api/v1/contacts/{contact_id}/mute/", body, content_type="application/json")


def test_mute_for_good_then_until_a_time_then_unmute(world, client_a, contact_id, sent,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = put(client_a, contact_id, {})
    assert first.status_code == 200 and first.json()["muted_until"] is None
    assert client_a.get("/api/v1/mutes/").json() == [first.json()]
    (event, groups), = sent
    assert isinstance(event, events.ChatMuted) and event.payload() == {
        "contact_id": contact_id, "user_id": world.owner_a.pk, "muted": True, "muted_until": None}
    assert groups == [events.user_group(world.ws_a.schema_name, world.owner_a.pk)]  # only their devices
    assert events.frame_problems(events.frame(event, 3)) == []

    with django_capture_on_commit_callbacks(execute=True):
        assert put(client_a, contact_id, {"until": None}).status_code == 200
    assert len(sent) == 1  # a repeat changes nothing and tells nobody

    until = timezone.now() + dt.timedelta(hours=8)
    with django_capture_on_commit_callbacks(execute=True):
        timed = put(client_a, contact_id, {"until": until.isoformat()})
    assert dt.datetime.fromisoformat(timed.json()["muted_until"]) == until
    assert sent[-1][0].muted_until == until.isoformat()

    with django_capture_on_commit_callbacks(execute=True):
        assert client_a.delete(f"/api/v1/contacts/{contact_id}/mute/").status_code == 204
        assert client_a.delete(f"/api/v1/contacts/{contact_id}/mute/").status_code == 204
    assert [e.muted for e, _ in sent] == [True, True, False]
    assert client_a.get("/api/v1/mutes/").json() == []


def test_a_mute_is_the_members_own(world, client_a, contact_id):
    assert put(client_a, contact_id, {}).status_code == 200
    agent = host_client(world.ws_a, world.agent_a)
    assert agent.get("/api/v1/mutes/").json() == []


def test_a_mute_that_ended_is_not_listed(world, client_a, contact_id):
    put(client_a, contact_id, {"until": (timezone.now() + dt.timedelta(hours=1)).isoformat()})
    with schema_context(world.ws_a.schema_name):
        ChatMute.objects.update(muted_until=timezone.now() - dt.timedelta(seconds=1))
    assert client_a.get("/api/v1/mutes/").json() == []


@pytest.mark.parametrize("until", ["yesterday", "2001-01-01T00:00:00Z", "2999-01-01T00:00:00Z"])
def test_a_bad_end_is_a_400_naming_until(client_a, contact_id, until):
    response = put(client_a, contact_id, {"until": until})
    assert response.status_code == 400 and "until" in response.json()["error"]["fields"]


def test_an_api_key_has_no_mutes(world, api_key_a, contact_id):
    client = host_client(world.ws_a, HTTP_AUTHORIZATION=f"Bearer {api_key_a}")
    assert client.get("/api/v1/mutes/").json()["error"]["code"] == "session_required"  # keys never reach the member-only views (workspaces/scopes.py)
    assert put(client, contact_id, {}).status_code == 403


def test_another_workspaces_chat_is_a_404_and_its_mutes_stay_apart(world, client_a, client_b, contact_id):
    assert put(client_b, contact_id, {}).json()["error"]["code"] == "contact_not_found"
    assert client_b.delete(f"/api/v1/contacts/{contact_id}/mute/").status_code == 404
    put(client_a, contact_id, {})
    assert client_b.get("/api/v1/mutes/").json() == []
