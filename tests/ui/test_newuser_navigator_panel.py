"""The exam navigator panel is wide enough for its title and legend, however short the block.

Found on the installed app: a timed exam of one case (the builder's index-case tag) showed
the panel title as "Navigato" and its legend one or two words a line, nine lines down
("Filled: / answered · / ◐ partly / answered · ..."): the panel was sized to one navigator
button only.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLabel

from quizapp.core.session import Session, SessionSettings
from quizapp.core.sessionmodel import Entry
from quizapp.ui.app import apply_look
from quizapp.ui.mainwindow import MainWindow


@pytest.mark.parametrize("zoom", [1.0, 2.0], ids=["100%", "200%"])
def test_a_one_item_exam_shows_the_whole_navigator_title_and_legend(
        window: MainWindow, qtbot, zoom: float) -> None:  # type: ignore[no-untyped-def]
    apply_look(QApplication.instance(), "light", zoom)  # type: ignore[arg-type]
    window.resize(1280, 800)
    window.show()
    deck = window.decks()["back-pain-red-flags"]
    s = Session([Entry(deck.id, deck.item("rf-case-index"))], SessionSettings(
        mode="exam", deck_ids=(deck.id,), selection="all", limit=0, shuffle=False,
        seconds_per_question=60), window.store)
    window.flow.run_session(s)
    st = window.study
    qtbot.waitUntil(lambda: st.side.isVisible())
    title = next(w for w in st.side.findChildren(QLabel) if w.text() == "Navigator")
    assert title.width() >= title.sizeHint().width()  # "Navigator", not "Navigato"
    fm = st.legend.fontMetrics()
    for phrase in st.legend.text().split(" · "):  # each part of the legend on one line
        assert fm.horizontalAdvance(phrase + " ·") <= st.legend.width(), phrase
