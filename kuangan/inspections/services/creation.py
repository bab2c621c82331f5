"""Planning an inspection: the checklist it is done with, pinned, and its applicable items."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kuangan.campaigns import rules
from kuangan.campaigns.models import Campaign
from kuangan.checklists.applicability import applicable_items
from kuangan.checklists.choices import TemplateStatus
from kuangan.checklists.models import ChecklistTemplate, ChecklistTemplateQuerySet
from kuangan.core.models import User
from kuangan.core.services import refuse, require_perm, require_visible, save_new
from kuangan.registry.models import Mine

from ..choices import InspectionKind, TeamRole
from ..models import Inspection, InspectionTeam, ItemResult, TeamMember
from .checks import PLAN_ROLES, roles_label

K = InspectionKind


def pick_template(
    mine: Mine, visible: ChecklistTemplateQuerySet | None = None
) -> ChecklistTemplate | None:
    """The checklist a mine is inspected with: the latest published version of the family
    the campaign rules give the mine (``rules.checklist_family``)."""
    family = rules.checklist_family(rules.facts(mine.rule_state()))
    qs = ChecklistTemplate.objects if visible is None else visible
    return qs.published().filter(family=family).order_by("-published_at", "-pk").first()


def fill_results(inspection: Inspection) -> int:
    """List the applicable items of the inspection's checklist for its mine, each 未检查;
    returns how many."""
    applicability = applicable_items(inspection.template, inspection.mine)
    ItemResult.objects.bulk_create(
        [
            ItemResult(
                inspection=inspection,
                item=entry.item,
                order=n,
                undecided=not entry.decided,
            )
            for n, entry in enumerate(applicability.items, start=1)
        ]
    )
    return len(applicability.items)


def copy_team(source: Inspection, target: Inspection) -> None:
    """The team of ``source`` on ``target`` too, without its invited experts."""
    for member in source.members.exclude(role=TeamRole.EXPERT):
        TeamMember.objects.create(
            inspection=target,
            role=member.role,
            user=member.user,
            name=member.name,
            organization_name=member.organization_name,
        )


def inspection_create(
    *,
    by: User,
    mine: Mine,
    kind: str,
    campaign: Campaign | None = None,
    template: ChecklistTemplate | None = None,
    plan: str = "",
    planned_on: dt.date | None = None,
    deadline: dt.date | None = None,
    team: InspectionTeam | None = None,
    subject: Inspection | None = None,
    supersedes: Inspection | None = None,
) -> Inspection:
    """Plan an inspection of ``mine``: pins the published checklist (the mine's family by
    default) and lists its applicable items, each 未检查."""
    if kind not in K.values:
        raise ValidationError({"kind": _("Unknown inspection kind.")})
    require_perm(by, "inspections.add_inspection", mine)
    if not (set(by.roles) & PLAN_ROLES[kind]):
        refuse(
            by,
            _("Only %(roles)s may plan a %(kind)s.")
            % {"roles": roles_label(PLAN_ROLES[kind]), "kind": K(kind).label},
            obj=mine,
            perm="add_inspection",
        )
    require_visible(by, mine, _("This mine lies outside your jurisdiction."), perm="add_inspection")
    if template is None:
        template = pick_template(mine)
        if template is None:
            raise ValidationError(
                {"template": _("No published checklist exists for this kind of mine yet.")}
            )
    elif template.status != TemplateStatus.PUBLISHED:
        raise ValidationError({"template": _("Only a published checklist can be used.")})
    if subject is not None and (subject.kind != K.SELF or subject.mine_id != mine.pk):
        raise ValidationError(
            {"subject": _("The inspection checked must be a self-inspection of the same mine.")}
        )
    if deadline and planned_on and deadline < planned_on:
        raise ValidationError({"deadline": _("The deadline must not be before the planned date.")})

    def with_items_and_leader(inspection: Inspection) -> dict[str, Any]:
        count = fill_results(inspection)
        if kind != K.SELF:
            TeamMember.objects.create(
                inspection=inspection,
                role=TeamRole.LEADER,
                user=by,
                name=str(by),
                organization_name=str(by.organization or ""),
            )
        return {"item_count": [None, count]}

    inspection = Inspection(
        kind=kind,
        mine=mine,
        campaign=campaign,
        template=template,
        team=team,
        plan=plan,
        planned_on=planned_on,
        deadline=deadline,
        subject=subject,
        supersedes=supersedes,
        created_by=by,
    )
    with transaction.atomic():
        return save_new(inspection, by=by, related=with_items_and_leader)
