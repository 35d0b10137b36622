"""The core and the command line never import Qt (fast start, works without a display)."""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CHECK = """
import sys, pkgutil, importlib
import quizapp.core, quizapp.cli
for m in pkgutil.iter_modules(quizapp.core.__path__):
    importlib.import_module("quizapp.core." + m.name)
qt = sorted(m for m in sys.modules if m.startswith(("PySide6", "shiboken6", "PyQt")))
print(",".join(qt))
"""


def test_core_and_cli_do_not_import_qt() -> None:
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_validate_command_does_not_import_qt(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = ("import sys; from quizapp.cli import main; main(['validate', 'decks']);"
            "print('QT' if any(m.startswith('PySide6') for m in sys.modules) else 'NOQT',"
            " file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stderr.strip().endswith("NOQT")


# --------------------------------------------------------------------------- the import graph

ROOT = Path(__file__).resolve().parents[2] / "quizapp"


def _modules(root: Path = ROOT) -> dict[str, Path]:
    """Dotted name -> source file, for every module of the package at ``root``."""
    out: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:`` (never run, so never a cycle)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return skip


@dataclass
class ImportGraph:
    edges: dict[str, set[str]]  # module -> the quizapp modules it imports (lazily too)
    private: list[str]  # "where: what" for every use of another module's underscore name


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def import_graph(modules: dict[str, Path], root: Path = ROOT) -> ImportGraph:
    """The graph of imports between quizapp modules, read from the source with ast: every
    ``import`` and ``from ... import`` anywhere in a module (inside functions too) counts."""
    edges: dict[str, set[str]] = {m: set() for m in modules}
    private: list[str] = []
    for mod, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        skip = _type_checking_only(tree)
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        module_aliases: dict[str, str] = {}  # local name -> the quizapp module it is
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            where = f"{path.relative_to(root.parent)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "quizapp" and alias.name in modules:
                        edges[mod].add(alias.name)
                        if alias.asname:
                            module_aliases[alias.asname] = alias.name
                    if any(_is_private(p) for p in alias.name.split(".")[1:]):
                        private.append(f"{where}: import {alias.name}")
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    source = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    source = node.module or ""
                if source.split(".")[0] != "quizapp":
                    continue
                for alias in node.names:
                    sub = f"{source}.{alias.name}"
                    if sub in modules:  # a module imported from its package
                        edges[mod].add(sub)
                        module_aliases[alias.asname or alias.name] = sub
                    else:
                        edges[mod].add(source)
                        if _is_private(alias.name) and source != mod:
                            private.append(f"{where}: from {source} import {alias.name}")
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in module_aliases and _is_private(node.attr)
                    and module_aliases[node.value.id] != mod):
                private.append(f"{path.relative_to(root.parent)}:{node.lineno}: "
                               f"{module_aliases[node.value.id]}.{node.attr}")
    for mod in edges:
        edges[mod].discard(mod)
    return ImportGraph(edges, private)


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (``[a, b, ..., a]``), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(edges.get(m, ())):
            if state.get(n) == 1:
                return [*stack[stack.index(n):], n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(edges):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


@functools.cache
def _quizapp_graph() -> ImportGraph:
    """quizapp's own import graph, built once for the three tests that read it."""
    return import_graph(_modules())


def test_the_import_graph_has_no_cycle() -> None:
    """No import cycle between quizapp modules, lazy imports (inside functions) included."""
    assert find_cycle(_quizapp_graph().edges) is None


def test_no_ui_module_imports_the_command_line() -> None:
    edges = _quizapp_graph().edges
    bad = sorted(f"{m} -> {n}" for m, ns in edges.items() if m.startswith("quizapp.ui")
                 for n in ns if n == "quizapp.cli" or n.startswith("quizapp.cli."))
    assert bad == []


def test_no_module_uses_another_modules_underscore_names() -> None:
    assert _quizapp_graph().private == []


def test_the_import_graph_checks_find_what_they_look_for(tmp_path: Path) -> None:
    """The checks above on a made-up package: a lazy cycle, a ui -> cli edge and an
    underscore import are all found."""
    pkg = tmp_path / "quizapp"
    (pkg / "ui").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "ui" / "__init__.py").write_text("")
    (pkg / "cli.py").write_text("from quizapp.ui import a\n")
    (pkg / "tools.py").write_text("_x = 1\n")
    (pkg / "ui" / "a.py").write_text("def f():\n    from quizapp.ui.b import g\n")
    (pkg / "ui" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from quizapp import cli\n"
        "def g():\n    from quizapp.ui import a\n    from quizapp.tools import _x\n"
        "    return a._hidden\n")
    graph = import_graph(_modules(pkg), pkg)
    assert find_cycle(graph.edges) == ["quizapp.ui.a", "quizapp.ui.b", "quizapp.ui.a"]
    assert graph.edges["quizapp.cli"] == {"quizapp.ui.a"}
    assert graph.edges["quizapp.ui.b"] == {"quizapp.ui.a", "quizapp.tools"}  # TYPE_CHECKING: no
    assert [p.split(": ", 1)[1] for p in graph.private] == [
        "from quizapp.tools import _x", "quizapp.ui.a._hidden"]
    (pkg / "ui" / "a.py").write_text("from quizapp import cli\n")
    edges = import_graph(_modules(pkg), pkg).edges
    assert sorted(f"{m} -> {n}" for m, ns in edges.items() for n in ns) == [
        "quizapp.cli -> quizapp.ui.a", "quizapp.ui.a -> quizapp.cli",
        "quizapp.ui.b -> quizapp.tools", "quizapp.ui.b -> quizapp.ui.a"]


def test_each_format_module_stays_small() -> None:
    """core/interchange is one module per job: none grows back into a 2,700-line interop.py."""
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines())
             for p in (ROOT / "core" / "interchange").glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 800} == {}
