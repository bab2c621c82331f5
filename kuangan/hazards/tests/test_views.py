"""The hazard pages over HTTP: ledger (filters, counts, export), the record form, the workflow
pages, a concurrent edit, scope, and constant query counts."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kuangan.core.tests.factories import png_bytes
from kuangan.hazards.choices import HazardStatus
from kuangan.hazards.models import Hazard

from .factories import FIVE, criterion_for, make_hazard

pytestmark = pytest.mark.django_db


def _conflict_messages():
    from django.utils import translation

    from kuangan.core.services import ConflictError

    out = set()
    for lang in ("en", "zh-hans"):
        with translation.override(lang):
            out.add(str(ConflictError()))
    return out


CONFLICT_MESSAGES = _conflict_messages()
TODAY = timezone.localdate()


def test_ledger_lists_filters_and_counts(people, client):
    make_hazard(people.mine, description="甲隐患", status=HazardStatus.RECTIFYING, five=True)
    make_hazard(
        people.mine,
        description="乙逾期",
        status=HazardStatus.RECTIFYING,
        five=True,
        deadline=TODAY - dt.timedelta(days=1),
    )
    make_hazard(people.mine, level="major", source="enforcement", description="丙重大")
    client.force_login(people.county)
    page = client.get(reverse("hazards:hazard_list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "甲隐患" in text and "乙逾期" in text and "丙重大" in text
    assert page.context["overdue_count"] == 1
    counts = {value: n for value, _l, n, _b in page.context["status_counts"]}
    assert counts["rectifying"] == 2 and counts["reported"] == 1
    overdue = client.get(reverse("hazards:hazard_list"), {"overdue": "true"}).content.decode()
    assert "乙逾期" in overdue and "甲隐患" not in overdue
    heavy = client.get(
        reverse("hazards:hazard_list"), {"penalty_guidance": "heavy"}
    ).content.decode()
    assert "丙重大" in heavy and "甲隐患" not in heavy
    search = client.get(reverse("hazards:hazard_list"), {"q": "甲隐"}).content.decode()
    assert "甲隐患" in search and "乙逾期" not in search


def test_ledger_out_of_scope(people, client):
    h = make_hazard(people.mine, description="江源区隐患")
    client.force_login(people.other_county)
    assert "江源区隐患" not in client.get(reverse("hazards:hazard_list")).content.decode()
    assert client.get(h.get_absolute_url()).status_code == 404
    assert client.get(reverse("hazards:hazard_edit", args=[h.pk])).status_code == 404


def test_export_filtered_rows(people, client):
    make_hazard(people.mine, description="导出甲", level="major", source="enforcement")
    make_hazard(people.mine, description="导出乙")
    client.force_login(people.county)
    response = client.get(reverse("hazards:hazard_list"), {"export": "xlsx", "level": "major"})
    assert response.status_code == 200
    assert response["X-Export-Rows"] == "1"
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [c for row in wb.active.iter_rows(values_only=True) for c in row]
    assert any("导出甲" in str(v) for v in values)
    assert not any("导出乙" in str(v) for v in values)


def test_record_and_close_a_general_hazard_over_http(people, client):
    client.force_login(people.officer)
    response = client.post(
        reverse("hazards:hazard_create"),
        {
            "mine": people.mine.pk,
            "description": "主斜井皮带防跑偏装置失效",
            "level": "general",
            "source": "self",
            "found_on": TODAY.isoformat(),
        },
    )
    h = Hazard.objects.get()
    assert response.status_code == 302 and response.url == h.get_absolute_url()
    page = client.get(h.get_absolute_url())
    assert "主斜井皮带" in page.content.decode()
    # the five: missing deadline → clear error, nothing changes
    bad = client.post(
        reverse("hazards:hazard_rectify", args=[h.pk]),
        {"responsible_person": "王", "measures": "更换", "version": h.version},
    )
    assert bad.status_code == 200 and bad.context["form"].errors["deadline"]
    assert Hazard.objects.get(pk=h.pk).status == HazardStatus.REPORTED
    h.refresh_from_db()
    ok = client.post(
        reverse("hazards:hazard_rectify", args=[h.pk]),
        {
            "responsible_person": "王",
            "measures": "更换",
            "deadline": (TODAY + dt.timedelta(days=5)).isoformat(),
            "version": h.version,
        },
    )
    assert ok.status_code == 302
    h.refresh_from_db()
    client.post(
        reverse("hazards:hazard_request_acceptance", args=[h.pk]),
        {"note": "已更换", "version": h.version},
    )
    h.refresh_from_db()
    assert h.status == HazardStatus.PENDING_ACCEPTANCE
    # the one who rectified does not see the accept button, and cannot accept
    assert "hazards:hazard_accept" not in [
        a[0] for a in client.get(h.get_absolute_url()).context["actions"]
    ]
    refused = client.post(reverse("hazards:hazard_accept", args=[h.pk]), {"version": h.version})
    assert refused.status_code == 200 and refused.context["form"].non_field_errors()
    client.force_login(people.principal)
    client.post(
        reverse("hazards:hazard_accept", args=[h.pk]), {"note": "合格", "version": h.version}
    )
    assert Hazard.objects.get(pk=h.pk).status == HazardStatus.CLOSED


def test_major_hazard_evidence_and_county_acceptance_over_http(people, client):
    client.force_login(people.officer)
    crit = criterion_for(people.mine)
    client.post(
        reverse("hazards:hazard_create"),
        {
            "mine": people.mine.pk,
            "description": "3号煤层掘进工作面瓦斯超限仍作业",
            "level": "major",
            "criterion": crit.pk,
            "source": "self",
            "found_on": TODAY.isoformat(),
        },
    )
    h = Hazard.objects.get()
    client.post(
        reverse("hazards:hazard_rectify", args=[h.pk]),
        {**FIVE, "deadline": (TODAY + dt.timedelta(days=5)).isoformat(), "version": h.version},
    )
    for stage in ("before", "after"):
        response = client.post(
            reverse("hazards:hazard_evidence", args=[h.pk]),
            {"stage": stage, "file": SimpleUploadedFile(f"{stage}.png", png_bytes())},
        )
        assert response.status_code == 302
    h.refresh_from_db()
    client.post(reverse("hazards:hazard_request_acceptance", args=[h.pk]), {"version": h.version})
    client.force_login(people.county)
    h.refresh_from_db()
    assert "hazards:hazard_accept" in [
        a[0] for a in client.get(h.get_absolute_url()).context["actions"]
    ]
    client.post(reverse("hazards:hazard_accept", args=[h.pk]), {"version": h.version})
    h.refresh_from_db()
    assert h.status == HazardStatus.CLOSED
    closed = client.get(reverse("hazards:hazard_list"), {"status": "closed"}).content.decode()
    assert h.code in closed


def test_two_users_edit_the_same_hazard(people, client):
    """The second save is refused with a clear message and nothing is lost."""
    from django.test import Client

    h = make_hazard(people.mine, location="原位置")
    first, second = Client(), Client()
    first.force_login(people.officer)
    second.force_login(people.principal)
    url = reverse("hazards:hazard_edit", args=[h.pk])
    form_a = first.get(url).context["form"].initial
    form_b = second.get(url).context["form"].initial
    version = h.version

    def post(c, initial, location):
        data = {k: v for k, v in initial.items() if v is not None and k != "criterion"}
        data.update(location=location, version=version, found_on=initial["found_on"].isoformat())
        data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
        return c.post(url, data)

    assert post(first, form_a, "一采区").status_code == 302
    response = post(second, form_b, "二采区")
    assert response.status_code == 200
    assert " ".join(response.context["form"].non_field_errors()) in CONFLICT_MESSAGES
    assert Hazard.objects.get(pk=h.pk).location == "一采区"


def test_criterion_suggestions_fragment(people, client):
    client.force_login(people.officer)
    response = client.get(
        reverse("hazards:criterion_suggest"),
        {
            "description": "工作面瓦斯超限后继续作业",
            "mine": people.mine.pk,
            "found_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200
    codes = [c.code for c in response.context["suggestions"]]
    assert len(codes) == 3 and "COAL2020-05-02" in codes


def test_listed_supervision_list(people, client):
    make_hazard(
        people.mine,
        level="major",
        description="挂牌隐患",
        listing_no="吉应急督1号",
        listing_body=people.province_org,
        listed_on=TODAY,
        listing_due=TODAY,
    )
    make_hazard(people.mine, level="major", description="未挂牌")
    client.force_login(people.province)
    text = client.get(reverse("hazards:listed_list")).content.decode()
    assert "吉应急督1号" in text and "未挂牌" not in text


def _count_queries(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_ledger_queries_constant_in_page_size(people, client):
    own = make_hazard(people.mine)
    for n in range(60):
        make_hazard(
            people.mine,
            level="major" if n % 2 else "general",
            source="enforcement" if n % 3 else "self",
            self_reported_hazard=own if n % 3 and n % 2 else None,
            listing_no="1" if n % 5 == 0 else "",
            listing_body=people.province_org if n % 5 == 0 else None,
        )
    client.force_login(people.county)
    url = reverse("hazards:hazard_list")
    cols = [
        "code",
        "mine",
        "county",
        "enterprise",
        "level",
        "criterion",
        "status",
        "overdue",
        "listed",
        "penalty_guidance",
    ]
    _count_queries(client, url, {"page_size": 25, "cols": cols})  # warm the session
    small = _count_queries(client, url, {"page_size": 25, "cols": cols})
    large = _count_queries(client, url, {"page_size": 50, "cols": cols})
    assert small == large


def test_a_3_mb_description_is_a_form_error(people, client):
    client.force_login(people.officer)
    response = client.post(
        reverse("hazards:hazard_create"),
        {
            "mine": people.mine.pk,
            "description": "隐" * 3_000_000,
            "level": "general",
            "source": "self",
            "found_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["description"]
    assert not Hazard.objects.exists()


def test_control_characters_are_removed_from_the_form(people, client):
    client.force_login(people.officer)
    client.post(
        reverse("hazards:hazard_create"),
        {
            "mine": people.mine.pk,
            "description": "主斜井\x07皮带\x0c跑偏\ufffe",
            "level": "general",
            "source": "self",
            "found_on": TODAY.isoformat(),
        },
    )
    assert Hazard.objects.get().description == "主斜井皮带跑偏"


def test_change_level_page_is_offered_to_the_finders_side(people, client):
    h = make_hazard(people.mine, source="enforcement")
    step = reverse("hazards:hazard_change_level", args=[h.pk])
    client.force_login(people.officer)
    page = client.get(reverse("hazards:hazard_detail", args=[h.pk])).content.decode()
    assert step not in page
    client.force_login(people.county)
    page = client.get(reverse("hazards:hazard_detail", args=[h.pk])).content.decode()
    assert step in page
    form = client.get(step)
    assert form.status_code == 200
    response = client.post(
        step,
        {
            "level": "major",
            "criterion": criterion_for(people.mine).pk,
            "reason": "对照标准属重大隐患",
            "version": h.version,
        },
    )
    assert response.status_code == 302
    assert Hazard.objects.get(pk=h.pk).level == "major"


def test_penalty_tab_shows_the_notices_words_the_facts_and_the_verdict(people, client):
    h = make_hazard(
        people.mine, level="major", source="enforcement", criterion=criterion_for(people.mine)
    )
    client.force_login(people.county)
    page = client.get(reverse("hazards:hazard_detail", args=[h.pk]), {"tab": "penalty"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "依法从重处罚" in html  # the notice's words, 七(四)
    assert "heavy" not in html  # labels, never codes
    assert reverse("hazards:hazard_penalty_recompute", args=[h.pk]) in html


# --- issue 12: the hazard page says the truth ------------------------------------------------


def _rows(page) -> dict:
    return {str(label): value for label, value in page.context["data_rows"]}


def test_hazard_page_shows_when_a_reported_hazard_was_reported(people, client):
    h = make_hazard(people.mine, status=HazardStatus.REPORTED)
    client.force_login(people.county)
    page = client.get(h.get_absolute_url())
    assert _rows(page)["上报时间"] == h.created_at
    assert timezone.localtime(h.created_at).strftime("%Y") in page.content.decode()


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_step_messages_name_the_step(people, client):
    h = make_hazard(people.mine, status=HazardStatus.PENDING_ACCEPTANCE, five=True)
    client.force_login(people.principal)
    done = client.post(
        reverse("hazards:hazard_accept", args=[h.pk]),
        {"note": "合格", "version": h.version},
        follow=True,
    )
    assert Hazard.objects.get(pk=h.pk).status == HazardStatus.CLOSED
    assert _messages(done) == ["验收通过，隐患已销号。"]
    major = make_hazard(people.mine, level="major", source="enforcement")
    client.force_login(people.province)
    listed = client.post(
        reverse("hazards:hazard_list_supervision", args=[major.pk]),
        {
            "listing_no": "吉应急督12号",
            "listed_on": TODAY.isoformat(),
            "listing_due": (TODAY + dt.timedelta(days=30)).isoformat(),
            "version": major.version,
        },
        follow=True,
    )
    assert Hazard.objects.get(pk=major.pk).is_listed
    assert _messages(listed) == ["已挂牌督办。"]


def test_no_extension_offered_while_pending_acceptance(people, client):
    client.force_login(people.officer)
    rectifying = make_hazard(people.mine, status=HazardStatus.RECTIFYING, five=True)
    pending = make_hazard(people.mine, status=HazardStatus.PENDING_ACCEPTANCE, five=True)
    names = [a[0] for a in client.get(rectifying.get_absolute_url()).context["actions"]]
    assert "hazards:hazard_extension" in names
    names = [a[0] for a in client.get(pending.get_absolute_url()).context["actions"]]
    assert "hazards:hazard_extension" not in names
    refused = client.post(
        reverse("hazards:hazard_extension", args=[pending.pk]),
        {"new_deadline": (pending.deadline + dt.timedelta(days=9)).isoformat(), "reason": "x"},
    )
    assert refused.status_code == 200
    assert "等待验收" in " ".join(refused.context["form"].non_field_errors())


def test_imminent_danger_offers_the_evacuation_and_stop_work_orders(people, client):
    danger = make_hazard(people.mine, level="major", source="enforcement", imminent_danger=True)
    quiet = make_hazard(people.mine, level="major", source="enforcement")
    client.force_login(people.county)
    offers = {
        a[3]: a[1]
        for a in client.get(danger.get_absolute_url()).context["actions"]
        if a[0] == "hazards:order_issue"
    }
    issue = reverse("hazards:order_issue", args=[people.mine.pk])
    assert offers == {
        f"{issue}?kind=evacuate": "下达撤人指令",
        f"{issue}?kind=suspend": "下达停产指令",
    }
    form = client.get(f"{issue}?kind=evacuate").context["form"]
    assert form.initial["kind"] == "evacuate"
    assert danger.pk in form.initial["hazards"]
    assert "hazards:order_issue" not in [
        a[0] for a in client.get(quiet.get_absolute_url()).context["actions"]
    ]
    client.force_login(people.officer)  # the enterprise issues no orders
    assert "hazards:order_issue" not in [
        a[0] for a in client.get(danger.get_absolute_url()).context["actions"]
    ]
