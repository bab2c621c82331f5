"""Password policy validators (等保 level 3 profile: length, character classes, no reuse)."""

from __future__ import annotations

import string

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import PasswordHistory, User


class CharacterClassValidator:
    """At least ``min_classes`` of: upper-case, lower-case, digits, other characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    @staticmethod
    def classes(password: str) -> int:
        return sum(
            [
                any(c.isupper() for c in password),
                any(c.islower() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() or c in string.punctuation for c in password),
            ]
        )

    def validate(self, password: str, user=None) -> None:
        if self.classes(password) < self.min_classes:
            raise ValidationError(
                _(
                    "The password must contain at least %(n)d of: upper-case letters, "
                    "lower-case letters, digits and symbols."
                )
                % {"n": self.min_classes},
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return _(
            "Use at least %(n)d of: upper-case letters, lower-case letters, digits and symbols."
        ) % {"n": self.min_classes}


class PasswordHistoryValidator:
    """The new password must differ from the last ``history`` passwords of the user: the
    current one and the ``history - 1`` before it."""

    def __init__(self, history: int = 5):
        self.history = history

    def validate(self, password: str, user=None) -> None:
        if user is None or not getattr(user, "pk", None) or self.history <= 0:
            return

        current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        previous = list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
                : self.history - 1
            ]
        )
        for encoded in [current, *previous]:
            if encoded and check_password(password, encoded):
                raise ValidationError(
                    _("The password must differ from your last %(n)d passwords.")
                    % {"n": self.history},
                    code="password_reused",
                )

    def get_help_text(self) -> str:
        return _("You cannot reuse any of your last %(n)d passwords.") % {"n": self.history}
