"""Instructor tools: ``quizapp new``, readable YAML output, ``quizapp validate --stats``."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
import yaml

from quizapp.cli import main
from quizapp.core import authoring, deckfile
from quizapp.core.authoring import FlowList
from tests.conftest import DECKS, ROOT
from tests.helpers import VALID_DECK


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- ids and names


@pytest.mark.parametrize(("text", "slug"), [
    ("Red flags: Q3", "red-flags-q3"), ("  Café au lait  ", "cafe-au-lait"), ("***", ""),
    ("a" * 100, "a" * 60), ("x.y_z", "x.y_z"), ("--lead", "lead"),
])
def test_slugify(text: str, slug: str) -> None:
    assert authoring.slugify(text) == slug


def test_id_allocator_deduplicates() -> None:
    ids = authoring.IdAllocator()
    assert [ids.take(x) for x in ("a", "a", "b", "a", "a-2")] == ["a", "a-2", "b", "a-3", "a-2-2"]


def test_short_hash_ignores_whitespace_differences() -> None:
    assert authoring.short_hash("a  b\n c") == authoring.short_hash("a b c")
    assert len(authoring.short_hash("x")) == 8


def test_deck_id_avoids_bundled_ids(tmp_path: Path) -> None:
    assert authoring.deck_id_for(tmp_path / "My Deck.yaml") == "my-deck"
    assert authoring.deck_id_for(tmp_path / "ASPS essentials.yaml") == "asps-essentials-2"
    assert authoring.deck_id_for(tmp_path / "???.yaml") == "deck"


# --------------------------------------------------------------------------- quizapp new


def test_starter_deck_has_one_item_of_each_kind_and_validates(tmp_path: Path) -> None:
    path = tmp_path / "cardiology basics.yaml"
    text = authoring.starter_deck(path, today=dt.date(2025, 1, 2))
    deck = deckfile.parse(text, str(path), path)
    assert deck.id == "cardiology-basics" and deck.title == "Cardiology basics"
    assert [it.kind for it in deck.items] == ["flashcard", "single", "multi", "case"]
    case = deck.items[3]
    assert case.kind == "case" and len(case.stages) == 2
    assert [q.kind for st in case.stages for q in st.questions] == ["single", "multi"]
    assert "main" in deck.sources and deck.sources["main"].citation.startswith("TODO")
    assert "started with `quizapp new` on 2025-01-02" in text
    assert "quizapp preview 'cardiology basics.yaml'" in text


def test_starter_deck_schema_line_inside_the_source_tree() -> None:
    text = authoring.starter_deck(DECKS / "new-deck.yaml")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../resources/deck.schema.json"
    assert (DECKS / "../resources/deck.schema.json").is_file()


def test_starter_deck_schema_line_elsewhere(tmp_path: Path) -> None:
    lines = authoring.starter_deck(tmp_path / "d.yaml").splitlines()
    assert lines[0] == "# yaml-language-server: $schema=deck.schema.json"
    assert lines[2] == "#     quizapp schema > deck.schema.json"
    (tmp_path / "deck.schema.json").write_text("{}", encoding="utf-8")
    lines = authoring.starter_deck(tmp_path / "d.yaml").splitlines()
    assert lines[0] == "# yaml-language-server: $schema=deck.schema.json"
    assert not lines[1].startswith("# For completion")


@pytest.mark.parametrize("title", ['Back pain: "red flags" # 1', "Überblick – Rücken", "- x"])
def test_starter_deck_quotes_any_title(tmp_path: Path, title: str) -> None:
    deck = deckfile.parse(authoring.starter_deck(tmp_path / "t.yaml", title=title))
    assert deck.title == title


def test_starter_deck_rejects_bad_id(tmp_path: Path) -> None:
    with pytest.raises(authoring.AuthoringError, match="not a valid deck id"):
        authoring.starter_deck(tmp_path / "x.yaml", deck_id="has space")


def test_cli_new(tmp_path: Path) -> None:
    path = tmp_path / "starter.yaml"
    code, out, err = run("new", str(path))
    assert code == 0 and out == "" and f"quizapp validate {path}" in err
    assert run("validate", "--no-cache", str(path))[0] == 0
    path.write_text("my edits", encoding="utf-8")
    code, _, err = run("new", str(path))
    assert code == 2 and "already exists" in err and "--force" in err
    assert path.read_text(encoding="utf-8") == "my edits"
    code, _, _ = run("new", str(path), "--force", "--id", "my-id", "--title", "My title")
    assert code == 0
    deck = deckfile.load(path)
    assert (deck.id, deck.title) == ("my-id", "My title")


@pytest.mark.parametrize(("name", "message"), [
    ("deck.txt", "ends in .yaml or .yml"), ("missing/deck.yaml", "does not exist"),
])
def test_cli_new_usage_errors(tmp_path: Path, name: str, message: str) -> None:
    code, _, err = run("new", str(tmp_path / name))
    assert code == 2 and message in err


def test_cli_new_next_step_can_be_pasted_into_a_shell(tmp_path: Path) -> None:
    path = tmp_path / "my decks" / "new deck.yaml"
    path.parent.mkdir()
    code, _, err = run("new", str(path))
    assert code == 0 and f"quizapp validate '{path}'" in err
    text = path.read_text(encoding="utf-8")
    assert "#     quizapp validate 'new deck.yaml'" in text
    id_line = next(line for line in text.splitlines() if line.startswith("id:"))
    format_line = next(line for line in text.splitlines() if line.startswith("format:"))
    assert id_line.index("#") == format_line.index("#")  # comments line up


def test_cli_new_refuses_a_folder(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").mkdir()
    code, _, err = run("new", str(tmp_path / "d.yaml"))
    assert code == 2 and "already exists" in err


# --------------------------------------------------------------------------- YAML output


def test_dump_deck_is_readable_and_round_trips() -> None:
    deck = {
        "format": 1, "id": "d", "title": "Title: with colon",
        "sources": {"s": {"citation": "C"}},
        "items": [
            {"id": "a", "type": "flashcard", "front": "Line one\\\nline two",
             "back": "yes", "tags": FlowList(["x", "y z"]), "source": "s"},
            {"id": "b", "type": "multi", "stem": "Température ≥ 38 °C?",
             "options": [{"text": "No"}, {"text": "On"}], "answers": FlowList(["A", "B"]),
             "source": "s"},
        ],
    }
    text = authoring.dump_deck(deck, "# header\n")
    assert text.startswith("# header\nformat: 1\n")
    assert "    front: |-\n      Line one\\\n      line two\n" in text
    assert "    tags: [x, y z]\n" in text and "    answers: [A, B]\n" in text
    assert "Température ≥ 38 °C?" in text  # unicode kept as is
    assert "\n\n  - id: b\n" in text  # a blank line between items
    assert "      - text: 'No'\n" in text  # YAML 1.1 booleans are quoted
    assert yaml.safe_load(text) == deck
    parsed = deckfile.parse(text)
    assert parsed.items[1].options[0].text == "No"  # type: ignore[union-attr]


def test_tidy_text() -> None:
    assert authoring.tidy_text(" a  \r\nb\t\n\n\n\nc\u00a0d \n") == "a\nb\n\nc d"


def test_write_text_atomic(tmp_path: Path) -> None:
    p = tmp_path / "f.yaml"
    authoring.write_text_atomic(p, "é\n")
    assert p.read_bytes() == "é\n".encode() and list(tmp_path.iterdir()) == [p]


# --------------------------------------------------------------------------- stats

STATS_DECK = """\
format: 1
id: stats-deck
title: Stats deck
sources:
  a: {citation: A}
  b: {citation: B}
  unused: {citation: U}
defaults: {source: a, tags: [common]}
items:
  - id: fc
    type: flashcard
    front: F
    back: B
    tags: [cards]
  - id: q-long
    type: single
    stem: A much longer stem than the others, to be the longest of all.
    options:
      - {text: X, explanation: why}
      - {text: Y}
      - {text: Z}
    answer: A
    source: [a, b]
  - id: q-ok
    type: multi
    stem: Short?
    options:
      - {text: X, explanation: why}
      - {text: Y, explanation: why not}
    answers: [A]
    objective: An objective.
  - id: case1
    type: case
    title: Case
    stem: A case stem of middling length.
    tags: [cases]
    stages:
      - id: s1
        questions:
          - id: q1
            type: single
            stem: Stage question?
            options:
              - {text: X}
              - {text: Y, explanation: no}
            answer: A
          - id: q2
            type: single
            stem: Second?
            options:
              - {text: X, explanation: a}
              - {text: Y, explanation: b}
            answer: B
"""


def test_deck_stats() -> None:
    s = authoring.deck_stats(deckfile.parse(STATS_DECK, "s.yaml"), "s.yaml")
    assert s.by_kind == {"flashcard": 1, "single": 1, "multi": 1, "case": 1}
    assert s.case_questions == 2 and s.study_units == 5
    assert s.by_tag == [("common", 4), ("cards", 1), ("cases", 1)]
    assert s.by_source == [("a", 4), ("b", 1)] and s.unused_sources == ["unused"]
    assert s.options_without_explanation == [("q-long", "BC"), ("case1/s1/q1", "A")]
    assert s.questions_without_objective == ["q-long", "case1"]
    assert s.items_without_source == []
    assert s.longest_stems == [("q-long", 61), ("case1", 31), ("case1/s1/q1", 15),
                               ("case1/s1/q2", 7), ("q-ok", 6)]
    text = authoring.format_stats(s)
    assert text.splitlines() == [
        "s.yaml: stats-deck (Stats deck)",
        "  items: 4 (flashcard 1, single 1, multi 1, case 1); 2 case questions; 5 study units",
        "  by tag: common 4, cards 1, cases 1",
        "  by source: a 4, b 1",
        "  sources declared but not cited: unused",
        "  options without explanation: 3 in 2 questions: q-long (B,C), case1/s1/q1 (A)",
        "  questions without objective: 2: q-long, case1",
        "  items without source: 0",
        "  longest stems: q-long (61), case1 (31), case1/s1/q1 (15), case1/s1/q2 (7), q-ok (6)",
    ]


def test_validate_stats_text(tmp_path: Path) -> None:
    good = tmp_path / "s.yaml"
    good.write_text(STATS_DECK, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(VALID_DECK.replace("answer: A", "answer: F"), encoding="utf-8")
    code, out, err = run("validate", "--stats", "--no-cache", str(good), str(bad))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{bad}:18:13: ")  # the usual problem lines come first
    assert lines[1].startswith(f"{good}:15:5: warning: item 2 (q-long): options B, C have no "
                               "explanation")  # then the warnings
    assert f"{good}: stats-deck (Stats deck)" in lines
    assert "  questions without objective: 2: q-long, case1" in lines
    assert "2 deck files checked: 1 valid, 1 with problems" in err


def test_validate_stats_json(tmp_path: Path) -> None:
    good = tmp_path / "s.yaml"
    good.write_text(STATS_DECK, encoding="utf-8")
    code, out, _ = run("validate", "--stats", "--format", "json", "--no-cache", str(good))
    assert code == 0
    stats = json.loads(out)["files"][0]["stats"]
    assert stats["by_kind"]["case"] == 1 and stats["by_tag"]["common"] == 4
    assert stats["options_without_explanation"][0] == {"question": "q-long",
                                                       "options": ["B", "C"]}
    assert stats["longest_stems"][0] == {"id": "q-long", "length": 61}


def test_validate_without_stats_warns_of_missing_explanations(tmp_path: Path) -> None:
    good = tmp_path / "s.yaml"
    good.write_text(STATS_DECK, encoding="utf-8")
    code, out, _ = run("validate", "--no-cache", str(good))
    assert code == 0 and out.splitlines() == [
        f"{good}:15:5: warning: item 2 (q-long): options B, C have no explanation: a student who "
        "picks it learns nothing from the feedback (add 'explanation:' under the option)",
        f"{good}:40:13: warning: item 4 (case1), stage 1 (s1), question 1 (q1): option A has no "
        "explanation: a student who picks it learns nothing from the feedback (add "
        "'explanation:' under the option)"]
    data = json.loads(run("validate", "--format", "json", "--no-cache", str(good))[1])
    assert "stats" not in data["files"][0]


@pytest.mark.parametrize("deck_path", sorted(DECKS.glob("*.yaml")), ids=lambda p: p.name)
def test_stats_of_bundled_decks(deck_path: Path) -> None:
    deck = deckfile.load(deck_path)
    s = authoring.deck_stats(deck, str(deck_path))
    assert sum(s.by_kind.values()) == len(deck.items)
    assert len(s.longest_stems) == 5
    assert authoring.format_stats(s).startswith(f"{deck_path}: {deck.id} ")


def test_readme_documents_the_authoring_commands() -> None:
    readme = (ROOT / "decks" / "README.md").read_text(encoding="utf-8")
    for needle in ("quizapp new", "quizapp validate --stats", "quizapp preview",
                   "quizapp import", "quizapp export", "--format gift", "--format anki"):
        assert needle in readme


def test_stats_name_placeholder_citations(tmp_path: Path) -> None:
    path = tmp_path / "starter.yaml"
    assert run("new", str(path))[0] == 0
    code, out, _ = run("validate", "--no-cache", "--stats", str(path))
    assert code == 0 and "placeholder citations to replace before sharing: main" in out
    code, out, _ = run("validate", "--no-cache", "--stats", str(DECKS / "asps-essentials.yaml"))
    assert code == 0 and "placeholder" not in out
