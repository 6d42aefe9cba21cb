"""A workspace has at most Workspace.max_sessions WhatsApp numbers at once (a superuser's plan
limit, default 5): each webjs number runs a Chromium on a shared bridge."""

from django.utils import timezone
from django_tenants.utils import schema_context

from conftest import host_client
from sessions_wa.models import WhatsAppSession
from workspaces.models import Workspace


def _add(client):
    return client.post("/api/v1/sessions/", {"engine": "sandbox"}, content_type="application/json")


def test_the_default_limit_is_five():
    assert Workspace._meta.get_field("max_sessions").default == 5


def test_a_workspace_at_its_limit_gets_409_and_another_workspace_is_not_affected(world, client_a, client_b, settings):
    settings.BRIDGE_URL = "http://127.0.0.1:9"  # nothing listens: sessions stay `starting`
    Workspace.objects.filter(pk=world.ws_a.pk).update(max_sessions=2)
    with schema_context(world.ws_a.schema_name):
        already = WhatsAppSession.objects.filter(deleted_at__isnull=True).count()
    Workspace.objects.filter(pk=world.ws_a.pk).update(max_sessions=already + 2)

    assert [_add(client_a).status_code for _ in range(2)] == [201, 201]
    refused = _add(client_a)

    assert refused.status_code == 409 and refused.json()["error"]["code"] == "session_limit_reached"
    with schema_context(world.ws_a.schema_name):
        assert WhatsAppSession.objects.filter(deleted_at__isnull=True).count() == already + 2
    assert _add(client_b).status_code == 201


def test_a_removed_number_frees_its_place(world, client_a, settings):
    settings.BRIDGE_URL = "http://127.0.0.1:9"
    with schema_context(world.ws_a.schema_name):
        already = WhatsAppSession.objects.filter(deleted_at__isnull=True).count()
    Workspace.objects.filter(pk=world.ws_a.pk).update(max_sessions=already + 1)
    assert _add(client_a).status_code == 201
    assert _add(client_a).status_code == 409

    with schema_context(world.ws_a.schema_name):
        WhatsAppSession.objects.filter(deleted_at__isnull=True).update(deleted_at=timezone.now())

    assert _add(host_client(world.ws_a, world.owner_a)).status_code == 201
