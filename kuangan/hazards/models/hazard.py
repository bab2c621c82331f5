"""The hazard ledger (事故隐患台账): hazards with their rectification (五落实), acceptance and
closure (销号), deadline extensions, evidence, and listed supervision (挂牌督办).

State changes go through ``services``; the model keeps the invariants of one row, the allowed
transitions (``TRANSITIONS``) and the derived facts (``is_overdue``, ``penalty_guidance``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Self

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kuangan.checklists.models import ChecklistItem, MajorHazardCriterion
from kuangan.core.models import (
    Attachment,
    AuditEvent,
    Organization,
    TimeStampedModel,
    VersionedModel,
    reference,
    user_reference,
)
from kuangan.core.ownership import Ownership, Side, side_of
from kuangan.core.scope import ScopedQuerySet
from kuangan.inspections.models import Inspection, ItemResult
from kuangan.registry.models import Mine, MineRow, MineScopedQuerySet

from .. import rules
from ..choices import (
    REGULATOR_SOURCES,
    SELF_SOURCES,
    EvidenceStage,
    ExtensionStatus,
    HazardLevel,
    HazardSource,
    HazardStatus,
    PenaltyGuidance,
)
from .base import today

TRANSITIONS: dict[str, frozenset[str]] = {
    HazardStatus.REPORTED: frozenset({HazardStatus.RECTIFYING}),
    HazardStatus.RECTIFYING: frozenset({HazardStatus.PENDING_ACCEPTANCE}),
    HazardStatus.PENDING_ACCEPTANCE: frozenset({HazardStatus.CLOSED, HazardStatus.REOPENED}),
    HazardStatus.REOPENED: frozenset({HazardStatus.RECTIFYING}),
    HazardStatus.CLOSED: frozenset(),
}

# The 五落实 fields: all five for a major hazard, three for a general one.
FIVE_FIELDS = ("responsible_person", "measures", "funds", "deadline", "contingency_plan")
# What was found, where, when and by whom: the facts of the side that found it (its level
# apart, which changes through its own step).
FINDING_FIELDS = (
    "description",
    "location",
    "criterion",
    "checklist_item",
    "source",
    "found_by",
    "found_by_name",
    "found_on",
    "imminent_danger",
    "reckless_operation",
)
GENERAL_REQUIRED = ("responsible_person", "measures", "deadline")
# The penalty guidance decided for a regulator's finding (the workflows set them).
PENALTY_FIELDS = ("penalty_decided", "penalty_decided_at", "penalty_decided_by", "penalty_basis")
# 七(三): “督促企业深入分析查找产生问题隐患的深层次、根本性原因，制定落实治本措施”: a major hazard's
# root cause and lasting measure, the enterprise's analysis and plan, required with its 五落实.
ROOT_FIELDS = ("root_cause", "lasting_measure")
PLAN_FIELDS = (*FIVE_FIELDS, *ROOT_FIELDS)


class HazardQuerySet(MineScopedQuerySet):
    def with_related(self) -> Self:
        return self.select_related(
            "mine",
            "mine__region",
            "mine__enterprise",
            "criterion",
            "criterion__standard",
            "self_reported_hazard",
            "listing_body",
        )

    def open(self) -> Self:
        return self.exclude(status=HazardStatus.CLOSED)

    def overdue(self, on: dt.date | None = None) -> Self:
        """Deadline passed and not closed (computed, never stored)."""
        return self.filter(overdue_q(on or today()))

    def not_overdue(self, on: dt.date | None = None) -> Self:
        return self.exclude(overdue_q(on or today()))

    def listed(self) -> Self:
        """Under listed supervision now (listed and not yet delisted)."""
        return self.filter(listing_no__gt="", delisted_on__isnull=True)

    def with_penalty_guidance(self, guidance: str, on: dt.date | None = None) -> Self:
        """Hazards whose penalty guidance (``Hazard.guidance``) is ``guidance``: the stored
        decision of a regulator's finding, today's for the enterprise's own record. A
        regulator's finding without a stored decision (recorded before decisions were stored)
        is decided here on the facts of the day it was found."""
        undecided = self.exclude(source__in=list(SELF_SOURCES)).filter(penalty_decided="")
        missing = [
            h.pk
            for h in undecided.select_related("inspection", "self_reported_hazard")
            if h.guidance().value == guidance
        ]
        return self.filter(penalty_q(guidance, on or today()) | Q(pk__in=missing))


def overdue_q(on: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}deadline__lt": on}) & ~Q(**{f"{prefix}status": HazardStatus.CLOSED})


def penalty_q(guidance: str, on: dt.date) -> Q:
    """The database form of ``Hazard.guidance`` (tested against it on every branch): the
    enterprise's own record is judged on ``on`` (``rules.record_state``); a regulator's finding
    reads the guidance decided on the day it was found (``penalty_decided``)."""
    own = Q(source__in=list(SELF_SOURCES))
    in_time = Q(status=HazardStatus.CLOSED) | (
        Q(status__in=list(rules.RECTIFYING_STATUSES)) & ~Q(deadline__lt=on)
    )
    decided = ~own & Q(penalty_decided=guidance)
    if guidance == PenaltyGuidance.LENIENT:
        return (own & in_time) | decided
    if guidance == PenaltyGuidance.HEAVY:
        return decided
    return (own & ~in_time) | decided


class Hazard(MineRow, VersionedModel, TimeStampedModel):
    """An accident hazard (事故隐患) of a mine, general or major."""

    mine = reference(Mine, _("mine"), related_name="hazards")
    code = models.CharField(_("hazard number"), max_length=32, unique=True, editable=False)
    description = models.TextField(_("hazard description"))
    location = models.CharField(_("location in the mine"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=HazardLevel.choices)
    criterion = reference(
        MajorHazardCriterion,
        _("major-hazard criterion"),
        optional=True,
        related_name="hazards",
    )
    checklist_item = reference(
        ChecklistItem, _("checklist item"), optional=True, related_name="hazards"
    )
    source = models.CharField(_("source"), max_length=12, choices=HazardSource.choices)
    inspection = reference(Inspection, _("inspection"), optional=True, related_name="hazards")
    item_result = reference(
        ItemResult,
        _("inspection finding"),
        optional=True,
        related_name="hazard",
        one_to_one=True,
    )
    found_by = user_reference(_("found by"), optional=True)
    found_by_name = models.CharField(_("found by (name)"), max_length=64, blank=True)
    found_on = models.DateField(_("found on"))
    imminent_danger = models.BooleanField(
        _("imminent danger"),
        default=False,
        help_text=_("Danger that threatens the people working there (险情)."),
    )
    reckless_operation = models.BooleanField(
        _("reckless operation"),
        default=False,
        help_text=_("The inspector found people working recklessly (冒险作业)."),
    )
    # 五落实
    responsible_person = models.CharField(_("responsible person"), max_length=64, blank=True)
    measures = models.TextField(_("rectification measures"), blank=True)
    funds = models.DecimalField(
        _("funds (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    contingency_plan = models.TextField(_("contingency plan"), blank=True)
    # 七(三) 根本原因 / 治本措施
    root_cause = models.TextField(
        _("root cause"),
        blank=True,
        help_text=_("The deep-seated, fundamental cause of the hazard (根本性原因)."),
    )
    lasting_measure = models.TextField(
        _("lasting measure"),
        blank=True,
        help_text=_("The measure that removes the cause for good (治本措施)."),
    )
    # Workflow
    status = models.CharField(
        _("status"), max_length=20, choices=HazardStatus.choices, default=HazardStatus.REPORTED
    )
    rectification_note = models.TextField(_("rectification done"), blank=True)
    rectified_by = user_reference(_("rectified by"), optional=True)
    rectified_at = models.DateTimeField(_("rectification reported at"), null=True, blank=True)
    accepted_by = user_reference(_("accepted by"), optional=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    acceptance_note = models.TextField(_("acceptance opinion"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("failed acceptances"), default=0)
    # Penalty guidance (notice 七(四))
    self_reported_hazard = reference(
        "self",
        _("the enterprise's own record"),
        optional=True,
        related_name="enforcement_links",
        help_text=_("The enterprise's earlier record of the same problem (self or group)."),
    )
    # The guidance decided for a regulator's finding on the facts of the day it was found
    # (system-owned: set when the finding is recorded or linked, or recomputed by a regulator).
    penalty_decided = models.CharField(
        _("penalty guidance decided"),
        max_length=10,
        choices=PenaltyGuidance.choices,
        blank=True,
    )
    penalty_decided_at = models.DateTimeField(
        _("penalty guidance decided at"), null=True, blank=True
    )
    penalty_decided_by = user_reference(_("penalty guidance decided by"), optional=True)
    penalty_basis = models.JSONField(
        _("facts of the penalty guidance"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    accountable_persons = models.TextField(
        _("persons held to account"),
        blank=True,
        help_text=_("The enterprise people responsible (由事见人追责)."),
    )
    # Listed supervision (挂牌督办)
    listing_no = models.CharField(_("listing number"), max_length=64, blank=True)
    listing_body = reference(
        Organization, _("listed by"), optional=True, related_name="listed_hazards"
    )
    listed_on = models.DateField(_("listed on"), null=True, blank=True)
    listing_due = models.DateField(_("required completion"), null=True, blank=True)
    delisted_on = models.DateField(_("delisted on"), null=True, blank=True)
    delisted_by = user_reference(_("delisted by"), optional=True)
    reported_upward_at = models.DateTimeField(_("reported upward at"), null=True, blank=True)
    created_by = user_reference(_("recorded by"), optional=True)

    objects = HazardQuerySet.as_manager()
    # The facts of a finding are the side's that found it (``recorder_side``): an enterprise
    # never rewrites what the county's inspection found, nor a regulator the enterprise's own
    # record. The level changes through its own step, with a reason. The 五落实, the root
    # cause and the lasting measure are the enterprise's analysis and plan.
    ownership = Ownership(
        recorder=FINDING_FIELDS,
        enterprise=PLAN_FIELDS,
        steps={"level": _("Change the level")},
        system=PENALTY_FIELDS,
    )

    # What the history shows for the derived guidance the services record (core.history).
    history_choices = {"penalty_guidance": PenaltyGuidance, "penalty_decided": PenaltyGuidance}
    history_labels = {
        "penalty_guidance": _("Penalty guidance"),
        "penalty_decided": _("Penalty guidance"),
    }

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["-found_on", "-pk"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["mine", "found_on"]),
            models.Index(fields=["level", "status"]),
        ]
        permissions = [
            ("rectify_hazard", _("Can fill in and rectify hazards")),
            ("accept_general_hazard", _("Can accept (close) general hazards")),
            ("accept_major_hazard", _("Can accept (close) major hazards")),
            ("list_hazard", _("Can list and delist hazards for supervision")),
            ("decide_extension", _("Can decide on deadline extensions")),
            ("link_hazard", _("Can link a hazard to the enterprise's own record")),
            ("export_hazard", _("Can export the hazard ledger")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(level="major") | Q(criterion__isnull=False),
                name="hazard_major_has_criterion",
            ),
            models.CheckConstraint(
                condition=Q(funds__isnull=True) | Q(funds__gte=0),
                name="hazard_funds_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="hazard_closed_has_closed_at",
            ),
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(deadline__gte=models.F("found_on")),
                name="hazard_deadline_after_found",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("hazards:hazard_detail", args=[self.pk])

    # --- derived facts -------------------------------------------------------------------

    @property
    def is_major(self) -> bool:
        return self.level == HazardLevel.MAJOR

    def recorder_side(self) -> Side:
        """Whose finding this is: the enterprise's own inspections (self, group), or a
        regulator's (enforcement, supervision, a tip-off it followed up); another source is the
        side of whoever recorded it."""
        if self.source in SELF_SOURCES:
            return Side.ENTERPRISE
        if self.source in REGULATOR_SOURCES or self.source == HazardSource.TIPOFF:
            return Side.REGULATOR
        return side_of(self.created_by) or Side.ENTERPRISE

    @property
    def found_by_regulator(self) -> bool:
        return self.recorder_side() == Side.REGULATOR

    @property
    def is_closed(self) -> bool:
        return self.status == HazardStatus.CLOSED

    def overdue_on(self, on: dt.date) -> bool:
        return rules.is_overdue(deadline=self.deadline, closed=self.is_closed, on=on)

    @property
    def is_overdue(self) -> bool:
        return self.overdue_on(today())

    @property
    def is_listed(self) -> bool:
        return bool(self.listing_no) and self.delisted_on is None

    # --- penalty guidance (notice 七(四)) ---------------------------------------------------

    def finding_started_at(self) -> dt.datetime:
        """When the regulator's finding began: its inspection's start (system time), else the
        start of the day it was found on."""
        inspection = self.inspection if self.inspection_id else None
        if inspection is not None and inspection.started_at is not None:
            return inspection.started_at
        return timezone.make_aware(dt.datetime.combine(self.found_on, dt.time.min))

    def record_as_of(self, moment: dt.datetime, day: dt.date) -> rules.SelfRecordFacts:
        """This (enterprise's own) record as it stood at ``moment``: its status and deadline
        then, read back from its audit history; whether the system had recorded it before
        ``moment`` (its ``created_at``, never the ``found_on`` the enterprise typed)."""
        status, deadline = self.status, self.deadline
        later = AuditEvent.objects.filter(
            object_type=self._meta.label_lower, object_id=str(self.pk), timestamp__gt=moment
        ).order_by("-timestamp", "-pk")
        for changes in later.values_list("changes", flat=True):
            if not isinstance(changes, dict):
                continue
            old_status = _old_value(changes, "status")
            if old_status:
                status = old_status
            if isinstance(changes.get("deadline"), list):
                old_deadline = _old_value(changes, "deadline")
                deadline = dt.date.fromisoformat(old_deadline) if old_deadline else None
        return rules.SelfRecordFacts(
            status=status,
            deadline=deadline,
            on=day,
            recorded_before=self.created_at is not None and self.created_at < moment,
        )

    def decide_guidance(self) -> tuple[rules.Guidance, dict]:
        """The guidance of a regulator's finding on the facts of the day it was found (its
        inspection's start; the linked own record as it stood then), and those facts."""
        moment = self.finding_started_at()
        linked = self.self_reported_hazard if self.self_reported_hazard_id else None
        record = linked.record_as_of(moment, self.found_on) if linked is not None else None
        guidance = rules.penalty_guidance(
            rules.HazardFacts(level=self.level, source=self.source, self_record=record)
        )
        basis: dict = {
            "reason": guidance.reason,
            "level": self.level,
            "source": self.source,
            "found_on": self.found_on.isoformat(),
            "inspection": self.inspection_id,
            "inspection_started_at": moment.isoformat(),
            "self_record": None,
        }
        if linked is not None and record is not None:
            basis["self_record"] = {
                "id": linked.pk,
                "code": linked.code,
                "recorded_at": linked.created_at.isoformat() if linked.created_at else None,
                "found_on": linked.found_on.isoformat(),
                "recorded_before": record.recorded_before,
                "status": record.status,
                "deadline": record.deadline.isoformat() if record.deadline else None,
            }
        return guidance, basis

    def guidance(self, on: dt.date | None = None) -> rules.Guidance:
        """The enterprise's own record: what would apply if a regulator acted on it on ``on``
        (today). A regulator's finding: the guidance decided on the day it was found (stored;
        decided now on that day's facts when none is stored)."""
        if self.source in SELF_SOURCES:
            record = rules.SelfRecordFacts(
                status=self.status, deadline=self.deadline, on=on or today()
            )
            return rules.penalty_guidance(
                rules.HazardFacts(level=self.level, source=self.source, self_record=record)
            )
        if self.penalty_decided:
            return rules.Guidance(
                self.penalty_decided,
                accountability_required=self.penalty_decided == PenaltyGuidance.HEAVY,
                reason=str((self.penalty_basis or {}).get("reason", "")),
            )
        return self.decide_guidance()[0]

    @property
    def penalty_guidance(self) -> str:
        return self.guidance().value

    @property
    def accountability_required(self) -> bool:
        return self.guidance().accountability_required

    def penalty_stale(self) -> bool:
        """The facts the stored decision rested on have changed since (the level, the source,
        the linked record): a regulator may recompute it."""
        basis = self.penalty_basis or {}
        if not self.penalty_decided or self.source in SELF_SOURCES:
            return False
        linked = (basis.get("self_record") or {}).get("id")
        return (
            basis.get("level") != self.level
            or basis.get("source") != self.source
            or linked != self.self_reported_hazard_id
            or basis.get("found_on") != self.found_on.isoformat()
        )

    def missing_five(self) -> list[str]:
        """Plan fields still empty for this level: for a major hazard the 五落实 with its root
        cause and lasting measure (七(三)); for a general one the person, measures, deadline."""
        required = PLAN_FIELDS if self.is_major else GENERAL_REQUIRED
        return [f for f in required if getattr(self, f) in (None, "")]

    def can_transition(self, to: str) -> bool:
        return to in TRANSITIONS.get(self.status, frozenset())

    # --- invariants of one row -------------------------------------------------------------

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.is_major and self.criterion_id is None:
            errors["criterion"] = [
                gettext("A major hazard needs the major-hazard criterion it meets.")
            ]
        if self.criterion_id is not None and self.mine_id is not None and self.found_on:
            problem = criterion_problem(self.criterion, self.mine, self.found_on)
            if problem:
                errors["criterion"] = [problem]
        if self.deadline and self.found_on and self.deadline < self.found_on:
            errors["deadline"] = [gettext("The deadline cannot be before the day it was found.")]
        if self.found_on and self.found_on > today():
            errors["found_on"] = [gettext("The finding date cannot be in the future.")]
        if self.funds is not None and self.funds < 0:
            errors["funds"] = [gettext("Funds cannot be negative.")]
        if errors:
            raise ValidationError(errors)


def _old_value(changes: dict, name: str):
    change = changes.get(name)
    return change[0] if isinstance(change, list) and len(change) == 2 else None


def criterion_problem(criterion, mine, found_on: dt.date) -> str | None:
    """Why ``criterion`` cannot be the criterion of a hazard of ``mine`` found on
    ``found_on`` (None when it can): it must belong to a standard in force on that day and
    apply to the mine's kind."""
    if not criterion.standard.is_in_force(found_on):
        return gettext(
            "Criterion %(code)s belongs to %(standard)s, which was not in force on %(date)s; "
            "choose a criterion of the standard in force on the finding date."
        ) % {"code": criterion.code, "standard": criterion.standard, "date": found_on.isoformat()}
    if criterion.mine_kinds and mine.kind not in criterion.mine_kinds:
        return gettext("Criterion %(code)s does not apply to a %(kind)s.") % {
            "code": criterion.code,
            "kind": mine.get_kind_display(),
        }
    return None


class ScopedByHazard(ScopedQuerySet):
    scope_region = "hazard__mine__region"
    scope_enterprise = "hazard__mine__enterprise"


class HazardExtension(TimeStampedModel):
    """A request to extend a hazard's rectification deadline, and its decision."""

    hazard = reference(Hazard, _("hazard"), related_name="extensions")
    requested_by = user_reference(_("requested by"))
    reason = models.TextField(_("reason"))
    old_deadline = models.DateField(_("current deadline"), null=True, blank=True)
    new_deadline = models.DateField(_("requested deadline"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.PENDING,
    )
    decided_by = user_reference(_("decided by"), optional=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    objects = ScopedByHazard.as_manager()

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["hazard"],
                condition=Q(status="pending"),
                name="hazardextension_one_pending",
            )
        ]

    def __str__(self) -> str:
        return gettext("Extension of %(code)s to %(date)s") % {
            "code": self.hazard.code,
            "date": self.new_deadline.isoformat(),
        }

    def audit_region(self):
        return self.hazard.mine.region


class HazardEvidence(models.Model):
    """A photo or document showing the hazard before or after rectification (a core
    ``Attachment`` of the hazard, with its stage)."""

    hazard = reference(Hazard, _("hazard"), related_name="evidence")
    attachment = reference(Attachment, _("file"), related_name="hazard_evidence", one_to_one=True)
    stage = models.CharField(_("stage"), max_length=8, choices=EvidenceStage.choices)

    objects = ScopedByHazard.as_manager()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["stage", "pk"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.attachment}"

    def audit_region(self):
        return self.hazard.mine.region
