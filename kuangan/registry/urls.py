from django.urls import include, path

app_name = "registry"

# Import/export pages live in urls_io.py (a separate module so that they can grow apart).
urlpatterns: list = [
    path("", include("kuangan.registry.urls_io")),
]
