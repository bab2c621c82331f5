"""Readable history: what the audit log (and any other change record) says, in the words a
person reads on the page — never ``mine_id: 26`` or ``status: reported → rectifying``.

One renderer for every history: the history tab of each object page
(``core/tab_history.html``), the audit ledger and its export, the audit admin's home panel and
the mines' status history. It turns

* a field name into its ``verbose_name`` (``mine_id`` and ``mine`` both into 矿山),
* a choice code into its label (``reported`` into 已上报),
* a related object's id into its name (each related model looked up once per batch),
* a user into their real name, a date-time into Asia/Shanghai time, yes/no into 是/否,
* a key that is no field into a known label (``transition`` into 步骤) or, failing that, a
  humanised one (``item_count`` into "Item count"), never a raw ``_id``.

A model may tell what keys that are not fields of it hold — a choice (``history_choices =
{"transition": InspectionStep}``) or the id of an object (a model, ``"self"`` or
``"app_label.Model"``) — and label them (``history_labels = {"key": _("Label")}``).

    rows = history.render(events, Hazard)
    for row in rows:
        row.time, row.actor, row.action, row.changes  # changes: [(field, before, after), ...]
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import AuditAction, Role
from .models import User

EMPTY = ""
MAX_TEXT = 300

# Keys that services record beside a model's fields (what an event did rather than a field it
# changed), with their labels.
KEY_LABELS = {
    "transition": gettext_lazy("Step"),
    "roles": gettext_lazy("Roles"),
    "rows": gettext_lazy("Rows"),
    "filters": gettext_lazy("Filters"),
    "format": gettext_lazy("Format"),
    "notified": gettext_lazy("People notified"),
    "evidence": gettext_lazy("Evidence"),
    "hazards": gettext_lazy("Hazards"),
    "items": gettext_lazy("Items"),
    "item": gettext_lazy("Item"),
    "aspect": gettext_lazy("Aspect"),
    "item_count": gettext_lazy("Number of items"),
    "team": gettext_lazy("Team"),
    "report": gettext_lazy("Report"),
    "figures": gettext_lazy("Figures"),
    "signed": gettext_lazy("Signed"),
    "signature": gettext_lazy("Signature"),
    "permission": gettext_lazy("Permission"),
    "reset": gettext_lazy("Password reset"),
    "attempts": gettext_lazy("Failed attempts"),
    "ip_address": gettext_lazy("Address"),
    "expires_at": gettext_lazy("Expires at"),
    "expert_for_inspection": gettext_lazy("Invited expert of inspection"),
    "two_lists": gettext_lazy("Two lists"),
}


class Change(NamedTuple):
    field: str  # the field's label
    before: str  # "" when there was nothing before
    after: str


class HistoryRow(NamedTuple):
    time: dt.datetime
    actor: str  # the real name of who did it
    action: str  # the action's label
    changes: list[Change]
    event: Any = None  # the AuditEvent the row renders, where there is one


def action_label(action: str) -> str:
    """The label of an audit action (``auth.login`` into 登录); an unknown one humanised."""
    try:
        return str(AuditAction(action).label)
    except ValueError:
        return humanise(action.replace(".", " "))


def humanise(key: str) -> str:
    words = key.strip("_").replace("_", " ").strip()
    return capfirst(words) if words else key


def render(events: Iterable, model: type[models.Model] | None = None) -> list[HistoryRow]:
    """Audit events as rows. ``model`` is the class of the events' object; without it each
    event's ``object_type`` tells it."""
    events = list(events)
    renderer = _Renderer()
    models_of = [model or _model_of(e.object_type) for e in events]
    changes = [e.changes if isinstance(e.changes, dict) else {} for e in events]
    for m, c in zip(models_of, changes, strict=True):
        renderer.collect(m, c)
    renderer.collect_users({e.actor_id for e in events if e.actor_id})
    renderer.resolve()
    return [
        HistoryRow(
            time=e.timestamp,
            actor=renderer.actor(e),
            action=action_label(e.action),
            changes=renderer.changes(m, c),
            event=e,
        )
        for e, m, c in zip(events, models_of, changes, strict=True)
    ]


def render_changes(model: type[models.Model] | None, records: Iterable[dict]) -> list[list[Change]]:
    """Change dicts (``{"field": [before, after]}``) of any record of ``model`` (a mine's status
    history, say), each as its list of changes, with the related objects looked up at once."""
    records = [r if isinstance(r, dict) else {} for r in records]
    renderer = _Renderer()
    for r in records:
        renderer.collect(model, r)
    renderer.resolve()
    return [renderer.changes(model, r) for r in records]


def changes_text(changes: list[Change], limit: int = 500) -> str:
    """Changes on one line (the audit ledger and its export)."""
    parts = [
        f"{c.field}: {c.before} → {c.after}" if c.before else f"{c.field}: {c.after}"
        for c in changes
    ]
    return "; ".join(parts)[:limit]


# --- the renderer ---------------------------------------------------------------------------


def _model_of(object_type: str) -> type[models.Model] | None:
    if not object_type or "." not in object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model, key: str):
    """The model field a key names (a field's name or attname, or ``<name>_id``)."""
    if model is None:
        return None
    for name in (key, key[:-3] if key.endswith("_id") else None):
        if not name:
            continue
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def _declared_model(model, key: str) -> type[models.Model] | None:
    """The model whose ids a key that is no field holds, as the model declares it."""
    declared = (getattr(model, "history_choices", None) or {}).get(key)
    if declared == "self":
        return model
    if isinstance(declared, str):
        return _model_of(declared)  # "app_label.ModelName"
    if isinstance(declared, type) and issubclass(declared, models.Model):
        return declared
    return None


def _is_forward_relation(field) -> bool:
    return bool(
        field is not None
        and field.is_relation
        and not field.auto_created
        and field.related_model is not None
    )


def _pair(value) -> tuple[Any, Any]:
    """``[before, after]`` of a change, or a value that is no pair (a count, a note) as the
    after with nothing before."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None, value


def _ids(value) -> Iterable[int]:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield value
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _ids(v)


class _Renderer:
    def __init__(self):
        self.wanted: dict[type[models.Model], set[int]] = defaultdict(set)
        self.names: dict[tuple[type[models.Model], int], str] = {}

    # pass 1: what to look up

    def collect(self, model, changes: dict) -> None:
        for key, value in changes.items():
            related = _declared_model(model, key)
            if related is None:
                field = _field(model, key)
                if not _is_forward_relation(field):
                    continue
                related = field.related_model
            for v in _pair(value):
                self.wanted[related].update(_ids(v))

    def collect_users(self, ids: set[int]) -> None:

        self.wanted[User].update(ids)

    def resolve(self) -> None:
        """One query per related model."""
        for related, ids in self.wanted.items():
            if not ids:
                continue
            for obj in related._base_manager.filter(pk__in=ids):
                self.names[(related, obj.pk)] = str(obj)

    # pass 2: the words

    def actor(self, event) -> str:

        if event.actor_id and (User, event.actor_id) in self.names:
            return self.names[(User, event.actor_id)]
        return event.actor_repr or _("System")

    def changes(self, model, changes: dict) -> list[Change]:
        """The changes in words; the object's own id and what stayed empty (the blank fields
        of a new object) are left out."""
        rows = []
        for key, value in changes.items():
            field = _field(model, key)
            if field is not None and getattr(field, "primary_key", False):
                continue
            before, after = _pair(value)
            change = Change(
                self.label(model, key, field),
                self.value(model, key, field, before),
                self.value(model, key, field, after),
            )
            if change.before or change.after:
                rows.append(change)
        return rows

    def label(self, model, key: str, field) -> str:
        own = getattr(model, "history_labels", None) or {}
        if key in own:
            return str(own[key])
        if field is not None:
            if field.auto_created and not field.concrete:  # a reverse relation
                return capfirst(str(field.related_model._meta.verbose_name_plural))
            return capfirst(str(field.verbose_name))
        if key in KEY_LABELS:
            return str(KEY_LABELS[key])
        return humanise(key[:-3] if key.endswith("_id") else key)

    def value(self, model, key: str, field, value) -> str:
        if value is None or value == "" or value == []:
            return EMPTY
        related = _declared_model(model, key)
        if related is not None:
            return self._join(value, lambda v: self._name(related, v))
        choices = (getattr(model, "history_choices", None) or {}).get(key)
        if hasattr(choices, "choices"):
            return self._join(value, lambda v: _choice(dict(choices.choices), v))
        if key == "roles" and field is None:
            return self._join(value, lambda v: _choice(dict(Role.choices), v))
        if key == "transition" and field is None and isinstance(value, str):
            return humanise(value)  # a step the model did not name (``history_choices``)
        if field is None or (field.auto_created and not field.concrete):
            return _plain(value)
        if _is_forward_relation(field):
            related = field.related_model
            return self._join(value, lambda v: self._name(related, v))
        if field.choices:
            labels = {k: v for k, v in field.flatchoices}
            return self._join(value, lambda v: _choice(labels, v))
        if isinstance(field, models.BooleanField):
            return _yes_no(value)
        if isinstance(field, models.DateTimeField):
            return _datetime(value)
        if isinstance(field, models.DateField):
            return str(value)[:10]
        if isinstance(field, models.FileField):
            return str(value).rsplit("/", 1)[-1]
        if isinstance(field, models.DecimalField):
            return _decimal(value)
        return _plain(value)

    def _name(self, related, value) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            name = self.names.get((related, value))
            if name is None:
                # Gone since (or never there): the kind of object and its number.
                return f"{capfirst(str(related._meta.verbose_name))} #{value}"
            return name
        return _plain(value)

    @staticmethod
    def _join(value, one) -> str:
        if isinstance(value, list | tuple | set):
            return "、".join(one(v) for v in value if v not in (None, ""))
        return one(value)


def _choice(labels: dict, value) -> str:
    label = labels.get(value)
    return str(label) if label is not None else _plain(value)


def _yes_no(value) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return _plain(value)


def _decimal(value) -> str:
    """Thousands separated, the digits as stored (money in 元)."""
    try:
        return format(Decimal(str(value)), ",")
    except (InvalidOperation, ValueError):
        return _plain(value)


def _datetime(value) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(moment, dt.datetime):
        return _plain(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def _plain(value) -> str:
    """A value of no known field: lists joined, mappings as "label: value", yes/no, dates."""
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, list | tuple | set):
        return "、".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{humanise(str(k))}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        return _datetime(value)
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
