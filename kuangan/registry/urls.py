from django.urls import include, path

from . import views

app_name = "registry"

# Import/export pages live in urls_io.py (a separate module so that they can grow apart). They
# come first, so that their fixed paths win over the mine code pattern.
urlpatterns: list = [
    path("", include("kuangan.registry.urls_io")),
    path("mines/", views.MineLedger.as_view(), name="mine_list"),
    path("mines/new/", views.MineFormView.as_view(), name="mine_create"),
    path("mines/map/", views.MineMapView.as_view(), name="mine_map"),
    path("mines/map/data/", views.mine_map_data, name="mine_map_data"),
    path("mines/<str:code>/", views.MinePage.as_view(), name="mine_detail"),
    path("mines/<str:code>/edit/", views.MineFormView.as_view(), name="mine_edit"),
    path("mines/<str:code>/watch/", views.WatchDutyFormView.as_view(), name="watchduty_assign"),
    path("enterprises/", views.EnterpriseLedger.as_view(), name="enterprise_list"),
    path("enterprises/new/", views.EnterpriseFormView.as_view(), name="enterprise_create"),
    path("enterprises/<int:pk>/", views.EnterprisePage.as_view(), name="enterprise_detail"),
    path("enterprises/<int:pk>/edit/", views.EnterpriseFormView.as_view(), name="enterprise_edit"),
    path("watch/", views.WatchLedger.as_view(), name="watch_list"),
    path("watch-duties/", views.WatchDutyLedger.as_view(), name="watchduty_list"),
    path("watch-duties/<int:pk>/", views.WatchDutyPage.as_view(), name="watchduty_detail"),
    path("watch-duties/<int:pk>/edit/", views.WatchDutyFormView.as_view(), name="watchduty_edit"),
]
