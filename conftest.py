"""The default world every test starts in (Sentry's testutils/fixtures.py manner).

Two workspaces, `acme` (A) and `globex` (B), are created once per test session with their schemas
migrated (creating a schema is the slow part, so it is done once, as django-tenants'
FastTenantTestCase does). Each has an owner and an agent. Tests run inside a transaction that is
rolled back, so whatever a test writes, schemas included, disappears after it.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from workspaces.middleware import SESSION_WORKSPACE_KEY

PASSWORD = "correct-horse-battery-staple"


class World:
    def __init__(self):
        from django.contrib.auth import get_user_model

        from workspaces import services
        from workspaces.models import Membership, Role, Workspace

        User = get_user_model()
        connection.set_schema_to_public()
        self.ws_a = Workspace.objects.filter(slug="acme").first()
        if self.ws_a is None:
            self.owner_a = services.user_get_or_create(email="owner@acme.test", password=PASSWORD)
            self.ws_a = services.workspace_create(slug="acme", name="Acme", owner=self.owner_a)
            self.owner_b = services.user_get_or_create(email="owner@globex.test", password=PASSWORD)
            self.ws_b = services.workspace_create(slug="globex", name="Globex", owner=self.owner_b)
            self.agent_a = User.objects.create_user(username="agent@acme.test", email="agent@acme.test", password=PASSWORD)
            Membership.objects.create(user=self.agent_a, workspace=self.ws_a, role=Role.AGENT)
            self.agent_b = User.objects.create_user(username="agent@globex.test", email="agent@globex.test", password=PASSWORD)
            Membership.objects.create(user=self.agent_b, workspace=self.ws_b, role=Role.AGENT)
        else:
            self.ws_b = Workspace.objects.get(slug="globex")
            self.owner_a = User.objects.get(username="owner@acme.test")
            self.owner_b = User.objects.get(username="owner@globex.test")
            self.agent_a = User.objects.get(username="agent@acme.test")
            self.agent_b = User.objects.get(username="agent@globex.test")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        World()
    yield


@pytest.fixture
def world(db) -> World:
    return World()


@pytest.fixture(autouse=True)
def _public_schema_between_tests():
    """A request leaves the connection on its tenant's schema; every test starts on public."""
    yield
    if hasattr(connection, "set_schema_to_public"):
        connection.set_schema_to_public()


def host_client(workspace=None, user=None, **headers) -> Client:
    """A test client on a workspace's host (or the public host), optionally logged in there."""
    host = workspace.host if workspace is not None else "localhost"
    client = Client(HTTP_HOST=host, **headers)
    if user is not None:
        client.force_login(user)
        session = client.session
        session[SESSION_WORKSPACE_KEY] = workspace.schema_name if workspace is not None else "public"
        session.save()
    return client


@pytest.fixture
def public_client(db) -> Client:
    return host_client()


@pytest.fixture
def client_a(world) -> Client:
    """Acme's owner, logged in on acme's host."""
    return host_client(world.ws_a, world.owner_a)


@pytest.fixture
def client_b(world) -> Client:
    return host_client(world.ws_b, world.owner_b)


@pytest.fixture
def api_key_a(world) -> str:
    from workspaces import services

    _key, raw = services.api_key_create(workspace=world.ws_a, name="crm")
    return raw


@pytest.fixture
def api_key_b(world) -> str:
    from workspaces import services

    _key, raw = services.api_key_create(workspace=world.ws_b, name="crm")
    return raw
