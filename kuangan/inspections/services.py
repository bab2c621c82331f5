"""Workflows of inspections: one service per transition. Each checks who may do it, validates,
saves and audits in one transaction. Views, the API, imports and the demo call these."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuangan.core import audit
from kuangan.core.choices import AuditAction, Role
from kuangan.core.services import ensure_visible, notify, require_perm, users_with_roles_in

from .choices import (
    REGULATOR_KINDS,
    HazardLevel,
    InspectionKind,
    InspectionStatus,
    Outcome,
    RedoReason,
    TeamRole,
)
from .models import (
    Inspection,
    InspectionReport,
    InspectionTeam,
    ItemResult,
    ReadOnlyError,
    SelfInspectionReport,
    TeamMember,
)

S = InspectionStatus
K = InspectionKind
REGULATOR_ROLES = {Role.PROVINCE_ADMIN, Role.REGULATOR_LEADER, Role.REGULATOR_INSPECTOR}

# Who may plan, conduct and submit an inspection of each kind (the permission is checked as
# well). A self-inspection is the enterprise's: its principal plans and submits it, its safety
# staff fill it in; a group check is the group company's inspectors'; the other kinds are the
# regulators'.
PLAN_ROLES = {
    K.SELF: {Role.ENTERPRISE_PRINCIPAL},
    K.GROUP: {Role.GROUP_INSPECTOR},
    **{k: REGULATOR_ROLES for k in REGULATOR_KINDS},
}
CONDUCT_ROLES = {
    K.SELF: {Role.ENTERPRISE_PRINCIPAL, Role.ENTERPRISE_SAFETY_OFFICER},
    K.GROUP: {Role.GROUP_INSPECTOR},
    **{k: REGULATOR_ROLES for k in REGULATOR_KINDS},
}
SUBMIT_ROLES = PLAN_ROLES
SIGN_ROLES = {Role.ENTERPRISE_PRINCIPAL}
EXPERT_DAYS = 30


# --- Checks ----------------------------------------------------------------------------------


def _deny(actor, obj, perm: str, message: str) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.PERMISSION_DENIED,
        obj=obj,
        success=False,
        changes={"permission": perm},
    )
    exc = PermissionDenied(message)
    exc.audited = True
    raise exc


def _require_visible(actor, inspection: Inspection) -> None:
    if not Inspection.objects.visible_to(actor).filter(pk=inspection.pk).exists():
        _deny(actor, inspection, "visible", _("This inspection lies outside your jurisdiction."))


def is_expert_of(actor, inspection: Inspection) -> bool:
    return TeamMember.objects.filter(
        inspection=inspection,
        user=actor,
        role=TeamRole.EXPERT,
        expires_at__gt=timezone.now(),
    ).exists()


def _require_roles(actor, inspection: Inspection, roles: set[str], perm: str) -> None:
    if not (set(actor.roles) & set(roles)):
        kinds = "、".join(str(Role(r).label) for r in sorted(roles))
        _deny(
            actor,
            inspection,
            perm,
            _("Only %(roles)s may do this for a %(kind)s.")
            % {"roles": kinds, "kind": inspection.get_kind_display()},
        )


def may_conduct(actor, inspection: Inspection) -> bool:
    if is_expert_of(actor, inspection):
        return True
    return actor.has_perm("inspections.conduct_inspection") and bool(
        set(actor.roles) & CONDUCT_ROLES[inspection.kind]
    )


def _require_conduct(actor, inspection: Inspection) -> None:
    _require_visible(actor, inspection)
    if is_expert_of(actor, inspection):
        return
    require_perm(actor, "inspections.conduct_inspection", inspection)
    _require_roles(actor, inspection, CONDUCT_ROLES[inspection.kind], "conduct_inspection")


def may_review(actor, inspection: Inspection) -> bool:
    """Reviewers: regulators whose jurisdiction contains the mine (the county bureau, and the
    national bureau's enforcement office governing the city); never a member of the team or
    the one who submitted it."""
    from kuangan.registry.models import Mine

    if not actor.has_perm("inspections.review_inspection"):
        return False
    if not Mine.objects.visible_to(actor).filter(pk=inspection.mine_id).exists():
        return False
    if inspection.submitted_by_id == actor.pk or inspection.created_by_id == actor.pk:
        return False
    return not inspection.members.filter(user=actor).exists()


def _require_review(actor, inspection: Inspection) -> None:
    _require_visible(actor, inspection)
    require_perm(actor, "inspections.review_inspection", inspection)
    if not may_review(actor, inspection):
        _deny(
            actor,
            inspection,
            "review_inspection",
            _(
                "Only a regulator governing the mine who took no part in the inspection may "
                "review it."
            ),
        )


def _lock(inspection: Inspection) -> Inspection:
    return Inspection._base_manager.select_for_update().get(pk=inspection.pk)


def _require_transition(inspection: Inspection, action: str) -> None:
    if inspection.is_locked and action not in ("accept", "return", "redo"):
        raise ReadOnlyError()
    if not inspection.can(action):
        raise ValidationError(
            _("An inspection in status “%(status)s” cannot be %(action)s.")
            % {"status": inspection.get_status_display(), "action": ACTION_LABELS[action]}
        )


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


def _set_status(by, inspection: Inspection, action: str, extra: dict | None = None) -> None:
    before = inspection.status
    inspection.status = inspection.target_of(action)
    inspection.version += 1
    inspection.save()
    changes = {"status": [before, inspection.status], "transition": action}
    if extra:
        changes.update(extra)
    audit.record(actor=by, action=AuditAction.STATUS_CHANGED, obj=inspection, changes=changes)


# --- Creation and team -----------------------------------------------------------------------


def pick_template(mine, visible=None):
    """The checklist a mine is inspected with: the latest published version of the family
    the campaign rules give the mine (``rules.checklist_family``)."""
    from kuangan.campaigns import rules
    from kuangan.checklists.models import ChecklistTemplate

    family = rules.checklist_family(rules.facts(mine.rule_state()))
    qs = ChecklistTemplate.objects.all() if visible is None else visible
    return qs.published().filter(family=family).order_by("-published_at", "-pk").first()


def _fill_results(inspection: Inspection) -> int:
    from kuangan.checklists.applicability import applicable_items

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


def inspection_create(
    *,
    by,
    mine,
    kind: str,
    campaign=None,
    template=None,
    plan: str = "",
    planned_on: dt.date | None = None,
    deadline: dt.date | None = None,
    team: InspectionTeam | None = None,
    subject: Inspection | None = None,
    supersedes: Inspection | None = None,
) -> Inspection:
    """Plan an inspection of ``mine``: pins the published checklist (the mine's family by
    default) and lists its applicable items, each 未检查."""
    from kuangan.checklists.choices import TemplateStatus
    from kuangan.registry.models import Mine

    if kind not in K.values:
        raise ValidationError({"kind": _("Unknown inspection kind.")})
    require_perm(by, "inspections.add_inspection", mine)
    if not (set(by.roles) & PLAN_ROLES[kind]):
        _deny(
            by,
            mine,
            "add_inspection",
            _("Only %(roles)s may plan a %(kind)s.")
            % {
                "roles": "、".join(str(Role(r).label) for r in sorted(PLAN_ROLES[kind])),
                "kind": K(kind).label,
            },
        )
    if not Mine.objects.visible_to(by).filter(pk=mine.pk).exists():
        _deny(by, mine, "add_inspection", _("This mine lies outside your jurisdiction."))
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
    with transaction.atomic():
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
        inspection.full_clean()
        inspection.save()
        count = _fill_results(inspection)
        if kind != K.SELF:
            TeamMember.objects.create(
                inspection=inspection,
                role=TeamRole.LEADER,
                user=by,
                name=str(by),
                organization_name=str(by.organization or ""),
            )
        ensure_visible(by, inspection)
        changes = audit.diff({}, audit.snapshot(inspection))
        changes["item_count"] = [None, count]
        audit.record(actor=by, action=AuditAction.CREATED, obj=inspection, changes=changes)
    return inspection


def _require_not_locked(inspection: Inspection) -> None:
    if inspection.is_locked:
        raise ReadOnlyError()


def inspection_add_member(*, by, inspection: Inspection, user, role: str = TeamRole.MEMBER):
    """Add a user of the system to the team (leader or member)."""
    _require_conduct(by, inspection)
    _require_not_locked(inspection)
    if role not in (TeamRole.LEADER, TeamRole.MEMBER):
        raise ValidationError({"role": _("Invite an expert with the expert form.")})
    if not set(user.roles) & CONDUCT_ROLES[inspection.kind]:
        raise ValidationError(
            {"user": _("This user may not take part in an inspection of this kind.")}
        )
    if inspection.members.filter(user=user).exists():
        raise ValidationError({"user": _("This person is already on the team.")})
    with transaction.atomic():
        member = TeamMember.objects.create(
            inspection=inspection,
            role=role,
            user=user,
            name=str(user),
            organization_name=str(user.organization or ""),
        )
        audit.record(
            actor=by,
            action=AuditAction.UPDATED,
            obj=inspection,
            changes={"team": [None, str(member)]},
        )
    return member


def inspection_invite_expert(
    *,
    by,
    inspection: Inspection,
    name: str,
    organization_name: str = "",
    title: str = "",
    phone: str = "",
    days: int = EXPERT_DAYS,
) -> tuple[TeamMember, str, str]:
    """Invite an expert (the notice: “检查可聘请专家参与”). The expert gets a person record and a
    temporary account without organisation or role: it sees and answers only this
    inspection, until the account expires or the inspection is submitted. Returns the member,
    the user name and the one-time password to hand over."""
    from kuangan.core.models import User
    from kuangan.core.services import generate_password

    _require_conduct(by, inspection)
    if is_expert_of(by, inspection):
        _deny(by, inspection, "invite_expert", _("An expert cannot invite other experts."))
    _require_not_locked(inspection)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the expert's name.")})
    if not 1 <= days <= 90:
        raise ValidationError({"days": _("The account may last from 1 to 90 days.")})
    password = generate_password()
    expires = timezone.now() + timedelta(days=days)
    with transaction.atomic():
        username = f"expert-{inspection.pk}-{secrets.token_hex(3)}"
        user = User(
            username=username,
            real_name=name,
            phone=phone,
            must_change_password=False,
            password_changed_at=timezone.now(),
        )
        user.set_password(password)
        user.save()
        user.user_permissions.set(_expert_permissions())
        member = TeamMember.objects.create(
            inspection=inspection,
            role=TeamRole.EXPERT,
            user=user,
            name=name,
            organization_name=organization_name,
            title=title,
            phone=phone,
            expires_at=expires,
        )
        audit.record(
            actor=by,
            action=AuditAction.CREATED,
            obj=user,
            changes={"expert_for_inspection": [None, inspection.pk], "expires_at": [None, expires]},
        )
        audit.record(
            actor=by,
            action=AuditAction.UPDATED,
            obj=inspection,
            changes={"team": [None, str(member)]},
        )
    return member, username, password


def _expert_permissions():
    from django.contrib.auth.models import Permission

    from .permissions import EXPERT_PERMISSIONS

    codenames = [p.split(".", 1)[1] for p in EXPERT_PERMISSIONS]
    return Permission.objects.filter(content_type__app_label="inspections", codename__in=codenames)


def _end_expert_accounts(inspection: Inspection) -> None:
    from kuangan.core.models import User

    ids = list(
        inspection.members.filter(role=TeamRole.EXPERT, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    if ids:
        inspection.members.filter(role=TeamRole.EXPERT).update(expires_at=timezone.now())
        User.objects.filter(pk__in=ids).update(is_active=False)


# --- Answers ---------------------------------------------------------------------------------


def inspection_start(*, by, inspection: Inspection) -> Inspection:
    _require_conduct(by, inspection)
    with transaction.atomic():
        inspection = _lock(inspection)
        _require_transition(inspection, "start")
        if inspection.started_at is None:
            inspection.started_at = timezone.now()
        _set_status(by, inspection, "start")
    return inspection


@dataclass
class Answer:
    outcome: str
    reason: str = ""
    note: str = ""
    hazard_level: str = ""
    criterion: object = None  # MajorHazardCriterion or its code


def _criterion(value, result: ItemResult):
    from kuangan.checklists.models import MajorHazardCriterion

    if value in (None, ""):
        return None
    if isinstance(value, MajorHazardCriterion):
        return value
    found = MajorHazardCriterion.objects.filter(code=str(value).strip()).first()
    if found is None:
        raise ValidationError(
            {"criterion": _("Unknown major-hazard criterion “%(code)s”.") % {"code": value}}
        )
    return found


def _apply(result: ItemResult, answer: Answer, by, now) -> dict:
    """Set the answer on ``result`` (not saved); returns the audit changes."""
    if answer.outcome not in Outcome.values:
        raise ValidationError(
            {"outcome": _("Choose 符合, 不符合, 不适用 or 未检查 as the outcome.")}
        )
    before = {
        "outcome": result.outcome,
        "reason": result.reason,
        "note": result.note,
        "hazard_level": result.hazard_level,
        "criterion": result.criterion.code if result.criterion_id else None,
    }
    result.outcome = answer.outcome
    result.reason = (
        (answer.reason or "").strip() if answer.outcome == Outcome.NOT_APPLICABLE else ""
    )
    result.note = (answer.note or "").strip()
    if answer.outcome == Outcome.NONCOMPLIANT:
        criterion = _criterion(answer.criterion, result)
        level = answer.hazard_level or ""
        if not level:
            # Prefill: a major hazard with the criterion when the item is linked to one.
            linked = list(result.item.criteria.all()[:1])
            if criterion is None and linked:
                criterion = linked[0]
            level = HazardLevel.MAJOR if criterion is not None else HazardLevel.GENERAL
        if level not in HazardLevel.values:
            raise ValidationError({"hazard_level": _("Choose a general or a major hazard.")})
        result.hazard_level = level
        result.criterion = criterion if level == HazardLevel.MAJOR else None
    else:
        result.hazard_level = ""
        result.criterion = None
        result.disposal = ""
        result.disposal_note = ""
    result.recorded_by = by
    result.recorded_at = now
    result.full_clean(exclude=["inspection", "item", "recorded_by"])
    after = {
        "outcome": result.outcome,
        "reason": result.reason,
        "note": result.note,
        "hazard_level": result.hazard_level,
        "criterion": result.criterion.code if result.criterion_id else None,
    }
    return audit.diff(before, after)


def item_result_record(*, by, result: ItemResult, **answer) -> ItemResult:
    """Record the answer to one item (saved as it is given)."""
    inspection = result.inspection
    _require_conduct(by, inspection)
    with transaction.atomic():
        inspection = _lock(inspection)
        if inspection.is_locked:
            raise ReadOnlyError()
        if not inspection.is_editable:
            raise ValidationError(
                _("Start the inspection before recording answers (status: %(status)s).")
                % {"status": inspection.get_status_display()}
            )
        result = ItemResult.objects.select_for_update().get(pk=result.pk)
        changes = _apply(result, Answer(**answer), by, timezone.now())
        result.save()
        if changes:
            changes["item"] = result.item.code
            audit.record(actor=by, action=AuditAction.UPDATED, obj=inspection, changes=changes)
    return result


def items_record_bulk(*, by, inspection: Inspection, answers: list[dict]) -> int:
    """Record many answers at once, all or nothing: ``answers`` is a list of dicts with
    ``item`` (the item's number) and the answer's fields. Errors name the row."""
    _require_conduct(by, inspection)
    if not isinstance(answers, list) or not answers:
        raise ValidationError({"answers": _("Send a non-empty list of answers.")})
    with transaction.atomic():
        inspection = _lock(inspection)
        if inspection.is_locked:
            raise ReadOnlyError()
        if not inspection.is_editable:
            raise ValidationError(
                _("Start the inspection before recording answers (status: %(status)s).")
                % {"status": inspection.get_status_display()}
            )
        by_code = {
            r.item.code: r
            for r in inspection.results.select_related("item").prefetch_related("item__criteria")
        }
        now = timezone.now()
        errors: dict[str, list[str]] = {}
        seen: set[str] = set()
        changed = []
        for n, row in enumerate(answers, start=1):
            if not isinstance(row, dict):
                errors[f"row {n}"] = [_("Each answer must be an object.")]
                continue
            code = str(row.get("item", "")).strip()
            result = by_code.get(code)
            if result is None:
                errors[f"row {n}"] = [
                    _("Item “%(code)s” is not in this inspection's checklist.") % {"code": code}
                ]
                continue
            if code in seen:
                errors[f"row {n}"] = [_("Item “%(code)s” is answered twice.") % {"code": code}]
                continue
            seen.add(code)
            fields = {k: row[k] for k in Answer.__dataclass_fields__ if k in row}
            try:
                if "outcome" not in fields:
                    raise ValidationError({"outcome": _("The outcome is missing.")})
                diff = _apply(result, Answer(**fields), by, now)
            except ValidationError as exc:
                messages = (
                    [f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()]
                    if hasattr(exc, "error_dict")
                    else exc.messages
                )
                errors[f"row {n} ({code})"] = messages
                continue
            if diff:
                changed.append((result, diff))
        if errors:
            raise ValidationError(errors)
        for result, _diff in changed:
            result.save()
        audit.record(
            actor=by,
            action=AuditAction.IMPORTED,
            obj=inspection,
            changes={
                "answers": [None, len(changed)],
                "item_codes": sorted(r.item.code for r, _d in changed)[:200],
            },
        )
    return len(changed)


def result_attach(*, by, result: ItemResult, uploaded_file, description: str = ""):
    """Attach a photo or a file to an item's answer (the photo's time and GPS are kept)."""
    from kuangan.core.files import attachment_add

    inspection = Inspection._base_manager.get(pk=result.inspection_id)
    _require_conduct(by, inspection)
    if not inspection.is_editable:
        if inspection.is_locked:
            raise ReadOnlyError()
        raise ValidationError(_("Files can be attached only while the inspection is in progress."))
    return attachment_add(
        by=by, target=result, uploaded_file=uploaded_file, description=description
    )


def may_attach_document(actor, inspection: Inspection) -> bool:
    """Plan documents and other files of the inspection: its planners and authors, until it
    is submitted."""
    if inspection.is_locked or not actor.is_authenticated:
        return False
    if is_expert_of(actor, inspection):
        return True
    roles = set(actor.roles)
    return actor.has_perm("inspections.conduct_inspection") and bool(
        roles & (CONDUCT_ROLES[inspection.kind] | PLAN_ROLES[inspection.kind])
    )


def inspection_attach(*, by, inspection: Inspection, uploaded_file, description: str = ""):
    """Attach a plan document or another file to the inspection itself (not after
    submission)."""
    from kuangan.core.files import attachment_add

    _require_visible(by, inspection)
    inspection = Inspection._base_manager.get(pk=inspection.pk)
    if inspection.is_locked:
        raise ReadOnlyError()
    if not may_attach_document(by, inspection):
        _deny(by, inspection, "conduct_inspection", _("You may not add files to this inspection."))
    return attachment_add(
        by=by, target=inspection, uploaded_file=uploaded_file, description=description
    )


# --- Finding hand-off ------------------------------------------------------------------------


def inspection_findings_to_hazards(*, by, inspection: Inspection) -> int:
    """Hand every 不符合 answer over to the hazard ledger as a hazard draft (prefilled with
    the mine, the item's content and basis, the level and the criterion). Until the hazards
    app provides its service, the finding stays on the item result. Returns how many were
    handed over."""
    try:
        from kuangan.hazards import services as hazard_services
    except ImportError:
        return 0
    create = getattr(hazard_services, "hazard_create_from_finding", None)
    if create is None:
        return 0
    # The hazard is recorded in the name of whoever may record hazards: the one finishing the
    # inspection, or (for an invited expert) the one who planned it.
    actor = by if by.has_perm("hazards.add_hazard") else inspection.created_by
    count = 0
    pending = inspection.results.filter(
        outcome=Outcome.NONCOMPLIANT, hazard_ref__isnull=True
    ).select_related("item", "criterion")
    for result in pending:
        description = result.item.content
        if result.note:
            description = f"{description}\n{result.note}"
        hazard = create(
            by=actor,
            inspection=inspection,
            item_result=result,
            level=result.hazard_level,
            criterion=result.criterion,
            description=description,
        )
        if hazard is not None:
            ItemResult.objects.filter(pk=result.pk).update(hazard_ref=hazard.pk)
            count += 1
    return count


# --- Finishing -------------------------------------------------------------------------------


def figures(inspection: Inspection) -> dict:
    """Figures computed from the answers."""
    rows = list(inspection.results.values_list("outcome", "hazard_level", "item__aspect__name"))
    by_outcome = {o: 0 for o in Outcome.values}
    aspects: dict[str, dict] = {}
    for outcome, _level, aspect in rows:
        by_outcome[outcome] += 1
        entry = aspects.setdefault(aspect, {"aspect": aspect, "items": 0, "noncompliant": 0})
        entry["items"] += 1
        if outcome == Outcome.NONCOMPLIANT:
            entry["noncompliant"] += 1
    major = sum(1 for o, lvl, _a in rows if o == Outcome.NONCOMPLIANT and lvl == HazardLevel.MAJOR)
    return {
        "items": len(rows),
        "compliant": by_outcome[Outcome.COMPLIANT],
        "noncompliant": by_outcome[Outcome.NONCOMPLIANT],
        "not_applicable": by_outcome[Outcome.NOT_APPLICABLE],
        "unchecked": by_outcome[Outcome.UNCHECKED],
        "major": major,
        "general": by_outcome[Outcome.NONCOMPLIANT] - major,
        "aspects": list(aspects.values()),
    }


def commitment_text(inspection: Inspection, day: dt.date) -> str:
    """The commitment letter (承诺书) guaranteeing the self-inspection is true, with the
    enterprise, the mine and the date."""
    return _(
        "Commitment letter\n\n"
        "%(enterprise)s solemnly commits that the comprehensive self-inspection and "
        "self-correction of %(mine)s (code %(code)s) was organised by its principal and carried "
        "out item by item against the checklist “%(checklist)s”; that the self-inspection "
        "report, the hazard list and the risk control list are true, accurate and complete; "
        "that no problem found has been concealed; and that every hazard found will be "
        "rectified with responsibility, measures, funds, deadline and contingency plan in "
        "place. The enterprise bears the legal responsibility for any false statement.\n\n"
        "Principal: %(principal)s\nDate: %(date)s"
    ) % {
        "enterprise": inspection.mine.enterprise.name,
        "mine": inspection.mine.name,
        "code": inspection.mine.code,
        "checklist": inspection.template,
        "principal": inspection.mine.enterprise.principal or "",
        "date": day.isoformat(),
    }


def _summary_text(inspection: Inspection, f: dict) -> str:
    return _(
        "%(items)d applicable items were checked: %(compliant)d compliant, %(noncompliant)d "
        "non-compliant (%(major)d major hazards, %(general)d general hazards), "
        "%(na)d not applicable."
    ) % {
        "items": f["items"],
        "compliant": f["compliant"],
        "noncompliant": f["noncompliant"],
        "major": f["major"],
        "general": f["general"],
        "na": f["not_applicable"],
    }


def inspection_finish(*, by, inspection: Inspection) -> Inspection:
    """Finish: every applicable item must be answered. Hands the findings over to the hazard
    ledger and drafts the report (the self-inspection report with its commitment letter, or
    the inspection report)."""
    _require_conduct(by, inspection)
    with transaction.atomic():
        inspection = _lock(inspection)
        _require_transition(inspection, "finish")
        missing = list(
            inspection.results.filter(outcome=Outcome.UNCHECKED)
            .order_by("order")
            .values_list("item__code", flat=True)
        )
        if missing:
            shown = "、".join(missing[:10])
            raise ValidationError(
                _(
                    "%(count)d applicable items are not answered yet (%(items)s). Answer every "
                    "item before finishing."
                )
                % {"count": len(missing), "items": shown + ("…" if len(missing) > 10 else "")}
            )
        inspection.finished_at = timezone.now()
        _set_status(by, inspection, "finish")
        handed = inspection_findings_to_hazards(by=by, inspection=inspection)
        f = figures(inspection)
        if inspection.is_self:
            report, created = SelfInspectionReport.objects.get_or_create(inspection=inspection)
            report.summary = report.summary or _summary_text(inspection, f)
            report.commitment = commitment_text(inspection, timezone.localdate())
            report.save()
        else:
            report, created = InspectionReport.objects.get_or_create(inspection=inspection)
            if not report.conclusion:
                report.conclusion = _summary_text(inspection, f)
                report.save()
        audit.record(
            actor=by,
            action=AuditAction.UPDATED,
            obj=inspection,
            changes={"figures": {k: v for k, v in f.items() if k != "aspects"}, "hazards": handed},
        )
    return inspection


def inspection_reopen(*, by, inspection: Inspection) -> Inspection:
    """Back from finished to in progress (before signing and submission)."""
    _require_conduct(by, inspection)
    with transaction.atomic():
        inspection = _lock(inspection)
        _require_transition(inspection, "reopen")
        report = SelfInspectionReport.objects.filter(inspection=inspection).first()
        if report is not None and report.is_signed:
            raise ValidationError(
                _("The report is signed; a signed report cannot be reopened. Submit it.")
            )
        _set_status(by, inspection, "reopen")
    return inspection


# --- The self-inspection report and its signature ---------------------------------------------


def canonical_content(report: SelfInspectionReport) -> dict:
    """Everything the principal signs, as plain data: the report's texts, the figures and
    every answer."""
    inspection = report.inspection
    mine = inspection.mine
    results = [
        [
            r.item.code,
            r.outcome,
            r.reason,
            r.note,
            r.hazard_level,
            r.criterion.code if r.criterion_id else "",
        ]
        for r in inspection.results.select_related("item", "criterion").order_by("order")
    ]
    f = figures(inspection)
    return {
        "inspection": inspection.pk,
        "kind": inspection.kind,
        "mine": {"code": mine.code, "name": mine.name},
        "enterprise": mine.enterprise.name,
        "checklist": {"code": inspection.template.code, "version": inspection.template.version},
        "started_at": inspection.started_at.isoformat() if inspection.started_at else None,
        "finished_at": inspection.finished_at.isoformat() if inspection.finished_at else None,
        "summary": report.summary,
        "rectification": report.rectification,
        "commitment": report.commitment,
        "figures": f,
        "results": results,
    }


def content_hash(content: dict) -> str:
    data = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass
class Verification:
    signed: bool
    valid: bool
    stored_hash: str
    current_hash: str


def self_report_verify(report: SelfInspectionReport) -> Verification:
    """Whether the signed content still matches the report and the answers as they are now."""
    if not report.is_signed:
        return Verification(False, False, "", content_hash(canonical_content(report)))
    current = content_hash(canonical_content(report))
    valid = current == report.content_hash and content_hash(report.signed_content) == current
    return Verification(True, valid, report.content_hash, current)


def self_report_update(
    *,
    by,
    report: SelfInspectionReport,
    summary: str | None = None,
    rectification: str | None = None,
) -> SelfInspectionReport:
    inspection = report.inspection
    _require_visible(by, inspection)
    require_perm(by, "inspections.submit_inspection", inspection)
    _require_roles(by, inspection, SUBMIT_ROLES[inspection.kind], "submit_inspection")
    with transaction.atomic():
        inspection = _lock(inspection)
        if inspection.is_locked:
            raise ReadOnlyError()
        report = SelfInspectionReport.objects.select_for_update().get(pk=report.pk)
        if report.is_signed:
            raise ValidationError(_("The report is signed; its content can no longer change."))
        if inspection.status != S.FINISHED:
            raise ValidationError(_("The report can be written once the inspection is finished."))
        before = audit.snapshot(report, ["summary", "rectification"])
        if summary is not None:
            report.summary = summary.strip()
        if rectification is not None:
            report.rectification = rectification.strip()
        report.save()
        changes = audit.diff(before, audit.snapshot(report, ["summary", "rectification"]))
        if changes:
            audit.record(actor=by, action=AuditAction.UPDATED, obj=report, changes=changes)
    return report


def self_report_sign(*, by, inspection: Inspection, password: str) -> SelfInspectionReport:
    """The principal signs the report and the commitment letter by entering the password
    again. Stores the signer, the time and the SHA-256 of the canonical content."""
    _require_visible(by, inspection)
    require_perm(by, "inspections.sign_inspection", inspection)
    _require_roles(by, inspection, SIGN_ROLES, "sign_inspection")
    if not inspection.is_self:
        raise ValidationError(_("Only a self-inspection report is signed."))
    if not password or not by.check_password(password):
        audit.record(
            actor=by,
            action=AuditAction.PERMISSION_DENIED,
            obj=inspection,
            success=False,
            changes={"signature": "wrong password"},
        )
        raise ValidationError({"password": _("The password is wrong; the report is not signed.")})
    with transaction.atomic():
        inspection = _lock(inspection)
        _require_transition(inspection, "sign")
        report = SelfInspectionReport.objects.select_for_update().get(inspection=inspection)
        if report.is_signed:
            raise ValidationError(_("The report is already signed."))
        content = canonical_content(report)
        report.signed_content = content
        report.content_hash = content_hash(content)
        report.signed_by = by
        report.signed_at = timezone.now()
        report.save()
        audit.record(
            actor=by,
            action=AuditAction.STATUS_CHANGED,
            obj=inspection,
            changes={"signed": [None, report.content_hash], "transition": "sign"},
        )
    return report


# --- Submission and review -------------------------------------------------------------------


def reviewers_of(inspection: Inspection):
    """The regulators notified of a submission: those whose jurisdiction contains the mine
    (the county bureau and the national bureau's enforcement office)."""
    return users_with_roles_in(
        inspection.mine.region, {Role.REGULATOR_INSPECTOR, Role.REGULATOR_LEADER}
    )


def inspection_submit(*, by, inspection: Inspection) -> Inspection:
    """Submit to the county bureau and the enforcement office; the inspection becomes
    read-only."""
    _require_visible(by, inspection)
    require_perm(by, "inspections.submit_inspection", inspection)
    _require_roles(by, inspection, SUBMIT_ROLES[inspection.kind], "submit_inspection")
    with transaction.atomic():
        inspection = _lock(inspection)
        _require_transition(inspection, "submit")
        if inspection.is_self:
            report = SelfInspectionReport.objects.filter(inspection=inspection).first()
            if report is None or not report.is_signed:
                raise ValidationError(
                    _("The principal must sign the report and the commitment letter first.")
                )
            if not self_report_verify(report).valid:
                raise ValidationError(
                    _("The signed content no longer matches the report; it cannot be submitted.")
                )
        inspection.submitted_at = timezone.now()
        inspection.submitted_by = by
        _set_status(by, inspection, "submit")
        _end_expert_accounts(inspection)
        if inspection.kind in (K.SELF, K.GROUP):
            url = inspection.get_absolute_url()
            title = _("%(inspection)s submitted for review") % {"inspection": inspection}
            transaction.on_commit(
                lambda: notify(recipients=list(reviewers_of(inspection)), title=title, url=url)
            )
    return inspection


def _notify_enterprise(inspection: Inspection, title: str, body: str) -> None:
    from kuangan.core.models import User

    recipients = User.objects.filter(
        organization_id=inspection.mine.enterprise_id,
        groups__name__in=[Role.ENTERPRISE_PRINCIPAL, Role.ENTERPRISE_SAFETY_OFFICER],
        is_active=True,
    ).distinct()
    url = inspection.get_absolute_url()
    transaction.on_commit(
        lambda: notify(recipients=list(recipients), title=title, body=body, url=url)
    )


def inspection_accept(*, by, inspection: Inspection, reason: str = "") -> Inspection:
    _require_review(by, inspection)
    with transaction.atomic():
        inspection = _lock(inspection)
        _require_transition(inspection, "accept")
        inspection.reviewed_by = by
        inspection.reviewed_at = timezone.now()
        inspection.review_reason = (reason or "").strip()
        _set_status(by, inspection, "accept", {"reason": inspection.review_reason})
        _notify_enterprise(
            inspection,
            _("%(inspection)s accepted") % {"inspection": inspection},
            inspection.review_reason,
        )
    return inspection


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Write the reason; the enterprise will read it.")})
    return reason


def inspection_return(*, by, inspection: Inspection, reason: str) -> Inspection:
    """Send back for correction: the same inspection reopens for its authors."""
    _require_review(by, inspection)
    reason = _require_reason(reason)
    with transaction.atomic():
        inspection = _lock(inspection)
        _require_transition(inspection, "return")
        inspection.reviewed_by = by
        inspection.reviewed_at = timezone.now()
        inspection.review_reason = reason
        # The signature covered the old content: a corrected report is signed again.
        SelfInspectionReport.objects.filter(inspection=inspection).update(
            signed_by=None, signed_at=None, content_hash="", signed_content=None
        )
        _set_status(by, inspection, "return", {"reason": reason})
        _notify_enterprise(
            inspection,
            _("%(inspection)s returned for correction") % {"inspection": inspection},
            reason,
        )
    return inspection


def inspection_redo(
    *, by, inspection: Inspection, reason: str, reasons: Iterable[str] = ()
) -> Inspection:
    """推倒重来: the inspection is superseded by a new one (planned, with the current checklist)
    that keeps a link to the old one. ``reasons`` are the notice's grounds (RedoReason)."""
    _require_review(by, inspection)
    reason = _require_reason(reason)
    reasons = list(dict.fromkeys(reasons))
    unknown = [r for r in reasons if r not in RedoReason.values]
    if unknown:
        raise ValidationError({"reasons": _("Unknown redo reason: %(r)s") % {"r": unknown[0]}})
    with transaction.atomic():
        inspection = _lock(inspection)
        _require_transition(inspection, "redo")
        inspection.reviewed_by = by
        inspection.reviewed_at = timezone.now()
        inspection.review_reason = reason
        inspection.redo_reasons = reasons
        _set_status(by, inspection, "redo", {"reason": reason, "reasons": reasons})
        template = pick_template(inspection.mine) or inspection.template
        new = Inspection(
            kind=inspection.kind,
            mine=inspection.mine,
            campaign=inspection.campaign,
            template=template,
            team=inspection.team,
            plan=inspection.plan,
            subject=inspection.subject,
            supersedes=inspection,
            created_by=by,
        )
        new.save()
        count = _fill_results(new)
        for member in inspection.members.exclude(role=TeamRole.EXPERT):
            TeamMember.objects.create(
                inspection=new,
                role=member.role,
                user=member.user,
                name=member.name,
                organization_name=member.organization_name,
            )
        audit.record(
            actor=by,
            action=AuditAction.CREATED,
            obj=new,
            changes={"supersedes": [None, inspection.pk], "item_count": [None, count]},
        )
        _notify_enterprise(
            inspection,
            _("%(inspection)s must be redone") % {"inspection": inspection},
            reason,
        )
    return new


# --- The inspection report (enforcement, supervision, look-back) ------------------------------


def _require_report_author(by, inspection: Inspection) -> None:
    _require_visible(by, inspection)
    require_perm(by, "inspections.report_inspection", inspection)
    _require_roles(by, inspection, SUBMIT_ROLES[inspection.kind], "report_inspection")


def inspection_report_update(
    *,
    by,
    inspection: Inspection,
    conclusion: str | None = None,
    recommendations: str | None = None,
    disposals: dict | None = None,
) -> InspectionReport:
    """Write the report: the conclusion, the recommendations and the disposal opinion of each
    problem (``disposals``: {item result id: (disposal, details)}). Only before submission."""
    from .choices import Disposal

    if inspection.is_self:
        raise ValidationError(_("A self-inspection has a self-inspection report instead."))
    _require_report_author(by, inspection)
    with transaction.atomic():
        inspection = _lock(inspection)
        if inspection.is_locked:
            raise ReadOnlyError()
        if inspection.status != S.FINISHED:
            raise ValidationError(_("The report is written once the inspection is finished."))
        report, _created = InspectionReport.objects.select_for_update().get_or_create(
            inspection=inspection
        )
        before = audit.snapshot(report, ["conclusion", "recommendations"])
        if conclusion is not None:
            report.conclusion = conclusion.strip()
        if recommendations is not None:
            report.recommendations = recommendations.strip()
        report.save()
        changes = audit.diff(before, audit.snapshot(report, ["conclusion", "recommendations"]))
        problems = {r.pk: r for r in inspection.results.filter(outcome=Outcome.NONCOMPLIANT)}
        for key, value in (disposals or {}).items():
            result = problems.get(int(key))
            if result is None:
                raise ValidationError(
                    {
                        "disposals": _("Item result %(id)s is not a problem of this inspection.")
                        % {"id": key}
                    }
                )
            disposal, note = (value, "") if isinstance(value, str) else tuple(value)
            if disposal and disposal not in Disposal.values:
                raise ValidationError({"disposals": _("Unknown disposal opinion.")})
            if (result.disposal, result.disposal_note) != (disposal, (note or "").strip()):
                changes[f"disposal {result.item.code}"] = [result.disposal, disposal]
                result.disposal = disposal
                result.disposal_note = (note or "").strip()
                result.save()
        if changes:
            audit.record(actor=by, action=AuditAction.UPDATED, obj=report, changes=changes)
    return report


def inspection_report_send(
    *, by, inspection: Inspection, sent_on: dt.date, sent_to: str
) -> InspectionReport:
    """Record that the report and the disposal opinions were sent to the local government
    (通报地方政府). Allowed after submission: it records the delivery, not the content."""
    _require_report_author(by, inspection)
    sent_to = (sent_to or "").strip()
    if not sent_to:
        raise ValidationError({"sent_to": _("Name the local government it was sent to.")})
    if sent_on is None or sent_on > timezone.localdate():
        raise ValidationError({"sent_on": _("Give the date it was sent (not in the future).")})
    with transaction.atomic():
        inspection = _lock(inspection)
        if inspection.status not in (S.SUBMITTED, S.ACCEPTED):
            raise ValidationError(_("Submit the inspection before sending its report."))
        report = InspectionReport.objects.select_for_update().get(inspection=inspection)
        before = audit.snapshot(report, ["sent_on", "sent_to"])
        report.sent_on = sent_on
        report.sent_to = sent_to
        report.sent_by = by
        report.save()
        audit.record(
            actor=by,
            action=AuditAction.UPDATED,
            obj=report,
            changes=audit.diff(before, audit.snapshot(report, ["sent_on", "sent_to"])),
        )
    return report


# --- Teams -----------------------------------------------------------------------------------


def team_create(
    *, by, campaign, region, name: str, level: str, leader, members: Iterable = ()
) -> InspectionTeam:
    from kuangan.core.models import Region

    require_perm(by, "inspections.add_inspectionteam")
    if not Region.objects.filter(pk=region.pk).exists() or not any(
        region.path.startswith(p) for p in _paths(by)
    ):
        _deny(by, region, "plan_inspection", _("This region lies outside your jurisdiction."))
    members = list(members)
    for person in [leader, *members]:
        if not set(person.roles) & REGULATOR_ROLES:
            raise ValidationError(
                {"members": _("%(name)s is not a regulator's inspector.") % {"name": person}}
            )
    with transaction.atomic():
        team = InspectionTeam(
            campaign=campaign,
            region=region,
            name=(name or "").strip(),
            level=level,
            leader=leader,
            created_by=by,
        )
        team.full_clean()
        team.save()
        team.members.set(members)
        ensure_visible(by, team)
        changes = audit.diff({}, audit.snapshot(team))
        changes["members"] = [[], sorted(str(m) for m in members)]
        audit.record(actor=by, action=AuditAction.CREATED, obj=team, changes=changes)
    return team


def _paths(user) -> tuple[str, ...]:
    from kuangan.core.scope import scope_of

    return scope_of(user).region_paths


def plan_assign(*, by, campaign, team: InspectionTeam, mines: Iterable) -> list[Inspection]:
    """Give ``mines`` to ``team`` for the campaign's key inspection: a planned enforcement
    inspection per mine (or the planned one moved to the team). A mine already inspected in
    this campaign keeps its inspection."""
    from . import plan as plan_module

    require_perm(by, "inspections.plan_inspection")
    if team.campaign_id != campaign.pk:
        raise ValidationError({"team": _("The team belongs to another campaign.")})
    if not InspectionTeam.objects.visible_to(by).filter(pk=team.pk).exists():
        _deny(by, team, "plan_inspection", _("This team lies outside your jurisdiction."))
    mines = list(mines)
    if not mines:
        raise ValidationError({"mines": _("Choose at least one mine.")})
    t = campaign.thresholds()
    deadline_default = plan_module.phase_deadline(campaign)
    result = []
    with transaction.atomic():
        for mine in mines:
            facts_ = plan_module.facts_of(mine)
            from kuangan.campaigns import rules

            if not rules.inspection_scope(facts_, t).in_scope:
                raise ValidationError(
                    {"mines": _("%(mine)s is not in the key-inspection scope.") % {"mine": mine}}
                )
            deadline = rules.priority(facts_, t).inspect_before or deadline_default
            existing = (
                Inspection.objects.filter(campaign=campaign, mine=mine, kind=K.ENFORCEMENT)
                .current()
                .first()
            )
            if existing is not None:
                if existing.status != S.PLANNED:
                    continue
                if existing.team_id != team.pk:
                    before = existing.team_id
                    existing.team = team
                    existing.version += 1
                    existing.save()
                    audit.record(
                        actor=by,
                        action=AuditAction.UPDATED,
                        obj=existing,
                        changes={"team": [before, team.pk]},
                    )
                result.append(existing)
                continue
            inspection = inspection_create(
                by=by,
                mine=mine,
                kind=K.ENFORCEMENT,
                campaign=campaign,
                team=team,
                deadline=deadline,
                plan=str(team),
            )
            result.append(inspection)
    return result


# --- Look-back sampling ------------------------------------------------------------------------


def _candidates(campaign, region):
    """The look-back population: the mines of ``region`` in the campaign's scope."""
    from kuangan.campaigns import rules
    from kuangan.registry.models import Mine

    from .quality import Candidate

    out = []
    mines = Mine.objects.filter(region__path__startswith=region.path).select_related("region")
    for mine in mines:
        if not rules.campaign_scope(rules.facts(mine.rule_state())).in_scope:
            continue
        parts = mine.region.path.strip("/").split("/")
        city = parts[1] if len(parts) > 2 else parts[-1]
        out.append(Candidate(mine.code, city, mine.region.code))
    return out


def lookback_draw(
    *,
    by,
    campaign,
    region,
    ratio,
    cities: Iterable = (),
    counties: Iterable = (),
    key_mines: Iterable[str] = (),
    seed: str | None = None,
):
    """Draw and record the look-back sample of ``region`` (the full-coverage part and a random
    sample of the rest at ``ratio``) with a recorded seed."""
    from decimal import Decimal, InvalidOperation

    from .models import LookbackDraw
    from .quality import draw

    require_perm(by, "inspections.add_lookbackdraw")
    if not any(region.path.startswith(p) for p in _paths(by)):
        _deny(by, region, "add_lookbackdraw", _("This region lies outside your jurisdiction."))
    try:
        ratio = Decimal(str(ratio))
    except InvalidOperation:
        raise ValidationError({"ratio": _("Give the ratio as a number from 0 to 1.")}) from None
    if not Decimal(0) <= ratio <= Decimal(1):
        raise ValidationError({"ratio": _("Give the ratio as a number from 0 to 1.")})
    city_codes = sorted({getattr(c, "code", c) for c in cities})
    county_codes = sorted({getattr(c, "code", c) for c in counties})
    key_codes = sorted({str(c).strip() for c in key_mines if str(c).strip()})
    population = _candidates(campaign, region)
    known = {c.code for c in population}
    unknown = [c for c in key_codes if c not in known]
    if unknown:
        raise ValidationError(
            {
                "key_mines": _("Not a mine of this region in the campaign: %(codes)s")
                % {"codes": "、".join(unknown[:10])}
            }
        )
    seed = (seed or "").strip() or secrets.token_hex(8)
    full, sampled = draw(
        population,
        cities=city_codes,
        counties=county_codes,
        key_mines=key_codes,
        ratio=float(ratio),
        seed=seed,
    )
    with transaction.atomic():
        record = LookbackDraw(
            campaign=campaign,
            region=region,
            cities=city_codes,
            counties=county_codes,
            key_mines=key_codes,
            ratio=ratio,
            seed=seed,
            population=[[c.code, c.city, c.county] for c in population],
            full=full,
            sampled=sampled,
            drawn_by=by,
        )
        record.full_clean()
        record.save()
        audit.record(
            actor=by,
            action=AuditAction.CREATED,
            obj=record,
            changes={
                "seed": [None, seed],
                "ratio": [None, str(ratio)],
                "population": [None, len(population)],
                "full": [None, len(full)],
                "sampled": [None, sampled],
            },
        )
    return record


def lookback_verify(record) -> bool:
    """Draw again from the recorded population, choices and seed: the same sample?"""
    from .quality import Candidate, draw

    population = [Candidate(*row) for row in record.population]
    full, sampled = draw(
        population,
        cities=record.cities,
        counties=record.counties,
        key_mines=record.key_mines,
        ratio=float(record.ratio),
        seed=record.seed,
    )
    return full == record.full and sampled == record.sampled
