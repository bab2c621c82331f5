import io
import shutil
import subprocess
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kuangan.core.models import User
from kuangan.core.tests.factories import PASSWORD, png_bytes

from .. import exports, services
from ..choices import InspectionKind, InspectionStatus, Outcome
from ..models import Inspection
from .factories import answer_all, make_setting, signed_self_inspection

pytestmark = pytest.mark.django_db
S = InspectionStatus


@pytest.fixture
def s():
    return make_setting()


def _started_self(s):
    inspection = services.inspection_create(by=s.principal, mine=s.mine, kind=InspectionKind.SELF)
    services.inspection_start(by=s.officer, inspection=inspection)
    return inspection


def test_full_self_inspection_through_the_pages(s, client):
    # The principal plans it.
    client.force_login(s.principal)
    response = client.post(
        reverse("inspections:inspection_create"),
        {"mine": s.mine.pk, "kind": "self", "plan": "全员自查"},
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == inspection.get_absolute_url()
    # The safety officer starts it and answers item by item (HTMX).
    client.force_login(s.officer)
    client.post(reverse("inspections:transition", args=[inspection.pk, "start"]))
    page = client.get(reverse("inspections:answer", args=[inspection.pk]))
    assert page.status_code == 200
    assert 'data-answered="0" data-total="6"' in page.content.decode()
    results = list(inspection.results.order_by("order"))
    response = client.post(
        reverse("inspections:answer_save", args=[inspection.pk, results[0].pk]),
        {"outcome": "noncompliant", "note": "瓦斯检查记录缺失"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'hx-swap-oob="true"' in body
    assert 'data-answered="1" data-total="6"' in body
    for r in results[1:]:
        client.post(
            reverse("inspections:answer_save", args=[inspection.pk, r.pk]),
            {"outcome": "compliant"},
            HTTP_HX_REQUEST="true",
        )
    # A photo on the non-compliant item.
    response = client.post(
        reverse("inspections:photo_upload", args=[inspection.pk, results[0].pk]),
        {"file": SimpleUploadedFile("现场.png", png_bytes())},
    )
    assert response.status_code == 302
    from kuangan.core.files import attachments_of

    assert attachments_of(results[0]).count() == 1
    client.post(reverse("inspections:transition", args=[inspection.pk, "finish"]))
    inspection.refresh_from_db()
    assert inspection.status == S.FINISHED
    # The principal signs (password again) and submits.
    client.force_login(s.principal)
    response = client.post(reverse("inspections:sign", args=[inspection.pk]), {"password": "x"})
    assert response.status_code == 200 and not inspection.self_report.is_signed
    client.post(reverse("inspections:sign", args=[inspection.pk]), {"password": PASSWORD})
    page = client.get(inspection.get_absolute_url() + "?tab=report").content.decode()
    assert 'data-testid="signature-valid"' in page
    client.post(reverse("inspections:transition", args=[inspection.pk, "submit"]))
    inspection.refresh_from_db()
    assert inspection.status == S.SUBMITTED
    # The county inspector finds it in the inbox and accepts it.
    client.force_login(s.county)
    inbox = client.get(reverse("inspections:inbox")).content.decode()
    assert s.mine.name in inbox
    page = client.get(inspection.get_absolute_url()).content.decode()
    assert 'data-testid="action-accept"' in page
    client.post(
        reverse("inspections:transition", args=[inspection.pk, "accept"]), {"reason": "同意"}
    )
    inspection.refresh_from_db()
    assert inspection.status == S.ACCEPTED and inspection.reviewed_by == s.county


def test_inbox_is_for_reviewers_and_outsiders_get_404(s, client):
    inspection = _started_self(s)
    client.force_login(s.officer)
    assert client.get(reverse("inspections:inbox")).status_code == 403
    client.force_login(s.outsider)
    assert client.get(inspection.get_absolute_url()).status_code == 404
    assert client.get(reverse("inspections:answer", args=[inspection.pk])).status_code == 404
    response = client.post(
        reverse("inspections:answer_save", args=[inspection.pk, inspection.results.first().pk]),
        {"outcome": "compliant"},
    )
    assert response.status_code == 404
    client.force_login(s.other_principal)
    assert client.get(inspection.get_absolute_url()).status_code == 404


def test_answer_error_is_shown_in_the_card_and_nothing_is_saved(s, client):
    inspection = _started_self(s)
    client.force_login(s.officer)
    result = inspection.results.first()
    response = client.post(
        reverse("inspections:answer_save", args=[inspection.pk, result.pk]),
        {"outcome": "not_applicable"},
        HTTP_HX_REQUEST="true",
    )
    assert 'role="alert"' in response.content.decode()
    result.refresh_from_db()
    assert result.outcome == Outcome.UNCHECKED


def test_answers_to_a_submitted_inspection_are_refused(s, client):
    from .factories import signed_self_inspection

    inspection = signed_self_inspection(s)
    services.inspection_submit(by=s.principal, inspection=inspection)
    client.force_login(s.officer)
    result = inspection.results.first()
    before = result.outcome
    client.post(
        reverse("inspections:answer_save", args=[inspection.pk, result.pk]),
        {"outcome": "not_applicable", "reason": "改"},
        HTTP_HX_REQUEST="true",
    )
    result.refresh_from_db()
    assert result.outcome == before


def test_blank_checklist_download_and_filled_upload_all_or_nothing(s, client):
    from python_calamine import CalamineWorkbook

    inspection = _started_self(s)
    client.force_login(s.officer)
    response = client.get(reverse("inspections:checklist_download", args=[inspection.pk]))
    assert response.status_code == 200
    rows = (
        CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert rows[1][0] == exports.MARKER and len(rows) == 3 + 6

    def filled(bad: bool) -> bytes:
        import xlsxwriter

        buffer = io.BytesIO()
        wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
        ws = wb.add_worksheet()
        ws.write_row(0, 0, ["title"])
        ws.write_row(1, 0, [exports.MARKER, inspection.pk])
        ws.write_row(2, 0, [label for _k, label in exports.HEADERS])
        for n, row in enumerate(rows[3:], start=3):
            outcome = "不符合" if n == 3 else "符合"
            if bad and n == 8:
                outcome = "差不多"
            ws.write_row(n, 0, [*row[:6], outcome, "", "", "", "备注"])
        wb.close()
        return buffer.getvalue()

    url = reverse("inspections:checklist_import", args=[inspection.pk])
    response = client.post(url, {"file": SimpleUploadedFile("f.xlsx", filled(True))})
    assert response.status_code == 200 and "差不多" in response.content.decode()
    assert inspection.progress() == (0, 6)
    response = client.post(url, {"file": SimpleUploadedFile("f.xlsx", filled(False))})
    assert response.status_code == 302
    assert inspection.progress() == (6, 6)
    assert inspection.results.filter(outcome=Outcome.NONCOMPLIANT).count() == 1
    # A checklist of another inspection is refused.
    other = _started_self(s)
    response = client.post(
        reverse("inspections:checklist_import", args=[other.pk]),
        {"file": SimpleUploadedFile("f.xlsx", filled(False))},
    )
    assert response.status_code == 200 and other.progress() == (0, 6)


def _enforcement_done(s):
    inspection = services.inspection_create(
        by=s.county, mine=s.mine, kind=InspectionKind.ENFORCEMENT
    )
    services.inspection_start(by=s.county, inspection=inspection)
    answer_all(inspection, s.county, noncompliant=2)
    services.inspection_finish(by=s.county, inspection=inspection)
    problem = inspection.results.filter(outcome=Outcome.NONCOMPLIANT).first()
    services.inspection_report_update(
        by=s.county,
        inspection=inspection,
        recommendations="建议加强通风管理",
        disposals={problem.pk: ("suspend", "局部停产")},
    )
    return inspection


def test_enforcement_report_as_docx_with_east_asian_fonts(s, client):
    inspection = _enforcement_done(s)
    client.force_login(s.county)
    response = client.get(reverse("inspections:report_download", args=[inspection.pk, "docx"]))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        xml = z.read("word/document.xml").decode()
    assert s.mine.name in xml and "建议加强通风管理" in xml
    assert 'w:eastAsia="宋体"' in xml


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_enforcement_report_pdf_shows_chinese_text(s, client, tmp_path):
    inspection = _enforcement_done(s)
    client.force_login(s.county)
    response = client.get(reverse("inspections:report_download", args=[inspection.pk, "pdf"]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    path = tmp_path / "r.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert s.mine.name in text
    assert "建议加强通风管理" in text


def test_pages_render(s, client):
    inspection = _enforcement_done(s)
    client.force_login(s.county)
    for tab in ("data", "items", "problems", "team", "report", "files", "history"):
        response = client.get(inspection.get_absolute_url() + f"?tab={tab}")
        assert response.status_code == 200, tab
    for name in ("inspection_list", "inbox", "plan", "inspection_create"):
        assert client.get(reverse(f"inspections:{name}")).status_code == 200, name
    response = client.get(reverse("inspections:transition", args=[inspection.pk, "submit"]))
    assert response.status_code == 200 and 'data-testid="confirm"' in response.content.decode()
    assert client.get(reverse("inspections:report_edit", args=[inspection.pk])).status_code == 200
    assert client.get(reverse("inspections:expert_invite", args=[inspection.pk])).status_code == 200
    client.force_login(s.group_inspector)
    page = client.get(reverse("inspections:group_coverage"))
    assert page.status_code == 200 and 'data-testid="group-unchecked">1<' in page.content.decode()


def test_expert_invitation_shows_the_credentials_once(s, client):
    inspection = services.inspection_create(
        by=s.county, mine=s.mine, kind=InspectionKind.ENFORCEMENT
    )
    client.force_login(s.county)
    response = client.post(
        reverse("inspections:expert_invite", args=[inspection.pk]),
        {"name": "王专家", "organization_name": "吉林大学", "days": 10},
    )
    body = response.content.decode()
    assert 'data-testid="expert-password"' in body
    member = inspection.members.get(role="expert")
    client.force_login(member.user)
    # The handed-over password must be changed first (then the pages open: see the next test).
    assert client.get(inspection.get_absolute_url())["Location"] == reverse("core:password_change")
    User.objects.filter(pk=member.user.pk).update(must_change_password=False)
    assert client.get(inspection.get_absolute_url()).status_code == 200
    assert client.get(reverse("inspections:inspection_list")).status_code == 200


def test_plan_document_upload_until_submission(s, client):
    from kuangan.core.files import attachments_of

    from .factories import signed_self_inspection

    inspection = services.inspection_create(by=s.principal, mine=s.mine, kind=InspectionKind.SELF)
    client.force_login(s.principal)
    url = reverse("inspections:document_upload", args=[inspection.pk])
    client.post(url, {"file": SimpleUploadedFile("方案.pdf", b"%PDF-1.4\n%%EOF\n")})
    assert attachments_of(inspection).count() == 1
    client.force_login(s.other_principal)
    assert client.post(url, {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4\n")}).status_code == 404
    done = signed_self_inspection(s)
    services.inspection_submit(by=s.principal, inspection=done)
    client.force_login(s.principal)
    client.post(
        reverse("inspections:document_upload", args=[done.pk]),
        {"file": SimpleUploadedFile("晚.pdf", b"%PDF-1.4\n%%EOF\n")},
    )
    assert attachments_of(done).count() == 0


def test_an_expert_logs_in_with_the_temporary_account(s, client):
    inspection = services.inspection_create(
        by=s.county, mine=s.mine, kind=InspectionKind.ENFORCEMENT
    )
    member, username, password = services.inspection_invite_expert(
        by=s.county, inspection=inspection, name="赵专家"
    )
    response = client.post(reverse("core:login"), {"username": username, "password": password})
    assert response.status_code == 302
    # The handed-over password is a first password: the expert sets their own first.
    assert client.get(inspection.get_absolute_url())["Location"] == reverse("core:password_change")
    new_password = "Expert#Own-2026pw"
    changed = client.post(
        reverse("core:password_change"),
        {"old_password": password, "new_password1": new_password, "new_password2": new_password},
    )
    assert changed.status_code == 302
    assert client.get(inspection.get_absolute_url()).status_code == 200
    assert client.get(reverse("inspections:answer", args=[inspection.pk])).status_code == 200
    assert client.get(reverse("core:home")).status_code == 200


def test_redo_page_refuses_without_one_of_the_notices_grounds(s, client):
    """六(四): “发现自查自改走过场、不认真、重大风险研判不准确、重大事故隐患查不出来、重大问题整改
    不彻底的，一律推倒重来。” The redo page names the grounds when none of the five is ticked."""
    inspection = signed_self_inspection(s)
    services.inspection_submit(by=s.principal, inspection=inspection)
    client.force_login(s.county)
    url = reverse("inspections:transition", args=[inspection.pk, "redo"])
    response = client.post(url, {"reason": "不实", "reasons": ["other"]})
    inspection.refresh_from_db()
    assert response.status_code in (200, 400) and inspection.status == S.SUBMITTED
    assert "reasons" in response.context["form"].errors
    response = client.post(url, {"reason": "不实", "reasons": ["careless", "other"]})
    inspection.refresh_from_db()
    assert response.status_code == 302 and inspection.status == S.REDO
