"""Verbs of the inspections app per role. Rows are decided by ``visible_to``; which kind of
inspection a role may plan, conduct or submit is decided in ``services`` (PLAN_ROLES,
CONDUCT_ROLES, SUBMIT_ROLES)."""

from kuangan.core.choices import Role

_VIEW = [
    "inspections.view_inspection",
    "inspections.view_itemresult",
    "inspections.view_selfinspectionreport",
    "inspections.view_inspectionreport",
]
_CONDUCT = [
    "inspections.add_inspection",
    "inspections.conduct_inspection",
    "inspections.submit_inspection",
]
_REGULATOR = [
    *_VIEW,
    *_CONDUCT,
    "inspections.review_inspection",
    "inspections.report_inspection",
    "inspections.plan_inspection",
    "inspections.view_inspectionteam",
    "inspections.add_inspectionteam",
    "inspections.view_lookbackdraw",
]

ROLE_PERMISSIONS = {
    Role.PROVINCE_ADMIN: [*_REGULATOR, "inspections.add_lookbackdraw"],
    Role.REGULATOR_LEADER: [*_REGULATOR, "inspections.add_lookbackdraw"],
    Role.REGULATOR_INSPECTOR: list(_REGULATOR),
    Role.ENTERPRISE_PRINCIPAL: [*_VIEW, *_CONDUCT, "inspections.sign_inspection"],
    Role.ENTERPRISE_SAFETY_OFFICER: [*_VIEW, "inspections.conduct_inspection"],
    Role.GROUP_INSPECTOR: [*_VIEW, *_CONDUCT],
    Role.GOVERNMENT_USER: [*_VIEW],
}

# What an invited expert's temporary account may do (granted to the account itself).
EXPERT_PERMISSIONS = ["inspections.view_inspection", "inspections.conduct_inspection"]
