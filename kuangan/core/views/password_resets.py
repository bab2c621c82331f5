"""Password resets under dual control: the list and page of the requests (the system and the
security administrators), the security administrator's approval or refusal, and the page the
user opens from the one-time link to set a new password."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from .. import services
from ..forms import PasswordResetDecisionForm, PasswordSetForm
from ..ledger import Column, LedgerView
from ..models import PasswordReset, PasswordResetStatus
from .bases import ObjectPageView
from .steps import ObjectStepSwitch, ObjectStepView


def status_label(reset: PasswordReset) -> str:
    if reset.status == PasswordResetStatus.APPROVED and reset.link_expired:
        return str(_("Link expired unused"))
    return str(reset.get_status_display())


class PasswordResetLedger(LedgerView):
    model = PasswordReset
    permission_required = "core.view_passwordreset"
    title = gettext_lazy("Password resets")
    default_sort = "-requested_at"
    search_fields = ("user__username", "user__real_name")
    empty_hint = gettext_lazy(
        "No password reset requested. A reset is requested on the user's page."
    )
    columns = [
        Column("user", gettext_lazy("User"), "user", sort="user__username", link=True),
        Column("requested_by", gettext_lazy("Requested by"), "requested_by"),
        Column("requested_at", gettext_lazy("Requested at"), sort="requested_at"),
        Column("status", gettext_lazy("Status"), status_label, sort="status"),
        Column("decided_by", gettext_lazy("Decided by"), "decided_by"),
        Column("delivered_to", gettext_lazy("Link sent to"), default=False),
        Column("expires_at", gettext_lazy("Link valid until"), default=False),
    ]

    def base_queryset(self):
        return (
            super()
            .base_queryset()
            .select_related("user", "requested_by", "decided_by", "user__organization")
        )


class PasswordResetPage(ObjectPageView):
    model = PasswordReset
    permission_required = "core.view_passwordreset"
    template_name = "core/password_reset_page.html"
    list_url_name = "core:password_reset_list"

    def get_queryset(self):
        return super().get_queryset().select_related("user__organization__region")

    def data_rows(self):
        r = self.object
        return [
            (_("User"), r.user),
            (_("Username"), r.user.username),
            (_("Organisation"), r.user.organization),
            (_("Roles"), "、".join(r.user.role_labels()) or "—"),
            (_("E-mail"), r.user.email if self.can_decide() else services.mask_email(r.user.email)),
            (_("Requested by"), r.requested_by),
            (_("Requested at"), r.requested_at),
            (_("Reason"), r.reason),
            (_("Status"), status_label(r)),
            (_("Decided by"), r.decided_by),
            (_("Decided at"), r.decided_at),
            (_("Note"), r.decision_note),
            (_("Link sent to"), r.delivered_to),
            (_("Link valid until"), r.expires_at),
            (_("Used at"), r.used_at),
        ]

    def can_decide(self) -> bool:
        user = self.request.user
        reset = self.object
        return (
            reset.status == PasswordResetStatus.PENDING
            and user.has_perm("core.approve_password_reset")
            and user.pk not in (reset.requested_by_id, reset.user_id)
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_decide"] = self.can_decide()
        return ctx


class PasswordResetStep(ObjectStepView):
    model = PasswordReset
    permission_required = "core.approve_password_reset"
    object_arg = "reset"

    def is_open(self) -> bool:
        return getattr(self.object, "status", None) == PasswordResetStatus.PENDING


class ApprovePasswordResetView(PasswordResetStep):
    service = services.password_reset_approve
    title = gettext_lazy("Approve the password reset")
    consequence = gettext_lazy(
        "A one-time link to set a new password is e-mailed to the user's own address. Check "
        "that the address on the request's page is the user's. Nobody else sees the link."
    )
    success_message = gettext_lazy("Approved: the one-time link has been sent to the user.")

    def service_kwargs(self, data: dict) -> dict:
        return {"site": self.request.build_absolute_uri("/")}


class RefusePasswordResetView(PasswordResetStep):
    form_class = PasswordResetDecisionForm
    service = services.password_reset_refuse
    title = gettext_lazy("Refuse the password reset")
    consequence = gettext_lazy("The password stays as it is; the requester sees your note.")
    success_message = gettext_lazy("The password reset has been refused.")


class PasswordResetActionView(ObjectStepSwitch):
    """Approve or refuse a request (``password-resets/<pk>/<action>/``)."""

    step_kwarg = "action"
    steps = {"approve": ApprovePasswordResetView, "refuse": RefusePasswordResetView}
    actions = steps


class PasswordResetConfirmView(FormView):
    """The page of the one-time link (open to the public: the key is the credential). The
    user sets a new password; the link then stops working."""

    template_name = "core/password_reset_confirm.html"
    form_class = PasswordSetForm

    def dispatch(self, request, *args, **kwargs):
        self.reset = services.password_reset_for_key(kwargs.get("key", ""))
        if self.reset is None:
            return render(request, "core/password_reset_confirm.html", {"invalid": True})
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["account"] = self.reset.user.username
        return ctx

    def form_valid(self, form):
        try:
            services.password_reset_complete(
                key=self.kwargs["key"], new_password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            form.add_error("new_password1", exc.messages)
            return self.form_invalid(form)
        messages.success(self.request, _("Your new password is set. Log in with it."))
        return redirect("core:login")
