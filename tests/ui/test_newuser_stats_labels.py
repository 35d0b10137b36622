"""The Statistics page's filter labels show their whole word at every text size.

Found on the installed app: beside the last date box the label "To" read "Tc": the label was
as wide as the text's advance, and the "o", kerned in under the "T", reaches past it.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLabel

from quizapp.ui.app import apply_look
from quizapp.ui.mainwindow import MainWindow


@pytest.mark.parametrize("zoom", [1.0, 1.6, 2.0], ids=["100%", "160%", "200%"])
def test_filter_labels_are_as_wide_as_their_ink(window: MainWindow, qtbot, zoom: float) -> None:  # type: ignore[no-untyped-def]
    apply_look(QApplication.instance(), "light", zoom)  # type: ignore[arg-type]
    window.resize(1280, 800)
    window.show()
    window.show_stats()
    qtbot.waitUntil(lambda: window.stats_page is not None)
    page = window.stats_page
    assert page is not None
    labels = [w for w in page.filters.findChildren(QLabel) if w.buddy() is not None]
    assert {w.text().replace("&", "") for w in labels} >= {"Deck", "Period", "From", "To"}
    for lab in labels:
        ink = lab.fontMetrics().boundingRect(lab.text().replace("&", ""))
        qtbot.waitUntil(lambda lab=lab: lab.width() > 0)
        assert lab.width() >= ink.width() - min(0, ink.left()) + 1, lab.text()
