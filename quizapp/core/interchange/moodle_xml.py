"""Moodle XML question export -> quizapp items (``quizapp import questions.xml``).

Moodle's question bank exports "Moodle XML format" by default: a ``<quiz>`` of ``<question
type="...">`` elements. Multiple-choice questions become ``single`` (one right answer) or
``multi`` (several) items and true/false questions become two-option ``single`` items, each
with its per-answer feedback as the option's explanation and the general feedback as the
item's explanation. Question names give stable ids, categories give the title (one category) or
tags (several), and ``<tags>`` are kept. Other question types (short answer, numerical, essay,
matching, embedded answers, drag and drop...) have no options to choose from: each is skipped
with its reason and position.

The XML is read with the standard library's expat parser after refusing any DOCTYPE, so no
entity can expand or load anything; size limits are those of every import.

Nothing here imports Qt.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from xml.parsers import expat

from quizapp.core.authoring import FlowList, short_hash, slugify
from quizapp.core.interchange.formats import Guess, Importer
from quizapp.core.interchange.items import (
    ImportedItem,
    ParsedFile,
    apply_categories,
    clean_tags,
    gift_identity,
    graded_question,
)
from quizapp.core.interchange.markup import (
    HTML_HINT,
    finish_markdown,
    html_to_markdown,
    plain_to_markdown,
)
from quizapp.core.interchange.messages import ConvertError, message
from quizapp.core.interchange.teaching import add_teaching, split_objective

_START = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<quiz[\s>]", re.S)
_DOCTYPE = re.compile(r"<!DOCTYPE|<!ENTITY", re.I)

# What each Moodle question type is, for the message when it is skipped.
_SKIPPED = {
    "shortanswer": "a short-answer question has no options to choose from",
    "numerical": "a numerical question has no options to choose from",
    "essay": "an essay question has no options to choose from",
    "description": "a description is text only, not a question",
    "matching": "a matching question cannot be converted",
    "randomsamatch": "a random short-answer matching question cannot be converted",
    "multianswer": "an embedded-answers (Cloze) question cannot be converted",
    "calculated": "a calculated question has no options to choose from",
    "calculatedsimple": "a calculated question has no options to choose from",
    "calculatedmulti": "a calculated multiple-choice question has formula answers, which "
                       "cannot be converted",
    "ddwtos": "a drag-and-drop into text question cannot be converted",
    "gapselect": "a select-missing-words question cannot be converted",
    "ddimageortext": "a drag-and-drop onto image question cannot be converted",
    "ddmarker": "a drag-and-drop markers question cannot be converted",
    "ordering": "an ordering question cannot be converted",
    "random": "a random question is a placeholder, not a question",
}


def looks_like_moodle_xml(text: str) -> bool:
    """Whether this text is a Moodle XML export (an XML document whose root is ``<quiz>``)."""
    return bool(_START.match(text[:10_000]))


def parse_moodle_xml(text: str, file: str) -> ParsedFile:
    """Moodle XML questions -> single and multi questions (see the module docstring)."""
    bad = _DOCTYPE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise ConvertError([message(file, line, "a DOCTYPE or ENTITY declaration is not allowed "
                                    "in a Moodle XML file (Moodle never writes one)")])
    root = _parse(text, file)
    if root.tag != "quiz":
        raise ConvertError([message(file, 1, f"the root element is <{root.tag}>, not <quiz>: "
                                    "this is not a Moodle XML question export")])
    out = ParsedFile("moodle")
    category: str | None = None
    categories: list[str | None] = []
    for q in root:
        if q.tag != "question":
            continue
        qtype = (q.get("type") or "").strip().lower()
        if qtype == "category":
            category = _text(q.find("category")).strip() or None
            continue
        before = len(out.items)
        _question(out, file, q, qtype)
        if len(out.items) > before:
            categories.append(category)
    apply_categories(out, categories)
    return out


_LINE = "\0line"  # where each element's line number is kept (no XML attribute has this name)


def _parse(text: str, file: str) -> ET.Element:
    """Text -> element tree, each element knowing its line; ConvertError if not well-formed."""
    parser = expat.ParserCreate(encoding="UTF-8")  # the text is already decoded
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    builder = ET.TreeBuilder()

    def start(tag: str, attrs: dict[str, str]) -> None:
        builder.start(tag, attrs).set(_LINE, str(parser.CurrentLineNumber))

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(text, True)
        root = builder.close()
    except expat.ExpatError as e:
        raise ConvertError([message(file, e.lineno, "not well-formed XML: "
                                    f"{expat.ErrorString(e.code)}", column=e.offset + 1)]) from None
    except (AssertionError, IndexError):  # pragma: no cover - TreeBuilder on odd input
        raise ConvertError([message(file, 1, "not well-formed XML")]) from None
    return root


def _line(q: ET.Element) -> int:
    return int(q.get(_LINE, "0")) or 1


def _text(elem: ET.Element | None) -> str:
    """The ``<text>`` of a Moodle text element (or the element's own text)."""
    if elem is None:
        return ""
    t = elem.find("text")
    if t is not None:
        return "".join(t.itertext())
    return "".join(elem.itertext())


def _markdown(elem: ET.Element | None) -> tuple[str, list[str]]:
    """A Moodle text element -> (Markdown, dropped media), by its ``format`` attribute."""
    if elem is None:
        return "", []
    raw = _text(elem)
    fmt = (elem.get("format") or "html").lower()
    media = [f"picture '{f.get('name') or 'file'}'" for f in elem.findall("file")]
    if not raw.strip():
        return "", media
    if fmt == "markdown":
        return finish_markdown(raw), media
    if fmt == "html" or (fmt == "moodle_auto_format" and HTML_HINT.search(raw)):
        if fmt != "html":
            raw = raw.replace("\n", "<br>")
        md, dropped = html_to_markdown(raw)
        # Moodle's pictures are both an <img src="@@PLUGINFILE@@/x.png"> and a <file>: name
        # them once, by file name.
        return md, (media or dropped)
    return plain_to_markdown(raw), media


def _fraction(a: ET.Element) -> float:
    try:
        return float(a.get("fraction", "0"))
    except ValueError:
        return 0.0


def _question(out: ParsedFile, file: str, q: ET.Element, qtype: str) -> None:
    line = _line(q)
    name = _text(q.find("name")).strip() or None
    what = f"question '{name}'" if name else "question"

    def skip(reason: str) -> None:
        out.skipped.append(message(file, line, f"cannot convert {what}: {reason}"))

    if qtype not in ("multichoice", "truefalse"):
        skip(_SKIPPED.get(qtype, f"question type '{qtype or '?'}' is not supported (only "
                                 "multiple-choice and true/false questions can be converted)"))
        return
    stem, media = _markdown(q.find("questiontext"))
    if not stem:
        skip("the question text is empty")
        return
    options: list[dict[str, Any]] = []
    weights: list[float] = []
    for k, a in enumerate(q.findall("answer"), start=1):
        text, m = _markdown(a)
        media += m
        if qtype == "truefalse":
            text = {"true": "True", "false": "False"}.get(text.strip().lower(), text)
        if not text:
            skip(f"answer {k} is empty")
            return
        opt: dict[str, Any] = {"text": text}
        fb, m = _markdown(a.find("feedback"))
        media += m
        if fb:
            opt["explanation"] = fb
        options.append(opt)
        weights.append(_fraction(a))
    single_el = q.find("single")
    single = qtype == "truefalse" or (single_el is None
                                      or (single_el.text or "").strip().lower()
                                      in ("true", "1", ""))
    data = graded_question(out, file, line, what, stem, options, weights, single, skip,
                           full="100% correct", kind="one-answer", grade="grade")
    if data is None:
        return
    if qtype == "truefalse":
        data["shuffle"] = False
    shuffle_el = q.find("shuffleanswers")
    if qtype != "truefalse" and shuffle_el is not None and (
            (shuffle_el.text or "").strip().lower() in ("false", "0")):
        data["shuffle"] = False
    general, m = _markdown(q.find("generalfeedback"))
    media += m
    explanation, objective = split_objective(general) if general else (None, None)
    tags = clean_tags([_text(t) for t in q.findall("tags/tag")], file, line, out.warnings)
    if tags:
        data["tags"] = FlowList(tags)
    if media:
        out.warnings.append(message(file, line, f"{what}: {', '.join(dict.fromkeys(media))} "
                                    "dropped: quizapp does not import embedded media",
                                    warning=True))
    too_long = add_teaching(data, explanation, objective)
    if too_long:
        skip(too_long)
        return
    idnumber = _text(q.find("idnumber")).strip()
    base = slugify(idnumber or name or "")
    if not base or not base[0].isalnum():
        base = "moodle-" + short_hash(gift_identity(data))
    out.items.append(ImportedItem(line, what, data, base))


def sniff(name: str, text: str) -> Guess | None:
    """An XML document whose root is ``<quiz>``; else a ``.xml`` name."""
    if looks_like_moodle_xml(text):
        return Guess(80, "header")
    if Path(name).suffix.lower() == ".xml":
        return Guess(70, "from the .xml suffix")
    return None


IMPORTER = Importer(key="moodle", name="Moodle XML file", suffixes=(".xml",), unit="question",
                    sniff=sniff, parse=parse_moodle_xml)
