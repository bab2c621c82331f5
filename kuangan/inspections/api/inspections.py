"""The inspections endpoint: inspections of every kind (create, answers in bulk, files,
transitions, reports and their documents), and the group coverage and self-inspection quality
boards."""

from __future__ import annotations

from typing import TypeVar

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kuangan.campaigns.models import Campaign
from kuangan.checklists.models import ChecklistTemplate
from kuangan.core.api import ModelPermissions, ScopedReadViewSet, body
from kuangan.core.parsers import (  # texts cleaned, deep JSON refused
    FormParser,
    JSONParser,
    MultiPartParser,
)
from kuangan.registry.models import Mine

from .. import documents, plan, quality, services
from ..filters import InspectionFilterSet
from ..models import Inspection, InspectionReport, SelfInspectionReport
from .serializers import (
    AnswerSerializer,
    InspectionCreateSerializer,
    InspectionReportSerializer,
    InspectionSerializer,
    ItemResultSerializer,
    ReasonSerializer,
    SelfReportSerializer,
)

Report = TypeVar("Report", SelfInspectionReport, InspectionReport)


class ViewPermission(ModelPermissions):
    """Actions whose service decides who may do them: reading the inspection is required."""

    perms_map = {
        m: ["%(app_label)s.view_%(model_name)s"]
        for m in ("GET", "OPTIONS", "HEAD", "POST", "PUT", "PATCH", "DELETE")
    }


AUTHENTICATED = [permissions.IsAuthenticated, ViewPermission]


class InspectionViewSet(ScopedReadViewSet):
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
        rows = inspection.results.select_related(
            "item__aspect", "criterion", "recorded_by"
        ).with_hazard_ref()
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
        # The name is required: the service refuses a missing one as a blank one (400).
        fields = {"name": str(data.get("name") or "")}
        fields |= {k: str(data[k]) for k in ("organization_name", "title", "phone") if k in data}
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

    def _report(self, request: Request, model: type[Report]) -> tuple[Inspection, Report | None]:
        """The inspection and its report of ``model``: None until it is drafted, when the
        inspection is finished (writing it before is refused)."""
        inspection = self.get_object()
        report = model.objects.filter(inspection=inspection).first()
        if report is None and request.method == "POST":
            raise exceptions.ValidationError(
                {"status": [_("The report is drafted when the inspection is finished.")]}
            )
        return inspection, report

    @extend_schema(request=SelfReportSerializer, responses={200: SelfReportSerializer, 204: None})
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="self-report",
        permission_classes=AUTHENTICATED,
    )
    def self_report(self, request, pk=None):
        """The self-inspection report (204, no content, until the inspection is finished);
        POST to write its ``summary`` and ``rectification``."""
        _inspection, report = self._report(request, SelfInspectionReport)
        if report is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
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
        responses={200: InspectionReportSerializer, 204: None},
    )
    @action(detail=True, methods=["get", "post"], permission_classes=AUTHENTICATED)
    def report(self, request, pk=None):
        """The inspection report (204, no content, until the inspection is finished); POST to
        write it, ``disposals`` as ``{"<result id>": ["suspend", "…"]}``."""
        inspection, report = self._report(request, InspectionReport)
        if report is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
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
        responses={
            (200, documents.DOCX_MIME): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
        },
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
            content_type=documents.DOCX_MIME,
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
