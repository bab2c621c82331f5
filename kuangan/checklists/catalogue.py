"""Reading a major-hazard standard from its data file (YAML) and writing it to the database.

The file format (see ``data/hazard_standards/*.yaml``)::

    standard: {code, family, name, doc_no, version, issued_on, effective_from,
               effective_until, sources, confidence, note}
    groups:
      - {part, category_no, category, article, mine_kinds,     # defaults of the group
         criteria: [{code, item, wording, category, mine_kinds, note}, ...]}

Parsing and checking are pure; ``write_standard`` takes the model classes, so the data
migration (historical models) and the service (current models) share it. A later version of a
standard (the 2026 coal revision, say) is a new file loaded with ``kuangan
load-hazard-standards FILE``: no code changes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext as _

from .choices import MineKind, StandardFamily, StandardPart
from .models import MineKindsField

DATA_DIR = Path(__file__).resolve().parent / "data" / "hazard_standards"

STANDARD_KEYS = {
    "code",
    "family",
    "name",
    "doc_no",
    "version",
    "issued_on",
    "effective_from",
    "effective_until",
    "sources",
    "confidence",
    "note",
}
GROUP_KEYS = {"part", "category_no", "category", "article", "mine_kinds", "criteria"}
CRITERION_KEYS = {
    "code",
    "part",
    "category_no",
    "category",
    "article",
    "item",
    "wording",
    "mine_kinds",
    "note",
}


class StandardFileError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def read(source: str | Path | bytes) -> dict:
    """The data of a standard file (YAML, read as data only: ``safe_load``)."""
    try:
        if isinstance(source, bytes):
            data = yaml.safe_load(source.decode("utf-8"))
        else:
            data = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    except ValueError as exc:  # a bad date such as 2026-13-01 (YAML reads dates itself)
        if isinstance(exc, UnicodeDecodeError):
            raise StandardFileError(
                [_("The file is not valid UTF-8 YAML: %(reason)s") % {"reason": str(exc)[:200]}]
            ) from None
        raise StandardFileError([bad_date(exc)]) from None
    except yaml.YAMLError as exc:
        raise StandardFileError(
            [_("The file is not valid UTF-8 YAML: %(reason)s") % {"reason": str(exc)[:200]}]
        ) from None
    if not isinstance(data, dict):
        raise StandardFileError([_("The file must hold a mapping with “standard” and “groups”.")])
    return data


def bad_date(exc: Exception) -> str:
    return _(
        "The file holds a value that looks like a date but is not one (%(reason)s); write "
        "dates as YYYY-MM-DD."
    ) % {"reason": str(exc)[:100]}


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def parse(data: dict) -> tuple[dict, list[dict]]:
    """``(standard fields, criteria)`` of a standard file, or ``StandardFileError`` listing
    every problem (in the user's language)."""
    errors: list[str] = []
    std = data.get("standard")
    groups = data.get("groups")
    if not isinstance(std, dict):
        raise StandardFileError([_("The section “standard” is missing.")])
    if not isinstance(groups, list) or not groups:
        raise StandardFileError([_("The section “groups” is missing or empty.")])
    unknown = set(std) - STANDARD_KEYS
    if unknown:
        errors.append(_("standard: unknown keys %(keys)s.") % {"keys": ", ".join(sorted(unknown))})
    for key in ("code", "family", "name", "doc_no", "version", "effective_from"):
        if not std.get(key):
            errors.append(_("standard: “%(key)s” is required.") % {"key": key})
    if std.get("family") and std["family"] not in StandardFamily.values:
        errors.append(
            _("standard: family must be one of %(values)s.")
            % {"values": ", ".join(StandardFamily.values)}
        )
    fields: dict[str, Any] = {}
    try:
        fields = {
            "code": str(std.get("code", "")).strip(),
            "family": std.get("family", ""),
            "name": str(std.get("name", "")).strip(),
            "doc_no": str(std.get("doc_no", "")).strip(),
            "version": str(std.get("version", "")).strip(),
            "issued_on": _date(std.get("issued_on")),
            "effective_from": _date(std.get("effective_from")),
            "effective_until": _date(std.get("effective_until")),
            "sources": str(std.get("sources") or "").strip(),
            "confidence": str(std.get("confidence") or "").strip(),
            "note": str(std.get("note") or "").strip(),
        }
    except ValueError:
        errors.append(_("standard: dates must be written YYYY-MM-DD."))
    if (
        fields.get("effective_until")
        and fields.get("effective_from")
        and fields["effective_until"] <= fields["effective_from"]
    ):
        errors.append(_("standard: “effective_until” must come after “effective_from”."))

    criteria: list[dict] = []
    seen_codes: set[str] = set()
    seen_clauses: set[tuple] = set()
    order = 0
    for g, group in enumerate(groups, start=1):
        where_group = _("group %(n)s") % {"n": g}
        if not isinstance(group, dict) or not isinstance(group.get("criteria"), list):
            errors.append(_("%(where)s: needs a list “criteria”.") % {"where": where_group})
            continue
        unknown = set(group) - GROUP_KEYS
        if unknown:
            errors.append(
                _("%(where)s: unknown keys %(keys)s.")
                % {"where": where_group, "keys": ", ".join(sorted(unknown))}
            )
        for c, raw in enumerate(group["criteria"], start=1):
            where = _("group %(g)s, criterion %(c)s") % {"g": g, "c": c}
            if not isinstance(raw, dict):
                errors.append(_("%(where)s: must be a mapping.") % {"where": where})
                continue
            unknown = set(raw) - CRITERION_KEYS
            if unknown:
                errors.append(
                    _("%(where)s: unknown keys %(keys)s.")
                    % {"where": where, "keys": ", ".join(sorted(unknown))}
                )
            merged = {k: group.get(k) for k in ("part", "category_no", "category", "article")}
            merged["mine_kinds"] = group.get("mine_kinds") or []
            merged.update({k: v for k, v in raw.items() if v is not None})
            code = str(merged.get("code") or "").strip()
            where = code or where
            if not code:
                errors.append(_("%(where)s: “code” is required.") % {"where": where})
            elif code in seen_codes:
                errors.append(_("%(where)s: the code appears twice.") % {"where": where})
            seen_codes.add(code)
            if not str(merged.get("wording") or "").strip():
                errors.append(_("%(where)s: “wording” is required.") % {"where": where})
            if not str(merged.get("category") or "").strip():
                errors.append(_("%(where)s: “category” is required.") % {"where": where})
            part = merged.get("part") or ""
            if part not in StandardPart.values:
                errors.append(
                    _("%(where)s: part must be one of %(values)s.")
                    % {"where": where, "values": ", ".join(v for v in StandardPart.values if v)}
                )
            item = merged.get("item")
            article = merged.get("article")
            if not isinstance(item, int) or item < 1:
                errors.append(_("%(where)s: “item” must be a whole number ≥ 1.") % {"where": where})
            if article is not None and (not isinstance(article, int) or article < 1):
                errors.append(
                    _("%(where)s: “article” must be a whole number ≥ 1.") % {"where": where}
                )
            clause = (part, article, item)
            if clause in seen_clauses:
                errors.append(
                    _("%(where)s: another criterion has the same part, article and item.")
                    % {"where": where}
                )
            seen_clauses.add(clause)
            kinds = merged.get("mine_kinds") or []
            if not isinstance(kinds, list) or not kinds:
                errors.append(
                    _("%(where)s: “mine_kinds” must be a non-empty list.") % {"where": where}
                )
                kinds = []
            bad = [k for k in kinds if k not in MineKind.values]
            if bad:
                errors.append(
                    _("%(where)s: unknown mine kind “%(kind)s”.") % {"where": where, "kind": bad[0]}
                )
            order += 1
            criteria.append(
                {
                    "code": code,
                    "part": part,
                    "category_no": merged.get("category_no"),
                    "category": str(merged.get("category") or "").strip(),
                    "article": article,
                    "item": item,
                    "wording": " ".join(str(merged.get("wording") or "").split()),
                    "mine_kinds": list(kinds),
                    "order": order,
                    "note": str(merged.get("note") or "").strip(),
                }
            )
    if errors:
        raise StandardFileError(errors)
    return fields, criteria


def write_standard(fields: dict, criteria: list[dict], *, standard_model, criterion_model):
    """Create the standard and its criteria; the previous version of the same family still
    open-ended is closed on the day the new one takes effect. Returns the new standard.
    Refuses a standard or criterion code that exists already."""
    errors = []
    if standard_model.objects.filter(code=fields["code"]).exists():
        errors.append(
            _("A standard with the code %(code)s is loaded already.") % {"code": fields["code"]}
        )
    taken = set(
        criterion_model.objects.filter(code__in=[c["code"] for c in criteria]).values_list(
            "code", flat=True
        )
    )
    if taken:
        errors.append(
            _("Criterion codes already in use: %(codes)s.") % {"codes": ", ".join(sorted(taken))}
        )
    if errors:
        raise StandardFileError(errors)
    previous = (
        standard_model.objects.filter(
            family=fields["family"],
            effective_until__isnull=True,
            effective_from__lt=fields["effective_from"],
        )
        .order_by("-effective_from")
        .first()
    )
    if previous is not None and fields["effective_until"] is None:
        previous.effective_until = fields["effective_from"]
        previous.save(update_fields=["effective_until"])
    standard = standard_model.objects.create(**fields)
    prep = MineKindsField().get_prep_value
    criterion_model.objects.bulk_create(
        [
            criterion_model(
                standard=standard,
                **{k: (prep(v) if k == "mine_kinds" else v) for k, v in c.items()},
            )
            for c in criteria
        ]
    )
    return standard


def shipped_files() -> list[Path]:
    """The standard files that come with the application, oldest version first."""
    return sorted(DATA_DIR.glob("*.yaml"))
