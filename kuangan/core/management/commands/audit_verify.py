import datetime as dt

from django.core.management.base import CommandError

from kuangan.core.audit import hash_algorithm, verify_chain
from kuangan.core.management.base import KuanganCommand


class Command(KuanganCommand):
    """Walk the audit log's keyed hash chain and check it against the anchors in the anchor
    file: report the first altered or missing event, a forged or damaged anchor line, or (with
    --anchor-max-age) an anchor file whose newest line is too old. Exit status 1 when broken."""

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor-max-age",
            type=int,
            metavar="MINUTES",
            help=(
                "also fail when the newest anchor is older than this (with `audit-anchor` on "
                "a timer every 10 minutes, say 30): lines cut from the anchor file are caught"
            ),
        )

    def handle(self, *args, **options):
        max_age = options.get("anchor_max_age")
        report = verify_chain(
            max_anchor_age=dt.timedelta(minutes=max_age) if max_age is not None else None
        )
        if not report.ok:
            if report.reason in {"hash", "link"}:
                raise CommandError(
                    f"Audit chain BROKEN at event #{report.broken_at} ({report.reason} mismatch) "
                    f"after {report.checked} intact events."
                )
            raise CommandError(
                f"Audit chain BROKEN at event #{report.broken_at} ({report.reason}): "
                f"{report.detail}. {report.checked} events checked."
            )
        anchored = (
            f"{report.anchors} anchors match, the newest of {report.last_anchor_at.isoformat()}."
            if report.last_anchor_at is not None
            else "No anchor yet: run `kuangan audit-anchor` (deleting the newest events is "
            "detected only up to an anchor)."
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.checked} events ({hash_algorithm()}). " + anchored
            )
        )
