import os

from django.core.management.base import BaseCommand

from sessions_wa import demo


class Command(BaseCommand):
    help = "Create (or refresh) the demo workspace `demo` with its member demo@example.com / demo."

    def add_arguments(self, parser):
        parser.add_argument("--language", choices=sorted(demo.DEMO_GREETINGS),
                            default=os.environ.get("DEMO_LANGUAGE") or None,
                            help="The workspace's language, which its demo customers speak (default: $DEMO_LANGUAGE, "
                                 "else as it is, en for a new one).")

    def handle(self, *args, **options):
        workspace = demo.ensure_demo_workspace(options.get("language"))
        self.stdout.write(f"demo workspace ready at {workspace.url}/")
