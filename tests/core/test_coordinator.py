"""The window's rules without Qt (quizapp.core.coordinator): which files load and in what
order, one deck per id, loading that reports and can be cancelled, the session lifecycle."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.core.coordinator import (
    Coordinator,
    DeckRegistry,
    LoadCancelledError,
    deck_files,
    load_decks,
)
from quizapp.core.library import find_deck_files
from quizapp.core.paths import bundled_decks_dir
from quizapp.core.session import SessionError, SessionSettings
from quizapp.core.store import Store
from tests.helpers import VALID_DECK


def _deck(folder: Path, name: str, text: str = VALID_DECK) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


def test_deck_files_bundled_then_users_then_opened_each_once(tmp_path: Path) -> None:
    user = _deck(tmp_path / "data" / "decks", "mine.yaml")
    opened = _deck(tmp_path / "elsewhere", "opened.yaml")
    gone = tmp_path / "elsewhere" / "deleted.yaml"
    files = deck_files(tmp_path / "data", [opened, gone, user], [opened])
    bundled = find_deck_files([bundled_decks_dir()])
    assert files == [*bundled, user, opened]


def test_a_second_file_with_the_same_deck_id_is_refused_with_its_owner(tmp_path: Path) -> None:
    first, second = _deck(tmp_path, "a.yaml"), _deck(tmp_path, "b.yaml")
    registry = DeckRegistry()
    registry.add(load_decks([first, second]))
    assert list(registry.decks()) != [] and len(registry.decks()) == 1
    refused = registry.results[str(second)]
    assert refused.deck is None
    assert f"is already used by {first}" in refused.problems[0].message
    rows = registry.rows(Store.open(tmp_path / "store"))
    assert [r.path for r, _ in rows] == [first, second]  # decks first, then problems
    assert rows[0][1]["items"] and rows[1][1] == {}


def test_loading_reports_each_file_and_stops_when_cancelled(tmp_path: Path) -> None:
    paths = [_deck(tmp_path, f"{i}.yaml", VALID_DECK.replace("id: ", f"id: d{i}", 1))
             for i in range(3)]
    seen: list[tuple[int, int, str]] = []
    results = load_decks(paths, report=lambda i, n, name: seen.append((i, n, name)))
    assert [r.path for r in results] == paths
    assert seen == [(0, 3, "0.yaml"), (1, 3, "1.yaml"), (2, 3, "2.yaml")]
    with pytest.raises(LoadCancelledError) as cancelled:
        load_decks(paths, report=lambda i, n, name: None, cancelled=lambda: len(seen) > 3
                   or bool(seen.append((9, 9, ""))))
    assert len(cancelled.value.results) == 1


def test_session_lifecycle_due_retry_resume(tmp_path: Path) -> None:
    registry = DeckRegistry()
    registry.add(load_decks([_deck(tmp_path, "a.yaml")]))
    deck = next(iter(registry.decks().values()))
    with Store.open(tmp_path / "store") as store:
        flow = Coordinator(store, registry)
        assert flow.pending_summary() is None and flow.resume() is None
        due = flow.due_session([deck], confidence=False)
        assert due is not None and due.settings.mode == "tutor" and len(due) > 0
        every = SessionSettings(deck_ids=(deck.id,), selection="all", limit=0)
        assert flow.count(every) == len(flow.new_session(every)) > 0
        with pytest.raises(SessionError):
            flow.new_session(SessionSettings(deck_ids=("no-such-deck",), selection="all"))
        assert flow.retry_session() is None  # nothing shown yet


def test_a_large_deck_is_parsed_apart_and_read_from_the_cache(  # type: ignore[no-untyped-def]
        tmp_path: Path, monkeypatch) -> None:
    """The YAML parser holds Python's global lock for the whole file, so a large deck is
    parsed in a child process (the GUI thread keeps running) and read from the parse cache;
    the deck is the one an ordinary load gives, and a deck with problems still reports them."""
    from quizapp.core import coordinator
    from quizapp.core.library import DeckCache

    monkeypatch.setattr(coordinator, "PARSE_APART_BYTES", 0)
    good = _deck(tmp_path, "good.yaml")
    bad = _deck(tmp_path, "bad.yaml", VALID_DECK.replace("id: test-deck", "id: [", 1))
    cache = DeckCache(tmp_path / "cache")
    apart_good, apart_bad = load_decks([good, bad], cache, apart=True)
    assert apart_good.from_cache and apart_good.deck == load_decks([good])[0].deck
    assert apart_bad.deck is None and apart_bad.problems == load_decks([bad])[0].problems


def test_the_daily_queue_keeps_its_name_through_a_restart(tmp_path: Path) -> None:
    """Ctrl+D's queue is a "Daily review" (cards and questions mixed), not a "Tutor quiz": in
    the resume offer, after resuming, and in its summary."""
    registry = DeckRegistry()
    registry.add(load_decks([_deck(tmp_path, "a.yaml")]))
    deck = next(iter(registry.decks().values()))
    with Store.open(tmp_path / "store") as store:
        flow = Coordinator(store, registry)
        due = flow.due_session([deck], confidence=False)
        assert due is not None and due.settings.label == "Daily review"
        due.start()
        assert (flow.pending_summary() or "").startswith("unfinished daily review session")
        resumed = flow.resume()
        assert resumed is not None and resumed.settings.label == "Daily review"
        assert resumed.summary().label == "Daily review"
        built = flow.new_session(SessionSettings(deck_ids=(deck.id,), selection="all"))
        assert built.settings.label == "Tutor quiz" == built.summary().label
