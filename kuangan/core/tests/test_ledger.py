"""The ledger pattern, on the organisation and user ledgers: filters, search, sort, pagination,
column choice, and the Excel export of exactly the filtered rows, formula-safe and audited."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kuangan.core.choices import AuditAction, OrganizationKind, Role
from kuangan.core.ledger import display, sheet_name, write_xlsx
from kuangan.core.models import AuditEvent, Organization, Region

from .factories import make_organization, make_user

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def baishan(db):
    """A 白山市 regulator (province_admin role) and organisations around it."""
    office = make_organization("220600", name="白山市应急管理局")
    user = make_user(organization=office, role=Role.PROVINCE_ADMIN)
    make_organization("220605", name="江源区应急管理局")
    make_organization("220602", name="浑江区应急管理局")
    make_organization("220605", OrganizationKind.ENTERPRISE, name="松树镇煤业", phone="0439-1")
    make_organization("220602", OrganizationKind.ENTERPRISE, name="六道江煤业", is_active=False)
    make_organization("220681", OrganizationKind.AGENCY, name="临江安全评价")
    make_organization("220102", OrganizationKind.ENTERPRISE, name="长春煤业")  # out of scope
    return user


def rows(response) -> list[str]:
    return [str(r["obj"]) for r in response.context["rows"]]


def all_rows(response):
    return response.context["paginator"].object_list


def test_filters(client, baishan):
    client.force_login(baishan)
    response = client.get("/organizations/", {"kind": "enterprise"})
    assert set(rows(response)) == {"松树镇煤业", "六道江煤业"}
    jiangyuan = Region.objects.get(code="220605")
    response = client.get("/organizations/", {"region": jiangyuan.pk})
    assert set(rows(response)) == {"江源区应急管理局", "松树镇煤业"}
    response = client.get("/organizations/", {"region": Region.objects.get(code="220600").pk})
    assert "长春煤业" not in rows(response) and len(rows(response)) == 6
    response = client.get("/organizations/", {"is_active": "false"})
    assert rows(response) == ["六道江煤业"]
    assert response.context["is_filtered"]


def test_search(client, baishan):
    client.force_login(baishan)
    assert set(rows(client.get("/organizations/", {"q": "煤业"}))) == {"松树镇煤业", "六道江煤业"}
    assert rows(client.get("/organizations/", {"q": "0439-1"})) == []  # phone is not searched
    assert rows(client.get("/organizations/", {"q": "长春"})) == []  # out of scope stays out


def test_sort(client, baishan):
    client.force_login(baishan)
    by_name = rows(client.get("/organizations/", {"sort": "name"}))
    assert by_name == sorted(by_name)
    assert rows(client.get("/organizations/", {"sort": "-name"})) == by_name[::-1]
    # An unknown sort key is ignored, not an error.
    assert client.get("/organizations/", {"sort": "password"}).status_code == 200


def test_pagination(client, baishan):
    for i in range(30):
        make_organization("220605", OrganizationKind.ENTERPRISE, name=f"企业{i:02d}")
    client.force_login(baishan)
    first = client.get("/organizations/", {"sort": "name"})
    assert len(rows(first)) == 25 and first.context["paginator"].count == 36
    second = client.get("/organizations/", {"sort": "name", "page": 2})
    assert len(rows(second)) == 11 and not set(rows(first)) & set(rows(second))
    assert len(rows(client.get("/organizations/", {"page_size": 50}))) == 36
    assert len(rows(client.get("/organizations/", {"page_size": 100000}))) == 25
    assert len(rows(client.get("/organizations/", {"page_size": "x"}))) == 25
    assert client.get("/organizations/", {"page": 99}).context["page"].number == 2


def test_column_choice_is_remembered(client, baishan):
    client.force_login(baishan)
    response = client.get("/organizations/", {"cols": ["name", "phone"]})
    assert [c.key for c in response.context["columns"]] == ["name", "phone"]
    response = client.get("/organizations/")
    assert [c.key for c in response.context["columns"]] == ["name", "phone"]
    response = client.get("/organizations/", {"cols": ["nonsense"]})
    assert "kind" in [c.key for c in response.context["columns"]]


def test_an_invalid_filter_selects_nothing_and_says_why(client, baishan):
    client.force_login(baishan)
    response = client.get("/organizations/", {"region": "999999999"}, **EN)
    assert rows(response) == [] and response.context["filterset"].errors
    assert "No record matches the filters" in response.content.decode()
    export = client.get("/organizations/", {"region": "999999999", "export": "xlsx"})
    assert export["X-Export-Rows"] == "0"


def test_empty_states(client, db):
    office = make_organization("220605", name="空局")
    user = make_user(organization=office, role=Role.REGULATOR_INSPECTOR)
    client.force_login(user)
    body = client.get("/users/", {"q": "zzz"}, **EN).content.decode()
    assert "No record matches the filters" in body
    response = client.get("/users/", {"sort": "username"}, **EN)
    assert not response.context["is_filtered"]


def test_htmx_gets_the_table_only(client, baishan):
    client.force_login(baishan)
    response = client.get(
        "/organizations/", {"kind": "agency"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ledger-table"
    )
    body = response.content.decode()
    assert "临江安全评价" in body and "<html" not in body


def test_user_ledger_filters(client, baishan):
    principal = make_user("220605", role=Role.ENTERPRISE_PRINCIPAL, username="principal_jy")
    make_user("220602", role=Role.REGULATOR_INSPECTOR, username="inspector_hj")
    make_user("220102", role=Role.REGULATOR_INSPECTOR, username="inspector_cc")
    client.force_login(baishan)

    def usernames(**params):
        return {u.username for u in all_rows(client.get("/users/", params))}

    assert usernames(role="enterprise_principal") == {"principal_jy"}
    assert usernames(organization=principal.organization_id) == {"principal_jy"}
    hunjiang = Region.objects.get(code="220602")
    assert usernames(region=hunjiang.pk) == {"inspector_hj"}
    assert "inspector_cc" not in usernames()
    # The organisation filter offers only organisations in scope.
    form = client.get("/users/").context["filterset"].form
    offered = set(form.fields["organization"].queryset.values_list("name", flat=True))
    assert "长春煤业" not in offered and "松树镇煤业" in offered


# --- Export --------------------------------------------------------------------------------------


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_export_has_the_filtered_rows_and_chosen_columns(client, baishan):
    client.force_login(baishan)
    client.get("/organizations/", {"cols": ["name", "phone", "is_active"]})
    response = client.get("/organizations/", {"kind": "enterprise", "export": "xlsx"}, **EN)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment;" in response["Content-Disposition"]
    sheet = workbook(response)
    assert sheet["A1"].value == "Organisations"
    assert [c.value for c in sheet[2]] == ["Name", "Phone", "Active"]
    data = sorted(tuple(c.value for c in row) for row in sheet.iter_rows(min_row=3))
    assert data == [("六道江煤业", None, "No"), ("松树镇煤业", "0439-1", "Yes")]
    assert response["X-Export-Rows"] == "2"
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert event.changes["rows"] == 2 and event.actor_id == baishan.pk


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1:A2)", "=1+1"]
)
def test_exported_cells_never_become_formulas(client, baishan, name):
    make_organization(
        "220605", OrganizationKind.ENTERPRISE, name=name, principal="=cmd|' /C calc'!A0"
    )
    client.force_login(baishan)
    response = client.get(
        "/organizations/", {"q": name, "export": "xlsx", "cols": ["name", "principal"]}
    )
    sheet = workbook(response)
    cell = sheet["A3"]
    assert cell.value == name and cell.data_type == "s"
    assert sheet["B3"].value == "=cmd|' /C calc'!A0" and sheet["B3"].data_type == "s"


def test_export_needs_the_list_permission(client, db):
    user = make_user("220605", role=Role.GOVERNMENT_USER)
    client.force_login(user)
    assert client.get("/users/", {"export": "xlsx"}).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_write_xlsx_types(tmp_path):
    path = str(tmp_path / "t.xlsx")
    when = dt.datetime(2023, 6, 1, 0, 30, tzinfo=dt.UTC)  # 08:30 in Asia/Shanghai
    count = write_xlsx(
        path,
        "隐患台账[2023]",
        ["a", "b", "c", "d", "e", "f"],
        [[1, Decimal("2.50"), dt.date(2023, 6, 1), when, True, None]],
    )
    assert count == 1
    sheet = load_workbook(path).active
    assert sheet.title == "隐患台账_2023_"
    values = [c.value for c in sheet[3]]
    assert values[:2] == [1, 2.5]
    assert values[2] == dt.datetime(2023, 6, 1) and sheet["C3"].number_format == "yyyy-mm-dd"
    assert values[3] == dt.datetime(2023, 6, 1, 8, 30)
    assert values[5] is None
    assert sheet.freeze_panes == "A3"


def test_sheet_names_and_display():
    assert sheet_name("a/b:c*d?e[f]g\\h") == "a_b_c_d_e_f_g_h"
    assert len(sheet_name("长" * 40)) == 31
    assert sheet_name("") == "Sheet1"
    assert display(dt.date(2023, 6, 1)) == "2023-06-01"
    assert display(dt.datetime(2023, 6, 1, 0, 30, tzinfo=dt.UTC)) == "2023-06-01 08:30"
    assert display(Decimal("1234567.5")) == "1,234,567.5"
    assert display(None) == ""


def test_the_ledger_query_count_does_not_grow_with_rows(
    client, baishan, django_assert_max_num_queries
):
    for i in range(40):
        make_user("220605", role=Role.REGULATOR_INSPECTOR, username=f"many{i}")
    client.force_login(baishan)
    client.get("/users/")  # warm the session
    with django_assert_max_num_queries(20):
        response = client.get("/users/", {"page_size": 100})
    assert len(rows(response)) > 40
    assert Organization.objects.count() > 40
