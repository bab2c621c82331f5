"""The catalogue of major accident hazard criteria and the standards they come from."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuangan.core.ledger import Column, LedgerView, Tab
from kuangan.core.views import ObjectPageView

from ..choices import MineKind
from ..filters import HazardStandardFilterSet, MajorHazardCriterionFilterSet
from ..models import ChecklistItem, HazardStandard, MajorHazardCriterion


class CriterionLedger(LedgerView):
    model = MajorHazardCriterion
    permission_required = "checklists.view_majorhazardcriterion"
    filterset_class = MajorHazardCriterionFilterSet
    search_fields = ("code", "wording", "category", "note")
    title = gettext_lazy("Major accident hazard criteria")
    template_name = "checklists/criterion_ledger.html"
    default_sort = "pk"
    empty_hint = gettext_lazy(
        "No criterion is loaded. Load a standard with kuangan load-hazard-standards FILE."
    )
    columns = [
        Column("code", gettext_lazy("Code"), sort="code", link=True),
        Column(
            "standard", gettext_lazy("Standard"), "standard.doc_no", sort="standard__effective_from"
        ),
        Column("part", gettext_lazy("Part"), "get_part_display", sort="part"),
        Column("category", gettext_lazy("Category"), sort="category"),
        Column("clause", gettext_lazy("Clause"), "clause"),
        Column("wording", gettext_lazy("Situation (short)"), "wording"),
        Column(
            "mine_kinds",
            gettext_lazy("Mine kinds"),
            lambda c: "、".join(_kind_labels(c.mine_kinds)),
        ),
        Column("note", gettext_lazy("Note"), default=False),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("standard")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        standards = list(
            HazardStandard.objects.visible_to(self.request.user).annotate(n=Count("criteria"))
        )
        for standard in standards:
            standard.in_force_now = standard.is_in_force(today)
        ctx["standards"] = standards
        return ctx


def _kind_labels(kinds) -> list[str]:
    return [str(MineKind(k).label) for k in kinds if k in MineKind.values]


def _effective(standard: HazardStandard) -> str:
    start = standard.effective_from.isoformat()
    if standard.effective_until:
        return _("from %(start)s until %(end)s (exclusive)") % {
            "start": start,
            "end": standard.effective_until.isoformat(),
        }
    return _("from %(start)s, in force") % {"start": start}


class CriterionPage(ObjectPageView):
    model = MajorHazardCriterion
    permission_required = "checklists.view_majorhazardcriterion"
    slug_field = "code"
    slug_url_kwarg = "code"

    def get_queryset(self):
        return super().get_queryset().select_related("standard")

    def data_rows(self):
        c = self.object
        return [
            (_("Code"), c.code),
            (_("Standard"), str(c.standard)),
            (_("Effective"), _effective(c.standard)),
            (_("Part"), c.get_part_display()),
            (_("Category"), c.category),
            (_("Clause"), c.clause),
            (_("Situation"), c.wording),
            (_("Mine kinds"), "、".join(_kind_labels(c.mine_kinds))),
            (_("Note"), c.note),
            (_("Sources"), c.standard.sources),
            (_("Confidence"), c.standard.confidence),
        ]

    def tabs(self):
        items = (
            ChecklistItem.objects.visible_to(self.request.user)
            .filter(criteria=self.object)
            .select_related("template", "aspect")
            .order_by(
                "template__family", "template__code", "-template__version", "aspect__order", "order"
            )
        )
        return [
            Tab(
                "items",
                gettext_lazy("Checklist items"),
                "checklists/tab_criterion_items.html",
                items.count(),
                {"rows": items},
            )
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["breadcrumbs"] = [
            (_("Major accident hazard criteria"), reverse("checklists:criterion_list")),
            (self.object.code, None),
        ]
        return ctx


class StandardLedger(LedgerView):
    model = HazardStandard
    permission_required = "checklists.view_hazardstandard"
    filterset_class = HazardStandardFilterSet
    search_fields = ("name", "doc_no", "version")
    title = gettext_lazy("Major-hazard standards")
    default_sort = "effective_from"
    columns = [
        Column("name", gettext_lazy("Name"), sort="name", link=True),
        Column("doc_no", gettext_lazy("Document number"), sort="doc_no"),
        Column("version", gettext_lazy("Version"), sort="version"),
        Column("family", gettext_lazy("Applies to"), "get_family_display", sort="family"),
        Column("effective_from", gettext_lazy("Effective from"), sort="effective_from"),
        Column("effective_until", gettext_lazy("Effective until"), sort="effective_until"),
        Column("criterion_count", gettext_lazy("Criteria"), sort="criterion_count"),
        Column("confidence", gettext_lazy("Confidence"), default=False),
        Column("sources", gettext_lazy("Sources"), default=False),
    ]

    def base_queryset(self):
        return super().base_queryset().annotate(criterion_count=Count("criteria"))
