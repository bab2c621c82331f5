"""The PostgreSQL test run connects as the application's role of the production profile
(README, "Production profile"): a login role that owns nothing, with no DDL, no TRUNCATE, no
trigger rights, and only SELECT and INSERT on the audit table.

    pg_app_role.py prepare OWNER_URL WORKERS   prints the application role's URL
    pg_app_role.py drop OWNER_URL WORKERS

``prepare``, as the owner (OWNER_URL, e.g. postgres://postgres@127.0.0.1:5432/kuangan): makes
the role ``kuangan_app`` if missing (LOGIN, not superuser, no CREATEDB or CREATEROLE) with a
fresh random password; drops and recreates pytest-django's test databases (``test_<name>`` for
WORKERS 0, ``test_<name>_gw0`` … for pytest-xdist), migrates the first one, grants the role
its rights there, and copies it (CREATE DATABASE … TEMPLATE) to the others. pytest then runs
as the role with ``--reuse-db``, so that pytest-django (Django's keepdb) uses these databases
instead of creating them. ``drop`` removes the test databases afterwards.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROLE = "kuangan_app"
ROOT = Path(__file__).resolve().parent.parent

GRANTS = f"""
GRANT USAGE ON SCHEMA public TO {ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ROLE};
REVOKE UPDATE, DELETE ON core_auditevent FROM {ROLE};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ROLE};
"""


def with_database(url: str, name: str, user: str | None = None, password: str = "") -> str:
    parts = urlsplit(url.replace("postgresql://", "postgres://", 1))
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if user is not None:
        netloc = f"{quote(user)}:{quote(password)}@{netloc}"
    elif "@" in parts.netloc:
        netloc = parts.netloc
    return urlunsplit(("postgres", netloc, "/" + name, "", ""))


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


def test_databases(url: str, workers: int) -> list[str]:
    name = urlsplit(url).path.lstrip("/") or "kuangan"
    if workers <= 0:
        return [f"test_{name}"]
    return [f"test_{name}_gw{i}" for i in range(workers)]


def drop(url: str, workers: int) -> None:
    with connect(with_database(url, "postgres")) as conn:
        for db in test_databases(url, workers):
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db))
            )


def prepare(url: str, workers: int) -> str:
    password = secrets.token_urlsafe(24)
    first, *others = test_databases(url, workers)
    drop(url, workers)
    with connect(with_database(url, "postgres")) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE]).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
                sql.Identifier(ROLE), sql.Literal(password)
            )
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(first)))
    env = {**os.environ, "KUANGAN_DATABASE_URL": with_database(url, first), "KUANGAN_TESTING": "1"}
    subprocess.run(
        [str(ROOT / ".venv/bin/kuangan"), "migrate", "--no-input", "-v", "0"],
        env=env,
        check=True,
    )
    with connect(with_database(url, first)) as conn:
        conn.execute(GRANTS)
    with connect(with_database(url, "postgres")) as conn:
        for db in others:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(db), sql.Identifier(first)
                )
            )
    name = urlsplit(url).path.lstrip("/") or "kuangan"
    return with_database(url, name, user=ROLE, password=password)


def main() -> None:
    command, url, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if command == "prepare":
        print(prepare(url, workers))
    elif command == "drop":
        drop(url, workers)
    else:
        sys.exit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
