"""Pages: library, template page (search, filters), versions and diff, confirm-then-act,
import (upload → preview → confirm), criteria catalogue, a mine's checklist and its printouts."""

import io
import shutil
import subprocess

import pytest
from django.urls import reverse

from kuangan.checklists import exports, services
from kuangan.checklists.choices import TemplateStatus
from kuangan.checklists.models import ChecklistItem, ChecklistTemplate
from kuangan.core.choices import Role

from .factories import example, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(user_in):
    return user_in("220000", role=Role.PROVINCE_ADMIN)


@pytest.fixture
def inspector(user_in):
    return user_in("220605", role=Role.REGULATOR_INSPECTOR)


def test_library_lists_published_versions_for_everyone(client, inspector):
    make_template(code="hidden-draft", name="看不见的草稿")
    client.force_login(inspector)
    response = client.get(reverse("checklists:template_list"), {"page_size": 200})
    assert response.status_code == 200
    body = response.content.decode()
    assert "井工煤矿安全生产综合整治检查表（示例）" in body
    assert "看不见的草稿" not in body
    assert 'data-testid="import"' not in body
    export = client.get(reverse("checklists:template_list"), {"export": "xlsx"})
    assert export.status_code == 200 and export["X-Export-Rows"] == "3"


def test_template_page_search_and_filters(client, inspector):
    t = example("example-coal-underground")
    client.force_login(inspector)
    url = t.get_absolute_url()
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="publish"' not in page.content.decode()
    aspects = client.get(url, {"tab": "aspects"}).content.decode()
    assert "防治煤与瓦斯突出" in aspects
    items = client.get(url, {"tab": "items", "q": "反风"})
    rows = list(items.context["tabs"][2].extra["rows"])
    assert [i.code for i in rows] == ["3.3"]
    linked = list(client.get(url, {"tab": "items", "linked": "1"}).context["tabs"][2].extra["rows"])
    assert linked and all(i.criteria.exists() for i in linked)
    unlinked = list(
        client.get(url, {"tab": "items", "linked": "0"}).context["tabs"][2].extra["rows"]
    )
    assert len(linked) + len(unlinked) == t.items.count()
    by_criterion = client.get(url, {"tab": "items", "criterion": "COAL2020-18-09"}).context["tabs"][
        2
    ]
    assert [i.code for i in by_criterion.extra["rows"]] == ["8.3"]
    empty = client.get(url, {"tab": "items", "q": "没有这样的内容"})
    assert 'data-testid="items-empty"' in empty.content.decode()


def test_new_draft_edit_publish_through_the_pages(client, admin):
    v1 = make_template(publish=True)
    client.force_login(admin)
    confirm = client.get(reverse("checklists:template_action", args=[v1.pk, "new_draft"]))
    assert confirm.status_code == 200 and 'data-testid="confirm"' in confirm.content.decode()
    response = client.post(reverse("checklists:template_action", args=[v1.pk, "new_draft"]))
    v2 = ChecklistTemplate.objects.get(code=v1.code, version=2)
    assert response.status_code == 302 and response["Location"] == v2.get_absolute_url()
    item = v2.items.get(code="1.1")
    response = client.post(
        reverse("checklists:item_edit", args=[item.pk]),
        {
            "aspect": item.aspect_id,
            "code": "1.1",
            "content": "修改后的检查内容",
            "method": "查阅记录",
            "basis": "《煤矿安全规程》第一百五十八条",
            "criteria": "COAL2020-08-02",
            "condition": '{"field": "gas_class", "in": ["high"]}',
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.content == "修改后的检查内容" and item.condition == {
        "field": "gas_class",
        "in": ["high"],
    }
    bad = client.post(
        reverse("checklists:item_edit", args=[item.pk]),
        {"aspect": item.aspect_id, "code": "1.1", "content": "x", "condition": '{"field": "gas"}'},
    )
    assert bad.status_code == 200 and "未知字段“gas”" in bad.content.decode()
    client.post(reverse("checklists:template_action", args=[v2.pk, "publish"]))
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (TemplateStatus.RETIRED, TemplateStatus.PUBLISHED)
    diff = client.get(reverse("checklists:template_diff", args=[v2.pk]))
    assert diff.status_code == 200
    assert [c.code for c in diff.context["diff"].changed] == ["1.1"]
    assert 'data-testid="diff-changed"' in diff.content.decode()


def test_editing_a_published_version_redirects_with_the_reason(client, admin):
    published = make_template(publish=True)
    client.force_login(admin)
    item = published.items.first()
    response = client.post(
        reverse("checklists:item_edit", args=[item.pk]),
        {"aspect": item.aspect_id, "code": item.code, "content": "改"},
        follow=True,
    )
    assert "不可修改" in response.content.decode()
    item.refresh_from_db()
    assert item.content != "改"


@pytest.mark.parametrize(
    "role", [Role.REGULATOR_LEADER, Role.REGULATOR_INSPECTOR, Role.ENTERPRISE_PRINCIPAL]
)
def test_others_cannot_publish_or_draft(client, user_in, role):
    user = user_in("220605" if role != Role.REGULATOR_LEADER else "220600", role=role)
    draft = make_template()  # invisible to them
    published = make_template(publish=True)
    client.force_login(user)
    assert (
        client.post(reverse("checklists:template_action", args=[draft.pk, "publish"])).status_code
        == 404
    )
    for action in ("retire", "new_draft"):
        url = reverse("checklists:template_action", args=[published.pk, action])
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    assert client.get(reverse("checklists:import")).status_code == 403
    published.refresh_from_db()
    assert published.status == TemplateStatus.PUBLISHED


def _yaml_with_code(code):
    import yaml

    data = yaml.safe_load(exports.export_yaml([example("example-coal-open-pit")]).decode())
    data["templates"][0]["code"] = code
    return yaml.safe_dump(data, allow_unicode=True).encode()


def test_import_upload_preview_confirm(client, admin, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client.force_login(admin)
    upload = io.BytesIO(_yaml_with_code("op-official"))
    upload.name = "official.yaml"
    preview = client.post(reverse("checklists:import"), {"file": upload})
    assert preview.status_code == 200 and 'data-testid="import-ok"' in preview.content.decode()
    assert not ChecklistTemplate.objects.filter(code="op-official").exists()
    done = client.post(reverse("checklists:import_confirm"))
    t = ChecklistTemplate.objects.get(code="op-official")
    assert done["Location"] == t.get_absolute_url()
    assert (t.status, t.aspects.count(), t.items.count()) == (TemplateStatus.DRAFT, 16, 125)
    assert not list(tmp_path.glob("checklist-imports/*"))
    # Confirming twice imports nothing more.
    again = client.post(reverse("checklists:import_confirm"))
    assert (
        again.status_code == 302
        and ChecklistTemplate.objects.filter(code="op-official").count() == 1
    )


def test_import_errors_are_listed_and_nothing_saved(client, admin, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client.force_login(admin)
    content = _yaml_with_code("op-bad").replace(b"COAL2020-18-10", b"COAL2020-18-99")
    upload = io.BytesIO(content)
    upload.name = "bad.yaml"
    before = ChecklistItem.objects.count()
    response = client.post(reverse("checklists:import"), {"file": upload})
    assert response.status_code == 422
    body = response.content.decode()
    assert (
        'data-testid="import-errors"' in body
        and "COAL2020-18-99" in body
        and "未保存任何数据" in body
    )
    assert ChecklistItem.objects.count() == before
    assert "checklist_import" not in client.session


def test_criteria_catalogue_and_criterion_page(client, inspector):
    client.force_login(inspector)
    ledger = client.get(reverse("checklists:criterion_list"), {"page_size": 200})
    assert ledger.context["paginator"].count == 144
    assert "应急管理部令第4号" in ledger.content.decode()
    searched = client.get(reverse("checklists:criterion_list"), {"q": "头顶库"})
    assert [c.code for c in searched.context["paginator"].object_list] == ["NM2022-TP-16"]
    by_part = client.get(reverse("checklists:criterion_list"), {"part": "OP", "page_size": 50})
    assert by_part.context["paginator"].count == 13
    in_force = client.get(
        reverse("checklists:criterion_list"), {"in_force_on": "2022-01-01", "page_size": 200}
    )
    assert in_force.context["paginator"].count == 80
    page = client.get(reverse("checklists:criterion_detail", args=["COAL2020-08-09"]))
    assert page.status_code == 200
    assert "双风机" in page.content.decode() and "第八条第（九）项" in page.content.decode()
    items = client.get(
        reverse("checklists:criterion_detail", args=["COAL2020-08-09"]), {"tab": "items"}
    )
    assert "3.10" in items.content.decode()
    assert client.get(reverse("checklists:criterion_detail", args=["NOPE"])).status_code == 404
    assert client.get(reverse("checklists:standard_list")).status_code == 200


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_administrators_see_no_checklists(client, user_in, role):
    client.force_login(user_in("220000", role=role))
    assert client.get(reverse("checklists:template_list")).status_code == 403
    assert client.get(reverse("checklists:criterion_list")).status_code == 403
    t = example("example-non-coal")
    assert client.get(t.get_absolute_url()).status_code == 403


# --- A mine's checklist ---------------------------------------------------------------------


@pytest.fixture
def mines():
    from kuangan.registry.tests.factories import make_mine

    inside = make_mine(
        "220605", kind="coal_underground", gas_class="outburst", hydro_class="complex"
    )
    outside = make_mine("220102", kind="coal_underground", gas_class="low", hydro_class="simple")
    return inside, outside


def test_mine_preview_shows_the_items_the_mine_gets(client, inspector, mines):
    inside, outside = mines
    client.force_login(inspector)
    response = client.get(reverse("checklists:mine_items", args=[inside.code]))
    assert response.status_code == 200
    result = response.context["result"]
    got = {e.item.code for e in result.items}
    assert {"5.1", "7.2"} <= got and "5.8" not in got
    assert 'data-testid="applicable-summary"' in response.content.decode()
    assert client.get(reverse("checklists:mine_items", args=[outside.code])).status_code == 404
    assert client.get(reverse("checklists:mine_items", args=["KA000000MISSING"])).status_code == 404
    chooser = client.get(reverse("checklists:mine_choose"), {"mine": outside.code})
    assert chooser.status_code == 200 and "辖区内没有" in chooser.content.decode()
    assert client.get(reverse("checklists:mine_choose"), {"mine": inside.code}).status_code == 302


@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is missing"
)
def test_blank_checklist_pdf_holds_the_chinese_text(client, inspector, mines, tmp_path):
    inside, outside = mines
    client.force_login(inspector)
    response = client.get(reverse("checklists:mine_print_pdf", args=[inside.code]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "checklist.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    compact = "".join(text.split())
    for expected in (
        "井工煤矿安全生产综合整治检查表（示例）",
        inside.name,
        "检查内容",
        "是否重大隐患条款",
        "防治煤与瓦斯突出",
        "COAL2020-06-01",
        "检查人员（签字）",
    ):
        assert expected in compact, expected
    assert client.get(reverse("checklists:mine_print_pdf", args=[outside.code])).status_code == 404


def test_blank_checklist_xlsx_is_a_formal_ledger(client, inspector, mines):
    from openpyxl import load_workbook

    inside, _outside = mines
    client.force_login(inspector)
    response = client.get(reverse("checklists:mine_print_xlsx", args=[inside.code]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "井工煤矿安全生产综合整治检查表（示例）"
    header = [sheet.cell(row=4, column=c).value for c in range(1, 8)]
    assert header == [
        "序号", "检查内容", "检查方法", "检查依据", "是否重大隐患条款",
        "检查结果（符合/不符合/不适用）", "问题描述",
    ]  # fmt: skip
    assert sheet.freeze_panes == "A5"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows == "$4:$4"
    assert sheet.cell(row=5, column=1).value.startswith("一、")
    assert sheet.cell(row=6, column=2).border.left.style == "thin"
    validations = sheet.data_validations.dataValidation
    assert validations and '"符合,不符合,不适用"' in validations[0].formula1
    codes = [sheet.cell(row=r, column=1).value for r in range(5, sheet.max_row + 1)]
    assert "5.1" in codes and "5.8" not in codes


def test_a_draft_can_be_previewed_by_its_author_only(client, admin, inspector, mines):
    inside, _ = mines
    draft = make_template(code="preview-draft")
    client.force_login(admin)
    ok = client.get(reverse("checklists:mine_items", args=[inside.code]), {"template": draft.pk})
    assert ok.status_code == 200 and ok.context["template"] == draft
    client.force_login(inspector)
    denied = client.get(
        reverse("checklists:mine_items", args=[inside.code]), {"template": draft.pk}
    )
    assert denied.status_code == 404
    services.checklist_publish(by=None, template=draft)
    shown = client.get(reverse("checklists:mine_items", args=[inside.code]))
    assert shown.context["template"].pk == draft.pk
