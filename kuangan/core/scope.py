"""Data scope: which rows a user may see. Defined once here and used through
``ScopedQuerySet.visible_to(user)`` by every view, API endpoint, export, dashboard and task.

A regulator or local-government user sees every object whose region lies in one of the
subtrees its organisation governs; an enterprise user its own enterprise's objects (a group
company: also its subsidiaries'); an agency user its own agency's records. The three
administrator roles see only the tables their duty needs (users, roles, the audit log), and
nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, TypeAlias

from django.db import models
from django.db.models import Q

from .choices import ADMIN_ROLES, OrganizationKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import Region, User

# Whoever a request or a command acts for: a user, an anonymous visitor, or nobody.
UserLike: TypeAlias = "User | AnonymousUser | None"
RegionLike: TypeAlias = "Region | str"


@dataclass(frozen=True)
class Scope:
    roles: frozenset[str]
    kind: str | None  # organisation kind of the user
    region_paths: tuple[str, ...]
    organization_ids: frozenset[int]

    @property
    def admin_roles(self) -> frozenset[str]:
        return self.roles & ADMIN_ROLES

    @property
    def covers_province(self) -> bool:
        """Whether the user governs a whole province (the administrators of the whole system
        are those; they also own the rows without a region)."""
        return any(is_province_path(path) for path in self.region_paths)

    def covers(self, region: RegionLike) -> bool:
        """Whether ``region`` (a ``Region`` or its path) lies in one of the user's subtrees."""
        path = _path_of(region)
        return any(path.startswith(root) for root in self.region_paths)


EMPTY_SCOPE = Scope(frozenset(), None, (), frozenset())


def _path_of(region: RegionLike) -> str:
    return region if isinstance(region, str) else region.path


def scope_of(user: UserLike) -> Scope:
    """The user's scope, computed once per user object (so once per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_SCOPE
    cached: Scope | None = getattr(user, "_kuangan_scope", None)
    if cached is not None:
        return cached
    org = user.organization
    roles = frozenset(user.roles)
    if org is None or not org.is_active:
        scope = Scope(roles, None, (), frozenset())
    else:
        paths: tuple[str, ...] = ()
        org_ids: frozenset[int] = frozenset()
        if org.kind in (OrganizationKind.REGULATOR, OrganizationKind.GOVERNMENT):
            paths = tuple(org.governed_paths())
        elif org.kind == OrganizationKind.ENTERPRISE:
            org_ids = frozenset(org.descendant_ids(include_self=True))
        elif org.kind == OrganizationKind.AGENCY:
            org_ids = frozenset({org.pk})
        scope = Scope(roles, org.kind, paths, org_ids)
    user._kuangan_scope = scope  # type: ignore[attr-defined]  # cached on the user
    return scope


def is_province_path(path: str) -> bool:
    """Whether ``path`` is a province's, the root of a jurisdiction tree (``/220000/``)."""
    return path.count("/") == 2


def ancestor_paths(path: str) -> list[str]:
    """The paths of the region at ``path`` and of every region above it, the province first."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _path_lookup(lookup: str) -> str:
    return f"{lookup}__path" if lookup else "path"


def region_q(lookup: str, paths: Iterable[RegionLike], *, above: bool = False) -> Q:
    """Rows whose region (reached through ``lookup``; ``""`` for regions themselves) lies in
    one of the subtrees rooted at ``paths``; with ``above``, also the rows whose region is one
    of the regions above those roots (those governing them)."""
    q = Q(pk__in=[])
    for path in paths:
        q |= in_subtree(lookup, path)
        if above:
            q |= at_or_above(lookup, path)
    return q


def in_subtree(lookup: str, region: RegionLike) -> Q:
    """Rows whose region (reached through ``lookup``; ``""`` for regions themselves) lies in
    the subtree of ``region`` (a ``Region`` or its path)."""
    return Q(**{f"{_path_lookup(lookup)}__startswith": _path_of(region)})


def at_or_above(lookup: str, region: RegionLike) -> Q:
    """Rows whose region (reached through ``lookup``; ``""`` for regions themselves) is
    ``region`` (a ``Region`` or its path) or one of the regions above it, those governing it."""
    return Q(**{f"{_path_lookup(lookup)}__in": ancestor_paths(_path_of(region))})


class ScopedQuerySet(models.QuerySet[Any]):
    """Base queryset of every scoped model. Subclasses say how a row reaches its region,
    its enterprise and its agency, and which administrator roles may read it; or that a row
    is visible exactly when its parent is (``scope_parent``)."""

    scope_region: str | None = "region"  # lookup to a Region FK
    scope_enterprise: str | None = None  # lookup to the enterprise Organization FK
    scope_agency: str | None = None  # lookup to the agency Organization FK
    scope_admin_roles: frozenset[str] = frozenset()  # admin roles that may read these rows
    scope_business: bool = True  # False: only the admin roles above ever see rows
    scope_everyone: bool = False  # True: every user with a business role sees every row
    # Lookup to a parent row (e.g. "template", "inspection"): a row is visible exactly when its
    # parent is visible to the user, by the parent's own rule; the declarations above are then
    # not read.
    scope_parent: str | None = None

    def visible_to(self, user: UserLike) -> Self:
        if self.scope_parent:
            manager: Any = self.scope_parent_model()._default_manager
            parents = manager.visible_to(user)
            return self.filter(**{f"{self.scope_parent}__in": parents.values("pk")})
        scope = scope_of(user)
        if not scope.roles:
            return self.none() if scope.kind is not None else self.visible_to_guest(user)
        if scope.admin_roles:
            if not (scope.admin_roles & self.scope_admin_roles) or not self.scope_region:
                return self.none()
            return self.filter(self._admin_q(scope))
        if not self.scope_business:
            return self.none()
        if self.scope_everyone:
            return self.all()
        if scope.kind in (OrganizationKind.REGULATOR, OrganizationKind.GOVERNMENT):
            if not self.scope_region:
                return self.none()
            return self.filter(region_q(self.scope_region, scope.region_paths))
        if scope.kind == OrganizationKind.ENTERPRISE and self.scope_enterprise:
            return self.filter(**{f"{self.scope_enterprise}__in": scope.organization_ids})
        if scope.kind == OrganizationKind.AGENCY and self.scope_agency:
            return self.filter(**{f"{self.scope_agency}__in": scope.organization_ids})
        return self.none()

    def visible_to_guest(self, user: UserLike) -> Self:
        """Rows seen by a user without roles and without an organisation (anonymous, or an
        invited expert's temporary account). None, unless a model says otherwise."""
        return self.none()

    def scope_parent_model(self) -> type[models.Model]:
        """The model reached through ``scope_parent`` from this queryset's model."""
        model: Any = self.model
        for name in (self.scope_parent or "").split("__"):
            model = model._meta.get_field(name).related_model
        return model  # type: ignore[no-any-return]

    def _admin_q(self, scope: Scope) -> Q:
        assert self.scope_region  # noqa: S101 - visible_to checked it
        q = region_q(self.scope_region, scope.region_paths)
        # Rows without a region (a failed login of an unknown name, a system event) belong to
        # the administrators of the whole system, i.e. those who govern a province.
        if scope.covers_province:
            q |= Q(**{f"{self.scope_region}__isnull": True})
        return q
