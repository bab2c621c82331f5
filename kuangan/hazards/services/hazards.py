"""The hazard's own workflow: record, edit, and the steps of its state machine (start the
rectification, ask for acceptance, accept and close, or reject)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction, RegionLevel, Role
from kuangan.core.models import User
from kuangan.core.ownership import Side, enforce, side_of
from kuangan.core.services import (
    is_visible,
    notify,
    refuse,
    require_perm,
    save_new,
    transition,
    users_with_roles_in,
)
from kuangan.registry.models import Mine

from ..choices import SELF_SOURCES, EvidenceStage, HazardLevel, HazardSource, HazardStatus
from ..models import FINDING_FIELDS, PLAN_FIELDS, ROOT_FIELDS, Hazard, today
from .common import (
    LOCK_RELATED,
    clean_funds,
    is_enterprise_user,
    is_regulator_user,
    next_serial,
    not_closed,
    require_hazard_visible,
    require_mine_in_area,
    require_rectifier,
)
from .penalty import decide_at_recording

# Fields a user may set when recording or editing a hazard.
EDITABLE_FIELDS = (*FINDING_FIELDS, "level", *PLAN_FIELDS, "accountable_persons")
# Fields that stay as recorded once the rectification started (only the 五落实 may change).
FROZEN_AFTER_REPORT = ("source", "found_on")
# Who accepts a general hazard at the enterprise; who hears of a major hazard it found.
ENTERPRISE_ACCEPT_ROLES = frozenset({Role.ENTERPRISE_PRINCIPAL, Role.ENTERPRISE_SAFETY_OFFICER})
UPWARD_ROLES = frozenset({Role.REGULATOR_LEADER, Role.REGULATOR_INSPECTOR})


def _check_source(by: User, source: str) -> None:
    """Enterprises record their own findings; regulators record theirs."""
    if is_enterprise_user(by):
        allowed = {HazardSource.GROUP} if Role.GROUP_INSPECTOR in by.roles else set()
        if by.roles & ENTERPRISE_ACCEPT_ROLES:
            allowed |= {HazardSource.SELF, HazardSource.OTHER}
        if source not in allowed:
            raise ValidationError(
                {"source": [_("An enterprise records hazards found by its own inspections.")]}
            )
    elif source in SELF_SOURCES:
        raise ValidationError(
            {"source": [_("Self-inspection and group findings are recorded by the enterprise.")]}
        )


# --- create -------------------------------------------------------------------------------


def hazard_create(*, by: User, mine: Mine, **fields: Any) -> Hazard:
    """Record a hazard of ``mine`` (status ``reported``). ``fields`` are those of
    ``EDITABLE_FIELDS``; ``found_on`` defaults to today, ``found_by`` to ``by``. A major
    hazard found by the enterprise is reported upward at once (county and city bureaus)."""
    require_perm(by, "hazards.add_hazard")
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"inspection", "item_result"}
    if unknown:
        raise ValidationError({key: [_("This field cannot be set here.")] for key in unknown})
    require_mine_in_area(by, mine)
    fields.setdefault("found_on", today())
    fields.setdefault("source", HazardSource.SELF if is_enterprise_user(by) else "")
    if "funds" in fields:
        fields["funds"] = clean_funds(fields["funds"])
    if not fields.get("found_by") and not fields.get("found_by_name"):
        fields["found_by"] = by
    _check_source(by, fields["source"])
    with transaction.atomic():
        hazard = Hazard(mine=mine, created_by=by, **fields)
        hazard.code = next_serial(
            Hazard.objects.all(), "code", f"{mine.code}-{hazard.found_on.year}-"
        )
        decide_at_recording(hazard)  # a regulator's finding: on the facts of its day
        save_new(hazard, by=by)
        if hazard.is_major and hazard.source in SELF_SOURCES:
            _report_upward(by, hazard)
    return hazard


def _report_upward(by: User, hazard: Hazard) -> int:
    """Notice task 2: “发现重大事故隐患的，要立即按照程序处理，并及时上报。” Notify the county
    and city bureaus governing the mine (in-app, and e-mail where configured)."""
    recipients = users_with_roles_in(hazard.mine.region, set(UPWARD_ROLES)).filter(
        organization__region__level__in=[RegionLevel.COUNTY, RegionLevel.CITY]
    )
    count = notify(
        recipients=list(recipients),
        title=_("Major hazard reported: %(mine)s") % {"mine": hazard.mine.name},
        body=_("%(code)s found on %(date)s: %(description)s")
        % {
            "code": hazard.code,
            "date": hazard.found_on.isoformat(),
            "description": hazard.description[:200],
        },
        url=hazard.get_absolute_url(),
    )
    hazard.reported_upward_at = timezone.now()
    Hazard.objects.filter(pk=hazard.pk).update(reported_upward_at=hazard.reported_upward_at)
    audit.record(
        actor=by,
        action=AuditAction.UPDATED,
        obj=hazard,
        changes={"reported_upward_at": [None, hazard.reported_upward_at], "notified": count},
    )
    return count


# --- edit ---------------------------------------------------------------------------------


def _hazard_edit(
    hazard: Hazard, *, by: User, version: int | None, **options: Any
) -> AbstractContextManager[Hazard]:
    """A change of an open hazard that is no step of its workflow (its data, its level)."""
    return transition(
        hazard,
        by=by,
        version=version,
        guard=not_closed,
        action=AuditAction.UPDATED,
        related=LOCK_RELATED,
        **options,
    )


def hazard_update(*, by: User, hazard: Hazard, version: int | None = None, **fields: Any) -> Hazard:
    """Change the recorded data or the 五落实 of an open hazard. A closed hazard is
    read-only; a change on a stale ``version`` is refused (ConflictError)."""
    require_perm(by, "hazards.change_hazard", hazard)
    require_hazard_visible(by, hazard, "hazards.change_hazard")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({key: [_("This field cannot be changed here.")] for key in unknown})
    if "funds" in fields:
        fields["funds"] = clean_funds(fields["funds"])
    # Who found it owns the finding; the level changes through its step (``Hazard.ownership``).
    enforce(by, hazard, fields)
    with transaction.atomic():
        with _hazard_edit(hazard, by=by, version=version) as current:
            was_major = current.is_major
            if current.status != HazardStatus.REPORTED:
                frozen = [
                    f
                    for f in FROZEN_AFTER_REPORT
                    if f in fields and fields[f] != getattr(current, f)
                ]
                if frozen:
                    raise ValidationError(
                        {
                            f: [_("This cannot change once the rectification started.")]
                            for f in frozen
                        }
                    )
            if "source" in fields and fields["source"] != current.source:
                _check_source(by, fields["source"])
            for key, value in fields.items():
                setattr(current, key, value)
            current.full_clean()
            if current.status in (HazardStatus.RECTIFYING, HazardStatus.PENDING_ACCEPTANCE):
                missing = current.missing_five()
                if missing:
                    raise ValidationError(
                        {f: [_("Required while the hazard is being rectified.")] for f in missing}
                    )
        if (
            not was_major
            and hazard.is_major
            and hazard.source in SELF_SOURCES
            and hazard.reported_upward_at is None
        ):
            _report_upward(by, hazard)
    return hazard


def hazard_change_level(
    *,
    by: User,
    hazard: Hazard,
    level: str,
    reason: str,
    criterion: Any = None,
    version: int | None = None,
) -> Hazard:
    """Change the level of an open hazard (一般 ↔ 重大), with a reason, on the side that found
    it. A major hazard needs its criterion. A downgrade of a major hazard is told to the county
    and city bureaus that must know of majors (and to the listing body); an enterprise's own
    finding raised to major is reported upward as a new major is."""
    require_perm(by, "hazards.change_hazard", hazard)
    require_hazard_visible(by, hazard, "hazards.change_hazard")
    if side_of(by) != hazard.recorder_side():
        refuse(
            by,
            _("The level of a hazard is changed by the side that found it (%(side)s).")
            % {"side": hazard.recorder_side().label},
            obj=hazard,
            perm="hazards.change_level",
        )
    errors = {}
    if level not in HazardLevel.values:
        errors["level"] = [_("Choose general or major.")]
    elif level == hazard.level:
        errors["level"] = [_("The hazard already has this level.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the level changes.")]
    if errors:
        raise ValidationError(errors)
    downgrade = hazard.is_major and level != HazardLevel.MAJOR
    with transaction.atomic():
        with _hazard_edit(
            hazard,
            by=by,
            version=version,
            changes=lambda before, current: {
                **audit.diff(before, audit.snapshot(current)),
                "reason": reason.strip(),
            },
            notify=_notify_downgrade if downgrade else None,
        ) as current:
            current.level = level
            current.criterion = criterion if level == HazardLevel.MAJOR else None
            current.full_clean()
        if hazard.is_major and hazard.source in SELF_SOURCES and hazard.reported_upward_at is None:
            _report_upward(by, hazard)
    return hazard


def _notify_downgrade(hazard: Hazard) -> None:
    """A major hazard became general: the bureaus that must know of majors are told."""
    recipients = users_with_roles_in(hazard.mine.region, set(UPWARD_ROLES)).filter(
        organization__region__level__in=[RegionLevel.COUNTY, RegionLevel.CITY]
    )
    if hazard.listing_body_id:
        recipients = recipients | User.objects.filter(
            organization_id=hazard.listing_body_id, is_active=True
        )
    notify(
        recipients=list(recipients.distinct()),
        title=_("Major hazard downgraded to general: %(code)s") % {"code": hazard.code},
        body=hazard.description[:200],
        url=hazard.get_absolute_url(),
    )


# --- transitions --------------------------------------------------------------------------


def _transition_guard(to: str) -> Callable[[Hazard], None]:
    """The guard of the step to ``to``: a closed hazard is read-only, and the workflow allows
    the move (``TRANSITIONS``)."""

    def guard(hazard: Hazard) -> None:
        not_closed(hazard)
        if not hazard.can_transition(to):
            raise ValidationError(
                _("A hazard that is “%(status)s” cannot move to “%(to)s”.")
                % {"status": hazard.get_status_display(), "to": HazardStatus(to).label}
            )

    return guard


def _hazard_step(
    hazard: Hazard,
    *,
    by: User,
    to: str,
    version: int | None,
    notify: Callable[[Hazard], object] | None = None,
) -> AbstractContextManager[Hazard]:
    """The workflow step of ``hazard`` to status ``to``, through the one door."""
    return transition(
        hazard,
        by=by,
        version=version,
        to=to,
        guard=_transition_guard(to),
        notify=notify,
        related=LOCK_RELATED,
    )


def hazard_start_rectification(
    *, by: User, hazard: Hazard, version: int | None = None, **five: Any
) -> Hazard:
    """reported / reopened → rectifying. The 五落实 (given here or filled in before) must be
    complete: all five for a major hazard; person, measures and deadline for a general one."""
    require_rectifier(by, hazard, _("The enterprise rectifies its hazards."))
    unknown = set(five) - set(PLAN_FIELDS)
    if unknown:
        raise ValidationError({key: [_("This field cannot be set here.")] for key in unknown})
    if "funds" in five:
        five["funds"] = clean_funds(five["funds"])
    with _hazard_step(hazard, by=by, to=HazardStatus.RECTIFYING, version=version) as current:
        for key, value in five.items():
            setattr(current, key, value)
        missing = current.missing_five()
        if missing:
            raise ValidationError(
                {
                    f: [
                        _("Required before a major hazard can be rectified (五落实).")
                        if current.is_major
                        else _("Required before rectification starts.")
                    ]
                    for f in missing
                }
            )
        if (
            current.deadline
            and current.deadline < today()
            and current.status == HazardStatus.REPORTED
        ):
            raise ValidationError({"deadline": [_("The deadline has already passed.")]})
        current.full_clean()
    return hazard


def hazard_request_acceptance(
    *, by: User, hazard: Hazard, note: str = "", version: int | None = None
) -> Hazard:
    """rectifying → pending_acceptance: the enterprise reports the rectification done. A major
    hazard needs before and after evidence first."""
    require_rectifier(by, hazard, _("The enterprise rectifies its hazards."))
    with _hazard_step(
        hazard,
        by=by,
        to=HazardStatus.PENDING_ACCEPTANCE,
        version=version,
        notify=_notify_acceptors,
    ) as current:
        if current.is_major:
            _require_evidence(current)
            # 七(三): the root cause and the lasting measure, before acceptance.
            missing = [f for f in ROOT_FIELDS if not getattr(current, f)]
            if missing:
                raise ValidationError(
                    {
                        f: [_("Required before a major hazard is accepted (七(三)).")]
                        for f in missing
                    }
                )
        current.rectified_by = by
        current.rectified_at = timezone.now()
        current.rectification_note = note
    return hazard


def _notify_acceptors(hazard: Hazard) -> None:
    recipients: models.QuerySet[User]
    if hazard.is_major:
        recipients = users_with_roles_in(hazard.mine.region, {Role.REGULATOR_INSPECTOR})
        recipients = recipients.filter(organization__region__level=RegionLevel.COUNTY)
    else:
        recipients = User.objects.filter(
            organization=hazard.mine.enterprise,
            groups__name__in=list(ENTERPRISE_ACCEPT_ROLES),
            is_active=True,
        ).exclude(pk=hazard.rectified_by_id)
    notify(
        recipients=list(recipients.distinct()),
        title=_("Hazard awaiting acceptance: %(code)s") % {"code": hazard.code},
        body=hazard.description[:200],
        url=hazard.get_absolute_url(),
    )


def _require_evidence(hazard: Hazard) -> None:
    stages = set(hazard.evidence.values_list("stage", flat=True))
    missing = [s for s in (EvidenceStage.BEFORE, EvidenceStage.AFTER) if s not in stages]
    if missing:
        raise ValidationError(
            {
                "evidence": [
                    _(
                        "A major hazard needs evidence before and after rectification; missing: %(stages)s."
                    )
                    % {"stages": "、".join(str(EvidenceStage(s).label) for s in missing)}
                ]
            }
        )


def may_accept(user: User, hazard: Hazard) -> str | None:
    """None when ``user`` may accept (销号) ``hazard``; otherwise the reason why not."""
    if not is_visible(user, hazard):
        return _("The hazard is outside your jurisdiction.")
    if hazard.is_listed:
        # Notice 七(三): listed by the province; closed only with the province's consent.
        org = getattr(user, "organization", None)
        if not (
            user.has_perm("hazards.accept_major_hazard")
            and is_regulator_user(user)
            and org is not None
            and org.region.level == RegionLevel.PROVINCE
        ):
            return _(
                "A hazard under listed supervision is accepted and closed with the province's "
                "consent: by the provincial bureau."
            )
        return None
    if hazard.is_major:
        listing_body = (
            hazard.listing_body_id
            and getattr(user, "organization_id", None) == hazard.listing_body_id
        )
        if not user.has_perm("hazards.accept_major_hazard") or not (
            is_regulator_user(user) or listing_body
        ):
            return _("A major hazard is accepted by the county bureau or the body that listed it.")
        return None
    if hazard.recorder_side() == Side.REGULATOR:
        if not user.has_perm("hazards.accept_general_hazard") or not is_regulator_user(user):
            return _("A hazard a regulator found is accepted by the regulator.")
        return None
    if not user.has_perm("hazards.accept_general_hazard") or not (
        is_enterprise_user(user) and user.roles & ENTERPRISE_ACCEPT_ROLES
    ):
        return _("A general hazard is accepted by the enterprise principal or safety officer.")
    if hazard.rectified_by_id is not None and hazard.rectified_by_id == user.pk:
        return _("The person who reported the rectification cannot also accept it.")
    return None


def _require_acceptor(by: User, hazard: Hazard) -> None:
    """Whoever may accept the hazard (``may_accept``) decides on its acceptance."""
    perm = "hazards.accept_major_hazard" if hazard.is_major else "hazards.accept_general_hazard"
    require_perm(by, perm, hazard)
    reason = may_accept(by, hazard)
    if reason:
        refuse(by, reason, obj=hazard, perm=perm)


def hazard_accept(
    *, by: User, hazard: Hazard, note: str = "", version: int | None = None
) -> Hazard:
    """pending_acceptance → closed (销号). See ``may_accept`` for who."""
    _require_acceptor(by, hazard)
    with _hazard_step(hazard, by=by, to=HazardStatus.CLOSED, version=version) as current:
        if current.is_major:
            _require_evidence(current)
        current.accepted_by = by
        current.closed_at = timezone.now()
        current.acceptance_note = note
    return hazard


def hazard_reject(*, by: User, hazard: Hazard, reason: str, version: int | None = None) -> Hazard:
    """pending_acceptance → reopened: acceptance failed; the enterprise rectifies again."""
    _require_acceptor(by, hazard)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the rectification is not accepted.")]})
    with _hazard_step(hazard, by=by, to=HazardStatus.REOPENED, version=version) as current:
        current.acceptance_note = reason
        current.reopen_count += 1
    return hazard
