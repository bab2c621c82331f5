"""Enforcement orders (执法处置): proposals from the facts of a day, issue, refusal, compliance,
the re-inspection (复查) of a suspension, lifting, escalation, and the formal document (指令书 / 决定书) as .docx or .pdf. Workflows like the
hazard's: permission, validation, save and audit in one transaction."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core.choices import OrganizationKind
from kuangan.core.models import Organization, User
from kuangan.core.services import refuse, require_perm, require_visible, save_new, transition
from kuangan.core.text import clean_text
from kuangan.inspections.models import Inspection
from kuangan.registry.models import Mine

from .. import rules
from ..choices import HazardStatus, OrderKind, OrderStatus, ReinspectionOutcome, TransferCategory
from ..models import Hazard, Order, Reinspection, today
from .common import next_serial, require_mine_in_area

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


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def _failed_reinspection(mine: Mine, on: dt.date) -> Reinspection | None:
    """The re-inspection a close request rests on: the latest re-inspection (on or before
    ``on``) of a suspension of ``mine`` in force, when it found the conditions still unmet."""
    suspensions = (
        Order.objects.filter(mine=mine, kind=OrderKind.SUSPEND, issued_on__lte=on)
        .in_force()
        .order_by("-issued_on", "-pk")
    )
    for suspension in suspensions:
        latest: Reinspection | None = suspension.latest_reinspection(on)
        if latest is not None and latest.outcome == ReinspectionOutcome.UNMET:
            return latest
    return None


def order_facts(mine: Mine, on: dt.date | None = None) -> rules.OrderFacts:
    """The facts of ``mine`` on the day ``on`` (default today) the order proposals read: the
    mine's status as it stood that day (its history), the hazards found by then and not yet
    closed, the refusals recorded by then, and the re-inspections done by then."""
    on = on or today()
    state = mine.state_on(on) if on < today() else None
    if state is None and (on >= today() or not mine.history.exists()):
        state = mine.rule_state()  # today, or a mine with no recorded history
    state = state or {}  # before the mine was registered: no facts
    hazards = tuple(
        rules.HazardForOrder(
            id=h.pk,
            level=h.level,
            open=True,
            imminent_danger=h.imminent_danger,
            reckless_operation=h.reckless_operation,
            criterion_category=h.criterion.category if h.criterion is not None else "",
            disposal=h.item_result.disposal if h.item_result is not None else "",
        )
        for h in Hazard.objects.filter(mine=mine, found_on__lte=on)
        .exclude(status=HazardStatus.CLOSED, closed_at__lt=_end_of(on))
        .select_related("criterion", "item_result")
    )
    orders = Order.objects.filter(mine=mine, issued_on__lte=on).in_force()
    return rules.OrderFacts(
        mine_producing=rules.organizing_production(
            status=state.get("status", ""),
            resuming=bool(state.get("resuming")),
            personnel_on_site=bool(state.get("personnel_on_site")),
        ),
        hazards=hazards,
        order_refused=orders.filter(refused_on__lte=on).exists(),
        reinspection_after_suspension_failed=_failed_reinspection(mine, on) is not None,
        on=on,
    )


def order_proposals(mine: Mine, on: dt.date | None = None) -> list[rules.Proposal]:
    """What the system proposes for ``mine`` on ``on`` (the officer confirms each one),
    leaving out kinds already in force."""
    in_force = set(Order.objects.filter(mine=mine).in_force().values_list("kind", flat=True))
    return [p for p in rules.propose_orders(order_facts(mine, on)) if p.kind not in in_force]


def _proposal_record(mine: Mine, kind: str, on: dt.date) -> dict[str, Any]:
    """What the facts of ``on`` called for, stored on the order of ``kind`` issued that day:
    the proposal with its notice words and grounds, or that the officer issued it unproposed."""
    for p in rules.propose_orders(order_facts(mine, on)):
        if p.kind == kind:
            return {"proposed": True, **p.as_dict(on)}
    return {"proposed": False, "kind": kind, "on": on.isoformat()}


def _regulator(by: User, obj: Mine | Order) -> Organization:
    """The regulator ``by`` issues orders for (refused when ``by`` is not a regulator's)."""
    org = by.organization
    if org is None or org.kind != OrganizationKind.REGULATOR:
        refuse(by, _("Orders are issued by a regulator."), obj=obj, perm="hazards.issue_order")
    return org


def order_issue(
    *,
    by: User,
    mine: Mine,
    kind: str,
    facts: str,
    legal_basis: str,
    requirements: str,
    hazards: Iterable[Hazard] = (),
    amount: Decimal | None = None,
    deadline: dt.date | None = None,
    inspection: Inspection | None = None,
    issued_on: dt.date | None = None,
    note: str = "",
    transfer_category: str = "",
    reinspection: Reinspection | None = None,
) -> Order:
    """Issue an order to ``mine`` resting on ``hazards`` (of the same mine). A transfer names
    the matter transferred (``transfer_category``); a close request rests on the re-inspection
    after a suspension that found the conditions still unmet (“经停产整顿仍不具备安全生产条件的，
    要依法提请地方政府予以关闭”), given or found on the day of issue. The proposal of that day
    is stored with the order."""
    require_perm(by, "hazards.issue_order")
    body = _regulator(by, mine)
    require_mine_in_area(by, mine)
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
    if transfer_category and transfer_category not in TransferCategory.values:
        errors["transfer_category"] = [_("Unknown matter transferred.")]
    if errors:
        raise ValidationError(errors)
    issued_on = issued_on or today()
    if kind == OrderKind.CLOSE_REQUEST:
        reinspection = _close_request_ground(mine, issued_on, reinspection)
    elif reinspection is not None:
        raise ValidationError(
            {"reinspection": [_("Only a close request rests on a re-inspection.")]}
        )
    with transaction.atomic():
        order = Order(
            number=next_serial(
                Order.objects.all(),
                "number",
                f"{body.region.code}-{issued_on.year}-{KIND_ABBR[OrderKind(kind)]}-",
            ),
            kind=kind,
            mine=mine,
            inspection=inspection,
            facts=facts.strip(),
            legal_basis=legal_basis.strip(),
            requirements=requirements.strip(),
            amount=amount,
            deadline=deadline,
            issuing_body=body,
            officer=by,
            issued_on=issued_on,
            note=note,
            transfer_category=transfer_category or "",
            reinspection=reinspection,
            proposal=_proposal_record(mine, kind, issued_on),
        )
        save_new(order, by=by, changes={"hazards": [[], [h.code for h in hazards]]})
        order.hazards.set(hazards)
    return order


def _close_request_ground(
    mine: Mine, on: dt.date, reinspection: Reinspection | None
) -> Reinspection:
    """The re-inspection a close request of ``mine`` issued on ``on`` rests on (refused when
    there is none: the mere passing of a suspension's deadline is not the fact)."""
    found = _failed_reinspection(mine, on)
    if reinspection is None:
        reinspection = found
    if reinspection is None or found is None or reinspection.pk != found.pk:
        raise ValidationError(
            {
                "kind": [
                    _(
                        "A close request follows a re-inspection after the suspension that found "
                        "the mine still without the conditions for safe production (经停产整顿仍不"
                        "具备安全生产条件): record that re-inspection on the suspension first."
                    )
                ]
            }
        )
    return reinspection


def _require_officer(by: User, order: Order) -> None:
    """A regulator with the permission to issue orders, whose scope holds the order."""
    require_perm(by, "hazards.issue_order", order)
    _regulator(by, order)
    require_visible(
        by, order, _("The order is outside your jurisdiction."), perm="hazards.issue_order"
    )


def _order_guard(to: str | None) -> Callable[[Order], None]:
    def guard(order: Order) -> None:
        if to and not order.can_transition(to):
            raise ValidationError(
                _("An order that is “%(status)s” cannot become “%(to)s”.")
                % {"status": order.get_status_display(), "to": OrderStatus(to).label}
            )

    return guard


def _order_step(by: User, order: Order, to: str, version: int | None, **fields: Any) -> Order:
    _require_officer(by, order)
    with transition(
        order, by=by, version=version, to=to or None, guard=_order_guard(to)
    ) as current:
        for key, value in fields.items():
            setattr(current, key, value)
    return current


def order_record_refusal(
    *, by: User, order: Order, on: dt.date | None = None, version: int | None = None
) -> Order:
    """The enterprise refuses to carry out the order (拒不执行): a fact for a suspension."""
    if order.status != OrderStatus.ISSUED:
        raise ValidationError(_("Only an order in force can be refused."))
    return _order_step(by, order, "", version, refused_on=on or today())


def order_comply(
    *, by: User, order: Order, on: dt.date | None = None, version: int | None = None
) -> Order:
    """issued → complied: the inspector confirms the enterprise carried it out."""
    return _order_step(by, order, OrderStatus.COMPLIED, version, complied_on=on or today())


def order_lift(*, by: User, order: Order, version: int | None = None) -> Order:
    """complied → lifted (e.g. a suspension lifted after a passed re-inspection). A suspension
    whose latest re-inspection found the conditions still unmet is not lifted."""
    latest = order.latest_reinspection() if order.kind == OrderKind.SUSPEND else None
    if latest is not None and latest.outcome == ReinspectionOutcome.UNMET:
        raise ValidationError(
            _(
                "The latest re-inspection found the mine still without the conditions for safe "
                "production: the suspension cannot be lifted."
            )
        )
    return _order_step(by, order, OrderStatus.LIFTED, version, lifted_on=today())


def order_reinspect(
    *,
    by: User,
    order: Order,
    outcome: str,
    findings: str,
    inspected_on: dt.date | None = None,
    version: int | None = None,
) -> Reinspection:
    """Record the re-inspection (复查) of a suspension in force, with its outcome: the
    conditions for safe production met, or still unmet (the fact of a close request)."""
    _require_officer(by, order)
    errors = {}
    if order.kind != OrderKind.SUSPEND:
        errors["order"] = [_("Only a suspension is re-inspected.")]
    elif order.status not in (OrderStatus.ISSUED, OrderStatus.COMPLIED):
        errors["order"] = [_("Only a suspension in force is re-inspected.")]
    if outcome not in ReinspectionOutcome.values:
        errors["outcome"] = [_("Choose the outcome of the re-inspection.")]
    if not (findings or "").strip():
        errors["findings"] = [_("Write what the re-inspection found.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The order is locked (a stale version is refused) while its re-inspection is added.
        with transition(order, by=by, version=version, save=False):
            pass
        reinspection = Reinspection(
            order=order,
            inspected_on=inspected_on or today(),
            outcome=outcome,
            findings=findings.strip(),
            inspector=by,
        )
        save_new(reinspection, by=by)
    return reinspection


def order_escalate(
    *, by: User, order: Order, facts: str, legal_basis: str, version: int | None = None
) -> Order:
    """A suspension whose latest re-inspection (复查) found the mine still without the
    conditions for safe production → escalated, and a request to the local government to close
    the mine is issued, resting on that re-inspection (“经停产整顿仍不具备安全生产条件的，要依法提请
    地方政府予以关闭”). Without such a re-inspection it is refused, whatever the deadline."""
    if order.kind != OrderKind.SUSPEND:
        raise ValidationError(_("Only a suspension is escalated to a close request."))
    # Refused before the transaction, so that the refusal's audit event stays.
    _require_officer(by, order)
    latest = order.latest_reinspection(today())
    if latest is None or latest.outcome != ReinspectionOutcome.UNMET:
        raise ValidationError(
            _(
                "A close request follows a re-inspection after the suspension that found the "
                "mine still without the conditions for safe production: record the "
                "re-inspection first."
            )
        )
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
            reinspection=latest,
        )
        _order_step(by, order, OrderStatus.ESCALATED, version, escalated_to=close)
    return close


# --- the formal document ------------------------------------------------------------------


def render_docx(order: Order) -> bytes:
    """The order as a formal 指令书 / 决定书 (.docx): title, number, parties, facts, basis,
    requirements, amount and deadline, signature block."""
    # python-docx is loaded only when a document is asked for.
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
    run = head.add_run(clean_text(body.name))
    run.bold = True
    run.font.size = Pt(18)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc_kind = _("Decision") if order.is_decision else _("Order")
    run = title.add_run(str(order.get_kind_display()) + doc_kind)
    run.bold = True
    run.font.size = Pt(16)
    number = doc.add_paragraph(clean_text(order.number))
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    mine = order.mine
    doc.add_paragraph(clean_text(_("Party") + "：" + f"{mine.enterprise.name}（{mine.name}）"))
    if mine.enterprise.address:
        doc.add_paragraph(clean_text(_("Address") + "：" + str(mine.enterprise.address)))
    if mine.enterprise.legal_representative:
        doc.add_paragraph(
            clean_text(_("Legal representative") + "：" + str(mine.enterprise.legal_representative))
        )
    for label, text in (
        (_("Facts"), order.facts),
        (_("Legal basis"), order.legal_basis),
        (_("Requirements"), order.requirements),
    ):
        p = doc.add_paragraph()
        p.add_run(str(label) + "：").bold = True
        p.add_run(clean_text(text))
    hazards = list(order.hazards.all())
    if hazards:
        p = doc.add_paragraph()
        p.add_run(_("Hazards") + "：").bold = True
        for h in hazards:
            doc.add_paragraph(clean_text(f"{h.code} {h.description}"), style="List Number")
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
        p = doc.add_paragraph(clean_text(text))
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _no_fetch(url: str, *args: object, **kwargs: object) -> NoReturn:
    """The document needs nothing from outside (fonts are the system's): refuse every URL."""
    raise ValueError(f"refused to fetch {url}")


def render_pdf(order: Order) -> bytes:
    """The order as a formal 指令书 / 决定书 (.pdf, WeasyPrint with the system's CJK fonts):
    issuing body, title, number, parties, facts (with the hazards), legal basis, requirements,
    amount and deadline, the remedy notice of a decision, signature block and receipt."""
    # WeasyPrint (and its font machinery) is loaded only when a document is asked for.
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
    pdf: bytes = HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    return pdf
