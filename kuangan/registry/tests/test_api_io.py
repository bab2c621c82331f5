"""The import/export API (``api_io.py``): ``/api/v1/mines/import/``, ``/api/v1/mines/export/``,
``/api/v1/mines/import-template/``, next to the mine API's ``/api/v1/mines/{code}/``."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from kuangan.core.choices import Role

from .. import columns as cols
from ..choices import MineStatus
from ..models import Mine
from .factories import make_enterprise, make_mine
from .test_imports import CC, county_importer, csv_bytes, mine_row, state, tailings_row, xlsx_bytes

IMPORT = "/api/v1/mines/import/"
EXPORT = "/api/v1/mines/export/"
TEMPLATE = "/api/v1/mines/import-template/"


@pytest.fixture
def importer(user_in):
    return county_importer(user_in, "220605")


def post(client, data: bytes, name="mines.xlsx", **fields):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data), **fields})


def test_import_creates_and_reports_counts(login, importer):
    response = post(login(importer), xlsx_bytes([mine_row(), tailings_row()]))
    assert response.status_code == 200, response.content
    body = response.json()
    assert {k: body[k] for k in ("created", "updated", "unchanged")} == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert body["errors"] == [] and body["warnings"] == []
    assert Mine.objects.count() == 2


def test_dry_run_writes_nothing(login, importer):
    client = login(importer)
    before = state()
    response = post(client, csv_bytes([mine_row()], bom=True), "m.csv", dry_run="true")
    assert response.status_code == 200
    assert response.json()["created"] == 1 and response.json()["dry_run"] is True
    assert state() == before


def test_errors_are_422_with_row_column_value_message(login, importer):
    client = login(importer)
    before = state()
    response = post(
        client,
        xlsx_bytes(
            [mine_row({"纬度": "47.5"}), mine_row({"矿山名称": "二号", "行政区划代码": "229999"})]
        ),
    )
    assert response.status_code == 422
    body = response.json()
    assert [(e["row"], e["column"], e["value"]) for e in body["errors"]] == [
        (2, "纬度", "47.5"),
        (3, "行政区划代码", "229999"),
    ]
    assert all(e["message"] for e in body["errors"])
    assert body["created"] == 0
    assert state() == before


def test_a_second_import_reports_nothing_changed(login, importer):
    client = login(importer)
    data = xlsx_bytes([mine_row(), tailings_row()])
    post(client, data)
    before = state()
    body = post(client, data).json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 2)
    assert state() == before


def test_the_importers_scope_applies(login, importer):
    response = post(login(importer), xlsx_bytes([mine_row({"行政区划代码": "220102"})]))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert ("行政区划代码", "220102") in {(e["column"], e["value"]) for e in errors}
    assert Mine.objects.count() == 0


def test_import_needs_the_permission(login, user_in):
    user = user_in("220605", role=Role.GOVERNMENT_USER)
    response = post(login(user), xlsx_bytes([mine_row()]))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [("m.pdf", b"%PDF-1.4", 415), ("m.xlsx", b"no zip", 415)],
)
def test_a_file_that_is_no_spreadsheet(login, importer, name, data, status):
    response = post(login(importer), data, name)
    assert response.status_code == status
    assert response.json()["error"]["message"]


def test_a_missing_file_is_400(login, importer):
    response = login(importer).post(IMPORT, {"dry_run": "1"})
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]


def test_anonymous_callers_are_refused(client):
    assert client.post(IMPORT).status_code in (401, 403)
    assert client.get(EXPORT).status_code in (401, 403)


def test_export_with_filters_in_the_import_format(login, user_in):
    make_mine("220605", name="江源煤矿", status=MineStatus.PRODUCING)
    make_mine("220605", name="江源停产矿", status=MineStatus.LONG_SHUTDOWN)
    make_mine("220102", name="长春煤矿")
    user = user_in("220605", role=Role.REGULATOR_INSPECTOR)
    client = login(user)
    response = client.get(EXPORT, {"status": MineStatus.LONG_SHUTDOWN})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))[cols.DATA_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(cols.HEADERS)
    assert [r[1] for r in rows[1:]] == ["江源停产矿"]
    assert client.get(EXPORT, {"status": "nonsense"}).status_code == 400


def test_the_template(login, user_in):
    response = login(user_in("220605", role=Role.ENTERPRISE_PRINCIPAL)).get(TEMPLATE)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == [cols.DATA_SHEET, cols.HELP_SHEET]


def test_the_mine_api_routes_still_answer_beside_these(login, user_in):
    enterprise = make_enterprise("220605", credit_code=CC)
    mine = make_mine("220605", enterprise=enterprise)
    client = login(user_in("220605", role=Role.REGULATOR_INSPECTOR))
    assert client.get(f"/api/v1/mines/{mine.code}/").json()["code"] == mine.code
    assert client.get("/api/v1/mines/").json()["count"] == 1
    # GET on the import path is not the detail of a mine called "import".
    assert client.get(IMPORT).status_code == 405


def test_the_schema_describes_the_routes(login, user_in):
    client = login(user_in("220000", role=Role.PROVINCE_ADMIN))
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/v1/mines/import/",
        "/api/v1/mines/export/",
        "/api/v1/mines/import-template/",
    } <= set(paths)
