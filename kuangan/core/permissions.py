"""Verbs per role, as Django permissions. Each role is a ``Group`` of the same name whose
permissions are kept in step with this table after every migration. Rows are decided by scope
(``visible_to``), never here."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from .choices import Role

_READ_ORG = ["core.view_organization", "core.view_region"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.PROVINCE_ADMIN: [
        *_READ_ORG,
        "core.add_organization",
        "core.change_organization",
        "core.view_user",
    ],
    Role.REGULATOR_LEADER: [
        *_READ_ORG,
        "core.view_user",
    ],
    Role.REGULATOR_INSPECTOR: [
        *_READ_ORG,
        "core.view_user",
    ],
    Role.ENTERPRISE_PRINCIPAL: [
        *_READ_ORG,
        "core.view_user",
    ],
    Role.ENTERPRISE_SAFETY_OFFICER: [
        *_READ_ORG,
        "core.view_user",
    ],
    Role.GROUP_INSPECTOR: [
        *_READ_ORG,
        "core.view_user",
    ],
    Role.GOVERNMENT_USER: [
        *_READ_ORG,
    ],
    # 三员分立: the system administrator manages accounts and organisations but grants no
    # role and sets no jurisdiction; the security administrator grants roles, sets
    # jurisdictions and approves the password resets that either of them requests.
    Role.SYSTEM_ADMIN: [
        *_READ_ORG,
        "core.add_organization",
        "core.change_organization",
        "core.view_user",
        "core.add_user",
        "core.change_user",
        "core.unlock_user",
        "core.view_passwordreset",
        "core.request_password_reset",
    ],
    Role.SECURITY_ADMIN: [
        *_READ_ORG,
        "core.view_user",
        "core.assign_roles",
        "core.change_jurisdiction",
        "core.unlock_user",
        "core.manage_security_policy",
        "core.view_passwordreset",
        "core.request_password_reset",
        "core.approve_password_reset",
    ],
    Role.AUDIT_ADMIN: ["core.view_auditevent", "core.view_region"],
}


def _permission_objects(names: list[str]) -> list[Permission]:
    wanted = {tuple(n.split(".", 1)) for n in names}
    perms = Permission.objects.select_related("content_type").filter(
        codename__in={c for _, c in wanted}
    )
    return [p for p in perms if (p.content_type.app_label, p.codename) in wanted]


def role_permissions() -> dict[str, list[str]]:
    """This table merged with each app's own ``ROLE_PERMISSIONS`` (in ``<app>/permissions.py``)."""
    from importlib import import_module

    from django.apps import apps

    merged = {role: list(perms) for role, perms in ROLE_PERMISSIONS.items()}
    for config in apps.get_app_configs():
        if not config.name.startswith("kuangan.") or config.label == "core":
            continue
        try:
            module = import_module(f"{config.name}.permissions")
        except ModuleNotFoundError:
            continue
        for role, perms in getattr(module, "ROLE_PERMISSIONS", {}).items():
            merged.setdefault(role, []).extend(perms)
    return merged


def sync_role_groups(**kwargs) -> None:
    """Create a group per role and give it exactly the permissions of the merged table."""
    table = role_permissions()
    for role in Role.values:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(_permission_objects(table.get(role, [])))
