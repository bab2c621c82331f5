"""Backup and restore round trip, on SQLite and on PostgreSQL.

For each database: migrate a new installation in a scratch data folder, load a little data
(the three administrators, API tokens, two uploaded files, audit events and an anchor),
`kuangan backup`, then `kuangan restore --sha256` into a second, empty data folder (and, on
PostgreSQL, a second, empty database), and compare: the row count of every table (identical;
the audit log holds one more event, the restore's own), every uploaded file, key and the anchor
(identical), `kuangan audit-verify` (intact), and every API token revoked. Prints the figures.

Usage: .venv/bin/python scripts/backup_roundtrip.py [--sqlite] [--postgresql URL]
  --sqlite          the SQLite round trip (the default when no option is given)
  --postgresql URL  the PostgreSQL round trip on this server, as a role that may create
                    databases (e.g. postgres://postgres@127.0.0.1:5432/postgres); two scratch
                    databases are created and dropped. An unreachable server is skipped, unless
                    KUANGAN_REQUIRE_POSTGRES=1
Exit status 1 when a comparison fails.

`backup_roundtrip.py seed` loads the data into the installation of the environment
(KUANGAN_DATA_DIR, KUANGAN_DATABASE_URL); the tests use it too.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KUANGAN = [sys.executable, "-m", "kuangan"]
MEDIA_AND_KEYS = ("secret_key", "audit_key")


def seed() -> None:
    """A small installation: administrators, tokens (one revoked), files, audit events."""
    import io

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuangan.settings")
    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from PIL import Image

    from kuangan.core import audit, services
    from kuangan.core.files import attachment_add
    from kuangan.core.models import User

    call_command("bootstrap", stdout=io.StringIO())
    admins = list(User.objects.order_by("username"))
    for user in admins:
        services.token_create(user=user, name="roundtrip")
    first = admins[0]
    services.token_revoke(by=first, token=first.api_tokens.first())
    for number, colour in enumerate(("red", "blue")):
        image = io.BytesIO()
        Image.new("RGB", (8 + number, 8), colour).save(image, "PNG")
        upload = SimpleUploadedFile(f"photo-{number}.png", image.getvalue(), "image/png")
        attachment_add(by=first, target=admins[1], uploaded_file=upload)
    audit.anchor()


def child_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"KUANGAN_DATABASE_URL", "KUANGAN_SECRET_KEY", "KUANGAN_AUDIT_KEY"}
    }
    env.update(KUANGAN_DATA_DIR=str(data_dir), KUANGAN_LOG_LEVEL="WARNING")
    env.setdefault("KUANGAN_STATIC_ROOT", str(data_dir.parent / "static"))
    if database_url:
        env["KUANGAN_DATABASE_URL"] = database_url
    return env


def run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args[2:])} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_hashes(data_dir: Path) -> dict[str, str]:
    """The uploaded files and the keys of a data folder, by their path in it."""
    found = {
        p.relative_to(data_dir).as_posix(): sha256(p)
        for p in sorted((data_dir / "files").rglob("*"))
        if p.is_file()
    }
    for name in MEDIA_AND_KEYS:
        if (data_dir / name).is_file():
            found[name] = sha256(data_dir / name)
    return found


def sqlite_counts(data_dir: Path) -> tuple[dict[str, int], int]:
    """Rows per table; API tokens not revoked."""
    db = sqlite3.connect(data_dir / "kuangan.sqlite3")
    try:
        tables = [
            r[0]
            for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("sqlite_")
        ]
        counts = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608
        active = db.execute("SELECT COUNT(*) FROM core_apitoken WHERE revoked_at IS NULL")
        return counts, active.fetchone()[0]
    finally:
        db.close()


def postgresql_counts(url: str) -> tuple[dict[str, int], int]:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as db:
        tables = [
            r[0]
            for r in db.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ]
        counts = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608
        active = db.execute("SELECT COUNT(*) FROM core_apitoken WHERE revoked_at IS NULL")
        return counts, active.fetchone()[0]


def round_trip(label: str, scratch: Path, source_url: str | None, target_url: str | None) -> bool:
    started = time.monotonic()
    src, dst, archive = scratch / "source", scratch / "restored", scratch / "backup.tar.gz"
    src_env, dst_env = child_env(src, source_url), child_env(dst, target_url)

    def counts(data_dir: Path, url: str | None) -> tuple[dict[str, int], int]:
        return postgresql_counts(url) if url else sqlite_counts(data_dir)

    run([*KUANGAN, "migrate", "--verbosity", "0"], src_env)
    run([sys.executable, str(Path(__file__).resolve()), "seed"], src_env)
    prepared = time.monotonic()
    before, active_before = counts(src, source_url)
    files_before = folder_hashes(src)
    anchor_before = (src / "audit-anchor.log").read_bytes()

    out = run([*KUANGAN, "backup", str(archive)], src_env)
    backed_up = time.monotonic()
    digest = next(line.split()[1] for line in out.splitlines() if line.startswith("SHA-256 "))
    run([*KUANGAN, "restore", str(archive), "--sha256", digest], dst_env)
    restored = time.monotonic()

    after, active_after = counts(dst, target_url)
    problems = []
    expected = dict(before, core_auditevent=before["core_auditevent"] + 1)  # the restore's event
    differing = sorted(t for t in set(expected) | set(after) if expected.get(t) != after.get(t))
    if differing:
        problems.append(
            "row counts differ: "
            + ", ".join(f"{t} {expected.get(t)} → {after.get(t)}" for t in differing)
        )
    if folder_hashes(dst) != files_before:
        problems.append("the files or keys differ")
    if not (dst / "audit-anchor.log").read_bytes().startswith(anchor_before):
        problems.append("the audit anchor differs")
    if active_before == 0 or active_after != 0:
        problems.append(f"API tokens still active after the restore: {active_after}")
    verify = subprocess.run(
        [*KUANGAN, "audit-verify"], env=dst_env, cwd=ROOT, capture_output=True, text=True
    )
    if verify.returncode != 0:
        problems.append("audit-verify: " + (verify.stdout + verify.stderr).strip())
    media = sum(1 for name in files_before if name.startswith("files/"))
    print(
        f"backup/restore round trip on {label}: {len(before)} tables, {sum(before.values())} "
        f"rows, {media} files, {before['core_auditevent']} audit events, archive "
        f"{archive.stat().st_size / 1024:.0f} KiB; backup {backed_up - prepared:.1f} s, restore "
        f"{restored - backed_up:.1f} s, whole round trip (migrate and data included) "
        f"{time.monotonic() - started:.1f} s"
    )
    if problems:
        print(*(f"  FAILED: {p}" for p in problems), sep="\n", file=sys.stderr)
        return False
    print(
        f"  row counts identical in {len(before)} tables (audit log: + the restore's own event), "
        f"{media} files and the keys identical, audit-verify intact, {active_before} active API "
        "tokens revoked"
    )
    return True


def postgresql_round_trip(server: str, scratch: Path) -> bool:
    import psycopg

    base = server.replace("postgres://", "postgresql://", 1).rsplit("/", 1)[0]
    names = [f"kuangan_roundtrip_{os.getpid()}_{side}" for side in ("source", "restored")]
    try:
        admin = psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("KUANGAN_REQUIRE_POSTGRES") == "1":
            print(f"PostgreSQL is not reachable at {server}: {exc}", file=sys.stderr)
            return False
        print(f"Skipping the PostgreSQL round trip: {server} is not reachable.")
        return True
    with admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            return round_trip("PostgreSQL", scratch, *(f"{base}/{name}" for name in names))
        finally:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    if sys.argv[1:] == ["seed"]:
        seed()
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--postgresql", metavar="URL")
    options = parser.parse_args()
    ok = True
    scratch = Path(tempfile.mkdtemp(prefix="kuangan-roundtrip-"))
    try:
        if options.sqlite or not options.postgresql:
            (scratch / "sqlite").mkdir()
            ok &= round_trip("SQLite", scratch / "sqlite", None, None)
        if options.postgresql:
            (scratch / "postgresql").mkdir()
            ok &= postgresql_round_trip(options.postgresql, scratch / "postgresql")
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        ok = False
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
