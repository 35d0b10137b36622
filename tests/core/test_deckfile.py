"""The deck loader: every rejection rule gives a precise message at the right line and column."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from quizapp.core import deckfile, decktree
from quizapp.core.deckfile import DeckError, Problem
from quizapp.core.model import Case, Flashcard, Question
from tests.helpers import VALID_DECK


def problems(text: str | bytes, path: Path | None = None) -> list[Problem]:
    with pytest.raises(DeckError) as ei:
        if isinstance(text, bytes):
            deckfile.parse_bytes(text, "d.yaml", path)
        else:
            deckfile.parse(text, "d.yaml", path)
    return ei.value.problems


def one(text: str | bytes, path: Path | None = None) -> Problem:
    ps = problems(text, path)
    assert len(ps) == 1, [str(p) for p in ps]
    return ps[0]


def at(p: Problem) -> tuple[int, int]:
    return (p.line, p.column)


def test_valid_deck_builds_every_kind() -> None:
    deck = deckfile.parse(VALID_DECK, "d.yaml")
    assert deck.id == "test-deck"
    fc, q, m, c = deck.items
    assert isinstance(fc, Flashcard) and fc.back == "Back"
    assert isinstance(q, Question) and q.correct_indices == (0,)
    assert isinstance(m, Question) and m.kind == "multi" and m.correct_indices == (0, 2)
    assert isinstance(c, Case) and c.stages[0].questions[0].correct_indices == (1,)
    assert q.location is not None and (q.location.line, q.location.column) == (12, 5)
    assert [u.key for u in deck.study_units()] == [
        "test-deck::fc1", "test-deck::q1", "test-deck::m1", "test-deck::c1::s1/q1"]


def test_problem_formats_as_file_line_col() -> None:
    p = one(VALID_DECK.replace("title: Test deck", "title: [1, 2]"))
    assert str(p) == "d.yaml:3:8: title: expected text, got a list"


# --------------------------------------------------------------------------- YAML level


def test_syntax_error_reported_where_the_broken_text_starts() -> None:
    ps = problems("format: 1\nid: x\ntitle: [unclosed\nitems: []\n")
    p = next(p for p in ps if p.path == "title")
    assert p.message == ('text starting with [ must be in quotes (YAML reads [ as the start of '
                         'a list); write: title: "[unclosed"')
    assert at(p) == (3, 8)
    # the rest of the file is still checked
    assert {q.message.split(";")[0] for q in ps} >= {"missing required field 'sources' in deck",
                                                     "a deck needs at least one item (found 0)"}


def test_scalar_file_is_not_a_deck() -> None:
    p = one("just some text\n")
    assert "a deck must be a mapping" in p.message and "text ('just some text')" in p.message
    assert at(p) == (1, 1)


def test_list_file_is_not_a_deck() -> None:
    p = one("- a\n- b\n")
    assert "a deck must be a mapping" in p.message and "a list" in p.message


def test_missing_required_fields_all_reported() -> None:
    ps = problems("title: Only a title\n")
    msgs = {p.message.split(";")[0] for p in ps}
    assert msgs == {f"missing required field '{f}' in deck"
                    for f in ("format", "id", "sources", "items")}
    # and each says what to write
    assert any(p.message.startswith("missing required field 'id' in deck; add a line 'id: ...'")
               for p in ps)


def test_wrong_type() -> None:
    p = one(VALID_DECK.replace("    reversible: true\n", "").replace(
        "    back: Back\n", "    back: Back\n    reversible: maybe\n"))
    assert p.message == "expected true or false, got text ('maybe')"
    assert p.path == "items[0].reversible" and at(p) == (11, 17)


def test_yes_and_numbers_stay_text_where_text_is_expected() -> None:
    deck = deckfile.parse(VALID_DECK.replace("back: Back", "back: No").replace(
        "front: Front", "front: 1.50"), "d.yaml")
    assert (deck.items[0].front, deck.items[0].back) == ("1.50", "No")


def test_empty_value_where_text_expected() -> None:
    p = one(VALID_DECK.replace("back: Back", "back:"))
    assert p.message == "expected text, got nothing (an empty value)" and at(p) == (10, 10)


def test_unknown_key_with_did_you_mean() -> None:
    p = one(VALID_DECK.replace("    front: Front", "    frnot: Front\n    front: Front"))
    assert p.message == "unknown field 'frnot' in flashcard; did you mean 'front'?"
    assert at(p) == (9, 5)


def test_unknown_item_type_with_did_you_mean() -> None:
    p = one(VALID_DECK.replace("type: flashcard", "type: flashcrad"))
    assert "unknown item type 'flashcrad'" in p.message and "did you mean 'flashcard'" in p.message
    assert at(p) == (8, 11)


def test_duplicate_mapping_key() -> None:
    p = one(VALID_DECK.replace("    back: Back\n", "    back: Back\n    back: Again\n"))
    assert p.message.startswith("duplicate key 'back' (first at line 10)")
    assert at(p) == (11, 5)


def test_duplicate_item_ids() -> None:
    p = one(VALID_DECK.replace("  - id: m1", "  - id: q1"))
    assert p.message == "item id 'q1' is used twice (first at line 12); ids must be unique"
    assert at(p) == (20, 9)


def test_duplicate_stage_and_question_ids_in_case() -> None:
    text = VALID_DECK + """\
      - id: s1
        questions:
          - id: q1
            type: single
            stem: Again?
            options: [{text: a}, {text: b}]
            answer: A
"""
    ps = problems(text)
    msgs = [p.message for p in ps]
    assert "stage id 's1' is used twice in this case (first at line 35)" in msgs
    assert "question id 'q1' is used twice in this case (first at line 38)" in msgs


def test_answer_not_an_option() -> None:
    p = one(VALID_DECK.replace("    answer: A\n", "    answer: D\n"))
    assert p.message == ("answer 'D' is not one of the options (A-B); "
                         "this question has only 2 options")
    assert at(p) == (18, 13)


def test_answer_not_a_letter() -> None:
    p = one(VALID_DECK.replace("    answer: A\n", "    answer: Right\n"))
    assert p.message == ("'Right' is not an option letter (A-J); give the letter of the "
                         "option (A for the first), not its text")


@pytest.mark.parametrize(("given", "hint"), [
    ("a", "write the capital letter A"),
    ("2", "use letters: B for option 2"),
])
def test_answer_letter_hints(given: str, hint: str) -> None:
    p = one(VALID_DECK.replace("    answer: A\n", f"    answer: '{given}'\n"))
    assert p.message.endswith(hint), p.message
    assert p.path == "items[1].answer"


def test_answers_written_as_a_string() -> None:
    p = one(VALID_DECK.replace("answers: [A, C]", "answers: A, C"))
    assert p.message == "expected a list of option letters, e.g. answers: [A, C], got text ('A, C')"


TWO_OPTIONS = "      - {text: Right, explanation: Yes}\n      - {text: Wrong, explanation: No}\n"


def test_options_written_as_plain_strings_do_not_crash() -> None:
    text = VALID_DECK.replace(TWO_OPTIONS, "      - Right\n      - Wrong\n")
    ps = problems(text)
    assert len(ps) == 2
    assert ps[0].message == ("expected an option written as '- text: Right' (with an optional "
                             "'explanation:' line under it), got text ('Right')")
    assert at(ps[0]) == (16, 9) and at(ps[1]) == (17, 9)


def test_options_written_as_one_string() -> None:
    text = VALID_DECK.replace("    options:\n" + TWO_OPTIONS, "    options: Right, Wrong\n")
    ps = problems(text)
    wanted = "a list of options, each on its own line as '- text: ...'"
    assert any(wanted in p.message for p in ps), [str(p) for p in ps]


def test_select_all_with_no_correct_option() -> None:
    p = one(VALID_DECK.replace("answers: [A, C]", "answers: []"))
    assert p.message == "select at least one correct option (found 0)"
    assert p.path == "items[2].answers" and at(p) == (27, 14)


def test_multi_answer_out_of_range() -> None:
    p = one(VALID_DECK.replace("answers: [A, C]", "answers: [A, E]"))
    assert p.message == "answer(s) E not among the options (A-C); this question has only 3 options"


def test_empty_case() -> None:
    p = one(VALID_DECK.split("    stages:")[0] + "    stages: []\n")
    assert p.message == "a case needs at least one stage (found 0)"
    assert at(p) == (34, 13)


def test_stage_without_question() -> None:
    p = one(VALID_DECK.split("        questions:")[0] + "        questions: []\n")
    assert p.message == "a stage needs at least one question (found 0)"


def test_undeclared_source_key() -> None:
    p = one(VALID_DECK.replace("    source: src\n", "    source: srx\n", 1))
    assert p.message == "source 'srx' is not declared in sources; did you mean 'src'?"
    assert at(p) == (11, 13)


def test_missing_source_without_default() -> None:
    p = one(VALID_DECK.replace("    source: src\n", "", 1))
    assert p.message.startswith("missing 'source'")


def test_defaults_source_is_used() -> None:
    text = VALID_DECK.replace("    source: src\n", "").replace(
        "items:\n", "defaults:\n  source: src\n  tags: [base]\nitems:\n", 1)
    deck = deckfile.parse(text, "d.yaml")
    assert all(it.sources == ("src",) and it.tags[0] == "base" for it in deck.items)


def test_image_outside_deck_folder(tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(b"x")
    sub = tmp_path / "deck"
    sub.mkdir()
    text = VALID_DECK.replace("    back: Back\n", "    back: Back\n    image: ../secret.png\n")
    p = one(text, sub / "d.yaml")
    assert p.message == "image path '../secret.png' leaves the deck's folder"
    assert at(p) == (11, 12)


def test_image_absolute_path(tmp_path: Path) -> None:
    text = VALID_DECK.replace("    back: Back\n", "    back: Back\n    image: /etc/x.png\n")
    assert "must be relative" in one(text, tmp_path / "d.yaml").message


def test_image_missing(tmp_path: Path) -> None:
    text = VALID_DECK.replace("    back: Back\n", "    back: Back\n    image: img/ct.png\n")
    p = one(text, tmp_path / "d.yaml")
    assert p.message.startswith("image 'img/ct.png' does not exist")


def test_image_name_case_must_match(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "CT.png").write_bytes(b"\x89PNG")
    text = VALID_DECK.replace("    back: Back\n", "    back: Back\n    image: img/ct.png\n")
    p = one(text, tmp_path / "d.yaml")
    assert p.message.startswith("image 'img/ct.png' does not exist")
    assert p.message.endswith("did you mean 'img/CT.png'? (file names are case-sensitive)")


def test_image_that_is_not_a_picture(tmp_path: Path) -> None:
    (tmp_path / "ct.png").write_text("<html>saved web page</html>")
    text = VALID_DECK.replace("    back: Back\n", "    back: Back\n    image: ct.png\n")
    p = one(text, tmp_path / "d.yaml")
    assert p.message == "image 'ct.png' is not a picture file (its content is not PNG)"
    assert at(p) == (11, 12)


def test_image_inside_folder_is_resolved(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "ct.png").write_bytes(b"\x89PNG")
    text = VALID_DECK.replace("    back: Back\n", "    back: Back\n    image: img/ct.png\n")
    deck = deckfile.parse(text, "d.yaml", tmp_path / "d.yaml")
    assert deck.items[0].image == (tmp_path / "img" / "ct.png").resolve()


@pytest.mark.parametrize("html", ["<b>bold</b>", "<img src='http://x/y.png'>", "<script>"])
def test_raw_html_rejected(html: str) -> None:
    p = one(VALID_DECK.replace("front: Front", f'front: "Front {html}"'))
    assert p.message.startswith("raw HTML is not allowed")
    assert at(p) == (9, 12)


def test_markdown_image_rejected() -> None:
    p = one(VALID_DECK.replace("front: Front", "front: See ![x](http://e.com/a.png)"))
    assert "images inside text are not allowed" in p.message


def test_less_than_number_is_not_html() -> None:
    deckfile.parse(VALID_DECK.replace("front: Front", "front: Age <20 or >55 years"), "d.yaml")


def test_newer_format_is_one_clear_message() -> None:
    p = one(VALID_DECK.replace("format: 1", "format: 2") + "new_field: x\n")
    assert "made for a newer quizapp" in p.message and at(p) == (1, 9)


def test_all_problems_reported_sorted() -> None:
    text = VALID_DECK.replace("title: Test deck", "title: [x]").replace(
        "answer: A", "answer: Z").replace("answers: [A, C]", "answers: []")
    ps = problems(text)
    assert len(ps) >= 2
    assert ps == sorted(ps)


def test_control_characters_escaped_in_message() -> None:
    ps = problems('"a\\nb": 1\n')
    assert any("\\n" in str(p) for p in ps)
    assert all("\n" not in str(p) for p in ps)


# --------------------------------------------------------------------------- hostile files


def _fast(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    result = fn()
    assert time.perf_counter() - t < 5  # generous: the target is < 1 s, see benchmarks
    return result


def test_python_object_tag_refused() -> None:
    p = one("!!python/object/apply:os.system ['echo hi']\n")
    assert "YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed" in p.message
    assert at(p) == (1, 1)


def test_custom_tag_refused_in_nested_value() -> None:
    p = one(VALID_DECK.replace("front: Front", "front: !include other.yaml"))
    assert p.message.startswith("YAML tag '!include' is not allowed in a deck; if this is text, "
                                "put it in quotes") and at(p) == (9, 12)


def test_billion_laughs_refused() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i-1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    p = _fast(lambda: one("\n".join(lines) + "\n"))
    assert "alias expansion too large" in p.message


def test_oversized_file_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(deckfile.MAX_BYTES + 1)
    with pytest.raises(DeckError) as ei:
        _fast(lambda: deckfile.load(big))
    assert "file is too large" in ei.value.problems[0].message


class _OldLibyaml:
    """Stands in for a parser that has no nesting limit of its own (libyaml before 0.2.6, as
    in PyYAML 6.0.2's wheels): the events of the real pure-Python parser, so that only our
    own limit can refuse the file."""

    def __new__(cls, text: str):  # type: ignore[no-untyped-def]
        import yaml
        return yaml.SafeLoader(text)


class _NewLibyaml:
    """A parser that refuses deep nesting itself before ours does, with the words of
    libyaml 0.2.6+ (PyYAML 6.0.3+): whatever the installed wheel, that path is tested."""

    def __new__(cls, text: str):  # type: ignore[no-untyped-def]
        import yaml

        class Loader(yaml.SafeLoader):
            def check_event(self, *choices):  # type: ignore[no-untyped-def]
                if len(self.states) > 5:
                    mark = yaml.Mark("<unicode string>", 1000, 0, 1000, None, None)
                    raise yaml.scanner.ScannerError(
                        None, None, "exceeded maximum nesting depth", mark)
                return super().check_event(*choices)

        return Loader(text)


@pytest.mark.parametrize("parser", ["installed", "old-libyaml", "new-libyaml"])
@pytest.mark.parametrize("text", ["[" * 100_000, "- " * 100_000 + "x", "{a: " * 50_000,
                                  "[" * 1200, "- " * 1200 + "x"])
def test_deep_nesting_refused_without_crash(
        text: str, parser: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whichever layer notices first (libyaml's own limit of 1000, or our 50), the author
    reads our one message, without an unrelated quoting hint."""
    if parser != "installed":
        monkeypatch.setattr(decktree, "_Loader",
                            _OldLibyaml if parser == "old-libyaml" else _NewLibyaml)
    p = _fast(lambda: one(text))
    assert p.message == "nesting is deeper than 50 levels"
    assert p.line >= 1 and p.column >= 1


def test_invalid_utf8() -> None:
    p = one(b"format: 1\ntitle: caf\xe9\n")
    assert p.message.startswith("invalid UTF-8 (byte 0xe9)") and at(p) == (2, 11)


def test_binary_file() -> None:
    p = one(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "binary file" in p.message


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"# only a comment\n"])
def test_empty_file(data: bytes) -> None:
    p = one(data)
    assert "file is empty" in p.message


def test_merge_keys_refused() -> None:
    ps = problems("base: &b {x: 1}\nother:\n  <<: *b\n")
    merge = [p for p in ps if "merge keys (<<) are not supported" in p.message]
    assert len(merge) == 1 and at(merge[0]) == (3, 3)


def test_merge_key_does_not_hide_other_problems() -> None:
    text = VALID_DECK.replace("    back: Back\n", "    <<: {back: Back}\n").replace(
        "answer: A", "answer: F")
    ps = problems(text)
    assert [(p.line, p.message.split(";")[0] if p.line == 7 else p.message.split(":")[0])
            for p in ps] == [
        (7, "missing required field 'back' in flashcard"),
        (10, "merge keys (<<) are not supported"),
        (18, "answer 'F' is not one of the options (A-B); this question has only 2 options"),
    ]


def test_duplicate_key_does_not_hide_other_problems() -> None:
    text = VALID_DECK.replace("    back: Back\n", "    back: Back\n    back: Again\n").replace(
        "answer: A", "answer: F")
    ps = problems(text)
    assert [p.line for p in ps] == [11, 19]
    assert ps[0].message.startswith("duplicate key 'back' (first at line 10)")
    assert ps[1].message.startswith("answer 'F' is not one of the options")


def test_two_documents_refused() -> None:
    p = one(VALID_DECK + "---\nformat: 1\n")
    assert "one YAML document" in p.message


def test_anchors_and_aliases_allowed() -> None:
    text = VALID_DECK.replace("    source: src\n", "    source: &s src\n", 1).replace(
        "    source: src\n", "    source: *s\n")
    deck = deckfile.parse(text, "d.yaml")
    assert all(it.sources == ("src",) for it in deck.items)


def test_spaced_less_than_is_not_html() -> None:
    deck = deckfile.parse(VALID_DECK.replace("front: Front", "front: 'if a < b and c > d'"),
                          "d.yaml")
    assert deck.items[0].front == "if a < b and c > d"  # type: ignore[union-attr]


def test_utf16_is_named() -> None:
    p = one("format: 1\n".encode("utf-16"))
    assert p.message == "this file is UTF-16; save it as UTF-8"


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(DeckError) as ei:
        deckfile.load(fifo)
    assert ei.value.problems[0].message == "not a regular file"


def test_syntax_error_explains_unquoted_colon() -> None:
    p = one(VALID_DECK.replace("front: Front", "front: Why: because"))
    assert p.message.startswith("': ' inside text starts a new field")
    assert 'write: front: "Why: because"' in p.message and at(p) == (9, 12)
    assert p.where == "item 1 (fc1)"


@pytest.mark.parametrize(("line", "hint"), [
    ('front: "He said "stop" loudly"',
     """a " inside text quoted with " ends the text early: write \\" for it, or quote the text """
     "with ' instead"),
    ("front: 'Patient's history'",
     """a ' inside text quoted with ' ends the text early: write '' for it, or quote the text """
     'with " instead'),
    ('front: "images\\x.png"', "inside double quotes a backslash starts an escape: write \\\\ for "
     "a backslash, use / in file paths, or use single quotes"),
])
def test_syntax_error_hint_fits_the_mistake(line: str, hint: str) -> None:
    p = one(VALID_DECK.replace("front: Front", line))
    assert p.message.startswith("YAML syntax error: ") and p.message.endswith("; " + hint), \
        p.message
    assert p.line == 9


@pytest.mark.parametrize(("line", "message"), [
    ("front: [Grade] 3 murmur", "text starting with [ must be in quotes (YAML reads [ as the "
     'start of a list); write: front: "[Grade] 3 murmur"'),
    ("front: @mention", 'text starting with @ must be in quotes (YAML reserves @); write: '
     'front: "@mention"'),
    ("front: **Staph aureus** is commonest", "text starting with * must be in quotes (YAML reads "
     '* as a reference to an &anchor); write: front: "**Staph aureus** is commonest"'),
    ("front: > 5 mm is big", "text starting with > must be in quotes (YAML reads > as the start "
     'of a folded block); write: front: "> 5 mm is big"'),
    ("front: >5 mm is big", "text starting with > must be in quotes (YAML reads > as the start "
     'of a folded block); write: front: ">5 mm is big"'),
    ('front: "Red" flags matter', 'text that starts with a " must end with it: YAML took "Red" '
     "as the whole text and cannot place what follows; put the whole text in quotes of the other "
     """kind; write: front: '"Red" flags matter'"""),
    ("front: 'Red' flags matter", "text that starts with a ' must end with it: YAML took 'Red' "
     "as the whole text and cannot place what follows; put the whole text in quotes of the other "
     """kind; write: front: "'Red' flags matter\""""),
    ("front: %d percent", 'text starting with % must be in quotes (YAML reads % as a directive); '
     'write: front: "%d percent"'),
])
def test_yaml_traps_get_plain_words_and_the_fix(line: str, message: str) -> None:
    """Every trap in the decks README's table: no parser jargon, and the line to write."""
    p = one(VALID_DECK.replace("front: Front", line))
    assert p.message == message
    assert p.line == 9 and p.where == "item 1 (fc1)"


def test_indenting_with_tabs_only_says_so() -> None:
    text = VALID_DECK.replace("  src: {citation: A source}", "\tsrc: {citation: A source}")
    p = one(text)
    assert p.message == ("line 5 is indented with a tab; YAML needs spaces: replace the tab "
                         "with spaces (set your editor to insert spaces)") and at(p) == (5, 1)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark_is_named(encoding: str) -> None:
    p = one(VALID_DECK.replace("Front", "Fr\u00f6nt \u2192").encode(encoding))
    assert p.message == "this file is UTF-16; save it as UTF-8" and at(p) == (1, 1)


def test_image_alt_without_image() -> None:
    p = one(VALID_DECK.replace("    back: Back\n", "    back: Back\n    image_alt: A CT scan\n"))
    assert p.message == ("image_alt describes a picture, but there is no 'image' here: add the "
                         "image or remove image_alt")
    assert p.path == "items[0] (fc1).image_alt" and at(p) == (11, 16)


@pytest.mark.parametrize("written", ["https://doi.org/10.1136/bcr-2016-218639",
                                     "doi:10.1136/bcr-2016-218639", "10.1136/bcr-2016-218639"])
def test_doi_is_kept_bare(written: str) -> None:
    deck = deckfile.parse(VALID_DECK.replace("{citation: A source}",
                                             f"{{citation: A source, doi: '{written}'}}"), "d.yaml")
    assert deck.sources["src"].doi == "10.1136/bcr-2016-218639"


def test_unknown_type_still_checks_the_fields() -> None:
    text = VALID_DECK.replace("    type: flashcard\n    front: Front",
                              "    type: flashcrd\n    frnt: Front")
    ps = problems(text)
    assert [(p.line, p.message) for p in ps] == [
        (7, "missing required field 'front' in flashcard; add a line 'front: ...' (The prompt)"),
        (8, "unknown item type 'flashcrd': expected one of flashcard, single, multi, case; "
            "did you mean 'flashcard'?"),
        (9, "unknown field 'frnt' in flashcard; did you mean 'front'?"),
    ]


def test_missing_type_checks_the_fields_of_the_likely_kind() -> None:
    text = VALID_DECK.replace("    type: single\n    stem: Which one?", "    stm: Which one?")
    msgs = [p.message for p in problems(text)]
    assert msgs == [
        "missing required field 'stem' in single-best-answer question; add a line 'stem: ...' "
        "(The question)",
        "missing required field 'type' (one of: flashcard, single, multi, case)",
        "unknown field 'stm' in single-best-answer question; did you mean 'stem'?",
    ]


def test_paths_keep_the_place_of_an_item_after_a_broken_one() -> None:
    text = VALID_DECK.replace("    type: flashcard\n", "    type: flashcrd\n").replace(
        "  - id: m1\n    type: multi\n", "  - id: m1\n    type: multi\n    oops: 1\n")
    ps = problems(text)
    assert [p.path for p in ps][-1] == "items[2].oops", [str(p) for p in ps]
    text = VALID_DECK.replace("    type: flashcard\n", "    type: flashcrd\n").replace(
        "    answer: B\n", "    answer: F\n")
    (last,) = [p for p in problems(text) if "answer 'F'" in p.message]
    assert last.path == "items[3] (c1).stages[0].questions[0].answer"
