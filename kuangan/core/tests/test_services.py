"""Core services: each checks permission, validates, saves, re-checks scope and writes exactly
one audit event with before/after, in one transaction."""

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from kuangan.core import services
from kuangan.core.choices import AuditAction, OrganizationKind, RegulatorAgency, Role
from kuangan.core.models import (
    ApiToken,
    AuditEvent,
    Notification,
    Organization,
    PasswordReset,
    PasswordResetStatus,
    Region,
    User,
)

from .factories import PASSWORD, make_organization, make_user


def _new_events(start: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=start).order_by("id"))


def _last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@contextmanager
def one_event(action: str | None = None):
    """Exactly one audit event is written inside the block (also when the block raises);
    yields a list that holds it afterwards."""
    start = _last_id()
    box: list[AuditEvent] = []

    def check():
        box.extend(_new_events(start))
        assert len(box) == 1, f"expected one audit event, got {[e.action for e in box]}"
        if action is not None:
            assert box[0].action == action

    try:
        yield box
    except Exception:
        check()
        raise
    check()


@contextmanager
def no_event_but(*allowed: str):
    """No audit event other than ``allowed`` is written inside the block."""
    start = _last_id()

    def check():
        actions = [e.action for e in _new_events(start)]
        assert set(actions) <= set(allowed), actions

    try:
        yield
    except Exception:
        check()
        raise
    check()


@pytest.fixture
def province_admin(db):
    return make_user("220000", role=Role.PROVINCE_ADMIN)


@pytest.fixture
def baishan_admin(db):
    """A province_admin-role user of the 白山市 bureau: its jurisdiction is 白山市."""
    return make_user("220600", role=Role.PROVINCE_ADMIN)


def enterprise_fields(region_code="220605", **extra):
    from kuangan.core.credit_code import make_credit_code

    return {
        "kind": OrganizationKind.ENTERPRISE,
        "name": "松树镇煤业有限公司",
        "region": Region.objects.get(code=region_code),
        "credit_code": make_credit_code(region_code, 12345678),
        **extra,
    }


# --- Organisations ---------------------------------------------------------------------------


def test_create_an_organisation(baishan_admin):
    with one_event(AuditAction.CREATED) as box:
        org = services.organization_create(by=baishan_admin, **enterprise_fields())
    event = box[0]
    assert event.actor_id == baishan_admin.pk and event.object_id == str(org.pk)
    assert event.changes["name"] == [None, "松树镇煤业有限公司"]
    assert event.region.code == "220605"


def test_an_organisation_outside_the_jurisdiction_is_refused_and_rolled_back(baishan_admin):
    with pytest.raises(PermissionDenied), no_event_but():
        services.organization_create(by=baishan_admin, **enterprise_fields("220102"))
    assert not Organization.objects.filter(name="松树镇煤业有限公司").exists()


def test_a_user_without_the_permission_is_refused_and_the_refusal_audited(db):
    inspector = make_user("220600", role=Role.REGULATOR_INSPECTOR)
    with pytest.raises(PermissionDenied), one_event(AuditAction.PERMISSION_DENIED) as box:
        services.organization_create(by=inspector, **enterprise_fields())
    assert box[0].changes == {"permission": "core.add_organization"} and not box[0].success
    assert not Organization.objects.filter(name="松树镇煤业有限公司").exists()


def test_a_wrong_credit_code_names_the_position(baishan_admin):
    fields = enterprise_fields()
    fields["credit_code"] = fields["credit_code"][:17] + (
        "0" if fields["credit_code"][17] != "0" else "1"
    )
    with pytest.raises(ValidationError) as exc, no_event_but():
        services.organization_create(by=baishan_admin, **fields)
    assert "position 18" in str(exc.value.message_dict["credit_code"])


def test_an_unknown_field_is_refused(baishan_admin):
    with pytest.raises(ValidationError):
        services.organization_create(by=baishan_admin, version=7, **enterprise_fields())


def test_update_writes_one_event_with_before_and_after(baishan_admin):
    org = make_organization("220605", OrganizationKind.ENTERPRISE, name="旧名称")
    with one_event(AuditAction.UPDATED) as box:
        services.organization_update(
            by=baishan_admin, organization=org, version=1, name="新名称", phone="0439-1234567"
        )
    assert box[0].changes == {"name": ["旧名称", "新名称"], "phone": ["", "0439-1234567"]}
    org.refresh_from_db()
    assert org.version == 2 and org.name == "新名称"


def test_an_update_that_changes_nothing_writes_nothing(baishan_admin):
    org = make_organization("220605", OrganizationKind.ENTERPRISE, name="同名")
    with no_event_but():
        services.organization_update(by=baishan_admin, organization=org, name="同名")


def test_a_stale_edit_is_refused(baishan_admin):
    org = make_organization("220605", OrganizationKind.ENTERPRISE, name="原名")
    services.organization_update(by=baishan_admin, organization=org, version=1, name="甲改")
    stale = Organization.objects.get(pk=org.pk)
    with pytest.raises(services.ConflictError), no_event_but():
        services.organization_update(by=baishan_admin, organization=stale, version=1, name="乙改")
    assert Organization.objects.get(pk=org.pk).name == "甲改"


def test_moving_an_organisation_out_of_the_jurisdiction_is_rolled_back(baishan_admin):
    org = make_organization("220605", OrganizationKind.ENTERPRISE, name="不许搬走")
    with pytest.raises(PermissionDenied), no_event_but():
        services.organization_update(
            by=baishan_admin, organization=org, region=Region.objects.get(code="220102")
        )
    org.refresh_from_db()
    assert org.region.code == "220605" and org.version == 1


def test_jurisdiction_changes_are_audited_with_the_update(db):
    security_admin = make_user("220000", role=Role.SECURITY_ADMIN)
    office = make_organization("220000", name="执法一处", agency=RegulatorAgency.MINE_SAFETY_ADMIN)
    cities = list(Region.objects.filter(code__in=["220100", "220200"]))
    with one_event(AuditAction.UPDATED) as box:
        services.organization_update(by=security_admin, organization=office, jurisdiction=cities)
    assert box[0].changes == {"jurisdiction": [[], ["220100", "220200"]]}
    assert set(office.jurisdiction.values_list("code", flat=True)) == {"220100", "220200"}


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.PROVINCE_ADMIN])
def test_only_the_security_admin_changes_a_jurisdiction(db, role):
    editor = make_user("220000", role=role)
    office = make_organization("220000", name="执法二处", agency=RegulatorAgency.MINE_SAFETY_ADMIN)
    cities = list(Region.objects.filter(code__in=["220100"]))
    with (
        pytest.raises(PermissionDenied, match="jurisdiction"),
        one_event(AuditAction.PERMISSION_DENIED),
    ):
        services.organization_update(by=editor, organization=office, jurisdiction=cities)
    with pytest.raises(PermissionDenied, match="jurisdiction"):
        services.organization_create(
            by=editor,
            jurisdiction=cities,
            **enterprise_fields(kind=OrganizationKind.REGULATOR, credit_code=""),
        )
    assert not office.jurisdiction.exists()
    # The same jurisdiction sent back unchanged (a whole form) is no change: the edit passes.
    services.organization_update(by=editor, organization=office, jurisdiction=[], address="浑江区")
    assert Organization.objects.get(pk=office.pk).address == "浑江区"


def test_an_organisation_cannot_be_placed_under_its_own_subordinate(province_admin):
    parent = make_organization("220600", name="上级")
    child = make_organization("220605", name="下级", parent=parent)
    with pytest.raises(ValidationError) as exc:
        services.organization_update(by=province_admin, organization=parent, parent=child)
    assert "parent" in exc.value.message_dict


# --- Users and roles -------------------------------------------------------------------------


@pytest.fixture
def system_admin(db):
    return make_user("220000", role=Role.SYSTEM_ADMIN)


@pytest.fixture
def security_admin(db):
    return make_user("220000", role=Role.SECURITY_ADMIN)


def test_system_admin_creates_an_account(system_admin, django_capture_on_commit_callbacks):
    org = make_organization("220605")
    start = _last_id()
    with django_capture_on_commit_callbacks(execute=True):
        user, password = services.user_create(
            by=system_admin,
            username="new_inspector",
            organization=org,
            real_name="新执法人员",
            email="xin@example.com",
            site="https://kuangan.example.gov.cn/",
        )
    assert user.must_change_password
    created, linked = _new_events(start)
    assert (created.action, linked.action) == (
        AuditAction.CREATED,
        AuditAction.PASSWORD_RESET_APPROVED,
    )
    assert created.changes["roles"] == [[], []]
    assert "password" not in created.changes
    assert "key_hash" not in linked.changes
    assert not user.is_superuser and not user.is_staff
    # The administrator never learns the password: the user sets it through a one-time link.
    assert password == ""
    reset = user.password_resets.get()
    assert reset.delivered_to == "x***@example.com" and reset.expires_at is not None
    (sent,) = mail.outbox
    assert sent.to == ["xin@example.com"]
    link = re.search(r"https://kuangan\.example\.gov\.cn/\S+", sent.body).group(0)
    key = link.rstrip("/").rsplit("/", 1)[-1]
    services.password_reset_complete(key=key, new_password="Kx7#mQ2v!pLs9")
    assert User.objects.get(pk=user.pk).check_password("Kx7#mQ2v!pLs9")


def test_an_account_created_by_an_administrator_needs_the_users_email(system_admin):
    with pytest.raises(ValidationError, match="e-mail"):
        services.user_create(by=system_admin, username="nomail", organization=None)
    assert not User.objects.filter(username="nomail").exists()


@pytest.mark.parametrize("role", [Role.PROVINCE_ADMIN, Role.REGULATOR_INSPECTOR, Role.AUDIT_ADMIN])
def test_the_system_admin_grants_no_role(system_admin, role):
    org = make_organization("220000")
    with pytest.raises(PermissionDenied, match="roles"), one_event(AuditAction.PERMISSION_DENIED):
        services.user_create(by=system_admin, username="given", organization=org, roles={role})
    assert not User.objects.filter(username="given").exists()


@pytest.mark.parametrize(
    "roles",
    [
        {Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN},
        {Role.SECURITY_ADMIN, Role.REGULATOR_INSPECTOR},
        {Role.AUDIT_ADMIN, Role.PROVINCE_ADMIN},
        {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN},
    ],
)
def test_the_three_administrator_roles_exclude_every_other_role(security_admin, roles):
    user = make_user("220000", role=Role.REGULATOR_INSPECTOR)
    with pytest.raises(ValidationError, match="mutually exclusive"):
        services.user_set_roles(by=security_admin, user=user, roles=roles)
    with pytest.raises(ValidationError, match="mutually exclusive"):
        services.user_create(by=None, username="combo", organization=user.organization, roles=roles)
    assert User.objects.get(pk=user.pk).roles == {Role.REGULATOR_INSPECTOR}


def test_the_database_refuses_an_administrator_role_beside_another(db):
    user = make_user("220000", role=Role.SYSTEM_ADMIN)
    for name in (Role.AUDIT_ADMIN, Role.REGULATOR_LEADER):
        with pytest.raises(DatabaseError), transaction.atomic():
            user.groups.add(Group.objects.get(name=name))
    inspector = make_user("220000", role=Role.REGULATOR_INSPECTOR)
    with pytest.raises(DatabaseError), transaction.atomic():
        inspector.groups.add(Group.objects.get(name=Role.SECURITY_ADMIN))
    # Two business roles together are fine.
    inspector.groups.add(Group.objects.get(name=Role.REGULATOR_LEADER))
    assert User.objects.get(pk=inspector.pk).roles == {
        Role.REGULATOR_INSPECTOR,
        Role.REGULATOR_LEADER,
    }


def test_a_role_must_fit_the_organisation_kind(system_admin):
    enterprise = make_organization("220605", OrganizationKind.ENTERPRISE)
    with pytest.raises(ValidationError, match="needs an organisation of kind"):
        services.user_create(
            by=None,
            username="wrong_kind",
            organization=enterprise,
            roles={Role.REGULATOR_INSPECTOR},
        )


def test_usernames_are_unique_ignoring_case(system_admin):
    make_user("220605", username="Zhang")
    with pytest.raises(ValidationError, match="already taken"):
        services.user_create(
            by=system_admin, username="zhang", organization=None, email="z@example.com"
        )


def test_a_weak_initial_password_is_refused(system_admin):
    with pytest.raises(ValidationError):
        services.user_create(
            by=system_admin, username="weak", organization=None, password="password"
        )
    assert not User.objects.filter(username="weak").exists()


def test_the_system_admin_cannot_grant_an_administrator_role(system_admin):
    org = make_organization("220000")
    with pytest.raises(PermissionDenied), one_event(AuditAction.PERMISSION_DENIED):
        services.user_create(
            by=system_admin, username="auditor2", organization=org, roles={Role.AUDIT_ADMIN}
        )
    target = make_user("220000")
    with pytest.raises(PermissionDenied):
        services.user_set_roles(by=system_admin, user=target, roles={Role.REGULATOR_LEADER})


def test_the_security_admin_grants_roles(security_admin):
    target = make_user("220000", role=Role.REGULATOR_INSPECTOR)
    with one_event(AuditAction.USER_ROLES_CHANGED) as box:
        services.user_set_roles(by=security_admin, user=target, roles={Role.AUDIT_ADMIN})
    assert box[0].changes == {"roles": [["regulator_inspector"], ["audit_admin"]]}
    assert User.objects.get(pk=target.pk).roles == {Role.AUDIT_ADMIN}
    with pytest.raises(PermissionDenied, match="own roles"):
        services.user_set_roles(by=security_admin, user=security_admin, roles=set())
    with pytest.raises(PermissionDenied):
        services.user_create(by=security_admin, username="x1", organization=None)


def test_user_update_is_audited_and_versioned(system_admin):
    target = make_user("220605")
    with one_event(AuditAction.UPDATED) as box:
        services.user_update(by=system_admin, user=target, version=1, phone="13900000000")
    assert box[0].changes == {"phone": ["", "13900000000"]}
    with pytest.raises(services.ConflictError):
        services.user_update(by=system_admin, user=User.objects.get(pk=target.pk), version=1)
    with pytest.raises(ValidationError):
        services.user_update(by=system_admin, user=target, is_superuser=True)


def sessions_of(user) -> int:
    return sum(
        1
        for s in Session.objects.all()
        if str(s.get_decoded().get("_auth_user_id")) == str(user.pk)
    )


def open_session(user) -> str:
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.create()
    return store.session_key


def test_deactivation_ends_sessions_and_revokes_tokens(system_admin):
    target = make_user("220605")
    open_session(target)
    open_session(target)
    other = open_session(system_admin)
    services.token_create(user=target)
    with one_event(AuditAction.USER_DEACTIVATED) as box:
        services.user_set_active(by=system_admin, user=target, active=False)
    assert box[0].changes == {"is_active": [True, False]}
    assert sessions_of(target) == 0 and Session.objects.filter(session_key=other).exists()
    assert not ApiToken.objects.filter(user=target, revoked_at__isnull=True).exists()
    with one_event(AuditAction.USER_ACTIVATED):
        services.user_set_active(by=system_admin, user=target, active=True)
    with pytest.raises(PermissionDenied, match="your own"):
        services.user_set_active(by=system_admin, user=system_admin, active=False)


# --- Password resets: dual control -------------------------------------------------------------


SITE = "https://kuangan.example"


def reset_key(outbox) -> str:
    """The key of the one-time link in the last mail sent."""
    link = next(line for line in outbox[-1].body.splitlines() if "/password-reset/" in line)
    return link.rstrip("/").rsplit("/", 1)[1]


@pytest.fixture
def audit_admin(db):
    return make_user("220000", role=Role.AUDIT_ADMIN, username="auditor")


def with_email(user: User, address: str = "someone@example.com") -> User:
    User.objects.filter(pk=user.pk).update(email=address)
    return User.objects.get(pk=user.pk)


def test_a_reset_request_changes_no_password(system_admin, audit_admin, mailoutbox):
    target = with_email(audit_admin, "auditor@example.com")
    before = target.password
    reset = services.password_reset_request(by=system_admin, user=target, reason="忘记密码")
    # Nothing to show: the request is a record waiting for approval, and the password is
    # untouched.
    assert isinstance(reset, PasswordReset) and reset.status == PasswordResetStatus.PENDING
    assert User.objects.get(pk=target.pk).password == before
    assert not mailoutbox


def test_reset_of_audit_admin_needs_security_admin_approval(
    system_admin, security_admin, audit_admin, mailoutbox, django_capture_on_commit_callbacks
):
    target = with_email(audit_admin, "auditor@example.com")
    with one_event(AuditAction.PASSWORD_RESET_REQUESTED):
        reset = services.password_reset_request(by=system_admin, user=target)
    assert Notification.objects.filter(recipient=security_admin).exists()
    # Neither the requester nor anyone without the approval permission approves it.
    for actor in (system_admin, audit_admin):
        with pytest.raises(PermissionDenied):
            services.password_reset_approve(by=actor, reset=reset, site=SITE)
    assert PasswordReset.objects.get(pk=reset.pk).status == PasswordResetStatus.PENDING
    assert not mailoutbox
    with (
        django_capture_on_commit_callbacks(execute=True),
        one_event(AuditAction.PASSWORD_RESET_APPROVED) as box,
    ):
        services.password_reset_approve(by=security_admin, reset=reset, site=SITE)
    reset.refresh_from_db()
    assert reset.status == PasswordResetStatus.APPROVED and reset.delivered_to == "a***@example.com"
    assert "key_hash" not in box[0].changes
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["auditor@example.com"]
    key = reset_key(mailoutbox)
    assert key not in reset.key_hash and reset.key_hash == services.hash_token(key)


def test_the_requester_cannot_approve_their_own_request(security_admin, db):
    other_security = make_user("220000", role=Role.SECURITY_ADMIN)
    target = with_email(make_user("220605"))
    reset = services.password_reset_request(by=security_admin, user=target)
    with (
        pytest.raises(PermissionDenied, match="Dual control"),
        one_event(AuditAction.PERMISSION_DENIED),
    ):
        services.password_reset_approve(by=security_admin, reset=reset, site=SITE)
    services.password_reset_refuse(by=other_security, reset=reset, note="本人未提出")
    assert PasswordReset.objects.get(pk=reset.pk).status == PasswordResetStatus.REFUSED
    with pytest.raises(ValidationError):
        services.password_reset_approve(by=other_security, reset=reset, site=SITE)


def test_a_reset_needs_the_users_own_address(system_admin):
    target = make_user("220605")
    with pytest.raises(ValidationError) as exc:
        services.password_reset_request(by=system_admin, user=target)
    assert "email" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.password_reset_request(by=system_admin, user=system_admin)


def approved_key(system_admin, security_admin, target, mailoutbox, capture) -> str:
    reset = services.password_reset_request(by=system_admin, user=target)
    with capture(execute=True):
        services.password_reset_approve(by=security_admin, reset=reset, site=SITE)
    return reset_key(mailoutbox)


def test_the_one_time_link_sets_the_password_once_and_ends_sessions_and_tokens(
    system_admin, security_admin, mailoutbox, django_capture_on_commit_callbacks
):
    target = with_email(make_user("220605", must_change_password=True))
    open_session(target)
    services.token_create(user=target)
    key = approved_key(
        system_admin, security_admin, target, mailoutbox, django_capture_on_commit_callbacks
    )
    with pytest.raises(ValidationError):
        services.password_reset_complete(key=key, new_password="weak")
    with one_event(AuditAction.PASSWORD_CHANGED):
        services.password_reset_complete(key=key, new_password="Fresh#Start-2026")
    target.refresh_from_db()
    assert target.check_password("Fresh#Start-2026") and not target.must_change_password
    assert sessions_of(target) == 0
    assert not ApiToken.objects.filter(user=target, revoked_at__isnull=True).exists()
    with pytest.raises(ValidationError, match="invalid, already used or expired"):
        services.password_reset_complete(key=key, new_password="Second#Try-2026")
    assert User.objects.get(pk=target.pk).check_password("Fresh#Start-2026")


def test_the_one_time_link_expires(
    system_admin, security_admin, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.PASSWORD_RESET_HOURS = 24
    target = with_email(make_user("220605"))
    key = approved_key(
        system_admin, security_admin, target, mailoutbox, django_capture_on_commit_callbacks
    )
    reset = PasswordReset.objects.get(user=target)
    assert reset.expires_at - reset.decided_at == timedelta(hours=24)
    PasswordReset.objects.filter(pk=reset.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ValidationError, match="expired"):
        services.password_reset_complete(key=key, new_password="Too#Late-2026pw")
    assert User.objects.get(pk=target.pk).check_password(PASSWORD)


def test_a_newer_link_replaces_the_older(
    system_admin, security_admin, mailoutbox, django_capture_on_commit_callbacks
):
    target = with_email(make_user("220605"))
    first = approved_key(
        system_admin, security_admin, target, mailoutbox, django_capture_on_commit_callbacks
    )
    second = approved_key(
        system_admin, security_admin, target, mailoutbox, django_capture_on_commit_callbacks
    )
    with pytest.raises(ValidationError):
        services.password_reset_complete(key=first, new_password="Old#Link-2026pw")
    services.password_reset_complete(key=second, new_password="New#Link-2026pw")


def test_mfa_is_required_for_every_role_in_the_production_profile(db, settings):
    settings.MFA_REQUIRED = True
    assert set(settings.MFA_REQUIRED_ROLES) == set(Role.values)  # the default: every role
    for role in Role.values:
        user = make_user("220000", role=role)
        assert services.mfa_required(user), role
    settings.MFA_REQUIRED = False
    assert not services.mfa_required(user)


def test_unlock_clears_the_failed_logins(security_admin):
    target = make_user("220605", username="locked_one")
    AccessAttempt.objects.create(
        username="locked_one", ip_address="10.0.0.1", failures_since_start=5, user_agent="x"
    )
    with one_event(AuditAction.USER_UNLOCKED) as box:
        services.user_unlock(by=security_admin, user=target)
    assert box[0].changes == {"attempts": 1}
    assert not AccessAttempt.objects.filter(username="locked_one").exists()


def test_tokens_are_created_and_revoked_with_audit(db):
    user = make_user("220605")
    with one_event(AuditAction.TOKEN_CREATED):
        token, key = services.token_create(user=user, name="script")
    assert token.key_hash == services.hash_token(key) and key not in token.key_hash
    with one_event(AuditAction.TOKEN_REVOKED):
        services.token_revoke(by=user, token=token)
    stranger = make_user("220102")
    with pytest.raises(PermissionDenied):
        services.token_revoke(by=stranger, token=token)


def test_change_password_checks_the_old_one(db):
    user = make_user("220605")
    with pytest.raises(ValidationError, match="current password"), no_event_but():
        services.user_change_password(
            user=user, old_password="wrong", new_password="Another#Pass2026"
        )
    with one_event(AuditAction.PASSWORD_CHANGED):
        services.user_change_password(
            user=user, old_password=PASSWORD, new_password="Another#Pass2026"
        )


def test_ensure_visible_and_require_perm(db):
    user = make_user("220605")
    services.ensure_visible(user, user.organization)
    with pytest.raises(PermissionDenied):
        services.ensure_visible(user, make_organization("220102"))
    services.require_perm(user, "core.view_organization")
    inactive = make_user("220605")
    inactive.is_active = False
    with pytest.raises(PermissionDenied):
        services.require_perm(inactive, "core.view_organization")


# --- Notifications ----------------------------------------------------------------------------


def test_notify_reaches_active_users_only(db):
    active = make_user("220605")
    inactive = make_user("220605")
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    inactive.refresh_from_db()
    assert services.notify(recipients=[active, inactive, None], title="盯守提醒", url="/") == 1
    assert Notification.objects.get().recipient == active


def test_users_with_roles_in_follow_the_jurisdiction(db):
    county = make_user("220605", username="county")
    city = make_user("220600", username="city")
    province = make_user("220000", username="province")
    make_user("220602", username="neighbour")
    make_user("220605", role=Role.ENTERPRISE_PRINCIPAL, username="enterprise")
    office = make_organization("220000", name="执法二处", agency=RegulatorAgency.MINE_SAFETY_ADMIN)
    office.jurisdiction.set([Region.objects.get(code="220600")])
    make_user(organization=office, username="office2")
    office3 = make_organization("220000", name="执法三处", agency=RegulatorAgency.MINE_SAFETY_ADMIN)
    office3.jurisdiction.set([Region.objects.get(code="220700")])
    make_user(organization=office3, username="office3")
    found = services.users_with_roles_in(
        Region.objects.get(code="220605"), {Role.REGULATOR_INSPECTOR}
    )
    assert set(found.values_list("username", flat=True)) == {
        "county",
        "city",
        "province",
        "office2",
    }
    assert {county, city, province} <= set(found)


# --- The one door for state changes (transition, lock) and for refusals (refuse) ---------------


def _rename(org, *, by, version=None, name="白山市新名称", **options):
    with services.transition(
        org, by=by, version=version, action=AuditAction.UPDATED, **options
    ) as current:
        current.name = name
    return current


def test_transition_locks_saves_the_changed_fields_and_audits_once(baishan_admin):
    org = make_organization("220605", name="江源区旧名称")
    version = org.version
    with one_event(AuditAction.UPDATED) as box:
        current = _rename(org, by=baishan_admin, version=version, name="江源区新名称")
    assert box[0].changes == {"name": ["江源区旧名称", "江源区新名称"]}
    assert box[0].actor == baishan_admin and box[0].object_id == str(org.pk)
    stored = Organization.objects.get(pk=org.pk)
    assert stored.name == "江源区新名称" and stored.version == version + 1
    # The caller's instance holds the saved values too.
    assert current.version == org.version == version + 1 and org.name == "江源区新名称"


def test_transition_refuses_a_stale_version_and_changes_nothing(baishan_admin):
    org = make_organization("220605", name="江源区旧名称")
    stale = org.version
    _rename(org, by=baishan_admin, version=stale, name="先到的名称")
    with no_event_but(), pytest.raises(services.ConflictError):
        _rename(org, by=baishan_admin, version=stale, name="后到的名称")
    stored = Organization.objects.get(pk=org.pk)
    assert stored.name == "先到的名称" and stored.version == stale + 1


def test_transition_guard_refuses_before_anything_changes(baishan_admin):
    org = make_organization("220605", name="江源区旧名称")

    def inactive_only(current):
        if current.is_active:
            raise ValidationError("only an inactive organisation")

    with no_event_but(), pytest.raises(ValidationError):
        _rename(org, by=baishan_admin, guard=inactive_only)
    assert Organization.objects.get(pk=org.pk).name == "江源区旧名称"


def test_transition_checks_the_transitions_declared_on_the_model(baishan_admin, monkeypatch):
    org = make_organization("220605")
    monkeypatch.setattr(Organization, "status", "draft", raising=False)
    monkeypatch.setattr(
        Organization, "can_transition", lambda self, to: to == "published", raising=False
    )
    with no_event_but(), pytest.raises(ValidationError) as refused:
        _rename(org, by=baishan_admin, to="archived")
    assert "“draft” cannot become “archived”" in refused.value.messages[0]
    assert Organization.objects.get(pk=org.pk).version == org.version


def test_transition_rechecks_the_scope_inside_the_transaction(baishan_admin):
    org = make_organization("220605", name="江源区单位")
    with no_event_but(), pytest.raises(PermissionDenied):
        with services.transition(org, by=baishan_admin, action=AuditAction.UPDATED) as current:
            current.region = Region.objects.get(code="220102")  # out of 白山市
    assert Organization.objects.get(pk=org.pk).region.code == "220605"


def test_transition_without_a_change_saves_only_when_asked(baishan_admin):
    org = make_organization("220605", name="同名")
    version = org.version
    with no_event_but():
        _rename(org, by=baishan_admin, name="同名", save=False)
    assert Organization.objects.get(pk=org.pk).version == version
    with no_event_but():
        _rename(org, by=baishan_admin, name="同名")  # a transition moves the version on
    assert Organization.objects.get(pk=org.pk).version == version + 1


def test_transition_notifies_only_after_the_commit(
    baishan_admin, django_capture_on_commit_callbacks
):
    org = make_organization("220605")
    told = []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _rename(org, by=baishan_admin, notify=told.append)
    assert told == [] and len(callbacks) == 1  # nothing before the commit
    callbacks[0]()
    assert [o.name for o in told] == ["白山市新名称"]
    # A refused change notifies nobody, even once committed.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(services.ConflictError):
            _rename(org, by=baishan_admin, version=1, name="过期", notify=told.append)
    assert callbacks == [] and len(told) == 1


def test_lock_returns_the_stored_row_and_refuses_a_stale_version(db):
    org = make_organization("220605", name="存储的名称")
    org.name = "未保存的名称"
    with transaction.atomic():
        assert services.lock(org, version=org.version, related=["region"]).name == "存储的名称"
        with pytest.raises(services.ConflictError):
            services.lock(org, version=org.version + 1)


def test_refuse_audits_the_denial_once_and_marks_it(baishan_admin):
    org = make_organization("220605")
    with one_event(AuditAction.PERMISSION_DENIED) as box, pytest.raises(PermissionDenied) as exc:
        services.refuse(baishan_admin, "不是你的", obj=org, perm="core.change_organization")
    assert str(exc.value) == "不是你的" and exc.value.audited is True
    event = box[0]
    assert event.success is False and event.changes == {"permission": "core.change_organization"}
    assert event.object_id == str(org.pk) and event.region.code == "220605"
    # Without an object the event is the actor's region's.
    with one_event(AuditAction.PERMISSION_DENIED) as box, pytest.raises(PermissionDenied) as exc:
        services.refuse(baishan_admin)
    assert str(exc.value) == "You do not have permission to do this."
    assert box[0].region.code == "220600"


def test_a_refusal_is_recorded_before_the_transaction_not_inside_it(baishan_admin):
    """Why services refuse before ``transaction.atomic()``: rolled back, the event is gone."""
    start = _last_id()
    with pytest.raises(PermissionDenied), transaction.atomic():
        services.refuse(baishan_admin, perm="inside")
    assert _new_events(start) == []
    with pytest.raises(PermissionDenied):
        services.refuse(baishan_admin, perm="before")
    assert [e.changes["permission"] for e in _new_events(start)] == ["before"]
