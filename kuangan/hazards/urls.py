from django.urls import path

from kuangan.core.routes import object_routes

from .views import hazards, monthly, orders, risks

app_name = "hazards"

urlpatterns = [
    *object_routes(
        "",
        "hazard",
        hazards.HazardLedger,
        hazards.HazardCreateView,
        hazards.HazardPage,
        hazards.HazardEditView,
    ),
    path("listed/", hazards.ListedHazardLedger.as_view(), name="listed_list"),
    path("suggest/", hazards.criterion_suggestions, name="criterion_suggest"),
    path("<int:pk>/rectify/", hazards.RectifyView.as_view(), name="hazard_rectify"),
    path(
        "<int:pk>/request-acceptance/",
        hazards.RequestAcceptanceView.as_view(),
        name="hazard_request_acceptance",
    ),
    path("<int:pk>/accept/", hazards.AcceptView.as_view(), name="hazard_accept"),
    path("<int:pk>/reject/", hazards.RejectView.as_view(), name="hazard_reject"),
    path("<int:pk>/level/", hazards.ChangeLevelView.as_view(), name="hazard_change_level"),
    path("<int:pk>/extension/", hazards.ExtensionView.as_view(), name="hazard_extension"),
    path(
        "<int:pk>/extension/<int:ext>/",
        hazards.DecideExtensionView.as_view(),
        name="hazard_extension_decide",
    ),
    path("<int:pk>/evidence/", hazards.EvidenceView.as_view(), name="hazard_evidence"),
    path("<int:pk>/link/", hazards.LinkView.as_view(), name="hazard_link"),
    path(
        "<int:pk>/penalty/",
        hazards.PenaltyRecomputeView.as_view(),
        name="hazard_penalty_recompute",
    ),
    path("<int:pk>/list/", hazards.ListingView.as_view(), name="hazard_list_supervision"),
    path("<int:pk>/delist/", hazards.DelistView.as_view(), name="hazard_delist"),
    *object_routes("orders/", "order", orders.OrderLedger, None, orders.OrderPage),
    path("orders/new/<int:mine>/", orders.OrderIssueView.as_view(), name="order_issue"),
    path("orders/<int:pk>/docx/", orders.order_docx, name="order_docx"),
    path("orders/<int:pk>/pdf/", orders.order_pdf, name="order_pdf"),
    path("orders/<int:pk>/<slug:step>/", orders.OrderStepView.as_view(), name="order_step"),
    *object_routes(
        "monthly/",
        "monthly",
        monthly.MonthlyCheckLedger,
        monthly.MonthlyCheckCreateView,
        monthly.MonthlyCheckPage,
    ),
    path("monthly/calendar/", monthly.DutyCalendarView.as_view(), name="duty_calendar"),
    *object_routes(
        "risks/",
        "risk",
        risks.RiskItemLedger,
        risks.RiskCreateView,
        risks.RiskItemPage,
        risks.RiskEditView,
    ),
    *risks.RiskImportView.urlpatterns("risks/import/", "risk_import"),
    path("risks/import/template/", risks.RiskTemplateView.as_view(), name="risk_template"),
    path("risks/export/", risks.RiskExportView.as_view(), name="risk_export"),
    path("risks/<int:pk>/delete/", risks.RiskDeleteView.as_view(), name="risk_delete"),
    path("mines/<str:code>/two-lists.xlsx", risks.TwoListsView.as_view(), name="two_lists"),
]
