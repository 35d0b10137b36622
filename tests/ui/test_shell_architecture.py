"""The Qt shell's shape (issue 14): no UI module imports the command line, the UI's import
graph (lazy imports included) has no cycle, and no UI module steers the garbage collector."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "quizapp" / "ui"


def _module(path: Path) -> str:
    rel = path.relative_to(UI.parent.parent).with_suffix("")
    return ".".join(rel.parts).removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    """Every quizapp module ``path`` imports when it runs, function-level imports included
    (imports for type checkers only, under ``if TYPE_CHECKING:``, never run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) \
                and node.test.id == "TYPE_CHECKING":
            node.body = []
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return {m for m in out if m.startswith("quizapp")}


def _graph() -> dict[str, set[str]]:
    files = {_module(p): p for p in UI.rglob("*.py")}
    return {m: {i for i in _imports(p) if i in files and i != m} for m, p in files.items()}


def test_no_ui_module_imports_the_command_line() -> None:
    for path in UI.rglob("*.py"):
        assert not any(i == "quizapp.cli" or i.startswith("quizapp.cli.")
                       for i in _imports(path)), path


def test_the_ui_import_graph_has_no_cycle() -> None:
    graph = _graph()
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            assert state.get(n) != 1, " -> ".join([*trail, m, n])
            if n not in state:
                visit(n, [*trail, m])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])


def test_no_ui_module_switches_the_garbage_collector() -> None:
    for path in UI.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = {f"{n.func.value.id}.{n.func.attr}" for n in ast.walk(tree)
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                 and isinstance(n.func.value, ast.Name)}
        assert not calls & {"gc.disable", "gc.enable", "gc.collect"}, path
