"""Commands: ``kuangan demo --no-serve`` (idempotent, the demo password from the environment),
``kuangan audit-verify`` on the demo data and after tampering, the console script's hyphenated
names, and ``check --deploy`` with the production profile."""

import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kuangan.core.demo import DEMO_USERS
from kuangan.core.models import AuditEvent, Organization, User
from kuangan.core.tests.browser import child_env

from .test_audit import drop_audit_triggers

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def demo(db, monkeypatch, capsys):
    monkeypatch.setenv("KUANGAN_DEMO_PASSWORD", "Env#DemoPass2026")
    call_command("demo", no_serve=True)
    return capsys.readouterr().out


REQUIRED_ACCOUNTS = {
    "province_admin",
    "changchun_inspector",
    "jilin_city_inspector",
    "baishan_inspector",
    "enterprise_principal",
    "group_inspector",
    "agency_user",
    "system_admin",
    "security_admin",
    "audit_admin",
}


def test_demo_data_then_audit_verify(demo, client, capsys):
    """One load of the demo (it is the slow part): accounts, organisations, idempotency,
    logins, then the audit chain intact and broken after tampering."""
    # The accounts, with the password from KUANGAN_DEMO_PASSWORD, printed.
    assert "Env#DemoPass2026" in demo
    assert REQUIRED_ACCOUNTS <= set(DEMO_USERS)
    for username, (role, _org, _name) in DEMO_USERS.items():
        user = User.objects.get(username=username)
        assert user.roles == {role}, username
        assert user.check_password("Env#DemoPass2026"), username
        assert not user.is_superuser and not user.is_staff, username
        assert username in demo
    assert not User.objects.filter(is_superuser=True).exists()
    # The organisations.
    assert Organization.objects.filter(kind="enterprise").count() >= 30
    assert Organization.objects.filter(kind="agency").count() >= 2
    assert User.objects.get(username="enterprise_principal").organization.region.code == "220605"
    assert User.objects.get(username="baishan_inspector").organization.region.code == "220600"
    offices = Organization.objects.filter(name__contains="监察执法")
    assert offices.count() == 3
    covered = {r.code for o in offices for r in o.jurisdiction.all()}
    assert covered == {
        "220100",
        "220200",
        "220300",
        "220400",
        "220500",
        "220600",
        "220581",
        "220700",
        "220800",
        "222400",
    }
    # A second run changes nothing.
    counts = (Organization.objects.count(), User.objects.count(), AuditEvent.objects.count())
    call_command("demo", no_serve=True)
    assert "already loaded" in capsys.readouterr().out
    assert (Organization.objects.count(), User.objects.count(), AuditEvent.objects.count()) == (
        counts
    )
    # The accounts log in.
    for username in ("province_admin", "enterprise_principal", "audit_admin", "system_admin"):
        response = client.post("/login/", {"username": username, "password": "Env#DemoPass2026"})
        assert response.status_code == 302 and response["Location"] == "/", username
        assert client.get("/").status_code == 200, username
        client.post("/logout/")
    # The audit chain of the demo is intact ...
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert f"Audit chain intact: {AuditEvent.objects.count()} events" in out
    # ... and fails at the event altered behind the application's back.
    victim = AuditEvent.objects.order_by("id")[AuditEvent.objects.count() // 2]
    drop_audit_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET actor_repr = 'someone_else' WHERE id = %s", [victim.pk]
        )
    with pytest.raises(CommandError) as exc:
        call_command("audit_verify")
    assert f"#{victim.pk} " in str(exc.value)


def test_the_demo_password_comes_from_the_environment(monkeypatch, settings):
    from kuangan.core.demo import demo_password

    monkeypatch.setenv("KUANGAN_DEMO_PASSWORD", "Other#Pass2026x")
    assert demo_password() == "Other#Pass2026x"
    monkeypatch.delenv("KUANGAN_DEMO_PASSWORD")
    assert demo_password() == settings.DEMO_PASSWORD_DEFAULT


def test_the_console_script_accepts_hyphenated_names(monkeypatch):
    import kuangan.__main__ as entry

    seen = []
    monkeypatch.setattr(sys, "argv", ["kuangan", "audit-verify", "--help"])
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line", lambda argv: seen.append(argv)
    )
    entry.main()
    assert seen == [["kuangan", "audit_verify", "--help"]]


def production_env(tmp_path) -> dict:
    env = {k: v for k, v in child_env().items() if not k.startswith("KUANGAN_")}
    env.update(
        KUANGAN_TESTING="0",
        KUANGAN_DEBUG="0",
        KUANGAN_SECURE="1",
        KUANGAN_SECRET_KEY=secrets.token_urlsafe(64),
        KUANGAN_ALLOWED_HOSTS="x.gov.cn",
        KUANGAN_DATA_DIR=str(tmp_path),
        KUANGAN_STATIC_ROOT=str(tmp_path / "static"),
    )
    return env


@pytest.mark.slow
def test_check_deploy_is_clean_with_the_production_profile(tmp_path):
    result = subprocess.run(
        [str(REPO / ".venv/bin/kuangan"), "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_bootstrap_creates_the_three_separated_administrators_once(db):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from kuangan.core.choices import Role
    from kuangan.core.models import User

    out = StringIO()
    call_command("bootstrap", stdout=out)
    admins = {u.username: u for u in User.objects.filter(username__in=list(Role.values))}
    assert set(admins) == {"system_admin", "security_admin", "audit_admin"}
    for username, user in admins.items():
        assert user.roles == {username}
        assert user.must_change_password and not user.is_superuser
    assert "audit_admin" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("bootstrap", stdout=StringIO())
    assert User.objects.count() == 3
