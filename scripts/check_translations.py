"""Check that the Chinese translations are complete and current.

1. Every catalog kuangan/**/locale/*/LC_MESSAGES/*.po compiles (msgfmt --check) and has no
   untranslated or fuzzy entry.
2. No catalog is stale: `makemessages` is run on a scratch copy of the package, and every
   message it finds must already be in the catalog of the repository (gettext's msgcmp). A
   string in an app with no catalog of its own lands in kuangan/locale and is reported there.

Usage: .venv/bin/python scripts/check_translations.py   (exit 1 on any problem)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "kuangan"
LANGUAGE = "zh_Hans"
STATS = re.compile(r"(\d+) (translated|fuzzy|untranslated)")


def catalogs(base: Path) -> list[Path]:
    return sorted(base.glob(f"**/locale/{LANGUAGE}/LC_MESSAGES/*.po"))


def check_complete(po: Path) -> list[str]:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    name = po.relative_to(ROOT)
    if result.returncode != 0:
        return [f"{name}: msgfmt --check failed:\n{result.stderr.strip()}"]
    counts = {kind: int(n) for n, kind in STATS.findall(result.stderr)}
    problems = []
    for kind in ("untranslated", "fuzzy"):
        if counts.get(kind):
            problems.append(f"{name}: {counts[kind]} {kind} message(s)")
    return problems


def fresh_catalogs(scratch: Path) -> Path:
    """Copy the package (without vendored assets and caches) and run makemessages in the copy,
    with LOCALE_PATHS pointing into the copy so that nothing in the repository is touched."""
    copy = scratch / "kuangan"
    shutil.copytree(
        PACKAGE,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "vendor", "*.mo", "*.pyc"),
    )
    code = (
        "import os, django\n"
        "from django.conf import settings\n"
        "django.setup()\n"
        f"settings.LOCALE_PATHS = [{str(copy / 'locale')!r}]\n"
        f"os.chdir({str(copy)!r})\n"
        "from django.core.management import call_command\n"
        f"call_command('makemessages', locale=[{LANGUAGE!r}], no_obsolete=True, verbosity=0)\n"
    )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="kuangan.settings")
    env.setdefault("KUANGAN_DATA_DIR", str(scratch / "data"))
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=scratch)
    return copy


def msgid_before(lines: list[str], number: int) -> str:
    """The msgid (with its context) of the entry that ends at line ``number`` (1-based)."""
    i = min(number, len(lines)) - 1
    while i > 0 and not lines[i].startswith("msgid "):
        i -= 1
    start = i - 1 if i > 0 and lines[i - 1].startswith("msgctxt ") else i
    text = [lines[start], lines[i]] if start != i else [lines[i]]
    i += 1
    while i < len(lines) and lines[i].startswith('"'):
        text.append(lines[i])
        i += 1
    return " ".join(t.strip() for t in text)


def check_current(copy: Path) -> list[str]:
    problems = []
    for fresh in catalogs(copy):
        relative = fresh.relative_to(copy)
        kept = PACKAGE / relative
        name = kept.relative_to(ROOT)
        if not kept.exists():
            problems.append(f"{name}: missing; run makemessages (see README, translations)")
            continue
        result = subprocess.run(
            ["msgcmp", "--use-untranslated", str(kept), str(fresh)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            fresh_lines = fresh.read_text(encoding="utf-8").splitlines()
            missing = []
            for line in result.stderr.splitlines():
                found = re.match(r".*?:(\d+): this message is used but not defined", line)
                if found:
                    missing.append(msgid_before(fresh_lines, int(found.group(1))))
            problems.append(
                f"{name}: {len(missing) or 'some'} message(s) in the code are not in the "
                "catalog; run makemessages and translate them"
                + "".join(
                    f"\n    {m.strip()}"
                    for m in missing[: int(os.environ.get("KUANGAN_SHOW_MISSING", 10))]
                )
                + (
                    "\n    …"
                    if len(missing) > int(os.environ.get("KUANGAN_SHOW_MISSING", 10))
                    else ""
                )
            )
    return problems


def main() -> int:
    if shutil.which("msgfmt") is None:
        print("gettext is not installed (apt-get install gettext)", file=sys.stderr)
        return 1
    problems = []
    for po in catalogs(PACKAGE):
        problems += check_complete(po)
    with tempfile.TemporaryDirectory() as scratch:
        problems += check_current(fresh_catalogs(Path(scratch)))
    if problems:
        print("Translations are incomplete:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    print(f"Translations complete: {len(catalogs(PACKAGE))} catalog(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
