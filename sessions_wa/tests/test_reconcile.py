"""The sessions reconcile (sessions_wa/services.py `sessions_reconcile`) against a fake bridge:
what it asks the bridge to do for a workspace that runs and for one that is suspended."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from sessions_wa import bridge, services
from sessions_wa.models import SessionStatus, WhatsAppSession


class FakeBridge:
    """The bridge's session routes, recorded: `running` maps a session id to its info."""

    def __init__(self, monkeypatch):
        self.running: dict[str, dict] = {}
        self.calls: list[tuple[str, str]] = []

        def session_get(session_id):
            self.calls.append(("get", session_id))
            if session_id not in self.running:
                raise bridge.BridgeError(404, "session_not_found", "no such session")
            return self.running[session_id]

        def session_stop(session_id):
            self.calls.append(("stop", session_id))
            info = self.running[session_id] = {"status": "disconnected", "reason": services.BRIDGE_STOPPED_REASON}
            return info

        def session_start(session_id):
            self.calls.append(("start", session_id))
            info = self.running[session_id] = {"status": "connected", "reason": ""}
            return info

        def session_create(*, session_id, engine, workspace, options):
            self.calls.append(("create", session_id))
            info = self.running[session_id] = {"status": "connected", "reason": ""}
            return info

        for name, fn in (("session_get", session_get), ("session_stop", session_stop),
                         ("session_start", session_start), ("session_create", session_create)):
            monkeypatch.setattr(bridge, name, fn)

    def writes(self):
        return [call for call in self.calls if call[0] != "get"]


@pytest.fixture
def fake_bridge(monkeypatch):
    return FakeBridge(monkeypatch)


def session_in(workspace, status=SessionStatus.CONNECTED) -> WhatsAppSession:
    with schema_context(workspace.schema_name):
        return WhatsAppSession.objects.create(id=f"{workspace.schema_name}.test", engine="sandbox", status=status)


def suspend(workspace, value=True):
    connection.set_schema_to_public()
    type(workspace).objects.filter(pk=workspace.pk).update(is_suspended=value)


def test_the_reconcile_of_a_suspended_workspace_stops_a_session_running_on_the_bridge(world, fake_bridge):
    session = session_in(world.ws_a)
    fake_bridge.running[session.id] = {"status": "connected", "reason": ""}
    suspend(world.ws_a)

    with schema_context(world.ws_a.schema_name):
        counts = services.sessions_reconcile()

    assert counts["stopped"] == 1
    assert fake_bridge.writes() == [("stop", session.id)]
    with schema_context(world.ws_a.schema_name):
        assert WhatsAppSession.objects.get(pk=session.id).status == SessionStatus.DISCONNECTED


def test_a_suspended_workspace_s_session_the_bridge_does_not_know_is_not_started(world, fake_bridge):
    session = session_in(world.ws_a, status=SessionStatus.STARTING)
    suspend(world.ws_a)

    with schema_context(world.ws_a.schema_name):
        services.sessions_reconcile()
        started = services.session_start_on_bridge(session=session)

    assert fake_bridge.writes() == []
    assert started.status == SessionStatus.STARTING  # the reconcile after the resume starts it


def test_after_the_resume_the_reconcile_starts_the_stopped_session_again(world, fake_bridge):
    session = session_in(world.ws_a)
    fake_bridge.running[session.id] = {"status": "disconnected", "reason": services.BRIDGE_STOPPED_REASON}

    with schema_context(world.ws_a.schema_name):
        counts = services.sessions_reconcile()

    assert counts["started"] == 1 and fake_bridge.writes() == [("start", session.id)]
