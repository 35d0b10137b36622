"""The study session lifecycle as the student meets it: start a session from the builder or
the Statistics page, study what is due (Ctrl+D), retry what was missed, review a finished
exam, and resume or discard the paused session (the library's banner, Ctrl+R). The rules are
in :class:`quizapp.core.coordinator.Coordinator`; this module asks and shows."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QMessageBox

from quizapp.core.session import Session, SessionError, SessionSettings
from quizapp.core.store import StoreError
from quizapp.ui.dialogs import ConfirmDialog
from quizapp.ui.pages.library import Banner

if TYPE_CHECKING:
    from quizapp.ui.mainwindow import MainWindow

__all__ = ["SessionFlow"]


class SessionFlow(QObject):
    """Starts, shows, finishes and resumes study sessions in ``window``."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.resume_banner: Banner | None = None

    def last_settings(self) -> SessionSettings:
        raw = self.window.settings.value("session/last", None)
        if isinstance(raw, dict):
            with contextlib.suppress(TypeError, ValueError):
                return SessionSettings.from_dict(raw)
        return SessionSettings()

    def study_due(self) -> None:
        """Ctrl+D: the daily queue of the selected decks (or all); never remembered as the
        builder's settings."""
        decks = self.window.registry.decks_at(self.window.library.selected_paths()) or list(
            self.window.decks().values())
        if not decks:
            return
        session = self.window.coordinator.due_session(decks, self.last_settings().confidence)
        if session is None:
            QMessageBox.information(self.window, "Nothing due",
                                    "Nothing is due and nothing is new in these decks. "
                                    "Build a session with 'All' or 'Incorrect last time' to "
                                    "practise anyway.")
            return
        if self._may_replace_pending():
            self.run_session(session)

    @Slot(str)
    def on_library_deck_activated(self, _path: str) -> None:
        self.study_due()

    def _may_replace_pending(self) -> bool:
        """A new session takes the place of the unfinished one: say so, and ask."""
        study = self.window.study
        if study.session is not None and not study.session.finished \
                and self.window.stack.currentWidget() is study and not study.review:
            return True  # leaving the running session was confirmed already
        what = self.window.coordinator.pending_summary()
        if what is None:
            return True
        return ConfirmDialog.ask(
            self.window, "Start a new session?",
            f"You have an {what}. Starting a new session means it can no longer be resumed "
            "(the answers you gave in it stay saved). Start the new session?")

    def start_session(self, s: SessionSettings, remember: bool = True) -> None:
        if not self._may_replace_pending():
            return
        if remember:
            self.window.settings.setValue("session/last", s.to_dict())
        try:
            session = self.window.coordinator.new_session(s)
        except SessionError as e:
            QMessageBox.information(self.window, "Nothing to study", str(e))
            return
        self.run_session(session)

    def run_session(self, session: Session, review: bool = False) -> None:
        """Show ``session`` on the study page (``review``: a finished one, read-only)."""
        self.window.coordinator.session = session
        try:
            self.window.study.load(session, review=review)
        except (StoreError, OSError) as e:
            self.window.pages.on_study_store_error(str(e))
            return
        self.window.stack.setCurrentWidget(self.window.study)
        self.window.update_actions()

    def on_study_finished(self, summary: object) -> None:
        if self.window.session is None:
            return
        self.window.results_page.show_summary(
            self.window.session, summary)  # type: ignore[arg-type]
        self.window.study.review = False
        self.window.stack.setCurrentWidget(self.window.results_page)
        self.window.refresh_library()
        self.window.statusBar().showMessage("Session finished: every answer is saved.")

    def retry_missed(self) -> None:
        session = self.window.coordinator.retry_session()
        if session is not None and self._may_replace_pending():
            self.run_session(session)

    def review_session(self, index: int) -> None:
        if self.window.session is None:
            return
        self.window.session.index = max(0, min(index, len(self.window.session) - 1))
        self.run_session(self.window.session, review=True)

    def offer_resume(self) -> None:
        what = self.window.coordinator.pending_summary()
        if what is None or self.window.stack.currentWidget() is self.window.study:
            return
        text = f"You have an {what}. Resume where you left off (Ctrl+R)?"
        if self.resume_banner is not None:
            self.resume_banner.set_text(text)  # the counts change as the session goes on
            return
        self.resume_banner = self.window.library.add_banner(
            text, [("Resume", self.resume_pending), ("Discard", self.discard_pending)])
        self.resume_banner.destroyed.connect(self.on_resume_banner_destroyed)

    @Slot()
    def on_resume_banner_destroyed(self) -> None:
        self.resume_banner = None

    def resume_pending(self) -> None:
        if self.window.stack.currentWidget() is self.window.study and not self.window.study.review:
            self.window.statusBar().showMessage("A session is already running.", 4000)
            return
        try:
            session = self.window.coordinator.resume()
        except SessionError as e:
            QMessageBox.warning(self.window, "Cannot resume",
                                f"{e}. The paused session is discarded.")
            self.discard_pending()
            return
        if session is None:
            self.window.statusBar().showMessage("There is no unfinished session to resume.", 4000)
            return
        self.run_session(session)

    def discard_pending(self) -> None:
        try:
            self.window.coordinator.discard_pending()
        except (StoreError, OSError) as e:
            self.window.pages.on_study_store_error(str(e))
