"""The three example checklists shipped with the system: loaded in a fresh database by the data
migration, with the notice's aspect counts, complete items, and every criterion linked."""

from collections import Counter

import pytest

from kuangan.checklists import conditions, examples
from kuangan.checklists.choices import FAMILY_KINDS, TemplateStatus
from kuangan.checklists.models import ChecklistTemplate, MajorHazardCriterion

from .factories import example

pytestmark = pytest.mark.django_db

# 吉应急煤矿综合联〔2023〕48号: 井工煤矿 13 个方面, 露天煤矿 16 个方面, 非煤矿山 15 个方面.
ASPECTS = {
    "example-coal-underground": ("coal_underground", 13),
    "example-coal-open-pit": ("coal_open_pit", 16),
    "example-non-coal": ("non_coal", 15),
}


@pytest.mark.parametrize(("code", "expected"), ASPECTS.items())
def test_example_loads_published_with_the_notices_aspect_count(code, expected):
    family, aspect_count = expected
    t = example(code)
    assert (t.family, t.status, t.version) == (family, TemplateStatus.PUBLISHED, 1)
    assert t.aspects.count() == aspect_count
    assert "示例" in t.name and "示例" in t.source_note and "不是官方检查表" in t.source_note
    for aspect in t.aspects.all():
        assert aspect.items.count() >= 6, aspect.name


@pytest.mark.parametrize("code", ASPECTS)
def test_every_item_has_a_check_a_method_and_a_basis(code):
    for item in example(code).items.all():
        assert len(item.content) >= 8, item.code
        assert item.method, item.code
        assert item.basis and ("《" in item.basis or "GB" in item.basis), item.code
        assert conditions.errors_of(item.condition) == []
        for criterion in item.criteria.all():
            assert "判定标准" in item.basis or criterion.code in item.basis or "GB" in item.basis


@pytest.mark.parametrize("code", ASPECTS)
def test_every_criterion_of_the_applicable_standards_is_linked(code):
    t = example(code)
    needed = set()
    for kind in FAMILY_KINDS[t.family]:
        needed |= set(MajorHazardCriterion.objects.for_kind(kind).values_list("code", flat=True))
    linked = set(
        MajorHazardCriterion.objects.filter(items__template=t).values_list("code", flat=True)
    )
    assert needed - linked == set()
    assert linked <= needed  # and nothing from a standard that does not apply


def test_criterion_counts_per_example():
    linked = {
        code: MajorHazardCriterion.objects.filter(items__template=example(code)).distinct().count()
        for code in ASPECTS
    }
    assert linked == {
        "example-coal-underground": 79,
        "example-coal-open-pit": 21,
        "example-non-coal": 64,
    }


def test_non_coal_items_say_which_mines_they_are_for():
    t = example("example-non-coal")
    kinds = Counter(k for item in t.items.all() for k in item.mine_kinds)
    assert set(kinds) == {"metal_underground", "metal_open_pit", "tailings_pond"}
    for criterion_part, kind in (
        ("UG", "metal_underground"),
        ("OP", "metal_open_pit"),
        ("TP", "tailings_pond"),
    ):
        for item in t.items.filter(criteria__part=criterion_part):
            assert item.mine_kinds == [kind], item.code


def test_examples_use_conditions_where_the_notice_names_them():
    fields = Counter()
    for t in ChecklistTemplate.objects.filter(code__in=ASPECTS):
        for item in t.items.all():
            fields.update(conditions.fields_of(item.condition))
    for name in (
        "gas_class",
        "hydro_class",
        "rockburst",
        "slope_height_m",
        "dump_height_m",
        "head_top",
        "ownerless",
        "tailings_grade",
        "reserve_years",
        "conversion",
        "tailings_into_open_pit",
        "status",
        "personnel_on_site",
        "resuming",
    ):
        assert fields[name] >= 1, name


def test_item_counts():
    counts = {code: example(code).items.count() for code in ASPECTS}
    assert counts == {
        "example-coal-underground": 109,
        "example-coal-open-pit": 104,
        "example-non-coal": 99,
    }


def test_loading_again_adds_nothing():
    from kuangan.checklists.models import ChecklistAspect, ChecklistItem, MajorHazardCriterion
    from kuangan.checklists.models import ChecklistTemplate as T

    created = examples.load(
        template_model=T,
        aspect_model=ChecklistAspect,
        item_model=ChecklistItem,
        criterion_model=MajorHazardCriterion,
        published_at=None,
    )
    assert created == []
    assert T.objects.filter(code__in=ASPECTS).count() == 3
