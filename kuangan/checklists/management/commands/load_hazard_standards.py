from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from kuangan.checklists import services
from kuangan.core.management.base import KuanganCommand


class Command(KuanganCommand):
    """Load a new version of a major-hazard standard from its YAML data file (see
    kuangan/checklists/data/hazard_standards/ for the format), e.g. the 2026 coal revision. The
    previous version of the same family ends the day the new one takes effect. Nothing is
    written if the file has an error."""

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="the standard's .yaml file(s)")
        parser.add_argument("--user", help="load as this user; default: system")

    def handle(self, *args, files, user=None, **options):
        actor = self.actor(user)
        for file in files:
            path = self.input_file(file)
            try:
                standard = services.hazard_standard_load(by=actor, source=path)
            except ValidationError as exc:
                for message in exc.messages:
                    self.stderr.write(message)
                raise CommandError(_("%(path)s was not loaded.") % {"path": file}) from None
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
