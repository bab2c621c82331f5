"""The major-hazard criteria catalogue: what the data migration loads (counts per standard and
part), the version in force on a date, and loading a later version from a file."""

import datetime as dt
import re
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from kuangan.checklists import catalogue, services
from kuangan.checklists.models import HazardStandard, MajorHazardCriterion
from kuangan.core.choices import Role
from kuangan.core.models import AuditEvent

pytestmark = pytest.mark.django_db

COAL_SITUATIONS_PER_ARTICLE = {
    4: 6, 5: 3, 6: 7, 7: 2, 8: 10, 9: 9, 10: 3, 11: 5, 12: 4, 13: 6, 14: 3, 15: 4, 16: 5, 17: 3,
    18: 10,
}  # fmt: skip


def test_coal_standard_2020_has_15_categories_art_4_to_18_and_80_situations():
    coal = HazardStandard.objects.get(code="COAL2020")
    assert (coal.doc_no, coal.effective_from) == ("应急管理部令第4号", dt.date(2021, 1, 1))
    criteria = coal.criteria.all()
    assert criteria.count() == 80
    assert Counter(c.article for c in criteria) == COAL_SITUATIONS_PER_ARTICLE
    categories = {(c.category_no, c.article) for c in criteria}
    assert categories == {(n, n + 3) for n in range(1, 16)}
    for c in criteria:
        assert re.fullmatch(r"COAL2020-(\d\d)-(\d\d)", c.code)
        assert c.code == f"COAL2020-{c.article:02d}-{c.item:02d}"


def test_metal_nonmetal_standard_2022_has_three_parts():
    nm = HazardStandard.objects.get(code="NM2022")
    assert (nm.doc_no, nm.effective_from) == ("矿安〔2022〕88号", dt.date(2022, 9, 1))
    parts = Counter(nm.criteria.values_list("part", flat=True))
    assert parts == {"UG": 32, "OP": 13, "TP": 19}
    for c in nm.criteria.all():
        assert c.code == f"NM2022-{c.part}-{c.item:02d}"


def test_each_criterion_names_the_mine_kinds_it_applies_to():
    kinds = Counter()
    for c in MajorHazardCriterion.objects.all():
        assert c.mine_kinds, c.code
        for k in c.mine_kinds:
            kinds[k] += 1
    assert kinds == {
        "coal_underground": 79,
        "coal_open_pit": 21,
        "metal_underground": 32,
        "metal_open_pit": 13,
        "tailings_pond": 19,
    }
    assert MajorHazardCriterion.objects.get(code="COAL2020-18-10").mine_kinds == ["coal_open_pit"]
    assert MajorHazardCriterion.objects.for_kind("tailings_pond").count() == 19


def test_standards_record_their_sources_and_confidence():
    for standard in HazardStandard.objects.all():
        assert standard.sources and standard.confidence
        assert "原文" in standard.confidence  # says the wording is not the official text


def test_clause_reads_like_the_standard():
    assert MajorHazardCriterion.objects.get(code="COAL2020-08-10").clause == "第八条第（十）项"
    assert MajorHazardCriterion.objects.get(code="NM2022-UG-32").clause == "地下矿山第（三十二）项"


def test_in_force_on_a_date():
    assert MajorHazardCriterion.objects.in_force(dt.date(2020, 12, 31)).count() == 0
    assert MajorHazardCriterion.objects.in_force(dt.date(2021, 1, 1)).count() == 80
    assert MajorHazardCriterion.objects.in_force(dt.date(2022, 8, 31)).count() == 80
    assert MajorHazardCriterion.objects.in_force(dt.date(2022, 9, 1)).count() == 144


REVISION = """
standard:
  code: COAL2026
  family: coal
  name: 煤矿重大事故隐患判定标准
  doc_no: 应急管理部令第21号
  version: "2026"
  effective_from: 2026-07-01
  sources: test fixture
  confidence: test only
groups:
  - category_no: 1
    article: 4
    category: 超能力、超强度或者超定员组织生产
    mine_kinds: [coal_underground, coal_open_pit]
    criteria:
      - {code: COAL2026-04-01, item: 1, wording: 测试情形一}
      - {code: COAL2026-04-02, item: 2, wording: 测试情形二, mine_kinds: [coal_underground]}
"""


def test_a_later_version_loads_from_a_file_and_ends_the_previous_one(tmp_path):
    path = tmp_path / "coal-2026.yaml"
    path.write_text(REVISION, encoding="utf-8")
    call_command("load_hazard_standards", str(path))
    coal2020 = HazardStandard.objects.get(code="COAL2020")
    coal2026 = HazardStandard.objects.get(code="COAL2026")
    assert coal2020.effective_until == dt.date(2026, 7, 1)
    assert coal2026.effective_until is None
    # A hazard found on a date keeps the criterion of the version then in force.
    before = MajorHazardCriterion.objects.in_force(dt.date(2026, 6, 30)).filter(
        code__startswith="COAL"
    )
    after = MajorHazardCriterion.objects.in_force(dt.date(2026, 7, 1)).filter(
        code__startswith="COAL"
    )
    assert before.count() == 80
    assert set(after.values_list("code", flat=True)) == {"COAL2026-04-01", "COAL2026-04-02"}
    assert (
        HazardStandard.objects.in_force(dt.date(2026, 7, 1)).filter(family="coal").get() == coal2026
    )
    # The metal/non-metal standard is untouched.
    assert HazardStandard.objects.get(code="NM2022").effective_until is None
    assert AuditEvent.objects.filter(action="data.imported", object_id=str(coal2026.pk)).exists()


def test_loading_the_same_code_twice_is_refused(tmp_path):
    path = tmp_path / "coal-2026.yaml"
    path.write_text(REVISION, encoding="utf-8")
    call_command("load_hazard_standards", str(path))
    with pytest.raises(CommandError):
        call_command("load_hazard_standards", str(path))
    assert HazardStandard.objects.filter(code="COAL2026").count() == 1


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (("COAL2026-04-02, item: 2", "COAL2026-04-01, item: 2"), "出现两次"),
        (("mine_kinds: [coal_underground]}", "mine_kinds: [coal_mine]}"), "coal_mine"),
        (("effective_from: 2026-07-01", "effective_from: 2026-13-01"), "YYYY-MM-DD"),
        (("item: 2,", "item: 1,"), "相同"),
        (("family: coal", "family: gold"), "family"),
    ],
)
def test_a_bad_standard_file_writes_nothing(change, fragment, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    before = (HazardStandard.objects.count(), MajorHazardCriterion.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.hazard_standard_load(by=None, source=REVISION.replace(*change).encode())
    assert fragment in " ".join(exc.value.messages)
    assert (HazardStandard.objects.count(), MajorHazardCriterion.objects.count()) == before
    assert HazardStandard.objects.get(code="COAL2020").effective_until is None


def test_only_the_province_admin_loads_a_standard(user_in):
    inspector = user_in("220600", role=Role.REGULATOR_INSPECTOR)
    with pytest.raises(PermissionDenied):
        services.hazard_standard_load(by=inspector, source=REVISION.encode())
    admin = user_in("220000", role=Role.PROVINCE_ADMIN)
    standard = services.hazard_standard_load(by=admin, source=REVISION.encode())
    assert standard.criteria.count() == 2


def test_shipped_files_parse_cleanly():
    for path in catalogue.shipped_files():
        fields, criteria = catalogue.parse(catalogue.read(path))
        assert fields["sources"] and fields["confidence"]
        text = path.read_text(encoding="utf-8")
        assert text.startswith("#") and "Sources" in text and "Confidence" in text
        assert all(c["wording"] for c in criteria)


# --- Issue 11: the coal criteria carry the official 2020 wording, with its source ------------

OFFICIAL_2020 = {
    # 4(三), 2020: not the 2015 令第85号 「剃头下山」 text.
    "COAL2020-04-03": "未主动采取限产或者停产措施，仍然组织生产的（衰老煤矿和地方人民政府"
    "计划停产关闭煤矿除外）",
    "COAL2020-08-05": "开采容易自燃煤层、低瓦斯矿井开采煤层群和分层开采采用联合布置的采（盘）区",
    "COAL2020-08-07": "或者采用倾斜长壁布置，大巷未超前至少2个区段构成通风系统即开掘其他巷道的",
    "COAL2020-12-01": "未编制防灭火专项设计或者未采取综合防灭火措施的",
    "COAL2020-16-05": "（井筒及井下新水平延深的井底车场、主运输、主通风、主排水、主要机电硐室"
    "开拓工程除外）作为独立工程发包给其他企业或者个人的，以及转包井下新水平延深开拓工程的",
    "COAL2020-18-04": "或者被鉴定、认定为突出煤层",
}


@pytest.mark.parametrize(("code", "words"), OFFICIAL_2020.items())
def test_coal_criteria_read_as_the_2020_official_text(code, words):
    """应急管理部令第4号 (2020), e.g. 第四条（三）「煤矿开拓、准备、回采煤量可采期小于国家规定的
    最短时间，未主动采取限产或者停产措施，仍然组织生产的（衰老煤矿和地方人民政府计划停产关闭
    煤矿除外）」."""
    criterion = MajorHazardCriterion.objects.get(code=code)
    assert words in criterion.wording
    assert "剃头下山" not in criterion.wording
    assert "劳务承包名义" not in criterion.wording


def test_coal_category_four_has_its_official_name():
    """第三条（四）「高瓦斯矿井未建立瓦斯抽采系统和监控系统，或者系统不能正常运行」."""
    names = set(
        MajorHazardCriterion.objects.filter(code__startswith="COAL2020-07-").values_list(
            "category", flat=True
        )
    )
    assert names == {"高瓦斯矿井未建立瓦斯抽采系统和监控系统，或者系统不能正常运行"}


def test_every_coal_criterion_records_the_source_of_its_wording():
    criteria = MajorHazardCriterion.objects.filter(standard__code="COAL2020")
    assert criteria.count() == 80
    for c in criteria:
        assert c.note.startswith("措辞来源：应急管理部令第4号第"), c.code
        assert c.clause.replace("Art. ", "") in c.note or "条第（" in c.note, c.code


def test_the_wording_migration_brings_an_existing_database_to_the_official_text():
    """A database loaded with the old summaries (0002) gets the 2020 wording from 0004."""
    import importlib

    from django.apps import apps as django_apps

    migration = importlib.import_module("kuangan.checklists.migrations.0004_criteria_wording")
    MajorHazardCriterion.objects.filter(code="COAL2020-04-03").update(
        wording="……或采用“剃头下山”开采。", category="旧名", note=""
    )
    migration.update_criteria(django_apps, None)
    c = MajorHazardCriterion.objects.get(code="COAL2020-04-03")
    assert "衰老煤矿和地方人民政府计划停产关闭煤矿除外" in c.wording
    assert c.category == "超能力、超强度或者超定员组织生产"
    assert c.note
