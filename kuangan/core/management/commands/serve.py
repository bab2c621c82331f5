import os
import sys

from django.conf import settings

from kuangan.core.management.base import KuanganCommand


class Command(KuanganCommand):
    """Serve the application with gunicorn (a production WSGI server), static files included."""

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("KUANGAN_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("KUANGAN_PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("KUANGAN_WORKERS", "2"))
        )

    def handle(self, *args, host, port, workers, **options):
        from gunicorn.app.wsgiapp import run

        if not (settings.STATIC_ROOT / "vendor").exists() and not settings.WHITENOISE_USE_FINDERS:
            from django.core.management import call_command

            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            f"Serving Kuang'an on http://{host}:{port}/ (gunicorn, {workers} workers)"
        )
        sys.argv = [
            "gunicorn",
            "kuangan.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--timeout",
            "120",
            # One control socket per user is shared by every gunicorn: several servers on one
            # machine (tests, several offices) must not fight over it.
            "--no-control-socket",
        ]
        run()
