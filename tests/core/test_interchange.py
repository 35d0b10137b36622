"""Import from Anki text exports and Moodle GIFT files: decoding, records, markup, format
guessing, the written deck and the import command."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core import authoring, deckfile, problems
from quizapp.core.authoring import dump_deck
from quizapp.core.interchange import (
    anki_export,
    conversion,
    gift_export,
    markup,
    messages,
    reading,
    records,
    registry,
)
from quizapp.core.interchange.conversion import convert
from quizapp.core.interchange.items import ImportedItem, ParsedFile
from quizapp.core.interchange.markup import html_to_markdown, markdown_to_html
from quizapp.core.interchange.messages import ConvertError
from quizapp.core.model import Deck, Flashcard, Question
from tests.conftest import DECKS
from tests.core.interchange_helpers import (
    DATA,
    RAW_HTML,
    TODAY,
    imp,
    items,
    line_of,
    load_valid,
    run,
)
from tests.helpers import VALID_DECK, examples

# --------------------------------------------------------------------------- reading bytes


def test_decode_bom_crlf_and_utf16() -> None:
    text, warnings = reading.decode_input(b"\xef\xbb\xbfa\tb\r\nc\td\r", "f")
    assert text == "a\tb\nc\td\n" and warnings == []
    text, _ = reading.decode_input("é\tx\n".encode("utf-16"), "f")
    assert text == "é\tx\n"


def test_decode_falls_back_to_cp1252_with_a_warning_naming_the_line() -> None:
    text, warnings = reading.decode_input("ok\tfine\nCafé\tx\n".encode("cp1252"), "f.csv")
    assert text == "ok\tfine\nCafé\tx\n"
    assert [str(w) for w in warnings] == [
        "f.csv:2:4: warning: not valid UTF-8 (byte 0xe9); read the file as Windows-1252 "
        "instead. Check accented letters and symbols, or save the file as UTF-8 and import it "
        "again"]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "f:1: file is empty"),
    (b"  \n\t\n", "f:1: file is empty"),
    (b"PK\x03\x04\x14\x00\x00\x00", "f:1: this is a zip archive, not a text export"),
    (b"front\tback\nx\x00y", "f:2:2: this is a binary file"),
    (b"a\x81\x8d\x8f\x90\x9d", "f:1:2: invalid UTF-8 (byte 0x81) and not Windows-1252"),
])
def test_decode_hostile_bytes(data: bytes, message: str) -> None:
    with pytest.raises(ConvertError) as e:
        reading.decode_input(data, "f")
    assert str(e.value.messages[0]).startswith(message)


# --------------------------------------------------------------------------- CSV


def test_csv_records_quotes_newlines_comments_and_lines() -> None:
    text = 'a\t"b ""q""\nnext"\n\n# comment\n"x\ty"\tz\t\nlast\n'
    recs = list(records.csv_records(text, "\t"))
    assert [(r.line, r.fields) for r in recs] == [
        (1, ["a", 'b "q"\nnext']), (4, []), (5, ["x\ty", "z", ""]), (6, ["last"])]


def test_csv_unterminated_quote_is_an_error_with_its_line() -> None:
    recs = list(records.csv_records('a,b\n"never closed,x\nmore\n', ","))
    assert recs[0].fields == ["a", "b"]
    assert recs[1].line == 2 and recs[1].error and "never closed" in recs[1].error


@pytest.mark.parametrize(("text", "sep"), [
    ("front\tback, with comma\nf2\tb2\n", "\t"),
    ("a;b, c\nd;e\n", ";"),
    ('"a, b",c\nd,e\n', ","),
    ("What, when?;why\nx;y, z, w\n", ";"),
])
def test_separator_is_sniffed(text: str, sep: str) -> None:
    assert records.sniff_separator(text, 1) == sep


# --------------------------------------------------------------------------- HTML -> Markdown


@pytest.mark.parametrize(("html", "md"), [
    ("a<br>b", "a\\\nb"),
    ("a<br/><br />b", "a\n\nb"),
    ("<div>one</div><div>two</div>", "one\\\ntwo"),
    ("<div>one</div><div><br></div><div>two</div>", "one\n\ntwo"),
    ("<p>one</p><p>two</p>", "one\n\ntwo"),
    ("<b>bold</b> <strong>strong</strong> <i>it</i> <em>em</em>", "**bold** **strong** *it* *em*"),
    ("<b>bold </b>word", "**bold** word"),
    ("x<b> y</b>", "x **y**"),
    ("<b></b>empty", "empty"),
    ("&lt;20 &amp; &gt;55&nbsp;years &ndash; ok", "<20 & >55 years – ok"),
    ("&lt;b&gt; is a tag", "&lt;b> is a tag"),
    ("a < b", "a &lt; b"),
    ("5*3 and *star* and snake_case and _x_", "5\\*3 and \\*star\\* and snake_case and \\_x\\_"),
    ("<span style='color:red'>red</span> <font>f</font> <u>u</u>", "red f u"),
    ("<script>alert(1)</script><style>p{}</style>kept", "kept"),
    ("<ul><li>one</li><li>two</li></ul>after", "- one\n- two\n\nafter"),
    ("<ol><li>a</li><li>b<ul><li>c</li></ul></li></ol>", "1. a\n2. b\n   - c"),
    ("<table><tr><th>A</th><th>B</th></tr><tr><td>1|2</td><td>3</td></tr></table>",
     "| A | B |\n| --- | --- |\n| 1\\|2 | 3 |"),
    ('see <a href="https://example.org/x">the guide</a>', "see [the guide](https://example.org/x)"),
    ('<a href="javascript:alert(1)">click</a>', "click"),
    ("<h2>Title</h2>text", "**Title**\n\ntext"),
    ("text<hr>more", "text\n\nmore"),
    ("![x](y) image syntax", "!\\[x](y) image syntax"),
    ("<!-- comment -->kept", "kept"),
    ("a\\b, \\[x] and end\\", "a\\b, \\\\[x] and end\\\\"),
    ("line\\<br>next", "line\\\\\\\nnext"),
])
def test_html_to_markdown(html: str, md: str) -> None:
    assert html_to_markdown(html)[0] == md


def test_html_media_is_reported() -> None:
    md, media = html_to_markdown('a<img src="x.png"><audio src="s.mp3"></audio>b')
    assert md == "ab" and media == ["image 'x.png'", "audio 's.mp3'"]


@settings(max_examples=examples(300), deadline=None)
@given(st.text())
def test_html_to_markdown_output_always_passes_the_html_check(s: str) -> None:
    md, _ = html_to_markdown(s)
    assert not RAW_HTML.search(md)
    assert not re.search(r"!\[[^\]]*\]\s*\(", md)


@pytest.mark.parametrize("md", [
    "plain text", "**bold** and *italic* and ~~gone~~", "line one\\\nline two",
    "para one\n\npara two", "- a\n- b", "Causes:\n- a\n- b\n\nafter", "1. a\n2. b\n   - c",
    "| A | B |\n| --- | --- |\n| 1 | 2 |", "Age <20 or >55 & `code`", "a &lt;b tag",
    "see [the guide](https://example.org/x)", "escaped \\*star", "a\\b and \\\\[x]",
])
def test_markdown_html_markdown_round_trip(md: str) -> None:
    assert html_to_markdown(markdown_to_html(md))[0] == md


def test_markdown_to_html_shapes() -> None:
    assert markdown_to_html("**b** *i*\nsoft\\\nhard\n\npara") == (
        "<b>b</b> <i>i</i> soft<br>hard<br><br>para")
    assert markdown_to_html("- a\n- b") == "<ul><li>a</li><li>b</li></ul>"
    assert markdown_to_html("x < y & z") == "x &lt; y &amp; z"


# --------------------------------------------------------------------------- Anki fixtures


def test_anki_export_with_html_and_tags() -> None:
    r = imp("anki-notes-html.txt")
    assert r.format == "anki" and r.skipped == []
    cards = [it for it in r.deck.items if isinstance(it, Flashcard)]
    assert len(cards) == 9 and all(re.fullmatch(r"anki-[0-9a-f]{8}", c.id) for c in cards)
    by_front = {c.front: c for c in cards}
    c = by_front["What is **alveolar soft part sarcoma** (ASPS)?"]
    assert c.back == ("A rare, malignant *soft tissue* sarcoma.\\\n"
                      "It makes up less than 1% of soft tissue sarcomas.")
    assert c.tags == ("ASPS", "definition") and c.sources == ("imported",)
    assert by_front['Why is it called "alveolar"?'].back.endswith('("alveoli").')
    assert by_front["Red flags for back pain\\\n(age)"].back == "Age <20 or >55 years"
    assert by_front["Which marker supports ASPS on immunohistochemistry?"].back == (
        "Strong **nuclear TFE3** staining\\\n(from the ASPSCR1–TFE3 fusion)")
    assert by_front["Typical age"].back == "Adolescents and young adults (15–35 years)"
    spread = by_front["**Lung** is the commonest site of spread: true or false?"]
    assert spread.back == "True: lung, then bone and brain"
    assert spread.explanation == "Metastases can appear many years after the primary."
    assert by_front["Dose & route?"].back == "1 mg/kg IV &lt;script>alert(1)&lt;/script>"
    assert by_front["Causes of delay:\n- painless\n- slow-growing"].back == "**Both** of them"
    scan = by_front["Which scan shows the mass?"]
    assert scan.back == "CT of the abdomen"
    media_line = line_of("anki-notes-html.txt", "paste-4f1c2a9b.jpg")
    assert [str(w) for w in r.warnings] == [
        f"{DATA / 'anki-notes-html.txt'}:{media_line}: warning: image 'paste-4f1c2a9b.jpg', "
        "sound 'ct-explainer.mp3', image 'ct.png' dropped: quizapp does not import Anki media "
        "(copy a picture beside the deck and set the item's image field)"]


def test_anki_guid_notetype_and_deck_columns() -> None:
    r = imp("anki-guid-notetype-deck.txt")
    assert r.deck.title == "ASPS" and r.skipped == []
    cards = list(r.deck.items)
    assert [c.id for c in cards] == [
        "anki-" + authoring.short_hash("e)2Vh{k8Fq"), "anki-" + authoring.short_hash("O5#{Kj%Dz!"),
        "anki-" + authoring.short_hash('b8,Tq"x>3P') + "-c1",
        "anki-" + authoring.short_hash('b8,Tq"x>3P') + "-c2",
        "anki-" + authoring.short_hash("Ld0}}p:Qm&")]
    basic, reversed_card, c1, c2, hashnote = cards
    assert isinstance(basic, Flashcard) and basic.tags == ("asps", "site")
    assert basic.back == "In the **legs or arms**; head and neck less often"
    assert isinstance(reversed_card, Flashcard) and reversed_card.reversible
    assert isinstance(c1, Flashcard) and isinstance(c2, Flashcard)
    assert c1.front == ("ASPS carries an [...] fusion, from the translocation "
                        "der(17)t(X;17)(p11;q25).")
    assert c1.back == ("ASPS carries an **ASPSCR1–TFE3** fusion, from the translocation "
                       "der(17)t(X;17)(p11;q25).")
    assert c2.front.endswith("from the translocation [which translocation?].")
    assert c2.back.endswith("**der(17)t(X;17)(p11;q25)**.")
    assert c1.explanation == "Seen in almost all cases."
    assert isinstance(hashnote, Flashcard) and hashnote.front == "#1 reason for late diagnosis?"


def test_anki_pipe_separator_named_columns_and_global_tags() -> None:
    r = imp("anki-pipe-columns.txt")
    assert r.deck.title == "Red flags"
    cards = [c for c in r.deck.items if isinstance(c, Flashcard)]
    assert [(c.front, c.back) for c in cards] == [
        ("Which ages are a red flag?", "Under 20 or over 55"),
        ("Is thoracic pain a red flag?", "Yes, unless it is clearly mechanical"),
        ("Fever with back pain?", "Yes | it can mean infection")]
    assert cards[0].tags == ("from-anki", "back-pain", "age")
    assert "  tags: [from-anki, back-pain]" in r.text  # global tags go into defaults.tags


def test_bare_comma_csv_without_header() -> None:
    r = imp("bare-comma.csv")
    cards = [c for c in r.deck.items if isinstance(c, Flashcard)]
    assert [(c.front, c.back) for c in cards] == [
        ("What is ASPS?", "A rare soft tissue sarcoma, usually in young adults"),
        ("Where does it spread first, usually?", "The lungs"),
        ('What does "alveolar" describe?', "The nest-like, air-sac pattern under the microscope"),
        ("Two-line\\\nfront", "back")]
    assert r.deck.title == "Bare comma"


def test_semicolon_csv_with_a_column_name_row() -> None:
    r = imp("semicolon-header.csv")
    cards = [c for c in r.deck.items if isinstance(c, Flashcard)]
    assert [(c.front, c.back, c.tags) for c in cards] == [
        ("Which ages are a red flag?", "Under 20 or over 55", ("red-flags", "age")),
        ("Is thoracic pain a red flag?", "Yes", ("red-flags",)),
        ("Fever; weight loss?", "Both are red flags", ("red-flags", "systemic"))]
    assert [str(w).split(": warning: ")[1] for w in r.warnings] == [
        "first line read as column names (Front, Back, Tags), not as a card"]


def test_bom_crlf_plain_text_fields() -> None:
    r = imp("bom-crlf.tsv")
    cards = [c for c in r.deck.items if isinstance(c, Flashcard)]
    assert [(c.front, c.back) for c in cards] == [
        ("Café-au-lait spots: how many suggest NF1?", "≥6 spots over 5 mm before puberty"),
        ("Write &lt;b> in plain text", "It stays as text: &lt;b>"),
        ("µg or mg?", "Micrograms (µg)\\\nnot milligrams")]


def test_excel_cp1252_file_is_read_with_a_warning() -> None:
    r = imp("excel-cp1252.csv")
    assert [c.front for c in r.deck.items if isinstance(c, Flashcard)][1] == (
        "Café-au-lait spots – which syndrome?")
    assert len(r.warnings) == 1 and ":2:4: warning: not valid UTF-8" in str(r.warnings[0])


def test_anki_ids_are_stable_when_the_file_is_edited() -> None:
    base = "#separator:tab\n#html:true\nFront one\tBack one\nFront two\tBack two\n"
    edited = ("#separator:tab\n#html:true\nA new card\tnew\nFront two\tBack two EDITED\n"
              "Front one\tBack one\nFront one\tduplicate front\n")
    first = [it.id for it in convert(base.encode(), "a.txt").deck.items]
    second = {it.id: it for it in convert(edited.encode(), "a.txt").deck.items}
    assert set(first) <= set(second)
    edited_card = second[first[1]]
    assert isinstance(edited_card, Flashcard)
    assert edited_card.back == "Back two EDITED"  # edited back, same front: same id
    assert f"{first[0]}-2" in second  # a repeated front gets a suffix


def test_anki_notes_that_cannot_be_converted_are_skipped_with_their_line() -> None:
    text = ("#separator:tab\n#html:true\nok\tfine\n\tno front\nno back\t\n"
            "<img src='a.png'>\tonly media front\n" + "x" * 25_000 + "\ttoo long\n"
            '"open quote\tnever closed\n')
    r = convert(text.encode(), "n.txt")
    assert [it.front for it in r.deck.items if isinstance(it, Flashcard)] == ["ok"]
    assert [str(s) for s in r.skipped] == [
        "n.txt:4: cannot convert note: the front has no text",
        "n.txt:5: cannot convert note: the back is empty (a flashcard needs a front and a back)",
        "n.txt:6: cannot convert note: the front has no text (only media)",
        "n.txt:7: cannot convert note: the front is too long (25,000 characters; the limit is "
        "20,000)",
        "n.txt:8: cannot convert note: a quoted field is never closed (a \" is missing); the "
        "rest of the file was not read",
    ]


def test_anki_comment_lines_in_the_body_are_mentioned() -> None:
    r = convert(b"a\tb\n# not a card\nc\td\n", "c.tsv")
    assert len(r.deck.items) == 2
    assert "c.tsv:2: warning: line starts with '#'" in str(r.warnings[0])


def test_anki_single_column_file_is_a_usage_error() -> None:
    with pytest.raises(ConvertError) as e:
        convert(b"just one column\nand another line\n", "one.csv")
    assert str(e.value.messages[0]).startswith("one.csv:1: cannot find the field separator")


def test_anki_extra_columns_are_reported() -> None:
    r = convert(b"#separator:tab\n#tags column:3\nf\tb\ttag\textra\tmore\n", "x.txt")
    assert r.deck.items[0].tags == ("tag",)
    assert "columns 4, 5 not imported" in str(r.warnings[0])


# --------------------------------------------------------------------------- GIFT fixtures


def test_moodle_export_converts_what_it_can() -> None:
    r = imp("moodle-export.txt")
    assert r.format == "gift" and r.deck.title == "Sarcoma"
    got = items(r)
    assert list(got) == ["asps-marker", "red-flags-select-all", "asps-is-common", "ct-image",
                         "markers-in-a-table"]
    marker = got["asps-marker"]
    assert isinstance(marker, Question) and marker.kind == "single"
    assert marker.stem == ("Which immunohistochemical marker best supports **alveolar soft part "
                           "sarcoma**?")
    assert [(o.text, o.correct, o.explanation) for o in marker.options] == [
        ("Nuclear TFE3", True, "Correct: strong nuclear TFE3 staining supports ASPS."),
        ("Desmin", False, "A muscle marker; it does not type ASPS."),
        ("Cytokeratin", False, "An epithelial marker.")]
    assert marker.explanation == "Diagnosis rests on histology plus immunohistochemistry."
    flags = got["red-flags-select-all"]
    assert isinstance(flags, Question) and flags.kind == "multi"
    assert flags.correct_indices == (0, 1, 2)
    assert flags.stem == ("A 60-year-old has back pain. Which features are *red flags*? Select "
                          "all that apply.")
    tf = got["asps-is-common"]
    assert isinstance(tf, Question) and not tf.shuffle
    assert [(o.text, o.correct, o.explanation) for o in tf.options] == [
        ("True", False, "It is very rare: under 1%."), ("False", True, "Right, it is rare.")]
    assert tf.explanation == "Less than 1% of soft tissue sarcomas are ASPS."
    table = got["markers-in-a-table"]
    assert isinstance(table, Question)
    assert table.stem == ("Which marker is **positive** here?\n\n| Marker | Result |\n"
                          "| --- | --- |\n| TFE3 | + |\n| Desmin | − |")
    assert [o.text for o in table.options] == ["TFE3 & nothing else", "Desmin",
                                               "Both &lt;TFE3 and desmin>"]
    f = str(DATA / "moodle-export.txt")
    assert [str(s) for s in r.skipped] == [
        f"{f}:{line_of('moodle-export.txt', '::Marker (short')}: cannot convert question "
        "'Marker (short answer)': a short-answer question ({=answer}) has no wrong options to "
        "choose from",
        f"{f}:{line_of('moodle-export.txt', '::Match::')}: cannot convert question 'Match': a "
        "matching question (->) cannot be converted",
        f"{f}:{line_of('moodle-export.txt', '::Age::')}: cannot convert question 'Age': a "
        "numerical question ({#...}) has no options to choose from",
        f"{f}:{line_of('moodle-export.txt', '::Essay::')}: cannot convert question 'Essay': an "
        "essay question (empty answer block {}) has no options to choose from",
        f"{f}:{line_of('moodle-export.txt', '::Intro::')}: cannot convert question 'Intro': it "
        "has no answer block {...} (a description or text-only item)",
    ]
    assert [str(w) for w in r.warnings] == [
        f"{f}:{line_of('moodle-export.txt', '::CT image')}: warning: question 'CT image': image "
        "'@@PLUGINFILE@@/ct.png' dropped: quizapp does not import embedded media"]


def test_handwritten_gift() -> None:
    r = imp("handwritten.gift")
    got = items(r)
    assert list(got) == ["rf-age", "rf-thoracic", "gift-" + authoring.short_hash(
        "Non-mechanical pain (not eased by rest) is a red flag.\n=True\n~False"), "escapes",
        "missing-word",
        "multi-line", "md-question", "plain-question", "red-flags-select-all", "partial",
        "rf-age-2"]
    age = got["rf-age"]
    assert isinstance(age, Question)
    assert [(o.text, o.explanation) for o in age.options][1] == (
        "Between 20 and 55", "No: that is the usual age of simple back pain.")
    thoracic = got["rf-thoracic"]
    assert isinstance(thoracic, Question) and thoracic.correct_indices == (0,)
    assert [o.text for o in thoracic.options] == ["True", "False"]
    nonmech = list(got.values())[2]
    assert isinstance(nonmech, Question) and nonmech.correct_indices == (0,)
    assert [o.explanation for o in nonmech.options] == ["Yes, pain at rest is worrying.",
                                                        "Look again: it is."]
    esc = got["escapes"]
    assert isinstance(esc, Question)
    assert esc.stem == "Which is written with GIFT escapes: 1 = 1, a ~ b, #3, {x} and a:b?"
    assert esc.options[0].text == "1 = 1 and a ~ b"
    missing = got["missing-word"]
    assert isinstance(missing, Question)
    assert missing.stem == "The BMJ patient had a _____ mass invading L2."
    assert [o.text for o in missing.options] == ["retroperitoneal", "pelvic", "thigh"]
    multi_line = got["multi-line"]
    assert isinstance(multi_line, Question)
    assert multi_line.stem == ("A 35-year-old man has had back pain\\\nfor two years. It is "
                               "getting worse.\\\nWhich is the best next step?")
    assert multi_line.explanation == "The absence of red flags does not exclude serious disease."
    md = got["md-question"]
    assert isinstance(md, Question) and md.options[0].text == "Saddle *anaesthesia*"
    plain = got["plain-question"]
    assert isinstance(plain, Question) and plain.stem == "Is 5 * 3 > 2 * 7?"
    weighted = got["red-flags-select-all"]
    assert isinstance(weighted, Question) and weighted.kind == "multi"
    assert weighted.correct_indices == (0, 1)
    partial = got["partial"]
    assert isinstance(partial, Question) and partial.correct_indices == (0,)
    f = str(DATA / "handwritten.gift")
    assert [str(s) for s in r.skipped] == [
        f"{f}:{line_of('handwritten.gift', 'lowercase-tf')}: cannot convert question "
        "'lowercase-tf': a short-answer question ({=answer}) has no wrong options to choose "
        "from (for true/false write {T} or {F})",
        f"{f}:{line_of('handwritten.gift', 'two-right')}: cannot convert question 'two-right': "
        "several answers are marked fully correct (=) in a single-answer question; quizapp's "
        "single-best-answer question has exactly one",
        f"{f}:{line_of('handwritten.gift', '::braces')}: cannot convert question 'braces': "
        "unbalanced braces: an answer block needs both { and } (write \\{ or \\} for a literal "
        "brace)",
    ]
    assert [str(w) for w in r.warnings] == [
        f"{f}:{line_of('handwritten.gift', '::partial')}: warning: question 'partial': partial "
        "credit for option B dropped (marked wrong)"]


def test_gift_categories_become_tags_when_there_are_several() -> None:
    r = imp("categories.gift")
    assert [(it.id, it.tags) for it in r.deck.items] == [("q1", ("red-flags",)),
                                                          ("q2", ("diagnosis",))]


@pytest.mark.parametrize(("gift", "reason"), [
    ("::q::Text {=a ~b} more {=c ~d}", "a second answer block"),
    ("::q::{=a ~b}", "the question text is empty"),
    ("::q::Text {~a ~b}", "no answer has a positive weight"),
    ("::q::Text {=only}", "short-answer question"),
    ("::q::Text {= ~b}", "answer 1 is empty"),
    ("::q::Text {junk ~a =b}", "text before the first answer"),
    ("::q::Text {=a " + " ".join(f"~w{i}" for i in range(10)) + "}", "it has 11 options"),
    ("::q::Text {=a ~b}}", "a stray { or }"),
])
def test_gift_questions_that_cannot_be_converted(gift: str, reason: str) -> None:
    with pytest.raises(ConvertError) as e:
        convert(f"{gift}\n".encode(), "q.gift")
    assert reason in str(e.value.messages[0])
    assert str(e.value.messages[0]).startswith("q.gift:1: cannot convert question 'q': ")
    assert str(e.value.messages[-1]) == ("q.gift:1: nothing to import: no question could be "
                                         "converted")


def test_gift_blank_line_inside_answers_is_tolerated_with_a_warning() -> None:
    r = convert(b"::q::Which?{\n=right\n\n~wrong\n}\n", "b.gift")
    q = r.deck.items[0]
    assert isinstance(q, Question) and [o.text for o in q.options] == ["right", "wrong"]
    assert "b.gift:4: warning: blank line inside an answer block" in str(r.warnings[0])


def test_gift_names_are_slugified_and_deduplicated() -> None:
    text = "::Q 1: Fever?::A{T}\n\n::q-1-fever::B{F}\n\n::***::C{T}\n"
    r = convert(text.encode(), "n.gift")
    assert [it.id for it in r.deck.items] == ["q-1-fever", "q-1-fever-2",
                                              "gift-" + authoring.short_hash("C\n=True\n~False")]


def test_gift_unicode_and_general_feedback_with_objective() -> None:
    text = ("::q::[markdown]Température ≥ 38 °C?{=Oui#Bien ~Non####Fièvre.\\n\\n"
            "**Learning objective\\:** Reconnaître la fièvre.}\n")
    q = convert(text.encode(), "u.gift").deck.items[0]
    assert isinstance(q, Question)
    assert q.stem == "Température ≥ 38 °C?" and q.explanation == "Fièvre."
    assert q.objective == "Reconnaître la fièvre." and q.options[0].explanation == "Bien"


def test_detect_format() -> None:
    assert registry.detect_format("x.gift", "a\tb") == "gift"
    assert registry.detect_format("x.csv", "::a::b{T}") == "anki"
    assert registry.detect_format("x.txt", "#separator:tab\na\tb") == "anki"
    assert registry.detect_format("x.txt", "// question: 1  name: a\n::a::b{T}") == "gift"
    assert registry.detect_format("x.txt", "Which? {=a ~b}") == "gift"
    assert registry.detect_format("x.txt", "front\tback") == "anki"
    assert registry.detect_format("x.txt", "just words") is None


# --------------------------------------------------------------------------- output


def test_written_yaml_is_readable_and_valid(tmp_path: Path) -> None:
    out = tmp_path / "imported.yaml"
    r = convert((DATA / "anki-notes-html.txt").read_bytes(), "anki-notes-html.txt",
                out_path=out, today=TODAY)
    lines = r.text.splitlines()
    assert lines[0] == "# yaml-language-server: $schema=deck.schema.json"
    assert any(line.startswith("# Imported by `quizapp import` from anki-notes-html.txt "
                               "(Anki text export) on 2025-03-14") for line in lines)
    assert "    back: |-\n      A rare, malignant *soft tissue* sarcoma.\\\n" in r.text
    assert "    tags: [ASPS, definition]\n" in r.text
    data = yaml.safe_load(r.text)
    assert data["sources"] == {"imported": {
        "citation": "Imported from anki-notes-html.txt on 2025-03-14",
        "note": "Placeholder written by quizapp import: replace it with the real source(s) of "
                "these facts."}}
    assert data["defaults"]["source"] == "imported" and data["id"] == "imported"
    deck = deckfile.parse(r.text, str(out), out)
    assert all(it.sources == ("imported",) for it in deck.items)


def test_deck_id_never_clashes_with_a_bundled_deck(tmp_path: Path) -> None:
    r = convert(b"a\tb\n", "x.txt", out_path=tmp_path / "asps-essentials.yaml")
    assert r.deck.id == "asps-essentials-2"


def test_deck_id_and_title_options() -> None:
    r = imp("bare-comma.csv", deck_id="my-anki", title="My Anki: cards")
    assert (r.deck.id, r.deck.title) == ("my-anki", "My Anki: cards")


@settings(max_examples=examples(150), deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from([*'ab \t\n,;"#{}=~%:\\<>&*_!-TF', "<b>", "</b>", "<br>",
                                 "{{c1::", "}}", "::", "####", "&nbsp;", "<img src=x>", "\r\n",
                                 "é", "[html]", "->", "%50%"]),
                max_size=60).map("".join),
       st.sampled_from(["auto", "anki", "gift"]))
def test_convert_never_crashes(text: str, fmt: str) -> None:
    try:
        r = convert(text.encode("utf-8"), "fuzz.txt", fmt=fmt)
    except ConvertError as e:
        assert e.messages and all(m.line >= 1 for m in e.messages)
        return
    assert r.deck.items
    deckfile.parse(r.text)


# --------------------------------------------------------------------------- commands


def test_cli_import_writes_a_valid_deck(tmp_path: Path) -> None:
    out = tmp_path / "asps.yaml"
    code, stdout, err = run("import", str(DATA / "anki-notes-html.txt"), "-o", str(out))
    assert code == 0 and stdout == ""
    assert f"{out}: 9 items imported from {DATA / 'anki-notes-html.txt'} (Anki text export)" in err
    assert run("validate", "--no-cache", str(out))[0] == 0


def test_cli_import_with_skipped_items_exits_1_and_still_writes(tmp_path: Path) -> None:
    out = tmp_path / "moodle.yaml"
    code, _, err = run("import", str(DATA / "moodle-export.txt"), "-o", str(out))
    assert code == 1 and out.is_file()
    assert err.count(": cannot convert question ") == 5
    assert "5 items imported" in err and "5 skipped" in err


def test_cli_import_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "d.yaml"
    out.write_text("keep me", encoding="utf-8")
    code, _, err = run("import", str(DATA / "bare-comma.csv"), "-o", str(out))
    assert code == 2 and "already exists" in err and "--force" in err
    assert out.read_text(encoding="utf-8") == "keep me"
    assert run("import", str(DATA / "bare-comma.csv"), "-o", str(out), "--force")[0] == 0
    assert out.read_text(encoding="utf-8") != "keep me"


@pytest.mark.parametrize(("setup", "args", "message"), [
    (None, ["missing.txt", "-o", "out.yaml"], "no such file"),
    ("binary", ["in.bin", "-o", "out.yaml"], "in.bin:3:1: this is a binary file"),
    ("empty", ["in.txt", "-o", "out.yaml"], "in.txt:1: file is empty"),
    ("words", ["in.txt", "-o", "out.yaml"], "cannot tell whether this is an Anki"),
    ("gift-bad", ["in.gift", "-o", "out.yaml"], "nothing to import"),
    ("words", ["in.txt", "-o", "out.txt"], "must end in .yaml or .yml"),
    ("words", ["in.txt", "-o", "nowhere/out.yaml"], "does not exist"),
    ("words", ["in.txt", "-o", "out.yaml", "--id", "bad id"], "not a valid deck id"),
])
def test_cli_import_usage_errors_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       setup: str | None, args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    contents = {"binary": (b"\x89PNG\r\n\x1a\n\x00\x00", "in.bin"), "empty": (b"", "in.txt"),
                "words": (b"just some words\n", "in.txt"),
                "gift-bad": (b"::a::Essay{}\n", "in.gift")}
    if setup:
        data, name = contents[setup]
        (tmp_path / name).write_bytes(data)
    code, _, err = run("import", *args)
    assert code == 2 and message in err
    assert not (tmp_path / "out.yaml").exists()
    assert "Traceback" not in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and /dev/zero are POSIX")
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_cli_import_reads_only_regular_files(tmp_path: Path, kind: str) -> None:
    """A FIFO with no writer used to block forever and /dev/zero to be read without end
    (5.3 GB after 10 s): both are refused with a message before anything is read."""
    src = tmp_path / "in.txt"
    if kind == "fifo":
        os.mkfifo(src)
    else:
        src = Path("/dev/zero")
    out = tmp_path / "out.yaml"
    code, _, err = run("import", str(src), "-o", str(out))
    what = "a pipe (FIFO)" if kind == "fifo" else "a device"
    assert code == 2 and err.startswith(
        f"{src}:1: this is {what}, not a file; import reads only ordinary files")
    assert "Traceback" not in err and not out.exists()


def test_convert_path_reads_a_regular_file_up_to_the_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "q.gift"
    src.write_text("::q1:: 2+2? {=4 ~5}\n", encoding="utf-8")
    assert len(conversion.convert_path(src, today=TODAY).deck.items) == 1
    monkeypatch.setattr(conversion, "MAX_BYTES", 10)
    with pytest.raises(messages.ConvertError) as e:
        conversion.convert_path(src, today=TODAY)
    assert str(e.value.messages[0]).startswith(f"{src}:1: file is too large (20 bytes; the "
                                               "limit is 10)")


@pytest.mark.parametrize("how", ["same", "symlink", "dotdot"])
def test_cli_import_refuses_to_overwrite_its_own_input(tmp_path: Path, how: str) -> None:
    """Export refused to overwrite its input; import, even with --force, replaced it."""
    src = tmp_path / "questions.yaml"  # GIFT questions in a file named .yaml
    src.write_text("::q1:: 2+2? {=4 ~5}\n", encoding="utf-8")
    out = {"same": src, "dotdot": tmp_path / "sub" / ".." / "questions.yaml",
           "symlink": tmp_path / "link.yaml"}[how]
    (tmp_path / "sub").mkdir()
    if how == "symlink":
        out.symlink_to(src)
    code, _, err = run("import", str(src), "-o", str(out), "--format", "gift", "--force")
    assert code == 2 and f"the output {out} is the file being imported" in err
    assert src.read_text(encoding="utf-8") == "::q1:: 2+2? {=4 ~5}\n"
    assert run("import", str(src), "-o", str(tmp_path / "deck.yaml"), "--format", "gift")[0] == 0
    # The app's File > Import goes through convert_path, which refuses it as well.
    with pytest.raises(ConvertError) as e:
        conversion.convert_path(src, fmt="gift", out_path=out)
    assert str(e.value.messages[0]) == (f"{src}:1: the deck would replace the file being "
                                        "imported; choose another name for the deck")


def test_cli_import_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as e:
        run("import", str(DATA / "bare-comma.csv"), "-o", str(tmp_path / "x.yaml"),
            "--format", "xml")
    assert e.value.code == 2


def test_cli_import_forced_format(tmp_path: Path) -> None:
    src = tmp_path / "questions.txt"
    src.write_text("Which? {=a ~b}\n", encoding="utf-8")
    code, _, _ = run("import", str(src), "-o", str(tmp_path / "q.yaml"), "--format", "gift")
    assert code == 0
    code, _, err = run("import", str(src), "-o", str(tmp_path / "a.yaml"), "--format", "anki")
    assert code == 2 and "cannot find the field separator" in err


def test_cli_export_and_reimport(tmp_path: Path) -> None:
    gift = tmp_path / "out.gift"
    code, _, err = run("export", str(DECKS / "back-pain-red-flags.yaml"), "-o", str(gift))
    assert code == 0 and "flashcards not exported" in err
    code, _, _ = run("import", str(gift), "-o", str(tmp_path / "again.yaml"))
    assert code == 0
    anki = tmp_path / "out.tsv"
    assert run("export", str(DECKS / "back-pain-red-flags.yaml"), "-o", str(anki))[0] == 0
    assert anki.read_text(encoding="utf-8").startswith("#separator:tab\n#html:true\n")
    code, _, err = run("export", str(DECKS / "back-pain-red-flags.yaml"), "-o", str(anki))
    assert code == 2 and "already exists" in err


def test_cli_export_to_stdout(tmp_path: Path) -> None:
    code, out, _ = run("export", str(DECKS / "asps-essentials.yaml"), "-o", "-", "--format",
                       "anki")
    assert code == 0 and out.startswith("#separator:tab")


def test_cli_export_usage_and_problems(tmp_path: Path) -> None:
    code, _, err = run("export", str(DECKS / "asps-essentials.yaml"), "-o",
                       str(tmp_path / "x.docx"))
    assert code == 2 and "--format anki or --format gift" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text(VALID_DECK.replace("answer: A", "answer: F"), encoding="utf-8")
    code, _, err = run("export", str(bad), "-o", str(tmp_path / "x.gift"))
    assert code == 1 and f"{bad}:18:13:" in err and not (tmp_path / "x.gift").exists()
    only_cards = tmp_path / "cards.yaml"
    only_cards.write_text(VALID_DECK.split("  - id: q1")[0], encoding="utf-8")
    code, _, err = run("export", str(only_cards), "-o", str(tmp_path / "x.gift"))
    assert code == 2 and "no questions to export" in err
    code, _, err = run("export", str(tmp_path / "missing.yaml"), "-o", str(tmp_path / "m.gift"))
    assert code == 2 and "no such file" in err


# --------------------------------------------------------------------------- review findings


def test_gift_ids_without_names_hash_the_options_so_they_are_stable_and_distinct() -> None:
    aspirin = "Which is true?{=Aspirin inhibits COX ~Aspirin is an opioid}\n"
    insulin = "Which is true?{=Insulin lowers glucose ~Insulin raises glucose}\n"
    warfarin = "Which is true?{=Warfarin needs INR checks ~Warfarin is an NSAID}\n"
    first = convert((aspirin + "\n" + insulin).encode(), "v1.gift")
    second = convert((warfarin + "\n" + aspirin + "\n" + insulin).encode(), "v2.gift")
    ids1 = [it.id for it in first.deck.items]
    ids2 = [it.id for it in second.deck.items]
    assert len(set(ids2)) == 3 and all(re.fullmatch(r"gift-[0-9a-f]{8}", i) for i in ids2)
    assert ids2[1:] == ids1  # a question added in front changes no other id
    assert ids1[0] == "gift-" + authoring.short_hash(
        "Which is true?\n=Aspirin inhibits COX\n~Aspirin is an opioid")
    # which option is right is part of the identity too
    flipped = convert(b"Which is true?{~Aspirin inhibits COX =Aspirin is an opioid}\n", "f.gift")
    assert flipped.deck.items[0].id != ids1[0]


@pytest.mark.parametrize(("html", "md"), [
    ("&gt; 50 years", "\\> 50 years"),
    ("# 1 cause", "\\# 1 cause"),
    ("#1 cause", "#1 cause"),  # not a heading: left alone
    ("1. night pain", "1\\. night pain"),
    ("2) second", "2\\) second"),
    ("- weight loss", "\\- weight loss"),
    ("* star", "\\* star"),
    ("+ plus", "\\+ plus"),
    ("---", "\\---"),
    ("-5 °C", "-5 °C"),
    ("Red flag:<br>&gt; 50 years old<br>- weight loss<br>1. night pain",
     "Red flag:\\\n\\> 50 years old\\\n\\- weight loss\\\n1\\. night pain"),
    ("<div># x</div><div>+ y</div>", "\\# x\\\n\\+ y"),
    ("<ul><li>- dash</li><li>1. one</li></ul>", "- \\- dash\n- 1\\. one"),
    ("<ol><li>a<ul><li>&gt; q</li></ul></li></ol>", "1. a\n   - \\> q"),
    ("<span>1</span>. split by a tag", "1\\. split by a tag"),
])
def test_text_that_looks_like_markdown_blocks_is_escaped(html: str, md: str) -> None:
    assert html_to_markdown(html)[0] == md


def test_plain_text_line_starts_are_escaped() -> None:
    assert markup.plain_to_markdown("> quoted\n# hash\n1. one\n- dash") == (
        "\\> quoted\\\n\\# hash\\\n1\\. one\\\n\\- dash")
    r = convert(b"#separator:tab\n#html:false\nRed flags?\t\"> 50\n- weight loss\"\n", "p.txt")
    card = r.deck.items[0]
    assert isinstance(card, Flashcard) and card.back == "\\> 50\\\n\\- weight loss"
    gift = convert(b"::q::[plain]# 1 cause?{=> 50 ~- none}\n", "p.gift").deck.items[0]
    assert isinstance(gift, Question) and gift.stem == "\\# 1 cause?"
    assert [o.text for o in gift.options] == ["\\> 50", "\\- none"]


ESCAPED_DECK = """\
format: 1
id: escapes
title: Escapes
sources:
  src: {citation: A source}
defaults: {source: src}
items:
  - id: fc1
    type: flashcard
    front: "\\\\# 1 cause of back pain?"
    back: "\\\\> 50 years\\\\\\n\\\\- weight loss\\\\\\n1\\\\. night pain"
    explanation: "10⁹/L and t\\\\_(1/2) and H₂O"
  - id: q1
    type: single
    stem: "\\\\> 50 or \\\\< 20?"
    options:
      - {text: "1\\\\. first", explanation: "\\\\- yes"}
      - {text: "\\\\+ plus"}
    answer: A
"""


def test_escaped_line_starts_round_trip_and_are_unescaped_on_export(tmp_path: Path) -> None:
    p = tmp_path / "e.yaml"
    p.write_text(ESCAPED_DECK, encoding="utf-8")
    deck = deckfile.load(p)
    fc = deck.items[0]
    assert isinstance(fc, Flashcard)
    assert fc.back == "\\> 50 years\\\n\\- weight loss\\\n1\\. night pain"
    anki, _ = anki_export.export_anki(deck)
    note = anki.splitlines()[5].split("\t", 1)[1]  # after the GUID
    # Anki shows HTML: the text as written, with no Markdown backslashes left
    assert note.startswith('"# 1 cause of back pain?"\t&gt; 50 years<br>- weight loss<br>'
                           "1. night pain<hr>10⁹/L and t_(1/2) and H₂O")
    back = convert(anki.encode(), "rt.txt").deck.items[0]
    assert isinstance(back, Flashcard)
    assert (back.front, back.back, back.explanation) == (fc.front, fc.back, fc.explanation)
    gift, _ = gift_export.export_gift(deck, TODAY)
    q = convert(gift.encode(), "rt.gift").deck.items[0]
    orig = deck.items[1]
    assert isinstance(q, Question) and isinstance(orig, Question)
    assert q.stem == orig.stem and [(o.text, o.explanation) for o in q.options] == [
        (o.text, o.explanation) for o in orig.options]


@pytest.mark.parametrize(("html", "md"), [
    ("4&ndash;11 &times; 10<sup>9</sup>/L", "4–11 × 10⁹/L"),
    ("mg/m<sup>2</sup>", "mg/m²"),
    ("H<sub>2</sub>O", "H₂O"),
    ("Ca<sup>2+</sup> and x<sup>-1</sup> and x<sup>n</sup> and x<sup>(i)</sup>",
     "Ca²⁺ and x⁻¹ and xⁿ and x⁽ⁱ⁾"),
    ("CO<sub>2</sub><sup>2&minus;</sup>", "CO₂²⁻"),
    ("P<sub>a</sub>O<sub>2</sub>", "PₐO₂"),
    ("10<sup><b>9</b></sup>", "10⁹"),
    ("e<sup>i&pi;</sup>", "e^(iπ)"),
    ("HbA<sub>1c</sub>", "HbA\\_(1c)"),
    ("t<sub>1/2</sub>", "t\\_(1/2)"),
    ("note<sup>*</sup>", "note^(\\*)"),
    ("x<sup> </sup>y", "x y"),
    ("unclosed<sup>2", "unclosed²"),
])
def test_sup_and_sub_are_kept(html: str, md: str) -> None:
    assert html_to_markdown(html)[0] == md


def test_sup_in_an_anki_note_and_its_round_trip() -> None:
    r = convert(b"#separator:tab\n#html:true\nNormal WBC?\t4-11 x 10<sup>9</sup>/L\n"
                b"Half-life\tt<sub>1/2</sub>\n", "s.txt")
    assert [c.back for c in r.deck.items if isinstance(c, Flashcard)] == [
        "4-11 x 10⁹/L", "t\\_(1/2)"]
    again = convert(anki_export.export_anki(r.deck)[0].encode(), "s2.txt")
    assert [c.back for c in again.deck.items if isinstance(c, Flashcard)] == [
        "4-11 x 10⁹/L", "t\\_(1/2)"]


def test_header_row_maps_columns_by_name_with_explanation_and_source() -> None:
    text = ("Question,Answer,Explanation,Source\n"
            "First-line drug for absence seizures?,Ethosuximide,Valproate if also tonic-clonic,"
            "BNF 2024\nAntidote for warfarin?,Vitamin K,Plus PCC if major bleeding,NICE\n"
            "Antidote for paracetamol?,Acetylcysteine,,BNF 2024\nNo source?,None,,\n")
    r = convert(text.encode(), "four.csv")
    cards = [c for c in r.deck.items if isinstance(c, Flashcard)]
    assert [(c.front, c.back, c.explanation, c.tags, c.sources) for c in cards] == [
        ("First-line drug for absence seizures?", "Ethosuximide",
         "Valproate if also tonic-clonic", (), ("bnf-2024",)),
        ("Antidote for warfarin?", "Vitamin K", "Plus PCC if major bleeding", (), ("nice",)),
        ("Antidote for paracetamol?", "Acetylcysteine", None, (), ("bnf-2024",)),
        ("No source?", "None", None, (), ("imported",))]
    assert {k: s.citation for k, s in r.deck.sources.items() if k != "imported"} == {
        "bnf-2024": "BNF 2024", "nice": "NICE"}
    assert [str(w) for w in r.warnings] == [
        "four.csv:1: warning: first line read as column names (Question, Answer, Explanation, "
        "Source), not as a card"]


def test_header_row_is_case_insensitive_and_names_unknown_columns() -> None:
    text = ("FRONT\tBACK\tDifficulty\tEXTRA\tTags\tReverse\n"
            "Atenolol\tbeta-1 blocker\thard\tcardioselective\tpharm beta\ty\n"
            "Digoxin\tNa/K ATPase inhibitor\teasy\t\tpharm\t\n")
    r = convert(text.encode(), "h.tsv")
    cards = [c for c in r.deck.items if isinstance(c, Flashcard)]
    assert [(c.front, c.back, c.explanation, c.tags, c.reversible) for c in cards] == [
        ("Atenolol", "beta-1 blocker", "cardioselective", ("pharm", "beta"), True),
        ("Digoxin", "Na/K ATPase inhibitor", None, ("pharm",), False)]
    assert len(r.deck.items) == 2  # the header is not a card
    unknown = [str(w) for w in r.warnings if "not imported" in str(w)]
    assert len(unknown) == 1 and unknown[0].startswith(
        "h.tsv:1: warning: column 3 'Difficulty' not imported: quizapp does not know this "
        "column name (it knows Front")
    # the same with Anki's #columns: header line
    r2 = convert(b"#separator:tab\n#columns:Front\tBack\tChapter\tMnemonic\nf\tb\tc1\tm\n",
                 "c.txt")
    assert ["c.txt:2: warning: columns 3 'Chapter', 4 'Mnemonic' not imported: quizapp does "
            "not know these column names" in str(w) for w in r2.warnings] == [True]


def test_a_first_row_of_card_text_is_not_a_header() -> None:
    r = convert(b"Question about the heart,Answer: the aorta,extra\nf,b,x\n", "n.csv")
    assert len(r.deck.items) == 2


def test_image_occlusion_and_media_only_notes_are_skipped_with_a_reason() -> None:
    text = ("#separator:tab\n#html:true\n#notetype column:1\n#tags column:5\n"
            "Basic\tWhat?\tThat\t\tok\n"
            "Image Occlusion\t{{c1::image-occlusion:rect:left=.2:top=.4:width=.1:height=.05:"
            "oi=1}}<br>{{c2::image-occlusion:rect:left=.5:top=.3:width=.1:height=.05:oi=1}}\t"
            "<img src=\"heart.png\">\tChambers\tanatomy\n"
            "Cloze\t{{c1::image-occlusion:ellipse:left=.1:top=.1:width=.2:height=.2}}\t"
            "<img src=\"a.png\">\t\t\n"
            "Basic\t<img src=\"front.png\">\t<img src=\"back.png\">\t\t\n"
            "Basic\tWhat is shown?\t<img src=\"back.png\">\t\t\n"
            "Cloze\tThe {{c1::<img src=\"x.png\">}} shows {{c2::the aorta}}\t\t\t\n")
    r = convert(text.encode(), "io.txt")
    assert [(it.id.rsplit("-", 1)[-1], it.front) for it in r.deck.items
            if isinstance(it, Flashcard)] == [
        (r.deck.items[0].id.rsplit("-", 1)[-1], "What?"), ("c2", "The shows [...]")]
    assert [str(s) for s in r.skipped] == [
        "io.txt:6: cannot convert note: an Image Occlusion note (parts of a picture to "
        "uncover) has no text to ask; quizapp does not import Anki pictures",
        "io.txt:7: cannot convert note: an Image Occlusion note (parts of a picture to "
        "uncover) has no text to ask; quizapp does not import Anki pictures",
        "io.txt:8: cannot convert note: the front has no text (only media)",
        "io.txt:9: cannot convert note: the back has no text (only media)",
        "io.txt:10: cannot convert cloze c1: the hidden part is only media (quizapp does not "
        "import Anki media)"]


def test_nested_and_unclosed_clozes_are_skipped_with_a_message() -> None:
    text = ("#separator:tab\n#html:true\n#notetype:Cloze\n"
            "Nested {{c1::outer {{c2::inner}} text}} ok\textra\n"
            "Fine {{c1::one}} and {{c2::two}}\t\n"
            "Never {{c1::closed\t\n"
            "Math {{c1::\\(x^{2^{n}}\\)}} here\t\n")
    r = convert(text.encode(), "n.txt")
    assert [it.id.rsplit("-", 1)[-1] for it in r.deck.items] == ["c1", "c2", "c1"]
    assert [str(s) for s in r.skipped] == [
        "n.txt:4: cannot convert note: nested clozes ({{c1::... {{c2::...}} ...}}) are not "
        "supported; un-nest them in Anki first",
        "n.txt:6: cannot convert note: a cloze deletion {{c...:: is never closed with }}"]
    assert [str(w) for w in r.warnings] == [
        "n.txt:7: warning: a '}}' is left over after a cloze deletion, which may have ended "
        "early (braces such as {2^{n}} inside a cloze need a space: {2^{n} }); check this card"]


def _deck_with_reversible(tmp_path: Path) -> Deck:
    p = tmp_path / "r.yaml"
    p.write_text(VALID_DECK.replace("    back: Back\n", "    back: Back\n    reversible: true\n")
                 .replace("  - id: q1\n", "  - id: fc2\n    type: flashcard\n    front: F2\n"
                          "    back: B2\n    source: src\n  - id: q1\n", 1), encoding="utf-8")
    return deckfile.load(p)


def test_export_anki_writes_reversible_flashcards_with_their_note_type(tmp_path: Path) -> None:
    deck = _deck_with_reversible(tmp_path)
    text, notes = anki_export.export_anki(deck)
    lines = text.splitlines()
    assert lines[:6] == ["#separator:tab", "#html:true", "#guid column:1", "#notetype column:2",
                         "#columns:GUID\tNotetype\tFront\tBack\tTags", "#tags column:5"]
    rows = [line.split("\t", 1)[1] for line in lines[6:]]  # after the GUID
    assert rows[0] == "Basic (and reversed card)\tFront\tBack\t"
    assert rows[1] == "Basic\tF2\tB2\t"
    assert rows[2].startswith("Basic\tWhich one?<br><br>A. ")
    assert notes == []
    back = convert(text.encode(), "r.txt")
    assert back.skipped == [] and back.warnings == []
    cards = [c for c in back.deck.items if isinstance(c, Flashcard)]
    assert [(c.front, c.reversible) for c in cards[:2]] == [("Front", True), ("F2", False)]
    # a deck without reversible cards keeps the plain three columns
    assert anki_export.export_anki(load_valid(tmp_path))[0].startswith(
        "#separator:tab\n#html:true\n#guid column:1\n#columns:GUID\tFront\tBack\tTags\n"
        "#tags column:4\n")


def test_import_honours_reversed_note_types_and_add_reverse() -> None:
    text = ("#separator:tab\n#html:true\n#notetype column:1\n#tags column:5\n"
            "Basic (optional reversed card)\tAtenolol\tbeta-1 blocker\ty\tpharm\n"
            "Basic (optional reversed card)\tDigoxin\tNa/K ATPase inhibitor\t\tpharm\n"
            "Basic (and reversed card)\tFurosemide\tLoop diuretic\t\trenal\n"
            "Basic-reverse\tNaloxone\tOpioid antidote\t\ttox\n"
            "Basic\tSomething\tElse\t\t\n")
    r = convert(text.encode(), "o.txt")
    assert [(c.front, c.reversible) for c in r.deck.items if isinstance(c, Flashcard)] == [
        ("Atenolol", True), ("Digoxin", False), ("Furosemide", True), ("Naloxone", True),
        ("Something", False)]
    assert r.warnings == []  # column 4 is the Add Reverse field, not an unused column
    named = convert(b"#separator:tab\n#columns:Front\tBack\tAdd Reverse\nA\tB\tyes\nC\tD\t\n"
                    b"E\tF\tno\n", "a.txt")
    assert [c.reversible for c in named.deck.items if isinstance(c, Flashcard)] == [
        True, False, False]


def test_headerless_tsv_with_braces_is_read_as_anki() -> None:
    text = "Pressure formula\tP = [$]\\frac{F}{A}[/$]\tphysio\nForce\t{F} = ma\tphysio\n"
    assert registry.detect_format("old.txt", text) == "anki"
    r = convert(text.encode(), "old.txt")
    assert r.format == "anki" and len(r.deck.items) == 2 and r.skipped == []


def test_a_wrong_guess_of_the_format_says_so_and_suggests_the_other(tmp_path: Path) -> None:
    text = "Pressure formula\tP = {F}/{A}\nUnits\tPa\nRemember the definition\n"
    assert registry.detect_format("mixed.txt", text) == "gift"
    with pytest.raises(ConvertError) as e:
        convert(text.encode(), "mixed.txt")
    assert str(e.value.messages[-1]) == (
        "mixed.txt:1: the format was guessed as Moodle GIFT file (from answer braces such as "
        "{=...} or {T}) and most of the file could not be converted; if it is an Anki text "
        "export, import it again with --format anki")
    # most lines fail, some convert: a warning
    partial = ("Which?{=a ~b}\n\nPressure\tP = {F}/{A}\n\nForce\t{F} is {m}{a}\n")
    r = convert(partial.encode(), "p.gift")
    assert len(r.deck.items) == 1 and len(r.skipped) == 2
    assert str(r.warnings[0]) == (
        "p.gift:1: warning: the format was guessed as Moodle GIFT file (from the .gift suffix) "
        "and most of the file could not be converted; if it is an Anki text export, import it "
        "again with --format anki")
    # a file guessed as Anki that fails suggests GIFT
    with pytest.raises(ConvertError) as e:
        convert(b"Which one {=a ~b}\n", "q.csv")
    assert "--format gift" in str(e.value.messages[-1])
    # no hint when the format was given, or when the other format is not plausible
    with pytest.raises(ConvertError) as e:
        convert(text.encode(), "mixed.txt", fmt="gift")
    assert "guessed" not in str(e.value)
    with pytest.raises(ConvertError) as e:
        convert(b"::q::Essay{}\n", "e.gift")
    assert "guessed" not in str(e.value)
    # through the command line: a clean message, no traceback
    src = tmp_path / "mixed.txt"
    src.write_text(text, encoding="utf-8")
    code, _, err = run("import", str(src), "-o", str(tmp_path / "m.yaml"))
    assert code == 2 and "--format anki" in err and "Traceback" not in err
    code, _, err = run("import", str(src), "-o", str(tmp_path / "m.yaml"), "--format", "anki")
    assert code == 1 and "2 items imported" in err  # the line with no back is skipped


@pytest.mark.parametrize(("name", "text"), [
    ("unclosed clozes", "#separator:tab\n" + "{{c1::" * 20000 + "\tback\n"),
    ("unclosed sounds", "#separator:tab\n" + "[sound:" * 30000 + "\tback\n"),
    ("lone angle brackets", "#separator:tab\n#html:true\n" + "<a" * 30000 + "\tback\n"),
    ("deeply nested lists", "#separator:tab\n#html:true\n" + "<li>" * 30000 + "\tback\n"),
    ("many links", "#separator:tab\n#html:true\n" + "<a href='https://x.org'>x</a>" * 20000
     + "\tback\n"),
])
def test_adversarial_notes_are_refused_quickly(name: str, text: str) -> None:
    t = time.perf_counter()
    with pytest.raises(ConvertError) as ei:
        convert(text.encode(), "x.txt")
    assert time.perf_counter() - t < 10, name  # guards against a hang (these took minutes)
    assert "cannot convert note" in str(ei.value)


# --------------------------------------------------------------------------- large imports


def _naive_ids(bases: list[str]) -> list[str]:
    used: set[str] = set()
    out = []
    for base in bases:
        base = base[:76].rstrip("-._") or "item"
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}-{n}"
        used.add(candidate)
        out.append(candidate)
    return out


@given(st.lists(st.sampled_from(["a", "a-2", "a-3", "b", "a-2-2", "", "-", "a.", "b-2"]),
                max_size=40))
def test_id_allocation_is_linear_and_gives_the_same_ids(bases: list[str]) -> None:
    from quizapp.core.authoring import IdAllocator

    ids = IdAllocator()
    assert [ids.take(b) for b in bases] == _naive_ids(bases)


def test_import_validates_the_converted_items_once_and_leaves_out_every_bad_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every item that fails validation is left out in one pass: before, the validator's
    limit of MAX_PROBLEMS problems per pass left them out 500 at a time, with a dump and a
    parse of the whole deck each round, and gave up after 20 rounds ("internal error")."""
    monkeypatch.setattr(problems, "MAX_PROBLEMS", 5)
    parsed = ParsedFile("gift")
    for i in range(105):  # the validator refuses an empty back; the converter let it through
        parsed.items.append(ImportedItem(i + 1, f"question {i}", {
            "type": "flashcard", "front": f"q{i}", "back": ""}, f"bad-{i}"))
    parsed.items.append(ImportedItem(200, "question ok", {
        "type": "flashcard", "front": "ok", "back": "fine"}, "ok"))
    monkeypatch.setattr(registry, "IMPORTERS", tuple(
        replace(i, parse=lambda text, f: parsed) if i.key == "gift" else i
        for i in registry.IMPORTERS))
    parses = []
    real_parse = deckfile.parse_data

    def counting_parse(*args: object, **kwargs: object) -> object:
        parses.append(1)
        return real_parse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(deckfile, "parse_data", counting_parse)
    r = conversion.convert(b"::x:: y {=a ~b}\n", "in.gift", today=TODAY)
    assert [it.id for it in r.deck.items] == ["ok"]
    assert len(r.skipped) == 105 and str(r.skipped[0]).startswith(
        "in.gift:1: cannot convert question 0: ")
    assert len(parses) == 2  # the whole deck once, then the deck without the bad items


@settings(max_examples=examples(500), deadline=None)
@given(st.from_regex(markup._SIMPLE_PLAIN, fullmatch=True), st.booleans())
def test_the_fast_path_for_simple_text_converts_as_the_html_parser_does(
        text: str, paragraph: bool) -> None:
    fragment = f"<p>{text}</p>" if paragraph else text
    parser = markup._HtmlToMarkdown()
    parser.feed(fragment)
    slow = markup.finish_markdown(markup.escape_block_starts(parser.result()))
    assert markup.html_to_markdown(fragment) == (slow, [])
    assert markup.plain_to_markdown(text) == slow


_MUTATIONS = ["delete", "empty", "number", "null", "list", "unknown", "answer", "duplicate"]


def _mutate(data: dict[str, Any], i: int, key_index: int, how: str) -> None:
    items = data["items"]
    item = items[i % len(items)]
    keys = list(item)
    key = keys[key_index % len(keys)]
    if how == "delete":
        del item[key]
    elif how in ("empty", "number", "null", "list"):
        item[key] = {"empty": "", "number": 5, "null": None, "list": []}[how]
    elif how == "unknown":
        item["bogus"] = "x"
    elif how == "answer":
        item["answer"] = "Z"
    else:
        item["id"] = items[0]["id"]


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(p.name for p in DECKS.glob("*.yaml"))),
       st.lists(st.tuples(st.integers(0, 500), st.integers(0, 20), st.sampled_from(_MUTATIONS)),
                max_size=3))
def test_checking_deck_data_finds_what_parsing_its_yaml_finds(
        name: str, mutations: list[tuple[int, int, str]]) -> None:
    """deckfile.parse_data (what import validates with) applies the rules of deckfile.parse to
    the data itself: same problems (field and message), same items."""
    path = DECKS / name
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    for i, k, how in mutations:
        _mutate(data, i, k, how)
    text = dump_deck(data)

    def outcome(check: Callable[[], Deck]) -> object:
        try:
            deck = check()
        except deckfile.DeckError as e:
            # Positions differ (data has none): "first at line 27" is "first at line 1".
            return sorted((p.path, re.sub(r"line \d+", "line N", p.message))
                          for p in e.problems)
        return [(type(it).__name__, it.id, it.tags) for it in deck.items]

    assert outcome(lambda: deckfile.parse_data(data, "d.yaml", path)) == outcome(
        lambda: deckfile.parse(text, "d.yaml", path))


def test_import_refuses_to_write_a_deck_too_large_to_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """100k GIFT questions with feedback (17 MB) made a 37 MB deck, which validate and the app
    then refused as too large: the import says so instead, and writes nothing."""
    src = tmp_path / "q.gift"
    src.write_text("".join(f"::q{i}:: {i}+1? {{=yes ~no}}\n\n" for i in range(10)),
                   encoding="utf-8")
    monkeypatch.setattr(deckfile, "MAX_BYTES", 600)  # the limit on a deck file
    out = tmp_path / "deck.yaml"
    code, _, err = run("import", str(src), "-o", str(out))
    assert code == 2 and not out.exists()
    assert re.search(r"q.gift:1: the deck made from this file would be [\d,]+ bytes, more than "
                     r"the 600 a deck file may have; split the file", err)
