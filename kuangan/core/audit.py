"""The audit log's one writer and its verifier.

Every event is chained to the previous one: ``hash = H(prev_hash || canonical JSON(event))``,
H being SHA-256 or SM3 (setting ``AUDIT_HASH_ALGORITHM``). Services call ``record()`` inside
their transaction; the request middleware supplies address, user agent and request id.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from .crypto import digest
from .models import AuditEvent, Region, User

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


def compute_hash(event: AuditEvent, prev_hash: str) -> str:
    return digest(prev_hash.encode("ascii") + b"|" + _canonical(_event_fields(event)))


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
    return event


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None
    reason: str = ""

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


def verify_chain() -> ChainReport:
    """Walk the chain from the first event; report the first event whose hash or link fails."""
    prev = ""
    checked = 0
    for event in _events():
        if event.prev_hash != prev:
            return ChainReport(checked, event.id, "link")
        if compute_hash(event, prev) != event.hash:
            return ChainReport(checked, event.id, "hash")
        prev = event.hash
        checked += 1
    return ChainReport(checked, None)


def hash_algorithm() -> str:
    return str(settings.AUDIT_HASH_ALGORITHM)
