"""An inspection's history tab in words: its steps (the audit events' ``transition``) and
statuses by their labels, people by their real names; its status badge one colour on the
page and in the ledger."""

import re

import pytest
from django.utils import translation

from kuangan.core.models import User
from kuangan.inspections.choices import InspectionStatus, InspectionStep

from .factories import make_setting, signed_self_inspection

pytestmark = pytest.mark.django_db


def history_table(body: str) -> str:
    table = body[body.index('data-testid="history"') :]
    return table[: table.index("</table>")]


def test_history_tab_names_steps_and_statuses(client):
    s = make_setting()
    User.objects.filter(pk=s.officer.pk).update(real_name="孙安全员")
    inspection = signed_self_inspection(s)
    client.force_login(s.principal)
    table = history_table(
        client.get(f"/inspections/{inspection.pk}/", {"tab": "history"}).content.decode()
    )
    with translation.override("zh-hans"):
        for step in (InspectionStep.START, InspectionStep.FINISH, InspectionStep.SIGN):
            assert str(step.label) in table
        assert f"{InspectionStatus.PLANNED.label} → {InspectionStatus.IN_PROGRESS.label}" in table
    assert "孙安全员" in table
    for raw in ("in_progress", "planned", "finished", "transition", "_id:", "s → t", "f → i"):
        assert raw not in table


def test_status_badge_has_one_colour_on_the_page_and_in_the_ledger(client):
    s = make_setting()
    inspection = signed_self_inspection(s)
    client.force_login(s.principal)
    css = InspectionStatus.css(inspection.status)
    page = client.get(f"/inspections/{inspection.pk}/").content.decode()
    ledger = client.get("/inspections/").content.decode()
    assert re.search(rf'class="badge {css}" data-testid="status"', page)
    assert f'class="badge {css}"' in ledger
