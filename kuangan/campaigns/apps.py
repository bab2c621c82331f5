from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "kuangan.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from kuangan.core import navigation

        from . import (
            api,
            filters,
            panels,  # noqa: F401  (registers the home panels)
            views,
        )

        # The registry (lower) shows each mine's campaign verdict through its hooks: filters,
        # the scope actions of the mines API, ledger columns, the scope tab, the map groups.
        filters.connect()
        api.connect()
        views.connect()

        navigation.register(
            navigation.MenuItem(
                "campaign",
                _("Campaigns"),
                "campaigns:campaign_list",
                perm="campaigns.view_campaign",
                icon="flag",
                order=10,
            )
        )
