from django.core.management.base import BaseCommand

from sessions_wa import demo


class Command(BaseCommand):
    help = "Create (or refresh) the demo workspace `demo` with its member demo@example.com / demo."

    def handle(self, *args, **options):
        workspace = demo.ensure_demo_workspace()
        self.stdout.write(f"demo workspace ready at {workspace.url}/")
