"""The hazard API: create, edit with optimistic locking (409), the workflow steps, extension,
link, evidence, listing, suggestions, scope, and constant query counts."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from kuangan.core.tests.factories import png_bytes
from kuangan.hazards.models import Hazard
from kuangan.registry.tests.factories import make_mine

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
BASE = "/api/v1/hazards/"


def api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_create_and_read(people):
    c = api(people.officer)
    r = c.post(
        BASE,
        {"mine": people.mine.pk, "description": "局部通风机无备用", "level": "general"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["status"] == "reported" and body["source"] == "self"
    # 「且正在整改」: merely reported, no 五落实 yet, the own record earns no leniency
    assert body["penalty_guidance"] == "standard" and body["overdue"] is False
    assert c.get(f"{BASE}{body['id']}/").json()["code"] == body["code"]


def test_bad_input_is_400_with_fields_and_changes_nothing(people):
    r = api(people.officer).post(
        BASE, {"mine": people.mine.pk, "description": "x", "level": "major"}, format="json"
    )
    assert r.status_code == 400
    assert "criterion" in r.json()["error"]["fields"]
    assert not Hazard.objects.exists()


def test_stale_edit_is_409(people):
    h = make_hazard(people.mine)
    a, b = api(people.officer), api(people.principal)
    version = a.get(f"{BASE}{h.pk}/").json()["version"]
    assert (
        a.patch(
            f"{BASE}{h.pk}/", {"location": "一采区", "version": version}, format="json"
        ).status_code
        == 200
    )
    r = b.patch(f"{BASE}{h.pk}/", {"location": "二采区", "version": version}, format="json")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "conflict"
    assert r.json()["error"]["message"] in CONFLICT_MESSAGES
    assert Hazard.objects.get(pk=h.pk).location == "一采区"


def test_workflow_steps_major(people):
    crit = criterion_for(people.mine)
    c = api(people.officer)
    h = c.post(
        BASE,
        {
            "mine": people.mine.pk,
            "description": "瓦斯超限作业",
            "level": "major",
            "criterion": crit.code,
        },
        format="json",
    ).json()
    url = f"{BASE}{h['id']}/"
    r = c.post(url + "rectify/", {"responsible_person": "张"}, format="json")
    assert r.status_code == 400 and set(r.json()["error"]["fields"]) == {
        "measures",
        "funds",
        "deadline",
        "contingency_plan",
        # 七(三): a major hazard's root cause and lasting measure, with its 五落实
        "root_cause",
        "lasting_measure",
    }
    deadline = (TODAY + dt.timedelta(days=9)).isoformat()
    r = c.post(url + "rectify/", {**FIVE, "funds": "50000", "deadline": deadline}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "rectifying"
    assert c.post(url + "request-acceptance/", {}, format="json").status_code == 400  # no evidence
    for stage in ("before", "after"):
        r = c.post(
            url + "evidence/",
            {"stage": stage, "file": SimpleUploadedFile(f"{stage}.png", png_bytes())},
            format="multipart",
        )
        assert r.status_code == 201, r.json()
    assert len(c.get(url + "evidence/").json()) == 2
    assert (
        c.post(url + "request-acceptance/", {"note": "done"}, format="json").json()["status"]
        == "pending_acceptance"
    )
    assert api(people.principal).post(url + "accept/", {}, format="json").status_code == 403
    assert api(people.other_county).post(url + "accept/", {}, format="json").status_code == 404
    r = api(people.county).post(url + "reject/", {"reason": "证据不足"}, format="json")
    assert r.json()["status"] == "reopened"
    c.post(url + "rectify/", {}, format="json")
    c.post(url + "request-acceptance/", {}, format="json")
    r = api(people.county).post(url + "accept/", {"note": "ok"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    closed = {"location": "x", "version": r.json()["version"]}
    assert c.patch(url, closed, format="json").status_code == 400  # closed: read-only


def test_extension_and_decision(people):
    h = make_hazard(people.mine, five=True, status="rectifying")
    url = f"{BASE}{h.pk}/"
    later = (h.deadline + dt.timedelta(days=10)).isoformat()
    r = api(people.officer).post(
        url + "extension/", {"new_deadline": later, "reason": "设备到货延迟"}, format="json"
    )
    assert r.status_code == 201
    ext = r.json()["id"]
    assert (
        api(people.officer)
        .post(url + "decide-extension/", {"extension": ext, "approve": True}, format="json")
        .status_code
        == 403
    )
    r = api(people.principal).post(
        url + "decide-extension/", {"extension": ext, "approve": True}, format="json"
    )
    assert r.json()["status"] == "approved"
    assert api(people.officer).get(url).json()["deadline"] == later


def test_link_and_penalty_guidance_filter(people):
    crit = criterion_for(people.mine)
    with time_machine.travel(timezone.now() - dt.timedelta(days=3), tick=False):
        own = make_hazard(
            people.mine,
            level="major",
            criterion=crit,
            found_on=TODAY - dt.timedelta(days=3),
            status="rectifying",
            five=True,
        )
    found = make_hazard(
        people.mine, level="major", criterion=crit, source="enforcement", found_on=TODAY
    )
    c = api(people.county)
    assert [row["id"] for row in c.get(BASE, {"penalty_guidance": "heavy"}).json()["results"]] == [
        found.pk
    ]
    assert c.get(f"{BASE}{found.pk}/candidates/").json()[0]["id"] == own.pk
    r = c.post(f"{BASE}{found.pk}/link/", {"self_reported_hazard": own.pk}, format="json")
    assert r.status_code == 200 and r.json()["penalty_guidance"] == "lenient"
    assert c.get(BASE, {"penalty_guidance": "heavy"}).json()["count"] == 0


def test_listing_through_api(people):
    h = make_hazard(people.mine, level="major")
    url = f"{BASE}{h.pk}/list/"
    due = (TODAY + dt.timedelta(days=30)).isoformat()
    assert (
        api(people.county)
        .post(url, {"listing_no": "1", "listing_due": due}, format="json")
        .status_code
        == 403
    )
    r = api(people.province).post(
        url, {"listing_no": "吉应急督〔2023〕5号", "listing_due": due}, format="json"
    )
    assert r.status_code == 200 and r.json()["listed"] is True
    assert api(people.county).get(BASE, {"listed": "true"}).json()["count"] == 1


def test_suggest(people):
    r = api(people.officer).get(
        f"{BASE}suggest/", {"mine": people.mine.pk, "description": "未按规定进行探放水就掘进"}
    )
    assert r.status_code == 200
    assert "COAL2020-09-03" in [s["code"] for s in r.json()]


def test_hazard_create_accepts_mine_code(people):
    """The mines endpoint shows mines by code, never by id: a hazard names its mine by that
    code, and reads it back the same way."""
    c = api(people.officer)
    r = c.post(
        BASE,
        {"mine": people.mine.code, "description": "局部通风机无备用", "level": "general"},
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["mine"] == body["mine_code"] == people.mine.code
    assert Hazard.objects.get(pk=body["id"]).mine == people.mine
    assert c.get(f"{BASE}{body['id']}/").json()["mine"] == people.mine.code


def test_hazard_mine_id_still_accepted_and_other_areas_code_refused(people):
    c = api(people.officer)
    body = {"description": "局部通风机无备用", "level": "general"}
    r = c.post(BASE, {**body, "mine": people.mine.pk}, format="json")
    assert r.status_code == 201 and r.json()["mine"] == people.mine.code
    outside = make_mine("220102")
    for mine in (outside.code, "NO-SUCH-MINE", "\x00", True, {"code": people.mine.code}):
        r = c.post(BASE, {**body, "mine": mine}, format="json")
        assert r.status_code == 400, mine
        assert r.json()["error"]["fields"]["mine"]
    assert Hazard.objects.count() == 1


def test_suggest_takes_the_mine_code(people):
    r = api(people.officer).get(
        f"{BASE}suggest/", {"mine": people.mine.code, "description": "未按规定进行探放水就掘进"}
    )
    assert r.status_code == 200
    assert "COAL2020-09-03" in [s["code"] for s in r.json()]
    assert (
        api(people.other_county)
        .get(f"{BASE}suggest/", {"mine": people.mine.code, "description": "探放水"})
        .status_code
        == 400
    )


def test_api_queries_constant_in_page_size(people):
    own = make_hazard(people.mine)
    for n in range(40):
        make_hazard(
            people.mine,
            level="major" if n % 2 else "general",
            source="enforcement" if n % 3 else "self",
            self_reported_hazard=own if n % 3 and n % 2 else None,
            listing_no="1" if n % 5 == 0 else "",
            listing_body=people.province_org if n % 5 == 0 else None,
        )
    c = api(people.county)

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(BASE, {"page_size": size}).status_code == 200
        return len(ctx.captured_queries)

    count(5)  # the first request loads the user's permissions and scope
    assert count(5) == count(30)


def test_a_3_mb_description_is_400(people):
    r = api(people.officer).post(
        BASE,
        {"mine": people.mine.pk, "description": "隐" * 3_000_000, "level": "general"},
        format="json",
    )
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "invalid" and "5000" in error["fields"]["description"][0]
    assert not Hazard.objects.exists()


def test_control_characters_are_removed_at_input(people):
    r = api(people.officer).post(
        BASE,
        {
            "mine": people.mine.pk,
            "description": "顶板\u0007离层\x01未\x0c处\x1f理\ufffe\r\n完毕",
            "level": "general",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert Hazard.objects.get().description == "顶板离层未处理\n完毕"


def test_change_level_through_the_api_on_the_finders_side(people):
    h = make_hazard(
        people.mine, level="major", source="enforcement", criterion=criterion_for(people.mine)
    )
    url = f"{BASE}{h.pk}/change_level/"
    payload = {"level": "general", "reason": "复核后降级", "version": h.version}
    refused = api(people.officer).post(url, payload, format="json")
    assert refused.status_code == 403
    edit = api(people.officer).patch(
        f"{BASE}{h.pk}/", {"level": "general", "version": h.version}, format="json"
    )
    assert edit.status_code == 403 and "level" in edit.json()["error"]["fields"]
    done = api(people.county).post(url, payload, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["level"] == "general" and done.json()["criterion"] is None


def test_change_level_takes_the_criterion_code(people):
    h = make_hazard(people.mine, level="general", source="enforcement")
    criterion = criterion_for(people.mine)
    payload = {"level": "major", "criterion": criterion.code, "reason": "复核后升级"}
    r = api(people.county).post(
        f"{BASE}{h.pk}/change_level/", {**payload, "version": h.version}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert r.json()["level"] == "major" and r.json()["criterion"] == criterion.code


def test_list_filters_by_the_mine_code_or_id(people):
    mine = make_mine("220605", enterprise=people.enterprise)
    mine_hazard = make_hazard(mine)
    make_hazard(people.mine)
    c = api(people.county)
    for value in (mine.code, mine.pk):
        rows = c.get(BASE, {"mine": value}).json()["results"]
        assert [r["id"] for r in rows] == [mine_hazard.pk]
    other = make_mine("220102")
    assert c.get(BASE, {"mine": other.code}).status_code == 400  # another county's: unknown
    assert c.get(BASE, {"mine": "no-such-code"}).status_code == 400


def test_penalty_recompute_through_the_api_is_the_regulators_and_needs_a_reason(people):
    h = make_hazard(
        people.mine, level="major", source="enforcement", criterion=criterion_for(people.mine)
    )
    url = f"{BASE}{h.pk}/penalty-recompute/"
    refused = api(people.officer).post(url, {"reason": "x", "version": h.version}, format="json")
    assert refused.status_code == 403
    empty = api(people.county).post(url, {"reason": "", "version": h.version}, format="json")
    assert empty.status_code == 400
    done = api(people.county).post(
        url, {"reason": "补录企业自查记录后重新认定", "version": h.version}, format="json"
    )
    assert done.status_code == 200, done.json()
    body = done.json()
    assert body["penalty_guidance"] == "heavy" and body["penalty_decided_by"]
    assert body["penalty_basis"]
