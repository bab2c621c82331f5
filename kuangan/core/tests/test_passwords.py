"""The password policy (等保 level 3 profile): length ≥ 10, 3 of 4 character classes, no reuse
of the last 5, rotation, a forced change at the first login of a created account, and other
sessions ended by a change."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client

from kuangan.core import services
from kuangan.core.choices import Role
from kuangan.core.models import PasswordHistory, User
from kuangan.core.passwords import (
    CharacterClassValidator,
    PasswordHistoryValidator,
    SequenceValidator,
    weak_pattern,
)

from .factories import PASSWORD, make_organization, make_user

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_the_default_policy_settings(settings):
    assert settings.PASSWORD_MIN_LENGTH == 10
    assert settings.PASSWORD_MIN_CLASSES == 3
    assert settings.PASSWORD_HISTORY == 5
    assert settings.PASSWORD_MAX_AGE_DAYS == 90


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Ab1#xyz", False),  # 7 characters
        ("Ab1#xyzpq", False),  # 9
        ("kbmdqfxhwzrt", False),  # one class
        ("kbmdqfxh12", False),  # two classes
        ("KBMDQFXH#!", False),  # two classes
        ("Kbmdqfxh12", True),  # upper, lower, digit
        ("kbmdqfxh1#", True),  # lower, digit, symbol
        ("KBMDQFXH1#", True),
        ("Kuang an 2026", True),  # a space is a symbol
        ("矿安Mine2026x", True),
    ],
)
def test_length_and_character_classes(db, password, ok):
    user = make_user("220605")
    if ok:
        validate_password(password, user)
    else:
        with pytest.raises(ValidationError):
            validate_password(password, user)


def test_character_class_counting():
    assert CharacterClassValidator.classes("aA1!") == 4
    assert CharacterClassValidator.classes("aaaa") == 1
    with pytest.raises(ValidationError, match="at least 3 of"):
        CharacterClassValidator(3).validate("aaaa1111")


def test_common_and_personal_passwords_are_refused(db):
    user = make_user("220605", username="zhangsan_jiangyuan")
    with pytest.raises(ValidationError):
        validate_password("Password123", user)
    with pytest.raises(ValidationError):
        validate_password("Zhangsan_jiangyuan1", user)


def test_none_of_the_last_five_passwords_can_be_reused(db):
    user = make_user("220605")
    history = [PASSWORD] + [f"Second#Pass{i}xyz" for i in range(1, 6)]
    for old, new in zip(history, history[1:], strict=False):
        services.user_change_password(user=user, old_password=old, new_password=new)
    user.refresh_from_db()
    assert PasswordHistory.objects.filter(user=user).count() == 5
    # The current one and the five before it are refused ...
    for reused in history[1:]:
        with pytest.raises(ValidationError, match="last 5 passwords"):
            services.user_change_password(user=user, old_password=history[-1], new_password=reused)
    # ... the oldest (six changes ago) may come back.
    services.user_change_password(user=user, old_password=history[-1], new_password=history[0])


def test_the_history_validator_skips_a_new_account():
    PasswordHistoryValidator(5).validate("anything", User())


# --- Through the pages ---------------------------------------------------------------------------


def change(client, old, new, again=None):
    return client.post(
        "/password/",
        {"old_password": old, "new_password1": new, "new_password2": again or new},
        **EN,
    )


def test_change_password_page_explains_what_is_wrong(client, db):
    user = make_user("220605")
    client.force_login(user)
    errors = change(client, "wrong", "Good#Pass2026x").context["form"].errors
    assert errors["old_password"] == ["The current password is wrong."]
    errors = change(client, PASSWORD, "Good#Pass2026x", "Good#Pass2026y").context["form"].errors
    assert errors["new_password2"] == ["The two new passwords differ."]
    errors = change(client, PASSWORD, "short1A").context["form"].errors
    assert any("at least 10 characters" in e for e in errors["new_password1"])
    errors = change(client, PASSWORD, PASSWORD).context["form"].errors
    assert any("last 5 passwords" in e for e in errors["new_password1"])
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def test_a_change_ends_the_other_sessions_and_keeps_this_one(client, db):
    user = make_user("220605")
    other = Client()
    other.force_login(user)
    assert other.get("/").status_code == 200
    client.force_login(user)
    response = change(client, PASSWORD, "Brand#New2026pw")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert other.get("/")["Location"].startswith("/login/")
    assert Session.objects.count() == 1


def test_first_login_of_a_created_account_forces_a_change(client, db):
    # An account made by a set-up command (``by=None``) has an initial password; one made by
    # an administrator has none that anybody knows (test_services).
    user, initial = services.user_create(
        by=None,
        username="created_one",
        organization=make_organization("220605"),
        real_name="新账号",
    )
    response = client.post("/login/", {"username": "created_one", "password": initial})
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == "/password/"
    page = client.get("/password/", **EN).content.decode()
    assert "set your own password before you continue" in page
    assert change(client, initial, "Own#Password2026")["Location"] == "/"
    assert client.get("/").status_code == 200
    assert not User.objects.get(pk=user.pk).must_change_password


def test_deactivation_ends_the_session(client, db):
    user = make_user("220605")
    client.force_login(user)
    assert client.get("/").status_code == 200
    admin = make_user("220000", role=Role.SYSTEM_ADMIN)
    services.user_set_active(by=admin, user=user, active=False)
    assert client.get("/")["Location"].startswith("/login/")
    response = client.post("/login/", {"username": user.username, "password": PASSWORD}, **EN)
    assert "This account is disabled" in response.content.decode() or response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_administrator_reset_shows_no_password_and_keeps_the_old_one(client, db):
    user = make_user("220605", username="reset_me")
    User.objects.filter(pk=user.pk).update(email="reset_me@example.com")
    admin = make_user("220000", role=Role.SYSTEM_ADMIN)
    client.force_login(admin)
    response = client.post(f"/users/{user.pk}/reset_password/", follow=True, **EN)
    said = " ".join(str(m) for m in response.context["messages"])
    assert "waits for a security administrator" in said and "r***@example.com" in said
    assert "shown only once" not in said
    client.post("/logout/")
    # Until the user sets a new one through the link, the password is the old one.
    client.post("/login/", {"username": "reset_me", "password": PASSWORD})
    assert client.get("/").status_code == 200


# --- Sequences, repeats and common passwords ------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "1234567890Aa",  # an ascending run of digits
        "Aaaaaaaaaa1",  # one letter repeated
        "Xk#9876zwQm",  # a descending run
        "Zm#abcdQ71x",  # letters in order
        "Qwer#7Tz5m1",  # a keyboard row
        "Mk7#1111zQx",  # a digit repeated
    ],
)
def test_sequences_and_repeats_are_refused(db, password):
    with pytest.raises(ValidationError, match="in sequence or repeated"):
        validate_password(password, make_user("220605"))


def test_1234567890Aa_is_refused(db):
    with pytest.raises(ValidationError):
        validate_password("1234567890Aa", make_user("220605"))


def test_Aaaaaaaaaa1_is_refused(db):
    with pytest.raises(ValidationError):
        validate_password("Aaaaaaaaaa1", make_user("220605"))


def test_three_in_a_row_is_allowed():
    SequenceValidator().validate("Abc#123xyZ9q")


@pytest.mark.parametrize("password", ["Woaini1314", "Admin@123456", "Zhongguo@123"])
def test_common_chinese_passwords_are_refused(db, password):
    with pytest.raises(ValidationError, match="too common"):
        validate_password(password, make_user("220605"))


def test_the_demo_and_generated_passwords_pass_the_policy(db, settings):
    user = User(username="new_account", real_name="新账号")
    validate_password(settings.DEMO_PASSWORD_DEFAULT, user)
    validate_password(PASSWORD, user)
    for _ in range(200):
        assert weak_pattern(services.generate_password()) is None


def test_the_policy_is_explained_in_chinese(client, db):
    user = make_user("220605")
    client.force_login(user)
    response = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "1234567890Aa",
            "new_password2": "1234567890Aa",
        },
    )
    errors = response.context["form"].errors["new_password1"]
    assert any("连续或重复" in e for e in errors)
