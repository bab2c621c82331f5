from django.urls import path

from kuangan.core.routes import object_routes

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("otp/verify/", views.OTPVerifyView.as_view(), name="otp_verify"),
    path("otp/setup/", views.OTPSetupView.as_view(), name="otp_setup"),
    path("profile/", views.profile, name="profile"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    *object_routes(
        "organizations/",
        "organization",
        views.OrganizationLedger,
        views.OrganizationFormView,
        views.OrganizationPage,
        views.OrganizationFormView,
    ),
    *object_routes(
        "users/", "user", views.UserLedger, views.UserFormView, views.UserPage, views.UserFormView
    ),
    path(
        "organizations/<int:pk>/jurisdiction/",
        views.OrganizationJurisdictionView.as_view(),
        name="organization_jurisdiction",
    ),
    path("users/<int:pk>/roles/", views.UserRolesView.as_view(), name="user_roles"),
    path("password-resets/", views.PasswordResetLedger.as_view(), name="password_reset_list"),
    path(
        "password-resets/<int:pk>/", views.PasswordResetPage.as_view(), name="password_reset_detail"
    ),
    path(
        "password-resets/<int:pk>/<str:action>/",
        views.PasswordResetActionView.as_view(),
        name="password_reset_action",
    ),
    path(
        "public/password-reset/<str:key>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("users/<int:pk>/<str:action>/", views.UserActionView.as_view(), name="user_action"),
    path("roles/", views.role_overview, name="roles"),
    path("audit/", views.AuditLedger.as_view(), name="audit_list"),
    path("audit/verify/", views.audit_verify, name="audit_verify"),
    path(
        "files/upload/<int:content_type_id>/<str:object_id>/",
        views.attachment_upload,
        name="attachment_upload",
    ),
    path("files/<int:pk>/", views.attachment_download, name="attachment_download"),
]
