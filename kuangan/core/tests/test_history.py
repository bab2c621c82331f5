"""The one history renderer (``core.history``): audit events in words — field labels, choice
labels, related objects and people by name, dates in local time, and unknown keys humanised,
never a raw ``_id`` or code — and where it is used: the object pages' history tab, the audit
ledger and its export, and the audit admin's home panel."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from kuangan.core import audit, history
from kuangan.core.choices import AuditAction, OrganizationKind, Role
from kuangan.core.models import AuditEvent, Organization, Region, User
from kuangan.core.views import audit_changes_text

from .factories import make_organization, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def event(obj=None, changes=None, *, actor=None, action=AuditAction.UPDATED, model=None):
    """An audit event as the services write it (saved, so that it has its time and id)."""
    return audit.record(actor=actor, action=action, obj=obj, changes=changes or {})


def only(rows):
    assert len(rows) == 1
    return rows[0]


def as_dict(row) -> dict:
    return {c.field: (c.before, c.after) for c in row.changes}


def test_fields_choices_related_objects_and_people_in_words():
    parent = make_organization("220600", name="白山市应急管理局")
    org = make_organization("220605", OrganizationKind.ENTERPRISE, name="江源煤业")
    boss = make_user("220000", Role.PROVINCE_ADMIN, real_name="王处长", username="wangcz")
    region = Region.objects.get(code="220600")
    e = event(
        org,
        {
            "kind": ["regulator", "enterprise"],
            "parent_id": [None, parent.pk],
            "region": [org.region_id, region.pk],
            "name": ["旧名称", "江源煤业"],
        },
        actor=boss,
    )
    row = only(history.render([e], Organization))
    assert row.actor == "王处长"
    assert row.action == "修改"
    assert row.time == e.timestamp
    changes = as_dict(row)
    kind = str(Organization._meta.get_field("kind").verbose_name)
    assert changes[kind[0].upper() + kind[1:]] == ("监管部门", "矿山企业")
    labels = list(changes)
    assert not any("_id" in label or label in {"kind", "parent", "region"} for label in labels)
    parent_label = next(c for c in row.changes if c.after == "白山市应急管理局")
    assert parent_label.before == ""
    assert ("江源区", "白山市") in changes.values()
    assert changes[next(k for k in labels if changes[k][1] == "江源煤业")][0] == "旧名称"


def test_users_by_real_name_and_without_an_actor():
    user = make_user("220605", real_name="李安全", username="lianquan")
    org = make_organization("220605")
    rows = history.render(
        [
            event(org, {"principal": ["", "张三"]}, actor=user),
            event(org, {"principal": ["张三", "李四"]}),
            event(
                user,
                {"is_active": [True, False], "password_changed_at": [None, "2024-05-01T02:30:00Z"]},
                action=AuditAction.USER_DEACTIVATED,
            ),
        ]
    )
    assert [r.actor for r in rows] == ["李安全", "系统", "系统"]
    assert rows[2].action == "停用用户"
    changes = as_dict(rows[2])
    assert ("是", "否") in changes.values()
    assert ("", "2024-05-01 10:30") in changes.values()  # Asia/Shanghai


def test_a_related_object_that_is_gone_says_what_it_was():
    org = make_organization("220605")
    row = only(history.render([event(org, {"parent": [None, 999999]})]))
    (change,) = row.changes
    assert change.after.endswith("#999999")
    assert "_id" not in change.after and change.after != "999999"


def test_related_objects_are_looked_up_once_per_batch(django_assert_num_queries):
    orgs = [make_organization("220605") for _ in range(5)]
    user = make_user("220605", real_name="赵六")
    events = [event(o, {"parent": [None, orgs[0].pk]}, actor=user) for o in orgs]
    events += [event(o, {"region": [o.region_id, orgs[1].region_id]}) for o in orgs]
    loaded = list(AuditEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk"))
    # One query per related model: organisations, regions, users.
    with django_assert_num_queries(3):
        rows = history.render(loaded)
    assert {r.actor for r in rows} == {"赵六", "系统"}


def test_unknown_keys_are_humanised_never_raw_ids():
    org = make_organization("220605")
    rows = history.render(
        [
            event(org, {"item_count": [None, 3], "frobnicate_id": [1, 2]}),
            event(None, {"rows": 12, "filters": {"status": "closed"}}, action="data.exported"),
            event(org, {"transition": "submit", "roles": [[], [Role.AUDIT_ADMIN]]}),
            event(org, {}, action="unknown.thing_done"),
        ]
    )
    first = as_dict(rows[0])
    assert first["检查项数量"] == ("", "3")
    assert first["Frobnicate"] == ("1", "2")
    assert rows[1].action == "导出数据"
    assert as_dict(rows[1])["行数"] == ("", "12")
    third = as_dict(rows[2])
    assert third["角色"] == ("", "审计管理员")
    assert third["步骤"] == ("", "Submit")  # no choices declared for it: kept as recorded
    assert rows[3].action == "Unknown thing done"
    for row in rows:
        for change in row.changes:
            assert not change.field.endswith("_id")


def test_a_model_names_the_choices_of_its_own_keys(monkeypatch):
    monkeypatch.setattr(
        Organization,
        "history_choices",
        {"transition": OrganizationKind, "twin": "self", "owner": "core.User"},
        raising=False,
    )
    monkeypatch.setattr(
        Organization, "history_labels", {"transition": "环节", "twin": "孪生"}, raising=False
    )
    org = make_organization("220605", name="江源区局")
    user = make_user("220605", real_name="吴用")
    row = only(
        history.render(
            [event(org, {"transition": "agency", "twin": [None, org.pk], "owner": user.pk})]
        )
    )
    assert as_dict(row) == {
        "环节": ("", "安全技术服务机构"),
        "孪生": ("", "江源区局"),
        "Owner": ("", "吴用"),
    }


def test_lists_dates_and_long_text():
    org = make_organization("220605")
    row = only(
        history.render(
            [
                event(
                    org,
                    {
                        "hazards": [[], ["220605001-2024-001", "220605001-2024-002"]],
                        "address": ["", "长" * 500],
                    },
                )
            ]
        )
    )
    changes = as_dict(row)
    assert changes["隐患"] == ("", "220605001-2024-001、220605001-2024-002")
    address = next(v for k, v in changes.items() if k != "隐患")
    assert len(address[1]) <= history.MAX_TEXT


def test_render_changes_of_other_records():
    """A change record that is no audit event (a mine's status history) renders the same."""
    region = Region.objects.get(code="220605")
    (changes,) = history.render_changes(
        Organization, [{"region": [None, region.pk], "kind": [None, "agency"]}]
    )
    assert [c.after for c in changes] == ["江源区", "安全技术服务机构"]


def test_changes_text_for_the_audit_ledger():
    org = make_organization("220605")
    e = event(org, {"kind": ["regulator", "agency"], "name": [None, "新"]})
    text = audit_changes_text(e)
    assert "监管部门 → 安全技术服务机构" in text and "kind" not in text
    assert audit_changes_text({"rows": 3}) == "行数: 3"


def test_object_page_history_tab_in_words(client, user_in):
    from kuangan.core.services import organization_update

    admin = user_in("220000", role=Role.PROVINCE_ADMIN)
    User.objects.filter(pk=admin.pk).update(real_name="周省管")
    parent = make_organization("220600", name="白山市应急管理局")
    org = make_organization("220605", OrganizationKind.ENTERPRISE, name="江源煤业")
    organization_update(by=admin, organization=org, parent=parent, name="江源煤业集团")
    client.force_login(admin)
    body = client.get(f"/organizations/{org.pk}/", {"tab": "history"}).content.decode()
    table = body[body.index('data-testid="history"') :]
    table = table[: table.index("</table>")]
    assert "周省管" in table and "白山市应急管理局" in table and "江源煤业集团" in table
    assert "_id" not in table and "parent:" not in table


def test_audit_ledger_and_home_panel_show_labels(client):
    auditor = make_user("220000", Role.AUDIT_ADMIN, real_name="钱审计", username="qsj")
    org = make_organization("220605")
    event(org, {"kind": ["regulator", "agency"]}, actor=auditor)
    event(auditor, {}, actor=auditor, action=AuditAction.LOGIN)
    client.force_login(auditor)
    ledger = client.get("/audit/").content.decode()
    assert "监管部门 → 安全技术服务机构" in ledger
    assert "钱审计（qsj）" in ledger
    home = client.get("/").content.decode()
    assert "auth.login" not in home and "object.updated" not in home
    assert "登录" in home and "钱审计" in home


def test_audit_export_renders_in_batches(client):
    auditor = make_user("220000", Role.AUDIT_ADMIN)
    org = make_organization("220605")
    event(org, {"kind": ["regulator", "agency"]})
    client.force_login(auditor)
    response = client.get("/audit/", {"export": "xlsx", "cols": ["id", "action", "changes"]})
    assert response.status_code == 200
    assert int(response["X-Export-Rows"]) >= 1


def test_timestamps_are_kept_as_recorded():
    org = make_organization("220605")
    e = event(org, {"name": ["a", "b"]})
    row = only(history.render([e]))
    assert abs(row.time - timezone.now()) < dt.timedelta(minutes=1)
