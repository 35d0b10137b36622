"""An instructor's first draft: every problem in one run, in plain words with the fix and a
human location; nothing YAML changes silently goes unreported."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.cli import main
from quizapp.core import authoring, deckfile
from quizapp.core.deckfile import DeckError
from tests.helpers import VALID_DECK, examples

# A first draft with the mistakes instructors make (issue 17): each line is (what, where).
DRAFT = """\
format: 1
id: draft
title: Post-op problems
sources:
  bmj: {citation: "Thompson AT et al. BMJ Case Rep 2017"}
items:
  - id: fc-gt
    type: flashcard
    front: >5 mm is significant
    back: Yes
    source: bmj
  - id: fc-quote
    type: flashcard
    front: "Red" flags matter
    back: They do
    source: bmj
  - id: fc-star
    type: flashcard
    front: **Bold** start
    back: ok
    source: bmj
  - id: fc-bracket
    type: flashcard
    front: [Grade] 3 murmur
    back: ok
    source: bmj
  - id: fc-colon
    type: flashcard
    front: Note: see below
    back: ok
    source: bmj
  - id: fc-typo
    type: flashcard
    fronte: A misspelt key
    back: ok
    source: bmj
  - id: q-letter
    type: single
    stem: Which?
    options:
      - text: One
        explanation: because
      - text: Two
    answer: C
    source: nice
  - id: q-letter
    type: multi
    stem: Which ones?
    options:
      - text: One
      - text: Two
    answers: A
    source: bmj
  - id: case-no-title
    type: case
    stem: A man of 70.
    source: bmj
    stages:
      - id: day-1
        text: He is admitted.
      - id: day-2
        text: Next day.
        questions:
          - id: q1
            type: single
            stem: Next?
            options:
              - text: Wait
              - text: Act
            answer: b
"""


def _problems(text: str, name: str = "draft.yaml") -> list[str]:
    with pytest.raises(DeckError) as ei:
        deckfile.parse(text, name)
    return [str(p) for p in ei.value.problems]


def test_a_first_draft_gets_every_problem_in_one_run() -> None:
    got = _problems(DRAFT)
    joined = "\n".join(got)
    expected = [
        "draft.yaml:9:12: item 1 (fc-gt): text starting with > must be in quotes",
        "draft.yaml:14:12: item 2 (fc-quote): text that starts with a \" must end with it",
        "draft.yaml:19:12: item 3 (fc-star): text starting with * must be in quotes",
        "draft.yaml:24:12: item 4 (fc-bracket): text starting with [ must be in quotes",
        "draft.yaml:29:12: item 5 (fc-colon): ': ' inside text starts a new field",
        "draft.yaml:34:5: item 6 (fc-typo), fronte: unknown field 'fronte' in flashcard; "
        "did you mean 'front'?",
        "item 7 (q-letter), answer: answer 'C' is not one of the options (A-B)",
        "item 7 (q-letter), source: source 'nice' is not declared in sources (declared: bmj)",
        "draft.yaml:46:9: item 8 (q-letter), id: item id 'q-letter' is used twice (first at "
        "line 37); ids must be unique",
        "item 8 (q-letter), answers: expected a list of option letters, e.g. answers: [A, C]",
        "item 9 (case-no-title): missing required field 'title' in case; add a line "
        "'title: ...' (The case's title)",
        "item 9 (case-no-title), stage 1 (day-1): missing required field 'questions' in stage; "
        "add a list: 'questions:' and then one '- ...' line per entry",
        "item 9 (case-no-title), stage 2 (day-2), question 1 (q1), answer: 'b' is not an "
        "option letter (A-J); write the capital letter B",
    ]
    missing = [e for e in expected if e not in joined]
    assert not missing, joined
    assert "YAML syntax error" not in joined  # plain words for every trap


def test_an_unclosed_quote_hides_nothing_after_its_item() -> None:
    text = VALID_DECK.replace("front: Front", 'front: "Unclosed').replace(
        "answer: A\n", "answer: Z\n", 1)
    got = _problems(text, "d.yaml")
    assert "d.yaml:9:12: item 1 (fc1): the \" that starts this text is never closed" in got[0]
    assert any("item 2 (q1), answer: 'Z' is not an option letter" in g for g in got), got


def test_what_cannot_be_checked_is_said() -> None:
    got = _problems("format: 1\nid: x\n%YAML 1.1\ntitle: a\n")
    assert got and all(g.startswith("draft.yaml:") for g in got)


def warnings(text: str) -> list[str]:
    try:
        deck = deckfile.parse(text, "d.yaml")
    except DeckError:
        deck = None
    return [str(w) for w in authoring.deck_warnings(text, deck, "d.yaml")]


def test_comment_that_cuts_text_is_warned() -> None:
    ws = warnings(VALID_DECK.replace("front: Front", "front: She is admitted with a #NOF"))
    assert ws == ["d.yaml:9:35: warning: item 1 (fc1): ' #' starts a YAML comment, so the text "
                  "stops at 'She is admitted with a' and '#NOF' is left out; if that is part of "
                  "the text, put the whole text in quotes: front: \"She is admitted with a "
                  "#NOF\" (if it is a comment, put it on a line of its own)"]


def test_list_under_folded_block_is_warned() -> None:
    text = VALID_DECK.replace("    back: Back\n", "    back: >\n      Red flags:\n"
                              "      - age over 50\n      - fever\n")
    ws = warnings(text)
    assert ws == ["d.yaml:12:7: warning: item 1 (fc1): this line looks like a list item or a "
                  "table row, but '>' folds it into the line before; write '|' instead of '>' "
                  "after 'back:' to keep each line"]


def test_a_comment_after_an_id_is_not_a_warning() -> None:
    assert warnings(VALID_DECK.replace("id: fc1", "id: fc1  # the first card")) == []


def test_missing_explanations_warn_without_failing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    deck = tmp_path / "d.yaml"
    deck.write_text(VALID_DECK.replace("{text: Wrong, explanation: No}", "{text: Wrong}"),
                    encoding="utf-8")
    assert main(["validate", "--no-cache", str(deck)]) == 0
    out, err = capsys.readouterr()
    assert f"{deck}:12:5: warning: item 2 (q1): option B has no explanation" in out
    assert "1 valid" in err and "1 warning" in err


# Characters that mean something to YAML, and ordinary ones.
_TEXT = st.text(alphabet=st.sampled_from(list("ab c:#&*!|>-[]{}%@`,?~'\"")), min_size=1,
                max_size=12).map(str.strip).filter(lambda t: t and t[0] not in "\"'")


@settings(max_examples=examples(400), deadline=None)
@given(_TEXT, st.sampled_from(["front", "back"]))
def test_text_is_never_changed_silently(text: str, field: str) -> None:
    """Whatever an author types after 'front:' or 'back:', either the deck is refused, or a
    warning is given, or the student sees exactly what was typed."""
    source = VALID_DECK.replace(f"    {field}: {field.title()}\n", f"    {field}: {text}\n")
    try:
        deck = deckfile.parse(source, "d.yaml")
    except DeckError:
        return
    if authoring.deck_warnings(source, deck, "d.yaml"):
        return
    card = deck.items[0]
    assert getattr(card, field) == text
