"""Home page panels: each app registers functions that return a panel for a user (or None);
the home page shows the panels that apply, in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Panel:
    title: Any
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100
    width: int = 12  # Bootstrap columns on a wide screen


_PROVIDERS: list[Callable[[Any], Panel | list[Panel] | None]] = []


def register(provider: Callable[[Any], Panel | list[Panel] | None]) -> Callable:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def panels_for(user) -> list[Panel]:
    panels: list[Panel] = []
    for provider in _PROVIDERS:
        result = provider(user)
        if result is None:
            continue
        panels.extend(result if isinstance(result, list) else [result])
    return sorted(panels, key=lambda p: p.order)
