import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kuangan.campaigns.tests.factories import make_campaign
from kuangan.core.tests.factories import PASSWORD, png_bytes
from kuangan.registry.tests.factories import make_mine

from ..choices import InspectionStatus
from ..models import Inspection
from .factories import make_setting

pytestmark = pytest.mark.django_db
S = InspectionStatus


@pytest.fixture
def s():
    return make_setting()


def _api(client, user):
    client.force_login(user)
    return client


def test_self_inspection_through_the_api(s, client):
    c = _api(client, s.principal)
    r = c.post(
        "/api/v1/inspections/",
        {"mine": s.mine.code, "kind": "self"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert r.json()["progress"] == {"answered": 0, "total": 6}
    c = _api(client, s.officer)
    assert c.post(f"/api/v1/inspections/{pk}/start/").status_code == 200
    results = c.get(f"/api/v1/inspections/{pk}/results/").json()
    assert len(results) == 6
    # All or nothing: one bad row, nothing recorded.
    bad = [{"item": x["item"], "outcome": "compliant"} for x in results[:-1]]
    bad.append({"item": results[-1]["item"], "outcome": "not_applicable"})
    r = c.post(
        f"/api/v1/inspections/{pk}/answers/", {"answers": bad}, content_type="application/json"
    )
    assert r.status_code == 400 and r.json()["error"]["fields"]
    assert Inspection.objects.get(pk=pk).progress() == (0, 6)
    good = [{"item": x["item"], "outcome": "compliant"} for x in results]
    good[0] = {"item": results[0]["item"], "outcome": "noncompliant", "note": "缺记录"}
    r = c.post(
        f"/api/v1/inspections/{pk}/answers/", {"answers": good}, content_type="application/json"
    )
    assert r.json() == {"recorded": 6}
    r = c.post(
        f"/api/v1/inspections/{pk}/attach/",
        {"result": results[0]["id"], "file": SimpleUploadedFile("p.png", png_bytes())},
    )
    assert r.status_code == 201
    assert c.post(f"/api/v1/inspections/{pk}/finish/").json()["status"] == S.FINISHED
    # The officer may not sign; the principal signs with the password.
    assert (
        c.post(
            f"/api/v1/inspections/{pk}/sign/",
            {"password": PASSWORD},
            content_type="application/json",
        ).status_code
        == 403
    )
    c = _api(client, s.principal)
    r = c.post(
        f"/api/v1/inspections/{pk}/sign/", {"password": "bad"}, content_type="application/json"
    )
    assert r.status_code == 400
    r = c.post(
        f"/api/v1/inspections/{pk}/sign/", {"password": PASSWORD}, content_type="application/json"
    )
    assert r.json()["verification"]["valid"] is True
    assert c.post(f"/api/v1/inspections/{pk}/submit/").json()["status"] == S.SUBMITTED
    # Read-only afterwards.
    r = c.post(
        f"/api/v1/inspections/{pk}/answers/", {"answers": good}, content_type="application/json"
    )
    assert r.status_code == 400
    r = c.post(
        f"/api/v1/inspections/{pk}/self-report/", {"summary": "改"}, content_type="application/json"
    )
    assert r.status_code == 400
    # The office returns it with a reason; the outsider cannot see it.
    c = _api(client, s.outsider)
    assert (
        c.post(
            f"/api/v1/inspections/{pk}/return/", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    c = _api(client, s.office)
    r = c.post(f"/api/v1/inspections/{pk}/return/", {"reason": ""}, content_type="application/json")
    assert r.status_code == 400 and "reason" in r.json()["error"]["fields"]
    # 六(四): “走过场、不认真、重大风险研判不准确、重大事故隐患查不出来、重大问题整改不彻底的，一律
    # 推倒重来”: a redo without one of those five grounds is refused, naming the field.
    r = c.post(
        f"/api/v1/inspections/{pk}/redo/",
        {"reason": "走过场", "reasons": ["other"]},
        content_type="application/json",
    )
    assert r.status_code == 400 and "reasons" in r.json()["error"]["fields"]
    r = c.post(
        f"/api/v1/inspections/{pk}/redo/",
        {"reason": "走过场", "reasons": ["perfunctory"]},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["supersedes"] == pk and r.json()["status"] == S.PLANNED


def test_enforcement_report_plan_and_lookback_through_the_api(s, client):
    today = timezone.localdate()
    campaign = make_campaign(
        "220000", phases=False, starts_on=today, ends_on=today + dt.timedelta(days=200)
    )
    c = _api(client, s.county)
    r = c.post(
        "/api/v1/inspection-teams/",
        {
            "campaign": campaign.pk,
            "region": "220605",
            "name": "一组",
            "level": "county",
            "leader": s.county.pk,
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.json()
    team = r.json()["id"]
    plan = c.get(f"/api/v1/inspection-plan/?campaign={campaign.pk}").json()
    assert plan["count"] == 1 and plan["results"][0]["state"] == "no_team"
    r = c.post(
        "/api/v1/inspection-plan/",
        {"campaign": campaign.pk, "team": team, "mines": [s.mine.code]},
        content_type="application/json",
    )
    assert r.status_code == 200
    pk = r.json()[0]["id"]
    assert (
        c.get(f"/api/v1/inspection-plan/coverage/?campaign={campaign.pk}").json()["coverage"][
            "planned"
        ]
        == 1
    )
    c.post(f"/api/v1/inspections/{pk}/start/")
    results = c.get(f"/api/v1/inspections/{pk}/results/").json()
    answers = [{"item": x["item"], "outcome": "compliant"} for x in results]
    answers[0]["outcome"] = "noncompliant"
    c.post(
        f"/api/v1/inspections/{pk}/answers/", {"answers": answers}, content_type="application/json"
    )
    c.post(f"/api/v1/inspections/{pk}/finish/")
    problem = results[0]["id"]
    r = c.post(
        f"/api/v1/inspections/{pk}/report/",
        {"recommendations": "加强管理", "disposals": {str(problem): ["suspend", "停产整顿"]}},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["problems"][0]["disposal"]
    r = c.get(f"/api/v1/inspections/{pk}/report/document/?as=docx")
    assert r.status_code == 200 and r.content.startswith(b"PK")
    c.post(f"/api/v1/inspections/{pk}/submit/")
    r = c.post(
        f"/api/v1/inspections/{pk}/report/send/",
        {"sent_on": "2023-05-01", "sent_to": "江源区政府"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["sent_to"] == "江源区政府"
    assert (
        c.get(f"/api/v1/inspection-plan/coverage/?campaign={campaign.pk}").json()["coverage"][
            "done"
        ]
        == 1
    )
    assert c.get("/api/v1/inspections/quality/").status_code == 200
    assert c.get(f"/api/v1/inspections/quality/?mine={s.mine.code}").json() == {"mines": []}
    # Look-back: the inspector may not draw; a leader may.
    r = c.post(
        "/api/v1/lookback-draws/",
        {"campaign": campaign.pk, "region": "220600", "ratio": "0.5"},
        content_type="application/json",
    )
    assert r.status_code == 403
    c = _api(client, s.city_leader)
    r = c.post(
        "/api/v1/lookback-draws/",
        {"campaign": campaign.pk, "region": "220600", "ratio": "0.5", "seed": "s1"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["reproducible"] is True and r.json()["seed"] == "s1"
    # Enterprise users cannot use the plan.
    c = _api(client, s.principal)
    assert c.get("/api/v1/inspection-plan/").status_code == 403


def test_lookback_draw_through_the_api_gives_reasons_with_labels(s, client):
    """六(四): “对相关市（州）检查全覆盖、对重点县检查全覆盖、对重点矿山检查全覆盖”: the API draws
    with the chosen city, key county and key mines, and says why each mine was drawn."""
    for _ in range(5):
        make_mine(enterprise=s.enterprise)
    campaign = make_campaign("220000")
    c = _api(client, s.city_leader)
    body = {
        "campaign": campaign.pk,
        "region": "220600",
        "ratio": "0",
        "counties": ["220605"],
        "key_mines": [s.mine.code],
        "seed": "api",
    }
    r = c.post("/api/v1/lookback-draws/", body, content_type="application/json")
    assert r.status_code == 201, r.json()
    data = r.json()
    assert data["method"] == "visit" and data["method_label"]
    assert data["full"] == [s.mine.code] and data["sampled"] == []
    (row,) = data["drawn"]
    assert [x["reason"] for x in row["reasons"]] == ["key_mine", "county"]
    assert all(x["label"] != x["reason"] for x in row["reasons"])
    assert row["reasons"][1]["region_name"] in row["reasons"][1]["text"]
    again = c.post("/api/v1/lookback-draws/", body, content_type="application/json").json()
    assert again["drawn"] == data["drawn"]  # same seed, same sample
    outside = {**body, "counties": ["220102"]}
    r = c.post("/api/v1/lookback-draws/", outside, content_type="application/json")
    assert r.status_code == 400 and "counties" in str(r.json())
    listed = c.get("/api/v1/lookback-draws/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows[0]["reproducible"] is True
