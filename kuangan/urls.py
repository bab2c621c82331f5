from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from kuangan.core import api as core_api
from kuangan.core.admin_site import restrict_admin_to_system_admin

router = DefaultRouter()
router.register("regions", core_api.RegionViewSet, basename="region")
router.register("organizations", core_api.OrganizationViewSet, basename="organization")
router.register("users", core_api.UserViewSet, basename="user")
router.register("password-resets", core_api.PasswordResetViewSet, basename="passwordreset")
router.register("audit-events", core_api.AuditEventViewSet, basename="auditevent")

# Each app adds its API routes to the same router.
for module in settings.KUANGAN_API_MODULES:
    __import__(module, fromlist=["register"]).register(router)

restrict_admin_to_system_admin(admin.site)

urlpatterns = [
    path("", include("kuangan.core.urls")),
    path("registry/", include("kuangan.registry.urls")),
    path("campaigns/", include("kuangan.campaigns.urls")),
    path("checklists/", include("kuangan.checklists.urls")),
    path("inspections/", include("kuangan.inspections.urls")),
    path("hazards/", include("kuangan.hazards.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/auth/token/", core_api.token_obtain, name="api-token"),
    path("api/v1/auth/token/revoke/", core_api.token_revoke, name="api-token-revoke"),
    path("api/v1/me/", core_api.me, name="api-me"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler404 = "kuangan.core.views.error_404"
handler403 = "kuangan.core.views.error_403"
handler500 = "kuangan.core.views.error_500"
