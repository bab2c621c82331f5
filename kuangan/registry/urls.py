from django.urls import include, path

from kuangan.core.routes import object_routes

from . import views

app_name = "registry"

# Import/export pages live in urls_io.py (a separate module so that they can grow apart). They
# come first, so that their fixed paths win over the mine code pattern.
urlpatterns: list = [
    path("", include("kuangan.registry.urls_io")),
    # Before the mine code pattern, which would match "map".
    path("mines/map/", views.MineMapView.as_view(), name="mine_map"),
    path("mines/map/data/", views.mine_map_data, name="mine_map_data"),
    *object_routes(
        "mines/",
        "mine",
        views.MineLedger,
        views.MineFormView,
        views.MinePage,
        views.MineFormView,
        key="<str:code>",
    ),
    path("mines/<str:code>/watch/", views.WatchDutyFormView.as_view(), name="watchduty_assign"),
    *object_routes(
        "enterprises/",
        "enterprise",
        views.EnterpriseLedger,
        views.EnterpriseFormView,
        views.EnterprisePage,
        views.EnterpriseFormView,
    ),
    path("watch/", views.WatchLedger.as_view(), name="watch_list"),
    path(
        "mines/<str:code>/request-change/",
        views.ChangeRequestFormView.as_view(),
        name="mine_request_change",
    ),
    path(
        "enterprises/<int:pk>/request-change/",
        views.ChangeRequestFormView.as_view(),
        name="enterprise_request_change",
    ),
    path("change-requests/", views.ChangeRequestLedger.as_view(), name="changerequest_list"),
    path(
        "change-requests/<int:pk>/",
        views.ChangeRequestPage.as_view(),
        name="changerequest_detail",
    ),
    path(
        "change-requests/<int:pk>/approve/",
        views.ApproveView.as_view(),
        name="changerequest_approve",
    ),
    path(
        "change-requests/<int:pk>/reject/",
        views.RejectView.as_view(),
        name="changerequest_reject",
    ),
    path(
        "change-requests/<int:pk>/withdraw/",
        views.WithdrawView.as_view(),
        name="changerequest_withdraw",
    ),
    *object_routes(
        "watch-duties/",
        "watchduty",
        views.WatchDutyLedger,
        None,
        views.WatchDutyPage,
        views.WatchDutyFormView,
    ),
]
