"""Check that README.md documents every KUANGAN_* environment variable the code reads.

Names come from ``env("NAME")``/``env_bool``/``env_int``/``env_list`` calls in
kuangan/settings.py (which prefix ``KUANGAN_``) and from any literal ``KUANGAN_NAME`` in the
package's code (tests excluded). Usage: .venv/bin/python scripts/check_readme_settings.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_CALL = re.compile(r"\benv(?:_bool|_int|_list)?\(\s*\"([A-Z][A-Z0-9_]*)\"")
LITERAL = re.compile(r"\bKUANGAN_[A-Z][A-Z0-9_]*\b")
# Names that are not environment variables (settings, constants).
NOT_VARIABLES = {"KUANGAN_API_MODULES"}


def read_names() -> set[str]:
    names = {
        f"KUANGAN_{n}" for n in SETTINGS_CALL.findall((ROOT / "kuangan/settings.py").read_text())
    }
    for path in (ROOT / "kuangan").rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        names |= set(LITERAL.findall(path.read_text(encoding="utf-8")))
    return names - NOT_VARIABLES


def main() -> int:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = sorted(n for n in read_names() if f"`{n}`" not in readme)
    if missing:
        print("README.md does not document:", *missing, sep="\n  ", file=sys.stderr)
        return 1
    print(f"README.md documents all {len(read_names())} KUANGAN_* variables.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
