"""The demo campaign: the 2023 Jilin campaign of notice 吉应急煤矿综合联〔2023〕48号, with its
five phases and their deadlines as the notice sets them (part 六)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kuangan.core.models import Region, User

from . import services
from .choices import PhaseKind

PHASES_2023 = [
    (PhaseKind.MOBILISE, dt.date(2023, 3, 1), dt.date(2023, 3, 31), "2023 年 3 月底前"),
    (PhaseKind.SELF_INSPECTION, dt.date(2023, 4, 1), dt.date(2023, 4, 30), "2023 年 4 月底前"),
    (PhaseKind.KEY_INSPECTION, dt.date(2023, 5, 1), dt.date(2023, 9, 30), "2023 年 9 月底前"),
    (PhaseKind.SUPERVISION, dt.date(2023, 10, 1), dt.date(2023, 11, 30), "2023 年 11 月底前"),
    (PhaseKind.SUMMARY, dt.date(2023, 12, 1), dt.date(2023, 12, 31), "2023 年 12 月"),
]


def load(ctx: dict) -> None:
    admin = User.objects.get(username="province_admin")
    campaign = services.campaign_create(
        by=admin,
        name="2023 年全省矿山安全生产综合整治",
        document_number="吉应急煤矿综合联〔2023〕48号",
        issuing_bodies="吉林省应急管理厅、国家矿山安全监察局吉林局",
        issued_on=dt.date(2023, 3, 24),
        region=Region.objects.get(code="220000"),
        starts_on=dt.date(2023, 3, 1),
        ends_on=dt.date(2023, 12, 31),
        slope_threshold_m=Decimal(100),
        dump_threshold_m=Decimal(100),
        reserve_years_threshold=Decimal(3),
        tailings_grade_threshold=3,
        flood_season_start=dt.date(2023, 6, 1),
        description="关于开展矿山安全生产综合整治的通知：整治时间 2023 年 3 月至 12 月。",
        phases=[
            {"kind": kind, "starts_on": start, "deadline": deadline, "description": words}
            for kind, start, deadline, words in PHASES_2023
        ],
    )
    ctx["campaign"] = campaign
