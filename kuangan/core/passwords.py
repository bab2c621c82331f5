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


# Rows of the keyboard, where "qwer" or "asdf" is as easy to guess as "1234".
_ROWS = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def weak_pattern(password: str, run: int = 4) -> str | None:
    """The first stretch of ``run`` characters of ``password`` that is a sequence up or down
    (``1234``, ``dcba``, ``qwer``) or one character repeated (``aaaa``), ignoring case; None
    when there is none."""
    text = password.lower()
    for start in range(len(text) - run + 1):
        part = text[start : start + run]
        if len(set(part)) == 1:
            return part
        if any(part in row or part in row[::-1] for row in _ROWS):
            return part
    return None


class SequenceValidator:
    """No run of 4 or more characters in sequence (``1234``, ``abcd``, ``4321``, ``qwer``)
    or repeated (``aaaa``)."""

    def __init__(self, run: int = 4):
        self.run = run

    def validate(self, password: str, user=None) -> None:
        part = weak_pattern(password, self.run)
        if part is not None:
            raise ValidationError(
                _(
                    "The password must not contain %(n)d or more characters in a row that are "
                    "in sequence or repeated, like “%(part)s”."
                )
                % {"n": self.run, "part": part},
                code="password_sequence",
            )

    def get_help_text(self) -> str:
        return _(
            "Do not use %(n)d or more characters in sequence or repeated (1234, abcd, aaaa)."
        ) % {"n": self.run}


# Passwords common in China that the policy's length and classes let through and Django's list
# (CommonPasswordValidator) does not hold, compared without case.
CHINESE_COMMON_PASSWORDS = frozenset(
    {
        "woaini1314",
        "woaini520",
        "woaini5201314",
        "5201314woaini",
        "1314woaini",
        "iloveyou1314",
        "iloveyou520",
        "1qaz2wsx3edc",
        "1qaz@wsx3edc",
        "1qaz!qaz",
        "1qaz@wsx",
        "1q2w3e4r5t",
        "1q2w3e4r5t6y",
        "q1w2e3r4t5",
        "zaq1xsw2cde3",
        "zaq12wsx",
        "p@ssw0rd",
        "p@ssw0rd1",
        "p@ssword1",
        "passw0rd1",
        "admin@123",
        "admin#123",
        "admin@1234",
        "admin@12345",
        "admin@123456",
        "admin123!@#",
        "root@123",
        "root@1234",
        "root@123456",
        "test@123",
        "test@1234",
        "test@123456",
        "abc@123",
        "abc@12345",
        "abc@123456",
        "abc123!@#",
        "a123456789",
        "aa12345678",
        "qq123456789",
        "qq5201314",
        "wang123456",
        "zhang123456",
        "li123456789",
        "liu123456",
        "chen123456",
        "yang123456",
        "huang123456",
        "zhao123456",
        "zhou123456",
        "wu123456789",
        "xiaoming123",
        "zhongguo123",
        "zhongguo@123",
        "china@123",
        "china@2024",
        "china@2025",
        "china@2026",
        "welcome@123",
        "welcome@2026",
        "kuangan@123",
        "kuangan@2026",
        "anquan@123",
        "anquan123456",
        "mima@123",
        "mima123456",
        "mima@123456",
    }
)


class ChineseCommonPasswordValidator:
    """Not one of the passwords common in China (besides Django's list of common ones)."""

    def validate(self, password: str, user=None) -> None:
        if password.lower() in CHINESE_COMMON_PASSWORDS:
            raise ValidationError(_("This password is too common."), code="password_too_common")

    def get_help_text(self) -> str:
        return _("Do not use a commonly used password.")
