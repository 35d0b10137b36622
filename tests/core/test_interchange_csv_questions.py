"""Import of multiple-choice question banks from CSV and TSV files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core import deckfile
from quizapp.core.interchange import (
    building,
    csv_questions,
    gift_export,
    registry,
)
from quizapp.core.interchange.conversion import convert
from quizapp.core.interchange.messages import ConvertError
from quizapp.core.model import Question
from tests.conftest import DECKS
from tests.core.interchange_helpers import (
    TODAY,
    run,
)
from tests.helpers import examples

# --------------------------------------------------------------------------- CSV questions

TESTER_CSV = (
    "stem,A,B,C,D,answer,explanation,tags\n"
    '"A 70-year-old man has back pain and weight loss. Next step?",Reassure,Urgent investigation '
    'for malignancy,Physiotherapy,Bed rest,B,"Age over 50 with weight loss are red flags",'
    "red-flags\n")


def mcq(text: str, name: str = "bank.csv", **kw: object) -> building.ImportResult:
    """Convert a question bank; the YAML written must load as a deck."""
    r = convert(text.encode(), name, today=TODAY, **kw)  # type: ignore[arg-type]
    assert deckfile.parse(r.text).items
    return r


def questions(r: building.ImportResult) -> list[Question]:
    qs = [it for it in r.deck.items if isinstance(it, Question)]
    assert len(qs) == len(r.deck.items)  # never a flashcard
    return qs


def right(q: Question) -> list[str]:
    return [o.text for o in q.options if o.correct]


def test_tester_question_bank_becomes_a_question_with_the_right_answer(tmp_path: Path) -> None:
    src, out = tmp_path / "q2.csv", tmp_path / "q2.yaml"
    src.write_text(TESTER_CSV, encoding="utf-8")
    code, _, err = run("import", str(src), "-o", str(out))
    assert code == 0, err
    assert f"{out}: 1 item imported from {src} (CSV multiple-choice questions)" in err
    assert "not imported" not in err
    deck = deckfile.parse(out.read_text(encoding="utf-8"), str(out), out)
    [q] = deck.items
    assert isinstance(q, Question) and q.kind == "single"
    assert q.stem == "A 70-year-old man has back pain and weight loss. Next step?"
    assert [o.text for o in q.options] == [
        "Reassure", "Urgent investigation for malignancy", "Physiotherapy", "Bed rest"]
    assert right(q) == ["Urgent investigation for malignancy"]
    assert q.explanation == "Age over 50 with weight loss are red flags"
    assert q.tags == ("red-flags",)
    assert q.id.startswith("mcq-")
    assert "answer: B\n" in out.read_text(encoding="utf-8")
    assert run("validate", "--no-cache", str(out))[0] == 0


def test_question_bank_as_tsv() -> None:
    r = mcq(TESTER_CSV.replace(",", "\t").replace('"', ""), "q2.tsv")
    [q] = questions(r)
    assert right(q) == ["Urgent investigation for malignancy"] and q.tags == ("red-flags",)
    assert r.format_name == "CSV multiple-choice questions"


def test_question_bank_answers_letters_numbers_text_and_several() -> None:
    text = ("Question,A,B,C,D,Answer\n"
            'Q1,w,x,y,z,"A, C"\n'
            "Q2,w,x,y,z,a;d\n"
            "Q3,w,x,y,z,B D\n"
            "Q4,w,x,y,z,3\n"
            "Q5,w,x,y,z,Y\n"
            "Q6,w,x,y,z,(b)\n"
            "Q7,w,x,y,z,D.\n"
            'Q8,w,x,y,z,"2, 4"\n'
            "Q9,w,x,y,z,A and B\n"
            'Q10,w,x,y,z,"C, C"\n'
            "Q11,1,2,4,8,2\n")
    qs = questions(mcq(text))
    assert [(q.stem, q.kind, right(q)) for q in qs] == [
        ("Q1", "multi", ["w", "y"]), ("Q2", "multi", ["w", "z"]), ("Q3", "multi", ["x", "z"]),
        ("Q4", "single", ["y"]), ("Q5", "single", ["y"]), ("Q6", "single", ["x"]),
        ("Q7", "single", ["z"]), ("Q8", "multi", ["x", "z"]), ("Q9", "multi", ["w", "x"]),
        ("Q10", "single", ["y"]), ("Q11", "single", ["2"])]


def test_question_bank_explanations_per_option_objective_source_and_id() -> None:
    text = ("ID\tQuestion text\tOption 1\tOption 2\tOption 3\tCorrect answer\tFeedback A\t"
            "B explanation\trationale 3\tRationale\tLearning objective\tSource\tTags\n"
            "lbp-1\tFirst step?\tReassure\tInvestigate\tRest\t2\tNo: red flags\tYes\t\t"
            "Red flags need investigation\tSpot red flags\tNICE NG59\tneuro; back-pain\n")
    [q] = questions(mcq(text, "bank.tsv"))
    assert (q.id, q.stem, right(q)) == ("lbp-1", "First step?", ["Investigate"])
    assert [o.explanation for o in q.options] == ["No: red flags", "Yes", None]
    assert q.explanation == "Red flags need investigation"
    assert q.objective == "Spot red flags"
    assert q.tags == ("neuro", "back-pain")
    assert q.sources == ("nice-ng59",)


@pytest.mark.parametrize(("name", "role", "option"), [
    ("A", "option", 0), ("j", "option", 9), ("Option A", "option", 0),
    ("Option 1", "option", 0), ("option1", "option", 0), ("choice a", "option", 0),
    ("Choice 2", "option", 1), ("opt3", "option", 2), ("OptionD", "option", 3),
    ("Answer_4", "option", 3), ("Option 10", "option", 9), ("Option K", "beyond", -1),
    ("explanation A", "option-explanation", 0), ("Feedback_B", "option-explanation", 1),
    ("A explanation", "option-explanation", 0), ("rationale 1", "option-explanation", 0),
    ("Option C feedback", "option-explanation", 2), ("Distractor 2", "distractor", -1),
    ("Stem", "stem", -1), ("QuestionText", "stem", -1), ("Question", "stem", -1),
    ("Correct Answer", "answer", -1), ("key", "answer", -1), ("CORRECT", "answer", -1),
    ("Feedback", "explanation", -1), ("Rationale", "explanation", -1),
    ("Learning objective", "objective", -1), ("tags", "tags", -1), ("Source", "source", -1),
    ("Question ID", "id", -1), ("Difficulty", "", -1), ("Options", "", -1),
])
def test_question_bank_column_names(name: str, role: str, option: int) -> None:
    assert csv_questions._mcq_role(name) == (role, option)


def test_question_bank_with_distractor_columns() -> None:
    text = ("Question,Correct answer,Distractor 1,Distractor 2,Distractor 3\n"
            "Most common site of spread?,Lungs,Liver,,Bone\n")
    [q] = questions(mcq(text))
    assert [(o.text, o.correct) for o in q.options] == [
        ("Lungs", True), ("Liver", False), ("Bone", False)]


def test_empty_options_are_dropped_and_letters_follow_the_file() -> None:
    text = "Question,A,B,C,D,E,Answer\nWhich?,w,x,,z,,D\nSeveral?,w,,y,z,,\"A, D\"\n"
    r = mcq(text)
    q1, q2 = questions(r)
    assert [o.text for o in q1.options] == ["w", "x", "z"] and right(q1) == ["z"]
    assert "answer: C\n" in r.text  # D in the file is the third option left
    assert [o.text for o in q2.options] == ["w", "y", "z"] and right(q2) == ["w", "z"]


def test_question_bank_rows_that_cannot_be_converted_exit_1(tmp_path: Path) -> None:
    text = ("Question,A,B,C,D,Answer,Explanation\n"
            "Good?,w,x,y,z,A,fine\n"
            "Out of range?,w,x,y,z,E,\n"
            "No answer?,w,x,y,z,,\n"
            "One option?,w,,,,A,\n"
            "Empty option?,w,x,,z,C,\n"
            ",w,x,y,z,A,\n"
            "Dose in g?,1,2,4,8,4,\n"
            "Bad list?,w,x,y,z,\"A, F\",\n"
            "Joined?,w,x,y,z,AC,\n"
            "Unquoted, comma?,w,x,y,z,A,\n"
            "Short?,w,x\n")
    src, out = tmp_path / "bad.csv", tmp_path / "bad.yaml"
    src.write_text(text, encoding="utf-8")
    code, _, err = run("import", str(src), "-o", str(out))
    assert code == 1 and out.is_file()
    expected = [
        (3, "the answer 'E' is not one of the options A-D"),
        (4, "no answer given"),
        (5, "fewer than 2 options (1 filled in)"),
        (6, "the answer 'C' refers to option C, which is empty"),
        (7, "the question is empty"),
        (8, "the answer '4' is ambiguous (as the text of an option it means option C; as a "
            "number it means option D); write the letter of the right option"),
        (9, "the answer 'A, F' names F, which is not one of the options A-D"),
        (10, "the answer 'AC' is neither an option letter (A-D), an option number, several "
             "letters (A, C) nor the text of an option"),
        (11, "it has 8 fields but the first line names 7 columns, so the columns may be "
             "shifted (a field with a comma in it must be in double quotes)"),
        (12, "it has 3 fields but the first line names 7 columns, so it has no answer column"),
    ]
    assert [ln for ln in err.splitlines() if "cannot convert" in ln] == [
        f"{src}:{n}: cannot convert row: {m}" for n, m in expected]
    assert "1 item imported" in err and "10 skipped" in err
    [q] = deckfile.parse(out.read_text(encoding="utf-8"), str(out), out).items
    assert isinstance(q, Question) and q.stem == "Good?" and q.explanation == "fine"


def test_question_bank_where_no_row_converts_is_refused() -> None:
    with pytest.raises(ConvertError) as e:
        convert(b"Question,A,B,Answer\nQ,x,y,C\n", "none.csv")
    assert [str(m) for m in e.value.messages] == [
        "none.csv:2: cannot convert row: the answer 'C' is not one of the options A, B",
        "none.csv:1: nothing to import: no row could be converted"]


LAYOUT_HELP = ("for flashcards use Front,Back[,Extra,Tags]; for multiple-choice questions use "
               "Question,A,B,C,D,Answer[,Explanation,Tags] (see the import section of "
               "decks/README.md)")


@pytest.mark.parametrize(("text", "reason"), [
    ("stem,answer,tags\nWhat?,That,x\n", "the columns stem, answer, tags, but quizapp does not "
     "know the column stem"),
    ("Pregunta,A,B,C,D,Respuesta\n¿Qué?,a,b,c,d,B\n", "the columns Pregunta, A, B, C, D, "
     "Respuesta, but it has no question column (Question or Stem) and no answer column (Answer, "
     "Correct or Key)"),
    ("Question,A,B,C,D,Explanation\nWhat?,a,b,c,d,because\n", "the columns Question, A, B, C, "
     "D, Explanation, but it has no answer column (Answer, Correct or Key)"),
    ("Question,A,Option A,Answer\nWhat?,a,b,A\n", "the columns Question, A, Option A, Answer, "
     "but columns A, Option A are all option A: keep one"),
    ("Question,Correct,Key,A,B\nWhat?,A,A,a,b\n", "the columns Question, Correct, Key, A, B, "
     "but it has several answer columns (Correct, Key): keep one"),
    ("Question,Option 1,Option 11,Answer\nWhat?,a,b,1\n", "the columns Question, Option 1, "
     "Option 11, Answer, but Option 11 would be an option past J: a quizapp question has at "
     "most 10 options"),
    ("Question,A,B,Distractor,Answer\nWhat?,a,b,c,A\n", "the columns Question, A, B, "
     "Distractor, Answer, but it mixes option columns (A, B) with distractor columns "
     "(Distractor); use one or the other"),
])
def test_unknown_or_incomplete_header_is_refused(tmp_path: Path, text: str,
                                                 reason: str) -> None:
    src, out = tmp_path / "h.csv", tmp_path / "h.yaml"
    src.write_text(text, encoding="utf-8")
    code, _, err = run("import", str(src), "-o", str(out))
    assert code == 2 and not out.exists()
    assert err.splitlines()[0] == f"{src}:1: cannot import: the first line names {reason}; " \
                                  f"{LAYOUT_HELP}"


def test_question_bank_without_a_header_is_refused() -> None:
    text = ("A 70-year-old man has back pain and weight loss. Next step?,Reassure,Urgent "
            "investigation,Physiotherapy,Bed rest,B,Red flags\nFever?,Ignore,Investigate,,,B,\n")
    with pytest.raises(ConvertError) as e:
        convert(text.encode(), "nohead.csv")
    assert str(e.value.messages[0]) == (
        "nohead.csv:1: cannot import: these look like multiple-choice questions (column 6 "
        "holds answer letters such as 'B'), but there is no first line naming the columns, so "
        "quizapp cannot tell which column is which; add one. For flashcards use "
        "Front,Back[,Extra,Tags]; for multiple-choice questions use "
        "Question,A,B,C,D,Answer[,Explanation,Tags] (see the import section of decks/README.md)")
    # flashcards with a few extra columns are still flashcards
    r = convert(b"Heart,pumps blood,anatomy,easy\nLung,gas exchange,anatomy,hard\n", "cards.csv")
    assert [it.kind for it in r.deck.items] == ["flashcard", "flashcard"]


def test_question_bank_header_with_anki_header_lines_and_format_guess() -> None:
    text = "#separator:semicolon\nQuestion;A;B;Answer\nWhich?;x;y;b\n"
    [q] = questions(mcq(text, "bank.txt"))
    assert right(q) == ["y"]
    plain = "Question,A,B,C,Answer\nWhich?,x,y,z,c\n"
    assert registry.detect_format("bank.txt", plain) == "anki"
    assert right(questions(mcq(plain, "bank.txt"))[0]) == ["z"]


def test_question_bank_unknown_columns_are_reported_not_imported() -> None:
    r = mcq("Question,A,B,Answer,Difficulty\nWhich?,x,y,A,hard\n")
    assert [str(w) for w in r.warnings if "not imported" in str(w)] == [
        "bank.csv:1: warning: column 5 'Difficulty' not imported: quizapp does not know this "
        "column name (it knows Question, options A-J or Option 1-10, Answer, Explanation, "
        "Explanation A..., Objective, Tags, Source, ID)"]


def test_question_bank_ids_are_stable_and_distinct() -> None:
    rows = ["Same stem?,x,y,A", "Same stem?,x,y,B", "Other?,x,y,A"]
    first = questions(mcq("Question,A,B,Answer\n" + "\n".join(rows) + "\n"))
    again = questions(mcq("Question,A,B,Answer\n" + "\n".join(reversed(rows)) + "\n"))
    assert len({q.id for q in first}) == 3
    assert {(q.id, q.stem, tuple(right(q))) for q in first} == {
        (q.id, q.stem, tuple(right(q))) for q in again}


def test_readme_question_bank_example_imports() -> None:
    readme = (DECKS / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```\n  (Question,A,B,C,D,Answer.*?)```", readme, re.S)
    assert block is not None
    text = "\n".join(line.strip() for line in block.group(1).splitlines()) + "\n"
    q1, q2 = questions(mcq(text, "readme.csv"))
    assert right(q1) == ["Urgent investigation for malignancy"] and q1.tags == ("red-flags",)
    assert q2.kind == "multi" and right(q2) == ["Fever", "Weight loss"]
    assert q2.tags == ("red-flags", "back-pain")


@pytest.mark.parametrize(("cell", "tags"), [
    ("neuro, anatomy", ["neuro", "anatomy"]), ("neuro,anatomy", ["neuro", "anatomy"]),
    ("neuro anatomy", ["neuro", "anatomy"]), ("  neuro ;  anatomy. ", ["neuro", "anatomy"]),
    ("med::cardio, (renal)", ["med::cardio", "renal"]), (",,", []), ("", []),
])
def test_csv_tags_split_on_commas_and_spaces(cell: str, tags: list[str]) -> None:
    assert csv_questions.split_tags(cell) == tags


def test_tags_column_of_a_csv_and_of_an_anki_export() -> None:
    r = convert(b'Front,Back,Tags\nf,b,"neuro, anatomy"\n', "cards.csv")
    assert r.deck.items[0].tags == ("neuro", "anatomy")
    r = convert(b'f,b,"neuro, anatomy"\n', "cards.csv")  # a tags column guessed, as Anki does
    assert r.deck.items[0].tags == ("neuro", "anatomy")
    # Anki's own export: tags are separated by spaces, and a comma is part of a tag
    r = convert(b"#separator:tab\n#html:false\n#tags column:3\nf\tb\tmed::cardio a,b\n", "x.txt")
    assert r.deck.items[0].tags == ("med::cardio", "a,b")


@settings(max_examples=examples(150), deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(["Question", "Stem", "A", "B", "C", "Option 1", "Answer",
                                 "Correct", "Explanation A", "Tags", "ID", "Distractor",
                                 "x", "a", "b", "e", "1", "4", "A, C", "AC", "", "<b>",
                                 "\"", "\t", ",", ",", ",", "\n", "\n"]),
                max_size=40).map("".join))
def test_question_bank_import_never_crashes(text: str) -> None:
    try:
        r = convert(("Question,A,B,C,Answer,Explanation A,Tags\n" + text).encode(), "f.csv")
    except ConvertError as e:
        assert e.messages and all(m.line >= 1 for m in e.messages)
        return
    assert r.deck.items
    deckfile.parse(r.text)


@pytest.mark.parametrize("answer", ["A", "B"])
def test_true_false_questions_export_as_gift_true_false_and_round_trip(answer: str) -> None:
    gift = (f"::tf1::Absence of red flags excludes serious disease. "
            f"{{{'T' if answer == 'A' else 'F'}#Wrong: see the case.#Right: it does not.}}\n")
    deck = convert(gift.encode(), "q.gift").deck
    (q,) = deck.items
    text, _notes = gift_export.export_gift(deck)
    assert ("\tT#" if answer == "A" else "\tF#") in text and "~" not in text.split("::tf1::")[1]
    back = convert(text.encode(), "again.gift").deck
    (q2,) = back.items
    assert [(o.text, o.correct, o.explanation) for o in q2.options] == \
        [(o.text, o.correct, o.explanation) for o in q.options]
