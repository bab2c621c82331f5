"""Chinese first, English complete: every zh_Hans catalogue under kuangan/ is fully translated
(no empty msgstr, nothing fuzzy, placeholders kept), pages are Chinese by default and English
after switching."""

import ast
import re
from pathlib import Path

import pytest

from .factories import make_user

KUANGAN = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(KUANGAN.glob("**/locale/zh_Hans/LC_MESSAGES/django*.po"))
PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[-#0 +]?\d*(?:\.\d+)?[sdfr%]")


def entries(path: Path):
    """(msgid, msgid_plural, [msgstr...], flags) of each entry of a .po file."""
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, list[str]] = {}
        flags = ""
        key = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                flags = line
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and key:
                fields[key][-1] += ast.literal_eval(line)
            else:
                key, _, value = line.partition(" ")
                key = re.sub(r"\[\d+\]$", "[]", key)
                fields.setdefault(key, []).append(ast.literal_eval(value))
        if "msgid" in fields and fields["msgid"][0]:
            strs = fields.get("msgstr", []) + fields.get("msgstr[]", [])
            yield fields["msgid"][0], (fields.get("msgid_plural") or [None])[0], strs, flags


def test_there_are_catalogues():
    names = {p.relative_to(KUANGAN).parts[0] for p in CATALOGUES}
    assert {"core", "locale"} <= names


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(KUANGAN)))
def test_every_message_is_translated(path):
    problems = []
    for msgid, plural, strs, flags in entries(path):
        if not strs or any(not s.strip() for s in strs):
            problems.append(f"empty: {msgid!r}")
        if "fuzzy" in flags:
            problems.append(f"fuzzy: {msgid!r}")
        wanted = sorted(set(PLACEHOLDER.findall(plural or msgid)) | set(PLACEHOLDER.findall(msgid)))
        for s in strs:
            if sorted(set(PLACEHOLDER.findall(s))) != wanted:
                problems.append(f"placeholders differ: {msgid!r} → {s!r}")
    assert problems == [], f"{path}:\n" + "\n".join(problems)


def test_the_login_page_is_chinese_by_default_and_english_after_switching(client, db):
    page = client.get("/login/")
    body = page.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "登录" in body and "用户名" in body and "密码" in body
    assert "Log in" not in body
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert switched.status_code == 302 and switched["Location"] == "/login/"
    body = client.get("/login/").content.decode()
    assert '<html lang="en">' in body and "Log in to your account" in body
    assert "登录" not in body
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    assert "登录您的账号" in client.get("/login/").content.decode()


def test_the_signed_in_pages_are_chinese(client, db):
    client.force_login(make_user("220605"))
    body = client.get("/organizations/").content.decode()
    for chinese in ("首页", "单位", "导出 Excel", "筛选", "退出登录", "我的账号"):
        assert chinese in body, chinese
    assert "Organisations" not in body and "Export to Excel" not in body
