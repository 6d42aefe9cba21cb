from django.core.management.base import BaseCommand, CommandError

from workspaces import services
from workspaces.models import PUBLIC_SCHEMA, Workspace


class Command(BaseCommand):
    help = "Suspend a workspace (its hosts answer 403, its WhatsApp sessions stop), or resume it."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--resume", action="store_true", help="resume instead of suspending")
        parser.add_argument("--reason", default="by an operator")

    def handle(self, *args, slug, resume, reason, **options):
        workspace = Workspace.objects.exclude(schema_name=PUBLIC_SCHEMA).filter(slug=slug).first()
        if workspace is None:
            raise CommandError(f"no workspace with slug {slug!r}")
        services.workspace_set_suspended(workspace=workspace, suspended=not resume, reason=reason)
        self.stdout.write(f"{slug}: {'resumed' if resume else 'suspended'}")
