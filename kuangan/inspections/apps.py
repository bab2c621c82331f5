from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "kuangan.inspections"
    label = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        from kuangan.core import navigation

        from . import panels  # noqa: F401  (registers the home panels)

        navigation.register(
            navigation.MenuItem(
                "work",
                _("Inspections"),
                "inspections:inspection_list",
                perm="inspections.view_inspection",
                icon="clipboard-check",
                order=20,
            ),
            navigation.MenuItem(
                "work",
                _("Inbox: self-inspections to review"),
                "inspections:inbox",
                perm="inspections.review_inspection",
                icon="inbox",
                order=21,
            ),
            navigation.MenuItem(
                "campaign",
                _("Key-inspection plan"),
                "inspections:plan",
                perm="inspections.plan_inspection",
                icon="route",
                order=40,
            ),
            navigation.MenuItem(
                "work",
                _("Group full coverage"),
                "inspections:group_coverage",
                perm="inspections.view_inspection",
                icon="layout-grid",
                order=22,
                roles=frozenset({"group_inspector"}),
            ),
        )
