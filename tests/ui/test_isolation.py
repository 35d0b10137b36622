"""Tests do not leak look or settings into each other (the restore fixtures in conftest).

The two tests run in file order: the first changes theme, zoom and the user's settings as a
user would; the second sees none of it."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from quizapp.ui import theme
from quizapp.ui.app import make_settings


def _window_colour(app: QApplication) -> str:
    return app.palette().color(app.palette().ColorRole.Window).name()


def test_a_changes_theme_zoom_and_settings(window) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window.set_theme("dark" if theme.resolve("system") == "light" else "light")
    assert _window_colour(app) != theme.palette("system").color(
        theme.palette("system").ColorRole.Window).name()
    base = QFont(app.property("base_font")).pointSizeF()
    window.zoom(+1)
    window.zoom(+1)
    assert app.font().pointSizeF() > base
    settings = make_settings()
    settings.setValue("view/zoom", 2.5)
    settings.sync()
    assert any(Path(os.environ["XDG_CONFIG_HOME"]).rglob("*.ini"))


def test_b_starts_from_the_defaults() -> None:
    """The default look: system theme at 100%, as a first start with no settings has it."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert app.font().pointSizeF() == QFont(app.property("base_font")).pointSizeF()
    assert _window_colour(app) == theme.palette("system").color(
        theme.palette("system").ColorRole.Window).name()
    assert make_settings().value("view/zoom") is None
