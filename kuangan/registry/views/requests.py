"""Requests to change the regulator's registry facts: the enterprise's form on its mine or
enterprise, the ledger, the request's page with the changes asked for, and the regulator's
decision (or the enterprise's withdrawal)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuangan.core.forms import StyledForm
from kuangan.core.history import render_changes
from kuangan.core.ledger import Column, LedgerView
from kuangan.core.ownership import Side, side_of
from kuangan.core.views import (
    ObjectFormView,
    ObjectPageView,
    ObjectStepView,
    get_visible_or_404,
    posted_version,
)

from .. import services
from ..filters import ChangeRequestFilterSet
from ..models import ChangeRequest, Enterprise, Mine


def may_request_change(user) -> bool:
    """Whether ``user`` asks (rather than makes) registry changes: an enterprise user."""
    return side_of(user) == Side.ENTERPRISE and user.has_perm("registry.add_changerequest")


class ChangeRequestLedger(LedgerView):
    model = ChangeRequest
    permission_required = "registry.view_changerequest"
    filterset_class = ChangeRequestFilterSet
    search_fields = ("mine__name", "mine__code", "enterprise__name", "reason")
    title = gettext_lazy("Registry change requests")
    default_sort = "-created_at"
    empty_hint = gettext_lazy(
        "No request yet. An enterprise asks for a change of the facts the regulator decides "
        "(county, kind, status, licences …) from its mine's or its enterprise's page."
    )
    columns = [
        Column("target", gettext_lazy("Mine or enterprise"), "target", link=True),
        Column("region", gettext_lazy("Decided in"), "region.name", sort="region__path"),
        Column("status", gettext_lazy("Status"), "status", sort="status"),
        Column(
            "fields",
            gettext_lazy("Changes asked for"),
            lambda r: "、".join(c.field for c in render_changes(type(r.target), [r.changes])[0]),
        ),
        Column("requested_by", gettext_lazy("Requested by"), "requested_by"),
        Column("created_at", gettext_lazy("Requested at"), sort="created_at"),
        Column("decided_by", gettext_lazy("Decided by"), "decided_by", default=False),
        Column("decided_at", gettext_lazy("Decided at"), sort="decided_at", default=False),
    ]

    def base_queryset(self):
        return (
            super()
            .base_queryset()
            .select_related("mine", "enterprise", "region", "requested_by", "decided_by")
        )


class ChangeRequestPage(ObjectPageView):
    model = ChangeRequest
    permission_required = "registry.view_changerequest"
    list_url_name = "registry:changerequest_list"
    template_name = "registry/changerequest_page.html"
    data_template = "registry/tab_changerequest_data.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("mine", "enterprise", "region", "requested_by", "decided_by")
        )

    def data_rows(self):
        r = self.object
        return [
            (_("Mine or enterprise"), r.target),
            (_("Status"), r.get_status_display()),
            (_("Reason"), r.reason),
            (_("Requested by"), r.requested_by),
            (_("Requested at"), r.created_at),
            (_("Decided by"), r.decided_by),
            (_("Decided at"), r.decided_at),
            (_("Decision opinion"), r.decision_note),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        r = self.object
        user = self.request.user
        ctx["requested"] = render_changes(type(r.target), [r.changes])[0]
        ctx["can_decide"] = (
            r.is_pending
            and side_of(user) == Side.REGULATOR
            and user.has_perm("registry.decide_changerequest")
        )
        ctx["can_withdraw"] = r.is_pending and may_request_change(user)
        return ctx


class ChangeRequestForm(StyledForm, forms.ModelForm):
    """The regulator's facts of a mine or an enterprise, as they should be, and why."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say what changed and on which document it rests (licence, approval …)."),
    )


class ChangeRequestFormView(ObjectFormView):
    """An enterprise asks to change the regulator's facts of its mine (``code``) or of its
    enterprise (``pk``)."""

    model = ChangeRequest
    template_name = "core/form.html"
    permission_required = "registry.add_changerequest"
    form_takes_user = False
    versioned = False
    title_create = gettext_lazy("Ask for a registry change")
    success_message = gettext_lazy("Request sent to the regulator.")
    help_text = gettext_lazy(
        "These facts decide which regulator governs the mine and which campaign rules apply: "
        "the regulator of the region changes them when it approves your request. Change only "
        "what is different; the rest stays as it is."
    )
    target: Any = None

    def get_object(self):
        user = self.request.user
        if "code" in self.kwargs:
            self.target = get_visible_or_404(
                user, Mine.objects.visible_to(user), code=self.kwargs["code"]
            )
        else:
            self.target = get_visible_or_404(
                user, Enterprise.objects.visible_to(user), pk=self.kwargs["pk"]
            )
        return None

    def get_form_class(self):
        names = services.requestable_fields(self.target)
        return forms.modelform_factory(type(self.target), form=ChangeRequestForm, fields=names)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = type(self.target)._default_manager.get(pk=self.target.pk)
        return kwargs

    def get_title(self):
        return _("Ask for a registry change: %(target)s") % {"target": self.target}

    def get_cancel_url(self):
        return self.target.get_absolute_url()

    def save(self, form):
        data = {n: form.cleaned_data[n] for n in services.requestable_fields(self.target)}
        return services.change_request_submit(
            by=self.request.user,
            target=self.target,
            reason=form.cleaned_data["reason"],
            **data,
        )


class DecisionForm(StyledForm, forms.Form):
    note = forms.CharField(
        label=_("Decision opinion"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you reject the request."),
    )


class ChangeRequestStep(ObjectStepView):
    model = ChangeRequest
    object: ChangeRequest
    permission_required = "registry.view_changerequest"
    template_name = "core/form.html"
    object_arg = "request"

    def get_title(self) -> str:
        return f"{self.title}：{self.object.target}"


class DecideView(ChangeRequestStep):
    form_class = DecisionForm
    permission_required = "registry.decide_changerequest"
    approve = True

    def perform(self, data):
        return services.change_request_decide(
            by=self.request.user,
            request=self.object,
            approve=self.approve,
            note=data["note"],
            version=posted_version(self.request),
        )


class ApproveView(DecideView):
    title = gettext_lazy("Approve the change")
    consequence = gettext_lazy(
        "The registry changes as asked, at once; the change is kept in the mine's history and "
        "the audit log."
    )
    confirm = gettext_lazy("Approve and change the registry?")


class RejectView(DecideView):
    approve = False
    title = gettext_lazy("Reject the request")


class WithdrawView(ChangeRequestStep):
    permission_required = "registry.add_changerequest"
    service = services.change_request_withdraw
    title = gettext_lazy("Withdraw the request")
    confirm = gettext_lazy("Withdraw this request?")
