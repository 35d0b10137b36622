"""What the window coordinates, without Qt: the decks the library lists (one load result per
file), which deck files to load, the library's counts, and the session lifecycle (start a
session, study what is due, retry the missed items, resume or discard the paused one).

The window asks; this module decides. Every rule here is one the library, the session builder
and the menus share, so each lives in one place (what "due" means is in
:mod:`quizapp.core.planner`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from quizapp.core.library import (
    DeckCache,
    LoadResult,
    find_deck_files,
    load_deck,
)
from quizapp.core.model import Deck
from quizapp.core.paths import bundled_decks_dir, package_parent, user_decks_dir
from quizapp.core.planner import deck_counts
from quizapp.core.problems import Problem
from quizapp.core.scoring import count_of, plural
from quizapp.core.selection import daily_queue, select_entries
from quizapp.core.session import Session
from quizapp.core.sessionmodel import SessionError, SessionSettings
from quizapp.core.stats import last_session_on
from quizapp.core.store import Store

__all__ = [
    "Coordinator",
    "DeckRegistry",
    "LibraryRow",
    "LoadCancelledError",
    "deck_files",
    "library_counts",
    "load_decks",
]


#: A library row: a deck file's load result and its :func:`library_counts` (empty for a file
#: with problems).
LibraryRow = tuple[LoadResult, dict[str, object]]


class LoadCancelledError(Exception):
    """The user cancelled loading; the decks loaded so far are in :attr:`results`."""

    def __init__(self, results: list[LoadResult]) -> None:
        super().__init__("loading cancelled")
        self.results = results


#: Decks at least this large are parsed in a child process by ``load_decks(apart=True)``.
PARSE_APART_BYTES = 1_000_000


def load_decks(paths: Iterable[Path], cache: DeckCache | None = None, *,
               report: Callable[[int, int, str], None] | None = None,
               cancelled: Callable[[], bool] | None = None,
               apart: bool = False) -> list[LoadResult]:
    """Load every file in ``paths`` in order (never raises for a bad deck: its problems are
    in its result). ``report(i, n, name)`` is called before file ``i`` of ``n``; when
    ``cancelled()`` turns true, :class:`LoadCancelledError` is raised between two files.

    ``apart``: a large deck (:data:`PARSE_APART_BYTES`) missing from ``cache`` is parsed in a
    child process that leaves it in the cache, and then read from there. The YAML parser is
    C code that holds Python's global lock for the whole file, so parsing in a thread would
    still freeze the GUI thread for as long; reading the cache holds it about a tenth as long.
    Whatever the child could not do (a deck with problems, no cache) is done here as usual."""
    paths = list(paths)
    results: list[LoadResult] = []
    for i, p in enumerate(paths):
        if cancelled is not None and cancelled():
            raise LoadCancelledError(results)
        if report is not None:
            report(i, len(paths), p.name)
        if apart and cache is not None and cache.folder is not None:
            _parse_apart(p, cache.folder, cancelled)
        try:
            results.append(load_deck(p, cache))
        except Exception as e:  # a bug in the loader must not lose the other decks
            results.append(LoadResult(p, None, (Problem(str(p), 0, 0,
                                                        f"could not load: {e}"),)))
    return results


def _parse_apart(path: Path, cache_folder: Path, cancelled: Callable[[], bool] | None) -> None:
    try:
        if path.stat().st_size < PARSE_APART_BYTES or getattr(sys, "frozen", False):
            return
    except OSError:
        return  # reported by the load itself
    root = str(package_parent())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [root, *filter(None, [os.environ.get("PYTHONPATH")])])}
    try:
        child = subprocess.Popen([sys.executable, "-m", "quizapp.core.coordinator", str(path),
                                  str(cache_folder)], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    except OSError:
        return
    while child.poll() is None:
        if cancelled is not None and cancelled():
            child.kill()
            child.wait()
            return
        time.sleep(0.02)


def deck_files(data_dir: Path, opened: Iterable[Path] = (), extra: Iterable[Path] = ()
               ) -> list[Path]:
    """The deck files the library lists, in load order: the bundled decks, then the user's
    deck folder, then files opened before and files named on the command line (each once,
    and only if it still exists)."""
    paths = find_deck_files([bundled_decks_dir()])
    user = user_decks_dir(data_dir)
    if user.is_dir():
        paths += find_deck_files([user])
    for p in [*opened, *extra]:
        if p.exists() and p not in paths:
            paths.append(p)
    return paths


def library_counts(store: Store, deck: Deck) -> dict[str, object]:
    """A library row's figures: items, new, due, seen (counted per item, see
    :func:`quizapp.core.planner.deck_counts`) and the last score on this deck alone."""
    c = deck_counts(store, deck)
    s = last_session_on(store.sessions(), deck.id)  # the one `quizapp stats` shows too
    last = "" if s is None or s.score is None else f"{s.score.get('percent', 0):.0f}%"
    return {"items": c.items, "new": c.new, "due": c.due, "seen": c.seen, "last": last}


class DeckRegistry:
    """The library's decks: one :class:`LoadResult` per file, keyed by the file's path.

    Two files with one deck id would share progress, so the later one (bundled decks load
    first, then the user's folder, then opened files) is kept as a problem instead."""

    def __init__(self) -> None:
        self.results: dict[str, LoadResult] = {}

    def keep_only(self, paths: Iterable[Path]) -> None:
        """Forget the files not in ``paths`` (deleted or moved since the last load)."""
        wanted = set(paths)
        self.results = {k: v for k, v in self.results.items() if Path(k) in wanted}

    def add(self, results: Iterable[LoadResult]) -> None:
        for r in results:
            self.results[str(r.path)] = r
        self._refuse_duplicate_ids()

    def _refuse_duplicate_ids(self) -> None:
        first: dict[str, Path] = {}
        for key, r in list(self.results.items()):
            if r.deck is None:
                continue
            owner = first.setdefault(r.deck.id, r.path)
            if owner != r.path:
                self.results[key] = LoadResult(r.path, None, (Problem(
                    str(r.path), 1, 1, f"deck id '{r.deck.id}' is already used by {owner}; "
                    "give this deck its own id (progress is stored under it)"),))

    def copy(self) -> DeckRegistry:
        other = DeckRegistry()
        other.results = dict(self.results)
        return other

    def all(self) -> list[LoadResult]:
        return list(self.results.values())

    def has_decks(self) -> bool:
        return any(r.ok for r in self.results.values())

    def decks(self) -> dict[str, Deck]:
        """The loaded decks by id, in load order."""
        out: dict[str, Deck] = {}
        for r in self.results.values():
            if r.deck is not None and r.deck.id not in out:
                out[r.deck.id] = r.deck
        return out

    def decks_at(self, paths: Iterable[str]) -> list[Deck]:
        """The loaded decks of the files ``paths`` (files with problems left out)."""
        out = []
        for p in paths:
            r = self.results.get(p)
            if r is not None and r.deck is not None:
                out.append(r.deck)
        return out

    def rows(self, store: Store) -> list[LibraryRow]:
        """The library's rows: decks by title, then files with problems; each with its
        :func:`library_counts`."""
        ordered = sorted(self.results.values(), key=lambda r: (
            not r.ok, r.deck.title if r.deck else r.path.name))
        return [(r, library_counts(store, r.deck) if r.deck else {}) for r in ordered]


class Coordinator:
    """The session lifecycle over the registry's decks and the store: which session starts
    for each of the student's requests, and what the paused one is."""

    def __init__(self, store: Store, registry: DeckRegistry) -> None:
        self.store = store
        self.registry = registry
        self.session: Session | None = None
        """The session shown last (running, finished, or under review)."""

    def count(self, settings: SessionSettings) -> int:
        """How many items a session with ``settings`` would hold (the builder's count)."""
        return len(select_entries(self.registry.decks().values(), settings, self.store))

    def new_session(self, settings: SessionSettings) -> Session:
        """The session ``settings`` describe; :class:`SessionError` says why there is none."""
        entries = select_entries(self.registry.decks().values(), settings, self.store)
        return Session(entries, settings, self.store)

    def due_session(self, decks: list[Deck], confidence: bool) -> Session | None:
        """One daily queue over ``decks``: everything due by the end of the study day
        (flashcards, questions and cases interleaved) plus a few new items, in tutor mode;
        None when nothing is due or new."""
        s = SessionSettings(mode="tutor", deck_ids=tuple(d.id for d in decks),
                            selection="due_new", limit=0, shuffle=True, confidence=confidence,
                            daily=True)
        entries = daily_queue(self.registry.decks().values(), s.deck_ids, self.store)
        return Session(entries, s, self.store) if entries else None

    def retry_session(self) -> Session | None:
        """The items the last session missed, again (None when it missed none)."""
        if self.session is None:
            return None
        entries = self.session.missed_entries()
        if not entries:
            return None
        s = SessionSettings(**{**self.session.settings.to_dict(), "selection": "all"})
        s.deck_ids = tuple(s.deck_ids)
        s.tags = tuple(s.tags)
        return Session(entries, s, self.store)

    def resume(self) -> Session | None:
        """The paused session, or None if there is none; :class:`SessionError` when it can
        no longer be resumed (its decks changed)."""
        pending = self.store.pending()
        if not pending:
            return None
        return Session.resume(pending, self.registry.decks(), self.store)

    def discard_pending(self) -> None:
        self.store.save_pending(None)

    def pending_summary(self) -> str | None:
        """'unfinished tutor quiz session (3 of 20 items answered)', or None if none."""
        pending = self.store.pending()
        if not pending:
            return None
        settings = pending.get("settings")
        mode = SessionSettings.from_dict(settings).label if isinstance(settings, dict) \
            else "session"
        try:  # count as the session itself counts: an item is answered when all of it is
            done, n = Session.resume(pending, self.registry.decks(), self.store).progress()
        except SessionError:
            n = len(pending.get("entries", []))
            return f"unfinished {mode.lower()} session ({plural(n, 'item')})"
        return f"unfinished {mode.lower()} session ({count_of(done, n, 'item')} answered)"


if __name__ == "__main__":  # the child of load_decks(apart=True): parse one deck into the cache
    load_deck(Path(sys.argv[1]), DeckCache(Path(sys.argv[2])))
