from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kuangan.core.choices import ChoiceSet


class PhaseKind(models.TextChoices):
    MOBILISE = "mobilise", _("Mobilisation and deployment")
    SELF_INSPECTION = "self_inspection", _("Enterprise self-inspection and self-correction")
    KEY_INSPECTION = "key_inspection", _("Key inspection")
    SUPERVISION = "supervision", _("Supervision and inspection")
    SUMMARY = "summary", _("Summary and evaluation")


PHASE_ORDER = [k.value for k in PhaseKind]


class CampaignReason(models.TextChoices):
    OPERATING = "operating", _("Producing, under construction or rectifying")
    RESUMED_OR_MANNED = (
        "resumed_or_manned",
        _("Long-term shutdown, resuming production or with people working"),
    )


class InspectionReason(models.TextChoices):
    COAL_OPERATING = "coal_operating", _("Coal mine producing or under construction")
    METAL_UNDERGROUND_OPERATING = (
        "metal_underground_operating",
        _("Metal and non-metal underground mine producing or under construction"),
    )
    METAL_UNDERGROUND_UNSEALED_SHUTDOWN = (
        "metal_underground_unsealed_shutdown",
        _("Long-shutdown underground mine without both electronic seal and physical closure"),
    )
    OPEN_PIT_SLOPE_100M = "open_pit_slope_100m", _("Open-pit slope 100 m or higher")
    DUMP_HEIGHT_100M = "dump_height_100m", _("Waste dump 100 m or higher")
    UNDERGROUND_TO_OPEN_PIT = (
        "underground_to_open_pit",
        _("Open-pit mine converted from underground mining"),
    )
    RESERVES_UNDER_3Y = "reserves_under_3y", _("Recoverable reserves under 3 years")
    OPEN_PIT_TAILINGS_DISCHARGE = (
        "open_pit_tailings_discharge",
        _("Discharges tailings into the upper open pit"),
    )
    TAILINGS_HEAD_TOP = "tailings_head_top", _("Head-top tailings pond")
    TAILINGS_OWNERLESS = "tailings_ownerless", _("Ownerless tailings pond")
    TAILINGS_GRADE_3_OR_ABOVE = "tailings_grade_3_or_above", _("Tailings pond of grade 3 or above")


class ChecklistFamily(models.TextChoices):
    COAL_UNDERGROUND = "coal_underground", _("Underground coal mine checklist")
    COAL_OPEN_PIT = "coal_open_pit", _("Open-pit coal mine checklist")
    NON_COAL = "non_coal", _("Non-coal mine checklist")


class PriorityLevel(ChoiceSet):
    HIGH = "high", pgettext_lazy("inspection priority", "High"), "red"
    NORMAL = "normal", pgettext_lazy("inspection priority", "Normal"), "secondary"


class PriorityReason(models.TextChoices):
    REGULATOR_CONCERN = "regulator_concern", _("Judged by the regulator as of concern")
    SEVERE_HAZARD = "severe_hazard", _("Severe natural hazards")


class SevereHazard(models.TextChoices):
    """The registry's disaster attributes that make a mine's hazards severe (六(三) 灾害严重)."""

    GAS_OUTBURST = "gas_outburst", _("Coal and gas outburst")
    HIGH_GAS = "high_gas", _("High gas")
    ROCKBURST = "rockburst", _("Rockburst")
    SPONTANEOUS_COMBUSTION = "spontaneous_combustion", _("Prone to spontaneous combustion")
    COMPLEX_HYDROGEOLOGY = "complex_hydrogeology", _("Complex or very complex hydrogeology")
    FLOOD_THREAT = "flood_threat", _("Seriously threatened by water")
    HIGH_SLOPE = "high_slope", _("High open-pit slope")
    GEOHAZARD = "geohazard", _("Possibly affected by geological hazards")
    TAILINGS_HEAD_TOP = "tailings_head_top", _("Head-top tailings pond")
    TAILINGS_GRADE_1_OR_2 = "tailings_grade_1_or_2", _("Tailings pond of grade 1 or 2")


# The notice's own words for each reason (English msgids; the Chinese translation is the
# notice's text, quoted).
NOTICE_WORDS = {
    "operating": _(
        "Part 2: all coal and metal/non-metal mines producing, under construction or "
        "rectifying, and tailings ponds being built, in use or rectifying."
    ),
    "resumed_or_manned": _(
        "Part 2: long-shutdown mines that have started to resume production or have people "
        "working must undergo the rectification as producing and constructing mines."
    ),
    "watch": _(
        "Part 2: for unmanned long-shutdown mines, the local emergency bureau strictly "
        "enforces on-site or contact watch duty."
    ),
    "coal_operating": _(
        "Part 4(2)7: coal mines to inspect: all producing and constructing coal mines."
    ),
    "metal_underground_operating": _(
        "Part 4(2)7: all producing and constructing metal/non-metal underground mines."
    ),
    "metal_underground_unsealed_shutdown": _(
        "Part 4(2)7: long-shutdown metal/non-metal underground mines that have not taken "
        "“electronic seal” and physical closure measures."
    ),
    "open_pit_slope_100m": _(
        "Part 4(2)7: metal/non-metal open-pit mines whose current pit slope is 100 m or higher."
    ),
    "dump_height_100m": _("Part 4(2)7: waste dumps whose current height is 100 m or higher."),
    "underground_to_open_pit": _(
        "Part 4(2)7: metal/non-metal open-pit mines converted from underground mining."
    ),
    "reserves_under_3y": _(
        "Part 4(2)7: metal/non-metal open-pit mines with recoverable reserves for less than "
        "3 years."
    ),
    "open_pit_tailings_discharge": _(
        "Part 4(2)7: metal/non-metal open-pit mines that discharge tailings into the upper "
        "open pit."
    ),
    "tailings_head_top": _("Part 4(2)7: all “head-top” tailings ponds."),
    "tailings_ownerless": _("Part 4(2)7: all ownerless tailings ponds."),
    "tailings_grade_3_or_above": _("Part 4(2)7: tailings ponds of grade 3 and above."),
    "regulator_concern": _(
        "Part 6(3): mines the regulator is not at ease with are inspected first."
    ),
    "severe_hazard": _("Part 6(3): mines with severe natural hazards are inspected first."),
    "flood": _(
        "Part 6(3): mines seriously threatened by water or possibly affected by geological "
        "hazards are inspected before the flood season."
    ),
}
