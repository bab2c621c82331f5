"""Pages of the hazard ledger: the ledger and the listed-supervision list, the hazard page,
record/edit forms, one page per workflow step, and the criterion suggestion fragment."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuangan.core.choices import RegionLevel
from kuangan.core.forms import apply_ownership
from kuangan.core.ledger import Column, LedgerView, Tab
from kuangan.core.ownership import side_of
from kuangan.core.views import ObjectFormView, ObjectPageView, ObjectStepView
from kuangan.registry.models import Mine

from .. import forms, rules, services
from ..choices import ExtensionStatus, HazardLevel, HazardStatus, OrderKind, PenaltyGuidance
from ..filters import HazardFilterSet
from ..models import Hazard, HazardExtension, Order
from ..suggest import suggest_criteria
from .common import mine_of_query


def _guidance_label(obj) -> str:
    return str(PenaltyGuidance(obj.penalty_guidance).label)


def _penalty_facts(h: Hazard) -> list[tuple[str, object]]:
    """The facts the guidance rests on, in words: a regulator's finding's stored facts of the
    day it was found; the enterprise's own record's facts today."""
    if h.source in rules.LINKABLE_SOURCES or h.penalty_decided:
        basis = h.penalty_basis if h.penalty_decided else h.decide_guidance()[1]
        rows: list[tuple[str, object]] = [
            (_("Found on"), basis.get("found_on")),
            (_("Inspection began at"), _moment(basis.get("inspection_started_at"))),
        ]
        record = basis.get("self_record")
        if record:
            rows += [
                (_("The enterprise's own record"), record.get("code")),
                (_("Recorded in the system at"), _moment(record.get("recorded_at"))),
                (
                    _("Recorded before the inspection began"),
                    _("Yes") if record.get("recorded_before") else _("No"),
                ),
                (
                    _("Its status that day"),
                    HazardStatus(record["status"]).label if record.get("status") else "—",
                ),
                (_("Its deadline that day"), record.get("deadline") or "—"),
            ]
        else:
            rows.append((_("The enterprise's own record"), _("none linked")))
        if h.penalty_decided:
            rows += [
                (_("Decided at"), h.penalty_decided_at),
                (
                    _("Decided by"),
                    h.penalty_decided_by or _("the system, when the finding was recorded"),
                ),
            ]
        else:
            rows.append((_("Decided at"), _("not stored yet: decided on reading")))
        return rows
    return [
        (_("Status today"), HazardStatus(h.status).label),
        (_("Deadline"), h.deadline or "—"),
        (_("Judged on"), timezone.localdate()),
    ]


def _moment(value: str | None):
    if not value:
        return "—"
    return timezone.localtime(dt.datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")


def _overdue(obj):
    return obj.is_overdue


HAZARD_COLUMNS = [
    Column("code", gettext_lazy("Hazard number"), sort="code", link=True),
    Column("mine", gettext_lazy("Mine"), "mine.name", sort="mine__name"),
    Column("county", gettext_lazy("County"), "mine.region.name", default=False),
    Column("enterprise", gettext_lazy("Enterprise"), "mine.enterprise.name", default=False),
    Column("description", gettext_lazy("Hazard description"), lambda h: h.description[:80]),
    Column("location", gettext_lazy("Location in the mine"), default=False),
    Column("level", gettext_lazy("Level"), "level", sort="level", badge=HazardLevel),
    Column("criterion", gettext_lazy("Criterion"), "criterion.code", default=False),
    Column("source", gettext_lazy("Source"), "source", sort="source"),
    Column("found_on", gettext_lazy("Found on"), sort="found_on"),
    Column("responsible_person", gettext_lazy("Responsible person"), default=False),
    Column("measures", gettext_lazy("Rectification measures"), default=False),
    Column("funds", gettext_lazy("Funds (yuan)"), default=False),
    Column("deadline", gettext_lazy("Deadline"), sort="deadline"),
    Column("contingency_plan", gettext_lazy("Contingency plan"), default=False),
    Column("status", gettext_lazy("Status"), "status", sort="status", badge=HazardStatus),
    Column("overdue", gettext_lazy("Overdue"), _overdue),
    Column("listed", gettext_lazy("Listed supervision"), "listing_no", default=False),
    Column(
        "penalty_guidance",
        gettext_lazy("Penalty guidance"),
        _guidance_label,
        default=False,
        badge=PenaltyGuidance,
    ),
    Column("closed_at", gettext_lazy("Closed at"), sort="closed_at", default=False),
]


class HazardLedger(LedgerView):
    model = Hazard
    permission_required = "hazards.view_hazard"
    export_perm = "hazards.export_hazard"
    filterset_class = HazardFilterSet
    search_fields = ("code", "description", "location", "mine__name")
    columns = HAZARD_COLUMNS
    default_sort = "-found_on"
    title = gettext_lazy("Hazard ledger")
    template_name = "hazards/hazard_ledger.html"
    create_url = "hazards:hazard_create"
    create_perm = "hazards.add_hazard"
    empty_hint = gettext_lazy(
        "No hazards recorded. Record what a self-inspection or an enforcement inspection found."
    )

    def base_queryset(self):
        return Hazard.objects.visible_to(self.request.user).with_related()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs, _filterset = self.filtered()
        counts = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
        ctx["status_counts"] = [
            (value, label, counts.get(value, 0), HazardStatus.css(value))
            for value, label in HazardStatus.choices
        ]
        ctx["overdue_count"] = qs.overdue().count()
        ctx["two_lists_mine"] = mine_of_query(self.request)
        return ctx


def _listing_state(obj) -> str:
    if obj.delisted_on:
        return _("Delisted")
    if obj.is_overdue or (
        obj.listing_due and obj.listing_due < timezone.localdate() and not obj.is_closed
    ):
        return _("Overdue")
    return obj.get_status_display()


class ListedHazardLedger(HazardLedger):
    """挂牌督办: every hazard listed for supervision in the user's area, with its state."""

    title = gettext_lazy("Listed supervision of major hazards")
    create_url = None
    template_name = "core/ledger.html"
    default_sort = "listing_due"
    columns = [
        Column("listing_no", gettext_lazy("Listing number"), sort="listing_no"),
        Column("code", gettext_lazy("Hazard number"), sort="code", link=True),
        Column("mine", gettext_lazy("Mine"), "mine.name", sort="mine__name"),
        Column("county", gettext_lazy("County"), "mine.region.name"),
        Column("description", gettext_lazy("Hazard description"), lambda h: h.description[:60]),
        Column("listing_body", gettext_lazy("Listed by"), "listing_body.name"),
        Column("listed_on", gettext_lazy("Listed on"), sort="listed_on"),
        Column("listing_due", gettext_lazy("Required completion"), sort="listing_due"),
        Column("status", gettext_lazy("Status"), "status", badge=HazardStatus),
        Column("state", gettext_lazy("Supervision state"), _listing_state),
        Column("delisted_on", gettext_lazy("Delisted on"), sort="delisted_on"),
    ]
    empty_hint = gettext_lazy("No major hazard is listed for supervision in your area.")

    def base_queryset(self):
        return super().base_queryset().filter(listing_no__gt="")

    def get_context_data(self, **kwargs):
        return LedgerView.get_context_data(self, **kwargs)


class HazardPage(ObjectPageView):
    model = Hazard
    permission_required = "hazards.view_hazard"
    list_url_name = "hazards:hazard_list"
    template_name = "hazards/hazard_page.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .with_related()
            .select_related(
                "found_by", "rectified_by", "accepted_by", "checklist_item", "created_by"
            )
        )

    def can_change(self) -> bool:
        return self.request.user.has_perm("hazards.change_hazard") and not self.object.is_closed

    def data_rows(self):
        h = self.object
        rows = [
            (_("Hazard number"), h.code),
            (_("Mine"), h.mine.name),
            (_("Enterprise"), h.mine.enterprise.name),
            (_("Level"), h.get_level_display()),
            (
                _("Major-hazard criterion"),
                f"{h.criterion.citation} {h.criterion.wording}" if h.criterion else None,
            ),
            (_("Hazard description"), h.description),
            (_("Location in the mine"), h.location),
            (_("Source"), h.get_source_display()),
            (_("Found on"), h.found_on),
            (
                _("Found by"),
                h.found_by_name or (str(h.found_by) if h.found_by else ""),
            ),
            (_("Checklist item"), str(h.checklist_item) if h.checklist_item else None),
            (_("Imminent danger"), h.imminent_danger),
            (_("Reckless operation"), h.reckless_operation),
            (_("Status"), h.get_status_display()),
            (_("Overdue"), h.is_overdue),
            (_("Recorded by"), h.created_by),
            # 上报时间: a hazard is 已上报 from the moment it is recorded (every status is that
            # or later), so the record's creation is when it was reported.
            (_("Reported at"), h.created_at),
        ]
        if h.is_major or h.reported_upward_at:
            rows.append((_("Reported to the county and city bureaus at"), h.reported_upward_at))
        if h.listing_no:
            rows += [
                (_("Listing number"), h.listing_no),
                (_("Listed by"), h.listing_body),
                (_("Listed on"), h.listed_on),
                (_("Required completion"), h.listing_due),
                (_("Delisted on"), h.delisted_on),
            ]
        return rows

    def tabs(self):
        h = self.object
        user = self.request.user
        extensions = HazardExtension.objects.filter(hazard=h).select_related(
            "requested_by", "decided_by"
        )
        evidence = h.evidence.select_related("attachment", "attachment__uploaded_by")
        guidance = h.guidance()
        regulator_finding = h.source in rules.LINKABLE_SOURCES
        tabs = [
            Tab(
                "rectification",
                gettext_lazy("Rectification (五落实)"),
                "hazards/tab_rectification.html",
                extra={
                    "extensions": extensions,
                    "missing": h.missing_five(),
                    "pending": [e for e in extensions if e.status == ExtensionStatus.PENDING],
                },
            ),
            Tab(
                "evidence",
                gettext_lazy("Evidence"),
                "hazards/tab_evidence.html",
                evidence.count(),
                {"rows": evidence},
            ),
            Tab(
                "penalty",
                gettext_lazy("Penalty guidance"),
                "hazards/tab_penalty.html",
                extra={
                    "guidance": guidance,
                    "label": PenaltyGuidance(guidance.value).label,
                    "words": rules.GUIDANCE_WORDS[guidance.value],
                    "reason": rules.GUIDANCE_REASONS.get(guidance.reason, ""),
                    "facts": _penalty_facts(h),
                    "regulator_finding": regulator_finding,
                    "stale": h.penalty_stale(),
                    "candidates": services.self_report_candidates(h)[:10]
                    if user.has_perm("hazards.link_hazard") and regulator_finding
                    else [],
                },
            ),
        ]
        return tabs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        h = self.object
        user = self.request.user
        ctx["actions"] = available_actions(user, h)
        return ctx


def available_actions(user, h: Hazard) -> list[tuple[str, str, str, str]]:
    """(url name, label, css, address) of the steps ``user`` may take on ``h`` now."""
    steps: list[tuple[str, str, str]] = []
    if h.is_closed:
        org = user.organization
        province = org is not None and org.region.level == RegionLevel.PROVINCE
        if h.is_listed and province and user.has_perm("hazards.list_hazard"):
            steps.append(("hazards:hazard_delist", _("Delist"), "btn-outline-danger"))
        return [(name, label, css, reverse(name, args=[h.pk])) for name, label, css in steps]
    is_enterprise = getattr(user.organization, "kind", None) == "enterprise"
    pending = h.status == HazardStatus.PENDING_ACCEPTANCE
    if user.has_perm("hazards.change_hazard"):
        steps.append(("hazards:hazard_edit", _("Edit"), "btn"))
        steps.append(("hazards:hazard_evidence", _("Add evidence"), "btn"))
        if side_of(user) == h.recorder_side():
            steps.append(("hazards:hazard_change_level", _("Change the level"), "btn"))
    if is_enterprise and user.has_perm("hazards.rectify_hazard"):
        if h.can_transition(HazardStatus.RECTIFYING):
            steps.append(("hazards:hazard_rectify", _("Start rectification"), "btn-primary"))
        if h.can_transition(HazardStatus.PENDING_ACCEPTANCE):
            steps.append(
                ("hazards:hazard_request_acceptance", _("Ask for acceptance"), "btn-primary")
            )
        # No extension once the rectification is reported done and waits for acceptance.
        if h.deadline and not pending:
            steps.append(("hazards:hazard_extension", _("Ask for an extension"), "btn"))
    if pending and services.may_accept(user, h) is None:
        steps.append(("hazards:hazard_accept", _("Accept and close"), "btn-success"))
        steps.append(("hazards:hazard_reject", _("Acceptance failed"), "btn-outline-danger"))
    if h.is_major and not h.is_listed and user.has_perm("hazards.list_hazard"):
        steps.append(("hazards:hazard_list_supervision", _("List for supervision"), "btn"))
    actions = [(name, label, css, reverse(name, args=[h.pk])) for name, label, css in steps]
    return actions + _order_offers(user, h)


# 存在险情: a major hazard with imminent danger calls for 撤人 or 停产 at once (notice 七(四)).
DANGER_ORDERS = (
    (OrderKind.EVACUATE, gettext_lazy("Order the workers out")),
    (OrderKind.SUSPEND, gettext_lazy("Order production stopped")),
)


def _order_offers(user, h: Hazard) -> list[tuple[str, str, str, str]]:
    """On an open major hazard with imminent danger, a regulator who may issue orders is
    offered the evacuation and stop-work orders (the order page pre-set to the kind), unless
    one of that kind is already in force for the mine."""
    if not (h.is_major and h.imminent_danger and not h.is_closed):
        return []
    if getattr(user.organization, "kind", None) != "regulator":
        return []
    if not user.has_perm("hazards.issue_order"):
        return []
    in_force = set(
        Order.objects.filter(mine_id=h.mine_id).in_force().values_list("kind", flat=True)
    )
    url = reverse("hazards:order_issue", args=[h.mine_id])
    return [
        ("hazards:order_issue", str(label), "btn-danger", f"{url}?kind={kind}")
        for kind, label in DANGER_ORDERS
        if kind not in in_force
    ]


# --- forms ----------------------------------------------------------------------------------


class HazardStepView(ObjectStepView):
    """One workflow step on one hazard: a form (or a confirmation), then the service."""

    model = Hazard
    template_name = "core/form.html"
    permission_required = "hazards.view_hazard"

    def get_queryset(self):
        return super().get_queryset().with_related()

    def get_title(self) -> str:
        return f"{self.title}：{self.object.code}"


class HazardCreateView(ObjectFormView):
    template_name = "hazards/hazard_form.html"
    form_class = forms.HazardForm
    permission_required = "hazards.add_hazard"
    title_create = gettext_lazy("Record a hazard")
    list_url = "hazards:hazard_list"

    def get_initial(self):
        initial = {"found_on": timezone.localdate(), "level": HazardLevel.GENERAL}
        org = self.request.user.organization
        if org is not None and org.kind == "enterprise":
            initial["source"] = "group" if "group_inspector" in self.request.user.roles else "self"
        else:
            initial["source"] = "enforcement"
        mine = self.request.GET.get("mine")
        if mine and mine.isdigit():
            initial["mine"] = mine
        return initial

    def save(self, form):
        data = dict(form.cleaned_data)
        mine = data.pop("mine")
        return services.hazard_create(by=self.request.user, mine=mine, **data)

    def get_success_message(self, obj) -> str:
        return _("Hazard %(code)s recorded.") % {"code": obj.code}


class HazardEditView(HazardStepView):
    template_name = "hazards/hazard_form.html"
    form_class = forms.HazardForm
    permission_required = "hazards.change_hazard"
    service = services.hazard_update
    title = gettext_lazy("Edit hazard")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "hazard": self.object}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        # The other side's findings and the level show read-only (``Hazard.ownership``).
        apply_ownership(form, self.request.user, Hazard, self.object)
        return form

    def get_initial(self):
        h = self.object
        return {
            f: getattr(h, f)
            for f in services.EDITABLE_FIELDS
            if f not in ("found_by", "checklist_item", "accountable_persons")
        }


class RectifyView(HazardStepView):
    form_class = forms.FiveForm
    permission_required = "hazards.rectify_hazard"
    service = services.hazard_start_rectification
    title = gettext_lazy("Start rectification")
    success_message = gettext_lazy("Rectification started.")
    consequence = gettext_lazy(
        "五落实: a major hazard needs all five (responsible person, measures, funds, deadline, "
        "contingency plan) with its root cause and lasting measure; a general hazard needs the "
        "person, the measures and the deadline."
    )

    def get_initial(self):
        return {f: getattr(self.object, f) for f in forms.FiveForm.base_fields}


class RequestAcceptanceView(HazardStepView):
    form_class = forms.NoteForm
    permission_required = "hazards.rectify_hazard"
    service = services.hazard_request_acceptance
    title = gettext_lazy("Ask for acceptance")
    consequence = gettext_lazy(
        "Describe what was done. A major hazard needs evidence before and after rectification; "
        "it is then accepted by the county bureau."
    )
    confirm = gettext_lazy("Report the rectification as done and ask for acceptance?")
    success_message = gettext_lazy("Rectification reported done; waiting for acceptance.")


class AcceptView(HazardStepView):
    form_class = forms.NoteForm
    service = services.hazard_accept
    title = gettext_lazy("Accept and close")
    consequence = gettext_lazy("Closing (销号) is final: a closed hazard can no longer change.")
    confirm = gettext_lazy("Accept the rectification and close this hazard? This cannot be undone.")
    success_message = gettext_lazy("Accepted: the hazard is closed.")


class ChangeLevelView(HazardStepView):
    form_class = forms.LevelForm
    permission_required = "hazards.change_hazard"
    service = services.hazard_change_level
    title = gettext_lazy("Change the level")
    success_message = gettext_lazy("The level of the hazard is changed.")
    consequence = gettext_lazy(
        "The change and its reason are kept in the history. A major hazard made general is "
        "told to the county and city bureaus."
    )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "hazard": self.object}


class RejectView(HazardStepView):
    form_class = forms.ReasonForm
    service = services.hazard_reject
    title = gettext_lazy("Acceptance failed")
    consequence = gettext_lazy("The hazard is reopened and the enterprise rectifies it again.")
    success_message = gettext_lazy("Acceptance failed: the hazard is reopened.")


class ExtensionView(HazardStepView):
    form_class = forms.ExtensionForm
    permission_required = "hazards.rectify_hazard"
    service = services.hazard_request_extension
    versioned = False
    title = gettext_lazy("Ask for an extension")
    success_message = gettext_lazy("Extension requested.")


class DecideExtensionView(HazardStepView):
    form_class = forms.DecisionForm
    permission_required = "hazards.decide_extension"
    service = services.hazard_decide_extension
    versioned = False
    title = gettext_lazy("Decide on the extension")

    def get_success_message(self) -> str:
        ext = self.result
        if getattr(ext, "status", None) == ExtensionStatus.APPROVED:
            return _("Extension approved: the deadline is now %(date)s.") % {
                "date": ext.new_deadline.isoformat()
            }
        return _("Extension refused: the deadline stays.")

    def get_extension(self):
        return get_object_or_404(
            HazardExtension.objects.filter(hazard=self.object), pk=self.kwargs["ext"]
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ext = self.get_extension()
        ctx["help"] = _("%(old)s → %(new)s. Reason: %(reason)s") % {
            "old": ext.old_deadline.isoformat() if ext.old_deadline else "—",
            "new": ext.new_deadline.isoformat(),
            "reason": ext.reason,
        }
        return ctx

    def perform(self, data):
        return services.hazard_decide_extension(
            by=self.request.user, extension=self.get_extension(), **data
        )


class EvidenceView(HazardStepView):
    form_class = forms.EvidenceForm
    permission_required = "hazards.change_hazard"
    service = services.hazard_add_evidence
    versioned = False
    title = gettext_lazy("Add evidence")
    success_message = gettext_lazy("File uploaded.")

    def service_kwargs(self, data):
        return {"uploaded_file": data["file"], "stage": data["stage"]}


class LinkView(HazardStepView):
    form_class = forms.LinkForm
    permission_required = "hazards.link_hazard"
    service = services.hazard_link_self_report
    title = gettext_lazy("Link the enterprise's own record")
    success_message = gettext_lazy("The enterprise's own record is linked.")
    consequence = gettext_lazy(
        "Choose the enterprise's earlier record of the same problem (self-inspection or group "
        "check of the same mine, found on or before the inspection date). Candidates with the "
        "same criterion or checklist item come first."
    )

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "candidates": services.self_report_candidates(self.object),
        }

    def get_initial(self):
        return {"self_reported_hazard": self.object.self_reported_hazard_id}

    def service_kwargs(self, data):
        return {"self_reported": data["self_reported_hazard"]}


class PenaltyRecomputeView(HazardStepView):
    form_class = forms.ReasonForm
    permission_required = "hazards.link_hazard"
    service = services.hazard_penalty_recompute
    title = gettext_lazy("Recompute the penalty guidance")
    success_message = gettext_lazy("The penalty guidance is recomputed.")
    consequence = gettext_lazy(
        "The guidance is decided again on the facts of the day the regulator found the hazard, "
        "as they are recorded now (its level, its source, the enterprise's own record as it "
        "stood that day). The guidance and its facts before and after are kept in the history "
        "with your reason."
    )


class ListingView(HazardStepView):
    form_class = forms.ListingForm
    permission_required = "hazards.list_hazard"
    service = services.hazard_list
    title = gettext_lazy("List for supervision")
    success_message = gettext_lazy("Listed for supervision.")

    def get_initial(self):
        return {"listed_on": timezone.localdate(), "listing_due": self.object.deadline}


class DelistView(HazardStepView):
    form_class = forms.NoteForm
    permission_required = "hazards.list_hazard"
    service = services.hazard_delist
    title = gettext_lazy("Delist")
    confirm = gettext_lazy("Delist this hazard from supervision?")
    success_message = gettext_lazy("Delisted from supervision.")

    def service_kwargs(self, data):
        return {}  # the note is not recorded


# --- criterion suggestion -----------------------------------------------------------------


@login_required
@permission_required("hazards.add_hazard", raise_exception=True)
def criterion_suggestions(request):
    """The three criteria most similar to the typed description (an HTMX fragment)."""
    description = request.GET.get("description", "").strip()
    mine_id = request.GET.get("mine", "")
    suggestions = []
    if len(description) >= 4:
        mine = None
        if mine_id.isdigit():
            mine = Mine.objects.visible_to(request.user).filter(pk=mine_id).first()
        elif request.GET.get("hazard", "").isdigit():
            hazard = (
                Hazard.objects.visible_to(request.user)
                .filter(pk=request.GET["hazard"])
                .select_related("mine")
                .first()
            )
            mine = hazard.mine if hazard else None
        if mine is not None:
            try:
                on = dt.date.fromisoformat(request.GET.get("found_on", ""))
            except ValueError:
                on = timezone.localdate()
            suggestions = suggest_criteria(description, kind=mine.kind, on=on)
    return render(
        request,
        "hazards/criterion_suggestions.html",
        {"suggestions": suggestions, "asked": bool(description)},
    )
