"""Verbs of the hazard ledger per role (rows are decided by ``visible_to``; the finer "who may
accept which hazard" rules live in ``services``)."""

from kuangan.core.choices import Role

_VIEW = [
    "hazards.view_hazard",
    "hazards.view_hazardextension",
    "hazards.view_hazardevidence",
    "hazards.view_order",
    "hazards.view_monthlymajorhazardcheck",
    "hazards.view_riskitem",
]
_REGULATOR = [
    *_VIEW,
    "hazards.add_hazard",
    "hazards.change_hazard",
    "hazards.accept_major_hazard",
    # A general hazard a regulator found is accepted on the regulator's side (services).
    "hazards.accept_general_hazard",
    "hazards.decide_extension",
    "hazards.link_hazard",
    "hazards.export_hazard",
    "hazards.add_order",
    "hazards.issue_order",
]
_ENTERPRISE = [
    *_VIEW,
    "hazards.add_hazard",
    "hazards.change_hazard",
    "hazards.rectify_hazard",
    "hazards.accept_general_hazard",
    "hazards.decide_extension",
    "hazards.add_hazardextension",
    "hazards.export_hazard",
    "hazards.add_monthlymajorhazardcheck",
    # The risk list (风险管控清单) is the enterprise's own: it keeps it, regulators read it.
    "hazards.add_riskitem",
    "hazards.change_riskitem",
    "hazards.delete_riskitem",
]

ROLE_PERMISSIONS = {
    Role.PROVINCE_ADMIN: [*_REGULATOR, "hazards.list_hazard"],
    Role.REGULATOR_LEADER: [*_REGULATOR, "hazards.list_hazard"],
    Role.REGULATOR_INSPECTOR: list(_REGULATOR),
    Role.ENTERPRISE_PRINCIPAL: list(_ENTERPRISE),
    Role.ENTERPRISE_SAFETY_OFFICER: list(_ENTERPRISE),
    Role.GROUP_INSPECTOR: [*_VIEW, "hazards.add_hazard", "hazards.export_hazard"],
    Role.GOVERNMENT_USER: list(_VIEW),
}
