"""``kuangan lookback-sample``: draw the look-back sample from the command line, show a draw."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from kuangan.campaigns.tests.factories import make_campaign
from kuangan.core.tests.factories import make_user
from kuangan.registry.tests.factories import make_mine

from ..models import LookbackDraw
from .factories import make_setting

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("lookback_sample", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def setting():
    s = make_setting()
    for _ in range(9):
        make_mine(enterprise=s.enterprise)
    make_campaign("220000")
    leader = make_user("220000", role="regulator_leader")
    return s, leader


def test_lookback_sample_command_draws_a_visit_with_reasons(setting):
    """六(四): “对相关市（州）检查全覆盖……其他抽查比例由各督导检查组结合实际自行确定”: the command
    visits the city (≥ 1 of its 10 mines, not all at 10 %) and records the draw and its seed."""
    s, leader = setting
    args = ["--user", leader.username, "--region", "220000", "--ratio", "0.1"]
    data = json.loads(run(*args, "--city", "220600", "--seed", "cli", "--format", "json"))
    assert 1 <= len(data["drawn"]) < 10 and data["seed"] == "cli" and data["reproducible"]
    assert any(r["reason"] == "city" for row in data["drawn"] for r in row["reasons"])
    record = LookbackDraw.objects.get(pk=data["id"])
    assert sorted(record.full + record.sampled) == [row["code"] for row in data["drawn"]]
    # Same seed, same sample.
    again = json.loads(run(*args, "--city", "220600", "--seed", "cli", "--format", "json"))
    assert again["drawn"] == data["drawn"]
    # The text form names each mine with its reasons in words.
    text = run("--show", str(record.pk))
    assert record.full[0] in text and "cli" in text


def test_lookback_sample_command_refusals(setting):
    s, leader = setting
    with pytest.raises(CommandError):
        run("--region", "220000", "--ratio", "0.1")  # no --user
    with pytest.raises(CommandError):
        run("--user", leader.username, "--region", "220000", "--ratio", "2")
    with pytest.raises(CommandError):  # the county user may not draw
        run("--user", s.county.username, "--region", "220605", "--ratio", "0.1")
    with pytest.raises(CommandError):
        run("--show", "999999")
    assert not LookbackDraw.objects.exists()


def test_lookback_sample_command_fails_on_a_changed_record(setting):
    _s, leader = setting
    data = json.loads(
        run("--user", leader.username, "--region", "220000", "--ratio", "0.5", "--format", "json")
    )
    LookbackDraw.objects.filter(pk=data["id"]).update(sampled=data["sampled"][:-1])
    with pytest.raises(CommandError):
        run("--show", str(data["id"]))
