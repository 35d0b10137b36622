"""The library's deck files: loading them in the background (with the library's progress
bar), opening one (File > Open, the library's button, a drop onto the window), remembering
the opened ones across restarts, and previewing one in its own window."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets  # looked up when used (see quizapp.ui.app)
from PySide6.QtWidgets import QMainWindow

from quizapp.ui.pages.library import status_text

if TYPE_CHECKING:  # the core's modules are imported once the score store opens
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    from quizapp.core.coordinator import LibraryRow
    from quizapp.core.library import DeckCache, LoadResult
    from quizapp.ui.mainwindow import MainWindow
    from quizapp.ui.tasks import TaskContext

__all__ = ["DeckLoader"]

DECK_ENDINGS = (".yaml", ".yml")


class DeckLoader:
    """Loads, opens and previews ``window``'s deck files; ``extra`` are the decks named on
    the command line (loaded with the data folder's and the opened ones); ``cache_dir`` holds
    their parse cache (None: set before the first load, see :meth:`MainWindow.set_folders`)."""

    def __init__(self, window: MainWindow, extra: list[Path], cache_dir: Path | None) -> None:
        self.window = window
        self.extra = extra
        self.cache_dir = cache_dir
        #: loads under way (their worker threads count the library's rows)
        self.running = 0
        self.previews: list[QMainWindow] = []
        self._cache: DeckCache | None = None

    @property
    def cache(self) -> DeckCache:
        """The decks' parse cache (made on first use)."""
        if self._cache is None:
            from quizapp.core.library import DeckCache

            if self.cache_dir is None:
                raise RuntimeError("the deck cache folder is not known yet (see set_folders)")
            self._cache = DeckCache(self.cache_dir)
        return self._cache

    def show_loading(self, text: str) -> None:
        """The library's busy bar, saying ``text``."""
        self.window.library.show_busy(text)

    def deck_paths(self) -> list[Path]:
        from quizapp.core.coordinator import deck_files

        return deck_files(self.window.data_dir, (Path(o) for o in self.opened()), self.extra)

    def load_decks(self, only: list[Path] | None = None) -> None:
        """Load every deck (or only the files ``only``) in the background; the library's
        progress bar shows how far it got, and the window's ``decks_loaded`` is emitted at
        the end."""
        win = self.window
        if not win.has_store:
            return  # every deck (the opened ones too) is loaded once the store is open
        paths = only if only is not None else self.deck_paths()
        if only is None:
            win.registry.keep_only(paths)
        self.show_loading("Loading decks…")
        self.running += 1
        from quizapp.core.coordinator import load_decks

        cache, registry, store = self.cache, win.registry, win.store

        def load(ctx: TaskContext) -> tuple[list[LoadResult], list[LibraryRow] | None]:
            results = load_decks(paths, cache, report=ctx.report,
                                 cancelled=lambda: ctx.cancelled, apart=True)
            after = registry.copy()  # the library's counts are counted here too: a large
            after.add(results)  # deck's take a quarter of a second
            try:
                return results, after.rows(store)
            except RuntimeError:  # the store changed meanwhile (a session started): count
                return results, None  # on the GUI thread instead

        win.tasks.run(load, label="Loading decks…", dialog=False,
                      on_progress=self.on_load_progressed, on_done=self.on_load_succeeded,
                      on_error=self.on_load_failed, on_cancel=self.on_load_failed)

    def on_load_progressed(self, i: int, n: int, name: str) -> None:
        self.window.library.show_busy(f"Loading {name} ({i + 1} of {n})…", i, n)
        self.window.statusBar().showMessage(f"Loading {name}…")

    def on_load_succeeded(self, loaded: tuple[list[LoadResult], list[LibraryRow] | None]
                          ) -> None:
        win = self.window
        results, rows = loaded
        self.running -= 1
        win.registry.add(results)
        win.library.hide_busy()
        if rows is not None and {str(r.path) for r, _ in rows} != set(win.registry.results):
            rows = None  # another load finished while this one counted: count again here
        win.refresh_library(rows)
        win.statusBar().showMessage(status_text(win.registry.all()), 5000)
        if not self.running:
            win.flow.offer_resume()
        win.decks_loaded.emit()

    def on_load_failed(self, exc: BaseException | None = None) -> None:
        self.on_load_succeeded(([], None))  # every bad deck is in its result: nothing to add
        if exc is not None:
            raise exc

    def reload_deck(self, path: str) -> None:
        """The library's Reload on one deck."""
        self.load_decks([Path(path)])

    # -- deck files ----------------------------------------------------------------------

    def _choose_deck(self, caption: str) -> Path | None:
        transfers = self.window.transfers
        name, _ = QtWidgets.QFileDialog.getOpenFileName(self.window, caption,
                                                        str(transfers.folder("decks")),
                                                        "Decks (*.yaml *.yml);;All files (*)")
        transfers.remember_folder("decks", name)
        return Path(name) if name else None

    def open_deck_dialog(self) -> None:
        if (path := self._choose_deck("Open deck")) is not None:
            self.open_deck(path)

    def preview_deck_dialog(self) -> None:
        if (path := self._choose_deck("Preview deck")) is not None:
            self.preview_deck(path)

    def preview_deck(self, path: Path) -> None:
        from quizapp.ui.preview import PreviewWindow

        win = PreviewWindow(path, self.window)
        win.setWindowFlag(QtCore.Qt.WindowType.Window)
        win.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        win.show()
        self.previews.append(win)

    def open_deck(self, path: Path) -> None:
        """Add ``path`` to the library (remembered across restarts), load it and select it."""
        win = self.window
        path = path.resolve()
        opened = [p for p in self.opened() if p != str(path)]
        win.settings.setValue("library/opened", [*opened, str(path)])
        self.load_decks([path])
        win.decks_loaded.connect(lambda: win.library.select_path(str(path)),
                                 QtCore.Qt.ConnectionType.SingleShotConnection)
        win.show_library(recount=not self.running)  # the load refreshes the library

    def opened(self) -> list[str]:
        """Deck files the user opened before (remembered across restarts)."""
        value = self.window.settings.value("library/opened", [])
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value] if isinstance(value, list) else []

    # -- files dropped onto the window ---------------------------------------------------

    @staticmethod
    def drag_enter(event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if any(u.toLocalFile().lower().endswith(DECK_ENDINGS) for u in urls):
            event.acceptProposedAction()

    def drop(self, event: QDropEvent) -> None:
        for u in event.mimeData().urls():
            p = u.toLocalFile()
            if p.lower().endswith(DECK_ENDINGS):
                self.open_deck(Path(p))
        event.acceptProposedAction()
