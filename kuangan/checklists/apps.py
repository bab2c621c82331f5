from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChecklistsConfig(AppConfig):
    name = "kuangan.checklists"
    label = "checklists"
    verbose_name = _("Checklists")

    def ready(self) -> None:
        from kuangan.core import navigation

        from . import models  # noqa: F401  (connects the criteria-link guard)

        navigation.register(
            navigation.MenuItem(
                "campaign",
                _("Checklist library"),
                "checklists:template_list",
                perm="checklists.view_checklisttemplate",
                icon="list-check",
                order=40,
            ),
            navigation.MenuItem(
                "campaign",
                _("Major accident hazard criteria"),
                "checklists:criterion_list",
                perm="checklists.view_majorhazardcriterion",
                icon="alert-triangle",
                order=45,
            ),
        )
