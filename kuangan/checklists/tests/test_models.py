"""Published checklist versions are immutable, whatever path a write takes; who reads what."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from kuangan.checklists import services
from kuangan.checklists.choices import TemplateStatus
from kuangan.checklists.models import (
    ChecklistAspect,
    ChecklistItem,
    ChecklistTemplate,
    HazardStandard,
    ImmutableError,
    MajorHazardCriterion,
    chinese_number,
)
from kuangan.core.choices import Role

from .factories import ChecklistAspectFactory, ChecklistItemFactory, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    return make_template(criteria=["COAL2020-08-01"], publish=True)


def test_a_draft_can_be_changed(db):
    draft = make_template()
    draft.name = "改名"
    draft.save()
    item = draft.items.first()
    item.content = "新内容"
    item.save()
    item.criteria.add(MajorHazardCriterion.objects.get(code="COAL2020-05-01"))
    ChecklistItem.objects.filter(template=draft).update(basis="新依据")
    item.delete()
    assert draft.items.count() == 5


@pytest.mark.parametrize(
    "write",
    [
        "template_save",
        "template_delete",
        "template_queryset_update",
        "aspect_save",
        "aspect_create",
        "aspect_delete",
        "item_save",
        "item_create",
        "item_delete",
        "item_queryset_update",
        "item_queryset_delete",
        "criteria_add",
        "criteria_clear",
        "criteria_from_the_criterion_side",
    ],
)
def test_every_write_to_a_published_version_is_refused(published, write):
    before = services.template_to_dict(published)
    item = published.items.order_by("pk").first()
    aspect = published.aspects.first()
    criterion = MajorHazardCriterion.objects.get(code="COAL2020-05-01")
    with pytest.raises(ImmutableError), transaction.atomic():
        if write == "template_save":
            published.name = "改名"
            published.save()
        elif write == "template_delete":
            published.delete()
        elif write == "template_queryset_update":
            ChecklistTemplate.objects.filter(pk=published.pk).update(name="改名")
        elif write == "aspect_save":
            aspect.name = "改名"
            aspect.save()
        elif write == "aspect_create":
            ChecklistAspectFactory(template=published, order=99)
        elif write == "aspect_delete":
            aspect.delete()
        elif write == "item_save":
            item.content = "改"
            item.save()
        elif write == "item_create":
            ChecklistItemFactory(aspect=aspect, code="99.1")
        elif write == "item_delete":
            item.delete()
        elif write == "item_queryset_update":
            ChecklistItem.objects.filter(template=published).update(content="改")
        elif write == "item_queryset_delete":
            ChecklistItem.objects.filter(template=published).delete()
        elif write == "criteria_add":
            item.criteria.add(criterion)
        elif write == "criteria_clear":
            item.criteria.clear()
        elif write == "criteria_from_the_criterion_side":
            criterion.items.add(item)
    assert services.template_to_dict(ChecklistTemplate.objects.get(pk=published.pk)) == before


def test_the_refusal_is_in_chinese(published):
    published.name = "改名"
    with pytest.raises(ImmutableError) as exc:
        published.save()
    assert "已发布" in exc.value.messages[0]


def test_a_published_version_may_only_be_retired(published):
    published.status = TemplateStatus.RETIRED
    published.name = "改名"
    with pytest.raises(ImmutableError):
        published.save()
    retired = services.checklist_retire(
        by=None, template=ChecklistTemplate.objects.get(pk=published.pk)
    )
    assert retired.status == TemplateStatus.RETIRED
    retired.status = TemplateStatus.PUBLISHED
    with pytest.raises(ImmutableError):
        retired.save()


def test_an_item_cannot_be_moved_out_of_a_published_version(published):
    draft = make_template(code="other")
    item = draft.items.first()
    item.template = published
    item.aspect = published.aspects.first()
    with pytest.raises(ImmutableError):
        item.save()


def test_item_clean_checks_condition_kinds_and_aspect():
    draft = make_template(family="non_coal")
    other = make_template()
    item = draft.items.first()
    item.condition = {"field": "gas_level", "eq": "high"}
    item.mine_kinds = ["coal_underground"]
    item.aspect = other.aspects.first()
    with pytest.raises(ValidationError) as exc:
        item.full_clean()
    errors = exc.value.message_dict
    assert set(errors) == {"condition", "mine_kinds", "aspect"}


def test_mine_kinds_are_stored_so_that_one_kind_can_be_found():
    draft = make_template(family="non_coal")
    item = draft.items.first()
    item.mine_kinds = ["tailings_pond", "metal_underground", "tailings_pond"]
    item.save()
    item.refresh_from_db()
    assert item.mine_kinds == ["metal_underground", "tailings_pond"]
    from kuangan.checklists.models import kinds_q

    mine = ChecklistItem.objects.filter(template=draft)
    assert mine.filter(kinds_q("mine_kinds", "tailings_pond")).get() == item
    assert not mine.filter(kinds_q("mine_kinds", "metal_open_pit")).exists()
    assert mine.filter(kinds_q("mine_kinds", "metal_open_pit", empty_matches=True)).count() == 5


def test_chinese_numbers():
    assert [chinese_number(n) for n in (1, 10, 11, 15, 20, 32)] == [
        "一", "十", "十一", "十五", "二十", "三十二",
    ]  # fmt: skip


# --- Who reads what ---------------------------------------------------------------------------

BUSINESS_ROLES = [
    Role.PROVINCE_ADMIN,
    Role.REGULATOR_LEADER,
    Role.REGULATOR_INSPECTOR,
    Role.ENTERPRISE_PRINCIPAL,
    Role.ENTERPRISE_SAFETY_OFFICER,
    Role.GROUP_INSPECTOR,
    Role.AGENCY_USER,
    Role.GOVERNMENT_USER,
]


@pytest.mark.parametrize("role", Role.values)
def test_who_reads_templates_and_criteria(role, user_in, published):
    draft = make_template(code="draft-one")
    retired = make_template(code="retired-one", publish=True)
    retired = services.checklist_retire(by=None, template=retired)
    user = user_in("220605" if role not in (Role.PROVINCE_ADMIN,) else "220000", role=role)
    visible = set(ChecklistTemplate.objects.visible_to(user).values_list("pk", flat=True))
    items = ChecklistItem.objects.visible_to(user)
    if role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        assert visible == set()
        assert not items.exists()
        assert not MajorHazardCriterion.objects.visible_to(user).exists()
        assert not HazardStandard.objects.visible_to(user).exists()
        assert not user.has_perm("checklists.view_checklisttemplate")
        return
    assert {published.pk, retired.pk} <= visible
    assert user.has_perm("checklists.view_checklisttemplate")
    assert MajorHazardCriterion.objects.visible_to(user).count() == 144
    assert items.filter(template=published).count() == 6
    if role == Role.PROVINCE_ADMIN:
        assert draft.pk in visible
        assert ChecklistAspect.objects.visible_to(user).filter(template=draft).exists()
    else:
        assert draft.pk not in visible
        assert not items.filter(template=draft).exists()


def test_nobody_signed_out_reads_anything(published):
    from django.contrib.auth.models import AnonymousUser

    assert not ChecklistTemplate.objects.visible_to(AnonymousUser()).exists()
    assert not MajorHazardCriterion.objects.visible_to(AnonymousUser()).exists()
