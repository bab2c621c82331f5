"""Forms of the hazard pages. They only parse input; the services validate and act."""

from __future__ import annotations

import json

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kuangan.checklists.models import MajorHazardCriterion
from kuangan.core.forms import DateInput, StyledForm
from kuangan.core.models import User
from kuangan.registry.models import Mine

from .choices import (
    ControlLevel,
    EvidenceStage,
    HazardLevel,
    HazardSource,
    OrderKind,
    ReinspectionOutcome,
    RiskHazardType,
    RiskLevel,
    TransferCategory,
)
from .models import Hazard
from .models.monthly import principal_candidates


class CriterionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.category}：{obj.wording[:60]}"


class HazardForm(StyledForm, forms.Form):
    mine = forms.ModelChoiceField(label=_("Mine"), queryset=Mine.objects.none())
    description = forms.CharField(
        label=_("Hazard description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("While you type, the most similar major-hazard criteria are suggested below."),
    )
    location = forms.CharField(label=_("Location in the mine"), max_length=200, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=HazardLevel.choices)
    criterion = CriterionChoiceField(
        label=_("Major-hazard criterion"),
        queryset=MajorHazardCriterion.objects.select_related("standard"),
        required=False,
        help_text=_(
            "Required for a major hazard: the criterion of the standard in force on the finding date."
        ),
    )
    source = forms.ChoiceField(label=_("Source"), choices=HazardSource.choices)
    found_on = forms.DateField(label=_("Found on"), widget=DateInput())
    found_by_name = forms.CharField(label=_("Found by (name)"), max_length=64, required=False)
    imminent_danger = forms.BooleanField(label=_("Imminent danger"), required=False)
    reckless_operation = forms.BooleanField(label=_("Reckless operation"), required=False)
    responsible_person = forms.CharField(
        label=_("Responsible person"), max_length=64, required=False
    )
    measures = forms.CharField(
        label=_("Rectification measures"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    funds = forms.DecimalField(
        label=_("Funds (yuan)"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput(), required=False)
    contingency_plan = forms.CharField(
        label=_("Contingency plan"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, user=None, hazard=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["mine"].queryset = Mine.objects.visible_to(user).order_by("name")
        if hazard is not None:
            del self.fields["mine"]
        attrs = {
            "hx-get": reverse("hazards:criterion_suggest"),
            "hx-trigger": "keyup changed delay:500ms, load",
            "hx-target": "#criterion-suggestions",
            "hx-include": "[name=mine],[name=found_on]",
        }
        if hazard is not None:
            attrs["hx-vals"] = json.dumps({"hazard": str(hazard.pk)})
        self.fields["description"].widget.attrs.update(attrs)


class FiveForm(StyledForm, forms.Form):
    """The 五落实 (with a major hazard's root cause and lasting measure, 七(三)), to start the
    rectification."""

    responsible_person = forms.CharField(
        label=_("Responsible person"), max_length=64, required=False
    )
    measures = forms.CharField(
        label=_("Rectification measures"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    funds = forms.DecimalField(
        label=_("Funds (yuan)"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput(), required=False)
    contingency_plan = forms.CharField(
        label=_("Contingency plan"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    root_cause = forms.CharField(
        label=_("Root cause"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Required for a major hazard: the deep-seated, fundamental cause."),
    )
    lasting_measure = forms.CharField(
        label=_("Lasting measure"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Required for a major hazard: the measure that removes the cause for good."),
    )


class NoteForm(StyledForm, forms.Form):
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ReasonForm(StyledForm, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class LevelForm(StyledForm, forms.Form):
    level = forms.ChoiceField(label=_("New level"), choices=HazardLevel.choices)
    criterion = CriterionChoiceField(
        label=_("Major-hazard criterion"),
        queryset=MajorHazardCriterion.objects.select_related("standard"),
        required=False,
        help_text=_("Required for a major hazard."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, hazard=None, **kwargs):
        super().__init__(*args, **kwargs)
        if hazard is not None:
            others = [c for c in HazardLevel.choices if c[0] != hazard.level]
            self.fields["level"].choices = others
            self.fields["level"].initial = others[0][0] if others else None


class ExtensionForm(StyledForm, forms.Form):
    new_deadline = forms.DateField(label=_("Requested deadline"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(StyledForm, forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Approve")), ("0", _("Refuse"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class EvidenceForm(StyledForm, forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=EvidenceStage.choices)
    file = forms.FileField(label=_("File"))


class LinkForm(StyledForm, forms.Form):
    self_reported_hazard = forms.ModelChoiceField(
        label=_("The enterprise's own record"), queryset=None, required=False
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["self_reported_hazard"].queryset = candidates


class ListingForm(StyledForm, forms.Form):
    listing_no = forms.CharField(label=_("Listing number"), max_length=64)
    listed_on = forms.DateField(label=_("Listed on"), widget=DateInput())
    listing_due = forms.DateField(label=_("Required completion"), widget=DateInput())


class RiskItemForm(StyledForm, forms.Form):
    """A line of the risk list. Only parses input; ``risks`` validates and acts."""

    mine = forms.ModelChoiceField(label=_("Mine"), queryset=Mine.objects.none())
    location = forms.CharField(label=_("Risk point or location"), max_length=200)
    hazard_type = forms.ChoiceField(label=_("Hazard type"), choices=RiskHazardType.choices)
    description = forms.CharField(
        label=_("Risk description"), widget=forms.Textarea(attrs={"rows": 3})
    )
    level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    control_measures = forms.CharField(
        label=_("Control measures"), widget=forms.Textarea(attrs={"rows": 3})
    )
    responsible_person = forms.CharField(label=_("Person responsible for control"), max_length=64)
    responsible_level = forms.ChoiceField(
        label=_("Control level"),
        choices=ControlLevel.choices,
        help_text=_(
            "A major (red) risk is controlled at least by the mine, a significant (orange) one at "
            "least by a department, a general (yellow) one at least by a team."
        ),
    )
    review_on = forms.DateField(
        label=_("Review date"),
        widget=DateInput(),
        help_text=_("When the risk is identified and assessed again."),
    )

    def __init__(self, *args, user=None, risk=None, **kwargs):
        super().__init__(*args, **kwargs)
        if risk is not None:
            del self.fields["mine"]
        elif user is not None:
            self.fields["mine"].queryset = Mine.objects.visible_to(user).order_by("name")


class OrderForm(StyledForm, forms.Form):
    """An order to one mine, resting on open hazards of that mine."""

    kind = forms.ChoiceField(label=_("Kind"), choices=OrderKind.choices)
    hazards = forms.ModelMultipleChoiceField(
        label=_("Hazards"), queryset=Hazard.objects.none(), required=False
    )
    facts = forms.CharField(label=_("Facts"), widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 2}))
    requirements = forms.CharField(
        label=_("Requirements"), widget=forms.Textarea(attrs={"rows": 3})
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=14, decimal_places=2, required=False
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput(), required=False)
    transfer_category = forms.ChoiceField(
        label=_("Matter transferred"),
        choices=[("", "—"), *TransferCategory.choices],
        required=False,
        help_text=_(
            "For a transfer (超层越界开采等): the matter the competent department is to handle."
        ),
    )

    def __init__(self, *args, user=None, mine=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hazards"].queryset = Hazard.objects.visible_to(user).filter(mine=mine).open()


class ReinspectionForm(StyledForm, forms.Form):
    """The re-inspection (复查) of a suspension and its outcome."""

    inspected_on = forms.DateField(label=_("Re-inspected on"), widget=DateInput())
    outcome = forms.ChoiceField(
        label=_("Re-inspection outcome"), choices=ReinspectionOutcome.choices
    )
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}))


class MonthlyCheckForm(StyledForm, forms.Form):
    mine = forms.ModelChoiceField(label=_("Mine"), queryset=Mine.objects.none())
    month = forms.DateField(
        label=_("Month"),
        widget=DateInput(),
        help_text=_("Any day of the month checked."),
    )
    checked_on = forms.DateField(label=_("Date of the check"), widget=DateInput())
    principal = forms.ModelChoiceField(
        label=_("Led by (principal)"),
        queryset=User.objects.none(),
        help_text=_(
            "The principal (主要负责人) of the mine's enterprise who led the check: a user "
            "holding the enterprise principal role."
        ),
    )
    participants = forms.CharField(
        label=_("Participants"), widget=forms.Textarea(attrs={"rows": 2})
    )
    areas = forms.CharField(label=_("Areas covered"), widget=forms.Textarea(attrs={"rows": 2}))
    hazards = forms.ModelMultipleChoiceField(
        label=_("Hazards found"), queryset=Hazard.objects.none(), required=False
    )
    report = forms.CharField(
        label=_("Report"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mine"].queryset = Mine.objects.visible_to(user).order_by("name")
        self.fields["hazards"].queryset = (
            Hazard.objects.visible_to(user).open().select_related("mine")
        )
        self.fields["principal"].queryset = principal_candidates(self.fields["mine"].queryset)
        self.fields["principal"].label_from_instance = lambda u: f"{u} （{u.organization}）"
