"""The audit log's one writer and its verifier.

Chain. Every event is chained to the previous one under a key kept outside the database:
``hash = HMAC(key, prev_hash || "|" || canonical JSON(event))``, HMAC-SHA256, or HMAC-SM3 with
``AUDIT_HASH_ALGORITHM=sm3``. Someone with the database but without the key can neither write
an event that verifies nor rewrite one and recompute the hashes after it. The key is
``KUANGAN_AUDIT_KEY``, or else the file ``DATA_DIR/audit_key``, generated on first use (mode
0600). Keep it out of the database's reach (and out of its dumps): losing it makes the chain
unverifiable, and whoever holds it can forge. Services call ``record()`` inside their
transaction; the request middleware supplies address, user agent and request id.

Anchor. A rewritten chain cannot verify, but the newest events could still be deleted (with the
triggers dropped) leaving a shorter chain that does. So the chain's head is anchored outside the
database: ``anchor()`` appends a line to ``DATA_DIR/audit-anchor.log`` (``AUDIT_ANCHOR_FILE``;
opened with ``O_APPEND``, the operator makes the file append-only, ``chattr +a``)::

    v1 <TAB> time (UTC) <TAB> events <TAB> last id <TAB> last hash <TAB> HMAC(key, "anchor|" + the rest)

``kuangan audit-anchor`` writes one (run it from a timer: it is the heartbeat that
``audit-verify --anchor-max-age`` checks), and ``record()`` writes one after the commit when
the file is older than ``AUDIT_ANCHOR_MINUTES`` (0: after every commit; negative: never, the
default under tests). ``verify_chain()`` checks, besides every hash and link, that each signed
anchor's event is still in the chain with that hash and that the number of events up to it is
the anchored one; a line whose HMAC fails (forged, damaged, cut) is reported. What cannot be
detected: events newer than the newest anchor (at most ``AUDIT_ANCHOR_MINUTES`` old), unless
whole lines are cut from the file too — the heartbeat and ``--anchor-max-age`` catch that.

Out-of-scope lookups. An object outside a user's scope answers 404, the same as a missing one;
``record_out_of_scope()`` audits such a lookup (``AuditAction.SCOPE_DENIED``) when the object
does exist, once per user and object per ``AUDIT_SCOPE_DENIED_MINUTES`` (Django's cache; the
default local-memory cache counts per process).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import os
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from .choices import AuditAction
from .crypto import mac
from .models import AuditEvent, Region, User

logger = logging.getLogger(__name__)

_request_meta: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "kuangan_request_meta", default=None
)


def set_request_meta(
    *, ip: str | None, user_agent: str, request_id: str
) -> contextvars.Token[dict | None]:
    return _request_meta.set({"ip": ip, "user_agent": user_agent[:300], "request_id": request_id})


def reset_request_meta(token: contextvars.Token[dict | None]) -> None:
    _request_meta.reset(token)


def current_request_meta() -> dict:
    return _request_meta.get() or {"ip": None, "user_agent": "", "request_id": ""}


def plain(value: Any) -> Any:
    """A JSON-plain form of a model field value."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time | Decimal):
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "url"):  # FieldFile
        return value.name or ""
    return value


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict:
    """Field values of ``obj`` (concrete fields, FKs as ids) for ``diff``."""
    names = fields or [
        f.attname
        for f in obj._meta.concrete_fields
        if f.attname not in {"password", "version", "updated_at", "created_at"}
    ]
    return {name: plain(getattr(obj, name)) for name in names}


def diff(before: dict | None, after: dict | None) -> dict:
    """``{"field": [old, new]}`` for every field that changed."""
    before = before or {}
    after = after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def added(values: dict) -> dict:
    """``{"field": [None, value]}``: the changes of values set for the first time (a new
    record's own figures, a link made), as ``diff`` writes them."""
    return {k: [None, v] for k, v in values.items()}


def _canonical(fields: dict) -> bytes:
    return json.dumps(
        fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder
    ).encode("utf-8")


def _event_fields(event: AuditEvent) -> dict:
    return {
        "timestamp": event.timestamp.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_repr": event.actor_repr,
        "action": event.action,
        "success": bool(event.success),
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "region": event.region_id,
        "changes": event.changes,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "request_id": event.request_id,
    }


# --- The key ------------------------------------------------------------------------------

_keys: dict[tuple[Path, int], bytes] = {}


def _create_key_file(path: Path) -> None:
    """Write a new random key to ``path`` (0600), atomically: written aside, then linked into
    place, so that two processes starting together end up with the same key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(aside, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
    finally:
        aside.unlink(missing_ok=True)


def audit_key() -> bytes:
    """The chain's key: ``KUANGAN_AUDIT_KEY``, or the ``AUDIT_KEY_FILE`` (generated on first
    use). Read again only when the file changed (a restore puts the backup's key in place)."""
    if settings.AUDIT_KEY:
        if len(str(settings.AUDIT_KEY)) < 32:
            raise ImproperlyConfigured(
                "KUANGAN_AUDIT_KEY is too short: give 32 characters or more."
            )
        return str(settings.AUDIT_KEY).encode("utf-8")
    path = Path(settings.AUDIT_KEY_FILE)
    if not path.exists():
        _create_key_file(path)
    version = (path, path.stat().st_mtime_ns)
    key = _keys.get(version)
    if key is None:
        key = path.read_text(encoding="ascii").strip().encode("ascii")
        if len(key) < 32:
            raise ImproperlyConfigured(f"The audit key in {path} is too short (or empty).")
        _keys.clear()
        _keys[version] = key
    return key


# --- The chain ----------------------------------------------------------------------------


def compute_hash(event: AuditEvent, prev_hash: str, key: bytes | None = None) -> str:
    return mac(
        key if key is not None else audit_key(),
        prev_hash.encode("ascii") + b"|" + _canonical(_event_fields(event)),
    )


def _lock_chain() -> None:
    """Serialise writers of the chain. SQLite runs write transactions one at a time already
    (IMMEDIATE mode); PostgreSQL takes a transaction-scoped advisory lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x4B55414E])


def record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    changes: dict | None = None,
    success: bool = True,
    region: Region | None = None,
    object_repr: str | None = None,
    actor_repr: str | None = None,
) -> AuditEvent:
    """Append one audit event. The only writer of ``AuditEvent``."""
    meta = current_request_meta()
    if region is None and obj is not None and hasattr(obj, "audit_region"):
        region = obj.audit_region()
    user = actor if isinstance(actor, User) and actor.is_authenticated else None
    event = AuditEvent(
        timestamp=timezone.now(),
        actor=user,
        actor_repr=(actor_repr or (user.get_username() if user is not None else ""))[:150],
        action=str(action),
        success=success,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj or ""))[:200],
        region=region,
        changes=json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder)),
        ip=meta["ip"],
        user_agent=meta["user_agent"],
        request_id=meta["request_id"],
    )
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.prev_hash = last or ""
        event.hash = compute_hash(event, event.prev_hash)
        event.save()
        if settings.AUDIT_ANCHOR_MINUTES >= 0:
            transaction.on_commit(_anchor_if_due)
    return event


def record_out_of_scope(*, actor: User | AnonymousUser | None, obj: models.Model) -> bool:
    """A lookup of ``obj`` by ``actor`` that answered 404 (``visible_to`` did not find it):
    audit it when ``obj`` lies outside the actor's scope, at most once per actor and object per
    ``AUDIT_SCOPE_DENIED_MINUTES``. Whether an event was recorded. Call it outside any
    transaction that the 404 rolls back (a view's lookup is)."""
    if not isinstance(actor, User) or not actor.is_authenticated:
        return False
    manager: Any = type(obj)._default_manager  # a ScopedQuerySet's manager
    if manager.visible_to(actor).filter(pk=obj.pk).exists():
        return False  # in scope: the view filtered it out for another reason
    window = max(int(settings.AUDIT_SCOPE_DENIED_MINUTES), 0) * 60
    key = f"kuangan:audit:scope-denied:{actor.pk}:{obj._meta.label_lower}:{obj.pk}"
    if window and not cache.add(key, 1, timeout=window):
        return False
    record(actor=actor, action=AuditAction.SCOPE_DENIED, obj=obj, success=False)
    return True


# --- The anchor ---------------------------------------------------------------------------

ANCHOR_VERSION = "v1"


@dataclass(frozen=True)
class Anchor:
    line: int  # its line in the file, from 1
    at: dt.datetime
    count: int  # events up to and including last_id
    last_id: int  # 0: the chain was empty
    last_hash: str


def _anchor_body(at: dt.datetime, count: int, last_id: int, last_hash: str) -> str:
    stamp = at.astimezone(dt.UTC).isoformat(timespec="seconds")
    return f"{ANCHOR_VERSION}\t{stamp}\t{count}\t{last_id}\t{last_hash}"


def _anchor_mac(body: str, key: bytes | None = None) -> str:
    return mac(key if key is not None else audit_key(), b"anchor|" + body.encode("ascii"))


def anchor(now: dt.datetime | None = None) -> Anchor:
    """Append the chain's head (events, last id, last hash) to the anchor file, signed."""
    head = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    last_id, last_hash = head if head is not None else (0, "")
    count = AuditEvent.objects.filter(id__lte=last_id).count()
    at = (now or timezone.now()).replace(microsecond=0)
    body = _anchor_body(at, count, last_id, last_hash)
    line = f"{body}\t{_anchor_mac(body)}\n".encode("ascii")
    path = Path(settings.AUDIT_ANCHOR_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)  # one write of one short line: appends never interleave
        os.fsync(fd)
    finally:
        os.close(fd)
    return Anchor(0, at, count, last_id, last_hash)


def _anchor_if_due() -> None:
    """After a commit: anchor when the anchor file is older than ``AUDIT_ANCHOR_MINUTES``.
    A failure is logged, never raised: the change is committed already."""
    try:
        try:
            age = time.time() - Path(settings.AUDIT_ANCHOR_FILE).stat().st_mtime
        except FileNotFoundError:
            age = None
        if age is None or not 0 <= age < settings.AUDIT_ANCHOR_MINUTES * 60:
            anchor()
    except Exception:
        logger.exception("The audit chain could not be anchored.")


def read_anchors(path: Path | None = None) -> tuple[list[Anchor], list[tuple[int, int, str]]]:
    """The signed anchors of the file, and its bad lines as ``(line, claimed last id or 0,
    why)``: unreadable, cut short, or not signed with the audit key."""
    path = Path(path or settings.AUDIT_ANCHOR_FILE)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], []
    key = audit_key()
    anchors: list[Anchor] = []
    bad: list[tuple[int, int, str]] = []
    lines = data.split(b"\n")
    complete = lines[:-1]  # what follows the last newline is a line cut short (or nothing)
    if lines[-1]:
        complete.append(lines[-1])
    for number, raw in enumerate(complete, start=1):
        parts = raw.decode("ascii", errors="replace").split("\t")
        claimed = int(parts[3]) if len(parts) > 3 and parts[3].isdigit() else 0
        if number == len(complete) and lines[-1]:
            bad.append((number, claimed, "cut short"))
            continue
        if len(parts) != 6 or parts[0] != ANCHOR_VERSION:
            bad.append((number, claimed, "unreadable"))
            continue
        body = "\t".join(parts[:5])
        if not secrets.compare_digest(_anchor_mac(body, key), parts[5]):
            bad.append((number, claimed, "not signed with the audit key"))
            continue
        try:
            anchors.append(
                Anchor(
                    number,
                    dt.datetime.fromisoformat(parts[1]),
                    int(parts[2]),
                    int(parts[3]),
                    parts[4],
                )
            )
        except ValueError:
            bad.append((number, claimed, "unreadable"))
    return anchors, bad


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None
    # "hash", "link": an event was altered or removed; "anchor": an anchored event differs or
    # the events before it are not the anchored number; "anchor-missing": an anchored event is
    # gone (the newest events deleted); "anchor-forged": a line of the anchor file is bad;
    # "anchor-stale": no anchor as recent as asked.
    reason: str = ""
    detail: str = ""
    anchors: int = 0  # signed anchors checked
    last_anchor_at: dt.datetime | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _events() -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:2000])
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


def verify_chain(*, max_anchor_age: dt.timedelta | None = None) -> ChainReport:
    """Walk the chain from the first event; report the first event whose hash or link fails,
    then check the anchors (see the module's docstring). With ``max_anchor_age``, the newest
    signed anchor must be at most that old."""
    key = audit_key()
    anchors, bad_lines = read_anchors()
    pending: dict[int, list[Anchor]] = {}
    for a in anchors:
        pending.setdefault(a.last_id, []).append(a)
    prev = ""
    checked = 0
    last_id = 0
    for event in _events():
        if event.prev_hash != prev:
            return ChainReport(checked, event.id, "link", f"event #{event.id} is not linked")
        if compute_hash(event, prev, key) != event.hash:
            return ChainReport(checked, event.id, "hash", f"event #{event.id} was altered")
        prev = event.hash
        checked += 1
        last_id = event.id
        for a in pending.pop(event.id, []):
            if a.last_hash != event.hash or a.count != checked:
                return ChainReport(
                    checked,
                    event.id,
                    "anchor",
                    f"anchor line {a.line} holds event #{a.last_id} with {a.count} events up "
                    f"to it; the database has {checked} (events before it were removed or "
                    "rewritten)",
                )
    newest = max(anchors, key=lambda a: a.at, default=None)
    report = ChainReport(
        checked,
        None,
        anchors=len(anchors),
        last_anchor_at=newest.at if newest is not None else None,
    )
    for a in sorted((a for group in pending.values() for a in group), key=lambda a: a.line):
        if a.last_id == 0 and a.count == 0:
            continue  # the chain was empty then
        report.broken_at, report.reason = a.last_id, "anchor-missing"
        report.detail = (
            f"anchor line {a.line} holds event #{a.last_id} ({a.count} events), which is no "
            f"longer in the database (the last is #{last_id}): the newest events were deleted"
        )
        return report
    if bad_lines:
        line, claimed, why = bad_lines[0]
        report.broken_at, report.reason = claimed, "anchor-forged"
        report.detail = f"line {line} of the anchor file is {why}"
        report.problems = [f"line {n}: {w}" for n, _c, w in bad_lines]
        return report
    if max_anchor_age is not None and (
        newest is None or newest.at < timezone.now() - max_anchor_age
    ):
        report.broken_at, report.reason = last_id, "anchor-stale"
        report.detail = (
            f"the newest anchor is from {newest.at.isoformat()}"
            if newest is not None
            else "the anchor file holds no anchor"
        ) + f", older than {max_anchor_age}: lines were cut from the anchor file?"
        return report
    return report


def hash_algorithm() -> str:
    return str(settings.AUDIT_HASH_ALGORITHM)
