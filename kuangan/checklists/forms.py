from __future__ import annotations

import json
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kuangan.core.forms import StyledForm

from . import conditions
from .choices import ChecklistFamily, MineKind
from .imports import split_list
from .models import ChecklistAspect, ChecklistTemplate, MajorHazardCriterion


class ImportForm(StyledForm, forms.Form):
    file = forms.FileField(
        label=_("Checklist file"),
        help_text=_(
            "An .xlsx workbook (sheet “检查表信息” plus one sheet per checklist) or a YAML file, "
            "as exported from this system. Nothing is saved until you confirm the preview."
        ),
    )
    as_new_version = forms.BooleanField(
        label=_("Import as the next version of an existing checklist"),
        required=False,
        help_text=_("Use when the file's version number exists already (the codes must match)."),
    )


class TemplateCreateForm(StyledForm, forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=64,
        help_text=_("Names the series of versions, e.g. coal-underground-2024."),
    )
    family = forms.ChoiceField(label=_("Family"), choices=ChecklistFamily.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    source_note = forms.CharField(
        label=_("Source note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class TemplateEditForm(StyledForm, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    source_note = forms.CharField(
        label=_("Source note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class AspectForm(StyledForm, forms.Form):
    name = forms.CharField(label=_("Aspect name"), max_length=200)


class ItemForm(StyledForm, forms.Form):
    aspect = forms.ModelChoiceField(label=_("Aspect"), queryset=ChecklistAspect.objects.none())
    code = forms.CharField(label=_("Number"), max_length=32)
    content = forms.CharField(label=_("What to check"), widget=forms.Textarea(attrs={"rows": 3}))
    method = forms.CharField(
        label=_("Method and documents"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    basis = forms.CharField(
        label=_("Basis"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    criteria = forms.CharField(
        label=_("Major-hazard criteria"),
        required=False,
        help_text=_("Criterion codes separated by commas, e.g. COAL2020-08-01, COAL2020-08-02."),
    )
    condition = forms.CharField(
        label=_("Applicability condition"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "font-monospace"}),
        help_text=_(
            'JSON, e.g. {"field": "gas_class", "in": ["high", "outburst"]}; empty: always applies.'
        ),
    )
    mine_kinds = forms.MultipleChoiceField(
        label=_("Mine kinds"),
        choices=MineKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every mine kind of the checklist's family."),
    )

    def __init__(self, *args, template: ChecklistTemplate, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        cast(forms.ModelChoiceField, self.fields["aspect"]).queryset = template.aspects.all()
        cast(forms.MultipleChoiceField, self.fields["mine_kinds"]).choices = [
            c for c in MineKind.choices if c[0] in template.kinds
        ]

    def clean_criteria(self):
        codes = split_list(self.cleaned_data.get("criteria"))
        found = {c.code: c for c in MajorHazardCriterion.objects.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise ValidationError(
                _("Unknown major-hazard criterion code “%(code)s”.") % {"code": missing[0]}
            )
        return [found[c] for c in dict.fromkeys(codes)]

    def clean_condition(self):
        return conditions.parse(self.cleaned_data.get("condition"))

    @staticmethod
    def initial_for(item) -> dict:
        return {
            "aspect": item.aspect,
            "code": item.code,
            "content": item.content,
            "method": item.method,
            "basis": item.basis,
            "criteria": ", ".join(c.code for c in item.criteria.all()),
            "condition": json.dumps(item.condition, ensure_ascii=False) if item.condition else "",
            "mine_kinds": item.mine_kinds,
        }


class MineChoiceForm(StyledForm, forms.Form):
    mine = forms.CharField(
        label=_("Mine code"),
        max_length=16,
        help_text=_("The mine's code in the registry, e.g. KA2206050001."),
    )
