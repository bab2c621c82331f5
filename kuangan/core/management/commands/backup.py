from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from kuangan.core.backup import BackupError, create_backup
from kuangan.core.management.base import KuanganCommand


class Command(KuanganCommand):
    """Back up the installation into one archive (mode 0600): the database (SQLite's online
    backup, or pg_dump), the uploaded files, the keys of the data folder and the audit anchor,
    with a manifest of their SHA-256 hashes. Prints the archive's SHA-256: keep it, and give it
    to `kuangan restore --sha256`. The archive holds the keys (unless --no-keys): store it as
    safely as them."""

    def add_arguments(self, parser):
        parser.add_argument("file", help="the archive to write, e.g. kuangan-2026-05-01.tar.gz")
        parser.add_argument("--force", action="store_true", help="overwrite an existing file")
        parser.add_argument(
            "--no-keys",
            action="store_true",
            help="leave the secret and audit keys out (keep them apart; the restore needs them)",
        )

    def handle(self, *args, file, force, no_keys, **options):
        try:
            report = create_backup(Path(file), force=force, keys=not no_keys)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Backup written to %(path)s: %(tables)s tables, %(rows)s rows, %(files)s "
                    "files, %(size)s bytes, in %(seconds).1f s."
                )
                % {
                    "path": report.path,
                    "tables": report.tables,
                    "rows": report.rows,
                    "files": report.files,
                    "size": report.size,
                    "seconds": report.seconds,
                }
            )
        )
        self.stdout.write(f"SHA-256 {report.sha256}")
