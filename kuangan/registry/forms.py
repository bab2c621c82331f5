from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kuangan.core.choices import RegionLevel
from kuangan.core.forms import DateInput, StyledForm, date_widgets
from kuangan.core.models import Region
from kuangan.core.scope import region_q, scope_of

from . import services
from .models import Enterprise, Mine, WatchDuty


def county_choices(user):
    """Counties a user may place a mine in: those of its jurisdiction (every county for
    others; the scope check after saving has the last word)."""
    counties = Region.objects.filter(level=RegionLevel.COUNTY)
    scope = scope_of(user)
    if scope.region_paths:
        counties = counties.filter(region_q("", scope.region_paths))
    return counties.order_by("path")


class MineForm(StyledForm, forms.ModelForm):
    effective_on = forms.DateField(
        label=_("Change takes effect on"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "For a change of status or of a rule input: the day it took effect (default today)."
        ),
    )

    class Meta:
        model = Mine
        fields = services.MINE_FIELDS
        widgets = date_widgets("mining_licence_valid_until", "safety_licence_valid_until")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["enterprise"].queryset = Enterprise.objects.visible_to(user).order_by(
                "name"
            )
            self.fields["region"].queryset = county_choices(user)
            if not user.has_perm("registry.set_regulator_concern"):
                del self.fields["regulator_concern"]
        if self.instance.pk is None:
            del self.fields["effective_on"]


class EnterpriseForm(StyledForm, forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = services.ENTERPRISE_FIELDS

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credit_code"].required = True
        self.fields["region"].queryset = Region.objects.order_by("path")
        if user is not None:
            parents = Enterprise.objects.visible_to(user)
            if self.instance.pk:
                parents = parents.exclude(pk__in=self.instance.descendant_ids(include_self=True))
            self.fields["parent"].queryset = parents.order_by("name")
            self.fields["parent"].label = _("Parent company")

    def _post_clean(self):
        # The service validates (credit code check digit, parent); skip the model's own
        # uniqueness check so that its message is the service's.
        pass


class WatchDutyForm(StyledForm, forms.ModelForm):
    class Meta:
        model = WatchDuty
        fields = services.WATCH_FIELDS
        widgets = date_widgets("valid_from", "valid_until")
