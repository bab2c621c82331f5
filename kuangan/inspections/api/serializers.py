"""The serializers of the inspections API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kuangan.checklists.models import ChecklistTemplate, MajorHazardCriterion
from kuangan.core.models import Region, User
from kuangan.registry.models import Mine

from .. import documents, services
from ..choices import InspectionKind
from ..models import (
    Inspection,
    InspectionReport,
    InspectionTeam,
    ItemResult,
    LookbackDraw,
    SelfInspectionReport,
    TeamMember,
)


class ItemResultSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.code", read_only=True)
    aspect = serializers.CharField(source="item.aspect.name", read_only=True)
    content = serializers.CharField(source="item.content", read_only=True)
    criterion: serializers.SlugRelatedField[MajorHazardCriterion] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    recorded_by: serializers.StringRelatedField[User] = serializers.StringRelatedField()

    class Meta:
        model = ItemResult
        fields = [
            "id",
            "item",
            "aspect",
            "content",
            "order",
            "undecided",
            "outcome",
            "reason",
            "note",
            "hazard_level",
            "criterion",
            "disposal",
            "disposal_note",
            "hazard_ref",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class TeamMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = TeamMember
        fields = ["id", "role", "name", "organization_name", "title", "expires_at"]
        read_only_fields = fields


class InspectionSerializer(serializers.ModelSerializer):
    mine: serializers.SlugRelatedField[Mine] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    mine_name = serializers.CharField(source="mine.name", read_only=True)
    template: serializers.StringRelatedField[ChecklistTemplate] = serializers.StringRelatedField()
    progress = serializers.SerializerMethodField()
    members = TeamMemberSerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "kind",
            "status",
            "mine",
            "mine_name",
            "campaign",
            "template",
            "team",
            "plan",
            "planned_on",
            "deadline",
            "started_at",
            "finished_at",
            "submitted_at",
            "reviewed_at",
            "review_reason",
            "redo_reasons",
            "supersedes",
            "subject",
            "progress",
            "members",
            "version",
            "created_at",
        ]
        read_only_fields = fields

    def get_progress(self, obj) -> dict:
        answered, total = obj.progress()
        return {"answered": answered, "total": total}


class InspectionCreateSerializer(serializers.Serializer):
    mine = serializers.CharField(help_text="mine code")
    kind = serializers.ChoiceField(choices=InspectionKind.choices)
    campaign = serializers.IntegerField(required=False, allow_null=True)
    template = serializers.IntegerField(required=False, allow_null=True)
    subject = serializers.IntegerField(required=False, allow_null=True)
    plan = serializers.CharField(required=False, allow_blank=True)
    planned_on = serializers.DateField(required=False, allow_null=True)
    deadline = serializers.DateField(required=False, allow_null=True)


class AnswerSerializer(serializers.Serializer):
    item = serializers.CharField()
    outcome = serializers.CharField()
    reason = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)
    hazard_level = serializers.CharField(required=False, allow_blank=True)
    criterion = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True)
    reasons = serializers.ListField(child=serializers.CharField(), required=False)


class SelfReportSerializer(serializers.ModelSerializer):
    signed_by: serializers.StringRelatedField[User] = serializers.StringRelatedField()
    verification = serializers.SerializerMethodField()

    class Meta:
        model = SelfInspectionReport
        fields = [
            "summary",
            "rectification",
            "commitment",
            "signed_by",
            "signed_at",
            "content_hash",
            "verification",
        ]
        read_only_fields = ["commitment", "signed_by", "signed_at", "content_hash"]

    def get_verification(self, obj) -> dict:
        v = services.self_report_verify(obj)
        return {
            "signed": v.signed,
            "valid": v.valid,
            "stored_hash": v.stored_hash,
            "current_hash": v.current_hash,
        }


class InspectionReportSerializer(serializers.ModelSerializer):
    sent_by: serializers.StringRelatedField[User] = serializers.StringRelatedField()
    problems = serializers.SerializerMethodField()

    class Meta:
        model = InspectionReport
        fields = ["conclusion", "recommendations", "sent_on", "sent_to", "sent_by", "problems"]
        read_only_fields = ["sent_on", "sent_to", "sent_by"]

    def get_problems(self, obj) -> list:
        return documents.report_context(obj.inspection)["problems"]


class InspectionTeamSerializer(serializers.ModelSerializer):
    leader: serializers.StringRelatedField[User] = serializers.StringRelatedField()
    members: serializers.StringRelatedField[User] = serializers.StringRelatedField(many=True)
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = InspectionTeam
        fields = ["id", "campaign", "region", "name", "level", "leader", "members"]
        read_only_fields = fields


class LookbackDrawSerializer(serializers.ModelSerializer):
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    drawn_by: serializers.StringRelatedField[User] = serializers.StringRelatedField()
    reproducible = serializers.SerializerMethodField()
    method_label = serializers.CharField(source="get_method_display", read_only=True)
    drawn = serializers.SerializerMethodField()
    unvisited = serializers.SerializerMethodField()

    class Meta:
        model = LookbackDraw
        fields = [
            "id",
            "campaign",
            "region",
            "cities",
            "counties",
            "key_mines",
            "ratio",
            "seed",
            "method",
            "method_label",
            "full",
            "sampled",
            "drawn",
            "unvisited",
            "drawn_by",
            "drawn_at",
            "reproducible",
        ]
        read_only_fields = fields

    def get_reproducible(self, obj) -> bool:
        return services.lookback_verify(obj)

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_drawn(self, obj) -> list[dict]:
        """Each drawn mine with the reasons it was drawn (code and label)."""
        return services.lookback_rows(obj)

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_unvisited(self, obj) -> list[dict]:
        """Chosen cities and key counties without a mine in the campaign scope to visit."""
        return services.lookback_unvisited(obj)
