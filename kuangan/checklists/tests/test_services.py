"""Versions: new draft copied from the last version, publish (retiring the one before), retire,
discard, editing a draft, the diff, and who may do it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kuangan.checklists import services
from kuangan.checklists.choices import TemplateStatus
from kuangan.checklists.diff import template_diff
from kuangan.checklists.exports import template_to_dict
from kuangan.checklists.models import ChecklistTemplate, ImmutableError, MajorHazardCriterion
from kuangan.core.choices import AuditAction, Role
from kuangan.core.models import AuditEvent

from .factories import example, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(user_in):
    return user_in("220000", role=Role.PROVINCE_ADMIN)


def _without_version(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "version"}


def test_new_draft_is_a_copy_of_the_last_version(admin):
    v1 = example("example-coal-underground")
    draft = services.checklist_draft_create(by=admin, template=v1)
    assert (draft.code, draft.version, draft.status) == (v1.code, 3, TemplateStatus.DRAFT)
    assert draft.based_on == v1
    assert _without_version(template_to_dict(draft)) == _without_version(template_to_dict(v1))
    assert draft.items.count() == v1.items.count() == 110
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATED, object_id=str(draft.pk), actor=admin
    ).exists()


def test_new_draft_copies_the_last_version_even_from_an_older_page(admin):
    v1 = make_template(publish=True)
    v2 = services.checklist_draft_create(by=admin, template=v1)
    services.checklist_item_delete(by=admin, item=v2.items.get(code="1.1"))
    v2 = services.checklist_publish(by=admin, template=v2)
    v3 = services.checklist_draft_create(by=admin, template=ChecklistTemplate.objects.get(pk=v1.pk))
    assert v3.version == 3 and v3.based_on == v2
    assert not v3.items.filter(code="1.1").exists()


def test_only_one_draft_per_checklist(admin):
    v1 = make_template(publish=True)
    services.checklist_draft_create(by=admin, template=v1)
    with pytest.raises(ValidationError) as exc:
        services.checklist_draft_create(by=admin, template=v1)
    assert "草稿" in exc.value.messages[0]
    assert ChecklistTemplate.objects.filter(code=v1.code).count() == 2


def test_publish_retires_the_version_before(admin):
    v1 = make_template(publish=True)
    v2 = services.checklist_draft_create(by=admin, template=v1)
    v2 = services.checklist_publish(by=admin, template=v2)
    v1.refresh_from_db()
    assert (v1.status, v2.status) == (TemplateStatus.RETIRED, TemplateStatus.PUBLISHED)
    assert v2.published_by == admin and v2.published_at is not None
    assert v1.retired_by == admin
    assert ChecklistTemplate.objects.filter(code=v1.code).published().get() == v2

    def status_changes(obj):
        events = AuditEvent.objects.filter(action=AuditAction.STATUS_CHANGED, object_id=str(obj.pk))
        return [
            e.changes["status"] for e in events.filter(object_type="checklists.checklisttemplate")
        ]

    assert ["published", "retired"] in status_changes(v1)
    assert ["draft", "published"] in status_changes(v2)


def test_a_draft_with_problems_cannot_be_published(admin):
    draft = make_template()
    services.checklist_aspect_save(by=admin, template=draft, name="空方面")
    with pytest.raises(ValidationError) as exc:
        services.checklist_publish(by=admin, template=draft)
    assert any("空方面" in m for m in exc.value.messages)
    draft.refresh_from_db()
    assert draft.status == TemplateStatus.DRAFT


def test_only_drafts_publish_and_only_published_retire(admin):
    published = make_template(publish=True)
    with pytest.raises(ValidationError):
        services.checklist_publish(by=admin, template=published)
    draft = make_template()
    with pytest.raises(ValidationError):
        services.checklist_retire(by=admin, template=draft)
    retired = services.checklist_retire(by=admin, template=published)
    assert retired.status == TemplateStatus.RETIRED
    with pytest.raises(ImmutableError):
        services.checklist_draft_discard(by=admin, template=retired)


def test_discard_a_draft(admin):
    v1 = make_template(publish=True)
    v2 = services.checklist_draft_create(by=admin, template=v1)
    services.checklist_draft_discard(by=admin, template=v2)
    assert list(ChecklistTemplate.objects.filter(code=v1.code)) == [v1]
    assert AuditEvent.objects.filter(action=AuditAction.DELETED, object_id=str(v2.pk)).exists()


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.PROVINCE_ADMIN])
def test_only_the_province_admin_drafts_publishes_and_retires(role, user_in):
    user = user_in("220600", role=role)
    published = make_template(publish=True)
    draft = make_template()
    for call in (
        lambda: services.checklist_publish(by=user, template=draft),
        lambda: services.checklist_retire(by=user, template=published),
        lambda: services.checklist_draft_create(by=user, template=published),
        lambda: services.checklist_draft_discard(by=user, template=draft),
        lambda: services.checklist_template_create(by=user, code="x", family="other", name="x"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    draft.refresh_from_db()
    published.refresh_from_db()
    assert (draft.status, published.status) == (TemplateStatus.DRAFT, TemplateStatus.PUBLISHED)
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.PERMISSION_DENIED, actor=user, success=False
        ).count()
        == 5
    )


def test_editing_a_draft_and_the_diff(admin):
    v1 = make_template(criteria=["COAL2020-05-01"], publish=True)
    v2 = services.checklist_draft_create(by=admin, template=v1)
    aspect1 = v2.aspects.get(order=1)
    new_aspect = services.checklist_aspect_save(by=admin, template=v2, name="新增方面")
    services.checklist_item_save(
        by=admin,
        template=v2,
        aspect=new_aspect,
        code="3.1",
        content="新增的检查内容",
        method="查阅记录",
        basis="《煤矿安全规程》第一百五十九条",
        criteria=[MajorHazardCriterion.objects.get(code="COAL2020-08-02")],
        condition={"field": "gas_class", "in": ["high", "outburst"]},
    )
    services.checklist_item_delete(by=admin, item=v2.items.get(code="2.3"))
    item = v2.items.get(code="1.1")
    services.checklist_item_save(
        by=admin,
        template=v2,
        item=item,
        aspect=aspect1,
        code="1.1",
        content="改过的内容",
        method=item.method,
        basis=item.basis,
        criteria=[],
    )
    diff = template_diff(v1, v2)
    assert [i["code"] for i in diff.added] == ["3.1"]
    assert [i["code"] for i in diff.removed] == ["2.3"]
    assert [(c.code, c.fields) for c in diff.changed] == [("1.1", ["content", "criteria"])]
    assert diff.aspects_added == ["新增方面"] and diff.aspects_removed == []
    assert diff.summary() == {
        "added": 1, "removed": 1, "changed": 1, "aspects_added": 1, "aspects_removed": 0,
    }  # fmt: skip
    assert template_diff(v1, v1).is_empty


def test_item_save_refuses_bad_input_and_changes_nothing(admin):
    draft = make_template(family="non_coal")
    aspect = draft.aspects.first()
    before = template_to_dict(draft)
    cases = [
        {"code": "1.2"},  # duplicate number
        {"criteria": [MajorHazardCriterion.objects.get(code="COAL2020-04-01")]},  # coal criterion
        {"condition": {"field": "slope", "gte": 100}},
        {"mine_kinds": ["coal_underground"]},
    ]
    for case in cases:
        values = {
            "code": "1.9",
            "content": "内容",
            "criteria": [],
            "condition": {},
            "mine_kinds": [],
        }
        values.update(case)
        with pytest.raises(ValidationError):
            services.checklist_item_save(by=admin, template=draft, aspect=aspect, **values)
    assert template_to_dict(draft) == before


def test_a_published_version_is_not_edited_through_the_services(admin):
    published = make_template(publish=True)
    with pytest.raises(ImmutableError):
        services.checklist_aspect_save(by=admin, template=published, name="新方面")
    with pytest.raises(ImmutableError):
        services.checklist_item_delete(by=admin, item=published.items.first())
    with pytest.raises(ImmutableError):
        services.checklist_template_update(by=admin, template=published, name="x", source_note="")


def test_create_an_empty_checklist(admin):
    t = services.checklist_template_create(
        by=admin, code="special-2024", family="other", name="专项检查表", source_note=""
    )
    assert (t.version, t.status) == (1, TemplateStatus.DRAFT)
    with pytest.raises(ValidationError):
        services.checklist_template_create(by=admin, code="special-2024", family="other", name="x")
