"""Phone numbers: a mainland mobile number or a landline number with its area code, checked on
every phone field (models, forms, API)."""

import json
import random

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kuangan.core.demo import phone as demo_phone
from kuangan.core.forms import UserForm
from kuangan.core.validators import validate_phone

from .factories import make_organization, make_user


@pytest.mark.parametrize(
    "value",
    [
        "13912345678",
        "19900001111",
        "0439-3212345",
        "04393212345",
        "010-12345678",
        "0431-87654321-801",
        "",
    ],
)
def test_valid_phone_numbers(value):
    validate_phone(value)


@pytest.mark.parametrize(
    "value",
    ["1", "0439-1", "12912345678", "1391234567", "139123456789", "abc", "0439-321234a", "+86 139"],
)
def test_invalid_phone_numbers(value):
    with pytest.raises(ValidationError) as exc:
        validate_phone(value)
    assert exc.value.code == "invalid_phone"


def test_the_demo_phone_numbers_are_valid():
    rng = random.Random(1)
    for _ in range(100):
        validate_phone(demo_phone(rng))


def test_a_bad_phone_is_refused_by_the_form_and_the_api(client, db):
    with translation.override("zh-hans"):
        form = UserForm({"username": "li_si", "real_name": "李四", "phone": "12345"})
        assert not form.is_valid() and "手机号码" in form.errors["phone"][0]
    admin = make_user("220000", role="system_admin")
    client.force_login(admin)
    org = make_organization("220605")
    response = client.patch(
        f"/api/v1/organizations/{org.pk}/",
        json.dumps({"phone": "0439-1", "version": 1}),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["error"]["fields"]["phone"]
    response = client.patch(
        f"/api/v1/organizations/{org.pk}/",
        json.dumps({"phone": "0439-3212345", "version": 1}),
        content_type="application/json",
    )
    assert response.status_code == 200
