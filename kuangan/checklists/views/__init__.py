"""Pages of the checklist library, the criteria catalogue, the applicable-items preview and the
printable blank checklist of a mine."""

from .criteria import CriterionLedger, CriterionPage, StandardLedger
from .importing import ImportConfirmView, ImportView
from .library import (
    AspectDeleteView,
    AspectFormView,
    ItemDeleteView,
    ItemFormView,
    PartDeleteView,
    TemplateActionView,
    TemplateCreateView,
    TemplateDiffView,
    TemplateEditView,
    TemplateExportView,
    TemplateLedger,
    TemplatePage,
)
from .mine_checklist import (
    ApplicableChooserView,
    MineChecklistMixin,
    MineItemsView,
    MinePrintView,
)

__all__ = [
    "ApplicableChooserView",
    "AspectDeleteView",
    "AspectFormView",
    "CriterionLedger",
    "CriterionPage",
    "ImportConfirmView",
    "ImportView",
    "ItemDeleteView",
    "ItemFormView",
    "MineChecklistMixin",
    "MineItemsView",
    "MinePrintView",
    "PartDeleteView",
    "StandardLedger",
    "TemplateActionView",
    "TemplateCreateView",
    "TemplateDiffView",
    "TemplateEditView",
    "TemplateExportView",
    "TemplateLedger",
    "TemplatePage",
]
