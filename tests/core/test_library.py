"""Deck discovery and the parse cache: used only when fresh, never trusted when stale or bad."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core.library import DeckCache, find_deck_files, load_deck
from quizapp.core.paths import bundled_decks_dir
from tests.helpers import VALID_DECK


def _write(p: Path, text: str) -> Path:
    p.write_text(text, encoding="utf-8")
    return p


def test_cache_hit_gives_equal_deck(tmp_path: Path) -> None:
    deck_path = _write(tmp_path / "d.yaml", VALID_DECK)
    cache = DeckCache(tmp_path / "cache")
    first = load_deck(deck_path, cache)
    second = load_deck(deck_path, cache)
    assert first.ok and not first.from_cache
    assert second.from_cache and second.deck == first.deck
    assert second.deck is not None and second.deck.path == deck_path


def test_edited_file_is_reparsed(tmp_path: Path) -> None:
    deck_path = _write(tmp_path / "d.yaml", VALID_DECK)
    cache = DeckCache(tmp_path / "cache")
    load_deck(deck_path, cache)
    _write(deck_path, VALID_DECK.replace("Back", "Changed"))
    r = load_deck(deck_path, cache)
    assert not r.from_cache and r.deck is not None and r.deck.items[0].back == "Changed"  # type: ignore[union-attr]


def test_same_size_and_mtime_but_new_content_is_caught_by_hash(tmp_path: Path) -> None:
    deck_path = _write(tmp_path / "d.yaml", VALID_DECK)
    cache = DeckCache(tmp_path / "cache")
    load_deck(deck_path, cache)
    st = deck_path.stat()
    _write(deck_path, VALID_DECK.replace("Back", "Bock"))
    os.utime(deck_path, ns=(st.st_atime_ns, st.st_mtime_ns))
    r = load_deck(deck_path, cache)
    assert not r.from_cache and r.deck.items[0].back == "Bock"  # type: ignore[union-attr]


def test_corrupt_cache_entry_is_ignored(tmp_path: Path) -> None:
    deck_path = _write(tmp_path / "d.yaml", VALID_DECK)
    cache = DeckCache(tmp_path / "cache")
    load_deck(deck_path, cache)
    for entry in (tmp_path / "cache").iterdir():
        entry.write_bytes(b'{"version": "x", garbage')
    r = load_deck(deck_path, cache)
    assert r.ok and not r.from_cache
    assert load_deck(deck_path, cache).from_cache  # rewritten after the miss


def test_bad_deck_is_not_cached_and_reports_problems(tmp_path: Path) -> None:
    deck_path = _write(tmp_path / "d.yaml", VALID_DECK.replace("answer: A", "answer: Q"))
    cache = DeckCache(tmp_path / "cache")
    r = load_deck(deck_path, cache)
    assert not r.ok and r.problems and "Q" in r.problems[0].message
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_unwritable_cache_folder_still_loads(tmp_path: Path) -> None:
    deck_path = _write(tmp_path / "d.yaml", VALID_DECK)
    blocker = _write(tmp_path / "not-a-dir", "x")
    r = load_deck(deck_path, DeckCache(blocker / "cache"))
    assert r.ok


def test_missing_file_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    r = load_deck(tmp_path / "nope.yaml", None)
    assert not r.ok and "cannot read file" in r.problems[0].message


def test_find_deck_files_expands_folders(tmp_path: Path) -> None:
    _write(tmp_path / "a.yaml", VALID_DECK)
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "sub" / "b.YML", VALID_DECK)
    _write(tmp_path / "notes.txt", "x")
    assert [p.name for p in find_deck_files([tmp_path])] == ["a.yaml", "b.YML"]


def test_bundled_decks_found() -> None:
    names = {p.name for p in find_deck_files([bundled_decks_dir()])}
    assert "asps-essentials.yaml" in names


@pytest.mark.parametrize("mutation", [
    ("    back: Back\n", "    back: Back\n    back: Again\n"),  # duplicate key
    ("    back: Back\n", "    <<: {back: Back}\n"),  # merge key
    ("type: flashcard", "type: flashcrd"),  # unknown type
    ("answer: A", "answer: F"),  # not an option
    ("front: Front", "front: [unclosed"),  # syntax error
    ("format: 1", "format: 99"),  # newer format
    ("id: test-deck", "id: test-deck\nid: again"),  # duplicate key at the top
])
def test_loading_a_bad_deck_leaves_no_reference_cycles(tmp_path: Path,
                                                       mutation: tuple[str, str]) -> None:
    """The GUI parses decks on a worker thread with the cyclic GC running as usual (it used to
    pause it, and a collection later, inside Qt's deleteLater, froze the app): parsing must
    create no cyclic garbage, good deck or bad, so loading leaves nothing for a collection to
    free, on any thread."""
    deck = tmp_path / "d.yaml"
    deck.write_text(VALID_DECK.replace(*mutation, 1), encoding="utf-8")
    cache = DeckCache(tmp_path / "cache")
    gc.collect()
    gc.disable()
    try:
        result = load_deck(deck, cache)
        again = load_deck(deck, cache)
        garbage = gc.collect()
    finally:
        gc.enable()
    assert result.deck is None and result.problems and again.problems
    assert garbage == 0


def _cached_deck(tmp_path: Path, items: int) -> tuple[Path, DeckCache, bytes]:
    from tests.benchmarks.gen import write_deck

    deck_path = write_deck(tmp_path / "decks", items)
    cache = DeckCache(tmp_path / "cache")
    assert load_deck(deck_path, cache).ok
    (entry,) = (tmp_path / "cache").iterdir()
    return deck_path, cache, entry.read_bytes()


def test_a_cache_entry_holds_one_item_a_line(tmp_path: Path) -> None:
    """So that reading a large deck's entry never holds the interpreter's lock for one long
    parse (the window would freeze while a worker thread reads it)."""
    import json

    deck_path, cache, data = _cached_deck(tmp_path, 40)
    lines = data.split(b"\n")
    assert json.loads(lines[0])["items"] == 40 and len(lines) == 42 and lines[-1] == b""
    assert all(isinstance(json.loads(line), list) for line in lines[1:-1])
    hit = load_deck(deck_path, cache)
    assert hit.from_cache and hit.deck == load_deck(deck_path, None).deck


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=10**9), drop=st.booleans())
def test_a_damaged_cache_entry_is_never_trusted(tmp_path: Path, cut: int, drop: bool) -> None:
    """A cache entry cut short anywhere, or missing a line, gives the deck parsed afresh,
    never a deck with items missing."""
    deck_path, cache, data = _cached_deck(tmp_path / str(cut) / str(drop), 12)
    (entry,) = (tmp_path / str(cut) / str(drop) / "cache").iterdir()
    lines = data.split(b"\n")
    if drop:
        del lines[1 + cut % 12]  # one item line lost
        entry.write_bytes(b"\n".join(lines))
    else:
        entry.write_bytes(data[: cut % len(data)])  # cut anywhere before the end
    r = load_deck(deck_path, cache)
    assert r.ok and not r.from_cache
    assert r.deck == load_deck(deck_path, None).deck
