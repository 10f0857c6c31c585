"""The imports between idrenew's apps follow ARCHITECTURE.md and form no cycle.

Every module under ``src/idrenew`` is parsed (no import is executed), every ``import`` and
``from ... import`` counts, function-level ones included. The allowed directions and the
known exceptions are read from the tables in ARCHITECTURE.md, so the document and the test
cannot drift apart.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

import idrenew

SRC = Path(idrenew.__file__).resolve().parent
DOC = Path(__file__).resolve().parents[1] / "ARCHITECTURE.md"

# The composition root: wires the apps together, may import any app, no app imports it.
ROOT_MODULES = (
    "idrenew",
    "idrenew.settings",
    "idrenew.urls",
    "idrenew.wsgi",
    "idrenew.cli",
    "idrenew.core.apps",
    "idrenew.core.api",
    "idrenew.core.api_errors",
    "idrenew.core.api_meta",
    "idrenew.core.api_schema",
    "idrenew.core.admin_site",
    "idrenew.core.checks",
    "idrenew.core.limits",
    "idrenew.core.middleware",
    "idrenew.core.views",
    "idrenew.core.backup",
    "idrenew.core.staff",
    "idrenew.core.observability.readiness",
    "idrenew.core.management",
)
ROOT = "(root)"
ALIASES = {"idrenew.celery": "core"}  # the Celery app is core's task runner


def _table(marker: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker}:begin -->(.*?)<!-- {marker}:end -->", text, re.S)
    assert found, f"ARCHITECTURE.md has no {marker} table"
    rows = [line.strip().strip("|").split("|") for line in found.group(1).strip().splitlines()]
    return [[c.strip().strip("`") for c in row] for row in rows[2:]]  # header, rule


def allowed() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for app, targets in _table("imports"):
        out[app] = {t.strip() for t in targets.split(",") if t.strip() not in ("", "—")}
    return out


def debt() -> set[tuple[str, str]]:
    return {(f"idrenew.{module}", app) for module, app, _why in _table("debt")}


def node_of(module: str) -> str:
    for alias, node in ALIASES.items():
        if module == alias or module.startswith(alias + "."):
            return node
    if any(module == r or module.startswith(r + ".") for r in ROOT_MODULES if r != "idrenew"):
        return ROOT
    if module == "idrenew":
        return ROOT
    return module.split(".")[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every idrenew module the file names in an import statement, at any depth."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {m for m in found if m == "idrenew" or m.startswith("idrenew.")}


def module_edges() -> dict[tuple[str, str], set[str]]:
    """(importing module, imported app) → the modules it names there, apps only."""
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = module_name(path)
        source = node_of(module)
        for target in imports_of(path):
            if target == "idrenew":
                continue
            dest = node_of(target)
            if dest != source:
                edges[(module, dest)].add(target)
    return edges


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return [*stack[stack.index(m) :], m]
            if m not in state and (cycle := visit(m)):
                return cycle
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (cycle := visit(n)):
            return cycle
    return None


def test_every_app_has_a_row() -> None:
    apps = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    rows = allowed()
    assert apps - set(rows) == set(), "add the new app to ARCHITECTURE.md's import table"
    assert set(rows) - apps == set(), "ARCHITECTURE.md lists an app that no longer exists"
    for app, targets in rows.items():
        assert targets <= set(rows), f"{app} names an unknown app: {targets - set(rows)}"


def test_allowed_directions_have_no_cycle() -> None:
    assert find_cycle(allowed()) is None


def test_no_import_against_the_allowed_directions() -> None:
    rows, known = allowed(), debt()
    wrong = []
    for (module, dest), names in sorted(module_edges().items()):
        source = node_of(module)
        if dest == ROOT and (module, dest) not in known:
            wrong.append(f"{module} imports the composition root: {sorted(names)}")
        elif source != ROOT and dest not in rows[source] and (module, dest) not in known:
            wrong.append(f"{module} ({source}) imports {dest}: {sorted(names)}")
    assert wrong == [], "imports against ARCHITECTURE.md:\n" + "\n".join(wrong)


def test_known_exceptions_still_exist() -> None:
    """A removed exception must be struck from ARCHITECTURE.md, so the list only shrinks."""
    edges = module_edges()
    gone = sorted(f"{m} → {a}" for m, a in debt() if (m, a) not in edges)
    assert gone == [], "strike these from ARCHITECTURE.md's exceptions: " + ", ".join(gone)


def test_app_graph_has_no_cycle_outside_the_known_exceptions() -> None:
    known = debt()
    graph: dict[str, set[str]] = defaultdict(set)
    for module, dest in module_edges():
        source = node_of(module)
        if source != ROOT and (module, dest) not in known:
            graph[source].add(dest)
    assert find_cycle(graph) is None, f"import cycle between apps: {find_cycle(graph)}"


@pytest.mark.parametrize(
    ("graph", "cyclic"),
    [({"a": {"b"}, "b": {"a"}}, True), ({"a": {"b"}, "b": {"c"}, "c": set()}, False)],
)
def test_cycle_finder(graph: dict[str, set[str]], cyclic: bool) -> None:
    assert (find_cycle(graph) is not None) is cyclic
