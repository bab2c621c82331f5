"""Pages of orders (执法处置) and monthly major-hazard checks (每月重大事故隐患排查)."""

from __future__ import annotations

import datetime as dt

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from kuangan.core.forms import StyledForm, apply_errors
from kuangan.core.ledger import Column, LedgerView
from kuangan.core.services import ConflictError
from kuangan.core.views import ObjectPageView
from kuangan.registry.models import Mine

from . import monthly, orders
from .choices import OrderKind, OrderStatus
from .filters import MonthlyCheckFilterSet, OrderFilterSet
from .forms import DateInput
from .models import Hazard, MonthlyMajorHazardCheck, Order

ORDER_BADGE = {
    OrderStatus.ISSUED: "bg-orange-lt",
    OrderStatus.COMPLIED: "bg-blue-lt",
    OrderStatus.LIFTED: "bg-green-lt",
    OrderStatus.ESCALATED: "bg-red-lt",
}


class OrderLedger(LedgerView):
    model = Order
    permission_required = "hazards.view_order"
    filterset_class = OrderFilterSet
    search_fields = ("number", "mine__name", "facts")
    default_sort = "-issued_on"
    title = gettext_lazy("Enforcement orders")
    empty_hint = gettext_lazy(
        "No orders. Orders are issued from a mine's hazards (see the proposals on the order form)."
    )
    columns = [
        Column("number", gettext_lazy("Document number"), sort="number", link=True),
        Column("kind", gettext_lazy("Kind"), "kind", sort="kind"),
        Column("mine", gettext_lazy("Mine"), "mine.name", sort="mine__name"),
        Column("county", gettext_lazy("County"), "mine.region.name"),
        Column("issuing_body", gettext_lazy("Issuing body"), "issuing_body.name"),
        Column("issued_on", gettext_lazy("Issued on"), sort="issued_on"),
        Column("deadline", gettext_lazy("Deadline"), sort="deadline"),
        Column("amount", gettext_lazy("Amount (yuan)"), default=False),
        Column(
            "status",
            gettext_lazy("Status"),
            "status",
            sort="status",
            badge=lambda o: ORDER_BADGE.get(o.status, ""),
        ),
    ]

    def base_queryset(self):
        return Order.objects.visible_to(self.request.user).select_related(
            "mine", "mine__region", "issuing_body"
        )


class OrderPage(ObjectPageView):
    model = Order
    permission_required = "hazards.view_order"
    list_url_name = "hazards:order_list"
    template_name = "hazards/order_page.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("mine", "mine__enterprise", "issuing_body", "officer")
        )

    def data_rows(self):
        o = self.object
        return [
            (_("Document number"), o.number),
            (_("Kind"), o.get_kind_display()),
            (_("Mine"), o.mine.name),
            (_("Enterprise"), o.mine.enterprise.name),
            (_("Facts"), o.facts),
            (_("Legal basis"), o.legal_basis),
            (_("Requirements"), o.requirements),
            (_("Amount (yuan)"), o.amount),
            (_("Deadline"), o.deadline),
            (_("Hazards"), "、".join(h.code for h in o.hazards.all())),
            (_("Issuing body"), o.issuing_body.name),
            (_("Officer"), o.officer),
            (_("Issued on"), o.issued_on),
            (_("Status"), o.get_status_display()),
            (_("Refused on"), o.refused_on),
            (_("Complied on"), o.complied_on),
            (_("Lifted on"), o.lifted_on),
            (_("Escalated to"), o.escalated_to),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        o = self.object
        user = self.request.user
        steps = []
        if (
            user.has_perm("hazards.issue_order")
            and getattr(user.organization, "kind", "") == "regulator"
        ):
            if o.status == OrderStatus.ISSUED:
                steps += [("refuse", _("Record refusal")), ("comply", _("Confirm compliance"))]
                if o.kind == OrderKind.SUSPEND:
                    steps.append(("escalate", _("Escalate to a close request")))
            if o.status == OrderStatus.COMPLIED:
                steps.append(("lift", _("Lift")))
        ctx["steps"] = steps
        return ctx


@login_required
def order_docx(request, pk: int):
    if not request.user.has_perm("hazards.view_order"):
        raise PermissionDenied
    order = get_object_or_404(
        Order.objects.visible_to(request.user).select_related(
            "mine", "mine__enterprise", "issuing_body", "officer"
        ),
        pk=pk,
    )
    response = HttpResponse(
        orders.render_docx(order),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="order-{order.pk}.docx"'
    return response


@login_required
def order_pdf(request, pk: int):
    """The order as a formal document (.pdf)."""
    if not request.user.has_perm("hazards.view_order"):
        raise PermissionDenied
    order = get_object_or_404(
        Order.objects.visible_to(request.user).select_related(
            "mine", "mine__enterprise", "issuing_body", "officer"
        ),
        pk=pk,
    )
    response = HttpResponse(orders.render_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="order-{order.pk}.pdf"'
    return response


class OrderStepView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Confirm-then-act on an order (refusal, compliance, lifting, escalation)."""

    template_name = "core/confirm.html"
    permission_required = "hazards.issue_order"
    STEPS = {
        "refuse": (
            gettext_lazy("Record refusal"),
            gettext_lazy("The refusal is a fact for a suspension order."),
        ),
        "comply": (
            gettext_lazy("Confirm compliance"),
            gettext_lazy("The order is marked as carried out."),
        ),
        "lift": (gettext_lazy("Lift"), gettext_lazy("The order is lifted and no longer in force.")),
        "escalate": (
            gettext_lazy("Escalate to a close request"),
            gettext_lazy(
                "The suspension was not lifted in time: a request to the local government to close the mine is issued."
            ),
        ),
    }

    def dispatch(self, request, *args, **kwargs):
        if kwargs["step"] not in self.STEPS:
            from django.http import Http404

            raise Http404
        if request.user.is_authenticated:
            self.order = get_object_or_404(Order.objects.visible_to(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        title, consequence = self.STEPS[self.kwargs["step"]]
        return {
            **super().get_context_data(**kwargs),
            "title": title,
            "consequence": consequence,
            "object": self.order,
            "cancel_url": self.order.get_absolute_url(),
        }

    def post(self, request, *args, **kwargs):
        step = kwargs["step"]
        try:
            if step == "refuse":
                orders.order_record_refusal(by=request.user, order=self.order)
            elif step == "comply":
                orders.order_comply(by=request.user, order=self.order)
            elif step == "lift":
                orders.order_lift(by=request.user, order=self.order)
            else:
                close = orders.order_escalate(
                    by=request.user,
                    order=self.order,
                    facts=_(
                        "The suspension %(number)s was not lifted in time: the mine still lacks the conditions for safe production."
                    )
                    % {"number": self.order.number},
                    legal_basis=self.order.legal_basis,
                )
                messages.success(
                    request, _("Close request %(number)s issued.") % {"number": close.number}
                )
                return redirect(close.get_absolute_url())
        except (ValidationError, PermissionDenied, ConflictError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return redirect(self.order.get_absolute_url())
        messages.success(request, _("Saved."))
        return redirect(self.order.get_absolute_url())


class OrderForm(StyledForm, djforms.Form):
    kind = djforms.ChoiceField(label=gettext_lazy("Kind"), choices=OrderKind.choices)
    hazards = djforms.ModelMultipleChoiceField(
        label=gettext_lazy("Hazards"), queryset=Hazard.objects.none(), required=False
    )
    facts = djforms.CharField(
        label=gettext_lazy("Facts"), widget=djforms.Textarea(attrs={"rows": 3})
    )
    legal_basis = djforms.CharField(
        label=gettext_lazy("Legal basis"), widget=djforms.Textarea(attrs={"rows": 2})
    )
    requirements = djforms.CharField(
        label=gettext_lazy("Requirements"), widget=djforms.Textarea(attrs={"rows": 3})
    )
    amount = djforms.DecimalField(
        label=gettext_lazy("Amount (yuan)"), max_digits=14, decimal_places=2, required=False
    )
    deadline = djforms.DateField(label=gettext_lazy("Deadline"), widget=DateInput(), required=False)


class OrderIssueView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Issue an order to one mine; the system's proposals from the facts are shown first."""

    template_name = "hazards/order_form.html"
    form_class = OrderForm
    permission_required = "hazards.issue_order"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.mine = get_object_or_404(Mine.objects.visible_to(request.user), pk=kwargs["mine"])
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["hazards"].queryset = (
            Hazard.objects.visible_to(self.request.user).filter(mine=self.mine).open()
        )
        return form

    def get_initial(self):
        kind = self.request.GET.get("kind", "")
        initial = {"kind": kind}
        for p in orders.order_proposals(self.mine):
            if p.kind == kind:
                initial["facts"] = p.reason
                initial["hazards"] = list(p.hazard_ids)
        return initial

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=_("Issue an order: %(mine)s") % {"mine": self.mine.name},
            cancel_url=self.mine.get_absolute_url(),
            version=None,
            proposals=[(p, OrderKind(p.kind).label) for p in orders.order_proposals(self.mine)],
            mine=self.mine,
        )
        return ctx

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            order = orders.order_issue(by=self.request.user, mine=self.mine, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Order %(number)s issued.") % {"number": order.number})
        return redirect(order.get_absolute_url())


# --- monthly checks -------------------------------------------------------------------------


class MonthlyCheckLedger(LedgerView):
    model = MonthlyMajorHazardCheck
    permission_required = "hazards.view_monthlymajorhazardcheck"
    filterset_class = MonthlyCheckFilterSet
    search_fields = ("mine__name", "led_by", "areas")
    default_sort = "-month"
    title = gettext_lazy("Monthly major-hazard checks")
    template_name = "hazards/monthly_ledger.html"
    create_url = "hazards:monthly_create"
    create_perm = "hazards.add_monthlymajorhazardcheck"
    empty_hint = gettext_lazy(
        "No monthly check recorded. Each mine's principal leads one check every month."
    )
    columns = [
        Column("mine", gettext_lazy("Mine"), "mine.name", sort="mine__name", link=True),
        Column("county", gettext_lazy("County"), "mine.region.name"),
        Column("month", gettext_lazy("Month"), lambda c: c.month.strftime("%Y-%m"), sort="month"),
        Column("checked_on", gettext_lazy("Date of the check"), sort="checked_on"),
        Column("led_by", gettext_lazy("Led by")),
        Column("areas", gettext_lazy("Areas covered"), lambda c: c.areas[:60]),
    ]

    def base_queryset(self):
        return MonthlyMajorHazardCheck.objects.visible_to(self.request.user).select_related(
            "mine", "mine__region"
        )


class MonthlyCheckPage(ObjectPageView):
    model = MonthlyMajorHazardCheck
    permission_required = "hazards.view_monthlymajorhazardcheck"
    list_url_name = "hazards:monthly_list"

    def data_rows(self):
        c = self.object
        return [
            (_("Mine"), c.mine.name),
            (_("Month"), c.month.strftime("%Y-%m")),
            (_("Date of the check"), c.checked_on),
            (_("Led by"), c.led_by),
            (_("Participants"), c.participants),
            (_("Areas covered"), c.areas),
            (_("Hazards found"), "、".join(h.code for h in c.hazards.all()) or None),
            (_("Report"), c.report),
            (_("Recorded by"), c.recorded_by),
        ]


class MonthlyCheckForm(StyledForm, djforms.Form):
    mine = djforms.ModelChoiceField(label=gettext_lazy("Mine"), queryset=Mine.objects.none())
    month = djforms.DateField(
        label=gettext_lazy("Month"),
        widget=DateInput(),
        help_text=gettext_lazy("Any day of the month checked."),
    )
    checked_on = djforms.DateField(label=gettext_lazy("Date of the check"), widget=DateInput())
    led_by = djforms.CharField(
        label=gettext_lazy("Led by"), max_length=64, help_text=gettext_lazy("The mine's principal.")
    )
    participants = djforms.CharField(
        label=gettext_lazy("Participants"), widget=djforms.Textarea(attrs={"rows": 2})
    )
    areas = djforms.CharField(
        label=gettext_lazy("Areas covered"), widget=djforms.Textarea(attrs={"rows": 2})
    )
    hazards = djforms.ModelMultipleChoiceField(
        label=gettext_lazy("Hazards found"), queryset=Hazard.objects.none(), required=False
    )
    report = djforms.CharField(
        label=gettext_lazy("Report"), widget=djforms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mine"].queryset = Mine.objects.visible_to(user).order_by("name")
        self.fields["hazards"].queryset = (
            Hazard.objects.visible_to(user).open().select_related("mine")
        )


class MonthlyCheckCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    template_name = "core/form.html"
    form_class = MonthlyCheckForm
    permission_required = "hazards.add_monthlymajorhazardcheck"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        today = timezone.localdate()
        return {"month": today.replace(day=1), "checked_on": today}

    def get_context_data(self, **kwargs):
        from django.urls import reverse

        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=_("Record a monthly major-hazard check"),
            cancel_url=reverse("hazards:monthly_list"),
            version=None,
        )
        return ctx

    def form_valid(self, form):
        try:
            check = monthly.monthly_check_record(by=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(check.get_absolute_url())


class DutyCalendarView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Each mine's months: checked, or flagged once the month ended without a check."""

    template_name = "hazards/duty_calendar.html"
    permission_required = "hazards.view_monthlymajorhazardcheck"

    def get_context_data(self, **kwargs):
        from django.core.paginator import Paginator

        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        try:
            since = dt.date.fromisoformat(self.request.GET.get("since", ""))
        except ValueError:
            since = monthly.calendar_start(self.request.user, today)
        mines = (
            Mine.objects.visible_to(self.request.user)
            .select_related("region")
            .order_by("region__code", "name")
        )
        page = Paginator(mines, 50).get_page(self.request.GET.get("page"))
        rows = monthly.duty_calendar(page.object_list, since=since, on=today)
        ctx.update(
            title=_("Duty calendar of the monthly major-hazard checks"),
            since=since,
            page=page,
            rows=rows,
            months=monthly.rules.months_between(since, today),
            missing_total=sum(len(r["missing"]) for r in rows),
        )
        return ctx
