"""The teams of the key inspection (重点检查) and the plan: which team inspects which mine of
the campaign's scope, by when."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kuangan.campaigns import rules
from kuangan.campaigns.models import Campaign
from kuangan.core.choices import AuditAction
from kuangan.core.models import Region, User
from kuangan.core.scope import scope_of
from kuangan.core.services import refuse, require_perm, require_visible, save_new, transition
from kuangan.registry.models import Mine

from ..choices import InspectionKind, InspectionStatus
from ..models import Inspection, InspectionTeam
from ..plan import facts_of, phase_deadline
from .checks import REGULATOR_ROLES
from .creation import inspection_create


def team_create(
    *,
    by: User,
    campaign: Campaign,
    region: Region,
    name: str,
    level: str,
    leader: User,
    members: Iterable[User] = (),
) -> InspectionTeam:
    require_perm(by, "inspections.add_inspectionteam")
    if not Region.objects.filter(pk=region.pk).exists() or not scope_of(by).covers(region):
        refuse(
            by, _("This region lies outside your jurisdiction."), obj=region, perm="plan_inspection"
        )
    people = list(members)
    for person in [leader, *people]:
        if not set(person.roles) & REGULATOR_ROLES:
            raise ValidationError(
                {"members": _("%(name)s is not a regulator's inspector.") % {"name": person}}
            )

    def with_members(team: InspectionTeam) -> dict[str, Any]:
        team.members.set(people)
        return {"members": [[], sorted(str(m) for m in people)]}

    team = InspectionTeam(
        campaign=campaign,
        region=region,
        name=(name or "").strip(),
        level=level,
        leader=leader,
        created_by=by,
    )
    with transaction.atomic():
        return save_new(team, by=by, related=with_members)


def plan_assign(
    *, by: User, campaign: Campaign, team: InspectionTeam, mines: Iterable[Mine]
) -> list[Inspection]:
    """Give ``mines`` to ``team`` for the campaign's key inspection: a planned enforcement
    inspection per mine (or the planned one moved to the team). A mine already inspected in
    this campaign keeps its inspection."""
    require_perm(by, "inspections.plan_inspection")
    if team.campaign_id != campaign.pk:
        raise ValidationError({"team": _("The team belongs to another campaign.")})
    require_visible(
        by, team, _("This team lies outside your jurisdiction."), perm="plan_inspection"
    )
    chosen = list(mines)
    if not chosen:
        raise ValidationError({"mines": _("Choose at least one mine.")})
    t = campaign.thresholds()
    deadline_default = phase_deadline(campaign)
    result = []
    with transaction.atomic():
        for mine in chosen:
            facts = facts_of(mine)
            if not rules.inspection_scope(facts, t).in_scope:
                raise ValidationError(
                    {"mines": _("%(mine)s is not in the key-inspection scope.") % {"mine": mine}}
                )
            deadline = rules.priority(facts, t).inspect_before or deadline_default
            existing = (
                Inspection.objects.filter(
                    campaign=campaign, mine=mine, kind=InspectionKind.ENFORCEMENT
                )
                .current()
                .first()
            )
            if existing is not None:
                if existing.status != InspectionStatus.PLANNED:
                    continue
                if existing.team_id != team.pk:
                    with transition(
                        existing,
                        by=by,
                        action=AuditAction.UPDATED,
                        changes=lambda before, moved: {"team": [before["team_id"], moved.team_id]},
                    ) as moved:
                        moved.team = team
                result.append(existing)
                continue
            inspection = inspection_create(
                by=by,
                mine=mine,
                kind=InspectionKind.ENFORCEMENT,
                campaign=campaign,
                team=team,
                deadline=deadline,
                plan=str(team),
            )
            result.append(inspection)
    return result
