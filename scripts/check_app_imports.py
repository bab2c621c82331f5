"""Check the dependency direction between the apps of ``kuangan``.

Apps depend downward only (core at the bottom, see DESIGN.md): the graph of imports between
apps, counting imports at any depth (module level and inside functions), must have no cycle.
An import of a ``kuangan`` module inside a function is refused (it hides a cycle, or it belongs
at the top of the module), except in ``AppConfig.ready()`` and on a line that says why it must
be lazy with a ``# lazy import: <reason>`` comment. Tests and migrations are not counted.

Usage: .venv/bin/python scripts/check_app_imports.py [--graph]   (exit 1 on any problem)
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "kuangan"


def app_of(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else None


def module_name(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def imported_app(node: ast.AST, path: Path) -> list[str]:
    """The apps of ``kuangan`` that an import statement names."""
    names: list[str] = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module_name(path)
            if path.name != "__init__.py":
                base = base[:-1]
            base = base[: len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
        elif node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    apps = []
    for name in names:
        parts = name.split(".")
        if parts[0] == "kuangan" and len(parts) > 1 and (PACKAGE / parts[1]).is_dir():
            apps.append(parts[1])
    return apps


def scan() -> tuple[dict[str, dict[str, list[str]]], list[str]]:
    edges: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    in_function: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if "tests" in rel.parts or "migrations" in rel.parts:
            continue
        app = app_of(path)
        if app is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(rel))
        lines = path.read_text(encoding="utf-8").splitlines()
        nested: set[int] = set()
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and fn.name != "ready":
                for inner in ast.walk(fn):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        nested.add(id(inner))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            apps = sorted(set(imported_app(node, path)))
            for other in apps:
                if other != app:
                    edges[app][other].append(f"{rel}:{node.lineno}")
            lazy_ok = "# lazy import:" in lines[node.lineno - 1]
            if apps and id(node) in nested and not lazy_ok:
                what = ", ".join(apps)
                in_function.append(f"{rel}:{node.lineno}: imports kuangan.{what} in a function")
    return edges, in_function


def cycles(edges: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, {})):
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def main() -> int:
    edges, in_function = scan()
    if "--graph" in sys.argv:
        for app in sorted(edges):
            print(f"{app} -> {', '.join(sorted(edges[app]))}")
    problems = 0
    for cycle in cycles(edges):
        problems += 1
        print("cycle: " + " -> ".join(cycle), file=sys.stderr)
        for a, b in zip(cycle, cycle[1:], strict=False):
            for where in edges[a][b][:5]:
                print(f"  {a} -> {b}: {where}", file=sys.stderr)
    for line in in_function:
        problems += 1
        print(line, file=sys.stderr)
    if problems:
        print(f"{problems} problem(s) in the imports between apps.", file=sys.stderr)
        return 1
    print("Imports between apps: no cycle, none inside a function.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
