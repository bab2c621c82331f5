"""Login lockout (django-axes): 5 failures of an account, from any addresses, lock it for 30
minutes from every address it has not logged in from (from a known address only that
address's failures count); an address alone locks nothing; the address is the audit log's,
also behind a proxy; the lockout is audited; the security administrator can unlock at once;
the API token endpoint counts toward the same limit and answers JSON."""

import datetime as dt
import json

import pytest
import time_machine
from axes.models import AccessAttempt
from django.utils import timezone

from kuangan.core.choices import AuditAction, Role
from kuangan.core.models import AuditEvent

from .factories import PASSWORD, make_user

WRONG = "Wrong#Password-1"


@pytest.fixture
def target(db):
    return make_user("220605", username="jy_lock")


def web_login(client, password, address="127.0.0.1"):
    return client.post(
        "/login/", {"username": "jy_lock", "password": password}, REMOTE_ADDR=address
    )


def api_login(client, password, address="127.0.0.1"):
    return client.post(
        "/api/v1/auth/token/",
        json.dumps({"username": "jy_lock", "password": password}),
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/"


def lockouts() -> int:
    return AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT).count()


def test_five_failures_lock_the_account(client, target):
    for _ in range(4):
        assert web_login(client, WRONG).status_code == 200
    assert lockouts() == 0
    response = web_login(client, WRONG)
    assert response.status_code == 429
    assert lockouts() == 1
    event = AuditEvent.objects.get(action=AuditAction.LOCKED_OUT)
    assert event.actor_repr == "jy_lock" and event.object_id == str(target.pk)
    assert event.changes == {"ip_address": "127.0.0.1"} and not event.success
    # Even the right password is refused now, with a message that says for how long.
    response = web_login(client, PASSWORD)
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    assert response.context["locked_message"]
    assert "30" in response.context["locked_message"]
    # The account is locked from another address as well.
    assert web_login(client, PASSWORD, address="10.0.0.9").status_code == 429


def test_failures_from_many_addresses_lock_the_account(client, target):
    for i in range(4):
        assert web_login(client, WRONG, address=f"198.51.100.{i + 1}").status_code == 200
    assert web_login(client, WRONG, address="198.51.100.99").status_code == 429
    assert lockouts() == 1
    assert web_login(client, PASSWORD, address="203.0.113.7").status_code == 429
    assert api_login(client, PASSWORD, address="203.0.113.8").status_code == 429


def test_the_owner_still_logs_in_from_an_address_it_used_before(client, target):
    assert logged_in(web_login(client, PASSWORD, address="10.0.0.9"))
    client.post("/logout/")
    for i in range(5):
        web_login(client, WRONG, address=f"198.51.100.{i + 1}")
    assert web_login(client, PASSWORD, address="203.0.113.7").status_code == 429
    assert logged_in(web_login(client, PASSWORD, address="10.0.0.9"))
    client.post("/logout/")
    # At the known address, that address's own failures still lock it.
    for _ in range(5):
        web_login(client, WRONG, address="10.0.0.9")
    assert web_login(client, PASSWORD, address="10.0.0.9").status_code == 429


def test_one_address_cannot_lock_the_other_accounts(client, target):
    other = make_user("220605", username="jy_other")
    for i in range(5):
        client.post(
            "/login/", {"username": f"someone{i}", "password": WRONG}, REMOTE_ADDR="192.0.2.1"
        )
    for _ in range(5):
        web_login(client, WRONG, address="192.0.2.1")
    response = client.post(
        "/login/", {"username": other.username, "password": PASSWORD}, REMOTE_ADDR="192.0.2.1"
    )
    assert logged_in(response)


def test_behind_a_proxy_lockout_and_audit_use_the_same_address(client, target, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    for i in range(5):
        client.post(
            "/login/",
            {"username": "jy_lock", "password": WRONG},
            REMOTE_ADDR="10.0.0.1",  # the proxy
            HTTP_X_FORWARDED_FOR=f"spoofed, 198.51.100.{i + 1}",
        )
    attempts = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert attempts == {f"198.51.100.{i + 1}" for i in range(5)}
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert set(failed.values_list("ip", flat=True)) == attempts


def test_the_lock_lasts_thirty_minutes(client, target):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            web_login(client, WRONG)
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert web_login(client, PASSWORD).status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        assert logged_in(web_login(client, PASSWORD))


def test_a_success_resets_the_count(client, target):
    for _ in range(4):
        web_login(client, WRONG)
    assert logged_in(web_login(client, PASSWORD))
    client.post("/logout/")
    for _ in range(4):
        assert web_login(client, WRONG).status_code == 200
    assert lockouts() == 0


def test_the_security_admin_unlocks_and_it_is_audited(client, target):
    for _ in range(5):
        web_login(client, WRONG)
    security = make_user("220000", role=Role.SECURITY_ADMIN)
    client.force_login(security)
    page = client.get(f"/users/{target.pk}/")
    assert f"/users/{target.pk}/unlock/" in page.content.decode()
    confirm = client.get(f"/users/{target.pk}/unlock/")
    assert confirm.status_code == 200
    assert client.post(f"/users/{target.pk}/unlock/").status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.USER_UNLOCKED)
    assert event.actor_id == security.pk and event.object_id == str(target.pk)
    assert not AccessAttempt.objects.filter(username="jy_lock").exists()
    client.post("/logout/")
    assert logged_in(web_login(client, PASSWORD))


def test_only_the_unlock_permission_unlocks(client, target):
    for _ in range(5):
        web_login(client, WRONG)
    client.force_login(make_user("220000", role=Role.PROVINCE_ADMIN))
    assert client.post(f"/users/{target.pk}/unlock/").status_code == 403
    assert AccessAttempt.objects.filter(username="jy_lock").exists()


def test_the_api_token_endpoint_counts_failures_and_answers_json(client, target):
    for _ in range(3):
        assert api_login(client, WRONG).status_code == 401
    for _ in range(2):
        web_login(client, WRONG)
    response = api_login(client, PASSWORD)
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "locked_out" and error["message"] and error["fields"] == {}
    assert web_login(client, PASSWORD).status_code == 429
    assert lockouts() == 1


def test_the_lockout_message_is_chinese_by_default(client, target):
    for _ in range(5):
        web_login(client, WRONG)
    body = web_login(client, PASSWORD).content.decode()
    assert "锁定" in body
