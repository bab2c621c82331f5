from django.urls import path

from kuangan.core.routes import object_routes

from . import views

app_name = "checklists"

urlpatterns = [
    path("", views.TemplateLedger.as_view(), name="template_list"),
    path("new/", views.TemplateCreateView.as_view(), name="template_create"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/confirm/", views.ImportConfirmView.as_view(), name="import_confirm"),
    path("templates/<int:pk>/", views.TemplatePage.as_view(), name="template_detail"),
    path("templates/<int:pk>/edit/", views.TemplateEditView.as_view(), name="template_edit"),
    path("templates/<int:pk>/diff/", views.TemplateDiffView.as_view(), name="template_diff"),
    path("templates/<int:pk>/export/", views.TemplateExportView.as_view(), name="template_export"),
    path(
        "templates/<int:template_pk>/aspects/new/",
        views.AspectFormView.as_view(),
        name="aspect_create",
    ),
    path(
        "templates/<int:template_pk>/items/new/",
        views.ItemFormView.as_view(),
        name="item_create",
    ),
    path(
        "templates/<int:pk>/<str:action>/",
        views.TemplateActionView.as_view(),
        name="template_action",
    ),
    path("aspects/<int:pk>/edit/", views.AspectFormView.as_view(), name="aspect_edit"),
    path(
        "aspects/<int:pk>/delete/",
        views.AspectDeleteView.as_view(),
        name="aspect_delete",
    ),
    path("items/<int:pk>/edit/", views.ItemFormView.as_view(), name="item_edit"),
    path(
        "items/<int:pk>/delete/",
        views.ItemDeleteView.as_view(),
        name="item_delete",
    ),
    *object_routes(
        "criteria/",
        "criterion",
        views.CriterionLedger,
        None,
        views.CriterionPage,
        None,
        key="<str:code>",
    ),
    path("standards/", views.StandardLedger.as_view(), name="standard_list"),
    path("mines/", views.ApplicableChooserView.as_view(), name="mine_choose"),
    path("mines/<str:code>/", views.MineItemsView.as_view(), name="mine_items"),
    path(
        "mines/<str:code>/print.pdf",
        views.MinePrintView.as_view(kind="pdf"),
        name="mine_print_pdf",
    ),
    path(
        "mines/<str:code>/print.xlsx",
        views.MinePrintView.as_view(kind="xlsx"),
        name="mine_print_xlsx",
    ),
]
