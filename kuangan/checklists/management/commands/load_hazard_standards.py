from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kuangan.checklists import services
from kuangan.core.models import User


class Command(BaseCommand):
    help = (
        "Load a new version of a major-hazard standard from its YAML data file (see "
        "kuangan/checklists/data/hazard_standards/ for the format), e.g. the 2026 coal "
        "revision. The previous version of the same family ends the day the new one takes "
        "effect. Nothing is written if the file has an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="the standard's .yaml file(s)")
        parser.add_argument("--user", help="load as this user; default: system")

    def handle(self, *args, files, user=None, **options):
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(_("No active user is called “%(name)s”.") % {"name": user})
        for file in files:
            path = Path(file)
            if not path.is_file():
                raise CommandError(_("No such file: %(path)s") % {"path": file})
            try:
                standard = services.hazard_standard_load(by=actor, source=path)
            except ValidationError as exc:
                for message in exc.messages:
                    self.stderr.write(message)
                raise CommandError(_("%(path)s was not loaded.") % {"path": file}) from None
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(
                self.style.SUCCESS(
                    _("Loaded %(standard)s: %(n)d criteria, effective from %(date)s.")
                    % {
                        "standard": standard,
                        "n": standard.criteria.count(),
                        "date": standard.effective_from.isoformat(),
                    }
                )
            )
