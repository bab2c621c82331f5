"""Inspections of all kinds (self, group, enforcement, supervision, look-back): one model, one
state machine. The allowed transitions are declared here (``TRANSITIONS``); the services carry
them out (one per transition) with the permission check, validation and audit."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuangan.campaigns.models import Campaign
from kuangan.checklists.models import ChecklistItem, ChecklistTemplate, MajorHazardCriterion
from kuangan.core.models import Region, TimeStampedModel, VersionedModel, reference, user_reference
from kuangan.core.scope import ScopedQuerySet
from kuangan.core.validators import validate_phone
from kuangan.registry.models import Mine, MineRow, MineScopedQuerySet

from .choices import (
    DONE_STATUSES,
    LOCKED_STATUSES,
    Disposal,
    HazardLevel,
    InspectionKind,
    InspectionStatus,
    InspectionStep,
    LookbackMethod,
    Outcome,
    TeamLevel,
    TeamRole,
)

S = InspectionStatus

# action: (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "start": (frozenset({S.PLANNED, S.RETURNED}), S.IN_PROGRESS),
    "finish": (frozenset({S.IN_PROGRESS}), S.FINISHED),
    "reopen": (frozenset({S.FINISHED}), S.IN_PROGRESS),
    "sign": (frozenset({S.FINISHED}), S.FINISHED),
    "submit": (frozenset({S.FINISHED}), S.SUBMITTED),
    "accept": (frozenset({S.SUBMITTED}), S.ACCEPTED),
    "return": (frozenset({S.SUBMITTED}), S.RETURNED),
    "redo": (frozenset({S.SUBMITTED, S.ACCEPTED}), S.REDO),
}


class ReadOnlyError(ValidationError):
    """A change to a submitted (or accepted, or superseded) inspection."""

    def __init__(self, message=None):
        super().__init__(
            message
            or _("This inspection has been submitted and is read-only; nothing in it can change.")
        )


# --- Teams of the key inspection -----------------------------------------------------------


class InspectionTeamQuerySet(ScopedQuerySet):
    scope_region = "region"


class InspectionTeam(VersionedModel, TimeStampedModel):
    """An enforcement team (执法工作组) of a campaign, formed by a regulator for its region
    (分级分类: a provincial, city or county team)."""

    campaign = reference(Campaign, _("campaign"), related_name="inspection_teams")
    region = reference(Region, _("region"))
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=TeamLevel.choices)
    leader = user_reference(_("team leader"))
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="+"
    )
    created_by = user_reference(_("created by"))

    objects = InspectionTeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection team")
        verbose_name_plural = _("inspection teams")
        ordering = ["campaign", "region__path", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "region", "name"], name="inspection_team_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def audit_region(self) -> Region:
        return self.region


# --- Inspections -----------------------------------------------------------------------------


class InspectionQuerySet(MineScopedQuerySet):
    def visible_to_guest(self, user):
        """An invited expert's temporary account (no organisation, no roles) sees only the
        inspections it is a team member of, while the invitation lasts."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        ids = TeamMember.objects.filter(
            user=user, role=TeamRole.EXPERT, expires_at__gt=timezone.now()
        ).values("inspection_id")
        return self.filter(pk__in=ids, status__in=[S.PLANNED, S.IN_PROGRESS, S.RETURNED])

    def of_kind(self, kind: str):
        return self.filter(kind=kind)

    def done(self):
        return self.filter(status__in=DONE_STATUSES)

    def current(self):
        """Not superseded by a redo."""
        return self.exclude(status=S.REDO)


class Inspection(MineRow, VersionedModel, TimeStampedModel):
    """One inspection of one mine against one pinned, published checklist version."""

    kind = models.CharField(_("kind"), max_length=12, choices=InspectionKind.choices)
    mine = reference(Mine, _("mine"), related_name="inspections")
    campaign = reference(Campaign, _("campaign"), optional=True, related_name="inspections")
    template = reference(ChecklistTemplate, _("checklist"), related_name="inspections")
    team = reference(
        InspectionTeam, _("enforcement team"), optional=True, related_name="inspections"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=InspectionStatus.choices, default=S.PLANNED
    )
    plan = models.TextField(
        _("plan"), blank=True, help_text=_("Scope, staff and schedule of the inspection.")
    )
    planned_on = models.DateField(_("planned date"), null=True, blank=True)
    deadline = models.DateField(_("to be done by"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = user_reference(_("submitted by"), optional=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = user_reference(_("reviewed by"), optional=True)
    review_reason = models.TextField(_("review opinion"), blank=True)
    redo_reasons = models.JSONField(_("redo reasons"), default=list, blank=True)
    supersedes = reference(
        "self",
        _("supersedes"),
        optional=True,
        related_name="superseded_by",
        help_text=_("The inspection this one redoes (推倒重来)."),
        one_to_one=True,
    )
    subject = reference(
        "self",
        _("self-inspection checked"),
        optional=True,
        related_name="checks",
        help_text=_("For a group or supervision inspection: the self-inspection it reviews."),
    )
    created_by = user_reference(_("created by"))

    objects = InspectionQuerySet.as_manager()

    # The history names the workflow's steps (an audit event's ``transition``): core.history.
    history_choices = {"transition": InspectionStep}

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["kind", "status"])]
        permissions = [
            ("conduct_inspection", _("Can conduct inspections (answer items, finish)")),
            ("sign_inspection", _("Can sign a self-inspection report")),
            ("submit_inspection", _("Can submit an inspection")),
            ("review_inspection", _("Can accept, return or order a redo of an inspection")),
            ("plan_inspection", _("Can plan key inspections and form teams")),
            ("report_inspection", _("Can write and send an inspection report")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False),
                name="inspection_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return _("%(kind)s of %(mine)s #%(pk)s") % {
            "kind": self.get_kind_display(),
            "mine": self.mine.name if self.mine_id else "?",
            "pk": self.pk or "",
        }

    def get_absolute_url(self) -> str:
        return reverse("inspections:inspection_detail", args=[self.pk])

    # --- transition guards ------------------------------------------------------------------

    def can(self, action: str) -> bool:
        sources, _target = TRANSITIONS[action]
        return self.status in sources

    def target_of(self, action: str) -> str:
        return TRANSITIONS[action][1]

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status == S.IN_PROGRESS

    @property
    def is_self(self) -> bool:
        return self.kind == InspectionKind.SELF

    def progress(self) -> tuple[int, int]:
        """(answered, total) of the applicable items."""
        counts = self.results.aggregate(
            total=models.Count("pk"),
            answered=models.Count("pk", filter=~Q(outcome=Outcome.UNCHECKED)),
        )
        return counts["answered"], counts["total"]


class TeamMember(models.Model):
    """A person of the inspection's team: a user of the system, or an invited expert (a
    person record with a temporary account limited to this inspection)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="members"
    )
    role = models.CharField(_("role"), max_length=8, choices=TeamRole.choices)
    user = user_reference(_("account"), optional=True, related_name="inspection_memberships")
    name = models.CharField(_("name"), max_length=64)
    organization_name = models.CharField(_("work unit"), max_length=128, blank=True)
    title = models.CharField(_("title or speciality"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[validate_phone])
    expires_at = models.DateTimeField(_("account valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["inspection", "role", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "user"],
                condition=Q(user__isnull=False),
                name="team_member_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


class ItemResultQuerySet(ScopedQuerySet):
    scope_parent = "inspection"

    def with_hazard_ref(self):
        """Load, with each row, the link to the hazard ledger entry made from the finding
        (``ItemResult.hazard_ref``): the reverse one-to-one ``hazard`` that the ledger, a higher
        app, declares. Without that app the rows are returned as they are."""
        if any(rel.name == "hazard" for rel in self.model._meta.related_objects):
            return self.select_related("hazard")
        return self


class ItemResult(models.Model):
    """The answer to one applicable checklist item in one inspection."""

    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        on_delete=models.CASCADE,
        related_name="results",
    )
    item = reference(ChecklistItem, _("checklist item"))
    order = models.PositiveIntegerField(_("order"))
    undecided = models.BooleanField(
        _("applicability to confirm on site"),
        default=False,
        help_text=_("A value the item's condition needs is unknown in the registry."),
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.UNCHECKED
    )
    reason = models.CharField(_("reason (not applicable)"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    hazard_level = models.CharField(
        _("hazard level"), max_length=8, choices=HazardLevel.choices, blank=True
    )
    criterion = reference(MajorHazardCriterion, _("major-hazard criterion"), optional=True)
    disposal = models.CharField(
        _("disposal opinion"), max_length=20, choices=Disposal.choices, blank=True
    )
    disposal_note = models.CharField(_("disposal details"), max_length=300, blank=True)
    recorded_by = user_reference(_("recorded by"), optional=True)
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)

    objects = ItemResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("item result")
        verbose_name_plural = _("item results")
        ordering = ["inspection", "order"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="item_result_once"),
            models.CheckConstraint(
                condition=~Q(outcome="not_applicable") | ~Q(reason=""),
                name="item_result_not_applicable_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(outcome="noncompliant") | Q(hazard_level=""),
                name="item_result_level_only_when_noncompliant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.get_outcome_display()}"

    def save(self, *args, **kwargs):
        status = (
            Inspection._base_manager.filter(pk=self.inspection_id)
            .values_list("status", flat=True)
            .first()
        )
        if status in LOCKED_STATUSES:
            raise ReadOnlyError()
        super().save(*args, **kwargs)

    @property
    def hazard_ref(self) -> int | None:
        """The number (id) of the hazard ledger entry made from this finding, or None. The
        ledger (a higher app) links its entry to the finding; this reads that link back."""
        hazard = getattr(self, "hazard", None)  # the reverse one-to-one, when one exists
        return hazard.pk if hazard is not None else None

    def audit_region(self) -> Region:
        return self.inspection.mine.region

    def clean(self) -> None:
        errors = {}
        if self.outcome == Outcome.NOT_APPLICABLE and not self.reason.strip():
            errors["reason"] = [_("Give the reason why the item does not apply.")]
        if self.outcome == Outcome.NONCOMPLIANT and self.hazard_level == HazardLevel.MAJOR:
            if self.criterion_id is None:
                errors["criterion"] = [
                    _("A major hazard needs the major-hazard criterion it meets.")
                ]
        if errors:
            raise ValidationError(errors)


# --- Reports ---------------------------------------------------------------------------------


class ReportQuerySet(ScopedQuerySet):
    scope_parent = "inspection"


class SelfInspectionReport(TimeStampedModel):
    """The self-inspection report (自查自改报告) and the commitment letter (承诺书) of one
    self-inspection, signed by the enterprise's principal."""

    inspection = models.OneToOneField(
        Inspection,
        verbose_name=_("inspection"),
        on_delete=models.CASCADE,
        related_name="self_report",
    )
    summary = models.TextField(_("summary"), blank=True)
    rectification = models.TextField(_("rectification status"), blank=True)
    commitment = models.TextField(_("commitment letter"), blank=True)
    signed_by = user_reference(_("signed by"), optional=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64, blank=True)
    signed_content = models.JSONField(_("signed content"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("self-inspection report")
        verbose_name_plural = _("self-inspection reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True)
                | (Q(signed_by__isnull=False) & ~Q(content_hash="")),
                name="self_report_signature_complete",
            )
        ]

    def __str__(self) -> str:
        return str(_("Self-inspection report of %(mine)s") % {"mine": self.inspection.mine.name})

    def audit_region(self) -> Region:
        return self.inspection.mine.region

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class InspectionReport(TimeStampedModel):
    """The report of an enforcement (or supervision, look-back) inspection: the problem list
    is its 不符合 items with their disposal opinions; here the recommendations and the record
    of sending it to the local government."""

    inspection = models.OneToOneField(
        Inspection,
        verbose_name=_("inspection"),
        on_delete=models.CASCADE,
        related_name="report",
    )
    conclusion = models.TextField(_("overall conclusion"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    sent_on = models.DateField(_("sent to the local government on"), null=True, blank=True)
    sent_to = models.CharField(_("recipient"), max_length=200, blank=True)
    sent_by = user_reference(_("sent by"), optional=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection report")
        verbose_name_plural = _("inspection reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(sent_on__isnull=True) | ~Q(sent_to=""),
                name="inspection_report_sent_has_recipient",
            )
        ]

    def __str__(self) -> str:
        return str(_("Inspection report of %(mine)s") % {"mine": self.inspection.mine.name})

    def audit_region(self) -> Region:
        return self.inspection.mine.region


# --- Look-back sampling ----------------------------------------------------------------------


class LookbackDrawQuerySet(ScopedQuerySet):
    scope_region = "region"


class LookbackDraw(models.Model):
    """A look-back (回头看) sample: the full-coverage part and a random sample of the rest at
    a ratio, drawn with a recorded seed so that the draw can be repeated and checked."""

    campaign = reference(Campaign, _("campaign"), related_name="lookback_draws")
    region = reference(Region, _("region"))
    cities = models.JSONField(_("cities checked in full"), default=list, blank=True)
    counties = models.JSONField(_("key counties checked in full"), default=list, blank=True)
    key_mines = models.JSONField(_("key mines checked in full"), default=list, blank=True)
    ratio = models.DecimalField(_("sampling ratio of the rest"), max_digits=4, decimal_places=3)
    seed = models.CharField(_("seed"), max_length=64)
    population = models.JSONField(_("mines in the population"), default=list, blank=True)
    full = models.JSONField(_("mines checked in full"), default=list, blank=True)
    sampled = models.JSONField(_("mines drawn at random"), default=list, blank=True)
    # Why each mine was drawn: {code: [{"reason": LookbackReason, "region": code or ""}, …]}.
    reasons = models.JSONField(_("why each mine was drawn"), default=dict, blank=True)
    method = models.CharField(
        _("method"), max_length=16, choices=LookbackMethod.choices, default=LookbackMethod.VISIT
    )
    drawn_by = user_reference(_("drawn by"))
    drawn_at = models.DateTimeField(_("drawn at"), default=timezone.now)

    objects = LookbackDrawQuerySet.as_manager()

    class Meta:
        verbose_name = _("look-back draw")
        verbose_name_plural = _("look-back draws")
        ordering = ["-drawn_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ratio__gte=0) & Q(ratio__lte=1), name="lookback_ratio_0_to_1"
            )
        ]

    def __str__(self) -> str:
        return str(
            _("Look-back draw of %(region)s on %(day)s")
            % {"region": self.region, "day": timezone.localtime(self.drawn_at).date()}
        )

    def get_absolute_url(self) -> str:
        return reverse("inspections:lookback_detail", args=[self.pk])

    def audit_region(self) -> Region:
        return self.region


__all__ = [
    "TRANSITIONS",
    "Inspection",
    "InspectionReport",
    "InspectionTeam",
    "ItemResult",
    "LookbackDraw",
    "ReadOnlyError",
    "SelfInspectionReport",
    "TeamMember",
]
