"""A model's check constraints evaluated in Python, for imports that check thousands of rows:
``validate_constraints`` runs a query per constraint and row, while a check constraint made
of simple lookups can be decided on the unsaved instance exactly as the database would."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

_LOOKUPS = {"exact", "isnull", "gte", "gt", "lte", "lt", "in"}


class _Unsupported(Exception):
    pass


def _lookup(instance: models.Model, name: str, expected: Any) -> bool | None:
    parts = name.split("__")
    lookup = parts[-1] if len(parts) > 1 and parts[-1] in _LOOKUPS else "exact"
    field_parts = parts[:-1] if lookup != "exact" or parts[-1] == "exact" else parts
    if len(field_parts) != 1 or hasattr(expected, "resolve_expression"):
        raise _Unsupported(name)
    try:
        f = instance._meta.get_field(field_parts[0])
    except Exception as exc:  # noqa: BLE001
        raise _Unsupported(name) from exc
    attname = getattr(f, "attname", None)
    if not getattr(f, "concrete", False) or attname is None:
        raise _Unsupported(name)
    value = getattr(instance, attname)
    if lookup == "isnull":
        return (value is None) == bool(expected)
    if lookup == "exact" and expected is None:
        return value is None
    if value is None:
        return None  # SQL: a comparison with NULL is unknown
    if lookup == "exact":
        return value == expected
    if lookup == "in":
        return value in list(expected)
    return {
        "gte": value >= expected,
        "gt": value > expected,
        "lte": value <= expected,
        "lt": value < expected,
    }[lookup]


def _evaluate(q: Q, instance: models.Model) -> bool | None:
    """Three-valued (SQL) evaluation of a simple ``Q`` against an unsaved instance."""
    results = []
    for child in q.children:
        if isinstance(child, Q):
            results.append(_evaluate(child, instance))
        elif isinstance(child, tuple) and len(child) == 2:
            results.append(_lookup(instance, *child))
        else:
            raise _Unsupported(repr(child))
    if q.connector == Q.AND:
        value = False if False in results else (None if None in results else True)
    elif q.connector == Q.OR:
        value = True if True in results else (None if None in results else False)
    else:
        raise _Unsupported(q.connector)
    if q.negated and value is not None:
        value = not value
    return value


def check_constraints(instance: models.Model) -> None:
    """``validate_constraints`` without a query per constraint: a check constraint made of
    simple lookups is evaluated in Python like the database would (NULL passes); any other
    constraint is left to Django's own validation."""
    errors: list[ValidationError] = []
    for constraint in instance._meta.constraints:
        condition = getattr(constraint, "condition", None)
        if isinstance(constraint, models.CheckConstraint) and isinstance(condition, Q):
            try:
                if _evaluate(condition, instance) is False:
                    errors.append(
                        ValidationError(
                            constraint.get_violation_error_message(),
                            code=constraint.violation_error_code,
                        )
                    )
                continue
            except _Unsupported:
                pass
        try:
            constraint.validate(type(instance), instance)  # type: ignore[attr-defined]
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationError(errors)
