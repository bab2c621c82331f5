"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character computed over
the first 17 with weights 3^(i-1) mod 31 in the 31-character alphabet below."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]  # GB 11714 organisation code, positions 9-17


def check_char(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str:
    """Return the normalised code, or raise a ValidationError that names the position."""
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d.")
            % {"n": len(code)},
            code="credit_code_length",
        )
    for position, char in enumerate(code, start=1):
        if char not in ALPHABET:
            raise ValidationError(
                _(
                    "Character %(pos)d (“%(char)s”) is not allowed in a unified social credit "
                    "code (digits and capital letters except I, O, Z, S, V)."
                )
                % {"pos": position, "char": char},
                code="credit_code_char",
            )
    expected = check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "The check character (position 18) of the unified social credit code is wrong: "
                "it is “%(got)s”, the first 17 characters give “%(want)s”."
            )
            % {"got": code[17], "want": expected},
            code="credit_code_check",
        )
    return code


def make_credit_code(
    region_code: str, serial: int, *, authority: str = "9", kind: str = "1"
) -> str:
    """A valid code for demo and test data: company (91), a region, an organisation code with
    its GB 11714 check digit, and the GB 32100 check character."""
    body = f"{serial:08d}"[-8:]
    total = sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    org_check = "X" if c9 == 10 else ("0" if c9 == 11 else str(c9))
    first17 = f"{authority}{kind}{region_code}{body}{org_check}"
    return first17 + check_char(first17)
