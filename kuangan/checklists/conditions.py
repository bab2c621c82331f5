"""Applicability conditions of checklist items: structured data over a mine's attributes.

A condition is JSON data, never code. It is either empty (``{}``: the item always applies), a
test of one field, or a combination::

    {"field": "gas_class", "in": ["high", "outburst"]}
    {"field": "slope_height_m", "gte": 100}
    {"all": [cond, ...]}   {"any": [cond, ...]}   {"not": cond}

Operators: ``eq``, ``ne``, ``in``, ``not_in``, ``gt``, ``gte``, ``lt``, ``lte``, ``is_true``,
``is_false``, ``is_null``. Only the fields of ``FIELDS`` (the mine attributes the registry
keeps) may be named, each with its type and allowed values; ``validate`` reports every problem
with its place in Chinese. ``evaluate`` walks the data with a fixed table of comparisons; no
text of a condition is ever executed.

Evaluation is three-valued: when the mine's value of a field is unknown (``None``) a test of it
is *undecided*, combined with Kleene logic (``all`` is false if any part is false, ``any`` true if
any part is true). An undecided item is kept in the mine's checklist and marked "to confirm on
site": an inspector would rather see one item too many than miss one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import MineKind

MAX_DEPTH = 12
MAX_NODES = 300

COMBINATORS = ("all", "any", "not")
OPERATORS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "is_true", "is_false", "is_null")


@dataclass(frozen=True)
class FieldSpec:
    """One mine attribute a condition may test: ``kind`` is ``choice``, ``bool``, ``int`` or
    ``number``; ``choices`` the allowed values of a choice (value -> label); ``minimum`` and
    ``maximum`` bound an ``int``."""

    label: Any
    kind: str
    choices: dict = field(default_factory=dict)
    minimum: int | None = None
    maximum: int | None = None


MINE_STATUS = {
    "producing": gettext_lazy("Producing"),
    "constructing": gettext_lazy("Under construction"),
    "rectifying": gettext_lazy("Under rectification"),
    "long_shutdown": gettext_lazy("Long-term shutdown"),
    "closed": gettext_lazy("Closed"),
}
CONVERSION = {
    "none": gettext_lazy("None"),
    "open_pit_to_underground": gettext_lazy("Open pit to underground"),
    "underground_to_open_pit": gettext_lazy("Underground to open pit"),
}
GAS_CLASS = {
    "low": gettext_lazy("Low-gas"),
    "high": gettext_lazy("High-gas"),
    "outburst": gettext_lazy("Coal and gas outburst"),
}
HYDRO_CLASS = {
    "simple": gettext_lazy("Simple"),
    "medium": gettext_lazy("Medium"),
    "complex": gettext_lazy("Complex"),
    "very_complex": gettext_lazy("Very complex"),
}

# The allow-list: exactly the attribute names of the registry's ``Mine`` model.
FIELDS: dict[str, FieldSpec] = {
    "kind": FieldSpec(gettext_lazy("Mine kind"), "choice", dict(MineKind.choices)),
    "status": FieldSpec(gettext_lazy("Status"), "choice", MINE_STATUS),
    "resuming": FieldSpec(gettext_lazy("Resuming production"), "bool"),
    "personnel_on_site": FieldSpec(gettext_lazy("Personnel working on site"), "bool"),
    "electronic_seal": FieldSpec(gettext_lazy("Electronic seal"), "bool"),
    "physically_sealed": FieldSpec(gettext_lazy("Physically sealed"), "bool"),
    "slope_height_m": FieldSpec(gettext_lazy("Slope height (m)"), "number"),
    "dump_height_m": FieldSpec(gettext_lazy("Waste dump height (m)"), "number"),
    "tailings_grade": FieldSpec(gettext_lazy("Tailings pond grade"), "int", minimum=1, maximum=5),
    "head_top": FieldSpec(gettext_lazy("Head-top pond"), "bool"),
    "ownerless": FieldSpec(gettext_lazy("Ownerless pond"), "bool"),
    "reserve_years": FieldSpec(gettext_lazy("Years of recoverable reserves"), "number"),
    "conversion": FieldSpec(gettext_lazy("Mining method conversion"), "choice", CONVERSION),
    "tailings_into_open_pit": FieldSpec(
        gettext_lazy("Tailings discharged into the upper open pit"), "bool"
    ),
    "gas_class": FieldSpec(gettext_lazy("Gas class"), "choice", GAS_CLASS),
    "hydro_class": FieldSpec(gettext_lazy("Hydrogeological type"), "choice", HYDRO_CLASS),
    "rockburst": FieldSpec(gettext_lazy("Rock burst hazard"), "bool"),
    "geohazard_exposed": FieldSpec(gettext_lazy("Exposed to geological hazards"), "bool"),
    "regulator_concern": FieldSpec(gettext_lazy("Of concern to the regulator"), "bool"),
    "design_capacity": FieldSpec(gettext_lazy("Design capacity"), "number"),
}

OPERATOR_LABELS = {
    "eq": gettext_lazy("is"),
    "ne": gettext_lazy("is not"),
    "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"),
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
}

# Which operators each kind of field accepts.
KIND_OPERATORS = {
    "choice": {"eq", "ne", "in", "not_in", "is_null"},
    "bool": {"eq", "ne", "is_true", "is_false", "is_null"},
    "int": {"eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "is_null"},
    "number": {"eq", "ne", "gt", "gte", "lt", "lte", "is_null"},
}


# --- Validation -----------------------------------------------------------------------------


def _where(path: str) -> str:
    return path or _("top level")


def _value_ok(spec: FieldSpec, value: Any) -> bool:
    if spec.kind == "choice":
        return isinstance(value, str) and value in spec.choices
    if spec.kind == "bool":
        return isinstance(value, bool)
    if spec.kind == "int":
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and (spec.minimum is None or value >= spec.minimum)
            and (spec.maximum is None or value <= spec.maximum)
        )
    if spec.kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return False


def _expected(spec: FieldSpec) -> str:
    if spec.kind == "choice":
        return _("one of %(values)s") % {"values": ", ".join(spec.choices)}
    if spec.kind == "bool":
        return _("true or false")
    if spec.kind == "int":
        return _("a whole number from %(min)s to %(max)s") % {
            "min": spec.minimum,
            "max": spec.maximum,
        }
    return _("a number")


def _check(node: Any, path: str, depth: int, errors: list[str], counter: list[int]) -> None:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        if counter[0] == MAX_NODES + 1:
            errors.append(
                _("The condition is too large (more than %(n)s parts).") % {"n": MAX_NODES}
            )
        return
    if depth > MAX_DEPTH:
        errors.append(
            _("%(path)s: the condition is nested too deeply (more than %(n)s levels).")
            % {"path": _where(path), "n": MAX_DEPTH}
        )
        return
    if not isinstance(node, Mapping):
        errors.append(
            _('%(path)s: each condition must be an object such as {"field": …, "eq": …}.')
            % {"path": _where(path)}
        )
        return
    keys = set(node)
    combinators = keys & set(COMBINATORS)
    if combinators:
        if len(keys) != 1:
            errors.append(
                _("%(path)s: “%(key)s” must stand alone in its object.")
                % {"path": _where(path), "key": sorted(combinators)[0]}
            )
            return
        key = next(iter(keys))
        sub = node[key]
        prefix = f"{path}." if path else ""
        if key == "not":
            _check(sub, f"{prefix}not", depth + 1, errors, counter)
            return
        if not isinstance(sub, list) or not sub:
            errors.append(
                _("%(path)s: “%(key)s” needs a non-empty list of conditions.")
                % {"path": _where(path), "key": key}
            )
            return
        for i, part in enumerate(sub, start=1):
            _check(part, f"{prefix}{key}[{i}]", depth + 1, errors, counter)
        return
    if "field" not in node:
        errors.append(
            _("%(path)s: a condition needs “field” (or “all”, “any”, “not”); found: %(keys)s.")
            % {"path": _where(path), "keys": ", ".join(sorted(map(str, keys))) or "—"}
        )
        return
    name = node["field"]
    if not isinstance(name, str) or name not in FIELDS:
        errors.append(
            _("%(path)s: unknown field “%(field)s”; allowed fields: %(allowed)s.")
            % {"path": _where(path), "field": name, "allowed": ", ".join(FIELDS)}
        )
        return
    spec = FIELDS[name]
    ops = keys - {"field"}
    if len(ops) != 1:
        errors.append(
            _("%(path)s: the test of “%(field)s” needs exactly one operator (%(ops)s).")
            % {"path": _where(path), "field": name, "ops": ", ".join(OPERATORS)}
        )
        return
    op = next(iter(ops))
    if op not in OPERATORS:
        errors.append(
            _("%(path)s: unknown operator “%(op)s”; allowed operators: %(ops)s.")
            % {"path": _where(path), "op": op, "ops": ", ".join(OPERATORS)}
        )
        return
    if op not in KIND_OPERATORS[spec.kind]:
        errors.append(
            _(
                "%(path)s: the operator “%(op)s” cannot be used with “%(field)s”; use one of %(ops)s."
            )
            % {
                "path": _where(path),
                "op": op,
                "field": name,
                "ops": ", ".join(o for o in OPERATORS if o in KIND_OPERATORS[spec.kind]),
            }
        )
        return
    value = node[op]
    if op in ("is_true", "is_false"):
        if value is not True:
            errors.append(
                _("%(path)s: “%(op)s” takes the value true.") % {"path": _where(path), "op": op}
            )
        return
    if op == "is_null":
        if not isinstance(value, bool):
            errors.append(
                _("%(path)s: “is_null” takes true (value unknown) or false (value known).")
                % {"path": _where(path)}
            )
        return
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            errors.append(
                _("%(path)s: “%(op)s” needs a non-empty list of values for “%(field)s”.")
                % {"path": _where(path), "op": op, "field": name}
            )
            return
        bad = [v for v in value if not _value_ok(spec, v)]
        if bad:
            errors.append(
                _("%(path)s: wrong value %(value)s for “%(field)s”; expected %(expected)s.")
                % {
                    "path": _where(path),
                    "value": json.dumps(bad[0], ensure_ascii=False),
                    "field": name,
                    "expected": _expected(spec),
                }
            )
        return
    if not _value_ok(spec, value):
        errors.append(
            _("%(path)s: wrong value %(value)s for “%(field)s”; expected %(expected)s.")
            % {
                "path": _where(path),
                "value": json.dumps(value, ensure_ascii=False, default=str),
                "field": name,
                "expected": _expected(spec),
            }
        )


def errors_of(condition: Any) -> list[str]:
    """Every problem of ``condition``, in the user's language; empty when it is valid."""
    if condition is None or condition == {}:
        return []
    errors: list[str] = []
    _check(condition, "", 0, errors, [0])
    return errors


def validate(condition: Any) -> None:
    """Raise ``ValidationError`` listing every problem of ``condition``."""
    errors = errors_of(condition)
    if errors:
        raise ValidationError(errors)


def parse(text: str | None) -> dict:
    """A condition from its JSON text (an import cell, a form field). Empty text: ``{}``.
    Raises ``ValidationError`` with the reason. The text is parsed as JSON data only."""
    text = (text or "").strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValidationError(
            _("The applicability condition is not valid JSON (%(reason)s).")
            % {"reason": str(exc)[:120]}
        ) from None
    validate(value)
    return value


def to_text(condition: dict | None) -> str:
    """The JSON text of a condition, as exported (stable key order, Chinese kept)."""
    if not condition:
        return ""
    return json.dumps(condition, ensure_ascii=False, sort_keys=False, separators=(", ", ": "))


def fields_of(condition: Any) -> set[str]:
    """The field names a (valid) condition tests."""
    if not isinstance(condition, Mapping) or not condition:
        return set()
    if "field" in condition:
        return {condition["field"]}
    out: set[str] = set()
    for key in COMBINATORS:
        if key in condition:
            sub = condition[key]
            for part in sub if isinstance(sub, list) else [sub]:
                out |= fields_of(part)
    return out


# --- Evaluation -----------------------------------------------------------------------------


def value_of(mine: Any, name: str) -> Any:
    """The value of attribute ``name`` of a mine object or a plain dict (``None``: unknown)."""
    if isinstance(mine, Mapping):
        value = mine.get(name)
    else:
        value = getattr(mine, name, None)
    if isinstance(value, Decimal):
        return float(value)
    if value == "" and name in FIELDS and FIELDS[name].kind == "choice":
        return None  # the registry stores an unknown or not-applicable choice as ""
    return value


_COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "is_true": lambda a, b: bool(a),
    "is_false": lambda a, b: not a,
}


def evaluate(condition: Any, mine: Any) -> bool | None:
    """``True`` (applies), ``False`` (does not) or ``None`` (undecided: a value it needs is
    unknown). ``condition`` must be valid (see ``validate``)."""
    if not condition:
        return True
    if "all" in condition:
        results = [evaluate(c, mine) for c in condition["all"]]
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True
    if "any" in condition:
        results = [evaluate(c, mine) for c in condition["any"]]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    if "not" in condition:
        result = evaluate(condition["not"], mine)
        return None if result is None else not result
    name = condition["field"]
    op = next(k for k in condition if k != "field")
    value = value_of(mine, name)
    if op == "is_null":
        return (value is None) == condition[op]
    if value is None:
        return None
    return bool(_COMPARE[op](value, condition[op]))


def applies(condition: Any, mine: Any) -> bool:
    """The item is in the mine's checklist: the condition holds or is undecided."""
    return evaluate(condition, mine) is not False


def unknown_fields(condition: Any, mine: Any) -> list[str]:
    """The tested fields whose value the mine lacks (why an item is undecided)."""
    return sorted(n for n in fields_of(condition) if value_of(mine, n) is None)


# --- Description ----------------------------------------------------------------------------


def _label(spec: FieldSpec, value: Any) -> str:
    if spec.kind == "choice":
        return str(spec.choices.get(value, value))
    if spec.kind == "bool":
        return _("yes") if value else _("no")
    return str(value)


def describe(condition: Any) -> str:
    """A reader's sentence for a (valid) condition, e.g. “瓦斯等级 属于 高瓦斯、煤与瓦斯突出”."""
    if not condition:
        return _("always")
    if "all" in condition:
        parts = [describe(c) for c in condition["all"]]
        return f" {_('and')} ".join(f"（{p}）" if len(parts) > 1 else p for p in parts)
    if "any" in condition:
        parts = [describe(c) for c in condition["any"]]
        return f" {_('or')} ".join(f"（{p}）" if len(parts) > 1 else p for p in parts)
    if "not" in condition:
        return _("not (%(cond)s)") % {"cond": describe(condition["not"])}
    name = condition["field"]
    spec = FIELDS[name]
    op = next(k for k in condition if k != "field")
    value = condition[op]
    label = str(spec.label)
    if op == "is_true":
        return _("%(field)s: yes") % {"field": label}
    if op == "is_false":
        return _("%(field)s: no") % {"field": label}
    if op == "is_null":
        return (_("%(field)s unknown") if value else _("%(field)s known")) % {"field": label}
    if op in ("in", "not_in"):
        shown = "、".join(_label(spec, v) for v in value)
    else:
        shown = _label(spec, value)
    return f"{label} {OPERATOR_LABELS[op]} {shown}"
