"""The "system" theme follows the desktop: dark when the platform's palette is dark, also after
quizapp has replaced the application's palette with its own."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from quizapp.ui import theme


def _desktop(window: str, text: str) -> QPalette:
    p = QPalette()
    p.setColor(QPalette.ColorRole.Window, QColor(window))
    p.setColor(QPalette.ColorRole.WindowText, QColor(text))
    return p


@pytest.mark.parametrize(("window", "text", "expected"), [
    ("#202124", "#e8eaed", "dark"),  # a dark desktop
    ("#f4f5f7", "#1d1f23", "light"),
])
def test_system_theme_follows_the_desktop_palette(
        qapp: QApplication, monkeypatch: pytest.MonkeyPatch, window: str, text: str,
        expected: str) -> None:
    monkeypatch.setattr(theme, "_system_palette", [_desktop(window, text)])
    assert theme.resolve("system") == expected
    other = "light" if expected == "dark" else "dark"
    theme.apply_look(qapp, other, 1.0)  # the student had picked the other theme
    try:
        assert theme.resolve("system") == expected  # still the desktop's, not quizapp's
        theme.apply_look(qapp, "system", 1.0)
        shown = qapp.palette().color(QPalette.ColorRole.Window)
        assert shown == theme.palette(expected).color(QPalette.ColorRole.Window)
    finally:
        monkeypatch.undo()
        theme.apply_look(qapp, "system", 1.0)


def test_the_platform_palette_is_kept_before_the_first_theme(
        qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(theme, "_system_palette", [])
    before = qapp.palette()
    theme.apply_look(qapp, "dark", 1.0)
    try:
        kept = theme._system_palette
        assert len(kept) == 1
        assert kept[0].color(QPalette.ColorRole.Window) == before.color(QPalette.ColorRole.Window)
        theme.apply_look(qapp, "light", 1.0)
        assert len(theme._system_palette) == 1  # kept once, never replaced by quizapp's own
    finally:
        monkeypatch.undo()
        theme.apply_look(qapp, "system", 1.0)
