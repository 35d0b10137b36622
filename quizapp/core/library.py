"""Finding decks and loading them through a parse cache.

Bundled decks ship inside the wheel (``quizapp/_data/decks``); in a source checkout or an
editable install they are read from the repository's ``decks/`` folder instead.

The parse cache keeps each successfully loaded deck as JSON in the user cache folder, keyed by
the file's path; an entry is used only when the file's size, modification time *and* SHA-256
all match and the entry was written by this version of quizapp. Anything else (stale, corrupt,
unreadable, written by another version) is ignored and the deck is parsed afresh. JSON rather
than pickle, so a tampered cache file can never run code.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

import quizapp
from quizapp.core import deckfile
from quizapp.core.deckfile import DeckError, Problem
from quizapp.core.model import (
    Case,
    Deck,
    Flashcard,
    Option,
    Question,
    Source,
    SourceLocation,
    Stage,
)

DECK_SUFFIXES = (".yaml", ".yml")
CACHE_VERSION = f"{quizapp.__version__}/1"

_PKG = Path(quizapp.__file__).resolve().parent


def _data_path(name: str) -> Path:
    """``decks`` or ``resources``: inside the installed package, else the source tree."""
    installed = _PKG / "_data" / name
    if installed.is_dir():
        return installed
    return _PKG.parent / name


def bundled_decks_dir() -> Path:
    return _data_path("decks")


def resources_dir() -> Path:
    return _data_path("resources")


def find_deck_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the deck files they hold (sorted); files are kept as given."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in DECK_SUFFIXES
                              and f.is_file()))
        else:
            out.append(p)
    return out


# --------------------------------------------------------------------------- cache codec

_CLASSES: dict[str, type] = {
    c.__name__: c
    for c in (Deck, Flashcard, Question, Case, Stage, Option, Source, SourceLocation)
}
_PATH_FIELDS = {"image", "path"}


def _encode(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        return {"$": type(obj).__name__, "v": [_encode(getattr(obj, f.name)) for f in
                                                 fields(obj)]}
    if isinstance(obj, tuple | list):
        return [_encode(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _encode(v) for k, v in obj.items()}
    if isinstance(obj, Path):
        return str(obj)
    return obj


_FIELD_NAMES = {name: [f.name for f in fields(cls)] for name, cls in _CLASSES.items()}


def _decode(obj: Any) -> Any:
    if isinstance(obj, dict):
        tag = obj.get("$")
        if tag is not None:
            cls = _CLASSES[tag]
            names = _FIELD_NAMES[tag]
            vals = obj["v"]
            args = {}
            for name, v in zip(names, vals, strict=True):
                if isinstance(v, list):
                    v = tuple(_decode(x) for x in v)
                elif isinstance(v, dict):
                    v = _decode(v)
                elif name in _PATH_FIELDS and v is not None:
                    v = Path(v)
                args[name] = v
            return cls(**args)
        return {k: _decode(v) for k, v in obj.items()}
    return obj


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True, slots=True)
class LoadResult:
    """A deck, or the problems that kept it from loading."""

    path: Path
    deck: Deck | None
    problems: tuple[Problem, ...] = ()
    from_cache: bool = False

    @property
    def ok(self) -> bool:
        return self.deck is not None


class DeckCache:
    """The on-disk parse cache (see module docstring)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _entry(self, path: Path) -> Path | None:
        if self.folder is None:
            return None
        key = hashlib.sha256(str(path.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
        return self.folder / f"{key[:32]}.json"

    def get(self, path: Path, st: os.stat_result, digest: str) -> Deck | None:
        entry = self._entry(path)
        if entry is None:
            return None
        try:
            raw = json.loads(entry.read_bytes())
            if (raw.get("version") != CACHE_VERSION or raw.get("size") != st.st_size
                    or raw.get("mtime_ns") != st.st_mtime_ns or raw.get("sha256") != digest
                    or raw.get("path") != str(path.resolve())):
                return None
            deck = _decode(raw["deck"])
            return deck if isinstance(deck, Deck) else None
        except Exception:  # a corrupt or foreign cache entry is never trusted
            return None

    def put(self, path: Path, st: os.stat_result, digest: str, deck: Deck) -> None:
        entry = self._entry(path)
        if entry is None:
            return
        payload = {
            "version": CACHE_VERSION,
            "path": str(path.resolve()),
            "size": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "sha256": digest,
            "deck": _encode(deck),
        }
        tmp = None
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, entry)
            tmp = None
        except OSError:
            pass  # a cache that cannot be written only costs speed
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def load_deck(path: Path, cache: DeckCache | None = None, display_name: str | None = None
              ) -> LoadResult:
    """Load one deck file, through ``cache`` when given. Never raises for a bad deck."""
    name = display_name or str(path)
    try:
        st = path.stat()
        data = deckfile.read_bytes(path)
    except DeckError as e:
        return LoadResult(path, None, tuple(e.problems))
    except OSError as e:
        return LoadResult(path, None, (Problem(name, 0, 0, f"cannot read file: {e}"),))
    digest = hashlib.sha256(data).hexdigest() if cache is not None else ""
    if cache is not None:
        hit = cache.get(path, st, digest)
        if hit is not None:
            return LoadResult(path, hit, from_cache=True)
    try:
        deck = deckfile.parse_bytes(data, name, path)
    except DeckError as e:
        return LoadResult(path, None, tuple(e.problems))
    except RecursionError:  # pragma: no cover - defended by the nesting limit
        return LoadResult(path, None, (Problem(name, 1, 1, "file is nested too deeply"),))
    if cache is not None:
        cache.put(path, st, digest, deck)
    return LoadResult(path, deck)


def load_all(paths: Iterable[Path], cache: DeckCache | None = None) -> Iterator[LoadResult]:
    for p in find_deck_files(paths):
        yield load_deck(p, cache)
