"""The Qt shell's shape (issue 14): no UI module imports the command line, the UI's import
graph (lazy imports included) has no cycle, no UI module steers the garbage collector, and
the main window stays a shell (at most 400 lines and 35 methods)."""

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


#: the shell's size (issue 14): the window, its menus from the action table and the page
#: switching; other jobs live in their own modules (deckloading, storelink, pagestack,
#: helpmenu, sessions, transfers, syncing)
MAX_WINDOW_LINES = 400
MAX_WINDOW_METHODS = 35


def _window_size(path: Path) -> tuple[int, int]:
    """``path``'s line count and how many methods (properties included) ``MainWindow``
    defines there."""
    text = path.read_text(encoding="utf-8")
    cls = next(n for n in ast.parse(text).body
               if isinstance(n, ast.ClassDef) and n.name == "MainWindow")
    methods = [n for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    return len(text.splitlines()), len(methods)


def test_the_main_window_stays_a_shell() -> None:
    lines, methods = _window_size(UI / "mainwindow.py")
    assert lines <= MAX_WINDOW_LINES, (
        f"ui/mainwindow.py has {lines} lines (at most {MAX_WINDOW_LINES}): move a job out")
    assert methods <= MAX_WINDOW_METHODS, (
        f"MainWindow has {methods} methods (at most {MAX_WINDOW_METHODS}): move a job out")
