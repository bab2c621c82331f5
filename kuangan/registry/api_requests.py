"""API of the requests to change the regulator's registry facts: the enterprise asks
(``POST /api/v1/registry-change-requests/`` with the mine's code or the enterprise's id, the
new values and a reason), the regulator approves or rejects, the enterprise may withdraw."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kuangan.core.api import ScopedReadViewSet, body, version_of
from kuangan.core.models import User

from . import services
from .api import EnterpriseSerializer, MineSerializer
from .filters import ChangeRequestFilterSet
from .models import ChangeRequest, Enterprise, Mine


class ChangeRequestSerializer(serializers.ModelSerializer):
    mine = serializers.CharField(source="mine.code", read_only=True, allow_null=True)
    mine_name = serializers.CharField(source="mine.name", read_only=True, allow_null=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    requested_by: serializers.StringRelatedField[User] = serializers.StringRelatedField()
    decided_by: serializers.StringRelatedField[User] = serializers.StringRelatedField(
        allow_null=True
    )

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "mine",
            "mine_name",
            "enterprise",
            "enterprise_name",
            "region",
            "changes",
            "reason",
            "status",
            "status_label",
            "requested_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "version",
        ]
        read_only_fields = fields


class ChangeRequestCreateSerializer(serializers.Serializer):
    mine = serializers.CharField(required=False, help_text="The mine's code.")
    enterprise = serializers.IntegerField(required=False, help_text="The enterprise's id.")
    changes = serializers.DictField(help_text="{field: the value asked for}")
    reason = serializers.CharField(max_length=2000)


class ChangeRequestViewSet(mixins.CreateModelMixin, ScopedReadViewSet):
    """Requests to change the facts of a mine or an enterprise that the regulator decides
    (county, kind, status, rule inputs, licences, group company)."""

    model = ChangeRequest
    serializer_class = ChangeRequestSerializer
    filterset_class = ChangeRequestFilterSet
    search_fields = ["mine__name", "mine__code", "enterprise__name", "reason"]
    ordering_fields = ["created_at", "decided_at", "status"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("mine", "enterprise", "region", "requested_by", "decided_by")
        )

    def get_permissions(self):
        # The decisions check their own permission in the service (decide_changerequest).
        if self.action in {"approve", "reject", "withdraw"}:
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    def _target(self, data: dict) -> Mine | Enterprise:
        user = self.request.user
        if data.get("mine"):
            target = Mine.objects.visible_to(user).filter(code=data["mine"]).first()
        elif data.get("enterprise"):
            target = Enterprise.objects.visible_to(user).filter(pk=data["enterprise"]).first()
        else:
            raise exceptions.ValidationError(
                {"mine": [_("Name the mine (its code) or the enterprise (its id).")]}
            )
        if target is None:
            raise exceptions.ValidationError({"mine": [_("No such mine or enterprise here.")]})
        return target

    @extend_schema(request=ChangeRequestCreateSerializer, responses={201: ChangeRequestSerializer})
    def create(self, request, *args, **kwargs):
        incoming = ChangeRequestCreateSerializer(data=body(request))
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        target = self._target(data)
        # The target's own serializer reads the values (a county by its code, a date …).
        reader_class = MineSerializer if isinstance(target, Mine) else EnterpriseSerializer
        allowed = services.requestable_fields(target)
        wrong = [k for k in data["changes"] if k not in allowed]
        if wrong:
            raise exceptions.ValidationError(
                {k: [_("This is not a fact the regulator decides.")] for k in wrong}
            )
        reader = reader_class(
            target, data=data["changes"], partial=True, context=self.get_serializer_context()
        )
        if isinstance(target, Mine):
            reader.fields["enterprise"].queryset = Enterprise.objects.all()
        reader.is_valid(raise_exception=True)
        values = {k: v for k, v in reader.validated_data.items() if k in allowed}
        created = services.change_request_submit(
            by=request.user, target=target, reason=data["reason"], **values
        )
        return Response(
            ChangeRequestSerializer(created, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def _done(self, obj: ChangeRequest) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(ChangeRequestSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(
        request=inline_serializer(
            "ChangeRequestDecision",
            {"note": serializers.CharField(required=False), "version": serializers.IntegerField()},
        ),
        responses=ChangeRequestSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve: the registry changes as asked (audited with before and after)."""
        return self._decide(request, approve=True)

    def _decide(self, request, *, approve: bool) -> Response:
        obj = self.get_object()
        services.change_request_decide(
            by=request.user,
            request=obj,
            approve=approve,
            note=str(body(request).get("note", "")),
            version=version_of(request),
        )
        return self._done(obj)

    @extend_schema(
        request=inline_serializer(
            "ChangeRequestRejection",
            {"note": serializers.CharField(), "version": serializers.IntegerField()},
        ),
        responses=ChangeRequestSerializer,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject, with the reason (``note``)."""
        return self._decide(request, approve=False)

    @extend_schema(
        request=inline_serializer(
            "ChangeRequestWithdrawal", {"version": serializers.IntegerField()}
        ),
        responses=ChangeRequestSerializer,
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """The enterprise takes its pending request back."""
        obj = self.get_object()
        services.change_request_withdraw(by=request.user, request=obj, version=version_of(request))
        return self._done(obj)


def register(router) -> None:
    router.register(
        "registry-change-requests", ChangeRequestViewSet, basename="registrychangerequest"
    )
