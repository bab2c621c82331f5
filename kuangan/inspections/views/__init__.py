"""Pages of inspections: the ledgers and the reviewers' inbox (``ledgers``), the inspection page
with tabs (``pages``), the answer form, aspect by aspect, each answer saved with HTMX, and the
offline checklist (``answers``), the transitions with their confirmation and the reports
(``steps``), the key-inspection plan and the coverage boards (``planning``), and supervision:
quality and look-back (``supervision``). ``urls`` names them from here."""

from .answers import AnswerView, ImportView, answer_save, checklist_download, photo_upload
from .ledgers import InboxLedger, InspectionLedger, LookbackLedger
from .pages import InspectionCreateView, InspectionPage, available_actions, document_upload
from .planning import GroupCoverageView, PlanView, TeamCreateView, plan_assign
from .steps import (
    AcceptView,
    ExpertInviteView,
    FinishView,
    InspectionReportEditView,
    RedoView,
    ReopenView,
    ReturnView,
    SelfReportEditView,
    SendView,
    SignView,
    StartView,
    SubmitView,
    TransitionView,
    report_download,
)
from .supervision import LookbackCreateView, LookbackPage, QualityView

__all__ = [
    "AcceptView",
    "AnswerView",
    "ExpertInviteView",
    "FinishView",
    "GroupCoverageView",
    "ImportView",
    "InboxLedger",
    "InspectionCreateView",
    "InspectionLedger",
    "InspectionPage",
    "InspectionReportEditView",
    "LookbackCreateView",
    "LookbackLedger",
    "LookbackPage",
    "PlanView",
    "QualityView",
    "RedoView",
    "ReopenView",
    "ReturnView",
    "SelfReportEditView",
    "SendView",
    "SignView",
    "StartView",
    "SubmitView",
    "TeamCreateView",
    "TransitionView",
    "answer_save",
    "available_actions",
    "checklist_download",
    "document_upload",
    "photo_upload",
    "plan_assign",
    "report_download",
]
