"""The hot state (``state.json``) of score-store format 2: compact (its units as columns,
each unit's undo entries as a JSON text: format 4), cheap to check, the ones before it
(formats 3 and 2) still read, and every damage rule kept: a damaged hot state is set aside and
rebuilt from the history."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core.model import StudyUnit
from quizapp.core.progress.history_store import HistoryStore
from quizapp.core.progress.hotstate import ANSWER_KEYS, CARD_KEYS, STATE_FORMAT, UNIT_COLUMNS
from tests.core.test_history_store import T0, Tick, answer, view

UNITS = [StudyUnit("deck", f"i{i}") for i in range(40)]


def _history(folder: Path) -> list[Any]:
    clock = Tick()
    with HistoryStore.open(folder, clock=clock) as s:
        for round_ in range(3):
            for i, u in enumerate(UNITS):
                answer(s, u, correct=(i + round_) % 3 != 0)
        s.set_flagged(UNITS[1])
        s.undo_last(UNITS[2])
        return view(s, UNITS)


def _version_2(doc: dict[str, Any]) -> dict[str, Any]:
    """The same hot state as format 2 wrote it: one object per unit, cards and answers whole."""
    cols = doc["units"]
    units = {}
    for i, key in enumerate(cols["key"]):
        row = {name: cols[name][i] for name in UNIT_COLUMNS}

        def card(c: Any) -> Any:
            return dict(zip(CARD_KEYS, c, strict=True)) if isinstance(c, list) else c

        units[key] = {
            "fsrs": card(row["card"]), "flagged": row["flagged"],
            "last_correct": row["last_correct"], "last_seen": row["last_seen"],
            "updated": row["updated"], "last": row["last"], "base": row["base"],
            "sets": row["sets"] or {}, "n": row["n"], "ok": row["ok"],
            "undo": [{"attempt": rec[0], "fsrs": card(c), "last_correct": lc, "last_seen": ls,
                      "last": last,
                      "rec": {"t": "answer", "unit": key,
                              **dict(zip(ANSWER_KEYS, rec, strict=True))}}
                     for rec, c, lc, ls, last in json.loads(row["undo"] or "[]")],
        }
    return {**doc, "format": 2, "units": units}


def _version_3(doc: dict[str, Any]) -> dict[str, Any]:
    """The same hot state as format 3 wrote it: each unit's undo entries as JSON, not a text."""
    undo = [None if u is None else json.loads(u) for u in doc["units"]["undo"]]
    return {**doc, "format": 3, "units": {**doc["units"], "undo": undo}}


def test_the_hot_state_is_compact_and_read_back_the_same(tmp_path: Path) -> None:
    want = _history(tmp_path)
    raw = (tmp_path / "state.json").read_bytes()
    doc = json.loads(raw)
    assert doc["format"] == STATE_FORMAT == 4 and set(doc["units"]) == set(UNIT_COLUMNS)
    assert all(u is None or type(u) is str for u in doc["units"]["undo"])
    # each unit: a card, one undo entry (the answer and the card before it), counts: the
    # former one-object-per-unit form took about 1 KB per unit
    assert len(raw) / len(UNITS) < 600
    with HistoryStore.open(tmp_path, clock=Tick()) as s:
        assert view(s, UNITS) == want and s.is_flagged(UNITS[1])
        assert not s.warnings
        s.undo_last(UNITS[5])  # the kept undo entry, read back from its compact form
        assert s.state(UNITS[5]).attempts == 2


@pytest.mark.parametrize("older", [_version_2, _version_3])
def test_a_hot_state_of_an_older_format_is_still_read(tmp_path: Path, older: Any) -> None:
    want = _history(tmp_path)
    doc = json.loads((tmp_path / "state.json").read_bytes())
    (tmp_path / "state.json").write_text(json.dumps(older(doc)))
    with HistoryStore.open(tmp_path, clock=Tick()) as s:
        assert view(s, UNITS) == want and s.is_flagged(UNITS[1])
        assert not s.warnings  # read, not rebuilt
        s.undo_last(UNITS[5])
        assert s.state(UNITS[5]).attempts == 2
    assert json.loads((tmp_path / "state.json").read_bytes())["format"] == STATE_FORMAT


def _set(doc: dict[str, Any], column: str, value: Any) -> None:
    doc["units"][column][3] = value


DAMAGE = [
    ("n", -1), ("ok", 99), ("flagged", 1), ("last_correct", "yes"),
    ("last_seen", "2026-13-01T00:00:00.000Z"), ("updated", "yesterday"),
    ("last", ["2026-03-01T00:00:00.000Z"]), ("base", [[1, 2], "now"]),
    ("sets", {"flagged": [[1, 0, "x"], "yes"]}), ("key", "not a unit key"),
    ("card", [1, 7, 0, 1.0, 5.0, "2026-03-01T00:00:00+00:00", None]),
    ("card", [1, 2, None, float("nan"), 5.0, "2026-03-01T00:00:00+00:00", None]),
    ("card", [1, 2, None, 3.0, 11.0, "2026-03-01T00:00:00+00:00", None]),
    ("card", [1, 1, 0, None, None, "2026-02-30T00:00:00+00:00", None]),
    ("card", [1, 1, 0, None, None]), ("card", {"state": 2}),
]
#: Damaged undo entries: checked when first used, not when the hot state is read.
UNDO_DAMAGE = [
    [[["x" * 32, "2026-03-01T00:00:00.000Z", 3, True, 1.0, None, "tutor", 1, ["A"],
       None], None, None, None, None]],
    [[{"t": "answer", "unit": "deck::other"}, None, None, None, None]],
    "not a list",
    [[["0" * 32, "2026-03-01T00:00:00.000Z", 3, True, 1.0, None, "tutor", 1, ["A"], None],
      [1, 7, 0, 1.0, 5.0, "2026-03-01T00:00:00+00:00", None], None, None, None]],
    [[["0" * 32, "not a time", 3, True, 1.0, None, "tutor", 1, ["A"], None],
      None, None, None, None]],
]


#: where the damaged entry is: in format 4's JSON text of the unit's entries, in a text that
#: is no JSON at all, or in a format-3 file (the entries as JSON in the file)
FORMS = ["text", "not json", "format 3"]


def _damaged_undo(tmp_path: Path, value: Any, form: str = "text") -> list[Any]:
    want = _history(tmp_path)
    doc = json.loads((tmp_path / "state.json").read_bytes())
    i = doc["units"]["key"].index(UNITS[3].key)
    assert doc["units"]["undo"][i]  # it holds one
    if form == "format 3":
        doc = _version_3(doc)
        doc["units"]["undo"][i] = value
    else:
        doc["units"]["undo"][i] = json.dumps(value) if form == "text" else "[[[\"0000"
    (tmp_path / "state.json").write_text(json.dumps(doc))
    return want


def _later() -> Tick:
    return Tick(T0 + timedelta(days=1))


def _undo_damage_said(warnings: Any) -> bool:
    return any("undo entry of 'deck::i3' was damaged" in w and "from the history" in w
               for w in warnings)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("value", UNDO_DAMAGE)
def test_a_damaged_undo_entry_found_at_an_undo_is_damage_and_read_from_the_history(
        tmp_path: Path, value: Any, form: str) -> None:
    want = _damaged_undo(tmp_path, value, form)
    with HistoryStore.open(tmp_path, clock=_later()) as s:
        assert view(s, UNITS) == want and s.is_flagged(UNITS[1])
        assert not s.warnings  # the hot state is used: its undo column is checked at use
        undone = s.undo_last(UNITS[3])
        assert undone is not None and s.state(UNITS[3]).attempts == 2
        assert _undo_damage_said(s.warnings), s.warnings
        s.undo_last(UNITS[3])  # and the one before: from the history too
        assert s.state(UNITS[3]).attempts == 1
        after = view(s, UNITS)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("state.corrupt")]
    with HistoryStore.open(tmp_path, clock=_later()) as s:
        assert view(s, UNITS) == after


@pytest.mark.parametrize("value", [v for v in UNDO_DAMAGE if type(v) is not str])
def test_a_damaged_undo_entry_of_format_3_found_at_a_save_is_damage(tmp_path: Path,
                                                                     value: Any) -> None:
    want = _damaged_undo(tmp_path, value, "format 3")
    with HistoryStore.open(tmp_path, clock=_later()) as s:
        answer(s, UNITS[7], correct=True)
    assert _undo_damage_said(s.warnings), s.warnings  # closing saved the hot state
    with HistoryStore.open(tmp_path, clock=_later()) as s:
        assert view(s, UNITS)[:7] == want[:7]
        assert s.state(UNITS[3]).attempts == 3
        s.undo_last(UNITS[3])  # the entry is gone: read from the history
        assert s.state(UNITS[3]).attempts == 2


@pytest.mark.parametrize("form", ["text", "not json"])
@pytest.mark.parametrize("value", UNDO_DAMAGE)
def test_an_undo_text_not_read_is_saved_as_it_was_and_its_damage_found_at_use(
        tmp_path: Path, value: Any, form: str) -> None:
    """A save does not read the units' undo texts (every start and close would parse them
    all): one never used is written back as it was, and its damage is found when used."""
    want = _damaged_undo(tmp_path, value, form)
    i = [u.key for u in UNITS].index(UNITS[3].key)
    before = json.loads((tmp_path / "state.json").read_bytes())["units"]
    with HistoryStore.open(tmp_path, clock=_later()) as s:
        answer(s, UNITS[7], correct=True)
    assert not s.warnings
    after = json.loads((tmp_path / "state.json").read_bytes())["units"]
    assert after["undo"][after["key"].index(UNITS[3].key)] == \
        before["undo"][before["key"].index(UNITS[3].key)]
    with HistoryStore.open(tmp_path, clock=_later()) as s:
        assert view(s, UNITS)[i] == want[i]
        s.undo_last(UNITS[3])
        assert _undo_damage_said(s.warnings), s.warnings
        assert s.state(UNITS[3]).attempts == 2  # read from the history


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("value", UNDO_DAMAGE)
def test_a_damaged_undo_entry_found_at_an_answer_is_damage(tmp_path: Path, value: Any,
                                                           form: str) -> None:
    _damaged_undo(tmp_path, value, form)
    with HistoryStore.open(tmp_path, clock=_later()) as s:
        answer(s, UNITS[3], correct=True)
        assert _undo_damage_said(s.warnings), s.warnings
        assert s.state(UNITS[3]).attempts == 4
        s.undo_last(UNITS[3])  # the new answer, kept in memory
        s.undo_last(UNITS[3])  # the damaged entry's answer: from the history
        assert s.state(UNITS[3]).attempts == 2


@pytest.mark.parametrize(("column", "value", "said"), [
    ("card", [1, 7, 0, 1.0, 5.0, "2026-03-01T00:00:00+00:00", None],
     ".card: impossible card id or state"),
    ("card", [1, 2, None, 3.0, 5.0, "2026-03-01", None], ".card.due: not a timestamp"),
    ("last", ["2026-03-01T00:00:00.000Z"], ".last: not [time, id]"),
    ("ok", 99, ": impossible counts"),
    ("base", [[1, 2], "now"], ": a clock stamp is a list"),
    ("sets", {"flagged": [[1, 0, "x"], "yes"]}, ".sets.flagged: not a setting"),
])
def test_the_damage_message_names_the_unit_and_its_field(tmp_path: Path, column: str,
                                                         value: Any, said: str) -> None:
    _history(tmp_path)
    doc = json.loads((tmp_path / "state.json").read_bytes())
    _set(doc, column, value)
    (tmp_path / "state.json").write_text(json.dumps(doc))
    with HistoryStore.open(tmp_path, clock=Tick()) as s:
        named = f"units[{doc['units']['key'][3]!r}]{said}"
        assert any(named in w for w in s.warnings), s.warnings


@pytest.mark.parametrize("column, value", DAMAGE)
def test_an_impossible_value_in_a_column_is_damage_and_rebuilt(
        tmp_path: Path, column: str, value: Any) -> None:
    want = _history(tmp_path)
    doc = json.loads((tmp_path / "state.json").read_bytes())
    _set(doc, column, value)
    damaged = json.dumps(doc).encode()
    (tmp_path / "state.json").write_bytes(damaged)
    with HistoryStore.open(tmp_path, clock=Tick()) as s:
        assert view(s, UNITS) == want and s.is_flagged(UNITS[1])
        assert any("was damaged" in w and "rebuilt from the history" in w
                   for w in s.warnings), s.warnings
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("state.corrupt")]
    assert [p.read_bytes() for p in aside] == [damaged]


@pytest.mark.parametrize("change", ["short column", "missing column", "extra column",
                                    "twice the same unit"])
def test_columns_that_do_not_line_up_are_damage(tmp_path: Path, change: str) -> None:
    want = _history(tmp_path)
    doc = json.loads((tmp_path / "state.json").read_bytes())
    units = doc["units"]
    if change == "short column":
        units["card"].pop()
    elif change == "missing column":
        del units["undo"]
    elif change == "extra column":
        units["extra"] = []
    else:
        units["key"][1] = units["key"][0]
    (tmp_path / "state.json").write_text(json.dumps(doc))
    with HistoryStore.open(tmp_path, clock=Tick()) as s:
        assert view(s, UNITS) == want
        assert any("was damaged" in w for w in s.warnings), s.warnings


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["answer", "wrong", "undo",
                                                                  "flag", "reopen"])),
                    max_size=40))
def test_any_history_reads_back_the_same_from_its_hot_state(
        tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[int, str]]) -> None:
    folder = tmp_path_factory.mktemp("h")
    clock = Tick()
    units = UNITS[:6]
    s = HistoryStore.open(folder, clock=clock)
    try:
        for i, op in ops:
            if op == "answer" or op == "wrong":
                answer(s, units[i], correct=op == "answer")
            elif op == "undo":
                s.undo_last(units[i])
            elif op == "flag":
                s.set_flagged(units[i], not s.is_flagged(units[i]))
            else:
                want = [*view(s, units), [s.is_flagged(u) for u in units]]
                s.close()
                s = HistoryStore.open(folder, clock=clock)
                assert [*view(s, units), [s.is_flagged(u) for u in units]] == want
                assert not s.warnings
    finally:
        s.close()


@settings(max_examples=300, deadline=None)
@given(y=st.integers(0, 9999), mo=st.integers(0, 13), d=st.integers(0, 32),
       h=st.integers(0, 25), mi=st.integers(0, 61), s=st.integers(0, 61), ms=st.integers(0, 999),
       sep=st.sampled_from("T t"), z=st.sampled_from("Zz+"))
def test_a_history_time_is_accepted_exactly_when_the_general_parser_accepts_it(
        y: int, mo: int, d: int, h: int, mi: int, s: int, ms: int, sep: str, z: str) -> None:
    """The quick check of quizapp's own time form (every history line holds one) agrees with
    :func:`parse_timestamp` (Feb 30, hour 24, ... are damage either way)."""
    from quizapp.core.progress.records import read_lines
    from quizapp.core.scheduling import parse_timestamp

    at = f"{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}.{ms:03}{z}"
    try:
        parse_timestamp(at)
        ok = True
    except ValueError:
        ok = False
    line = json.dumps({"t": "undo", "id": "a" * 32, "at": at}).encode() + b"\n"
    reading = read_lines(line, "f")
    assert (len(reading.records), len(reading.problems)) == ((1, 0) if ok else (0, 1))


def test_the_hot_state_version_is_its_own_the_store_and_its_exports_stay_format_2(
        tmp_path: Path) -> None:
    """Only state.json (a local cache) changed shape: an export, pending.json and
    aggregates.json still say format 2, so the quizapp before this one imports and reads them."""
    clock = Tick()
    with HistoryStore.open(tmp_path / "data", clock=clock) as s:
        answer(s)
        s.export_json(tmp_path / "out.jsonl")
    head = json.loads((tmp_path / "out.jsonl").read_text().splitlines()[0])
    assert head["quizapp_progress"] == 2
    assert json.loads((tmp_path / "data" / "aggregates.json").read_bytes())["format"] == 2
    assert json.loads((tmp_path / "data" / "state.json").read_bytes())["format"] == STATE_FORMAT
    with HistoryStore.open(tmp_path / "other", clock=clock) as s:
        plan = s.plan_import(tmp_path / "out.jsonl")
        assert plan.attempts_added == 1


_NUMBERS = st.one_of(st.none(), st.booleans(), st.integers(-5, 2**54), st.floats(),
                     st.text(max_size=3))


@settings(max_examples=300, deadline=None)
@given(wall=_NUMBERS, counter=_NUMBERS, device=st.one_of(st.sampled_from(["a1", "dev-2", "-x", ""]),
                                                         st.integers(0, 3)))
def test_a_clock_stamp_is_taken_exactly_when_every_part_is_possible(
        wall: Any, counter: Any, device: Any) -> None:
    from quizapp.core.progress.hlc import MAX_WALL_MS, parse_stamp

    def whole(n: Any) -> bool:
        return isinstance(n, int) and not isinstance(n, bool) and 0 <= n < MAX_WALL_MS

    ok = whole(wall) and whole(counter) and device in ("a1", "dev-2")
    try:
        got = parse_stamp([wall, counter, device])
    except ValueError as exc:
        assert not ok and "clock stamp" in str(exc)
    else:
        assert ok and tuple(got) == (wall, counter, device)


@settings(max_examples=300, deadline=None)
@given(stability=_NUMBERS, difficulty=_NUMBERS)
def test_a_card_is_taken_exactly_when_stability_and_difficulty_are_possible(
        stability: Any, difficulty: Any) -> None:
    from quizapp.core.progress.hotstate import _card

    def within(v: Any, low: float, high: float) -> bool:
        return type(v) in (int, float) and low <= v <= high

    ok = within(stability, 1e-9, 1e15) and within(difficulty, 1.0, 10.0)
    value = [1, 2, None, stability, difficulty, "2026-03-01T00:00:00+00:00", None]
    try:
        card, _due = _card(value, "units['k'].card")
    except ValueError as exc:
        assert not ok and "units['k'].card" in str(exc)
    else:
        assert ok and card["stability"] == stability and card["difficulty"] == difficulty
