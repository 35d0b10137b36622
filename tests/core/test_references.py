"""Reference sheets: loaded and checked like other text, cached, and filtered for the panel."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizapp.core import deckfile
from quizapp.core.authoring import deck_stats
from quizapp.core.library import DeckCache, decode_deck, encode_deck, load_deck
from quizapp.core.problems import DeckError
from quizapp.core.references import filter_text, sheet_views
from tests.helpers import VALID_DECK

TABLE = """\
| group | red flag |
|---|---|
| neurological | Saddle anaesthesia |
| systemic | Fever |
| systemic | Weight loss |
"""

SHEETS = """\
references:
  - id: table-1
    title: "Table 1: red flags"
    source: src
    text: |
      | group | red flag |
      |---|---|
      | neurological | Saddle anaesthesia |
      | systemic | Fever |
  - id: notes
    title: What they suggest
    text: |
      - **Fever**: spinal infection
      - Weight loss: cancer
"""


def deck_with(extra: str, defaults: str = "") -> str:
    return VALID_DECK.replace("items:\n", defaults + extra + "items:\n", 1)


def problems(text: str) -> list[str]:
    with pytest.raises(DeckError) as e:
        deckfile.parse(text, "d.yaml")
    return [str(p) for p in e.value.problems]


def test_sheets_load_with_their_sources() -> None:
    deck = deckfile.parse(deck_with(SHEETS, "defaults:\n  source: src\n"), "d.yaml")
    assert [r.id for r in deck.references] == ["table-1", "notes"]
    t1 = deck.references[0]
    assert t1.title == "Table 1: red flags" and "| systemic | Fever |" in t1.text
    assert t1.sources == ("src",) and t1.location is not None and t1.location.line > 1
    assert deck.references[1].sources == ("src",)  # from defaults.source


def test_a_deck_without_sheets_is_unchanged() -> None:
    assert deckfile.parse(VALID_DECK, "d.yaml").references == ()


def test_sheet_needs_a_declared_source() -> None:
    out = problems(deck_with(SHEETS))
    assert any("reference 2 (notes)" in p and "missing 'source'" in p for p in out), out
    out = problems(deck_with(SHEETS.replace("source: src", "source: srcc")))
    assert any(p.startswith("d.yaml:") and "reference 1 (table-1), source" in p
               and "source 'srcc' is not declared" in p and "did you mean 'src'" in p
               for p in out), out


def test_sheet_text_follows_the_markdown_rules() -> None:
    bad = SHEETS.replace("| systemic | Fever |", "| systemic | <b>Fever</b> |")
    out = problems(deck_with(bad, "defaults:\n  source: src\n"))
    assert any("reference 1 (table-1), text" in p and "raw HTML is not allowed" in p
               for p in out), out
    img = SHEETS.replace("| systemic | Fever |", "| x | ![a](http://e.com/a.png) |")
    out = problems(deck_with(img, "defaults:\n  source: src\n"))
    assert any("images inside text are not allowed" in p for p in out), out
    long = SHEETS.replace('"Table 1: red flags"', "T" * 201)
    out = problems(deck_with(long, "defaults:\n  source: src\n"))
    assert any("reference 1 (table-1), title" in p and "too long" in p for p in out), out


def test_sheet_ids_unique_fields_closed() -> None:
    dup = SHEETS.replace("id: notes", "id: table-1")
    out = problems(deck_with(dup, "defaults:\n  source: src\n"))
    assert any("reference sheet id 'table-1' is used twice" in p for p in out), out
    typo = SHEETS.replace("    title: What", "    titel: What")
    out = problems(deck_with(typo, "defaults:\n  source: src\n"))
    assert any("unknown field 'titel' in reference sheet; did you mean 'title'?" in p
               for p in out), out
    assert any("missing required field 'title' in reference sheet" in p for p in out), out


def test_sheets_survive_the_parse_cache(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(deck_with(SHEETS, "defaults:\n  source: src\n"), encoding="utf-8")
    cache = DeckCache(tmp_path / "cache")
    first = load_deck(path, cache)
    again = load_deck(path, cache)
    assert again.from_cache and again.deck is not None and first.deck is not None
    assert again.deck.references == first.deck.references
    assert decode_deck(encode_deck(first.deck)).references == first.deck.references


def test_a_source_cited_only_by_a_sheet_is_not_unused() -> None:
    text = deck_with(SHEETS.replace("source: src", "source: table"),
                     "defaults:\n  source: src\n").replace(
        "  src: {citation: A source}\n",
        "  src: {citation: A source}\n  table: {citation: The table's source}\n")
    assert deck_stats(deckfile.parse(text, "d.yaml")).unused_sources == []


# --------------------------------------------------------------------------- filtering


def test_filter_keeps_table_header_and_matching_rows() -> None:
    out = filter_text(TABLE, "fever")
    assert out == "| group | red flag |\n|---|---|\n| systemic | Fever |"
    assert filter_text(TABLE, "SYSTEMIC loss") == (
        "| group | red flag |\n|---|---|\n| systemic | Weight loss |")
    assert filter_text(TABLE, "tuberculosis") is None
    assert filter_text(TABLE, "  ") == TABLE


def test_filter_keeps_matching_list_entries_and_paragraphs() -> None:
    text = ("Intro paragraph about flags.\n\n"
            "- **Fever**: infection\n  (discitis)\n- Weight: cancer\n")
    assert filter_text(text, "discitis") == "- **Fever**: infection\n  (discitis)"
    assert filter_text(text, "fever") == "- **Fever**: infection\n  (discitis)"  # ** ignored
    assert filter_text(text, "intro") == "Intro paragraph about flags."


def test_sheet_views_title_match_shows_whole_sheet() -> None:
    deck = deckfile.parse(deck_with(SHEETS, "defaults:\n  source: src\n"), "d.yaml")
    assert [(v.title, v.whole) for v in sheet_views([deck])] == [
        ("Table 1: red flags", True), ("What they suggest", True)]
    views = sheet_views([deck], "table 1")
    assert [(v.title, v.whole) for v in views] == [("Table 1: red flags", True)]
    views = sheet_views([deck], "fever")
    assert [(v.title, v.whole) for v in views] == [("Table 1: red flags", False),
                                                   ("What they suggest", False)]
    assert "Saddle" not in views[0].text and "Weight" not in views[1].text


_cell = st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd"), max_codepoint=0x7F),
                min_size=1, max_size=8)


@given(rows=st.lists(st.tuples(_cell, _cell), min_size=1, max_size=8), query=_cell)
def test_filtered_table_is_the_header_plus_exactly_the_matching_rows(
        rows: list[tuple[str, str]], query: str) -> None:
    lines = ["| a | b |", "|---|---|"] + [f"| {x} | {y} |" for x, y in rows]
    out = filter_text("\n".join(lines), query)
    expect = [ln for ln in lines[2:] if query.lower() in ln.lower()]
    if not expect:
        assert out is None
    else:
        assert out is not None and out.splitlines() == lines[:2] + expect
