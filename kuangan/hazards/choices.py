"""Choices of the hazards app. Values as in GLOSSARY.md."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kuangan.core.choices import ChoiceSet
from kuangan.inspections.choices import HazardLevel  # noqa: F401 (one set for the system)


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


class HazardStatus(ChoiceSet):
    REPORTED = "reported", _("Reported"), "secondary", "flag-3"
    RECTIFYING = "rectifying", _("Rectifying"), "blue", "tool"
    PENDING_ACCEPTANCE = "pending_acceptance", _("Pending acceptance"), "orange", "hourglass"
    CLOSED = "closed", pgettext_lazy("hazard status", "Closed"), "green", "circle-check"
    REOPENED = "reopened", _("Reopened"), "red", "arrow-back-up"


OPEN_STATUSES = frozenset(set(HazardStatus) - {HazardStatus.CLOSED})


class PenaltyGuidance(ChoiceSet):
    LENIENT = "lenient", _("Lenient: may be punished lightly or not at all"), "green"
    HEAVY = "heavy", _("Heavy: punished heavily, people held to account"), "red"
    STANDARD = "standard", pgettext_lazy("penalty guidance", "Standard"), "secondary"


class ExtensionStatus(ChoiceSet):
    PENDING = "pending", _("Pending"), "orange", "hourglass"
    APPROVED = "approved", _("Approved"), "green", "circle-check"
    REFUSED = "refused", _("Refused"), "red", "circle-x"


class EvidenceStage(ChoiceSet):
    BEFORE = "before", _("Before rectification"), "orange"
    AFTER = "after", _("After rectification"), "green"


class OrderKind(models.TextChoices):
    EVACUATE = "evacuate", _("Evacuate workers from the danger area")
    SUSPEND = "suspend", _("Suspend production for rectification")
    CLOSE_REQUEST = "close_request", _("Ask the local government to close the mine")
    TRANSFER = "transfer", _("Transfer to the competent department")
    JUDICIAL_TRANSFER = "judicial_transfer", _("Transfer to the judicial authorities")
    FINE = "fine", _("Fine")
    RECTIFY_BY = "rectify_by", _("Order rectification within a time limit")
    ACCOUNTABILITY = "accountability", _("Hold people to account")


class OrderStatus(ChoiceSet):
    ISSUED = "issued", _("Issued"), "orange", "send"
    COMPLIED = "complied", _("Complied"), "blue", "user-check"
    LIFTED = "lifted", _("Lifted"), "green", "circle-check"
    ESCALATED = "escalated", _("Escalated"), "red", "alert-triangle"


class ReinspectionOutcome(ChoiceSet):
    """七(四): the re-inspection (复查) after a suspension: the conditions for safe production
    are met, or “经停产整顿仍不具备安全生产条件”."""

    MET = "met", _("Conditions for safe production met"), "green", "circle-check"
    UNMET = "unmet", _("Still without the conditions for safe production"), "red", "alert-triangle"


class TransferCategory(models.TextChoices):
    """七(四): “发现超层越界开采等需要移送相关部门处理的” — 等 read as a category the inspector picks
    (the other departments' duties named in 四(三)12)."""

    OUT_OF_BOUNDS = "out_of_bounds", _("Mining beyond the licensed layers or boundaries")
    UNLICENSED = "unlicensed", _("Mining without a licence")
    THEFT = "theft", _("Stealing mineral resources")
    EXPLOSIVES = "explosives", _("Civil explosives")
    SPECIAL_EQUIPMENT = "special_equipment", _("Special equipment")
    CONSTRUCTION = "construction", _("Construction management")
    PROJECT_APPROVAL = "project_approval", _("Approval of mine construction projects")
    OBSOLETE_CAPACITY = "obsolete_capacity", _("Phasing out obsolete capacity")
    OTHER = "other", _("Other matter for another department")


# --- Risk list (风险管控清单) ------------------------------------------------------------------


class RiskLevel(ChoiceSet):
    """The four safety-risk levels and their colours (红橙黄蓝), drawn solid (``risk-red``, as
    kuangan.css) so that they never read as a status badge."""

    RED = "red", _("Major risk (red)"), "red"
    ORANGE = "orange", _("Significant risk (orange)"), "orange"
    YELLOW = "yellow", _("General risk (yellow)"), "yellow"
    BLUE = "blue", _("Low risk (blue)"), "blue"

    @classmethod
    def css(cls, value) -> str:
        return f"risk-{cls.colour(value)}"


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
