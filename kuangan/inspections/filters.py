"""FilterSets of inspections, shared by the ledgers, the API and the exports."""

import django_filters
from django.utils.translation import gettext_lazy as _

from kuangan.campaigns.models import Campaign
from kuangan.core.filters import RegionSubtreeFilter, date_range

from .choices import InspectionKind, InspectionStatus
from .models import Inspection


class InspectionFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=InspectionKind.choices)
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=InspectionStatus.choices
    )
    region = RegionSubtreeFilter(label=_("Region"), lookup="mine__region")
    campaign = django_filters.ModelChoiceFilter(
        label=_("Campaign"), queryset=Campaign.objects.all()
    )
    mine = django_filters.CharFilter(label=_("Mine code"), field_name="mine__code")
    submitted_from, submitted_to = date_range(
        "submitted_at__date", _("Submitted from"), _("Submitted until")
    )

    class Meta:
        model = Inspection
        fields = ["kind", "status", "region", "campaign", "mine"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["campaign"].queryset = Campaign.objects.visible_to(request.user)
