"""Factories of registry objects, and the registry's part of the authorisation matrix.

``make_mine`` writes a valid mine directly (fast, for tests of reads); tests of workflows
create through ``services``."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from kuangan.core.choices import OrganizationKind
from kuangan.core.credit_code import make_credit_code
from kuangan.core.models import Organization, Region, User
from kuangan.core.tests import authz
from kuangan.core.tests.factories import make_organization

from ..choices import MineKind, MineStatus, WatchMode
from ..models import ChangeRequest, Enterprise, Mine, MineHistory, WatchDuty

_serial = itertools.count(1)


def make_enterprise(region_code: str = "220605", *, parent=None, **fields) -> Enterprise:
    n = next(_serial)
    fields.setdefault("name", f"测试矿业{n}有限公司")
    fields.setdefault("credit_code", make_credit_code(region_code, 50000000 + n))
    org = make_organization(region_code, OrganizationKind.ENTERPRISE, parent=parent, **fields)
    return Enterprise.objects.get(pk=org.pk)


def make_mine(
    region_code: str = "220605",
    *,
    enterprise: Organization | None = None,
    kind: str = MineKind.COAL_UNDERGROUND,
    status: str = MineStatus.PRODUCING,
    history: bool = True,
    **fields,
) -> Mine:
    """A valid mine saved directly (with its first history row)."""
    region = Region.objects.get(code=region_code)
    if enterprise is None:
        enterprise = make_enterprise(region_code)
    fields.setdefault("name", f"测试矿山{next(_serial)}")
    mine = Mine(enterprise=enterprise, region=region, kind=kind, status=status, **fields)
    mine.full_clean(exclude=["code"])
    mine.save()
    if history:
        from ..services import mine_history_record

        mine_history_record(
            mine=mine,
            by=None,
            changes={f: [None, v] for f, v in mine.rule_state().items()},
            at=timezone.now() - dt.timedelta(days=1),
        )
    return mine


def make_watch_duty(mine: Mine, *, by: User, **fields) -> WatchDuty:
    fields.setdefault("mode", WatchMode.CONTACT)
    fields.setdefault("holder_name", "盯守人")
    fields.setdefault("holder_phone", "13900000000")
    fields.setdefault("valid_from", timezone.localdate() - dt.timedelta(days=10))
    return WatchDuty.objects.create(mine=mine, assigned_by=by, **fields)


# --- The authorisation matrix -----------------------------------------------------------------


@authz.factory(Mine)
def _mine(world: authz.World) -> Mine:
    return make_mine(
        world.county.code,
        enterprise=world.enterprise,
        name=f"{world.token}煤矿",
        longitude=Decimal("126.5"),
        latitude=Decimal("42.1") if world.key == "inside" else Decimal("43.8"),
    )


@authz.factory(Enterprise)
def _enterprise(world: authz.World) -> Enterprise:
    return Enterprise.objects.get(pk=world.enterprise.pk)


@authz.factory(WatchDuty)
def _watch_duty(world: authz.World) -> WatchDuty:
    mine = make_mine(
        world.county.code,
        enterprise=world.enterprise,
        name=f"{world.token}停产煤矿",
        status=MineStatus.LONG_SHUTDOWN,
    )
    return make_watch_duty(mine, by=world.owner, holder_name=f"{world.token}盯守人")


@authz.factory(MineHistory)
def _mine_history(world: authz.World) -> MineHistory:
    return _mine(world).history.first()


def _mine_code(mine: Mine) -> list[dict]:
    return [{"code": mine.code}]


authz.route("registry:mine_edit", model=Mine, kwargs=_mine_code)
authz.route("registry:watchduty_assign", model=Mine, kwargs=_mine_code)
authz.route("registry:mine_request_change", model=Mine, kwargs=_mine_code)
authz.route("registry:enterprise_request_change", model=Enterprise)


@authz.factory(ChangeRequest)
def _change_request(world: authz.World) -> ChangeRequest:
    mine = _mine(world)
    return ChangeRequest.objects.create(
        enterprise=world.enterprise,
        mine=mine,
        region=mine.region,
        changes={"status": [MineStatus.PRODUCING, MineStatus.LONG_SHUTDOWN]},
        reason=f"{world.token}长期停产",
        requested_by=world.user("enterprise_safety_officer"),
    )
