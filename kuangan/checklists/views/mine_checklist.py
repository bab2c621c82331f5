"""A mine's checklist: the items that apply to it (with the reasons), printable as PDF or
Excel, and the page to pick a mine."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.spreadsheets import XLSX_MIME
from kuangan.core.views import file_response
from kuangan.registry.models import Mine

from .. import applicability, conditions, printing
from ..forms import MineChoiceForm
from ..models import ChecklistTemplate


class MineChecklistMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """The mine (by code, inside the user's scope: else 404) and the checklist it gets."""

    permission_required = ("checklists.view_checklistitem", "registry.view_mine")

    def resolve(self, request, code: str):
        mine = get_object_or_404(
            Mine.objects.visible_to(request.user).select_related("enterprise", "region"),
            code=code,
        )
        visible = ChecklistTemplate.objects.visible_to(request.user)
        chosen = request.GET.get("template", "")
        template = None
        if chosen.isdigit():
            template = get_object_or_404(visible, pk=int(chosen))
        else:
            template = applicability.current_template(mine.kind, visible)
        result = None
        error = ""
        if template is not None:
            try:
                result = applicability.applicable_items(template, mine)
            except ValidationError as exc:
                error = " ".join(exc.messages)
        return mine, template, result, error


class MineItemsView(MineChecklistMixin, View):
    def get(self, request, code):
        mine, template, result, error = self.resolve(request, code)
        facts = [
            (name, spec.label, conditions.value_of(mine, name))
            for name, spec in conditions.FIELDS.items()
        ]
        choices = (
            ChecklistTemplate.objects.visible_to(request.user)
            .for_kind(mine.kind)
            .order_by("family", "code", "-version")
        )
        return render(
            request,
            "checklists/mine_items.html",
            {
                "title": _("Checklist of %(mine)s") % {"mine": mine.name},
                "mine": mine,
                "template": template,
                "result": result,
                "error": error,
                "facts": facts,
                "choices": choices,
                "breadcrumbs": [
                    (_("Mines"), reverse("registry:mine_list")),
                    (mine.name, mine.get_absolute_url()),
                    (_("Checklist"), None),
                ],
            },
        )


class MinePrintView(MineChecklistMixin, View):
    kind = "pdf"

    def get(self, request, code):
        mine, template, result, error = self.resolve(request, code)
        if result is None:
            messages.error(request, error or _("No published checklist applies to this mine."))
            return redirect("checklists:mine_items", code=mine.code)
        audit.record(
            actor=request.user,
            action=AuditAction.EXPORTED,
            obj=mine,
            changes={
                "checklist": template.pk,
                "version": template.version,
                "format": self.kind,
                "items": len(result.items),
            },
        )
        stamp = timezone.localdate().strftime("%Y%m%d")
        name = f"{mine.code}-{template.code}-v{template.version}-{stamp}.{self.kind}"
        if self.kind == "pdf":
            return file_response(
                printing.render_pdf(result, mine), name, "application/pdf", inline=True
            )
        return file_response(printing.render_xlsx(result, mine), name, XLSX_MIME)


class ApplicableChooserView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Pick a mine (by code) to see its checklist."""

    permission_required = ("checklists.view_checklistitem", "registry.view_mine")
    template_name = "checklists/mine_choose.html"
    form_class = MineChoiceForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "mine" in self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_bound and form.is_valid():
            return self.form_valid(form)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("Checklist of a mine")
        ctx["mines"] = Mine.objects.visible_to(self.request.user).order_by("code")[:300]
        return ctx

    def form_valid(self, form):
        code = form.cleaned_data["mine"].strip().upper()
        if not Mine.objects.visible_to(self.request.user).filter(code=code).exists():
            form.add_error("mine", _("No mine with this code in your jurisdiction."))
            return self.form_invalid(form)
        return redirect("checklists:mine_items", code=code)
