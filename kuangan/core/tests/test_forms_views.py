"""``ObjectFormView``, the create-or-edit page every app builds its forms on: the object comes
from ``visible_to`` (out of scope is 404, like a missing one), the version the form was loaded
at reaches the service, and what the service refuses is said on the form."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path, reverse

from kuangan.core import services
from kuangan.core.choices import OrganizationKind, RegulatorAgency, Role
from kuangan.core.models import Organization, Region
from kuangan.core.services import ConflictError
from kuangan.core.views import ObjectFormView
from kuangan.urls import urlpatterns as project_urlpatterns

from .factories import make_organization, make_user

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


class NameForm(forms.Form):
    name = forms.CharField()
    region = forms.ModelChoiceField(queryset=Region.objects.all(), required=False)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class OrganisationNameView(ObjectFormView):
    """A regulator's name: created in a region, renamed through the service."""

    model = Organization
    form_class = NameForm
    permission_required = "core.add_organization"
    edit_permission = "core.change_organization"
    title_create = "New regulator"
    title_edit = "Rename regulator"
    list_url = "core:organization_list"

    def save(self, form):
        data = form.cleaned_data
        if self.object is None:
            return services.organization_create(
                by=self.request.user,
                kind=OrganizationKind.REGULATOR,
                agency=RegulatorAgency.EMERGENCY,
                name=data["name"],
                region=data["region"],
            )
        return services.organization_update(
            by=self.request.user,
            organization=self.fresh_object(),
            version=self.posted_version(),
            name=data["name"],
        )


class OrganisationByNameView(OrganisationNameView):
    slug_url_kwarg = "name"
    slug_field = "name"


class StrictView(OrganisationNameView):
    """A refusal not listed in ``refusals`` is the 403 page, not a form error."""

    refusals = (ConflictError,)

    def save(self, form):
        raise PermissionDenied("Not yours.")


class FieldErrorView(OrganisationNameView):
    def save(self, form):
        raise ValidationError({"name": "Taken.", "elsewhere": "Not a field of the form."})


urlpatterns = [
    path("test-form/new/", OrganisationNameView.as_view(), name="test_form_create"),
    path("test-form/<int:pk>/edit/", OrganisationNameView.as_view(), name="test_form_edit"),
    path("test-form/by-name/<str:name>/", OrganisationByNameView.as_view(), name="test_by_name"),
    path("test-form/<int:pk>/strict/", StrictView.as_view(), name="test_strict"),
    path("test-form/<int:pk>/field-error/", FieldErrorView.as_view(), name="test_field_error"),
    *project_urlpatterns,
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture
def world(db):
    baishan = make_organization("220600", name="白山市局")
    return {
        "admin": make_user(organization=baishan, role=Role.PROVINCE_ADMIN),
        "baishan": baishan,
        "jiangyuan": make_organization("220605", name="江源区局"),
        "tonghua": make_organization("220500", name="通化市局"),
    }


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_create_saves_through_the_service_and_shows_the_new_object(client, world):
    client.force_login(world["admin"])
    page = client.get(reverse("test_form_create"), **EN)
    assert page.status_code == 200
    assert page.context["title"] == "New regulator"
    assert page.context["version"] is None
    assert page.context["cancel_url"] == reverse("core:organization_list")
    region = Region.objects.get(code="220602")
    response = client.post(
        reverse("test_form_create"), {"name": "浑江区局", "region": region.pk}, **EN
    )
    created = Organization.objects.get(name="浑江区局")
    assert response.status_code == 302
    assert response["Location"] == created.get_absolute_url()
    assert messages_of(response) == ["Saved."]


def test_edit_passes_the_loaded_version_and_saves_a_fresh_copy(client, world):
    client.force_login(world["admin"])
    org = world["jiangyuan"]
    url = reverse("test_form_edit", args=[org.pk])
    page = client.get(url, **EN)
    assert page.status_code == 200
    assert page.context["title"] == "Rename regulator"
    assert page.context["version"] == org.version
    assert page.context["cancel_url"] == org.get_absolute_url()
    response = client.post(url, {"name": "江源区应急管理局", "version": org.version})
    assert response.status_code == 302
    assert response["Location"] == org.get_absolute_url()
    org.refresh_from_db()
    assert (org.name, org.version) == ("江源区应急管理局", 2)


def test_a_stale_version_is_said_on_the_form(client, world):
    client.force_login(world["admin"])
    org = world["jiangyuan"]
    url = reverse("test_form_edit", args=[org.pk])
    assert client.post(url, {"name": "第一次", "version": 1}).status_code == 302
    stale = client.post(url, {"name": "第二次", "version": 1}, **EN)
    assert stale.status_code == 200
    errors = stale.context["form"].non_field_errors()
    assert len(errors) == 1 and "changed by someone else" in errors[0]
    assert "changed by someone else" in stale.content.decode()
    org.refresh_from_db()
    assert org.name == "第一次"
    # A missing or broken version can only conflict.
    broken = client.post(url, {"name": "第三次", "version": "x"}, **EN)
    assert broken.status_code == 200 and broken.context["form"].non_field_errors()


def test_an_object_out_of_scope_is_404_like_a_missing_one(client, world):
    client.force_login(world["admin"])
    outside = world["tonghua"]
    for method in (client.get, client.post):
        out = method(reverse("test_form_edit", args=[outside.pk]), {"name": "x", "version": 1})
        missing = method(reverse("test_form_edit", args=[999999]), {"name": "x", "version": 1})
        assert out.status_code == missing.status_code == 404
        out = method(reverse("test_by_name", args=[outside.name]))
        assert out.status_code == 404
    outside.refresh_from_db()
    assert outside.name == "通化市局"
    assert client.get(reverse("test_by_name", args=["江源区局"])).status_code == 200


def test_the_edit_permission_is_asked_when_editing(client, world):
    inspector = make_user(organization=world["baishan"], role=Role.REGULATOR_INSPECTOR)
    client.force_login(inspector)
    assert not inspector.has_perm("core.change_organization")
    assert client.get(reverse("test_form_edit", args=[world["jiangyuan"].pk])).status_code == 403
    assert client.get(reverse("test_form_create")).status_code == 403
    # Out of scope stays 404, whatever the permissions.
    assert client.get(reverse("test_form_edit", args=[world["tonghua"].pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    response = client.get(reverse("test_form_edit", args=[world["jiangyuan"].pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_a_result_out_of_scope_is_refused_on_the_form(client, world):
    client.force_login(world["admin"])
    outside = Region.objects.get(code="220500")
    response = client.post(reverse("test_form_create"), {"name": "越界局", "region": outside.pk})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Organization.objects.filter(name="越界局").exists()


def test_a_refusal_not_listed_is_the_403_page(client, world):
    client.force_login(world["admin"])
    url = reverse("test_strict", args=[world["jiangyuan"].pk])
    assert client.post(url, {"name": "x", "version": 1}).status_code == 403


def test_validation_errors_land_on_their_fields(client, world):
    client.force_login(world["admin"])
    url = reverse("test_field_error", args=[world["jiangyuan"].pk])
    response = client.post(url, {"name": "x", "version": 1})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Not a field of the form."]


# --- The views built on it ------------------------------------------------------------------


def test_the_organisation_and_user_forms_are_404_out_of_scope(client, world):
    client.force_login(make_user(organization=world["baishan"], role=Role.SYSTEM_ADMIN))
    outside = world["tonghua"]
    stranger = make_user(organization=outside)
    for url in (f"/organizations/{outside.pk}/edit/", f"/users/{stranger.pk}/edit/"):
        assert client.get(url).status_code == 404


def test_the_user_form_says_a_stale_version_and_thanks_only_an_edit(client, world):
    client.force_login(make_user(organization=world["baishan"], role=Role.SYSTEM_ADMIN))
    member = make_user(organization=world["jiangyuan"])
    data = {"real_name": "改名", "organization": world["jiangyuan"].pk, "version": 1}
    url = f"/users/{member.pk}/edit/"
    page = client.get(url, **EN)
    assert page.context["version"] == 1 and "help" not in page.context
    assert page.context["form"].initial["real_name"] == member.real_name
    saved = client.post(url, data, **EN)
    assert saved.status_code == 302 and messages_of(saved) == ["Saved."]
    stale = client.post(url, data, **EN)
    assert stale.status_code == 200
    assert "changed by someone else" in stale.content.decode()
    new = client.get("/users/new/", **EN)
    assert new.context["version"] is None and new.context["help"]
