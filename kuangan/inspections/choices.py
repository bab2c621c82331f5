"""Choices of the inspections app. Values as in GLOSSARY.md."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kuangan.core.choices import ChoiceSet


class HazardLevel(ChoiceSet):
    """One set of hazard levels for the whole system: an inspection's finding is graded with
    it, and the hazard ledger (a higher app, ``hazards.choices``) uses the same."""

    GENERAL = "general", _("General hazard"), "secondary"
    MAJOR = "major", _("Major hazard"), "red", "alert-triangle"


class InspectionKind(models.TextChoices):
    SELF = "self", _("Self-inspection")
    GROUP = "group", _("Group company check")
    ENFORCEMENT = "enforcement", _("Enforcement inspection")
    SUPERVISION = "supervision", _("Supervision inspection")
    LOOKBACK = "lookback", _("Look-back inspection")


REGULATOR_KINDS = frozenset(
    {InspectionKind.ENFORCEMENT, InspectionKind.SUPERVISION, InspectionKind.LOOKBACK}
)


class InspectionStatus(ChoiceSet):
    PLANNED = "planned", _("Planned"), "secondary", "calendar"
    IN_PROGRESS = "in_progress", _("In progress"), "blue", "player-play"
    FINISHED = "finished", _("Finished"), "azure", "checks"
    SUBMITTED = "submitted", _("Submitted"), "orange", "send"
    ACCEPTED = "accepted", _("Accepted"), "green", "circle-check"
    RETURNED = "returned", _("Returned for correction"), "red", "arrow-back-up"
    REDO = "redo", _("Superseded (redo ordered)"), "red", "refresh"


# Statuses in which the answers may change.
EDITABLE_STATUSES = frozenset({InspectionStatus.IN_PROGRESS})
# Statuses in which nothing of the inspection may change any more.
LOCKED_STATUSES = frozenset(
    {InspectionStatus.SUBMITTED, InspectionStatus.ACCEPTED, InspectionStatus.REDO}
)
DONE_STATUSES = frozenset({InspectionStatus.SUBMITTED, InspectionStatus.ACCEPTED})


class Outcome(ChoiceSet):
    COMPLIANT = "compliant", _("Compliant"), "green"
    NONCOMPLIANT = "noncompliant", _("Non-compliant"), "red"
    NOT_APPLICABLE = "not_applicable", _("Not applicable"), "secondary"
    UNCHECKED = "unchecked", _("Not checked"), "orange"


class InspectionStep(models.TextChoices):
    """The steps of an inspection's workflow (``models.TRANSITIONS``), as the history names
    them (an audit event's ``transition``)."""

    START = "start", _("Start")
    FINISH = "finish", _("Finish")
    REOPEN = "reopen", _("Reopen")
    SIGN = "sign", _("Sign")
    SUBMIT = "submit", _("Submit")
    ACCEPT = "accept", _("Accept")
    RETURN = "return", _("Return for correction")
    REDO = "redo", _("Order a redo")


class CoverageState(ChoiceSet):
    """Where a mine of the key-inspection plan stands (the coverage board), in board order."""

    NO_TEAM = "no_team", _("No team"), "secondary"
    PLANNED = "planned", _("Planned"), "orange"
    DONE = "done", _("Done"), "green"
    OVERDUE = "overdue", _("Overdue"), "red"


class Disposal(models.TextChoices):
    """The disposal opinion of a problem (七(四)): besides rectification, suspension, penalty,
    transfer and closure, “必须立即下达从危险区域撤出作业人员的指令” and “发现涉嫌犯罪的……移送
    司法机关”."""

    EVACUATE = "evacuate", _("Evacuate workers from the danger area")
    RECTIFY = "rectify", _("Order rectification")
    SUSPEND = "suspend", _("Suspend production for rectification")
    PENALTY = "penalty", _("Administrative penalty")
    TRANSFER = "transfer", _("Transfer to other authorities")
    CLOSE_REQUEST = "close_request", _("Propose closure")
    JUDICIAL_TRANSFER = "judicial_transfer", _("Transfer to the judicial authorities")


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


# The notice's five grounds of a redo (六(四)); ``OTHER`` only adds to one of them.
NOTICE_REDO_REASONS: frozenset[str] = frozenset(
    {
        RedoReason.PERFUNCTORY.value,
        RedoReason.CARELESS.value,
        RedoReason.RISK_MISJUDGED.value,
        RedoReason.MAJOR_HAZARD_MISSED.value,
        RedoReason.NOT_RECTIFIED.value,
    }
)


class LookbackReason(ChoiceSet):
    """Why a mine is in the look-back (回头看) sample. 六(四): “对相关市（州）检查全覆盖、对重点县检查
    全覆盖、对重点矿山检查全覆盖，其他抽查比例由各督导检查组结合实际自行确定。”"""

    KEY_MINE = "key_mine", _("Key mine (checked in full)"), "red", "target"
    COUNTY = "county", _("Visit of a key county"), "orange", "map-pin"
    CITY = "city", _("Visit of a city"), "blue", "building"
    RATIO = "ratio", _("Drawn at the ratio"), "secondary", "dice"


class LookbackMethod(ChoiceSet):
    """How a look-back draw was made (to draw it again the same way)."""

    CENSUS = (
        "census",
        _("Every mine of the chosen cities and key counties (before issue 11)"),
        "secondary",
    )
    VISIT = (
        "visit",
        _("Each chosen city and key county visited, the rest at the ratio"),
        "green",
    )
