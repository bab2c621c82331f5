from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kuangan.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import navigation, panels, schema, signals  # noqa: F401  (auth events, panels, API)
        from .navigation import MenuItem
        from .permissions import sync_role_groups

        post_migrate.connect(sync_role_groups, dispatch_uid="kuangan_sync_role_groups")

        navigation.register(
            MenuItem("work", _("Home"), "core:home", icon="home", order=1),
            MenuItem("work", _("Notifications"), "core:notifications", icon="bell", order=90),
            MenuItem(
                "registry",
                _("Organisations"),
                "core:organization_list",
                "core.view_organization",
                icon="building",
                order=50,
            ),
            MenuItem(
                "system", _("Users"), "core:user_list", "core.view_user", icon="users", order=10
            ),
            MenuItem(
                "system",
                _("Roles and lockouts"),
                "core:roles",
                "core.assign_roles",
                icon="shield-lock",
                order=20,
            ),
            MenuItem(
                "system",
                _("Password resets"),
                "core:password_reset_list",
                "core.view_passwordreset",
                icon="key",
                order=25,
            ),
            MenuItem(
                "system",
                _("Audit log"),
                "core:audit_list",
                "core.view_auditevent",
                icon="history",
                order=30,
            ),
            MenuItem("system", _("API documentation"), "api-docs", icon="api", order=80),
        )
