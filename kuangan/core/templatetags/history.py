from django import template

from .. import history

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    """An audit action's label (``auth.login`` into 登录)."""
    return history.action_label(action)
