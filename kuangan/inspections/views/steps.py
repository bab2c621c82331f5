"""The steps on one inspection: its transitions with their confirmation, the signature, the
reports (and their documents) and the invitation of an expert."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.views import ObjectStepSwitch, file_response

from .. import documents, services
from ..choices import InspectionStatus, Outcome
from ..forms import (
    ExpertForm,
    InspectionReportForm,
    ReasonForm,
    RedoForm,
    SelfReportForm,
    SendForm,
    SignForm,
)
from ..models import InspectionReport, SelfInspectionReport
from .base import InspectionStep, visible_inspection
from .pages import available_actions

S = InspectionStatus

# --- Transitions -----------------------------------------------------------------------------


class TransitionStep(InspectionStep):
    """A transition of the inspection: the confirmation page says what will follow, then the
    service of ``action``."""

    action = ""

    def is_open(self) -> bool:
        return self.action in {a for a, _l, _c in available_actions(self.request.user, self.object)}

    def get_success_message(self):
        return _("Done: %(status)s.") % {"status": self.result.get_status_display()}

    def get_success_url(self):
        return self.result.get_absolute_url()  # after a redo: the new inspection


class StartView(TransitionStep):
    action = "start"
    service = services.inspection_start
    title = gettext_lazy("Start")
    consequence = gettext_lazy("The inspection starts; answers can be recorded.")


class FinishView(TransitionStep):
    action = "finish"
    service = services.inspection_finish
    title = gettext_lazy("Finish")
    consequence = gettext_lazy(
        "Every applicable item must be answered. Each non-compliant item is handed to the "
        "hazard ledger as a hazard draft, and the report is drafted."
    )


class ReopenView(TransitionStep):
    action = "reopen"
    service = services.inspection_reopen
    title = gettext_lazy("Reopen")
    consequence = gettext_lazy("The inspection goes back to “in progress” so answers can change.")


class SubmitView(TransitionStep):
    action = "submit"
    service = services.inspection_submit
    title = gettext_lazy("Submit")
    consequence = gettext_lazy(
        "The inspection goes to the county bureau and the enforcement office and becomes "
        "read-only: nothing in it can change afterwards."
    )


class AcceptView(TransitionStep):
    action = "accept"
    service = services.inspection_accept
    form_class = ReasonForm
    title = gettext_lazy("Accept")
    consequence = gettext_lazy("The inspection is accepted; the enterprise is told.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "required": False}


class ReturnView(TransitionStep):
    action = "return"
    service = services.inspection_return
    form_class = ReasonForm
    title = gettext_lazy("Return for correction")
    consequence = gettext_lazy(
        "The inspection goes back to its authors for correction with your written reason; "
        "the report must be signed again."
    )


class RedoView(TransitionStep):
    action = "redo"
    service = services.inspection_redo
    form_class = RedoForm
    title = gettext_lazy("Order a redo")
    consequence = gettext_lazy(
        "The whole inspection is superseded (推倒重来): a new inspection is planned that keeps a "
        "link to this one. Give the grounds and the reason."
    )


class TransitionView(ObjectStepSwitch):
    """GET: the confirmation page saying what will follow. POST: the transition."""

    step_kwarg = "action"
    steps = {
        view.action: view
        for view in (
            StartView,
            FinishView,
            ReopenView,
            SubmitView,
            AcceptView,
            ReturnView,
            RedoView,
        )
    }


class SignView(InspectionStep):
    permission_required = "inspections.sign_inspection"
    template_name = "inspections/sign.html"
    form_class = SignForm
    service = services.self_report_sign
    title = gettext_lazy("Sign the report and the commitment letter")
    success_message = gettext_lazy("Signed. You can now submit the report.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            report=SelfInspectionReport.objects.filter(inspection=self.object).first(),
            figures=services.figures(self.object),
            **kwargs,
        )

    def get_success_url(self):
        return self.object.get_absolute_url() + "?tab=report"


class ReportStep(InspectionStep):
    """A step on the inspection's report: back to the report tab."""

    template_name = "core/form.html"

    def get_cancel_url(self):
        return self.object.get_absolute_url() + "?tab=report"

    def get_success_url(self):
        return self.get_cancel_url()


class ReportEditView(ReportStep):
    """Base of the report forms: the inspection (in scope) and its report of ``report_model``."""

    report_model: type[SelfInspectionReport | InspectionReport]
    success_message = gettext_lazy("Report saved.")

    def get_object(self):
        inspection = super().get_object()
        self.report = get_object_or_404(self.report_model, inspection=inspection)
        return inspection


class SelfReportEditView(ReportEditView):
    permission_required = "inspections.submit_inspection"
    form_class = SelfReportForm
    report_model = SelfInspectionReport
    title = gettext_lazy("Edit the self-inspection report")

    def get_initial(self):
        return {"summary": self.report.summary, "rectification": self.report.rectification}

    def perform(self, data):
        return services.self_report_update(by=self.request.user, report=self.report, **data)


class InspectionReportEditView(ReportEditView):
    permission_required = "inspections.report_inspection"
    form_class = InspectionReportForm
    report_model = InspectionReport
    service = services.inspection_report_update
    title = gettext_lazy("Write the inspection report")
    consequence = gettext_lazy("Give a disposal opinion for every problem found.")

    def get_form_kwargs(self):
        problems = self.object.results.filter(outcome=Outcome.NONCOMPLIANT).select_related("item")
        return {**super().get_form_kwargs(), "problems": problems.order_by("order")}

    def get_initial(self):
        return {
            "conclusion": self.report.conclusion,
            "recommendations": self.report.recommendations,
        }

    def service_kwargs(self, data):
        return {
            "conclusion": data["conclusion"],
            "recommendations": data["recommendations"],
            "disposals": self.form.disposals(),
        }


class SendView(ReportStep):
    permission_required = "inspections.report_inspection"
    form_class = SendForm
    service = services.inspection_report_send
    title = gettext_lazy("Record sending the report to the local government")
    success_message = gettext_lazy("Sending recorded.")


class ExpertInviteView(InspectionStep):
    permission_required = "inspections.conduct_inspection"
    template_name = "inspections/expert.html"
    form_class = ExpertForm
    service = services.inspection_invite_expert
    title = gettext_lazy("Invite an expert")

    def succeeded(self):
        # The credentials are shown once, on this page.
        member, username, password = self.result
        return self.render_to_response(
            self.get_context_data(member=member, username=username, password=password)
        )


@login_required
@permission_required("inspections.view_inspection", raise_exception=True)
def report_download(request, pk: int, fmt: str):
    inspection = visible_inspection(request, pk)
    if inspection.status not in (S.FINISHED, S.SUBMITTED, S.ACCEPTED, S.REDO):
        messages.error(request, _("The report exists once the inspection is finished."))
        return redirect(inspection)
    if fmt == "docx":
        content = documents.report_docx(inspection)
        mime = documents.DOCX_MIME
    elif fmt == "pdf":
        content = documents.report_pdf(inspection)
        mime = "application/pdf"
    else:
        raise Http404
    audit.record(
        actor=request.user, action=AuditAction.EXPORTED, obj=inspection, changes={"report": fmt}
    )
    return file_response(content, f"检查报告-{inspection.mine.code}-{inspection.pk}.{fmt}", mime)
