"""The texts of an inspection's reports, as their authors write them."""

from __future__ import annotations

from collections.abc import Mapping

from kuangan.core import audit

from ..models import InspectionReport, SelfInspectionReport


def write_texts(
    report: SelfInspectionReport | InspectionReport, texts: Mapping[str, str | None]
) -> dict:
    """Set the ``texts`` of ``report`` (stripped; None leaves a text as it is) and save it.
    Returns the audit changes."""
    fields = list(texts)
    before = audit.snapshot(report, fields)
    for name, value in texts.items():
        if value is not None:
            setattr(report, name, value.strip())
    report.save()
    return audit.diff(before, audit.snapshot(report, fields))
