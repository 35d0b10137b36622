"""Every user journey of the GUI, driven with keys and clicks as a person would."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMessageBox, QWidget

from quizapp.core.model import Case, Flashcard, Question
from quizapp.core.session import SessionSettings
from quizapp.core.store import Store
from quizapp.ui import widgets
from quizapp.ui.dialogs import ShortcutsDialog, TextDialog
from quizapp.ui.mainwindow import MainWindow
from quizapp.ui.pages import study
from quizapp.ui.theme import saved_zoom
from tests.helpers import VALID_DECK

K = Qt.Key


def texts(widget) -> str:  # type: ignore[no-untyped-def]
    """All label text visible under ``widget`` (what a person can read)."""
    return "\n".join(w.text() for w in widget.findChildren(QWidget)
                     if isinstance(w, (QLabel, widgets.Markdown)) and w.isVisibleTo(widget))


def press(qtbot, win: MainWindow, *keys: Qt.Key, mod=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    for k in keys:
        qtbot.keyClick(win.study, k, mod)


def start(win: MainWindow, **kw) -> None:  # type: ignore[no-untyped-def]
    base = dict(selection="all", limit=0, shuffle=False)
    base.update(kw)
    win.flow.start_session(SessionSettings(**base))
    assert win.stack.currentWidget() is win.study


# --------------------------------------------------------------------------- 1. library


def test_library_lists_bundled_decks_with_counts(window: MainWindow) -> None:
    lib = window.library
    names = [lib.table.item(r, 0).text() for r in range(lib.table.rowCount())]
    assert "ASPS essentials" in names and "Back-pain red flags" in names
    row = names.index("ASPS essentials")
    items = int(lib.table.item(row, 1).text())
    assert items >= 30 and lib.table.item(row, 2).text() == str(items)  # all new
    assert lib.table.item(row, 3).text() == "0"


def test_open_bad_deck_shows_problems_then_reload_fixes_it(make_window, tmp_path: Path,
                                                           qtbot) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "mine.yaml"
    bad.write_text(VALID_DECK.replace("answer: A", "answer: D"), encoding="utf-8")
    win = make_window()
    with qtbot.waitSignal(win.decks_loaded, timeout=10000):
        win.open_deck(bad)
    lib = win.library
    assert str(bad.resolve()) in lib.selected_paths()
    row = next(r for r in range(lib.table.rowCount()) if "⚠" in lib.table.item(r, 0).text())
    assert "mine.yaml" in lib.table.item(row, 0).text()
    problems = [lib.problem_list.item(i).text() for i in range(lib.problem_list.count())]
    assert problems == [f"{bad.resolve()}:18:13: item 2 (q1), answer: "
                        "answer 'D' is not one of the options (A-B); "
                        "this question has only 2 options"]
    bad.write_text(VALID_DECK, encoding="utf-8")
    with qtbot.waitSignal(win.decks_loaded, timeout=10000):
        lib.reload_button.click()
    assert any(lib.table.item(r, 0).text() == "Test deck" for r in range(lib.table.rowCount()))
    # remembered for the next start
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert str(bad.resolve()) in settings.value("library/opened", [], list)


def test_drop_a_deck_file_on_the_window(window: MainWindow, tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    deck = tmp_path / "dropped.yaml"
    deck.write_text(VALID_DECK, encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(deck))])
    ev = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                    Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.decks_loaded, timeout=10000):
        window.dropEvent(ev)
    assert "test-deck" in window.decks()


def test_hostile_deck_never_crashes_the_app(make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    user = tmp_path / "data" / "decks"
    user.mkdir(parents=True)
    (user / "bomb.yaml").write_text("a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"a{i}: &a{i} [{','.join(['*a' if i == 0 else f'*a{i - 1}'] * 10)}]\n"
        for i in range(9)), encoding="utf-8")
    (user / "binary.yaml").write_bytes(b"\x00\x01\x02")
    win = make_window()
    rows = [win.library.table.item(r, 0).text() for r in range(win.library.table.rowCount())]
    assert sum("⚠" in r for r in rows) == 2
    assert "ASPS essentials" in rows


def test_import_questions_from_moodle_through_the_file_menu(  # type: ignore[no-untyped-def]
        window: MainWindow, tmp_path: Path, qtbot, monkeypatch) -> None:
    src = Path(__file__).resolve().parents[1] / "data" / "interop" / "moodle-back-pain.xml"
    shown: list[tuple[str, str, str]] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(
        (box.windowTitle(), box.text(), box.detailedText())) or 0)
    asked: list[str] = []

    def save_as(parent, caption, suggested, filters):  # type: ignore[no-untyped-def]
        asked.append(suggested)
        return suggested, filters

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a: (str(src), ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    action = window.act["import_questions"]
    assert action.shortcut().toString() == "Ctrl+I"
    with qtbot.waitSignal(window.decks_loaded, timeout=10000):
        action.trigger()
    out = tmp_path / "data" / "decks" / "moodle-back-pain.yaml"
    assert asked == [str(out)] and out.is_file()
    title, text, details = shown[0]
    assert title == "Questions imported"
    assert text.startswith("3 items imported from moodle-back-pain.xml (Moodle XML file) into "
                           "moodle-back-pain.yaml.")
    assert "1 could not be converted and was left out" in text
    assert "cannot convert question 'SA1': a short-answer question" in details
    assert "moodle-back-pain" in window.decks()
    rows = [window.library.table.item(r, 0).text() for r in range(window.library.table.rowCount())]
    assert any(r.startswith("Back pain") for r in rows), rows


def test_import_of_a_file_with_nothing_usable_writes_nothing(  # type: ignore[no-untyped-def]
        window: MainWindow, tmp_path: Path, qtbot, monkeypatch) -> None:
    shown: list[tuple[str, str, str]] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(
        (box.windowTitle(), box.text(), box.detailedText())) or 0)
    src = tmp_path / "notes.xml"
    src.write_text("<quiz>\n<question type='essay'><name><text>E</text></name></question>\n"
                   "</quiz>\n", encoding="utf-8")
    out = tmp_path / "out.yaml"
    with qtbot.waitSignal(window.transfers.questions_imported, timeout=10000) as imported:
        window.transfers.import_questions(src, out)
    assert imported.args == [False]
    assert not out.exists()
    assert shown[0][0] == "Nothing imported"
    assert "cannot convert question 'E': an essay question" in shown[0][2]


# --------------------------------------------------------------------------- 2. builder


def test_builder_counts_and_starts_a_session(window: MainWindow) -> None:
    window.act["new"].trigger()
    b = window.builder
    assert window.stack.currentWidget() is b
    b.mode_buttons["exam"].setChecked(True)
    b.selection.setCurrentIndex(b.selection.findData("all"))
    b.limit.setValue(5)
    # the real number that matches, and how many of them this session takes
    assert b.summary.text() == "19 questions and cases match; this session takes 5 of them."
    for i in range(b.decks.count()):
        b.decks.item(i).setCheckState(Qt.CheckState.Unchecked)
    assert not b.start_button.isEnabled() and "Tick at least one deck" in b.summary.text()
    b.decks.item(0).setCheckState(Qt.CheckState.Checked)
    b.start_button.click()
    assert window.stack.currentWidget() is window.study
    assert window.study.session is not None and window.study.session.is_exam
    assert len(window.study.session) == 5
    assert window.flow.last_settings().mode == "exam"  # remembered


def test_study_what_is_due_one_click(window: MainWindow) -> None:
    window.library.due_button.click()
    s = window.study.session
    assert s is not None and 0 < len(s) <= 20


# --------------------------------------------------------------------------- 3. flashcards


def test_flashcard_review_with_keys_and_undo(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    start(window, mode="flashcards", deck_ids=("asps-essentials",), limit=3)
    st = window.study
    card = st.session.current.item  # type: ignore[union-attr]
    assert isinstance(card, Flashcard)
    assert not st.back_box.isVisibleTo(st) and st.reveal_button.isVisibleTo(st)
    # the keys are said on the card, as a question says its own (found by a new-user pass)
    from PySide6.QtWidgets import QLabel

    hints = [w.text() for w in st.findChildren(QLabel) if w.isVisibleTo(st)
             and "Space or Enter shows it" in w.text()]
    assert hints and "1–4" in hints[0]
    press(qtbot, window, K.Key_Space)
    assert st.back_box.isVisibleTo(st)
    assert all(b.isVisibleTo(st) for b in st.rate_buttons.values())
    assert "\n" in st.rate_buttons[next(iter(st.rate_buttons))].text()  # shows the interval
    press(qtbot, window, K.Key_3)  # Good
    store = window.store
    (att,) = list(store.attempts())
    assert att.item_id == card.id and att.answer == "Good" and att.rating == 3
    assert st.session.index == 1  # type: ignore[union-attr]
    press(qtbot, window, K.Key_Z, mod=Qt.KeyboardModifier.ControlModifier)
    assert list(store.attempts()) == [] and st.session.index == 0  # type: ignore[union-attr]
    press(qtbot, window, K.Key_Return, K.Key_1)  # Enter reveals, 1 = Again
    assert [a.answer for a in store.attempts()] == ["Again"]


# --------------------------------------------------------------------------- 4. tutor


def _first_single(window: MainWindow) -> Question:
    q = window.study.session.current.item  # type: ignore[union-attr]
    assert isinstance(q, Question)
    return q


def test_tutor_quiz_keys_feedback_flag_strike(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    start(window, mode="tutor", deck_ids=("asps-essentials",), limit=4)
    st = window.study
    q = _first_single(window)
    view = st.active_view()
    assert view is not None
    press(qtbot, window, K.Key_C, mod=Qt.KeyboardModifier.ShiftModifier)  # strike C
    assert view.rows[2].struck
    press(qtbot, window, K.Key_F)
    assert window.store.is_flagged(st.session.current.unit())  # type: ignore[union-attr]
    assert "Flagged" in st.flag_label.text()
    wrong_display = next(d for d, i in enumerate(view.order) if not q.options[i].correct)
    press(qtbot, window, [K.Key_A, K.Key_B, K.Key_C, K.Key_D, K.Key_E][wrong_display])
    assert view.selected() == [view.order[wrong_display]]
    press(qtbot, window, K.Key_Return)
    (att,) = list(window.store.attempts())  # on disk before the next item shows
    assert att.correct is False and att.mode == "tutor"
    shown = texts(st)
    assert "✘ Incorrect — the answer is" in shown
    for opt in q.options:  # every option's explanation is shown
        assert opt.explanation is not None and opt.explanation.split("\n")[0][:30] in shown
    if q.objective:
        assert "Learning objective" in shown
    assert "Source" in shown
    press(qtbot, window, K.Key_N)
    assert st.session.index == 1  # type: ignore[union-attr]


def test_confidence_rating_and_certainty_marks(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    start(window, mode="tutor", deck_ids=("asps-essentials",), limit=2, confidence=True)
    st = window.study
    q = _first_single(window)
    view = st.active_view()
    right = next(d for d, i in enumerate(view.order) if q.options[i].correct)  # type: ignore[union-attr]
    press(qtbot, window, [K.Key_A, K.Key_B, K.Key_C, K.Key_D, K.Key_E][right])
    press(qtbot, window, K.Key_Return)
    assert list(window.store.attempts()) == []  # confidence still missing
    assert "how sure" in view.status.text()  # type: ignore[union-attr]
    press(qtbot, window, K.Key_3, K.Key_Return)
    (att,) = list(window.store.attempts())
    assert att.confidence == 3 and att.marks == 3 and att.correct
    assert "+3 marks" in texts(st)


# --------------------------------------------------------------------------- 5. exam


def test_timed_exam_navigator_pause_submit_review(window: MainWindow, qtbot,
                                                  confirm_yes) -> None:  # type: ignore[no-untyped-def]
    start(window, mode="exam", deck_ids=("back-pain-red-flags",), limit=4,
          seconds_per_question=60)
    st = window.study
    s = st.session
    assert st.side.isVisibleTo(st) and len(st.navigator.buttons) == 4
    assert "left" in st.timer_label.text()
    press(qtbot, window, K.Key_A, K.Key_Return)
    assert list(window.store.attempts()) == []  # no feedback, nothing final yet
    assert "✘" not in texts(st) and "✔ Correct" not in texts(st)
    assert st.navigator.buttons[0].property("answered") == "true"
    st.navigator.buttons[2].click()
    assert s.index == 2  # type: ignore[union-attr]
    press(qtbot, window, K.Key_F)
    assert "⚑" in st.navigator.buttons[2].text()
    press(qtbot, window, K.Key_P)
    assert s.index == 1  # type: ignore[union-attr]
    window.act["pause"].trigger()
    assert s.paused and "Paused" in st.timer_label.text()  # type: ignore[union-attr]
    assert not st.scroll_area.widget().isVisible()
    press(qtbot, window, K.Key_N)  # no peeking at other items while paused
    st.navigator.buttons[3].click()
    assert s.index == 1 and not st.scroll_area.widget().isVisible()  # type: ignore[union-attr]
    assert "paused" in window.statusBar().currentMessage().lower()
    flagged = s.flagged()  # type: ignore[union-attr]
    press(qtbot, window, K.Key_F)  # nor flagging
    assert s.flagged() == flagged  # type: ignore[union-attr]
    window.act["pause"].trigger()
    assert not s.paused and st.scroll_area.widget().isVisible()  # type: ignore[union-attr]
    window.act["submit_block"].trigger()
    assert confirm_yes == ["Submit block"]
    assert "3 items not answered (items 2, 3 and 4)" in confirm_yes.texts[0]  # type: ignore[attr-defined]
    assert "Flagged for another look: item 3." in confirm_yes.texts[0]  # type: ignore[attr-defined]
    assert window.stack.currentWidget() is window.results_page
    assert len(list(window.store.attempts())) == 4  # unanswered count as wrong
    window.results_page.review_button.click()
    assert window.study.review and window.study.session.index == 0  # type: ignore[union-attr]
    shown = texts(window.study)
    assert "✔" in shown and "Review" in window.study.where.text()


def test_navigator_grows_with_the_text(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    start(window, mode="exam", deck_ids=("back-pain-red-flags",), limit=12)
    st = window.study
    for _ in range(3):  # larger text: the panel widens instead of clipping the fifth column
        window.zoom(+1)
    qtbot.wait(50)
    fifth = st.navigator.buttons[4]
    right_edge = fifth.mapTo(st.nav_scroll.viewport(), fifth.rect().topRight()).x()
    assert 0 < right_edge <= st.nav_scroll.viewport().width()


def test_exam_survives_a_restart(make_window, tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    win = make_window()
    start(win, mode="exam", deck_ids=("back-pain-red-flags",), limit=3, seconds_per_question=60)
    press(qtbot, win, K.Key_B, K.Key_Return)
    win.close()
    win.store.close()
    win2 = make_window()
    assert any("unfinished timed exam session" in b.accessibleName() for b in
               win2.library.findChildren(QLabel.__mro__[1]) if b.accessibleName())
    win2.activateWindow()
    qtbot.keyClick(win2.library, K.Key_R, Qt.KeyboardModifier.ControlModifier)  # Study > Resume
    assert win2.stack.currentWidget() is win2.study
    s = win2.study.session
    assert s is not None and s.is_exam and s.response("", 0) is not None
    assert s.response("", 0).selected  # type: ignore[union-attr]


# --------------------------------------------------------------------------- 6. cases


def test_case_stages_revealed_one_by_one(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    start(window, mode="tutor", deck_ids=("clinical-vignettes",), limit=1)
    st = window.study
    case = st.session.current.item  # type: ignore[union-attr]
    assert isinstance(case, Case)
    assert "Stage 1 of" in texts(st) and "Stage 2 of" not in texts(st)
    for n in range(len(case.stages)):
        view = st.active_view()
        assert view is not None
        view.toggle(0)
        press(qtbot, window, K.Key_Return)
        shown = texts(st)
        assert f"Stage {n + 1} of" in shown and "Stage 1 of" in shown  # earlier stays visible
    assert "Case complete:" in texts(st)
    assert len(list(window.store.attempts())) == sum(len(s.questions) for s in case.stages)
    assert {a.part.split("/")[0] for a in window.store.attempts()} == {s.id for s in case.stages}


def test_case_next_stage_is_reached_by_keys(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """After a stage's feedback, the next stage opens below it: N (or Enter, or the Next stage
    button) scrolls to it, and a letter key never answers a question the student cannot see."""
    start(window, mode="tutor", deck_ids=("clinical-vignettes",), limit=1)
    st = window.study
    bar = st.scroll_area.verticalScrollBar()
    area = st.scroll_area

    def on_screen(v) -> bool:  # type: ignore[no-untyped-def]
        top = v.mapTo(area.widget(), v.rect().topLeft()).y()
        return bar.value() <= top < bar.value() + area.viewport().height()

    assert not st.stage_button.isVisible()
    first = st.active_view()
    first.toggle(0)  # type: ignore[union-attr]
    press(qtbot, window, K.Key_Return)
    qtbot.wait(50)
    second = st.active_view()
    assert second is not None and second is not first
    assert st.stage_button.isVisible() and "Next stage" in st.stage_button.text()
    bar.setValue(0)  # the student reads the case from the top
    assert not on_screen(second)
    press(qtbot, window, K.Key_N)
    assert on_screen(second)
    bar.setValue(0)
    press(qtbot, window, K.Key_B)  # picking an option shows the question it was picked in
    assert on_screen(second) and second.selected()
    value = bar.value()
    press(qtbot, window, K.Key_PageUp)
    assert bar.value() < value  # the page scrolls with the keyboard too
    press(qtbot, window, K.Key_End)
    assert bar.value() == bar.maximum()


def test_a_new_session_asks_before_replacing_an_unfinished_one(  # type: ignore[no-untyped-def]
        window: MainWindow, qtbot, monkeypatch) -> None:
    answers = iter([True, False, True, True])
    asked: list[tuple[str, str]] = []

    def ask(cls, parent, title, text):  # type: ignore[no-untyped-def]
        asked.append((title, text))
        return next(answers)

    monkeypatch.setattr(study.ConfirmDialog, "ask", classmethod(ask))
    start(window, mode="flashcards", deck_ids=("asps-essentials",), limit=5)
    press(qtbot, window, K.Key_Space, K.Key_3)  # one card rated
    window.show_library()  # "Leave the session?" -> yes
    banner = window.flow.resume_banner
    assert banner is not None and "(1 of 5 items answered)" in banner.message.text()
    window.flow.start_session(SessionSettings(mode="tutor", selection="all", limit=2,
                                         deck_ids=("asps-essentials",)))
    assert asked[1][0] == "Start a new session?" and "can no longer be resumed" in asked[1][1]
    assert window.stack.currentWidget() is window.library  # said no: nothing replaced
    assert window.store.pending() is not None
    window.flow.start_session(SessionSettings(mode="tutor", selection="all", limit=2,
                                         deck_ids=("asps-essentials",)))
    assert window.stack.currentWidget() is window.study  # said yes
    window.store.save_pending(None)
    window.refresh_library()  # nothing left to resume: the banner goes
    qtbot.waitUntil(lambda: window.flow.resume_banner is None, timeout=2000)
    press(qtbot, window, K.Key_A, K.Key_Return)  # the new session, left half done ...
    window.show_library()
    banner = window.flow.resume_banner  # ... is offered again, by a new banner
    assert banner is not None and "tutor" in banner.message.text()
    qtbot.waitUntil(banner.isVisible, timeout=2000)


# --------------------------------------------------------------------------- 7. select-all


def test_select_all_partial_credit_explained(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    deck = window.decks()["back-pain-red-flags"]
    multi = [it for it in deck.items if isinstance(it, Question) and it.kind == "multi"]
    assert multi
    start(window, mode="tutor", deck_ids=(deck.id,), tags=multi[0].tags, limit=0)
    st = window.study
    while not (isinstance(st.session.current.item, Question)  # type: ignore[union-attr]
               and st.session.current.item.kind == "multi"):  # type: ignore[union-attr]
        st.session.index += 1  # type: ignore[union-attr]
        st.show_current()
    q = st.session.current.item  # type: ignore[union-attr]
    view = st.active_view()
    right = [d for d, i in enumerate(view.order) if q.options[i].correct]  # type: ignore[union-attr]
    view.toggle(right[0])  # type: ignore[union-attr]
    press(qtbot, window, K.Key_Return)
    shown = texts(st)
    if len(right) > 1:
        assert "Partly right" in shown and "credit" in shown
    assert "partial credit" in shown


# --------------------------------------------------------------------------- 8. results


def test_results_breakdown_and_retry_missed(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    start(window, mode="tutor", deck_ids=("asps-essentials",), limit=3, confidence=True)
    st = window.study
    for _ in range(3):
        q = st.session.current.item  # type: ignore[union-attr]
        view = st.active_view()
        wrong = next(d for d, i in enumerate(view.order) if not q.options[i].correct)  # type: ignore[union-attr]
        view.toggle(wrong)  # type: ignore[union-attr]
        press(qtbot, window, K.Key_2, K.Key_Return, K.Key_Return)
    assert window.stack.currentWidget() is window.results_page
    shown = texts(window.results_page)
    assert "0%" in shown and "Certainty-based marks" in shown and "-6 / 9" in shown
    assert "Confidence calibration" in shown and "By topic" in shown
    assert "Missed (3)" in shown
    window.results_page.retry_button.click()
    assert window.stack.currentWidget() is window.study and len(window.study.session) == 3  # type: ignore[arg-type]
    sessions = window.store.sessions()
    assert sessions[0].finished and sessions[0].score["correct"] == 0  # type: ignore[index]


# --------------------------------------------------------------------------- app-wide


def test_quit_mid_session_keeps_answers_and_offers_resume(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    win = make_window()
    start(win, mode="tutor", deck_ids=("asps-essentials",), limit=3)
    press(qtbot, win, K.Key_A, K.Key_Return)
    win.close()
    assert len(list(win.store.attempts())) == 1
    win.store.close()
    win2 = make_window()
    assert win2.store.pending() is not None
    win2.activateWindow()
    qtbot.keyClick(win2.library, K.Key_R, Qt.KeyboardModifier.ControlModifier)  # Study > Resume
    assert win2.stack.currentWidget() is win2.study
    s = win2.study.session
    assert s is not None and s.entry_answered(0)


def test_theme_zoom_and_geometry_are_remembered(make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = make_window()
    win.theme_actions["dark"].trigger()
    pal = QApplication.palette()
    assert pal.window().color().lightness() < 100
    size = QApplication.font().pointSizeF()
    win.zoom(+1)
    assert QApplication.font().pointSizeF() > size
    win.close()
    win.store.close()
    win2 = make_window()
    assert win2.theme_actions["dark"].isChecked()
    assert saved_zoom(win2.settings) > 1.0
    win2.theme_actions["light"].trigger()
    win2.zoom(0)


def test_every_menu_action_shows_its_shortcut(window: MainWindow) -> None:
    for menu_action in window.menuBar().actions():
        for a in menu_action.menu().actions():  # type: ignore[union-attr]
            if a.isSeparator() or not a.isVisible() or "About" in a.text():
                continue
            assert a.shortcut().toString() or "\t" in a.text(), a.text()
            assert "(" in a.toolTip(), a.toolTip()


def test_every_menu_row_reaches_a_handler(window: MainWindow) -> None:
    """Each row of the action table names a method the window reaches (through the helper
    that now holds it), so no menu item or shortcut silently does nothing."""
    from quizapp.ui.actions import ACTIONS

    for spec in ACTIONS:
        if not spec.handler:
            continue  # a key the study page handles itself
        target: object = window
        for part in spec.handler.split("."):
            assert hasattr(target, part), f"{spec.name}: {spec.handler} ({part})"
            target = getattr(target, part)
        assert callable(target), f"{spec.name}: {spec.handler}"


def test_shortcuts_dialog_and_about(window: MainWindow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shown: list[object] = []
    monkeypatch.setattr(ShortcutsDialog, "exec", lambda self: shown.append(self) or 0)
    monkeypatch.setattr(TextDialog, "exec", lambda self: shown.append(self) or 0)
    window.help.show_shortcuts()
    table = shown[0].table  # type: ignore[attr-defined]
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert rows["Show answer"] == "Space" and rows["Rate Good"] == "3"
    window.help.show_about()
    assert str(window.data_dir) in shown[1].view.toPlainText()  # type: ignore[attr-defined]
    window.help.show_guide()
    assert "quizapp" in shown[2].view.toPlainText()  # type: ignore[attr-defined]


def test_unwritable_store_is_reported_and_study_continues(make_window, tmp_path: Path,
                                                          qtbot) -> None:  # type: ignore[no-untyped-def]
    win = make_window()
    store: Store = win.store
    start(win, mode="tutor", deck_ids=("asps-essentials",), limit=2)
    store._go_memory_only(OSError(28, "No space left on device"))  # what a full disk does
    press(qtbot, win, K.Key_A, K.Key_Return)
    assert len(list(store.attempts())) == 1  # kept in memory
    assert not store.persistent


def test_markdown_and_images_render_and_open_full_size(make_window, tmp_path: Path, qtbot,
                                                       monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QColor, QImage


    folder = tmp_path / "deck"
    (folder / "img").mkdir(parents=True)
    img = QImage(1600, 900, QImage.Format.Format_RGB32)
    img.fill(QColor("#3366aa"))
    assert img.save(str(folder / "img" / "ct.png"))
    deck = folder / "pics.yaml"
    deck.write_text(VALID_DECK.replace(
        "    front: Front\n",
        "    front: |\n      **Bold** and a list:\n\n      - one\n      - two\n\n"
        "      | a | b |\n      |---|---|\n      | 1 | 2 |\n"
        "    image: img/ct.png\n    image_alt: A blue square\n"), encoding="utf-8")
    win = make_window(extra=[deck])
    start(win, mode="flashcards", deck_ids=("test-deck",))
    pics = win.study.findChildren(widgets.Picture)
    assert len(pics) == 1 and pics[0].pixmap().width() <= widgets.TEXT_WIDTH
    assert pics[0].accessibleName() == "A blue square"
    opened: list[int] = []
    monkeypatch.setattr(widgets.ImageDialog, "show_image",
                        classmethod(lambda cls, parent, pixmap, title: opened.append(
                            pixmap.width())))
    qtbot.mouseClick(pics[0], Qt.MouseButton.LeftButton)
    assert opened == [1600]
    front = next(w for w in win.study.findChildren(widgets.Markdown)
                 if w.accessibleName() == "Front")
    assert front.textFormat() == Qt.TextFormat.MarkdownText and "**Bold**" in front.text()


def test_statistics_page_opens_with_ctrl_t_and_starts_practice(window: MainWindow, qtbot,  # type: ignore[no-untyped-def]
                                                               confirm_yes) -> None:
    start(window, mode="tutor", deck_ids=("asps-essentials",), limit=2)
    press(qtbot, window, K.Key_A, K.Key_Return)
    window.act["end"].trigger()
    assert confirm_yes == ["End session"]
    assert ("1 item you have not finished is left out of the score and stays in your decks"
            in confirm_yes.texts[0])
    qtbot.keyClick(window, K.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.stats_page is not None)  # charts imported in the background
    page = window.stats_page
    assert page is not None and window.stack.currentWidget() is page
    qtbot.waitUntil(lambda: not window.tasks.busy())  # figures computed in the background
    qtbot.keyClick(page, K.Key_Escape)
    assert window.stack.currentWidget() is window.library
    window.act["stats"].trigger()
    assert window.stack.currentWidget() is page
    qtbot.waitUntil(lambda: not window.tasks.busy())
    with qtbot.waitSignal(page.start_session, timeout=3000) as blocker:
        page.weak_table.selectRow(0)
        qtbot.keyClick(page.weak_table, K.Key_Return)
    settings = blocker.args[0]
    assert isinstance(settings, SessionSettings) and settings.deck_ids
    assert window.stack.currentWidget() is window.study  # practising the weak area


def test_exam_keeps_selections_and_confidence_keys_and_asks_before_submit(
        window: MainWindow, qtbot, confirm_yes) -> None:  # type: ignore[no-untyped-def]
    start(window, mode="exam", deck_ids=("asps-essentials",), limit=3, confidence=True)
    st = window.study
    s = st.session
    press(qtbot, window, K.Key_D, K.Key_2)  # option D, then confidence 2 (not option B)
    view = st.active_view()
    assert view is not None and view.selected() == [view.order[3]] and view.confidence == 2
    press(qtbot, window, K.Key_N, K.Key_P)  # away and back without pressing Enter
    resp = s.response("", 0)  # type: ignore[union-attr]
    assert resp is not None and resp.selected == (view.order[3],) and resp.confidence == 2
    assert st.active_view().selected() == [view.order[3]]  # type: ignore[union-attr]
    st.submit_block_button.click()
    assert confirm_yes == ["Submit block"]
    assert "2 items not answered (items 2 and 3)" in confirm_yes.texts[0]  # type: ignore[attr-defined]
    assert "Flagged" not in confirm_yes.texts[0]  # type: ignore[attr-defined]
    assert window.stack.currentWidget() is window.results_page


def test_builder_starts_with_enter(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.act["new"].trigger()
    qtbot.keyClick(window.builder.decks, K.Key_Return)
    assert window.stack.currentWidget() is window.study
