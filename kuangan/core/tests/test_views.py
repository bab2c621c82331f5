"""Core pages: home and navigation per role, object pages with jurisdiction breadcrumbs, the
organisation and user forms and actions, login notices, the second factor, notifications,
tokens on the profile page, error pages."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kuangan.core import services
from kuangan.core.choices import AuditAction, OrganizationKind, Role
from kuangan.core.models import ApiToken, AuditEvent, Notification, Organization, Region, User

from .factories import PASSWORD, make_organization, make_user

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- Home and navigation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "region", "panels", "menu", "not_in_menu"),
    [
        (
            Role.REGULATOR_INSPECTOR,
            "220605",
            {"My account", "Organisations I can see"},
            {"Organisations", "Users"},
            {"Audit log", "Roles and lockouts"},
        ),
        (
            Role.ENTERPRISE_PRINCIPAL,
            "220605",
            {"My account", "Organisations I can see"},
            {"Organisations"},
            {"Audit log"},
        ),
        (
            Role.GOVERNMENT_USER,
            "220600",
            {"My account", "Organisations I can see"},
            {"Organisations"},
            {"Users", "Audit log"},
        ),
        (
            Role.SYSTEM_ADMIN,
            "220000",
            {"My account", "Accounts"},
            {"Users", "Organisations"},
            {"Audit log", "Roles and lockouts"},
        ),
        (
            Role.SECURITY_ADMIN,
            "220000",
            {"My account", "Security"},
            {"Users", "Roles and lockouts"},
            {"Audit log"},
        ),
        (
            Role.AUDIT_ADMIN,
            "220000",
            {"My account", "Audit"},
            {"Audit log"},
            {"Users", "Organisations", "Roles and lockouts"},
        ),
    ],
)
def test_home_and_menu_per_role(client, db, role, region, panels, menu, not_in_menu):
    client.force_login(make_user(region, role=role))
    response = client.get("/", **EN)
    assert response.status_code == 200
    titles = {str(p.title) for p in response.context["panels"]}
    assert panels <= titles
    if role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        assert "Organisations I can see" not in titles
    labels = {str(i["label"]) for s in response.context["nav_menu"] for i in s["items"]}
    assert menu <= labels and not (not_in_menu & labels)


def test_the_audit_admin_home_shows_recent_security_events(client, db):
    auditor = make_user("220000", role=Role.AUDIT_ADMIN)
    client.post("/login/", {"username": "nobody", "password": "x" * 12})
    client.force_login(auditor)
    panel = next(p for p in client.get("/", **EN).context["panels"] if str(p.title) == "Audit")
    assert panel.context["failed_logins"] == 1


def test_the_security_policy_is_shown_to_the_security_admin(client, db):
    client.force_login(make_user("220000", role=Role.SECURITY_ADMIN))
    body = client.get("/roles/", **EN).content.decode()
    assert "Minimum password length" in body and "Failed logins before lockout" in body
    client.force_login(make_user("220000", role=Role.SYSTEM_ADMIN))
    assert client.get("/roles/").status_code == 403


# --- Object pages and breadcrumbs -----------------------------------------------------------------


def test_breadcrumbs_follow_the_jurisdiction(client, db):
    admin = make_user("220000", role=Role.PROVINCE_ADMIN)
    org = make_organization("220605", OrganizationKind.ENTERPRISE, name="松树镇煤业")
    client.force_login(admin)
    response = client.get(f"/organizations/{org.pk}/")
    crumbs = response.context["breadcrumbs"]
    assert [label for label, _ in crumbs] == ["吉林省", "白山市", "江源区", "松树镇煤业"]
    baishan = Region.objects.get(code="220600")
    assert crumbs[1][1] == f"/organizations/?region={baishan.pk}" and crumbs[-1][1] is None
    assert 'class="breadcrumb"' in response.content.decode()
    # 梅河口市 is governed directly by the province.
    meihekou = make_organization("220581", OrganizationKind.ENTERPRISE, name="海龙煤矿")
    crumbs = client.get(f"/organizations/{meihekou.pk}/").context["breadcrumbs"]
    assert [label for label, _ in crumbs] == ["吉林省", "梅河口市", "海龙煤矿"]


def test_a_user_page_shows_its_organisation_in_the_breadcrumbs(client, db):
    admin = make_user("220000", role=Role.SYSTEM_ADMIN)
    user = make_user("220605", username="jy_someone")
    client.force_login(admin)
    crumbs = client.get(f"/users/{user.pk}/").context["breadcrumbs"]
    assert [label for label, _ in crumbs][:3] == ["吉林省", "白山市", "江源区"]
    assert crumbs[3] == (user.organization.name, f"/organizations/{user.organization.pk}/")
    assert crumbs[-1] == ("测试用户", None)


def test_object_page_tabs(client, db):
    admin = make_user("220000", role=Role.PROVINCE_ADMIN)
    parent = make_organization("220600", name="白山市局")
    make_organization("220605", name="江源区局", parent=parent)
    make_user(organization=parent, username="bs_user")
    client.force_login(admin)
    response = client.get(f"/organizations/{parent.pk}/", {"tab": "children"})
    assert "江源区局" in response.content.decode()
    response = client.get(f"/organizations/{parent.pk}/", {"tab": "users"})
    assert "bs_user" in response.content.decode()
    assert client.get(f"/organizations/{parent.pk}/", {"tab": "nonsense"}).status_code == 200


# --- Organisation and user forms ----------------------------------------------------------------


def test_create_and_edit_an_organisation_through_the_form(client, db):
    admin = make_user("220000", role=Role.PROVINCE_ADMIN)
    client.force_login(admin)
    region = Region.objects.get(code="220605")
    data = {"kind": "regulator", "agency": "emergency", "name": "新局", "region": region.pk}
    response = client.post("/organizations/new/", data)
    org = Organization.objects.get(name="新局")
    assert response["Location"] == f"/organizations/{org.pk}/"
    assert events(AuditAction.CREATED) >= 1
    cities = Region.objects.filter(code__in=["220600", "220100"])
    # The jurisdiction is not on the province administrator's form (the security
    # administrator's page sets it): a posted one is ignored.
    assert "jurisdiction" not in client.get(f"/organizations/{org.pk}/edit/").context["form"].fields
    before = events(AuditAction.UPDATED)
    response = client.post(
        f"/organizations/{org.pk}/edit/",
        {**data, "name": "新局（改）", "jurisdiction": [c.pk for c in cities], "version": 1},
    )
    assert response.status_code == 302
    assert events(AuditAction.UPDATED) == before + 1
    event = AuditEvent.objects.filter(action=AuditAction.UPDATED).latest("id")
    assert event.changes == {"name": ["新局", "新局（改）"]}
    assert not Organization.objects.get(pk=org.pk).jurisdiction.exists()
    assert client.get(f"/organizations/{org.pk}/jurisdiction/").status_code == 403
    stale = client.post(f"/organizations/{org.pk}/edit/", {**data, "version": 1}, **EN)
    assert stale.status_code == 200
    assert "changed by someone else" in stale.content.decode()
    client.force_login(make_user("220000", role=Role.SECURITY_ADMIN))
    page = client.get(f"/organizations/{org.pk}/").content.decode()
    assert f"/organizations/{org.pk}/jurisdiction/" in page
    response = client.post(
        f"/organizations/{org.pk}/jurisdiction/",
        {"jurisdiction": [c.pk for c in cities], "version": 2},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action=AuditAction.UPDATED).latest("id")
    assert event.changes == {"jurisdiction": [[], ["220100", "220600"]]}


def test_the_organisation_form_explains_a_wrong_credit_code(client, db):
    client.force_login(make_user("220000", role=Role.PROVINCE_ADMIN))
    region = Region.objects.get(code="220605")
    response = client.post(
        "/organizations/new/",
        {
            "kind": "enterprise",
            "name": "错码企业",
            "region": region.pk,
            "credit_code": "91220605MA0000000X",
        },
        **EN,
    )
    assert response.status_code == 200
    assert "position 18" in str(response.context["form"].errors["credit_code"])
    assert not Organization.objects.filter(name="错码企业").exists()


def test_create_a_user_through_the_form(client, db):
    admin = make_user("220000", role=Role.SYSTEM_ADMIN)
    org = make_organization("220605", name="江源区局")
    client.force_login(admin)
    # 三员分立: the system administrator's form has no roles; the security administrator
    # grants them on the account's page.
    assert "roles" not in client.get("/users/new/").context["form"].fields
    response = client.post(
        "/users/new/",
        {
            "username": "jy_new",
            "real_name": "新人",
            "organization": org.pk,
            "email": "jy_new@example.com",
            "roles": ["province_admin"],
        },
        follow=True,
        **EN,
    )
    user = User.objects.get(username="jy_new")
    assert user.must_change_password and user.roles == set()
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "A one-time link to set its password was sent to j***@example.com" in shown
    assert "messages" not in client.cookies  # messages live in the session
    page = client.get(f"/users/{user.pk}/").content.decode()
    assert f"/users/{user.pk}/roles/" not in page


def test_roles_form_and_deactivation(client, db):
    security = make_user("220000", role=Role.SECURITY_ADMIN)
    target = make_user("220605", username="jy_target")
    client.force_login(security)
    assert client.get(f"/users/{target.pk}/roles/").status_code == 200
    client.post(f"/users/{target.pk}/roles/", {"roles": ["regulator_leader"]})
    assert User.objects.get(pk=target.pk).roles == {"regulator_leader"}
    response = client.post(
        f"/users/{target.pk}/roles/", {"roles": ["system_admin", "audit_admin"]}, **EN
    )
    assert "mutually exclusive" in response.content.decode()
    assert User.objects.get(pk=target.pk).roles == {"regulator_leader"}
    assert client.get(f"/users/{security.pk}/roles/").status_code == 200
    client.post(f"/users/{security.pk}/roles/", {"roles": []})
    assert User.objects.get(pk=security.pk).roles == {"security_admin"}
    system = make_user("220000", role=Role.SYSTEM_ADMIN)
    client.force_login(system)
    confirm = client.get(f"/users/{target.pk}/deactivate/", **EN)
    assert "logged out everywhere" in confirm.content.decode()
    client.post(f"/users/{target.pk}/deactivate/")
    assert not User.objects.get(pk=target.pk).is_active
    assert client.get(f"/users/{target.pk}/fly/").status_code == 404


# --- Login notices and the second factor ----------------------------------------------------------


def test_last_login_at_and_from_notice(client, db):
    make_user("220605", username="jy_notice")
    first = client.post(
        "/login/", {"username": "jy_notice", "password": PASSWORD}, follow=True, **EN
    )
    assert any("first login" in str(m) for m in first.context["messages"])
    first_at = User.objects.get(username="jy_notice").current_login_at
    client.post("/logout/")
    second = client.post(
        "/login/",
        {"username": "jy_notice", "password": PASSWORD},
        follow=True,
        REMOTE_ADDR="10.1.2.3",
        **EN,
    )
    notice = next(str(m) for m in second.context["messages"] if "last login" in str(m))
    from django.utils import timezone

    assert timezone.localtime(first_at).strftime("%Y-%m-%d %H:%M") in notice
    assert "127.0.0.1" in notice
    user = User.objects.get(username="jy_notice")
    assert user.last_login_ip == "10.1.2.3" and user.previous_login_ip == "127.0.0.1"


def code_for(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


def unthrottle(device) -> None:
    """django-otp slows down guessing after a wrong code; the test does not wait."""
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.last_t = -1
    device.save()


def test_totp_enrolment_then_verification_at_each_login(client, db):
    user = make_user("220605", username="jy_otp")
    client.force_login(user)
    page = client.get("/otp/setup/")
    assert page.context["qr_data_uri"].startswith("data:image/svg+xml;base64,")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post("/otp/setup/", {"otp_token": "000000"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.get(pk=device.pk).confirmed
    unthrottle(device)
    assert client.post("/otp/setup/", {"otp_token": code_for(device)})["Location"] == "/profile/"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert events(AuditAction.OTP_ENROLLED) == 1
    assert client.get("/").status_code == 200
    client.post("/logout/")
    response = client.post("/login/", {"username": "jy_otp", "password": PASSWORD})
    assert response["Location"] == "/"
    assert client.get("/")["Location"].startswith("/otp/verify/")
    # A stolen password alone cannot enrol a second device.
    assert client.get("/otp/setup/")["Location"].startswith("/otp/verify/")
    assert client.post("/otp/verify/", {"otp_token": "123456"}).status_code == 200
    assert events(AuditAction.OTP_FAILED) == 1
    unthrottle(device)
    response = client.post("/otp/verify/", {"otp_token": code_for(device), "next": "/profile/"})
    assert response["Location"] == "/profile/"
    assert client.get("/").status_code == 200


def test_otp_verify_does_not_redirect_elsewhere(client, db):
    user = make_user("220605")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    response = client.post(
        "/otp/verify/", {"otp_token": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


# --- Notifications, profile, errors --------------------------------------------------------------


def test_notifications(client, db):
    user = make_user("220605")
    other = make_user("220605")
    services.notify(recipients=[user], title="请查收", url="/organizations/")
    services.notify(recipients=[user], title="外链", url="https://evil.example/")
    services.notify(recipients=[other], title="别人的")
    client.force_login(user)
    listing = client.get("/notifications/").content.decode()
    assert "请查收" in listing and "别人的" not in listing
    mine = Notification.objects.get(title="请查收")
    assert client.get(f"/notifications/{mine.pk}/")["Location"] == "/organizations/"
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    evil = Notification.objects.get(title="外链")
    assert client.get(f"/notifications/{evil.pk}/")["Location"] == "/notifications/"
    theirs = Notification.objects.get(title="别人的")
    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    client.post("/notifications/")
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()


def test_profile_creates_and_revokes_tokens(client, db):
    user = make_user("220605")
    client.force_login(user)
    response = client.post(
        "/profile/", {"action": "create_token", "name": "脚本"}, follow=True, **EN
    )
    message = next(str(m) for m in response.context["messages"] if "New API token" in str(m))
    key = message.rsplit(": ", 1)[1]
    token = ApiToken.objects.get(user=user)
    assert services.hash_token(key) == token.key_hash
    client.post("/profile/", {"action": "revoke_token", "token": token.pk})
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    other = make_user("220605")
    other_token, _ = services.token_create(user=other)
    assert (
        client.post("/profile/", {"action": "revoke_token", "token": other_token.pk}).status_code
        == 404
    )


def test_error_pages(client, db):
    client.force_login(make_user("220605"))
    page = client.get("/no/such/page/")
    assert page.status_code == 404 and "text/html" in page["Content-Type"]
    assert "不存在" in page.content.decode()
    api = client.get("/api/v1/no/such/")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
