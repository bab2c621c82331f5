"""Demo mines (fictitious): about 180 mines of the 34 demo enterprises in more than 30
counties, of all five kinds, with realistic attributes drawn from ``ctx["rng"]``, plus a set of
showcase mines so that every scope reason, the edges of the thresholds and the watch duty all
appear. Created through the services, as the application creates them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from kuangan.core.demo import person, phone
from kuangan.core.models import User

from . import services
from .choices import Conversion, GasClass, HydroClass, MineKind, MineStatus, WatchMode
from .models import JILIN_LAT, JILIN_LON, Mine, UnmannedShutdownMine
from .notifications import send_licence_reminders

SHANGHAI = ZoneInfo("Asia/Shanghai")
REGISTERED = dt.datetime(2023, 1, 1, 9, 0, tzinfo=SHANGHAI)

NON_METAL_WORDS = ("石灰石", "石材", "砂石", "硅藻土")


def _base(enterprise) -> str:
    return enterprise.name.replace("有限公司", "").replace("（演示）", "")


def _kinds_for(enterprise, rng) -> list[MineKind]:
    name = enterprise.name
    if "煤" in name:
        kinds = [MineKind.COAL_UNDERGROUND] * rng.randint(3, 5)
        if rng.random() < 0.35:
            kinds.append(MineKind.COAL_OPEN_PIT)
        return kinds
    if any(w in name for w in NON_METAL_WORDS):
        return [MineKind.METAL_OPEN_PIT] * rng.randint(3, 4) + [MineKind.METAL_UNDERGROUND]
    return (
        [MineKind.METAL_UNDERGROUND] * rng.randint(1, 3)
        + [MineKind.METAL_OPEN_PIT] * rng.randint(1, 2)
        + [MineKind.TAILINGS_POND] * rng.randint(1, 2)
    )


NUMERALS = "一二三四五六七八九十"


def _name(enterprise, kind: str, n: int) -> str:
    base = _base(enterprise)
    numeral = NUMERALS[(n - 1) % 10]
    names: dict[str, str] = {
        MineKind.COAL_UNDERGROUND: f"{base}{numeral}井",
        MineKind.COAL_OPEN_PIT: f"{base}{numeral}号露天矿",
        MineKind.METAL_UNDERGROUND: f"{base}{numeral}号坑口",
        MineKind.METAL_OPEN_PIT: f"{base}{numeral}号露天采场",
        MineKind.TAILINGS_POND: f"{base}{numeral}号尾矿库",
    }
    return names[kind]


def _dec(rng, low: float, high: float, places: int = 1) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high), places)))


def _coords(rng, region) -> tuple[Decimal, Decimal]:
    lon = float(region.longitude or 126) + rng.uniform(-0.18, 0.18)
    lat = float(region.latitude or 43) + rng.uniform(-0.14, 0.14)
    lon = min(max(lon, float(JILIN_LON[0]) + 0.01), float(JILIN_LON[1]) - 0.01)
    lat = min(max(lat, float(JILIN_LAT[0]) + 0.01), float(JILIN_LAT[1]) - 0.01)
    return Decimal(f"{lon:.6f}"), Decimal(f"{lat:.6f}")


def _status(rng) -> str:
    r = rng.random()
    if r < 0.55:
        return MineStatus.PRODUCING
    if r < 0.63:
        return MineStatus.CONSTRUCTING
    if r < 0.70:
        return MineStatus.RECTIFYING
    if r < 0.92:
        return MineStatus.LONG_SHUTDOWN
    return MineStatus.CLOSED


def _attributes(rng, kind: str, today: dt.date, serial: int) -> dict:
    """Realistic random attributes of a mine of ``kind``."""
    status = _status(rng)
    a: dict = {"kind": kind, "status": status}
    if status == MineStatus.LONG_SHUTDOWN:
        a["resuming"] = rng.random() < 0.15
        a["personnel_on_site"] = not a["resuming"] and rng.random() < 0.15
        a["electronic_seal"] = rng.random() < 0.5
        a["physically_sealed"] = rng.random() < 0.5
    elif status == MineStatus.CLOSED:
        a["electronic_seal"] = a["physically_sealed"] = True
    a["geohazard_exposed"] = rng.random() < 0.12
    a["regulator_concern"] = rng.random() < 0.06
    if kind != MineKind.TAILINGS_POND:
        a["hydro_class"] = rng.choices(
            [HydroClass.SIMPLE, HydroClass.MEDIUM, HydroClass.COMPLEX, HydroClass.VERY_COMPLEX],
            [40, 40, 15, 5],
        )[0]
    if kind == MineKind.COAL_UNDERGROUND:
        a["gas_class"] = rng.choices([GasClass.LOW, GasClass.HIGH, GasClass.OUTBURST], [80, 15, 5])[
            0
        ]
        a["rockburst"] = rng.random() < 0.08
        a["design_capacity"] = Decimal(rng.choice([9, 15, 21, 30, 45, 60, 90, 120, 150]))
    elif kind == MineKind.COAL_OPEN_PIT:
        a["slope_height_m"] = _dec(rng, 40, 160)
        a["dump_height_m"] = _dec(rng, 20, 120)
        a["design_capacity"] = Decimal(rng.choice([30, 60, 100, 150, 300]))
    elif kind == MineKind.METAL_UNDERGROUND:
        a["rockburst"] = rng.random() < 0.04
        a["dump_height_m"] = _dec(rng, 10, 90) if rng.random() < 0.5 else None
        a["reserve_years"] = _dec(rng, 2, 25)
        a["design_capacity"] = _dec(rng, 3, 60, 2)
    elif kind == MineKind.METAL_OPEN_PIT:
        a["slope_height_m"] = _dec(rng, 25, 140)
        a["dump_height_m"] = _dec(rng, 15, 125)
        a["reserve_years"] = _dec(rng, 1.5, 20)
        a["design_capacity"] = _dec(rng, 5, 100, 2)
        a["tailings_into_open_pit"] = rng.random() < 0.05
        if rng.random() < 0.06:
            a["conversion"] = Conversion.UNDERGROUND_TO_OPEN_PIT
    else:  # tailings pond
        a["tailings_grade"] = rng.choices([2, 3, 4, 5], [5, 20, 45, 30])[0]
        a["head_top"] = rng.random() < 0.12
        a["ownerless"] = rng.random() < 0.05
    if kind != MineKind.TAILINGS_POND:
        year = rng.randint(2008, 2020)
        a["mining_licence_no"] = (
            f"C22000020{year}{rng.randint(1000000, 9999999):07d}{serial % 100:02d}"
        )
    coal = kind in (MineKind.COAL_UNDERGROUND, MineKind.COAL_OPEN_PIT)
    a["safety_licence_no"] = (
        f"（吉）{'MK' if coal else 'FM'}安许证字〔{rng.randint(2019, 2023)}〕{serial:04d}"
    )
    # Licence expiry relative to today, so that some reminders fall due in the demo.
    r = rng.random()
    if r < 0.06:
        safety_days = rng.randint(-60, -1)
    elif r < 0.18:
        safety_days = rng.randint(0, 90)
    else:
        safety_days = rng.randint(120, 1100)
    a["safety_licence_valid_until"] = today + dt.timedelta(days=safety_days)
    if kind != MineKind.TAILINGS_POND:
        a["mining_licence_valid_until"] = today + dt.timedelta(days=rng.randint(60, 3000))
    return a


# Showcase mines: (enterprise index, kind, attributes) making every reason and edge appear.
SHOWCASE: list[tuple[int, str, dict[str, Any]]] = [
    # enterprises[0], 江源区: the demo enterprise principal's own mines, with a tailings pond.
    (
        0,
        MineKind.COAL_UNDERGROUND,
        {"status": "producing", "gas_class": "high", "hydro_class": "complex"},
    ),
    (
        0,
        MineKind.COAL_UNDERGROUND,
        {"status": "long_shutdown", "personnel_on_site": True, "gas_class": "low"},
    ),
    (
        0,
        MineKind.COAL_UNDERGROUND,
        {"status": "long_shutdown", "electronic_seal": True, "gas_class": "low"},
    ),
    (0, MineKind.TAILINGS_POND, {"status": "producing", "tailings_grade": 3, "head_top": True}),
    (
        1,
        MineKind.COAL_UNDERGROUND,
        {"status": "long_shutdown", "physically_sealed": True, "gas_class": "low"},
    ),
    (
        1,
        MineKind.COAL_UNDERGROUND,
        {"status": "long_shutdown", "resuming": True, "gas_class": "outburst"},
    ),
    (
        1,
        MineKind.COAL_OPEN_PIT,
        {"status": "producing", "slope_height_m": "85.0", "geohazard_exposed": True},
    ),
    (
        2,
        MineKind.COAL_UNDERGROUND,
        {"status": "rectifying", "rockburst": True, "regulator_concern": True},
    ),
    (3, MineKind.METAL_UNDERGROUND, {"status": "producing", "hydro_class": "very_complex"}),
    (3, MineKind.METAL_UNDERGROUND, {"status": "long_shutdown"}),
    (3, MineKind.METAL_UNDERGROUND, {"status": "long_shutdown", "electronic_seal": True}),
    (
        4,
        MineKind.METAL_UNDERGROUND,
        {"status": "long_shutdown", "electronic_seal": True, "physically_sealed": True},
    ),
    (
        4,
        MineKind.METAL_OPEN_PIT,
        {"status": "producing", "slope_height_m": "100.0", "reserve_years": "8.0"},
    ),
    (
        4,
        MineKind.METAL_OPEN_PIT,
        {"status": "producing", "slope_height_m": "99.9", "reserve_years": "3.0"},
    ),
    (
        4,
        MineKind.TAILINGS_POND,
        {"status": "long_shutdown", "tailings_grade": 4, "ownerless": True},
    ),
    (
        6,
        MineKind.METAL_OPEN_PIT,
        {"status": "constructing", "dump_height_m": "100.0", "reserve_years": "2.9"},
    ),
    (6, MineKind.METAL_UNDERGROUND, {"status": "producing", "dump_height_m": "112.5"}),
    (
        7,
        MineKind.METAL_OPEN_PIT,
        {"status": "producing", "conversion": "underground_to_open_pit", "slope_height_m": "135.0"},
    ),
    (
        8,
        MineKind.METAL_OPEN_PIT,
        {"status": "rectifying", "tailings_into_open_pit": True, "regulator_concern": True},
    ),
    (8, MineKind.TAILINGS_POND, {"status": "producing", "tailings_grade": 2}),
    (12, MineKind.TAILINGS_POND, {"status": "producing", "tailings_grade": 4}),
    (13, MineKind.TAILINGS_POND, {"status": "closed", "tailings_grade": 3, "head_top": True}),
    (
        14,
        MineKind.COAL_UNDERGROUND,
        {"status": "closed", "electronic_seal": True, "physically_sealed": True},
    ),
]


def load(ctx: dict) -> None:
    rng = ctx["rng"]
    enterprises = ctx["enterprises"]
    admin = User.objects.get(username="province_admin")
    today = timezone.localdate()
    registered = REGISTERED
    serial = 0
    counters: dict[int, int] = {}
    mines: list[Mine] = []

    def create(index: int, kind: str, attrs: dict) -> Mine:
        nonlocal serial
        serial += 1
        enterprise = enterprises[index]
        counters[index] = counters.get(index, 0) + 1
        base = _attributes(rng, kind, today, serial)
        # A showcase mine keeps only the random attributes its own ones leave meaningful.
        if attrs:
            for key in (
                "resuming",
                "personnel_on_site",
                "electronic_seal",
                "physically_sealed",
                "regulator_concern",
                "geohazard_exposed",
                "head_top",
                "ownerless",
                "tailings_into_open_pit",
                "rockburst",
                "conversion",
            ):
                base.pop(key, None)
            if kind == MineKind.METAL_OPEN_PIT:
                base["slope_height_m"] = _dec(rng, 30, 90)
                base["dump_height_m"] = _dec(rng, 15, 80)
                base["reserve_years"] = _dec(rng, 4, 20)
            if kind == MineKind.METAL_UNDERGROUND:
                base["dump_height_m"] = None
            if kind == MineKind.COAL_UNDERGROUND:
                base["hydro_class"] = HydroClass.MEDIUM
        base.update(attrs)
        for key in ("slope_height_m", "dump_height_m", "reserve_years"):
            if isinstance(base.get(key), str):
                base[key] = Decimal(base[key])
        region = enterprise.region
        lon, lat = _coords(rng, region)
        mine = services.mine_create(
            by=admin,
            effective_at=registered,
            name=_name(enterprise, kind, counters[index]),
            enterprise=enterprise,
            region=region,
            principal=person(rng),
            phone=phone(rng),
            longitude=lon,
            latitude=lat,
            **base,
        )
        mines.append(mine)
        return mine

    for index, kind, attrs in SHOWCASE:
        create(index, kind, attrs)
    for index, enterprise in enumerate(enterprises):
        for kind in _kinds_for(enterprise, rng):
            create(index, kind, {})

    # Some history: status changes during the 2023 campaign.
    changes = [
        (m, dt.datetime(2023, rng.randint(4, 10), rng.randint(1, 28), 10, 0, tzinfo=SHANGHAI))
        for m in rng.sample([m for m in mines if m.status == MineStatus.PRODUCING], 8)
    ]
    for mine, when in changes:
        services.mine_update(
            by=admin,
            mine=Mine.objects.get(pk=mine.pk),
            effective_at=when,
            status=MineStatus.RECTIFYING,
        )
        services.mine_update(
            by=admin,
            mine=Mine.objects.get(pk=mine.pk),
            effective_at=when + dt.timedelta(days=rng.randint(20, 60)),
            status=MineStatus.PRODUCING,
        )

    # Watch duty for about half of the unmanned long-shutdown mines; the rest wait for one.
    watched = list(UnmannedShutdownMine.objects.order_by("code"))
    for i, mine in enumerate(watched):
        # Every other mine, and none of enterprises[1] (江源区): the county inspector's home
        # page then lists shutdown mines still waiting for a holder.
        if i % 2 == 1 or mine.enterprise_id == enterprises[1].pk:
            continue
        services.watch_duty_assign(
            by=admin,
            mine=mine,
            mode=WatchMode.ON_SITE if i % 4 == 0 else WatchMode.CONTACT,
            holder_name=person(rng),
            holder_phone=phone(rng),
            valid_from=dt.date(2023, 3, rng.randint(10, 31)),
            note="",
        )
    # One request of the enterprise's safety officer waiting for the county's decision: its mine
    # has stopped producing, a fact the regulator records (登记事项变更申请).
    officer = User.objects.get(username="enterprise_safety_officer")
    own = next(
        m
        for m in mines
        if m.enterprise_id == officer.organization_id and m.status == MineStatus.PRODUCING
    )
    services.change_request_submit(
        by=officer,
        target=Mine.objects.get(pk=own.pk),
        reason="主井提升系统改造，自本月起停产，预计停产一年以上",
        status=MineStatus.LONG_SHUTDOWN,
    )
    # Licence reminders due today, so that the demo users find them among their notifications.
    send_licence_reminders(today=today)
    ctx["mines"] = mines
