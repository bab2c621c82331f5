"""The risk-list API: create, change with optimistic locking (409), delete, filters, scope,
import (dry run, all or nothing, 422 with every error), export, template, and query counts
constant in the page size."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from kuangan.core.models import AuditEvent
from kuangan.hazards import risk_io
from kuangan.hazards.models import RiskItem
from kuangan.registry.tests.factories import make_mine

from .factories import make_risk

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
BASE = "/api/v1/risk-items/"
BODY = {
    "location": "1205运输巷",
    "hazard_type": "water",
    "description": "老空水突水",
    "level": "red",
    "control_measures": "有掘必探，先探后掘",
    "responsible_person": "防治水副总",
    "responsible_level": "mine",
    "review_on": (TODAY + dt.timedelta(days=200)).isoformat(),
}


def api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_risk_item_create_accepts_mine_code(people):
    r = api(people.officer).post(BASE, {**BODY, "mine": people.mine.code}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["mine"] == people.mine.code
    assert RiskItem.objects.get(pk=r.json()["id"]).mine == people.mine


def test_create_read_change_delete(people):
    c = api(people.officer)
    r = c.post(BASE, {**BODY, "mine": people.mine.pk}, format="json")
    assert r.status_code == 201, r.json()
    item = r.json()
    assert item["code"] == f"{people.mine.code}-R001" and item["review_overdue"] is False
    url = f"{BASE}{item['id']}/"
    assert api(people.county).get(url).json()["level"] == "red"
    # a stale change is refused, nothing lost
    version = item["version"]
    assert (
        c.patch(
            url,
            {"level": "orange", "responsible_level": "department", "version": version},
            format="json",
        ).status_code
        == 200
    )
    r = api(people.principal).patch(url, {"level": "blue", "version": version}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    assert RiskItem.objects.get(pk=item["id"]).level == "orange"
    # the rules hold through the API
    now = RiskItem.objects.get(pk=item["id"]).version
    r = c.patch(url, {"level": "red", "version": now}, format="json")
    assert r.status_code == 400 and "responsible_level" in r.json()["error"]["fields"]
    # regulators read only
    assert api(people.county).patch(url, {"location": "x"}, format="json").status_code == 403
    assert api(people.county).delete(url).status_code == 403
    assert (
        api(people.county).post(BASE, {**BODY, "mine": people.mine.pk}, format="json").status_code
        == 403
    )
    # another area: 404 as if missing
    assert api(people.other_county).get(url).status_code == 404
    assert api(people.other_enterprise).delete(url).status_code == 404
    assert c.delete(f"{url}?version=1").status_code == 409
    assert c.delete(url).status_code == 204
    assert not RiskItem.objects.filter(pk=item["id"]).exists()
    assert AuditEvent.objects.filter(object_id=str(item["id"]), action="object.deleted").exists()


def test_bad_input_is_400_and_changes_nothing(people):
    c = api(people.officer)
    r = c.post(BASE, {**BODY, "mine": people.mine.pk, "level": "purple"}, format="json")
    assert r.status_code == 400 and "level" in r.json()["error"]["fields"]
    outside = make_mine("220102")
    r = c.post(BASE, {**BODY, "mine": outside.pk}, format="json")
    assert r.status_code == 400 and "mine" in r.json()["error"]["fields"]
    r = c.post(BASE, {**BODY, "mine": people.mine.pk, "review_on": "2026-02-30"}, format="json")
    assert r.status_code == 400 and "review_on" in r.json()["error"]["fields"]
    assert not RiskItem.objects.exists()
    item = make_risk(people.mine)
    other = make_mine("220605", enterprise=people.enterprise)
    r = c.patch(f"{BASE}{item.pk}/", {"mine": other.pk, "version": item.version}, format="json")
    assert r.status_code == 400 and "mine" in r.json()["error"]["fields"]


def test_filters(people):
    red = make_risk(people.mine, level="red", responsible_level="mine", hazard_type="gas")
    blue = make_risk(people.mine, level="blue", responsible_level="group")
    stale = make_risk(people.mine, review_on=TODAY - dt.timedelta(days=1))
    other = make_risk(make_mine("220605", enterprise=people.enterprise))
    make_risk(make_mine("220102"))
    c = api(people.county)

    def ids(**params):
        r = c.get(BASE, params)
        assert r.status_code == 200
        return {row["id"] for row in r.json()["results"]}

    assert ids() == {red.pk, blue.pk, stale.pk, other.pk}
    assert ids(level="red") == {red.pk}
    assert ids(hazard_type="gas") == {red.pk}
    assert ids(responsible_level="group") == {blue.pk}
    assert ids(review_overdue="true") == {stale.pk}
    assert ids(review_overdue="false") == {red.pk, blue.pk, other.pk}
    assert ids(mine=people.mine.pk) == {red.pk, blue.pk, stale.pk}
    assert ids(search=red.code) == {red.pk}
    assert c.get(BASE, {"level": "purple"}).status_code == 400


def _upload(data: bytes, name="risks.xlsx"):
    return SimpleUploadedFile(name, data, content_type=risk_io.XLSX_TYPE)


def test_import_export_and_template(people):
    make_risk(people.mine, level="orange", responsible_level="department")
    c = api(people.officer)
    r = c.get(f"{BASE}export/", {"mine": people.mine.pk})
    assert r.status_code == 200 and r["X-Export-Rows"] == "1"
    data = r.content
    sheet = load_workbook(io.BytesIO(data))["风险管控清单"]
    sheet.cell(row=2, column=7).value = "重大"  # the level goes up...
    sheet.cell(row=2, column=10).value = "矿级"  # ...and so does its control level
    sheet.append(
        [
            "",
            people.mine.code,
            "",
            "新风险点",
            "火",
            "自然发火",
            "一般",
            "注浆",
            "张",
            "区队级",
            (TODAY + dt.timedelta(days=90)).isoformat(),
        ]
    )
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    changed = buffer.getvalue()
    r = c.post(f"{BASE}import/", {"file": _upload(changed), "dry_run": "true"}, format="multipart")
    assert r.status_code == 200, r.json()
    assert (r.json()["created"], r.json()["updated"], r.json()["dry_run"]) == (1, 1, True)
    assert RiskItem.objects.count() == 1
    r = c.post(f"{BASE}import/", {"file": _upload(changed)}, format="multipart")
    assert r.status_code == 200 and r.json()["created"] == 1
    assert set(RiskItem.objects.values_list("level", flat=True)) == {"red", "yellow"}
    template = c.get(f"{BASE}import-template/")
    assert template.status_code == 200
    assert load_workbook(io.BytesIO(template.content)).sheetnames == ["风险管控清单", "填写说明"]


def test_import_with_errors_is_422_and_writes_nothing(people):
    book = load_workbook(io.BytesIO(risk_io.workbook_bytes([])))
    book["风险管控清单"].append(
        ["", people.mine.code, "", "a", "瓦斯", "d", "紫", "m", "p", "矿级", "2026-01-01"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    r = api(people.officer).post(
        f"{BASE}import/", {"file": _upload(buffer.getvalue())}, format="multipart"
    )
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert [(e["row"], e["column"], e["value"]) for e in errors] == [(2, "风险等级", "紫")]
    assert not RiskItem.objects.exists()
    r = api(people.officer).post(
        f"{BASE}import/", {"file": _upload(b"%PDF", "a.pdf")}, format="multipart"
    )
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"
    r = api(people.officer).post(f"{BASE}import/", {}, format="multipart")
    assert r.status_code == 400 and "file" in r.json()["error"]["fields"]
    r = api(people.county).post(
        f"{BASE}import/", {"file": _upload(buffer.getvalue())}, format="multipart"
    )
    assert r.status_code == 403


def test_list_queries_constant_in_page_size(people):
    for n in range(30):
        make_risk(make_mine("220605", enterprise=people.enterprise) if n % 3 == 0 else people.mine)
    c = api(people.county)

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(BASE, {"page_size": size}).status_code == 200
        return len(ctx.captured_queries)

    count(5)
    assert count(5) == count(30)
