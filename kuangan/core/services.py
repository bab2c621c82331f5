"""Workflows of the core app. Each function checks permission, validates, saves and audits in
one transaction; views, the API, the admin and commands all call these."""

from __future__ import annotations

import copy
import hashlib
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, NoReturn, TypeVar

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, ownership
from .choices import AuditAction, OrganizationKind, Role
from .models import (
    ApiToken,
    Notification,
    Organization,
    PasswordHistory,
    PasswordReset,
    PasswordResetStatus,
    Region,
    User,
)
from .passwords import weak_pattern
from .scope import at_or_above


class ConflictError(Exception):
    """The record was changed by someone else since it was loaded."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or _(
                "This record was changed by someone else after you opened it. "
                "Reload the page to see the current data, then make your change again."
            )
        )


M = TypeVar("M", bound=models.Model)


def refuse(
    actor: User | None,
    message: str | None = None,
    *,
    obj: models.Model | None = None,
    perm: str = "",
) -> NoReturn:
    """Refuse the action: record the refusal in the audit log and raise ``PermissionDenied``
    (marked ``audited``, so the 403 handlers do not record it a second time).

    ``perm`` names what was missing (a permission, or the service's own rule). Call it before
    opening the service's transaction: an audit event recorded inside an atomic block that the
    refusal then rolls back would disappear with it."""
    audit.record(
        actor=actor,
        action=AuditAction.PERMISSION_DENIED,
        obj=obj,
        success=False,
        changes={"permission": perm},
        region=None if obj is not None else _actor_region(actor),
    )
    exc = PermissionDenied(message or _("You do not have permission to do this."))
    exc.audited = True  # type: ignore[attr-defined]  # read by the 403 handlers
    raise exc


def require_perm(actor: User, perm: str, obj: models.Model | None = None) -> None:
    """Refuse (and audit the refusal) when ``actor`` lacks ``perm``.

    Call it before opening the service's transaction: a refusal raised inside an atomic block
    would roll its own audit event back."""
    if actor is not None and actor.is_active and actor.has_perm(perm):
        return
    refuse(actor, obj=obj, perm=perm)


def _actor_region(actor: User | None) -> Region | None:
    audit_region = getattr(actor, "audit_region", None)
    return audit_region() if callable(audit_region) else None


def is_visible(actor: User, obj: models.Model) -> bool:
    """Whether ``obj`` lies in ``actor``'s scope (its model's ``visible_to``)."""
    manager: Any = type(obj)._default_manager  # a ScopedQuerySet's manager
    return bool(manager.visible_to(actor).filter(pk=obj.pk).exists())


def require_visible(actor: User, obj: models.Model, message: str, *, perm: str = "") -> None:
    """Before a change: refuse (audited, ``refuse``) when ``obj`` lies outside ``actor``'s
    scope. ``message`` says what lies outside."""
    if not is_visible(actor, obj):
        refuse(actor, message, obj=obj, perm=perm)


def ensure_visible(actor: User, obj: models.Model) -> None:
    """After a write: the object must still be inside the actor's scope (inside the
    transaction, so a write that moves an object out of scope is rolled back)."""
    if not is_visible(actor, obj):
        raise PermissionDenied(_("The result would lie outside your jurisdiction."))


def save_new(
    obj: M,
    *,
    by: User,
    changes: dict[str, Any] | None = None,
    related: Callable[[M], dict[str, Any] | None] | None = None,
) -> M:
    """Insert the new record ``obj`` through the one door of creation: validate it
    (``full_clean``), save it, re-check that it lies in ``by``'s scope (``ensure_visible``) and
    record one ``created`` audit event with its values and the further ``changes`` (e.g. the
    many-to-many values the caller sets next). Call it inside the service's transaction.

    ``related(obj)``, when given, writes the rows that come with the new record once it has
    its id (its phases, its members, its checklist items) before the scope re-check, and
    returns what the audit event says of them (``{"phases": [None, …]}``), which is what
    they are in the database, not what was asked for."""
    obj.full_clean()
    obj.save()
    written = related(obj) if related is not None else None
    ensure_visible(by, obj)
    audit.record(
        actor=by,
        action=AuditAction.CREATED,
        obj=obj,
        changes={**audit.diff({}, audit.snapshot(obj)), **(changes or {}), **(written or {})},
    )
    return obj


def save_versioned(obj: models.Model, *, expected_version: int | None, fields: list[str]) -> None:
    """Save ``fields`` of ``obj`` only if nobody changed it since ``expected_version``."""
    if obj.pk is None:
        obj.save()
        return
    row: Any = obj  # a versioned model (a ``version`` field)
    version = row.version if expected_version is None else expected_version
    values = {f: getattr(obj, _attname(obj, f)) for f in fields}
    if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
        values["updated_at"] = timezone.now()
    updated = (
        type(obj)
        ._base_manager.filter(pk=obj.pk, version=version)
        .update(
            version=F("version") + 1,
            **{_attname(obj, k): v for k, v in values.items()},
        )
    )
    if updated != 1:
        raise ConflictError()
    row.version = version + 1


def _attname(obj: models.Model, name: str) -> str:
    field: Any = obj._meta.get_field(name)
    return str(field.attname)


# --- State changes: the one door --------------------------------------------------------------

# Fields a change never compares or records itself (save_versioned keeps them).
_UNTRACKED = frozenset({"version", "updated_at", "created_at"})


def _is_versioned(model: type[models.Model]) -> bool:
    """Whether the model's ``version`` field is its edit counter (optimistic locking). A model
    whose ``version`` means something else (a checklist's version number) says
    ``optimistic_lock = False``."""
    if not getattr(model, "optimistic_lock", True):
        return False
    return any(f.name == "version" for f in model._meta.concrete_fields)


def lock(
    obj: M,
    *,
    version: int | None = None,
    related: Sequence[str] = (),
    queryset: models.QuerySet[M] | None = None,
) -> M:
    """The row of ``obj`` as stored now, locked for the current transaction where the database
    can (``select_for_update``); ``related`` are loaded with it. With ``version``, a row that
    someone changed since (another version) is refused with ``ConflictError``.

    Call it inside ``transaction.atomic()``; ``transition`` does, for the usual change."""
    qs = queryset if queryset is not None else type(obj)._base_manager.all()
    if related:
        qs = qs.select_related(*related)
    # Only the row itself is locked (``of=("self",)``): a nullable relation loaded with it is an
    # outer join, which PostgreSQL cannot lock.
    current = qs.select_for_update(of=("self",) if related else ()).get(pk=obj.pk)
    if version is not None and int(version) != getattr(current, "version", None):
        raise ConflictError()
    return current


def _values(obj: models.Model) -> dict[str, Any]:
    return {
        f.name: copy.deepcopy(getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.name not in _UNTRACKED
    }


def _status_label(obj: models.Model, value: str) -> str:
    try:
        field: Any = obj._meta.get_field("status")
        choices = dict(field.flatchoices)
    except FieldDoesNotExist:
        choices = {}
    return str(choices.get(value, value))


def _check_declared(obj: models.Model, to: str) -> None:
    """The transitions declared next to the model (``can_transition``) allow ``to``."""
    can_transition = getattr(obj, "can_transition", None)
    if callable(can_transition) and not can_transition(to):
        raise ValidationError(
            _("A record that is “%(status)s” cannot become “%(to)s”.")
            % {
                "status": _status_label(obj, getattr(obj, "status", "")),
                "to": _status_label(obj, to),
            }
        )


def _refresh(target: models.Model, source: models.Model) -> None:
    """Give the caller's instance the values just saved."""
    if source is not target:
        for f in source._meta.concrete_fields:
            setattr(target, f.attname, getattr(source, f.attname))
        target._state.fields_cache = {}


@contextmanager
def transition(
    obj: M,
    *,
    by: User | None,
    version: int | None = None,
    to: str | None = None,
    guard: Callable[[M], None] | None = None,
    action: str = AuditAction.STATUS_CHANGED,
    changes: Callable[[dict, M], dict] | None = None,
    notify: Callable[[M], object] | None = None,
    related: Sequence[str] = (),
    recheck: bool = True,
    save: bool = True,
    actor_repr: str | None = None,
) -> Iterator[M]:
    """The one door for a change of a record's state. Used as ``with transition(...) as
    current:``, the block sets the other fields that change with it, on ``current``, the row
    as stored now. In one transaction it:

    1. locks the row (``lock``; ``related`` are loaded with it);
    2. refuses a stale ``version`` with ``ConflictError`` (the API's 409);
    3. calls ``guard(current)``, the service's own rule (it raises ``ValidationError``), and,
       with a target status ``to``, the transitions declared on the model (``can_transition``);
    4. takes the before-snapshot for the audit, then runs the block;
    5. sets ``status = to`` and saves the fields that changed, moving the version on
       (``save_versioned``; with ``save=False`` only when a field changed);
    6. re-checks that the row is still in ``by``'s scope (``ensure_visible``; ``recheck``);
    7. records one audit event ``action`` with ``changes(before, current)`` (by default the
       diff of the snapshots; nothing is recorded when that is empty);
    8. defers ``notify(current)`` until the transaction commits (``transaction.on_commit``).

    An exception from the guard or the block rolls everything back. Afterwards ``obj`` (the
    caller's instance) holds the saved values too."""
    with transaction.atomic():
        current = lock(obj, version=version, related=related)
        if guard is not None:
            guard(current)
        if to is not None:
            _check_declared(current, to)
        before = audit.snapshot(current)
        values = _values(current)
        yield current
        if to is not None:
            setattr(current, "status", to)  # noqa: B010 - a model with a status field
        changed = [name for name, value in _values(current).items() if values[name] != value]
        if changed or save:
            if _is_versioned(type(current)):
                version_now = getattr(current, "version", None)
                save_versioned(current, expected_version=version_now, fields=changed)
            elif changed:
                touched = [f.name for f in current._meta.concrete_fields if f.name == "updated_at"]
                current.save(update_fields=[*changed, *touched])
        if recheck and by is not None:
            ensure_visible(by, current)
        recorded = (
            changes(before, current) if changes else audit.diff(before, audit.snapshot(current))
        )
        if recorded:
            audit.record(
                actor=by, action=action, obj=current, changes=recorded, actor_repr=actor_repr
            )
        if notify is not None:
            transaction.on_commit(lambda: notify(current))
    _refresh(obj, current)


# --- Organisations --------------------------------------------------------------------------

ORGANIZATION_FIELDS = [
    "kind",
    "agency",
    "name",
    "region",
    "parent",
    "credit_code",
    "address",
    "legal_representative",
    "principal",
    "phone",
    "is_active",
]


def _jurisdiction_codes(org: Organization) -> list[str]:
    return sorted(org.jurisdiction.values_list("code", flat=True))


def refuse_fields(
    actor: User, fields: dict[str, str], *, obj: models.Model | None = None, perm: str = ""
) -> NoReturn:
    """Refuse (audited, like ``refuse``) a change of ``fields`` (``{field: why}``): a 403
    whose API error names each field."""
    ownership.refused(actor, obj, fields, perm=perm, region=_actor_region(actor))


JURISDICTION_PERM = "core.change_jurisdiction"


def _require_jurisdiction_perm(by: User, organization: Organization | None = None) -> None:
    """Separation of duties: only the security administrator sets which regions an
    organisation governs (who regulates what); the system administrator and the business
    roles that edit organisations cannot."""
    if by is not None and by.is_active and by.has_perm(JURISDICTION_PERM):
        return
    refuse_fields(
        by,
        {
            "jurisdiction": _(
                "Only the security administrator sets the jurisdiction (field “jurisdiction”) "
                "of an organisation."
            )
        },
        obj=organization,
        perm=JURISDICTION_PERM,
    )


def organization_create(
    *, by: User, jurisdiction: list[Region] | None = None, **fields: Any
) -> Organization:
    require_perm(by, "core.add_organization")
    if jurisdiction:
        _require_jurisdiction_perm(by)
    unknown = set(fields) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise ValidationError({key: _("This field cannot be set here.") for key in unknown})

    def governed(org: Organization) -> dict[str, Any] | None:
        if not jurisdiction:
            return None
        org.jurisdiction.set(jurisdiction)
        return {"jurisdiction": [[], _jurisdiction_codes(org)]}

    with transaction.atomic():
        return save_new(Organization(**fields), by=by, related=governed)


def organization_update(
    *,
    by: User,
    organization: Organization,
    version: int | None = None,
    jurisdiction: list[Region] | None = None,
    **fields: Any,
) -> Organization:
    """Change ``fields`` (and the governed regions, when ``jurisdiction`` is given) of an
    organisation; refused when someone changed it since ``version``. Editing the fields needs
    ``change_organization``; changing the jurisdiction needs ``change_jurisdiction`` (the
    security administrator's), and either may come without the other."""
    new_jurisdiction = None if jurisdiction is None else sorted({r.code for r in jurisdiction})
    jurisdiction_changes = new_jurisdiction is not None and new_jurisdiction != _jurisdiction_codes(
        organization
    )
    if fields or not jurisdiction_changes:
        require_perm(by, "core.change_organization", organization)
    if jurisdiction_changes:
        _require_jurisdiction_perm(by, organization)
        require_visible(
            by,
            organization,
            _("This organisation lies outside your jurisdiction."),
            perm=JURISDICTION_PERM,
        )
    else:
        jurisdiction = None
    with transaction.atomic():
        before = audit.snapshot(organization)
        before_jurisdiction = _jurisdiction_codes(organization)
        for key, value in fields.items():
            if key not in ORGANIZATION_FIELDS:
                raise ValidationError({key: _("This field cannot be changed here.")})
            setattr(organization, key, value)
        organization.full_clean()
        if fields or jurisdiction is not None:
            save_versioned(organization, expected_version=version, fields=list(fields))
        if jurisdiction is not None:
            organization.jurisdiction.set(jurisdiction)
        ensure_visible(by, organization)
        changes = audit.diff(before, audit.snapshot(organization))
        after_jurisdiction = _jurisdiction_codes(organization)
        if after_jurisdiction != before_jurisdiction:
            changes["jurisdiction"] = [before_jurisdiction, after_jurisdiction]
        if changes:
            audit.record(actor=by, action=AuditAction.UPDATED, obj=organization, changes=changes)
    return organization


# --- Users ----------------------------------------------------------------------------------


def _role_groups(roles: set[str]) -> list[Group]:
    return [Group.objects.get_or_create(name=r)[0] for r in sorted(roles)]


def generate_password() -> str:
    """A random initial password that meets the policy (length 14, all four classes)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    while True:
        core = "".join(secrets.choice(alphabet) for _ in range(10))
        password = (
            core
            + secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
            + secrets.choice("abcdefghijkmnpqrstuvwxyz")
            + secrets.choice("23456789")
            + secrets.choice("#%+-=@")
        )
        if weak_pattern(password) is None:  # no "abcd" nor "7777" by chance
            return password


def user_create(
    *,
    by: User | None,
    username: str,
    organization: Organization | None,
    roles: set[str] | list[str] | tuple[str, ...] = (),
    real_name: str = "",
    phone: str = "",
    email: str = "",
    password: str | None = None,
    must_change_password: bool = True,
    site: str = "",
) -> tuple[User, str]:
    """Create an account. An administrator (``by``) never learns its password: a one-time
    link to set it is mailed to the user's own ``email`` (``site``: the scheme and host the
    link starts with), and the password returned is "". ``by=None`` only for set-up commands
    (demo data, bootstrap), which get the initial password, to be changed at first login."""
    roles = set(roles)
    if by is not None:
        require_perm(by, "core.add_user")
        # Separation of duties (三员分立): the system administrator creates accounts without
        # roles; only the security administrator grants roles, business or administrator.
        if roles and not by.has_perm("core.assign_roles"):
            refuse_fields(
                by,
                {"roles": _roles_refused()},
                perm="core.assign_roles",
            )
    password = password or generate_password()
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": _("This username is already taken.")})
        if by is not None and not email:
            raise ValidationError(
                {
                    "email": _(
                        "Enter the user's own e-mail address: the link to set the first password "
                        "is sent there, and nobody else sees a password."
                    )
                }
            )
        user = User(
            username=username,
            organization=organization,
            real_name=real_name,
            phone=phone,
            email=email,
            must_change_password=must_change_password,
            password_changed_at=timezone.now(),
        )
        user.clean_roles(roles)
        user.full_clean(exclude=["password"])
        validate_password(password, user)
        user.set_password(password)
        user.save()
        user.groups.set(_role_groups(roles))
        if by is not None:
            ensure_visible(by, user)
        audit.record(
            actor=by,
            action=AuditAction.CREATED,
            obj=user,
            changes={**audit.diff({}, audit.snapshot(user)), "roles": [[], sorted(roles)]},
        )
        if by is not None:
            _first_password_link(by=by, user=user, site=site)
            password = ""
    user.__dict__.pop("roles", None)
    return user, password


def _roles_refused() -> str:
    return _(
        "Only the security administrator grants roles (field “roles”): create the account "
        "without roles, then ask the security administrator to grant them."
    )


USER_FIELDS = ["real_name", "phone", "email", "organization"]


def user_update(*, by: User, user: User, version: int | None = None, **fields: Any) -> User:
    require_perm(by, "core.change_user", user)
    with transaction.atomic():
        before = audit.snapshot(user, USER_FIELDS)
        for key, value in fields.items():
            if key not in USER_FIELDS:
                raise ValidationError({key: _("This field cannot be changed here.")})
            setattr(user, key, value)
        user.clean_roles(set(user.roles))
        user.full_clean(exclude=["password"])
        save_versioned(user, expected_version=version, fields=list(fields))
        ensure_visible(by, user)
        changes = audit.diff(before, audit.snapshot(user, USER_FIELDS))
        if changes:
            audit.record(actor=by, action=AuditAction.UPDATED, obj=user, changes=changes)
    return user


def user_set_roles(*, by: User, user: User, roles: set[str] | list[str]) -> User:
    """Grant exactly ``roles``. Only the security administrator assigns roles; nobody
    changes their own."""
    if not (by is not None and by.is_active and by.has_perm("core.assign_roles")):
        refuse_fields(by, {"roles": _roles_refused()}, obj=user, perm="core.assign_roles")
    if by.pk == user.pk:
        raise PermissionDenied(_("You cannot change your own roles."))
    roles = set(roles)
    with transaction.atomic():
        before = sorted(user.roles)
        user.clean_roles(roles)
        user.groups.set(_role_groups(roles))
        user.__dict__.pop("roles", None)
        User.objects.filter(pk=user.pk).update(version=F("version") + 1)
        ensure_visible(by, user)
        audit.record(
            actor=by,
            action=AuditAction.USER_ROLES_CHANGED,
            obj=user,
            changes={"roles": [before, sorted(roles)]},
        )
    return user


def end_sessions(user: User, *, keep_session_key: str | None = None) -> int:
    """End every session of ``user`` on the server (except ``keep_session_key``)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.session_key == keep_session_key:
            continue
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


def user_set_active(*, by: User, user: User, active: bool) -> User:
    require_perm(by, "core.change_user", user)
    if by.pk == user.pk and not active:
        raise PermissionDenied(_("You cannot deactivate your own account."))
    with transaction.atomic():
        user.is_active = active
        save_versioned(user, expected_version=None, fields=["is_active"])
        if not active:
            end_sessions(user)
            ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
        ensure_visible(by, user)
        audit.record(
            actor=by,
            action=AuditAction.USER_ACTIVATED if active else AuditAction.USER_DEACTIVATED,
            obj=user,
            changes={"is_active": [not active, active]},
        )
    return user


# --- Password resets: dual control, the link goes to the user ---------------------------------
#
# An administrator (``request_password_reset``: the system and the security administrator)
# asks for a reset; a security administrator other than the requester (and other than the
# user) approves it (``approve_password_reset``). Every account needs the approval: the
# administrators' accounts, and every business role, since each of them reads business data.
# On approval a one-time link, valid for ``PASSWORD_RESET_HOURS``, is mailed to the user's own
# address; only its SHA-256 is stored. Nobody but the user ever sees the link or a password.


def mask_email(address: str) -> str:
    """``z***@example.com``: enough for an administrator to recognise the address."""
    name, _at, domain = address.partition("@")
    if not domain:
        return "***"
    return f"{name[:1]}***@{domain}"


def password_reset_request(*, by: User, user: User, reason: str = "") -> PasswordReset:
    """Ask for a reset of ``user``'s password. It waits for a security administrator's
    approval; the security administrators are notified."""
    require_perm(by, "core.request_password_reset", user)
    require_visible(by, user, _("This user lies outside your jurisdiction."), perm="visible")
    if by.pk == user.pk:
        refuse(
            by,
            _("Change your own password on your profile page; a reset is for someone else."),
            obj=user,
            perm="core.request_password_reset",
        )
    if not user.is_active:
        raise ValidationError(_("The account is deactivated: activate it first."))
    if not user.email:
        raise ValidationError(
            {
                "email": _(
                    "The user has no e-mail address: the one-time link cannot be sent. "
                    "Enter the user's own address first (edit the account)."
                )
            }
        )
    with transaction.atomic():
        if PasswordReset.objects.filter(user=user, status=PasswordResetStatus.PENDING).exists():
            raise ValidationError(_("A reset of this password is already waiting for approval."))
        reset = PasswordReset.objects.create(
            user=user, requested_by=by, reason=(reason or "").strip()[:200]
        )
        audit.record(
            actor=by,
            action=AuditAction.PASSWORD_RESET_REQUESTED,
            obj=user,
            changes=audit.added({"password_reset": reset.pk, "reason": reset.reason}),
        )
        approvers = [
            u
            for u in User.objects.filter(is_active=True, groups__name=Role.SECURITY_ADMIN)
            if u.pk != by.pk and PasswordReset.objects.visible_to(u).filter(pk=reset.pk).exists()
        ]
        notify(
            recipients=approvers,
            title=_("A password reset of %(user)s waits for your approval") % {"user": user},
            url=reset.get_absolute_url(),
        )
    return reset


def _require_approver(by: User, reset: PasswordReset) -> None:
    require_perm(by, "core.approve_password_reset", reset)
    require_visible(by, reset, _("This user lies outside your jurisdiction."), perm="visible")
    if by.pk in (reset.requested_by_id, reset.user_id):
        refuse(
            by,
            _(
                "Dual control: the request must be decided by another security administrator "
                "than the one who asked for it (or whose password it is)."
            ),
            obj=reset,
            perm="core.approve_password_reset",
        )


def _reset_changes(before: dict, after: PasswordReset) -> dict:
    """What the audit says of a decision: never the key's hash."""
    changes = audit.diff(before, audit.snapshot(after))
    changes.pop("key_hash", None)
    return changes


def _send_reset_link(*, user: User, link: str, hours: int, new_account: bool = False) -> None:
    values = {"name": user, "username": user.username, "hours": hours, "link": link}
    if new_account:
        subject = _("Set the password of your new Kuang'an account")
        text = _(
            "Hello %(name)s,\n\n"
            "an account “%(username)s” has been created for you. Open this link to set its "
            "password (it works once, for %(hours)d hours):\n\n%(link)s\n\n"
            "The security administrator grants the account its roles. If you did not expect "
            "this, tell your security administrator."
        )
    else:
        subject = _("Set a new password for your Kuang'an account")
        text = _(
            "Hello %(name)s,\n\n"
            "an administrator has reset the password of your account “%(username)s”, and the "
            "security administrator has approved it. Open this link to set your new password "
            "(it works once, for %(hours)d hours):\n\n%(link)s\n\n"
            "If you did not expect this, tell your security administrator."
        )
    send_mail(
        subject, text % values, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False
    )


def _arm_link(reset: PasswordReset, *, by: User, site: str, new_account: bool = False) -> None:
    """Give ``reset`` (being saved by the caller) a one-time link, mailed to its user after
    the commit; the user's older links stop working."""
    user = reset.user
    key = secrets.token_urlsafe(32)
    hours = settings.PASSWORD_RESET_HOURS
    PasswordReset.objects.filter(user=user, status=PasswordResetStatus.APPROVED).exclude(
        pk=reset.pk
    ).update(status=PasswordResetStatus.CANCELLED)
    reset.decided_by = by
    reset.decided_at = timezone.now()
    reset.key_hash = hash_token(key)
    reset.expires_at = reset.decided_at + timedelta(hours=hours)
    reset.delivered_to = mask_email(user.email)
    link = site.rstrip("/") + reverse("core:password_reset_confirm", args=[key])
    transaction.on_commit(
        lambda: _send_reset_link(user=user, link=link, hours=hours, new_account=new_account)
    )


def _first_password_link(*, by: User, user: User, site: str) -> PasswordReset:
    """A new account's first password: nobody chooses or sees it. A one-time link is mailed
    to the user's own address (``site``: the scheme and host it starts with), through which
    the user sets the password. No second approval: the account has no role yet (only the
    security administrator grants roles)."""
    with transaction.atomic():
        reset = PasswordReset(
            user=user,
            requested_by=by,
            reason=str(_("New account")),
            status=PasswordResetStatus.APPROVED,
        )
        _arm_link(reset, by=by, site=site, new_account=True)
        reset.save()
        audit.record(
            actor=by,
            action=AuditAction.PASSWORD_RESET_APPROVED,
            obj=user,
            changes=audit.added({"password_reset": reset.pk, "delivered_to": reset.delivered_to}),
        )
    return reset


def password_reset_approve(
    *, by: User, reset: PasswordReset, site: str, version: int | None = None
) -> PasswordReset:
    """Approve the request: a one-time link is mailed to the user (``site``: the scheme and
    host the link starts with). Older links of the user stop working."""
    _require_approver(by, reset)
    with transition(
        reset,
        by=by,
        to=PasswordResetStatus.APPROVED,
        version=version,
        action=AuditAction.PASSWORD_RESET_APPROVED,
        changes=_reset_changes,
        related=("user",),
    ) as current:
        user = current.user
        if not user.is_active or not user.email:
            raise ValidationError(
                _("The account is deactivated or has no e-mail address: refuse the request.")
            )
        _arm_link(current, by=by, site=site)
    return reset


def password_reset_refuse(
    *, by: User, reset: PasswordReset, note: str = "", version: int | None = None
) -> PasswordReset:
    _require_approver(by, reset)
    with transition(
        reset,
        by=by,
        to=PasswordResetStatus.REFUSED,
        version=version,
        action=AuditAction.PASSWORD_RESET_REFUSED,
        changes=_reset_changes,
    ) as current:
        current.decided_by = by
        current.decided_at = timezone.now()
        current.decision_note = (note or "").strip()[:200]
    return reset


def password_reset_for_key(key: str) -> PasswordReset | None:
    """The approved, unused and unexpired reset whose link carries ``key``; None otherwise."""
    if not key or len(key) > 100:
        return None
    reset: PasswordReset | None = (
        PasswordReset.objects.select_related("user")
        .filter(key_hash=hash_token(key), status=PasswordResetStatus.APPROVED)
        .first()
    )
    if reset is None or reset.link_expired or not reset.user.is_active:
        return None
    return reset


def password_reset_complete(*, key: str, new_password: str) -> User:
    """The user sets a new password through the link: it works once and only before it
    expires; the policy applies; every session and API token of the user ends."""
    invalid = ValidationError(
        _(
            "This link is invalid, already used or expired. Ask your system administrator "
            "for a new password reset."
        ),
        code="invalid_link",
    )
    reset = password_reset_for_key(key)
    if reset is None:
        raise invalid
    user = reset.user
    validate_password(new_password, user)
    with transaction.atomic():
        current = lock(reset)
        if current.status != PasswordResetStatus.APPROVED or current.link_expired:
            raise invalid
        _store_password(user, new_password)
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
        end_sessions(user)
        current.status = PasswordResetStatus.USED
        current.used_at = timezone.now()
        save_versioned(current, expected_version=None, fields=["status", "used_at"])
        audit.record(
            actor=user,
            action=AuditAction.PASSWORD_CHANGED,
            obj=user,
            changes={"password_reset": [None, current.pk]},
        )
    return user


def _store_password(user: User, new_password: str) -> None:
    if user.password:
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = settings.PASSWORD_HISTORY
        old = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:]
        PasswordHistory.objects.filter(pk__in=list(old)).delete()
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def user_change_password(
    *, user: User, old_password: str, new_password: str, keep_session_key: str | None = None
) -> User:
    """The user changes their own password: the old one is checked, the policy applied, other
    sessions and all API tokens ended."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("The current password is wrong.")})
    validate_password(new_password, user)
    with transaction.atomic():
        _store_password(user, new_password)
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
        end_sessions(user, keep_session_key=keep_session_key)
        audit.record(actor=user, action=AuditAction.PASSWORD_CHANGED, obj=user)
    return user


def password_expired(user: User) -> bool:
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days or user.password_changed_at is None:
        return False
    return user.password_changed_at + timedelta(days=days) < timezone.now()


def mfa_required(user: User) -> bool:
    """Whether ``user`` must pass a second factor: under the production profile
    (``MFA_REQUIRED``) every role of ``MFA_REQUIRED_ROLES`` (all of them by default), and
    every account without a role (a temporary expert's, one whose roles are not granted
    yet)."""
    if not settings.MFA_REQUIRED:
        return False
    roles = user.roles
    return not roles or bool(roles & set(settings.MFA_REQUIRED_ROLES))


def user_unlock(*, by: User, user: User) -> int:
    """Clear the failed-login records of ``user`` (django-axes), so it can log in at once."""
    from axes.utils import reset

    require_perm(by, "core.unlock_user", user)
    with transaction.atomic():
        count: int = reset(username=user.username)
        audit.record(
            actor=by, action=AuditAction.USER_UNLOCKED, obj=user, changes={"attempts": count}
        )
    return count


# --- API tokens -----------------------------------------------------------------------------


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode("ascii", "ignore")).hexdigest()


def token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    key = secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)
    if user.valid_until is not None:
        # A temporary account's token ends with the account (an expert's: the inspection).
        expires = min(expires, user.valid_until)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:64],
            prefix=key[:8],
            key_hash=hash_token(key),
            expires_at=expires,
        )
        audit.record(actor=user, action=AuditAction.TOKEN_CREATED, obj=user, object_repr=str(token))
    return token, key


def token_revoke(*, by: User, token: ApiToken) -> ApiToken:
    if token.user_id != by.pk:
        require_perm(by, "core.change_user", token.user)
        ensure_visible(by, token.user)
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=by, action=AuditAction.TOKEN_REVOKED, obj=token.user, object_repr=str(token)
        )
    return token


# --- Notifications --------------------------------------------------------------------------


def notify(*, recipients: Iterable[User | None], title: str, body: str = "", url: str = "") -> int:
    """Send an in-app notification (and e-mail where an address and a mail server are set)."""
    users = [u for u in recipients if u is not None and u.is_active]
    Notification.objects.bulk_create(
        [Notification(recipient=u, title=title[:200], body=body, url=url) for u in users]
    )
    emails = [u.email for u in users if u.email]
    if emails and settings.EMAIL_BACKEND != "django.core.mail.backends.console.EmailBackend":
        from django.core.mail import send_mass_mail

        transaction.on_commit(
            lambda: send_mass_mail(
                [(title, body, settings.DEFAULT_FROM_EMAIL, [e]) for e in emails],
                fail_silently=True,
            )
        )
    return len(users)


def users_with_roles_in(region: Region, roles: Iterable[str]) -> models.QuerySet[User]:
    """Active regulator or local-government users whose jurisdiction contains ``region`` and
    who hold one of ``roles`` (for notifications to 'the county bureau'). An organisation
    governs its listed jurisdiction, or its own region's subtree when none is listed."""
    governs = models.Q(
        at_or_above("organization__region", region), organization__jurisdiction__isnull=True
    ) | at_or_above("organization__jurisdiction", region)
    users: models.QuerySet[User] = (
        User.objects.filter(
            is_active=True,
            groups__name__in=roles,
            organization__is_active=True,
            organization__kind__in=[OrganizationKind.REGULATOR, OrganizationKind.GOVERNMENT],
        )
        .filter(governs)
        .distinct()
    )
    return users


__all__ = [
    "ConflictError",
    "Role",
    "lock",
    "refuse",
    "require_perm",
    "save_new",
    "transition",
    "organization_create",
    "organization_update",
    "user_create",
    "user_update",
    "user_set_roles",
    "user_set_active",
    "user_change_password",
    "password_reset_request",
    "password_reset_approve",
    "password_reset_refuse",
    "password_reset_complete",
    "token_create",
    "token_revoke",
    "notify",
]
