"""The hazard workflow through its services: every transition and who may take it."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kuangan.core.choices import AuditAction
from kuangan.core.models import AuditEvent, Notification
from kuangan.core.services import ConflictError
from kuangan.core.tests.factories import png_bytes
from kuangan.hazards import services
from kuangan.hazards.choices import ExtensionStatus, HazardLevel, HazardSource, HazardStatus
from kuangan.hazards.models import Hazard

from .factories import FIVE, criterion_for, make_hazard

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DEADLINE = TODAY + dt.timedelta(days=20)


def photo(name="p.png"):
    return SimpleUploadedFile(name, png_bytes())


def create(people, by=None, **fields):
    fields.setdefault("description", "回采工作面顶板离层")
    fields.setdefault("level", HazardLevel.GENERAL)
    return services.hazard_create(by=by or people.officer, mine=people.mine, **fields)


def create_major(people, **fields):
    return create(people, level=HazardLevel.MAJOR, criterion=criterion_for(people.mine), **fields)


def to_pending(people, hazard, by=None):
    by = by or people.officer
    if hazard.status == HazardStatus.REPORTED:
        services.hazard_start_rectification(by=by, hazard=hazard, deadline=DEADLINE, **FIVE)
    if hazard.is_major:
        services.hazard_add_evidence(by=by, hazard=hazard, uploaded_file=photo(), stage="before")
        services.hazard_add_evidence(by=by, hazard=hazard, uploaded_file=photo(), stage="after")
    services.hazard_request_acceptance(by=by, hazard=hazard, note="已补打锚杆")
    return hazard


# --- create ---------------------------------------------------------------------------------


def test_create_numbers_and_audits(people):
    h = create(people)
    assert h.code == f"{people.mine.code}-{TODAY.year}-001"
    assert create(people).code.endswith("-002")
    assert h.status == HazardStatus.REPORTED
    assert h.source == HazardSource.SELF
    assert h.found_by == people.officer
    assert AuditEvent.objects.filter(object_type="hazards.hazard", object_id=str(h.pk)).exists()


def test_major_needs_a_criterion(people):
    with pytest.raises(ValidationError) as e:
        create(people, level=HazardLevel.MAJOR)
    assert "criterion" in e.value.message_dict
    assert not Hazard.objects.exists()


def test_criterion_must_apply_to_the_mine_kind(people):
    from kuangan.checklists.models import MajorHazardCriterion

    metal = MajorHazardCriterion.objects.in_force(TODAY).for_kind("metal_underground").first()
    with pytest.raises(ValidationError) as e:
        create(people, level=HazardLevel.MAJOR, criterion=metal)
    assert "criterion" in e.value.message_dict


def test_criterion_must_be_in_force_on_the_finding_date(people):
    crit = criterion_for(people.mine)
    before = crit.standard.effective_from - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as e:
        create(people, level=HazardLevel.MAJOR, criterion=crit, found_on=before)
    assert "criterion" in e.value.message_dict


def test_enterprise_cannot_record_an_enforcement_finding(people):
    with pytest.raises(ValidationError):
        create(people, source=HazardSource.ENFORCEMENT)
    with pytest.raises(ValidationError):
        create(people, by=people.county, source=HazardSource.SELF)
    h = create(people, by=people.county, source=HazardSource.ENFORCEMENT)
    assert h.source == HazardSource.ENFORCEMENT


def test_out_of_scope_mine_refused(people):
    with pytest.raises(ValidationError):
        create(people, by=people.other_enterprise)
    with pytest.raises(PermissionDenied):
        create(people, by=people.government, source=HazardSource.OTHER)


def test_enterprise_major_hazard_is_reported_upward(
    people, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    people.county.email = "county@example.cn"
    people.county.save()
    with django_capture_on_commit_callbacks(execute=True):
        h = create_major(people)
    assert [m.to for m in mailoutbox] == [["county@example.cn"]]
    notified = set(Notification.objects.values_list("recipient__username", flat=True))
    # county and city bureaus; not the province, not the other county, not the enterprise
    assert notified == {people.county.username, people.city.username, people.city_leader.username}
    h.refresh_from_db()
    assert h.reported_upward_at is not None


def test_enforcement_major_is_not_reported_upward(people):
    create_major(people, by=people.county, source=HazardSource.ENFORCEMENT)
    assert not Notification.objects.exists()


# --- 五落实 and rectifying ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "missing", ["responsible_person", "measures", "funds", "deadline", "contingency_plan"]
)
def test_major_needs_all_five(people, missing):
    h = create_major(people)
    five = {**FIVE, "deadline": DEADLINE}
    five.pop(missing)
    with pytest.raises(ValidationError) as e:
        services.hazard_start_rectification(by=people.officer, hazard=h, **five)
    assert list(e.value.message_dict) == [missing]
    h.refresh_from_db()
    assert h.status == HazardStatus.REPORTED


@pytest.mark.parametrize("missing", ["root_cause", "lasting_measure"])
def test_major_needs_its_root_cause_and_lasting_measure(people, missing):
    """七(三): “督促企业深入分析查找产生问题隐患的深层次、根本性原因，制定落实治本措施”: a major
    hazard's root cause and lasting measure are required with its 五落实, when the
    rectification starts."""
    h = create_major(people)
    five = {**FIVE, "deadline": DEADLINE}
    five.pop(missing)
    with pytest.raises(ValidationError) as e:
        services.hazard_start_rectification(by=people.officer, hazard=h, **five)
    assert list(e.value.message_dict) == [missing]
    five[missing] = "补填"
    services.hazard_start_rectification(by=people.officer, hazard=h, **five)
    h.refresh_from_db()
    assert h.status == HazardStatus.RECTIFYING and getattr(h, missing) == "补填"


def test_major_rectifying_without_root_cause_is_not_sent_for_acceptance(people):
    """七(三), before acceptance: a major hazard already being rectified without its root cause
    and lasting measure (recorded before the rule) is not sent for acceptance."""
    h = make_hazard(
        people.mine,
        level=HazardLevel.MAJOR,
        source=HazardSource.SELF,
        status=HazardStatus.RECTIFYING,
        five=True,
        root_cause="",
        lasting_measure="",
    )
    for stage in ("before", "after"):
        services.hazard_add_evidence(
            by=people.officer,
            hazard=h,
            stage=stage,
            uploaded_file=SimpleUploadedFile(f"{stage}.png", png_bytes(), content_type="image/png"),
        )
    with pytest.raises(ValidationError) as e:
        services.hazard_request_acceptance(by=people.officer, hazard=h)
    assert set(e.value.message_dict) == {"root_cause", "lasting_measure"}
    services.hazard_update(by=people.officer, hazard=h, root_cause="根因", lasting_measure="治本")
    h.refresh_from_db()
    services.hazard_request_acceptance(by=people.officer, hazard=h)
    assert Hazard.objects.get(pk=h.pk).status == HazardStatus.PENDING_ACCEPTANCE


def test_root_cause_is_the_enterprises(people):
    """The root cause and the lasting measure are the enterprise's analysis and plan: a
    regulator does not write them."""
    h = create_major(people)
    with pytest.raises(PermissionDenied):
        services.hazard_update(by=people.county, hazard=h, root_cause="监管写的")


def test_general_needs_no_root_cause(people):
    h = create(people)
    services.hazard_start_rectification(
        by=people.officer, hazard=h, responsible_person="李", measures="整改", deadline=DEADLINE
    )
    assert Hazard.objects.get(pk=h.pk).status == HazardStatus.RECTIFYING


@pytest.mark.parametrize("missing", ["responsible_person", "measures", "deadline"])
def test_general_needs_person_measures_deadline(people, missing):
    h = create(people)
    three = {"responsible_person": "李", "measures": "整改", "deadline": DEADLINE}
    three.pop(missing)
    with pytest.raises(ValidationError) as e:
        services.hazard_start_rectification(by=people.officer, hazard=h, **three)
    assert list(e.value.message_dict) == [missing]


def test_general_without_funds_and_plan_may_rectify(people):
    h = create(people)
    services.hazard_start_rectification(
        by=people.officer, hazard=h, responsible_person="李", measures="整改", deadline=DEADLINE
    )
    assert Hazard.objects.get(pk=h.pk).status == HazardStatus.RECTIFYING


def test_regulator_does_not_rectify(people):
    h = create(people)
    with pytest.raises(PermissionDenied):
        services.hazard_start_rectification(by=people.county, hazard=h, deadline=DEADLINE, **FIVE)


def test_negative_funds_refused(people):
    h = create(people)
    with pytest.raises(ValidationError):
        services.hazard_start_rectification(
            by=people.officer, hazard=h, **{**FIVE, "funds": Decimal("-1")}, deadline=DEADLINE
        )


# --- acceptance ---------------------------------------------------------------------------


def test_general_accepted_by_another_enterprise_person(people):
    h = to_pending(people, create(people))
    assert h.status == HazardStatus.PENDING_ACCEPTANCE
    assert h.rectified_by == people.officer
    with pytest.raises(PermissionDenied):  # the one who rectified
        services.hazard_accept(by=people.officer, hazard=h)
    with pytest.raises(PermissionDenied):  # a regulator does not accept a general hazard
        services.hazard_accept(by=people.county, hazard=h)
    services.hazard_accept(by=people.principal, hazard=h, note="验收合格")
    h.refresh_from_db()
    assert h.status == HazardStatus.CLOSED and h.accepted_by == people.principal
    assert h.closed_at is not None


def test_major_needs_evidence_before_acceptance_request(people):
    h = create_major(people)
    services.hazard_start_rectification(by=people.officer, hazard=h, deadline=DEADLINE, **FIVE)
    services.hazard_add_evidence(by=people.officer, hazard=h, uploaded_file=photo(), stage="before")
    with pytest.raises(ValidationError) as e:
        services.hazard_request_acceptance(by=people.officer, hazard=h)
    assert "evidence" in e.value.message_dict


@pytest.mark.parametrize(
    "who,allowed",
    [
        ("county", True),
        ("city", True),
        ("principal", False),
        ("officer2", False),
        ("other_county", False),
        ("government", False),
    ],
)
def test_who_accepts_a_major_hazard(people, who, allowed):
    h = to_pending(people, create_major(people))
    user = getattr(people, who)
    if allowed:
        services.hazard_accept(by=user, hazard=h)
        assert Hazard.objects.get(pk=h.pk).status == HazardStatus.CLOSED
    else:
        with pytest.raises(PermissionDenied):
            services.hazard_accept(by=user, hazard=h)
        assert Hazard.objects.get(pk=h.pk).status == HazardStatus.PENDING_ACCEPTANCE


def test_failed_acceptance_reopens_then_rectify_again(people):
    h = to_pending(people, create(people))
    with pytest.raises(ValidationError):
        services.hazard_reject(by=people.principal, hazard=h, reason="")
    services.hazard_reject(by=people.principal, hazard=h, reason="锚杆间距不符合设计")
    assert h.status == HazardStatus.REOPENED and h.reopen_count == 1
    services.hazard_start_rectification(by=people.officer, hazard=h)
    assert h.status == HazardStatus.RECTIFYING
    to_pending(people, h, by=people.officer2)
    services.hazard_accept(by=people.officer, hazard=h)
    assert h.status == HazardStatus.CLOSED


def test_transitions_out_of_order_refused(people):
    h = create(people)
    with pytest.raises(ValidationError):
        services.hazard_request_acceptance(by=people.officer, hazard=h)
    with pytest.raises(ValidationError):
        services.hazard_accept(by=people.principal, hazard=h)


def test_closed_is_read_only(people):
    h = to_pending(people, create(people))
    services.hazard_accept(by=people.principal, hazard=h)
    with pytest.raises(ValidationError):
        services.hazard_update(by=people.officer, hazard=h, description="改")
    with pytest.raises(ValidationError):
        services.hazard_start_rectification(by=people.officer, hazard=h)
    with pytest.raises(ValidationError):
        services.hazard_add_evidence(
            by=people.officer, hazard=h, uploaded_file=photo(), stage="after"
        )
    with pytest.raises(ValidationError):
        services.hazard_request_extension(
            by=people.officer, hazard=h, new_deadline=DEADLINE + dt.timedelta(days=5), reason="x"
        )


def test_every_step_audited(people):
    h = to_pending(people, create(people))
    services.hazard_accept(by=people.principal, hazard=h)
    statuses = [
        e.changes["status"][1]
        for e in AuditEvent.objects.filter(object_type="hazards.hazard", object_id=str(h.pk))
        .filter(action="object.status_changed")
        .order_by("id")
    ]
    assert statuses == ["rectifying", "pending_acceptance", "closed"]


# --- optimistic locking -------------------------------------------------------------------


def test_second_stale_save_is_refused(people):
    h = create(people)
    first = Hazard.objects.get(pk=h.pk)
    second = Hazard.objects.get(pk=h.pk)
    services.hazard_update(
        by=people.officer, hazard=first, version=first.version, location="一采区"
    )
    with pytest.raises(ConflictError):
        services.hazard_update(
            by=people.principal, hazard=second, version=second.version, location="二采区"
        )
    assert Hazard.objects.get(pk=h.pk).location == "一采区"


# --- extensions ---------------------------------------------------------------------------


def test_extension_approved_moves_deadline(people):
    h = create(people)
    services.hazard_start_rectification(by=people.officer, hazard=h, deadline=DEADLINE, **FIVE)
    later = DEADLINE + dt.timedelta(days=15)
    with pytest.raises(ValidationError):
        services.hazard_request_extension(
            by=people.officer, hazard=h, new_deadline=DEADLINE, reason="x"
        )
    ext = services.hazard_request_extension(
        by=people.officer, hazard=h, new_deadline=later, reason="设备未到货"
    )
    with pytest.raises(ValidationError):  # one pending at a time
        services.hazard_request_extension(
            by=people.officer, hazard=h, new_deadline=later, reason="x"
        )
    with pytest.raises(PermissionDenied):  # not one's own request
        services.hazard_decide_extension(by=people.officer, extension=ext, approve=True)
    services.hazard_decide_extension(by=people.principal, extension=ext, approve=True)
    assert ext.status == ExtensionStatus.APPROVED
    assert Hazard.objects.get(pk=h.pk).deadline == later


def test_extension_refused_keeps_deadline(people):
    h = create_major(people)
    services.hazard_start_rectification(by=people.officer, hazard=h, deadline=DEADLINE, **FIVE)
    ext = services.hazard_request_extension(
        by=people.officer, hazard=h, new_deadline=DEADLINE + dt.timedelta(days=3), reason="雨季"
    )
    with pytest.raises(PermissionDenied):  # a major hazard's extension is the bureau's
        services.hazard_decide_extension(by=people.principal, extension=ext, approve=True)
    with pytest.raises(ValidationError):  # refusal needs a reason
        services.hazard_decide_extension(by=people.county, extension=ext, approve=False)
    services.hazard_decide_extension(
        by=people.county, extension=ext, approve=False, note="理由不充分"
    )
    assert ext.status == ExtensionStatus.REFUSED
    assert Hazard.objects.get(pk=h.pk).deadline == DEADLINE


def test_no_extension_while_pending_acceptance(people):
    """Issue 12: once the rectification is reported done, no later deadline is asked for."""
    h = to_pending(people, create(people))
    h.refresh_from_db()
    assert h.status == HazardStatus.PENDING_ACCEPTANCE
    with pytest.raises(ValidationError) as caught:
        services.hazard_request_extension(
            by=people.officer, hazard=h, new_deadline=DEADLINE + dt.timedelta(days=9), reason="x"
        )
    assert "等待验收" in " ".join(caught.value.messages)
    assert not h.extensions.exists()


# --- listed supervision -------------------------------------------------------------------


def test_listing_and_delisting(people):
    h = create_major(people)
    with pytest.raises(PermissionDenied):  # a county bureau does not list
        services.hazard_list(
            by=people.county, hazard=h, listing_no="吉应急督〔2023〕1号", listing_due=DEADLINE
        )
    with pytest.raises(ValidationError):
        services.hazard_list(by=people.province, hazard=h, listing_no="", listing_due=DEADLINE)
    services.hazard_list(
        by=people.province, hazard=h, listing_no="吉应急督〔2023〕1号", listing_due=DEADLINE
    )
    assert h.is_listed and h.listing_body == people.province_org
    assert list(Hazard.objects.listed()) == [h]
    with pytest.raises(ValidationError):  # not before closure
        services.hazard_delist(by=people.province, hazard=h)
    to_pending(people, h)
    with pytest.raises(PermissionDenied):  # listed: closed with the province's consent
        services.hazard_accept(by=people.county, hazard=h)
    services.hazard_accept(by=people.province, hazard=h)
    with pytest.raises(PermissionDenied):  # only the listing body
        services.hazard_delist(by=people.city_leader, hazard=h)
    services.hazard_delist(by=people.province, hazard=h)
    assert not h.is_listed and h.delisted_by == people.province
    assert not Hazard.objects.listed().exists()


def test_general_hazard_cannot_be_listed(people):
    h = create(people)
    with pytest.raises(ValidationError):
        services.hazard_list(by=people.province, hazard=h, listing_no="1", listing_due=DEADLINE)


def test_listed_hazard_is_closed_and_delisted_only_with_the_province(people):
    h = create_major(people)
    services.hazard_list(
        by=people.city_leader, hazard=h, listing_no="白应急督1号", listing_due=DEADLINE
    )
    to_pending(people, h)
    for who in (people.county, people.city_leader, people.principal):
        with pytest.raises(PermissionDenied):
            services.hazard_accept(by=who, hazard=h)
    assert Hazard.objects.get(pk=h.pk).status == HazardStatus.PENDING_ACCEPTANCE
    services.hazard_accept(by=people.province, hazard=h)
    assert h.status == HazardStatus.CLOSED
    with pytest.raises(PermissionDenied):  # the city listed it, the province consents
        services.hazard_delist(by=people.city_leader, hazard=h)
    services.hazard_delist(by=people.province, hazard=h)
    assert not Hazard.objects.get(pk=h.pk).is_listed


# --- linking the enterprise's own record ---------------------------------------------------


def test_link_self_report_candidates_and_validation(people):
    crit = criterion_for(people.mine)
    with time_machine.travel(timezone.now() - dt.timedelta(days=5), tick=False):
        own = make_hazard(
            people.mine,
            level=HazardLevel.MAJOR,
            criterion=crit,
            found_on=TODAY - dt.timedelta(days=5),
            status=HazardStatus.RECTIFYING,
            five=True,
        )
    other = make_hazard(people.mine, found_on=TODAY - dt.timedelta(days=3))
    later = make_hazard(people.mine, found_on=TODAY)
    found = create(
        people,
        by=people.county,
        level=HazardLevel.MAJOR,
        criterion=crit,
        source=HazardSource.ENFORCEMENT,
        found_on=TODAY - dt.timedelta(days=1),
    )
    candidates = list(services.self_report_candidates(found))
    assert candidates[0] == own  # same criterion first
    assert other in candidates and later not in candidates
    with pytest.raises(ValidationError):
        services.hazard_link_self_report(by=people.county, hazard=found, self_reported=later)
    with pytest.raises(PermissionDenied):
        services.hazard_link_self_report(by=people.officer, hazard=found, self_reported=own)
    assert found.penalty_guidance == "heavy"
    services.hazard_link_self_report(by=people.county, hazard=found, self_reported=own)
    assert found.penalty_guidance == "lenient"


# --- penalty guidance decided on the day the regulator found the hazard (七(四)) ---------------

B = TODAY - dt.timedelta(days=60)


def day(n: int) -> dt.date:
    return B + dt.timedelta(days=n)


def at(n: int, hour: int = 9):
    """The clock on day ``n`` at ``hour`` (local time)."""
    moment = dt.datetime.combine(day(n), dt.time(hour), tzinfo=timezone.get_current_timezone())
    return time_machine.travel(moment, tick=False)


def own_record(people, n: int, *, found_on=None, deadline=None, plan=True):
    """The enterprise's own major record, made on day ``n``; with its 五落实 when ``plan``."""
    with at(n):
        own = create_major(people, found_on=found_on or day(n))
        if plan:
            services.hazard_start_rectification(
                by=people.officer, hazard=own, deadline=deadline or day(n + 19), **FIVE
            )
    return own


def county_finds(people, n: int, own=None, hour: int = 9):
    """The county's enforcement finding of day ``n`` (major), linked to ``own``."""
    with at(n, hour):
        found = create_major(people, by=people.county, source=HazardSource.ENFORCEMENT)
        if own is not None:
            services.hazard_link_self_report(by=people.county, hazard=found, self_reported=own)
    return Hazard.objects.get(pk=found.pk)


def test_penalty_decided_at_recording_by_the_system(people):
    """「对企业自查自改未发现但综合整治发现的重大事故隐患，要依法从重处罚」: recorded with no own
    record, the finding is heavy, decided by the system on the day it was found."""
    found = county_finds(people, 5)
    assert found.penalty_decided == "heavy" and found.penalty_decided_by is None
    assert found.penalty_basis["found_on"] == day(5).isoformat()
    assert found.penalty_basis["self_record"] is None
    created = AuditEvent.objects.filter(
        object_type="hazards.hazard", object_id=str(found.pk), action=AuditAction.CREATED
    ).get()
    assert created.changes["penalty_decided"] == [None, "heavy"]


def test_lenient_guidance_stays_a_month_later_when_the_own_record_goes_overdue(people):
    """「对企业自查自改发现的问题隐患且正在整改的，可依法从轻或不予处罚」 is judged on the day the
    regulator found it: the own record was being rectified then; going overdue later does not
    turn the stored guidance standard."""
    own = own_record(people, 1, deadline=day(20))
    found = county_finds(people, 5, own)
    assert found.penalty_decided == "lenient" and found.penalty_decided_by == people.county
    record = found.penalty_basis["self_record"]
    assert record["code"] == own.code and record["recorded_before"] is True
    assert record["status"] == "rectifying" and record["deadline"] == day(20).isoformat()
    with at(40):  # a month later: the own record is overdue now
        found = Hazard.objects.get(pk=found.pk)
        assert found.penalty_guidance == "lenient"
        assert Hazard.objects.get(pk=own.pk).penalty_guidance == "standard"
        assert found in Hazard.objects.with_penalty_guidance("lenient")
        assert found not in Hazard.objects.with_penalty_guidance("standard")
        assert own in Hazard.objects.with_penalty_guidance("standard")


def test_recompute_is_a_regulators_audited_step_on_the_facts_of_the_day(people):
    own = own_record(people, 1, deadline=day(20))
    found = county_finds(people, 5, own)
    with at(40):
        with pytest.raises(PermissionDenied):
            services.hazard_penalty_recompute(by=people.officer, hazard=found, reason="x")
        with pytest.raises(ValidationError):
            services.hazard_penalty_recompute(by=people.county, hazard=found, reason=" ")
        with pytest.raises(ValidationError):
            services.hazard_penalty_recompute(by=people.county, hazard=own, reason="复核")
        services.hazard_penalty_recompute(by=people.county, hazard=found, reason="复核")
    found = Hazard.objects.get(pk=found.pk)
    assert found.penalty_decided == "lenient"  # still the facts of day 5
    event = AuditEvent.objects.filter(object_type="hazards.hazard", object_id=str(found.pk)).latest(
        "pk"
    )
    assert event.changes["reason"] == "复核"
    assert event.changes["penalty_guidance"] == ["lenient", "lenient"]
    assert "penalty_decided_at" in event.changes


def test_own_record_merely_reported_earns_no_leniency_but_is_not_heavy(people):
    """「且正在整改」: an own record reported with no 五落实 is not being rectified: standard."""
    own = own_record(people, 1, plan=False)
    found = county_finds(people, 5, own)
    assert found.penalty_decided == "standard"
    assert found.penalty_basis["reason"] == "linked_no_plan"


def test_own_record_overdue_on_the_day_is_standard(people):
    """「且正在整改」: past its deadline on the day of the inspection, it was not being rectified."""
    own = own_record(people, 1, deadline=day(3))
    found = county_finds(people, 5, own)
    assert found.penalty_decided == "standard"
    assert found.penalty_basis["reason"] == "linked_overdue"


def test_own_record_closed_before_the_inspection_is_lenient(people):
    """「自查自改发现的问题隐患」 closed through rectification before the inspection: lenient."""
    with at(2):
        own = make_hazard(people.mine, found_on=day(2), status=HazardStatus.CLOSED, five=True)
    found = county_finds(people, 5, own)
    assert found.penalty_decided == "lenient"
    assert found.penalty_basis["self_record"]["status"] == "closed"


def test_own_record_back_dated_after_the_inspection_is_not_self_found(people):
    """「企业自查自改未发现」: recorded after the inspection began, with a ``found_on`` typed before
    it, the record does not earn leniency: the finding stays heavy."""
    found = county_finds(people, 5)
    own = own_record(people, 6, found_on=day(3))
    with at(6):
        services.hazard_link_self_report(by=people.county, hazard=found, self_reported=own)
    found = Hazard.objects.get(pk=found.pk)
    assert found.penalty_decided == "heavy" and found.accountability_required
    assert found.penalty_basis["reason"] == "linked_late"
    assert found.penalty_basis["self_record"]["recorded_before"] is False


def test_plan_entered_after_the_inspection_began_does_not_count(people):
    """「且正在整改」 on that day: the record's status is read as it stood when the inspection
    began (from its history), not as it is when the record is linked."""
    own = own_record(people, 1, plan=False)
    with at(5, 10):  # the inspection began at midnight of day 5 (no inspection recorded)
        services.hazard_start_rectification(by=people.officer, hazard=own, deadline=day(25), **FIVE)
    found = county_finds(people, 5, own, hour=15)
    assert found.penalty_decided == "standard"
    assert found.penalty_basis["self_record"]["status"] == "reported"


def test_self_found_guidance_is_what_would_apply_today(people):
    """The enterprise's own record: lenient while 「正在整改」 in time, standard once overdue."""
    own = own_record(people, 1, deadline=day(20))
    with at(10):
        assert Hazard.objects.get(pk=own.pk).penalty_guidance == "lenient"
    with at(21):
        assert Hazard.objects.get(pk=own.pk).penalty_guidance == "standard"
    assert own.penalty_decided == ""


# --- from an inspection finding ------------------------------------------------------------


def test_finding_description_from_item():
    class Item:
        content = "是否按规定进行瓦斯检查"
        basis = "《煤矿安全规程》第一百八十条"

    text = services.finding_description(Item(), "")
    assert text.startswith("是否按规定进行瓦斯检查") and "第一百八十条" in text
    assert services.finding_description(Item(), "3号面未检查").startswith(
        "是否按规定进行瓦斯检查：3号面未检查"
    )


# --- whose finding it is (issue 10) ----------------------------------------------------------


def create_by_county(people, **fields):
    fields.setdefault("source", HazardSource.ENFORCEMENT)
    return create(people, by=people.county, **fields)


def test_enterprise_cannot_downgrade_a_major_hazard_the_county_found(people):
    h = create_by_county(people, level=HazardLevel.MAJOR, criterion=criterion_for(people.mine))
    with pytest.raises(PermissionDenied) as refused:  # the edit form: level is a step
        services.hazard_update(
            by=people.officer, hazard=h, version=h.version, level=HazardLevel.GENERAL
        )
    assert "level" in refused.value.fields
    with pytest.raises(PermissionDenied):  # the step: on the side that found it
        services.hazard_change_level(
            by=people.officer, hazard=h, level=HazardLevel.GENERAL, reason="已缓解"
        )
    with pytest.raises(PermissionDenied) as refused:  # nor the county's description of it
        services.hazard_update(by=people.officer, hazard=h, description="改写")
    assert "description" in refused.value.fields
    assert Hazard.objects.get(pk=h.pk).level == HazardLevel.MAJOR
    assert AuditEvent.objects.filter(success=False, changes__permission="ownership").count() == 2


def test_enterprise_keeps_the_plan_of_a_county_finding(people):
    h = create_by_county(people)
    services.hazard_update(
        by=people.officer, hazard=h, measures="补打锚杆", responsible_person="李四"
    )
    assert Hazard.objects.get(pk=h.pk).measures == "补打锚杆"
    with pytest.raises(PermissionDenied):  # and the county does not write the enterprise's plan
        services.hazard_update(by=people.county, hazard=h, measures="另行处理")


def test_county_downgrades_its_major_finding_with_a_reason_and_the_bureaus_hear(
    people, django_capture_on_commit_callbacks
):
    h = create_by_county(people, level=HazardLevel.MAJOR, criterion=criterion_for(people.mine))
    with pytest.raises(ValidationError):  # a reason is required
        services.hazard_change_level(
            by=people.county, hazard=h, level=HazardLevel.GENERAL, reason=""
        )
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.hazard_change_level(
            by=people.county, hazard=h, level=HazardLevel.GENERAL, reason="复核后不属于重大隐患"
        )
    h.refresh_from_db()
    assert (h.level, h.criterion_id) == (HazardLevel.GENERAL, None)
    event = AuditEvent.objects.filter(object_type="hazards.hazard", object_id=str(h.pk)).latest(
        "id"
    )
    assert event.changes["reason"] == "复核后不属于重大隐患"
    assert event.changes["level"] == [HazardLevel.MAJOR, HazardLevel.GENERAL]
    notified = set(Notification.objects.values_list("recipient_id", flat=True))
    assert {people.county.pk, people.city.pk, people.city_leader.pk} <= notified


def test_enterprise_cannot_accept_a_general_hazard_the_county_found(people):
    h = create_by_county(people)
    to_pending(people, h)
    for who in (people.principal, people.officer2):
        with pytest.raises(PermissionDenied):
            services.hazard_accept(by=who, hazard=h)
    assert Hazard.objects.get(pk=h.pk).status == HazardStatus.PENDING_ACCEPTANCE
    services.hazard_accept(by=people.county, hazard=h, note="现场复查合格")
    assert h.status == HazardStatus.CLOSED


def test_enterprise_closes_the_general_hazards_it_found_itself(people):
    h = create(people)
    to_pending(people, h)
    with pytest.raises(PermissionDenied):  # the regulator does not close the enterprise's own
        services.hazard_accept(by=people.county, hazard=h)
    services.hazard_accept(by=people.principal, hazard=h)
    assert h.status == HazardStatus.CLOSED


def test_enterprise_raises_its_own_finding_to_major_and_it_is_reported_upward(people):
    h = create(people)
    Notification.objects.all().delete()
    services.hazard_change_level(
        by=people.officer,
        hazard=h,
        level=HazardLevel.MAJOR,
        criterion=criterion_for(people.mine),
        reason="对照判定标准属重大隐患",
    )
    h.refresh_from_db()
    assert h.is_major and h.reported_upward_at is not None
    assert Notification.objects.filter(recipient=people.county).exists()
