"""Loading the jurisdiction tree of Jilin province from the shipped data file."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from .choices import RegionLevel

DATA_FILE = Path(__file__).resolve().parent / "data" / "jilin_regions.csv"

# County-level units the province governs directly (the notice addresses 梅河口市 beside the
# cities); their path hangs under the province, not under the city of their code.
PROVINCE_DIRECT = {"220581"}


def read_rows(path: Path = DATA_FILE) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(lines))


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.CITY
    return RegionLevel.COUNTY


def load_regions(region_model, path: Path = DATA_FILE) -> int:
    """Create or update every region of the file (idempotent). Works with the real model or
    a migration's historical model."""
    order = [RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY]
    rows = sorted(read_rows(path), key=lambda r: (order.index(level_of(r["code"])), r["code"]))
    by_code: dict[str, object] = {}
    with transaction.atomic():
        for row in rows:
            code = row["code"]
            level = level_of(code)
            direct = code in PROVINCE_DIRECT
            if level == RegionLevel.PROVINCE:
                parent = None
            elif level == RegionLevel.CITY or direct:
                parent = by_code[code[:2] + "0000"]
            else:
                parent = by_code[code[:4] + "00"]
            path = (parent.path if parent else "/") + code + "/"
            lon = Decimal(row["longitude"]) if row.get("longitude") else None
            lat = Decimal(row["latitude"]) if row.get("latitude") else None
            region, _ = region_model.objects.update_or_create(
                code=code,
                defaults={
                    "name": row["name"],
                    "level": level,
                    "parent": parent,
                    "path": path,
                    "province_direct": direct,
                    "longitude": lon,
                    "latitude": lat,
                },
            )
            by_code[code] = region
    return len(by_code)
