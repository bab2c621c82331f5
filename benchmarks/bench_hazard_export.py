"""Benchmark: export 100,000 hazards from the hazard ledger to .xlsx and print the peak memory.

Run from the repository root:  .venv/bin/python benchmarks/bench_hazard_export.py [--rows N]

It migrates a fresh SQLite database in a temporary data folder, writes N hazards over 20 mines
of one county (bulk insert), then asks the ledger for ``?export=xlsx`` as a county inspector
through the test client, reads the whole file and prints the time, the file size, the rows
written and the process's peak resident memory before and after the export. The export streams:
rows come from ``queryset.iterator()`` and xlsxwriter writes in ``constant_memory`` mode, so
the peak must not grow with N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["KUANGAN_DATA_DIR"] = folder
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuangan.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        call_command("migrate", verbosity=0)
        from django.test import Client

        from kuangan.core.choices import Role
        from kuangan.core.tests.factories import make_user
        from kuangan.hazards.models import Hazard
        from kuangan.registry.tests.factories import make_enterprise, make_mine

        enterprise = make_enterprise("220605")
        mines = [make_mine("220605", enterprise=enterprise, history=False) for _ in range(20)]
        user = make_user("220605", role=Role.REGULATOR_INSPECTOR)
        started = time.perf_counter()
        found = dt.date(2023, 6, 1)
        batch = []
        for n in range(args.rows):
            mine = mines[n % len(mines)]
            batch.append(
                Hazard(
                    mine=mine,
                    code=f"{mine.code}-2023-{n:06d}",
                    description=f"第{n}号隐患：回采工作面顶板离层，锚杆支护不到位，需补打锚索",
                    location="一采区",
                    level="general",
                    source="self",
                    found_on=found,
                    responsible_person="张三",
                    measures="补打锚索，加强顶板监测",
                    deadline=found + dt.timedelta(days=30 + n % 60),
                    status="rectifying",
                )
            )
            if len(batch) == 5000:
                Hazard.objects.bulk_create(batch)
                batch = []
        if batch:
            Hazard.objects.bulk_create(batch)
        print(f"insert {args.rows} hazards: {time.perf_counter() - started:.1f} s")
        client = Client()
        client.force_login(user)
        before = peak_mb()
        started = time.perf_counter()
        cols = [
            "code",
            "mine",
            "county",
            "description",
            "level",
            "source",
            "found_on",
            "responsible_person",
            "measures",
            "deadline",
            "status",
            "overdue",
            "penalty_guidance",
        ]
        response = client.get("/hazards/", {"export": "xlsx", "page_size": 25, "cols": cols})
        size = sum(len(chunk) for chunk in response.streaming_content)
        elapsed = time.perf_counter() - started
        print(
            f"status {response.status_code}, rows {response['X-Export-Rows']}, file {size / 1e6:.1f} MB"
        )
        print(f"export time: {elapsed:.1f} s")
        print(
            f"peak RSS before export: {before:.0f} MB; after: {peak_mb():.0f} MB "
            f"(growth {peak_mb() - before:.0f} MB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
