"""The team of one inspection: its members, and the experts invited with a temporary account."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.models import ApiToken, User
from kuangan.core.services import end_sessions, generate_password, refuse
from kuangan.core.validators import validate_phone

from ..choices import TeamRole
from ..models import Inspection, TeamMember
from ..permissions import EXPERT_PERMISSIONS
from .checks import CONDUCT_ROLES, is_expert_of, require_conduct, require_not_locked

EXPERT_DAYS = 30


def inspection_add_member(
    *, by: User, inspection: Inspection, user: User, role: str = TeamRole.MEMBER
) -> TeamMember:
    """Add a user of the system to the team (leader or member)."""
    require_conduct(by, inspection)
    require_not_locked(inspection)
    if role not in (TeamRole.LEADER, TeamRole.MEMBER):
        raise ValidationError({"role": _("Invite an expert with the expert form.")})
    if not set(user.roles) & CONDUCT_ROLES[inspection.kind]:
        raise ValidationError(
            {"user": _("This user may not take part in an inspection of this kind.")}
        )
    if inspection.members.filter(user=user).exists():
        raise ValidationError({"user": _("This person is already on the team.")})
    with transaction.atomic():
        member = TeamMember.objects.create(
            inspection=inspection,
            role=role,
            user=user,
            name=str(user),
            organization_name=str(user.organization or ""),
        )
        audit.record(
            actor=by,
            action=AuditAction.UPDATED,
            obj=inspection,
            changes=audit.added({"team": str(member)}),
        )
    return member


def inspection_invite_expert(
    *,
    by: User,
    inspection: Inspection,
    name: str,
    organization_name: str = "",
    title: str = "",
    phone: str = "",
    days: int = EXPERT_DAYS,
) -> tuple[TeamMember, str, str]:
    """Invite an expert (the notice: “检查可聘请专家参与”). The expert gets a person record and a
    temporary account without organisation or role: it sees and answers only this
    inspection, until the account expires or the inspection is submitted (the account's
    ``valid_until``: its sessions and API tokens end then too). Returns the member, the user
    name and the one-time password to hand over: the expert must change it at first login,
    and pass a second factor where the production profile requires one."""
    require_conduct(by, inspection)
    if is_expert_of(by, inspection):
        refuse(
            by, _("An expert cannot invite other experts."), obj=inspection, perm="invite_expert"
        )
    require_not_locked(inspection)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the expert's name.")})
    if not 1 <= days <= 90:
        raise ValidationError({"days": _("The account may last from 1 to 90 days.")})
    phone = (phone or "").strip()
    try:
        validate_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None
    password = generate_password()
    expires = timezone.now() + timedelta(days=days)
    with transaction.atomic():
        username = f"expert-{inspection.pk}-{secrets.token_hex(3)}"
        user = User.with_password(
            password,
            username=username,
            real_name=name,
            phone=phone,
            must_change_password=True,
            valid_until=expires,
        )
        user.save()
        user.user_permissions.set(expert_permissions())
        member = TeamMember.objects.create(
            inspection=inspection,
            role=TeamRole.EXPERT,
            user=user,
            name=name,
            organization_name=organization_name,
            title=title,
            phone=phone,
            expires_at=expires,
        )
        audit.record(
            actor=by,
            action=AuditAction.CREATED,
            obj=user,
            changes=audit.added({"expert_for_inspection": inspection.pk, "expires_at": expires}),
        )
        audit.record(
            actor=by,
            action=AuditAction.UPDATED,
            obj=inspection,
            changes=audit.added({"team": str(member)}),
        )
    return member, username, password


def expert_permissions() -> QuerySet[Permission]:
    """What an invited expert's account may do (``permissions.EXPERT_PERMISSIONS``)."""
    codenames = [p.split(".", 1)[1] for p in EXPERT_PERMISSIONS]
    return Permission.objects.filter(content_type__app_label="inspections", codename__in=codenames)


def end_expert_accounts(inspection: Inspection) -> None:
    """The invitations of the inspection's experts end now, and their accounts with them."""
    ids = list(
        inspection.members.filter(role=TeamRole.EXPERT, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    if ids:
        now = timezone.now()
        inspection.members.filter(role=TeamRole.EXPERT).update(expires_at=now)
        User.objects.filter(pk__in=ids).update(is_active=False, valid_until=now)
        ApiToken.objects.filter(user_id__in=ids, revoked_at__isnull=True).update(revoked_at=now)
        for user in User.objects.filter(pk__in=ids):
            end_sessions(user)
