"""Pages of enforcement orders (执法处置): the ledger, an order's page and formal document, the
steps on an order, and issuing an order to a mine."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuangan.core.ledger import Column, LedgerView, Tab
from kuangan.core.views import ObjectFormView, ObjectPageView, ObjectStepSwitch, ObjectStepView
from kuangan.registry.models import Mine

from .. import services
from ..choices import OrderKind, OrderStatus, ReinspectionOutcome, TransferCategory
from ..documents import order_document
from ..filters import OrderFilterSet
from ..forms import OrderForm, ReinspectionForm
from ..models import Order, today


def proposal_text(proposal: dict) -> str:
    """The proposal stored with an order, in words: the day of the facts and the notice's
    words, or that the order was issued without a proposal."""
    if not proposal:
        return ""
    on = proposal.get("on") or ""
    if proposal.get("proposed"):
        return _("Proposed by the facts of %(date)s: %(reason)s") % {
            "date": on,
            "reason": proposal.get("reason", ""),
        }
    return _("Issued without a proposal from the facts of %(date)s.") % {"date": on}


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
            badge=OrderStatus,
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
            (
                _("Matter transferred"),
                TransferCategory(o.transfer_category).label if o.transfer_category else "",
            ),
            (_("Re-inspection"), o.reinspection),
            (_("Proposal at issue"), proposal_text(o.proposal)),
        ]

    def tabs(self):
        o = self.object
        if o.kind != OrderKind.SUSPEND:
            return []
        rows = list(o.reinspections.select_related("inspector"))
        return [
            Tab(
                "reinspections",
                gettext_lazy("Re-inspections"),
                "hazards/tab_reinspections.html",
                len(rows),
                {"rows": rows},
            )
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
            in_force = o.status in (OrderStatus.ISSUED, OrderStatus.COMPLIED)
            if o.kind == OrderKind.SUSPEND and in_force:
                steps.append(("reinspect", _("Record a re-inspection")))
            if o.status == OrderStatus.ISSUED:
                steps += [("refuse", _("Record refusal")), ("comply", _("Confirm compliance"))]
            latest = o.latest_reinspection() if o.kind == OrderKind.SUSPEND else None
            if in_force and latest is not None and latest.outcome == ReinspectionOutcome.UNMET:
                steps.append(("escalate", _("Escalate to a close request")))
            if o.status == OrderStatus.COMPLIED:
                steps.append(("lift", _("Lift")))
        ctx["steps"] = steps
        return ctx


def _document(request, pk: int, fmt: str, *, inline: bool = False):
    """The order's formal document, for a user who may see the order."""
    if not request.user.has_perm("hazards.view_order"):
        raise PermissionDenied
    order = get_object_or_404(
        Order.objects.visible_to(request.user).select_related(
            "mine", "mine__enterprise", "issuing_body", "officer"
        ),
        pk=pk,
    )
    return order_document(order, fmt, inline=inline)


@login_required
def order_docx(request, pk: int):
    return _document(request, pk, "docx")


@login_required
def order_pdf(request, pk: int):
    """The order as a formal document (.pdf)."""
    return _document(request, pk, "pdf", inline=True)


class OrderStep(ObjectStepView):
    """Confirm, then act on an order."""

    model = Order
    permission_required = "hazards.issue_order"


class RefuseOrderView(OrderStep):
    service = services.order_record_refusal
    title = gettext_lazy("Record refusal")
    consequence = gettext_lazy("The refusal is a fact for a suspension order.")


class ComplyOrderView(OrderStep):
    service = services.order_comply
    title = gettext_lazy("Confirm compliance")
    consequence = gettext_lazy("The order is marked as carried out.")


class LiftOrderView(OrderStep):
    service = services.order_lift
    title = gettext_lazy("Lift")
    consequence = gettext_lazy("The order is lifted and no longer in force.")


class ReinspectOrderView(OrderStep):
    form_class = ReinspectionForm
    service = services.order_reinspect
    title = gettext_lazy("Record a re-inspection")
    consequence = gettext_lazy(
        "The re-inspection after the suspension and its outcome: when the mine is still without "
        "the conditions for safe production, a close request can follow."
    )

    def get_initial(self):
        return {"inspected_on": today()}


class EscalateOrderView(OrderStep):
    service = services.order_escalate
    title = gettext_lazy("Escalate to a close request")
    consequence = gettext_lazy(
        "The latest re-inspection found the mine still without the conditions for safe "
        "production: a request to the local government to close the mine is issued."
    )

    def service_kwargs(self, data):
        latest = self.object.latest_reinspection()
        return {
            "facts": _(
                "After the suspension %(number)s, the re-inspection of %(date)s found the mine "
                "still without the conditions for safe production: %(findings)s"
            )
            % {
                "number": self.object.number,
                "date": latest.inspected_on.isoformat() if latest else "—",
                "findings": latest.findings if latest else "",
            },
            "legal_basis": self.object.legal_basis,
        }

    def get_success_message(self) -> str:
        return _("Close request %(number)s issued.") % {"number": self.result.number}

    def get_success_url(self) -> str:
        return self.result.get_absolute_url()


class OrderStepView(ObjectStepSwitch):
    """Refusal, compliance, lifting and escalation of an order (``orders/<pk>/<step>/``)."""

    steps = {
        "reinspect": ReinspectOrderView,
        "refuse": RefuseOrderView,
        "comply": ComplyOrderView,
        "lift": LiftOrderView,
        "escalate": EscalateOrderView,
    }


class OrderIssueView(ObjectFormView):
    """Issue an order to one mine; the system's proposals from the facts are shown first."""

    template_name = "hazards/order_form.html"
    form_class = OrderForm
    permission_required = "hazards.issue_order"
    mine: Mine

    def get_object(self):
        """Nothing is edited here: the mine the order is for (404 outside the user's area)."""
        self.mine = get_object_or_404(
            Mine.objects.visible_to(self.request.user), pk=self.kwargs["mine"]
        )
        return None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "mine": self.mine}

    def get_initial(self):
        kind = self.request.GET.get("kind", "")
        initial = {"kind": kind}
        for p in services.order_proposals(self.mine):
            if p.kind == kind:
                initial["facts"] = p.reason
                initial["hazards"] = list(p.hazard_ids)
                initial["transfer_category"] = p.transfer_category
        return initial

    def get_title(self) -> str:
        return _("Issue an order: %(mine)s") % {"mine": self.mine.name}

    def get_cancel_url(self) -> str:
        return self.mine.get_absolute_url()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            proposals=[(p, OrderKind(p.kind).label) for p in services.order_proposals(self.mine)],
            mine=self.mine,
        )
        return ctx

    def save(self, form):
        return services.order_issue(by=self.request.user, mine=self.mine, **form.cleaned_data)

    def get_success_message(self, obj) -> str:
        return _("Order %(number)s issued.") % {"number": obj.number}
