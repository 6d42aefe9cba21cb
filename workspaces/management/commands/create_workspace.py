from django.core.management.base import BaseCommand, CommandError

from blazz.core.errors import DomainError
from workspaces import invitations, services
from workspaces.models import Role


class Command(BaseCommand):
    help = (
        "Create a workspace (schema, domain, owner), as signup does. Reuses an existing owner account. "
        "Nothing is written unless everything is valid, and the account and the workspace are made together."
    )

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument(
            "--owner-password", default=None,
            help="Sets the owner's password (new or existing account). Without it, an owner with no password "
                 "gets an invite link (valid 7 days) to choose one.",
        )

    def handle(self, *args, slug, name, owner_email, owner_password, **options):
        try:
            owner, workspace = services.workspace_create_with_owner(
                email=owner_email, password=owner_password, slug=slug, name=name, new_account=False,
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message} {exc.fields or ''}".strip())
        self.stdout.write(f"created workspace {workspace.slug} ({workspace.schema_name}) at {workspace.url}/")
        if not owner.has_usable_password():
            invitation = invitations.invitation_create(workspace=workspace, email=owner.email, role=Role.OWNER)
            self.stdout.write(
                f"{owner.email} has no password yet: send them this invite link (valid 7 days, once) to choose one:\n"
                f"{invitations.invitation_url(invitation)}"
            )
