"""Benchmark: import a 10,000-row registry workbook into a fresh SQLite database.

Run from the repository root:  .venv/bin/python benchmarks/bench_import_mines.py [--rows N]

It makes a temporary data folder (KUANGAN_DATA_DIR), migrates a new SQLite database there,
writes a valid .xlsx in the import format (all five kinds of mine across every county of
Jilin, 20 mines per enterprise), imports it as the system (``kuangan import-mines`` without
--user) and prints the time; then imports the same file again, which must change nothing.
The issue's target: under 60 s for 10,000 rows.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_rows(count: int, counties: list[str]) -> list[dict]:
    from kuangan.core.credit_code import make_credit_code

    rng = random.Random(2023)
    kinds = ["井工煤矿", "露天煤矿", "金属非金属地下矿山", "金属非金属露天矿山", "尾矿库"]
    rows = []
    for n in range(count):
        county = counties[(n // 20) % len(counties)]
        enterprise = n // 20
        kind = kinds[n % 5]
        row = {
            "矿山名称": f"测试矿山{n + 1:05d}",
            "企业名称": f"测试矿业有限公司{enterprise + 1:04d}",
            "统一社会信用代码": make_credit_code(county, 50_000_000 + enterprise),
            "行政区划代码": county,
            "矿山类型": kind,
            "生产状态": rng.choice(["正常生产", "建设", "整改", "长期停产停建", "关闭"]),
            "复工复产": rng.choice(["是", "否"]),
            "有人员作业": rng.choice(["是", "否", ""]),
            "电子封条": rng.choice(["是", "否"]),
            "物理封闭": rng.choice(["是", "否"]),
            "受地质灾害影响": rng.choice(["是", "否"]),
            "采矿许可证号": f"C22000020{n:08d}",
            "采矿许可证有效期至": f"20{rng.randint(24, 35)}-{rng.randint(1, 12):02d}-15",
            "安全生产许可证号": f"(吉)FM安许证字[2023]{n:05d}",
            "安全生产许可证有效期至": f"20{rng.randint(24, 35)}-{rng.randint(1, 12):02d}-28",
            "主要负责人": "张三",
            "联系电话": f"139{n:08d}",
            "经度": round(rng.uniform(122.0, 131.0), 6),
            "纬度": round(rng.uniform(41.0, 46.0), 6),
        }
        if kind == "尾矿库":
            row["生产状态"] = rng.choice(["在用", "停用", "闭库"])
            row["尾矿库等别"] = rng.choice(["一等", "二等", "三等", "四等", "五等"])
            row["头顶库"] = rng.choice(["是", "否"])
            row["无主库"] = rng.choice(["是", "否"])
        else:
            row["可采储量年限(年)"] = round(rng.uniform(0.5, 30), 1)
            row["设计生产能力(万吨/年)"] = round(rng.uniform(3, 500), 2)
            row["水文地质类型"] = rng.choice(["简单", "中等", "复杂", "极复杂"])
        if kind in ("露天煤矿", "金属非金属露天矿山"):
            row["边坡高度(米)"] = round(rng.uniform(20, 200), 1)
            row["排土场堆置高度(米)"] = round(rng.uniform(10, 150), 1)
            row["开采方式转换"] = rng.choice(["无", "井工转露天"])
        if kind == "金属非金属地下矿山":
            row["排土场堆置高度(米)"] = round(rng.uniform(10, 150), 1)
        if kind in ("井工煤矿", "金属非金属地下矿山"):
            row["冲击地压"] = rng.choice(["是", "否"])
            row["开采方式转换"] = rng.choice(["无", "露天转井工"])
        if kind == "井工煤矿":
            row["瓦斯等级"] = rng.choice(["低瓦斯", "高瓦斯", "煤与瓦斯突出"])
        if kind == "金属非金属露天矿山":
            row["利用露天采坑排放尾砂"] = rng.choice(["是", "否"])
        rows.append(row)
    return rows


def write_xlsx(path: Path, rows: list[dict]) -> None:
    import xlsxwriter

    from kuangan.registry.columns import HEADERS

    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = workbook.add_worksheet("矿山")
    sheet.write_row(0, 0, HEADERS)
    for r, row in enumerate(rows, start=1):
        for c, header in enumerate(HEADERS):
            value = row.get(header, "")
            if isinstance(value, float):
                sheet.write_number(r, c, value)
            elif value != "":
                sheet.write_string(r, c, value)
    workbook.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kuangan-bench-") as folder:
        os.environ["KUANGAN_DATA_DIR"] = folder
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuangan.settings")
        import django

        django.setup()
        from django.core.management import call_command

        from kuangan.core.models import Region
        from kuangan.registry.imports import import_mines
        from kuangan.registry.models import Mine, MineHistory

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrate: {time.perf_counter() - started:.1f} s")
        counties = sorted(Region.objects.counties().values_list("code", flat=True))
        path = Path(folder) / "mines.xlsx"
        started = time.perf_counter()
        write_xlsx(path, make_rows(args.rows, counties))
        print(f"wrote {args.rows} rows to {path.name}: {time.perf_counter() - started:.1f} s")
        data = path.read_bytes()

        started = time.perf_counter()
        result = import_mines(by=None, filename=path.name, data=data)
        first = time.perf_counter() - started
        if result.errors:
            for issue in result.errors[:20]:
                print(issue)
            raise SystemExit(f"import refused the file: {len(result.errors)} errors")
        print(
            f"import of {args.rows} rows: {first:.1f} s "
            f"(created {result.created}, enterprises {result.enterprises_created}, "
            f"mines in database {Mine.objects.count()}, history rows "
            f"{MineHistory.objects.count()})"
        )
        started = time.perf_counter()
        again = import_mines(by=None, filename=path.name, data=data)
        second = time.perf_counter() - started
        print(
            f"second import of the same file: {second:.1f} s "
            f"(created {again.created}, updated {again.updated}, unchanged {again.unchanged})"
        )
        verdict = "OK" if first < 60 else "TOO SLOW"
        print(f"{verdict}: {args.rows} rows in {first:.1f} s (target < 60 s)")


if __name__ == "__main__":
    main()
