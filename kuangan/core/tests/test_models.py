"""Core models: the region tree, organisation invariants, role rules, the credit code."""

import pytest
from django.core.exceptions import ValidationError

from kuangan.core.choices import OrganizationKind, Role
from kuangan.core.credit_code import make_credit_code, validate_credit_code
from kuangan.core.models import Organization, Region, User

from .factories import make_organization


def test_the_region_tree(db):
    jiangyuan = Region.objects.get(code="220605")
    assert jiangyuan.path == "/220000/220600/220605/" and jiangyuan.depth == 3
    assert [r.code for r in jiangyuan.ancestors()] == ["220000", "220600", "220605"]
    baishan = Region.objects.get(code="220600")
    assert set(Region.objects.subtree(baishan).counties().values_list("code", flat=True)) >= {
        "220602",
        "220605",
        "220681",
    }
    assert Region.objects.get(code="220581").parent.code == "220000"
    assert Region.objects.filter(level="province").count() == 1


def test_credit_codes():
    code = make_credit_code("220605", 12345678)
    assert validate_credit_code(code.lower()) == code
    with pytest.raises(ValidationError, match="has 18 characters; this one has 5"):
        validate_credit_code("12345")
    with pytest.raises(ValidationError, match="Character 3"):
        validate_credit_code(code[:2] + "I" + code[3:])


def test_an_organisation_normalises_and_checks_its_credit_code(db):
    org = Organization(
        kind=OrganizationKind.ENTERPRISE,
        name="企业",
        region=Region.objects.get(code="220605"),
        credit_code=make_credit_code("220605", 7).lower(),
    )
    org.full_clean()
    assert org.credit_code == make_credit_code("220605", 7)


def test_only_regulators_have_a_regulator_body(db):
    org = Organization(
        kind=OrganizationKind.ENTERPRISE,
        name="企业",
        region=Region.objects.get(code="220605"),
        agency="emergency",
    )
    with pytest.raises(ValidationError):
        org.full_clean()


def test_an_organisation_cannot_be_its_own_parent(db):
    org = make_organization("220605")
    org.parent = org
    with pytest.raises(ValidationError, match="under itself"):
        org.full_clean()


def test_role_rules(db):
    user = User(username="x", organization=make_organization("220605"))
    user.clean_roles({Role.REGULATOR_INSPECTOR, Role.REGULATOR_LEADER})
    with pytest.raises(ValidationError, match="Unknown role"):
        user.clean_roles({"superman"})
    with pytest.raises(ValidationError, match="mutually exclusive"):
        user.clean_roles({Role.AUDIT_ADMIN, Role.SECURITY_ADMIN})
    with pytest.raises(ValidationError, match="needs an organisation of kind"):
        user.clean_roles({Role.ENTERPRISE_PRINCIPAL})
    with pytest.raises(ValidationError, match="needs an organisation"):
        User(username="y").clean_roles({Role.AGENCY_USER})
    User(username="z").clean_roles(set())
