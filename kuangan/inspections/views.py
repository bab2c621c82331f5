"""Pages of inspections: the ledger and the reviewers' inbox, the inspection page with tabs,
the answer form (aspect by aspect, each answer saved with HTMX), the transitions with their
confirmation, the reports, the key-inspection plan and the coverage boards."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from kuangan.core.files import attachments_of
from kuangan.core.forms import apply_errors
from kuangan.core.ledger import Column, LedgerView, Tab
from kuangan.core.views import ObjectPageView

from . import documents, exports, plan, services
from .choices import HazardLevel, InspectionKind, InspectionStatus, Outcome
from .filters import InspectionFilterSet
from .forms import (
    AnswerForm,
    AssignForm,
    ExpertForm,
    ImportForm,
    InspectionCreateForm,
    InspectionReportForm,
    PhotoForm,
    ReasonForm,
    RedoForm,
    SelfReportForm,
    SendForm,
    SignForm,
    TeamForm,
)
from .models import Inspection, InspectionReport, SelfInspectionReport

S = InspectionStatus

STATUS_BADGES = {
    S.PLANNED: "bg-secondary-lt",
    S.IN_PROGRESS: "bg-blue-lt",
    S.FINISHED: "bg-azure-lt",
    S.SUBMITTED: "bg-orange-lt",
    S.ACCEPTED: "bg-green-lt",
    S.RETURNED: "bg-red-lt",
    S.REDO: "bg-red-lt",
}
OUTCOME_BADGES = {
    Outcome.COMPLIANT: "bg-green-lt",
    Outcome.NONCOMPLIANT: "bg-red-lt",
    Outcome.NOT_APPLICABLE: "bg-secondary-lt",
    Outcome.UNCHECKED: "bg-orange-lt",
}


def _status_badge(obj) -> str:
    return STATUS_BADGES.get(obj.status, "bg-secondary-lt")


def _progress(obj) -> str:
    answered, total = obj.progress()
    return f"{answered}/{total}"


def visible_inspection(request, pk: int) -> Inspection:
    return get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related(
            "mine__region", "mine__enterprise", "template"
        ),
        pk=pk,
    )


def _errors(request, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, msgs in exc.message_dict.items():
            for m in msgs:
                messages.error(request, m if field == "__all__" else f"{field}: {m}")
    else:
        for m in exc.messages:
            messages.error(request, m)


# --- Ledgers -------------------------------------------------------------------------------


class InspectionLedger(LedgerView):
    model = Inspection
    permission_required = "inspections.view_inspection"
    filterset_class = InspectionFilterSet
    search_fields = ("mine__name", "mine__code", "mine__enterprise__name")
    default_sort = "-created_at"
    title = gettext_lazy("Inspections")
    create_url = "inspections:inspection_create"
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
        Column("status", gettext_lazy("Status"), "status", sort="status", badge=_status_badge),
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


# --- Creating --------------------------------------------------------------------------------


class InspectionCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    permission_required = "inspections.add_inspection"
    template_name = "core/form.html"
    form_class = InspectionCreateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        initial = {}
        mine = self.request.GET.get("mine")
        if mine:
            initial["mine"] = mine
        kind = self.request.GET.get("kind")
        if kind:
            initial["kind"] = kind
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Plan an inspection"),
            cancel_url=reverse("inspections:inspection_list"),
            help=_(
                "The mine's published checklist is pinned and its applicable items are listed, "
                "each “not checked”."
            ),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            inspection = services.inspection_create(by=self.request.user, **data)
        except ValidationError as exc:
            for field, msgs in (exc.message_dict if hasattr(exc, "error_dict") else {}).items():
                form.add_error(field if field in form.fields else None, msgs)
            if not hasattr(exc, "error_dict"):
                form.add_error(None, exc.messages)
            return self.form_invalid(form)
        messages.success(self.request, _("Inspection planned."))
        return redirect(inspection)


# --- The inspection page ---------------------------------------------------------------------


def available_actions(user, inspection: Inspection) -> list[tuple[str, str, str]]:
    """(action, label, css) of the transitions this user may start on this inspection now."""
    actions = []
    conduct = services.may_conduct(user, inspection)
    submitter = user.has_perm("inspections.submit_inspection") and bool(
        set(user.roles) & services.SUBMIT_ROLES[inspection.kind]
    )
    reviewer = services.may_review(user, inspection)
    report = getattr(inspection, "self_report", None) if inspection.is_self else None
    signed = report is not None and report.is_signed
    if conduct and inspection.can("start"):
        actions.append(("start", _("Start"), "btn-primary"))
    if conduct and inspection.can("finish"):
        actions.append(("finish", _("Finish"), "btn-primary"))
    if conduct and inspection.can("reopen") and not signed:
        actions.append(("reopen", _("Reopen"), "btn-outline-secondary"))
    if (
        inspection.is_self
        and inspection.can("sign")
        and not signed
        and user.has_perm("inspections.sign_inspection")
        and set(user.roles) & services.SIGN_ROLES
    ):
        actions.append(("sign", _("Sign"), "btn-primary"))
    if submitter and inspection.can("submit") and (signed or not inspection.is_self):
        actions.append(("submit", _("Submit"), "btn-success"))
    if reviewer:
        if inspection.can("accept"):
            actions.append(("accept", _("Accept"), "btn-success"))
        if inspection.can("return"):
            actions.append(("return", _("Return for correction"), "btn-warning"))
        if inspection.can("redo"):
            actions.append(("redo", _("Order a redo"), "btn-danger"))
    return actions


class InspectionPage(ObjectPageView):
    model = Inspection
    permission_required = "inspections.view_inspection"
    template_name = "inspections/inspection_page.html"
    list_url_name = "inspections:inspection_list"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("mine__region", "mine__enterprise", "template", "campaign", "team")
        )

    def data_rows(self):
        i = self.object
        answered, total = i.progress()
        rows = [
            (_("Mine"), i.mine),
            (_("Enterprise"), i.mine.enterprise),
            (_("Kind"), i.get_kind_display()),
            (_("Status"), i.get_status_display()),
            (_("Checklist"), i.template),
            (_("Campaign"), i.campaign or "—"),
            (_("Team"), i.team or "—"),
            (_("Answered"), f"{answered} / {total}"),
            (_("Planned date"), i.planned_on),
            (_("To be done by"), i.deadline),
            (_("Plan"), i.plan or "—"),
            (_("Started at"), i.started_at),
            (_("Finished at"), i.finished_at),
            (_("Submitted at"), i.submitted_at),
            (_("Submitted by"), i.submitted_by or "—"),
            (_("Reviewed by"), i.reviewed_by or "—"),
            (_("Reviewed at"), i.reviewed_at),
            (_("Review opinion"), i.review_reason or "—"),
        ]
        if i.redo_reasons:
            from .choices import RedoReason

            rows.append(
                (_("Redo grounds"), "、".join(str(RedoReason(r).label) for r in i.redo_reasons))
            )
        if i.supersedes_id:
            rows.append((_("Redoes"), i.supersedes))
        superseded = Inspection.objects.filter(supersedes=i).first()
        if superseded:
            rows.append((_("Superseded by"), superseded))
        if i.subject_id:
            rows.append((_("Self-inspection checked"), i.subject))
        return rows

    def tabs(self):
        i = self.object
        results = list(
            i.results.select_related("item__aspect", "criterion", "recorded_by").order_by("order")
        )
        problems = [r for r in results if r.outcome == Outcome.NONCOMPLIANT]
        for r in problems:
            r.hazard_url = (
                _safe_reverse("hazards:hazard_detail", r.hazard_ref) if r.hazard_ref else None
            )
        tabs = [
            Tab(
                "items",
                gettext_lazy("Items"),
                "inspections/tab_items.html",
                len(results),
                {"results": results, "badges": OUTCOME_BADGES},
            ),
            Tab(
                "problems",
                gettext_lazy("Problems"),
                "inspections/tab_problems.html",
                len(problems),
                {"problems": problems},
            ),
            Tab(
                "team",
                gettext_lazy("Team"),
                "inspections/tab_team.html",
                i.members.count(),
                {
                    "members": list(i.members.all()),
                    "documents": attachments_of(i),
                    "may_upload": services.may_attach_document(self.request.user, i),
                },
            ),
        ]
        if i.is_self:
            report = SelfInspectionReport.objects.filter(inspection=i).first()
            verification = services.self_report_verify(report) if report else None
            tabs.append(
                Tab(
                    "report",
                    gettext_lazy("Report and commitment"),
                    "inspections/tab_self_report.html",
                    None,
                    {
                        "report": report,
                        "verification": verification,
                        "figures": services.figures(i),
                    },
                )
            )
        else:
            report = InspectionReport.objects.filter(inspection=i).first()
            tabs.append(
                Tab(
                    "report",
                    gettext_lazy("Report"),
                    "inspections/tab_report.html",
                    None,
                    {"report": report, "figures": services.figures(i)},
                )
            )
        return tabs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        i = self.object
        ctx.update(
            actions=available_actions(user, i),
            may_conduct=services.may_conduct(user, i) and i.is_editable,
            may_invite=services.may_conduct(user, i)
            and not services.is_expert_of(user, i)
            and not i.is_locked,
            may_report=(
                not i.is_self
                and user.has_perm("inspections.report_inspection")
                and bool(set(user.roles) & services.SUBMIT_ROLES[i.kind])
            ),
            status_badge=_status_badge(i),
            progress=i.progress(),
        )
        return ctx


def _safe_reverse(name: str, *args) -> str | None:
    """A URL of another app, or None when that app does not offer it (yet)."""
    from django.urls import NoReverseMatch

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _two_lists(mine) -> list[tuple[str, str]]:
    """Links to the mine's two lists (两个清单) kept by the hazards app."""
    links = [
        (_("Hazard list"), _safe_reverse("hazards:hazard_list")),
        (_("Risk control list"), _safe_reverse("hazards:risk_list")),
    ]
    out = [(label, f"{url}?mine={mine.pk}") for label, url in links if url]
    both = _safe_reverse("hazards:two_lists", mine.code)
    if both:
        out.append((_("Both lists (.xlsx)"), both))
    return out


@login_required
@require_POST
def document_upload(request, pk: int):
    """A plan document or another file of the inspection itself."""
    inspection = visible_inspection(request, pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a photo or a file to upload."))
    else:
        try:
            services.inspection_attach(
                by=request.user, inspection=inspection, uploaded_file=form.cleaned_data["file"]
            )
            messages.success(request, _("File uploaded."))
        except ValidationError as exc:
            _errors(request, exc)
    return redirect(inspection.get_absolute_url() + "?tab=team")


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
        "badges": OUTCOME_BADGES,
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
        error = " ".join(" ".join(v) for v in form.errors.values())
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
            _errors(request, exc)
    return redirect(_answer_url(inspection, result))


# --- Offline checklist -----------------------------------------------------------------------


@login_required
@permission_required("inspections.view_inspection", raise_exception=True)
def checklist_download(request, pk: int):
    inspection = visible_inspection(request, pk)
    content = exports.checklist_xlsx(inspection)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"检查表-{inspection.mine.code}-{inspection.pk}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


class ImportView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    permission_required = "inspections.conduct_inspection"
    template_name = "core/form.html"
    form_class = ImportForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.inspection = visible_inspection(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def has_permission(self):
        user = self.request.user
        return services.may_conduct(user, self.inspection)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Upload a filled checklist"),
            cancel_url=self.inspection.get_absolute_url(),
            help=_(
                "Upload the checklist downloaded from this inspection, with the results filled "
                "in. Either every answered row is recorded, or, if one row is wrong, none."
            ),
            **kwargs,
        )

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            if upload.size > 10 * 1024 * 1024:
                raise ValidationError(_("The file is larger than 10 MB."))
            answers = exports.parse_checklist_xlsx(upload.read(), self.inspection)
            count = services.items_record_bulk(
                by=self.request.user, inspection=self.inspection, answers=answers
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for key, msgs in exc.message_dict.items():
                    form.add_error(None, f"{key}: {' '.join(msgs)}")
            else:
                form.add_error(None, exc.messages)
            return self.form_invalid(form)
        messages.success(self.request, _("%(count)d answers recorded.") % {"count": count})
        return redirect(self.inspection)


# --- Transitions -----------------------------------------------------------------------------

CONSEQUENCES = {
    "start": gettext_lazy("The inspection starts; answers can be recorded."),
    "finish": gettext_lazy(
        "Every applicable item must be answered. Each non-compliant item is handed to the "
        "hazard ledger as a hazard draft, and the report is drafted."
    ),
    "reopen": gettext_lazy("The inspection goes back to “in progress” so answers can change."),
    "submit": gettext_lazy(
        "The inspection goes to the county bureau and the enforcement office and becomes "
        "read-only: nothing in it can change afterwards."
    ),
    "accept": gettext_lazy("The inspection is accepted; the enterprise is told."),
    "return": gettext_lazy(
        "The inspection goes back to its authors for correction with your written reason; "
        "the report must be signed again."
    ),
    "redo": gettext_lazy(
        "The whole inspection is superseded (推倒重来): a new inspection is planned that keeps a "
        "link to this one. Give the grounds and the reason."
    ),
}
SERVICES = {
    "start": services.inspection_start,
    "finish": services.inspection_finish,
    "reopen": services.inspection_reopen,
    "submit": services.inspection_submit,
    "accept": services.inspection_accept,
    "return": services.inspection_return,
    "redo": services.inspection_redo,
}


class TransitionView(LoginRequiredMixin, View):
    """GET: the confirmation page saying what will follow. POST: the transition."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission_login(request)
        self.inspection = visible_inspection(request, kwargs["pk"])
        self.action = kwargs["action"]
        if self.action not in SERVICES:
            raise Http404
        allowed = {a for a, _l, _c in available_actions(request.user, self.inspection)}
        if self.action not in allowed and request.method == "GET":
            messages.error(request, _("This step is not open to you now."))
            return redirect(self.inspection)
        return super().dispatch(request, *args, **kwargs)

    def handle_no_permission_login(self, request):
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())

    def form(self, data=None):
        if self.action == "redo":
            return RedoForm(data)
        if self.action in ("return", "accept"):
            return ReasonForm(data, required=self.action == "return")
        return None

    def render_page(self, form):
        label = dict(
            (a, lbl) for a, lbl, _c in available_actions(self.request.user, self.inspection)
        )
        return render(
            self.request,
            "inspections/confirm.html",
            {
                "title": label.get(self.action, self.action),
                "object": self.inspection,
                "consequence": CONSEQUENCES[self.action],
                "form": form,
                "cancel_url": self.inspection.get_absolute_url(),
            },
        )

    def get(self, request, pk, action):
        return self.render_page(self.form())

    def post(self, request, pk, action):
        form = self.form(request.POST)
        kwargs = {}
        if form is not None:
            if not form.is_valid():
                return self.render_page(form)
            kwargs["reason"] = form.cleaned_data["reason"]
            if self.action == "redo":
                kwargs["reasons"] = form.cleaned_data["reasons"]
        try:
            result = SERVICES[self.action](by=request.user, inspection=self.inspection, **kwargs)
        except ValidationError as exc:
            if form is not None and hasattr(exc, "error_dict"):
                for field, msgs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, msgs)
                return self.render_page(form)
            _errors(request, exc)
            return redirect(self.inspection)
        messages.success(request, _("Done: %(status)s.") % {"status": result.get_status_display()})
        return redirect(result)


class SignView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    permission_required = "inspections.sign_inspection"
    template_name = "inspections/sign.html"
    form_class = SignForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.inspection = visible_inspection(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        report = SelfInspectionReport.objects.filter(inspection=self.inspection).first()
        return super().get_context_data(
            title=_("Sign the report and the commitment letter"),
            inspection=self.inspection,
            report=report,
            figures=services.figures(self.inspection),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.self_report_sign(
                by=self.request.user,
                inspection=self.inspection,
                password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Signed. You can now submit the report."))
        return redirect(self.inspection.get_absolute_url() + "?tab=report")


class ReportEditView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Base of the report forms: the inspection (in scope) and its report of ``report_model``."""

    template_name = "core/form.html"
    report_model = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.inspection = visible_inspection(request, kwargs["pk"])
            self.report = get_object_or_404(self.report_model, inspection=self.inspection)
        return super().dispatch(request, *args, **kwargs)


class SelfReportEditView(ReportEditView):
    permission_required = "inspections.submit_inspection"
    form_class = SelfReportForm
    report_model = SelfInspectionReport

    def get_initial(self):
        return {"summary": self.report.summary, "rectification": self.report.rectification}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Edit the self-inspection report"),
            cancel_url=self.inspection.get_absolute_url() + "?tab=report",
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.self_report_update(
                by=self.request.user, report=self.report, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            return self.form_invalid(form)
        messages.success(self.request, _("Report saved."))
        return redirect(self.inspection.get_absolute_url() + "?tab=report")


class InspectionReportEditView(ReportEditView):
    permission_required = "inspections.report_inspection"
    form_class = InspectionReportForm
    report_model = InspectionReport

    def get_form_kwargs(self):
        problems = self.inspection.results.filter(outcome=Outcome.NONCOMPLIANT).select_related(
            "item"
        )
        return {**super().get_form_kwargs(), "problems": problems.order_by("order")}

    def get_initial(self):
        return {
            "conclusion": self.report.conclusion,
            "recommendations": self.report.recommendations,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Write the inspection report"),
            cancel_url=self.inspection.get_absolute_url() + "?tab=report",
            help=_("Give a disposal opinion for every problem found."),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.inspection_report_update(
                by=self.request.user,
                inspection=self.inspection,
                conclusion=form.cleaned_data["conclusion"],
                recommendations=form.cleaned_data["recommendations"],
                disposals=form.disposals(),
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            return self.form_invalid(form)
        messages.success(self.request, _("Report saved."))
        return redirect(self.inspection.get_absolute_url() + "?tab=report")


class SendView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    permission_required = "inspections.report_inspection"
    template_name = "core/form.html"
    form_class = SendForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.inspection = visible_inspection(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Record sending the report to the local government"),
            cancel_url=self.inspection.get_absolute_url() + "?tab=report",
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.inspection_report_send(
                by=self.request.user, inspection=self.inspection, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Sending recorded."))
        return redirect(self.inspection.get_absolute_url() + "?tab=report")


class ExpertInviteView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    permission_required = "inspections.conduct_inspection"
    template_name = "inspections/expert.html"
    form_class = ExpertForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.inspection = visible_inspection(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Invite an expert"), inspection=self.inspection, **kwargs
        )

    def form_valid(self, form):
        try:
            member, username, password = services.inspection_invite_expert(
                by=self.request.user, inspection=self.inspection, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            return self.form_invalid(form)
        return self.render_to_response(
            self.get_context_data(form=form, member=member, username=username, password=password)
        )


@login_required
@permission_required("inspections.view_inspection", raise_exception=True)
def report_download(request, pk: int, fmt: str):
    inspection = visible_inspection(request, pk)
    if inspection.status not in (S.FINISHED, S.SUBMITTED, S.ACCEPTED, S.REDO):
        messages.error(request, _("The report exists once the inspection is finished."))
        return redirect(inspection)
    from kuangan.core import audit
    from kuangan.core.choices import AuditAction

    if fmt == "docx":
        content = documents.report_docx(inspection)
        mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    elif fmt == "pdf":
        content = documents.report_pdf(inspection)
        mime = "application/pdf"
    else:
        raise Http404
    audit.record(
        actor=request.user, action=AuditAction.EXPORTED, obj=inspection, changes={"report": fmt}
    )
    response = HttpResponse(content, content_type=mime)
    name = f"检查报告-{inspection.mine.code}-{inspection.pk}.{fmt}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


# --- Key-inspection plan and coverage ---------------------------------------------------------


def _campaign_and_region(request):
    from kuangan.campaigns.models import Campaign
    from kuangan.core.models import Region

    from .forms import governed_regions

    campaigns = Campaign.objects.visible_to(request.user).latest_first()
    campaign = None
    if request.GET.get("campaign"):
        campaign = campaigns.filter(pk=request.GET["campaign"]).first()
    campaign = campaign or campaigns.first()
    regions = (
        governed_regions(request.user).exclude(level="county").order_by("path")
        | Region.objects.none()
    )
    region = None
    if request.GET.get("region"):
        region = governed_regions(request.user).filter(pk=request.GET["region"]).first()
    return campaigns, campaign, governed_regions(request.user).order_by("path"), region, regions


class PlanView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The key-inspection plan of a campaign and region, with the coverage board."""

    permission_required = "inspections.plan_inspection"
    template_name = "inspections/plan.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        campaigns, campaign, regions, region, _r = _campaign_and_region(self.request)
        rows = (
            plan.plan_rows(user=self.request.user, campaign=campaign, region=region)
            if campaign
            else []
        )
        state = self.request.GET.get("state")
        shown = [r for r in rows if not state or r.state == state]
        teams = campaign.inspection_teams.all() if campaign else []
        from .models import InspectionTeam

        if campaign:
            teams = InspectionTeam.objects.visible_to(self.request.user).filter(campaign=campaign)
        ctx.update(
            title=_("Key-inspection plan"),
            campaigns=campaigns,
            campaign=campaign,
            regions=regions,
            region=region,
            rows=shown,
            coverage=plan.coverage(rows),
            states=plan.STATE_LABELS,
            state=state,
            teams=teams,
            today=timezone.localdate(),
        )
        return ctx


@login_required
@permission_required("inspections.plan_inspection", raise_exception=True)
@require_POST
def plan_assign(request, campaign_pk: int):
    from kuangan.campaigns.models import Campaign

    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=campaign_pk)
    form = AssignForm(request.POST, user=request.user, campaign=campaign)
    back = reverse("inspections:plan") + f"?campaign={campaign.pk}"
    if not form.is_valid():
        messages.error(request, _("Choose a team and at least one mine."))
        return redirect(back)
    try:
        done = services.plan_assign(
            by=request.user,
            campaign=campaign,
            team=form.cleaned_data["team"],
            mines=form.cleaned_data["mines"],
        )
    except ValidationError as exc:
        _errors(request, exc)
        return redirect(back)
    messages.success(request, _("%(count)d mines given to the team.") % {"count": len(done)})
    return redirect(back)


class TeamCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    permission_required = "inspections.plan_inspection"
    template_name = "core/form.html"
    form_class = TeamForm

    def dispatch(self, request, *args, **kwargs):
        from kuangan.campaigns.models import Campaign

        if request.user.is_authenticated:
            self.campaign = get_object_or_404(
                Campaign.objects.visible_to(request.user), pk=kwargs["campaign_pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Form an enforcement team for %(campaign)s") % {"campaign": self.campaign},
            cancel_url=reverse("inspections:plan") + f"?campaign={self.campaign.pk}",
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.team_create(by=self.request.user, campaign=self.campaign, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Team formed."))
        return redirect(reverse("inspections:plan") + f"?campaign={self.campaign.pk}")


class GroupCoverageView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """全覆盖: every subsidiary mine and whether the group company has checked it."""

    permission_required = "inspections.view_inspection"
    template_name = "inspections/group_coverage.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = plan.group_coverage(user=self.request.user)
        unchecked = [r for r in rows if not r.checked]
        ctx.update(
            title=_("Group company full coverage"),
            rows=rows,
            checked=len(rows) - len(unchecked),
            unchecked=len(unchecked),
            may_plan=self.request.user.has_perm("inspections.add_inspection")
            and "group_inspector" in self.request.user.roles,
            status_badges=STATUS_BADGES,
        )
        return ctx


# --- Supervision: quality and look-back ----------------------------------------------------------


class QualityView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Self-inspection quality per mine, worst first, for supervisors."""

    permission_required = "inspections.review_inspection"
    template_name = "inspections/quality.html"

    def get_context_data(self, **kwargs):
        from . import quality

        ctx = super().get_context_data(**kwargs)
        rows = quality.quality_rows(
            user=self.request.user, mine_code=self.request.GET.get("mine") or None
        )
        ctx.update(
            title=_("Self-inspection quality"),
            rows=rows,
            fast_limit=quality.FAST_ANSWERS_PER_MINUTE,
        )
        return ctx


class LookbackCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    permission_required = "inspections.add_lookbackdraw"
    template_name = "core/form.html"

    def get_form(self, form_class=None):
        from .forms import LookbackForm

        return LookbackForm(**self.get_form_kwargs(), user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("Draw the look-back sample"),
            cancel_url=reverse("inspections:quality"),
            help=_(
                "Every mine of the chosen cities, of the key counties and every key mine is "
                "checked; of the other mines in the campaign scope a random sample is drawn at "
                "the ratio. The seed is recorded, so the draw can be repeated and checked."
            ),
            confirm=_("Draw the sample now? The draw is recorded and cannot be changed."),
            **kwargs,
        )

    def form_valid(self, form):
        import re

        from kuangan.campaigns.verdicts import latest_campaign

        data = form.cleaned_data
        campaign = data["campaign"] or latest_campaign(self.request.user)
        if campaign is None:
            form.add_error("campaign", _("Choose a campaign."))
            return self.form_invalid(form)
        try:
            record = services.lookback_draw(
                by=self.request.user,
                campaign=campaign,
                region=data["region"],
                ratio=data["ratio"],
                cities=data["cities"],
                counties=data["counties"],
                key_mines=[c for c in re.split(r"[\s,，、;；]+", data["key_mines"]) if c],
                seed=data["seed"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Sample drawn and recorded."))
        return redirect(record)


class LookbackPage(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "inspections.view_lookbackdraw"
    template_name = "inspections/lookback.html"

    def get_context_data(self, **kwargs):
        from kuangan.registry.models import Mine

        from .models import LookbackDraw

        ctx = super().get_context_data(**kwargs)
        record = get_object_or_404(
            LookbackDraw.objects.visible_to(self.request.user), pk=kwargs["pk"]
        )
        mines = {
            m.code: m
            for m in Mine.objects.filter(code__in=record.full + record.sampled).select_related(
                "region"
            )
        }
        ctx.update(
            title=str(record),
            record=record,
            full=[mines.get(c, c) for c in record.full],
            sampled=[mines.get(c, c) for c in record.sampled],
            reproducible=services.lookback_verify(record),
        )
        return ctx


class LookbackLedger(LedgerView):
    from .models import LookbackDraw as model  # noqa: N813

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
        Column("full", gettext_lazy("Checked in full"), lambda d: len(d.full)),
        Column("sampled", gettext_lazy("Drawn at random"), lambda d: len(d.sampled)),
        Column("by", gettext_lazy("Drawn by"), "drawn_by"),
    ]
