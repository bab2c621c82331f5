from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kuangan.core.forms import DateInput, StyledForm, date_widgets
from kuangan.core.models import Region

from . import services
from .choices import PhaseKind
from .models import Campaign


class CampaignForm(StyledForm, forms.ModelForm):
    """A campaign with its thresholds and the deadline of each of its five phases."""

    class Meta:
        model = Campaign
        fields = services.CAMPAIGN_FIELDS
        widgets = {
            **date_widgets("issued_on", "starts_on", "ends_on", "flood_season_start"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.exclude(level="county").order_by("path")
        self.fields["flood_season_start"].required = False
        existing = {}
        if self.instance.pk:
            existing = {p.kind: p for p in self.instance.phases.all()}
        for kind in PhaseKind:
            phase = existing.get(kind.value)
            self.fields[f"deadline_{kind.value}"] = forms.DateField(
                label=_("Deadline: %(phase)s") % {"phase": kind.label},
                required=False,
                widget=DateInput(attrs={"class": "form-control"}),
                initial=phase.deadline if phase else None,
            )

    def phases(self) -> list[dict]:
        result = []
        existing = {}
        if self.instance.pk:
            existing = {p.kind: p for p in self.instance.phases.all()}
        for kind in PhaseKind:
            deadline = self.cleaned_data.get(f"deadline_{kind.value}")
            if deadline:
                old = existing.get(kind.value)
                result.append(
                    {
                        "kind": kind.value,
                        "deadline": deadline,
                        "starts_on": old.starts_on if old else None,
                        "description": old.description if old else "",
                    }
                )
        return result

    def campaign_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in services.CAMPAIGN_FIELDS}
