"""The standard routes of a kind of object, for the apps' URLconfs.

Every kind of object with pages has the same four routes, named after it::

    *object_routes(
        "organizations/",
        "organization",
        views.OrganizationLedger,    # ledger:  organizations/               organization_list
        views.OrganizationFormView,  # create:  organizations/new/           organization_create
        views.OrganizationPage,      # detail:  organizations/<int:pk>/      organization_detail
        views.OrganizationFormView,  # edit:    organizations/<int:pk>/edit/ organization_edit
    )

A view given as None (or left out at the end) has no route; ``key`` is the path converter of
one object (``<str:code>`` for mines). A class-based view is served with ``as_view()``. The
views are positional, in the order of the routes, so that a URLconf reads as a table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, path


def _view(view: Any) -> Callable[..., Any]:
    return view.as_view() if isinstance(view, type) else view


def object_routes(
    prefix: str,
    name: str,
    ledger: Any = None,
    create: Any = None,
    detail: Any = None,
    edit: Any = None,
    /,
    *,
    key: str = "<int:pk>",
) -> list[URLPattern]:
    """The ledger, create, detail and edit routes of the objects called ``name`` under
    ``prefix``, in that order (``new/`` comes before ``<key>/``, which would match it)."""
    routes = [
        ("", ledger, "list"),
        ("new/", create, "create"),
        (f"{key}/", detail, "detail"),
        (f"{key}/edit/", edit, "edit"),
    ]
    return [
        path(f"{prefix}{suffix}", _view(view), name=f"{name}_{what}")
        for suffix, view, what in routes
        if view is not None
    ]
