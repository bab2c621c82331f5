"""Hazard API: the ledger (list with every ledger filter, retrieve, create, edit with
optimistic locking), the workflow steps, extensions, evidence, the link to the enterprise's
own record, listed supervision, criterion suggestions and bulk creation from an inspection."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from kuangan.checklists.models import ChecklistItem, MajorHazardCriterion
from kuangan.core.api import (
    ScopedEditViewSet,
    body,
    date_of,
    find_by_code,
    id_of,
    version_of,
)
from kuangan.core.models import User
from kuangan.core.parsers import (  # texts cleaned, deep JSON refused
    FormParser,
    JSONParser,
    MultiPartParser,
)
from kuangan.inspections.models import Inspection, ItemResult
from kuangan.registry.api import MineRowSerializer
from kuangan.registry.models import Mine

from .. import services
from ..choices import HazardLevel
from ..filters import HazardFilterSet
from ..models import PLAN_FIELDS, Hazard, HazardEvidence, HazardExtension
from ..suggest import suggest_criteria


class CanViewHazards(permissions.BasePermission):
    """Workflow steps: the services decide who may take them; here only "may read"."""

    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.has_perm("hazards.view_hazard")


class HazardSerializer(MineRowSerializer):
    criterion = serializers.SlugRelatedField(
        slug_field="code",
        queryset=MajorHazardCriterion.objects.all(),
        required=False,
        allow_null=True,
    )
    checklist_item = serializers.PrimaryKeyRelatedField(
        queryset=ChecklistItem.objects.all(), required=False, allow_null=True
    )
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    listed = serializers.BooleanField(source="is_listed", read_only=True)
    penalty_guidance = serializers.CharField(read_only=True)
    accountability_required = serializers.BooleanField(read_only=True)
    # None: decided by the system when the finding was recorded.
    penalty_decided_by: serializers.StringRelatedField[User] = serializers.StringRelatedField(
        read_only=True
    )
    listing_body = serializers.CharField(source="listing_body.name", read_only=True, default=None)

    class Meta:
        model = Hazard
        fields = [
            "id",
            "code",
            "mine",
            "mine_code",
            "mine_name",
            "description",
            "location",
            "level",
            "criterion",
            "checklist_item",
            "source",
            "inspection",
            "found_by_name",
            "found_on",
            "imminent_danger",
            "reckless_operation",
            "responsible_person",
            "measures",
            "funds",
            "deadline",
            "contingency_plan",
            "root_cause",
            "lasting_measure",
            "status",
            "overdue",
            "rectification_note",
            "rectified_at",
            "closed_at",
            "acceptance_note",
            "reopen_count",
            "self_reported_hazard",
            "penalty_guidance",
            "accountability_required",
            "penalty_decided",
            "penalty_decided_at",
            "penalty_decided_by",
            "penalty_basis",
            "accountable_persons",
            "listed",
            "listing_no",
            "listing_body",
            "listed_on",
            "listing_due",
            "delisted_on",
            "reported_upward_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "code",
            "inspection",
            "status",
            "rectification_note",
            "rectified_at",
            "closed_at",
            "acceptance_note",
            "reopen_count",
            "self_reported_hazard",
            "penalty_decided",
            "penalty_decided_at",
            "penalty_basis",
            "listing_no",
            "listed_on",
            "listing_due",
            "delisted_on",
            "reported_upward_at",
            "version",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"source": {"required": False}, "found_on": {"required": False}}

    def validate(self, attrs):
        # The service runs the model's full validation; nothing is checked twice here.
        return attrs


class ExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = HazardExtension
        fields = [
            "id",
            "hazard",
            "requested_by",
            "reason",
            "old_deadline",
            "new_deadline",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
        ]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer):
    file_name = serializers.CharField(source="attachment.original_name", read_only=True)
    sha256 = serializers.CharField(source="attachment.sha256", read_only=True)
    uploaded_at = serializers.DateTimeField(source="attachment.uploaded_at", read_only=True)

    class Meta:
        model = HazardEvidence
        fields = ["id", "hazard", "stage", "attachment", "file_name", "sha256", "uploaded_at"]
        read_only_fields = fields


class SuggestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    category = serializers.CharField()
    wording = serializers.CharField()
    citation = serializers.CharField()
    score = serializers.FloatField()


class HazardViewSet(ScopedEditViewSet):
    """Hazards of the mines in your area. Edits send the ``version`` they loaded: a stale edit
    is refused with 409. Workflow steps are POSTs on the hazard."""

    model = Hazard
    serializer_class = HazardSerializer
    filterset_class = HazardFilterSet
    search_fields = ["code", "description", "location", "mine__name"]
    ordering_fields = ["found_on", "deadline", "code", "status", "updated_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().with_related().order_by("-found_on", "-pk")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        mine = data.pop("mine")
        serializer.instance = services.hazard_create(by=self.request.user, mine=mine, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "mine" in data and data.pop("mine").pk != serializer.instance.mine_id:
            raise exceptions.ValidationError({"mine": [_("The mine of a hazard cannot change.")]})
        serializer.instance = services.hazard_update(
            by=self.request.user,
            hazard=Hazard.objects.get(pk=serializer.instance.pk),
            version=version_of(self.request),
            **data,
        )

    def _done(self, hazard: Hazard) -> Response:
        hazard = self.get_queryset().get(pk=hazard.pk)
        return Response(HazardSerializer(hazard, context=self.get_serializer_context()).data)

    def _step(self, request, service, **extra):
        hazard = self.get_object()
        service(by=request.user, hazard=hazard, version=version_of(request), **extra)
        return self._done(hazard)

    @extend_schema(
        request=inline_serializer(
            "Rectify", {f: serializers.CharField(required=False) for f in PLAN_FIELDS}
        )
    )
    @action(detail=True, methods=["post"], permission_classes=[CanViewHazards])
    def rectify(self, request, pk=None):
        """Start the rectification (reported/reopened → rectifying) with the 五落实."""
        data = body(request)
        five = {k: data[k] for k in PLAN_FIELDS if k in data}
        if "deadline" in five:
            five["deadline"] = date_of(five, "deadline")
        return self._step(request, services.hazard_start_rectification, **five)

    @extend_schema(
        request=inline_serializer("Note", {"note": serializers.CharField(required=False)})
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="request-acceptance",
        permission_classes=[CanViewHazards],
    )
    def request_acceptance(self, request, pk=None):
        return self._step(
            request, services.hazard_request_acceptance, note=str(body(request).get("note", ""))
        )

    @extend_schema(
        request=inline_serializer("AcceptNote", {"note": serializers.CharField(required=False)})
    )
    @action(detail=True, methods=["post"], permission_classes=[CanViewHazards])
    def accept(self, request, pk=None):
        """Accept the rectification and close (销号)."""
        return self._step(request, services.hazard_accept, note=str(body(request).get("note", "")))

    @extend_schema(
        request=inline_serializer(
            "ChangeLevel",
            {
                "level": serializers.ChoiceField(choices=HazardLevel.choices),
                "criterion": serializers.CharField(
                    required=False, allow_null=True, help_text="the criterion's code"
                ),
                "reason": serializers.CharField(),
                "version": serializers.IntegerField(),
            },
        )
    )
    @action(detail=True, methods=["post"], permission_classes=[CanViewHazards])
    def change_level(self, request, pk=None):
        """Change the level (一般 ↔ 重大) with a reason, on the side that found the hazard."""
        data = body(request)
        criterion = None
        if data.get("criterion") not in (None, ""):
            # by its code, as the hazard shows it (an id from older clients too)
            criterion = find_by_code(MajorHazardCriterion.objects.all(), data["criterion"])
            if criterion is None:
                raise exceptions.ValidationError({"criterion": [_("No such criterion.")]})
        return self._step(
            request,
            services.hazard_change_level,
            level=str(data.get("level", "")),
            reason=str(data.get("reason", "")),
            criterion=criterion,
        )

    @extend_schema(request=inline_serializer("Reject", {"reason": serializers.CharField()}))
    @action(detail=True, methods=["post"], permission_classes=[CanViewHazards])
    def reject(self, request, pk=None):
        """Acceptance failed: the hazard is reopened."""
        return self._step(
            request, services.hazard_reject, reason=str(body(request).get("reason", ""))
        )

    @extend_schema(
        request=inline_serializer(
            "ExtensionRequest",
            {"new_deadline": serializers.DateField(), "reason": serializers.CharField()},
        ),
        responses={201: ExtensionSerializer},
    )
    @action(detail=True, methods=["post"], permission_classes=[CanViewHazards])
    def extension(self, request, pk=None):
        """Ask for a later deadline."""
        data = body(request)
        ext = services.hazard_request_extension(
            by=request.user,
            hazard=self.get_object(),
            new_deadline=date_of(data, "new_deadline", required=True),
            reason=str(data.get("reason", "")),
        )
        return Response(ExtensionSerializer(ext).data, status=201)

    @extend_schema(
        request=inline_serializer(
            "ExtensionDecision",
            {
                "extension": serializers.IntegerField(),
                "approve": serializers.BooleanField(),
                "note": serializers.CharField(required=False),
            },
        ),
        responses=ExtensionSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="decide-extension",
        permission_classes=[CanViewHazards],
    )
    def decide_extension(self, request, pk=None):
        hazard = self.get_object()
        data = body(request)
        ext = get_object_or_404(
            HazardExtension.objects.filter(hazard=hazard), pk=id_of(data, "extension")
        )
        approve = data.get("approve")
        if not isinstance(approve, bool):
            raise exceptions.ValidationError(
                {"approve": [_("Give true (approve) or false (refuse).")]}
            )
        ext = services.hazard_decide_extension(
            by=request.user, extension=ext, approve=approve, note=str(data.get("note", ""))
        )
        return Response(ExtensionSerializer(ext).data)

    @extend_schema(responses=ExtensionSerializer(many=True))
    @action(detail=True, methods=["get"], permission_classes=[CanViewHazards])
    def extensions(self, request, pk=None):
        hazard = self.get_object()
        return Response(ExtensionSerializer(hazard.extensions.all(), many=True).data)

    @extend_schema(methods=["GET"], responses=EvidenceSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={
            "multipart/form-data": inline_serializer(
                "Evidence",
                {
                    "stage": serializers.ChoiceField(choices=["before", "after"]),
                    "file": serializers.FileField(),
                },
            )
        },
        responses={201: EvidenceSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
        permission_classes=[CanViewHazards],
    )
    def evidence(self, request, pk=None):
        """GET: the evidence; POST (multipart, ``stage`` and ``file``): add a file."""
        hazard = self.get_object()
        if request.method == "GET":
            rows = hazard.evidence.select_related("attachment")
            return Response(EvidenceSerializer(rows, many=True).data)
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": [_("Choose a file to upload.")]})
        evidence = services.hazard_add_evidence(
            by=request.user,
            hazard=hazard,
            uploaded_file=upload,
            stage=str(request.data.get("stage", "")),
        )
        return Response(EvidenceSerializer(evidence).data, status=201)

    @extend_schema(
        request=inline_serializer(
            "Link", {"self_reported_hazard": serializers.IntegerField(allow_null=True)}
        )
    )
    @action(detail=True, methods=["post"], permission_classes=[CanViewHazards])
    def link(self, request, pk=None):
        """Link to the enterprise's own earlier record (``null`` to unlink)."""
        hazard = self.get_object()
        target = body(request).get("self_reported_hazard")
        linked = None
        if target not in (None, ""):
            linked = (
                Hazard.objects.visible_to(request.user).filter(pk=target).first()
                if str(target).isdigit()
                else None
            )
            if linked is None:
                raise exceptions.ValidationError({"self_reported_hazard": [_("Unknown hazard.")]})
        services.hazard_link_self_report(
            by=request.user, hazard=hazard, self_reported=linked, version=version_of(request)
        )
        return self._done(hazard)

    @extend_schema(
        request=inline_serializer("PenaltyRecompute", {"reason": serializers.CharField()})
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[CanViewHazards],
        url_path="penalty-recompute",
    )
    def penalty_recompute(self, request, pk=None):
        """Decide the penalty guidance of a regulator's finding again on the facts of the day
        it was found (audited with the guidance before and after and the reason)."""
        hazard = self.get_object()
        services.hazard_penalty_recompute(
            by=request.user,
            hazard=hazard,
            reason=str(body(request).get("reason", "")),
            version=version_of(request),
        )
        return self._done(hazard)

    @extend_schema(responses=HazardSerializer(many=True))
    @action(detail=True, methods=["get"], permission_classes=[CanViewHazards])
    def candidates(self, request, pk=None):
        """The enterprise's own records this hazard may be linked to, best first."""
        hazard = self.get_object()
        rows = services.self_report_candidates(hazard).select_related(
            "mine", "criterion", "self_reported_hazard", "listing_body"
        )[:20]
        return Response(
            HazardSerializer(rows, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        request=inline_serializer(
            "Listing",
            {
                "listing_no": serializers.CharField(),
                "listed_on": serializers.DateField(required=False),
                "listing_due": serializers.DateField(),
            },
        )
    )
    @action(detail=True, methods=["post"], url_path="list", permission_classes=[CanViewHazards])
    def list_supervision(self, request, pk=None):
        """List a major hazard for supervision (挂牌督办)."""
        data = body(request)
        return self._step(
            request,
            services.hazard_list,
            listing_no=str(data.get("listing_no", "")),
            listed_on=date_of(data, "listed_on"),
            listing_due=date_of(data, "listing_due", required=True),
        )

    @action(detail=True, methods=["post"], permission_classes=[CanViewHazards])
    def delist(self, request, pk=None):
        return self._step(request, services.hazard_delist)

    @extend_schema(
        parameters=[
            OpenApiParameter("mine", str, required=True, description="the mine's code"),
            OpenApiParameter("description", str, description="the hazard as found"),
            OpenApiParameter("found_on", OpenApiTypes.DATE, description="default: today"),
        ],
        responses=SuggestionSerializer(many=True),
    )
    @action(detail=False, methods=["get"], permission_classes=[CanViewHazards])
    def suggest(self, request):
        """The three criteria most similar to ``description`` for the mine ``mine`` (its code)
        on ``found_on`` (default today)."""
        mine = find_by_code(Mine.objects.visible_to(request.user), request.query_params.get("mine"))
        if mine is None:
            raise exceptions.ValidationError({"mine": [_("Choose a mine in your area.")]})
        on = date_of(request.query_params, "found_on") or timezone.localdate()
        rows = suggest_criteria(request.query_params.get("description", ""), kind=mine.kind, on=on)
        return Response(
            [
                {
                    "code": c.code,
                    "category": c.category,
                    "wording": c.wording,
                    "citation": c.citation,
                    "score": c.score,
                }
                for c in rows
            ]
        )

    @extend_schema(
        request=inline_serializer(
            "FromInspection",
            {
                "inspection": serializers.IntegerField(),
                "findings": serializers.ListField(child=serializers.DictField()),
            },
        ),
        responses={201: HazardSerializer(many=True)},
    )
    @action(detail=False, methods=["post"], url_path="from-inspection")
    def from_inspection(self, request):
        """Bulk create: one hazard per finding ``{"item_result", "level", "criterion"?,
        "description"?}`` of one inspection, all or nothing."""
        data = body(request)
        inspection = (
            Inspection.objects.visible_to(request.user)
            .filter(pk=data.get("inspection") or 0)
            .first()
            if str(data.get("inspection", "")).isdigit()
            else None
        )
        if inspection is None:
            raise exceptions.ValidationError({"inspection": [_("Unknown inspection.")]})
        findings = data.get("findings")
        if not isinstance(findings, list) or not findings:
            raise exceptions.ValidationError({"findings": [_("Give at least one finding.")]})
        created = []
        errors = {}
        with transaction.atomic():
            for n, finding in enumerate(findings, start=1):
                try:
                    if not isinstance(finding, dict):
                        raise ValidationError(_("Each finding is an object."))
                    result = (
                        ItemResult.objects.filter(
                            inspection=inspection, pk=finding.get("item_result") or 0
                        )
                        .select_related("item")
                        .first()
                    )
                    if result is None:
                        raise ValidationError(_("Unknown item result of this inspection."))
                    level = finding.get("level") or HazardLevel.GENERAL
                    criterion = None
                    if finding.get("criterion"):
                        criterion = MajorHazardCriterion.objects.filter(
                            code=finding["criterion"]
                        ).first()
                        if criterion is None:
                            raise ValidationError(_("Unknown criterion."))
                    created.append(
                        services.hazard_create_from_finding(
                            by=request.user,
                            inspection=inspection,
                            item_result=result,
                            level=level,
                            criterion=criterion,
                            description=finding.get("description") or None,
                        )
                    )
                except ValidationError as exc:
                    errors[f"findings[{n}]"] = exc.messages
            if errors:
                transaction.set_rollback(True)
                raise exceptions.ValidationError(errors)
        rows = self.get_queryset().filter(pk__in=[h.pk for h in created])
        return Response(
            HazardSerializer(rows, many=True, context=self.get_serializer_context()).data,
            status=201,
        )
