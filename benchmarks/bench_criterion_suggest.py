"""Benchmark: hit rate of the criterion suggestion on the labelled set.

Run from the repository root:  .venv/bin/python benchmarks/bench_criterion_suggest.py [--top 3]

It migrates a fresh SQLite database in a temporary data folder (the major-hazard standards are
loaded by a migration), then, for every description of
kuangan/hazards/data/criterion_suggest_labelled.yaml, asks ``suggest_criteria`` for the criteria
of the standard in force that apply to the mine's kind, and counts how often the right
criterion is among the first N (and first). Prints the misses, the hit rates and the time per
suggestion.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LABELLED = ROOT / "kuangan" / "hazards" / "data" / "criterion_suggest_labelled.yaml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=3)
    parser.add_argument("--on", default="2023-06-01", help="finding date (YYYY-MM-DD)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["KUANGAN_DATA_DIR"] = folder
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuangan.settings")
        import django

        django.setup()
        import yaml
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from kuangan.hazards.suggest import suggest_criteria

        rows = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))
        on = dt.date.fromisoformat(args.on)
        hits = first = 0
        started = time.perf_counter()
        for row in rows:
            found = [
                c.code
                for c in suggest_criteria(row["text"], kind=row["kind"], on=on, limit=args.top)
            ]
            if row["code"] in found:
                hits += 1
            else:
                print(f"miss: {row['code']} {row['text']} -> {', '.join(found) or '(none)'}")
            if found and found[0] == row["code"]:
                first += 1
        elapsed = time.perf_counter() - started
        n = len(rows)
        print(f"labelled descriptions: {n}")
        print(f"hit rate (right criterion in top {args.top}): {hits}/{n} = {hits / n:.1%}")
        print(f"top-1 rate: {first}/{n} = {first / n:.1%}")
        print(f"time per suggestion: {elapsed / n * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
