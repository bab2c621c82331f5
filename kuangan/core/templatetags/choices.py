"""Badges of choices that carry their presentation (``core.choices.ChoiceSet``).

    {% load choices %}
    {{ object.status|badge:"hazards.HazardStatus" }}          the whole badge, label and icon
    <span class="badge {{ r.outcome|badge_class:"inspections.Outcome" }}">…</span>
    {{ value|choice_label:"hazards.HazardStatus" }}

The argument is the ChoiceSet's name (``<app>.<ClassName>``) or the class itself.
"""

from django import template

from ..choices import choice_set

register = template.Library()


@register.filter
def badge(value, choices):
    return choice_set(choices).badge(value)


@register.filter
def badge_class(value, choices) -> str:
    return choice_set(choices).css(value)


@register.filter
def choice_label(value, choices) -> str:
    return choice_set(choices).label_of(value)
