"""Validators of values people type, shared by the models, the forms and the API."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A mainland mobile number (13912345678) or a landline with its area code, an optional hyphen
# and an optional extension (0439-3212345, 04393212345, 010-12345678-801).
PHONE_PATTERN = r"\A(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?)\Z"

_PHONE = re.compile(PHONE_PATTERN)


def validate_phone(value: str) -> None:
    """A phone number: a mainland mobile number or a landline number with its area code."""
    if value and not _PHONE.match(value):
        raise ValidationError(
            _(
                "Enter a mobile number of 11 digits (13912345678) or a landline number with its "
                "area code (0439-3212345, an extension after a hyphen)."
            ),
            code="invalid_phone",
        )
