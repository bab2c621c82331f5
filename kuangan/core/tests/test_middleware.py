"""Request id and audit context; the session policy: idle timeout, absolute lifetime, forced
password change and rotation, the second factor, for pages and for the API used by session."""

import datetime as dt

import pytest
import time_machine
from django.test import RequestFactory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from kuangan.core.choices import AuditAction, Role
from kuangan.core.middleware import client_ip
from kuangan.core.models import AuditEvent, User

from .factories import make_user


@pytest.fixture
def inspector(db):
    return make_user("220605", role=Role.REGULATOR_INSPECTOR)


def at(minutes: float):
    return time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False)


START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def test_every_response_has_a_request_id_that_the_audit_log_keeps(client, inspector):
    client.force_login(inspector)
    response = client.get("/users/", {"export": "xlsx"}, HTTP_USER_AGENT="pytest-agent/1.0")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert event.request_id == request_id
    assert event.user_agent == "pytest-agent/1.0" and event.ip == "127.0.0.1"
    assert client.get("/login/")["X-Request-ID"] != request_id


def test_client_ip_behind_proxies(settings):
    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.1")
    assert client_ip(request) == "10.0.0.2"
    settings.AXES_IPWARE_PROXY_COUNT = 1
    assert client_ip(request) == "10.0.0.1"
    settings.AXES_IPWARE_PROXY_COUNT = 2
    assert client_ip(request) == "1.2.3.4"
    assert client_ip(factory.get("/", REMOTE_ADDR="not-an-ip")) is None


def test_api_responses_are_not_stored(client, inspector):
    assert "no-store" in client.get("/api/v1/me/")["Cache-Control"]  # a 401/403 refusal
    client.force_login(inspector)
    for url in ("/api/v1/me/", "/api/v1/regions/", "/api/v1/no-such-endpoint/"):
        assert "no-store" in client.get(url)["Cache-Control"], url
    assert "no-store" not in client.get("/static/core/kuangan.js").get("Cache-Control", "")


def test_axes_uses_the_audit_logs_client_address(settings):
    from axes.helpers import get_client_ip_address

    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.1"
    )
    settings.AXES_IPWARE_PROXY_COUNT = 1
    assert get_client_ip_address(request) == client_ip(request) == "10.0.0.1"


def test_idle_timeout(client, inspector, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    with at(0):
        client.force_login(inspector)
        assert client.get("/").status_code == 200
    with at(29):
        assert client.get("/").status_code == 200  # activity renews the session
    with at(58):
        assert client.get("/").status_code == 200
    with at(89):
        response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_absolute_session_lifetime(client, inspector, settings):
    settings.SESSION_ABSOLUTE_HOURS = 1
    with at(0):
        client.force_login(inspector)
        assert client.get("/").status_code == 200
    for minutes in (25, 50):
        with at(minutes):
            assert client.get("/").status_code == 200
    with at(61):
        response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/login/?expired=1"
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, actor=inspector).exists()
    with at(62):
        assert client.get("/")["Location"].startswith("/login/?next=")


def test_the_absolute_lifetime_also_ends_api_use_by_session(client, inspector, settings):
    settings.SESSION_ABSOLUTE_HOURS = 1
    with at(0):
        client.force_login(inspector)
        assert client.get("/api/v1/me/").status_code == 200
    for minutes in (25, 50):
        with at(minutes):
            assert client.get("/api/v1/me/").status_code == 200
    with at(61):
        response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"


def test_a_forced_password_change_comes_first(client, db):
    user = make_user("220605", must_change_password=True)
    client.force_login(user)
    assert client.get("/")["Location"] == "/password/"
    assert client.get("/organizations/")["Location"] == "/password/"
    assert client.get("/password/").status_code == 200
    assert client.get("/static/core/kuangan.css").status_code == 200
    api = client.get("/api/v1/me/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "password_change_required"


def test_password_rotation(client, inspector, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    client.force_login(inspector)
    assert client.get("/").status_code == 200
    User.objects.filter(pk=inspector.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=91)
    )
    response = client.get("/")
    assert response["Location"] == "/password/"
    page = client.get("/password/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your password has expired" in page
    settings.PASSWORD_MAX_AGE_DAYS = 0
    assert client.get("/").status_code == 200


def test_a_confirmed_device_means_a_code_at_every_login(client, inspector):
    TOTPDevice.objects.create(user=inspector, name="phone", confirmed=True)
    client.force_login(inspector)
    response = client.get("/organizations/?kind=enterprise")
    assert response["Location"] == "/otp/verify/?next=%2Forganizations%2F%3Fkind%3Denterprise"
    api = client.get("/api/v1/organizations/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "second_factor_required"
    # An unconfirmed (half-enrolled) device asks nothing.
    TOTPDevice.objects.filter(user=inspector).update(confirmed=False)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("role", "org_region", "required"),
    [
        (Role.PROVINCE_ADMIN, "220000", True),
        (Role.REGULATOR_INSPECTOR, "220605", True),
        (Role.SYSTEM_ADMIN, "220000", True),
        (Role.SECURITY_ADMIN, "220000", True),
        (Role.AUDIT_ADMIN, "220000", True),
        # Every role in the production profile: enterprise and agency users read business
        # data too.
        (Role.ENTERPRISE_PRINCIPAL, "220605", True),
        (Role.AGENCY_USER, "220605", True),
        (Role.GOVERNMENT_USER, "220600", True),
    ],
)
def test_mfa_is_mandatory_for_every_role_when_required(
    client, db, settings, role, org_region, required
):
    settings.MFA_REQUIRED = True
    user = make_user(org_region, role=role)
    client.force_login(user)
    response = client.get("/")
    if required:
        assert response["Location"] == "/otp/setup/"
        assert client.get("/otp/setup/").status_code == 200
    else:
        assert response.status_code == 200
    settings.MFA_REQUIRED = False
    assert client.get("/").status_code == 200
