"""`kuangan backup` and `kuangan restore`, run as commands in their own data folders (SQLite).
The PostgreSQL round trip is scripts/backup_roundtrip.py, run by scripts/test.sh as the
database owner."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings

from kuangan.core.backup import BackupError, create_backup, restore_backup
from kuangan.core.tests.browser import child_env

REPO = Path(__file__).resolve().parents[3]
KUANGAN = [sys.executable, "-m", "kuangan"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
        reason="runs on SQLite in its own folders; PostgreSQL: scripts/backup_roundtrip.py",
    ),
]


def env_for(data_dir: Path) -> dict[str, str]:
    env = child_env(drop=("KUANGAN_DATABASE_URL", "KUANGAN_SECRET_KEY", "KUANGAN_AUDIT_KEY"))
    env.update(KUANGAN_DATA_DIR=str(data_dir), KUANGAN_LANGUAGE="en", KUANGAN_LOG_LEVEL="ERROR")
    return env


def kuangan(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KUANGAN, *args],
        env=env_for(data_dir),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def rows(data_dir: Path) -> dict[str, int]:
    db = sqlite3.connect(data_dir / "kuangan.sqlite3")
    try:
        names = [
            r[0]
            for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("sqlite_")
        ]
        return {n: db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}  # noqa: S608
    finally:
        db.close()


def query(data_dir: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(data_dir / "kuangan.sqlite3")
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def contents(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with its SHA-256."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def uploaded_and_keys(data_dir: Path) -> dict[str, str]:
    found = contents(data_dir / "files")
    for name in ("secret_key", "audit_key", "audit-anchor.log"):
        found[name] = hashlib.sha256((data_dir / name).read_bytes()).hexdigest()
    return found


def empty_data_dir(path: Path) -> Path:
    """A new data folder, as settings leave it at the first start (its secret key only)."""
    path.mkdir()
    (path / "secret_key").write_text("a-fresh-installation-key-" + "x" * 40)
    return path


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """An installation with administrators, API tokens, files, audit events and an anchor, one
    session, and its backup. Returns (folder, archive, rows before the backup, files)."""
    folder = tmp_path_factory.mktemp("source")
    ok(kuangan(folder, "migrate", "--verbosity", "0"))
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts/backup_roundtrip.py"), "seed"],
        env=env_for(folder),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    ok(result)
    db = sqlite3.connect(folder / "kuangan.sqlite3")
    db.execute(
        "INSERT INTO django_session (session_key, session_data, expire_date) "
        "VALUES ('secretsessionkey0123456789abcdef', 'SESSION-DATA-MARKER', '2999-01-01')"
    )
    db.commit()
    db.close()
    before = rows(folder)
    files = uploaded_and_keys(folder)
    archive = tmp_path_factory.mktemp("backups") / "kuangan.tar.gz"
    out = ok(kuangan(folder, "backup", str(archive)))
    digest = next(line.split()[1] for line in out.splitlines() if line.startswith("SHA-256"))
    return folder, archive, digest, before, files


@pytest.fixture(scope="module")
def restored(source, tmp_path_factory):
    _folder, archive, digest, _before, _files = source
    target = empty_data_dir(tmp_path_factory.mktemp("restored") / "data")
    out = ok(kuangan(target, "restore", str(archive), "--sha256", digest))
    return target, out


def test_backup_archive_is_private_and_lists_every_entry(source):
    _folder, archive, digest, before, files = source
    assert archive.stat().st_mode & 0o777 == 0o600
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == digest
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert sorted(names) == sorted([*manifest["entries"], "manifest.json"])
    assert {"database/kuangan.sqlite3", "data/audit_key", "data/audit-anchor.log"} <= set(names)
    assert {f"files/{n}" for n in files if n.startswith("attachments/")} <= set(names)
    assert manifest["vendor"] == "sqlite"
    assert manifest["rows"] == dict(before, django_session=0)
    assert manifest["audit"]["events"] == before["core_auditevent"]
    assert "core.0001_initial" in manifest["migrations"]


def test_backup_leaves_sessions_out(source, tmp_path):
    _folder, archive, *_ = source
    with tarfile.open(archive) as tar:
        dump = tar.extractfile("database/kuangan.sqlite3").read()
    assert b"secretsessionkey0123456789abcdef" not in dump
    assert b"SESSION-DATA-MARKER" not in dump


def test_backup_refuses_to_overwrite_a_file(source):
    _folder, archive, digest, *_ = source
    with pytest.raises(BackupError, match="exists already"):
        create_backup(archive)  # refused before the database is touched (no db fixture)
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == digest


def test_restore_into_an_empty_folder_gives_the_same_rows_files_and_an_intact_chain(
    source, restored
):
    _folder, _archive, _digest, before, files = source
    target, out = restored
    assert "Backup restored" in out
    after = rows(target)
    # Sessions are not backed up; the audit log holds one more event: the restore's own.
    expected = dict(before, django_session=0, core_auditevent=before["core_auditevent"] + 1)
    assert after == expected
    assert uploaded_and_keys(target) == files
    verify = ok(kuangan(target, "audit-verify"))
    assert "intact" in verify
    [(action, repr_)] = query(
        target, "SELECT action, object_repr FROM core_auditevent ORDER BY id DESC LIMIT 1"
    )
    assert action == "data.imported" and "kuangan.tar.gz" in repr_
    assert not list(target.glob(".kuangan-restore-*"))


def test_a_token_active_in_the_backup_is_revoked_after_a_restore(source, restored):
    source_folder, *_ = source
    target, _out = restored
    active = "SELECT COUNT(*) FROM core_apitoken WHERE revoked_at IS NULL"
    # Tokens active when the backup was made, which may have been revoked since: after a
    # restore, none can be used again.
    [(active_in_source,)] = query(source_folder, active)
    assert active_in_source == 2
    [(active_after,)] = query(target, active)
    assert active_after == 0
    [(tokens,)] = query(target, "SELECT COUNT(*) FROM core_apitoken")
    assert tokens == 3


def repack(archive: Path, target: Path, change) -> Path:
    """A copy of ``archive`` with ``change(members)`` applied to {name: bytes}."""
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    change(members)
    with tarfile.open(target, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def flip_byte(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _dump_byte(members):
    members["database/kuangan.sqlite3"] = flip_byte(members["database/kuangan.sqlite3"], 5000)


def _file_byte(members):
    name = next(n for n in members if n.startswith("files/"))
    members[name] = flip_byte(members[name], 40)


def _manifest_hash(members):
    manifest = json.loads(members["manifest.json"])
    entry = manifest["entries"]["data/audit_key"]
    entry["sha256"] = "0" * 64
    members["manifest.json"] = json.dumps(manifest).encode()


def _manifest_rows(members):
    manifest = json.loads(members["manifest.json"])
    manifest["rows"]["core_apitoken"] -= 1
    members["manifest.json"] = json.dumps(manifest).encode()


def _missing_entry(members):
    del members["data/audit-anchor.log"]


def _extra_entry(members):
    members["files/attachments/planted.png"] = b"\x89PNG planted"


def _unsafe_name(members):
    members["files/../../escaped"] = b"outside"


@pytest.fixture
def empty_installation(tmp_path, settings):
    """This process's data folder moved to an empty one; no database access is allowed (the
    tests have no ``db`` fixture): a refusal must come before the database is touched."""
    folder = empty_data_dir(tmp_path / "data")
    settings.DATA_DIR = folder
    settings.MEDIA_ROOT = folder / "files"
    settings.AUDIT_KEY_FILE = folder / "audit_key"
    settings.AUDIT_ANCHOR_FILE = folder / "audit-anchor.log"
    return folder


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (_dump_byte, "database/kuangan.sqlite3 does not match its hash"),
        (_file_byte, "files/attachments/.* does not match its hash"),
        (_manifest_hash, "data/audit_key does not match its hash"),
        (_manifest_rows, "does not hold what its manifest lists"),
        (_missing_entry, "data/audit-anchor.log is missing"),
        (_extra_entry, "files/attachments/planted.png is not in the manifest"),
        (_unsafe_name, "an entry that a backup never has: files/../../escaped"),
    ],
)
def test_restore_refuses_an_altered_archive_and_changes_nothing(
    source, tmp_path, empty_installation, tamper, reason
):
    _folder, archive, *_ = source
    altered = repack(archive, tmp_path / "altered.tar.gz", tamper)
    before = contents(empty_installation)
    with pytest.raises(BackupError, match=reason) as refused:
        restore_backup(altered)
    assert str(refused.value).endswith("Nothing was restored.")
    assert contents(empty_installation) == before
    assert not (tmp_path / "escaped").exists()


def test_restore_refuses_a_damaged_archive_or_another_sha256(source, tmp_path, empty_installation):
    _folder, archive, digest, *_ = source
    before = contents(empty_installation)
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(flip_byte(archive.read_bytes(), archive.stat().st_size // 2))
    with pytest.raises(BackupError, match="damaged|does not match"):
        restore_backup(damaged)
    with pytest.raises(BackupError, match="SHA-256"):
        restore_backup(archive, expected_sha256="f" * 64)
    assert contents(empty_installation) == before


def test_restore_refuses_an_installation_in_use_unless_forced(source, restored, tmp_path):
    _folder, archive, _digest, before, files = source
    target = tmp_path / "data"
    shutil.copytree(restored[0], target)
    (target / "files" / "attachments" / "later.png").write_bytes(b"a file added since")
    snapshot = contents(target)
    refused = kuangan(target, "restore", str(archive))
    assert refused.returncode != 0
    assert "not empty" in refused.stderr
    assert contents(target) == snapshot

    ok(kuangan(target, "restore", str(archive), "--force"))
    assert uploaded_and_keys(target) == files  # the file added since is gone
    assert rows(target)["core_auditevent"] == before["core_auditevent"] + 1
    assert "intact" in ok(kuangan(target, "audit-verify"))


def test_a_backup_without_keys_restores_only_with_the_keys_kept_apart(source, tmp_path):
    folder, _archive, _digest, before, _files = source
    archive = tmp_path / "no-keys.tar.gz"
    ok(kuangan(folder, "backup", "--no-keys", str(archive)))
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert "data/audit_key" not in names and "data/secret_key" not in names

    with_keys = empty_data_dir(tmp_path / "with-keys")
    shutil.copy(folder / "audit_key", with_keys / "audit_key")
    ok(kuangan(with_keys, "restore", str(archive)))
    assert "intact" in ok(kuangan(with_keys, "audit-verify"))

    without = empty_data_dir(tmp_path / "without-keys")
    result = kuangan(without, "restore", str(archive))
    assert result.returncode != 0
    assert "BROKEN" in result.stderr
