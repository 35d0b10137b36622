"""PySide6 on Python 3.10/3.11: a long session's thousands of Qt calls and signal emits must
not abort Python. PySide6 6.12's wheels drop a reference to None/True/False at every such call
on Pythons before 3.12 (they were built for immortal singletons), so pyproject.toml and the
lock keep PySide6 below 6.12 there; this test fails if a lock update brings it back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LONG_SESSION = """
import sys
{setup}
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
class Page(QObject):
    status_changed = Signal(str)
page, label = Page(), QLabel()
page.status_changed.connect(label.setText)
for i in range(50_000):  # more than a day's study: every call used to drop a reference
    page.status_changed.emit(f"item {{i}}")
    label.setVisible(label.isVisible())
print("ok")
"""


def _run(setup: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", LONG_SESSION.format(setup=setup)],
                          capture_output=True, text=True, env=env, timeout=120)


def test_many_qt_calls_and_emits_do_not_abort_python() -> None:
    done = _run("import quizapp.ui")
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-500:]
