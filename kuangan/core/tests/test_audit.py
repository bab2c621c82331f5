"""The audit log: one writer, a hash chain that a verifier walks, a table the database keeps
append-only, and the security events (logins, failures, refusals, exports) written to it."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from kuangan.core import audit
from kuangan.core.choices import AuditAction, OrganizationKind, Role
from kuangan.core.models import AuditEvent

from .factories import PASSWORD, make_organization, make_user


def drop_audit_triggers() -> None:
    """Only a test (or an attacker with the database's owner account) can do this."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditevent_no_update")
            cursor.execute("DROP TRIGGER core_auditevent_no_delete")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_no_update ON core_auditevent")


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def events(db):
    org = make_organization("220605", name="江源区局")
    return [
        audit.record(actor=None, action="test.one", obj=org, changes={"name": ["a", "b"]}),
        audit.record(actor=None, action="test.two", obj=org),
        audit.record(actor=None, action="test.three", obj=org, changes={"n": [1, 2]}),
    ]


def test_events_are_chained(events):
    first, second, third = (AuditEvent.objects.get(pk=e.pk) for e in events)
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert len(third.hash) == 64
    assert first.region.code == "220605"
    assert first.object_type == "core.organization"
    assert first.changes == {"name": ["a", "b"]}
    report = audit.verify_chain()
    assert report.ok and report.checked == AuditEvent.objects.count()


def test_the_hash_algorithm_is_a_setting(db, settings):
    settings.AUDIT_HASH_ALGORITHM = "sm3"
    event = audit.record(actor=None, action="test.sm3")
    sha = audit.compute_hash(event, event.prev_hash)
    settings.AUDIT_HASH_ALGORITHM = "sha256"
    assert audit.compute_hash(event, event.prev_hash) != sha
    settings.AUDIT_HASH_ALGORITHM = "sm3"
    assert audit.verify_chain().ok
    settings.AUDIT_HASH_ALGORITHM = "md5"
    with pytest.raises(ValueError, match="unknown hash algorithm"):
        audit.record(actor=None, action="test.md5")


def test_snapshot_and_diff():
    assert audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {"b": [2, 3]}
    assert audit.diff(None, {"a": "x"}) == {"a": [None, "x"]}


def test_the_database_refuses_update_and_delete(events):
    event = events[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("UPDATE core_auditevent SET object_repr = 'forged' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).object_repr == event.object_repr


def test_the_model_refuses_to_change_or_delete_an_event(events):
    event = AuditEvent.objects.get(pk=events[0].pk)
    event.action = "forged"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


def test_tampering_breaks_the_chain_at_that_event(events):
    drop_audit_triggers()
    target = events[1]
    raw("UPDATE core_auditevent SET object_repr = 'forged' WHERE id = %s", [target.pk])
    report = audit.verify_chain()
    assert not report.ok
    assert report.broken_at == target.pk and report.reason == "hash"
    with pytest.raises(CommandError, match=rf"BROKEN at event #{target.pk}\b"):
        call_command("audit_verify")


def test_deleting_an_event_breaks_the_link_of_the_next(events):
    drop_audit_triggers()
    raw("DELETE FROM core_auditevent WHERE id = %s", [events[1].pk])
    report = audit.verify_chain()
    assert (report.broken_at, report.reason) == (events[2].pk, "link")


def test_rewriting_the_changes_is_detected(events):
    drop_audit_triggers()
    raw(
        "UPDATE core_auditevent SET changes = %s WHERE id = %s",
        ['{"n": [1, 3]}', events[2].pk],
    )
    assert audit.verify_chain().broken_at == events[2].pk


def test_audit_verify_command_reports_an_intact_chain(events, capsys):
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert f"Audit chain intact: {AuditEvent.objects.count()} events (sha256)" in out


# --- Security events through HTTP --------------------------------------------------------------


def last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-id").first()


def test_login_logout_and_failed_login_are_audited(client, user_in):
    user = user_in("220605", username="jy_inspector")
    client.post("/login/", {"username": "jy_inspector", "password": "wrong-password-1"})
    failed = last(AuditAction.LOGIN_FAILED)
    assert failed.actor_repr == "jy_inspector" and not failed.success
    assert failed.object_id == str(user.pk) and failed.region.code == "220605"
    assert failed.ip == "127.0.0.1" and failed.request_id
    client.post("/login/", {"username": "jy_inspector", "password": PASSWORD})
    login = last(AuditAction.LOGIN)
    assert login.actor_id == user.pk and login.success
    client.post("/logout/")
    assert last(AuditAction.LOGOUT).actor_id == user.pk


def test_a_failed_login_of_an_unknown_name_has_no_region(client, db):
    client.post("/login/", {"username": "nobody", "password": "wrong-password-1"})
    event = last(AuditAction.LOGIN_FAILED)
    assert event.actor_repr == "nobody" and event.region is None and event.object_id == ""


def test_a_refused_page_is_audited_once(client, user_in):
    user = user_in("220605", role=Role.GOVERNMENT_USER)
    client.force_login(user)
    before = AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED).count()
    assert client.get("/users/").status_code == 403
    denials = AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED)
    assert denials.count() == before + 1
    denial = denials.order_by("-id").first()
    assert denial.actor_id == user.pk and denial.object_repr == "GET /users/"
    assert not denial.success and denial.region.code == "220605"


def test_a_refusal_by_a_service_is_audited_once(client, user_in):
    """The service records the refusal; the 403 page does not record it a second time."""
    target = user_in("220605")
    count = AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED).count
    before = count()
    system = user_in("220000", role=Role.SYSTEM_ADMIN)
    client.force_login(system)
    response = client.post(f"/api/v1/users/{target.pk}/roles/", {"roles": []}, "application/json")
    assert response.status_code == 403
    assert count() == before + 1
    denial = last(AuditAction.PERMISSION_DENIED)
    assert denial.changes == {"permission": "core.assign_roles"}
    assert denial.object_id == str(target.pk)


def test_an_api_refusal_is_audited(client, user_in):
    user = user_in("220605", role=Role.ENTERPRISE_PRINCIPAL)
    client.force_login(user)
    before = AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED).count()
    assert client.get("/api/v1/audit-events/").status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED).count() == before + 1


def test_an_export_is_audited(client, user_in):
    user = user_in("220605", role=Role.REGULATOR_INSPECTOR)
    client.force_login(user)
    response = client.get("/organizations/", {"export": "xlsx", "kind": "regulator"})
    assert response.status_code == 200
    event = last(AuditAction.EXPORTED)
    assert event.actor_id == user.pk and event.region.code == "220605"
    assert event.changes["rows"] == int(response["X-Export-Rows"])
    assert event.changes["filters"] == {"export": "xlsx", "kind": "regulator"}


# --- Who reads the audit log ---------------------------------------------------------------------


@pytest.fixture
def audit_world(db):
    baishan = make_organization("220600", name="白山市局")
    changchun = make_organization("220100", name="长春市局")
    inside = audit.record(actor=None, action="test.inside", obj=baishan)
    outside = audit.record(actor=None, action="test.outside", obj=changchun)
    return baishan, inside, outside


def test_the_audit_admin_reads_its_region_of_the_log(client, audit_world):
    baishan, inside, outside = audit_world
    auditor = make_user(organization=baishan, role=Role.AUDIT_ADMIN)
    client.force_login(auditor)
    response = client.get("/audit/", {"page_size": 200})
    assert response.status_code == 200
    rows = response.context["paginator"].object_list
    assert rows.filter(pk=inside.pk).exists() and not rows.filter(pk=outside.pk).exists()
    assert client.get(f"/api/v1/audit-events/{inside.pk}/").status_code == 200
    assert client.get(f"/api/v1/audit-events/{outside.pk}/").status_code == 404
    # Nothing else: no organisations, no users, no business data.
    assert client.get("/organizations/").status_code == 403
    assert client.get("/users/").status_code == 403
    assert client.get("/api/v1/organizations/").status_code == 403


@pytest.mark.parametrize(
    "role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.PROVINCE_ADMIN, Role.REGULATOR_LEADER]
)
def test_nobody_else_reads_the_audit_log(client, audit_world, role):
    baishan, inside, _ = audit_world
    client.force_login(make_user(organization=baishan, role=role))
    assert client.get("/audit/").status_code == 403
    assert client.get("/api/v1/audit-events/").status_code == 403
    assert client.get(f"/api/v1/audit-events/{inside.pk}/").status_code == 403
    assert client.post("/audit/verify/").status_code == 403


def test_nobody_can_change_the_log_through_the_api(client, audit_world):
    baishan, inside, _ = audit_world
    client.force_login(make_user(organization=baishan, role=Role.AUDIT_ADMIN))
    url = f"/api/v1/audit-events/{inside.pk}/"
    # Refused before anything else: the audit administrator has no such permission, and the
    # endpoint has no such verb.
    assert client.delete(url).status_code in (403, 405)
    assert client.patch(url, {"action": "x"}, "application/json").status_code in (403, 405)
    assert client.post("/api/v1/audit-events/", {}, "application/json").status_code in (403, 405)
    assert AuditEvent.objects.get(pk=inside.pk).action == "test.inside"


def test_chain_verification_from_the_audit_page(client, audit_world):
    baishan, inside, _ = audit_world
    client.force_login(make_user(organization=baishan, role=Role.AUDIT_ADMIN))
    response = client.post("/audit/verify/", follow=True)
    assert response.status_code == 200
    assert response.context["chain"]["ok"] is True
    drop_audit_triggers()
    raw("UPDATE core_auditevent SET action = 'forged' WHERE id = %s", [inside.pk])
    response = client.post("/audit/verify/", follow=True)
    assert response.context["chain"]["broken_at"] == inside.pk
    assert f"#{inside.pk}" in response.content.decode()


def test_object_history_shows_changes_without_addresses(client, user_in):
    from kuangan.core.services import organization_update

    admin = user_in("220000", role=Role.PROVINCE_ADMIN)
    org = make_organization("220605", OrganizationKind.ENTERPRISE, name="旧名称")
    organization_update(by=admin, organization=org, name="新名称")
    client.force_login(admin)
    response = client.get(f"/organizations/{org.pk}/", {"tab": "history"})
    body = response.content.decode()
    assert "旧名称" in body and "新名称" in body
    assert "127.0.0.1" not in body
