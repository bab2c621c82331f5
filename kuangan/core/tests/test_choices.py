"""Choices carry their presentation (``core.choices.ChoiceSet``): every status declares its
colour once, and the ledger, the object page and the templates all show that colour."""

import importlib
import inspect
import re

import pytest
from django.db import models
from django.template import Context, Template
from django.utils import translation

from kuangan.core.choices import COLOURS, ChoiceSet, OrganizationKind, badge, choice_set
from kuangan.core.ledger import Column

APPS = ("core", "registry", "campaigns", "checklists", "inspections", "hazards")


def choice_classes():
    for app in APPS:
        module = importlib.import_module(f"kuangan.{app}.choices")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, models.Choices) and cls.__module__ == module.__name__:
                yield name, cls


STATUS_CHOICES = [cls for name, cls in choice_classes() if name.endswith("Status")]
CHOICE_SETS = [cls for _name, cls in choice_classes() if issubclass(cls, ChoiceSet)]


def test_every_status_is_a_choice_set():
    assert STATUS_CHOICES, "no status choices found"
    for cls in STATUS_CHOICES:
        assert issubclass(cls, ChoiceSet), f"{cls.__name__} declares no colours"


@pytest.mark.parametrize("cls", CHOICE_SETS, ids=lambda c: c.__name__)
def test_every_member_has_a_colour(cls):
    for member in cls:
        assert member._colour_ in COLOURS, f"{cls.__name__}.{member.name}"
        assert cls.colour(member) == member._colour_
        assert cls.colour(member.value) == member._colour_
        assert cls.css(member)
        assert cls.hex(member)[0].startswith("#")
        assert choice_set(f"{cls.__module__.split('.')[1]}.{cls.__name__}") is cls


def test_the_design_meanings_of_the_colours():
    """DESIGN.md: red = major / overdue / refused, orange = pending review, green = closed /
    compliant / accepted, grey = draft."""
    from kuangan.checklists.choices import TemplateStatus
    from kuangan.hazards.choices import ExtensionStatus, HazardLevel, HazardStatus
    from kuangan.inspections.choices import InspectionStatus, Outcome

    assert HazardLevel.colour(HazardLevel.MAJOR) == "red"
    assert HazardStatus.colour(HazardStatus.CLOSED) == "green"
    assert HazardStatus.colour(HazardStatus.PENDING_ACCEPTANCE) == "orange"
    assert ExtensionStatus.colour(ExtensionStatus.REFUSED) == "red"
    assert InspectionStatus.colour(InspectionStatus.ACCEPTED) == "green"
    assert InspectionStatus.colour(InspectionStatus.SUBMITTED) == "orange"
    assert Outcome.colour(Outcome.COMPLIANT) == "green"
    assert TemplateStatus.colour(TemplateStatus.DRAFT) == "secondary"


def test_risk_levels_keep_their_own_colours():
    from kuangan.hazards.choices import RiskLevel

    assert [RiskLevel.css(level) for level in RiskLevel] == [
        "risk-red",
        "risk-orange",
        "risk-yellow",
        "risk-blue",
    ]


def test_a_choice_without_a_colour_is_refused():
    with pytest.raises(TypeError, match="colour"):

        class Bad(ChoiceSet):
            ONE = "one", "One"

    with pytest.raises(TypeError, match="unknown colour"):

        class Worse(ChoiceSet):
            ONE = "one", "One", "mauve"


def test_choice_sets_are_still_text_choices():
    assert OrganizationKind.REGULATOR == "regulator"
    assert OrganizationKind.choices[0][0] == "regulator"
    assert "agency" in OrganizationKind.values


def test_badge_label_icon_and_unknown_values():
    from kuangan.hazards.choices import HazardStatus

    with translation.override("zh-hans"):
        html = badge(HazardStatus, "closed")
        assert html == (
            '<span class="badge bg-green-lt"><i class="ti ti-circle-check"></i> 已销号</span>'
        )
        assert HazardStatus.badge("gone") == '<span class="badge bg-secondary-lt">gone</span>'
        assert HazardStatus.label_of("rectifying") == "整改中"
        out = Template(
            '{% load choices %}{{ v|badge:"hazards.HazardStatus" }}|'
            '{{ v|badge_class:"hazards.HazardStatus" }}|{{ v|choice_label:cls }}'
        ).render(Context({"v": "reported", "cls": HazardStatus}))
        assert out == (
            '<span class="badge bg-secondary-lt"><i class="ti ti-flag-3"></i> 已上报</span>'
            "|bg-secondary-lt|已上报"
        )


def test_ledger_column_badge_from_the_choice():
    class Row:
        kind = "agency"
        suspended = True

    assert Column("kind", "Kind", "get_kind_display", badge=OrganizationKind).badge_class(
        Row()
    ) == ("bg-purple-lt")
    assert Column("s", "S", "suspended", badge=lambda r: "bg-red").badge_class(Row()) == "bg-red"
    assert Column("x", "X").badge_class(Row()) == ""
    assert not Column("x", "X").has_badge


# --- one colour for one status, on every page that shows it ----------------------------------


def badge_classes(html: str, label: str) -> set[str]:
    """The css classes of the badges whose text is ``label``."""
    found = set()
    for m in re.finditer(
        r'<(?:span|a) class="badge ([^"]*)"[^>]*>(?:<i [^>]*></i> )?([^<]*)<', html
    ):
        if m.group(2).strip() == label:
            found.update(c for c in m.group(1).split() if c.startswith("bg-"))
    return found


@pytest.mark.django_db
def test_a_hazard_status_has_one_colour_in_the_ledger_and_on_its_page(client, user_in):
    from kuangan.core.choices import Role
    from kuangan.hazards.choices import HazardStatus
    from kuangan.hazards.tests.factories import make_hazard
    from kuangan.registry.tests.factories import make_mine

    inspector = user_in("220605", role=Role.REGULATOR_INSPECTOR)
    mine = make_mine("220605")
    client.force_login(inspector)
    for status in HazardStatus:
        hazard = make_hazard(mine, status=status, five=status != HazardStatus.REPORTED)
        with translation.override("zh-hans"):
            label = str(status.label)
        page = client.get(f"/hazards/{hazard.pk}/").content.decode()
        ledger = client.get("/hazards/", {"status": status.value}).content.decode()
        expected = {HazardStatus.css(status)}
        assert badge_classes(page, label) == expected, status
        assert badge_classes(ledger, label) == expected, status
