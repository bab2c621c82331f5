from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Any, Literal, TypeVar, overload

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import (
    ADMIN_ROLES,
    ROLE_ORGANIZATION_KIND,
    OrganizationKind,
    RegionLevel,
    RegulatorAgency,
    Role,
)
from .credit_code import validate_credit_code
from .scope import ScopedQuerySet, in_subtree
from .validators import validate_phone


class VersionedModel(models.Model):
    """Optimistic locking: services save with ``WHERE version = n`` and refuse a stale edit."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


# --- References -----------------------------------------------------------------------------


_M = TypeVar("_M", bound=models.Model)


@overload
def reference(
    to: type[_M],
    verbose_name: Any,
    *,
    optional: Literal[False] = False,
    related_name: str = "+",
    one_to_one: bool = False,
    **options: Any,
) -> models.ForeignKey[_M, _M]: ...
@overload
def reference(
    to: type[_M],
    verbose_name: Any,
    *,
    optional: Literal[True],
    related_name: str = "+",
    one_to_one: bool = False,
    **options: Any,
) -> models.ForeignKey[_M | None, _M | None]: ...
@overload
def reference(
    to: str,
    verbose_name: Any,
    *,
    optional: bool = False,
    related_name: str = "+",
    one_to_one: bool = False,
    **options: Any,
) -> Any: ...
def reference(
    to: Any,
    verbose_name: Any,
    *,
    optional: bool = False,
    related_name: str = "+",
    one_to_one: bool = False,
    **options: Any,
) -> Any:
    """A reference that keeps what it points at (``on_delete=PROTECT``): a foreign key, or a
    one-to-one field with ``one_to_one``. ``optional``: it may be empty (``null`` and
    ``blank``). Without a ``related_name`` the target gets no reverse accessor."""
    if optional:
        options.update(null=True, blank=True)
    field = models.OneToOneField if one_to_one else models.ForeignKey
    return field(
        to,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        related_name=related_name,
        **options,
    )


@overload
def user_reference(
    verbose_name: Any, *, optional: Literal[False] = False, **options: Any
) -> models.ForeignKey[User, User]: ...
@overload
def user_reference(
    verbose_name: Any, *, optional: Literal[True], **options: Any
) -> models.ForeignKey[User | None, User | None]: ...
def user_reference(verbose_name: Any, *, optional: bool = False, **options: Any) -> Any:
    """The user who did something (recorded, decided, signed …): a ``reference`` to a user."""
    return reference(settings.AUTH_USER_MODEL, verbose_name, optional=optional, **options)


def coordinate(verbose_name: Any) -> models.DecimalField[Any, Decimal | None]:
    """A longitude or a latitude in degrees (six decimals: about 0.1 m), optional."""
    return models.DecimalField(verbose_name, max_digits=9, decimal_places=6, null=True, blank=True)


# --- Regions --------------------------------------------------------------------------------


class RegionQuerySet(models.QuerySet):
    def subtree(self, region: Region) -> RegionQuerySet:
        return self.filter(in_subtree("", region))

    def counties(self) -> RegionQuerySet:
        return self.filter(level=RegionLevel.COUNTY)


class Region(models.Model):
    """An administrative division (GB/T 2260). ``path`` follows who governs it, not the code:
    梅河口市 (220581) hangs directly under the province."""

    code = models.CharField(_("division code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)
    parent = reference("self", _("governed by"), optional=True, related_name="children")
    path = models.CharField(_("jurisdiction path"), max_length=64, unique=True, db_index=True)
    province_direct = models.BooleanField(_("governed directly by the province"), default=False)
    longitude = coordinate(_("longitude"))
    latitude = coordinate(_("latitude"))

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{6}$"), name="region_code_six_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def ancestors(self) -> list[Region]:
        codes = [c for c in self.path.strip("/").split("/")]
        by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]

    def audit_region(self) -> Region:
        return self


# --- Organisations --------------------------------------------------------------------------


class OrganizationQuerySet(ScopedQuerySet):
    scope_region = "region"
    scope_enterprise = "pk"
    scope_agency = "pk"
    scope_admin_roles = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN})

    def of_kind(self, kind: str) -> OrganizationQuerySet:
        return self.filter(kind=kind)


class Organization(TimeStampedModel, VersionedModel):
    kind = models.CharField(_("kind"), max_length=16, choices=OrganizationKind.choices)
    agency = models.CharField(
        _("regulator body"),
        max_length=24,
        choices=RegulatorAgency.choices,
        blank=True,
        help_text=_("For regulators: emergency bureau or national mine safety office."),
    )
    name = models.CharField(_("name"), max_length=128)
    region = reference(Region, _("region"), related_name="organizations")
    parent = reference("self", _("parent organisation"), optional=True, related_name="children")
    jurisdiction = models.ManyToManyField(
        Region,
        verbose_name=_("jurisdiction"),
        blank=True,
        related_name="governing_organizations",
        help_text=_(
            "Region subtrees this regulator governs. Empty: the subtree of its own region."
        ),
    )
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, db_index=True
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=64, blank=True)
    principal = models.CharField(_("principal"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[validate_phone])
    is_active = models.BooleanField(_("active"), default=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["region__path", "kind", "name"]
        # Separation of duties: the jurisdiction decides who regulates what, so only the
        # security administrator changes it, not whoever edits the organisation.
        permissions = [("change_jurisdiction", _("Can change an organisation's jurisdiction"))]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="organization_credit_code_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(agency="") | models.Q(kind="regulator"),
                name="organization_agency_only_for_regulators",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:organization_detail", args=[self.pk])

    def audit_region(self) -> Region:
        return self.region

    def clean(self) -> None:
        errors = {}
        if self.credit_code:
            try:
                self.credit_code = validate_credit_code(self.credit_code)
            except ValidationError as exc:
                errors["credit_code"] = exc.messages
        if self.parent_id is not None:
            seen = {self.pk} if self.pk else set()
            node = self.parent
            while node is not None:
                if node.pk in seen:
                    errors["parent"] = [
                        _("An organisation cannot be placed under itself or its subordinates.")
                    ]
                    break
                seen.add(node.pk)
                node = node.parent
        if errors:
            raise ValidationError(errors)

    def governed_paths(self) -> list[str]:
        regions = list(self.jurisdiction.all())
        if not regions:
            regions = [self.region]
        paths = sorted({r.path for r in regions})
        # Drop a path that lies inside another one.
        return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]

    def descendant_ids(self, include_self: bool = True) -> list[int]:
        ids = [self.pk] if include_self else []
        frontier = [self.pk]
        while frontier:
            frontier = list(
                Organization.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            frontier = [pk for pk in frontier if pk not in ids]
            ids.extend(frontier)
        return ids


# --- Users ----------------------------------------------------------------------------------


class UserQuerySet(ScopedQuerySet):
    scope_region = "organization__region"
    scope_enterprise = "organization"
    scope_agency = "organization"
    scope_admin_roles = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN})


class KuanganUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser, VersionedModel):
    real_name = models.CharField(_("real name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[validate_phone])
    organization = reference(Organization, _("organisation"), optional=True, related_name="users")
    must_change_password = models.BooleanField(_("must change password"), default=False)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    current_login_at = models.DateTimeField(_("current login at"), null=True, blank=True)
    last_login_ip = models.GenericIPAddressField(_("last login address"), null=True, blank=True)
    previous_login_at = models.DateTimeField(_("previous login at"), null=True, blank=True)
    previous_login_ip = models.GenericIPAddressField(
        _("previous login address"), null=True, blank=True
    )
    # A temporary account (an invited expert's) ends at this time: it cannot log in after it,
    # and its sessions and API tokens end with it.
    valid_until = models.DateTimeField(_("account valid until"), null=True, blank=True)

    objects = KuanganUserManager()

    # The history of an invited expert's account names the inspection (read by name from the
    # app registry when the history is shown: core does not import inspections).
    history_choices = {"expert_for_inspection": "inspections.Inspection"}

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        permissions = [
            ("assign_roles", _("Can assign roles")),
            ("unlock_user", _("Can unlock a locked-out account")),
            ("manage_security_policy", _("Can manage the security policy")),
        ]

    def __str__(self) -> str:
        return self.real_name or self.username

    def get_absolute_url(self) -> str:
        return reverse("core:user_detail", args=[self.pk])

    @classmethod
    def with_password(cls, password: str, **fields: Any) -> User:
        """A new account (not saved yet) whose password is ``password``, set now."""
        user = cls(password_changed_at=timezone.now(), **fields)
        user.set_password(password)
        return user

    @cached_property
    def roles(self) -> frozenset[str]:
        if not self.pk:
            return frozenset()
        names = {g.name for g in self.groups.all()}
        return frozenset(names & set(Role.values))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_admin_role(self) -> bool:
        return bool(self.roles & ADMIN_ROLES)

    @property
    def is_temporary(self) -> bool:
        """A temporary account (an invited expert's): it ends at ``valid_until``."""
        return self.valid_until is not None

    @property
    def has_expired(self) -> bool:
        return self.valid_until is not None and self.valid_until <= timezone.now()

    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in Role.values if r in self.roles]

    def audit_region(self) -> Region | None:
        return self.organization.region if self.organization_id else None

    def clean_roles(self, roles: set[str]) -> None:
        """Validate a role set for this user (used by the services that grant roles)."""
        unknown = roles - set(Role.values)
        if unknown:
            raise ValidationError({"roles": _("Unknown role: %(r)s") % {"r": ", ".join(unknown)}})
        admin = roles & ADMIN_ROLES
        if admin and len(roles) > 1:
            raise ValidationError(
                {
                    "roles": _(
                        "The system, security and audit administrator roles are mutually "
                        "exclusive and cannot be combined with any other role."
                    )
                }
            )
        if roles and self.organization is None:
            raise ValidationError({"organization": _("A user with roles needs an organisation.")})
        for role in roles:
            expected = ROLE_ORGANIZATION_KIND[Role(role)]
            if self.organization and self.organization.kind != expected:
                raise ValidationError(
                    {
                        "roles": _("Role %(role)s needs an organisation of kind %(kind)s.")
                        % {"role": Role(role).label, "kind": OrganizationKind(expected).label}
                    }
                )


class PasswordHistory(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=256)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.created_at:%Y-%m-%d}"


class PasswordResetStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Link sent to the user")
    REFUSED = "refused", _("Refused")
    USED = "used", _("Password set by the user")
    CANCELLED = "cancelled", _("Replaced by a newer link")


PASSWORD_RESET_TRANSITIONS = {
    PasswordResetStatus.PENDING: frozenset(
        {PasswordResetStatus.APPROVED, PasswordResetStatus.REFUSED}
    ),
    PasswordResetStatus.APPROVED: frozenset(
        {PasswordResetStatus.USED, PasswordResetStatus.CANCELLED}
    ),
}


class PasswordResetQuerySet(ScopedQuerySet):
    """The system and security administrators see the requests of the users they see."""

    scope_region = "user__organization__region"
    scope_admin_roles = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN})
    scope_business = False

    def pending(self) -> PasswordResetQuerySet:
        return self.filter(status=PasswordResetStatus.PENDING)


class PasswordReset(VersionedModel):
    """An administrator's request to reset a user's password (dual control, 三员分立): the
    security administrator approves it, then a one-time link, valid for a limited time, is
    sent to the user's own e-mail address. Only the SHA-256 of the link's key is stored; the
    administrators never see the link or a password."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="password_resets"
    )
    requested_by = user_reference(_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PasswordResetStatus.choices,
        default=PasswordResetStatus.PENDING,
    )
    decided_by = user_reference(_("decided by"), optional=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=200, blank=True)
    key_hash = models.CharField(max_length=64, blank=True, db_index=True)
    delivered_to = models.CharField(_("link sent to"), max_length=254, blank=True)
    expires_at = models.DateTimeField(_("link valid until"), null=True, blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    objects = PasswordResetQuerySet.as_manager()

    class Meta:
        verbose_name = _("password reset")
        verbose_name_plural = _("password resets")
        ordering = ["-requested_at", "-pk"]
        default_permissions = ("view",)
        permissions = [
            ("request_password_reset", _("Can request a password reset")),
            ("approve_password_reset", _("Can approve a password reset")),
        ]

    def __str__(self) -> str:
        return str(_("Password reset of %(user)s") % {"user": self.user})

    def get_absolute_url(self) -> str:
        return reverse("core:password_reset_detail", args=[self.pk])

    def audit_region(self) -> Region | None:
        return self.user.audit_region()

    def can_transition(self, to: str) -> bool:
        return to in PASSWORD_RESET_TRANSITIONS.get(self.status, frozenset())

    @property
    def link_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class ApiToken(models.Model):
    """A bearer token for the API. Only a SHA-256 hash of the key is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=64, blank=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


# --- Audit ----------------------------------------------------------------------------------


class AuditEventQuerySet(ScopedQuerySet):
    scope_region = "region"
    scope_admin_roles = frozenset({Role.AUDIT_ADMIN})
    scope_business = False


class AuditEvent(models.Model):
    """Append-only, hash-chained record of every change and security event. Written only by
    ``core.audit.record``; the database refuses UPDATE and DELETE on this table."""

    timestamp = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_repr = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    success = models.BooleanField(_("success"), default=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=40, blank=True)
    prev_hash = models.CharField(max_length=128, blank=True)
    hash = models.CharField(max_length=128, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("Audit events cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Audit events cannot be deleted."))


# --- Files ----------------------------------------------------------------------------------


def attachment_path(instance: Attachment, filename: str) -> str:
    # Never the user's file name on disk: a random name under a date folder.
    return f"attachments/{timezone.now():%Y/%m}/{instance.storage_name}"


class Attachment(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64, db_index=True)
    target = GenericForeignKey("content_type", "object_id")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    storage_name = models.CharField(max_length=80, editable=False)
    original_name = models.CharField(_("file name"), max_length=200)
    mime_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = reference(User, _("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    taken_at = models.DateTimeField(_("photo taken at"), null=True, blank=True)
    gps_latitude = coordinate(_("photo latitude"))
    gps_longitude = coordinate(_("photo longitude"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name

    def audit_region(self) -> Region | None:
        target = self.target
        return target.audit_region() if target is not None else None


# --- Notifications --------------------------------------------------------------------------


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user) -> NotificationQuerySet:
        """A notification is addressed to one user and seen by that user only."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title
