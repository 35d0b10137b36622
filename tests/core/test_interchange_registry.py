"""The format registry: detection in one place gives what the old ordered rules gave, and
the interface is what every format module fills in."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.core.interchange import registry
from quizapp.core.interchange.anki_text import looks_like_header
from quizapp.core.interchange.conversion import suggested_deck_path, with_deck_suffix
from quizapp.core.interchange.csv_questions import McqColumns, mcq_columns
from quizapp.core.interchange.moodle_xml import looks_like_moodle_xml
from quizapp.core.interchange.records import SNIFF, csv_records, tab_separated
from tests.helpers import examples

# The detection rules as interop._guess_format wrote them, one after the other, before the
# formats had sniffers and a registry: the registry must agree with them on every file.
_GIFT_STRONG = re.compile(r"^\s*(::|\$CATEGORY:|// question: )", re.M)
_GIFT_BRACES = re.compile(r"\{\s*(=|~|T\s*[}#]|F\s*[}#]|TRUE\s*[}#]|FALSE\s*[}#])")
_ANKI_HINT = re.compile(r"^(tags:|#(separator|html|columns|tags|deck|notetype|guid column|"
                        r"tags column|notetype column|deck column):)", re.I)


def ordered_rules(name: str, text: str) -> tuple[str | None, str]:
    suffix = Path(name).suffix.lower()
    if suffix == ".gift":
        return "gift", "from the .gift suffix"
    if suffix in (".csv", ".tsv"):
        return "anki", f"from the {suffix} suffix"
    if _ANKI_HINT.match(text):
        return "anki", "header"
    if looks_like_moodle_xml(text):
        return "moodle", "header"
    if suffix == ".xml":
        return "moodle", "from the .xml suffix"
    head = text[:200_000]
    if _GIFT_STRONG.search(head):
        return "gift", "from GIFT question names (::name::) or $CATEGORY lines"
    if _GIFT_BRACES.search(head):
        if tab_separated(head):
            return "anki", "from the tab-separated lines, despite answer braces such as {=...}"
        return "gift", "from answer braces such as {=...} or {T}"
    if "\t" in text:
        return "anki", "from the tabs between fields"
    first = next((ln for ln in head.split("\n", 50) if ln.strip()), "")
    for sep in SNIFF:
        rec = next(csv_records(first, sep), None)
        if rec is not None and len(rec.fields) >= 2 and (
                looks_like_header(rec.fields)
                or isinstance(mcq_columns(rec.fields), McqColumns)):
            return "anki", "from a first line of column names"
    return None, ""


FRAGMENTS = ["::q1::", "$CATEGORY: top", "// question: 1", "// comment", "{=a ~b}", "{T}",
             "{FALSE#no}", "{~%50%x}", "#separator:tab", "#html:true", "tags: a b", "#deck:X",
             "<?xml version='1.0'?>", "<quiz>", "<!-- c -->", "</quiz>", "Question,A,B,Answer",
             "Front;Back", "front\tback", "\t=indented", "a\tb\tc", "words only", " ", "",
             "Stem,Option A,Option B,Correct", "x,y", "Front,Back,Tags"]
NAMES = ["in.txt", "in.gift", "in.GIFT", "in.csv", "in.tsv", "in.xml", "in", "in.yaml",
         "dir.x/in.Csv"]


@settings(max_examples=examples(400), deadline=None)
@given(st.sampled_from(NAMES), st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6),
       st.sampled_from(["\n", " ", "\t", ""]))
def test_the_registry_detects_what_the_ordered_rules_detected(
        name: str, parts: list[str], joiner: str) -> None:
    text = joiner.join(parts)
    found, how = registry.guess_format(name, text)
    assert ((found.key if found else None), how) == ordered_rules(name, text)


def test_every_format_fills_in_the_interface() -> None:
    keys = [i.key for i in registry.IMPORTERS]
    assert keys == ["apkg", "anki", "gift", "moodle"] and len(set(keys)) == len(keys)
    for imp in registry.IMPORTERS:
        assert imp.suffixes and imp.name and imp.unit
        if imp.binary:
            assert imp.sniff_bytes is not None and imp.parse_binary is not None
        else:
            assert imp.sniff is not None and imp.parse is not None
    assert [e.key for e in registry.EXPORTERS] == ["anki", "gift"]
    assert registry.import_suffixes() == (".apkg", ".colpkg", ".txt", ".csv", ".tsv", ".gift",
                                          ".xml")


def test_export_format_from_the_name_or_the_option() -> None:
    assert registry.exporter_for("x.gift", "auto").key == "gift"
    assert registry.exporter_for("x.TXT", "auto").key == "anki"
    assert registry.exporter_for("x.gift", "anki").key == "anki"
    for output, fmt, message in [
            ("x.doc", "auto", "cannot tell the export format from the file name; add "
                              "--format anki or --format gift"),
            ("x.txt", "moodle", "unknown format 'moodle' (expected anki or gift)")]:
        try:
            registry.exporter_for(output, fmt)
        except ValueError as e:
            assert str(e) == message
        else:
            raise AssertionError("no error")


def test_the_deck_name_rules_of_an_import(tmp_path: Path) -> None:
    """What File > Import suggests and accepts; `quizapp import` is given its name."""
    src = tmp_path / "in" / "Cardio notes.apkg"
    assert suggested_deck_path(src, tmp_path) == tmp_path / "Cardio notes.yaml"
    (tmp_path / "Cardio notes.yaml").write_text("x")
    (tmp_path / "Cardio notes-2.yaml").write_text("x")
    assert suggested_deck_path(src, tmp_path) == tmp_path / "Cardio notes-3.yaml"
    assert with_deck_suffix(Path("a/deck")) == Path("a/deck.yaml")
    assert with_deck_suffix(Path("a/deck.v2")) == Path("a/deck.v2.yaml")
    assert with_deck_suffix(Path("a/deck.YML")) == Path("a/deck.YML")


def test_the_command_line_offers_every_registered_format() -> None:
    """The CLI keeps its --format choices literal (so that `quizapp validate` does not import
    every format): they must name exactly the registered formats."""
    from quizapp.cli import build_parser

    parser = build_parser()
    for imp in registry.IMPORTERS:
        args = parser.parse_args(["import", "in.x", "-o", "out.yaml", "--format", imp.key])
        assert args.import_format == imp.key
    for exp in registry.EXPORTERS:
        args = parser.parse_args(["export", "d.yaml", "-o", "out.x", "--format", exp.key])
        assert args.export_format == exp.key
