import json

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kuangan.core.management.base import KuanganCommand
from kuangan.registry.imports import ImportRefused, import_mines


class Command(KuanganCommand):
    """Import the mine registry from an .xlsx or .csv file (UTF-8, UTF-8 with BOM or GB18030).
    The whole file is checked first; with any error nothing is written, every error is printed
    with its row, column and value, and the exit code is 1."""

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx or .csv file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, but write nothing"
        )
        parser.add_argument(
            "--user",
            help="import as this user (with that user's permissions and jurisdiction); "
            "without it the import runs as the system, for the whole province",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, file, dry_run=False, user=None, json=False, **options):
        path = self.input_file(file)
        actor = self.actor(user)
        try:
            result = import_mines(
                by=actor, filename=path.name, data=path.read_bytes(), dry_run=dry_run
            )
        except ImportRefused as exc:
            raise CommandError(exc.message) from exc
        if json:
            self.stdout.write(_dumps(result.as_dict()))
        else:
            self.report(result)
        if not result.ok:
            n = len(result.errors)
            raise CommandError(
                ngettext(
                    "The file has %(n)d error; nothing was imported.",
                    "The file has %(n)d errors; nothing was imported.",
                    n,
                )
                % {"n": n}
            )

    def report(self, result) -> None:
        for issue in result.warnings:
            self.stderr.write(
                _("Warning: row %(row)d, column “%(column)s”: %(message)s")
                % {"row": issue.row, "column": issue.column, "message": issue.message}
            )
        for issue in result.errors:
            self.stderr.write(
                _("Row %(row)d, column “%(column)s”, value “%(value)s”: %(message)s")
                % {
                    "row": issue.row,
                    "column": issue.column,
                    "value": issue.value,
                    "message": issue.message,
                }
            )
        if not result.ok:
            return
        summary = _(
            "%(rows)d rows: %(created)d new mines, %(updated)d changed, %(unchanged)d "
            "unchanged; %(ent_created)d new enterprises, %(ent_updated)d changed."
        ) % {
            "rows": result.rows_read,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "ent_created": result.enterprises_created,
            "ent_updated": result.enterprises_updated,
        }
        if result.dry_run:
            summary += " " + _("(Dry run: nothing was written.)")
        self.stdout.write(self.style.SUCCESS(summary))


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
