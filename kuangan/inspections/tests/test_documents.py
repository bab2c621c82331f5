"""The report documents (documents.py): the .docx opens in LibreOffice (``libreoffice --headless
--convert-to pdf``) and the PDF it makes shows Chinese text, not boxes; WeasyPrint's PDF embeds
Chinese fonts too. The text is read back with pdftotext and the fonts with pdffonts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from kuangan.core.tests.browser import has_cjk

from .. import documents, services
from ..choices import Disposal, InspectionKind, Outcome
from .factories import answer_all, make_setting, signed_self_inspection

pytestmark = pytest.mark.django_db

RECOMMENDATIONS = "建议加强通风管理，完善瓦斯抽采达标评判。"
DISPOSAL_NOTE = "局部停产，限期十五日整改"
# Font names that carry Chinese glyphs (Noto CJK, AR PL UKai, WenQuanYi, Song/Hei families).
CJK_FONT = re.compile(r"CJK|UKai|UMing|WenQuanYi|Song|Hei|Sim|Fang|Kai|Ming", re.IGNORECASE)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} not found: install libreoffice-writer-nogui and poppler-utils "
            "(Debian) to check the generated reports."
        )
    return path


def _office() -> str:
    for name in ("libreoffice", "soffice"):
        if shutil.which(name):
            return shutil.which(name)
    return _tool("libreoffice")


def _convert(sources, workdir) -> None:
    """Convert with LibreOffice in a profile and HOME of its own, so that parallel runs (and a
    desktop LibreOffice of the same user) do not clash."""
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home)}
    completed = subprocess.run(
        [
            _office(),
            f"-env:UserInstallation={(workdir / 'lo-profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(workdir),
            *map(str, sources),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr or completed.stdout


def _pdf_text(path) -> str:
    """The PDF's text without any white space: table cells wrap lines, and pdftotext puts a
    space between Chinese and Latin characters."""
    text = subprocess.run(
        [_tool("pdftotext"), "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    return _flat(text)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdf_fonts(path) -> list[tuple[str, bool]]:
    """(name, embedded) of every font of the PDF."""
    out = subprocess.run(
        [_tool("pdffonts"), str(path)], capture_output=True, check=True, text=True
    ).stdout
    fonts = []
    for line in out.splitlines()[2:]:
        cells = line.split()
        if len(cells) >= 6:
            # name type [encoding …] emb sub uni object ID: emb is the 5th cell from the end.
            fonts.append((cells[0], cells[-5] == "yes"))
    return fonts


def _assert_chinese_fonts_embedded(path) -> None:
    fonts = _pdf_fonts(path)
    assert fonts, f"{path.name} has no font at all"
    assert all(embedded for _name, embedded in fonts), f"fonts not embedded: {fonts}"
    assert any(CJK_FONT.search(name) for name, _e in fonts), f"no Chinese font: {fonts}"


def _enforcement_reported(s):
    inspection = services.inspection_create(
        by=s.county, mine=s.mine, kind=InspectionKind.ENFORCEMENT
    )
    services.inspection_start(by=s.county, inspection=inspection)
    answer_all(inspection, s.county, noncompliant=2)
    services.inspection_finish(by=s.county, inspection=inspection)
    first, second = inspection.results.filter(outcome=Outcome.NONCOMPLIANT).order_by("order")
    services.inspection_report_update(
        by=s.county,
        inspection=inspection,
        conclusion="该矿存在两项问题。",
        recommendations=RECOMMENDATIONS,
        disposals={
            first.pk: (Disposal.SUSPEND, DISPOSAL_NOTE),
            second.pk: (Disposal.RECTIFY, ""),
        },
    )
    return inspection


def test_docx_reports_open_in_libreoffice_and_show_chinese(tmp_path):
    s = make_setting()
    enforcement = _enforcement_reported(s)
    self_inspection = signed_self_inspection(s)
    with translation.override("zh-hans"):
        title = _("Inspection report")
        self_title = _("Self-inspection and self-correction report")
        suspend = str(Disposal.SUSPEND.label)
        (tmp_path / "enforcement.docx").write_bytes(documents.report_docx(enforcement))
        (tmp_path / "self.docx").write_bytes(documents.report_docx(self_inspection))
    assert has_cjk(title) and has_cjk(self_title) and has_cjk(suspend)

    _convert([tmp_path / "enforcement.docx", tmp_path / "self.docx"], tmp_path)

    text = _pdf_text(tmp_path / "enforcement.pdf")
    assert title in text
    assert _flat(f"{s.mine.name}（{s.mine.code}）") in text
    assert _flat(s.enterprise.name) in text
    assert RECOMMENDATIONS in text
    assert _flat(f"{suspend}：{DISPOSAL_NOTE}") in text
    _assert_chinese_fonts_embedded(tmp_path / "enforcement.pdf")

    text = _pdf_text(tmp_path / "self.pdf")
    assert _flat(self_title) in text
    assert "承诺书" in text, "the commitment letter is missing from the self-inspection report"
    report = self_inspection.self_report
    report.refresh_from_db()
    assert report.content_hash and report.content_hash in text
    _assert_chinese_fonts_embedded(tmp_path / "self.pdf")


def test_pdf_report_embeds_chinese_fonts(tmp_path):
    s = make_setting()
    inspection = _enforcement_reported(s)
    with translation.override("zh-hans"):
        content = documents.report_pdf(inspection)
    assert content.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    text = _pdf_text(path)
    assert _flat(s.mine.name) in text and RECOMMENDATIONS in text and DISPOSAL_NOTE in text
    _assert_chinese_fonts_embedded(path)
