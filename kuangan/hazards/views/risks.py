"""Pages of the risk list (风险管控清单): the ledger, a risk item's page, record / edit / delete,
the import (upload → preview → confirm), the import template and the export in the import
format; and the mine's two lists (两个清单) download.

Between preview and confirm the uploaded file is kept under ``KUANGAN_DATA_DIR/imports/``
(under a random name, never the one the person gave it), bound to the person's session, and
deleted after the confirmation, a cancellation or a preview that found errors."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from kuangan.core.ledger import Column, LedgerView
from kuangan.core.spreadsheets import ImportResult, RowOutcome
from kuangan.core.spreadsheets.views import (
    Count,
    ImportTexts,
    ImportUrls,
    SpreadsheetImportView,
)
from kuangan.core.views import ObjectFormView, ObjectPageView, ObjectStepView
from kuangan.registry.models import Mine

from .. import forms, risk_io, services
from ..choices import RiskLevel
from ..filters import RiskItemFilterSet
from ..models import RiskItem
from ..two_lists import two_lists_response
from .common import mine_of_query

RISK_COLUMNS = [
    Column("code", gettext_lazy("Risk number"), sort="code", link=True),
    Column("mine", gettext_lazy("Mine"), "mine.name", sort="mine__name"),
    Column("county", gettext_lazy("County"), "mine.region.name", default=False),
    Column("enterprise", gettext_lazy("Enterprise"), "mine.enterprise.name", default=False),
    Column("location", gettext_lazy("Risk point or location"), sort="location"),
    Column("hazard_type", gettext_lazy("Hazard type"), "hazard_type", sort="hazard_type"),
    Column("description", gettext_lazy("Risk description"), lambda r: r.description[:80]),
    Column("level", gettext_lazy("Risk level"), "level", sort="level", badge=RiskLevel),
    Column("control_measures", gettext_lazy("Control measures"), default=False),
    Column("responsible_person", gettext_lazy("Person responsible for control")),
    Column("responsible_level", gettext_lazy("Control level"), "responsible_level"),
    Column("review_on", gettext_lazy("Review date"), sort="review_on"),
    Column("review_overdue", gettext_lazy("Review overdue"), lambda r: r.is_review_overdue),
]


class RiskItemLedger(LedgerView):
    model = RiskItem
    permission_required = "hazards.view_riskitem"
    filterset_class = RiskItemFilterSet
    search_fields = ("code", "location", "description", "control_measures", "mine__name")
    columns = RISK_COLUMNS
    default_sort = "mine__name"
    title = gettext_lazy("Risk list")
    template_name = "hazards/risk_ledger.html"
    create_url = "hazards:risk_create"
    create_perm = "hazards.add_riskitem"
    empty_hint = gettext_lazy(
        "No risk items. Record the risk points of the mine one by one, or import the risk list "
        "from the template."
    )

    def base_queryset(self):
        return RiskItem.objects.visible_to(self.request.user).with_related()

    def ordering(self) -> list[str]:
        return [*super().ordering(), "code"]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["two_lists_mine"] = mine_of_query(self.request)
        return ctx


class RiskItemPage(ObjectPageView):
    model = RiskItem
    permission_required = "hazards.view_riskitem"
    list_url_name = "hazards:risk_list"
    template_name = "hazards/risk_page.html"

    def get_queryset(self):
        return super().get_queryset().with_related().select_related("created_by")

    def can_change(self) -> bool:
        return self.request.user.has_perm("hazards.change_riskitem")

    def data_rows(self):
        r = self.object
        return [
            (_("Risk number"), r.code),
            (_("Mine"), r.mine.name),
            (_("Enterprise"), r.mine.enterprise.name),
            (_("Risk point or location"), r.location),
            (_("Hazard type"), r.get_hazard_type_display()),
            (_("Risk description"), r.description),
            (_("Risk level"), r.get_level_display()),
            (_("Control measures"), r.control_measures),
            (_("Person responsible for control"), r.responsible_person),
            (_("Control level"), r.get_responsible_level_display()),
            (_("Review date"), r.review_on),
            (_("Review overdue"), r.is_review_overdue),
            (_("Recorded by"), r.created_by),
        ]


class RiskCreateView(ObjectFormView):
    form_class = forms.RiskItemForm
    permission_required = "hazards.add_riskitem"
    title_create = gettext_lazy("Record a risk item")
    list_url = "hazards:risk_list"

    def get_initial(self):
        mine = self.request.GET.get("mine", "")
        return {"mine": mine} if mine.isdigit() else {}

    def save(self, form):
        data = dict(form.cleaned_data)
        mine = data.pop("mine")
        return services.risk_create(by=self.request.user, mine=mine, **data)

    def get_success_message(self, obj) -> str:
        return _("Risk item %(code)s recorded.") % {"code": obj.code}


class _RiskStep(ObjectStepView):
    """A step on one risk item (edit, delete)."""

    model = RiskItem
    object_arg = "risk"

    def get_queryset(self):
        return super().get_queryset().with_related()


class RiskEditView(_RiskStep):
    template_name = "core/form.html"
    form_class = forms.RiskItemForm
    permission_required = "hazards.change_riskitem"
    service = services.risk_update

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "risk": self.object}

    def get_initial(self):
        return {f: getattr(self.object, f) for f in services.RISK_FIELDS}

    def get_title(self) -> str:
        return _("Edit risk item: %(code)s") % {"code": self.object.code}


class RiskDeleteView(_RiskStep):
    """Confirm, then remove the risk item (the audit log keeps what it said)."""

    template_name = "hazards/risk_delete.html"
    permission_required = "hazards.delete_riskitem"
    service = services.risk_delete

    def get_success_message(self) -> str:
        return _("Risk item %(code)s deleted.") % {"code": self.object.code}

    def get_success_url(self) -> str:
        return f"{reverse('hazards:risk_list')}?mine={self.object.mine_id}"


# --- import ---------------------------------------------------------------------------------


class RiskImportView(SpreadsheetImportView):
    """Upload a file: it is checked in full (nothing written) and the preview shown; then
    confirm (the file is written, the kept copy deleted) or cancel."""

    permission_required = ("hazards.add_riskitem", "hazards.change_riskitem")
    session_key = "risk_import"
    file_prefix = "risk-"
    urls = ImportUrls(
        "hazards:risk_import",
        template="hazards:risk_template",
        export="hazards:risk_export",
        done="hazards:risk_list",
        cancelled="hazards:risk_list",
    )
    texts = ImportTexts(
        title=gettext_lazy("Import the risk list"),
        preview=gettext_lazy("Import the risk list: preview"),
        changed=gettext_lazy("Import the risk list: the list changed since the preview"),
        done=gettext_lazy("Import the risk list: done"),
        intro=gettext_lazy(
            "The file is checked in full first: you will see what would be added or changed, "
            "or every error with its row, column and value. Nothing is changed until you "
            "confirm, and a file with any error changes nothing."
        ),
        pending=gettext_lazy(
            "Nothing has been changed yet. Confirm to write these changes into the risk list; "
            "each is recorded in the audit log."
        ),
        question=gettext_lazy("Write the changes shown into the risk list?"),
        matches=gettext_lazy("The file matches the risk list: importing it changes nothing."),
        finished=gettext_lazy("The import is done. Each change is recorded in the audit log."),
        open_list=gettext_lazy("Open the risk list"),
        export=gettext_lazy("Export the risk list in this format"),
    )
    upload_label = gettext_lazy("Risk list file")
    upload_help = gettext_lazy(
        "An Excel workbook (.xlsx) with one row per risk item; start from the template."
    )
    counts = Count.rows(
        gettext_lazy("new risk items"),
        gettext_lazy("risk items changed"),
        gettext_lazy("risk items unchanged"),
    )
    outcome_headers = (
        gettext_lazy("Risk number"),
        gettext_lazy("Mine code"),
        gettext_lazy("Risk point or location"),
        gettext_lazy("Risk level"),
    )

    def run_import(self, *, filename: str, data: bytes, dry_run: bool) -> ImportResult:
        return risk_io.import_risks(
            by=self.request.user, filename=filename, data=data, dry_run=dry_run
        )

    def columns(self) -> list[dict[str, Any]]:
        return risk_io.FORMAT.described()

    def outcome_cells(self, outcome: RowOutcome, code: str) -> list[dict[str, Any]]:
        level = outcome.details["level"]
        known = level in RiskLevel.values
        return [
            {"text": code or "—"},
            {"text": outcome.details["mine"]},
            {"text": outcome.details["location"]},
            {
                "text": RiskLevel(level).label if known else "",
                "badge": RiskLevel.css(level) if known else "",
            },
        ]


class RiskTemplateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The blank import workbook (drop-down lists, instruction sheet)."""

    permission_required = "hazards.view_riskitem"

    def get(self, request: HttpRequest) -> HttpResponseBase:
        return risk_io.template_response()


class RiskExportView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The risk items of the ledger's filters (same parameters) in the import format."""

    permission_required = "hazards.view_riskitem"

    def get(self, request: HttpRequest) -> HttpResponseBase:
        ledger = RiskItemLedger()
        ledger.setup(request)
        qs, _filterset = ledger.filtered()
        return risk_io.export_response(by=request.user, items=list(qs), filters=request.GET.dict())


# --- the two lists --------------------------------------------------------------------------


class TwoListsView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """GET: the mine's two lists (hazard list and risk list) as one .xlsx workbook."""

    permission_required = ("hazards.view_hazard", "hazards.view_riskitem")

    def get(self, request, code: str):
        mine = get_object_or_404(
            Mine.objects.visible_to(request.user).select_related("enterprise", "region"),
            code=code,
        )
        return two_lists_response(user=request.user, mine=mine)
