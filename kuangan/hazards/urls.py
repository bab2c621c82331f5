from django.urls import path

from . import views, views_orders, views_risks

app_name = "hazards"

urlpatterns = [
    path("", views.HazardLedger.as_view(), name="hazard_list"),
    path("listed/", views.ListedHazardLedger.as_view(), name="listed_list"),
    path("new/", views.HazardCreateView.as_view(), name="hazard_create"),
    path("suggest/", views.criterion_suggestions, name="criterion_suggest"),
    path("<int:pk>/", views.HazardPage.as_view(), name="hazard_detail"),
    path("<int:pk>/edit/", views.HazardEditView.as_view(), name="hazard_edit"),
    path("<int:pk>/rectify/", views.RectifyView.as_view(), name="hazard_rectify"),
    path(
        "<int:pk>/request-acceptance/",
        views.RequestAcceptanceView.as_view(),
        name="hazard_request_acceptance",
    ),
    path("<int:pk>/accept/", views.AcceptView.as_view(), name="hazard_accept"),
    path("<int:pk>/reject/", views.RejectView.as_view(), name="hazard_reject"),
    path("<int:pk>/extension/", views.ExtensionView.as_view(), name="hazard_extension"),
    path(
        "<int:pk>/extension/<int:ext>/",
        views.DecideExtensionView.as_view(),
        name="hazard_extension_decide",
    ),
    path("<int:pk>/evidence/", views.EvidenceView.as_view(), name="hazard_evidence"),
    path("<int:pk>/link/", views.LinkView.as_view(), name="hazard_link"),
    path("<int:pk>/list/", views.ListingView.as_view(), name="hazard_list_supervision"),
    path("<int:pk>/delist/", views.DelistView.as_view(), name="hazard_delist"),
    path("orders/", views_orders.OrderLedger.as_view(), name="order_list"),
    path("orders/new/<int:mine>/", views_orders.OrderIssueView.as_view(), name="order_issue"),
    path("orders/<int:pk>/", views_orders.OrderPage.as_view(), name="order_detail"),
    path("orders/<int:pk>/docx/", views_orders.order_docx, name="order_docx"),
    path("orders/<int:pk>/pdf/", views_orders.order_pdf, name="order_pdf"),
    path("orders/<int:pk>/<slug:step>/", views_orders.OrderStepView.as_view(), name="order_step"),
    path("monthly/", views_orders.MonthlyCheckLedger.as_view(), name="monthly_list"),
    path("monthly/new/", views_orders.MonthlyCheckCreateView.as_view(), name="monthly_create"),
    path("monthly/calendar/", views_orders.DutyCalendarView.as_view(), name="duty_calendar"),
    path("monthly/<int:pk>/", views_orders.MonthlyCheckPage.as_view(), name="monthly_detail"),
    path("risks/", views_risks.RiskItemLedger.as_view(), name="risk_list"),
    path("risks/new/", views_risks.RiskCreateView.as_view(), name="risk_create"),
    path("risks/import/", views_risks.RiskImportView.as_view(), name="risk_import"),
    path(
        "risks/import/confirm/",
        views_risks.RiskImportConfirmView.as_view(),
        name="risk_import_confirm",
    ),
    path(
        "risks/import/cancel/",
        views_risks.RiskImportCancelView.as_view(),
        name="risk_import_cancel",
    ),
    path("risks/import/template/", views_risks.RiskTemplateView.as_view(), name="risk_template"),
    path("risks/export/", views_risks.RiskExportView.as_view(), name="risk_export"),
    path("risks/<int:pk>/", views_risks.RiskItemPage.as_view(), name="risk_detail"),
    path("risks/<int:pk>/edit/", views_risks.RiskEditView.as_view(), name="risk_edit"),
    path("risks/<int:pk>/delete/", views_risks.RiskDeleteView.as_view(), name="risk_delete"),
    path("mines/<str:code>/two-lists.xlsx", views_risks.TwoListsView.as_view(), name="two_lists"),
]
