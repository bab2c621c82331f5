"""Verbs of the checklist library per role.

- Everyone signed in with a business role reads the criteria catalogue and the published
  (and retired) checklists: enterprises inspect themselves with them, inspectors and group
  companies inspect with them, agencies and local governments need to know what is checked.
- Only the provincial administrator drafts, imports, publishes and retires checklists and loads
  new versions of a major-hazard standard. A published checklist is what every inspection in
  the province checks; one accountable role keeps it. City and county inspectors and leaders
  use it; they do not change it (a leader who wants a change asks the province).
- The system, security and audit administrators keep to their own duties and get nothing here.
"""

from kuangan.core.choices import Role

READ = [
    "checklists.view_hazardstandard",
    "checklists.view_majorhazardcriterion",
    "checklists.view_checklisttemplate",
    "checklists.view_checklistaspect",
    "checklists.view_checklistitem",
]

MANAGE = [
    "checklists.add_checklisttemplate",
    "checklists.change_checklisttemplate",
    "checklists.delete_checklisttemplate",
    "checklists.import_checklisttemplate",
    "checklists.publish_checklisttemplate",
    "checklists.add_hazardstandard",
]

ROLE_PERMISSIONS = {
    Role.PROVINCE_ADMIN: [*READ, *MANAGE],
    Role.REGULATOR_LEADER: READ,
    Role.REGULATOR_INSPECTOR: READ,
    Role.ENTERPRISE_PRINCIPAL: READ,
    Role.ENTERPRISE_SAFETY_OFFICER: READ,
    Role.GROUP_INSPECTOR: READ,
    Role.AGENCY_USER: READ,
    Role.GOVERNMENT_USER: READ,
}
