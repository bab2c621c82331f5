"""The navigation: each app registers its entries (in its AppConfig.ready); a user sees an entry
when it holds the entry's permission (or one of its roles)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuItem:
    section: str
    label: Any  # a str or a lazy translation
    url_name: str
    perm: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    icon: str = "circle"
    order: int = 100


SECTIONS = {
    "work": (_("Work"), 10),
    "registry": (_("Registry"), 20),
    "campaign": (_("Campaign"), 30),
    "system": (_("System"), 90),
}

_ITEMS: list[MenuItem] = []


def register(*items: MenuItem) -> None:
    """Add menu items (registering one twice is harmless)."""
    for item in items:
        if item not in _ITEMS:
            _ITEMS.append(item)


def _allowed(user, item: MenuItem) -> bool:
    if item.roles and not (user.roles & item.roles):
        return False
    if item.perm and not user.has_perm(item.perm):
        return False
    return True


def menu_for(user, current_path: str = "") -> list[dict]:
    sections: dict[str, dict] = {}
    for item in sorted(_ITEMS, key=lambda i: (SECTIONS[i.section][1], i.order)):
        if not _allowed(user, item):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        section = sections.setdefault(
            item.section, {"label": SECTIONS[item.section][0], "items": []}
        )
        section["items"].append(
            {
                "label": item.label,
                "url": url,
                "icon": item.icon,
                "active": current_path.startswith(url) and url != "/",
            }
        )
    return list(sections.values())
