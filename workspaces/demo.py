"""The demo workspace `make run` leaves a newcomer in: `demo`, with demo@example.com / demo."""

from django.contrib.auth import get_user_model
from django.db import transaction

from workspaces import services
from workspaces.models import Membership, Role, Workspace

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Company"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo"  # a demo login on a dev machine: deliberately simple, printed by `make run`


def ensure_demo_workspace() -> Workspace:
    """Idempotent: a second `make run` finds everything in place and changes nothing."""
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.filter(username=DEMO_EMAIL).first()
        if user is None:
            # Bypasses the password validators on purpose: "demo" is the documented demo password.
            user = User.objects.create_user(username=DEMO_EMAIL, email=DEMO_EMAIL, password=DEMO_PASSWORD,
                                            first_name="Demo", last_name="Agent")
    workspace = Workspace.objects.filter(slug=DEMO_SLUG).first()
    if workspace is None:
        workspace = services.workspace_create(slug=DEMO_SLUG, name=DEMO_NAME, owner=user)
    Membership.objects.get_or_create(user=user, workspace=workspace, defaults={"role": Role.OWNER})
    ensure_demo_session(workspace)
    return workspace


def ensure_demo_session(workspace: Workspace) -> None:
    """A sandbox number whose simulated customers answer. The row is made here; a worker's
    reconcile starts it on the bridge as soon as both are up (no need to wait for the bridge)."""
    import os

    from django_tenants.utils import schema_context

    from sessions_wa.models import Engine, SessionStatus, WhatsAppSession

    with schema_context(workspace.schema_name):
        if WhatsAppSession.objects.filter(deleted_at__isnull=True).exists():
            return
        auto_reply = os.environ.get("DEMO_SANDBOX_AUTO_REPLY", "true").lower() in ("1", "true", "yes")
        WhatsAppSession.objects.create(
            id=f"{workspace.schema_name}.demo", name="Demo number (sandbox)", engine=Engine.SANDBOX,
            status=SessionStatus.STARTING, reason="Waiting for the bridge.",
            options={"qr_scan_delay_ms": 2000, "auto_reply": auto_reply, "seed": 7},
        )
