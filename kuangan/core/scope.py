"""Data scope: which rows a user may see. Defined once here and used through
``ScopedQuerySet.visible_to(user)`` by every view, API endpoint, export, dashboard and task.

A regulator or local-government user sees every object whose region lies in one of the
subtrees its organisation governs; an enterprise user its own enterprise's objects (a group
company: also its subsidiaries'); an agency user its own agency's records. The three
administrator roles see only the tables their duty needs (users, roles, the audit log), and
nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from django.db import models
from django.db.models import Q

from .choices import ADMIN_ROLES, OrganizationKind


@dataclass(frozen=True)
class Scope:
    roles: frozenset[str]
    kind: str | None  # organisation kind of the user
    region_paths: tuple[str, ...]
    organization_ids: frozenset[int]

    @property
    def admin_roles(self) -> frozenset[str]:
        return self.roles & ADMIN_ROLES


EMPTY_SCOPE = Scope(frozenset(), None, (), frozenset())


def scope_of(user) -> Scope:
    """The user's scope, computed once per user object (so once per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, "_kuangan_scope", None)
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
    user._kuangan_scope = scope
    return scope


def region_q(lookup: str, paths: tuple[str, ...]) -> Q:
    """Rows whose region (reached through ``lookup``) lies in one of the subtrees."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{lookup}__path__startswith": path})
    return q


class ScopedQuerySet(models.QuerySet):
    """Base queryset of every scoped model. Subclasses say how a row reaches its region,
    its enterprise and its agency, and which administrator roles may read it."""

    scope_region: str | None = "region"  # lookup to a Region FK
    scope_enterprise: str | None = None  # lookup to the enterprise Organization FK
    scope_agency: str | None = None  # lookup to the agency Organization FK
    scope_admin_roles: frozenset[str] = frozenset()  # admin roles that may read these rows
    scope_business: bool = True  # False: only the admin roles above ever see rows

    def visible_to(self, user) -> Self:
        scope = scope_of(user)
        if not scope.roles:
            return self.none()
        if scope.admin_roles:
            if not (scope.admin_roles & self.scope_admin_roles) or not self.scope_region:
                return self.none()
            return self.filter(self._admin_q(scope))
        if not self.scope_business:
            return self.none()
        if scope.kind in (OrganizationKind.REGULATOR, OrganizationKind.GOVERNMENT):
            if not self.scope_region:
                return self.none()
            return self.filter(region_q(self.scope_region, scope.region_paths))
        if scope.kind == OrganizationKind.ENTERPRISE and self.scope_enterprise:
            return self.filter(**{f"{self.scope_enterprise}__in": scope.organization_ids})
        if scope.kind == OrganizationKind.AGENCY and self.scope_agency:
            return self.filter(**{f"{self.scope_agency}__in": scope.organization_ids})
        return self.none()

    def _admin_q(self, scope: Scope) -> Q:
        q = region_q(self.scope_region, scope.region_paths)
        # Rows without a region (a failed login of an unknown name, a system event) belong to
        # the administrators of the whole system, i.e. those who govern a province.
        if any(path.count("/") == 2 for path in scope.region_paths):
            q |= Q(**{f"{self.scope_region}__isnull": True})
        return q
