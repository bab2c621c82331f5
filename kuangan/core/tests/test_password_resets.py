"""Password resets through the pages (views/password_resets.py and the account's reset step):
the system administrator requests, a security administrator approves, the user alone gets the
one-time link by e-mail and sets the password with it. Nobody is shown a password, and nothing
of it travels in a cookie."""

import pytest
from django.test import Client

from kuangan.core.choices import Role
from kuangan.core.models import PasswordReset, PasswordResetStatus, User

from .factories import PASSWORD, make_user

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NEW_PASSWORD = "Own#Choice-2026pw"


@pytest.fixture
def people(db):
    system = make_user("220000", role=Role.SYSTEM_ADMIN, username="sys")
    security = make_user("220000", role=Role.SECURITY_ADMIN, username="sec")
    auditor = make_user("220000", role=Role.AUDIT_ADMIN, username="auditor")
    User.objects.filter(pk=auditor.pk).update(email="auditor@example.com")
    return system, security, User.objects.get(pk=auditor.pk)


def link_path(outbox) -> str:
    line = next(x for x in outbox[-1].body.splitlines() if "/password-reset/" in x)
    return "/" + line.split("/", 3)[3]


def all_cookie_text(*clients: Client) -> str:
    return " ".join(f"{k}={v.value}" for c in clients for k, v in c.cookies.items())


def test_system_admin_reset_does_not_show_password(client, people, mailoutbox):
    system, _security, auditor = people
    client.force_login(system)
    confirm = client.get(f"/users/{auditor.pk}/reset_password/", **EN).content.decode()
    assert "security administrator must approve" in confirm
    response = client.post(
        f"/users/{auditor.pk}/reset_password/", {"reason": "遗忘"}, follow=True, **EN
    )
    reset = PasswordReset.objects.get(user=auditor)
    assert response.redirect_chain[-1][0] == f"/password-resets/{reset.pk}/"
    page = response.content.decode()
    said = " ".join(str(m) for m in response.context["messages"])
    assert "a***@example.com" in said and "shown only once" not in said
    assert "auditor@example.com" not in page  # the requester sees the masked address only
    assert reset.status == PasswordResetStatus.PENDING and not mailoutbox
    # The old password still logs in; there is no new one anybody could have seen.
    assert User.objects.get(pk=auditor.pk).check_password(PASSWORD)
    # The requester is offered no approval.
    assert f"/password-resets/{reset.pk}/approve/" not in page
    assert client.post(f"/password-resets/{reset.pk}/approve/").status_code == 403


def test_reset_password_never_in_cookie(people, mailoutbox, django_capture_on_commit_callbacks):
    system, security, auditor = people
    admin, approver, owner = Client(), Client(), Client()
    admin.force_login(system)
    admin.post(f"/users/{auditor.pk}/reset_password/", follow=True)
    reset = PasswordReset.objects.get(user=auditor)
    approver.force_login(security)
    listing = approver.get("/password-resets/").content.decode()
    assert f"/password-resets/{reset.pk}/" in listing
    page = approver.get(f"/password-resets/{reset.pk}/").content.decode()
    assert "auditor@example.com" in page  # the approver checks the address is the user's
    with django_capture_on_commit_callbacks(execute=True):
        response = approver.post(
            f"/password-resets/{reset.pk}/approve/", {"version": 1}, follow=True, **EN
        )
    assert "link has been sent" in " ".join(str(m) for m in response.context["messages"])
    path = link_path(mailoutbox)
    key = path.rstrip("/").rsplit("/", 1)[1]
    # Neither administrator's page nor cookies carry the link.
    assert key not in response.content.decode()
    assert owner.get(path).status_code == 200
    done = owner.post(
        path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert done.redirect_chain[-1][0] == "/login/"
    cookies = all_cookie_text(admin, approver, owner)
    assert key not in cookies and NEW_PASSWORD not in cookies
    assert not any("messages" in c.cookies for c in (admin, approver, owner))
    assert (
        owner.post("/login/", {"username": "auditor", "password": NEW_PASSWORD}).status_code == 302
    )
    assert owner.get("/").status_code == 200
    # The link works once.
    again = Client().get(path, **EN).content.decode()
    assert "invalid, already used or expired" in again


def test_a_refused_reset_sends_nothing(people, mailoutbox):
    system, security, auditor = people
    client = Client()
    client.force_login(system)
    client.post(f"/users/{auditor.pk}/reset_password/")
    reset = PasswordReset.objects.get(user=auditor)
    client.force_login(security)
    response = client.post(
        f"/password-resets/{reset.pk}/refuse/", {"note": "未核实身份", "version": 1}
    )
    assert response.status_code == 302
    reset.refresh_from_db()
    assert reset.status == PasswordResetStatus.REFUSED and reset.decision_note == "未核实身份"
    assert not mailoutbox
    # A decided request is not open to another decision.
    assert client.get(f"/password-resets/{reset.pk}/approve/").status_code == 302


@pytest.mark.parametrize("role", [Role.PROVINCE_ADMIN, Role.AUDIT_ADMIN])
def test_others_neither_request_nor_see_resets(client, people, role):
    system, _security, auditor = people
    client.force_login(system)
    client.post(f"/users/{auditor.pk}/reset_password/")
    client.force_login(make_user("220000", role=role))
    assert client.get("/password-resets/").status_code == 403
    reset = PasswordReset.objects.get(user=auditor)
    assert client.get(f"/password-resets/{reset.pk}/").status_code in (403, 404)
