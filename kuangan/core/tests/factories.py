"""Factories for core objects. Users are created through ``services.user_create`` so that
roles, validation and audit are those of the application."""

from __future__ import annotations

import itertools

import factory

from kuangan.core.choices import ROLE_ORGANIZATION_KIND, OrganizationKind, Role
from kuangan.core.credit_code import make_credit_code
from kuangan.core.models import Organization, Region, User
from kuangan.core.services import user_create

PASSWORD = "Test#Passw0rd-2026"
_serial = itertools.count(1)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.REGULATOR
    name = factory.Sequence(lambda n: f"测试单位{n}")
    region = factory.LazyFunction(lambda: Region.objects.get(code="220000"))

    @factory.lazy_attribute
    def credit_code(self):
        if self.kind in (OrganizationKind.ENTERPRISE, OrganizationKind.AGENCY):
            return make_credit_code(self.region.code, 30000000 + next(_serial))
        return ""


def make_organization(
    region_code: str, kind: str = OrganizationKind.REGULATOR, **fields
) -> Organization:
    region = Region.objects.get(code=region_code)
    return OrganizationFactory(kind=kind, region=region, **fields)


def make_user(
    region_code: str = "220000",
    role: str = Role.REGULATOR_INSPECTOR,
    *,
    organization: Organization | None = None,
    username: str | None = None,
    password: str = PASSWORD,
    must_change_password: bool = False,
) -> User:
    if organization is None:
        organization = make_organization(region_code, ROLE_ORGANIZATION_KIND[Role(role)])
    user, _ = user_create(
        by=None,
        username=username or f"u{next(_serial)}",
        organization=organization,
        roles={role},
        real_name="测试用户",
        password=password,
        must_change_password=must_change_password,
    )
    return User.objects.get(pk=user.pk)
