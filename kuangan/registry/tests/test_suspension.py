"""A suspended mine shows as suspended everywhere (issue 6: 责令停产整顿 shows in the registry
ledger and filter, the mine page, the map and the API)."""

import datetime as dt

import pytest
from django.utils import timezone

from kuangan.core.choices import Role
from kuangan.hazards.services import order_comply, order_issue, order_lift
from kuangan.registry.models import Mine
from kuangan.registry.tests.factories import make_mine


@pytest.fixture
def suspended(user_in):
    inspector = user_in("220605", role=Role.REGULATOR_INSPECTOR)
    mine = make_mine("220605", kind="coal_underground", status="producing")
    order = order_issue(
        by=inspector,
        mine=mine,
        kind="suspend",
        facts="存在重大事故隐患仍组织生产",
        legal_basis="《安全生产法》第六十五条",
        requirements="立即停产整顿",
        deadline=timezone.localdate() + dt.timedelta(days=30),
    )
    return inspector, mine, order


def test_suspension_order_in_force_marks_the_mine(suspended):
    inspector, mine, order = suspended
    assert Mine.objects.filter(pk=mine.pk).suspended().exists()
    assert Mine.objects.get(pk=mine.pk).is_suspended
    order = order_comply(by=inspector, order=order)
    assert Mine.objects.get(pk=mine.pk).is_suspended  # complied: still stopped until lifted
    order_lift(by=inspector, order=order)
    assert not Mine.objects.get(pk=mine.pk).is_suspended


def test_ledger_filter_page_and_api_show_the_suspension(client, suspended):
    inspector, mine, _order = suspended
    other = make_mine("220605", kind="coal_underground", status="producing")
    client.force_login(inspector)
    listed = client.get("/registry/mines/", {"suspended": "true"})
    assert mine.code in listed.content.decode()
    assert other.code not in listed.content.decode()
    page = client.get(mine.get_absolute_url())
    assert 'data-testid="suspended"' in page.content.decode()
    api = client.get(f"/api/v1/mines/{mine.code}/")
    assert api.json()["suspended"] is True
    assert client.get(f"/api/v1/mines/{other.code}/").json()["suspended"] is False
