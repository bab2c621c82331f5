"""Answering the checklist: the mobile answer form (aspect by aspect, each answer saved with
HTMX), the files of the answers, and the offline checklist (download, fill in, upload)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from kuangan.core.files import attachments_of
from kuangan.core.spreadsheets import XLSX_MIME
from kuangan.core.views import file_response

from .. import exports, services
from ..choices import HazardLevel, Outcome
from ..forms import AnswerForm, ImportForm, PhotoForm
from ..models import Inspection
from .base import InspectionStep, message_errors, visible_inspection

# --- Answering -------------------------------------------------------------------------------


def _aspects(inspection: Inspection) -> list[dict]:
    """[{aspect, results, answered}] in checklist order."""
    groups: dict[int, dict] = {}
    results = inspection.results.select_related("item__aspect", "criterion").prefetch_related(
        "item__criteria"
    )
    for r in results.order_by("order"):
        aspect = r.item.aspect
        g = groups.setdefault(aspect.pk, {"aspect": aspect, "results": [], "answered": 0})
        g["results"].append(r)
        if r.outcome != Outcome.UNCHECKED:
            g["answered"] += 1
    return list(groups.values())


def _card_context(request, inspection, result, **extra) -> dict:
    files = attachments_of(result)
    return {
        "inspection": inspection,
        "r": result,
        "criteria": list(result.item.criteria.all()),
        "files": files,
        "outcomes": Outcome.choices,
        "levels": HazardLevel.choices,
        "photo_form": PhotoForm(),
        **extra,
    }


class AnswerView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The mobile answer form: one aspect at a time, each answer saved as it is given."""

    permission_required = "inspections.view_inspection"
    template_name = "inspections/answer.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        inspection = visible_inspection(self.request, kwargs["pk"])
        if not services.may_conduct(self.request.user, inspection):
            raise Http404
        aspects = _aspects(inspection)
        try:
            index = int(self.request.GET.get("aspect", 1))
        except ValueError:
            index = 1
        index = min(max(index, 1), max(len(aspects), 1))
        current = aspects[index - 1] if aspects else None
        answered, total = inspection.progress()
        cards = [
            _card_context(self.request, inspection, r) for r in (current or {}).get("results", [])
        ]
        ctx.update(
            title=_("Answer the checklist"),
            inspection=inspection,
            aspects=aspects,
            index=index,
            current=current,
            cards=cards,
            answered=answered,
            total=total,
            editable=inspection.is_editable,
            previous=index - 1 if index > 1 else None,
            next=index + 1 if index < len(aspects) else None,
        )
        return ctx


@login_required
@require_POST
def answer_save(request, pk: int, result_pk: int):
    inspection = visible_inspection(request, pk)
    result = get_object_or_404(inspection.results.select_related("item"), pk=result_pk)
    form = AnswerForm(request.POST)
    error = None
    if form.is_valid():
        try:
            result = services.item_result_record(
                by=request.user, result=result, **form.cleaned_data
            )
        except ValidationError as exc:
            error = (
                " ".join(" ".join(v) for v in exc.message_dict.values())
                if hasattr(exc, "error_dict")
                else " ".join(exc.messages)
            )
    else:
        error = " ".join(" ".join(str(m) for m in v) for v in form.errors.values())
    if not request.headers.get("HX-Request"):
        if error:
            messages.error(request, error)
        return redirect(_answer_url(inspection, result))
    inspection.refresh_from_db()
    result.refresh_from_db()
    if error:
        # Show what was entered, so that it can be corrected (nothing of it was saved).
        result.outcome = request.POST.get("outcome", result.outcome)
        result.reason = request.POST.get("reason", "")
        result.note = request.POST.get("note", "")
    answered, total = inspection.progress()
    ctx = _card_context(
        request,
        inspection,
        result,
        error=error,
        oob=True,
        answered=answered,
        total=total,
        editable=inspection.is_editable,
    )
    return render(request, "inspections/_item_card.html", ctx, status=200)


def _answer_url(inspection, result) -> str:
    aspects = _aspects(inspection)
    index = 1
    for n, g in enumerate(aspects, start=1):
        if any(r.pk == result.pk for r in g["results"]):
            index = n
    return reverse("inspections:answer", args=[inspection.pk]) + f"?aspect={index}#r{result.pk}"


@login_required
@require_POST
def photo_upload(request, pk: int, result_pk: int):
    inspection = visible_inspection(request, pk)
    result = get_object_or_404(inspection.results, pk=result_pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a photo or a file to upload."))
    else:
        try:
            services.result_attach(
                by=request.user, result=result, uploaded_file=form.cleaned_data["file"]
            )
            messages.success(
                request, _("File attached to item %(code)s.") % {"code": result.item.code}
            )
        except ValidationError as exc:
            message_errors(request, exc)
    return redirect(_answer_url(inspection, result))


# --- Offline checklist -----------------------------------------------------------------------


@login_required
@permission_required("inspections.view_inspection", raise_exception=True)
def checklist_download(request, pk: int):
    inspection = visible_inspection(request, pk)
    name = f"检查表-{inspection.mine.code}-{inspection.pk}.xlsx"
    return file_response(exports.checklist_xlsx(inspection), name, XLSX_MIME)


class ImportView(InspectionStep):
    permission_required = "inspections.conduct_inspection"
    template_name = "core/form.html"
    form_class = ImportForm
    title = gettext_lazy("Upload a filled checklist")
    consequence = gettext_lazy(
        "Upload the checklist downloaded from this inspection, with the results filled "
        "in. Either every answered row is recorded, or, if one row is wrong, none."
    )

    def has_permission(self):
        return services.may_conduct(self.request.user, self.object)

    def perform(self, data):
        upload = data["file"]
        if upload.size > 10 * 1024 * 1024:
            raise ValidationError(_("The file is larger than 10 MB."))
        answers = exports.parse_checklist_xlsx(upload.read(), self.object)
        return services.items_record_bulk(
            by=self.request.user, inspection=self.object, answers=answers
        )

    def apply_errors(self, form, exc):
        if hasattr(exc, "error_dict"):
            for key, msgs in exc.message_dict.items():
                form.add_error(None, f"{key}: {' '.join(msgs)}")
        else:
            form.add_error(None, exc.messages)

    def get_success_message(self):
        return _("%(count)d answers recorded.") % {"count": self.result}
