"""The window's menus as one table: every action's name, menu, text, key, tip and handler.

A row's ``handler`` is a dotted path from the window (``"show_library"``,
``"study.key_space"``) called with ``args``; ``shown_key`` is a key the study page handles
itself (shown in the menu and the shortcut list, not registered, to avoid ambiguity). The
window keeps each action as ``a_<name>``; rows of one ``group`` are checkable and exclusive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow

from quizapp.core.scheduling import Rating

__all__ = ["ACTIONS", "ActionSpec", "build_menus"]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    menu: str
    text: str
    handler: str
    shortcut: str = ""
    tip: str = ""
    shown_key: str = ""
    args: tuple[Any, ...] = ()
    separator: bool = False
    """A separator goes before this action in its menu."""
    group: str = ""
    more_keys: tuple[str, ...] = ()


_F, _S, _V, _H = "&File", "&Study", "&View", "&Help"

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("open", _F, "&Open deck…", "loader.open_deck_dialog", "Ctrl+O",
               "Add a deck file to the library"),
    ActionSpec("reload", _F, "&Reload decks", "load_decks", "F5", "Load every deck again"),
    ActionSpec("preview", _F, "&Preview deck…", "loader.preview_deck_dialog", "Ctrl+Shift+P",
               "Open a deck in a live preview that reloads when you save it"),
    ActionSpec("import_questions", _F, "Import &questions from Anki or Moodle…",
               "transfers.import_questions_dialog", "Ctrl+I",
               "Convert an Anki text export, a Moodle GIFT file or Moodle XML into a deck"),
    ActionSpec("export_csv", _F, "Export attempts as &CSV…", "transfers.export_csv",
               "Ctrl+Shift+C", "Save every recorded answer as CSV", separator=True),
    ActionSpec("export", _F, "&Export progress…", "transfers.export_progress", "Ctrl+Shift+E",
               "Save all progress to one file to move to another computer"),
    ActionSpec("import", _F, "&Import progress…", "transfers.import_progress", "Ctrl+Shift+I",
               "Merge progress exported on another computer"),
    ActionSpec("preferences", _F, "Prefere&nces…", "link.show_preferences", "Ctrl+,",
               "The sync folder shared with your other computers", separator=True),
    ActionSpec("quit", _F, "&Quit", "close", "Ctrl+Q", "Quit quizapp", separator=True),
    ActionSpec("library", _S, "&Library", "show_library", "Ctrl+L", "Back to the library"),
    ActionSpec("due", _S, "Study what is &due", "flow.study_due", "Ctrl+D",
               "Due and new items from the selected decks"),
    ActionSpec("new", _S, "&New session…", "show_builder", "Ctrl+N",
               "Choose decks, tags, mode and items"),
    ActionSpec("resume", _S, "&Resume unfinished session", "flow.resume_pending", "Ctrl+R",
               "Carry on with the session you left unfinished"),
    ActionSpec("stats", _S, "S&tatistics", "show_stats", "Ctrl+T",
               "Charts of your progress: accuracy, reviews, due, mastery"),
    ActionSpec("reveal", _S, "Show answer", "study.key_space", tip="Show the back of the "
               "flashcard", shown_key="Space", separator=True),
    *(ActionSpec(f"rate_{int(r)}", _S, f"Rate {r.label}", "study.rate", shown_key=str(int(r)),
                 args=(r,)) for r in Rating),
    ActionSpec("undo", _S, "&Undo last rating", "study.undo", "Ctrl+Z",
               "Take back the last flashcard rating"),
    ActionSpec("submit", _S, "Submit answer", "study.key_enter",
               tip="Submit the selected option(s)", shown_key="Enter"),
    ActionSpec("next", _S, "Next item", "study.key_next", shown_key="N"),
    ActionSpec("prev", _S, "Previous item (exam)", "study.prev", shown_key="P"),
    ActionSpec("flag", _S, "Flag item", "study.toggle_flag", shown_key="F"),
    ActionSpec("select_option", _S, "Select option", "", tip="Select an option by its letter "
               "or number", shown_key="A–J / 1–9"),
    ActionSpec("strike_option", _S, "Strike out option", "", tip="Strike an option out (also "
               "right-click)", shown_key="Shift+A–J"),
    ActionSpec("next_question", _S, "Next open question", "", tip="On a case stage with "
               "several questions: answer the next one by keys (Shift+Tab: the one before)",
               shown_key="Tab"),
    ActionSpec("pause", _S, "&Pause / resume exam", "study.pause", "Ctrl+P",
               "Stop or restart the exam clock"),
    ActionSpec("submit_block", _S, "Submit exam &block", "study.submit_block",
               "Ctrl+Shift+Return", "End the exam and see results"),
    ActionSpec("end", _S, "&End session", "study.end", "Ctrl+E", "End now and see results"),
    ActionSpec("references", _S, "Reference &sheets", "pages.toggle_references", "F2",
               "Show or hide the deck's reference tables (e.g. Table 1)"),
    *(ActionSpec(f"theme_{key}", _V, text, "set_theme", sc, f"Use the {key} theme",
                 args=(key,), group="theme")
      for key, text, sc in (("system", "&System theme", "Ctrl+Shift+0"),
                            ("light", "&Light theme", "Ctrl+Shift+1"),
                            ("dark", "&Dark theme", "Ctrl+Shift+2"))),
    ActionSpec("zoom_in", _V, "Zoom &in", "zoom", "Ctrl+=", "Larger text", args=(+1,),
               separator=True, more_keys=("Ctrl++",)),  # = is + unshifted
    ActionSpec("zoom_out", _V, "Zoom &out", "zoom", "Ctrl+-", "Smaller text", args=(-1,)),
    ActionSpec("zoom_reset", _V, "&Reset zoom", "zoom", "Ctrl+0", "Normal text size",
               args=(0,)),
    ActionSpec("shortcuts", _H, "&Keyboard shortcuts", "help.show_shortcuts", "F1",
               "List every key"),
    ActionSpec("guide", _H, "&User guide", "help.show_guide", "Shift+F1",
               "Open the user guide (offline)"),
    ActionSpec("sync_help", _H, "&Sync between computers", "help.show_sync_help", "Ctrl+F1",
               "How to share your progress through Syncthing, Dropbox..., and where it stands"),
    ActionSpec("about", _H, "&About quizapp", "help.show_about", "",
               "Version, licences, data folder"),
)


def _resolve(window: object, path: str, args: tuple[Any, ...]) -> Callable[[], object]:
    if not path:
        return lambda: None  # documents a key the page handles itself

    def call() -> object:  # looked up when triggered: pages are built on first use
        target: Any = window
        for part in path.split("."):
            target = getattr(target, part)
        return target(*args)

    return call


def build_menus(window: QMainWindow, table: tuple[ActionSpec, ...] = ACTIONS,
                menus: dict[str, Any] | None = None) -> dict[str, QAction]:
    """Create the menus (or fill ``menus``, empty menus by title) and actions of
    ``table`` on ``window``; returns the actions by name. Each action's shortcut appears in
    its menu text and tooltip."""
    menus = {} if menus is None else menus
    started: set[str] = set()
    groups: dict[str, QActionGroup] = {}
    made: dict[str, QAction] = {}
    for spec in table:
        menu = menus.get(spec.menu)
        if menu is None:
            menu = menus[spec.menu] = window.menuBar().addMenu(spec.menu)
        if spec.menu not in started:
            started.add(spec.menu)
        elif spec.separator:
            menu.addSeparator()
        a = QAction(spec.text + (f"\t{spec.shown_key}" if spec.shown_key else ""), window)
        if spec.shortcut:
            a.setShortcuts([QKeySequence(k) for k in (spec.shortcut, *spec.more_keys)])
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        key = spec.shown_key or (QKeySequence(spec.shortcut).toString(
            QKeySequence.SequenceFormat.NativeText) if spec.shortcut else "")
        tip = spec.tip or spec.text
        a.setToolTip(f"{tip} ({key})" if key else tip)
        a.setStatusTip(tip)
        fn = _resolve(window, spec.handler, spec.args)
        a.triggered.connect(lambda _=False, fn=fn: fn())
        if spec.group:
            a.setCheckable(True)
            groups.setdefault(spec.group, QActionGroup(window)).addAction(a)
        menu.addAction(a)
        window.addAction(a)
        made[spec.name] = a
    return made
