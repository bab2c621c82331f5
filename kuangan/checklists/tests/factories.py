"""Factories of checklist objects, and the checklists app's part of the authorisation matrix.

``make_template`` builds a draft directly (fast, for tests of reads and of the rules of
drafts); publishing goes through ``services.checklist_publish``."""

from __future__ import annotations

import itertools

import factory

from kuangan.core.tests import authz

from ..choices import ChecklistFamily, TemplateStatus
from ..models import (
    ChecklistAspect,
    ChecklistItem,
    ChecklistTemplate,
    HazardStandard,
    MajorHazardCriterion,
)

_serial = itertools.count(1)


class ChecklistTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistTemplate

    code = factory.Sequence(lambda n: f"test-checklist-{n}")
    family = ChecklistFamily.COAL_UNDERGROUND
    name = factory.Sequence(lambda n: f"测试检查表{n}")
    version = 1
    status = TemplateStatus.DRAFT
    source_note = "测试用"


class ChecklistAspectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistAspect

    template = factory.SubFactory(ChecklistTemplateFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"方面{n}")


class ChecklistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistItem

    aspect = factory.SubFactory(ChecklistAspectFactory)
    template = factory.SelfAttribute("aspect.template")
    code = factory.Sequence(lambda n: f"9.{n}")
    order = factory.Sequence(lambda n: n + 1)
    content = factory.Sequence(lambda n: f"检查内容{n}")
    method = "查阅资料，现场检查。"
    basis = "《煤矿安全规程》第一百五十八条"
    condition = factory.LazyFunction(dict)
    mine_kinds = factory.LazyFunction(list)


def make_template(
    family: str = ChecklistFamily.COAL_UNDERGROUND,
    *,
    code: str | None = None,
    aspects: int = 2,
    items: int = 3,
    criteria: list[str] = (),
    publish: bool = False,
    **fields,
) -> ChecklistTemplate:
    """A draft with ``aspects`` × ``items`` items; the first item links ``criteria``.
    ``publish=True`` publishes it through the service (as the command line)."""
    from .. import services

    n = next(_serial)
    template = ChecklistTemplateFactory(
        code=code or f"test-{n}", family=family, name=fields.pop("name", f"测试检查表{n}"), **fields
    )
    first = True
    for a in range(1, aspects + 1):
        aspect = ChecklistAspectFactory(template=template, order=a, name=f"方面{a}")
        for i in range(1, items + 1):
            item = ChecklistItemFactory(
                aspect=aspect, code=f"{a}.{i}", order=i, content=f"检查内容{a}-{i}"
            )
            if first and criteria:
                item.criteria.set(MajorHazardCriterion.objects.filter(code__in=criteria))
            first = False
    if publish:
        template = services.checklist_publish(by=None, template=template)
    return template


def example(code: str) -> ChecklistTemplate:
    """One of the shipped example checklists (loaded by the data migration)."""
    return ChecklistTemplate.objects.get(code=code)


# --- The authorisation matrix -----------------------------------------------------------------

authz.reference(
    HazardStandard, "the major-hazard standards are reference data every signed-in user reads"
)
authz.reference(
    MajorHazardCriterion, "the criteria catalogue is reference data every signed-in user reads"
)
authz.reference(
    ChecklistTemplate,
    "published checklists are read by every signed-in user; not region-scoped (test_models "
    "checks who sees drafts)",
)
authz.reference(ChecklistAspect, "read through its checklist (reference data)")
authz.reference(ChecklistItem, "read through its checklist (reference data)")


def _template_actions(template):
    return [{"pk": template.pk, "action": a} for a in ("new_draft", "publish", "retire", "discard")]


def _template_pk(template):
    return [{"template_pk": template.pk}]


def _mine_code(mine):
    return [{"code": mine.code}]


def _mine_model():
    from kuangan.registry.models import Mine

    return Mine


authz.route("checklists:template_action", model=ChecklistTemplate, kwargs=_template_actions)
authz.route("checklists:aspect_create", model=ChecklistTemplate, kwargs=_template_pk)
authz.route("checklists:item_create", model=ChecklistTemplate, kwargs=_template_pk)
for _name in ("checklists:mine_items", "checklists:mine_print_pdf", "checklists:mine_print_xlsx"):
    authz.route(_name, model=_mine_model(), kwargs=_mine_code, methods=("GET", "POST"))
