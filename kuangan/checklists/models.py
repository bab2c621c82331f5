"""The major-hazard criteria catalogue and the checklist templates.

``HazardStandard`` → ``MajorHazardCriterion``: the official criteria of a major accident hazard
(重大事故隐患判定标准), one standard per version, loaded from data files. A hazard keeps the
criterion of the version in force on the day it was found (``in_force(on=...)``).

``ChecklistTemplate`` → ``ChecklistAspect`` → ``ChecklistItem``: the inspection checklist
(《矿山安全生产综合整治检查表》), versioned. A published or retired version never changes: the
model refuses every write to it (save, delete, bulk update, criteria links), so inspections that
pinned a version can always show what they checked.
"""

from __future__ import annotations

import datetime as dt
from typing import Self

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kuangan.core.models import TimeStampedModel, reference, user_reference
from kuangan.core.scope import ScopedQuerySet

from . import conditions
from .choices import (
    FAMILY_KINDS,
    ChecklistFamily,
    MineKind,
    StandardFamily,
    StandardPart,
    TemplateStatus,
)

CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 15 → 十五, 32 → 三十二 (up to 99)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CN_DIGITS[tens]
    return f"{head}十{CN_DIGITS[ones] if ones else ''}"


class MineKindsField(models.CharField):
    """A list of mine kinds, stored as ``,kind,kind,`` so that ``kinds_q`` can find one kind
    with a plain ``contains`` on every database. An empty list means "no restriction"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 120)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    @staticmethod
    def normalise(value) -> list[str]:
        if value is None or value == "":
            return []
        if isinstance(value, str):
            value = [v for v in value.split(",") if v]
        order = {k: i for i, k in enumerate(MineKind.values)}
        return sorted(dict.fromkeys(str(v) for v in value), key=lambda k: order.get(k, 99))

    def from_db_value(self, value, expression, connection):
        return self.normalise(value)

    def to_python(self, value):
        return self.normalise(value)

    def get_prep_value(self, value):
        if isinstance(value, str):  # a lookup value such as ",coal_underground,"
            return value
        kinds = self.normalise(value)
        return f",{','.join(kinds)}," if kinds else ""

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        unknown = [k for k in value or [] if k not in MineKind.values]
        if unknown:
            raise ValidationError(
                gettext("Unknown mine kind “%(kind)s”.") % {"kind": unknown[0]}, code="invalid"
            )


def kinds_q(lookup: str, kind: str, *, empty_matches: bool = False) -> Q:
    """Rows whose mine-kind list (``lookup``) contains ``kind`` (or is empty)."""
    q = Q(**{f"{lookup}__contains": f",{kind},"})
    if empty_matches:
        q |= Q(**{lookup: ""})
    return q


class ReadableByAllQuerySet(ScopedQuerySet):
    """Reference data read by every signed-in user with a business role. Not region-scoped;
    the three administrator roles (system, security, audit) keep to their own tables and see
    none of it."""

    scope_region = None
    scope_everyone = True


# --- Major-hazard criteria ------------------------------------------------------------------


class HazardStandardQuerySet(ReadableByAllQuerySet):
    def in_force(self, on: dt.date) -> Self:
        """Standards in force on ``on`` (effective from that day on, not yet replaced)."""
        return self.filter(effective_from__lte=on).filter(
            Q(effective_until__isnull=True) | Q(effective_until__gt=on)
        )


class HazardStandard(TimeStampedModel):
    """One version of an official major-hazard standard (e.g. 应急管理部令第4号)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    family = models.CharField(_("applies to"), max_length=16, choices=StandardFamily.choices)
    name = models.CharField(_("name"), max_length=200)
    doc_no = models.CharField(_("document number"), max_length=100)
    version = models.CharField(_("version"), max_length=32)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_until = models.DateField(
        _("effective until"),
        null=True,
        blank=True,
        help_text=_("The day the next version took effect (exclusive); empty while in force."),
    )
    sources = models.TextField(_("sources"), blank=True)
    confidence = models.TextField(_("confidence"), blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = HazardStandardQuerySet.as_manager()

    class Meta:
        verbose_name = _("major-hazard standard")
        verbose_name_plural = _("major-hazard standards")
        ordering = ["family", "effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True)
                | Q(effective_until__gt=models.F("effective_from")),
                name="hazardstandard_until_after_from",
            )
        ]

    def __str__(self) -> str:
        return f"《{self.name}》（{self.doc_no}）"

    def get_absolute_url(self) -> str:
        return reverse("checklists:criterion_list") + f"?standard={self.pk}"

    def is_in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (
            self.effective_until is None or self.effective_until > on
        )


class MajorHazardCriterionQuerySet(ReadableByAllQuerySet):
    def in_force(self, on: dt.date) -> Self:
        """Criteria of the standard versions in force on ``on``."""
        return self.filter(
            standard__in=HazardStandard.objects.in_force(on).values("pk")
        ).select_related("standard")

    def for_kind(self, kind: str) -> Self:
        return self.filter(kinds_q("mine_kinds", kind))


class MajorHazardCriterion(models.Model):
    """One situation (情形) that makes a major accident hazard, e.g. 令第4号 Art. 4 (1)."""

    standard = reference(HazardStandard, _("standard"), related_name="criteria")
    code = models.CharField(_("code"), max_length=32, unique=True)
    part = models.CharField(
        _("part"), max_length=2, choices=StandardPart.choices, blank=True, default=""
    )
    category_no = models.PositiveSmallIntegerField(_("category number"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=200)
    article = models.PositiveSmallIntegerField(_("article"), null=True, blank=True)
    item = models.PositiveSmallIntegerField(_("item"))
    wording = models.TextField(
        _("wording"),
        help_text=_("The official text where the note names its source; otherwise a summary."),
    )
    mine_kinds = MineKindsField(_("mine kinds"))
    order = models.PositiveIntegerField(_("order"), default=0)
    note = models.TextField(_("note"), blank=True)

    objects = MajorHazardCriterionQuerySet.as_manager()

    class Meta:
        verbose_name = _("major-hazard criterion")
        verbose_name_plural = _("major-hazard criteria")
        ordering = ["standard__family", "standard__effective_from", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "part", "article", "item"],
                name="criterion_unique_clause",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.wording[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("checklists:criterion_detail", args=[self.code])

    @property
    def clause(self) -> str:
        """Where the situation stands in the standard: 第四条第（一）项, or 地下矿山第（一）项."""
        if self.article:
            return gettext("Art. %(article)s, item (%(item)s)") % {
                "article": chinese_number(self.article),
                "item": chinese_number(self.item),
            }
        return gettext("%(part)s, item (%(item)s)") % {
            "part": self.get_part_display(),
            "item": chinese_number(self.item),
        }

    @property
    def citation(self) -> str:
        """The standard, the clause and the category, as an inspector would cite it."""
        return f"{self.standard.doc_no} {self.clause}"


# --- Checklist templates --------------------------------------------------------------------


class ImmutableError(ValidationError):
    """A write to a published or retired checklist version."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or gettext(
                "A published or retired checklist version cannot be changed. Create a new draft "
                "version and change that."
            ),
            code="immutable",
        )


class ChecklistTemplateQuerySet(ScopedQuerySet):
    """Templates are not region-scoped. Everyone signed in with a business role reads the
    published and retired versions; drafts only those who may change templates; the three
    administrator roles see none."""

    scope_region = None
    scope_everyone = True

    def visible_to(self, user) -> Self:
        rows = super().visible_to(user)
        if rows.query.is_empty() or user.has_perm("checklists.change_checklisttemplate"):
            return rows
        return rows.exclude(status=TemplateStatus.DRAFT)

    def published(self) -> Self:
        return self.filter(status=TemplateStatus.PUBLISHED)

    def for_kind(self, kind: str) -> Self:
        families = [f for f, kinds in FAMILY_KINDS.items() if kind in kinds]
        return self.filter(family__in=families)

    def update(self, **kwargs):
        if self.exclude(status=TemplateStatus.DRAFT).exists():
            raise ImmutableError()
        return super().update(**kwargs)

    def delete(self):
        if self.exclude(status=TemplateStatus.DRAFT).exists():
            raise ImmutableError()
        return super().delete()


class ChecklistTemplate(TimeStampedModel):
    """One version of a checklist (e.g. the underground coal table, version 2). ``code`` names
    the series; each version is a row."""

    optimistic_lock = False  # ``version`` is the version number of the checklist, not an edit count
    # Fields a published version may still change, and only on its way to retirement.
    RETIRE_FIELDS = frozenset({"status", "retired_at", "retired_by_id", "updated_at"})

    code = models.SlugField(
        _("code"),
        max_length=64,
        help_text=_("Names the series of versions, e.g. coal-underground-2023."),
    )
    family = models.CharField(_("family"), max_length=20, choices=ChecklistFamily.choices)
    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=12, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT
    )
    source_note = models.TextField(_("source note"), blank=True)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("copied from"),
    )
    created_by = user_reference(_("created by"), optional=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = user_reference(_("published by"), optional=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    retired_by = user_reference(_("retired by"), optional=True)

    objects = ChecklistTemplateQuerySet.as_manager()

    # The history names the version a draft was copied from (core.history).
    history_choices = {"copied_from": "self"}
    history_labels = {"copied_from": _("Copied from")}

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["family", "code", "-version"]
        permissions = [
            ("publish_checklisttemplate", _("Can publish and retire checklist templates")),
            ("import_checklisttemplate", _("Can import checklist templates")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="template_code_version"),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(status="draft"),
                name="template_one_draft_per_code",
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(status="published"),
                name="template_one_published_per_code",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(name)s (version %(version)s)") % {
            "name": self.name,
            "version": self.version,
        }

    def get_absolute_url(self) -> str:
        return reverse("checklists:template_detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == TemplateStatus.DRAFT

    @property
    def kinds(self) -> tuple[str, ...]:
        return FAMILY_KINDS.get(self.family, ())

    def stored_status(self) -> str | None:
        if self.pk is None:
            return None
        return type(self)._base_manager.filter(pk=self.pk).values_list("status", flat=True).first()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = type(self)._base_manager.filter(pk=self.pk).first()
            if stored is not None and stored.status != TemplateStatus.DRAFT:
                changed = {
                    f.attname
                    for f in self._meta.concrete_fields
                    if getattr(stored, f.attname) != getattr(self, f.attname)
                }
                retiring = (
                    stored.status == TemplateStatus.PUBLISHED
                    and self.status == TemplateStatus.RETIRED
                )
                if changed - {"updated_at"} and not (retiring and changed <= self.RETIRE_FIELDS):
                    raise ImmutableError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.stored_status() not in (None, TemplateStatus.DRAFT):
            raise ImmutableError()
        return super().delete(*args, **kwargs)

    def can_publish(self) -> bool:
        return self.status == TemplateStatus.DRAFT

    def can_retire(self) -> bool:
        return self.status == TemplateStatus.PUBLISHED


def _require_draft(template_ids) -> None:
    statuses = set(
        ChecklistTemplate._base_manager.filter(pk__in=list(template_ids)).values_list(
            "status", flat=True
        )
    )
    if statuses - {TemplateStatus.DRAFT}:
        raise ImmutableError()


class ChecklistPartQuerySet(ScopedQuerySet):
    """Aspects and items are read through their template's visibility."""

    scope_parent = "template"

    def update(self, **kwargs):
        _require_draft(self.values_list("template_id", flat=True).distinct())
        return super().update(**kwargs)

    def delete(self):
        _require_draft(self.values_list("template_id", flat=True).distinct())
        return super().delete()


class DraftOnlyMixin:
    """Aspects and items: written only while their template is a draft."""

    def save(self, *args, **kwargs):
        ids = {self.template_id}
        if self.pk is not None:
            stored = (
                type(self)._base_manager.filter(pk=self.pk).values_list("template_id", flat=True)
            )
            ids |= set(stored)
        _require_draft(ids)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _require_draft({self.template_id})
        return super().delete(*args, **kwargs)


class ChecklistAspect(DraftOnlyMixin, models.Model):
    """A section of a checklist (方面), e.g. 通风管理."""

    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.CASCADE,
        related_name="aspects",
        verbose_name=_("template"),
    )
    order = models.PositiveIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=200)

    objects = ChecklistPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("checklist aspect")
        verbose_name_plural = _("checklist aspects")
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "order"], name="aspect_unique_order"),
            models.UniqueConstraint(fields=["template", "name"], name="aspect_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class ChecklistItem(DraftOnlyMixin, models.Model):
    """One row of a checklist: what to check, how, on what basis, which major-hazard criteria
    it can reveal, and for which mines it applies."""

    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("template"),
    )
    aspect = models.ForeignKey(
        ChecklistAspect, on_delete=models.CASCADE, related_name="items", verbose_name=_("aspect")
    )
    code = models.CharField(_("number"), max_length=32)
    order = models.PositiveIntegerField(_("order"))
    content = models.TextField(_("what to check"))
    method = models.TextField(_("method and documents"), blank=True)
    basis = models.TextField(_("basis"), blank=True)
    criteria = models.ManyToManyField(
        MajorHazardCriterion,
        blank=True,
        related_name="items",
        verbose_name=_("major-hazard criteria"),
    )
    condition = models.JSONField(_("applicability condition"), default=dict, blank=True)
    mine_kinds = MineKindsField(_("mine kinds"))

    objects = ChecklistPartQuerySet.as_manager()

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "aspect__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="item_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.content[:40]}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        problems = conditions.errors_of(self.condition)
        if problems:
            errors["condition"] = problems
        if self.aspect_id and self.template_id and self.aspect.template_id != self.template_id:
            errors["aspect"] = [gettext("The aspect belongs to another template.")]
        if self.template_id:
            allowed = set(self.template.kinds)
            outside = [k for k in self.mine_kinds or [] if k not in allowed]
            if outside:
                errors["mine_kinds"] = [
                    gettext("“%(kind)s” is not a mine kind of this checklist family.")
                    % {
                        "kind": MineKind(outside[0]).label
                        if outside[0] in MineKind.values
                        else outside[0]
                    }
                ]
        if errors:
            raise ValidationError(errors)

    def condition_text(self) -> str:
        return conditions.describe(self.condition) if self.condition else ""

    def kinds_display(self) -> str:
        return "、".join(str(MineKind(k).label) for k in self.mine_kinds if k in MineKind.values)


@receiver(m2m_changed, sender=ChecklistItem.criteria.through)
def _criteria_only_on_drafts(sender, instance, action, pk_set, **kwargs):
    if not action.startswith("pre_"):
        return
    if isinstance(instance, ChecklistItem):
        _require_draft({instance.template_id})
    else:  # changed from the criterion's side
        if action == "pre_clear":
            ids = instance.items.values_list("template_id", flat=True)
        else:
            ids = ChecklistItem._base_manager.filter(pk__in=pk_set or []).values_list(
                "template_id", flat=True
            )
        _require_draft(set(ids))
