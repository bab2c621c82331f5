from kuangan.core.routes import object_routes

from . import views

app_name = "campaigns"

urlpatterns: list = object_routes(
    "",
    "campaign",
    views.CampaignLedger,
    views.CampaignFormView,
    views.CampaignPage,
    views.CampaignFormView,
)
