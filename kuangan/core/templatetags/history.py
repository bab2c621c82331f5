from django import template

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    from ..views import action_label as label

    return label(action)
