"""Export to Anki notes and GIFT, and round trips through both."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from quizapp.core import deckfile
from quizapp.core.authoring import tidy_text
from quizapp.core.interchange import (
    anki_export,
    exporting,
    gift_export,
)
from quizapp.core.interchange.conversion import convert
from quizapp.core.model import Case, Flashcard, Option, Question
from tests.core.interchange_helpers import (
    BUNDLED,
    TODAY,
    items,
    load_unshuffled,
    load_valid,
    run,
)
from tests.helpers import VALID_DECK

# --------------------------------------------------------------------------- export


def test_export_gift_shape_and_weights(tmp_path: Path) -> None:
    text, notes = gift_export.export_gift(load_unshuffled(tmp_path), TODAY)
    assert "// Exported from the quizapp deck test-deck (Test deck) on 2025-03-14." in text
    assert "$CATEGORY: $course$/top/Test deck" in text
    assert "::q1::[markdown]Which one?{\n\t=Right#Yes\n\t~Wrong#No\n}" in text
    assert ("::m1::[markdown]Which ones?{\n\t~%50%One#Yes\n\t~%-100%Two#No\n"
            "\t~%50%Three#Yes\n}") in text
    assert ("::c1.s1.q1::[markdown]**A case**\\n\\nA patient.\\n\\nMore information.\\n\\n"
            "Next?{") in text
    assert notes == [f"{tmp_path / 'd.yaml'}: 1 flashcard not exported: GIFT has no flashcard "
                     "question type (use --format anki)"]


@pytest.mark.parametrize(("right", "wrong", "weights"), [
    (1, 1, ("100", "-100")), (3, 2, ("33.33333", "-50")), (2, 7, ("50", "-14.28571")),
    (6, 4, ("16.66667", "-25")),
])
def test_gift_multi_weights_sum_to_100(right: int, wrong: int, weights: tuple[str, str]) -> None:
    opts = [("R", True)] * right + [("W", False)] * wrong
    q = Question("m", "multi", "S", tuple(Option(t, c) for t, c in opts))
    text = gift_export._gift_question_text("m", "S", q)
    found = re.findall(r"~%(-?[\d.]+)%", text)
    assert found[0] == weights[0] and found[-1] == weights[1]
    assert abs(sum(float(w) for w in found if not w.startswith("-")) - 100) < 0.001


def test_gift_option_text_that_looks_like_a_weight_survives() -> None:
    q = Question("p", "single", "How many?", (Option("%50% of cases", False),
                                               Option("All", True)))
    text = gift_export._gift_question_text("p", "How many?", q)
    assert "\t~%0%%50% of cases\n" in text
    back = convert(text.encode(), "p.gift").deck.items[0]
    assert isinstance(back, Question)
    assert [(o.text, o.correct) for o in back.options] == [("%50% of cases", False), ("All", True)]


def test_gift_escape() -> None:
    assert gift_export.gift_escape("a~b=c#d{e}f:g\\h\ni") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni"


def test_export_anki_shape(tmp_path: Path) -> None:
    text, notes = anki_export.export_anki(load_unshuffled(tmp_path))
    lines = text.splitlines()
    assert lines[:5] == ["#separator:tab", "#html:true", "#guid column:1",
                         "#columns:GUID\tFront\tBack\tTags", "#tags column:4"]
    guid = anki_export.anki_guid("test-deck", "fc1")
    assert lines[5] == f"{guid}\tFront\tBack\t"
    q1 = anki_export.anki_guid("test-deck", "q1")
    assert lines[6] == (f"{q1}\tWhich one?<br><br>A. Right<br>"
                        "B. Wrong\t<b>Answer: A</b><br>A. Right<hr>A (correct): Yes<br>B (wrong): "
                        "No\t")
    assert lines[8].split("\t", 1)[1].startswith(
        "<b>A case</b><br><br>A patient.<br><br>More information.<br><br>"
        "Next?<br><br>A. This<br>B. That\t<b>Answer: B</b>")
    assert len(lines) == 9 and notes == []


def test_export_guids_are_stable_and_unique(tmp_path: Path) -> None:
    """Re-importing a corrected deck into Anki next year updates its notes: each note's GUID
    comes from the deck and item ids, not from the text."""
    deck = load_valid(tmp_path)
    first = [line.split("\t")[0] for line in anki_export.export_anki(deck)[0].splitlines()[5:]]
    edited = tmp_path / "d.yaml"
    edited.write_text(VALID_DECK.replace("Which one?", "Which one is it?"), encoding="utf-8")
    again = [line.split("\t")[0]
             for line in anki_export.export_anki(deckfile.load(edited))[0].splitlines()[5:]]
    assert first == again and len(set(first)) == len(first) == 4


def test_exported_options_are_shuffled_the_same_way_each_time(tmp_path: Path) -> None:
    """An author who writes the right answer first does not export a deck whose key is A on
    most questions; 'shuffle: false' keeps the written order; the order is stable."""
    body = "".join(
        f"  - id: q{i}\n    type: single\n    stem: Question {i}?\n    options:\n"
        + "".join(f"      - text: Option {j}\n" for j in range(5))
        + "    answer: A\n" for i in range(30))
    p = tmp_path / "many.yaml"
    p.write_text("format: 1\nid: many\ntitle: Many\nsources:\n  s: {citation: C}\n"
                 "defaults:\n  source: s\nitems:\n" + body, encoding="utf-8")
    deck = deckfile.load(p)
    text, _ = anki_export.export_anki(deck)
    keys = re.findall(r"<b>Answer: ([A-E])</b>", text)
    assert len(keys) == 30 and keys.count("A") <= 15 and len(set(keys)) >= 3
    assert anki_export.export_anki(deck)[0] == text  # the same order at every export
    gift, _ = gift_export.export_gift(deck, TODAY)
    firsts = re.findall(r"\{\n\t([=~])", gift)
    assert firsts.count("=") <= 15
    p.write_text(p.read_text().replace("defaults:\n", "defaults:\n  shuffle: false\n"),
                 encoding="utf-8")
    text, _ = anki_export.export_anki(deckfile.load(p))
    assert set(re.findall(r"<b>Answer: ([A-E])</b>", text)) == {"A"}


def test_all_of_the_above_stays_last() -> None:
    q = Question("q", "single", "S", (Option("All of the above", True), Option("One", False),
                                      Option("Two", False), Option("Three", False)))
    for key in ("a", "b", "c", "d", "e"):
        assert exporting.export_order(q, key).options[-1].text == "All of the above"


def test_a_reversed_card_does_not_show_its_explanation_on_the_question_side(
        tmp_path: Path) -> None:
    p = tmp_path / "d.yaml"
    p.write_text(VALID_DECK.replace("    back: Back\n", "    back: Back\n    reversible: true\n"
                                    "    explanation: Because of the anatomy\n"),
                 encoding="utf-8")
    text, notes = anki_export.export_anki(deckfile.load(p))
    row = text.splitlines()[6]
    assert "Basic (and reversed card)" in row and "anatomy" not in row
    assert any("explanation not exported" in n for n in notes)


def test_anki_export_carries_pictures_in_a_media_folder(tmp_path: Path) -> None:
    (tmp_path / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    deck_file = tmp_path / "d.yaml"
    deck_file.write_text(VALID_DECK.replace("    stem: Which one?\n",
                                            "    stem: Which one?\n    image: img.png\n"),
                         encoding="utf-8")
    out = tmp_path / "out" / "notes.tsv"
    out.parent.mkdir()
    code, _, err = run("export", str(deck_file), "-o", str(out))
    assert code == 0
    media = tmp_path / "out" / "notes-media"
    assert (media / "test-deck-img.png").read_bytes() == b"\x89PNG\r\n\x1a\n"
    assert "<img src='test-deck-img.png'>" in out.read_text(encoding="utf-8")
    assert "1 picture copied to" in err and "collection.media" in err


def test_export_notes_name_the_line_of_items_with_images(tmp_path: Path) -> None:
    (tmp_path / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    deck_file = tmp_path / "d.yaml"
    deck_file.write_text(VALID_DECK.replace("    stem: Which one?\n",
                                            "    stem: Which one?\n    image: img.png\n"),
                         encoding="utf-8")
    deck = deckfile.load(deck_file)
    _, notes = anki_export.export_anki(deck)
    assert notes == [f"{deck_file}:12:5: item q1: picture img.png not exported; add it to the "
                     "note in Anki"]
    _, notes = gift_export.export_gift(deck)
    assert notes[0] == (f"{deck_file}:12:5: item q1: picture img.png not exported (GIFT files "
                        "carry no pictures; add it in Moodle's question editor)")


def test_anki_fields_are_quoted_when_needed() -> None:
    assert anki_export._tsv_field('say "hi"') == '"say ""hi"""'
    assert anki_export._tsv_field("#1 cause") == '"#1 cause"'
    assert anki_export._tsv_field("a\tb") == '"a\tb"'
    assert anki_export._tsv_field("plain") == "plain"


# --------------------------------------------------------------------------- round trips


def _t(x: str | None) -> str | None:
    return tidy_text(x) if x is not None else None


@pytest.mark.parametrize("deck_path", BUNDLED, ids=lambda p: p.name)
def test_round_trip_yaml_gift_yaml(deck_path: Path) -> None:
    deck = deckfile.load(deck_path)
    if not any(isinstance(it, Question | Case) for it in deck.items):
        pytest.skip("no questions")
    gift, _ = gift_export.export_gift(deck, TODAY)
    back = convert(gift.encode(), "rt.gift")
    assert back.skipped == [] and back.warnings == []
    got = items(back)
    checked = 0
    for it in deck.items:
        if isinstance(it, Question):
            pairs = [(it.id, it, it.objective, True)]
        elif isinstance(it, Case):
            pairs = [(f"{it.id}.{st.id}.{q.id}", q, q.objective or it.objective, False)
                     for st in it.stages for q in st.questions]
        else:
            continue
        for gid, q, objective, whole_stem in pairs:
            g = got[gid]
            assert isinstance(g, Question)
            assert g.kind == q.kind
            if whole_stem:
                assert g.stem == _t(q.stem)
            else:  # a case question carries the case and stage text before its own stem
                assert g.stem.endswith("\n\n" + str(_t(q.stem)))
            # the export shuffles options (the same way each time): compare them as a set
            assert sorted((o.text, o.correct, o.explanation or "") for o in g.options) == sorted(
                (_t(o.text), o.correct, _t(o.explanation) or "") for o in q.options)
            assert g.explanation == _t(q.explanation)
            assert g.objective == _t(objective)
            checked += 1
    assert checked == len(back.deck.items)


@pytest.mark.parametrize("deck_path", BUNDLED, ids=lambda p: p.name)
def test_round_trip_yaml_anki_yaml(deck_path: Path) -> None:
    deck = deckfile.load(deck_path)
    text, _ = anki_export.export_anki(deck)
    back = convert(text.encode(), "rt.txt")
    assert back.skipped == [] and back.warnings == []
    notes = iter(back.deck.items)
    for it in deck.items:
        if isinstance(it, Case):
            for _ in range(sum(len(st.questions) for st in it.stages)):
                next(notes)
            continue
        note = next(notes)
        assert isinstance(note, Flashcard)
        if isinstance(it, Flashcard):
            assert (note.front, note.back, note.explanation, note.objective, note.tags) == (
                _t(it.front), _t(it.back), _t(it.explanation), _t(it.objective), it.tags)
        else:  # a question becomes a note: stem and options on the front, answer on the back
            assert note.front.startswith(str(_t(it.stem)).split("\n")[0])
            assert note.back.startswith("**Answer")


def test_round_trip_anki_ids_are_stable_across_exports() -> None:
    deck = deckfile.load(BUNDLED[0])
    one = convert(anki_export.export_anki(deck)[0].encode(), "a.txt")
    two = convert(anki_export.export_anki(deck)[0].encode(), "a.txt")
    assert [i.id for i in one.deck.items] == [i.id for i in two.deck.items]
