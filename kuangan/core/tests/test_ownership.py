"""Who may change which fact (``core.ownership``): the field-ownership matrix, generated from
the declarations. Every model that declares an ``ownership`` is walked field by field, as each
role that may edit it, through its API (``PATCH`` on the detail route) and its edit page: a
field of the other side (or of a step) is refused with a 403 naming it and stays as it was,
and shows read-only on the page; a field of the user's own side is not refused for ownership.
A new app gets into the matrix by declaring; the first tests fail when a declaring model has no
object factory, API route or edit page to walk."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from rest_framework import serializers
from rest_framework.test import APIClient

from kuangan.core.choices import RegionLevel, Role
from kuangan.core.models import Organization, Region
from kuangan.core.ownership import Ownership, Side, ownership_of, side_of

from . import authz
from .test_authz_matrix import ROUTES

authz.load_app_factories()

# Models that declare (a proxy inheriting its model's declaration is that model again).
OWNED = sorted(
    (m for m in apps.get_models() if isinstance(vars(m).get("ownership"), Ownership)),
    key=lambda m: m._meta.label,
)
# The roles that edit registry and hazard records, on both sides.
ROLES = [
    Role.REGULATOR_INSPECTOR,
    Role.REGULATOR_LEADER,
    Role.ENTERPRISE_PRINCIPAL,
    Role.ENTERPRISE_SAFETY_OFFICER,
]
# A model whose facts belong to the side that recorded the object: how to make an object of
# each side's recording from the factory's.
RECORDED_BY = {
    "hazards.Hazard": {
        Side.ENTERPRISE: {"source": "self"},
        Side.REGULATOR: {"source": "enforcement"},
    },
}


def _api_route(model):
    for route in ROUTES:
        viewset = route.viewset
        if (
            viewset is not None
            and getattr(viewset, "model", None) is model
            and "patch" in route.actions
        ):
            return route
    return None


def _edit_route(model):
    for route in ROUTES:
        view = route.view_class
        if (
            view is not None
            and getattr(view, "model", None) is model
            and route.name.endswith("_edit")
        ):
            return route
    return None


def test_every_declaring_model_can_be_walked():
    assert {m._meta.label for m in OWNED} >= {
        "registry.Mine",
        "registry.Enterprise",
        "hazards.Hazard",
    }
    for model in OWNED:
        assert model in authz.FACTORIES, f"{model._meta.label}: register an authz factory"
        assert _api_route(model), f"{model._meta.label}: no API route with PATCH"
        assert _edit_route(model), f"{model._meta.label}: no edit page"
        if ownership_of(model).recorder:
            assert model._meta.label in RECORDED_BY


def _variants(model):
    return RECORDED_BY.get(model._meta.label, {None: {}})


def _other_value(obj, name, field):
    """A value of field ``name`` different from ``obj``'s, as the API field ``field`` reads it."""
    model_field = type(obj)._meta.get_field(name)
    current = getattr(obj, name)
    if model_field.is_relation:
        others = model_field.related_model._default_manager.exclude(pk=getattr(current, "pk", None))
        if model_field.related_model is Region:
            others = others.filter(level=getattr(current, "level", RegionLevel.COUNTY))
        if issubclass(model_field.related_model, Organization):
            others = others.filter(kind=getattr(current, "kind", "enterprise"))
        other = others.order_by("pk").first()
        if other is None:
            return None
        if isinstance(field, serializers.SlugRelatedField):
            return getattr(other, field.slug_field)
        return other.pk
    if model_field.choices:
        return next(v for v, _ in model_field.flatchoices if v != current and v != "")
    if isinstance(current, bool) or model_field.get_internal_type() == "BooleanField":
        return not current
    if model_field.get_internal_type() in (
        "DecimalField",
        "PositiveSmallIntegerField",
        "IntegerField",
    ):
        return str((current or Decimal(0)) + 1)
    if model_field.get_internal_type() == "DateField":
        return (
            dt.date(2030, 1, 1) if current is None else current - dt.timedelta(days=1)
        ).isoformat()
    text = f"{current or ''}"
    limit = model_field.max_length or 50
    return (text[: limit - 1] + ("改" if text[-1:] != "改" else "变")) if text else "改"


def _cases():
    for model in OWNED:
        for side in _variants(model):
            for role in ROLES:
                yield pytest.param(model, side, role, id=f"{model._meta.label}-{side}-{role}")


@pytest.fixture
def world(db):
    return authz.build_world("inside")


def _object(world, model, side):
    obj = authz.FACTORIES[model](world)
    values = _variants(model)[side]
    if values:
        model._default_manager.filter(pk=obj.pk).update(**values)
    return model._default_manager.get(pk=obj.pk)


@pytest.mark.parametrize(("model", "side", "role"), list(_cases()))
def test_api_refuses_every_field_of_the_other_side(world, model, side, role):
    user = world.user(role)
    route = _api_route(model)
    declared = ownership_of(model)
    client = APIClient()
    client.force_authenticate(user)
    perm = f"{model._meta.app_label}.change_{model._meta.model_name}"
    if not user.has_perm(perm):
        pytest.skip(f"{role} does not edit {model._meta.label}")
    serializer = route.viewset.serializer_class()
    walked = 0
    for name in sorted(declared.declared):
        if name not in serializer.fields or serializer.fields[name].read_only:
            continue
        obj = _object(world, model, side)
        value = _other_value(obj, name, serializer.fields[name])
        if value is None:
            continue
        (kwargs,) = route.object_kwargs(obj)
        url = reverse(route.name, kwargs=kwargs)
        response = client.patch(url, {name: value, "version": obj.version}, format="json")
        refused = declared.refusal(user, obj, name)
        fields = response.json().get("error", {}).get("fields", {}) if response.content else {}
        if refused:
            assert response.status_code == 403 and name in fields, (name, response.json())
            assert getattr(model._default_manager.get(pk=obj.pk), name) == getattr(obj, name)
        else:
            assert not (response.status_code == 403 and name in fields), (name, response.json())
        walked += 1
    print(f"ownership API probes {model._meta.label}/{side}/{role}: {walked}")
    assert walked


def _form_field(html: str, name: str) -> str | None:
    found = re.search(rf'<(?:input|select|textarea)[^>]*\bname="{name}"[^>]*>', html)
    return found.group(0) if found else None


@pytest.mark.parametrize(("model", "side", "role"), list(_cases()))
def test_edit_page_shows_the_other_sides_fields_read_only(client, world, model, side, role):
    user = world.user(role)
    route = _edit_route(model)
    declared = ownership_of(model)
    obj = _object(world, model, side)
    client.force_login(user)
    (kwargs,) = route.object_kwargs(obj)
    response = client.get(reverse(route.name, kwargs=kwargs))
    if response.status_code == 403:
        pytest.skip(f"{role} does not edit {model._meta.label}")
    assert response.status_code == 200
    html = response.content.decode()
    walked = 0
    for name in sorted(declared.declared):
        tag = _form_field(html, name)
        if tag is None:
            continue
        disabled = re.search(r"\sdisabled(?:[\s=>/])", tag) is not None
        assert disabled == bool(declared.refusal(user, obj, name)), (name, side_of(user), tag)
        walked += 1
    print(f"ownership page checks {model._meta.label}/{side}/{role}: {walked}")
    assert walked
