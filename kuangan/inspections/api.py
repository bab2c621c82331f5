"""Inspections API: inspections (create, answers in bulk, files, transitions, reports, the
report documents), teams, the key-inspection plan with its coverage, the group coverage, the
self-inspection quality and the look-back draws. Same services, permissions and scope as the
pages."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from kuangan.campaigns.models import Campaign
from kuangan.core.api import ModelPermissions, ScopedViewSet, body
from kuangan.core.models import Region

from . import documents, plan, quality, services
from .choices import InspectionKind
from .filters import InspectionFilterSet
from .models import (
    Inspection,
    InspectionReport,
    InspectionTeam,
    ItemResult,
    LookbackDraw,
    SelfInspectionReport,
    TeamMember,
)


class ViewPermission(ModelPermissions):
    """Actions whose service decides who may do them: reading the inspection is required."""

    perms_map = {
        m: ["%(app_label)s.view_%(model_name)s"]
        for m in ("GET", "OPTIONS", "HEAD", "POST", "PUT", "PATCH", "DELETE")
    }


AUTHENTICATED = [permissions.IsAuthenticated, ViewPermission]


class ItemResultSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.code", read_only=True)
    aspect = serializers.CharField(source="item.aspect.name", read_only=True)
    content = serializers.CharField(source="item.content", read_only=True)
    criterion = serializers.SlugRelatedField(slug_field="code", read_only=True)
    recorded_by = serializers.StringRelatedField()

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
    mine = serializers.SlugRelatedField(slug_field="code", read_only=True)
    mine_name = serializers.CharField(source="mine.name", read_only=True)
    template = serializers.StringRelatedField()
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
    signed_by = serializers.StringRelatedField()
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
    sent_by = serializers.StringRelatedField()
    problems = serializers.SerializerMethodField()

    class Meta:
        model = InspectionReport
        fields = ["conclusion", "recommendations", "sent_on", "sent_to", "sent_by", "problems"]
        read_only_fields = ["sent_on", "sent_to", "sent_by"]

    def get_problems(self, obj) -> list:
        return documents.report_context(obj.inspection)["problems"]


class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Inspections of every kind. Transitions are POST actions; the service of each decides
    who may do it (403) and whether it may happen now (400)."""

    model = Inspection
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilterSet
    search_fields = ["mine__name", "mine__code"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("mine", "template")
            .prefetch_related("members")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(request=InspectionCreateSerializer, responses={201: InspectionSerializer})
    def create(self, request):
        from kuangan.checklists.models import ChecklistTemplate
        from kuangan.registry.models import Mine

        data = InspectionCreateSerializer(data=body(request))
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        d["mine"] = get_object_or_404(Mine.objects.visible_to(request.user), code=d["mine"])
        if d.get("campaign"):
            d["campaign"] = get_object_or_404(
                Campaign.objects.visible_to(request.user), pk=d["campaign"]
            )
        if d.get("template"):
            d["template"] = get_object_or_404(
                ChecklistTemplate.objects.visible_to(request.user), pk=d["template"]
            )
        if d.get("subject"):
            d["subject"] = get_object_or_404(
                Inspection.objects.visible_to(request.user), pk=d["subject"]
            )
        inspection = services.inspection_create(by=request.user, **d)
        return Response(InspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=ItemResultSerializer(many=True))
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        inspection = self.get_object()
        rows = inspection.results.select_related("item__aspect", "criterion", "recorded_by")
        return Response(ItemResultSerializer(rows.order_by("order"), many=True).data)

    @extend_schema(
        request=inline_serializer("Answers", {"answers": AnswerSerializer(many=True)}),
        responses=inline_serializer("AnswersRecorded", {"recorded": serializers.IntegerField()}),
    )
    @action(detail=True, methods=["post"], permission_classes=AUTHENTICATED)
    def answers(self, request, pk=None):
        """Answer items in bulk, all or nothing: ``{"answers": [{"item": "1.1", "outcome":
        "compliant"}, ...]}``."""
        inspection = self.get_object()
        answers = body(request).get("answers")
        count = services.items_record_bulk(by=request.user, inspection=inspection, answers=answers)
        return Response({"recorded": count})

    @extend_schema(
        request=inline_serializer(
            "Attachment",
            {"result": serializers.IntegerField(), "file": serializers.FileField()},
        ),
        responses={201: inline_serializer("Attached", {"id": serializers.IntegerField()})},
    )
    @action(detail=True, methods=["post"], permission_classes=AUTHENTICATED)
    def attach(self, request, pk=None):
        """Attach a photo or file to an item result (multipart: ``result``, ``file``)."""
        inspection = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": [_("Choose a file to upload.")]})
        try:
            result_id = int(request.data.get("result"))
        except (TypeError, ValueError):
            raise exceptions.ValidationError({"result": [_("Give the item result id.")]}) from None
        result = get_object_or_404(inspection.results, pk=result_id)
        attachment = services.result_attach(by=request.user, result=result, uploaded_file=upload)
        return Response(
            {
                "id": attachment.pk,
                "taken_at": attachment.taken_at,
                "gps_latitude": attachment.gps_latitude,
                "gps_longitude": attachment.gps_longitude,
            },
            status=status.HTTP_201_CREATED,
        )

    def _transition(self, request, name: str, **kwargs):
        inspection = self.get_object()
        result = getattr(services, f"inspection_{name}")(
            by=request.user, inspection=inspection, **kwargs
        )
        return Response(InspectionSerializer(result).data)

    @extend_schema(request=None, responses=InspectionSerializer)
    @action(detail=True, methods=["post"], permission_classes=AUTHENTICATED)
    def start(self, request, pk=None):
        return self._transition(request, "start")

    @extend_schema(request=None, responses=InspectionSerializer)
    @action(detail=True, methods=["post"], permission_classes=AUTHENTICATED)
    def finish(self, request, pk=None):
        return self._transition(request, "finish")

    @extend_schema(request=None, responses=InspectionSerializer)
    @action(detail=True, methods=["post"], permission_classes=AUTHENTICATED)
    def reopen(self, request, pk=None):
        return self._transition(request, "reopen")

    @extend_schema(
        request=inline_serializer("Password", {"password": serializers.CharField()}),
        responses=SelfReportSerializer,
    )
    @action(detail=True, methods=["post"], permission_classes=AUTHENTICATED)
    def sign(self, request, pk=None):
        inspection = self.get_object()
        report = services.self_report_sign(
            by=request.user, inspection=inspection, password=str(body(request).get("password", ""))
        )
        return Response(SelfReportSerializer(report).data)

    @extend_schema(request=None, responses=InspectionSerializer)
    @action(detail=True, methods=["post"], permission_classes=AUTHENTICATED)
    def submit(self, request, pk=None):
        return self._transition(request, "submit")

    @extend_schema(request=ReasonSerializer, responses=InspectionSerializer)
    @action(detail=True, methods=["post"], permission_classes=AUTHENTICATED)
    def accept(self, request, pk=None):
        return self._transition(request, "accept", reason=str(body(request).get("reason", "")))

    @extend_schema(request=ReasonSerializer, responses=InspectionSerializer)
    @action(detail=True, methods=["post"], url_path="return", permission_classes=AUTHENTICATED)
    def return_(self, request, pk=None):
        return self._transition(request, "return", reason=str(body(request).get("reason", "")))

    @extend_schema(request=ReasonSerializer, responses=InspectionSerializer)
    @action(detail=True, methods=["post"], permission_classes=AUTHENTICATED)
    def redo(self, request, pk=None):
        data = body(request)
        reasons = data.get("reasons") or []
        if not isinstance(reasons, list):
            raise exceptions.ValidationError({"reasons": [_("Give a list of grounds.")]})
        return self._transition(
            request, "redo", reason=str(data.get("reason", "")), reasons=[str(r) for r in reasons]
        )

    @extend_schema(
        request=inline_serializer(
            "Expert",
            {
                "name": serializers.CharField(),
                "organization_name": serializers.CharField(required=False),
                "title": serializers.CharField(required=False),
                "phone": serializers.CharField(required=False),
                "days": serializers.IntegerField(required=False),
            },
        ),
        responses={
            201: inline_serializer(
                "ExpertAccount",
                {
                    "member": serializers.IntegerField(),
                    "username": serializers.CharField(),
                    "password": serializers.CharField(),
                },
            )
        },
    )
    @action(detail=True, methods=["post"], permission_classes=AUTHENTICATED)
    def experts(self, request, pk=None):
        inspection = self.get_object()
        data = body(request)
        fields = {
            k: str(data[k]) for k in ("name", "organization_name", "title", "phone") if k in data
        }
        if "days" in data:
            try:
                fields["days"] = int(data["days"])
            except (TypeError, ValueError):
                raise exceptions.ValidationError({"days": [_("Give a whole number.")]}) from None
        member, username, password = services.inspection_invite_expert(
            by=request.user, inspection=inspection, **fields
        )
        return Response(
            {"member": member.pk, "username": username, "password": password},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=SelfReportSerializer, responses=SelfReportSerializer)
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="self-report",
        permission_classes=AUTHENTICATED,
    )
    def self_report(self, request, pk=None):
        inspection = self.get_object()
        report = SelfInspectionReport.objects.filter(inspection=inspection).first()
        if report is None:  # drafted when the inspection is finished
            if request.method == "POST":
                raise exceptions.ValidationError(
                    {"status": [_("The report is drafted when the inspection is finished.")]}
                )
            return Response(None)
        if request.method == "POST":
            data = body(request)
            report = services.self_report_update(
                by=request.user,
                report=report,
                **{k: str(data[k]) for k in ("summary", "rectification") if k in data},
            )
        return Response(SelfReportSerializer(report).data)

    @extend_schema(
        request=inline_serializer(
            "ReportUpdate",
            {
                "conclusion": serializers.CharField(required=False),
                "recommendations": serializers.CharField(required=False),
                "disposals": serializers.DictField(required=False),
            },
        ),
        responses=InspectionReportSerializer,
    )
    @action(detail=True, methods=["get", "post"], permission_classes=AUTHENTICATED)
    def report(self, request, pk=None):
        """The inspection report (null until the inspection is finished); POST to write it,
        ``disposals`` as ``{"<result id>": ["suspend", "…"]}``."""
        inspection = self.get_object()
        report = InspectionReport.objects.filter(inspection=inspection).first()
        if report is None:
            if request.method == "POST":
                raise exceptions.ValidationError(
                    {"status": [_("The report is drafted when the inspection is finished.")]}
                )
            return Response(None)
        if request.method == "POST":
            data = body(request)
            disposals = data.get("disposals") or {}
            if not isinstance(disposals, dict):
                raise exceptions.ValidationError({"disposals": [_("Give an object.")]})
            try:
                disposals = {int(k): v for k, v in disposals.items()}
            except ValueError:
                raise exceptions.ValidationError(
                    {"disposals": [_("Keys are item result ids.")]}
                ) from None
            report = services.inspection_report_update(
                by=request.user,
                inspection=inspection,
                conclusion=data.get("conclusion"),
                recommendations=data.get("recommendations"),
                disposals=disposals,
            )
        return Response(InspectionReportSerializer(report).data)

    @extend_schema(
        request=inline_serializer(
            "ReportSent", {"sent_on": serializers.DateField(), "sent_to": serializers.CharField()}
        ),
        responses=InspectionReportSerializer,
    )
    @action(detail=True, methods=["post"], url_path="report/send", permission_classes=AUTHENTICATED)
    def report_send(self, request, pk=None):
        inspection = self.get_object()
        data = serializers.DateField().to_internal_value(body(request).get("sent_on") or "")
        report = services.inspection_report_send(
            by=request.user,
            inspection=inspection,
            sent_on=data,
            sent_to=str(body(request).get("sent_to", "")),
        )
        return Response(InspectionReportSerializer(report).data)

    @extend_schema(
        parameters=[OpenApiParameter("as", str, enum=["docx", "pdf"])],
        responses={(200, "application/octet-stream"): bytes},
    )
    @action(detail=True, methods=["get"], url_path="report/document")
    def document(self, request, pk=None):
        """The report as .docx (``?as=docx``, default) or .pdf (``?as=pdf``); before the
        inspection is finished, a draft with the answers so far."""
        inspection = self.get_object()
        fmt = request.query_params.get("as", "docx")
        if fmt == "pdf":
            return HttpResponse(documents.report_pdf(inspection), content_type="application/pdf")
        if fmt != "docx":
            raise exceptions.ValidationError({"as": [_("Choose docx or pdf.")]})
        return HttpResponse(
            documents.report_docx(inspection),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )

    @extend_schema(responses=inline_serializer("GroupCoverage", {"mines": serializers.ListField()}))
    @action(detail=False, methods=["get"], url_path="group-coverage")
    def group_coverage(self, request):
        rows = plan.group_coverage(user=request.user)
        return Response(
            {
                "total": len(rows),
                "checked": sum(1 for r in rows if r.checked),
                "mines": [
                    {
                        "code": r.mine.code,
                        "name": r.mine.name,
                        "enterprise": r.mine.enterprise.name,
                        "self_inspection": r.self_inspection.pk if r.self_inspection else None,
                        "group_check": r.group_check.pk if r.group_check else None,
                        "checked": r.checked,
                    }
                    for r in rows
                ],
            }
        )

    @extend_schema(
        parameters=[OpenApiParameter("mine", str, description="one mine's code")],
        responses=inline_serializer("Quality", {"mines": serializers.ListField()}),
    )
    @action(detail=False, methods=["get"])
    def quality(self, request):
        """Self-inspection quality per mine, worst first (``?mine=`` for one mine)."""
        rows = quality.quality_rows(
            user=request.user, mine_code=request.query_params.get("mine") or None
        )
        return Response(
            {
                "mines": [
                    {
                        "code": q.mine.code,
                        "name": q.mine.name,
                        "self_inspection": q.self_inspection.pk,
                        "items": q.items,
                        "noncompliant": q.noncompliant,
                        "missed_major": q.missed_major,
                        "all_compliant": q.all_compliant,
                        "answers_per_minute": q.answers_per_minute,
                        "fast": q.fast,
                        "compared": q.compared,
                        "agreed": q.agreed,
                    }
                    for q in rows
                ]
            }
        )


# --- Teams, plan and coverage ------------------------------------------------------------------


class InspectionTeamSerializer(serializers.ModelSerializer):
    leader = serializers.StringRelatedField()
    members = serializers.StringRelatedField(many=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = InspectionTeam
        fields = ["id", "campaign", "region", "name", "level", "leader", "members"]
        read_only_fields = fields


class InspectionTeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = InspectionTeam
    serializer_class = InspectionTeamSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("leader", "region").order_by("pk")

    @extend_schema(
        request=inline_serializer(
            "TeamCreate",
            {
                "campaign": serializers.IntegerField(),
                "region": serializers.CharField(),
                "name": serializers.CharField(),
                "level": serializers.CharField(),
                "leader": serializers.IntegerField(),
                "members": serializers.ListField(child=serializers.IntegerField(), required=False),
            },
        ),
        responses={201: InspectionTeamSerializer},
    )
    def create(self, request):
        from kuangan.core.models import User

        data = body(request)
        campaign = get_object_or_404(
            Campaign.objects.visible_to(request.user), pk=data.get("campaign")
        )
        region = get_object_or_404(Region, code=str(data.get("region", "")))
        people = User.objects.visible_to(request.user)
        leader = get_object_or_404(people, pk=data.get("leader"))
        members = list(people.filter(pk__in=data.get("members") or []))
        team = services.team_create(
            by=request.user,
            campaign=campaign,
            region=region,
            name=str(data.get("name", "")),
            level=str(data.get("level", "")),
            leader=leader,
            members=members,
        )
        return Response(InspectionTeamSerializer(team).data, status=status.HTTP_201_CREATED)


class PlanViewSet(ScopedViewSet):
    """The key-inspection plan of a campaign (``?campaign=`` id, default the latest;
    ``?region=`` code): the in-scope mines in order (list), the coverage figures
    (``coverage/``); POST gives mines to a team."""

    model = InspectionTeam  # reading the plan needs view_inspectionteam, assigning add_…
    serializer_class = InspectionTeamSerializer

    def _campaign(self, request, value):
        if not request.user.has_perm("inspections.plan_inspection"):
            raise exceptions.PermissionDenied()
        qs = Campaign.objects.visible_to(request.user).latest_first()
        if value in (None, ""):
            campaign = qs.first()
            if campaign is None:
                raise exceptions.NotFound()
            return campaign
        try:
            return get_object_or_404(qs, pk=int(value))
        except (TypeError, ValueError):
            raise exceptions.ValidationError({"campaign": [_("Give the campaign id.")]}) from None

    def _rows(self, request):
        campaign = self._campaign(request, request.query_params.get("campaign"))
        region = None
        if request.query_params.get("region"):
            region = get_object_or_404(Region, code=request.query_params["region"])
        return campaign, plan.plan_rows(user=request.user, campaign=campaign, region=region)

    @extend_schema(
        parameters=[OpenApiParameter("campaign", int), OpenApiParameter("region", str)],
        responses=inline_serializer(
            "PlanRow",
            {
                "code": serializers.CharField(),
                "state": serializers.CharField(),
                "deadline": serializers.DateField(),
            },
            many=True,
        ),
    )
    def list(self, request):
        _campaign, rows = self._rows(request)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(
            [
                {
                    "code": r.mine.code,
                    "name": r.mine.name,
                    "region": r.mine.region.code,
                    "reasons": list(r.reasons),
                    "priority": r.priority,
                    "priority_reasons": list(r.priority_reasons),
                    "flood_deadline": r.flood_deadline,
                    "deadline": r.deadline,
                    "team": r.inspection.team_id if r.inspection else None,
                    "inspection": r.inspection.pk if r.inspection else None,
                    "state": r.state,
                }
                for r in page
            ]
        )

    @extend_schema(
        parameters=[OpenApiParameter("campaign", int), OpenApiParameter("region", str)],
        responses=inline_serializer("PlanCoverage", {"coverage": serializers.DictField()}),
    )
    @action(detail=False, methods=["get"])
    def coverage(self, request):
        campaign, rows = self._rows(request)
        return Response({"campaign": campaign.pk, "coverage": plan.coverage(rows)})

    @extend_schema(
        request=inline_serializer(
            "PlanAssign",
            {
                "campaign": serializers.IntegerField(),
                "team": serializers.IntegerField(),
                "mines": serializers.ListField(child=serializers.CharField()),
            },
        ),
        responses=InspectionSerializer(many=True),
    )
    def create(self, request):
        """Give mines (codes) to a team of the campaign."""
        from kuangan.registry.models import Mine

        data = body(request)
        campaign = self._campaign(request, data.get("campaign"))
        team = get_object_or_404(
            InspectionTeam.objects.visible_to(request.user), pk=data.get("team")
        )
        codes = data.get("mines") or []
        if not isinstance(codes, list):
            raise exceptions.ValidationError({"mines": [_("Give a list of mine codes.")]})
        mines = list(Mine.objects.visible_to(request.user).filter(code__in=[str(c) for c in codes]))
        if len(mines) != len(set(codes)):
            raise exceptions.ValidationError({"mines": [_("Unknown mine code in the list.")]})
        done = services.plan_assign(by=request.user, campaign=campaign, team=team, mines=mines)
        return Response(InspectionSerializer(done, many=True).data)


class LookbackDrawSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    drawn_by = serializers.StringRelatedField()
    reproducible = serializers.SerializerMethodField()

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
            "full",
            "sampled",
            "drawn_by",
            "drawn_at",
            "reproducible",
        ]
        read_only_fields = fields

    def get_reproducible(self, obj) -> bool:
        return services.lookback_verify(obj)


class LookbackDrawViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = LookbackDraw
    serializer_class = LookbackDrawSerializer

    def get_queryset(self):
        return super().get_queryset().order_by("-drawn_at", "-pk")

    @extend_schema(
        request=inline_serializer(
            "LookbackCreate",
            {
                "campaign": serializers.IntegerField(),
                "region": serializers.CharField(),
                "ratio": serializers.DecimalField(max_digits=4, decimal_places=3),
                "cities": serializers.ListField(child=serializers.CharField(), required=False),
                "counties": serializers.ListField(child=serializers.CharField(), required=False),
                "key_mines": serializers.ListField(child=serializers.CharField(), required=False),
                "seed": serializers.CharField(required=False),
            },
        ),
        responses={201: LookbackDrawSerializer},
    )
    def create(self, request):
        data = body(request)
        campaign = get_object_or_404(
            Campaign.objects.visible_to(request.user), pk=data.get("campaign")
        )
        region = get_object_or_404(Region, code=str(data.get("region", "")))
        lists = {}
        for key in ("cities", "counties", "key_mines"):
            value = data.get(key) or []
            if not isinstance(value, list):
                raise exceptions.ValidationError({key: [_("Give a list.")]})
            lists[key] = [str(v) for v in value]
        record = services.lookback_draw(
            by=request.user,
            campaign=campaign,
            region=region,
            ratio=data.get("ratio"),
            seed=str(data.get("seed") or ""),
            **lists,
        )
        return Response(LookbackDrawSerializer(record).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    """Add this app's API routes to the project router."""
    router.register("inspections", InspectionViewSet, basename="inspection")
    router.register("inspection-teams", InspectionTeamViewSet, basename="inspectionteam")
    router.register("inspection-plan", PlanViewSet, basename="inspectionplan")
    router.register("lookback-draws", LookbackDrawViewSet, basename="lookbackdraw")
