"""A hazard's history tab in words, after its workflow steps: field labels, status labels,
the mine by name and people by real name — no ``mine_id: 26``, no ``reported → rectifying``."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from kuangan.core.models import User
from kuangan.hazards import services
from kuangan.hazards.choices import HazardLevel, HazardStatus

from .factories import FIVE

pytestmark = pytest.mark.django_db
RAW = ("_id", "reported", "rectifying", "pending_acceptance", "general", "self", "None")


def history_table(body: str) -> str:
    table = body[body.index('data-testid="history"') :]
    return table[: table.index("</table>")]


def test_history_tab_after_transitions(people, client):
    User.objects.filter(pk=people.officer.pk).update(real_name="李安全员")
    hazard = services.hazard_create(
        by=people.officer,
        mine=people.mine,
        description="回采工作面顶板离层",
        level=HazardLevel.GENERAL,
    )
    services.hazard_start_rectification(
        by=people.officer,
        hazard=hazard,
        deadline=timezone.localdate() + dt.timedelta(days=20),
        **FIVE,
    )
    services.hazard_request_acceptance(by=people.officer, hazard=hazard, note="已补打锚杆")
    client.force_login(people.county)
    table = history_table(client.get(f"/hazards/{hazard.pk}/", {"tab": "history"}).content.decode())
    with translation.override("zh-hans"):
        reported, rectifying, pending = (
            str(HazardStatus(s).label)
            for s in (
                HazardStatus.REPORTED,
                HazardStatus.RECTIFYING,
                HazardStatus.PENDING_ACCEPTANCE,
            )
        )
    assert f"{reported} → {rectifying}" in table
    assert f"{rectifying} → {pending}" in table
    assert people.mine.name in table
    assert "李安全员" in table
    for raw in RAW:
        assert raw not in table, raw
