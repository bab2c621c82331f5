"""``visible_to``: who sees which rows, stated by hand for each kind of user (the matrix in
test_authz_matrix.py then relies on it for every route)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from kuangan.core import audit
from kuangan.core.choices import OrganizationKind, RegulatorAgency, Role
from kuangan.core.models import AuditEvent, Organization, Region, User
from kuangan.core.scope import (
    ScopedQuerySet,
    ancestor_paths,
    at_or_above,
    in_subtree,
    is_province_path,
    region_q,
    scope_of,
)

from .factories import make_organization, make_user


def names(qs) -> set[str]:
    return set(qs.values_list("name", flat=True))


@pytest.fixture
def orgs(db):
    """Regulators and enterprises around 白山市 and its neighbours."""
    o = {
        "province": make_organization("220000", name="省厅"),
        "baishan": make_organization("220600", name="白山市局"),
        "jiangyuan": make_organization("220605", name="江源区局"),
        "hunjiang": make_organization("220602", name="浑江区局"),
        "tonghua": make_organization("220500", name="通化市局"),
        "changchun": make_organization("220100", name="长春市局"),
    }
    o["group"] = make_organization("220102", OrganizationKind.ENTERPRISE, name="集团")
    o["sub1"] = make_organization(
        "220605", OrganizationKind.ENTERPRISE, name="子公司一", parent=o["group"]
    )
    o["sub2"] = make_organization(
        "220581", OrganizationKind.ENTERPRISE, name="子公司二", parent=o["group"]
    )
    o["grandchild"] = make_organization(
        "220581", OrganizationKind.ENTERPRISE, name="孙公司", parent=o["sub2"]
    )
    o["lone"] = make_organization("220602", OrganizationKind.ENTERPRISE, name="独立企业")
    o["agency"] = make_organization("220602", OrganizationKind.AGENCY, name="评价机构")
    o["meihekou_ent"] = make_organization("220581", OrganizationKind.ENTERPRISE, name="梅河口企业")
    return o


def test_county_regulator_sees_its_county_only(orgs):
    user = make_user(organization=orgs["jiangyuan"])
    assert names(Organization.objects.visible_to(user)) == {"江源区局", "子公司一"}


def test_city_regulator_sees_its_counties(orgs):
    user = make_user(organization=orgs["baishan"])
    assert names(Organization.objects.visible_to(user)) == {
        "白山市局",
        "江源区局",
        "浑江区局",
        "子公司一",
        "独立企业",
        "评价机构",
    }


def test_meihekou_lies_under_the_province_not_under_tonghua(orgs):
    tonghua_user = make_user(organization=orgs["tonghua"])
    assert "梅河口企业" not in names(Organization.objects.visible_to(tonghua_user))
    province_user = make_user(organization=orgs["province"])
    assert "梅河口企业" in names(Organization.objects.visible_to(province_user))
    assert Organization.objects.visible_to(province_user).count() == Organization.objects.count()


def test_enforcement_office_sees_the_cities_assigned_to_it(orgs):
    office = make_organization("220000", name="执法二处", agency=RegulatorAgency.MINE_SAFETY_ADMIN)
    office.jurisdiction.set(Region.objects.filter(code__in=["220600", "220581"]))
    user = make_user(organization=office)
    seen = names(Organization.objects.visible_to(user))
    assert {"白山市局", "江源区局", "子公司一", "梅河口企业", "子公司二", "孙公司"} <= seen
    assert "长春市局" not in seen and "通化市局" not in seen and "省厅" not in seen
    # An office whose own region is the province but which governs cities does not see the
    # whole province.
    assert "执法二处" not in seen


def test_government_user_sees_its_region(orgs):
    government = make_organization("220605", OrganizationKind.GOVERNMENT, name="江源区政府")
    user = make_user(organization=government, role=Role.GOVERNMENT_USER)
    assert names(Organization.objects.visible_to(user)) == {"江源区局", "子公司一", "江源区政府"}


def test_enterprise_user_sees_its_own_enterprise(orgs):
    user = make_user(organization=orgs["sub1"], role=Role.ENTERPRISE_PRINCIPAL)
    assert names(Organization.objects.visible_to(user)) == {"子公司一"}
    officer = make_user(organization=orgs["lone"], role=Role.ENTERPRISE_SAFETY_OFFICER)
    assert names(Organization.objects.visible_to(officer)) == {"独立企业"}


def test_group_company_sees_all_its_subsidiaries(orgs):
    user = make_user(organization=orgs["group"], role=Role.GROUP_INSPECTOR)
    assert names(Organization.objects.visible_to(user)) == {
        "集团",
        "子公司一",
        "子公司二",
        "孙公司",
    }
    # A subsidiary does not see its sibling or its parent.
    sub = make_user(organization=orgs["sub2"], role=Role.ENTERPRISE_PRINCIPAL)
    assert names(Organization.objects.visible_to(sub)) == {"子公司二", "孙公司"}


def test_agency_user_sees_its_own_agency(orgs):
    user = make_user(organization=orgs["agency"], role=Role.AGENCY_USER)
    assert names(Organization.objects.visible_to(user)) == {"评价机构"}


def test_users_follow_their_organisation(orgs):
    inspector = make_user(organization=orgs["jiangyuan"], username="in_jy")
    make_user(organization=orgs["sub1"], role=Role.ENTERPRISE_PRINCIPAL, username="ent_sub1")
    make_user(organization=orgs["hunjiang"], username="in_hj")
    principal = User.objects.get(username="ent_sub1")
    assert set(User.objects.visible_to(inspector).values_list("username", flat=True)) == {
        "in_jy",
        "ent_sub1",
    }
    assert set(User.objects.visible_to(principal).values_list("username", flat=True)) == {
        "ent_sub1"
    }


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN])
def test_system_and_security_admins_see_accounts_not_the_audit_log(orgs, role):
    admin = make_user(organization=orgs["baishan"], role=role)
    assert "子公司一" in names(Organization.objects.visible_to(admin))
    assert "长春市局" not in names(Organization.objects.visible_to(admin))
    assert User.objects.visible_to(admin).filter(pk=admin.pk).exists()
    audit.record(actor=None, action="test", obj=orgs["jiangyuan"])
    assert not AuditEvent.objects.visible_to(admin).exists()


def test_audit_admin_sees_the_audit_log_of_its_region_only(orgs):
    auditor = make_user(organization=orgs["baishan"], role=Role.AUDIT_ADMIN)
    inside = audit.record(actor=None, action="test", obj=orgs["jiangyuan"])
    outside = audit.record(actor=None, action="test", obj=orgs["changchun"])
    regionless = audit.record(actor=None, action="test")
    seen = set(AuditEvent.objects.visible_to(auditor).values_list("pk", flat=True))
    assert inside.pk in seen
    assert outside.pk not in seen and regionless.pk not in seen
    assert not Organization.objects.visible_to(auditor).exists()
    assert not User.objects.visible_to(auditor).exists()
    # The province's audit administrator also sees events without a region (failed logins of
    # unknown names, system events).
    province_auditor = make_user(organization=orgs["province"], role=Role.AUDIT_ADMIN)
    seen = set(AuditEvent.objects.visible_to(province_auditor).values_list("pk", flat=True))
    assert {inside.pk, outside.pk, regionless.pk} <= seen


def test_business_users_never_see_the_audit_log(orgs):
    audit.record(actor=None, action="test", obj=orgs["jiangyuan"])
    for role, org in [
        (Role.PROVINCE_ADMIN, "province"),
        (Role.REGULATOR_LEADER, "baishan"),
        (Role.ENTERPRISE_PRINCIPAL, "sub1"),
    ]:
        user = make_user(organization=orgs[org], role=role)
        assert not AuditEvent.objects.visible_to(user).exists()


def test_nobody_without_roles_or_an_active_organisation_sees_anything(orgs):
    assert not Organization.objects.visible_to(AnonymousUser()).exists()
    assert not Organization.objects.visible_to(None).exists()
    user = make_user(organization=orgs["baishan"])
    user.groups.clear()
    user = User.objects.get(pk=user.pk)
    assert not Organization.objects.visible_to(user).exists()
    inactive = make_user(organization=orgs["baishan"])
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    assert not Organization.objects.visible_to(User.objects.get(pk=inactive.pk)).exists()
    member = make_user(organization=orgs["baishan"])
    Organization.objects.filter(pk=orgs["baishan"].pk).update(is_active=False)
    assert not Organization.objects.visible_to(User.objects.get(pk=member.pk)).exists()


def test_scope_is_computed_once_per_user_object(orgs, django_assert_num_queries):
    user = User.objects.get(pk=make_user(organization=orgs["baishan"]).pk)
    first = scope_of(user)
    with django_assert_num_queries(0):
        assert scope_of(user) is first
    assert first.region_paths == ("/220000/220600/",)


def test_a_model_without_a_region_is_invisible_to_regulators(orgs):
    class NoRegion(ScopedQuerySet):
        scope_region = None
        scope_enterprise = "pk"

    user = make_user(organization=orgs["baishan"])
    qs = NoRegion(model=Organization)
    assert not qs.visible_to(user).exists()
    principal = make_user(organization=orgs["sub1"], role=Role.ENTERPRISE_PRINCIPAL)
    assert list(qs.visible_to(principal).values_list("name", flat=True)) == ["子公司一"]


# --- Declared parent scope, region helpers, the whole province ------------------------------


class UsersThroughTheirOrganisation(ScopedQuerySet):
    """A row visible exactly when its parent (here a user's organisation) is."""

    scope_parent = "organization"


def test_a_declared_parent_scope_follows_the_parents_rule(orgs):
    for key in ("jiangyuan", "sub1", "sub2", "lone", "changchun"):
        role = Role.REGULATOR_INSPECTOR
        if orgs[key].kind == OrganizationKind.ENTERPRISE:
            role = Role.ENTERPRISE_PRINCIPAL
        make_user(organization=orgs[key], role=role, username=f"member_{key}")
    rows = UsersThroughTheirOrganisation(model=User)
    assert rows.scope_parent_model() is Organization

    def members(user) -> set[str]:
        seen = rows.visible_to(user).filter(username__startswith="member_")
        return set(seen.values_list("username", flat=True))

    county = make_user(organization=orgs["jiangyuan"])
    assert members(county) == {"member_jiangyuan", "member_sub1"}
    group = make_user(organization=orgs["group"], role=Role.ENTERPRISE_PRINCIPAL)
    assert members(group) == {"member_sub1", "member_sub2"}
    # The parent's administrator rule holds too: organisations are the system
    # administrator's, never the audit administrator's.
    system_admin = make_user(organization=orgs["baishan"], role=Role.SYSTEM_ADMIN)
    assert members(system_admin) == {"member_jiangyuan", "member_sub1", "member_lone"}
    auditor = make_user(organization=orgs["province"], role=Role.AUDIT_ADMIN)
    assert members(auditor) == set()
    assert members(AnonymousUser()) == set()


def test_a_parent_scope_may_reach_its_parent_through_several_joins(orgs):
    class UsersThroughTheGroup(ScopedQuerySet):
        scope_parent = "organization__parent"

    for key in ("grandchild", "sub1"):
        make_user(organization=orgs[key], role=Role.ENTERPRISE_PRINCIPAL, username=f"member_{key}")
    rows = UsersThroughTheGroup(model=User)
    assert rows.scope_parent_model() is Organization
    # 孙公司's parent is 子公司二 (梅河口市, under the province); 子公司一's is the group (长春).
    meihekou_office = make_organization("220581", name="梅河口市局")
    user = make_user(organization=meihekou_office)
    assert set(rows.visible_to(user).values_list("username", flat=True)) == {"member_grandchild"}


def test_the_whole_province_is_decided_in_one_place(orgs):
    assert is_province_path("/220000/")
    assert not is_province_path("/220000/220600/")
    assert not is_province_path("/220000/220600/220605/")
    assert scope_of(make_user(organization=orgs["province"])).covers_province
    assert not scope_of(make_user(organization=orgs["baishan"])).covers_province
    office = make_organization("220000", name="执法处", agency=RegulatorAgency.MINE_SAFETY_ADMIN)
    office.jurisdiction.set(Region.objects.filter(code__in=["220600", "220581"]))
    assert not scope_of(make_user(organization=office)).covers_province


def test_only_a_province_administrator_sees_failed_logins_of_unknown_names(orgs):
    from axes.models import AccessAttempt

    from kuangan.core.views import visible_access_attempts

    make_user(organization=orgs["jiangyuan"], username="known_one")
    for name in ("known_one", "nobody_at_all"):
        AccessAttempt.objects.create(
            username=name, ip_address="10.0.0.1", failures_since_start=5, user_agent="x"
        )

    def seen(user) -> set[str]:
        return set(visible_access_attempts(user).values_list("username", flat=True))

    province = make_user(organization=orgs["province"], role=Role.SECURITY_ADMIN)
    assert seen(province) == {"known_one", "nobody_at_all"}
    city = make_user(organization=orgs["baishan"], role=Role.SECURITY_ADMIN)
    assert seen(city) == {"known_one"}


def test_region_helpers_build_the_subtree_and_ancestor_filters(orgs):
    baishan = Region.objects.get(code="220600")
    jiangyuan = Region.objects.get(code="220605")
    codes = lambda q: set(Region.objects.filter(q).values_list("code", flat=True))  # noqa: E731
    assert codes(in_subtree("", baishan)) == set(
        Region.objects.filter(path__startswith=baishan.path).values_list("code", flat=True)
    )
    assert {"220600", "220605", "220602"} <= codes(in_subtree("", baishan))
    assert "220500" not in codes(in_subtree("", baishan))
    assert codes(at_or_above("", jiangyuan)) == {"220000", "220600", "220605"}
    assert ancestor_paths(jiangyuan.path) == ["/220000/", "/220000/220600/", jiangyuan.path]
    above = codes(region_q("", [baishan.path], above=True))
    assert above == codes(in_subtree("", baishan)) | {"220000"}
    assert codes(region_q("", [])) == set()
    city = make_user(organization=orgs["baishan"])
    through = Organization.objects.filter(in_subtree("region", baishan))
    assert names(through) == names(Organization.objects.visible_to(city))
    scope = scope_of(city)
    assert scope.covers(jiangyuan) and scope.covers(jiangyuan.path)
    assert not scope.covers(Region.objects.get(code="220581"))
