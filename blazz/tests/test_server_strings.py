"""Every server sentence a user can see goes through gettext (and so has its Indonesian line in
locale/id, checked by workspaces/tests/test_locale.py): error messages, the thread's system lines,
failure reasons, the TXT export, the invitation email. The modules only the bridge talks to
(machine-to-machine) are left out."""

import ast
from pathlib import Path

from django.conf import settings
from django.core import mail
from django_tenants.utils import schema_context

from conftest import host_client
from workspaces.models import Workspace

ERROR_CALLS = {"DomainError", "NotFound", "Conflict", "Forbidden", "error_response"}
MACHINE_ONLY = ("webhooks/inbound/", "chats/internal.py", "nodes/views.py", "blazz/dev/")


def _called(node) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def test_no_error_message_is_a_bare_string():
    root = Path(settings.BASE_DIR)
    bare = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith((".venv", "frontend", "bridge", ".data")) or "/tests/" in relative \
                or "/migrations/" in relative or relative.startswith(MACHINE_ONLY):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and _called(node) in ERROR_CALLS:
                message = node.args[1] if len(node.args) > 1 else next(
                    (k.value for k in node.keywords if k.arg == "message"), None)
                if isinstance(message, ast.JoinedStr) or (isinstance(message, ast.Constant) and message.value):
                    bare.append(f"{relative}:{node.lineno}")
    assert bare == [], "wrap these messages in gettext: " + ", ".join(bare)


def test_failure_reasons_and_the_txt_export_speak_their_readers_language(world, client_a):
    from chats.language import said
    from chats.services.status import ACK_ERROR_REASON
    from chats.tests.test_api import inbound
    from sessions_wa.models import SessionStatus, WhatsAppSession

    Workspace.objects.filter(pk=world.ws_a.pk).update(language="id")
    with schema_context(world.ws_a.schema_name):
        # What Blazz writes for everyone (a failure reason) is in the workspace's language.
        assert said(ACK_ERROR_REASON) == "WhatsApp melaporkan galat saat mengirim pesan ini."
        session = WhatsAppSession.objects.create(id="ws_acme.i18n", engine="sandbox", status=SessionStatus.CONNECTED,
                                                 phone="+628000000001")
    contact_id = inbound(world, session, "halo").contact_id

    export = host_client(world.ws_a, world.owner_a, HTTP_ACCEPT_LANGUAGE="id").get(
        f"/api/v1/contacts/{contact_id}/export/?format=txt")
    assert b"".join(export.streaming_content).decode().startswith("Chat dengan Budi (+6281234567890). Waktu: ")
    english = host_client(world.ws_a, world.owner_a, HTTP_ACCEPT_LANGUAGE="en").get(
        f"/api/v1/contacts/{contact_id}/export/?format=txt")
    assert b"".join(english.streaming_content).decode().startswith("Chat with Budi")
    # The CSV's header row is a machine contract (spreadsheet and CRM imports map columns by name):
    # the same in every language; only the zone in the time column's name follows the reader.
    headers = {language: b"".join(host_client(world.ws_a, world.owner_a, HTTP_ACCEPT_LANGUAGE=language).get(
        f"/api/v1/contacts/{contact_id}/export/?format=csv").streaming_content).decode().splitlines()[0]
        for language in ("id", "en")}
    assert headers["id"] == headers["en"] == ("timestamp (Asia/Jakarta),direction,sender,type,body,caption,status,"
                                              "edited,revoked,wa_message_id")


def test_the_invitation_email_is_in_the_workspaces_language(world, client_a, settings,
                                                              django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Workspace.objects.filter(pk=world.ws_a.pk).update(language="id")

    with django_capture_on_commit_callbacks(execute=True):
        client_a.post("/api/v1/members/", {"email": "new@acme.test"}, content_type="application/json")

    assert mail.outbox and mail.outbox[-1].subject == "Bergabung dengan Acme di Blazz"
    assert "mengundang Anda ke Acme di Blazz" in mail.outbox[-1].body


def test_the_admin_labels_of_the_public_models_are_translated():
    from django.utils import translation

    from workspaces.models import ApiKey, Membership, Role

    with translation.override("id"):
        assert str(Membership._meta.verbose_name_plural) == "keanggotaan"
        assert str(Membership._meta.get_field("role").verbose_name) == "peran"
        assert str(ApiKey._meta.get_field("revoked_at").verbose_name) == "dicabut pada"
        assert str(Role.OWNER.label) == "Pemilik"
