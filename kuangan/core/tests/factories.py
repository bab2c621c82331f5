"""Factories for core objects. Users are created through ``services.user_create`` so that
roles, validation and audit are those of the application. The end of this module registers
core's models and routes for the authorisation matrix (see ``authz.py``)."""

from __future__ import annotations

import io
import itertools

import factory
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from kuangan.core.choices import ROLE_ORGANIZATION_KIND, OrganizationKind, Role
from kuangan.core.credit_code import make_credit_code
from kuangan.core.models import (
    Attachment,
    AuditEvent,
    Notification,
    Organization,
    PasswordReset,
    Region,
    User,
)
from kuangan.core.services import user_create

from . import authz

PASSWORD = "Test#Passw0rd-2026"
_serial = itertools.count(1)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.REGULATOR
    name = factory.Sequence(lambda n: f"测试单位{n}")
    region = factory.LazyFunction(lambda: Region.objects.get(code="220000"))

    @factory.lazy_attribute
    def credit_code(self):
        if self.kind in (OrganizationKind.ENTERPRISE, OrganizationKind.AGENCY):
            return make_credit_code(self.region.code, 30000000 + next(_serial))
        return ""


def make_organization(
    region_code: str, kind: str = OrganizationKind.REGULATOR, **fields
) -> Organization:
    region = Region.objects.get(code=region_code)
    return OrganizationFactory(kind=kind, region=region, **fields)


def make_user(
    region_code: str = "220000",
    role: str = Role.REGULATOR_INSPECTOR,
    *,
    organization: Organization | None = None,
    username: str | None = None,
    password: str = PASSWORD,
    must_change_password: bool = False,
    real_name: str = "测试用户",
) -> User:
    if organization is None:
        organization = make_organization(region_code, ROLE_ORGANIZATION_KIND[Role(role)])
    user, _ = user_create(
        by=None,
        username=username or f"u{next(_serial)}",
        organization=organization,
        roles={role},
        real_name=real_name,
        password=password,
        must_change_password=must_change_password,
    )
    return User.objects.get(pk=user.pk)


def png_bytes(width: int = 4, height: int = 3, **save) -> bytes:
    """A small real PNG (Pillow)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG", **save)
    return buffer.getvalue()


def make_attachment(*, by: User, target, name: str = "photo.png") -> Attachment:
    from kuangan.core.files import attachment_add

    return attachment_add(by=by, target=target, uploaded_file=SimpleUploadedFile(name, png_bytes()))


# --- The authorisation matrix: core's objects and routes -------------------------------------

authz.reference(Region, "the jurisdiction tree is reference data every signed-in user reads")


@authz.factory(Organization)
def _organization(world: authz.World) -> Organization:
    return world.enterprise


@authz.factory(User)
def _user(world: authz.World) -> User:
    return make_user(
        organization=world.enterprise,
        role=Role.ENTERPRISE_SAFETY_OFFICER,
        username=f"{world.key}_staff",
        real_name=f"{world.token}安全员",
    )


@authz.factory(AuditEvent)
def _audit_event(world: authz.World) -> AuditEvent:
    from kuangan.core import audit

    return audit.record(
        actor=None, action="test.matrix", obj=world.enterprise, object_repr=f"{world.token}事件"
    )


@authz.factory(Attachment)
def _attachment(world: authz.World) -> Attachment:
    return make_attachment(by=world.owner, target=world.enterprise, name=f"{world.token}照片.png")


@authz.factory(PasswordReset)
def _password_reset(world: authz.World) -> PasswordReset:
    user = make_user(
        organization=world.enterprise,
        role=Role.ENTERPRISE_SAFETY_OFFICER,
        username=f"{world.key}_forgetful",
        real_name=f"{world.token}忘记密码",
    )
    return PasswordReset.objects.create(user=user, requested_by=user, reason=f"{world.token}重置")


def _password_reset_actions(reset: PasswordReset) -> list[dict]:
    from kuangan.core.views import PasswordResetActionView

    return [{"pk": reset.pk, "action": action} for action in PasswordResetActionView.actions]


def _notifications(inside: authz.World, outside: authz.World, user: User):
    def note(recipient, world):
        return Notification.objects.create(recipient=recipient, title=f"{world.token}通知", url="/")

    return note(user, inside), note(outside.owner, outside)


def _user_actions(user: User) -> list[dict]:
    from kuangan.core.views import UserActionView

    return [{"pk": user.pk, "action": action} for action in UserActionView.actions]


def _upload_target(obj) -> list[dict]:
    content_type = ContentType.objects.get_for_model(obj)
    return [{"content_type_id": content_type.pk, "object_id": str(obj.pk)}]


authz.route("core:login", public=True)
authz.route("core:logout", public=True, skip="ends the session the walk runs in")
authz.route("set_language", public=True)
authz.route("api-token", public=True)
authz.route("api-schema", skip="the API description holds no data (test_api.py checks it)")
authz.route("api-docs", skip="the API description holds no data (test_api.py checks it)")
authz.route("core:notification_open", model=Notification, objects=_notifications, methods=("GET",))
authz.route("core:user_edit", model=User)
authz.route("core:user_roles", model=User)
authz.route("core:user_action", model=User, kwargs=_user_actions)
authz.route("core:organization_jurisdiction", model=Organization)
authz.route("core:password_reset_action", model=PasswordReset, kwargs=_password_reset_actions)
authz.route(
    "core:password_reset_confirm",
    public=True,
    skip="its key is the credential: a wrong key shows only 'invalid link' (test_password_resets)",
)
authz.route("core:attachment_download", model=Attachment, methods=("GET",))
authz.route("core:attachment_upload", model=Organization, kwargs=_upload_target, methods=("POST",))
