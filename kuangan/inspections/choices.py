"""Choices of the inspections app. Values as in GLOSSARY.md."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# One set of hazard levels for the whole system: the hazard ledger's.
from kuangan.hazards.choices import HazardLevel  # noqa: F401


class InspectionKind(models.TextChoices):
    SELF = "self", _("Self-inspection")
    GROUP = "group", _("Group company check")
    ENFORCEMENT = "enforcement", _("Enforcement inspection")
    SUPERVISION = "supervision", _("Supervision inspection")
    LOOKBACK = "lookback", _("Look-back inspection")


REGULATOR_KINDS = frozenset(
    {InspectionKind.ENFORCEMENT, InspectionKind.SUPERVISION, InspectionKind.LOOKBACK}
)


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    FINISHED = "finished", _("Finished")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned for correction")
    REDO = "redo", _("Superseded (redo ordered)")


# Statuses in which the answers may change.
EDITABLE_STATUSES = frozenset({InspectionStatus.IN_PROGRESS})
# Statuses in which nothing of the inspection may change any more.
LOCKED_STATUSES = frozenset(
    {InspectionStatus.SUBMITTED, InspectionStatus.ACCEPTED, InspectionStatus.REDO}
)
DONE_STATUSES = frozenset({InspectionStatus.SUBMITTED, InspectionStatus.ACCEPTED})


class Outcome(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    NONCOMPLIANT = "noncompliant", _("Non-compliant")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    UNCHECKED = "unchecked", _("Not checked")


class Disposal(models.TextChoices):
    RECTIFY = "rectify", _("Order rectification")
    SUSPEND = "suspend", _("Suspend production for rectification")
    PENALTY = "penalty", _("Administrative penalty")
    TRANSFER = "transfer", _("Transfer to other authorities")
    CLOSE_REQUEST = "close_request", _("Propose closure")


class TeamRole(models.TextChoices):
    LEADER = "leader", _("Team leader")
    MEMBER = "member", _("Member")
    EXPERT = "expert", _("Invited expert")


class TeamLevel(models.TextChoices):
    PROVINCE = "province", _("Provincial team")
    CITY = "city", _("City team")
    COUNTY = "county", _("County team")


class RedoReason(models.TextChoices):
    """六(四): “发现自查自改走过场、不认真、重大风险研判不准确、重大事故隐患查不出来、重大问题整改不
    彻底的，一律推倒重来。”"""

    PERFUNCTORY = "perfunctory", _("Perfunctory (going through the motions)")
    CARELESS = "careless", _("Not conscientious")
    RISK_MISJUDGED = "risk_misjudged", _("Major risks misjudged")
    MAJOR_HAZARD_MISSED = "major_hazard_missed", _("Major accident hazards not found")
    NOT_RECTIFIED = "not_rectified", _("Major problems not thoroughly rectified")
    OTHER = "other", _("Other")
