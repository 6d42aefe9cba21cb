from django.core.management.base import BaseCommand, CommandError

from blazz.core.errors import DomainError
from workspaces import services
from workspaces.models import Workspace
from workspaces.scopes import ALL_SCOPES


class Command(BaseCommand):
    help = "Create an API key for a workspace and print it (once: only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="the workspace's slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--scopes", default=",".join(ALL_SCOPES),
                            help=f"comma-separated, any of {', '.join(ALL_SCOPES)} (default: all)")

    def handle(self, *args, workspace, name, scopes, **options):
        ws = Workspace.objects.filter(slug=workspace).exclude(schema_name="public").first()
        if ws is None:
            raise CommandError(f"no workspace with slug {workspace!r}")
        try:
            _key, raw_key = services.api_key_create(workspace=ws, name=name,
                                                     scopes=[s.strip() for s in scopes.split(",") if s.strip()])
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}")
        self.stdout.write(raw_key)
