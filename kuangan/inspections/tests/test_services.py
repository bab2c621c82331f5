import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kuangan.campaigns.tests.factories import make_campaign
from kuangan.core import services as core_services
from kuangan.core.models import AuditEvent, Notification
from kuangan.core.tests.factories import PASSWORD, png_bytes

from .. import services
from ..choices import HazardLevel, InspectionKind, InspectionStatus, Outcome, RedoReason
from ..models import TRANSITIONS, Inspection, ItemResult, ReadOnlyError, SelfInspectionReport
from .factories import answer_all, make_setting, signed_self_inspection

pytestmark = pytest.mark.django_db
S = InspectionStatus


@pytest.fixture
def s():
    return make_setting()


def _self(s):
    return services.inspection_create(by=s.principal, mine=s.mine, kind=InspectionKind.SELF)


# --- Creation: who plans which kind -------------------------------------------------------


def test_principal_plans_a_self_inspection_with_the_applicable_items_of_the_pinned_checklist(s):
    inspection = _self(s)
    assert inspection.status == S.PLANNED
    assert inspection.template == s.template
    assert inspection.results.count() == 6
    assert set(inspection.results.values_list("outcome", flat=True)) == {Outcome.UNCHECKED}
    assert AuditEvent.objects.filter(action="object.created", object_id=str(inspection.pk)).exists()


@pytest.mark.parametrize("who", ["officer", "county", "group_inspector"])
def test_only_the_principal_plans_a_self_inspection(s, who):
    with pytest.raises(PermissionDenied):
        services.inspection_create(by=getattr(s, who), mine=s.mine, kind=InspectionKind.SELF)
    assert not Inspection.objects.exists()


def test_another_enterprise_cannot_plan_for_this_mine(s):
    with pytest.raises(PermissionDenied):
        services.inspection_create(by=s.other_principal, mine=s.mine, kind=InspectionKind.SELF)


def test_group_inspector_plans_a_group_check_of_a_subsidiary_mine(s):
    inspection = services.inspection_create(
        by=s.group_inspector, mine=s.mine, kind=InspectionKind.GROUP
    )
    assert inspection.members.get().user == s.group_inspector


@pytest.mark.parametrize(
    "kind", [InspectionKind.ENFORCEMENT, InspectionKind.SUPERVISION, InspectionKind.LOOKBACK]
)
def test_regulator_kinds_are_planned_by_regulators_of_the_mine_only(s, kind):
    assert services.inspection_create(by=s.county, mine=s.mine, kind=kind).kind == kind
    with pytest.raises(PermissionDenied):
        services.inspection_create(by=s.principal, mine=s.mine, kind=kind)
    with pytest.raises(PermissionDenied):
        services.inspection_create(by=s.outsider, mine=s.mine, kind=kind)


def test_a_draft_checklist_cannot_be_pinned(s):
    from kuangan.checklists.models import ChecklistTemplate

    draft = ChecklistTemplate.objects.create(code="draft-x", family="coal_underground", name="草稿")
    with pytest.raises(ValidationError):
        services.inspection_create(
            by=s.principal, mine=s.mine, kind=InspectionKind.SELF, template=draft
        )


# --- Answers ---------------------------------------------------------------------------------


def test_answers_need_a_started_inspection(s):
    inspection = _self(s)
    result = inspection.results.first()
    with pytest.raises(ValidationError):
        services.item_result_record(by=s.officer, result=result, outcome=Outcome.COMPLIANT)
    services.inspection_start(by=s.officer, inspection=inspection)
    inspection.refresh_from_db()
    assert inspection.status == S.IN_PROGRESS and inspection.started_at is not None
    result = services.item_result_record(by=s.officer, result=result, outcome=Outcome.COMPLIANT)
    assert result.recorded_by == s.officer and result.recorded_at is not None
    assert inspection.progress() == (1, 6)


def test_not_applicable_needs_a_reason_and_changes_nothing_without_one(s):
    inspection = _self(s)
    services.inspection_start(by=s.officer, inspection=inspection)
    result = inspection.results.first()
    with pytest.raises(ValidationError) as exc:
        services.item_result_record(by=s.officer, result=result, outcome=Outcome.NOT_APPLICABLE)
    assert "reason" in exc.value.message_dict
    result.refresh_from_db()
    assert result.outcome == Outcome.UNCHECKED


def test_noncompliant_item_linked_to_a_criterion_is_prefilled_as_major(s):
    inspection = _self(s)
    services.inspection_start(by=s.officer, inspection=inspection)
    linked, plain = inspection.results.order_by("order")[:2]
    linked = services.item_result_record(by=s.officer, result=linked, outcome=Outcome.NONCOMPLIANT)
    assert linked.hazard_level == HazardLevel.MAJOR
    assert linked.criterion in linked.item.criteria.all()
    plain = services.item_result_record(by=s.officer, result=plain, outcome=Outcome.NONCOMPLIANT)
    assert plain.hazard_level == HazardLevel.GENERAL and plain.criterion is None
    # The inspector changes the level.
    linked = services.item_result_record(
        by=s.officer, result=linked, outcome=Outcome.NONCOMPLIANT, hazard_level="general"
    )
    assert linked.hazard_level == HazardLevel.GENERAL and linked.criterion is None


def test_bulk_answers_are_all_or_nothing(s):
    inspection = _self(s)
    services.inspection_start(by=s.officer, inspection=inspection)
    with pytest.raises(ValidationError) as exc:
        services.items_record_bulk(
            by=s.officer,
            inspection=inspection,
            answers=[
                {"item": "1.1", "outcome": "compliant"},
                {"item": "9.9", "outcome": "compliant"},
                {"item": "1.2", "outcome": "maybe"},
            ],
        )
    assert any("9.9" in " ".join(v) for v in exc.value.message_dict.values())
    assert "row 3 (1.2)" in exc.value.message_dict
    assert inspection.progress() == (0, 6)


def test_an_enterprise_user_cannot_answer_an_enforcement_inspection(s):
    inspection = services.inspection_create(
        by=s.county, mine=s.mine, kind=InspectionKind.ENFORCEMENT
    )
    services.inspection_start(by=s.county, inspection=inspection)
    with pytest.raises(PermissionDenied):
        services.item_result_record(
            by=s.principal, result=inspection.results.first(), outcome=Outcome.COMPLIANT
        )


def test_photo_is_attached_to_an_item_with_its_time_and_gps(s):
    from PIL import Image

    inspection = _self(s)
    services.inspection_start(by=s.officer, inspection=inspection)
    result = inspection.results.first()
    image = Image.new("RGB", (4, 3))
    exif = Image.Exif()
    exif[0x0132] = "2023:04:12 10:30:00"
    gps = {1: "N", 2: (42.0, 0.0, 0.0), 3: "E", 4: (126.0, 30.0, 0.0)}
    exif[0x8825] = gps
    import io

    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    attachment = services.result_attach(
        by=s.officer,
        result=result,
        uploaded_file=SimpleUploadedFile("现场.jpg", buffer.getvalue()),
    )
    assert attachment.taken_at is not None
    assert timezone.localtime(attachment.taken_at).date() == dt.date(2023, 4, 12)
    assert attachment.gps_latitude is not None and float(attachment.gps_longitude) == 126.5


# --- Finishing, report, signature -----------------------------------------------------------


def test_finishing_requires_every_applicable_item_answered(s):
    inspection = _self(s)
    services.inspection_start(by=s.officer, inspection=inspection)
    services.items_record_bulk(
        by=s.officer, inspection=inspection, answers=[{"item": "1.1", "outcome": "compliant"}]
    )
    with pytest.raises(ValidationError) as exc:
        services.inspection_finish(by=s.officer, inspection=inspection)
    assert "5" in exc.value.messages[0] and "1.2" in exc.value.messages[0]
    inspection.refresh_from_db()
    assert inspection.status == S.IN_PROGRESS


def test_finishing_drafts_the_report_with_figures_and_the_commitment_letter(s):
    inspection = _self(s)
    services.inspection_start(by=s.officer, inspection=inspection)
    answer_all(inspection, s.officer, noncompliant=2)
    services.inspection_finish(by=s.officer, inspection=inspection)
    inspection.refresh_from_db()
    assert inspection.status == S.FINISHED and inspection.finished_at is not None
    f = services.figures(inspection)
    assert (f["items"], f["compliant"], f["noncompliant"], f["not_applicable"]) == (6, 3, 2, 1)
    assert f["major"] == 1 and f["general"] == 1
    report = inspection.self_report
    assert s.enterprise.name in report.commitment
    assert "张矿长" in report.commitment  # the enterprise's principal (no mine principal here)
    assert s.mine.name in report.commitment
    assert timezone.localdate().isoformat() in report.commitment
    assert "6" in report.summary


def test_only_the_principal_signs_and_only_with_the_right_password(s):
    inspection = _self(s)
    services.inspection_start(by=s.officer, inspection=inspection)
    answer_all(inspection, s.officer)
    services.inspection_finish(by=s.officer, inspection=inspection)
    with pytest.raises(PermissionDenied):
        services.self_report_sign(by=s.officer, inspection=inspection, password=PASSWORD)
    with pytest.raises(ValidationError):
        services.self_report_sign(by=s.principal, inspection=inspection, password="wrong")
    assert not SelfInspectionReport.objects.get(inspection=inspection).is_signed
    report = services.self_report_sign(by=s.principal, inspection=inspection, password=PASSWORD)
    assert report.signed_by == s.principal and len(report.content_hash) == 64
    assert services.self_report_verify(report).valid


def test_signature_verification_detects_a_changed_answer_or_text(s):
    inspection = signed_self_inspection(s)
    report = inspection.self_report
    assert services.self_report_verify(report).valid
    ItemResult.objects.filter(inspection=inspection, item__code="2.3").update(note="后来改的")
    assert not services.self_report_verify(report).valid
    ItemResult.objects.filter(inspection=inspection, item__code="2.3").update(note="")
    assert services.self_report_verify(report).valid
    SelfInspectionReport.objects.filter(pk=report.pk).update(summary="篡改后的摘要")
    report.refresh_from_db()
    verification = services.self_report_verify(report)
    assert verification.signed and not verification.valid
    assert verification.stored_hash != verification.current_hash


def test_a_signed_report_cannot_change_or_reopen(s):
    inspection = signed_self_inspection(s)
    with pytest.raises(ValidationError):
        services.self_report_update(by=s.principal, report=inspection.self_report, summary="x")
    with pytest.raises(ValidationError):
        services.inspection_reopen(by=s.officer, inspection=inspection)


def test_submission_needs_the_signature(s):
    inspection = _self(s)
    services.inspection_start(by=s.officer, inspection=inspection)
    answer_all(inspection, s.officer)
    services.inspection_finish(by=s.officer, inspection=inspection)
    with pytest.raises(ValidationError):
        services.inspection_submit(by=s.principal, inspection=inspection)


def test_a_tampered_report_cannot_be_submitted(s):
    inspection = signed_self_inspection(s)
    SelfInspectionReport.objects.filter(inspection=inspection).update(rectification="改")
    with pytest.raises(ValidationError):
        services.inspection_submit(by=s.principal, inspection=inspection)


def test_principal_submits_to_the_county_bureau_and_the_enforcement_office(
    s, django_capture_on_commit_callbacks
):
    inspection = signed_self_inspection(s)
    with pytest.raises(PermissionDenied):
        services.inspection_submit(by=s.officer, inspection=inspection)
    with django_capture_on_commit_callbacks(execute=True):
        services.inspection_submit(by=s.principal, inspection=inspection)
    inspection.refresh_from_db()
    assert inspection.status == S.SUBMITTED and inspection.submitted_by == s.principal
    notified = set(Notification.objects.values_list("recipient_id", flat=True))
    assert {s.county.pk, s.office.pk} <= notified
    assert s.outsider.pk not in notified
    # Both see it in their inbox; the outsider does not.
    for reviewer in (s.county, s.office):
        assert Inspection.objects.visible_to(reviewer).filter(status=S.SUBMITTED).count() == 1
    assert not Inspection.objects.visible_to(s.outsider).exists()


# --- Immutability after submission ----------------------------------------------------------


def test_a_submitted_inspection_is_read_only(s):
    inspection = signed_self_inspection(s)
    services.inspection_submit(by=s.principal, inspection=inspection)
    result = inspection.results.first()
    with pytest.raises(ReadOnlyError):
        services.item_result_record(by=s.officer, result=result, outcome=Outcome.COMPLIANT)
    with pytest.raises(ReadOnlyError):
        services.items_record_bulk(
            by=s.officer, inspection=inspection, answers=[{"item": "1.1", "outcome": "compliant"}]
        )
    with pytest.raises(ReadOnlyError):
        services.self_report_update(by=s.principal, report=inspection.self_report, summary="x")
    with pytest.raises(ReadOnlyError):
        services.inspection_finish(by=s.officer, inspection=inspection)
    with pytest.raises(ReadOnlyError):
        services.result_attach(
            by=s.officer, result=result, uploaded_file=SimpleUploadedFile("a.png", png_bytes())
        )
    result.note = "直接改"
    with pytest.raises(ReadOnlyError):
        result.save()
    assert services.self_report_verify(inspection.self_report).valid


# --- Review: accept, return, redo -------------------------------------------------------------


@pytest.fixture
def submitted(s):
    inspection = signed_self_inspection(s)
    return services.inspection_submit(by=s.principal, inspection=inspection)


@pytest.mark.parametrize("reviewer", ["county", "office", "city_leader"])
def test_regulators_governing_the_mine_accept(s, submitted, reviewer):
    services.inspection_accept(by=getattr(s, reviewer), inspection=submitted, reason="合格")
    submitted.refresh_from_db()
    assert submitted.status == S.ACCEPTED and submitted.reviewed_by == getattr(s, reviewer)


@pytest.mark.parametrize("who", ["principal", "officer", "group_inspector", "outsider"])
def test_others_cannot_review(s, submitted, who):
    for action in (services.inspection_accept, services.inspection_return):
        with pytest.raises(PermissionDenied):
            action(by=getattr(s, who), inspection=submitted, reason="x")
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_return_needs_a_reason_and_reopens_for_correction(s, submitted):
    with pytest.raises(ValidationError):
        services.inspection_return(by=s.county, inspection=submitted, reason=" ")
    services.inspection_return(by=s.county, inspection=submitted, reason="第2方面不实")
    submitted.refresh_from_db()
    assert submitted.status == S.RETURNED and submitted.review_reason == "第2方面不实"
    assert not submitted.self_report.is_signed
    services.inspection_start(by=s.officer, inspection=submitted)
    services.item_result_record(
        by=s.officer, result=submitted.results.first(), outcome=Outcome.COMPLIANT
    )
    services.inspection_finish(by=s.officer, inspection=submitted)
    services.self_report_sign(by=s.principal, inspection=submitted, password=PASSWORD)
    services.inspection_submit(by=s.principal, inspection=submitted)
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_redo_supersedes_the_inspection_with_a_new_one_linked_to_it(s, submitted):
    with pytest.raises(ValidationError):
        services.inspection_redo(by=s.office, inspection=submitted, reason="", reasons=[])
    with pytest.raises(ValidationError):
        services.inspection_redo(by=s.office, inspection=submitted, reason="x", reasons=["bogus"])
    new = services.inspection_redo(
        by=s.office,
        inspection=submitted,
        reason="重大隐患未查出",
        reasons=[RedoReason.MAJOR_HAZARD_MISSED, RedoReason.PERFUNCTORY],
    )
    submitted.refresh_from_db()
    assert submitted.status == S.REDO
    assert submitted.redo_reasons == ["major_hazard_missed", "perfunctory"]
    assert new.supersedes == submitted and submitted.superseded_by == new
    assert new.status == S.PLANNED and new.results.count() == 6
    assert new.kind == InspectionKind.SELF and new.mine == s.mine


def test_an_accepted_inspection_can_still_be_ordered_redone_but_not_returned(s, submitted):
    services.inspection_accept(by=s.county, inspection=submitted)
    with pytest.raises(ValidationError):
        services.inspection_return(by=s.county, inspection=submitted, reason="x")
    services.inspection_redo(
        by=s.county, inspection=submitted, reason="走过场", reasons=[RedoReason.PERFUNCTORY]
    )


NOTICE_GROUNDS = [
    RedoReason.PERFUNCTORY,
    RedoReason.CARELESS,
    RedoReason.RISK_MISJUDGED,
    RedoReason.MAJOR_HAZARD_MISSED,
    RedoReason.NOT_RECTIFIED,
]


@pytest.mark.parametrize("grounds", [[], [RedoReason.OTHER]])
def test_redo_without_one_of_the_notices_five_grounds_is_refused(s, submitted, grounds):
    """六(四): “发现自查自改走过场、不认真、重大风险研判不准确、重大事故隐患查不出来、重大问题整改
    不彻底的，一律推倒重来。” A redo names at least one of these five; “other” alone is not one."""
    with pytest.raises(ValidationError) as refused:
        services.inspection_redo(by=s.county, inspection=submitted, reason="不实", reasons=grounds)
    assert "reasons" in refused.value.message_dict
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED
    assert not Inspection.objects.filter(supersedes=submitted).exists()


@pytest.mark.parametrize("ground", NOTICE_GROUNDS)
def test_each_of_the_notices_five_grounds_alone_orders_a_redo(s, submitted, ground):
    """六(四): “……走过场、不认真、重大风险研判不准确、重大事故隐患查不出来、重大问题整改不彻底的，
    一律推倒重来。” Any one of the five is enough; “other” may be added to it."""
    new = services.inspection_redo(
        by=s.county, inspection=submitted, reason="见检查记录", reasons=[RedoReason.OTHER, ground]
    )
    submitted.refresh_from_db()
    assert submitted.status == S.REDO and new.supersedes == submitted
    assert submitted.redo_reasons == [RedoReason.OTHER, ground]


def test_transitions_are_declared_and_refused_from_other_statuses(s):
    assert set(TRANSITIONS) == {
        "start",
        "finish",
        "reopen",
        "sign",
        "submit",
        "accept",
        "return",
        "redo",
    }
    inspection = _self(s)
    with pytest.raises(ValidationError):
        services.inspection_finish(by=s.officer, inspection=inspection)
    with pytest.raises(ValidationError):
        services.inspection_submit(by=s.principal, inspection=inspection)
    services.inspection_start(by=s.officer, inspection=inspection)
    with pytest.raises(ValidationError):
        services.inspection_start(by=s.officer, inspection=inspection)
    with pytest.raises(ValidationError):
        services.inspection_accept(by=s.county, inspection=inspection)


def test_reopen_before_signing(s):
    inspection = _self(s)
    services.inspection_start(by=s.officer, inspection=inspection)
    answer_all(inspection, s.officer)
    services.inspection_finish(by=s.officer, inspection=inspection)
    services.inspection_reopen(by=s.officer, inspection=inspection)
    inspection.refresh_from_db()
    assert inspection.status == S.IN_PROGRESS


def test_every_transition_is_audited(s, submitted):
    services.inspection_accept(by=s.county, inspection=submitted)
    transitions = [
        e.changes.get("transition")
        for e in AuditEvent.objects.filter(
            object_id=str(submitted.pk), action="object.status_changed"
        ).order_by("pk")
    ]
    assert transitions == ["start", "finish", "sign", "submit", "accept"]


# --- Experts ------------------------------------------------------------------------------------


def test_an_invited_expert_sees_and_answers_only_that_inspection_until_submission(s):
    enforcement = services.inspection_create(
        by=s.county, mine=s.mine, kind=InspectionKind.ENFORCEMENT
    )
    other = services.inspection_create(by=s.county, mine=s.mine, kind=InspectionKind.ENFORCEMENT)
    member, username, password = services.inspection_invite_expert(
        by=s.county, inspection=enforcement, name="李专家", organization_name="吉林大学"
    )
    expert = member.user
    assert expert.check_password(password) and expert.organization is None
    assert list(Inspection.objects.visible_to(expert)) == [enforcement]
    assert other not in Inspection.objects.visible_to(expert)
    services.inspection_start(by=expert, inspection=enforcement)
    answer_all(enforcement, expert)
    services.inspection_finish(by=expert, inspection=enforcement)
    with pytest.raises(PermissionDenied):
        services.inspection_submit(by=expert, inspection=enforcement)
    with pytest.raises(PermissionDenied):
        services.inspection_invite_expert(by=expert, inspection=enforcement, name="再邀")
    services.inspection_submit(by=s.county, inspection=enforcement)
    expert.refresh_from_db()
    assert not expert.is_active
    assert not Inspection.objects.visible_to(expert).exists()


def test_an_invited_expert_must_change_the_first_password(s):
    inspection = services.inspection_create(
        by=s.county, mine=s.mine, kind=InspectionKind.ENFORCEMENT
    )
    member, _username, _password = services.inspection_invite_expert(
        by=s.county, inspection=inspection, name="王专家", days=3
    )
    expert = member.user
    assert expert.must_change_password
    assert expert.valid_until == member.expires_at


def test_an_experts_token_lasts_no_longer_than_the_invitation_and_the_inspection(s, settings):
    settings.API_TOKEN_DAYS = 30
    inspection = services.inspection_create(
        by=s.county, mine=s.mine, kind=InspectionKind.ENFORCEMENT
    )
    member, _username, _password = services.inspection_invite_expert(
        by=s.county, inspection=inspection, name="陈专家", days=2
    )
    expert = member.user
    token, _key = core_services.token_create(user=expert, name="api")
    assert token.expires_at == member.expires_at  # two days, not thirty
    open_session = SessionStore()
    open_session["_auth_user_id"] = str(expert.pk)
    open_session.create()
    services.inspection_start(by=s.county, inspection=inspection)
    answer_all(inspection, s.county)
    services.inspection_finish(by=s.county, inspection=inspection)
    services.inspection_submit(by=s.county, inspection=inspection)
    token.refresh_from_db()
    expert.refresh_from_db()
    assert not token.is_valid and expert.has_expired
    assert not Session.objects.filter(session_key=open_session.session_key).exists()


def test_an_experts_account_needs_the_second_factor_in_the_production_profile(s, settings):
    inspection = services.inspection_create(
        by=s.county, mine=s.mine, kind=InspectionKind.ENFORCEMENT
    )
    member, _username, _password = services.inspection_invite_expert(
        by=s.county, inspection=inspection, name="周专家"
    )
    settings.MFA_REQUIRED = True
    settings.MFA_REQUIRED_ROLES = []  # even a narrowed role list keeps experts in
    assert core_services.mfa_required(member.user)
    settings.MFA_REQUIRED = False
    assert not core_services.mfa_required(member.user)


# --- Enforcement report -------------------------------------------------------------------


def test_enforcement_report_disposals_and_sending_to_the_local_government(s):
    inspection = services.inspection_create(
        by=s.county, mine=s.mine, kind=InspectionKind.ENFORCEMENT
    )
    services.inspection_start(by=s.county, inspection=inspection)
    answer_all(inspection, s.county, noncompliant=2)
    services.inspection_finish(by=s.county, inspection=inspection)
    problems = list(inspection.results.filter(outcome=Outcome.NONCOMPLIANT))
    with pytest.raises(ValidationError):
        services.inspection_report_update(
            by=s.county, inspection=inspection, disposals={problems[0].pk: "bogus"}
        )
    report = services.inspection_report_update(
        by=s.county,
        inspection=inspection,
        recommendations="加强水害防治",
        disposals={problems[0].pk: ("suspend", "停产整顿"), problems[1].pk: ("rectify", "")},
    )
    assert report.recommendations == "加强水害防治"
    with pytest.raises(ValidationError):
        services.inspection_report_send(
            by=s.county, inspection=inspection, sent_on=timezone.localdate(), sent_to="江源区政府"
        )
    services.inspection_submit(by=s.county, inspection=inspection)
    with pytest.raises(ReadOnlyError):
        services.inspection_report_update(by=s.county, inspection=inspection, conclusion="x")
    with pytest.raises(ValidationError):
        services.inspection_report_send(
            by=s.county, inspection=inspection, sent_on=timezone.localdate(), sent_to=""
        )
    report = services.inspection_report_send(
        by=s.county, inspection=inspection, sent_on=timezone.localdate(), sent_to="江源区人民政府"
    )
    assert report.sent_to == "江源区人民政府" and report.sent_by == s.county


# --- Hand-off to the hazard ledger ------------------------------------------------------------


def test_findings_stay_on_the_items_without_the_hazards_service(s):
    # No app receives the hand-off here (the conftest's ``_no_hazard_ledger``).
    inspection = _self(s)
    services.inspection_start(by=s.officer, inspection=inspection)
    answer_all(inspection, s.officer)
    services.inspection_finish(by=s.officer, inspection=inspection)
    result = inspection.results.get(outcome=Outcome.NONCOMPLIANT)
    assert result.hazard_ref is None and result.hazard_level == HazardLevel.MAJOR


def test_findings_are_handed_to_the_hazards_service_once(s, real_hazards, monkeypatch):
    from kuangan.hazards import services as hazard_services

    calls, made = [], []
    create = hazard_services.hazard_create_from_finding

    def spy(**kwargs):
        calls.append(kwargs)
        made.append(create(**kwargs))
        return made[-1]

    monkeypatch.setattr(hazard_services, "hazard_create_from_finding", spy)
    inspection = _self(s)
    services.inspection_start(by=s.officer, inspection=inspection)
    answer_all(inspection, s.officer, noncompliant=2)
    services.inspection_finish(by=s.officer, inspection=inspection)
    assert len(calls) == 2
    assert {c["level"] for c in calls} == {"major", "general"}
    assert calls[0]["inspection"] == inspection and "检查内容" in calls[0]["description"]
    assert sorted(r.hazard_ref for r in inspection.results.all() if r.hazard_ref) == sorted(
        h.pk for h in made
    )
    assert services.inspection_findings_to_hazards(by=s.officer, inspection=inspection) == 0


def test_finishing_opens_hazard_drafts_in_the_hazard_ledger(s, real_hazards):
    from kuangan.hazards.models import Hazard

    inspection = _self(s)
    services.inspection_start(by=s.officer, inspection=inspection)
    answer_all(inspection, s.officer, noncompliant=2)
    services.inspection_finish(by=s.officer, inspection=inspection)
    hazards = Hazard.objects.filter(inspection=inspection)
    assert hazards.count() == 2
    assert {h.level for h in hazards} == {"major", "general"}
    assert all(h.mine == s.mine for h in hazards)


# --- The commitment letter (承诺书) -------------------------------------------------------------


def _finished(s):
    inspection = _self(s)
    services.inspection_start(by=s.officer, inspection=inspection)
    answer_all(inspection, s.officer)
    services.inspection_finish(by=s.officer, inspection=inspection)
    inspection.refresh_from_db()
    return inspection


def test_commitment_letter_names_the_mines_principal_and_the_enterprises(s):
    """六(二): “各矿山主要负责人组织制定全面自查自改方案……各矿山将经主要负责人审核签字后的自查
    自改报告，连同保证自查自改真实性的承诺书一并报送”: the mine's principal is named, not only the
    enterprise's."""
    s.mine.principal = "李矿长"
    s.mine.save()
    letter = _finished(s).self_report.commitment
    assert "李矿长" in letter and "张矿长" in letter
    assert letter.index("李矿长") < letter.index("张矿长")  # the mine's first


def test_commitment_letter_names_one_principal_once_when_mine_and_enterprise_share_them(s):
    """六(二): “经主要负责人审核签字……承诺书”: one person heading both is named once."""
    s.mine.principal = "张矿长"
    s.mine.save()
    assert _finished(s).self_report.commitment.count("张矿长") == 1


def test_commitment_letter_leaves_a_blank_for_a_mine_without_a_registered_principal(s):
    """六(二): “经主要负责人审核签字”: without the mine's principal in the registry the letter
    leaves the place to write them, never an empty name."""
    letter = services.commitment_text(_self(s), dt.date(2023, 4, 20))
    assert "________" in letter and "张矿长" in letter and "2023-04-20" in letter


def test_commitment_letter_keeps_the_principal_of_the_day_it_was_drafted(s):
    """The letter names the principal as registered when the report is drafted (finishing);
    a later change in the registry does not rewrite a letter already drafted."""
    s.mine.principal = "李矿长"
    s.mine.save()
    inspection = _finished(s)
    s.mine.principal = "王矿长"
    s.mine.save()
    inspection.self_report.refresh_from_db()
    assert "李矿长" in inspection.self_report.commitment
    assert "王矿长" not in inspection.self_report.commitment


# --- Supervision (督导) in any phase ---------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        dt.date(2023, 3, 15),  # 动员部署阶段
        dt.date(2023, 4, 15),  # 企业全面自查自改阶段
        dt.date(2023, 7, 1),  # 重点检查阶段
        dt.date(2023, 10, 15),  # 督导检查阶段
        dt.date(2023, 12, 15),  # 总结评估阶段
    ],
)
def test_supervision_may_be_planned_at_random_in_any_phase(s, day):
    """六(四): “各督导检查组可根据综合整治工作进展情况，随机随时开展督导检查工作。” A
    supervision inspection is planned, started and its findings recorded on any day of the
    campaign, not only from the supervision phase."""
    campaign = make_campaign("220000")
    with time_machine.travel(
        dt.datetime(day.year, day.month, day.day, 2, tzinfo=dt.UTC), tick=False
    ):
        assert campaign.current_phase(day) is not None
        inspection = services.inspection_create(
            by=s.county,
            mine=s.mine,
            kind=InspectionKind.SUPERVISION,
            campaign=campaign,
            planned_on=day,
        )
        services.inspection_start(by=s.county, inspection=inspection)
    inspection.refresh_from_db()
    assert inspection.status == S.IN_PROGRESS and inspection.planned_on == day
