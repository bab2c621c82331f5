"""Browser tests: the real server (gunicorn, demo data, SQLite) driven by Debian's Chromium.

Log in as several demo users, see a Chinese home page, switch to English, log out; lock an
account out; filter and export the organisations ledger; a phone-sized screen. Every page may
load things from this server only (no CDN, no outside call). Screenshots go to
test-artifacts/browser/."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from .browser import DEMO_PASSWORD, has_cjk, login, screenshot

# The fixtures kuangan_server, browser and open_page.
pytestmark = pytest.mark.browser


def nav_texts(page) -> list[str]:
    return [
        t.strip()
        for t in page.locator(".navbar-vertical .nav-link-title").all_inner_texts()
        if t.strip()
    ]


def nav_hrefs(page) -> set[str]:
    return {
        page.evaluate("(a) => new URL(a.href).pathname", a)
        for a in page.locator(".navbar-vertical a.nav-link").element_handles()
    }


# Which core menu entries each role must and must not see.
USERS = {
    "baishan_inspector": ({"/", "/organizations/", "/users/"}, {"/audit/", "/roles/"}),
    "enterprise_principal": ({"/", "/organizations/"}, {"/audit/", "/roles/"}),
    "province_admin": ({"/", "/organizations/", "/users/"}, {"/audit/", "/roles/"}),
    "system_admin": ({"/", "/users/", "/organizations/"}, {"/audit/", "/roles/"}),
    "security_admin": ({"/", "/roles/"}, {"/audit/"}),
    "audit_admin": ({"/", "/audit/"}, {"/organizations/", "/users/", "/roles/"}),
}


# The security and audit administrators never see a business ledger (三员分立).
BUSINESS = ("/registry/", "/campaigns/", "/checklists/", "/inspections/", "/hazards/")
NO_BUSINESS = {"security_admin", "audit_admin"}


@pytest.mark.parametrize("username", list(USERS))
def test_login_home_language_switch_and_logout(open_page, kuangan_server, username):
    base = kuangan_server.url
    must_see, must_not_see = USERS[username]
    page = open_page()

    # The login page is Chinese by default.
    page.goto(f"{base}/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert has_cjk(page.locator("#login-button").inner_text())

    login(page, base, username)
    assert page.url == f"{base}/", f"{username} did not reach the home page: {page.url}"
    assert page.locator("[data-testid=home-title]").is_visible()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    labels = nav_texts(page)
    assert labels, "no navigation"
    untranslated = [label for label in labels if not has_cjk(label)]
    assert untranslated == [], f"menu entries not in Chinese: {untranslated}"
    assert has_cjk(page.title())
    panels = [t.strip() for t in page.locator(".page-body .card-title").all_inner_texts()]
    assert [t for t in panels if not has_cjk(t)] == [], f"home panels not in Chinese: {panels}"
    hrefs = nav_hrefs(page)
    assert must_see <= hrefs, f"{username} misses {must_see - hrefs}"
    assert not (must_not_see & hrefs), f"{username} sees {must_not_see & hrefs}"
    if username in NO_BUSINESS:
        business = sorted(h for h in hrefs if h.startswith(BUSINESS))
        assert business == [], f"{username} is offered business data: {business}"
    # The Tabler style sheet is applied (the page is not raw HTML).
    assert page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--tblr-primary').trim()"
    ), "Tabler's CSS is not applied"
    screenshot(page, f"home-{username}-zh")

    # Switch to English: the same page comes back in English.
    with page.expect_navigation():
        page.select_option("#language-form select[name=language]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    labels = nav_texts(page)
    still_chinese = [label for label in labels if has_cjk(label)]
    assert still_chinese == [], f"menu entries not in English: {still_chinese}"
    assert "Log out" in page.locator("#logout-button").inner_text()
    screenshot(page, f"home-{username}-en")

    # Log out through the user menu.
    page.click("#user-menu")
    with page.expect_navigation():
        page.click("#logout-button")
    assert page.url.startswith(f"{base}/login/")
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/login/"), "still logged in after logging out"


def test_lockout_after_five_failures_refuses_the_right_password(open_page, kuangan_server):
    base = kuangan_server.url
    page = open_page()
    username = "meihekou_inspector"  # no other browser test logs in as this user
    for attempt in range(5):
        login(page, base, username, password=f"wrong-password-{attempt}")
        assert page.url.startswith(f"{base}/login/")
    login(page, base, username, password=DEMO_PASSWORD)
    locked = page.locator("[data-testid=locked]")
    assert locked.is_visible(), "the right password was not refused after 5 failures"
    message = locked.inner_text()
    assert has_cjk(message), f"lockout message not in Chinese: {message!r}"
    assert "30" in message, f"lockout message does not give the 30 minutes: {message!r}"
    screenshot(page, "lockout-zh")
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/login/"), "a locked-out user got in"


def _count(page) -> int:
    match = re.search(r"\d+", page.locator("[data-testid=ledger-count]").inner_text())
    assert match, "the ledger shows no record count"
    return int(match.group())


def test_organisations_ledger_filter_and_export(open_page, kuangan_server, tmp_path):
    base = kuangan_server.url
    page = open_page()
    login(page, base, "baishan_inspector")
    page.click(".navbar-vertical a.nav-link[href='/organizations/']")
    page.wait_for_url(f"{base}/organizations/")
    assert page.locator("table.ledger-table").is_visible()
    everything = _count(page)
    assert everything > 0
    before = page.locator("[data-testid=ledger-count]").inner_text()

    # Filter on the kind: HTMX swaps the table in place and pushes the filter into the URL.
    page.select_option("#id_kind", "enterprise")
    page.wait_for_url(re.compile(r"kind=enterprise"))
    page.wait_for_function(
        "(before) => document.querySelector('[data-testid=ledger-count]').innerText !== before",
        arg=before,
    )
    enterprises = _count(page)
    assert 0 < enterprises < everything
    kinds = set(page.locator("table.ledger-table tbody tr td:nth-child(2)").all_inner_texts())
    assert len(kinds) == 1, f"the filter let other kinds through: {kinds}"
    names = page.locator("table.ledger-table tbody tr td:nth-child(1)").all_inner_texts()
    screenshot(page, "organisations-filtered")

    # Export downloads the filtered rows as an xlsx ledger sheet (title, header, rows).
    with page.expect_download() as info:
        page.click("[data-testid=export]")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / "export.xlsx"
    download.save_as(target)
    with target.open("rb") as f:
        assert f.read(2) == b"PK"
    sheet = load_workbook(target, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    data = [r for r in rows[2:] if any(v not in (None, "") for v in r)]
    assert len(data) == enterprises
    if enterprises <= len(names):
        assert sorted(str(r[0]) for r in data) == sorted(n.strip() for n in names)


def test_phone_viewport_home_page_has_menu_toggle(open_page, kuangan_server):
    base = kuangan_server.url
    page = open_page(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    login(page, base, "enterprise_principal")
    assert page.url == f"{base}/"
    toggle = page.locator(".navbar-vertical .navbar-toggler")
    menu = page.locator("#sidebar-menu")
    assert toggle.is_visible(), "no menu toggle on a phone"
    assert not menu.is_visible(), "the menu should be folded away on a phone"
    # Nothing is wider than the screen (no sideways scrolling of the page itself).
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    screenshot(page, "home-phone-closed")
    toggle.click()
    menu.locator("a.nav-link[href='/organizations/']").wait_for(state="visible")
    screenshot(page, "home-phone-menu-open")


def test_api_docs_render_from_this_server(open_page, kuangan_server):
    """Swagger UI and its assets come from this server (drf-spectacular-sidecar), not a CDN,
    and the content security policy lets it run."""
    base = kuangan_server.url
    page = open_page()
    login(page, base, "baishan_inspector")
    page.goto(f"{base}/api/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for(state="visible")
    assert page.locator(".swagger-ui .opblock").count() > 5
    screenshot(page, "api-docs", full_page=False)


def test_harness_opens_a_new_page_when_the_page_crashed(open_page, kuangan_server):
    """The harness survives a page that went away (TargetClosedError, as seen under load): the
    next ``goto`` opens a new page once, with the cookies the old one had, and says so."""
    base = kuangan_server.url
    page = open_page()
    login(page, base, "baishan_inspector")
    page.close()  # what a renderer crash under load looks like to Playwright: target closed
    page.goto(f"{base}/")
    assert "/login/" not in page.url
    assert page.locator("body").inner_text().strip()
