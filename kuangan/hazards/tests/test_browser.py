"""Browser test of the hazard ledger: the real server (``kuangan demo --no-serve`` +
``kuangan serve`` on a temporary data folder) driven by Debian's Chromium.

The enterprise principal records a major hazard with its five 落实 fields, starts the
rectification, uploads photos before and after, and asks for acceptance; the county inspector
of 江源区 accepts it (销号); the hazard is then closed in the ledger and in the mine's two
lists (两个清单) downloaded from the hazard's page. Screenshots go to test-artifacts/browser/.

The server and the browser are the shared fixtures of ``kuangan.core.tests.browser``."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from kuangan.core.tests.browser import (
    login,
    screenshot,
)

pytestmark = pytest.mark.browser

MINE_CODE = "KA2206050009"  # a producing coal mine of the demo principal's enterprise, 江源区


def jpeg(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def submit(page) -> None:
    with page.expect_navigation():
        page.click("form.card .card-footer button[type=submit]")


def status_badge(page) -> str:
    return page.locator(".page-header .badge").nth(1).inner_text().strip()


def action(page, url_part: str) -> None:
    with page.expect_navigation():
        page.click(f".page-header a[href*='/{url_part}/']")


def test_major_hazard_recorded_rectified_and_closed_by_the_county(
    open_page, kuangan_server, tmp_path
):
    base = kuangan_server.url
    today = dt.date.today()

    # --- the enterprise principal records a major hazard with its 五落实 ----------------------
    page = open_page()
    login(page, base, "enterprise_principal")
    page.goto(f"{base}/hazards/new/")
    mine_value = page.evaluate(
        "(code) => [...document.querySelectorAll('#id_mine option')]"
        ".find(o => o.textContent.includes(code)).value",
        MINE_CODE,
    )
    page.select_option("#id_mine", mine_value)
    description = (
        "中央水泵房排水能力不足，工作水泵和备用水泵的总能力不能在20小时内排出矿井24小时的最大涌水量"
    )
    page.fill("#id_description", description)
    page.locator("#id_description").press("End")  # a keyup: the suggestions are asked for
    first = page.locator("#criterion-suggestions ol li strong").first
    first.wait_for(state="visible")
    code = first.inner_text().strip()
    criterion = page.evaluate(
        "(code) => [...document.querySelectorAll('#id_criterion option')]"
        ".find(o => o.textContent.trim().startsWith(code + ' ')).value",
        code,
    )
    page.select_option("#id_level", "major")
    page.select_option("#id_criterion", criterion)
    page.fill("#id_location", "中央水泵房")
    page.fill("#id_responsible_person", "邓秀")
    page.fill("#id_measures", "增设一台备用水泵，清挖水仓，完善排水管路")
    page.fill("#id_funds", "120000")
    page.fill("#id_deadline", (today + dt.timedelta(days=20)).isoformat())
    page.fill("#id_contingency_plan", "《水害事故专项应急预案》")
    screenshot(page, "hazard-record-major")
    submit(page)
    assert re.search(r"/hazards/\d+/$", page.url), f"not on the hazard page: {page.url}"
    hazard_url = page.url
    title = page.locator("h2.page-title").inner_text()
    hazard_code = title.split()[0]
    assert hazard_code.startswith(f"{MINE_CODE}-")
    assert status_badge(page) == "已上报"

    # start the rectification (the five fields are already filled in)
    action(page, "rectify")
    assert page.input_value("#id_funds") in ("120000", "120000.00")
    # 七(三): a major hazard's root cause and the lasting measure against it.
    page.fill("#id_root_cause", "排水系统未按涌水量变化及时扩容，水仓清挖无计划")
    page.fill("#id_lasting_measure", "按最大涌水量核定排水能力，建立水仓定期清挖制度")
    submit(page)
    assert status_badge(page) == "整改中"

    # evidence before and after rectification: photos
    for stage, colour in (("before", (150, 40, 40)), ("after", (40, 150, 40))):
        action(page, "evidence")
        page.select_option("#id_stage", stage)
        page.set_input_files(
            "#id_file",
            {"name": f"{stage}.jpg", "mimeType": "image/jpeg", "buffer": jpeg(colour)},
        )
        submit(page)
        assert page.url == hazard_url, page.locator(".invalid-feedback").all_inner_texts()
    page.goto(f"{hazard_url}?tab=evidence")
    assert page.locator("a:has-text('before.jpg')").count() == 1
    assert page.locator("a:has-text('after.jpg')").count() == 1
    screenshot(page, "hazard-evidence")

    # ask for acceptance (a confirmation is asked and accepted)
    action(page, "request-acceptance")
    page.fill("#id_note", "已增设备用水泵并试运转合格")
    submit(page)
    assert status_badge(page) == "待验收"

    # --- the county inspector of 江源区 accepts it: 销号 --------------------------------------
    inspector = open_page()
    login(inspector, base, "jiangyuan_inspector")
    inspector.goto(hazard_url)
    action(inspector, "accept")
    inspector.fill("#id_note", "现场核查，整改到位，同意销号")
    submit(inspector)
    assert inspector.url == hazard_url
    assert status_badge(inspector) == "已销号"
    screenshot(inspector, "hazard-closed")

    # closed in the ledger
    inspector.goto(f"{base}/hazards/?q={hazard_code}")
    row = inspector.locator("table.ledger-table tbody tr", has_text=hazard_code)
    assert row.count() == 1
    assert "已销号" in row.inner_text()
    assert "重大事故隐患" in row.inner_text()
    screenshot(inspector, "hazard-ledger-closed")

    # closed in the mine's two lists, downloaded from the hazard's page
    inspector.goto(hazard_url)
    with inspector.expect_download() as info:
        inspector.click("[data-testid=two-lists]")
    target = tmp_path / "two-lists.xlsx"
    info.value.save_as(target)
    book = load_workbook(target)
    assert book.sheetnames == ["问题隐患清单", "风险管控清单"]
    hazards = book["问题隐患清单"]
    assert MINE_CODE in hazards["A2"].value
    rows = {
        r[1]: r for r in hazards.iter_rows(min_row=5, values_only=True) if isinstance(r[0], int)
    }
    assert hazard_code in rows, f"the hazard is missing from the hazard list: {list(rows)}"
    shown = rows[hazard_code]
    assert shown[4] == "重大事故隐患"
    assert shown[8] == "邓秀" and shown[10] == 120000
    assert shown[13] == "已销号"
    assert shown[15] is not None  # the day it was closed
    risks = book["风险管控清单"]
    assert any(r[5] == "重大风险" for r in risks.iter_rows(min_row=5, values_only=True) if r[0]), (
        "the demo risk list of the mine is in the second sheet"
    )


def test_history_tab_reads_in_words_after_transitions(open_page, kuangan_server):
    """After a couple of steps, the hazard's history tab names fields, statuses, the mine and
    people in words: no raw field name (``mine_id:``) and no raw status code."""
    base = kuangan_server.url
    page = open_page()
    login(page, base, "enterprise_principal")
    page.goto(f"{base}/hazards/new/")
    mine_value = page.evaluate(
        "(code) => [...document.querySelectorAll('#id_mine option')]"
        ".find(o => o.textContent.includes(code)).value",
        MINE_CODE,
    )
    page.select_option("#id_mine", mine_value)
    page.fill("#id_description", "运输巷局部积水，水沟堵塞")
    page.select_option("#id_level", "general")
    page.fill("#id_location", "二采区运输巷")
    submit(page)
    assert re.search(r"/hazards/\d+/$", page.url), f"not on the hazard page: {page.url}"
    hazard_url = page.url
    action(page, "rectify")
    page.fill("#id_responsible_person", "邓秀")
    page.fill("#id_measures", "清挖水沟，增设排水泵")
    page.fill("#id_funds", "8000")
    page.fill("#id_deadline", (dt.date.today() + dt.timedelta(days=10)).isoformat())
    page.fill("#id_contingency_plan", "《水害事故专项应急预案》")
    submit(page)
    assert status_badge(page) == "整改中"
    action(page, "request-acceptance")
    page.fill("#id_note", "水沟已清挖")
    submit(page)
    assert status_badge(page) == "待验收"

    page.goto(f"{hazard_url}?tab=history")
    table = page.locator("[data-testid=history]")
    table.wait_for(state="visible")
    text = table.inner_text()
    screenshot(page, "hazard-history")
    assert "已上报 → 整改中" in text and "整改中 → 待验收" in text
    assert "整改资金" in text and "8,000" in text
    assert "二采区运输巷" in text and MINE_CODE in text  # the mine by its name and code
    for raw in ("_id", "mine:", "status:", "reported", "rectifying", "pending_acceptance"):
        assert raw not in text, f"raw {raw!r} on the history tab:\n{text}"
