"""Planning an inspection, the inspection page with its tabs and the transitions open to the
user, and the files of the inspection itself."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kuangan.core.files import attachments_of
from kuangan.core.ledger import Tab
from kuangan.core.views import ObjectFormView, ObjectPageView

from .. import services
from ..choices import Outcome, RedoReason
from ..forms import InspectionCreateForm, PhotoForm
from ..models import Inspection, InspectionReport, SelfInspectionReport
from .base import message_errors, safe_reverse, visible_inspection

# --- Creating --------------------------------------------------------------------------------


class InspectionCreateView(ObjectFormView):
    """Plan an inspection (the mine and the kind may come in the query string)."""

    model = Inspection
    permission_required = "inspections.add_inspection"
    form_class = InspectionCreateForm
    title_create = gettext_lazy("Plan an inspection")
    list_url = "inspections:inspection_list"
    help_text = gettext_lazy(
        "The mine's published checklist is pinned and its applicable items are listed, "
        "each “not checked”."
    )
    success_message = gettext_lazy("Inspection planned.")
    refusals = ()  # a refusal of the service is the 403 page

    def get_initial(self):
        initial = {}
        mine = self.request.GET.get("mine")
        if mine:
            initial["mine"] = mine
        kind = self.request.GET.get("kind")
        if kind:
            initial["kind"] = kind
        return initial

    def save(self, form):
        return services.inspection_create(by=self.request.user, **form.cleaned_data)


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
            i.results.select_related("item__aspect", "criterion", "recorded_by")
            .with_hazard_ref()
            .order_by("order")
        )
        problems = [r for r in results if r.outcome == Outcome.NONCOMPLIANT]
        for r in problems:
            r.hazard_url = (
                safe_reverse("hazards:hazard_detail", r.hazard_ref) if r.hazard_ref else None
            )
        tabs = [
            Tab(
                "items",
                gettext_lazy("Items"),
                "inspections/tab_items.html",
                len(results),
                {"results": results},
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
            progress=i.progress(),
        )
        return ctx


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
            message_errors(request, exc)
    return redirect(inspection.get_absolute_url() + "?tab=team")
