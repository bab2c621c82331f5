from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "kuangan.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from kuangan.core import navigation

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
