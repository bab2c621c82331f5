"""Pages of the risk list (风险管控清单): the ledger, a risk item's page, record / edit / delete,
the import (upload → preview → confirm), the import template and the export in the import
format; and the mine's two lists (两个清单) download.

Between preview and confirm the uploaded file is kept under ``KUANGAN_DATA_DIR/imports/``
(under a random name, never the one the person gave it), bound to the person's session, and
deleted after the confirmation, a cancellation or a preview that found errors."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.forms import apply_errors
from kuangan.core.ledger import Column, LedgerView
from kuangan.core.services import ConflictError
from kuangan.core.views import ObjectPageView
from kuangan.registry.imports import ImportRefused
from kuangan.registry.models import Mine

from . import forms, risk_io, risks
from .filters import RiskItemFilterSet
from .models import RiskItem
from .two_lists import two_lists_response
from .views import _posted_version


def _level_badge(obj) -> str:
    return obj.colour_class


RISK_COLUMNS = [
    Column("code", gettext_lazy("Risk number"), sort="code", link=True),
    Column("mine", gettext_lazy("Mine"), "mine.name", sort="mine__name"),
    Column("county", gettext_lazy("County"), "mine.region.name", default=False),
    Column("enterprise", gettext_lazy("Enterprise"), "mine.enterprise.name", default=False),
    Column("location", gettext_lazy("Risk point or location"), sort="location"),
    Column("hazard_type", gettext_lazy("Hazard type"), "hazard_type", sort="hazard_type"),
    Column("description", gettext_lazy("Risk description"), lambda r: r.description[:80]),
    Column("level", gettext_lazy("Risk level"), "level", sort="level", badge=_level_badge),
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
        mine = self.request.GET.get("mine", "")
        ctx["two_lists_mine"] = (
            Mine.objects.visible_to(self.request.user).filter(pk=mine).first()
            if mine.isdigit()
            else None
        )
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


class RiskCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    template_name = "core/form.html"
    form_class = forms.RiskItemForm
    permission_required = "hazards.add_riskitem"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        mine = self.request.GET.get("mine", "")
        return {"mine": mine} if mine.isdigit() else {}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=_("Record a risk item"), cancel_url=reverse("hazards:risk_list"), version=None
        )
        return ctx

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        mine = data.pop("mine")
        try:
            item = risks.risk_create(by=self.request.user, mine=mine, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Risk item %(code)s recorded.") % {"code": item.code})
        return redirect(item.get_absolute_url())


class _RiskStep(LoginRequiredMixin, PermissionRequiredMixin, View):
    risk: RiskItem

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.risk = get_object_or_404(
                RiskItem.objects.visible_to(request.user).with_related(), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)


class RiskEditView(_RiskStep, FormView):
    template_name = "core/form.html"
    form_class = forms.RiskItemForm
    permission_required = "hazards.change_riskitem"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "risk": self.risk}

    def get_initial(self):
        return {f: getattr(self.risk, f) for f in risks.RISK_FIELDS}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=_("Edit risk item: %(code)s") % {"code": self.risk.code},
            cancel_url=self.risk.get_absolute_url(),
            version=self.risk.version,
        )
        return ctx

    def form_valid(self, form):
        try:
            risks.risk_update(
                by=self.request.user,
                risk=self.risk,
                version=_posted_version(self.request),
                **form.cleaned_data,
            )
        except ConflictError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(self.risk.get_absolute_url())


class RiskDeleteView(_RiskStep):
    """Confirm, then remove the risk item (the audit log keeps what it said)."""

    permission_required = "hazards.delete_riskitem"

    def get(self, request, *args, **kwargs):
        return render(request, "hazards/risk_delete.html", {"object": self.risk})

    def post(self, request, *args, **kwargs):
        try:
            risks.risk_delete(by=request.user, risk=self.risk, version=_posted_version(request))
        except (ConflictError, PermissionDenied, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return redirect(self.risk.get_absolute_url())
        messages.success(request, _("Risk item %(code)s deleted.") % {"code": self.risk.code})
        return redirect(f"{reverse('hazards:risk_list')}?mine={self.risk.mine_id}")


# --- import ---------------------------------------------------------------------------------

SESSION_KEY = "risk_import"
STALE_SECONDS = 24 * 3600
PREVIEW_ROWS = 500
IMPORT_PERMS = ("hazards.add_riskitem", "hazards.change_riskitem")
ACTION_LABELS = {
    "create": gettext_lazy("New"),
    "update": gettext_lazy("Changed"),
    "unchanged": gettext_lazy("Unchanged"),
}


def _import_folder() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    limit = time.time() - STALE_SECONDS
    for path in folder.glob("risk-*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue
    return folder


def _stored(token: str, ext: str) -> Path | None:
    if not token.isalnum() or ext not in ("xlsx", "csv"):
        return None
    return _import_folder() / f"risk-{token}.{ext}"


def _forget(request) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        path = _stored(pending.get("token", ""), pending.get("ext", ""))
        if path is not None:
            path.unlink(missing_ok=True)


def _result_context(result, *, final: bool = False, **extra) -> dict:
    outcomes = [r for r in result.rows if r.action != "unchanged"]
    from .choices import RiskLevel

    return {
        "result": result,
        "outcomes": [
            {
                "row": o.row,
                "action": o.action,
                "action_label": ACTION_LABELS[o.action],
                "code": o.code if final or o.action != "create" else "",
                "mine": o.mine,
                "location": o.location,
                "level": o.level,
                "level_label": RiskLevel(o.level).label if o.level in RiskLevel.values else "",
                "changed": "、".join(o.changed),
            }
            for o in outcomes[:PREVIEW_ROWS]
        ],
        "outcomes_more": max(0, len(outcomes) - PREVIEW_ROWS),
        **extra,
    }


class RiskImportView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Upload a file: it is checked in full (nothing written) and the preview shown."""

    permission_required = IMPORT_PERMS

    def page(self, form, status: int = 200):
        helps = risk_io.column_help()
        return render(
            self.request,
            "hazards/risk_import.html",
            {
                "title": _("Import the risk list"),
                "form": form,
                "columns": [
                    {
                        "header": c.header,
                        "required": c.required,
                        "help": helps[c.key],
                        "words": list(
                            dict.fromkeys(risk_io.export_word(c.words, v) for v in c.words.values())
                        )
                        if c.words
                        else [],
                    }
                    for c in risk_io.COLUMNS
                ],
            },
            status=status,
        )

    def get(self, request):
        _forget(request)
        return self.page(forms.RiskImportForm())

    def post(self, request):
        _forget(request)
        form = forms.RiskImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(form, status=400)
        upload = form.cleaned_data["file"]
        data = upload.read(settings.UPLOAD_MAX_BYTES + 1)
        try:
            result = risk_io.import_risks(
                by=request.user, filename=upload.name or "", data=data, dry_run=True
            )
        except ImportRefused as exc:
            form.add_error("file", exc.message)
            return self.page(form, status=400)
        title = _("Import the risk list: preview")
        if not result.ok or not result.changes:
            return render(
                request,
                "hazards/risk_import_preview.html",
                _result_context(result, title=title, filename=upload.name),
                status=200 if result.ok else 422,
            )
        token = secrets.token_hex(16)
        ext = upload.name.rsplit(".", 1)[-1].lower()
        path = _stored(token, ext)
        path.write_bytes(data)
        request.session[SESSION_KEY] = {"token": token, "ext": ext, "name": upload.name}
        return render(
            request,
            "hazards/risk_import_preview.html",
            _result_context(result, title=title, filename=upload.name, token=token),
        )


class RiskImportConfirmView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Write the previewed file, then delete the kept copy."""

    permission_required = IMPORT_PERMS

    def get(self, request):
        return redirect("hazards:risk_import")

    def post(self, request):
        pending = request.session.get(SESSION_KEY) or {}
        path = _stored(pending.get("token", ""), pending.get("ext", ""))
        if (
            not pending
            or request.POST.get("token", "") != pending.get("token")
            or path is None
            or not path.exists()
        ):
            _forget(request)
            messages.error(
                request, _("There is no import waiting for confirmation; upload the file again.")
            )
            return redirect("hazards:risk_import")
        try:
            result = risk_io.import_risks(
                by=request.user, filename=pending["name"], data=path.read_bytes()
            )
        except ImportRefused as exc:
            messages.error(request, exc.message)
            return redirect("hazards:risk_import")
        finally:
            _forget(request)
        if not result.ok:
            return render(
                request,
                "hazards/risk_import_preview.html",
                _result_context(
                    result,
                    title=_("Import the risk list: the list changed since the preview"),
                    filename=pending["name"],
                ),
                status=422,
            )
        return render(
            request,
            "hazards/risk_import_preview.html",
            _result_context(
                result,
                final=True,
                done=True,
                title=_("Import the risk list: done"),
                filename=pending["name"],
            ),
        )


class RiskImportCancelView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = IMPORT_PERMS

    def get(self, request):
        return redirect("hazards:risk_import")

    def post(self, request):
        _forget(request)
        messages.info(request, _("The import was cancelled; nothing was changed."))
        return redirect("hazards:risk_list")


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=risk_io.XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


class RiskTemplateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The blank import workbook (drop-down lists, instruction sheet)."""

    permission_required = "hazards.view_riskitem"

    def get(self, request):
        return _xlsx(risk_io.workbook_bytes([]), _("risk list template.xlsx"))


class RiskExportView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The risk items of the ledger's filters (same parameters) in the import format."""

    permission_required = "hazards.view_riskitem"

    def get(self, request):
        ledger = RiskItemLedger()
        ledger.setup(request)
        qs, _filterset = ledger.filtered()
        items = list(qs)
        audit.record(
            actor=request.user,
            action=AuditAction.EXPORTED,
            object_repr=str(RiskItem._meta.verbose_name_plural),
            region=getattr(request.user, "audit_region", lambda: None)(),
            changes={"rows": len(items), "filters": request.GET.dict(), "format": "import"},
        )
        response = _xlsx(risk_io.workbook_bytes(items), risk_io.export_filename(_("risk list")))
        response["X-Export-Rows"] = str(len(items))
        return response


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
