from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns: list = [
    path("", views.CampaignLedger.as_view(), name="campaign_list"),
    path("new/", views.CampaignFormView.as_view(), name="campaign_create"),
    path("<int:pk>/", views.CampaignPage.as_view(), name="campaign_detail"),
    path("<int:pk>/edit/", views.CampaignFormView.as_view(), name="campaign_edit"),
]
