from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from kuangan.core.backup import BackupError, restore_backup
from kuangan.core.management.base import KuanganCommand


class Command(KuanganCommand):
    """Restore a backup made by `kuangan backup` into this installation's database and data
    folder. Every hash of the manifest is checked first: a damaged or altered archive is
    refused and nothing is changed. The database and the data folder must be empty (a new
    database, not migrated, and a new data folder) unless --force, which replaces everything.
    Stop the server and the task worker first. Afterwards the audit chain is verified, every API
    token is revoked and every session ended."""

    def add_arguments(self, parser):
        parser.add_argument("file", help="the archive written by kuangan backup")
        parser.add_argument("--sha256", help="the archive's SHA-256 printed by the backup")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the database and data folder even when they are not empty",
        )

    def handle(self, *args, file, sha256, force, **options):
        archive = self.input_file(file)
        try:
            report = restore_backup(archive, force=force, expected_sha256=sha256)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Backup restored: %(tables)s tables, %(rows)s rows, %(files)s files; audit "
                    "chain intact (%(events)s events); %(tokens)s API tokens revoked, "
                    "%(sessions)s sessions ended; in %(seconds).1f s."
                )
                % {
                    "tables": report.tables,
                    "rows": report.rows,
                    "files": report.files,
                    "events": report.audit_events,
                    "tokens": report.tokens_revoked,
                    "sessions": report.sessions_ended,
                    "seconds": report.seconds,
                }
            )
        )
        if report.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    _("The backup is of an older version: run `kuangan migrate` now.")
                )
            )
