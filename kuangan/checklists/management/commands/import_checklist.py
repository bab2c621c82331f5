from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from kuangan.checklists import imports, services
from kuangan.core.management.base import KuanganCommand


class Command(KuanganCommand):
    """Import checklists from an .xlsx or YAML file as draft versions. The whole file is checked
    first; with any error nothing is written, every error is printed with its sheet, row and
    column, and the exit code is 1."""

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx or .yaml file")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--as-new-version",
            action="store_true",
            help="import each checklist as the next version of its code",
        )
        parser.add_argument("--publish", action="store_true", help="publish what was imported")
        parser.add_argument(
            "--user", help="import as this user (with that user's permissions); default: system"
        )

    def handle(
        self, *args, file, dry_run=False, as_new_version=False, publish=False, user=None, **options
    ):
        path = self.input_file(file)
        actor = self.actor(user)
        content = path.read_bytes()
        try:
            if dry_run:
                parsed = services.checklist_import_preview(
                    filename=path.name, content=content, as_new_version=as_new_version
                )
                for t in parsed:
                    self.stdout.write(self._line(t.name, t.version, len(t.aspects), t.item_count))
                self.stdout.write(self.style.SUCCESS(_("The file is valid; nothing was written.")))
                return
            created = services.checklist_import(
                by=actor, filename=path.name, content=content, as_new_version=as_new_version
            )
            if publish:
                created = [services.checklist_publish(by=actor, template=t) for t in created]
        except imports.ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("The file has %(n)d errors; nothing was imported.") % {"n": len(exc.errors)}
            ) from None
        for t in created:
            self.stdout.write(self._line(t.name, t.version, t.aspects.count(), t.items.count()))
        self.stdout.write(
            self.style.SUCCESS(
                _("Imported %(n)d checklist(s) (%(status)s).")
                % {"n": len(created), "status": created[0].get_status_display() if created else "-"}
            )
        )

    @staticmethod
    def _line(name, version, aspects, items) -> str:
        return _("%(name)s, version %(version)s: %(aspects)s aspects, %(items)s items") % {
            "name": name,
            "version": version,
            "aspects": aspects,
            "items": items,
        }
