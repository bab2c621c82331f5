"""The three example checklists shipped with the system: loaded in a fresh database by the data
migration, with the notice's aspect counts, complete items, and every criterion linked."""

from collections import Counter

import pytest
from django.db.models import QuerySet

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
    assert (t.family, t.status, t.version) == (family, TemplateStatus.PUBLISHED, 2)
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
        "example-coal-underground": 110,
        "example-coal-open-pit": 125,
        "example-non-coal": 100,
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


# --- Issue 11: the open-pit coal example and the hidden-hazard survey ----------------------

NOTICE_OPEN_PIT_FOCUS = (
    "违反设计规定建设",
    "边建设边生产",
    "边技改边生产",
    "多作业点作业",
    "边坡失稳",
    "撤出作业人员",
    "视频",
)


def test_open_pit_bases_name_a_chapter_of_part_four_not_only_the_part():
    """Every basis that cites 《煤矿安全规程》第四编 (露天煤矿) names the chapter it means."""
    import re

    for item in example("example-coal-open-pit").items.all():
        for cite in re.findall(r"第四编[^；]*", item.basis):
            assert re.match(r"第四编(第.章|中)", cite), (item.code, item.basis)


def test_open_pit_example_borrows_no_threshold_from_the_non_coal_scope():
    """The notice's 「边坡高度200米以上的金属非金属露天矿山，现状堆置高度100米及以上的排土场」
    is the non-coal key-inspection scope: the open-pit coal example carries no such condition."""
    for item in example("example-coal-open-pit").items.all():
        fields = conditions.fields_of(item.condition)
        assert not fields & {"slope_height_m", "dump_height_m"}, item.code
        assert "100 m" not in item.content and "200 m" not in item.content, item.code


def test_open_pit_example_checks_the_notices_open_pit_focus():
    """专项整治（2）: 「重点整治违反设计规定建设，边建设边生产、边技改边生产，违规布置多作业点
    作业，边坡角超设计等突出问题。发现边坡失稳、存在垮塌风险的，必须立即从危险区域撤出作业
    人员，加强监测预警和视频监控」."""
    text = " ".join(example("example-coal-open-pit").items.values_list("content", flat=True))
    for words in NOTICE_OPEN_PIT_FOCUS:
        assert words in text, words
    (item,) = [
        i for i in example("example-coal-open-pit").items.all() if "违规布置多作业点" in i.content
    ]
    assert {c.code for c in item.criteria.all()} == {"COAL2020-04-01", "COAL2020-04-02"}


def test_at_least_half_of_the_open_pit_items_are_linked_to_a_criterion():
    t = example("example-coal-open-pit")
    linked = t.items.filter(criteria__isnull=False).distinct().count()
    assert linked * 2 >= t.items.count(), (linked, t.items.count())


@pytest.mark.parametrize("code", ASPECTS)
def test_every_example_has_an_item_on_the_hidden_hazard_survey(code):
    """The notice's first focus: 「聚焦隐蔽致灾因素普查治理」, and 专项整治（1）: 「常态化开展
    隐蔽致灾因素普查治理，发现存在隐蔽致灾因素普查不清、治理措施落实不到位等问题的，要主动
    采取停产、限产等安全防范措施」."""
    (item,) = [i for i in example(code).items.all() if "隐蔽致灾因素普查" in i.content]
    assert "停产、限产" in item.content
    assert "吉应急煤矿综合联〔2023〕48号" in item.basis


def test_a_newer_example_version_retires_the_published_one():
    """An existing database that has version 1 gets version 2 published, based on version 1,
    and version 1 retired (one current version per checklist)."""
    from kuangan.checklists.models import ChecklistAspect, ChecklistItem

    old = example("example-coal-open-pit")
    # the state of a database migrated before issue 11 (a published row is immutable through
    # the model's own queryset, so the set-up goes round it)
    QuerySet.update(ChecklistTemplate.objects.filter(pk=old.pk), version=1)
    created = examples.load(
        template_model=ChecklistTemplate,
        aspect_model=ChecklistAspect,
        item_model=ChecklistItem,
        criterion_model=MajorHazardCriterion,
        published_at=None,
    )
    assert [(t.code, t.version) for t in created] == [("example-coal-open-pit", 2)]
    old.refresh_from_db()
    assert old.status == TemplateStatus.RETIRED
    new = ChecklistTemplate.objects.get(code="example-coal-open-pit", version=2)
    assert (new.status, new.based_on_id) == (TemplateStatus.PUBLISHED, old.pk)
