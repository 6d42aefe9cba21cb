"""The default world every test starts in (Sentry's testutils/fixtures.py manner).

Two workspaces, `acme` (A) and `globex` (B), are created once per test session with their schemas
migrated (creating a schema is the slow part, so it is done once, as django-tenants'
FastTenantTestCase does). Each has an owner and an agent. Tests run inside a transaction that is
rolled back, so whatever a test writes, schemas included, disappears after it.
"""

from __future__ import annotations

import contextlib

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
def _throttles_of_its_own(settings):
    """Each test counts its own login failures and signups (the counters live in Redis, which no
    test transaction rolls back)."""
    import uuid

    settings.RATELIMIT_NAMESPACE = f"test-{uuid.uuid4().hex}"


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


# --- the real stack (integration tests) ------------------------------------------------------------


def pytest_itemcollected(item):
    """A test of the real stack is an integration test with database access, whether or not its
    file says so: pytest-django runs database tests before transactional ones, whose flush at the
    end would delete the stack's committed workspaces under a later, unmarked test (a 4404 host)."""
    if "stack" in getattr(item, "fixturenames", ()):
        if item.get_closest_marker("integration") is None:
            item.add_marker(pytest.mark.integration)
        if item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db)


SANDBOX_TEST_OPTIONS = {
    "qr_scan_delay_ms": 0,
    "ack_delays_ms": {"sent": 40, "delivered": 80, "read": 140, "played": 180},
    "auto_reply": False,
    "seed": 42,
    "fail_numbers": ["6289900000000"],
}


class StackWorkspace:
    """A workspace of the integration world: committed for real, seen by the stack's processes."""

    def __init__(self, stack, slug: str):
        from django_tenants.utils import schema_context

        from sessions_wa import services as sessions
        from workspaces import services
        from workspaces.models import Workspace

        connection.set_schema_to_public()
        self.workspace = Workspace.objects.filter(slug=slug).first()
        if self.workspace is None:
            owner = services.user_get_or_create(email=f"owner@{slug}.test", password=PASSWORD)
            self.workspace = services.workspace_create(slug=slug, name=slug.title(), owner=owner)
        self.owner = services.user_get_or_create(email=f"owner@{slug}.test", password=None)
        _key, self.api_key = services.api_key_create(workspace=self.workspace, name="integration")
        with schema_context(self.workspace.schema_name):
            self.session = sessions.session_create(engine="sandbox", name="test number",
                                                   options=SANDBOX_TEST_OPTIONS)
        self.stack = stack
        self.host = self.workspace.host
        self.schema = self.workspace.schema_name

    def api(self):
        return self.stack.http(self.host, Authorization=f"Bearer {self.api_key}")

    @contextlib.contextmanager
    def admin(self):
        """An HTTP client with the owner logged in on the workspace's host (session and CSRF token):
        for what no API key may do (numbers, webhooks, members, keys: workspaces/scopes.py)."""
        with self.stack.http(self.host) as client:
            client.get("/login/")
            response = client.post("/login/", data={"email": self.owner.email, "password": PASSWORD,
                                                    "csrfmiddlewaretoken": client.cookies["blazz_csrftoken"]})
            assert response.status_code == 302, response.text[:300]
            client.headers["X-CSRFToken"] = client.cookies["blazz_csrftoken"]
            yield client


@pytest.fixture(scope="session")
def stack(django_db_setup, django_db_blocker):
    """daphne, a Celery worker and the bridge, against the test database and Redis."""
    import base64
    import secrets

    from django.conf import settings

    from blazz.dev.realstack import Stack, database_url
    from sessions_wa import bridge
    from webhooks.inbound import verify as webhook_verify

    settings.BRIDGE_TOKEN = settings.BRIDGE_TOKEN or secrets.token_urlsafe(24)
    settings.BRIDGE_WEBHOOK_SECRET = settings.BRIDGE_WEBHOOK_SECRET or "whsec_" + base64.b64encode(
        secrets.token_bytes(24)).decode()
    running = Stack(
        database_url=database_url(connection.settings_dict), redis_url=settings.REDIS_URL,
        secret_key=settings.SECRET_KEY, bridge_token=settings.BRIDGE_TOKEN,
        webhook_secret=settings.BRIDGE_WEBHOOK_SECRET,
    )
    settings.BRIDGE_URL = running.bridge_url
    settings.INTERNAL_BASE_URL = running.web_url
    bridge._client = None
    webhook_verify._verifier = None
    try:
        running.start()
    except Exception:
        running.stop()
        raise
    yield running
    running.stop()


@pytest.fixture
def sweeping_beat(stack):
    """Celery beat beside the stack for one test, as `make run` runs it, with the send sweep every
    second (the product's default is 5 s): what a test leaves to beat's sweeps happens for real."""
    import uuid
    from pathlib import Path

    from blazz.dev.realstack import Process

    celery = Path(__file__).resolve().parent / ".venv" / "bin" / "celery"
    beat = Process("beat-sweep", [str(celery), "-A", "blazz", "beat", "-l", "WARNING",
                                  "-s", str(stack.dir / f"beat-{uuid.uuid4().hex}")],
                   {**stack.env, "SEND_SWEEP_SECONDS": "1"}, stack.dir).start()
    yield beat
    beat.stop()


@pytest.fixture(scope="session")
def live(stack, django_db_blocker):
    """Database access outside any test transaction: what a test writes here is committed."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="session")
def stack_a(stack, live) -> StackWorkspace:
    return StackWorkspace(stack, "stacka")


@pytest.fixture(scope="session")
def stack_b(stack, live) -> StackWorkspace:
    return StackWorkspace(stack, "stackb")


@pytest.fixture(scope="session")
def stack_c(stack, live) -> StackWorkspace:
    """For tests that change the workspace itself (suspension)."""
    return StackWorkspace(stack, "stackc")
