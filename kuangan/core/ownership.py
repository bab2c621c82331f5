"""Who may change which fact: a model whose records both sides touch declares, field by field,
whose fact each one is, and which changes are steps (transitions, with a reason) rather than
edits. The services enforce the declaration (``enforce``) before they open their transaction;
core's form and serializer bases read the same declaration (``editable_fields``) to show those
fields read-only, so a new app gets the rule by declaring::

    class Mine(models.Model):
        ownership = Ownership(
            regulator=("region", "kind", "status", "enterprise"),
            enterprise=("principal", "phone"),
            steps={"status": gettext_lazy("Change the status")},
        )

Sides: the regulator (an organisation of kind regulator), the enterprise (kind enterprise) and
the system (set by the workflows only, never by a user). A field declared for ``recorder``
belongs to the side that recorded the object (``obj.recorder_side()``): a hazard's facts are
the regulator's when a regulator found it, the enterprise's when the enterprise did. A field
not declared is shared by whoever may edit the object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit
from .choices import AuditAction, OrganizationKind


class Side(models.TextChoices):
    REGULATOR = "regulator", gettext_lazy("the regulator")
    ENTERPRISE = "enterprise", gettext_lazy("the enterprise")
    SYSTEM = "system", gettext_lazy("the system")


def side_of(user: Any) -> Side | None:
    """The side ``user`` acts for: its organisation's kind (None for administrators, agencies
    and local governments, who own no registry or hazard fact)."""
    org = getattr(user, "organization", None)
    kind = getattr(org, "kind", None)
    if kind == OrganizationKind.REGULATOR:
        return Side.REGULATOR
    if kind == OrganizationKind.ENTERPRISE:
        return Side.ENTERPRISE
    return None


@dataclass(frozen=True)
class Ownership:
    regulator: Iterable[str] = ()
    enterprise: Iterable[str] = ()
    system: Iterable[str] = ()
    recorder: Iterable[str] = ()
    # field -> the name of the step that changes it (an edit of the field is refused and
    # points to the step).
    steps: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("regulator", "enterprise", "system", "recorder"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))

    @property
    def declared(self) -> frozenset[str]:
        return frozenset(
            {*self.regulator, *self.enterprise, *self.system, *self.recorder, *self.steps}
        )

    def owner(self, obj: Any, name: str) -> Side | None:
        """The side whose fact ``name`` of ``obj`` is; None when shared."""
        if name in self.system:
            return Side.SYSTEM
        if name in self.regulator:
            return Side.REGULATOR
        if name in self.enterprise:
            return Side.ENTERPRISE
        if name in self.recorder:
            if obj is None or isinstance(obj, type):
                return None
            return obj.recorder_side()
        return None

    def refusal(self, user: Any, obj: Any, name: str) -> str | None:
        """Why ``user`` may not change field ``name`` of ``obj`` by an edit; None if it may.
        An object not yet saved is being recorded: its recorder sets the recorder's fields and
        the fields of steps (a hazard's level when it is recorded)."""
        creating = obj is None or isinstance(obj, type) or getattr(obj, "pk", None) is None
        label = field_label(obj, name)
        if name in self.steps and not creating:
            return _("「%(field)s」 changes through the step “%(step)s”, with a reason.") % {
                "field": label,
                "step": self.steps[name],
            }
        owner = self.owner(obj, name)
        if owner is None or (creating and name in self.recorder):
            return None
        if owner == Side.SYSTEM:
            return _("「%(field)s」 is set by the system; nobody edits it.") % {"field": label}
        if side_of(user) != owner:
            return _("「%(field)s」 is a fact of %(owner)s; you cannot change it.") % {
                "field": label,
                "owner": owner.label,
            }
        return None

    def editable(self, user: Any, obj: Any, names: Iterable[str]) -> list[str]:
        return [n for n in names if self.refusal(user, obj, n) is None]


def ownership_of(model: Any) -> Ownership | None:
    return getattr(model, "ownership", None)


def field_label(obj: Any, name: str) -> str:
    model: Any = obj if isinstance(obj, type) else type(obj)
    try:
        return str(model._meta.get_field(name).verbose_name) if obj is not None else name
    except Exception:  # noqa: BLE001 — a declared name that is no model field
        return name


def _same(current: Any, new: Any) -> bool:
    if isinstance(current, models.Model) or isinstance(new, models.Model):
        return getattr(current, "pk", current) == getattr(new, "pk", new)
    if isinstance(current, models.Manager):
        return sorted(o.pk for o in current.all()) == sorted(getattr(o, "pk", o) for o in new)
    return audit.plain(current) == audit.plain(new)


def changed(obj: Any, fields: Mapping[str, Any]) -> list[str]:
    """The names of ``fields`` whose new value differs from ``obj``'s (a form posts every
    field, changed or not; only a change is a change)."""
    if obj is None or getattr(obj, "pk", None) is None:
        return [n for n, v in fields.items() if v not in (None, "", [], False)]
    names = []
    for name, value in fields.items():
        try:
            current = getattr(obj, name)
        except Exception:  # noqa: BLE001 — an unset relation reads as missing
            current = None
        if not _same(current, value):
            names.append(name)
    return names


class FieldsRefused(PermissionDenied):
    """A change of fields the user's side does not own: 403 with a message per field."""

    audited = True

    def __init__(self, fields: dict[str, str]):
        self.fields = fields
        super().__init__(" ".join(fields.values()))


def refusals(user: Any, obj: Any, fields: Mapping[str, Any], model: Any = None) -> dict[str, str]:
    """``{field: why}`` for the changes in ``fields`` that ``user`` may not make to ``obj``
    (``model`` when ``obj`` is not saved yet and may be None)."""
    declared = ownership_of(model or type(obj))
    if declared is None:
        return {}
    found = {}
    for name in changed(obj, fields):
        why = declared.refusal(user, obj if obj is not None else model, name)
        if why:
            found[name] = why
    return found


def enforce(user: Any, obj: Any, fields: Mapping[str, Any], *, model: Any = None) -> None:
    """Refuse (audited, 403 naming each field) a change of ``obj`` by ``user`` that touches a
    field its side does not own. Call it before opening the service's transaction."""
    found = refusals(user, obj, fields, model)
    if found:
        refused(user, obj, found)


def refused(
    user: Any, obj: Any, found: dict[str, str], *, perm: str = "ownership", region: Any = None
) -> NoReturn:
    """Record the refusal of a change of the fields ``found`` (``{field: why}``) and raise
    ``FieldsRefused`` (a 403 whose API error names each field). ``perm`` names the rule that
    refused; ``region`` is where the audit files a refusal without an object."""
    saved = obj if obj is not None and getattr(obj, "pk", None) else None
    audit.record(
        actor=user,
        action=AuditAction.PERMISSION_DENIED,
        obj=saved,
        success=False,
        changes={"permission": perm, "fields": sorted(found)},
        region=region if saved is None else None,
    )
    raise FieldsRefused(found)


def editable_fields(user: Any, model: Any, obj: Any, names: Iterable[str]) -> set[str]:
    """Which of ``names`` ``user`` may edit on ``obj`` (or on a new ``model``)."""
    declared = ownership_of(model)
    names = list(names)
    if declared is None:
        return set(names)
    target = obj if obj is not None else model
    if obj is None:
        # Recording a new object: the recorder's fields and the steps' first values are set
        # by whoever records; the other side's facts are not.
        return {
            n
            for n in names
            if n in declared.recorder
            or n in declared.steps
            or declared.owner(None, n) in (None, side_of(user))
        }
    return set(declared.editable(user, target, names))
