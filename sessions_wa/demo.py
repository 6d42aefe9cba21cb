"""The demo workspace `make run` leaves a newcomer in: `demo`, with demo@example.com / demo."""

from django.contrib.auth import get_user_model
from django.db import transaction

from workspaces import services
from workspaces.models import Membership, Role, Workspace

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Company"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo"  # a demo login on a dev machine: deliberately simple, printed by `make run`
# Two of the sandbox's customers write first once the number is paired: the inbox opens on
# conversations to answer (each of them answers back: auto_reply). They speak the workspace's
# language (`seed_demo --language id|en`), as the sandbox's replies and history then do.
DEMO_GREETINGS = {
    "en": [
        {"from": "6281100000001", "body": "Hi! I ordered the blue dress on Monday. Has it shipped yet?",
         "after_ms": 1500},
        {"from": "6281100000002", "body": "Good morning, do you deliver to Bandung?", "after_ms": 4000},
    ],
    "id": [
        {"from": "6281100000001", "body": "Halo kak! Saya pesan gaun biru hari Senin. Sudah dikirim belum?",
         "after_ms": 1500},
        {"from": "6281100000002", "body": "Selamat pagi, bisa kirim ke Bandung?", "after_ms": 4000},
    ],
}


def ensure_demo_workspace(language: str | None = None) -> Workspace:
    """Idempotent: a second `make run` finds everything in place and changes nothing. `language`
    (en, id) sets the workspace's language, which its demo customers then speak."""
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
    if language and workspace.language != language:
        workspace.language = language
        workspace.save(update_fields=["language"])
    ensure_demo_session(workspace)
    return workspace


def ensure_demo_session(workspace: Workspace) -> None:
    """A sandbox number whose simulated customers answer. The row is made here; a worker's
    reconcile starts it on the bridge as soon as both are up (no need to wait for the bridge)."""
    import os

    from django_tenants.utils import schema_context

    from sessions_wa.models import Engine, SessionStatus, WhatsAppSession

    language = workspace.language if workspace.language in DEMO_GREETINGS else "en"
    with schema_context(workspace.schema_name):
        if WhatsAppSession.objects.filter(deleted_at__isnull=True).exists():
            return
        auto_reply = os.environ.get("DEMO_SANDBOX_AUTO_REPLY", "true").lower() in ("1", "true", "yes")
        WhatsAppSession.objects.create(
            id=f"{workspace.schema_name}.demo", name="Demo number (sandbox)", engine=Engine.SANDBOX,
            status=SessionStatus.STARTING, reason="Waiting for the bridge.",
            options={"qr_scan_delay_ms": 2000, "auto_reply": auto_reply, "seed": 7, "language": language,
                     "greetings": DEMO_GREETINGS[language]},
        )
