from django import template

from ..ledger import display

register = template.Library()


@register.filter
def cell(value):
    """A ledger cell as text: dates YYYY-MM-DD, times in Asia/Shanghai, yes/no, 元 grouped."""
    return display(value)


@register.simple_tag
def call_badge(column, obj):
    return column.badge_class(obj)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
