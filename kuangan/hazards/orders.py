"""Enforcement orders (执法处置): proposals from the facts, issue, refusal, compliance, lifting,
escalation, and the formal document (指令书 / 决定书) as .docx. Workflows like ``services``:
permission, validation, save and audit in one transaction."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction, OrganizationKind
from kuangan.core.services import ensure_visible, require_perm, save_versioned
from kuangan.registry.choices import MineStatus

from . import rules
from .choices import OrderKind, OrderStatus
from .models import Hazard, Order, today

KIND_ABBR = {
    OrderKind.EVACUATE: "CR",
    OrderKind.SUSPEND: "TC",
    OrderKind.CLOSE_REQUEST: "GB",
    OrderKind.TRANSFER: "YS",
    OrderKind.JUDICIAL_TRANSFER: "SF",
    OrderKind.FINE: "FK",
    OrderKind.RECTIFY_BY: "ZG",
    OrderKind.ACCOUNTABILITY: "ZZ",
}


def order_facts(mine, on: dt.date | None = None) -> rules.OrderFacts:
    """The facts of ``mine`` the order proposals read."""
    on = on or today()
    hazards = tuple(
        rules.HazardForOrder(
            id=h.pk,
            level=h.level,
            open=not h.is_closed,
            imminent_danger=h.imminent_danger,
            reckless_operation=h.reckless_operation,
            criterion_category=h.criterion.category if h.criterion_id else "",
        )
        for h in Hazard.objects.filter(mine=mine).open().select_related("criterion")
    )
    orders = Order.objects.filter(mine=mine).in_force()
    return rules.OrderFacts(
        mine_producing=mine.status == MineStatus.PRODUCING,
        hazards=hazards,
        order_refused=orders.filter(refused_on__isnull=False).exists(),
        reinspection_after_suspension_failed=orders.filter(
            kind=OrderKind.SUSPEND, deadline__lt=on
        ).exists(),
    )


def order_proposals(mine, on: dt.date | None = None) -> list[rules.Proposal]:
    """What the system proposes for ``mine`` now (the officer confirms each one), leaving
    out kinds already in force."""
    in_force = set(Order.objects.filter(mine=mine).in_force().values_list("kind", flat=True))
    return [p for p in rules.propose_orders(order_facts(mine, on)) if p.kind not in in_force]


def _next_number(org, kind: str, year: int) -> str:
    prefix = f"{org.region.code}-{year}-{KIND_ABBR[kind]}-"
    last = (
        Order.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    serial = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{serial:03d}"


def _regulator(by) -> None:
    org = getattr(by, "organization", None)
    if org is None or org.kind != OrganizationKind.REGULATOR:
        raise PermissionDenied(_("Orders are issued by a regulator."))


def order_issue(
    *,
    by,
    mine,
    kind: str,
    facts: str,
    legal_basis: str,
    requirements: str,
    hazards=(),
    amount: Decimal | None = None,
    deadline: dt.date | None = None,
    inspection=None,
    issued_on: dt.date | None = None,
    note: str = "",
) -> Order:
    """Issue an order to ``mine`` resting on ``hazards`` (of the same mine)."""
    require_perm(by, "hazards.issue_order")
    _regulator(by)
    from kuangan.registry.models import Mine

    if not Mine.objects.visible_to(by).filter(pk=mine.pk).exists():
        raise ValidationError({"mine": [_("Choose a mine in your area.")]})
    hazards = list(hazards)
    if any(h.mine_id != mine.pk for h in hazards):
        raise ValidationError({"hazards": [_("The hazards must be of the same mine.")]})
    if kind not in OrderKind.values:
        raise ValidationError({"kind": [_("Unknown kind of order.")]})
    errors = {}
    for name, value in (
        ("facts", facts),
        ("legal_basis", legal_basis),
        ("requirements", requirements),
    ):
        if not (value or "").strip():
            errors[name] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    issued_on = issued_on or today()
    with transaction.atomic():
        order = Order(
            number=_next_number(by.organization, kind, issued_on.year),
            kind=kind,
            mine=mine,
            inspection=inspection,
            facts=facts.strip(),
            legal_basis=legal_basis.strip(),
            requirements=requirements.strip(),
            amount=amount,
            deadline=deadline,
            issuing_body=by.organization,
            officer=by,
            issued_on=issued_on,
            note=note,
        )
        order.full_clean()
        order.save()
        order.hazards.set(hazards)
        ensure_visible(by, order)
        changes = audit.diff({}, audit.snapshot(order))
        changes["hazards"] = [[], [h.code for h in hazards]]
        audit.record(actor=by, action=AuditAction.CREATED, obj=order, changes=changes)
    return order


def _order_step(by, order: Order, to: str, version: int | None, **fields) -> Order:
    require_perm(by, "hazards.issue_order", order)
    _regulator(by)
    if not Order.objects.visible_to(by).filter(pk=order.pk).exists():
        raise PermissionDenied(_("The order is outside your jurisdiction."))
    with transaction.atomic():
        current = Order.objects.select_for_update().get(pk=order.pk)
        if version is not None and int(version) != current.version:
            from kuangan.core.services import ConflictError

            raise ConflictError()
        if to and not current.can_transition(to):
            raise ValidationError(
                _("An order that is “%(status)s” cannot become “%(to)s”.")
                % {"status": current.get_status_display(), "to": OrderStatus(to).label}
            )
        before = audit.snapshot(current)
        if to:
            current.status = to
            fields["status"] = to
        for key, value in fields.items():
            setattr(current, key, value)
        save_versioned(current, expected_version=current.version, fields=list(fields))
        changes = audit.diff(before, audit.snapshot(current))
        changes.pop("version", None)
        changes.pop("updated_at", None)
        audit.record(actor=by, action=AuditAction.STATUS_CHANGED, obj=current, changes=changes)
    return current


def order_record_refusal(
    *, by, order: Order, on: dt.date | None = None, version: int | None = None
) -> Order:
    """The enterprise refuses to carry out the order (拒不执行): a fact for a suspension."""
    if order.status != OrderStatus.ISSUED:
        raise ValidationError(_("Only an order in force can be refused."))
    return _order_step(by, order, "", version, refused_on=on or today())


def order_comply(
    *, by, order: Order, on: dt.date | None = None, version: int | None = None
) -> Order:
    """issued → complied: the inspector confirms the enterprise carried it out."""
    return _order_step(by, order, OrderStatus.COMPLIED, version, complied_on=on or today())


def order_lift(*, by, order: Order, version: int | None = None) -> Order:
    """complied → lifted (e.g. a suspension lifted after a passed re-inspection)."""
    return _order_step(by, order, OrderStatus.LIFTED, version, lifted_on=today())


def order_escalate(
    *, by, order: Order, facts: str, legal_basis: str, version: int | None = None
) -> Order:
    """A suspension not lifted in time (the re-inspection failed) → escalated, and a request
    to the local government to close the mine is issued."""
    if order.kind != OrderKind.SUSPEND:
        raise ValidationError(_("Only a suspension is escalated to a close request."))
    with transaction.atomic():
        close = order_issue(
            by=by,
            mine=order.mine,
            kind=OrderKind.CLOSE_REQUEST,
            facts=facts,
            legal_basis=legal_basis,
            requirements=_("Ask the local government to close the mine according to law."),
            hazards=list(order.hazards.all()),
            inspection=order.inspection,
        )
        _order_step(by, order, OrderStatus.ESCALATED, version, escalated_to=close)
    return close


# --- the formal document ------------------------------------------------------------------


def render_docx(order: Order) -> bytes:
    """The order as a formal 指令书 / 决定书 (.docx): title, number, parties, facts, basis,
    requirements, amount and deadline, signature block."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    body = order.issuing_body
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run(body.name)
    run.bold = True
    run.font.size = Pt(18)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc_kind = _("Decision") if order.is_decision else _("Order")
    run = title.add_run(str(order.get_kind_display()) + doc_kind)
    run.bold = True
    run.font.size = Pt(16)
    number = doc.add_paragraph(order.number)
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    mine = order.mine
    doc.add_paragraph(_("Party") + "：" + f"{mine.enterprise.name}（{mine.name}）")
    if mine.enterprise.address:
        doc.add_paragraph(_("Address") + "：" + str(mine.enterprise.address))
    if mine.enterprise.legal_representative:
        doc.add_paragraph(
            _("Legal representative") + "：" + str(mine.enterprise.legal_representative)
        )
    for label, text in (
        (_("Facts"), order.facts),
        (_("Legal basis"), order.legal_basis),
        (_("Requirements"), order.requirements),
    ):
        p = doc.add_paragraph()
        p.add_run(str(label) + "：").bold = True
        p.add_run(text)
    hazards = list(order.hazards.all())
    if hazards:
        p = doc.add_paragraph()
        p.add_run(_("Hazards") + "：").bold = True
        for h in hazards:
            doc.add_paragraph(f"{h.code} {h.description}", style="List Number")
    if order.amount is not None:
        doc.add_paragraph(_("Amount (yuan)") + "：" + f"{order.amount:,.2f}")
    if order.deadline:
        doc.add_paragraph(_("Deadline") + "：" + order.deadline.isoformat())
    doc.add_paragraph("")
    for text in (
        _("Officer") + "：" + str(order.officer.real_name or order.officer.username),
        body.name,
        f"{order.issued_on:%Y-%m-%d}",
    ):
        p = doc.add_paragraph(text)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _no_fetch(url: str, *args, **kwargs):
    """The document needs nothing from outside (fonts are the system's): refuse every URL."""
    raise ValueError(f"refused to fetch {url}")


def render_pdf(order: Order) -> bytes:
    """The order as a formal 指令书 / 决定书 (.pdf, WeasyPrint with the system's CJK fonts):
    issuing body, title, number, parties, facts (with the hazards), legal basis, requirements,
    amount and deadline, the remedy notice of a decision, signature block and receipt."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    doc_kind = _("Decision") if order.is_decision else _("Order")
    officer = order.officer
    page = _("Page %(page)s of %(pages)s") % {
        "page": '" counter(page) "',
        "pages": '" counter(pages) "',
    }
    html = render_to_string(
        "hazards/order_document.html",
        {
            "order": order,
            "doc_title": f"{order.get_kind_display()}{doc_kind}",
            "hazards": list(order.hazards.order_by("code")),
            "amount": f"{order.amount:,.2f}" if order.amount is not None else "",
            "officer": officer.real_name or officer.username,
            "page_content": '"' + page.replace("\\", "").replace("\n", " ") + '"',
        },
    )
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()
