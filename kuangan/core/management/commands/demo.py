from importlib import import_module

from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from kuangan.core.demo import DEMO_USERS, demo_password
from kuangan.core.management.base import KuanganCommand
from kuangan.core.models import Organization


class Command(KuanganCommand):
    """Migrate the database, load the deterministic Jilin demo data (once) and serve the
    application. Demo accounts only: never on a production database."""

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="load the data, do not serve")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, no_serve, host, port, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if Organization.objects.filter(name="吉林省应急管理厅").exists():
            self.stdout.write("Demo data already loaded; leaving it as it is.")
        else:
            self.stdout.write("Loading the Jilin demo data …")
            with transaction.atomic():
                ctx: dict = {}
                for config in apps.get_app_configs():
                    if not config.name.startswith("kuangan."):
                        continue
                    try:
                        module = import_module(f"{config.name}.demo")
                    except ModuleNotFoundError:
                        continue
                    module.load(ctx)
        self.print_accounts()
        if not no_serve:
            call_command("serve", host=host, port=port)

    def print_accounts(self):
        password = demo_password()
        self.stdout.write(
            self.style.WARNING("Demo accounts (demo only), all with password: " + password)
        )
        for username, (role, _org, _name) in DEMO_USERS.items():
            self.stdout.write(f"  {username:<28} {role.label}")
