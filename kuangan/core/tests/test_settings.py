"""Settings that matter for safety: SQLite runs in WAL mode with synchronous=FULL, foreign keys
and IMMEDIATE transactions; the security defaults are those the issue asks for."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection


def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip(f"SQLite settings (this run uses {connection.vendor})")


def pragma(conn, name: str):
    with conn.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def test_the_sqlite_connection_pragmas(db):
    sqlite_only()
    assert pragma(connection, "foreign_keys") == 1
    assert pragma(connection, "synchronous") == 2  # FULL
    assert pragma(connection, "busy_timeout") == 20000
    assert connection.transaction_mode == "IMMEDIATE"


def test_a_database_file_runs_in_wal_mode_with_immediate_transactions(db, tmp_path):
    """The test database lives in memory (where WAL does not apply); a file opened with the
    project's settings shows what the application's database gets."""
    sqlite_only()
    from django.db.backends.sqlite3.base import DatabaseWrapper

    config = {**connection.settings_dict, "NAME": str(tmp_path / "kuangan.sqlite3")}
    wrapper = DatabaseWrapper(config, alias="wal_check")
    try:
        wrapper.ensure_connection()
        assert pragma(wrapper, "journal_mode") == "wal"
        assert pragma(wrapper, "synchronous") == 2
        assert pragma(wrapper, "foreign_keys") == 1
        wrapper.force_debug_cursor = True
        wrapper.set_autocommit(True)
        wrapper._start_transaction_under_autocommit()
        assert wrapper.queries_log[-1]["sql"] == "BEGIN IMMEDIATE"
        wrapper.connection.rollback()
    finally:
        wrapper.close()


def test_the_configured_database_options():
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert options["transaction_mode"] == "IMMEDIATE"
        for command in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            assert command in options["init_command"]


def test_security_defaults():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == dt.timedelta(minutes=30)
    assert settings.AXES_LOCKOUT_PARAMETERS == "kuangan.core.lockout.lockout_parameters"
    assert settings.AXES_CLIENT_IP_CALLABLE == "kuangan.core.middleware.client_ip"
    assert settings.TEXT_MAX_LENGTH == 5000
    assert "kuangan.core.parsers.JSONParser" in settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]
    assert settings.SESSION_IDLE_MINUTES == 30 and settings.SESSION_ABSOLUTE_HOURS == 8
    assert settings.UPLOAD_MAX_BYTES == 20 * 1024 * 1024
    assert settings.AUDIT_HASH_ALGORITHM == "sha256"
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ
    assert settings.REST_FRAMEWORK["PAGE_SIZE"] == 50
    assert not settings.DEBUG
    script_src = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"]
    assert "'unsafe-inline'" not in script_src
