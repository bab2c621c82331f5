"""Home page panels of inspections: the reviewers' inbox, the enterprise's self-inspections
(returned ones first) and the group company's full-coverage figures."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kuangan.core import home
from kuangan.core.choices import Role

from . import plan
from .choices import InspectionKind, InspectionStatus
from .models import Inspection

PANEL_ROWS = 8


def _list_panel(
    title: str | Promise, qs: QuerySet[Inspection], more: str, order: int
) -> home.Panel:
    """The first inspections of ``qs``, their count and the link to all of them (``more``)."""
    return home.Panel(
        title,
        "inspections/panel_list.html",
        {"rows": list(qs[:PANEL_ROWS]), "count": qs.count(), "more": more},
        order=order,
        width=6,
    )


@home.register
def inbox(user):
    if not user.has_perm("inspections.review_inspection"):
        return None
    qs = (
        Inspection.objects.visible_to(user)
        .filter(
            status=InspectionStatus.SUBMITTED,
            kind__in=[InspectionKind.SELF, InspectionKind.GROUP],
        )
        .select_related("mine")
        .order_by("submitted_at")
    )
    return _list_panel(
        _("Self-inspection reports awaiting review"), qs, "inspections:inbox", order=20
    )


@home.register
def my_self_inspections(user):
    if not user.roles & {Role.ENTERPRISE_PRINCIPAL, Role.ENTERPRISE_SAFETY_OFFICER}:
        return None
    if not user.has_perm("inspections.view_inspection"):
        return None
    qs = (
        Inspection.objects.visible_to(user)
        .filter(kind=InspectionKind.SELF)
        .exclude(status__in=[InspectionStatus.ACCEPTED, InspectionStatus.REDO])
        .annotate(
            returned=Case(
                When(status=InspectionStatus.RETURNED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .select_related("mine")
        .order_by("returned", "-created_at")
    )
    return _list_panel(_("Self-inspections under way"), qs, "inspections:inspection_list", order=25)


@home.register
def group_coverage(user):
    if Role.GROUP_INSPECTOR not in user.roles:
        return None
    rows = plan.group_coverage(user=user)
    checked = sum(1 for r in rows if r.checked)
    return home.Panel(
        _("Group full coverage"),
        "inspections/panel_coverage.html",
        {"total": len(rows), "checked": checked, "unchecked": len(rows) - checked},
        order=20,
        width=6,
    )
