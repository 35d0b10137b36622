"""Defects found trying the installed app as a new user would (real window, keys and
mouse), each pinned by what the student sees."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from quizapp.core.model import Flashcard
from quizapp.core.session import Entry, Session, SessionSettings
from quizapp.ui.mainwindow import MainWindow
from quizapp.ui.widgets import Markdown
from tests.ui.test_engine_journeys import _exam_on
from tests.ui.test_journeys import press

K = Qt.Key


def _cut_off(view: Markdown) -> bool:
    """True when the view is shorter than its own text at the width it has."""
    doc = view.document()
    return view.isVisible() and view.height() + 1 < doc.size().height()


def test_question_text_is_never_cut_off(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Defect: a stem of four lines showed three ("... Select all that" without "apply.")
    before answering: the layout measured the text at the column's width, wider than the
    text's own cap, so the last wrapped line had no room."""
    deck = window.decks()["back-pain-red-flags"]
    s = SessionSettings(mode="tutor", deck_ids=(deck.id,), selection="all", limit=0,
                        shuffle=False)
    items = [it for it in deck.items if not isinstance(it, Flashcard)]
    assert any(it.id == "rf-m-discrim-neuro" for it in items)
    cut = []
    for item in items:
        window.flow.run_session(Session([Entry(deck.id, item)], s, window.store))
        qtbot.wait(1)  # let the layout settle, as the window does before painting
        page = window.study
        cut += [f"{item.id}: {v.text()[:40]!r}" for v in page.findChildren(Markdown)
                if _cut_off(v)]
        page.leave()
    assert cut == []


def test_study_what_is_due_at_start_takes_every_deck(window: MainWindow, qtbot,
                                                    confirm_yes) -> None:  # type: ignore[no-untyped-def]
    """Defect: the library selected its first deck at start, so Ctrl+D (all decks when none
    is selected, says the README) studied ASPS essentials alone and left the cases due in
    Clinical vignettes."""
    from quizapp.core.model import Case, StudyUnit

    deck = window.decks()["clinical-vignettes"]
    case = next(it for it in deck.items if isinstance(it, Case))
    for part, _q, _st in Entry(deck.id, case).parts():  # the case answered wrong: due
        window.store.record_attempt(StudyUnit(deck.id, case.id, part), answer=[],
                                    correct=False, marks=0.0, mode="exam")
    window.refresh_library()
    lib = window.library
    assert lib.selected_paths() == []
    assert "every deck" in lib.detail_text.text()
    qtbot.mouseClick(lib.due_button, Qt.MouseButton.LeftButton)
    s = window.study.session
    assert s is not None and window.stack.currentWidget() is window.study
    assert s.entries[0].item.id == case.id  # what is due comes first, from any deck
    # a deck the student selects still narrows it
    window.study.leave()
    window.show_library()
    lib.select_path(next(p for p in map(str, window.results) if "asps" in p))
    qtbot.keyClick(window, K.Key_D, Qt.KeyboardModifier.ControlModifier)
    s = window.study.session
    assert s is not None and {e.deck_id for e in s.entries} == {"asps-essentials"}


def test_statistics_due_counts_items_as_the_library_and_quizapp_stats(
        window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Defect: the Due tile said "3" (items) above "12 questions and cards within 7 days",
    while `quizapp stats` said 3 items within 7 days; "Items practised" counted questions."""
    from quizapp.core.model import Case, StudyUnit
    from quizapp.core.stats import deck_stats

    deck = window.decks()["clinical-vignettes"]
    cases = [it for it in deck.items if isinstance(it, Case)][:2]
    for case in cases:  # two cases of four or more questions, all answered wrong
        for part, _q, _st in Entry(deck.id, case).parts():
            window.store.record_attempt(StudyUnit(deck.id, case.id, part), answer=[],
                                        correct=False, marks=0.0, mode="exam")
    window.show_stats()  # the charts are imported in the background
    qtbot.waitUntil(lambda: window.stats_page is not None)
    page = window.stats_page
    assert page is not None
    qtbot.waitUntil(lambda: page.tiles["due"].value.text() == "2")
    cli = deck_stats(window.store, [deck])
    assert cli[0].due_today == 2 and cli[0].due_week == 2
    assert page.tiles["due"].note.text() == "items; 2 within 7 days"
    # Practised counts items, as the library's Seen and quizapp stats' seen (a new-user pass
    # found 115 items on one screen and 163 questions and cards on another)
    assert page.tiles["seen"].value.text() == "2"  # two cases, however many questions
    every = sum(len(d.items) for d in window.decks().values())  # the page shows every deck
    assert page.tiles["seen"].note.text() == f"of {every} items"
    assert cli[0].seen == 2
    row = next(r for r in range(window.library.table.rowCount())
               if window.library.table.item(r, 0).text().startswith(deck.title))
    seen_col = window.library.COLUMNS.index("Seen")
    window.show_library()
    qtbot.waitUntil(lambda: window.library.table.item(row, seen_col).text() == "2")


def test_results_pace_names_what_it_divides_by(window: MainWindow, qtbot,
                                               confirm_yes) -> None:  # type: ignore[no-untyped-def]
    """Defect: an exam of 3 cases (13 questions) in 46 s showed "3 s per item"."""
    from PySide6.QtWidgets import QLabel

    s = _exam_on(window, "case-ivdu-fever")
    assert len(s) == 2
    window.study.submit_block_button.click()
    page = window.results_page
    assert window.stack.currentWidget() is page
    shown = [w.text() for w in page.findChildren(QLabel) if w.isVisibleTo(page)]
    assert not any("per item" in t for t in shown)
    assert any(t.endswith("per question") for t in shown)
    # "partial credit on select-all" only when there was one (found by a new-user pass: it
    # was said after every session)
    multi = any(q.kind == "multi" for e in s.entries for _p, q, _st in e.parts())
    assert ("partial credit on select-all" if multi else "1 per question fully right") in shown


def test_submit_dialog_does_not_call_a_case_with_nothing_saved_partly_answered(
        window: MainWindow, qtbot, confirm_yes) -> None:  # type: ignore[no-untyped-def]
    """Defect: with an option picked on stage 1 and nothing saved, the dialog said "Item 1
    (a case) is partly answered: 0 of 4 questions saved; the rest count as wrong"."""
    s = _exam_on(window, "case-ivdu-fever")
    press(qtbot, window, K.Key_A)  # picked, never saved
    n = len(s.current.parts())
    window.study.submit_block_button.click()
    text = confirm_yes.texts[0]
    assert "partly answered: 0 of" not in text
    assert f"Item 1 (a case) has no question saved yet: all {n} questions count as wrong." \
        in text
    assert "a selection that was never saved" in text
    assert all(a.answer == [] for a in window.store.attempts())  # nothing picked was saved


def test_builder_tag_list_starts_at_its_first_tag_when_decks_change(window: MainWindow,
                                                                   qtbot) -> None:  # type: ignore[no-untyped-def]
    """Defect: ticking another deck left the tag list scrolled halfway down, so its first
    tags were out of sight with nothing to say so."""
    window.show_builder()
    b = window.builder
    b.resize(1280, 800)
    for i in range(b.decks.count()):  # every deck: the longest list of tags
        b.decks.item(i).setCheckState(Qt.CheckState.Checked)
    tags = b.tags
    tags.scrollToBottom()
    assert tags.verticalScrollBar().value() > 0
    vignettes = next(i for i in range(b.decks.count())
                     if b.decks.item(i).data(Qt.ItemDataRole.UserRole) == "clinical-vignettes")
    for i in range(b.decks.count()):  # now one deck only, by mouse, as a student would
        item = b.decks.item(i)
        if (i == vignettes) != (item.checkState() == Qt.CheckState.Checked):
            rect = b.decks.visualItemRect(item)
            qtbot.mouseClick(b.decks.viewport(), Qt.MouseButton.LeftButton,
                             pos=QPoint(12, rect.center().y()))  # on its check box
    assert [b.decks.item(i).checkState() == Qt.CheckState.Checked
            for i in range(b.decks.count())].count(True) == 1
    first = next(tags.item(i) for i in range(tags.count()) if not tags.item(i).isHidden())
    assert tags.visualItemRect(first).top() >= 0  # the first tag is in sight


def test_pausing_an_exam_greys_out_what_it_refuses(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Defect: while paused, Previous, Next, Flag and the navigator looked usable; clicking
    them only put "The exam is paused" in the status bar."""
    s = _exam_on(window, "case-ivdu-fever")
    st = window.study
    qtbot.keyClick(st, K.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert s.paused
    refused = (st.prev_button, st.next_button, st.flag_button, *st.navigator.buttons)
    assert not any(b.isEnabled() for b in refused)
    qtbot.mouseClick(st.navigator.buttons[1], Qt.MouseButton.LeftButton)
    assert s.index == 0
    qtbot.mouseClick(st.pause_button, Qt.MouseButton.LeftButton)  # Resume
    assert not s.paused
    assert st.next_button.isEnabled() and not st.prev_button.isEnabled()  # on item 1
    assert all(b.isEnabled() for b in (st.flag_button, *st.navigator.buttons))
    qtbot.mouseClick(st.navigator.buttons[1], Qt.MouseButton.LeftButton)
    assert s.index == 1 and st.prev_button.isEnabled()


def test_resuming_an_exam_drops_the_paused_hints(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Defect: after Ctrl+P twice, the question still said "The exam is paused: press
    Ctrl+P to resume." beside its button, and so did the status bar."""
    from PySide6.QtWidgets import QLabel

    deck = window.decks()["asps-essentials"]
    singles = [it for it in deck.items if it.kind == "single"][:3]
    s = SessionSettings(mode="exam", deck_ids=(deck.id,), selection="all", limit=0,
                        shuffle=False, confidence=True, seconds_per_question=60)
    window.flow.run_session(Session([Entry(deck.id, it) for it in singles], s, window.store))
    st = window.study
    ctrl = Qt.KeyboardModifier.ControlModifier
    press(qtbot, window, K.Key_2, K.Key_N, K.Key_A)  # as the student did
    qtbot.keyClick(st, K.Key_P, ctrl)
    press(qtbot, window, K.Key_N)  # refused: paused
    assert "paused" in window.statusBar().currentMessage().lower()
    qtbot.keyClick(st, K.Key_P, ctrl)
    view = st.active_view()
    assert view is not None
    shown = [w.text() for w in view.findChildren(QLabel) if w.isVisibleTo(st)]
    assert not any("paused" in t.lower() for t in shown)
    assert "paused" not in window.statusBar().currentMessage().lower()


def test_daily_queue_counters_count_every_kind(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Defect: Ctrl+D on a fresh install showed "item 1 of 10 · New 5 · Learning 0 ·
    Due 0" (the 5 questions were not counted) and no counters at all on a question."""
    qtbot.keyClick(window, K.Key_D, Qt.KeyboardModifier.ControlModifier)
    s = window.study.session
    assert s is not None
    n = len(s)
    kinds = {e.item.kind for e in s.entries}
    assert "flashcard" in kinds and len(kinds) > 1  # a mixed queue
    where = window.study.where.text()
    assert f"item 1 of {n} · New {n} · Learning 0 · Due 0" in where


def test_the_library_says_what_each_column_counts(window: MainWindow) -> None:
    """Found by a new-user pass: the library's Last score (a session's questions), Seen
    (items) and Statistics' accuracy (every answer, cards included) read as the same thing.
    Each column's header now says what it counts."""
    table = window.library.table
    tips = {table.horizontalHeaderItem(c).text(): table.horizontalHeaderItem(c).toolTip()
            for c in range(table.columnCount())}
    assert set(tips) == {"Deck", "Items", "New", "Due", "Seen", "Last score"}
    assert all(tips.values())
    assert "questions" in tips["Last score"] and "flashcards" in tips["Last score"]
    assert "case" in tips["Items"]


def test_marks_speak_of_partial_credit_only_after_a_select_all_question(
        window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLabel

    from quizapp.core.model import Question

    deck = window.decks()["asps-essentials"]
    single = next(it for it in deck.items if isinstance(it, Question) and it.kind == "single")
    s = Session([Entry(deck.id, single)],
                SessionSettings(mode="tutor", deck_ids=(deck.id,), shuffle=False),
                window.store)
    window.flow.run_session(s)
    press(qtbot, window, K.Key_1, K.Key_Return)  # choose the first option and submit
    window.act["end"].trigger()
    page = window.results_page
    assert window.stack.currentWidget() is page
    shown = [w.text() for w in page.findChildren(QLabel) if w.isVisibleTo(page)]
    assert "1 per question fully right" in shown
    assert not any("select-all" in t for t in shown)
