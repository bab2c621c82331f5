"""REST API of the checklist library and the criteria catalogue.

Reads (everyone signed in with a business role): ``hazard-standards``, ``hazard-criteria``
(by code), ``checklist-templates`` (+ ``versions``, ``diff``, ``export``), ``checklist-aspects``,
``checklist-items`` (filter by template version, aspect, criterion), and
``checklist-items/applicable/?mine=<code>`` (the items a mine gets). Writes go through the
services: ``checklist-templates/{id}/new-draft|publish|retire/``,
``checklist-templates/import/`` and ``hazard-standards/load/``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kuangan.core.api import ScopedReadViewSet
from kuangan.core.parsers import FormParser, MultiPartParser  # texts cleaned
from kuangan.core.spreadsheets import XLSX_MIME
from kuangan.registry.models import Mine

from . import applicability, exports, imports, services
from .diff import template_diff
from .filters import (
    ChecklistAspectFilterSet,
    ChecklistItemFilterSet,
    ChecklistTemplateFilterSet,
    HazardStandardFilterSet,
    MajorHazardCriterionFilterSet,
)
from .models import (
    ChecklistAspect,
    ChecklistItem,
    ChecklistTemplate,
    HazardStandard,
    MajorHazardCriterion,
)

_TRUE = {"1", "true", "yes", "on"}
XLSX = XLSX_MIME


# --- Serializers ----------------------------------------------------------------------------


class HazardStandardSerializer(serializers.ModelSerializer):
    criterion_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = HazardStandard
        fields = [
            "id",
            "code",
            "family",
            "name",
            "doc_no",
            "version",
            "issued_on",
            "effective_from",
            "effective_until",
            "sources",
            "confidence",
            "note",
            "criterion_count",
        ]
        read_only_fields = fields


class MajorHazardCriterionSerializer(serializers.ModelSerializer):
    standard: serializers.SlugRelatedField[HazardStandard] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    standard_doc_no = serializers.CharField(source="standard.doc_no", read_only=True)
    clause = serializers.CharField(read_only=True)
    mine_kinds = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = MajorHazardCriterion
        fields = [
            "id",
            "code",
            "standard",
            "standard_doc_no",
            "part",
            "category_no",
            "category",
            "article",
            "item",
            "clause",
            "wording",
            "mine_kinds",
            "note",
        ]
        read_only_fields = fields


class ChecklistTemplateSerializer(serializers.ModelSerializer):
    aspect_count = serializers.IntegerField(read_only=True)
    item_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ChecklistTemplate
        fields = [
            "id",
            "code",
            "family",
            "name",
            "version",
            "status",
            "source_note",
            "based_on",
            "published_at",
            "retired_at",
            "created_at",
            "aspect_count",
            "item_count",
        ]
        read_only_fields = fields


class ChecklistAspectSerializer(serializers.ModelSerializer):
    item_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ChecklistAspect
        fields = ["id", "template", "order", "name", "item_count"]
        read_only_fields = fields


class ChecklistItemSerializer(serializers.ModelSerializer):
    aspect_name = serializers.CharField(source="aspect.name", read_only=True)
    criteria: serializers.SlugRelatedField[MajorHazardCriterion] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    mine_kinds = serializers.ListField(child=serializers.CharField(), read_only=True)
    condition_text = serializers.CharField(read_only=True)

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "template",
            "aspect",
            "aspect_name",
            "code",
            "order",
            "content",
            "method",
            "basis",
            "criteria",
            "condition",
            "condition_text",
            "mine_kinds",
        ]
        read_only_fields = fields


class ApplicableItemSerializer(serializers.Serializer):
    item = ChecklistItemSerializer()
    decided = serializers.BooleanField()
    unknown = serializers.ListField(child=serializers.CharField())


_DIFF = inline_serializer(
    "ChecklistDiff",
    {
        "old": serializers.IntegerField(),
        "new": serializers.IntegerField(),
        "added": serializers.ListField(child=serializers.DictField()),
        "removed": serializers.ListField(child=serializers.DictField()),
        "changed": serializers.ListField(child=serializers.DictField()),
        "aspects_added": serializers.ListField(child=serializers.CharField()),
        "aspects_removed": serializers.ListField(child=serializers.CharField()),
    },
)
_IMPORT_ERRORS = inline_serializer(
    "ChecklistImportErrors",
    {
        "error": inline_serializer(
            "ChecklistImportError",
            {
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(),
                "rows": serializers.ListField(child=serializers.DictField()),
            },
        )
    },
)


# --- Reads ----------------------------------------------------------------------------------


class HazardStandardViewSet(ScopedReadViewSet):
    """Versions of the major-hazard standards (``?in_force_on=YYYY-MM-DD``)."""

    model = HazardStandard
    serializer_class = HazardStandardSerializer
    filterset_class = HazardStandardFilterSet
    lookup_field = "code"
    search_fields = ["name", "doc_no", "version"]
    ordering_fields = ["effective_from", "code"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(criterion_count=Count("criteria"))
            .order_by("family", "effective_from")
        )


class MajorHazardCriterionViewSet(ScopedReadViewSet):
    """Major-hazard criteria; filter by ``standard`` (id), ``part``, ``mine_kind``,
    ``in_force_on`` (the criteria of the versions in force on a date), ``category``."""

    model = MajorHazardCriterion
    serializer_class = MajorHazardCriterionSerializer
    filterset_class = MajorHazardCriterionFilterSet
    lookup_field = "code"
    search_fields = ["code", "wording", "category"]
    ordering_fields = ["code", "order"]

    def get_queryset(self):
        return super().get_queryset().select_related("standard").order_by("pk")


class ChecklistTemplateViewSet(ScopedReadViewSet):
    """Checklist versions. Published and retired ones for everyone; drafts for those who may
    change checklists."""

    model = ChecklistTemplate
    serializer_class = ChecklistTemplateSerializer
    filterset_class = ChecklistTemplateFilterSet
    lookup_value_regex = "[0-9]+"
    search_fields = ["name", "code", "source_note"]
    ordering_fields = ["family", "code", "version", "published_at"]
    writes = {"new_draft", "publish", "retire"}

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                aspect_count=Count("aspects", distinct=True),
                item_count=Count("items", distinct=True),
            )
            .order_by("family", "code", "-version")
        )

    def get_permissions(self):
        # Writes check their own permission in the service (and audit a refusal).
        if self.action in self.writes:
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(responses=ChecklistTemplateSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        """Every version of this checklist's series the caller may see, newest first."""
        template = self.get_object()
        rows = self.get_queryset().filter(code=template.code)
        return Response(self.get_serializer(rows, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("other", int, description="the version to compare with")],
        responses=_DIFF,
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        """Items added, removed and changed from ``other`` (default: the previous version)."""
        new = self.get_object()
        qs = ChecklistTemplate.objects.visible_to(request.user)
        other = request.query_params.get("other", "")
        if other:
            if not other.isdigit():
                raise exceptions.ValidationError({"other": [_("Give the id of a version.")]})
            old = get_object_or_404(qs, pk=int(other))
        else:
            old = qs.filter(code=new.code, version__lt=new.version).order_by("-version").first()
            if old is None:
                raise exceptions.ValidationError(
                    {"other": [_("There is no earlier version; give ?other=<id>.")]}
                )
        d = template_diff(old, new)
        return Response(
            {
                "old": old.pk,
                "new": new.pk,
                "added": d.added,
                "removed": d.removed,
                "changed": [
                    {"code": c.code, "fields": c.fields, "old": c.old, "new": c.new}
                    for c in d.changed
                ],
                "aspects_added": d.aspects_added,
                "aspects_removed": d.aspects_removed,
            }
        )

    @extend_schema(
        parameters=[OpenApiParameter("as", str, enum=["xlsx", "yaml"])],
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "application/yaml"): OpenApiResponse(OpenApiTypes.OBJECT),
        },
    )
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """The checklist in the import format (``?as=xlsx`` or ``?as=yaml``)."""
        template = self.get_object()
        kind = request.query_params.get("as", "xlsx")
        if kind not in exports.FORMATS:
            raise exceptions.ValidationError({"as": [_("Use xlsx or yaml.")]})
        return exports.export_download(by=request.user, template=template, kind=kind)

    def _write(self, request, fn):
        template = self.get_object()
        result = fn(by=request.user, template=template)
        result = self.get_queryset().get(pk=result.pk)
        return Response(self.get_serializer(result).data)

    @extend_schema(request=None, responses={201: ChecklistTemplateSerializer})
    @action(detail=True, methods=["post"], url_path="new-draft")
    def new_draft(self, request, pk=None):
        """A new draft version copied from the last version of the series."""
        template = self.get_object()
        draft = services.checklist_draft_create(by=request.user, template=template)
        data = self.get_serializer(self.get_queryset().get(pk=draft.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ChecklistTemplateSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Draft → published (the previously published version is retired)."""
        return self._write(request, services.checklist_publish)

    @extend_schema(request=None, responses=ChecklistTemplateSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        """Published → retired."""
        return self._write(request, services.checklist_retire)


class ChecklistAspectViewSet(ScopedReadViewSet):
    model = ChecklistAspect
    serializer_class = ChecklistAspectSerializer
    filterset_class = ChecklistAspectFilterSet
    ordering_fields = ["order"]

    def get_queryset(self):
        return (
            super().get_queryset().annotate(item_count=Count("items")).order_by("template", "order")
        )


class ChecklistItemViewSet(ScopedReadViewSet):
    """Items; filter by ``template`` (a version's id), ``aspect``, ``criterion`` (code),
    ``has_criteria``, ``mine_kind``."""

    model = ChecklistItem
    serializer_class = ChecklistItemSerializer
    filterset_class = ChecklistItemFilterSet
    lookup_value_regex = "[0-9]+"
    search_fields = ["code", "content", "method", "basis"]
    ordering_fields = ["order", "code"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("aspect")
            .prefetch_related("criteria")
            .order_by("template", "aspect__order", "order")
        )


# --- A mine's items, imports ----------------------------------------------------------------


class ApplicableItemsViewSet(viewsets.ViewSet):
    """``GET checklist-items/applicable/?mine=<code>[&template=<id>]``: the items the mine
    gets from its current checklist. A mine outside the caller's scope is a 404, like a
    missing one."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("mine", str, required=True, description="the mine's code"),
            OpenApiParameter("template", int, description="a checklist version (default: current)"),
        ],
        responses=inline_serializer(
            "ApplicableItems",
            {
                "mine": serializers.CharField(),
                "template": ChecklistTemplateSerializer(),
                "count": serializers.IntegerField(),
                "excluded": serializers.IntegerField(),
                "undecided": serializers.IntegerField(),
                "results": ApplicableItemSerializer(many=True),
            },
        ),
    )
    @action(detail=False, methods=["get"])
    def applicable(self, request):
        for perm in ("checklists.view_checklistitem", "registry.view_mine"):
            if not request.user.has_perm(perm):
                raise exceptions.PermissionDenied()
        code = request.query_params.get("mine", "").strip()
        if not code:
            raise exceptions.ValidationError({"mine": [_("Give the mine's code: ?mine=<code>.")]})
        mine = Mine.objects.visible_to(request.user).filter(code=code).first()
        if mine is None:
            raise Http404
        visible = ChecklistTemplate.objects.visible_to(request.user)
        chosen = request.query_params.get("template", "")
        if chosen:
            if not chosen.isdigit():
                raise exceptions.ValidationError({"template": [_("Give the id of a version.")]})
            template = get_object_or_404(visible, pk=int(chosen))
        else:
            template = applicability.current_template(mine.kind, visible)
            if template is None:
                raise exceptions.ValidationError(
                    {"template": [_("No published checklist of this mine's family.")]}
                )
        try:
            result = applicability.applicable_items(template, mine)
        except ValidationError as exc:
            raise exceptions.ValidationError({"template": exc.messages}) from None
        template = visible.annotate(
            aspect_count=Count("aspects", distinct=True), item_count=Count("items", distinct=True)
        ).get(pk=template.pk)
        return Response(
            {
                "mine": mine.code,
                "template": ChecklistTemplateSerializer(template).data,
                "count": len(result.items),
                "excluded": result.excluded,
                "undecided": result.undecided,
                "results": [
                    {
                        "item": ChecklistItemSerializer(e.item).data,
                        "decided": e.decided,
                        "unknown": e.unknown,
                    }
                    for e in result.items
                ],
            }
        )


class ChecklistUpload(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(required=False, default=False)
    as_new_version = serializers.BooleanField(required=False, default=False)


def _import_refused(exc: imports.ImportFailed) -> Response:
    return Response(
        {
            "error": {
                "code": "invalid",
                "message": _("The file was not imported; nothing was saved. See rows."),
                "fields": {},
                "rows": [
                    {"where": e.where, "column": e.column, "message": e.message} for e in exc.errors
                ],
            }
        },
        status=status.HTTP_422_UNPROCESSABLE_ENTITY,
    )


class ChecklistImportViewSet(viewsets.ViewSet):
    """``POST checklist-templates/import/`` (multipart ``file``, optional ``dry_run`` and
    ``as_new_version``): every checklist of the file as a draft, or nothing (422 with every
    row error)."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ChecklistUpload},
        responses={201: ChecklistTemplateSerializer(many=True), 422: _IMPORT_ERRORS},
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_file(self, request):
        if not request.user.has_perm("checklists.import_checklisttemplate"):
            raise exceptions.PermissionDenied(_("You do not have permission to import checklists."))
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": [_("Attach the file as “file”.")]})
        if upload.size > imports.MAX_BYTES:
            return Response(
                {
                    "error": {
                        "code": "too_large",
                        "message": _("The file is larger than %(mb)s MB.")
                        % {"mb": imports.MAX_BYTES // 1048576},
                        "fields": {},
                    }
                },
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        content = upload.read()
        dry_run = str(request.data.get("dry_run", "")).lower() in _TRUE
        as_new = str(request.data.get("as_new_version", "")).lower() in _TRUE
        try:
            if dry_run:
                parsed = services.checklist_import_preview(
                    filename=upload.name or "", content=content, as_new_version=as_new
                )
                return Response(
                    {"dry_run": True, "templates": [p.to_dict() for p in parsed]},
                    status=status.HTTP_200_OK,
                )
            created = services.checklist_import(
                by=request.user, filename=upload.name or "", content=content, as_new_version=as_new
            )
        except imports.ImportFailed as exc:
            return _import_refused(exc)
        rows = (
            ChecklistTemplate.objects.filter(pk__in=[t.pk for t in created])
            .annotate(
                aspect_count=Count("aspects", distinct=True),
                item_count=Count("items", distinct=True),
            )
            .order_by("pk")
        )
        return Response(
            ChecklistTemplateSerializer(rows, many=True).data, status=status.HTTP_201_CREATED
        )


class HazardStandardLoadViewSet(viewsets.ViewSet):
    """``POST hazard-standards/load/`` (multipart ``file``, a standard's YAML data file): a new
    version of a standard, e.g. the 2026 coal revision."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "StandardUpload", {"file": serializers.FileField()}
            )
        },
        responses={201: HazardStandardSerializer},
    )
    @action(detail=False, methods=["post"])
    def load(self, request):
        if not request.user.has_perm("checklists.add_hazardstandard"):
            raise exceptions.PermissionDenied()
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": [_("Attach the file as “file”.")]})
        if upload.size > imports.MAX_BYTES:
            raise exceptions.ValidationError({"file": [_("The file is too large.")]})
        standard = services.hazard_standard_load(by=request.user, source=upload.read())
        standard = HazardStandard.objects.annotate(criterion_count=Count("criteria")).get(
            pk=standard.pk
        )
        return Response(HazardStandardSerializer(standard).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    """Add this app's API routes to the project router. The upload and mine routes come first,
    so that ``checklist-items/applicable/`` and the like are not taken for an object id."""
    router.register("hazard-standards", HazardStandardViewSet, basename="hazardstandard")
    router.register("hazard-criteria", MajorHazardCriterionViewSet, basename="majorhazardcriterion")
    router.register("checklist-templates", ChecklistTemplateViewSet, basename="checklisttemplate")
    router.register("checklist-aspects", ChecklistAspectViewSet, basename="checklistaspect")
    router.register("checklist-items", ChecklistItemViewSet, basename="checklistitem")
    for prefix, viewset, basename in (
        ("checklist-items", ApplicableItemsViewSet, "checklistitem-mine"),
        ("checklist-templates", ChecklistImportViewSet, "checklisttemplate-io"),
        ("hazard-standards", HazardStandardLoadViewSet, "hazardstandard-io"),
    ):
        router.register(prefix, viewset, basename=basename)
        router.registry.insert(0, router.registry.pop())
