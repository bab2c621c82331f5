"""The OpenAPI schema tells the truth about the API (core/schema.py): every operation documents
its errors in the one shape, list actions are lists, documents have their media types, fields
that can be null are nullable, a mine is named by its code, nothing answers an empty 200."""

import pytest
from drf_spectacular.generators import SchemaGenerator

METHODS = {"get", "post", "put", "patch", "delete"}
ERROR = {"$ref": "#/components/schemas/ApiError"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_every_operation_documents_its_errors(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        expected = {"400", "401", "403", "404"}
        if method != "get":
            expected |= {"409"}
        if method in {"put", "patch"}:
            expected |= {"428"}
        assert expected <= set(responses), (method, path, sorted(responses))
        for code in expected:
            body = responses[code]["content"]["application/json"]["schema"]
            assert body == ERROR or code == "422", (method, path, code)
    error = schema["components"]["schemas"]["ApiErrorDetail"]
    assert set(error["required"]) == {"code", "message", "fields"}


def test_token_endpoint_documents_created_and_throttled(schema):
    responses = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert "201" in responses and "200" not in responses
    assert "429" in responses


def test_no_empty_success_without_content(schema):
    for path, method, operation in operations(schema):
        for code, response in operation["responses"].items():
            if code in {"200", "201"}:
                assert response.get("content"), (method, path, code)


def test_list_actions_are_documented_as_lists(schema):
    paths = schema["paths"]
    for path in (
        "/api/v1/hazards/{id}/extensions/",
        "/api/v1/hazards/{id}/candidates/",
        "/api/v1/hazards/{id}/evidence/",
        "/api/v1/inspections/{id}/results/",
    ):
        body = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert body["type"] == "array", path
    # only the actions that page say so
    calendar = paths["/api/v1/monthly-checks/calendar/"]["get"]["responses"]["200"]
    assert calendar["content"]["application/json"]["schema"]["$ref"].endswith("List")


def test_documents_have_their_media_types(schema):
    paths = schema["paths"]
    document = paths["/api/v1/inspections/{id}/report/document/"]["get"]["responses"]["200"]
    assert set(document["content"]) == {DOCX, "application/pdf"}
    assert set(paths["/api/v1/orders/{id}/docx/"]["get"]["responses"]["200"]["content"]) == {DOCX}
    report = paths["/api/v1/inspections/{id}/report/"]["get"]["responses"]
    assert "204" in report and "content" not in report["204"]


def test_fields_that_can_be_null_are_nullable(schema):
    components = schema["components"]["schemas"]
    assert components["Hazard"]["properties"]["listing_body"]["nullable"] is True
    assert components["Region"]["properties"]["parent"]["nullable"] is True
    assert components["Enterprise"]["properties"]["mine_count"]["nullable"] is True
    # a blank address is no e-mail format; a blank choice is one of the answers
    assert "format" not in components["User"]["properties"]["email"]
    level = components["ItemResult"]["properties"]["hazard_level"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in level["oneOf"]


def test_a_mine_is_named_by_its_code(schema):
    components = schema["components"]["schemas"]
    for name in ("Hazard", "HazardRequest", "RiskItemRequest", "OrderRequest"):
        assert components[name]["properties"]["mine"]["type"] == "string", name
