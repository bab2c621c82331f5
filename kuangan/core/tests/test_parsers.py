"""The API's parsers: every text cleaned and held to the length limit, in JSON, form and
multipart bodies; a JSON body nested too deep is a 400 in the error format, never a 500."""

import json

import pytest

from kuangan.core.models import Organization
from kuangan.core.parsers import JSON_MAX_DEPTH, json_depth

from .factories import make_organization, make_user

TOKEN = "/api/v1/auth/token/"


def test_json_depth_ignores_brackets_in_strings():
    assert json_depth('{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth('"\\"[[["') == 0
    assert json_depth("[" * 100_000) == 100_000


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_a_deeply_nested_json_body_is_400(client, db, opening):
    closing = "]" if opening == "[" else "}"
    body = opening * 100_000 + "1" + closing * 100_000
    response = client.post(TOKEN, body, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "parse_error" and str(JSON_MAX_DEPTH) in error["message"]


def test_nesting_up_to_the_limit_is_read(client, db):
    body = {"username": "x", "password": "y", "extra": json.loads("[" * 30 + "]" * 30)}
    response = client.post(TOKEN, json.dumps(body), content_type="application/json")
    assert response.status_code == 401  # read, then refused as a wrong password


def test_bad_json_is_400(client, db):
    response = client.post(TOKEN, "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "parse_error"


@pytest.fixture
def admin_api(client, db):
    admin = make_user("220000", role="system_admin")
    client.force_login(admin)
    return client


def test_texts_are_cleaned_in_json_and_form_bodies(admin_api):
    org = make_organization("220605", name="旧名称")
    url = f"/api/v1/organizations/{org.pk}/"
    response = admin_api.patch(
        url,
        json.dumps({"address": "白山市\x07江源区\ufffe", "version": 1}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert Organization.objects.get(pk=org.pk).address == "白山市江源区"
    response = admin_api.patch(
        url,
        "address=%E5%B0%8F%07%E9%95%87&version=2",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200, response.json()
    assert Organization.objects.get(pk=org.pk).address == "小镇"


def test_a_text_over_the_limit_is_400_on_its_field(admin_api, settings):
    settings.TEXT_MAX_LENGTH = 100
    org = make_organization("220605")
    response = admin_api.patch(
        f"/api/v1/organizations/{org.pk}/",
        json.dumps({"address": "长" * 101, "version": 1}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "100" in response.json()["error"]["fields"]["address"][0]
