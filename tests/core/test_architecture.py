"""The core and the command line never import Qt (fast start, works without a display)."""

from __future__ import annotations

import subprocess
import sys

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
