"""Choices of the mine registry. Values as in GLOSSARY.md."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kuangan.core.choices import ChoiceSet


class MineKind(models.TextChoices):
    COAL_UNDERGROUND = "coal_underground", _("Underground coal mine")
    COAL_OPEN_PIT = "coal_open_pit", _("Open-pit coal mine")
    METAL_UNDERGROUND = "metal_underground", _("Metal and non-metal underground mine")
    METAL_OPEN_PIT = "metal_open_pit", _("Metal and non-metal open-pit mine")
    TAILINGS_POND = "tailings_pond", _("Tailings pond")


class MineStatus(ChoiceSet):
    PRODUCING = "producing", _("Producing / in use"), "green"
    CONSTRUCTING = "constructing", _("Under construction"), "blue"
    RECTIFYING = "rectifying", _("Rectifying"), "orange"
    LONG_SHUTDOWN = "long_shutdown", _("Long-term shutdown"), "secondary"
    CLOSED = "closed", pgettext_lazy("mine status", "Closed"), "dark"


class GasClass(models.TextChoices):
    LOW = "low", _("Low gas")
    HIGH = "high", _("High gas")
    OUTBURST = "outburst", _("Coal and gas outburst")


class HydroClass(models.TextChoices):
    SIMPLE = "simple", pgettext_lazy("hydrogeology", "Simple")
    MEDIUM = "medium", pgettext_lazy("hydrogeology", "Medium")
    COMPLEX = "complex", pgettext_lazy("hydrogeology", "Complex")
    VERY_COMPLEX = "very_complex", pgettext_lazy("hydrogeology", "Very complex")


class Conversion(models.TextChoices):
    NONE = "none", _("No conversion")
    OPEN_PIT_TO_UNDERGROUND = "open_pit_to_underground", _("Open pit to underground")
    UNDERGROUND_TO_OPEN_PIT = "underground_to_open_pit", _("Underground to open pit")


class WatchMode(models.TextChoices):
    ON_SITE = "on_site", _("On-site watch")
    CONTACT = "contact", _("Contact watch")


class LicenceKind(models.TextChoices):
    MINING = "mining", _("Mining licence")
    SAFETY = "safety", _("Safety production licence")


class LicenceState(ChoiceSet):
    """Where a licence stands on a day (the page shows the days left in its own words)."""

    UNDATED = "undated", _("No expiry date recorded"), "secondary"
    EXPIRED = "expired", _("Expired"), "red"
    EXPIRING = "expiring", _("Expiring soon"), "orange"
    VALID = "valid", pgettext_lazy("licence", "Valid"), "green"


COAL_KINDS = frozenset({MineKind.COAL_UNDERGROUND, MineKind.COAL_OPEN_PIT})
METAL_KINDS = frozenset({MineKind.METAL_UNDERGROUND, MineKind.METAL_OPEN_PIT})
OPEN_PIT_KINDS = frozenset({MineKind.COAL_OPEN_PIT, MineKind.METAL_OPEN_PIT})
UNDERGROUND_KINDS = frozenset({MineKind.COAL_UNDERGROUND, MineKind.METAL_UNDERGROUND})
MINE_KINDS_NOT_TAILINGS = frozenset(set(MineKind) - {MineKind.TAILINGS_POND})


class ChangeRequestStatus(ChoiceSet):
    PENDING = "pending", _("Awaiting decision"), "yellow"
    APPROVED = "approved", _("Approved"), "green"
    REJECTED = "rejected", _("Rejected"), "red"
    WITHDRAWN = "withdrawn", _("Withdrawn"), "secondary"
