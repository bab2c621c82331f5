"""The REST API: tokens (hashed, expiring, revocable), pagination, the error format for every
refusal, bad input never a 500, /me, and the OpenAPI schema and docs served locally."""

import datetime as dt
import json
import re

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kuangan.core import services
from kuangan.core.choices import OrganizationKind, Role
from kuangan.core.models import ApiToken, Organization, Region, User

from .factories import PASSWORD, make_organization, make_user

TOKEN_URL = "/api/v1/auth/token/"


def post_json(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def obtain(client, username, password=PASSWORD, **more):
    return post_json(client, TOKEN_URL, {"username": username, "password": password, **more})


def auth(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


@pytest.fixture
def inspector(db):
    return make_user("220605", role=Role.REGULATOR_INSPECTOR, username="jy_api")


# --- Tokens -------------------------------------------------------------------------------------


def test_obtain_a_token_and_use_it(client, inspector):
    response = obtain(client, "jy_api")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "expires"}
    expires = dt.datetime.fromisoformat(body["expires"])
    assert abs((expires - timezone.now()) - dt.timedelta(days=30)) < dt.timedelta(minutes=1)
    me = client.get("/api/v1/me/", **auth(body["token"]))
    assert me.status_code == 200
    data = me.json()
    assert data["username"] == "jy_api" and data["roles"] == ["regulator_inspector"]
    assert data["region"] == "220605" and data["organization_kind"] == "regulator"
    assert "core.view_organization" in data["permissions"]


def test_the_database_never_holds_the_key(client, inspector):
    key = obtain(client, "jy_api").json()["token"]
    token = ApiToken.objects.get(user=inspector)
    assert token.key_hash == services.hash_token(key) and token.prefix == key[:8]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_apitoken")
        stored = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert key not in stored


def test_a_token_expires(client, inspector, settings):
    key = obtain(client, "jy_api").json()["token"]
    with time_machine.travel(timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS, hours=1)):
        error = assert_error(client.get("/api/v1/me/", **auth(key)), 401)
    assert "expired" in error["message"] or "过期" in error["message"]


def test_a_token_can_be_revoked(client, inspector):
    key = obtain(client, "jy_api").json()["token"]
    assert client.post("/api/v1/auth/token/revoke/", **auth(key)).status_code == 204
    assert_error(client.get("/api/v1/me/", **auth(key)), 401)
    assert ApiToken.objects.get(user=inspector).revoked_at is not None


def test_deactivation_revokes_tokens(client, inspector):
    key = obtain(client, "jy_api").json()["token"]
    admin = make_user("220000", role=Role.SYSTEM_ADMIN)
    services.user_set_active(by=admin, user=inspector, active=False)
    assert_error(client.get("/api/v1/me/", **auth(key)), 401)


def test_a_password_change_revokes_tokens(client, inspector):
    key = obtain(client, "jy_api").json()["token"]
    services.user_change_password(
        user=inspector, old_password=PASSWORD, new_password="Changed#Pass2026"
    )
    assert_error(client.get("/api/v1/me/", **auth(key)), 401)


def test_token_refusals(client, inspector):
    assert_error(obtain(client, "jy_api", "wrong-password"), 401, "authentication_failed")
    error = assert_error(post_json(client, TOKEN_URL, {"username": "jy_api"}), 400, "invalid")
    assert set(error["fields"]) == {"password"}
    assert_error(post_json(client, TOKEN_URL, ["jy_api", PASSWORD]), 400)
    assert_error(client.post(TOKEN_URL, "{nope", content_type="application/json"), 400)
    assert_error(client.get("/api/v1/me/", **auth("not-a-real-key")), 401)
    assert_error(client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token a b"), 401)
    assert_error(client.get("/api/v1/me/"), 401)


def test_a_user_who_must_change_the_password_gets_no_token(client, db):
    make_user("220605", username="fresh", must_change_password=True)
    assert_error(obtain(client, "fresh"), 403)


def test_a_user_with_a_second_factor_needs_the_code(client, inspector):
    device = TOTPDevice.objects.create(user=inspector, name="phone", confirmed=True)
    assert_error(obtain(client, "jy_api"), 401)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    assert obtain(client, "jy_api", otp=code).status_code == 201


def test_mfa_required_roles_need_a_code_for_a_token(client, inspector, settings):
    settings.MFA_REQUIRED = True
    assert_error(obtain(client, "jy_api"), 401)
    settings.MFA_REQUIRED = False
    assert obtain(client, "jy_api").status_code == 201


# --- Lists and errors ---------------------------------------------------------------------------


@pytest.fixture
def api(client, db):
    """A 白山市 regulator with province_admin verbs, signed in with a token."""
    user = make_user("220600", role=Role.PROVINCE_ADMIN, username="baishan_api")
    key = obtain(client, "baishan_api").json()["token"]

    class Api:
        def get(self, url, data=None):
            return client.get(url, data or {}, **auth(key))

        def send(self, method, url, data=None):
            body = data if isinstance(data, str) else json.dumps(data or {})
            return client.generic(method, url, body, "application/json", **auth(key))

    api = Api()
    api.user = user
    return api


def test_pagination_shape_and_page_size(api):
    region = Region.objects.get(code="220605")
    Organization.objects.bulk_create(
        [Organization(kind="regulator", name=f"单位{i:03d}", region=region) for i in range(510)]
    )
    page = api.get("/api/v1/organizations/", {"page_size": 2}).json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == Organization.objects.visible_to(api.user).count()
    assert len(page["results"]) == 2 and "page=2" in page["next"] and page["previous"] is None
    assert len(api.get("/api/v1/organizations/", {"page_size": 1000}).json()["results"]) == 500
    assert len(api.get("/api/v1/organizations/").json()["results"]) == 50
    assert len(api.get("/api/v1/organizations/", {"page_size": "x"}).json()["results"]) == 50
    assert_error(api.get("/api/v1/organizations/", {"page": 999}), 404)
    assert_error(api.get("/api/v1/organizations/", {"page": "abc"}), 404)


def test_filters_search_and_ordering(api):
    make_organization("220605", OrganizationKind.ENTERPRISE, name="松树镇煤业")
    make_organization("220102", OrganizationKind.ENTERPRISE, name="长春煤业")
    names = lambda r: {o["name"] for o in r.json()["results"]}  # noqa: E731
    assert names(api.get("/api/v1/organizations/", {"kind": "enterprise"})) == {"松树镇煤业"}
    assert names(api.get("/api/v1/organizations/", {"search": "煤业"})) == {"松树镇煤业"}
    ordered = [
        o["name"]
        for o in api.get("/api/v1/organizations/", {"ordering": "-name"}).json()["results"]
    ]
    assert ordered == sorted(ordered, reverse=True)
    assert_error(api.get("/api/v1/organizations/", {"region": "abc"}), 400)


def test_error_shapes(api, client):
    outside = make_organization("220102", name="长春市局")
    inside = make_organization("220605", name="江源区局")
    assert_error(api.send("POST", "/api/v1/organizations/", {"name": "x"}), 400, "invalid")
    assert_error(api.get(f"/api/v1/organizations/{outside.pk}/"), 404, "not_found")
    assert_error(api.get("/api/v1/organizations/987654/"), 404, "not_found")
    assert_error(api.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error(api.send("DELETE", f"/api/v1/organizations/{inside.pk}/"), 403)
    assert_error(client.get("/api/v1/organizations/"), 401)
    services.organization_update(by=api.user, organization=inside, name="江源区局（改）")
    assert_error(
        api.send(
            "PATCH", f"/api/v1/organizations/{inside.pk}/", {"name": "旧版本改", "version": 1}
        ),
        409,
        "conflict",
    )
    response = api.send(
        "PATCH", f"/api/v1/organizations/{inside.pk}/", {"phone": "0439-3212345", "version": 2}
    )
    assert response.status_code == 200 and response.json()["version"] == 3


def test_403_for_a_verb_the_role_lacks(client, db):
    make_user("220605", role=Role.REGULATOR_INSPECTOR, username="plain")
    key = obtain(client, "plain").json()["token"]
    response = client.post(
        "/api/v1/organizations/", json.dumps({}), content_type="application/json", **auth(key)
    )
    assert_error(response, 403, "permission_denied")


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("POST", "/api/v1/organizations/", {"kind": "nonsense", "name": "x", "region": "220605"}),
        ("POST", "/api/v1/organizations/", {"kind": "enterprise", "name": "x", "region": "999999"}),
        (
            "POST",
            "/api/v1/organizations/",
            {"kind": "enterprise", "name": "x" * 500, "region": "220605"},
        ),
        (
            "POST",
            "/api/v1/organizations/",
            {"kind": "enterprise", "name": "x", "region": "220605", "credit_code": "12345"},
        ),
        (
            "POST",
            "/api/v1/organizations/",
            {"kind": "enterprise", "name": "x", "region": "220605", "parent": "abc"},
        ),
        (
            "POST",
            "/api/v1/organizations/",
            {"kind": "enterprise", "name": "x", "region": "220605", "jurisdiction": "220600"},
        ),
        ("POST", "/api/v1/organizations/", [1, 2, 3]),
        ("POST", "/api/v1/organizations/", "null"),
        ("POST", "/api/v1/organizations/", "{broken"),
        ("PATCH", "ORG", {"version": "abc"}),
        ("PATCH", "ORG", {"parent": "ORG"}),
        ("PATCH", "ORG", {"region": None}),
        ("PUT", "ORG", {}),
        ("POST", "/api/v1/users/", {"username": "a b", "organization": 1}),
        ("POST", "/api/v1/users/", {"username": "ok_name", "real_name": "x", "organization": "x"}),
        ("GET", "/api/v1/users/", {"role": "nobody", "is_active": "maybe"}),
        ("GET", "/api/v1/organizations/", {"ordering": "password,-region__path"}),
        ("GET", "/api/v1/regions/ZZZZZZ/", None),
    ],
)
def test_bad_input_is_a_4xx_never_a_500(api, method, url, data):
    org = make_organization("220605", name="江源区局")
    url = url.replace("ORG", f"/api/v1/organizations/{org.pk}/")
    if isinstance(data, dict):
        data = {k: (org.pk if v == "ORG" else v) for k, v in data.items()}
    if method == "GET":
        response = api.get(url, data)
        assert response.status_code < 500
        if response.status_code >= 400:
            assert_error(response, response.status_code)
        return
    response = api.send(method, url, data)
    assert 400 <= response.status_code < 500, response.content
    assert_error(response, response.status_code)


def test_regions_are_reference_data(api):
    response = api.get("/api/v1/regions/", {"level": "city", "page_size": 100})
    assert response.json()["count"] == 9
    meihekou = api.get("/api/v1/regions/220581/").json()
    assert meihekou["parent"] == "220000" and meihekou["province_direct"] is True


def test_users_endpoint_for_administrators(client, db):
    make_user("220000", role=Role.SYSTEM_ADMIN, username="sys")
    make_user("220000", role=Role.SECURITY_ADMIN, username="sec")
    org = make_organization("220605", name="江源区局")
    key = obtain(client, "sys").json()["token"]
    response = post_json(
        client,
        "/api/v1/users/",
        {
            "username": "new_one",
            "real_name": "新人",
            "organization": org.pk,
            "email": "newone@example.com",
        },
        **auth(key),
    )
    assert response.status_code == 201
    created = response.json()
    # No password travels to the administrator: a one-time link goes to the user.
    assert created["roles"] == [] and "initial_password" not in created
    assert created["password_link_sent_to"] == "n***@example.com"
    sec_key = obtain(client, "sec").json()["token"]
    response = post_json(
        client,
        f"/api/v1/users/{created['id']}/roles/",
        {"roles": ["regulator_leader"]},
        **auth(sec_key),
    )
    assert response.status_code == 200 and response.json()["roles"] == ["regulator_leader"]
    response = client.post(f"/api/v1/users/{created['id']}/deactivate/", **auth(key))
    assert response.status_code == 200 and response.json()["is_active"] is False


def test_system_admin_cannot_grant_business_roles_api(client, db):
    system = make_user("220000", role=Role.SYSTEM_ADMIN, username="sys")
    org = make_organization("220000", name="省厅")
    key = obtain(client, "sys").json()["token"]
    response = post_json(
        client,
        "/api/v1/users/",
        {
            "username": "me_too",
            "real_name": "x",
            "organization": org.pk,
            "roles": ["province_admin"],
        },
        **auth(key),
    )
    error = assert_error(response, 403)
    assert "roles" in error["fields"] and "roles" in error["message"]
    assert not User.objects.filter(username="me_too").exists()
    target = make_user("220000", role=Role.REGULATOR_INSPECTOR)
    response = post_json(
        client, f"/api/v1/users/{target.pk}/roles/", {"roles": ["province_admin"]}, **auth(key)
    )
    assert "roles" in assert_error(response, 403)["fields"]
    response = post_json(
        client, f"/api/v1/users/{system.pk}/roles/", {"roles": ["province_admin"]}, **auth(key)
    )
    assert_error(response, 403)
    assert User.objects.get(pk=system.pk).roles == {Role.SYSTEM_ADMIN}


def test_system_admin_cannot_change_jurisdiction_api(client, db):
    make_user("220000", role=Role.SYSTEM_ADMIN, username="sys")
    make_user("220000", role=Role.SECURITY_ADMIN, username="sec")
    bureau = make_organization("220600", name="白山市应急管理局")
    key = obtain(client, "sys").json()["token"]
    url = f"/api/v1/organizations/{bureau.pk}/"
    response = client.patch(
        url,
        json.dumps({"jurisdiction": ["220100"], "version": 1}),
        content_type="application/json",
        **auth(key),
    )
    assert "jurisdiction" in assert_error(response, 403)["fields"]
    assert not bureau.jurisdiction.exists()
    response = post_json(client, f"{url}jurisdiction/", {"jurisdiction": ["220100"]}, **auth(key))
    assert_error(response, 403)
    # Its other fields stay the system administrator's.
    response = client.patch(
        url,
        json.dumps({"address": "浑江区", "version": 1}),
        content_type="application/json",
        **auth(key),
    )
    assert response.status_code == 200, response.content
    # The security administrator sets it.
    sec_key = obtain(client, "sec").json()["token"]
    response = post_json(
        client, f"{url}jurisdiction/", {"jurisdiction": ["220100", "220600"]}, **auth(sec_key)
    )
    assert response.status_code == 200, response.content
    assert response.json()["jurisdiction"] == ["220100", "220600"]


def test_password_reset_through_the_api(client, db, mailoutbox, django_capture_on_commit_callbacks):
    make_user("220000", role=Role.SYSTEM_ADMIN, username="sys")
    make_user("220000", role=Role.SECURITY_ADMIN, username="sec")
    target = make_user("220605", username="forgetful")
    User.objects.filter(pk=target.pk).update(email="forgetful@example.com")
    key = obtain(client, "sys").json()["token"]
    response = post_json(client, f"/api/v1/users/{target.pk}/reset_password/", {}, **auth(key))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending" and "password" not in json.dumps(body).replace(
        "reset_password", ""
    )
    reset_url = f"/api/v1/password-resets/{body['id']}/"
    assert_error(post_json(client, f"{reset_url}approve/", {}, **auth(key)), 403)
    sec_key = obtain(client, "sec").json()["token"]
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, f"{reset_url}approve/", {}, **auth(sec_key))
    assert response.status_code == 200, response.content
    approved = response.json()
    assert approved["status"] == "approved" and approved["delivered_to"] == "f***@example.com"
    link = next(x for x in mailoutbox[0].body.splitlines() if "/password-reset/" in x)
    assert link.rsplit("/", 2)[1] not in response.content.decode()


# --- Schema and docs ----------------------------------------------------------------------------


def test_schema_and_docs_are_served_locally(client, inspector):
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(inspector)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    spec = json.loads(schema.content)
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/auth/token/" in spec["paths"] and "/api/v1/me/" in spec["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    scripts = [a for a in assets if a.endswith((".js", ".css"))]
    assert scripts and all(a.startswith("/static/") for a in scripts), scripts
    assert "cdn" not in html.lower() and "unpkg" not in html and "jsdelivr" not in html
    for asset in scripts:
        assert client.get(asset).status_code == 200, asset
    # No inline script: the content security policy allows scripts from this server only.
    script_tags = re.findall(r"<script[^>]*>", html)
    assert script_tags and all("src=" in tag for tag in script_tags), script_tags
    start_up = [a for a in assets if a.startswith("/api/docs/")]
    assert start_up and client.get(start_up[0].replace("&amp;", "&")).status_code == 200
