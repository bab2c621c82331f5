"""The checklist library: the ledger of templates, a template's page, the differences between
versions, export, the version actions (new draft, publish, retire, discard), and editing a
draft (its aspects and items)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.forms import apply_errors
from kuangan.core.ledger import Column, LedgerView, Tab
from kuangan.core.views import ObjectPageView, ScopedMixin

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
from .responses import XLSX, download


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
        if kind not in ("xlsx", "yaml"):
            raise Http404
        name = f"{template.code}-v{template.version}.{kind}"
        audit.record(
            actor=request.user,
            action=AuditAction.EXPORTED,
            obj=template,
            changes={"format": kind},
            region=request.user.audit_region(),
        )
        if kind == "yaml":
            return download(exports.export_yaml([template]), name, "application/yaml")
        return download(exports.export_xlsx([template]), name, XLSX)


class TemplateActionView(LoginRequiredMixin, View):
    """Confirm-then-act: new draft version, publish, retire, discard a draft."""

    actions = {
        "new_draft": (
            "checklists.add_checklisttemplate",
            gettext_lazy("Create a new draft version"),
            gettext_lazy(
                "A draft copy of the last version is made, with the next version number. The "
                "published version stays in use until the draft is published."
            ),
        ),
        "publish": (
            "checklists.publish_checklisttemplate",
            gettext_lazy("Publish this version"),
            gettext_lazy(
                "From now on this version can no longer be changed, and new inspections use it. "
                "The version published before it is retired; inspections that used it keep it."
            ),
        ),
        "retire": (
            "checklists.publish_checklisttemplate",
            gettext_lazy("Retire this version"),
            gettext_lazy(
                "New inspections will no longer use this version; past inspections keep it. Mines "
                "of this family have no current checklist until another version is published."
            ),
        ),
        "discard": (
            "checklists.delete_checklisttemplate",
            gettext_lazy("Discard this draft"),
            gettext_lazy(
                "The draft and all its aspects and items are deleted. This cannot be undone."
            ),
        ),
    }

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        action = kwargs["action"]
        if action not in self.actions:
            raise Http404
        self.perm, self.label, self.consequence = self.actions[action]
        self.template = get_object_or_404(
            ChecklistTemplate.objects.visible_to(request.user), pk=kwargs["pk"]
        )
        if not request.user.has_perm(self.perm):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def handle_no_permission(self):
        return redirect_to_login(self.request.get_full_path())

    def get(self, request, pk, action):
        return render(
            request,
            "core/confirm.html",
            {
                "title": self.label,
                "object": self.template,
                "consequence": self.consequence,
                "cancel_url": self.template.get_absolute_url(),
            },
        )

    def post(self, request, pk, action):
        by = request.user
        try:
            if action == "new_draft":
                target = services.checklist_draft_create(by=by, template=self.template)
            elif action == "publish":
                target = services.checklist_publish(by=by, template=self.template)
            elif action == "retire":
                target = services.checklist_retire(by=by, template=self.template)
            else:
                services.checklist_draft_discard(by=by, template=self.template)
                messages.success(request, _("The draft has been discarded."))
                latest = services.latest_version(self.template.code)
                return redirect(latest.get_absolute_url() if latest else "checklists:template_list")
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(self.template.get_absolute_url())
        messages.success(request, _("Done: %(label)s.") % {"label": self.label})
        return redirect(target.get_absolute_url())


class _ManageMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "checklists.change_checklisttemplate"
    raise_exception = False
    request: HttpRequest

    def draft(self, pk: int) -> ChecklistTemplate:
        template = get_object_or_404(ChecklistTemplate.objects.visible_to(self.request.user), pk=pk)
        if not template.is_draft:
            messages.error(self.request, ImmutableError().messages[0])
            raise _Redirect(template.get_absolute_url())
        return template

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except _Redirect as exc:
            return redirect(exc.url)


class _Redirect(Exception):
    def __init__(self, url: str):
        self.url = url


class TemplateCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    model = ChecklistTemplate
    permission_required = "checklists.add_checklisttemplate"
    template_name = "core/form.html"
    form_class = TemplateCreateForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=_("New checklist"),
            cancel_url=reverse("checklists:template_list"),
            help=_(
                "Starts an empty draft, version 1. To bring in the official checklist, import its "
                "file instead."
            ),
        )
        return ctx

    def form_valid(self, form):
        try:
            template = services.checklist_template_create(by=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        return redirect(template.get_absolute_url())


class TemplateEditView(_ManageMixin, FormView):
    model = ChecklistTemplate
    template_name = "core/form.html"
    form_class = TemplateEditForm

    def get_initial(self):
        t = self.draft(self.kwargs["pk"])
        return {"name": t.name, "source_note": t.source_note}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=_("Edit draft"),
            cancel_url=reverse("checklists:template_detail", args=[self.kwargs["pk"]]),
        )
        return ctx

    def form_valid(self, form):
        template = self.draft(self.kwargs["pk"])
        try:
            services.checklist_template_update(
                by=self.request.user, template=template, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(template.get_absolute_url())


class AspectFormView(_ManageMixin, FormView):
    """Add an aspect to a draft (URL of the template) or rename one (URL of the aspect)."""

    model = ChecklistAspect
    template_name = "core/form.html"
    form_class = AspectForm

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.aspect = None

    def target(self):
        if "template_pk" in self.kwargs:
            return self.draft(self.kwargs["template_pk"]), None
        aspect = get_object_or_404(
            ChecklistAspect.objects.visible_to(self.request.user), pk=self.kwargs["pk"]
        )
        return self.draft(aspect.template_id), aspect

    def get_initial(self):
        _template, aspect = self.target()
        return {"name": aspect.name} if aspect else {}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        template, aspect = self.target()
        ctx.update(
            title=_("Rename aspect") if aspect else _("New aspect"),
            cancel_url=template.get_absolute_url() + "?tab=aspects",
        )
        return ctx

    def form_valid(self, form):
        template, aspect = self.target()
        try:
            services.checklist_aspect_save(
                by=self.request.user,
                template=template,
                aspect=aspect,
                name=form.cleaned_data["name"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(template.get_absolute_url() + "?tab=aspects")


class ItemFormView(_ManageMixin, FormView):
    """Add an item to a draft (URL of the template) or change one (URL of the item)."""

    model = ChecklistItem
    template_name = "core/form.html"
    form_class = ItemForm

    def target(self):
        if "template_pk" in self.kwargs:
            return self.draft(self.kwargs["template_pk"]), None
        item = get_object_or_404(
            ChecklistItem.objects.visible_to(self.request.user), pk=self.kwargs["pk"]
        )
        return self.draft(item.template_id), item

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        template, item = self.target()
        kwargs["template"] = template
        if item is not None and self.request.method == "GET":
            kwargs["initial"] = ItemForm.initial_for(item)
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        template, item = self.target()
        ctx.update(
            title=_("Edit item") if item else _("New item"),
            cancel_url=template.get_absolute_url() + "?tab=items",
            help=_("Fields a condition may test: %(fields)s.")
            % {
                "fields": "、".join(
                    f"{name}（{spec.label}）" for name, spec in conditions.FIELDS.items()
                )
            },
        )
        return ctx

    def form_valid(self, form):
        template, item = self.target()
        data = form.cleaned_data
        try:
            services.checklist_item_save(
                by=self.request.user,
                template=template,
                item=item,
                aspect=data["aspect"],
                code=data["code"],
                content=data["content"],
                method=data["method"],
                basis=data["basis"],
                criteria=data["criteria"],
                condition=data["condition"],
                mine_kinds=data["mine_kinds"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(template.get_absolute_url() + "?tab=items")


class PartDeleteView(_ManageMixin, View):
    """Confirm-then-delete an aspect (with its items) or an item of a draft."""

    model = None

    def obj(self):
        obj = get_object_or_404(
            self.model.objects.visible_to(self.request.user), pk=self.kwargs["pk"]
        )
        self.draft(obj.template_id)
        return obj

    def get(self, request, pk):
        obj = self.obj()
        if self.model is ChecklistAspect:
            consequence = _("The aspect and its %(n)s items are deleted from the draft.") % {
                "n": obj.items.count()
            }
        else:
            consequence = _("The item is deleted from the draft.")
        return render(
            request,
            "core/confirm.html",
            {
                "title": _("Delete"),
                "object": obj,
                "consequence": consequence,
                "cancel_url": obj.template.get_absolute_url(),
            },
        )

    def post(self, request, pk):
        obj = self.obj()
        template = obj.template
        if self.model is ChecklistAspect:
            services.checklist_aspect_delete(by=request.user, aspect=obj)
        else:
            services.checklist_item_delete(by=request.user, item=obj)
        messages.success(request, _("Deleted."))
        return redirect(template.get_absolute_url() + "?tab=items")


class AspectDeleteView(PartDeleteView):
    model = ChecklistAspect


class ItemDeleteView(PartDeleteView):
    model = ChecklistItem
