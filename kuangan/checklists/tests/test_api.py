"""The API: reads for everyone signed in, filters, a mine's applicable items (scope), the import
endpoint (all or nothing), and writes only for the provincial administrator."""

import io

import pytest
import yaml
from rest_framework.test import APIClient

from kuangan.checklists import exports
from kuangan.checklists.choices import TemplateStatus
from kuangan.checklists.models import ChecklistItem, ChecklistTemplate
from kuangan.core.choices import Role

from .factories import example, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def admin(user_in):
    return user_in("220000", role=Role.PROVINCE_ADMIN)


@pytest.fixture
def officer(user_in):
    return user_in("220605", role=Role.ENTERPRISE_SAFETY_OFFICER)


def test_reads_for_everyone_signed_in(api, officer):
    api.force_authenticate(officer)
    templates = api.get("/api/v1/checklist-templates/").json()
    assert templates["count"] == 3
    assert {t["item_count"] for t in templates["results"]} == {110, 125, 100}
    t = example("example-non-coal")
    aspects = api.get("/api/v1/checklist-aspects/", {"template": t.pk}).json()
    assert aspects["count"] == 15
    items = api.get("/api/v1/checklist-items/", {"template": t.pk, "page_size": 500}).json()
    assert items["count"] == 100
    linked = api.get("/api/v1/checklist-items/", {"criterion": "NM2022-TP-16"}).json()
    assert [i["code"] for i in linked["results"]] == ["15.2"]
    assert linked["results"][0]["criteria"] == ["NM2022-TP-16"]
    aspect = aspects["results"][0]["id"]
    by_aspect = api.get("/api/v1/checklist-items/", {"aspect": aspect}).json()
    assert by_aspect["count"] == 10
    ponds = api.get(
        "/api/v1/checklist-items/",
        {"template": t.pk, "mine_kind": "tailings_pond", "page_size": 500},
    ).json()
    assert all(not i["mine_kinds"] or "tailings_pond" in i["mine_kinds"] for i in ponds["results"])
    criteria = api.get("/api/v1/hazard-criteria/", {"part": "TP"}).json()
    assert criteria["count"] == 19
    one = api.get("/api/v1/hazard-criteria/COAL2020-04-01/").json()
    assert one["clause"] == "第四条第（一）项" and one["standard"] == "COAL2020"
    assert api.get("/api/v1/hazard-criteria/", {"in_force_on": "2022-08-31"}).json()["count"] == 80
    standards = api.get("/api/v1/hazard-standards/").json()
    assert {s["code"]: s["criterion_count"] for s in standards["results"]} == {
        "COAL2020": 80,
        "NM2022": 64,
    }


def test_drafts_are_not_listed_for_readers(api, officer, admin):
    draft = make_template(code="api-draft")
    api.force_authenticate(officer)
    assert api.get(f"/api/v1/checklist-templates/{draft.pk}/").status_code == 404
    assert api.get("/api/v1/checklist-items/", {"template": draft.pk}).json()["count"] == 0
    api.force_authenticate(admin)
    assert api.get(f"/api/v1/checklist-templates/{draft.pk}/").status_code == 200


def test_admin_roles_get_403(api, user_in):
    api.force_authenticate(user_in("220000", role=Role.AUDIT_ADMIN))
    assert api.get("/api/v1/checklist-templates/").status_code == 403
    assert api.get("/api/v1/hazard-criteria/").status_code == 403


def test_applicable_items_for_a_mine_in_scope(api, officer):
    from kuangan.registry.tests.factories import make_mine

    own = make_mine(
        "220605",
        enterprise=officer.organization,
        kind="tailings_pond",
        tailings_grade=2,
        head_top=True,
    )
    other = make_mine("220605", kind="tailings_pond", tailings_grade=5)
    api.force_authenticate(officer)
    response = api.get("/api/v1/checklist-items/applicable/", {"mine": own.code})
    assert response.status_code == 200
    data = response.json()
    assert data["template"]["code"] == "example-non-coal"
    codes = {r["item"]["code"] for r in data["results"]}
    assert {"15.2", "15.3", "13.1"} <= codes and "2.1" not in codes
    assert data["count"] == len(data["results"]) and data["excluded"] > 0
    outside = api.get("/api/v1/checklist-items/applicable/", {"mine": other.code})
    missing = api.get("/api/v1/checklist-items/applicable/", {"mine": "KA0000000000"})
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()
    assert api.get("/api/v1/checklist-items/applicable/").status_code == 400
    assert (
        api.get(
            "/api/v1/checklist-items/applicable/", {"mine": own.code, "template": "x"}
        ).status_code
        == 400
    )


def test_publish_and_retire_only_for_the_province_admin(api, admin, user_in):
    v1 = make_template(publish=True)
    leader = user_in("220000", role=Role.REGULATOR_LEADER)
    api.force_authenticate(leader)
    assert api.post(f"/api/v1/checklist-templates/{v1.pk}/retire/").status_code == 403
    assert api.post(f"/api/v1/checklist-templates/{v1.pk}/new-draft/").status_code == 403
    api.force_authenticate(admin)
    created = api.post(f"/api/v1/checklist-templates/{v1.pk}/new-draft/")
    assert created.status_code == 201 and created.json()["version"] == 2
    v2 = created.json()["id"]
    published = api.post(f"/api/v1/checklist-templates/{v2}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    again = api.post(f"/api/v1/checklist-templates/{v2}/publish/")
    assert again.status_code == 400 and again.json()["error"]["message"]
    versions = api.get(f"/api/v1/checklist-templates/{v2}/versions/").json()
    assert [(v["version"], v["status"]) for v in versions] == [(2, "published"), (1, "retired")]
    diff = api.get(f"/api/v1/checklist-templates/{v2}/diff/").json()
    assert diff["added"] == diff["removed"] == diff["changed"] == []
    assert api.post(f"/api/v1/checklist-templates/{v2}/retire/").json()["status"] == "retired"


def test_export_endpoint(api, officer):
    t = example("example-coal-open-pit")
    api.force_authenticate(officer)
    response = api.get(f"/api/v1/checklist-templates/{t.pk}/export/", {"as": "yaml"})
    assert response.status_code == 200
    data = yaml.safe_load(response.content.decode())
    assert data["templates"][0]["code"] == t.code
    assert api.get(f"/api/v1/checklist-templates/{t.pk}/export/", {"as": "pdf"}).status_code == 400


def _upload(content: bytes, name: str):
    f = io.BytesIO(content)
    f.name = name
    return f


def test_import_endpoint_is_all_or_nothing(api, admin, officer):
    data = yaml.safe_load(exports.export_yaml([example("example-coal-underground")]).decode())
    data["templates"][0]["code"] = "ug-api"
    good = yaml.safe_dump(data, allow_unicode=True).encode()
    api.force_authenticate(officer)
    assert (
        api.post(
            "/api/v1/checklist-templates/import/", {"file": _upload(good, "a.yaml")}
        ).status_code
        == 403
    )
    api.force_authenticate(admin)
    dry = api.post(
        "/api/v1/checklist-templates/import/", {"file": _upload(good, "a.yaml"), "dry_run": "1"}
    )
    assert dry.status_code == 200 and dry.json()["templates"][0]["code"] == "ug-api"
    assert not ChecklistTemplate.objects.filter(code="ug-api").exists()
    bad = good.replace(b"COAL2020-06-01", b"COAL2020-06-77")
    before = ChecklistItem.objects.count()
    refused = api.post("/api/v1/checklist-templates/import/", {"file": _upload(bad, "a.yaml")})
    assert refused.status_code == 422
    rows = refused.json()["error"]["rows"]
    assert any("COAL2020-06-77" in r["message"] for r in rows)
    assert ChecklistItem.objects.count() == before
    created = api.post("/api/v1/checklist-templates/import/", {"file": _upload(good, "a.yaml")})
    assert created.status_code == 201
    (row,) = created.json()
    assert (row["code"], row["status"], row["item_count"]) == ("ug-api", TemplateStatus.DRAFT, 110)
    assert api.post("/api/v1/checklist-templates/import/", {}).status_code == 400


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/checklist-items/", "template"),
        ("/api/v1/checklist-items/", "aspect"),
        ("/api/v1/checklist-aspects/", "template"),
    ],
)
def test_an_id_too_large_for_the_database_is_400(api, officer, url, param):
    api.force_authenticate(officer)
    response = api.get(url, {param: "99999999999999999999999"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["fields"][param]
    assert api.get(url, {param: "9223372036854775807"}).json()["count"] == 0
    assert api.get(url, {param: "abc"}).status_code == 400
