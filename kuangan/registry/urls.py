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
    *object_routes(
        "watch-duties/",
        "watchduty",
        views.WatchDutyLedger,
        None,
        views.WatchDutyPage,
        views.WatchDutyFormView,
    ),
]
