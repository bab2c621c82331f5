from django.urls import path

from kuangan.core.routes import object_routes

from . import views

app_name = "inspections"

urlpatterns = [
    *object_routes(
        "", "inspection", views.InspectionLedger, views.InspectionCreateView, views.InspectionPage
    ),
    path("inbox/", views.InboxLedger.as_view(), name="inbox"),
    path("<int:pk>/answer/", views.AnswerView.as_view(), name="answer"),
    path("<int:pk>/answer/<int:result_pk>/", views.answer_save, name="answer_save"),
    path("<int:pk>/answer/<int:result_pk>/file/", views.photo_upload, name="photo_upload"),
    path("<int:pk>/file/", views.document_upload, name="document_upload"),
    path("<int:pk>/checklist.xlsx", views.checklist_download, name="checklist_download"),
    path("<int:pk>/import/", views.ImportView.as_view(), name="checklist_import"),
    path("<int:pk>/do/<str:action>/", views.TransitionView.as_view(), name="transition"),
    path("<int:pk>/sign/", views.SignView.as_view(), name="sign"),
    path("<int:pk>/self-report/", views.SelfReportEditView.as_view(), name="self_report_edit"),
    path("<int:pk>/report/", views.InspectionReportEditView.as_view(), name="report_edit"),
    path("<int:pk>/report/send/", views.SendView.as_view(), name="report_send"),
    path("<int:pk>/report.<str:fmt>", views.report_download, name="report_download"),
    path("<int:pk>/experts/", views.ExpertInviteView.as_view(), name="expert_invite"),
    path("plan/", views.PlanView.as_view(), name="plan"),
    path("plan/<int:campaign_pk>/assign/", views.plan_assign, name="plan_assign"),
    path("plan/<int:campaign_pk>/teams/new/", views.TeamCreateView.as_view(), name="team_create"),
    path("group-coverage/", views.GroupCoverageView.as_view(), name="group_coverage"),
    path("quality/", views.QualityView.as_view(), name="quality"),
    *object_routes("lookback/", "lookback", views.LookbackLedger, None, views.LookbackPage),
    path("lookback/new/", views.LookbackCreateView.as_view(), name="lookback_new"),
]
