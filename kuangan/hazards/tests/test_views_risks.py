"""The risk-list pages over HTTP: the ledger (filters, colours, export), record / edit /
delete with confirmation, the import (upload → preview → confirm or cancel), scope, and the
ledger's query count constant in the page size."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kuangan.core.models import AuditEvent
from kuangan.hazards import risk_io
from kuangan.hazards.models import RiskItem
from kuangan.registry.tests.factories import make_mine

from .factories import make_risk

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
FORM = {
    "location": "主井井筒",
    "hazard_type": "runaway",
    "description": "提升钢丝绳断绳坠罐",
    "level": "red",
    "control_measures": "防坠器定期试验，钢丝绳日检",
    "responsible_person": "机电副矿长",
    "responsible_level": "mine",
    "review_on": (TODAY + dt.timedelta(days=365)).isoformat(),
}


def test_ledger_filters_colours_and_export(people, client):
    red = make_risk(people.mine, level="red", responsible_level="mine", location="甲风险点")
    make_risk(people.mine, level="blue", responsible_level="group", location="乙风险点")
    make_risk(make_mine("220102"), location="外区风险点")
    client.force_login(people.county)
    url = reverse("hazards:risk_list")
    text = client.get(url).content.decode()
    assert "甲风险点" in text and "乙风险点" in text and "外区风险点" not in text
    assert 'class="badge risk-red"' in text and 'class="badge risk-blue"' in text
    filtered = client.get(url, {"level": "red"}).content.decode()
    assert "甲风险点" in filtered and "乙风险点" not in filtered
    export = client.get(url, {"export": "xlsx", "level": "red"})
    assert export.status_code == 200 and export["X-Export-Rows"] == "1"
    import_format = client.get(reverse("hazards:risk_export"), {"level": "red"})
    sheet = load_workbook(io.BytesIO(import_format.content))["风险管控清单"]
    assert [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)] == [red.code]
    empty = client.get(url, {"q": "没有这样的风险"}).content.decode()
    assert 'data-testid="ledger-empty"' in empty


def test_ledger_queries_constant_in_page_size(people, client):
    for _n in range(30):
        make_risk(people.mine)
    client.force_login(people.county)

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("hazards:risk_list"), {"page_size": size}).status_code == 200
        return len(ctx.captured_queries)

    count(25)
    assert count(25) == count(100)


def test_record_edit_and_delete(people, client):
    client.force_login(people.officer)
    response = client.post(reverse("hazards:risk_create"), {**FORM, "mine": people.mine.pk})
    item = RiskItem.objects.get()
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()
    page = client.get(item.get_absolute_url()).content.decode()
    assert "提升钢丝绳断绳坠罐" in page and "risk-red" in page
    # the rule's error is shown on the form, nothing saved
    response = client.post(
        reverse("hazards:risk_edit", args=[item.pk]),
        {**FORM, "responsible_level": "team", "version": item.version},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["responsible_level"]
    # a stale edit is refused with the conflict message
    client.post(
        reverse("hazards:risk_edit", args=[item.pk]),
        {**FORM, "location": "副井井筒", "version": item.version},
    )
    response = client.post(
        reverse("hazards:risk_edit", args=[item.pk]),
        {**FORM, "location": "风井井筒", "version": item.version},
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    item.refresh_from_db()
    assert item.location == "副井井筒"
    # delete: confirm first, then gone, audited
    confirm = client.get(reverse("hazards:risk_delete", args=[item.pk]))
    assert confirm.status_code == 200 and 'name="version"' in confirm.content.decode()
    response = client.post(
        reverse("hazards:risk_delete", args=[item.pk]), {"version": item.version}
    )
    assert response.status_code == 302
    assert not RiskItem.objects.exists()
    assert AuditEvent.objects.filter(action="object.deleted", object_id=str(item.pk)).exists()


def test_regulators_read_only_and_scope(people, client):
    item = make_risk(people.mine)
    client.force_login(people.county)
    assert client.get(item.get_absolute_url()).status_code == 200
    assert client.get(reverse("hazards:risk_create")).status_code == 403
    assert client.get(reverse("hazards:risk_edit", args=[item.pk])).status_code == 403
    assert client.post(reverse("hazards:risk_delete", args=[item.pk])).status_code == 403
    assert client.get(reverse("hazards:risk_import")).status_code == 403
    client.force_login(people.other_county)
    assert client.get(item.get_absolute_url()).status_code == 404
    client.force_login(people.other_enterprise)
    assert client.get(reverse("hazards:risk_edit", args=[item.pk])).status_code == 404
    assert client.post(reverse("hazards:risk_delete", args=[item.pk])).status_code == 404
    assert RiskItem.objects.filter(pk=item.pk).exists()


def _file(rows):
    book = load_workbook(io.BytesIO(risk_io.workbook_bytes([])))
    for row in rows:
        book["风险管控清单"].append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("风险清单.xlsx", buffer.getvalue())


def _row(mine, **over):
    values = [
        "",
        mine.code,
        "",
        "1205运输巷",
        "水",
        "老空水突水",
        "重大",
        "有掘必探",
        "王",
        "矿级",
        (TODAY + dt.timedelta(days=100)).isoformat(),
    ]
    for index, value in over.items():
        values[int(index[1:])] = value
    return values


def _kept_files():
    return sorted((Path(settings.DATA_DIR) / "imports").glob("risk-*"))


def test_import_upload_preview_confirm(people, client):
    client.force_login(people.officer)
    page = client.get(reverse("hazards:risk_import"))
    assert page.status_code == 200 and "风险等级" in page.content.decode()
    before = _kept_files()
    preview = client.post(
        reverse("hazards:risk_import"),
        {"file": _file([_row(people.mine), _row(people.mine, c3="二采区")])},
    )
    assert preview.status_code == 200
    assert preview.context["result"].created == 2
    assert not RiskItem.objects.exists(), "the preview writes nothing"
    token = preview.context["token"]
    assert len(_kept_files()) == len(before) + 1
    done = client.post(reverse("hazards:risk_import_confirm"), {"token": token})
    assert done.status_code == 200 and done.context["done"]
    assert RiskItem.objects.count() == 2
    assert _kept_files() == before, "the kept file is deleted after the confirmation"
    again = client.post(reverse("hazards:risk_import_confirm"), {"token": token})
    assert again.status_code == 302 and RiskItem.objects.count() == 2


def test_import_cancel_and_errors(people, client):
    client.force_login(people.officer)
    before = _kept_files()
    preview = client.post(reverse("hazards:risk_import"), {"file": _file([_row(people.mine)])})
    assert preview.context["token"]
    client.post(reverse("hazards:risk_import_cancel"))
    assert _kept_files() == before and not RiskItem.objects.exists()
    bad = client.post(
        reverse("hazards:risk_import"),
        {"file": _file([_row(people.mine), _row(people.mine, c6="紫", c3="二采区")])},
    )
    assert bad.status_code == 422
    text = bad.content.decode()
    assert 'data-testid="import-errors"' in text and "紫" in text
    assert _kept_files() == before and not RiskItem.objects.exists()
    wrong = client.post(
        reverse("hazards:risk_import"), {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4")}
    )
    assert wrong.status_code == 400 and wrong.context["form"].errors["file"]
