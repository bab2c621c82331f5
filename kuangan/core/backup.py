"""Backup and restore of a whole installation: the database, the uploaded files, the keys and the
audit anchor, in one archive with a manifest of hashes.

The archive (``kuangan backup FILE``, mode 0600) is a gzipped tar:

- ``manifest.json``: format, time, database vendor, applied migrations, the audit hash
  algorithm and the chain's head, the row count of every table, and the SHA-256 and size of
  every other entry;
- ``database/kuangan.sqlite3`` (SQLite's online backup API: a consistent copy of the live
  database) or ``database/kuangan.pgdump`` (``pg_dump -Fc`` inside an exported snapshot, so the
  row counts of the manifest are those of the dump). Sessions are left out: they are
  credentials, and a restored system starts with none;
- ``data/secret_key``, ``data/audit_key``, ``data/audit-anchor.log`` when they are files of the
  data folder (a key given in the environment is not copied; ``--no-keys`` leaves the two keys
  out, to be kept apart: whoever holds the audit key can forge the chain);
- ``files/…``: every file under ``MEDIA_ROOT``.

``kuangan restore FILE`` checks everything before it changes anything: every entry against the
manifest (a changed byte, a missing or an extra entry, an unsafe name: refused), the vendor and
the hash algorithm, the migrations (a backup of a newer version: refused), and that the database
and the data folder are empty (unless ``--force``). It then replaces the database (SQLite: the
backup API into the database file; PostgreSQL: ``pg_restore --clean --if-exists --no-owner
--single-transaction``), the files, the keys and the anchor; checks the row counts and the
audit chain (``verify_chain``: a broken chain is an error); and finally revokes every API token
and ends every session, so that a token revoked after the backup cannot come back, and records
the restore in the audit log.

The archive's own SHA-256 is printed by the backup; give it to ``restore --sha256`` to prove the
archive is the one made then (the manifest protects against damage, not against someone who
rewrites the archive and its manifest together).
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .choices import AuditAction
from .models import ApiToken

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_DUMP = "database/kuangan.sqlite3"
POSTGRES_DUMP = "database/kuangan.pgdump"
DATA_FILES = ("secret_key", "audit_key", "audit-anchor.log")
KEY_FILES = ("secret_key", "audit_key")
SESSION_TABLE = "django_session"
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or a restore refused or failed; the message says why and what was changed."""


@dataclass
class BackupReport:
    path: Path
    sha256: str
    size: int
    vendor: str
    tables: int
    rows: int
    files: int
    seconds: float


@dataclass
class RestoreReport:
    vendor: str
    tables: int
    rows: int
    files: int
    audit_events: int
    tokens_revoked: int
    sessions_ended: int
    seconds: float
    pending_migrations: list[str] = field(default_factory=list)


# --- Where things are ------------------------------------------------------------------------


def data_dir() -> Path:
    return Path(settings.DATA_DIR)


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def data_file(name: str) -> Path:
    """The path of one of ``DATA_FILES`` (the audit key and anchor as settings place them)."""
    configured = {
        "audit_key": getattr(settings, "AUDIT_KEY_FILE", None),
        "audit-anchor.log": getattr(settings, "AUDIT_ANCHOR_FILE", None),
    }.get(name)
    return Path(configured) if configured else data_dir() / name


def vendor() -> str:
    return str(connection.vendor)


def pg_program(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: from ``KUANGAN_PG_BIN``, the PATH, or the newest
    ``/usr/lib/postgresql/*/bin`` (Debian's layout)."""
    folder = settings.PG_BIN or ""
    if folder:
        return str(Path(folder) / name)
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if candidates:
        return candidates[-1]
    raise BackupError(
        _("The PostgreSQL program %(name)s was not found; set KUANGAN_PG_BIN to its folder.")
        % {"name": name}
    )


def pg_environment() -> dict[str, str]:
    """The libpq environment of the configured database: the password travels in PGPASSWORD,
    never on a command line."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        value = db.get(key)
        if value not in (None, ""):
            env[var] = str(value)
    options = db.get("OPTIONS") or {}
    for key, var in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        if options.get(key):
            env[var] = str(options[key])
    return env


def _run(args: list[str], what: str) -> None:
    # pg_dump and pg_restore with lists of arguments, no shell.
    result = subprocess.run(  # noqa: S603  # nosec B603
        args, env=pg_environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(
            _("%(program)s failed: %(error)s")
            % {"program": what, "error": (result.stderr or result.stdout).strip()[-2000:]}
        )


# --- Reading the database ----------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_names() -> list[str]:
    return sorted(connection.introspection.table_names())


def row_counts(cursor: Any, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        # A table name of the introspection, quoted.
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608  # nosec B608
        counts[table] = int(cursor.fetchone()[0])
    return counts


def current_row_counts() -> dict[str, int]:
    """Rows of every table of the configured database."""
    with connection.cursor() as cursor:
        return row_counts(cursor, table_names())


def _applied_migrations(cursor: Any, tables: list[str]) -> list[str]:
    if "django_migrations" not in tables:
        return []
    cursor.execute("SELECT app, name FROM django_migrations")
    return sorted(f"{app}.{name}" for app, name in cursor.fetchall())


def _chain_head(cursor: Any, tables: list[str]) -> dict[str, Any]:
    """The audit chain's head: events, last id, last hash (what an anchor holds)."""
    if "core_auditevent" not in tables:
        return {"events": 0, "last_id": None, "last_hash": ""}
    cursor.execute(
        "SELECT COUNT(*), MAX(id), (SELECT hash FROM core_auditevent ORDER BY id DESC LIMIT 1) "
        "FROM core_auditevent"
    )
    count, last_id, last_hash = cursor.fetchone()
    return {"events": int(count), "last_id": last_id, "last_hash": last_hash or ""}


def known_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


# --- Hashes and files ------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def media_files() -> dict[str, Path]:
    """Every regular file under MEDIA_ROOT, by its name in the archive (``files/…``)."""
    root = media_root()
    found: dict[str, Path] = {}
    if not root.is_dir():
        return found
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found[f"files/{path.relative_to(root).as_posix()}"] = path
    return found


def _safe_name(name: str) -> bool:
    pure = PurePosixPath(name)
    return (
        bool(name)
        and not pure.is_absolute()
        and ".." not in pure.parts
        and "\\" not in name
        and str(pure) == name
        and pure.parts[0] in {"manifest.json", "database", "data", "files"}
    )


# --- Backup ----------------------------------------------------------------------------------


def _describe_sqlite(path: Path) -> tuple[dict[str, int], list[str], dict[str, Any]]:
    """Row counts, applied migrations and audit head of a SQLite database file."""
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        cursor = db.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = sorted(r[0] for r in cursor.fetchall() if not r[0].startswith("sqlite_"))
        return (
            row_counts(cursor, tables),
            _applied_migrations(cursor, tables),
            _chain_head(cursor, tables),
        )
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            _("The database of the archive cannot be read: %(error)s") % {"error": exc}
        ) from exc
    finally:
        db.close()


def _dump_sqlite(target: Path) -> tuple[dict[str, int], list[str], dict[str, Any]]:
    """An online, consistent copy of the live SQLite database into ``target``, without
    sessions; its row counts, migrations and audit head."""
    connection.ensure_connection()
    source = connection.connection
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        copy.execute("PRAGMA secure_delete=ON")  # the sessions' bytes overwritten, not freed
        copy.execute(f"DELETE FROM {SESSION_TABLE}")  # noqa: S608  # nosec B608
        copy.commit()
    finally:
        copy.close()
    return _describe_sqlite(target)


def _dump_postgresql(target: Path) -> tuple[dict[str, int], list[str], dict[str, Any]]:
    """``pg_dump -Fc`` in a snapshot exported by a repeatable-read transaction, which also
    counts the rows: the manifest describes exactly the dump."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        tables = table_names()
        counts = row_counts(cursor, tables)
        if SESSION_TABLE in counts:
            counts[SESSION_TABLE] = 0  # left out of the dump
        migrations = _applied_migrations(cursor, tables)
        head = _chain_head(cursor, tables)
        _run(
            [
                pg_program("pg_dump"),
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--exclude-table-data={SESSION_TABLE}",
                f"--file={target}",
            ],
            "pg_dump",
        )
    return counts, migrations, head


class _Hashing(io.RawIOBase):
    """A file read into the archive, hashed as it is read: the manifest holds what was
    archived, even of a file that changes meanwhile."""

    def __init__(self, f: IO[bytes]):
        self.f = f
        self.hash = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self.f.read(size)
        self.hash.update(chunk)
        self.size += len(chunk)
        return chunk


def _add(tar: tarfile.TarFile, name: str, data: IO[bytes], size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(time.time())
    tar.addfile(info, data)


def _write_archive(partial: Path, entries: dict[str, Path], manifest: dict[str, Any]) -> None:
    """The entries, then the manifest with their hashes, into ``partial`` (0600, synced)."""
    listed: dict[str, dict[str, Any]] = {}
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw:
        with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            for name, source in sorted(entries.items()):
                with source.open("rb") as f:
                    reader = _Hashing(f)
                    _add(tar, name, cast(IO[bytes], reader), source.stat().st_size)
                    listed[name] = {"sha256": reader.hash.hexdigest(), "size": reader.size}
            manifest["entries"] = listed
            body = json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")
            _add(tar, MANIFEST, io.BytesIO(body), len(body))
        raw.flush()
        os.fsync(raw.fileno())


def create_backup(path: Path, *, force: bool = False, keys: bool = True) -> BackupReport:
    """Write the archive ``path`` (0600). Refuses to overwrite a file unless ``force``. Without
    ``keys``, the secret and audit keys stay out (kept apart, they must be in place, or in the
    environment, for the restore)."""
    started = time.monotonic()
    path = path.resolve()
    if path.exists() and not force:
        raise BackupError(
            _("%(path)s exists already; choose another name or use --force.") % {"path": path}
        )
    if path.is_relative_to(media_root()):
        raise BackupError(_("The backup cannot be written inside the uploaded files folder."))
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".kuangan-backup-") as scratch:
        stage = Path(scratch)
        entries: dict[str, Path] = {}
        # The keys and the anchor first, the database next: every anchored event is then in the
        # dump, whatever is written meanwhile.
        for name in DATA_FILES:
            source = data_file(name)
            if source.is_file() and (keys or name not in KEY_FILES):
                copy = stage / "data" / name
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, copy)
                entries[f"data/{name}"] = copy
        db_vendor = vendor()
        (stage / "database").mkdir()
        if db_vendor == "sqlite":
            dump_name = SQLITE_DUMP
            counts, migrations, head = _dump_sqlite(stage / dump_name)
        elif db_vendor == "postgresql":
            dump_name = POSTGRES_DUMP
            counts, migrations, head = _dump_postgresql(stage / dump_name)
        else:
            raise BackupError(_("Backups support SQLite and PostgreSQL only."))
        entries[dump_name] = stage / dump_name
        # Files after the database: a file of every row in the dump is there.
        files = media_files()
        entries.update(files)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(timespec="seconds"),
            "vendor": db_vendor,
            "audit_hash_algorithm": audit.hash_algorithm(),
            "audit": head,
            "migrations": migrations,
            "rows": counts,
        }
        partial = stage / "archive.tar.gz"
        _write_archive(partial, entries, manifest)
        os.replace(partial, path)
    path.chmod(0o600)
    digest = sha256_file(path)
    rows = sum(counts.values())
    audit.record(
        actor=None,
        action=AuditAction.EXPORTED,
        object_repr=_("Backup %(name)s") % {"name": path.name},
        changes=audit.added(
            {"backup": path.name, "sha256": digest, "rows": rows, "files": len(files)}
        ),
    )
    return BackupReport(
        path=path,
        sha256=digest,
        size=path.stat().st_size,
        vendor=db_vendor,
        tables=len(counts),
        rows=rows,
        files=len(files),
        seconds=time.monotonic() - started,
    )


# --- Restore ---------------------------------------------------------------------------------


def _members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    seen: set[str] = set()
    for member in tar:
        if not member.isfile() or not _safe_name(member.name) or member.name in seen:
            raise BackupError(
                _("The archive holds an entry that a backup never has: %(name)s.")
                % {"name": member.name}
            )
        seen.add(member.name)
        yield member


def _unpack(archive: Path, stage: Path) -> dict[str, Any]:
    """Unpack ``archive`` into ``stage``, checking every entry against the manifest."""
    actual: dict[str, dict[str, Any]] = {}
    manifest: dict[str, Any] | None = None
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            for member in _members(tar):
                source = tar.extractfile(member)
                if source is None:  # pragma: no cover: isfile() was checked
                    continue
                if member.name == MANIFEST:
                    manifest = json.loads(source.read(10 * 1024 * 1024).decode("utf-8"))
                    continue
                target = stage / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                h = hashlib.sha256()
                size = 0
                with target.open("xb") as out:
                    while chunk := source.read(_CHUNK):
                        h.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                target.chmod(0o600)
                actual[member.name] = {"sha256": h.hexdigest(), "size": size}
            # tarfile ends quietly at a damaged header: read the compressed stream to its end,
            # where gzip checks its CRC.
            stream = tar.fileobj
            while stream is not None and stream.read(_CHUNK):
                pass
    except (tarfile.TarError, OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise BackupError(
            _("The archive is damaged or is not a backup: %(error)s.") % {"error": exc}
        ) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(_("The manifest of the archive cannot be read.")) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            _("The archive is damaged or is not a backup: it has no manifest of a known format.")
        )
    expected = manifest.get("entries") or {}
    problems = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual:
            problems.append(_("%(name)s is missing") % {"name": name})
        elif name not in expected:
            problems.append(_("%(name)s is not in the manifest") % {"name": name})
        elif actual[name] != expected[name]:
            problems.append(_("%(name)s does not match its hash") % {"name": name})
    dump = {"sqlite": SQLITE_DUMP, "postgresql": POSTGRES_DUMP}.get(manifest.get("vendor", ""))
    if dump is None or dump not in expected:
        problems.append(_("the database dump is missing"))
    if problems:
        raise BackupError(
            _("The archive does not match its manifest: %(problems)s.")
            % {"problems": "; ".join(problems)}
        )
    return manifest


def _check_sqlite_dump(dump: Path, manifest: dict[str, Any]) -> None:
    """The SQLite dump holds what the manifest says (rows, migrations, audit head): checked
    before anything is replaced. (A PostgreSQL dump is checked after pg_restore.)"""
    counts, migrations, head = _describe_sqlite(dump)
    if (counts, migrations, head) != (
        manifest.get("rows"),
        manifest.get("migrations"),
        manifest.get("audit"),
    ):
        raise BackupError(_("The database of the archive does not hold what its manifest lists."))


def _check_target(manifest: dict[str, Any], *, force: bool) -> list[str]:
    """Refusals that depend on this installation; the migrations still to apply."""
    if manifest["vendor"] != vendor():
        raise BackupError(
            _("The backup is of a %(backup)s database and this installation uses %(here)s.")
            % {"backup": manifest["vendor"], "here": vendor()}
        )
    if manifest.get("audit_hash_algorithm") != audit.hash_algorithm():
        raise BackupError(
            _(
                "The backup's audit chain uses %(backup)s and this installation %(here)s "
                "(KUANGAN_AUDIT_HASH_ALGORITHM)."
            )
            % {"backup": manifest.get("audit_hash_algorithm"), "here": audit.hash_algorithm()}
        )
    known = known_migrations()
    backup_migrations = set(manifest.get("migrations") or [])
    unknown = sorted(backup_migrations - known)
    if unknown:
        raise BackupError(
            _(
                "The backup was made by a newer version (migrations %(names)s are unknown "
                "here): upgrade first."
            )
            % {"names": ", ".join(unknown[:5])}
        )
    if not force:
        occupied = []
        if table_names():
            occupied.append(_("the database has tables"))
        if media_files():
            occupied.append(_("the uploaded files folder is not empty"))
        anchor = data_file("audit-anchor.log")
        if anchor.is_file() and anchor.stat().st_size:
            occupied.append(_("the audit anchor file exists"))
        if occupied:
            raise BackupError(
                _(
                    "This installation is not empty (%(what)s): restore into an empty "
                    "database and data folder, or use --force to replace everything."
                )
                % {"what": "; ".join(occupied)}
            )
    return sorted(known - backup_migrations)


def _restore_sqlite(dump: Path) -> None:
    """The dump into the database file through SQLite's backup API: one step, under the
    database's locks (a failure leaves the database as it was)."""
    name = Path(settings.DATABASES["default"]["NAME"])
    connection.close()
    source = sqlite3.connect(dump)
    target = sqlite3.connect(name, timeout=60)
    try:
        source.backup(target)
    except sqlite3.Error as exc:
        raise BackupError(
            _("The database could not be replaced: %(error)s.") % {"error": exc}
        ) from exc
    finally:
        target.close()
        source.close()


def _restore_postgresql(dump: Path) -> None:
    connection.close()
    _run(
        [
            pg_program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            str(dump),
        ],
        "pg_restore",
    )


def _place(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    target.chmod(0o600)


def _restore_files(stage: Path, manifest: dict[str, Any]) -> int:
    """The keys, the anchor and the uploaded files of the backup into the data folder. A key
    the backup does not hold (it was given in the environment) is left as it is; an anchor of
    the replaced installation is removed (it anchors another chain)."""
    entries = manifest["entries"]
    for name in DATA_FILES:
        target = data_file(name)
        if f"data/{name}" in entries:
            _place(stage / "data" / name, target)
        elif name == "audit-anchor.log":
            target.unlink(missing_ok=True)
    forget_audit_key()
    root = media_root()
    fresh = stage / "files"
    fresh.mkdir(exist_ok=True)
    replaced = None
    if root.exists():
        replaced = root.with_name(f".{root.name}-replaced-{os.getpid()}")
        os.replace(root, replaced)
    root.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(fresh, root)
    if replaced is not None:
        shutil.rmtree(replaced)
    return sum(1 for name in entries if name.startswith("files/"))


def forget_audit_key() -> None:
    """core.audit reads its key once per process: forget it, the restored one is now in
    place."""
    cached = getattr(audit, "_keys", None)
    if isinstance(cached, dict):
        cached.clear()


def _end_credentials(manifest: dict[str, Any], archive: Path) -> tuple[int, int]:
    """Revoke every API token, end every session and record the restore."""
    now = timezone.now()
    with transaction.atomic():
        revoked = ApiToken.objects.filter(revoked_at__isnull=True).update(revoked_at=now)
        sessions, _deleted = Session.objects.all().delete()
        audit.record(
            actor=None,
            action=AuditAction.IMPORTED,
            object_repr=_("Backup %(name)s restored") % {"name": archive.name},
            changes=audit.added(
                {
                    "backup": archive.name,
                    "backup_created_at": manifest.get("created_at"),
                    "tokens_revoked": revoked,
                    "sessions_ended": sessions,
                }
            ),
        )
    return revoked, sessions


def restore_backup(
    archive: Path, *, force: bool = False, expected_sha256: str | None = None
) -> RestoreReport:
    """Restore ``archive`` into the configured database and data folder (see the module)."""
    started = time.monotonic()
    data_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=data_dir(), prefix=".kuangan-restore-") as scratch:
        stage = Path(scratch)
        try:
            if expected_sha256 and sha256_file(archive) != expected_sha256.strip().lower():
                raise BackupError(_("The archive's SHA-256 is not the one given."))
            manifest = _unpack(archive, stage)
            if manifest["vendor"] == "sqlite":
                _check_sqlite_dump(stage / SQLITE_DUMP, manifest)
            pending = _check_target(manifest, force=force)
            # Nothing was changed up to here; the database is replaced in one step (SQLite's
            # backup API; pg_restore --single-transaction), which changes nothing if it fails.
            if manifest["vendor"] == "sqlite":
                _restore_sqlite(stage / SQLITE_DUMP)
            else:
                _restore_postgresql(stage / POSTGRES_DUMP)
        except BackupError as exc:
            nothing = _("Nothing was restored.")
            raise BackupError(f"{exc} {nothing}") from exc
        files = _restore_files(stage, manifest)
    counts = current_row_counts()
    differing = sorted(
        table for table, rows in manifest["rows"].items() if counts.get(table) != rows
    )
    if differing:
        raise BackupError(
            _("The backup was restored, but the database does not have its rows (%(tables)s).")
            % {"tables": ", ".join(differing[:10])}
        )
    report = audit.verify_chain()
    head = manifest.get("audit") or {}
    if not report.ok:
        raise BackupError(
            _(
                "The backup was restored, but its audit chain is BROKEN at event #%(id)s "
                "(%(reason)s: %(detail)s). Do not use this installation; investigate the backup."
            )
            % {"id": report.broken_at, "reason": report.reason, "detail": report.detail}
        )
    if report.checked != head.get("events"):
        raise BackupError(
            _(
                "The backup was restored, but its audit log has %(found)s events; the backup "
                "recorded %(expected)s."
            )
            % {"found": report.checked, "expected": head.get("events")}
        )
    revoked, sessions = _end_credentials(manifest, archive)
    return RestoreReport(
        vendor=manifest["vendor"],
        tables=len(counts),
        rows=sum(manifest["rows"].values()),
        files=files,
        audit_events=report.checked,
        tokens_revoked=revoked,
        sessions_ended=sessions,
        seconds=time.monotonic() - started,
        pending_migrations=pending,
    )
