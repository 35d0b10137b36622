"""Sync as the student meets it: File > Preferences > Sync folder, the window noticing the
other computer's answers while it runs (never mid-exam), Help > Sync between computers, and
the sync folder given on the command line or in $QUIZAPP_SYNC_DIR."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from quizapp.core import paths
from quizapp.core.progress.syncfolder import append
from quizapp.core.session import SessionSettings
from quizapp.ui.dialogs import PreferencesDialog, TextDialog
from quizapp.ui.mainwindow import MainWindow
from tests.core.test_progress_sync import answer

LAPTOP = "1a2b3c4d" + "0" * 24  # the other computer's id


@pytest.fixture(autouse=True)
def no_sync_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.ENV_SYNC_DIR, raising=False)


@pytest.fixture
def sync(tmp_path: Path) -> Path:
    folder = tmp_path / "Sync" / "quizapp"
    folder.mkdir(parents=True)
    return folder.resolve()


@pytest.fixture
def closing() -> Iterator[list[MainWindow]]:
    """Windows whose (re-opened) store is closed at the end."""
    wins: list[MainWindow] = []
    yield wins
    for w in wins:
        w.tasks.shutdown()
        w.sync.fallback.stop()
        if not w.store.closed:
            w.store.close()


def laptop_answers(win: MainWindow, sync: Path, first: int, n: int) -> None:
    """The other computer answers ``n`` units of ASPS essentials (ids from ``first``)."""
    units = win.decks()["asps-essentials"].study_units()[first:first + n]
    at = datetime.now(timezone.utc) - timedelta(minutes=30)
    append(sync, LAPTOP, [answer(first + i + 1, u.key, at + timedelta(seconds=i))
                          for i, u in enumerate(units)])


def preferences(win: MainWindow, qtbot, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                chosen: Path) -> PreferencesDialog:
    monkeypatch.setattr(PreferencesDialog, "choose_folder",
                        classmethod(lambda cls, parent, start: str(chosen)))
    dlg = PreferencesDialog(win.sync)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def choose(dlg: PreferencesDialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dlg.follower.reopened, timeout=20000):
        qtbot.mouseClick(dlg.choose_button, Qt.MouseButton.LeftButton)


def row_counts(win: MainWindow, title: str) -> list[str]:
    t = win.library.table
    for r in range(t.rowCount()):
        if t.item(r, 0).text() == title:
            return [t.item(r, c).text() for c in range(1, 4)]
    raise AssertionError(title)


def test_choosing_a_sync_folder_in_preferences_reopens_and_says_what_came_in(
        make_window, closing, sync: Path, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    win = make_window()
    closing.append(win)
    laptop_answers(win, sync, 0, 3)
    old = win.store
    dlg = preferences(win, qtbot, monkeypatch, sync)
    assert dlg.path.text() == "" and dlg.path.placeholderText() == "Not syncing"
    assert not dlg.stop_button.isEnabled()
    choose(dlg, qtbot)
    assert dlg.message.text() == "Synced with 1 other computer: 3 answers added."
    assert dlg.path.text() == str(sync) and dlg.stop_button.isEnabled()
    assert old.closed and win.store is not old and win.store.sync_dir == sync
    assert win.coordinator.store is win.store
    assert paths.saved_sync_dir(win.data_dir) == str(sync)  # kept for the next start
    assert paths.sync_dir(None, win.data_dir) == paths.SyncChoice(sync, "Preferences")

    with qtbot.waitSignal(dlg.follower.reopened, timeout=20000):
        qtbot.mouseClick(dlg.stop_button, Qt.MouseButton.LeftButton)
    assert dlg.message.text() == ("Stopped syncing. Your progress stays in this computer's "
                                  "data folder; the sync folder was left as it was.")
    assert win.store.sync_dir is None and paths.saved_sync_dir(win.data_dir) is None
    assert dlg.path.text() == "" and not dlg.stop_button.isEnabled()


def test_a_folder_that_cannot_be_the_sync_folder_is_refused_in_preferences(
        make_window, closing, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    win = make_window()
    closing.append(win)
    store = win.store
    dlg = preferences(win, qtbot, monkeypatch, win.data_dir)
    qtbot.mouseClick(dlg.choose_button, Qt.MouseButton.LeftButton)
    assert dlg.message.text() == (
        f"The sync folder {win.data_dir} is the data folder itself: choose a folder of its "
        "own inside the folder your sync tool carries. The sync folder was not changed.")
    assert win.store is store and not store.closed and store.sync_dir is None
    assert paths.saved_sync_dir(win.data_dir) is None


def test_the_window_notices_the_other_computer_and_says_so(
        make_window, closing, sync: Path, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    win = make_window()
    closing.append(win)
    choose(preferences(win, qtbot, monkeypatch, sync), qtbot)
    win.statusBar().clearMessage()
    laptop_answers(win, sync, 3, 12)  # the sync tool brings the laptop's new file
    # noticed by the file watcher (debounced), checked in the background
    qtbot.waitUntil(lambda: win.statusBar().currentMessage() == "12 new answers from 1a2b3c4d",
                    timeout=20000)


def test_no_news_is_shown_mid_exam_it_waits_until_the_exam_is_left(
        make_window, closing, sync: Path, qtbot, monkeypatch, confirm_yes) -> None:  # type: ignore[no-untyped-def]
    win = make_window()
    closing.append(win)
    choose(preferences(win, qtbot, monkeypatch, sync), qtbot)
    win.flow.start_session(SessionSettings(mode="exam", deck_ids=("back-pain-red-flags",),
                                           limit=3, shuffle=False, selection="all",
                                           seconds_per_question=60))
    assert win.stack.currentWidget() is win.study
    laptop_answers(win, sync, 0, 2)
    win.sync.check()  # the slow timer's check, for instance
    assert win.sync.waiting and not win.sync.running  # nothing read mid-exam
    shown = win.statusBar().currentMessage()
    assert "new answer" not in shown
    win.show_library()  # leave the exam (it stays resumable)
    assert confirm_yes == ["Leave the session?"]
    qtbot.waitUntil(lambda: win.statusBar().currentMessage() == "2 new answers from 1a2b3c4d",
                    timeout=20000)


def stats_attempts(win: MainWindow) -> int:
    page = win.stats_page
    return -1 if page is None or page.dashboard is None else page.dashboard.totals.attempts


def see_counts_change(win: MainWindow, sync: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    """While Statistics is on screen the laptop's 5 answers arrive: the page's totals and
    then the library's New column take them in."""
    _items, new, _due = row_counts(win, "ASPS essentials")
    win.show_stats()
    qtbot.waitUntil(lambda: stats_attempts(win) == 0, timeout=20000)
    laptop_answers(win, sync, 0, 5)
    win.sync.check()
    qtbot.waitUntil(lambda: win.statusBar().currentMessage() == "5 new answers from 1a2b3c4d",
                    timeout=20000)
    qtbot.waitUntil(lambda: stats_attempts(win) == 5, timeout=20000)
    win.show_library()
    assert int(row_counts(win, "ASPS essentials")[1]) == int(new) - 5


def test_library_and_statistics_counts_take_in_the_other_computers_answers(
        make_window, closing, sync: Path, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    win = make_window()
    closing.append(win)
    choose(preferences(win, qtbot, monkeypatch, sync), qtbot)
    see_counts_change(win, sync, qtbot)


def test_help_sync_between_computers_says_how_and_where_this_computer_stands(
        make_window, closing, sync: Path, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    win = make_window()
    closing.append(win)
    shown: list[str] = []
    monkeypatch.setattr(TextDialog, "show_text", classmethod(
        lambda cls, parent, title, text, source=None: shown.append(text)))
    win.act["sync_help"].trigger()
    assert "This computer does not sync yet." in shown[-1]
    for words in ("Syncthing", "Dropbox", "OneDrive", "USB stick",
                  "Never put the whole data folder in a synced folder", "conflict copies"):
        assert words in shown[-1]
    choose(preferences(win, qtbot, monkeypatch, sync), qtbot)
    win.act["sync_help"].trigger()
    assert f"This computer syncs through **{sync}**" in shown[-1]
    assert f"Sync folder: {sync}" in shown[-1]


def test_sync_dir_on_the_command_line_beats_the_environment_and_a_bad_one_is_said(
        tmp_path: Path, sync: Path, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from quizapp.ui.app import launch

    env = tmp_path / "env-sync"
    env.mkdir()
    monkeypatch.setenv(paths.ENV_SYNC_DIR, str(env))
    for given, expected in ((None, env.resolve()), (str(sync), sync)):
        launched = launch(str(tmp_path / "data"), [], given)
        assert launched is not None
        _app, win, _store = launched
        qtbot.addWidget(win)
        with qtbot.waitSignal(win.decks_loaded, timeout=20000):
            pass
        assert win.store.sync_dir == expected
        dlg = PreferencesDialog(win.sync)
        qtbot.addWidget(dlg)
        assert not dlg.choose_button.isEnabled()  # this run's folder is not Preferences'
        source = "--sync-dir" if given else "$QUIZAPP_SYNC_DIR"
        assert dlg.message.text().startswith(f"Set by {source} for this run")
        win.close()
        win.store.close()
    launched = launch(str(tmp_path / "data"), [], str(tmp_path / "missing"))
    assert launched is not None
    _app, win, _store = launched
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.decks_loaded, timeout=20000):
        pass
    assert win.store.sync_dir is None  # started anyway: progress kept on this computer
    banners = [w.text() for w in win.library.findChildren(QLabel) if "Not syncing" in w.text()]
    assert banners == [f"Not syncing with your other computers: The sync folder "
                       f"{tmp_path / 'missing'} does not exist. (set by --sync-dir) Your "
                       "progress is kept on this computer; choose a sync folder in File > "
                       "Preferences."]
    win.close()
    win.store.close()


def test_preferences_fits_at_250_percent_zoom(make_window, closing, sync: Path, qtbot,  # type: ignore[no-untyped-def]
                                             monkeypatch) -> None:
    """At 250% the dialog stays within the screen and no wrapped line is cut off, also once
    the result of a change is written under the folder."""
    win = make_window()
    closing.append(win)
    laptop_answers(win, sync, 0, 2)
    win.settings.setValue("view/zoom", 2.5)
    win.set_theme("system")
    dlg = preferences(win, qtbot, monkeypatch, sync)
    qtbot.waitExposed(dlg)

    def fits() -> None:
        QApplication.processEvents()  # the layout places the widgets
        assert dlg.width() <= win.screen().availableGeometry().width()
        for w in (dlg.choose_button, dlg.stop_button, dlg.path):
            assert dlg.rect().contains(w.geometry())
        for label in dlg.findChildren(QLabel):
            if label.wordWrap() and label.text():
                assert label.height() >= label.heightForWidth(label.width()), label.text()

    fits()
    choose(dlg, qtbot)
    assert dlg.message.text().startswith("Synced with 1 other computer")
    fits()
    dlg.resize(dlg.minimumWidth(), dlg.height())  # made narrower: the lines wrap more
    fits()


def test_damage_in_the_sync_folder_is_shown_once_with_file_and_line(
        make_window, closing, sync: Path, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    win = make_window()
    closing.append(win)
    choose(preferences(win, qtbot, monkeypatch, sync), qtbot)
    laptop_answers(win, sync, 0, 1)
    damaged = next((sync / "devices" / LAPTOP).glob("*.jsonl"))
    with damaged.open("ab") as fh:
        fh.write(b"{oops\n")
    (sync / "devices" / LAPTOP / "link.jsonl").symlink_to(damaged)  # found on every check

    def banners() -> list[str]:
        return [w.text() for w in win.library.findChildren(QLabel)
                if str(sync) in w.text() and w.isVisibleTo(win.library)]

    for _ in range(2):
        with qtbot.waitSignal(win.sync.checked, timeout=20000):
            win.sync.check()
    assert sorted(banners()) == sorted([
        f"{damaged}, line 2: not JSON (Expecting property name enclosed in double quotes)",
        f"{sync / 'devices' / LAPTOP / 'link.jsonl'}: a symbolic link; not followed"])
