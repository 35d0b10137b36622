"""Moodle XML import: real export shape, every question type, hostile and broken files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from quizapp.core import deckfile
from quizapp.core.interchange.conversion import convert
from quizapp.core.interchange.messages import ConvertError
from quizapp.core.interchange.moodle_xml import looks_like_moodle_xml, parse_moodle_xml

DATA = Path(__file__).resolve().parents[1] / "data" / "interop"
EXPORT = DATA / "moodle-back-pain.xml"


def quiz(*questions: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + "\n".join(questions) + "\n</quiz>\n"


def mc(name: str, answers: str, single: str = "true", extra: str = "") -> str:
    return (f'<question type="multichoice"><name><text>{name}</text></name>'
            f'<questiontext format="html"><text>Stem of {name}?</text></questiontext>'
            f"<single>{single}</single>{extra}{answers}</question>")


def ans(fraction: str, text: str, feedback: str = "") -> str:
    return (f'<answer fraction="{fraction}" format="html"><text>{text}</text>'
            f"<feedback><text>{feedback}</text></feedback></answer>")


def test_a_real_export_converts_to_a_valid_deck() -> None:
    r = convert(EXPORT.read_bytes(), str(EXPORT))
    assert r.format == "moodle" and r.deck.title == "Back pain"
    first, multi, tf = r.deck.items
    assert first.id == "red-flag-age" and first.kind == "single"
    assert first.stem == "A **72-year-old** man has new back pain. Which feature is a red flag?"
    assert [o.text for o in first.options] == ["Age over 55 at onset", "Pain eased by rest",
                                               "Pain after lifting"]
    assert [o.correct for o in first.options] == [True, False, False]
    assert first.options[1].explanation == "Mechanical pain & relief by rest is reassuring."
    assert first.explanation == "New back pain over 55 needs a careful look."
    assert first.tags == ("red-flags", "age")
    assert multi.kind == "multi" and [o.correct for o in multi.options] == [True, True, False]
    assert multi.shuffle is False
    assert tf.kind == "single" and [o.text for o in tf.options] == ["True", "False"]
    assert tf.options[1].correct and tf.options[0].explanation.startswith("No: the case")
    assert [str(m) for m in r.skipped] == [
        f"{EXPORT}:78: cannot convert question 'SA1': a short-answer question has no options "
        "to choose from"]
    assert [str(m) for m in r.warnings] == [
        f"{EXPORT}:15: warning: question 'Red flag: age': picture 'spine.png' dropped: quizapp "
        "does not import embedded media"]
    deckfile.parse(r.text, "out.yaml")  # what is written is a valid deck


def test_format_is_recognised_from_the_content() -> None:
    assert looks_like_moodle_xml(EXPORT.read_text(encoding="utf-8"))
    assert looks_like_moodle_xml("\ufeff<quiz></quiz>".lstrip("\ufeff"))
    assert not looks_like_moodle_xml("<html><body>quiz</body></html>")
    assert not looks_like_moodle_xml("::q1:: What? {=a ~b}")


@pytest.mark.parametrize(("qtype", "reason"), [
    ("essay", "an essay question has no options to choose from"),
    ("matching", "a matching question cannot be converted"),
    ("multianswer", "an embedded-answers (Cloze) question cannot be converted"),
    ("ddwtos", "a drag-and-drop into text question cannot be converted"),
    ("mystery", "question type 'mystery' is not supported (only multiple-choice and true/false "
                "questions can be converted)"),
])
def test_other_question_types_are_skipped_with_a_reason(qtype: str, reason: str) -> None:
    text = quiz(mc("ok", ans("100", "a") + ans("0", "b")),
                f'<question type="{qtype}"><name><text>X</text></name>'
                "<questiontext><text>t</text></questiontext></question>")
    p = parse_moodle_xml(text, "q.xml")
    assert len(p.items) == 1
    assert [m.text for m in p.skipped] == [f"cannot convert question 'X': {reason}"]
    assert p.skipped[0].line == 4


def test_single_answer_rules() -> None:
    p = parse_moodle_xml(quiz(
        mc("two right", ans("100", "a") + ans("100", "b")),
        mc("none right", ans("0", "a") + ans("0", "b")),
        mc("partial", ans("100", "a") + ans("50", "b") + ans("0", "c")),
        mc("one option", ans("100", "a")),
    ), "q.xml")
    assert [it.id_base for it in p.items] == ["partial"]
    assert [m.text for m in p.skipped] == [
        "cannot convert question 'two right': several answers are marked 100% correct in a "
        "one-answer question; quizapp's single-best-answer question has exactly one",
        "cannot convert question 'none right': no answer is marked 100% correct",
        "cannot convert question 'one option': a question needs at least 2 options",
    ]
    assert [m.text for m in p.warnings] == [
        "question 'partial': partial credit for option B dropped (marked wrong)"]


def test_multiple_answer_question_needs_a_positive_grade() -> None:
    p = parse_moodle_xml(quiz(mc("m", ans("-50", "a") + ans("0", "b"), single="false")), "q.xml")
    assert [m.text for m in p.skipped] == [
        "cannot convert question 'm': no answer has a positive grade, so none is correct"]


def test_unnamed_questions_get_stable_distinct_ids() -> None:
    a = mc("", ans("100", "x") + ans("0", "y"))
    b = mc("", ans("0", "x") + ans("100", "y"))
    first = [it.id_base for it in parse_moodle_xml(quiz(a, b), "q.xml").items]
    again = [it.id_base for it in parse_moodle_xml(quiz(b, a), "q.xml").items]
    assert len(set(first)) == 2 and first == again[::-1]
    assert all(i.startswith("moodle-") for i in first)


def test_several_categories_become_tags() -> None:
    cat = '<question type="category"><category><text>$course$/top/{}</text></category></question>'
    two = ans("100", "x") + ans("0", "y")
    p = parse_moodle_xml(quiz(cat.format("Spine/Red flags"), mc("a", two),
                              cat.format("Sarcoma"), mc("b", two)), "q.xml")
    assert p.title is None
    assert [list(it.data["tags"]) for it in p.items] == [["red-flags"], ["sarcoma"]]


def test_text_that_looks_like_markdown_stays_as_written() -> None:
    p = parse_moodle_xml(quiz(mc("md", ans("100", "# not a heading") + ans("0", "- not a list"))),
                         "q.xml")
    deck = deckfile.parse(convert(quiz(mc("md", ans("100", "# not a heading")
                                          + ans("0", "- not a list"))).encode(), "q.xml").text,
                          "d.yaml")
    assert p.items and deck.items[0].options[0].text.startswith("\\#")


@pytest.mark.parametrize(("text", "message"), [
    ('<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY a "aaaa">]>\n<quiz>&a;</quiz>',
     "q.xml:2: a DOCTYPE or ENTITY declaration is not allowed in a Moodle XML file"),
    ("<quiz>\n<question type='multichoice'>\n</quiz>",
     "q.xml:3:3: not well-formed XML: mismatched tag"),
    ("<quiz>\n<question>\x01</question></quiz>", "q.xml:2:11: not well-formed XML"),
])
def test_broken_and_hostile_files_get_a_clear_message(text: str, message: str) -> None:
    t = time.perf_counter()
    with pytest.raises(ConvertError) as ei:
        convert(text.encode(), "q.xml", fmt="moodle")
    assert time.perf_counter() - t < 5  # a guard against hangs, not a benchmark
    assert str(ei.value.messages[0]).startswith(message), str(ei.value.messages[0])


def test_billion_laughs_is_refused() -> None:
    lol = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
           + "".join(f' <!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">\n'
                     for i in range(1, 10))
           + "]>\n<quiz>&lol9;</quiz>\n")
    with pytest.raises(ConvertError) as ei:
        convert(lol.encode(), "lol.xml")
    assert "DOCTYPE or ENTITY declaration is not allowed" in str(ei.value)


def test_an_empty_quiz_says_nothing_could_be_converted() -> None:
    with pytest.raises(ConvertError) as ei:
        convert(quiz().encode(), "q.xml")
    assert "nothing to import" in str(ei.value)


def test_a_latin1_file_with_its_declaration_reads_correctly() -> None:
    text = quiz(mc("fièvre", ans("100", "Fièvre") + ans("0", "Toux"))).replace(
        'encoding="UTF-8"', 'encoding="ISO-8859-1"')
    r = convert(text.encode("latin-1"), "q.xml")
    assert r.deck.items[0].options[0].text == "Fièvre"
    assert any("Windows-1252" in m.text for m in r.warnings)
