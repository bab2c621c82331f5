"""Pages of the monthly major-hazard checks (每月重大事故隐患排查): the ledger, a check's page,
recording a check, and the duty calendar of every mine."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from kuangan.core.choices import Role
from kuangan.core.ledger import Column, LedgerView
from kuangan.core.views import ObjectFormView, ObjectPageView
from kuangan.registry.models import Mine

from .. import rules, services
from ..filters import MonthlyCheckFilterSet
from ..forms import MonthlyCheckForm
from ..models import MonthlyMajorHazardCheck


class MonthlyCheckLedger(LedgerView):
    model = MonthlyMajorHazardCheck
    permission_required = "hazards.view_monthlymajorhazardcheck"
    filterset_class = MonthlyCheckFilterSet
    search_fields = ("mine__name", "led_by", "principal__real_name", "areas")
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
            (_("Led by"), c.led_by or c.principal),
            (_("Participants"), c.participants),
            (_("Areas covered"), c.areas),
            (_("Hazards found"), "、".join(h.code for h in c.hazards.all()) or None),
            (_("Report"), c.report),
            (_("Recorded by"), c.recorded_by),
        ]


class MonthlyCheckCreateView(ObjectFormView):
    form_class = MonthlyCheckForm
    permission_required = "hazards.add_monthlymajorhazardcheck"
    title_create = gettext_lazy("Record a monthly major-hazard check")
    list_url = "hazards:monthly_list"

    def get_initial(self):
        today = timezone.localdate()
        initial = {"month": today.replace(day=1), "checked_on": today}
        if self.request.user.has_role(Role.ENTERPRISE_PRINCIPAL):
            initial["principal"] = self.request.user
        return initial

    def save(self, form):
        return services.monthly_check_record(by=self.request.user, **form.cleaned_data)


class DutyCalendarView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Each mine's months: checked, or flagged once the month ended without a check."""

    template_name = "hazards/duty_calendar.html"
    permission_required = "hazards.view_monthlymajorhazardcheck"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        try:
            since = dt.date.fromisoformat(self.request.GET.get("since", ""))
        except ValueError:
            since = services.calendar_start(self.request.user, today)
        # The mines that owe the check now (as on the home panel); each month on its own facts.
        mines = (
            services.owing_mines(Mine.objects.visible_to(self.request.user))
            .select_related("region")
            .order_by("region__code", "name")
        )
        page = Paginator(mines, 50).get_page(self.request.GET.get("page"))
        rows = services.duty_calendar(page.object_list, since=since, on=today)
        ctx.update(
            title=_("Duty calendar of the monthly major-hazard checks"),
            since=since,
            page=page,
            rows=rows,
            months=rules.months_between(since, today),
            missing_total=sum(len(r["missing"]) for r in rows),
        )
        return ctx
