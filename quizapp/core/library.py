"""Finding decks and loading them through a parse cache.

Where the bundled decks are is :func:`quizapp.core.paths.bundled_decks_dir`'s to say.

The parse cache keeps each successfully loaded deck as JSON in the user cache folder, keyed by
the file's path; an entry is used only when the file's size, modification time *and* SHA-256
all match and the entry was written by this version of quizapp. Anything else (stale, corrupt,
unreadable, written by another version) is ignored and the deck is parsed afresh. JSON rather
than pickle, so a tampered cache file can never run code. An entry is JSON Lines: a header
line, then one line per item, so that reading a large deck's entry on a worker thread never
holds Python's global lock (and freezes the window) for one long parse.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import quizapp
from quizapp.core.fileio import atomic_write

if TYPE_CHECKING:  # the model and the problem types are imported when a deck is loaded:
    # this module is imported at start-up (the resources folder), before any deck
    from quizapp.core.model import Case, Deck, Flashcard, Question, SourceLocation
    from quizapp.core.problems import Problem

DECK_SUFFIXES = (".yaml", ".yml")
# The second part changes whenever the checker's rules or the model do, so a deck an older
# checker passed is checked again (2: pictures in text found as md4c finds them, citations, SVGs,
# fullmatch; 3: reference sheets; 4: JSON Lines, one item a line).
CACHE_VERSION = f"{quizapp.__version__}/4"

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
# Positional JSON lists, one shape per model class: about five times faster to read back than a
# generic tagged encoding, which is what makes a cached load ten times faster than a parse.


def _p(v: Path | None) -> str | None:
    return None if v is None else str(v)


def _P(v: str | None) -> Path | None:
    return None if v is None else Path(v)


def _enc_loc(loc: SourceLocation | None) -> list[int] | None:
    return None if loc is None else [loc.line, loc.column]


def _enc_q(q: Question) -> list[Any]:
    return ["Q", q.id, q.kind, q.stem, [[o.text, o.correct, o.explanation] for o in q.options],
            q.explanation, q.objective, list(q.tags), list(q.sources), _p(q.image), q.image_alt,
            q.shuffle, _enc_loc(q.location)]


def _enc_item(it: Flashcard | Question | Case) -> list[Any]:
    from quizapp.core.model import Flashcard, Question

    if isinstance(it, Question):
        return _enc_q(it)
    if isinstance(it, Flashcard):
        return ["F", it.id, it.front, it.back, it.reversible, it.explanation, it.objective,
                list(it.tags), list(it.sources), _p(it.image), it.image_alt,
                _enc_loc(it.location)]
    stages = [[s.id, [_enc_q(q) for q in s.questions], s.title, s.text, _p(s.image),
               s.image_alt, _enc_loc(s.location)] for s in it.stages]
    return ["C", it.id, it.title, it.stem, stages, it.objective, list(it.tags),
            list(it.sources), _p(it.image), it.image_alt, _enc_loc(it.location)]


def encode_deck(deck: Deck) -> dict[str, Any]:
    """A deck as plain JSON data (see :func:`decode_deck`)."""
    file = next((it.location.file for it in deck.items if it.location), "")
    return {
        "meta": [deck.id, deck.title, deck.format, deck.description, list(deck.authors),
                 deck.version, deck.license, deck.language, _p(deck.path)],
        "file": file,
        "sources": [[s.key, s.citation, s.doi, s.url, s.note] for s in deck.sources.values()],
        "items": [_enc_item(it) for it in deck.items],
        "references": [[r.id, r.title, r.text, list(r.sources), _enc_loc(r.location)]
                       for r in deck.references],
    }


def decode_deck(data: dict[str, Any]) -> Deck:
    from quizapp.core.model import (
        Case,
        Deck,
        Flashcard,
        Option,
        Question,
        Reference,
        Source,
        SourceLocation,
        Stage,
    )

    file = data["file"]

    def loc(v: list[int] | None) -> SourceLocation | None:
        return None if v is None else SourceLocation(file, v[0], v[1])

    def q(v: list[Any]) -> Question:
        return Question(v[1], v[2], v[3], tuple(Option(*o) for o in v[4]), v[5], v[6],
                        tuple(v[7]), tuple(v[8]), _P(v[9]), v[10], v[11], loc(v[12]))

    items: list[Flashcard | Question | Case] = []
    for v in data["items"]:
        k = v[0]
        if k == "Q":
            items.append(q(v))
        elif k == "F":
            items.append(Flashcard(v[1], v[2], v[3], v[4], v[5], v[6], tuple(v[7]),
                                   tuple(v[8]), _P(v[9]), v[10], loc(v[11])))
        elif k == "C":
            stages = tuple(Stage(s[0], tuple(q(x) for x in s[1]), s[2], s[3], _P(s[4]), s[5],
                                 loc(s[6])) for s in v[4])
            items.append(Case(v[1], v[2], v[3], stages, v[5], tuple(v[6]), tuple(v[7]),
                              _P(v[8]), v[9], loc(v[10])))
        else:
            raise ValueError(f"unknown item code {k!r}")
    m = data["meta"]
    return Deck(id=m[0], title=m[1], format=m[2], description=m[3], authors=tuple(m[4]),
                version=m[5], license=m[6], language=m[7], path=_P(m[8]),
                sources={s[0]: Source(*s) for s in data["sources"]}, items=tuple(items),
                references=tuple(Reference(r[0], r[1], r[2], tuple(r[3]), loc(r[4]))
                                 for r in data.get("references", ())))


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
        import hashlib  # (hashlib and json are imported on use: not needed at start-up)

        key = hashlib.sha256(str(path.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
        return self.folder / f"{key[:32]}.json"

    def get(self, path: Path, st: os.stat_result, digest: str) -> Deck | None:
        entry = self._entry(path)
        if entry is None:
            return None
        import json

        try:
            lines = entry.read_bytes().split(b"\n")
            raw = json.loads(lines[0])
            if (raw.get("version") != CACHE_VERSION or raw.get("size") != st.st_size
                    or raw.get("mtime_ns") != st.st_mtime_ns or raw.get("sha256") != digest
                    or raw.get("path") != str(path.resolve())):
                return None
            n = raw["items"]
            if len(lines) != n + 2 or lines[-1]:  # header, n items, the end of the last line
                return None
            deck = raw["deck"]
            deck["items"] = [json.loads(line) for line in lines[1:-1]]  # item by item
            return decode_deck(deck)
        except Exception:  # a corrupt or foreign cache entry is never trusted
            return None

    def put(self, path: Path, st: os.stat_result, digest: str, deck: Deck) -> None:
        entry = self._entry(path)
        if entry is None:
            return
        import json

        encoded = encode_deck(deck)
        items = encoded.pop("items")
        header = {
            "version": CACHE_VERSION,
            "path": str(path.resolve()),
            "size": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "sha256": digest,
            "deck": encoded,
            "items": len(items),
        }
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            lines = (json.dumps(record, ensure_ascii=False, separators=(",", ":"))
                     for record in (header, *items))  # one line each (JSON escapes newlines)
            atomic_write(entry, "".join(line + "\n" for line in lines).encode("utf-8"))
        except OSError:
            pass  # a cache that cannot be written only costs speed


def load_deck(path: Path, cache: DeckCache | None = None, display_name: str | None = None
              ) -> LoadResult:
    """Load one deck file, through ``cache`` when given. Never raises for a bad deck."""
    from quizapp.core.problems import DeckError, Problem, read_bytes

    name = display_name or str(path)
    try:
        st = path.stat()
        data = read_bytes(path)
    except DeckError as e:
        return LoadResult(path, None, tuple(e.problems))
    except OSError as e:
        return LoadResult(path, None, (Problem(name, 0, 0, f"cannot read file: {e}"),))
    import hashlib

    digest = hashlib.sha256(data).hexdigest() if cache is not None else ""
    if cache is not None:
        hit = cache.get(path, st, digest)
        if hit is not None:
            return LoadResult(path, hit, from_cache=True)
    from quizapp.core import deckfile  # PyYAML only when a deck must really be parsed

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
