from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "kuangan.registry"
    label = "registry"
    verbose_name = _("Mine registry")

    def ready(self) -> None:
        from kuangan.core import navigation

        from . import panels  # noqa: F401  (registers the home panels)

        navigation.register(
            navigation.MenuItem(
                "registry",
                _("Mines"),
                "registry:mine_list",
                perm="registry.view_mine",
                icon="building-factory-2",
                order=10,
            ),
            navigation.MenuItem(
                "registry",
                _("Map of mines"),
                "registry:mine_map",
                perm="registry.view_mine",
                icon="map-2",
                order=15,
            ),
            navigation.MenuItem(
                "registry",
                _("Enterprises"),
                "registry:enterprise_list",
                perm="registry.view_enterprise",
                icon="building",
                order=20,
            ),
            navigation.MenuItem(
                "registry",
                _("Watch duty"),
                "registry:watch_list",
                perm="registry.view_watchduty",
                icon="eye",
                order=30,
            ),
            navigation.MenuItem(
                "registry",
                _("Registry change requests"),
                "registry:changerequest_list",
                perm="registry.view_changerequest",
                icon="file-pencil",
                order=40,
            ),
        )
