"""Licence expiry reminders: the enterprise's users and the county bureau's inspectors are told
90, 30 and 0 days before a mining or safety production licence expires. Each reminder is sent
once (``LicenceReminder`` remembers it), so the command can run every day, or twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kuangan.core.choices import OrganizationKind, Role
from kuangan.core.models import User
from kuangan.core.services import notify

from .choices import LicenceKind, MineStatus
from .models import LicenceReminder, Mine

REMINDER_DAYS = (90, 30, 0)


def reminder_step(days_left: int) -> int | None:
    """The reminder due for a licence ``days_left`` days from expiry: the smallest of 90, 30
    and 0 that is not below ``days_left`` (an expired licence: 0), or None when more than 90
    days are left."""
    due = [d for d in REMINDER_DAYS if days_left <= d]
    return min(due) if due else None


def recipients_for(mine: Mine) -> list[User]:
    """The enterprise's principal and safety officers, and the inspectors of the county
    emergency bureau of the mine's county."""
    enterprise_users = Q(
        organization=mine.enterprise_id,
        groups__name__in=[Role.ENTERPRISE_PRINCIPAL, Role.ENTERPRISE_SAFETY_OFFICER],
    )
    county_inspectors = Q(
        organization__kind=OrganizationKind.REGULATOR,
        organization__region=mine.region_id,
        groups__name__in=[Role.REGULATOR_INSPECTOR],
    )
    return list(
        User.objects.filter(is_active=True)
        .filter(enterprise_users | county_inspectors)
        .distinct()
        .order_by("pk")
    )


@dataclass
class ReminderReport:
    reminders: int = 0
    notifications: int = 0


def _message(mine: Mine, kind: str, until: dt.date, days_left: int) -> tuple[str, str]:
    params = {
        "licence": LicenceKind(kind).label,
        "mine": mine.name,
        "code": mine.code,
        "date": until.isoformat(),
        "days": days_left,
    }
    if days_left > 0:
        title = _("%(licence)s of %(mine)s expires in %(days)d days") % params
    elif days_left == 0:
        title = _("%(licence)s of %(mine)s expires today") % params
    else:
        title = _("%(licence)s of %(mine)s has expired") % params
    body = (
        _(
            "The %(licence)s of mine %(mine)s (%(code)s) is valid until %(date)s. Renew it in "
            "time; a mine must not produce without a valid licence."
        )
        % params
    )
    return title, body


def send_licence_reminders(*, today: dt.date | None = None) -> ReminderReport:
    """Send every licence reminder due on ``today`` that has not been sent yet."""
    today = today or timezone.localdate()
    report = ReminderReport()
    horizon = today + dt.timedelta(days=max(REMINDER_DAYS))
    mines = (
        Mine.objects.exclude(status=MineStatus.CLOSED)
        .filter(
            Q(mining_licence_valid_until__lte=horizon) | Q(safety_licence_valid_until__lte=horizon)
        )
        .select_related("region", "enterprise")
        .order_by("pk")
    )
    sent = set(
        LicenceReminder.objects.filter(mine__in=mines).values_list(
            "mine_id", "licence", "valid_until", "days_before"
        )
    )
    with translation.override(settings.LANGUAGE_CODE):
        for mine in mines.iterator(chunk_size=500):
            for kind, until in (
                (LicenceKind.MINING, mine.mining_licence_valid_until),
                (LicenceKind.SAFETY, mine.safety_licence_valid_until),
            ):
                if until is None:
                    continue
                days_left = (until - today).days
                step = reminder_step(days_left)
                if step is None or (mine.pk, kind.value, until, step) in sent:
                    continue
                title, body = _message(mine, kind, until, days_left)
                users = recipients_for(mine)
                if not users:
                    continue  # nobody to tell yet: try again on the next run
                try:
                    with transaction.atomic():
                        LicenceReminder.objects.create(
                            mine=mine,
                            licence=kind,
                            valid_until=until,
                            days_before=step,
                            recipients=len(users),
                        )
                        report.notifications += notify(
                            recipients=users,
                            title=title,
                            body=body,
                            url=mine.get_absolute_url() + "?tab=licences",
                        )
                except IntegrityError:
                    continue  # sent meanwhile by another run
                report.reminders += 1
    return report
