from django.db import models
from django.utils.translation import gettext_lazy as _

from kuangan.core.choices import ChoiceSet
from kuangan.registry.choices import MineKind  # the registry's kinds (``Mine.kind``)


class ChecklistFamily(models.TextChoices):
    COAL_UNDERGROUND = "coal_underground", _("Underground coal mines")
    COAL_OPEN_PIT = "coal_open_pit", _("Open-pit coal mines")
    NON_COAL = "non_coal", _("Non-coal mines")
    OTHER = "other", _("Other")


# Which mine kinds a template of each family is meant for.
FAMILY_KINDS: dict[str, tuple[str, ...]] = {
    ChecklistFamily.COAL_UNDERGROUND: (MineKind.COAL_UNDERGROUND,),
    ChecklistFamily.COAL_OPEN_PIT: (MineKind.COAL_OPEN_PIT,),
    ChecklistFamily.NON_COAL: (
        MineKind.METAL_UNDERGROUND,
        MineKind.METAL_OPEN_PIT,
        MineKind.TAILINGS_POND,
    ),
    ChecklistFamily.OTHER: tuple(MineKind.values),
}


def family_of_kind(kind: str) -> str | None:
    """The template family a mine of ``kind`` is inspected with."""
    for family in (
        ChecklistFamily.COAL_UNDERGROUND,
        ChecklistFamily.COAL_OPEN_PIT,
        ChecklistFamily.NON_COAL,
    ):
        if kind in FAMILY_KINDS[family]:
            return family
    return None


class TemplateStatus(ChoiceSet):
    DRAFT = "draft", _("Draft"), "secondary", "pencil"
    PUBLISHED = "published", _("Published"), "green", "circle-check"
    RETIRED = "retired", _("Retired"), "dark", "archive"


class StandardFamily(models.TextChoices):
    COAL = "coal", _("Coal mines")
    METAL_NONMETAL = "metal_nonmetal", _("Metal and non-metal mines")


class StandardPart(models.TextChoices):
    """Parts of a standard (the metal/non-metal standard has three; the coal one has none)."""

    NONE = "", _("(whole standard)")
    UNDERGROUND = "UG", _("Underground mines")
    OPEN_PIT = "OP", _("Open-pit mines")
    TAILINGS = "TP", _("Tailings ponds")


class CheckResult(ChoiceSet):
    """The three answers of a printed checklist row."""

    COMPLIANT = "compliant", _("Compliant"), "green"
    NONCOMPLIANT = "noncompliant", _("Non-compliant"), "red"
    NOT_APPLICABLE = "not_applicable", _("Not applicable"), "secondary"
