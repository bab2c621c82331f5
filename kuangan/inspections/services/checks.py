"""Who may do what to an inspection, and the one door of its transitions (``step``). The other
modules of the services call these before they change anything."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuangan.core import services as core_services
from kuangan.core.choices import Role
from kuangan.core.models import User
from kuangan.core.services import refuse, require_perm, transition
from kuangan.registry.models import Mine

from ..choices import REGULATOR_KINDS, InspectionKind, TeamRole
from ..models import Inspection, ReadOnlyError, TeamMember

K = InspectionKind
REGULATOR_ROLES: set[str] = {Role.PROVINCE_ADMIN, Role.REGULATOR_LEADER, Role.REGULATOR_INSPECTOR}

# Who may plan, conduct and submit an inspection of each kind (the permission is checked as
# well). A self-inspection is the enterprise's: its principal plans and submits it, its safety
# staff fill it in; a group check is the group company's inspectors'; the other kinds are the
# regulators'.
PLAN_ROLES: dict[str, set[str]] = {
    K.SELF: {Role.ENTERPRISE_PRINCIPAL},
    K.GROUP: {Role.GROUP_INSPECTOR},
    **{k: REGULATOR_ROLES for k in REGULATOR_KINDS},
}
CONDUCT_ROLES: dict[str, set[str]] = {
    K.SELF: {Role.ENTERPRISE_PRINCIPAL, Role.ENTERPRISE_SAFETY_OFFICER},
    K.GROUP: {Role.GROUP_INSPECTOR},
    **{k: REGULATOR_ROLES for k in REGULATOR_KINDS},
}
SUBMIT_ROLES = PLAN_ROLES
SIGN_ROLES: set[str] = {Role.ENTERPRISE_PRINCIPAL}

ACTION_LABELS = {
    "start": gettext_lazy("started"),
    "finish": gettext_lazy("finished"),
    "reopen": gettext_lazy("reopened"),
    "sign": gettext_lazy("signed"),
    "submit": gettext_lazy("submitted"),
    "accept": gettext_lazy("accepted"),
    "return": gettext_lazy("returned"),
    "redo": gettext_lazy("ordered to be redone"),
}


def roles_label(roles: set[str]) -> str:
    """The roles, by their names, as a sentence names them (“企业主要负责人、…”)."""
    return "、".join(str(Role(r).label) for r in sorted(roles))


def require_visible(actor: User, inspection: Inspection) -> None:
    core_services.require_visible(
        actor, inspection, _("This inspection lies outside your jurisdiction."), perm="visible"
    )


def is_expert_of(actor: User, inspection: Inspection) -> bool:
    return TeamMember.objects.filter(
        inspection=inspection,
        user=actor,
        role=TeamRole.EXPERT,
        expires_at__gt=timezone.now(),
    ).exists()


def require_roles(actor: User, inspection: Inspection, roles: set[str], perm: str) -> None:
    if not (set(actor.roles) & set(roles)):
        refuse(
            actor,
            _("Only %(roles)s may do this for a %(kind)s.")
            % {"roles": roles_label(roles), "kind": inspection.get_kind_display()},
            obj=inspection,
            perm=perm,
        )


def may_conduct(actor: User, inspection: Inspection) -> bool:
    if is_expert_of(actor, inspection):
        return True
    return actor.has_perm("inspections.conduct_inspection") and bool(
        set(actor.roles) & CONDUCT_ROLES[inspection.kind]
    )


def require_conduct(actor: User, inspection: Inspection) -> None:
    require_visible(actor, inspection)
    if is_expert_of(actor, inspection):
        return
    require_perm(actor, "inspections.conduct_inspection", inspection)
    require_roles(actor, inspection, CONDUCT_ROLES[inspection.kind], "conduct_inspection")


def may_review(actor: User, inspection: Inspection) -> bool:
    """Reviewers: regulators whose jurisdiction contains the mine (the county bureau, and the
    national bureau's enforcement office governing the city); never a member of the team or
    the one who submitted it."""
    if not actor.has_perm("inspections.review_inspection"):
        return False
    if not Mine.objects.visible_to(actor).filter(pk=inspection.mine_id).exists():
        return False
    if inspection.submitted_by_id == actor.pk or inspection.created_by_id == actor.pk:
        return False
    return not inspection.members.filter(user=actor).exists()


def require_review(actor: User, inspection: Inspection) -> None:
    require_visible(actor, inspection)
    require_perm(actor, "inspections.review_inspection", inspection)
    if not may_review(actor, inspection):
        refuse(
            actor,
            _(
                "Only a regulator governing the mine who took no part in the inspection may "
                "review it."
            ),
            obj=inspection,
            perm="review_inspection",
        )


def require_submitter(actor: User, inspection: Inspection) -> None:
    """The authors who submit an inspection of its kind (and write its self-inspection
    report)."""
    require_visible(actor, inspection)
    require_perm(actor, "inspections.submit_inspection", inspection)
    require_roles(actor, inspection, SUBMIT_ROLES[inspection.kind], "submit_inspection")


def require_not_locked(inspection: Inspection) -> None:
    if inspection.is_locked:
        raise ReadOnlyError()


def require_editable(inspection: Inspection) -> None:
    """Answers change only while the inspection is in progress."""
    require_not_locked(inspection)
    if not inspection.is_editable:
        raise ValidationError(
            _("Start the inspection before recording answers (status: %(status)s).")
            % {"status": inspection.get_status_display()}
        )


def require_transition(inspection: Inspection, action: str) -> None:
    if inspection.is_locked and action not in ("accept", "return", "redo"):
        raise ReadOnlyError()
    if not inspection.can(action):
        raise ValidationError(
            _("An inspection in status “%(status)s” cannot be %(action)s.")
            % {"status": inspection.get_status_display(), "action": ACTION_LABELS[action]}
        )


def step(
    by: User,
    inspection: Inspection,
    action: str,
    extra: dict[str, Any] | None = None,
    *,
    notify: Callable[[Inspection], object] | None = None,
    changes: Callable[[dict, Inspection], dict] | None = None,
    save: bool = True,
) -> AbstractContextManager[Inspection]:
    """The transition ``action`` of ``inspection`` through the one door (``transition``): the
    block sets the fields that change with it on the locked row. Audited as ``{"status":
    [before, after], "transition": action, **extra}``."""

    def status_changes(before: dict, current: Inspection) -> dict:
        return {"status": [before["status"], current.status], "transition": action, **(extra or {})}

    return transition(
        inspection,
        by=by,
        to=inspection.target_of(action),
        guard=lambda current: require_transition(current, action),
        changes=changes or status_changes,
        notify=notify,
        save=save,
        # An invited expert's scope ends once the inspection leaves the statuses it works in;
        # a transition never moves the mine.
        recheck=not is_expert_of(by, inspection),
    )
