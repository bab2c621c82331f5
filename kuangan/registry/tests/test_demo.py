"""The demo registry: enough mines, of every kind, in enough counties, so that every scope
reason and the watch duty appear."""

from __future__ import annotations

import pytest

from kuangan.campaigns import demo as campaigns_demo
from kuangan.campaigns import rules, verdicts
from kuangan.core import demo as core_demo
from kuangan.registry import demo as registry_demo
from kuangan.registry.choices import MineKind
from kuangan.registry.models import Mine, UnmannedShutdownMine, WatchDuty

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            ctx: dict = {}
            core_demo.load(ctx)
            registry_demo.load(ctx)
            campaigns_demo.load(ctx)
            rows = list(verdicts.verdict_rows(Mine.objects.order_by("code"), ctx["campaign"]))
            facts = {
                "mines": Mine.objects.count(),
                "kinds": set(Mine.objects.values_list("kind", flat=True)),
                "counties": Mine.objects.values("region").distinct().count(),
                "first": ctx["enterprises"][0],
                "group": ctx["group"],
                "first_mines": list(Mine.objects.filter(enterprise=ctx["enterprises"][0])),
                "group_mines": Mine.objects.filter(enterprise__parent=ctx["group"]).count(),
                "unmanned": UnmannedShutdownMine.objects.count(),
                "watched": WatchDuty.objects.values("mine").distinct().count(),
                "campaign": ctx["campaign"],
                "phases": list(ctx["campaign"].phases.values_list("kind", "deadline")),
            }
            transaction.set_rollback(True)
    return rows, facts


def test_at_least_150_mines_of_all_kinds_in_at_least_20_counties(loaded):
    rows, facts = loaded
    assert facts["mines"] >= 150
    assert facts["kinds"] == set(MineKind.values)
    assert facts["counties"] >= 20


def test_every_scope_reason_appears(loaded):
    rows, _facts = loaded
    seen_campaign = {r for row in rows for r in row["campaign_scope"]["reasons"]}
    seen_inspection = {r for row in rows for r in row["inspection_scope"]["reasons"]}
    seen_priority = {r for row in rows for r in row["priority"]["reasons"]}
    assert seen_campaign == set(rules.CAMPAIGN_REASONS)
    assert seen_inspection == set(rules.INSPECTION_REASONS)
    assert seen_priority == set(rules.PRIORITY_REASONS)
    assert any(row["watch_required"] for row in rows)
    assert any(row["priority"]["inspect_before"] for row in rows)
    assert {row["checklist"] for row in rows} == set(rules.CHECKLIST_FAMILIES)


def test_watch_duty_with_and_without_holders(loaded):
    _rows, facts = loaded
    assert 0 < facts["watched"] < facts["unmanned"]


def test_the_demo_enterprise_and_group(loaded):
    _rows, facts = loaded
    assert {m.region.code for m in facts["first_mines"]} == {"220605"}
    assert MineKind.TAILINGS_POND in {m.kind for m in facts["first_mines"]}
    assert facts["group_mines"] > len(facts["first_mines"])


def test_the_2023_campaign_from_the_notice(loaded):
    _rows, facts = loaded
    campaign = facts["campaign"]
    assert campaign.document_number == "吉应急煤矿综合联〔2023〕48号"
    assert (campaign.starts_on.isoformat(), campaign.ends_on.isoformat()) == (
        "2023-03-01",
        "2023-12-31",
    )
    assert campaign.flood_season_start.isoformat() == "2023-06-01"
    assert [(k, d.isoformat()) for k, d in facts["phases"]] == [
        ("mobilise", "2023-03-31"),
        ("self_inspection", "2023-04-30"),
        ("key_inspection", "2023-09-30"),
        ("supervision", "2023-11-30"),
        ("summary", "2023-12-31"),
    ]
