"""The checklist library: the ledger of templates, a template's page, the differences between
versions, export, the version actions (new draft, publish, retire, discard), and editing a
draft (its aspects and items)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from kuangan.core.ledger import Column, LedgerView, Tab
from kuangan.core.views import (
    ObjectFormView,
    ObjectPageView,
    ObjectStepSwitch,
    ObjectStepView,
    ScopedMixin,
)

from .. import conditions, exports, services
from ..choices import TemplateStatus
from ..diff import template_diff
from ..filters import ChecklistTemplateFilterSet, search_items
from ..forms import AspectForm, ItemForm, TemplateCreateForm, TemplateEditForm
from ..models import (
    ChecklistAspect,
    ChecklistItem,
    ChecklistTemplate,
    ImmutableError,
)


class TemplateLedger(LedgerView):
    model = ChecklistTemplate
    permission_required = "checklists.view_checklisttemplate"
    filterset_class = ChecklistTemplateFilterSet
    search_fields = ("name", "code", "source_note")
    title = gettext_lazy("Checklist library")
    template_name = "checklists/template_ledger.html"
    default_sort = "family"
    create_url = "checklists:template_create"
    create_perm = "checklists.add_checklisttemplate"
    empty_hint = gettext_lazy(
        "No checklist yet. Import the official checklist file, or start a new checklist."
    )
    columns = [
        Column("name", gettext_lazy("Name"), sort="name", link=True),
        Column("code", gettext_lazy("Code"), sort="code"),
        Column("family", gettext_lazy("Family"), "get_family_display", sort="family"),
        Column("version", gettext_lazy("Version"), sort="version"),
        Column(
            "status",
            gettext_lazy("Status"),
            "get_status_display",
            sort="status",
            badge=TemplateStatus,
        ),
        Column("aspect_count", gettext_lazy("Aspects"), sort="aspect_count"),
        Column("item_count", gettext_lazy("Items"), sort="item_count"),
        Column("published_at", gettext_lazy("Published at"), sort="published_at"),
        Column("source_note", gettext_lazy("Source note"), default=False),
    ]

    def base_queryset(self):
        return (
            super()
            .base_queryset()
            .annotate(
                aspect_count=Count("aspects", distinct=True),
                item_count=Count("items", distinct=True),
            )
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_import"] = self.request.user.has_perm("checklists.import_checklisttemplate")
        return ctx


class TemplatePage(ObjectPageView):
    model = ChecklistTemplate
    permission_required = "checklists.view_checklisttemplate"
    template_name = "checklists/template_page.html"

    def data_rows(self):
        t = self.object
        return [
            (_("Name"), t.name),
            (_("Code"), t.code),
            (_("Family"), t.get_family_display()),
            (_("Version"), t.version),
            (_("Status"), t.get_status_display()),
            (_("Source note"), t.source_note),
            (_("Copied from"), t.based_on),
            (_("Published at"), t.published_at),
            (_("Published by"), t.published_by),
            (_("Retired at"), t.retired_at),
            (_("Created at"), t.created_at),
        ]

    def tabs(self):
        t = self.object
        request = self.request
        aspects = t.aspects.annotate(
            n=Count("items"),
            n_major=Count("items", filter=Q(items__criteria__isnull=False), distinct=True),
        ).order_by("order")
        items = (
            t.items.select_related("aspect")
            .prefetch_related("criteria")
            .order_by("aspect__order", "order")
        )
        q = request.GET.get("q", "")
        items = search_items(items, q)
        aspect = request.GET.get("aspect", "")
        if aspect.isdigit():
            items = items.filter(aspect_id=int(aspect))
        linked = request.GET.get("linked", "")
        if linked == "1":
            items = items.filter(criteria__isnull=False).distinct()
        elif linked == "0":
            items = items.filter(criteria__isnull=True)
        criterion = request.GET.get("criterion", "").strip()
        if criterion:
            items = items.filter(criteria__code__iexact=criterion).distinct()
        versions = (
            ChecklistTemplate.objects.visible_to(request.user)
            .filter(code=t.code)
            .annotate(item_count=Count("items"))
            .order_by("-version")
        )
        tabs = [
            Tab(
                "aspects",
                gettext_lazy("Aspects"),
                "checklists/tab_aspects.html",
                len(aspects),
                {"rows": aspects},
            ),
            Tab(
                "items",
                gettext_lazy("Items"),
                "checklists/tab_items.html",
                t.items.count(),
                {
                    "rows": items,
                    "aspects": aspects,
                    "q": q,
                    "aspect": aspect,
                    "linked": linked,
                    "criterion": criterion,
                    "filtered": bool(q or aspect or linked or criterion),
                },
            ),
            Tab(
                "versions",
                gettext_lazy("Versions"),
                "checklists/tab_versions.html",
                len(versions),
                {"rows": versions},
            ),
        ]
        if t.is_draft and request.user.has_perm("checklists.publish_checklisttemplate"):
            problems = services.publish_problems(t)
            tabs.append(
                Tab(
                    "check",
                    gettext_lazy("Ready to publish?"),
                    "checklists/tab_check.html",
                    len(problems),
                    {"problems": problems},
                )
            )
        return tabs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        t = self.object
        latest = services.latest_version(t.code)
        ctx.update(
            can_edit=t.is_draft and user.has_perm("checklists.change_checklisttemplate"),
            can_new_draft=latest.pk == t.pk
            and not t.is_draft
            and user.has_perm("checklists.add_checklisttemplate"),
            can_publish=t.is_draft and user.has_perm("checklists.publish_checklisttemplate"),
            can_retire=t.status == TemplateStatus.PUBLISHED
            and user.has_perm("checklists.publish_checklisttemplate"),
            can_discard=t.is_draft and user.has_perm("checklists.delete_checklisttemplate"),
            previous=ChecklistTemplate.objects.visible_to(user)
            .filter(code=t.code, version__lt=t.version)
            .order_by("-version")
            .first(),
            breadcrumbs=[
                (_("Checklist library"), reverse("checklists:template_list")),
                (str(t), None),
            ],
        )
        return ctx

    def can_change(self):
        return False


class TemplateDiffView(ScopedMixin, TemplateView):
    """What changed between this version and another (by default the one before it)."""

    model = ChecklistTemplate
    permission_required = "checklists.view_checklisttemplate"
    template_name = "checklists/template_diff.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = self.get_queryset()
        new = get_object_or_404(qs, pk=kwargs["pk"])
        other = self.request.GET.get("other", "")
        if other.isdigit():
            old = get_object_or_404(qs, pk=int(other))
        else:
            old = qs.filter(code=new.code, version__lt=new.version).order_by("-version").first()
        if old is not None and old.version > new.version and old.code == new.code:
            old, new = new, old
        ctx.update(
            title=_("Changes of %(template)s") % {"template": new},
            new=new,
            old=old,
            diff=template_diff(old, new) if old is not None else None,
            versions=qs.filter(code=new.code).order_by("-version"),
            breadcrumbs=[
                (_("Checklist library"), reverse("checklists:template_list")),
                (str(new), new.get_absolute_url()),
                (_("Changes"), None),
            ],
        )
        return ctx


class TemplateExportView(ScopedMixin, View):
    model = ChecklistTemplate
    permission_required = "checklists.view_checklisttemplate"

    def get(self, request, pk):
        template = get_object_or_404(self.get_queryset(), pk=pk)
        kind = request.GET.get("as", "xlsx")
        if kind not in exports.FORMATS:
            raise Http404
        return exports.export_download(by=request.user, template=template, kind=kind)


# --- The version actions ------------------------------------------------------------------


class TemplateStep(ObjectStepView):
    """Confirm, then act on one version of a checklist. A template's ``version`` is its
    number in the series, not a lock: the services take none."""

    model = ChecklistTemplate
    object_arg = "template"
    versioned = False
    object: ChecklistTemplate

    def refusal_messages(self, exc):
        return list(exc.messages)  # each problem that keeps a draft from being published

    def get_success_message(self) -> str:
        return _("Done: %(label)s.") % {"label": self.get_title()}

    def get_success_url(self) -> str:
        return self.result.get_absolute_url()


class NewDraftView(TemplateStep):
    permission_required = "checklists.add_checklisttemplate"
    service = services.checklist_draft_create
    title = gettext_lazy("Create a new draft version")
    consequence = gettext_lazy(
        "A draft copy of the last version is made, with the next version number. The "
        "published version stays in use until the draft is published."
    )


class PublishView(TemplateStep):
    permission_required = "checklists.publish_checklisttemplate"
    service = services.checklist_publish
    title = gettext_lazy("Publish this version")
    consequence = gettext_lazy(
        "From now on this version can no longer be changed, and new inspections use it. "
        "The version published before it is retired; inspections that used it keep it."
    )


class RetireView(TemplateStep):
    permission_required = "checklists.publish_checklisttemplate"
    service = services.checklist_retire
    title = gettext_lazy("Retire this version")
    consequence = gettext_lazy(
        "New inspections will no longer use this version; past inspections keep it. Mines "
        "of this family have no current checklist until another version is published."
    )


class DiscardView(TemplateStep):
    permission_required = "checklists.delete_checklisttemplate"
    service = services.checklist_draft_discard
    title = gettext_lazy("Discard this draft")
    consequence = gettext_lazy(
        "The draft and all its aspects and items are deleted. This cannot be undone."
    )
    success_message = gettext_lazy("The draft has been discarded.")

    def get_success_message(self) -> str:
        return str(self.success_message)

    def get_success_url(self) -> str:
        latest = services.latest_version(self.object.code)
        return latest.get_absolute_url() if latest else reverse("checklists:template_list")


class TemplateActionView(LoginRequiredMixin, ObjectStepSwitch):
    """New draft version, publish, retire, discard a draft (``templates/<pk>/<action>/``)."""

    step_kwarg = "action"
    steps = {
        "new_draft": NewDraftView,
        "publish": PublishView,
        "retire": RetireView,
        "discard": DiscardView,
    }


# --- Editing a draft ----------------------------------------------------------------------


class _DraftOnly:
    """A page that changes a draft (``self.template``): on a published or retired version it
    goes back to the version's page with the reason."""

    template: ChecklistTemplate

    def is_open(self) -> bool:
        return self.template.is_draft

    @property
    def closed_message(self) -> str:
        return ImmutableError().messages[0]


class DraftFormView(_DraftOnly, ObjectFormView):
    """Change a draft checklist, or add or change a part of it (an aspect, an item)."""

    permission_required = "checklists.change_checklisttemplate"
    edit_permission = "checklists.change_checklisttemplate"
    form_takes_user = False
    versioned = False  # the services lock the draft; its ``version`` is its number
    tab = ""  # the tab of the template's page that shows what this page changes

    def get_object(self):
        if "template_pk" in self.kwargs:  # a new part of the draft the URL names
            self.template = get_object_or_404(
                ChecklistTemplate.objects.visible_to(self.request.user),
                pk=self.kwargs["template_pk"],
            )
            return None
        obj = super().get_object()
        self.template = obj if isinstance(obj, ChecklistTemplate) else obj.template
        return obj

    def get_closed_url(self) -> str:
        return self.template.get_absolute_url()

    def template_url(self) -> str:
        url = self.template.get_absolute_url()
        return f"{url}?tab={self.tab}" if self.tab else url

    def get_cancel_url(self) -> str:
        return self.template_url()

    def get_success_url(self) -> str:
        return self.template_url()


class TemplateCreateView(ObjectFormView):
    model = ChecklistTemplate
    permission_required = "checklists.add_checklisttemplate"
    form_class = TemplateCreateForm
    form_takes_user = False
    title_create = gettext_lazy("New checklist")
    list_url = "checklists:template_list"
    help_text = gettext_lazy(
        "Starts an empty draft, version 1. To bring in the official checklist, import its "
        "file instead."
    )
    success_message = None

    def save(self, form):
        return services.checklist_template_create(by=self.request.user, **form.cleaned_data)


class TemplateEditView(DraftFormView):
    model = ChecklistTemplate
    form_class = TemplateEditForm
    title_edit = gettext_lazy("Edit draft")

    def get_initial(self):
        return {"name": self.template.name, "source_note": self.template.source_note}

    def save(self, form):
        return services.checklist_template_update(
            by=self.request.user, template=self.template, **form.cleaned_data
        )


class AspectFormView(DraftFormView):
    """Add an aspect to a draft (URL of the template) or rename one (URL of the aspect)."""

    model = ChecklistAspect
    form_class = AspectForm
    title_create = gettext_lazy("New aspect")
    title_edit = gettext_lazy("Rename aspect")
    tab = "aspects"

    def get_initial(self):
        return {"name": self.object.name} if self.object else {}

    def save(self, form):
        return services.checklist_aspect_save(
            by=self.request.user, template=self.template, aspect=self.object, **form.cleaned_data
        )


class ItemFormView(DraftFormView):
    """Add an item to a draft (URL of the template) or change one (URL of the item)."""

    model = ChecklistItem
    form_class = ItemForm
    title_create = gettext_lazy("New item")
    title_edit = gettext_lazy("Edit item")
    tab = "items"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["template"] = self.template
        if self.object is not None and self.request.method == "GET":
            kwargs["initial"] = ItemForm.initial_for(self.object)
        return kwargs

    def get_help(self) -> str:
        return _("Fields a condition may test: %(fields)s.") % {
            "fields": "、".join(
                f"{name}（{spec.label}）" for name, spec in conditions.FIELDS.items()
            )
        }

    def save(self, form):
        return services.checklist_item_save(
            by=self.request.user, template=self.template, item=self.object, **form.cleaned_data
        )


class PartDeleteView(_DraftOnly, ObjectStepView):
    """Confirm, then delete an aspect (with its items) or an item of a draft."""

    permission_required = "checklists.change_checklisttemplate"
    title = gettext_lazy("Delete")
    success_message = gettext_lazy("Deleted.")
    versioned = False
    object: ChecklistAspect | ChecklistItem

    @property
    def template(self) -> ChecklistTemplate:  # type: ignore[override]
        return self.object.template

    def get_cancel_url(self) -> str:
        return self.template.get_absolute_url()

    def get_success_url(self) -> str:
        return self.template.get_absolute_url() + "?tab=items"


class AspectDeleteView(PartDeleteView):
    model = ChecklistAspect
    object_arg = "aspect"
    service = services.checklist_aspect_delete

    @property
    def consequence(self) -> str:  # type: ignore[override]
        return _("The aspect and its %(n)s items are deleted from the draft.") % {
            "n": self.object.items.count()
        }


class ItemDeleteView(PartDeleteView):
    model = ChecklistItem
    object_arg = "item"
    service = services.checklist_item_delete
    consequence = gettext_lazy("The item is deleted from the draft.")
