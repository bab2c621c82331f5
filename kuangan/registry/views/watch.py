"""Watch duty pages: the unmanned long-shutdown mines with today's duty holder, the duties,
a duty's page and the form to assign or change one."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuangan.core.ledger import Column, LedgerView
from kuangan.core.services import ConflictError
from kuangan.core.views import ObjectFormView, ObjectPageView

from .. import services
from ..filters import WatchDutyFilterSet, WatchMineFilterSet
from ..forms import WatchDutyForm
from ..models import Mine, UnmannedShutdownMine, WatchDuty


def _current_duty(mine):
    duties = getattr(mine, "current_duties", None)
    return duties[0] if duties else None


class WatchLedger(LedgerView):
    """Unmanned long-shutdown mines, which need a watch duty, and who holds it today."""

    model = UnmannedShutdownMine
    permission_required = "registry.view_watchduty"
    filterset_class = WatchMineFilterSet
    search_fields = ("code", "name", "enterprise__name")
    title = gettext_lazy("Watch duty over unmanned long-shutdown mines")
    default_sort = "region__path"
    template_name = "registry/watch_ledger.html"
    table_template = "registry/watch_ledger_table.html"
    empty_hint = gettext_lazy("No mine in your area is in unmanned long-term shutdown.")
    columns = [
        Column("code", gettext_lazy("Mine code"), sort="code", link=True),
        Column("name", gettext_lazy("Mine name"), sort="name", link=True),
        Column("region", gettext_lazy("County"), "region.name", sort="region__path"),
        Column(
            "enterprise", gettext_lazy("Enterprise"), "enterprise.name", sort="enterprise__name"
        ),
        Column("kind", gettext_lazy("Mine kind"), "kind", sort="kind"),
        Column(
            "holder",
            gettext_lazy("Duty holder"),
            lambda m: _current_duty(m).holder_name if _current_duty(m) else _("None — assign one"),
            badge=lambda m: "bg-green-lt" if _current_duty(m) else "bg-red-lt",
        ),
        Column(
            "mode",
            gettext_lazy("Watch mode"),
            lambda m: _current_duty(m).get_mode_display() if _current_duty(m) else None,
        ),
        Column(
            "holder_phone",
            gettext_lazy("Duty holder's phone"),
            lambda m: _current_duty(m).holder_phone if _current_duty(m) else None,
        ),
        Column(
            "valid_from",
            gettext_lazy("From"),
            lambda m: _current_duty(m).valid_from if _current_duty(m) else None,
            default=False,
        ),
    ]

    def base_queryset(self):
        today = timezone.localdate()
        return (
            super()
            .base_queryset()
            .with_related()
            .prefetch_related(
                Prefetch(
                    "watch_duties",
                    queryset=WatchDuty.objects.current(today).order_by("-valid_from"),
                    to_attr="current_duties",
                )
            )
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        base = self.base_queryset()
        current = WatchDuty.objects.current(today).filter(mine=OuterRef("pk"))
        ctx["without_holder"] = base.exclude(Exists(current)).count()
        ctx["can_assign"] = self.request.user.has_perm("registry.add_watchduty")
        return ctx


class WatchDutyLedger(LedgerView):
    model = WatchDuty
    permission_required = "registry.view_watchduty"
    filterset_class = WatchDutyFilterSet
    search_fields = ("holder_name", "mine__name", "mine__code")
    title = gettext_lazy("Watch duties")
    default_sort = "-valid_from"
    empty_hint = gettext_lazy("No watch duty has been assigned yet.")
    columns = [
        Column("mine", gettext_lazy("Mine"), "mine.name", sort="mine__name", link=True),
        Column("county", gettext_lazy("County"), "mine.region.name", sort="mine__region__path"),
        Column("mode", gettext_lazy("Watch mode"), "mode", sort="mode"),
        Column("holder_name", gettext_lazy("Duty holder"), sort="holder_name"),
        Column("holder_phone", gettext_lazy("Duty holder's phone")),
        Column("valid_from", gettext_lazy("From"), sort="valid_from"),
        Column("valid_until", gettext_lazy("Until"), sort="valid_until"),
        Column("assigned_by", gettext_lazy("Assigned by"), "assigned_by", default=False),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("mine", "mine__region", "assigned_by")


class WatchDutyPage(ObjectPageView):
    model = WatchDuty
    permission_required = "registry.view_watchduty"
    list_url_name = "registry:watchduty_list"
    template_name = "registry/watchduty_page.html"

    def get_queryset(self):
        return super().get_queryset().select_related("mine", "mine__region", "assigned_by")

    def can_change(self) -> bool:
        return self.request.user.has_perm("registry.change_watchduty")

    def data_rows(self):
        d = self.object
        return [
            (_("Mine"), d.mine),
            (_("Watch mode"), d.get_mode_display()),
            (_("Duty holder"), d.holder_name),
            (_("Duty holder's phone"), d.holder_phone),
            (_("From"), d.valid_from),
            (_("Until"), d.valid_until),
            (_("Assigned by"), d.assigned_by),
            (_("Note"), d.note),
        ]


class WatchDutyFormView(ObjectFormView):
    """Assign a watch duty for a mine (``code``), or change one (``pk``)."""

    model = WatchDuty
    form_class = WatchDutyForm
    form_takes_user = False
    permission_required = "registry.add_watchduty"
    edit_permission = "registry.change_watchduty"
    help_text = gettext_lazy(
        "For an unmanned long-shutdown mine the county emergency bureau names a person for "
        "on-site watch or contact watch. A duty running today ends the day before the new "
        "one starts."
    )
    refusals = (ConflictError,)
    mine = None

    def get_queryset(self):
        return super().get_queryset().select_related("mine")

    def get_object(self):
        duty = super().get_object()
        if duty is not None:
            self.mine = duty.mine
        else:
            self.mine = get_object_or_404(
                Mine.objects.visible_to(self.request.user), code=self.kwargs["code"]
            )
        return duty

    def get_initial(self):
        return {"valid_from": timezone.localdate()} if self.object is None else {}

    def get_title(self):
        if self.object is None:
            return _("Assign watch duty for %(mine)s") % {"mine": self.mine}
        return _("Change watch duty of %(mine)s") % {"mine": self.mine}

    def get_cancel_url(self):
        return reverse("registry:watch_list")

    def save(self, form):
        data = dict(form.cleaned_data)
        if self.object is None:
            return services.watch_duty_assign(by=self.request.user, mine=self.mine, **data)
        return services.watch_duty_update(
            by=self.request.user,
            duty=self.fresh_object(),
            version=self.posted_version(),
            **data,
        )
