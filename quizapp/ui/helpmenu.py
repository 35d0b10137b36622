"""The Help menu's handlers: the keyboard shortcuts, the user guide, sync help and About.
Each opens a dialog of :mod:`quizapp.ui.dialogs` (imported on use, as are the core's texts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quizapp.ui.mainwindow import MainWindow

__all__ = ["HelpMenu"]


class HelpMenu:
    """What the Help menu shows, about ``window`` (its actions, data folder and store)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def show_shortcuts(self) -> None:
        from quizapp.ui.dialogs import ShortcutsDialog

        ShortcutsDialog.show_actions(self.window, [a for a in self.window.actions()
                                                   if a.isVisible() and a.text()])

    def show_sync_help(self) -> None:
        from quizapp.core.about import sync_help_markdown
        from quizapp.core.progress.sync import format_status
        from quizapp.ui.dialogs import TextDialog

        win = self.window
        folder = win.store.sync_dir if win.has_store else None
        if folder is None:
            status = ""
        elif win.tasks.busy():  # the store is in use on a worker: not read from here now
            status = "(quizapp is busy with your progress; open this again in a moment)\n"
        else:
            status = format_status(folder, win.store.sync_status())
        TextDialog.show_text(win, "Sync between computers", sync_help_markdown(folder, status))

    def show_guide(self) -> None:
        from quizapp.core.paths import readme_file
        from quizapp.ui.dialogs import TextDialog

        path = readme_file()
        if not path.is_file():
            TextDialog.show_text(self.window, "quizapp user guide",
                                 "The user guide is missing from this installation.")
            return
        TextDialog.show_text(self.window, "quizapp user guide", "", source=path)

    def show_about(self) -> None:
        from quizapp.core.about import about_markdown  # PyYAML's version: imported on use
        from quizapp.ui.dialogs import TextDialog

        TextDialog.show_text(self.window, "About quizapp", about_markdown(self.window.data_dir))
