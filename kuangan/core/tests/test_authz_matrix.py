"""The authorisation matrix: every URL of the project (pages, exports, API routes, whatever
app added them) walked as each of the 11 roles, with one object inside the role user's world
and one outside it (see ``authz.py``).

Nothing may leak: another world's object answers exactly like a missing one (404, or 403 when
the role lacks the permission whatever the object), is absent from every list, export and API
list, and its name appears in no response body. Verbs follow permissions: a list, page or API
verb the role lacks is 403; an inside object the role may view is 200 where it is in scope and
404 where it is not. Anonymous visitors are sent to the login page (401 on the API)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.test import RequestFactory
from django.urls import URLResolver, get_resolver, reverse
from rest_framework.permissions import DjangoModelPermissions

from kuangan.core.choices import Role
from kuangan.core.ledger import LedgerView
from kuangan.core.models import Attachment, AuditEvent, Notification, Organization, User
from kuangan.core.views import ObjectPageView

from . import authz

authz.load_app_factories()

MISSING_INT = 987654321
MISSING_STR = "missing-987654321"
OK = range(200, 300)


# --- The routes -------------------------------------------------------------------------------


@dataclass
class Route:
    name: str
    path: str
    callback: Any
    kwargs: tuple[str, ...]
    spec: authz.RouteSpec

    @property
    def viewset(self):
        return getattr(self.callback, "cls", None) if hasattr(self.callback, "actions") else None

    @property
    def actions(self) -> dict:
        return getattr(self.callback, "actions", None) or {}

    @property
    def view_class(self):
        return getattr(self.callback, "view_class", None)

    @property
    def is_api(self) -> bool:
        return self.path.startswith("api/")

    @property
    def model(self):
        """The model whose object the URL arguments name (None: the route takes none, or the
        walk cannot tell: then it must be declared with ``authz.route``)."""
        if self.spec.model is not None:
            return self.spec.model
        if not self.kwargs:
            return self.list_model
        model = self.list_model
        if model is None:
            return None
        if self.spec.kwargs is not None or len(self.kwargs) != 1:
            return model if self.spec.kwargs is not None else None
        (arg,) = self.kwargs
        if self.viewset is not None:
            lookup = self.viewset.lookup_url_kwarg or self.viewset.lookup_field
            return model if arg == lookup else None
        view = self.view_class
        if arg == getattr(view, "pk_url_kwarg", "pk"):
            return model
        if arg == getattr(view, "slug_url_kwarg", None):
            return model
        return None

    @property
    def list_model(self):
        for source in (self.viewset, self.view_class):
            if source is None:
                continue
            model = getattr(source, "model", None)
            if model is None and getattr(source, "queryset", None) is not None:
                model = source.queryset.model
            form = getattr(source, "form_class", None)
            if model is None and form is not None and hasattr(form, "_meta"):
                model = getattr(form._meta, "model", None)
            if model is None and getattr(source, "serializer_class", None) is not None:
                meta = getattr(source.serializer_class, "Meta", None)
                model = getattr(meta, "model", None)
            if model is not None:
                return model
        return getattr(self.callback, "scope_model", None)

    def object_kwargs(self, obj) -> list[dict]:
        if self.spec.kwargs is not None:
            return self.spec.kwargs(obj)
        (arg,) = self.kwargs
        if self.viewset is not None:
            field = self.viewset.lookup_field
            return [{arg: obj.pk if field == "pk" else getattr(obj, field)}]
        view = self.view_class
        if view is not None and arg == getattr(view, "slug_url_kwarg", None):
            return [{arg: getattr(obj, view.slug_field)}]
        return [{arg: obj.pk}]

    def api_perm(self, method: str) -> str | None:
        """The Django permission the API's model permissions ask for ``method`` (None: the
        view does not use model permissions for it, or decides in its own way)."""
        view_class = self.viewset or (self.view_class if self.is_api else None)
        if view_class is None:
            return None
        try:
            view = view_class()
            view.action = self.actions.get(method.lower())
            view.request = None
            checks = view.get_permissions()
        except Exception:  # noqa: BLE001 (a view whose permissions need a real request)
            return None
        model_checks = [c for c in checks if isinstance(c, DjangoModelPermissions)]
        if not model_checks:
            return None
        model = self.list_model
        templates = model_checks[0].perms_map.get(method, [])
        if model is None or not templates:
            return None
        meta = model._meta
        return templates[0] % {"app_label": meta.app_label, "model_name": meta.model_name}

    def page_perms(self) -> tuple[str, ...] | None:
        view = self.view_class
        if view is None or not issubclass(view, PermissionRequiredMixin):
            return None
        perms = view.permission_required
        if perms is None:
            return None
        return (perms,) if isinstance(perms, str) else tuple(perms)


def _walk(patterns, namespace=None, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, ns, prefix + str(pattern.pattern))
        else:
            name = pattern.name
            if name and namespace:
                name = f"{namespace}:{name}"
            yield name, prefix + str(pattern.pattern), pattern


def project_routes() -> list[Route]:
    """Every named route of the project, once (DRF's format-suffix twins and the Django admin
    aside: ``test_admin_*`` covers the admin)."""
    routes: dict[str, Route] = {}
    for name, path, pattern in _walk(get_resolver().url_patterns):
        if path.startswith("admin/"):
            continue
        kwargs = tuple(pattern.pattern.regex.groupindex)
        if "format" in kwargs:
            continue
        assert name, f"the route {path!r} has no name: name it, so that it can be checked"
        routes.setdefault(
            name,
            Route(name, path, pattern.callback, kwargs, authz.ROUTES.get(name, authz.RouteSpec())),
        )
    return list(routes.values())


ROUTES = project_routes()


def object_routes() -> list[Route]:
    return [r for r in ROUTES if r.kwargs and not r.spec.skip]


# --- The worlds -------------------------------------------------------------------------------


class Matrix:
    def __init__(self):
        self.inside = authz.build_world("inside")
        self.outside = authz.build_world("outside")
        self._objects: dict = {}

    def objects(self, route: Route, user) -> tuple[Any, Any] | None:
        if route.spec.objects is not None:
            return route.spec.objects(self.inside, self.outside, user)
        model = route.model
        if model is None or model not in authz.FACTORIES:
            return None
        if model not in self._objects:
            make = authz.FACTORIES[model]
            self._objects[model] = (make(self.inside), make(self.outside))
        return self._objects[model]


@pytest.fixture
def matrix(db):
    matrix = Matrix()
    # Build every object first, so that no page is walked before all worlds exist.
    for route in object_routes():
        if route.spec.objects is None:
            matrix.objects(route, None)
    return matrix


def visible(user, obj) -> bool:
    if isinstance(obj, Notification):
        return obj.recipient_id == user.pk
    manager = type(obj)._default_manager
    if not hasattr(manager, "visible_to"):
        return True
    return manager.visible_to(user).filter(pk=obj.pk).exists()


def missing_kwargs(inside: dict, outside: dict) -> dict:
    """``outside`` with every argument that names the object replaced by one naming none."""
    result = {}
    for key, value in outside.items():
        if inside.get(key) == value:
            result[key] = value
        elif isinstance(value, int) or str(value).isdigit():
            result[key] = MISSING_INT
        else:
            result[key] = MISSING_STR
    return result


# --- The walk ---------------------------------------------------------------------------------


class Walk:
    def __init__(self, client, user, matrix: Matrix):
        self.client = client
        self.user = user
        self.matrix = matrix
        self.problems: list[str] = []
        self.skipped: list[str] = []
        self.writes = 0  # requests other than GET (the figure of write probes, printed)
        self.token = matrix.outside.token

    def fail(self, route: Route, message: str) -> None:
        self.problems.append(f"{route.name}: {message}")

    def request(self, method: str, url: str, route: Route, data=None):
        if method != "GET":
            self.writes += 1
        if route.is_api and method != "GET":
            return self.client.generic(method, url, json.dumps(data or {}), "application/json")
        if method == "GET":
            return self.client.get(url, data or {})
        return self.client.generic(method, url, "")

    def scan(self, route: Route, url: str, response) -> None:
        if response.streaming or response.status_code >= 500:
            return
        if self.token in response.content.decode("utf-8", "replace"):
            self.fail(route, f"GET {url} shows the outside world's {self.token}")

    def get(self, route: Route, url: str, data=None):
        response = self.request("GET", url, route, data)
        if response.status_code >= 500:
            self.fail(route, f"GET {url} answered {response.status_code}")
        self.scan(route, url, response)
        return response

    def expect(self, route, method, url, response, expected) -> None:
        allowed = expected if isinstance(expected, set | range | tuple) else {expected}
        if response.status_code not in allowed:
            self.fail(route, f"{method} {url} answered {response.status_code}, expected {expected}")

    # --- kinds of routes -----------------------------------------------------------------

    def run(self) -> None:
        for route in ROUTES:
            if route.spec.skip:
                continue
            if route.kwargs:
                self.object_route(route)
            elif route.viewset is not None and "list" in route.actions.values():
                self.api_list(route)
            elif route.view_class is not None and issubclass(route.view_class, LedgerView):
                self.ledger(route)
            else:
                self.page(route)

    def page(self, route: Route) -> None:
        if route.viewset is not None and "get" not in route.actions:
            return  # an API action without GET (a POST-only action on the collection)
        url = reverse(route.name)
        response = self.get(route, url)
        perms = route.page_perms()
        if perms is not None:
            self.expect(route, "GET", url, response, {200, 302} if self.has(perms) else 403)
        perm = route.api_perm("GET")
        if perm is not None:
            self.expect(route, "GET", url, response, 200 if self.has((perm,)) else 403)

    def has(self, perms) -> bool:
        return self.user.has_perms(perms)

    def ledger(self, route: Route) -> None:
        url = reverse(route.name)
        response = self.get(route, url, {"page_size": 200})
        perms = route.page_perms() or ()
        if not self.has(perms):
            self.expect(route, "GET", url, response, 403)
            self.expect(route, "GET", url, self.get(route, url, {"export": "xlsx"}), 403)
            return
        self.expect(route, "GET", url, response, 200)
        if response.status_code != 200:
            return
        rows = response.context["paginator"].object_list
        pair = self.pair(route.list_model)
        if pair is not None:
            inside, outside = pair
            if rows.filter(pk=outside.pk).exists():
                self.fail(route, f"the list shows the outside object {outside}")
            if rows.filter(pk=inside.pk).exists() and not visible(self.user, inside):
                self.fail(route, f"the list shows {inside}, which is out of this role's scope")
        export = self.client.get(url, {"export": "xlsx"})
        export_perm = getattr(route.view_class, "export_perm", None)
        if export_perm and not self.has((export_perm,)):
            self.expect(route, "GET", url + "?export=xlsx", export, 403)
            return
        self.expect(route, "GET", url + "?export=xlsx", export, 200)
        if export.status_code == 200:
            self.check_export(route, export, response.context["paginator"].count)

    def check_export(self, route: Route, response, count: int) -> None:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
        if any(self.token in c for c in cells):
            self.fail(route, f"the export holds the outside world's {self.token}")
        if int(response["X-Export-Rows"]) != count:
            self.fail(route, f"the export has {response['X-Export-Rows']} rows, the list {count}")

    def pair(self, model):
        if model is None or model not in authz.FACTORIES:
            return None
        return self.matrix._objects.get(model) or self.matrix.objects(
            Route("", "", None, (), authz.RouteSpec(model=model)), self.user
        )

    def api_list(self, route: Route) -> None:
        url = reverse(route.name)
        response = self.get(route, url, {"page_size": 500})
        perm = route.api_perm("GET")
        if perm is not None and not self.has((perm,)):
            self.expect(route, "GET", url, response, 403)
        else:
            self.expect(route, "GET", url, response, 200)
            if response.status_code == 200:
                self.check_api_rows(route, response.json())
        if "post" in route.actions:
            response = self.request("POST", url, route)
            add = route.api_perm("POST")
            if add is not None and not self.has((add,)):
                self.expect(route, "POST", url, response, 403)
            elif response.status_code >= 500:
                self.fail(route, f"POST {url} answered {response.status_code}")

    def check_api_rows(self, route: Route, data) -> None:
        if not isinstance(data, dict) or set(data) != {"count", "next", "previous", "results"}:
            self.fail(route, "the list is not paginated as {count, next, previous, results}")
            return
        pair = self.pair(route.list_model)
        viewset = route.viewset
        if pair is None or viewset is None:
            return
        field = viewset.lookup_field
        key = "id" if field == "pk" else field
        values = {str(row.get(key)) for row in data["results"] if isinstance(row, dict)}
        if not data["results"] or key not in data["results"][0]:
            values = None
        inside, outside = pair
        ident = lambda obj: str(obj.pk if field == "pk" else getattr(obj, field))  # noqa: E731
        if values is not None and ident(outside) in values:
            self.fail(route, f"the API list shows the outside object {outside}")
        if values is not None and ident(inside) in values and not visible(self.user, inside):
            self.fail(route, f"the API list shows {inside}, which is out of this role's scope")

    def object_route(self, route: Route) -> None:
        pair = self.matrix.objects(route, self.user)
        if pair is None:
            self.skipped.append(route.name)
            return
        inside, outside = pair
        for inside_kwargs, outside_kwargs in zip(
            route.object_kwargs(inside), route.object_kwargs(outside), strict=True
        ):
            self.object_pair(route, inside, inside_kwargs, outside_kwargs)

    def object_pair(self, route: Route, inside, inside_kwargs, outside_kwargs) -> None:
        in_url = reverse(route.name, kwargs=inside_kwargs)
        out_url = reverse(route.name, kwargs=outside_kwargs)
        missing_url = reverse(route.name, kwargs=missing_kwargs(inside_kwargs, outside_kwargs))
        api = route.viewset is not None
        methods = [m.upper() for m in route.actions] if api else list(route.spec.methods)
        for method in methods:
            out = self.request(method, out_url, route)
            missing = self.request(method, missing_url, route)
            if method == "GET":
                self.scan(route, out_url, out)
            if out.status_code != missing.status_code:
                self.fail(
                    route,
                    f"{method} on the outside object answered {out.status_code}, on a missing one "
                    f"{missing.status_code}: the answer reveals that it exists",
                )
            elif out.status_code in OK or out.status_code >= 500:
                self.fail(route, f"{method} {out_url} (outside) answered {out.status_code}")
        if api and "get" not in route.actions:
            return
        seen = visible(self.user, inside)
        perm = route.api_perm("GET") if api else None
        perms = (perm,) if perm else (route.page_perms() if not api else None)
        # The object's own page or API detail: 200, 403 or 404 exactly. Other routes on an
        # object (edit forms, API actions on a sub-resource) may answer otherwise for an object
        # in scope (a missing report, a required parameter), but never show one out of scope.
        if api:
            strict = "retrieve" in route.actions.values()
        else:
            strict = route.view_class is not None and issubclass(route.view_class, ObjectPageView)
        if not strict and seen:
            return  # nothing to check that the outside object has not shown (and it may be slow)
        response = self.get(route, in_url)
        if strict:
            if perms and not self.has(perms):
                expected = 403
            else:
                expected = 200 if seen else 404
            self.expect(route, "GET", in_url, response, expected)
        elif not seen and response.status_code in OK:
            self.fail(route, f"GET {in_url} shows an object out of this role's scope")
        if api and route.actions.get("patch") == "partial_update":
            change = route.api_perm("PATCH")
            if change is not None and not self.has((change,)):
                patched = self.request("PATCH", in_url, route)
                self.expect(route, "PATCH", in_url, patched, 403)


@pytest.mark.parametrize("role", Role.values)
def test_role_sees_nothing_outside_its_jurisdiction(role, client, matrix):
    user = matrix.inside.user(role)
    client.force_login(user)
    walk = Walk(client, user, matrix)
    walk.run()
    print(f"write probes as {role}: {walk.writes}, problems: {len(walk.problems)}")
    assert walk.problems == [], "\n".join(walk.problems)


def test_anonymous_visitors_are_sent_to_the_login_page(client, matrix):
    problems = []
    login = reverse("core:login")
    for route in ROUTES:
        if route.spec.public or route.spec.skip:
            continue
        if route.kwargs:
            pair = matrix.objects(route, matrix.inside.owner)
            if pair is None:
                continue
            urls = [reverse(route.name, kwargs=k) for k in route.object_kwargs(pair[0])]
        else:
            urls = [reverse(route.name)]
        for url in urls:
            response = client.get(url)
            is_json = response.get("Content-Type", "").startswith("application/json")
            if route.is_api or is_json:
                # The API, and pages' JSON data endpoints: 401/403 with an error body.
                ok = response.status_code in (401, 403) and is_json
            else:
                ok = response.status_code == 302 and response["Location"].startswith(login)
            if not ok:
                problems.append(f"{route.name} GET {url} answered {response.status_code}")
    assert problems == [], "\n".join(problems)


def test_every_object_route_names_its_model_and_has_a_factory():
    """A new page or API route that takes an object needs a factory for its model (or a
    declaration), or the matrix above could not check it."""
    unresolved = sorted(r.name for r in object_routes() if r.model is None)
    assert unresolved == [], (
        "the matrix cannot tell which model these routes' URL arguments name: declare them with "
        f"authz.route(name, model=..., kwargs=...) in the app's tests/factories.py: {unresolved}"
    )
    models = {r.model for r in object_routes() if r.spec.objects is None}
    without = sorted(
        m._meta.label
        for m in models
        if m not in authz.FACTORIES and m not in authz.REFERENCE_MODELS
    )
    assert without == [], (
        "these models have object routes but no authz factory (register one with "
        f"@authz.factory(Model) in the app's tests/factories.py): {without}"
    )
    covered = {r.model for r in object_routes()}
    assert {Organization, User, AuditEvent, Attachment, Notification} <= covered


def test_every_list_route_is_walked():
    """Ledgers and API lists are recognised as such (their rows are checked, not only their
    bodies)."""
    ledgers = {
        r.name for r in ROUTES if r.view_class is not None and issubclass(r.view_class, LedgerView)
    }
    api_lists = {r.name for r in ROUTES if r.viewset and "list" in r.actions.values()}
    assert {"core:organization_list", "core:user_list", "core:audit_list"} <= ledgers
    assert {"organization-list", "user-list", "auditevent-list", "region-list"} <= api_lists


# --- The Django admin -------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_admin_is_for_the_system_administrator_only(role, client, matrix):
    user = matrix.inside.user(role)
    client.force_login(user)
    response = client.get("/admin/")
    if role == Role.SYSTEM_ADMIN:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_admin_lists_only_what_the_system_administrator_may_see(client, matrix):
    user = matrix.inside.user(Role.SYSTEM_ADMIN)
    client.force_login(user)
    request = RequestFactory().get("/admin/")
    request.user = user
    for model, model_admin in admin.site._registry.items():
        if not hasattr(model._default_manager, "visible_to"):
            continue
        shown = set(model_admin.get_queryset(request).values_list("pk", flat=True))
        allowed = set(model._default_manager.visible_to(user).values_list("pk", flat=True))
        assert shown <= allowed, f"the admin of {model._meta.label} shows rows out of scope"
    outside = matrix.outside.enterprise
    changelist = client.get("/admin/core/organization/")
    assert changelist.status_code == 200
    assert matrix.outside.token not in changelist.content.decode()
    change = client.get(f"/admin/core/organization/{outside.pk}/change/")
    missing = client.get(f"/admin/core/organization/{MISSING_INT}/change/")
    assert (change.status_code, change["Location"]) == (missing.status_code, missing["Location"])
    assert AuditEvent not in admin.site._registry, "the audit log is never in the admin"
    assert not User.objects.filter(is_superuser=True).exists()


def test_route_list_includes_patterns_added_by_every_app():
    names = {r.name for r in ROUTES}
    assert {"core:home", "core:organization_detail", "organization-detail", "api-me"} <= names
    # Attachments and notifications are covered through their declared routes.
    assert authz.ROUTES["core:attachment_download"].model is Attachment


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_administrators_see_no_business_data(role, matrix):
    """The three administrators see only the tables of their duty (accounts and organisations
    for the system and security administrators, the audit log for the audit administrator):
    every other scoped model of every app is empty to them, whatever exists in their region."""
    from django.apps import apps

    user = matrix.inside.user(role)
    for model in authz.FACTORIES:
        matrix.objects(Route("", "", None, (), authz.RouteSpec(model=model)), user)
    seen = {}
    for model in apps.get_models():
        queryset = model._default_manager.all()
        if not hasattr(queryset, "visible_to"):
            continue
        if role in type(queryset).scope_admin_roles:
            continue
        count = queryset.visible_to(user).count()
        if count:
            seen[model._meta.label] = count
    assert seen == {}
    expected = {
        Role.SYSTEM_ADMIN: {Organization, User},
        Role.SECURITY_ADMIN: {Organization, User},
        Role.AUDIT_ADMIN: {AuditEvent},
    }[role]
    for model in expected:
        assert model._default_manager.visible_to(user).exists(), model
