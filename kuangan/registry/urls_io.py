"""Pages of the registry import and export (included first by ``registry/urls.py``, so these
fixed paths win over ``mines/<code>/``)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from kuangan.core import navigation

from . import views_io

urlpatterns: list = [
    *views_io.ImportView.urlpatterns("mines/import/", "mine_import"),
    path(
        "mines/import/template/",
        views_io.ImportTemplateView.as_view(),
        name="mine_import_template",
    ),
    path("mines/export/", views_io.ExportView.as_view(), name="mine_export"),
]

# The navigation entry of the import page. Registered here (the URLconf is loaded before any
# page is rendered) so that the import's pieces stay in their own modules; registering twice
# is harmless.
navigation.register(
    navigation.MenuItem(
        "registry",
        _("Import mines"),
        "registry:mine_import",
        perm="registry.import_mines",
        icon="file-import",
        order=40,
    )
)
