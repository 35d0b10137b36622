"""Journeys through the study engine in the real window: exam cases driven by keys and by
mouse clicks, and flashcards that relearn within the session."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from quizapp.core.model import Case
from quizapp.core.session import Entry, Session, SessionSettings
from quizapp.ui.mainwindow import MainWindow
from tests.ui.test_journeys import press, texts

K = Qt.Key
LEFT = Qt.MouseButton.LeftButton


def _exam_on(window: MainWindow, case_id: str, confidence: bool = False) -> Session:
    """A timed exam of two items: the case ``case_id`` then another case."""
    deck = window.decks()["clinical-vignettes"]
    case = deck.item(case_id)
    other = next(it for it in deck.items if isinstance(it, Case) and it.id != case_id)
    s = SessionSettings(mode="exam", deck_ids=(deck.id,), selection="all", limit=0,
                        shuffle=False, confidence=confidence, seconds_per_question=60)
    assert case is not None
    session = Session([Entry(deck.id, case), Entry(deck.id, other)], s, window.store)
    window.flow.run_session(session)
    assert window.stack.currentWidget() is window.study
    return session


def _saved(window: MainWindow, part: str) -> list[int] | None:
    pending = window.store.pending() or {}
    for r in pending.get("responses", []):
        if r["entry"] == 0 and r["part"] == part:
            return list(r["selected"])
    return None


def test_exam_case_by_keys_saves_each_stage_only_on_enter(window: MainWindow, qtbot,
                                                          confirm_yes) -> None:  # type: ignore[no-untyped-def]
    """Defect: pressing 1 3 4 on a select-all stage stored A on stage 1, C on stage 2 and D
    on stage 3; later stages showed early and earlier ones stayed editable."""
    s = _exam_on(window, "case-ivdu-fever")  # stage 1: select-all, six options
    case = s.current.item
    assert isinstance(case, Case)
    st = window.study
    s1 = f"{case.stages[0].id}/{case.stages[0].questions[0].id}"
    s2 = f"{case.stages[1].id}/{case.stages[1].questions[0].id}"
    press(qtbot, window, K.Key_1, K.Key_3, K.Key_4)
    assert s.selection(s1) == (0, 2, 3)
    assert _saved(window, s1) is None  # selecting never saves
    shown = texts(st)
    assert "Stage 1 of 4" in shown and "Stage 2 of 4" not in shown
    assert "partly answered" in st.navigator.buttons[0].accessibleName()
    press(qtbot, window, K.Key_Return)  # Enter saves the stage
    assert _saved(window, s1) == [0, 2, 3]
    assert "Stage 2 of 4" in texts(st) and "saved, locked" in texts(st)
    press(qtbot, window, K.Key_B)  # keys now act on stage 2 only
    assert s.selection(s2) == (1,) and s.selection(s1) == (0, 2, 3)
    assert _saved(window, s2) is None
    press(qtbot, window, K.Key_Return)
    assert _saved(window, s2) == [1] and "Stage 3 of 4" in texts(st)
    press(qtbot, window, K.Key_Return)  # stage 3 blank: refused, with a reason
    assert "cannot be saved empty" in window.statusBar().currentMessage()
    assert s.active_stage() == 2
    assert list(window.store.attempts()) == []  # nothing recorded before the block ends
    st.submit_block_button.click()
    assert "Item 1 (a case) is partly answered: 2 of 4 questions saved" in \
        confirm_yes.texts[0]  # type: ignore[attr-defined]
    assert "1 item not answered (item 2)" in confirm_yes.texts[0]  # type: ignore[attr-defined]
    got = {a.part: a.answer for a in window.store.attempts() if a.item_id == case.id}
    assert got[s1] == ["A", "C", "D"] and got[s2] == ["B"]
    assert sorted(len(v) for v in got.values()) == [0, 0, 1, 3]


def test_exam_case_by_mouse(window: MainWindow, qtbot, confirm_yes) -> None:  # type: ignore[no-untyped-def]
    s = _exam_on(window, "case-ivdu-fever", confidence=True)
    case = s.current.item
    assert isinstance(case, Case)
    st = window.study
    s1 = f"{case.stages[0].id}/{case.stages[0].questions[0].id}"
    save = st.save_stage_button
    assert isinstance(save, QPushButton) and save.text() == "Save answer and continue"
    assert not save.isEnabled()
    view = st.views[0]
    qtbot.mouseClick(view.conf_buttons[3], LEFT)  # confidence alone is not an answer
    assert not save.isEnabled() and _saved(window, s1) is None
    qtbot.mouseClick(view.rows[0], LEFT, pos=QPoint(20, 10))
    qtbot.mouseClick(view.rows[2], LEFT, pos=QPoint(20, 10))
    assert view.rows[0].selected and view.rows[2].selected
    assert s.stages_revealed() == 1 and save.isEnabled()
    qtbot.mouseClick(view.rows[2], LEFT, pos=QPoint(20, 10))  # changed my mind
    qtbot.mouseClick(save, LEFT)
    assert _saved(window, s1) == [0]
    assert "Stage 2 of 4" in texts(st)
    locked = st.views[0]
    qtbot.mouseClick(locked.rows[1], LEFT, pos=QPoint(20, 10))  # an earlier stage is locked
    assert s.selection(s1) == (0,) and not locked.rows[1].selected
    window.act["submit_block"].trigger()
    (a1,) = [a for a in window.store.attempts() if a.part == s1 and a.item_id == case.id]
    assert a1.answer == ["A"] and a1.confidence == 3


def test_flashcard_rated_again_comes_back_with_counters(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Defect: a card rated Again showed "Again (1m)" and never came back in the session."""
    deck = window.decks()["asps-essentials"]
    cards = [it for it in deck.items if it.kind == "flashcard"][:2]
    s = Session([Entry(deck.id, c) for c in cards],
                SessionSettings(mode="flashcards", deck_ids=(deck.id,), shuffle=False),
                window.store)
    window.flow.run_session(s)
    st = window.study
    assert "New 2 · Learning 0 · Due 0" in st.where.text()
    press(qtbot, window, K.Key_Space, K.Key_1)  # Again
    assert s.current.item.id == cards[1].id
    assert "New 1 · Learning 1 · Due 0" in st.where.text()
    press(qtbot, window, K.Key_Space, K.Key_4)  # Easy: graduates
    # nothing else left: the card in learning comes back (learn-ahead), not the results
    assert window.stack.currentWidget() is st
    assert s.current.item.id == cards[0].id and "Learning 1" in st.where.text()
    press(qtbot, window, K.Key_Space, K.Key_4)
    assert window.stack.currentWidget() is window.results_page
    assert [a.answer for a in window.store.attempts()] == ["Again", "Easy", "Easy"]
    missed = window.results_page.missed_list
    assert missed is not None and missed.count() == 1  # the card, once
    # two cards, three ratings (found by a new-user pass: "Cards reviewed" counted ratings)
    from PySide6.QtWidgets import QLabel

    shown = [w.accessibleName() or w.text() for w in window.results_page.findChildren(QLabel)
             if w.isVisibleTo(window.results_page)]
    assert "Cards reviewed: 2" in shown and "3 ratings: Again 1, Easy 2" in shown
    assert "0 s per rating" in shown  # the pace divides by the ratings


def test_study_what_is_due_mixes_cards_and_questions(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Defect: Ctrl+D started either flashcards or questions, whichever had more due."""
    from quizapp.core.model import StudyUnit
    from quizapp.core.scheduling import Rating

    deck = window.decks()["asps-essentials"]
    card = next(it for it in deck.items if it.kind == "flashcard")
    question = next(it for it in deck.items if it.kind in ("single", "multi"))
    for item in (card, question):  # answered wrong: due again within the study day
        window.store.record_attempt(StudyUnit(deck.id, item.id), answer="Again", correct=False,
                                    mode="flashcards", rating=Rating.AGAIN)
    qtbot.keyClick(window, K.Key_D, Qt.KeyboardModifier.ControlModifier)
    s = window.study.session
    assert s is not None and window.stack.currentWidget() is window.study
    ids = [e.item.id for e in s.entries]
    assert set(ids[:2]) == {card.id, question.id}  # what is due first, both kinds
    kinds = {e.item.kind for e in s.entries}
    assert "flashcard" in kinds and kinds & {"single", "multi", "case"}
    assert len(s.entries) <= 2 + 10  # plus a bounded number of new items


def test_one_off_practice_never_overwrites_remembered_settings(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    remembered = SessionSettings(mode="exam", deck_ids=("back-pain-red-flags",), limit=7)
    window.settings.setValue("session/last", remembered.to_dict())
    window.show_stats()  # the charts are imported in the background
    qtbot.waitUntil(lambda: window.stats_page is not None)
    page = window.stats_page
    assert page is not None
    page.start_session.emit(SessionSettings(mode="tutor", deck_ids=("asps-essentials",),
                                            selection="all", limit=3))
    assert window.stack.currentWidget() is window.study
    assert window.flow.last_settings() == remembered
    window.study.leave()
    qtbot.keyClick(window, K.Key_D, Qt.KeyboardModifier.ControlModifier)  # nor Ctrl+D
    assert window.flow.last_settings() == remembered


def test_library_selection_does_not_replace_ticked_decks(window: MainWindow) -> None:
    window.settings.setValue("session/last", SessionSettings(
        deck_ids=("back-pain-red-flags",)).to_dict())
    lib = window.library
    row = next(r for r in range(lib.table.rowCount())
               if lib.table.item(r, 0).text() == "ASPS essentials")
    lib.table.selectRow(row)
    window.show_builder()
    assert window.builder.settings().deck_ids == ("back-pain-red-flags",)


def test_results_keys_scroll_and_enter_retries(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Defect: on Results, Enter did not trigger Retry missed and PgDn/End did not scroll."""
    window.flow.start_session(SessionSettings(mode="tutor", deck_ids=("asps-essentials",),
                                         selection="all", limit=3, shuffle=False,
                                         confidence=True), remember=False)
    st = window.study
    for _ in range(3):
        q = st.session.current.item  # type: ignore[union-attr]
        view = st.active_view()
        assert view is not None
        wrong = next(d for d, i in enumerate(view.order) if not q.options[i].correct)  # type: ignore[union-attr]
        view.toggle(wrong)
        press(qtbot, window, K.Key_2, K.Key_Return, K.Key_Return)
    page = window.results_page
    assert window.stack.currentWidget() is page
    window.resize(900, 420)  # small enough to scroll
    qtbot.wait(50)
    bar = page.scroll_area.verticalScrollBar()
    assert bar.maximum() > 0
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(page, K.Key_PageDown)
    assert bar.value() > 0
    qtbot.keyClick(page, K.Key_End)
    assert bar.value() == bar.maximum()
    qtbot.keyClick(page, K.Key_Home)
    assert bar.value() == 0
    qtbot.keyClick(page, K.Key_Return)
    assert window.stack.currentWidget() is st and len(st.session) == 3  # type: ignore[arg-type]


def test_end_in_a_case_lands_on_its_last_line(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Defect: End inside a case landed on 1.5 to 3 screens of blank space."""
    from PySide6.QtWidgets import QLabel

    window.flow.start_session(SessionSettings(mode="tutor", deck_ids=("clinical-vignettes",),
                                         selection="all", limit=1, shuffle=False),
                         remember=False)
    st = window.study
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    press(qtbot, window, K.Key_A, K.Key_Return)
    qtbot.wait(50)
    press(qtbot, window, K.Key_End)
    area = st.scroll_area
    content = area.widget()
    last = next(w for w in content.findChildren(QLabel) if "more stages open" in w.text())
    bottom = last.mapTo(content, last.rect().bottomLeft()).y()
    seen_to = area.verticalScrollBar().value() + area.viewport().height()
    assert bottom <= seen_to  # the last line is on screen ...
    assert seen_to - bottom < area.viewport().height() // 6  # ... with no blank screen below


def test_unticked_boxes_are_visible_in_the_dark_theme(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Defect: unticked checkboxes and radio buttons were nearly invisible in the dark theme."""
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QCheckBox, QRadioButton

    window.set_theme("dark")
    try:
        for w in (QCheckBox("x"), QRadioButton("x")):
            qtbot.addWidget(w)
            w.show()
            img = w.grab().toImage()
            edge = max(QColor(img.pixel(x, y)).lightness()
                       for x in range(min(16, img.width())) for y in range(img.height()))
            background = QColor(img.pixel(0, 0)).lightness()
            assert edge - background > 80, (type(w).__name__, edge, background)
    finally:
        window.set_theme("light")


def test_file_dialogs_start_in_the_deck_folder_and_remember_folders(  # type: ignore[no-untyped-def]
        window: MainWindow, tmp_path, monkeypatch) -> None:
    """Defect: the first import offered to save in the home folder (the deck folder did not
    exist yet on a fresh install), and file dialogs never remembered the last folder."""
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog

    src_dir = tmp_path / "downloads"
    src_dir.mkdir()
    src = src_dir / "anki.txt"
    src.write_text("front\tback\n", encoding="utf-8")
    opened: list[str] = []
    saved: list[str] = []

    def get_open(parent, caption, folder, filters):  # type: ignore[no-untyped-def]
        opened.append(folder)
        return str(src), ""

    def get_save(parent, caption, suggested, filters):  # type: ignore[no-untyped-def]
        saved.append(suggested)
        return "", ""  # cancelled

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(get_open))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(get_save))
    decks = window.data_dir / "decks"
    assert not decks.exists()  # a fresh install
    window.transfers.import_questions_dialog()
    assert Path(saved[0]).parent == decks and decks.is_dir()
    window.transfers.import_questions_dialog()
    assert Path(opened[1]) == src_dir  # remembered
    window.transfers.export_csv()
    assert Path(saved[-1]).parent == Path.home()  # nothing chosen there yet


def test_statistics_is_not_clipped_at_large_text_sizes(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Defect: Statistics was clipped from 125% zoom (topic names cut; tabs and tiles clipped
    at 200%). At every zoom the page now reflows and scrolls instead."""
    from PySide6.QtWidgets import QLabel

    window.flow.start_session(SessionSettings(mode="tutor", deck_ids=("asps-essentials",),
                                         selection="all", limit=1, shuffle=False),
                         remember=False)
    window.study.active_view().toggle(0)  # type: ignore[union-attr]
    press(qtbot, window, K.Key_Return, K.Key_Return)
    window.resize(1280, 800)
    try:
        for zoom in (1.25, 1.6, 2.0):
            window.settings.setValue("view/zoom", zoom)
            window.set_theme("light")
            window.show_stats()  # the charts are imported in the background
            qtbot.waitUntil(lambda: window.stats_page is not None)
            page = window.stats_page
            assert page is not None
            qtbot.waitUntil(lambda: not window.tasks.busy())  # figures computed in background
            qtbot.wait(50)
            for tile in page.tiles.values():
                for lab in tile.findChildren(QLabel):
                    if lab.wordWrap():
                        assert lab.height() >= lab.heightForWidth(lab.width()), (zoom, lab.text())
                    else:
                        assert lab.width() >= lab.sizeHint().width(), (zoom, lab.text())
            bar = page.tabs.tabBar()
            assert bar.width() >= bar.sizeHint().width(), zoom  # every tab whole
            table = page.weak_table
            fm = table.fontMetrics()
            assert table.columnWidth(0) >= fm.horizontalAdvance("Deck · Back-pain red flags")
            assert page.page_scroll.horizontalScrollBar().maximum() == 0, zoom  # no sideways
            window.show_library()
    finally:
        window.settings.setValue("view/zoom", 1.0)
        window.set_theme("light")


def test_resume_offer_counts_items_not_case_questions(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Defect: the resume banner said "6 of 2 items answered" (case questions counted as
    items)."""
    s = _exam_on(window, "case-ivdu-fever")
    case = s.current.item
    assert isinstance(case, Case)
    for _stage in range(3):  # three stages saved, the fourth not
        window.study.active_view().toggle(0)  # type: ignore[union-attr]
        press(qtbot, window, K.Key_Return)
    window.study.go(1)
    window.study.active_view().toggle(0)  # type: ignore[union-attr]
    press(qtbot, window, K.Key_Return)
    assert window.coordinator.pending_summary() == (
        "unfinished timed exam session (0 of 2 items answered)")


def test_library_last_score_is_not_copied_from_a_mixed_session(window: MainWindow) -> None:
    """Defect: the library's Last score copied one mixed exam's score to every deck in it."""
    store = window.store
    alone = store.start_session("tutor", {}, ["asps-essentials"])
    store.finish_session(alone, {"questions": 4, "percent": 25.0})
    mixed = store.start_session("exam", {}, ["asps-essentials", "back-pain-red-flags"])
    store.finish_session(mixed, {"questions": 10, "percent": 90.0})
    window.refresh_library()
    lib = window.library
    last = {lib.table.item(r, 0).text(): lib.table.item(r, 5).text()
            for r in range(lib.table.rowCount())}
    assert last["ASPS essentials"] == "25%"  # its own session, not the later mixed one
    assert last["Back-pain red flags"] == ""  # never studied alone


def test_the_daily_queue_is_called_what_it_is_not_tutor_quiz(  # type: ignore[no-untyped-def]
        window: MainWindow, qtbot, confirm_yes) -> None:
    """Defect: Ctrl+D (Study what is due) showed "Tutor quiz" in the study header, on the
    results page and in the resume offer, although it mixes flashcards with questions."""
    qtbot.keyClick(window, K.Key_D, Qt.KeyboardModifier.ControlModifier)
    s = window.study.session
    assert s is not None and window.stack.currentWidget() is window.study
    assert {e.item.kind for e in s.entries} & {"flashcard"}  # cards too: not a "quiz"
    assert window.study.where.text().startswith("Daily review · ")
    assert "Tutor quiz" not in window.study.where.text()
    assert window.coordinator.pending_summary().startswith(  # type: ignore[union-attr]
        "unfinished daily review session")
    qtbot.keyClick(window, K.Key_E, Qt.KeyboardModifier.ControlModifier)  # end now
    assert window.stack.currentWidget() is window.results_page
    titles = [w.text() for w in window.results_page.findChildren(QLabel)]
    assert "Results — Daily review" in titles
    assert not any("Tutor quiz" in t for t in titles)


def _exam_at_two_question_stage(window: MainWindow) -> tuple[Session, str, str]:
    """A timed exam on the case whose "imaging" stage asks two questions, at that stage."""
    deck = window.decks()["back-pain-red-flags"]
    case = deck.item("rf-case-index")
    assert isinstance(case, Case)
    s = Session([Entry(deck.id, case)], SessionSettings(
        mode="exam", deck_ids=(deck.id,), selection="all", limit=0, shuffle=False,
        seconds_per_question=60), window.store)
    window.flow.run_session(s)
    si = next(i for i, st in enumerate(case.stages) if len(st.questions) > 1)
    for st in case.stages[:si]:  # the stages before it, saved by the engine
        for q in st.questions:
            s.select(f"{st.id}/{q.id}", 0)
        s.save_stage()
    window.study.show_current()
    st = case.stages[si]
    return s, f"{st.id}/{st.questions[0].id}", f"{st.id}/{st.questions[1].id}"


def test_keys_reach_every_question_of_an_exam_stage(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Defect: on a stage with two questions, keys only ever answered the first; the second
    needed the mouse. Tab moves the keys to the next open question, Shift+Tab back."""
    s, q1, q2 = _exam_at_two_question_stage(window)
    st = window.study
    assert [v.part for v in st.open_views()] == [q1, q2]
    assert "keys act here" in st.views[-2].hint.text()
    press(qtbot, window, K.Key_A)
    assert s.selection(q1) == (0,) and s.selection(q2) == ()
    press(qtbot, window, K.Key_Tab)
    assert st.active_view() is st.views[-1] and "keys act here" in st.views[-1].hint.text()
    press(qtbot, window, K.Key_B)
    assert s.selection(q1) == (0,) and s.selection(q2) == (1,)
    press(qtbot, window, K.Key_Tab)  # round again, to the first
    press(qtbot, window, K.Key_C)
    assert s.selection(q1) == (2,) and s.selection(q2) == (1,)
    press(qtbot, window, K.Key_Backtab, mod=Qt.KeyboardModifier.ShiftModifier)
    press(qtbot, window, K.Key_D)  # the second is select-all-that-apply: D is added
    assert s.selection(q1) == (2,) and s.selection(q2) == (1, 3)
    press(qtbot, window, K.Key_Return)  # Enter saves the stage with both answers
    assert _saved(window, q1) == [2] and _saved(window, q2) == [1, 3]


def test_a_click_on_the_second_question_moves_the_keys_there(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    s, q1, q2 = _exam_at_two_question_stage(window)
    st = window.study
    second = st.views[-1]
    qtbot.mouseClick(second.rows[0], LEFT, pos=QPoint(20, 10))
    assert s.selection(q2) == (0,)
    press(qtbot, window, K.Key_C)  # keys follow the click (select-all: C is added)
    assert s.selection(q2) == (0, 2) and s.selection(q1) == ()
