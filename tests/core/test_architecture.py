"""The core and the command line never import Qt (fast start, works without a display)."""

from __future__ import annotations

import ast
import functools
import io
import re
import subprocess
import sys
import tokenize
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


# --------------------------------------------------------------------------- names and sizes

#: Class names that may still appear twice, each with the reason (none: keep it so).
DUPLICATE_CLASS_ALLOWED: dict[str, set[str]] = {}


def public_classes(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Public class name -> the modules that define it at top level (a top-level alias of one
    of the module's classes, ``Old = New``, counts as defining ``Old``)."""
    out: dict[str, set[str]] = {}
    for mod, path in modules.items():
        body = ast.parse(path.read_text(encoding="utf-8"), str(path)).body
        classes = {node.name for node in body if isinstance(node, ast.ClassDef)}
        for node in body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                out.setdefault(node.name, set()).add(mod)
            elif (isinstance(node, ast.Assign) and isinstance(node.value, ast.Name)
                    and node.value.id in classes):
                for target in node.targets:
                    if isinstance(target, ast.Name) and not target.id.startswith("_"):
                        out.setdefault(target.id, set()).add(mod)
    return out


def duplicate_classes(modules: dict[str, Path]) -> dict[str, set[str]]:
    return {name: mods for name, mods in public_classes(modules).items()
            if len(mods) > 1 and DUPLICATE_CLASS_ALLOWED.get(name) != mods}


def test_no_two_public_classes_share_a_name() -> None:
    """A newcomer reading ``DeckStats`` knows which one is meant: names say what they hold."""
    assert duplicate_classes(_modules()) == {}


def test_the_duplicate_class_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    pkg = tmp_path / "quizapp"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("class Stats:\n    pass\nclass _Item:\n    pass\n")
    (pkg / "b.py").write_text("class Stats:\n    pass\nclass _Item:\n    pass\n"
                              "def f():\n    class Local:\n        pass\n")
    (pkg / "c.py").write_text("class Local:\n    pass\n")
    assert duplicate_classes(_modules(pkg)) == {"Stats": {"quizapp.a", "quizapp.b"}}
    (pkg / "d.py").write_text("class Record:\n    pass\nLocal = Record\n_Old = Record\n")
    assert duplicate_classes(_modules(pkg)) == {"Stats": {"quizapp.a", "quizapp.b"},
                                                "Local": {"quizapp.c", "quizapp.d"}}


#: Modules allowed over MAX_MODULE_LINES, each with the reason; the lead shrinks this list.
LONG_MODULES_ALLOWED = {
    "quizapp/core/progress/store1.py": "one job (the format-1 Store class: open and recover a "
                                       "folder, record, query, compact, back up, export/import) "
                                       "whose methods share the journal, lock and state",
}
MAX_MODULE_LINES = 820  # "about 800"


def test_no_module_is_much_over_800_lines() -> None:
    """Modules do one job each; a long one is a sign two rooms have grown into each other."""
    long = {str(p.relative_to(ROOT.parent)): n for p in ROOT.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert set(long) - set(LONG_MODULES_ALLOWED) == set(), long


# --------------------------------------------------------------------------- output

_STREAM_WRITES = re.compile(r"\bprint\(|\bsys\.(stdout|stderr)\b|\bsys\.__(stdout|stderr)__\b")


def core_writes_to_streams(root: Path = ROOT / "core") -> list[str]:
    """``file:line: code`` for every print(), every use of sys.stdout/sys.stderr and every
    function that takes a text stream to write to (``out: TextIO``) in the core's code
    (comments and docstrings left out: only the tokens Python runs count)."""
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if not re.search(r"print|sys\.|IO\b|IO\[", text):
            continue  # nothing to look at closer (most modules)
        rel = path.relative_to(root.parent.parent)
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type != tokenize.NAME or tok.string not in ("print", "sys"):
                continue
            line = tok.line
            if _STREAM_WRITES.search(line[tok.start[1]:]) and (
                    tok.string == "sys" or line[tok.end[1]:].lstrip().startswith("(")):
                found.append(f"{rel}:{tok.start[0]}: {line.strip()}")
        for node in ast.walk(ast.parse(text, str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for arg in [*node.args.args, *node.args.kwonlyargs]:
                    if arg.annotation is not None and re.search(
                            r"\b(TextIO|IO\[str\])\b", ast.unparse(arg.annotation)):
                        found.append(f"{rel}:{node.lineno}: def {node.name}(... {arg.arg}: "
                                     f"{ast.unparse(arg.annotation)} ...)")
    return found


#: Core modules still allowed to write terminal output, each with the reason (none: keep it so).
STREAM_WRITERS_ALLOWED: set[str] = set()


def test_the_core_never_writes_to_stdout_or_stderr() -> None:
    """Every line the terminal shows is printed by the command line (quizapp/cli.py); the core
    returns text and diagnostics, so the GUI never has stray output and tests can read it."""
    assert [f for f in core_writes_to_streams()
            if f.split(":", 1)[0] not in STREAM_WRITERS_ALLOWED] == []


def test_the_stream_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    core = tmp_path / "quizapp" / "core"
    core.mkdir(parents=True)
    (core / "a.py").write_text(
        '"""print(x) in a docstring is fine"""\nimport sys\n# print("comment")\n'
        'def f(out=sys.stdout):\n    print("hi")\n    sys.stderr.write("x")\n'
        '    fingerprint("y")\n    return "sys.stdout"\n'
        "def run(data: str, out: TextIO) -> int:\n    return 0\n")
    assert [f.split(": ", 1)[0] for f in core_writes_to_streams(core)] == [
        "quizapp/core/a.py:4", "quizapp/core/a.py:5", "quizapp/core/a.py:6",
        "quizapp/core/a.py:9"]
