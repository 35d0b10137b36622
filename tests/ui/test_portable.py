"""Portable use: with a chosen data folder the GUI keeps everything inside it (its settings
and the deck cache too), as core/paths says; nothing is left on the host."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from quizapp.core import paths
from quizapp.ui.app import launch


def test_a_chosen_data_folder_holds_the_gui_settings_and_deck_cache(
        qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(paths.ENV_CACHE_DIR, raising=False)
    stick = tmp_path / "stick"
    launched = launch(str(stick))
    assert launched is not None
    _app, win, _store = launched  # the store opens in the background: win.store once open
    qtbot.addWidget(win)
    try:
        with qtbot.waitSignal(win.decks_loaded, timeout=20000):
            pass
        win.zoom(+1)
        win.settings.sync()
        assert Path(win.settings.fileName()) == stick / "settings.ini"
        assert (stick / "settings.ini").is_file()
        assert win.loader.cache.folder == stick / "cache" / "decks"
        assert any((stick / "cache" / "decks").iterdir())  # the bundled decks, cached there
    finally:
        win.tasks.shutdown()
        if win.has_store:
            win.store.close()
        gc.unfreeze()
