import datetime as dt

from django.core.management.base import CommandError

from kuangan.core.management.base import KuanganCommand
from kuangan.registry.notifications import send_licence_reminders


class Command(KuanganCommand):
    """Notify enterprises and county bureaus of mining and safety licences that expire in 90, 30
    or 0 days. Each reminder is sent once; run it daily."""

    def add_arguments(self, parser):
        parser.add_argument("--date", help="act as if today were this date (YYYY-MM-DD)")

    def handle(self, *args, date=None, **options):
        today = None
        if date:
            try:
                today = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date: not a date in the form YYYY-MM-DD: {date!r}") from None
        report = send_licence_reminders(today=today)
        self.stdout.write(
            f"{report.reminders} reminder(s) sent, {report.notifications} notification(s)."
        )
