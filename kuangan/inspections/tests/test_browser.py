"""Browser tests of inspections: the real server (gunicorn, demo data, SQLite) driven by
Debian's Chromium, as in kuangan/core/tests/test_browser.py.

1. On a phone, the demo enterprise principal completes the half-answered self-inspection of a
   mine: answers the open items one by one on the answer form (符合, one 不符合 with a note, one
   不适用 with its reason), attaches a photo with its EXIF time and GPS, finishes, writes the
   rectification status, signs with the password re-entered and submits; the county inspector
   of the mine (江源区) accepts it from the inbox.
2. A 白山 inspector opens a planned key enforcement inspection from the plan, starts it,
   answers a few items as 不符合 on the form and the rest by uploading the filled offline
   checklist, finishes, writes the disposal opinions and downloads the report as .docx and
   .pdf.

Every step goes through the pages (no API call). Screenshots go to test-artifacts/browser/."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from openpyxl import load_workbook

from kuangan.core.tests.browser import (
    DEMO_PASSWORD,
    has_cjk,
    login,
    screenshot,
)

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
# The status labels as the Chinese pages show them (the app's translations).
ACCEPTED, SUBMITTED, FINISHED, IN_PROGRESS = "已通过", "已报送", "已完成检查", "检查中"
PHOTO_TAKEN = "2023-05-31 14:05"  # the EXIF DateTimeOriginal of the test photo, as shown


# --- Helpers -----------------------------------------------------------------------------------


def jpeg_with_exif() -> bytes:
    """A small real JPEG with the time it was taken and where (EXIF), as a phone writes it."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x8769] = {0x9003: "2023:05:31 14:05:09"}  # DateTimeOriginal
    exif[0x8825] = {1: "N", 2: (42.0, 18.0, 36.0), 3: "E", 4: (126.0, 25.0, 12.0)}  # GPS
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 110, 90)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def _is_answer_post(response) -> bool:
    return response.request.method == "POST" and re.search(r"/answer/\d+/$", response.url)


def _answered(page) -> tuple[int, int]:
    progress = page.locator("#progress")
    return int(progress.get_attribute("data-answered")), int(progress.get_attribute("data-total"))


def _wait_answered(page, expected: int, code: str) -> None:
    """The progress counter is swapped in by HTMX after the answer's response: wait for it."""
    try:
        page.wait_for_function(
            "n => Number(document.querySelector('#progress').dataset.answered) === n",
            arg=expected,
            timeout=10_000,
        )
    except Exception as exc:  # Playwright's TimeoutError
        raise AssertionError(
            f"progress did not move for {code}: {_answered(page)[0]} != {expected}"
        ) from exc


def _settled(page) -> None:
    """Wait until HTMX has no request in flight and has swapped and settled its content, so
    that the next step acts on the new card, not on the one being replaced."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')",
        timeout=10_000,
    )


def _pick(page, card, value: str) -> None:
    """Tap an outcome button of an item card; HTMX saves it and swaps the card."""
    pk = card.get_attribute("id").removeprefix("r")
    with page.expect_response(_is_answer_post) as info:
        card.locator(f"label[for='o{pk}-{value}']").click()
    assert info.value.ok
    _settled(page)
    page.locator(f"#o{pk}-{value}:checked").wait_for()


def _commit_text(page, card, name: str, text: str) -> None:
    """Type into a text field of the card and leave it: the change saves the answer."""
    field = card.locator(f"[name={name}]")
    with page.expect_response(_is_answer_post) as info:
        field.fill(text)
        field.press("Tab")
    assert info.value.ok
    _settled(page)


def _open_checklist_items(page) -> list[tuple[str, str]]:
    """(card id, item code) of the cards on this aspect's page not answered yet."""
    return page.locator(".item-card").evaluate_all(
        """cards => cards
            .filter(c => !c.querySelector('input[name=outcome]:checked'))
            .map(c => [c.id, c.dataset.testid.replace(/^item-/, '')])"""
    )


def _go_to_aspect(page, index: int) -> None:
    with page.expect_navigation():
        page.locator("[data-testid=next-aspect]").click()
    assert f"aspect={index}" in page.url


def _confirm(page, action: str) -> None:
    """Start a transition from the inspection page and confirm it on the page saying what
    will follow."""
    with page.expect_navigation():
        page.locator(f"[data-testid=action-{action}]").click()
    assert has_cjk(page.locator(".alert-warning").first.inner_text())
    with page.expect_navigation():
        page.locator("[data-testid=confirm]").click()


def _status(page) -> str:
    return page.locator("[data-testid=status]").inner_text().strip()


def _pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


# --- 1. Self-inspection on a phone, accepted by the county bureau -----------------------------


def test_self_inspection_on_a_phone_then_accepted_by_the_county(
    open_page, kuangan_server, tmp_path
):
    base = kuangan_server.url
    page = open_page(**PHONE)
    login(page, base, "enterprise_principal")

    # The demo leaves one self-inspection of the principal's mines half answered.
    page.goto(f"{base}/inspections/?kind=self&status=in_progress")
    rows = page.locator("table.ledger-table tbody tr")
    half = [
        n
        for n, text in enumerate(rows.all_inner_texts())
        if (m := re.search(r"(\d+)/(\d+)", text)) and 0 < int(m[1]) < int(m[2])
    ]
    assert half, "the demo should leave a self-inspection half answered"
    with page.expect_navigation():
        rows.nth(half[0]).locator("a").first.click()
    detail_url = page.url.split("?")[0]
    pk = re.search(r"/inspections/(\d+)/$", detail_url).group(1)
    assert _status(page) == IN_PROGRESS
    assert "#" + pk in page.locator("h2.page-title").inner_text()
    # The mine lies in 江源区 (220605): its county bureau reviews it.
    assert "江源区" in page.locator(".breadcrumb").inner_text()

    # The answer form, aspect by aspect.
    with page.expect_navigation():
        page.locator("[data-testid=answer]").click()
    answered, total = _answered(page)
    assert 0 < answered < total, (answered, total)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1, "wider than a phone"
    screenshot(page, "self-answer-phone-start", full_page=False)

    aspects = page.locator("select[name=aspect] option").count()
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(jpeg_with_exif())
    done = {"noncompliant": None, "not_applicable": None, "compliant": 0}
    for index in range(1, aspects + 1):
        if index > 1:
            _go_to_aspect(page, index)
        for card_id, code in _open_checklist_items(page):
            card = page.locator(f"#{card_id}")
            before = _answered(page)[0]
            if done["noncompliant"] is None:
                # 不符合: the hazard level is prefilled; describe the problem.
                _pick(page, card, "noncompliant")
                assert card.locator("select[name=hazard_level]").input_value() in {
                    "general",
                    "major",
                }
                _commit_text(page, card, "note", "尾矿库排洪设施巡查记录不全")
                assert card.locator("[name=note]").input_value() == "尾矿库排洪设施巡查记录不全"
                screenshot(page, "self-answer-phone-noncompliant", full_page=False)
                # A photo of the problem, with the time and place it was taken.
                card.locator(f"[data-testid='photo-{code}']").set_input_files(str(photo))
                with page.expect_navigation():
                    card.locator("form[enctype='multipart/form-data'] button").click()
                assert f"aspect={index}" in page.url
                link = page.locator(f"#{card_id} a", has_text=photo.name)
                assert link.is_visible(), "the photo is not listed on its item"
                assert PHOTO_TAKEN in link.inner_text(), link.inner_text()
                assert "42.31" in link.inner_text(), "the photo's GPS position is not kept"
                done["noncompliant"] = code
            elif done["not_applicable"] is None:
                # 不适用 needs a reason: without one the form says so and saves nothing …
                _pick(page, card, "not_applicable")
                error = card.locator(".alert-danger")
                assert has_cjk(error.inner_text()), error.inner_text()
                assert _answered(page)[0] == before, "an answer without its reason was saved"
                screenshot(page, "self-answer-phone-reason-missing", full_page=False)
                # … and with the reason it is recorded.
                _commit_text(page, card, "reason", "本尾矿库无此设施")
                card.locator(".alert-danger").wait_for(state="detached")
                done["not_applicable"] = code
            else:
                _pick(page, card, "compliant")
                done["compliant"] += 1
            _wait_answered(page, before + 1, code)
    assert done["noncompliant"] and done["not_applicable"] and done["compliant"] > 0, done
    answered, total = _answered(page)
    assert answered == total, f"{answered} of {total} answered after walking every aspect"
    assert re.search(rf"{total}\s*/\s*{total}", page.locator("[data-testid=progress]").inner_text())
    screenshot(page, "self-answer-phone-done")

    # Finish: every applicable item is answered.
    with page.expect_navigation():
        page.locator("[data-testid=done]").click()
    _confirm(page, "finish")
    assert _status(page) == FINISHED
    # The problem found is on the problem list.
    page.goto(f"{detail_url}?tab=problems")
    assert "尾矿库排洪设施巡查记录不全" in page.locator(".page-body").inner_text()

    # The principal writes the rectification status into the report …
    page.goto(f"{detail_url}?tab=report")
    with page.expect_navigation():
        page.locator(f"a[href='/inspections/{pk}/self-report/']").click()
    page.fill("#id_rectification", "排洪设施巡查记录已补齐，专人每日巡查并签字。")
    with page.expect_navigation():
        page.locator("form.card button[type=submit]").click()
    assert "排洪设施巡查记录已补齐" in page.content()

    # … and signs it with the password entered again: a wrong one signs nothing.
    with page.expect_navigation():
        page.locator("[data-testid=action-sign]").click()
    assert page.locator("[data-testid=commitment]").inner_text().strip()
    page.fill("#id_password", "not-the-password")
    with page.expect_navigation():
        page.locator("[data-testid=sign]").click()
    assert has_cjk(page.locator(".invalid-feedback, .alert-danger").first.inner_text())
    assert "/sign/" in page.url
    page.fill("#id_password", DEMO_PASSWORD)
    screenshot(page, "self-sign-phone")
    with page.expect_navigation():
        page.locator("[data-testid=sign]").click()
    assert page.dialogs and has_cjk(page.dialogs[-1]), "no confirmation before signing"
    assert page.locator("[data-testid=signature-valid]").is_visible()

    # Submit: the inspection goes to the reviewers and becomes read-only.
    _confirm(page, "submit")
    assert _status(page) == SUBMITTED
    assert page.locator("[data-testid=answer]").count() == 0, "still answerable after submitting"
    screenshot(page, "self-submitted-phone")

    # The county inspector of the mine (江源区) accepts it from the inbox.
    reviewer = open_page()
    login(reviewer, base, "jiangyuan_inspector")
    reviewer.goto(f"{base}/inspections/inbox/")
    entry = reviewer.locator(f"table.ledger-table a[href='/inspections/{pk}/']").first
    assert entry.is_visible(), "the submitted self-inspection is not in the county's inbox"
    with reviewer.expect_navigation():
        entry.click()
    assert _status(reviewer) == SUBMITTED
    reviewer.goto(f"{detail_url}?tab=report")
    assert reviewer.locator("[data-testid=signature-valid]").is_visible()
    reviewer.goto(detail_url)
    with reviewer.expect_navigation():
        reviewer.locator("[data-testid=action-accept]").click()
    reviewer.fill("#id_reason", "自查认真，问题已建立台账。")
    with reviewer.expect_navigation():
        reviewer.locator("[data-testid=confirm]").click()
    assert _status(reviewer) == ACCEPTED
    assert reviewer.locator("[data-testid=action-accept]").count() == 0
    screenshot(reviewer, "self-accepted-by-county")
    reviewer.goto(f"{base}/inspections/inbox/")
    assert reviewer.locator(f"table.ledger-table a[href='/inspections/{pk}/']").count() == 0

    # The principal sees it accepted.
    page.goto(detail_url)
    assert _status(page) == ACCEPTED


# --- 2. A key enforcement inspection and its report -------------------------------------------


def test_enforcement_inspection_and_its_report(open_page, kuangan_server, tmp_path):
    from docx import Document

    base = kuangan_server.url
    page = open_page()
    login(page, base, "baishan_inspector")

    # The plan of 白山: a mine given to a team and not yet inspected.
    page.goto(f"{base}/inspections/plan/")
    assert page.locator("[data-testid=coverage]").is_visible()
    planned = page.locator("table tbody tr:has(input[name=mines]) a[href^='/inspections/']")
    assert planned.count() >= 1, "the demo plan of 白山 has no planned inspection"
    screenshot(page, "enforcement-plan")
    with page.expect_navigation():
        planned.first.click()
    detail_url = page.url.split("?")[0]
    pk = re.search(r"/inspections/(\d+)/$", detail_url).group(1)
    mine_name = page.locator("h2.page-title").inner_text().split(" ")[0]

    _confirm(page, "start")
    assert _status(page) == IN_PROGRESS

    # A few problems found on site, recorded on the form.
    with page.expect_navigation():
        page.locator("[data-testid=answer]").click()
    problems = {}
    for card_id, code in _open_checklist_items(page)[:3]:
        card = page.locator(f"#{card_id}")
        _pick(page, card, "noncompliant")
        _commit_text(page, card, "note", f"检查发现问题{len(problems) + 1}")
        problems[code] = card_id
    assert len(problems) == 3
    answered, total = _answered(page)
    assert answered == 3 and total > 3

    # The rest from the offline checklist: download it, fill it in, upload it.
    with page.expect_download() as info:
        page.locator(f"a[href='/inspections/{pk}/checklist.xlsx']").first.click()
    blank = tmp_path / "blank.xlsx"
    info.value.save_as(blank)
    workbook = load_workbook(blank)
    sheet = workbook.active
    header = [c.value for c in sheet[3]]
    result_col = header.index("检查结果") + 1
    filled = 0
    for row in range(4, sheet.max_row + 1):
        if sheet.cell(row, 1).value and not sheet.cell(row, result_col).value:
            sheet.cell(row, result_col).value = "符合"
            filled += 1
    assert filled == total - 3
    upload = tmp_path / "filled.xlsx"
    workbook.save(upload)
    with page.expect_navigation():
        page.locator(f"a[href='/inspections/{pk}/import/']").first.click()
    page.set_input_files("#id_file", str(upload))
    with page.expect_navigation():
        page.locator("form.card button[type=submit]").click()
    assert page.url.split("?")[0] == detail_url, "the upload was refused"
    assert re.search(rf"{total}\s*/\s*{total}", page.locator(".page-body").inner_text())

    _confirm(page, "finish")
    assert _status(page) == FINISHED

    # The report: a disposal opinion for every problem, and recommendations.
    page.goto(f"{detail_url}?tab=report")
    with page.expect_navigation():
        page.locator(f"a[href='/inspections/{pk}/report/']").click()
    disposals = page.locator("select[name^=disposal_]")
    assert disposals.count() == 3
    for n in range(3):
        options = (
            disposals.nth(n)
            .locator("option")
            .evaluate_all("os => os.map(o => o.value).filter(Boolean)")
        )
        disposals.nth(n).select_option(options[n % len(options)])
    page.locator("input[name^=note_]").first.fill("限期十五日整改")
    page.fill("#id_conclusion", "该矿安全管理基本到位，存在三项问题。")
    page.fill("#id_recommendations", "建议企业完善隐患排查治理制度；属地政府加强督促。")
    screenshot(page, "enforcement-report-form")
    with page.expect_navigation():
        page.locator("form.card button[type=submit]").click()
    assert "建议企业完善隐患排查治理制度" in page.locator(".page-body").inner_text()
    page.goto(f"{detail_url}?tab=problems")
    assert "限期十五日整改" in page.locator(".page-body").inner_text()
    screenshot(page, "enforcement-problems")

    # Download the report as .docx and .pdf from the “More” menu.
    files = {}
    for fmt in ("docx", "pdf"):
        page.locator(".dropdown-toggle", has_text="更多").click()
        with page.expect_download() as info:
            page.locator(f"[data-testid=report-{fmt}]").click()
        download = info.value
        assert download.suggested_filename.endswith(f".{fmt}"), download.suggested_filename
        files[fmt] = tmp_path / f"report.{fmt}"
        download.save_as(files[fmt])

    document = Document(str(files["docx"]))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert mine_name in text, "the .docx does not name the mine"
    assert "建议企业完善隐患排查治理制度" in text
    assert "限期十五日整改" in text

    assert files["pdf"].read_bytes().startswith(b"%PDF")
    pdf = _pdf_text(files["pdf"])
    assert has_cjk(pdf), "the PDF has no Chinese text (boxes or no font embedded)"
    assert mine_name in pdf
    assert "建议企业完善隐患排查治理制度" in pdf
