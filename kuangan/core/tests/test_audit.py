"""The audit log: one writer, a keyed hash chain that a verifier walks and checks against its
anchors outside the database, a table the database keeps append-only, and the security events
(logins, failures, refusals, out-of-scope lookups, exports) written to it."""

import datetime as dt
import os
import stat

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from kuangan.core import audit
from kuangan.core.choices import AuditAction, OrganizationKind, Role
from kuangan.core.crypto import digest, mac
from kuangan.core.models import AuditEvent

from .factories import PASSWORD, make_organization, make_user


@pytest.fixture(autouse=True)
def _audit_files(settings, tmp_path):
    """Each test its own key and anchor file; no automatic anchoring unless a test asks."""
    settings.AUDIT_KEY = ""
    settings.AUDIT_KEY_FILE = tmp_path / "audit_key"
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit-anchor.log"
    settings.AUDIT_ANCHOR_MINUTES = -1


def owns_the_audit_table() -> bool:
    """SQLite: whoever has the file. PostgreSQL: the owner (a superuser); not the application's
    role of the production profile, which the PostgreSQL run of scripts/test.sh connects as."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(current_user, tableowner, 'MEMBER') FROM pg_tables "
            "WHERE tablename = 'core_auditevent'"
        )
        return bool(cursor.fetchone()[0])


def drop_audit_triggers() -> None:
    """Only a test (or an attacker with the database's owner account) can do this. Connected
    as the application's role, the test stops here, skipped:
    ``test_the_application_role_cannot_drop_the_triggers`` shows that it cannot."""
    if not owns_the_audit_table():
        pytest.skip("the application's role cannot drop the audit triggers")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditevent_no_update")
            cursor.execute("DROP TRIGGER core_auditevent_no_delete")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_no_update ON core_auditevent")


# The trigger's refusal; connected as the application's role, the missing privilege's first.
REFUSED = "append-only|permission denied"


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
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        raw("UPDATE core_auditevent SET object_repr = 'forged' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
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
    assert denial.changes == {"permission": "core.assign_roles", "fields": ["roles"]}
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


# --- The key -------------------------------------------------------------------------------


def test_the_key_file_is_made_once_readable_by_the_owner_only(db, settings):
    audit.record(actor=None, action="test.key")
    key_file = settings.AUDIT_KEY_FILE
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    key = key_file.read_text()
    assert len(key) == 64
    audit.record(actor=None, action="test.key2")
    assert key_file.read_text() == key and audit.verify_chain().ok


def test_the_key_from_the_environment_takes_precedence(db, settings):
    settings.AUDIT_KEY = "k" * 40
    event = audit.record(actor=None, action="test.env_key")
    assert event.hash == audit.compute_hash(event, "", b"k" * 40)
    assert not settings.AUDIT_KEY_FILE.exists()
    assert audit.verify_chain().ok
    settings.AUDIT_KEY = "another-key-" * 4  # the chain no longer verifies under another key
    assert audit.verify_chain().broken_at == event.pk


# --- Forgeries: each one is refused by the database or reported by the verifier --------------
# A forger here has the database (its owner account even: the triggers can be dropped) and can
# write the anchor file, but has neither the audit key nor the power to cut lines from the
# anchor file that the operator made append-only (that one needs --anchor-max-age).

FORGED_KEY = b"a key that is not the audit key, 32+ bytes long"


def plain_sha256(event: AuditEvent, prev: str) -> str:
    """What the chain's hash was before it was keyed: any forger can compute it."""
    return digest(prev.encode("ascii") + b"|" + audit._canonical(audit._event_fields(event)))


def wrong_key(event: AuditEvent, prev: str) -> str:
    return audit.compute_hash(event, prev, FORGED_KEY)


def rehash_from(event_id: int, hasher) -> None:
    """Recompute the hash and link of ``event_id`` and of every event after it."""
    prev = (
        AuditEvent.objects.filter(id__lt=event_id)
        .order_by("-id")
        .values_list("hash", flat=True)
        .first()
    ) or ""
    for event in AuditEvent.objects.filter(id__gte=event_id).order_by("id"):
        new = hasher(event, prev)
        raw(
            "UPDATE core_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
            [prev, new, event.id],
        )
        prev = new


def copy_event_sql(conflict: str = "") -> str:
    columns = (
        "timestamp, actor_id, actor_repr, action, success, object_type, object_id, "
        "object_repr, region_id, changes, ip, user_agent, request_id, prev_hash, hash"
    )
    verb = "INSERT OR REPLACE" if connection.vendor == "sqlite" else "INSERT"
    values = columns.replace("object_repr", "'forged'")
    return (
        f"{verb} INTO core_auditevent (id, {columns}) "
        f"SELECT %s, {values} FROM core_auditevent WHERE id = %s {conflict}"
    )


@pytest.fixture
def anchored(events):
    """Three events, anchored."""
    audit.anchor()
    return events


def refused(sql: str, params=()) -> bool:
    try:
        with transaction.atomic():
            raw(sql, params)
    except DatabaseError:
        return True
    return False


def forge_rewrite_and_rehash_with_plain_sha256(events):
    drop_audit_triggers()
    raw("UPDATE core_auditevent SET object_repr = 'forged' WHERE id = %s", [events[1].pk])
    rehash_from(events[1].pk, plain_sha256)
    return audit.verify_chain().reason == "hash"


def forge_rewrite_and_rehash_under_a_wrong_key(events):
    drop_audit_triggers()
    raw("UPDATE core_auditevent SET changes = %s WHERE id = %s", ['{"n": [1, 3]}', events[2].pk])
    rehash_from(events[2].pk, wrong_key)
    report = audit.verify_chain()
    return (report.broken_at, report.reason) == (events[2].pk, "hash")


def forge_rehash_the_whole_chain_under_a_wrong_key(events):
    drop_audit_triggers()
    raw("UPDATE core_auditevent SET actor_repr = 'someone' WHERE id = %s", [events[0].pk])
    rehash_from(AuditEvent.objects.order_by("id").first().pk, wrong_key)
    return audit.verify_chain().reason == "hash"


def forge_append_a_made_up_event(events):
    """INSERT is what the application's role may do: an event not written by ``record``."""
    last = AuditEvent.objects.order_by("-id").first()
    fake = AuditEvent(
        timestamp=timezone.now(), action="auth.login", actor_repr="ghost", prev_hash=last.hash
    )
    fake.hash = plain_sha256(fake, last.hash)
    fake.save()
    report = audit.verify_chain()
    return (report.broken_at, report.reason) == (fake.pk, "hash")


def forge_delete_the_newest_events(events):
    drop_audit_triggers()
    raw("DELETE FROM core_auditevent WHERE id >= %s", [events[1].pk])
    report = audit.verify_chain()
    return (report.broken_at, report.reason) == (events[2].pk, "anchor-missing")


def forge_delete_an_event_in_the_middle(events):
    drop_audit_triggers()
    raw("DELETE FROM core_auditevent WHERE id = %s", [events[1].pk])
    return audit.verify_chain().reason == "link"


def forge_update_an_event(events):
    return refused(
        "UPDATE core_auditevent SET object_repr = 'forged' WHERE id = %s", [events[0].pk]
    )


def forge_delete_an_event(events):
    return refused("DELETE FROM core_auditevent WHERE id = %s", [events[0].pk])


def forge_empty_the_table(events):
    """TRUNCATE on PostgreSQL (no row trigger fires); on SQLite, an unqualified DELETE (its
    truncate optimisation)."""
    if connection.vendor == "postgresql":
        return refused("TRUNCATE core_auditevent")
    return refused("DELETE FROM core_auditevent")


def forge_replace_an_event_by_its_id(events):
    """SQLite's INSERT OR REPLACE deletes the old row without firing the delete trigger;
    PostgreSQL's upsert fires the update trigger."""
    conflict = (
        "" if connection.vendor == "sqlite" else "ON CONFLICT (id) DO UPDATE SET action = 'x'"
    )
    return refused(copy_event_sql(conflict), [events[0].pk, events[0].pk])


def forge_replace_an_event_by_its_hash(events):
    """A new id with an existing hash: REPLACE would delete the row that holds the hash."""
    new_id = AuditEvent.objects.order_by("-id").first().pk + 100
    conflict = (
        "" if connection.vendor == "sqlite" else "ON CONFLICT (hash) DO UPDATE SET action = 'x'"
    )
    return refused(copy_event_sql(conflict), [new_id, events[0].pk])


def forge_an_anchor_line(events, settings):
    """After deleting the newest event, add an anchor for the shorter chain, signed with a
    key that is not the audit key."""
    drop_audit_triggers()
    raw("DELETE FROM core_auditevent WHERE id = %s", [events[2].pk])
    last = AuditEvent.objects.order_by("-id").first()
    count = AuditEvent.objects.count()
    body = audit._anchor_body(timezone.now(), count, last.pk, last.hash)
    forged = mac(FORGED_KEY, b"anchor|" + body.encode())
    with open(settings.AUDIT_ANCHOR_FILE, "a") as f:
        f.write(f"{body}\t{forged}\n")
    report = audit.verify_chain()
    # The anchor that holds the deleted event speaks first; the forged line is listed too.
    if report.reason != "anchor-missing":
        return False
    lines = settings.AUDIT_ANCHOR_FILE.read_text().splitlines()
    settings.AUDIT_ANCHOR_FILE.write_text(lines[-1] + "\n")  # only the forged line left
    return audit.verify_chain().reason == "anchor-forged"


def forge_cut_the_anchor_file_short(events, settings):
    data = settings.AUDIT_ANCHOR_FILE.read_bytes()
    settings.AUDIT_ANCHOR_FILE.write_bytes(data[: len(data) // 2])
    report = audit.verify_chain()
    return report.reason == "anchor-forged" and "cut short" in report.detail


def forge_cut_anchor_lines_and_delete_the_newest_events(events, settings):
    """The operator's append-only file forbids this; if it happened anyway, the heartbeat
    (``audit-anchor`` on a timer) and ``--anchor-max-age`` tell."""
    path = settings.AUDIT_ANCHOR_FILE
    path.write_text("")
    audit.anchor(now=timezone.now() - dt.timedelta(hours=2))  # an old line the forger keeps
    kept = path.read_text()
    event = audit.record(actor=None, action="test.newest")
    audit.anchor()
    drop_audit_triggers()
    raw("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    path.write_text(kept)
    assert audit.verify_chain().ok  # the limit without the heartbeat check
    report = audit.verify_chain(max_anchor_age=dt.timedelta(minutes=30))
    return report.reason == "anchor-stale"


FORGERIES = [
    forge_rewrite_and_rehash_with_plain_sha256,
    forge_rewrite_and_rehash_under_a_wrong_key,
    forge_rehash_the_whole_chain_under_a_wrong_key,
    forge_append_a_made_up_event,
    forge_delete_the_newest_events,
    forge_delete_an_event_in_the_middle,
    forge_update_an_event,
    forge_delete_an_event,
    forge_empty_the_table,
    forge_replace_an_event_by_its_id,
    forge_replace_an_event_by_its_hash,
    forge_an_anchor_line,
    forge_cut_the_anchor_file_short,
    forge_cut_anchor_lines_and_delete_the_newest_events,
]


@pytest.mark.parametrize("forgery", FORGERIES, ids=lambda f: f.__name__.removeprefix("forge_"))
def test_every_forgery_is_refused_or_detected(anchored, settings, forgery):
    assert audit.verify_chain().ok
    kwargs = {"settings": settings} if "settings" in forgery.__code__.co_varnames else {}
    assert forgery(anchored, **kwargs)


def test_insert_or_replace_over_an_event_is_refused(anchored):
    """Before: SQLite's INSERT OR REPLACE deleted the event (REPLACE fires no delete trigger)
    and wrote the forged copy in its place."""
    original = AuditEvent.objects.get(pk=anchored[0].pk)
    conflict = (
        "" if connection.vendor == "sqlite" else "ON CONFLICT (id) DO UPDATE SET action = 'x'"
    )
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        raw(copy_event_sql(conflict), [original.pk, original.pk])
    assert AuditEvent.objects.get(pk=original.pk).object_repr == original.object_repr
    assert audit.verify_chain().ok


def test_the_application_role_cannot_drop_the_triggers(anchored):
    """The production profile's role (scripts/test.sh's PostgreSQL run): no DDL, no TRUNCATE,
    no trigger rights, no UPDATE or DELETE on the audit table."""
    if owns_the_audit_table():
        pytest.skip("connected as the owner: run as the application's role (scripts/test.sh)")
    for statement in (
        "DROP TRIGGER core_auditevent_no_update ON core_auditevent",
        "ALTER TABLE core_auditevent DISABLE TRIGGER ALL",
        "DROP TABLE core_auditevent",
        "TRUNCATE core_auditevent",
        "UPDATE core_auditevent SET action = 'x'",
        "DELETE FROM core_auditevent",
        "CREATE TABLE forged (id int)",
    ):
        with pytest.raises(DatabaseError, match="permission denied|must be owner"):
            with transaction.atomic():
                raw(statement)
    assert audit.verify_chain().ok


def test_rewriting_and_rehashing_without_the_key_is_detected(anchored):
    """Before: the hash was plain SHA-256, so a forger who rewrote a row and recomputed every
    later hash left a chain that audit-verify called intact."""
    drop_audit_triggers()
    raw("UPDATE core_auditevent SET object_repr = 'forged' WHERE id = %s", [anchored[1].pk])
    rehash_from(anchored[1].pk, plain_sha256)
    with pytest.raises(CommandError, match=rf"BROKEN at event #{anchored[1].pk}\b"):
        call_command("audit_verify")


def test_deleting_the_newest_events_is_detected(anchored):
    """Before: deleting the last events left a shorter chain that verified."""
    drop_audit_triggers()
    raw("DELETE FROM core_auditevent WHERE id = %s", [anchored[2].pk])
    with pytest.raises(CommandError, match=rf"BROKEN at event #{anchored[2].pk} \(anchor-missing"):
        call_command("audit_verify")


def test_the_sm3_chain_is_keyed_too(db, settings):
    settings.AUDIT_HASH_ALGORITHM = "sm3"
    first = audit.record(actor=None, action="test.sm3")
    audit.record(actor=None, action="test.sm3.2")
    audit.anchor()
    assert audit.verify_chain().ok
    drop_audit_triggers()
    raw("UPDATE core_auditevent SET action = 'forged' WHERE id = %s", [first.pk])

    def plain_sm3(event, prev):
        return digest(prev.encode() + b"|" + audit._canonical(audit._event_fields(event)), "sm3")

    rehash_from(first.pk, plain_sm3)
    assert audit.verify_chain().broken_at == first.pk


# --- The anchor ----------------------------------------------------------------------------


def test_an_anchor_line_holds_the_head_of_the_chain(anchored, settings):
    head = audit.anchor()
    line = settings.AUDIT_ANCHOR_FILE.read_text().splitlines()[-1].split("\t")
    assert line[0] == "v1" and line[2:5] == [str(head.count), str(anchored[-1].pk), head.last_hash]
    assert head.last_hash == AuditEvent.objects.get(pk=anchored[-1].pk).hash
    assert head.count == AuditEvent.objects.count()
    assert stat.S_IMODE(os.stat(settings.AUDIT_ANCHOR_FILE).st_mode) == 0o600
    report = audit.verify_chain()
    assert report.ok and report.anchors == 2


def test_record_anchors_after_the_commit_when_the_last_anchor_is_old(
    db, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_ANCHOR_MINUTES = 10
    path = settings.AUDIT_ANCHOR_FILE
    with django_capture_on_commit_callbacks(execute=True):
        first = audit.record(actor=None, action="test.one")
    lines = path.read_text().splitlines()
    assert len(lines) == 1 and lines[0].split("\t")[3] == str(first.pk)
    with django_capture_on_commit_callbacks(execute=True):
        audit.record(actor=None, action="test.two")
    assert len(path.read_text().splitlines()) == 1  # the anchor is recent: not again
    old = path.stat().st_mtime - 11 * 60
    os.utime(path, (old, old))
    with django_capture_on_commit_callbacks(execute=True):
        third = audit.record(actor=None, action="test.three")
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and lines[1].split("\t")[3] == str(third.pk)
    assert audit.verify_chain().anchors == 2


def test_no_automatic_anchor_when_switched_off(db, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        audit.record(actor=None, action="test.one")
    assert callbacks == [] and not settings.AUDIT_ANCHOR_FILE.exists()


def test_a_failed_anchor_does_not_fail_the_change(
    db, settings, django_capture_on_commit_callbacks, tmp_path, caplog
):
    settings.AUDIT_ANCHOR_MINUTES = 0
    settings.AUDIT_ANCHOR_FILE = tmp_path / "not-a-folder" / "x"
    (tmp_path / "not-a-folder").write_text("a file where the folder should be")
    with django_capture_on_commit_callbacks(execute=True):
        event = audit.record(actor=None, action="test.one")
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert "could not be anchored" in caplog.text


def test_audit_anchor_command_and_verify_with_anchor_max_age(events, capsys, settings):
    call_command("audit_verify")
    assert "No anchor yet" in capsys.readouterr().out
    with pytest.raises(CommandError, match="anchor-stale"):
        call_command("audit_verify", anchor_max_age=30)
    call_command("audit_anchor")
    out = capsys.readouterr().out
    assert f"{AuditEvent.objects.count()} events, last #{events[-1].pk}" in out
    call_command("audit_verify", anchor_max_age=30)
    out = capsys.readouterr().out
    assert f"Audit chain intact: {AuditEvent.objects.count()} events (sha256)" in out
    assert "1 anchors match" in out


# --- Out-of-scope lookups ------------------------------------------------------------------


@pytest.fixture
def prober(client, db):
    """An inspector of 江源区 and organisations of 长春 (outside) and of 江源区 (inside)."""
    inspector = make_user("220605", role=Role.REGULATOR_INSPECTOR)
    client.force_login(inspector)
    outside = make_organization("220100", OrganizationKind.ENTERPRISE, name="长春某煤矿公司")
    other = make_organization("220100", OrganizationKind.ENTERPRISE, name="长春另一公司")
    inside = make_organization("220605", OrganizationKind.ENTERPRISE, name="江源某煤矿公司")
    return inspector, outside, other, inside


def scope_denials():
    return AuditEvent.objects.filter(action=AuditAction.SCOPE_DENIED)


def test_a_404_for_an_object_outside_the_scope_is_audited_once(client, prober):
    """Before: only 403s were audited, so probing other counties' objects left no trace."""
    inspector, outside, _other, _inside = prober
    assert client.get(f"/organizations/{outside.pk}/").status_code == 404
    assert scope_denials().count() == 1
    event = scope_denials().get()
    assert event.actor_id == inspector.pk and not event.success
    assert (event.object_type, event.object_id) == ("core.organization", str(outside.pk))
    assert event.region.code == "220100"
    # Again within the window: still a 404, no second event (page or API).
    assert client.get(f"/organizations/{outside.pk}/").status_code == 404
    assert client.get(f"/api/v1/organizations/{outside.pk}/").status_code == 404
    assert scope_denials().count() == 1


def test_an_api_404_for_an_object_outside_the_scope_is_audited_once(client, prober):
    inspector, _outside, other, _inside = prober
    assert client.get(f"/api/v1/organizations/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/organizations/{other.pk}/").status_code == 404
    event = scope_denials().get()
    assert event.actor_id == inspector.pk and event.object_id == str(other.pk)


def test_a_missing_or_visible_object_is_not_a_scope_denial(client, prober):
    _inspector, _outside, _other, inside = prober
    assert client.get("/organizations/999999/").status_code == 404
    assert client.get("/api/v1/organizations/999999/").status_code == 404
    assert client.get("/api/v1/organizations/not-a-number/").status_code == 404
    assert client.get(f"/organizations/{inside.pk}/").status_code == 200
    assert not scope_denials().exists()


def test_the_window_of_scope_denials_is_a_setting(client, prober, settings):
    settings.AUDIT_SCOPE_DENIED_MINUTES = 0  # every lookup
    _inspector, outside, _other, _inside = prober
    client.get(f"/organizations/{outside.pk}/")
    client.get(f"/organizations/{outside.pk}/")
    assert scope_denials().count() == 2


def test_a_scope_denial_stays_out_of_the_objects_history(client, prober):
    _inspector, outside, _other, _inside = prober
    client.get(f"/organizations/{outside.pk}/")
    admin = make_user("220000", role=Role.PROVINCE_ADMIN)
    client.force_login(admin)
    response = client.get(f"/organizations/{outside.pk}/", {"tab": "history"})
    assert response.status_code == 200
    assert "Access outside jurisdiction refused" not in response.content.decode()
    assert "越权访问被拒" not in response.content.decode()
