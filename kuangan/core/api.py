"""REST API base: token authentication, pagination, JSON errors, the scoped viewset; and the
core endpoints (auth token, me, regions, organisations, users)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import match_token, user_has_device
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes, throttle_classes
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from . import audit, services
from .filters import AuditEventFilterSet, OrganizationFilterSet, UserFilterSet
from .models import ApiToken, AuditEvent, Organization, PasswordReset, Region, User
from .ownership import FieldsRefused, ownership_of
from .ownership import refused as ownership_refused
from .validators import validate_phone
from .views.auth import lockout_response
from .views.errors import audit_denial

# --- Authentication -------------------------------------------------------------------------


def exception_handler(exc, context):
    """Every error is ``{"error": {"code", "message", "fields"}}``; every refusal (403) is
    recorded in the audit log once."""
    if isinstance(exc, DjangoPermissionDenied | exceptions.PermissionDenied):
        request = context.get("request")
        if request is not None:
            audit_denial(request, exc)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        message = " ".join(exc.messages)
        exc = exceptions.ValidationError(fields or {"non_field_errors": exc.messages})
        exc.detail_message = message
    elif isinstance(exc, services.ConflictError):
        return Response(
            {"error": {"code": "conflict", "message": str(exc), "fields": {}}},
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, FieldsRefused):
        return Response(
            {
                "error": {
                    "code": "permission_denied",
                    "message": str(exc),
                    "fields": {k: [v] for k, v in exc.fields.items()},
                }
            },
            status=status.HTTP_403_FORBIDDEN,
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    fields = {}
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        if isinstance(detail, dict):
            fields = {
                k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()
            }
            message = getattr(exc, "detail_message", None) or _(
                "The input is not valid; see fields."
            )
        else:
            message = " ".join(str(m) for m in (detail if isinstance(detail, list) else [detail]))
    else:
        code = getattr(exc, "default_code", "error")
        if isinstance(detail, dict) and "detail" in detail:
            message = str(detail["detail"])
            code = getattr(detail["detail"], "code", code) or code
        else:
            message = str(detail)
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response


class ModelPermissions(permissions.DjangoModelPermissions):
    """Verbs from Django permissions, including view for reads."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


def body(request) -> dict:
    """The request's data as a mapping (a JSON list or scalar body is refused with 400)."""
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError(
            {"non_field_errors": [_("Send a JSON object with the fields.")]}
        )
    return request.data


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "version_required"
    default_detail = gettext_lazy(
        "Send the version you loaded (the field “version” or the If-Match header): without "
        "it, a change made by someone else in between would be silently overwritten."
    )


def _if_match(request) -> str | None:
    value = request.headers.get("If-Match", "").strip()
    if not value or value == "*":
        return None
    return value.removeprefix("W/").strip('"')


def version_of(request, *, in_query: bool = False) -> int | None:
    """The ``version`` the client loaded (optimistic locking), from the body, else from the
    ``If-Match`` header; with ``in_query`` (a DELETE, whose body is optional) the ``version``
    query parameter first, then a body that is a JSON object."""
    if in_query:
        data = request.data if isinstance(request.data, dict) else {}
        value = request.query_params.get("version") or data.get("version")
    else:
        value = body(request).get("version")
    if value in (None, ""):
        value = _if_match(request)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise exceptions.ValidationError(
            {"version": [_("Give the version as a whole number.")]}
        ) from None


def date_of(data: Mapping[str, Any], key: str, *, required: bool = False) -> dt.date | None:
    """The date (``YYYY-MM-DD``) the client sent as ``key`` in ``data`` (a body or the query
    parameters); None when it is missing and not ``required``; 400 when it is no date."""
    value = data.get(key)
    if value in (None, ""):
        if required:
            raise exceptions.ValidationError({key: [_("This field is required.")]})
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise exceptions.ValidationError({key: [_("Give the date as YYYY-MM-DD.")]}) from None


def _id(value: Any) -> int | None:
    text = str(value)
    if isinstance(value, bool) or not (text.isascii() and text.isdigit() and len(text) < 19):
        return None
    return int(text)


def id_of(data: Mapping[str, Any], key: str) -> int | None:
    """The id the client sent as ``key`` in ``data`` (a body or the query parameters); None
    when it is missing; 400 when it is no id (a whole number)."""
    value = data.get(key)
    if value in (None, ""):
        return None
    found = _id(value)
    if found is None:
        raise exceptions.ValidationError({key: [_("Give the id as a whole number.")]})
    return found


def ids_of(data: Mapping[str, Any], key: str) -> list[int]:
    """The ids the client sent as the list ``key`` in ``data`` (none when it is missing); 400
    when it is no list of ids."""
    values = data.get(key) or []
    found = [_id(v) for v in values] if isinstance(values, list) else [None]
    if None in found:
        raise exceptions.ValidationError({key: [_("Give a list of ids (whole numbers).")]})
    return [n for n in found if n is not None]


class ScopedViewSet(viewsets.GenericViewSet):
    """Base of every API viewset: rows from ``visible_to(request.user)`` (out of scope: 404),
    verbs from Django permissions."""

    permission_classes = [permissions.IsAuthenticated, ModelPermissions]
    model: type[Any] | None = None

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            self.audit_out_of_scope()
            raise

    def audit_out_of_scope(self) -> None:
        """The object the URL names was not found in the user's rows: when it exists outside
        them, audit the lookup (``audit.record_out_of_scope``)."""
        value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if value is None:
            return
        try:
            found = (
                self.get_queryset().model._default_manager.filter(**{self.lookup_field: value})
            ).first()
        except (TypeError, ValueError, DjangoValidationError):
            return
        if found is not None:
            audit.record_out_of_scope(actor=self.request.user, obj=found)


# The verbs a scoped viewset offers, by what the rows allow: read (list, retrieve), create as
# well, edit as well (update). Comments, not docstrings: the API schema would show a docstring
# as the description of every endpoint built on them.
class ScopedReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass


class ScopedCreateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    pass


class VersionedUpdateMixin(mixins.UpdateModelMixin):
    # PUT and PATCH need the version the client loaded (body or If-Match): two writers that
    # both sent none would both succeed, and the first change would be lost. 428 without it.
    # A change of a field the user's side does not own (``core.ownership``) is refused before
    # anything else reads the body: 403 naming the field (a value sent as it reads now is no
    # change).
    def update(self, request, *args, **kwargs):
        if version_of(request) is None:
            raise PreconditionRequired()
        self.refuse_foreign_fields(request)
        return super().update(request, *args, **kwargs)

    def refuse_foreign_fields(self, request) -> None:
        declared = ownership_of(self.get_queryset().model)
        if declared is None:
            return
        instance = self.get_object()
        now = self.get_serializer(instance).data
        sent = body(request)
        found = {}
        for name in declared.declared:
            if name in sent and name in now and sent[name] != now[name]:
                why = declared.refusal(request.user, instance, name)
                if why:
                    found[name] = why
        if found:
            ownership_refused(request.user, instance, found)


class ScopedEditViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    VersionedUpdateMixin,
    ScopedViewSet,
):
    pass


# --- Serializers ----------------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Region
        fields = [
            "code",
            "name",
            "level",
            "parent",
            "path",
            "province_direct",
            "longitude",
            "latitude",
        ]


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A reference to an object of a scoped model: only objects the requesting user can see are
    accepted (another region's id reads the same as a missing one)."""

    def get_queryset(self):
        request = self.context.get("request")
        queryset = super().get_queryset()
        return queryset.visible_to(request.user if request else None)


def find_by_code(queryset, value: Any, *, code_field: str = "code") -> Any:
    """The object of ``queryset`` whose ``code_field`` is ``value`` or, for older clients, whose
    id it is; None when there is none (or ``value`` is no code)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    value = str(value).strip()
    if not value or "\x00" in value:
        return None
    found = queryset.filter(**{code_field: value}).first()
    if found is None and value.isascii() and value.isdigit() and len(value) < 19:
        found = queryset.filter(pk=int(value)).first()
    return found


class ScopedCodeField(ScopedPrimaryKeyField):
    """A reference to an object the API names by a code (a mine by its ``code``): shown as the
    code and given as the code; an id is still accepted, from older clients. Only objects the
    requesting user can see are accepted."""

    default_error_messages = {
        "does_not_exist": gettext_lazy("No {name} with the code “{value}” in your area."),
        "incorrect_type": gettext_lazy("Give the code as text, not {data_type}."),
    }

    def __init__(self, *, code_field: str = "code", **kwargs):
        self.code_field = code_field
        super().__init__(**kwargs)

    def use_pk_only_optimization(self):
        return False

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        found = find_by_code(self.get_queryset(), data, code_field=self.code_field)
        if found is None:
            name = self.get_queryset().model._meta.verbose_name
            self.fail("does_not_exist", name=name, value=str(data).strip()[:64])
        return found

    def to_representation(self, value):
        return getattr(value, self.code_field)


class OrganizationSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    parent = ScopedPrimaryKeyField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    jurisdiction = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), many=True, required=False
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "kind",
            "agency",
            "name",
            "region",
            "parent",
            "jurisdiction",
            "credit_code",
            "address",
            "legal_representative",
            "principal",
            "phone",
            "is_active",
            "version",
        ]
        read_only_fields = ["version"]


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    organization_name = serializers.CharField(
        source="organization.name", read_only=True, default=""
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "real_name",
            "phone",
            "email",
            "organization",
            "organization_name",
            "roles",
            "is_active",
            "last_login",
            "version",
        ]
        read_only_fields = fields

    def get_roles(self, obj) -> list[str]:
        return sorted(obj.roles)


class UserWriteSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[A-Za-z0-9_.@-]{3,150}$")
    real_name = serializers.CharField(max_length=64)
    phone = serializers.CharField(
        max_length=32, required=False, allow_blank=True, validators=[validate_phone]
    )
    email = serializers.EmailField(required=False, allow_blank=True)
    organization = ScopedPrimaryKeyField(queryset=Organization.objects.all())
    roles = serializers.ListField(child=serializers.CharField(), required=False)


class PasswordResetSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = PasswordReset
        fields = [
            "id",
            "user",
            "username",
            "requested_by",
            "requested_at",
            "reason",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "delivered_to",
            "expires_at",
            "used_at",
            "version",
        ]
        read_only_fields = fields


class MeSerializer(UserSerializer):
    organization_kind = serializers.CharField(
        source="organization.kind", read_only=True, default=""
    )
    region = serializers.CharField(source="organization.region.code", read_only=True, default="")
    permissions = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "organization_kind", "region", "permissions"]
        read_only_fields = fields

    def get_permissions(self, obj) -> list[str]:
        return sorted(obj.get_all_permissions())


# --- Views ----------------------------------------------------------------------------------


class TokenThrottle(AnonRateThrottle):
    scope = "token"


@extend_schema(
    request=inline_serializer(
        "TokenRequest",
        {
            "username": serializers.CharField(),
            "password": serializers.CharField(),
            "otp": serializers.CharField(required=False),
        },
    ),
    responses={
        201: inline_serializer(
            "TokenResponse",
            {"token": serializers.CharField(), "expires": serializers.DateTimeField()},
        )
    },
    auth=[],
)
@api_view(["POST"])
@permission_classes([permissions.AllowAny])
@throttle_classes([TokenThrottle])
def token_obtain(request):
    """Exchange a username and password (and a TOTP code, where the user has a second factor)
    for an API token. Failures count toward the account lockout."""
    data = body(request)
    username = str(data.get("username") or "")[:150]
    password = str(data.get("password") or "")[:4096]
    if not username or not password:
        raise exceptions.ValidationError(
            {k: [_("This field is required.")] for k in ("username", "password") if not data.get(k)}
        )
    user = authenticate(request._request, username=username, password=password)
    if getattr(request._request, "axes_locked_out", False):
        return lockout_response(request._request)
    if user is None or user.has_expired:  # an ended temporary account: as unknown
        raise exceptions.AuthenticationFailed(_("The username or password is wrong."))
    if user_has_device(user, confirmed=True) or services.mfa_required(user):
        otp = str(data.get("otp") or "")[:16]
        if not otp or match_token(user, otp) is None:
            raise exceptions.AuthenticationFailed(
                _("A valid second-factor code (otp) is required.")
            )
    if user.must_change_password or services.password_expired(user):
        raise exceptions.PermissionDenied(
            _("The password must be changed first: log in to the web interface to change it.")
        )
    token, key = services.token_create(user=user, name=str(data.get("name") or "api")[:64])
    return Response({"token": key, "expires": token.expires_at}, status=status.HTTP_201_CREATED)


@extend_schema(request=None, responses={204: None})
@api_view(["POST"])
def token_revoke(request):
    """Revoke the token used for this request."""
    token = request.auth
    if not isinstance(token, ApiToken):
        raise exceptions.ValidationError({"token": [_("This request did not use a token.")]})
    services.token_revoke(by=request.user, token=token)
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request):
    return Response(MeSerializer(request.user).data)


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """The jurisdiction tree (reference data, readable by every signed-in user)."""

    queryset = Region.objects.select_related("parent")
    serializer_class = RegionSerializer
    lookup_field = "code"
    filterset_fields = ["level"]
    search_fields = ["name", "code"]
    ordering_fields = ["code", "path", "name"]


class OrganizationViewSet(ScopedEditViewSet):
    model = Organization
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    search_fields = ["name", "credit_code"]
    ordering_fields = ["name", "kind"]

    def get_queryset(self):
        return super().get_queryset().select_related("region").prefetch_related("jurisdiction")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        jurisdiction = data.pop("jurisdiction", [])
        serializer.instance = services.organization_create(
            by=self.request.user, jurisdiction=jurisdiction, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        jurisdiction = data.pop("jurisdiction", None)
        org = Organization.objects.get(pk=serializer.instance.pk)
        serializer.instance = services.organization_update(
            by=self.request.user,
            organization=org,
            version=version_of(self.request),
            jurisdiction=jurisdiction,
            **data,
        )

    def get_permissions(self):
        # The jurisdiction is the security administrator's (the service checks it).
        if self.action == "jurisdiction":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(
        request=inline_serializer(
            "JurisdictionRequest",
            {
                "jurisdiction": serializers.ListField(child=serializers.CharField()),
                "version": serializers.IntegerField(required=False),
            },
        ),
        responses=OrganizationSerializer,
    )
    @action(detail=True, methods=["post"])
    def jurisdiction(self, request, pk=None):
        """Set the regions the organisation governs (division codes; none: its own region's
        subtree). Only the security administrator (三员分立)."""
        target = self.get_object()
        codes = body(request).get("jurisdiction")
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise exceptions.ValidationError(
                {"jurisdiction": [_("Give a list of division codes.")]}
            )
        regions = list(Region.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {r.code for r in regions})
        if unknown:
            raise exceptions.ValidationError(
                {"jurisdiction": [_("Unknown division code: %(c)s") % {"c": ", ".join(unknown)}]}
            )
        org = services.organization_update(
            by=request.user, organization=target, version=version_of(request), jurisdiction=regions
        )
        return Response(OrganizationSerializer(Organization.objects.get(pk=org.pk)).data)


class UserViewSet(ScopedReadViewSet):
    """Accounts. Listing needs ``view_user``; creating ``add_user``; roles ``assign_roles``."""

    model = User
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    search_fields = ["username", "real_name"]
    ordering_fields = ["username", "real_name", "last_login"]

    def get_queryset(self):
        return super().get_queryset().select_related("organization").prefetch_related("groups")

    def get_permissions(self):
        # Writes check their own permission in the service (add_user, assign_roles, ...).
        if self.action in {"create", "roles", "deactivate", "activate", "reset_password"}:
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(request=UserWriteSerializer, responses=UserSerializer)
    def create(self, request):
        if not request.user.has_perm("core.add_user"):
            raise exceptions.PermissionDenied()
        data = UserWriteSerializer(data=body(request), context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user, password = services.user_create(
            by=request.user,
            username=values["username"],
            organization=values["organization"],
            roles=values.get("roles", []),
            real_name=values["real_name"],
            phone=values.get("phone", ""),
            email=values.get("email", ""),
            site=request.build_absolute_uri("/"),
        )
        # No password travels: the user sets it through the link mailed to them.
        result = UserSerializer(user).data
        result["password_link_sent_to"] = services.mask_email(user.email)
        return Response(result, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=inline_serializer(
            "RolesRequest", {"roles": serializers.ListField(child=serializers.CharField())}
        ),
        responses=UserSerializer,
    )
    @action(detail=True, methods=["post"])
    def roles(self, request, pk=None):
        target = self.get_object()
        roles = body(request).get("roles")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise exceptions.ValidationError({"roles": [_("Give a list of role codes.")]})
        services.user_set_roles(by=request.user, user=target, roles=roles)
        return Response(UserSerializer(User.objects.get(pk=target.pk)).data)

    @extend_schema(request=None, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        target = self.get_object()
        services.user_set_active(by=request.user, user=target, active=False)
        return Response(UserSerializer(target).data)

    @extend_schema(request=None, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        target = self.get_object()
        services.user_set_active(by=request.user, user=target, active=True)
        return Response(UserSerializer(target).data)

    @extend_schema(
        request=inline_serializer(
            "PasswordResetRequest", {"reason": serializers.CharField(required=False)}
        ),
        responses={202: PasswordResetSerializer},
    )
    @action(detail=True, methods=["post"])
    def reset_password(self, request, pk=None):
        """Request a password reset: it waits for a security administrator's approval, then
        a one-time link goes to the user's e-mail address. No password is ever returned."""
        target = self.get_object()
        reset = services.password_reset_request(
            by=request.user, user=target, reason=str(body(request).get("reason") or "")
        )
        return Response(PasswordResetSerializer(reset).data, status=status.HTTP_202_ACCEPTED)


class PasswordResetViewSet(ScopedReadViewSet):
    """Password resets under dual control: ``approve`` and ``refuse`` are the security
    administrator's (not the requester's)."""

    model = PasswordReset
    serializer_class = PasswordResetSerializer
    filterset_fields = ["status"]
    ordering_fields = ["requested_at"]

    def get_queryset(self):
        return super().get_queryset().select_related("user")

    def get_permissions(self):
        if self.action in {"approve", "refuse"}:
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(request=None, responses=PasswordResetSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        reset = services.password_reset_approve(
            by=request.user,
            reset=self.get_object(),
            site=request.build_absolute_uri("/"),
            version=version_of(request),
        )
        return Response(PasswordResetSerializer(reset).data)

    @extend_schema(
        request=inline_serializer("RefusalRequest", {"note": serializers.CharField()}),
        responses=PasswordResetSerializer,
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        reset = services.password_reset_refuse(
            by=request.user,
            reset=self.get_object(),
            note=str(body(request).get("note") or ""),
            version=version_of(request),
        )
        return Response(PasswordResetSerializer(reset).data)


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "timestamp",
            "actor",
            "actor_repr",
            "action",
            "success",
            "object_type",
            "object_id",
            "object_repr",
            "region",
            "changes",
            "ip",
            "user_agent",
            "request_id",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class AuditEventViewSet(ScopedReadViewSet):
    """The audit log, read-only, for audit administrators."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    search_fields = ["actor_repr", "object_repr", "object_id"]
    ordering_fields = ["id", "timestamp"]
