"""The API of orders and monthly checks: list with filters, retrieve, create through the
services, the order steps as POSTs (with optimistic locking), the documents, the proposals,
the duty calendar, scope, and query counts constant in the page size."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from kuangan.hazards.models import MonthlyMajorHazardCheck, Order
from kuangan.hazards.services import orders
from kuangan.registry.tests.factories import make_mine

from .factories import make_hazard

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
ORDERS = "/api/v1/orders/"
CHECKS = "/api/v1/monthly-checks/"


def api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def _issue(people, kind="rectify_by", **extra):
    fields = {
        "facts": "巷道支护不符合作业规程",
        "legal_basis": "《安全生产法》第六十五条",
        "requirements": "限期整改",
        "deadline": TODAY + dt.timedelta(days=10),
    }
    fields.update(extra)
    return orders.order_issue(by=people.county, mine=people.mine, kind=kind, **fields)


# --- orders ---------------------------------------------------------------------------------


def test_issue_through_the_api(people):
    h = make_hazard(people.mine, level="major", source="enforcement")
    body = {
        "kind": "suspend",
        "mine": people.mine.code,
        "hazards": [h.pk],
        "facts": "存在重大事故隐患仍组织生产",
        "legal_basis": "《安全生产法》第一百一十三条",
        "requirements": "立即停产整顿",
        "deadline": (TODAY + dt.timedelta(days=30)).isoformat(),
    }
    r = api(people.county).post(ORDERS, body, format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    assert data["status"] == "issued" and data["hazards"] == [h.pk] and data["is_decision"]
    assert data["mine"] == people.mine.code
    assert data["number"].startswith("220605-") and data["officer"] == people.county.username
    # the enterprise cannot issue; bad input is 400 with fields and writes nothing
    assert api(people.principal).post(ORDERS, body, format="json").status_code == 403
    r = api(people.county).post(ORDERS, {**body, "deadline": None}, format="json")
    assert r.status_code == 400 and "deadline" in r.json()["error"]["fields"]
    r = api(people.county).post(ORDERS, {**body, "kind": "fine"}, format="json")
    assert r.status_code == 400 and "amount" in r.json()["error"]["fields"]
    assert Order.objects.count() == 1


def test_hazards_of_another_area_are_refused(people):
    outside = make_hazard(make_mine("220102"))
    body = {
        "kind": "rectify_by",
        "mine": people.mine.pk,
        "hazards": [outside.pk],
        "facts": "f",
        "legal_basis": "b",
        "requirements": "r",
        "deadline": (TODAY + dt.timedelta(days=3)).isoformat(),
    }
    r = api(people.county).post(ORDERS, body, format="json")
    assert r.status_code == 400 and "hazards" in r.json()["error"]["fields"]
    other_mine = make_hazard(make_mine("220605"))
    r = api(people.county).post(ORDERS, {**body, "hazards": [other_mine.pk]}, format="json")
    assert r.status_code == 400 and "hazards" in r.json()["error"]["fields"]
    assert not Order.objects.exists()


def test_list_filters_and_scope(people):
    suspend = _issue(people, kind="suspend")
    rectify = _issue(people)
    orders.order_comply(by=people.county, order=rectify)
    other = make_mine("220605")
    orders.order_issue(
        by=people.county,
        mine=other,
        kind="rectify_by",
        facts="f",
        legal_basis="b",
        requirements="r",
        deadline=TODAY + dt.timedelta(days=3),
    )
    c = api(people.city)
    assert c.get(ORDERS).json()["count"] == 3

    def ids(**params):
        return {row["id"] for row in c.get(ORDERS, params).json()["results"]}

    assert ids(kind="suspend") == {suspend.pk}
    assert ids(status="complied") == {rectify.pk}
    assert ids(mine=people.mine.pk) == {suspend.pk, rectify.pk}
    assert ids(search=suspend.number) == {suspend.pk}
    assert len(ids(region=people.mine.region.pk)) == 3
    assert c.get(ORDERS, {"issued_after": "nonsense"}).status_code == 400
    assert api(people.other_county).get(ORDERS).json()["count"] == 0
    assert api(people.other_county).get(f"{ORDERS}{suspend.pk}/").status_code == 404
    assert api(people.principal).get(f"{ORDERS}{suspend.pk}/").json()["number"] == suspend.number
    assert api(people.other_enterprise).get(ORDERS).json()["count"] == 0


def test_steps_as_posts_with_optimistic_locking(people):
    order = _issue(people)
    url = f"{ORDERS}{order.pk}/"
    c = api(people.county)
    version = c.get(url).json()["version"]
    assert api(people.principal).post(url + "comply/", {}, format="json").status_code == 403
    assert api(people.other_county).post(url + "comply/", {}, format="json").status_code == 404
    r = c.post(url + "lift/", {}, format="json")
    assert r.status_code == 400  # an issued order is not lifted before it is complied with
    r = c.post(url + "refuse/", {"on": TODAY.isoformat(), "version": version}, format="json")
    assert r.status_code == 200 and r.json()["refused_on"] == TODAY.isoformat()
    r = c.post(url + "comply/", {"version": version}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    r = c.post(url + "comply/", {"version": r and version + 1}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "complied"
    r = c.post(url + "lift/", {}, format="json")
    assert r.json()["status"] == "lifted" and r.json()["lifted_on"] == TODAY.isoformat()
    assert c.post(url + "comply/", {"on": "2026-13-01"}, format="json").status_code == 400


def test_escalate_returns_the_close_request(people):
    order = _issue(people, kind="suspend")
    c = api(people.county)
    r = c.post(f"{ORDERS}{_issue(people).pk}/escalate/", {"facts": "x"}, format="json")
    assert r.status_code == 400  # only a suspension is escalated
    # “经停产整顿仍不具备安全生产条件的”: without a re-inspection finding that, no close request
    r = c.post(f"{ORDERS}{order.pk}/escalate/", {"facts": "x"}, format="json")
    assert r.status_code == 400, r.json()
    r = c.post(
        f"{ORDERS}{order.pk}/reinspect/",
        {"outcome": "unmet", "findings": "采区仍未形成独立通风系统"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    [reinspection] = r.json()["reinspections"]
    assert reinspection["outcome"] == "unmet" and reinspection["outcome_label"]
    r = c.post(
        f"{ORDERS}{order.pk}/escalate/", {"facts": "整顿期满仍不具备安全生产条件"}, format="json"
    )
    assert r.status_code == 201, r.json()
    close = r.json()
    assert close["kind"] == "close_request" and close["legal_basis"] == order.legal_basis
    assert close["reinspection"] == reinspection["id"]
    assert c.get(f"{ORDERS}{order.pk}/").json()["status"] == "escalated"


def test_reinspect_refused_for_another_order_or_an_unknown_outcome(people):
    c = api(people.county)
    other = _issue(people)
    r = c.post(f"{ORDERS}{other.pk}/reinspect/", {"outcome": "met", "findings": "x"}, format="json")
    assert r.status_code == 400  # only a suspension is re-inspected
    order = _issue(people, kind="suspend")
    r = c.post(f"{ORDERS}{order.pk}/reinspect/", {"outcome": "ok", "findings": "x"}, format="json")
    assert r.status_code == 400 and "outcome" in r.json()["error"]["fields"]
    r = api(people.principal).post(
        f"{ORDERS}{order.pk}/reinspect/", {"outcome": "met", "findings": "x"}, format="json"
    )
    assert r.status_code == 403  # the enterprise does not re-inspect itself


def test_documents(people):
    order = _issue(people, kind="fine", amount="20000", deadline=None)
    c = api(people.principal)
    r = c.get(f"{ORDERS}{order.pk}/docx/")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    r = c.get(f"{ORDERS}{order.pk}/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert api(people.other_county).get(f"{ORDERS}{order.pk}/pdf/").status_code == 404


def test_proposals_for_a_mine(people):
    make_hazard(people.mine, level="major", source="enforcement", reckless_operation=True)
    c = api(people.county)
    r = c.get(f"{ORDERS}proposals/{people.mine.code}/")
    assert r.status_code == 200
    kinds = [p["kind"] for p in r.json()]
    assert kinds == ["evacuate", "suspend"]
    assert all(p["hazards"] and p["reason"] for p in r.json())
    outside = make_mine("220102")
    assert c.get(f"{ORDERS}proposals/{outside.pk}/").status_code == 404
    assert c.get(f"{ORDERS}proposals/{outside.code}/").status_code == 404
    assert c.get(f"{ORDERS}proposals/987654/").status_code == 404


def test_order_list_queries_constant_in_page_size(people):
    for n in range(30):
        h = make_hazard(people.mine, source="enforcement")
        _issue(people, hazards=[h], facts=f"事实{n}")
    c = api(people.city)

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(ORDERS, {"page_size": size}).status_code == 200
        return len(ctx.captured_queries)

    count(5)
    assert count(5) == count(30)


# --- monthly checks -------------------------------------------------------------------------


@pytest.fixture
def principal_mine(people):
    people.mine.principal = "张矿长"
    people.mine.save(update_fields=["principal"])
    return people.mine


def test_record_a_monthly_check_through_the_api(people, principal_mine):
    last_month = TODAY.replace(day=1) - dt.timedelta(days=1)
    h = make_hazard(principal_mine, level="major")
    body = {
        "mine": principal_mine.code,
        "month": last_month.replace(day=1).isoformat(),
        "checked_on": last_month.replace(day=15).isoformat(),
        "principal": people.principal.username,
        "participants": "安全科、通风科",
        "areas": "全矿井",
        "hazards": [h.pk],
    }
    c = api(people.officer)
    r = c.post(CHECKS, body, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["hazards"] == [h.pk] and r.json()["recorded_by"] == people.officer.username
    assert r.json()["principal"] == people.principal.username
    assert r.json()["led_by"] == str(people.principal)
    r = c.post(CHECKS, body, format="json")
    assert r.status_code == 400 and "month" in r.json()["error"]["fields"]
    # 主要负责人 is a person: a safety officer of the enterprise may not lead it
    r = c.post(
        CHECKS,
        {**body, "month": TODAY.replace(day=1).isoformat(), "principal": people.officer2.username},
    )
    assert r.status_code == 400 and "principal" in r.json()["error"]["fields"]
    assert api(people.county).post(CHECKS, body, format="json").status_code == 403
    assert MonthlyMajorHazardCheck.objects.count() == 1


def test_monthly_list_filters_scope_and_calendar(people, principal_mine):
    two_ago = (TODAY.replace(day=1) - dt.timedelta(days=40)).replace(day=1)
    check = MonthlyMajorHazardCheck.objects.create(
        mine=principal_mine,
        month=two_ago,
        checked_on=two_ago.replace(day=10),
        led_by="张矿长",
        participants="p",
        areas="a",
        recorded_by=people.officer,
    )
    c = api(people.county)
    assert [r["id"] for r in c.get(CHECKS).json()["results"]] == [check.pk]
    assert c.get(CHECKS, {"month_from": TODAY.replace(day=1).isoformat()}).json()["count"] == 0
    assert c.get(CHECKS, {"mine": principal_mine.pk}).json()["count"] == 1
    assert api(people.other_county).get(f"{CHECKS}{check.pk}/").status_code == 404
    r = c.get(f"{CHECKS}calendar/", {"since": two_ago.isoformat()})
    assert r.status_code == 200
    row = next(x for x in r.json()["results"] if x["mine"] == principal_mine.code)
    last_month = (TODAY.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    assert row["checked"] == [two_ago.strftime("%Y-%m")]
    assert row["missing"] == [last_month]
    assert c.get(f"{CHECKS}calendar/", {"since": "x"}).status_code == 400
    assert api(people.other_county).get(f"{CHECKS}calendar/").json()["count"] == 0


CONTROL = "顶板\u0007离层\x01未\x0c处\x1f理\ufffe完\x7f毕\x85"


def test_order_docx_with_control_characters(people, client):
    """Text stored with control characters (before the input was cleaned, or by any other way
    around it) still gives the documents, without those characters."""
    import io

    from docx import Document
    from openpyxl import load_workbook

    from kuangan.hazards.models import Hazard

    h = make_hazard(people.mine, level="major", source="enforcement")
    order = _issue(people, kind="suspend", hazards=[h])
    Hazard.objects.filter(pk=h.pk).update(description=CONTROL)
    Order.objects.filter(pk=order.pk).update(facts=CONTROL, requirements="限期\r\n整改")
    c = api(people.county)
    r = c.get(f"{ORDERS}{order.pk}/docx/")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "顶板离层未处理完毕" in text and "\x07" not in text
    r = c.get(f"{ORDERS}{order.pk}/pdf/")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    client.force_login(people.county)
    r = client.get(reverse("hazards:hazard_list"), {"export": "xlsx"})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    values = [str(v) for row in wb.active.iter_rows(values_only=True) for v in row if v]
    assert "顶板离层未处理完毕" in values
