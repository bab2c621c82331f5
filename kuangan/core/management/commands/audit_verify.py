from django.core.management.base import CommandError

from kuangan.core.audit import hash_algorithm, verify_chain
from kuangan.core.management.base import KuanganCommand


class Command(KuanganCommand):
    """Walk the audit log's hash chain and report the first broken event."""

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Audit chain BROKEN at event #{report.broken_at} ({report.reason} mismatch) "
                f"after {report.checked} intact events."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain intact: {report.checked} events ({hash_algorithm()}).")
        )
