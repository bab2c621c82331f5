"""The ``kuangan`` command: Django's management commands with the project's settings.
Hyphenated names are accepted for the project's commands (``kuangan audit-verify``)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuangan.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "kuangan"
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
