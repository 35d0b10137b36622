"""Work that takes long with large decks is not done on the GUI thread."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from quizapp.core.coordinator import DeckRegistry
from quizapp.ui.mainwindow import MainWindow
from tests.benchmarks.gen import write_deck


def test_opening_a_deck_counts_the_library_off_the_gui_thread(
        window: MainWindow, tmp_path: Path, qtbot,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The library's counts take a quarter of a second with a 10,000-item deck: opening
    (or importing) another deck counts them with the load, on its worker thread."""
    on_gui_thread: list[bool] = []
    real = DeckRegistry.rows

    def rows(self, store):  # type: ignore[no-untyped-def]
        on_gui_thread.append(threading.current_thread() is threading.main_thread())
        return real(self, store)

    monkeypatch.setattr(DeckRegistry, "rows", rows)
    deck = write_deck(tmp_path / "mine", 5)
    with qtbot.waitSignal(window.decks_loaded, timeout=30000):
        window.open_deck(deck)
    assert window.stack.currentWidget() is window.library
    assert window.library.table.rowCount() == len(window.registry.all())
    assert on_gui_thread and not any(on_gui_thread)
