"""Start-up: the first window appears before the decks load, and without the heavy modules
(PyYAML, the charts, numpy, fsrs, the pages nobody has opened yet)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

LATER = ("yaml", "pyqtgraph", "numpy", "fsrs", "quizapp.core.deckfile", "quizapp.core.about",
         "quizapp.ui.pages.study", "quizapp.ui.pages.builder", "quizapp.ui.pages.results",
         "quizapp.ui.pages.stats", "quizapp.ui.reference_panel")


def test_the_first_window_needs_none_of_the_heavy_modules(tmp_path: Path) -> None:
    """What ``quizapp`` runs before its event loop, in a fresh interpreter: the window is
    shown, and the modules only needed later are not imported yet."""
    code = ("import sys\nfrom quizapp.ui.app import launch\napp, win, store = launch()\n"
            "print(win.isVisible())\n"
            f"print(sorted(m for m in {LATER!r} if m in sys.modules))\n"
            "store.close()\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QUIZAPP_DATA_DIR": str(tmp_path),
           "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
                         capture_output=True, timeout=120, check=True).stdout.splitlines()
    assert out == ["True", "[]"]


def test_the_window_is_shown_before_the_decks_load_and_then_fills(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from quizapp.ui.app import launch

    monkeypatch.setenv("QUIZAPP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # launch installs the app's
    launched = launch()
    assert launched is not None
    _app, win, store = launched
    qtbot.addWidget(win)
    try:
        assert win.isVisible()
        assert win.registry.all() == []  # nothing loaded yet: the window came first
        with qtbot.waitSignal(win.decks_loaded, timeout=30000):
            pass  # the decks load once the window has been painted
        assert win.registry.has_decks()  # the bundled decks
        assert win.library.table.rowCount() == len(win.registry.all())
        win.act["new"].trigger()  # a page built on first use works like any other
        assert win.stack.currentWidget() is win.builder
    finally:
        win.tasks.shutdown()
        store.close()
