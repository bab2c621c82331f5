"""The base of the project's management commands.

A command declares what is its own and inherits the rest:

- its help is its docstring (the text ``--help`` prints, white space folded);
- ``actor(username)``: the user a ``--user`` option names (the command then acts with that
  user's permissions and scope), or None for the system;
- ``input_file(name)``: a file to read, refused when there is none;
- a refusal of a service (``PermissionDenied``) ends the command as a command error with the
  refusal's message, not as a traceback.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kuangan.core.models import User


class KuanganCommand(BaseCommand):
    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        doc = cls.__dict__.get("__doc__")
        if doc and "help" not in cls.__dict__:
            cls.help = " ".join(inspect.cleandoc(doc).split())

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None

    @staticmethod
    def actor(username: str | None) -> User | None:
        """The active user called ``username``; None (the system) without a name."""
        if not username:
            return None
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(_("No active user is called “%(name)s”.") % {"name": username})
        return actor

    @staticmethod
    def input_file(name: str) -> Path:
        """The file ``name``, which must exist."""
        path = Path(name)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": name})
        return path
