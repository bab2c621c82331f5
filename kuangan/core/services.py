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
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .choices import ADMIN_ROLES, AuditAction, OrganizationKind, Role
from .models import ApiToken, Notification, Organization, PasswordHistory, Region, User
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
    current = qs.select_for_update().get(pk=obj.pk)
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


def organization_create(
    *, by: User, jurisdiction: list[Region] | None = None, **fields: Any
) -> Organization:
    require_perm(by, "core.add_organization")
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
    organisation; refused when someone changed it since ``version``."""
    require_perm(by, "core.change_organization", organization)
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
    core = "".join(secrets.choice(alphabet) for _ in range(10))
    return (
        core
        + secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
        + secrets.choice("abcdefghijkmnpqrstuvwxyz")
        + secrets.choice("23456789")
        + secrets.choice("#%+-=@")
    )


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
) -> tuple[User, str]:
    """Create an account. Returns the user and its initial password, which the user must
    change at first login. ``by=None`` only for set-up commands (demo data)."""
    roles = set(roles)
    if by is not None:
        require_perm(by, "core.add_user")
        # Separation of duties: the system administrator creates accounts with day-to-day
        # roles; only the security administrator grants an administrator role.
        if roles & ADMIN_ROLES:
            require_perm(by, "core.assign_roles")
    password = password or generate_password()
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": _("This username is already taken.")})
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
    user.__dict__.pop("roles", None)
    return user, password


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
    """Grant exactly ``roles``. Only the security administrator (or a system administrator
    creating accounts) assigns roles; nobody changes their own."""
    require_perm(by, "core.assign_roles", user)
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


def user_reset_password(*, by: User, user: User) -> str:
    """An administrator sets a new random password the user must change at next login."""
    require_perm(by, "core.change_user", user)
    password = generate_password()
    with transaction.atomic():
        _store_password(user, password)
        user.must_change_password = True
        user.save(update_fields=["must_change_password"])
        end_sessions(user)
        ensure_visible(by, user)
        audit.record(
            actor=by, action=AuditAction.PASSWORD_CHANGED, obj=user, changes={"reset": [None, True]}
        )
    return password


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
    return settings.MFA_REQUIRED and bool(user.roles & set(settings.MFA_REQUIRED_ROLES))


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
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:64],
            prefix=key[:8],
            key_hash=hash_token(key),
            expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_DAYS),
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
    "token_create",
    "token_revoke",
    "notify",
]
