from django.urls import path

from .views import hazards, monthly, orders, risks

app_name = "hazards"

urlpatterns = [
    path("", hazards.HazardLedger.as_view(), name="hazard_list"),
    path("listed/", hazards.ListedHazardLedger.as_view(), name="listed_list"),
    path("new/", hazards.HazardCreateView.as_view(), name="hazard_create"),
    path("suggest/", hazards.criterion_suggestions, name="criterion_suggest"),
    path("<int:pk>/", hazards.HazardPage.as_view(), name="hazard_detail"),
    path("<int:pk>/edit/", hazards.HazardEditView.as_view(), name="hazard_edit"),
    path("<int:pk>/rectify/", hazards.RectifyView.as_view(), name="hazard_rectify"),
    path(
        "<int:pk>/request-acceptance/",
        hazards.RequestAcceptanceView.as_view(),
        name="hazard_request_acceptance",
    ),
    path("<int:pk>/accept/", hazards.AcceptView.as_view(), name="hazard_accept"),
    path("<int:pk>/reject/", hazards.RejectView.as_view(), name="hazard_reject"),
    path("<int:pk>/extension/", hazards.ExtensionView.as_view(), name="hazard_extension"),
    path(
        "<int:pk>/extension/<int:ext>/",
        hazards.DecideExtensionView.as_view(),
        name="hazard_extension_decide",
    ),
    path("<int:pk>/evidence/", hazards.EvidenceView.as_view(), name="hazard_evidence"),
    path("<int:pk>/link/", hazards.LinkView.as_view(), name="hazard_link"),
    path("<int:pk>/list/", hazards.ListingView.as_view(), name="hazard_list_supervision"),
    path("<int:pk>/delist/", hazards.DelistView.as_view(), name="hazard_delist"),
    path("orders/", orders.OrderLedger.as_view(), name="order_list"),
    path("orders/new/<int:mine>/", orders.OrderIssueView.as_view(), name="order_issue"),
    path("orders/<int:pk>/", orders.OrderPage.as_view(), name="order_detail"),
    path("orders/<int:pk>/docx/", orders.order_docx, name="order_docx"),
    path("orders/<int:pk>/pdf/", orders.order_pdf, name="order_pdf"),
    path("orders/<int:pk>/<slug:step>/", orders.OrderStepView.as_view(), name="order_step"),
    path("monthly/", monthly.MonthlyCheckLedger.as_view(), name="monthly_list"),
    path("monthly/new/", monthly.MonthlyCheckCreateView.as_view(), name="monthly_create"),
    path("monthly/calendar/", monthly.DutyCalendarView.as_view(), name="duty_calendar"),
    path("monthly/<int:pk>/", monthly.MonthlyCheckPage.as_view(), name="monthly_detail"),
    path("risks/", risks.RiskItemLedger.as_view(), name="risk_list"),
    path("risks/new/", risks.RiskCreateView.as_view(), name="risk_create"),
    *risks.RiskImportView.urlpatterns("risks/import/", "risk_import"),
    path("risks/import/template/", risks.RiskTemplateView.as_view(), name="risk_template"),
    path("risks/export/", risks.RiskExportView.as_view(), name="risk_export"),
    path("risks/<int:pk>/", risks.RiskItemPage.as_view(), name="risk_detail"),
    path("risks/<int:pk>/edit/", risks.RiskEditView.as_view(), name="risk_edit"),
    path("risks/<int:pk>/delete/", risks.RiskDeleteView.as_view(), name="risk_delete"),
    path("mines/<str:code>/two-lists.xlsx", risks.TwoListsView.as_view(), name="two_lists"),
]
