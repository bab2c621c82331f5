"""The object-step base (``core.views.steps``) over HTTP, with two steps on an organisation
declared here: a form step (rename, with a version) and a plain confirmation (deactivate).
Scope (404), permission (403), the confirmation page, plain and HTMX posts, the conflict
message on a stale version, and refusals shown where the person acted, audited once."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext

from kuangan.core import services
from kuangan.core.choices import AuditAction, Role
from kuangan.core.models import AuditEvent, Organization
from kuangan.core.views import ObjectStepSwitch, ObjectStepView
from kuangan.urls import urlpatterns as project_urlpatterns

from .factories import make_organization, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


# --- Two steps, declared ----------------------------------------------------------------------


def organization_rename(*, by, organization, name, version=None):
    services.require_perm(by, "core.change_organization", organization)
    with services.transition(
        organization, by=by, version=version, action=AuditAction.UPDATED
    ) as current:
        if not name.strip():
            raise ValidationError({"name": "Give the new name."})
        current.name = name.strip()
    return organization


def organization_deactivate(*, by, organization, version=None):
    if organization.name.startswith("受保护"):
        services.refuse(by, "This organisation is protected.", obj=organization, perm="protected")

    def active(current):
        if not current.is_active:
            raise ValidationError("The organisation is inactive already.")

    with services.transition(organization, by=by, version=version, guard=active) as current:
        current.is_active = False
    return organization


class NameForm(forms.Form):
    name = forms.CharField(max_length=100, required=False)


class OrganizationStep(ObjectStepView):
    model = Organization
    permission_required = "core.change_organization"


class RenameView(OrganizationStep):
    form_class = NameForm
    service = organization_rename
    title = "Rename"
    consequence = "The organisation gets the new name."


class DeactivateView(OrganizationStep):
    service = organization_deactivate
    title = "Deactivate"
    consequence = "Its users can no longer sign in."
    success_message = "Deactivated."

    def is_open(self) -> bool:
        return self.object.is_active


class OrganizationSteps(ObjectStepSwitch):
    steps = {"rename": RenameView, "deactivate": DeactivateView}


urlpatterns = [
    path(
        "test-steps/organizations/<int:pk>/<slug:step>/",
        OrganizationSteps.as_view(),
        name="organization_step",
    ),
    *project_urlpatterns,
]
handler403 = "kuangan.core.views.error_403"
handler404 = "kuangan.core.views.error_404"


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def admin(db):
    """A province_admin-role user of the 白山市 bureau (its scope: 白山市)."""
    return make_user("220600", role=Role.PROVINCE_ADMIN)


@pytest.fixture
def org(db):
    return make_organization("220605", name="江源区应急管理局")


def url(org, step):
    return reverse("organization_step", args=[org.pk, step])


HTMX = {"HTTP_HX_REQUEST": "true"}


def said(response) -> str:
    """The message this response left for the next page (the last one stored)."""
    return [str(m) for m in response.wsgi_request._messages][-1]


def texts(msgid: str) -> set[str]:
    """``msgid`` in English and in Chinese (pages speak the request's language)."""
    out = set()
    for language in ("en", "zh-hans"):
        with translation.override(language):
            out.add(gettext(msgid))
    return out


CONFLICT = set()
for _language in ("en", "zh-hans"):
    with translation.override(_language):
        CONFLICT.add(str(services.ConflictError()))


# --- Tests ------------------------------------------------------------------------------------


def test_the_confirmation_page_says_what_follows_and_carries_the_version(admin, org, client):
    client.force_login(admin)
    page = client.get(url(org, "rename"))
    body = page.content.decode()
    assert page.status_code == 200
    assert page.context["object"] == org and page.context["title"] == "Rename"
    assert "The organisation gets the new name." in body and 'data-testid="confirm"' in body
    assert f'name="version" value="{org.version}"' in body and 'name="name"' in body
    assert "<html" in body  # the whole page


def test_scope_permission_login_and_unknown_steps(admin, org, client):
    outside = make_organization("220102", name="南关区应急管理局")
    assert client.get(url(org, "rename")).status_code == 302  # to the login
    client.force_login(admin)
    assert client.get(url(outside, "rename")).status_code == 404
    assert client.post(url(outside, "rename"), {"name": "x", "version": 1}).status_code == 404
    assert client.get(reverse("organization_step", args=[org.pk, "merge"])).status_code == 404
    client.force_login(make_user("220605", role=Role.REGULATOR_INSPECTOR))  # sees it, no verb
    assert client.get(url(org, "rename")).status_code == 403
    assert client.post(url(org, "deactivate"), {"version": org.version}).status_code == 403
    assert Organization.objects.get(pk=org.pk).is_active


def test_a_plain_post_does_it_and_goes_back_with_the_message(admin, org, client):
    client.force_login(admin)
    response = client.post(url(org, "rename"), {"name": "江源区应急局", "version": org.version})
    assert response.status_code == 302 and response["Location"] == org.get_absolute_url()
    assert said(response) in texts("Saved.")
    stored = Organization.objects.get(pk=org.pk)
    assert stored.name == "江源区应急局" and stored.version == org.version + 1
    event = AuditEvent.objects.get(action=AuditAction.UPDATED, object_id=str(org.pk))
    assert event.actor == admin and event.changes == {"name": ["江源区应急管理局", "江源区应急局"]}


def test_an_htmx_post_gets_a_redirect_header(admin, org, client):
    client.force_login(admin)
    response = client.post(url(org, "deactivate"), {"version": org.version}, **HTMX)
    assert response.status_code == 204 and response["HX-Redirect"] == org.get_absolute_url()
    assert not Organization.objects.get(pk=org.pk).is_active


def test_an_htmx_post_to_correct_gets_only_the_step_back(admin, org, client):
    client.force_login(admin)
    response = client.post(url(org, "rename"), {"name": " ", "version": org.version}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'id="step"' in body
    assert "Give the new name." in body
    assert Organization.objects.get(pk=org.pk).name == "江源区应急管理局"


def test_a_stale_version_shows_the_conflict_on_the_form(admin, org, client):
    client.force_login(admin)
    stale = org.version
    client.post(url(org, "rename"), {"name": "先保存的名称", "version": stale})
    response = client.post(url(org, "rename"), {"name": "后保存的名称", "version": stale})
    assert response.status_code == 200
    assert " ".join(response.context["form"].non_field_errors()) in CONFLICT
    # The page reloaded carries the current version: confirming again works.
    assert response.context["version"] == stale + 1
    assert Organization.objects.get(pk=org.pk).name == "先保存的名称"


def test_a_stale_version_of_a_confirmation_goes_back_with_the_conflict(admin, org, client):
    client.force_login(admin)
    stale = org.version
    client.post(url(org, "rename"), {"name": "先保存的名称", "version": stale})
    response = client.post(url(org, "deactivate"), {"version": stale})
    assert response.status_code == 302 and response["Location"] == org.get_absolute_url()
    assert said(response) in CONFLICT
    assert Organization.objects.get(pk=org.pk).is_active
    response = client.post(url(org, "deactivate"), {"version": stale}, **HTMX)
    assert response.status_code == 204 and response["HX-Redirect"] == org.get_absolute_url()
    assert Organization.objects.get(pk=org.pk).is_active


def test_a_service_refusal_is_shown_and_audited_once(admin, client):
    protected = make_organization("220605", name="受保护单位")
    client.force_login(admin)
    response = client.post(url(protected, "deactivate"), {"version": protected.version})
    assert response.status_code == 302
    assert said(response) == "This organisation is protected."
    denied = AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED)
    assert [e.changes for e in denied] == [{"permission": "protected"}]
    assert Organization.objects.get(pk=protected.pk).is_active


def test_a_step_not_open_now_goes_back_with_a_message(admin, org, client):
    client.force_login(admin)
    client.post(url(org, "deactivate"), {"version": org.version})
    response = client.get(url(org, "deactivate"))
    assert response.status_code == 302 and response["Location"] == org.get_absolute_url()
    assert said(response) in texts("This step is not open to you now.")
    # Posted anyway, the service's guard refuses it.
    org.refresh_from_db()
    response = client.post(url(org, "deactivate"), {"version": org.version})
    assert said(response) == "The organisation is inactive already."
