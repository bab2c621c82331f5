"""The ledgers of inspections: all inspections, the reviewers' inbox and the look-back draws."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from kuangan.core.ledger import Column, LedgerView

from ..choices import InspectionKind, InspectionStatus, LookbackMethod
from ..filters import InspectionFilterSet
from ..models import Inspection, LookbackDraw

S = InspectionStatus


def _progress(obj: Inspection) -> str:
    answered, total = obj.progress()
    return f"{answered}/{total}"


class InspectionLedger(LedgerView):
    model = Inspection
    permission_required = "inspections.view_inspection"
    filterset_class = InspectionFilterSet
    search_fields = ("mine__name", "mine__code", "mine__enterprise__name")
    default_sort = "-created_at"
    title = gettext_lazy("Inspections")
    create_url: str | None = "inspections:inspection_create"
    create_perm = "inspections.add_inspection"
    empty_hint = gettext_lazy(
        "No inspection yet. Plan one with “New”, or form teams on the key-inspection plan."
    )
    columns = [
        Column("id", gettext_lazy("No."), "pk", sort="pk", link=True),
        Column("mine", gettext_lazy("Mine"), "mine.name", sort="mine__name", link=True),
        Column("code", gettext_lazy("Mine code"), "mine.code", sort="mine__code"),
        Column("enterprise", gettext_lazy("Enterprise"), "mine.enterprise.name", default=False),
        Column("region", gettext_lazy("County"), "mine.region.name", sort="mine__region__path"),
        Column("kind", gettext_lazy("Kind"), "kind", sort="kind"),
        Column("status", gettext_lazy("Status"), "status", sort="status", badge=InspectionStatus),
        Column("progress", gettext_lazy("Answered"), _progress),
        Column("team", gettext_lazy("Team"), "team.name", default=False),
        Column("deadline", gettext_lazy("To be done by"), "deadline", sort="deadline"),
        Column("submitted", gettext_lazy("Submitted at"), "submitted_at", sort="submitted_at"),
        Column(
            "created", gettext_lazy("Created at"), "created_at", sort="created_at", default=False
        ),
    ]

    def base_queryset(self):
        return (
            super()
            .base_queryset()
            .select_related("mine__region", "mine__enterprise", "team", "template")
        )


class InboxLedger(InspectionLedger):
    """Self-inspection reports and group checks awaiting review by this regulator."""

    permission_required = "inspections.review_inspection"
    title = gettext_lazy("Inbox: submitted self-inspections")
    create_url = None
    default_sort = "submitted_at"
    empty_hint = gettext_lazy("Nothing awaits your review.")

    def base_queryset(self):
        return (
            super()
            .base_queryset()
            .filter(status=S.SUBMITTED, kind__in=[InspectionKind.SELF, InspectionKind.GROUP])
        )


class LookbackLedger(LedgerView):
    model = LookbackDraw

    permission_required = "inspections.view_lookbackdraw"
    title = gettext_lazy("Look-back draws")
    default_sort = "-drawn_at"
    create_url = "inspections:lookback_new"
    create_perm = "inspections.add_lookbackdraw"
    empty_hint = gettext_lazy("No look-back sample drawn yet.")
    columns = [
        Column("drawn_at", gettext_lazy("Drawn at"), "drawn_at", sort="drawn_at", link=True),
        Column("region", gettext_lazy("Region"), "region.name"),
        Column("campaign", gettext_lazy("Campaign"), "campaign.name"),
        Column("ratio", gettext_lazy("Ratio"), "ratio"),
        Column("seed", gettext_lazy("Seed"), "seed"),
        Column("method", gettext_lazy("Method"), "get_method_display", badge=LookbackMethod),
        Column("full", gettext_lazy("Checked in full"), lambda d: len(d.full)),
        Column("sampled", gettext_lazy("Drawn at random"), lambda d: len(d.sampled)),
        Column("by", gettext_lazy("Drawn by"), "drawn_by"),
    ]
