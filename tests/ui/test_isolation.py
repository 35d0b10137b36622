"""Tests do not leak look or settings into each other (the restore fixtures in conftest).

The two tests run in file order: the first changes theme, zoom and the user's settings as a
user would; the second sees none of it."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QApplication

from quizapp.ui.app import make_settings

_SEEN: dict[str, object] = {}


def test_a_changes_theme_zoom_and_settings(make_window) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    _SEEN["font"] = app.font().pointSizeF()
    _SEEN["window"] = app.palette().color(app.palette().ColorRole.Window).name()
    window = make_window()
    window.set_theme("dark")
    assert app.palette().color(app.palette().ColorRole.Window).name() != _SEEN["window"]
    window.zoom(+1)
    window.zoom(+1)
    assert app.font().pointSizeF() > _SEEN["font"]  # type: ignore[operator]
    settings = make_settings(Path(), portable=False)
    settings.setValue("view/zoom", 2.5)
    settings.sync()
    assert any(Path(os.environ["XDG_CONFIG_HOME"]).rglob("*.ini"))


def test_b_starts_from_the_defaults() -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication) and _SEEN
    assert app.font().pointSizeF() == _SEEN["font"]
    assert app.palette().color(app.palette().ColorRole.Window).name() == _SEEN["window"]
    assert make_settings(Path(), portable=False).value("view/zoom") is None
