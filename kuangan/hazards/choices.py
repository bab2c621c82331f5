"""Choices of the hazards app. Values as in GLOSSARY.md."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class HazardLevel(models.TextChoices):
    GENERAL = "general", _("General hazard")
    MAJOR = "major", _("Major hazard")


class HazardSource(models.TextChoices):
    SELF = "self", _("Self-inspection")
    GROUP = "group", _("Group company inspection")
    ENFORCEMENT = "enforcement", _("Enforcement inspection")
    SUPERVISION = "supervision", _("Supervision inspection")
    TIPOFF = "tipoff", _("Tip-off")
    OTHER = "other", _("Other")


# Sources that are the enterprise's own finding (自查自报).
SELF_SOURCES = frozenset({HazardSource.SELF, HazardSource.GROUP})
# Sources that are a regulator's finding.
REGULATOR_SOURCES = frozenset({HazardSource.ENFORCEMENT, HazardSource.SUPERVISION})


class HazardStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    RECTIFYING = "rectifying", _("Rectifying")
    PENDING_ACCEPTANCE = "pending_acceptance", _("Pending acceptance")
    CLOSED = "closed", pgettext_lazy("hazard status", "Closed")
    REOPENED = "reopened", _("Reopened")


OPEN_STATUSES = frozenset(set(HazardStatus) - {HazardStatus.CLOSED})


class PenaltyGuidance(models.TextChoices):
    LENIENT = "lenient", _("Lenient: may be punished lightly or not at all")
    HEAVY = "heavy", _("Heavy: punished heavily, people held to account")
    STANDARD = "standard", pgettext_lazy("penalty guidance", "Standard")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class EvidenceStage(models.TextChoices):
    BEFORE = "before", _("Before rectification")
    AFTER = "after", _("After rectification")


class OrderKind(models.TextChoices):
    EVACUATE = "evacuate", _("Evacuate workers from the danger area")
    SUSPEND = "suspend", _("Suspend production for rectification")
    CLOSE_REQUEST = "close_request", _("Ask the local government to close the mine")
    TRANSFER = "transfer", _("Transfer to the competent department")
    JUDICIAL_TRANSFER = "judicial_transfer", _("Transfer to the judicial authorities")
    FINE = "fine", _("Fine")
    RECTIFY_BY = "rectify_by", _("Order rectification within a time limit")
    ACCOUNTABILITY = "accountability", _("Hold people to account")


class OrderStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    COMPLIED = "complied", _("Complied")
    LIFTED = "lifted", _("Lifted")
    ESCALATED = "escalated", _("Escalated")


# --- Risk list (风险管控清单) ------------------------------------------------------------------


class RiskLevel(models.TextChoices):
    """The four safety-risk levels and their colours (红橙黄蓝)."""

    RED = "red", _("Major risk (red)")
    ORANGE = "orange", _("Significant risk (orange)")
    YELLOW = "yellow", _("General risk (yellow)")
    BLUE = "blue", _("Low risk (blue)")


# Most serious first.
RISK_LEVEL_ORDER = (RiskLevel.RED, RiskLevel.ORANGE, RiskLevel.YELLOW, RiskLevel.BLUE)


class RiskHazardType(models.TextChoices):
    """The kind of disaster a risk point can lead to."""

    GAS = "gas", _("Gas")
    WATER = "water", _("Water inrush")
    FIRE = "fire", _("Fire")
    ROCKBURST = "rockburst", _("Rockburst")
    ROOF = "roof", _("Roof fall")
    DUST = "dust", _("Dust")
    RUNAWAY = "runaway", _("Runaway cars and falling cages")
    DAM_FAILURE = "dam_failure", _("Dam failure")
    TAILINGS_LEAK = "tailings_leak", _("Tailings leak")
    BLASTING = "blasting", _("Blasting")
    ELECTROMECHANICAL = "electromechanical", _("Machinery and electricity")
    TRANSPORT = "transport", _("Transport")
    OTHER = "other", _("Other")


class ControlLevel(models.TextChoices):
    """Who controls a risk (分级管控: company, mine, department, team, shift group)."""

    COMPANY = "company", _("Company level")
    MINE = "mine", _("Mine level")
    DEPARTMENT = "department", _("Department level")
    TEAM = "team", _("Team level")
    GROUP = "group", _("Shift group level")


# Highest first.
CONTROL_LEVEL_ORDER = (
    ControlLevel.COMPANY,
    ControlLevel.MINE,
    ControlLevel.DEPARTMENT,
    ControlLevel.TEAM,
    ControlLevel.GROUP,
)
