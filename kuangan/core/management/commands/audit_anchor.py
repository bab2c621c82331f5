from kuangan.core.audit import anchor
from kuangan.core.management.base import KuanganCommand


class Command(KuanganCommand):
    """Anchor the audit chain: append its number of events, last id and last hash, signed with
    the audit key, to the append-only anchor file (AUDIT_ANCHOR_FILE, DATA_DIR/audit-anchor.log).
    Run it from a timer (cron, a systemd timer) every few minutes, even when nothing changed:
    `audit-verify --anchor-max-age` then tells lines cut from the file."""

    def handle(self, *args, **options):
        head = anchor()
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain anchored: {head.count} events, last #{head.last_id}.")
        )
