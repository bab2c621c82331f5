"""Import pages (upload → preview → confirm), template download and export (``views_io.py``)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from kuangan.core.choices import AuditAction, Role
from kuangan.core.models import AuditEvent

from .. import columns as cols
from ..choices import MineStatus
from ..models import Mine
from ..views_io import SESSION_KEY
from .factories import make_enterprise, make_mine
from .test_imports import CC, county_importer, csv_bytes, mine_row, state, tailings_row, xlsx_bytes


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def importer(user_in):
    return county_importer(user_in, "220605")


def stored_files(settings) -> list:
    folder = settings.DATA_DIR / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


def upload(client, data: bytes, name: str = "江源矿山名录.xlsx"):
    return client.post(reverse("registry:mine_import"), {"file": SimpleUploadedFile(name, data)})


def test_the_upload_page_links_the_template(login, importer):
    response = login(importer).get(reverse("registry:mine_import"))
    assert response.status_code == 200
    assert reverse("registry:mine_import_template") in response.content.decode()
    assert "矿山名称" in response.content.decode()


def test_the_upload_page_needs_the_import_permission(login, user_in):
    inspector = user_in("220605", role=Role.ENTERPRISE_SAFETY_OFFICER)
    assert login(inspector).get(reverse("registry:mine_import")).status_code == 403


def test_the_navigation_shows_the_import_to_whoever_may_import(login, importer, user_in):
    url = reverse("registry:mine_import")
    assert url in login(importer).get(reverse("core:home")).content.decode()
    other = user_in("220605", role=Role.GOVERNMENT_USER)
    assert url not in login(other).get(reverse("core:home")).content.decode()


def test_upload_preview_confirm(login, importer, settings):
    client = login(importer)
    enterprise = make_enterprise("220605", credit_code=CC, name="白山江源测试矿业有限公司")
    mine = make_mine("220605", enterprise=enterprise, name="江源一号煤矿")
    before = state()

    response = upload(client, xlsx_bytes([mine_row({"生产状态": "整改"}), tailings_row()]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="count-created">1<' in body
    assert 'data-testid="count-updated">1<' in body
    # Nothing written yet; the file waits under a random name, not the person's.
    assert state() == before
    (kept,) = stored_files(settings)
    assert "江源" not in kept.name and kept.suffix == ".xlsx"
    token = client.session[SESSION_KEY]["token"]
    assert kept.stem == token

    response = client.post(reverse("registry:mine_import_confirm"), {"token": token})
    assert response.status_code == 200
    assert 'data-testid="import-done"' in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == MineStatus.RECTIFYING
    assert Mine.objects.filter(name="江源尾矿库").exists()
    assert stored_files(settings) == []
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action=AuditAction.IMPORTED, actor=importer).count() == 1

    # Confirming twice does nothing more.
    response = client.post(reverse("registry:mine_import_confirm"), {"token": token})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.IMPORTED).count() == 1


def test_a_file_with_errors_shows_every_error_and_is_not_kept(login, importer, settings):
    client = login(importer)
    rows = [mine_row({"矿山类型": "煤矿"}), tailings_row({"尾矿库等别": "六等"})]
    response = upload(client, csv_bytes(rows, encoding="gb18030"), name="名录.csv")
    assert response.status_code == 422
    body = response.content.decode()
    assert 'data-testid="import-errors"' in body
    for text in ("矿山类型", "煤矿", "尾矿库等别", "六等", "<td>2</td>", "<td>3</td>"):
        assert text in body
    assert 'data-testid="confirm-import"' not in body
    assert stored_files(settings) == []
    assert Mine.objects.count() == 0


def test_a_file_that_is_no_spreadsheet_is_refused_on_the_form(login, importer, settings):
    response = upload(login(importer), b"%PDF-1.4 not a table", name="名录.pdf")
    assert response.status_code == 400
    assert 'data-testid="upload-error"' in response.content.decode()
    assert stored_files(settings) == []


def test_cancel_deletes_the_kept_file(login, importer, settings):
    client = login(importer)
    upload(client, xlsx_bytes([mine_row()]))
    assert len(stored_files(settings)) == 1
    response = client.post(reverse("registry:mine_import_cancel"))
    assert response.status_code == 302
    assert stored_files(settings) == []
    assert Mine.objects.count() == 0


def test_a_new_upload_replaces_the_pending_one(login, importer, settings):
    client = login(importer)
    upload(client, xlsx_bytes([mine_row()]))
    upload(client, xlsx_bytes([tailings_row()]))
    assert len(stored_files(settings)) == 1


def test_confirm_needs_the_token_of_the_previewed_file(login, importer, settings):
    client = login(importer)
    upload(client, xlsx_bytes([mine_row()]))
    response = client.post(reverse("registry:mine_import_confirm"), {"token": "0" * 32})
    assert response.status_code == 302
    assert Mine.objects.count() == 0
    assert stored_files(settings) == []


def test_another_user_cannot_confirm_someone_elses_preview(login, importer, user_in, client):
    upload(login(importer), xlsx_bytes([mine_row()]))
    token = client.session[SESSION_KEY]["token"]
    other = county_importer(user_in, "220605")
    client.logout()
    response = login(other).post(reverse("registry:mine_import_confirm"), {"token": token})
    assert response.status_code == 302
    assert Mine.objects.count() == 0


def test_a_registry_changed_since_the_preview_is_reported_at_confirm(login, importer):
    client = login(importer)
    upload(client, xlsx_bytes([mine_row()]))
    token = client.session[SESSION_KEY]["token"]
    # Meanwhile somebody registers the credit code for another kind of organisation.
    from kuangan.core.models import Organization

    Organization.objects.create(
        kind="agency", name="某机构", region=importer.organization.region, credit_code=CC
    )
    response = client.post(reverse("registry:mine_import_confirm"), {"token": token})
    assert response.status_code == 422
    assert Mine.objects.count() == 0


def test_the_template_download(login, importer):
    response = login(importer).get(reverse("registry:mine_import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in book[cols.DATA_SHEET][1]] == list(cols.HEADERS)


def test_the_export_follows_the_ledger_filters_and_is_audited(login, user_in):
    make_mine("220605", name="江源煤矿")
    make_mine("220621", name="抚松煤矿")
    make_mine("220102", name="长春煤矿")
    user = user_in("220600", role=Role.REGULATOR_INSPECTOR)  # 白山市: 江源区 and 抚松县
    client = login(user)
    response = client.get(reverse("registry:mine_export"))
    assert response.status_code == 200
    assert response["X-Export-Rows"] == "2"
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    names = {row[1] for row in book[cols.DATA_SHEET].iter_rows(min_row=2, values_only=True)}
    assert names == {"江源煤矿", "抚松煤矿"}
    response = client.get(reverse("registry:mine_export"), {"q": "抚松"})
    assert response["X-Export-Rows"] == "1"
    event = AuditEvent.objects.filter(action=AuditAction.EXPORTED).order_by("-id").first()
    assert event.actor_id == user.pk and event.changes["filters"] == {"q": "抚松"}


def test_the_export_needs_the_export_permission(login, user_in):
    user = user_in("220605", role=Role.GOVERNMENT_USER)
    assert login(user).get(reverse("registry:mine_export")).status_code == 403


def test_a_file_that_changes_nothing_has_nothing_to_confirm(login, importer, settings):
    client = login(importer)
    data = xlsx_bytes([mine_row()])
    upload(client, data)
    client.post(
        reverse("registry:mine_import_confirm"), {"token": client.session[SESSION_KEY]["token"]}
    )
    response = upload(client, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="nothing-to-import"' in body
    assert 'data-testid="confirm-import"' not in body
    assert 'data-testid="count-unchanged">1<' in body
    assert stored_files(settings) == [] and SESSION_KEY not in client.session
