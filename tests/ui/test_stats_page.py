"""The Progress page: charts drawn from real data, the empty state, practice clicks, exports."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QShortcut

from quizapp.core.model import Deck, Flashcard, Option, Question, StudyUnit
from quizapp.core.scheduling import Rating
from quizapp.core.session import SessionSettings
from quizapp.core.store import Mode, Store
from quizapp.ui import theme as look
from quizapp.ui.app import create_app
from quizapp.ui.pages.stats import CHARTS, EMPTY_TEXT, StatsPage

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 3, 10, 20, 0, tzinfo=timezone.utc)


def _q(qid: str, *tags: str) -> Question:
    return Question(id=qid, kind="single", stem="Which?",
                    options=(Option("yes", True), Option("no", False)), tags=tags)


DECKS = {
    "asps": Deck(id="asps", title="ASPS essentials", sources={}, items=(
        _q("q1", "imaging"), _q("q2", "imaging"), _q("q3", "pathology"),
        Flashcard(id="fc1", front="F", back="B", tags=("facts",)),
    )),
    "flags": Deck(id="flags", title="Red flags", sources={}, items=(
        _q("rf1", "red-flags"), _q("rf2", "red-flags"),
    )),
}


def _fill(store: Store) -> None:
    """Answers over the last few days: imaging is the weakest tag (0 of 2 right)."""
    local = NOW.astimezone()
    rows: list[tuple[int, StudyUnit, bool, int | None, Mode, int]] = [
        (6, StudyUnit("asps", "q1"), False, 3, "tutor", 30_000),
        (5, StudyUnit("asps", "q2"), False, 2, "tutor", 45_000),
        (4, StudyUnit("asps", "q3"), True, 2, "exam", 60_000),
        (3, StudyUnit("flags", "rf1"), True, 3, "tutor", 20_000),
        (2, StudyUnit("flags", "rf2"), True, 1, "exam", 25_000),
        (1, StudyUnit("asps", "fc1"), True, None, "flashcards", 6_000),
        (0, StudyUnit("flags", "rf1"), True, 3, "tutor", 15_000),
    ]
    for days_ago, unit, ok, conf, mode, ms in rows:
        at = (local - timedelta(days=days_ago)).replace(hour=12)
        store.record_attempt(unit, answer="x", correct=ok, mode=mode, confidence=conf,
                             time_ms=ms, at=at,
                             rating=Rating.GOOD if mode == "flashcards" else None)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "data", clock=lambda: NOW)
    yield s
    if not s.closed:
        s.close()


@pytest.fixture
def make_page(qtbot: Any, store: Store):  # type: ignore[no-untyped-def]
    def make(theme: str = "light", fill: bool = True) -> StatsPage:
        create_app()
        if fill:
            _fill(store)
        page = StatsPage(store, lambda: DECKS, lambda: theme, now=lambda: NOW.astimezone())
        qtbot.addWidget(page)
        page.resize(1280, 800)
        page.show()
        page.refresh()
        return page

    return make


def _data_items(page: StatsPage, key: str) -> list[Any]:
    return [item for name, plot in page._plots.items() if name.startswith(key + ":")
            for item in plot.getPlotItem().items]


def test_page_shows_figures_and_draws_every_chart(make_page: Any) -> None:
    page = make_page()
    assert page.body.currentIndex() == 0
    assert page.tiles["answers"].value.text() == "7"
    assert page.tiles["accuracy"].value.text() == "71%"
    assert page.tiles["accuracy"].note.text() == "5 of 7 answers right"  # cards included
    assert page.tiles["seen"].value.text() == "6"
    assert page.tiles["days"].value.text() == "7"
    assert "of 30 days" in page.tiles["days"].note.text()
    assert page.chart_panels["accuracy"].stack.currentIndex() == 0
    page.draw_all()
    for _title, key in CHARTS:
        assert page.chart_panels[key].stack.currentIndex() == 0, key
        assert _data_items(page, key), f"{key} chart has no data items"
        assert page.chart_panels[key].note.text(), key
    xs, ys = _data_items(page, "accuracy")[0].getData()
    assert len(xs) == 30  # last 30 days
    assert ys[-1] == pytest.approx(100.0)
    assert "Weakest" in page.chart_panels["mastery"].note.text()
    assert "imaging" in page.chart_panels["mastery"].note.text()
    calibration = page.chart_panels["calibration"].note.text()
    assert "2 · Fairly sure: 2 answer(s) so far — too few to judge." in calibration
    assert "Fairly sure” pays from 67% right" in calibration


def test_tabs_draw_lazily_and_week_view(make_page: Any) -> None:
    page = make_page()
    assert page._drawn == {"accuracy"}
    page.tabs.setCurrentIndex(2)
    assert "forecast" in page._drawn
    page.tabs.setCurrentIndex(0)
    page.grain_combo.setCurrentIndex(1)
    xs, _ys = _data_items(page, "accuracy")[0].getData()
    assert 4 <= len(xs) <= 6  # 30 days span 5 or 6 Monday-to-Sunday weeks
    assert "per week" in page._plots["accuracy:0"].getPlotItem().titleLabel.text


def test_weak_list_is_weakest_first(make_page: Any) -> None:
    page = make_page()
    t = page.weak_table
    rows = [tuple(t.item(r, c).text() for c in range(3)) for r in range(t.rowCount())]
    assert rows == [
        ("Tag · imaging", "0%", "0 of 2"),
        ("Deck · ASPS essentials", "50%", "2 of 4"),
        ("Tag · facts", "100%", "1 of 1"),
        ("Tag · pathology", "100%", "1 of 1"),
        ("Deck · Red flags", "100%", "2 of 2"),
        ("Tag · red-flags", "100%", "2 of 2"),
    ]


def test_clicking_a_weak_tag_starts_a_session_on_it(qtbot: Any, make_page: Any) -> None:
    page = make_page()
    t = page.weak_table
    row = next(r for r in range(t.rowCount()) if t.item(r, 0).text() == "Tag · imaging")
    rect = t.visualItemRect(t.item(row, 0))
    with qtbot.waitSignal(page.start_session, timeout=2000) as blocker:
        qtbot.mouseClick(t.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    s = blocker.args[0]
    assert isinstance(s, SessionSettings)
    assert s.tags == ("imaging",)
    assert s.deck_ids == ("asps",)
    assert (s.mode, s.selection) == ("tutor", "incorrect")


def test_enter_on_a_weak_deck_starts_a_session(qtbot: Any, make_page: Any) -> None:
    page = make_page()
    t = page.weak_table
    row = next(r for r in range(t.rowCount()) if t.item(r, 0).text().startswith("Deck · ASPS"))
    t.setCurrentCell(row, 0)
    t.setFocus()
    with qtbot.waitSignal(page.start_session, timeout=2000) as blocker:
        qtbot.keyClick(t, Qt.Key.Key_Return)
    s = blocker.args[0]
    assert (s.deck_ids, s.tags, s.selection) == (("asps",), (), "incorrect")


def test_empty_state(make_page: Any) -> None:
    page = make_page(fill=False)
    assert page.body.currentIndex() == 1
    assert page.empty_label.text() == EMPTY_TEXT
    assert page.empty_label.isVisible()
    assert page.tiles["answers"].value.text() == "0"
    assert not page.png_button.isEnabled()
    assert page.weak_table.rowCount() == 2 + 4  # not started: 2 decks, 4 tags
    assert page.weak_table.item(0, 1).text() == "not started"
    assert page._plots == {}  # nothing drawn, pyqtgraph not needed


def test_period_without_answers_shows_a_hint(make_page: Any) -> None:
    page = make_page()
    page.period_combo.setCurrentIndex(0)  # last 7 days: all 7 answers
    assert page.tiles["answers"].value.text() == "7"
    page.from_edit.setDate(page.from_edit.date().addYears(-2))
    page.to_edit.setDate(page.from_edit.date().addDays(3))
    assert page.period_combo.currentText() == "Custom dates"
    assert page.tiles["answers"].value.text() == "0"
    assert page.body.currentIndex() == 0
    assert page.chart_panels["accuracy"].stack.currentIndex() == 1
    assert "No answers in this period" in page.chart_panels["accuracy"].empty.text()


def test_deck_filter(make_page: Any) -> None:
    page = make_page()
    assert page.deck_combo.itemText(0) == "All decks"
    page.deck_combo.setCurrentIndex(page.deck_combo.findData("flags"))
    assert page.tiles["answers"].value.text() == "3"
    assert page.tiles["accuracy"].value.text() == "100%"
    assert "Red flags" in page._plots["accuracy:0"].getPlotItem().titleLabel.text
    page.refresh()  # keeps the chosen deck
    assert page.deck_combo.currentData() == "flags"


def test_export_png_writes_the_current_chart(make_page: Any, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    page = make_page()
    asked: list[str] = []

    def ask(cls: type, parent: Any, caption: str, suggested: str, file_filter: str) -> Path:
        asked.append(suggested)
        return tmp_path / "chart"  # no suffix: .png is added

    monkeypatch.setattr(StatsPage, "ask_save_path", classmethod(ask))
    page.tabs.setCurrentIndex(4)  # confidence
    written = page.export_png()
    assert written == tmp_path / "chart.png"
    data = written.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 1000
    assert len(asked) == 1 and asked[0].startswith("quizapp-calibration-")
    assert str(written) in page.status.text()


def test_export_png_cancelled(make_page: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    page = make_page()
    monkeypatch.setattr(StatsPage, "ask_save_path", classmethod(lambda *a: None))
    assert page.export_png() is None
    assert page.status.text() == ""


def test_export_csv(make_page: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = make_page()
    target = tmp_path / "answers.csv"
    monkeypatch.setattr(StatsPage, "ask_save_path", classmethod(lambda *a: target))
    page.csv_button.click()
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("id,timestamp,deck_id")
    assert len(lines) == 1 + 7
    assert "7 answers saved" in page.status.text()


def test_escape_and_back_button_emit_back(qtbot: Any, make_page: Any) -> None:
    page = make_page()
    page.activateWindow()
    page.weak_table.setFocus()
    qtbot.waitUntil(page.weak_table.hasFocus, timeout=2000)
    for w in (page.weak_table, page.deck_combo, page.from_edit, page.tabs):
        w.setFocus()
        with qtbot.waitSignal(page.back, timeout=2000):
            qtbot.keyClick(w, Qt.Key.Key_Escape)
    with qtbot.waitSignal(page.back, timeout=2000):
        page.back_button.click()


def test_escape_still_works_when_the_window_binds_it_too(qtbot: Any, make_page: Any) -> None:
    """The main window may add its own Esc shortcut on the page: no ambiguity."""
    page = make_page()
    esc = QShortcut(QKeySequence("Esc"), page)
    esc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    page.activateWindow()
    page.weak_table.setFocus()
    qtbot.waitUntil(page.weak_table.hasFocus, timeout=2000)
    with qtbot.waitSignal(esc.activated, timeout=2000):
        qtbot.keyClick(page.weak_table, Qt.Key.Key_Escape)


def test_dark_theme_colours(make_page: Any) -> None:
    page = make_page(theme="dark")
    plot = page._plots["accuracy:0"]
    assert plot.backgroundBrush().color() == QColor(look.DARK.card_bg)
    axis_text = plot.getAxis("left").textPen().color()
    assert axis_text.lightness() > 180  # light text on the dark background


def test_theme_change_restyles_the_charts(qtbot: Any, store: Store) -> None:
    create_app()
    _fill(store)
    current = {"theme": "light"}
    page = StatsPage(store, lambda: DECKS, lambda: current["theme"],
                     now=lambda: NOW.astimezone())
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    plot = page._plots["accuracy:0"]
    assert plot.backgroundBrush().color() == QColor(look.LIGHT.card_bg)
    current["theme"] = "dark"
    page.setPalette(look.palette("dark"))  # what switching the theme does app-wide
    assert plot.backgroundBrush().color() == QColor(look.DARK.card_bg)


def test_controls_have_names_and_tooltips(make_page: Any) -> None:
    page = make_page()
    for w in (page.deck_combo, page.period_combo, page.from_edit, page.to_edit,
              page.grain_combo, page.weak_table, page.png_button, page.csv_button,
              page.back_button):
        assert w.accessibleName(), w
        assert w.toolTip(), w
    assert "Esc" in page.back_button.toolTip()


def test_importing_the_page_does_not_import_pyqtgraph() -> None:
    code = ("import sys, quizapp.ui.pages.stats; "
            "sys.exit(1 if 'pyqtgraph' in sys.modules else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
