"""Support for the authorisation matrix (``test_authz_matrix.py``).

The matrix walks every URL of the project as every role, inside and outside its jurisdiction.
Pages and API routes that take an object need one object *inside* the role user's world and
one *outside* it. Each app provides them in its ``tests/factories.py``, which the matrix
imports::

    from kuangan.core.tests import authz

    @authz.factory(Mine)
    def _mine(world: authz.World) -> Mine:
        # one object of the world: its region/enterprise/agency are the world's, and its
        # name (its str) contains world.token, so a leak shows in any page or JSON body.
        return Mine.objects.create(name=f"{world.token}煤矿", enterprise=world.enterprise,
                                   region=world.county, ...)

A route whose object the walk cannot infer (a function view, a URL argument that is not the
view model's ``pk``/slug, several arguments) is declared once::

    authz.route("registry:watchduty_assign", model=Mine)             # <code> is a Mine's
    authz.route("core:user_action", model=User,
                kwargs=lambda user: [{"pk": user.pk, "action": "deactivate"}])

Reference data every signed-in user may read (regions, checklist templates) is declared with
``authz.reference(Model, "why")``; routes without data (the API description) with
``authz.route(name, skip="why")``; routes the public may use with ``public=True``.

The two worlds: *inside* is 白山市 (city 220600, county 江源区 220605), *outside* is 长春市
(220100, county 南关区 220102). Each world has a city and a county emergency bureau, a city
government, a group company with one subsidiary enterprise in the county, and an agency in
the county. The role users of the matrix live in the inside world: regulator and
administrator roles in the city bureau, ``government_user`` in the city government,
enterprise roles in the subsidiary, ``group_inspector`` in the group company, ``agency_user``
in the agency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from importlib import import_module
from typing import Any

from django.apps import apps
from django.db import models

from kuangan.core.choices import OrganizationKind, RegulatorAgency, Role

Factory = Callable[["World"], models.Model]

FACTORIES: dict[type[models.Model], Factory] = {}
REFERENCE_MODELS: dict[type[models.Model], str] = {}


@dataclass
class RouteSpec:
    """What the matrix needs to know about one URL name that it cannot infer."""

    model: type[models.Model] | None = None
    # URL arguments for an object: a list of kwargs dicts (one request each).
    kwargs: Callable[[Any], list[dict]] | None = None
    # (inside, outside) objects for a user, when the model's factory does not fit (an object
    # addressed to one user, like a notification).
    objects: Callable[[World, World, Any], tuple[Any, Any]] | None = None
    methods: tuple[str, ...] = ("GET", "POST")  # verbs tried on the outside object
    public: bool = False  # reachable without logging in
    skip: str = ""  # reason the matrix does not walk this route


ROUTES: dict[str, RouteSpec] = {}


def factory(model: type[models.Model], fn: Factory | None = None):
    """Register the factory of ``model`` (usable as a decorator)."""

    def register(f: Factory) -> Factory:
        FACTORIES[model] = f
        return f

    return register(fn) if fn is not None else register


def reference(model: type[models.Model], reason: str) -> None:
    """Declare ``model`` as reference data that every signed-in user may read."""
    REFERENCE_MODELS[model] = reason


def route(name: str, **spec) -> None:
    """Declare what the matrix needs for the URL ``name`` (see ``RouteSpec``)."""
    ROUTES[name] = RouteSpec(**spec)


def load_app_factories() -> None:
    """Import ``<app>.tests.factories`` of every Kuang'an app, which register here."""
    for config in apps.get_app_configs():
        if not config.name.startswith("kuangan."):
            continue
        try:
            import_module(f"{config.name}.tests.factories")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{config.name}.tests", f"{config.name}.tests.factories"):
                raise


# --- The two worlds --------------------------------------------------------------------------

WORLD_REGIONS = {"inside": ("220600", "220605"), "outside": ("220100", "220102")}
WORLD_TOKENS = {"inside": "甲辖QA7", "outside": "乙辖ZX9"}

# Where each role's user sits in its world.
ROLE_HOME = {
    Role.PROVINCE_ADMIN: "city_regulator",
    Role.REGULATOR_LEADER: "city_regulator",
    Role.REGULATOR_INSPECTOR: "city_regulator",
    Role.ENTERPRISE_PRINCIPAL: "enterprise",
    Role.ENTERPRISE_SAFETY_OFFICER: "enterprise",
    Role.GROUP_INSPECTOR: "group",
    Role.AGENCY_USER: "agency",
    Role.GOVERNMENT_USER: "government",
    Role.SYSTEM_ADMIN: "city_regulator",
    Role.SECURITY_ADMIN: "city_regulator",
    Role.AUDIT_ADMIN: "city_regulator",
}


@dataclass
class World:
    key: str  # "inside" or "outside"
    token: str  # put it into every object's name: a leak then shows in any response body
    province: Any
    city: Any
    county: Any
    city_regulator: Any
    county_regulator: Any
    government: Any
    group: Any
    enterprise: Any
    agency: Any
    _users: dict = field(default_factory=dict)

    def user(self, role: str):
        """A user of ``role`` in this world (made once), at the role's usual organisation."""
        if role not in self._users:
            from .factories import make_user

            self._users[role] = make_user(
                organization=getattr(self, ROLE_HOME[Role(role)]),
                role=role,
                username=f"{self.key}_{role}",
            )
        return self._users[role]

    @cached_property
    def owner(self):
        """The world's enterprise principal (an author for objects that need one)."""
        return self.user(Role.ENTERPRISE_PRINCIPAL)


def build_world(key: str) -> World:
    from kuangan.core.models import Region

    from .factories import make_organization

    city_code, county_code = WORLD_REGIONS[key]
    token = WORLD_TOKENS[key]
    city = Region.objects.get(code=city_code)
    county = Region.objects.get(code=county_code)
    regulator = {"kind": OrganizationKind.REGULATOR, "agency": RegulatorAgency.EMERGENCY}
    city_regulator = make_organization(city_code, name=f"{token}市应急管理局", **regulator)
    group = make_organization(city_code, OrganizationKind.ENTERPRISE, name=f"{token}矿业集团")
    return World(
        key=key,
        token=token,
        province=Region.objects.get(code="220000"),
        city=city,
        county=county,
        city_regulator=city_regulator,
        county_regulator=make_organization(
            county_code, name=f"{token}县应急管理局", parent=city_regulator, **regulator
        ),
        government=make_organization(
            city_code, OrganizationKind.GOVERNMENT, name=f"{token}市人民政府"
        ),
        group=group,
        enterprise=make_organization(
            county_code, OrganizationKind.ENTERPRISE, name=f"{token}煤业有限公司", parent=group
        ),
        agency=make_organization(
            county_code, OrganizationKind.AGENCY, name=f"{token}安全评价有限公司"
        ),
    )
