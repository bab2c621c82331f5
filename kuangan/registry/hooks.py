"""Hooks of the registry: where an app above it adds what it knows about a mine.

The registry sits just above core; it imports none of the apps that depend on it. When one of
them knows something the registry must show (hazards: an enforcement order has suspended the
mine; campaigns: the mine's scope verdict under a campaign), it adds a provider to one of these
lists in its ``AppConfig.ready()``, and the registry's models, pages and map call the providers.
Without a provider the registry works on its own data alone. The filters and the API of the
mines offer their own hooks on the classes: ``MineFilterSet.add_filters`` / ``add_step`` and
``MineViewSet.add_action``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest

    from kuangan.core.ledger import Column, Tab

    from .filters import MineFilterSet
    from .models import Mine


@dataclass(frozen=True)
class MineExtras:
    """What an app adds to one mine on the enterprise pages: ``row``, extra keys of the mine's
    row in the mine lists; ``counts``, figures added up per subsidiary on a group's page."""

    row: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class MapLayer:
    """How an app groups the points of the mine map: ``groups``, each group's code and legend
    label; ``point``, the extra keys of one mine's point (its ``group`` among them)."""

    groups: dict[str, str]
    point: Callable[[Mine], dict[str, Any]]


SuspensionSource = Callable[[], "QuerySet[Any]"]
suspension_sources: list[SuspensionSource] = []
"""Each gives the records that, while they exist, suspend production of their mine (a ``mine``
foreign key on each): ``Mine.objects.with_suspension()`` annotates ``suspended`` from them."""

mine_ledger_columns: list[Callable[[HttpRequest], list[Column]]] = []
"""Each gives, for a request, columns of the mine ledger, shown after the registry's own status
columns and before the licence dates (and exported with them)."""

mine_page_tabs: list[Callable[[HttpRequest, Mine], list[Tab]]] = []
"""Each gives tabs of a mine's page, shown after its licences."""

mine_extras: list[Callable[[HttpRequest], Callable[[Mine], MineExtras]]] = []
"""Each gives, for a request, a function of a mine: its extras on the enterprise pages."""

mine_map_layers: list[Callable[[HttpRequest, MineFilterSet], MapLayer]] = []
"""Each gives, for a request and its filters, how the mine map groups its points."""


def _add(hook: list[Any], provider: Any) -> None:
    if provider not in hook:
        hook.append(provider)


def register_suspension_source(source: SuspensionSource) -> None:
    _add(suspension_sources, source)


def register_mine_ledger_columns(provider: Callable[[HttpRequest], list[Column]]) -> None:
    _add(mine_ledger_columns, provider)


def register_mine_page_tabs(provider: Callable[[HttpRequest, Mine], list[Tab]]) -> None:
    _add(mine_page_tabs, provider)


def register_mine_extras(provider: Callable[[HttpRequest], Callable[[Mine], MineExtras]]) -> None:
    _add(mine_extras, provider)


def register_mine_map_layer(provider: Callable[[HttpRequest, MineFilterSet], MapLayer]) -> None:
    _add(mine_map_layers, provider)
