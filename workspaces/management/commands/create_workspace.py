from django.core.management.base import BaseCommand, CommandError

from blazz.errors import DomainError
from workspaces import services


class Command(BaseCommand):
    help = "Create a workspace (schema, domain, owner), as signup does. Reuses an existing owner account."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", default=None, help="Sets the owner's password (new or existing).")

    def handle(self, *args, slug, name, owner_email, owner_password, **options):
        try:
            owner = services.user_get_or_create(email=owner_email, password=owner_password)
            workspace = services.workspace_create(slug=slug, name=name, owner=owner)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message} {exc.fields or ''}".strip())
        self.stdout.write(f"created workspace {workspace.slug} ({workspace.schema_name}) at {workspace.url}/")
