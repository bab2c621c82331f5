"""The Django admin: the system administrator only; its writes go through the audited services;
accounts are read-only there; the audit log is not in it."""

from kuangan.core.choices import AuditAction, OrganizationKind, Role
from kuangan.core.models import AuditEvent, Organization

from .factories import make_organization, make_user


def test_an_organisation_changed_in_the_admin_is_audited_once(client, db):
    admin = make_user("220600", role=Role.SYSTEM_ADMIN)
    org = make_organization("220605", OrganizationKind.ENTERPRISE, name="旧名")
    client.force_login(admin)
    page = client.get(f"/admin/core/organization/{org.pk}/change/")
    assert page.status_code == 200
    data = {
        "kind": "enterprise",
        "agency": "",
        "name": "新名",
        "region": org.region_id,
        "parent": "",
        "credit_code": org.credit_code,
        "address": "",
        "legal_representative": "",
        "principal": "",
        "phone": "",
        "is_active": "on",
    }
    before = AuditEvent.objects.filter(action=AuditAction.UPDATED).count()
    response = client.post(f"/admin/core/organization/{org.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Organization.objects.get(pk=org.pk).name == "新名"
    events = AuditEvent.objects.filter(action=AuditAction.UPDATED)
    assert events.count() == before + 1
    assert events.latest("id").changes == {"name": ["旧名", "新名"]}


def test_the_admin_cannot_move_an_organisation_out_of_scope(client, db):
    admin = make_user("220600", role=Role.SYSTEM_ADMIN)
    org = make_organization("220605", OrganizationKind.ENTERPRISE, name="不动")
    client.force_login(admin)
    data = {
        "kind": "enterprise",
        "name": "不动",
        "region": make_organization("220102").region_id,
        "credit_code": org.credit_code,
        "is_active": "on",
    }
    response = client.post(f"/admin/core/organization/{org.pk}/change/", data)
    assert response.status_code == 403
    assert Organization.objects.get(pk=org.pk).region.code == "220605"


def test_accounts_are_read_only_in_the_admin(client, db):
    admin = make_user("220000", role=Role.SYSTEM_ADMIN)
    client.force_login(admin)
    assert client.get("/admin/core/user/").status_code == 200
    assert client.get("/admin/core/user/add/").status_code == 403
    assert client.get("/admin/core/auditevent/").status_code == 404
