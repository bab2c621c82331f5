"""Forms of the inspection pages. They parse input; the services decide."""

from __future__ import annotations

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuangan.campaigns.models import Campaign
from kuangan.core.forms import CleanTextForm, StyledForm, style_form
from kuangan.core.models import Region, User
from kuangan.core.scope import region_q, scope_of
from kuangan.core.validators import validate_phone
from kuangan.registry.models import Mine

from .choices import Disposal, HazardLevel, InspectionKind, Outcome, RedoReason, TeamLevel
from .models import InspectionTeam
from .services import PLAN_ROLES


def governed_regions(user):
    """The regions in the user's jurisdiction (a regulator's subtrees)."""
    return Region.objects.filter(region_q("", scope_of(user).region_paths))


class DateInput(forms.DateInput):
    input_type = "date"


class InspectionCreateForm(StyledForm, forms.Form):
    mine: forms.ModelChoiceField[Mine] = forms.ModelChoiceField(label=_("Mine"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=())
    campaign: forms.ModelChoiceField[Campaign] = forms.ModelChoiceField(
        label=_("Campaign"), queryset=None, required=False
    )
    plan = forms.CharField(
        label=_("Plan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Scope, staff and schedule (the self-inspection plan)."),
    )
    planned_on = forms.DateField(label=_("Planned date"), required=False, widget=DateInput)
    deadline = forms.DateField(label=_("To be done by"), required=False, widget=DateInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mine"].queryset = Mine.objects.visible_to(user).order_by("code")
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user)
        self.fields["kind"].choices = [
            (k.value, k.label) for k in InspectionKind if set(user.roles) & PLAN_ROLES[k]
        ]


class AnswerForm(CleanTextForm, forms.Form):  # texts cleaned, not styled
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    reason = forms.CharField(label=_("Reason it does not apply"), required=False, max_length=300)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea)
    hazard_level = forms.ChoiceField(
        label=_("Hazard level"), choices=[("", "—"), *HazardLevel.choices], required=False
    )
    criterion = forms.CharField(label=_("Major-hazard criterion"), required=False)


class ReasonForm(StyledForm, forms.Form):
    reason = forms.CharField(
        label=_("Written reason"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required


class RedoForm(ReasonForm):
    reasons = forms.MultipleChoiceField(
        label=_("Grounds (notice part 六(四))"),
        choices=RedoReason.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,  # the service names the grounds when none of the notice's is ticked
        help_text=_("Tick at least one of the notice's five grounds; “Other” only adds to them."),
    )


class SignForm(StyledForm, forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Enter your password again to sign the report and the commitment letter."),
    )


class SelfReportForm(StyledForm, forms.Form):
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    rectification = forms.CharField(
        label=_("Problems and rectification status"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )


class InspectionReportForm(StyledForm, forms.Form):
    conclusion = forms.CharField(
        label=_("Overall conclusion"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    recommendations = forms.CharField(
        label=_("Recommendations"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, problems=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.problems = list(problems)
        for result in self.problems:
            self.fields[f"disposal_{result.pk}"] = forms.ChoiceField(
                label=_("Disposal of %(item)s") % {"item": result.item.code},
                choices=[("", "—"), *Disposal.choices],
                required=False,
                initial=result.disposal,
            )
            self.fields[f"note_{result.pk}"] = forms.CharField(
                label=_("Details"), required=False, max_length=300, initial=result.disposal_note
            )
        style_form(self)

    def disposals(self) -> dict:
        return {
            r.pk: (self.cleaned_data[f"disposal_{r.pk}"], self.cleaned_data[f"note_{r.pk}"])
            for r in self.problems
        }


class SendForm(StyledForm, forms.Form):
    sent_on = forms.DateField(label=_("Sent on"), widget=DateInput, initial=timezone.localdate)
    sent_to = forms.CharField(label=_("Local government"), max_length=200)


class ExpertForm(StyledForm, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    organization_name = forms.CharField(label=_("Work unit"), max_length=128, required=False)
    title = forms.CharField(label=_("Title or speciality"), max_length=64, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=32, required=False, validators=[validate_phone]
    )
    days = forms.IntegerField(
        label=_("Account valid for (days)"), min_value=1, max_value=90, initial=30
    )


class ImportForm(StyledForm, forms.Form):
    file = forms.FileField(label=_("Filled checklist (.xlsx)"))


class PhotoForm(forms.Form):
    file = forms.FileField(label=_("Photo or file"))


class TeamForm(StyledForm, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    level = forms.ChoiceField(label=_("Level"), choices=TeamLevel.choices)
    region: forms.ModelChoiceField[Region] = forms.ModelChoiceField(
        label=_("Region"), queryset=None
    )
    leader: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Team leader"), queryset=None
    )
    members: forms.ModelMultipleChoiceField[User] = forms.ModelMultipleChoiceField(
        label=_("Members"), queryset=None, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = governed_regions(user)
        people = (
            User.objects.visible_to(user)
            .filter(groups__name__in=["regulator_inspector", "regulator_leader", "province_admin"])
            .distinct()
        )
        self.fields["leader"].queryset = people
        self.fields["members"].queryset = people
        self.fields["members"].widget.attrs["size"] = 6


class AssignForm(forms.Form):
    team: forms.ModelChoiceField[InspectionTeam] = forms.ModelChoiceField(
        label=_("Team"), queryset=None
    )
    mines: forms.ModelMultipleChoiceField[Mine] = forms.ModelMultipleChoiceField(queryset=None)

    def __init__(self, *args, user, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = InspectionTeam.objects.visible_to(user).filter(
            campaign=campaign
        )
        self.fields["mines"].queryset = Mine.objects.visible_to(user)


class LookbackForm(StyledForm, forms.Form):
    campaign: forms.ModelChoiceField[Campaign] = forms.ModelChoiceField(
        label=_("Campaign"), queryset=None, required=False
    )
    region: forms.ModelChoiceField[Region] = forms.ModelChoiceField(
        label=_("Region drawn from"), queryset=None
    )
    cities: forms.ModelMultipleChoiceField[Region] = forms.ModelMultipleChoiceField(
        label=_("Cities to cover (at least one mine each)"), queryset=None, required=False
    )
    counties: forms.ModelMultipleChoiceField[Region] = forms.ModelMultipleChoiceField(
        label=_("Key counties to cover (at least one mine each)"),
        queryset=None,
        required=False,
    )
    key_mines = forms.CharField(
        label=_("Key mines, each checked (codes)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mine codes, separated by spaces, commas or new lines."),
    )
    ratio = forms.DecimalField(
        label=_("Sampling ratio of the other mines"),
        min_value=0,
        max_value=1,
        decimal_places=3,
        initial="0.2",
    )
    seed = forms.CharField(
        label=_("Seed"),
        max_length=64,
        required=False,
        help_text=_("Leave empty for a random seed; the seed is recorded with the draw."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        mine = governed_regions(user)
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user)
        self.fields["region"].queryset = mine.exclude(level="county")
        self.fields["cities"].queryset = mine.filter(level="city")
        self.fields["counties"].queryset = mine.filter(level="county")

    def clean_key_mines(self) -> list[str]:
        """The codes, split at spaces, commas, 、 and semicolons."""
        return [c for c in re.split(r"[\s,，、;；]+", self.cleaned_data["key_mines"]) if c]
