"""The rules of deck format v1, written once as data.

The loader (:mod:`quizapp.core.deckfile`) checks decks against these rules and the JSON Schema
shipped in ``resources/deck.schema.json`` is generated from them (``quizapp schema``), so the
two can never drift apart. Rules that a JSON Schema cannot express (an answer letter must name
an option, source keys must be declared, ids must be unique, images must exist) live in the
loader and are documented in ``decks/README.md``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 1
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$"
LETTER_PATTERN = r"^[A-J]$"
MAX_OPTIONS = 10
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp")


@dataclass(frozen=True)
class Rule:
    """Base of all rules; ``doc`` becomes the JSON Schema description."""

    doc: str = field(default="", kw_only=True)

    def json_schema(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Rule):
    """A non-empty string. ``markdown`` texts are checked for raw HTML and images."""

    markdown: bool = False
    max_len: int = 20_000

    def json_schema(self) -> dict[str, Any]:
        # like the loader: a bare number or yes/no where text is expected is that text
        s: dict[str, Any] = {"type": ["string", "number", "boolean"], "minLength": 1,
                             "maxLength": self.max_len}
        if self.markdown:
            # no raw HTML; no unescaped "![" (an image, see quizapp.core.resources)
            s["pattern"] = r"^(?![\s\S]*</?[A-Za-z!?])(?![\s\S]*(?<!\\)(?:\\\\)*!\[)[\s\S]*$"
        return _doc(s, self.doc)


@dataclass(frozen=True)
class Ident(Rule):
    pattern: str = ID_PATTERN
    what: str = "an id"

    def json_schema(self) -> dict[str, Any]:
        if self.pattern == LETTER_PATTERN:
            return _doc({"type": "string", "pattern": self.pattern}, self.doc)
        # like the loader: `id: 101` is the id "101"
        return _doc({"type": ["string", "integer"], "pattern": self.pattern, "minimum": 0},
                    self.doc)


@dataclass(frozen=True)
class Integer(Rule):
    minimum: int | None = None
    maximum: int | None = None

    def json_schema(self) -> dict[str, Any]:
        s: dict[str, Any] = {"type": "integer"}
        if self.minimum is not None:
            s["minimum"] = self.minimum
        if self.maximum is not None:
            s["maximum"] = self.maximum
        return _doc(s, self.doc)


@dataclass(frozen=True)
class Boolean(Rule):
    def json_schema(self) -> dict[str, Any]:
        return _doc({"type": "boolean"}, self.doc)


@dataclass(frozen=True)
class ListOf(Rule):
    item: Rule = field(default_factory=Text)
    min_items: int = 0
    max_items: int | None = None
    unique: bool = False
    too_few: str = ""  # message when there are fewer than min_items

    def json_schema(self) -> dict[str, Any]:
        s: dict[str, Any] = {"type": "array", "items": self.item.json_schema()}
        if self.min_items:
            s["minItems"] = self.min_items
        if self.max_items is not None:
            s["maxItems"] = self.max_items
        if self.unique:
            s["uniqueItems"] = True
        return _doc(s, self.doc)


@dataclass(frozen=True)
class OneOrList(Rule):
    """A single value or a list of them (e.g. ``source: key`` or ``source: [a, b]``)."""

    item: Rule = field(default_factory=Ident)

    def json_schema(self) -> dict[str, Any]:
        one = self.item.json_schema()
        return _doc(
            {"anyOf": [one, {"type": "array", "items": one, "minItems": 1}]}, self.doc
        )


@dataclass(frozen=True)
class Field:
    rule: Rule
    required: bool = False


@dataclass(frozen=True)
class Record(Rule):
    """A mapping with a closed set of fields."""

    name: str = "mapping"
    fields: dict[str, Field] = field(default_factory=dict)

    def json_schema(self) -> dict[str, Any]:
        props = {k: f.rule.json_schema() for k, f in self.fields.items()}
        s: dict[str, Any] = {
            "type": "object",
            "properties": props,
            "additionalProperties": False,
        }
        req = [k for k, f in self.fields.items() if f.required]
        if req:
            s["required"] = req
        return _doc(s, self.doc)


@dataclass(frozen=True)
class MapOf(Rule):
    """A mapping from ids to values of one rule (e.g. ``sources``)."""

    value: Rule = field(default_factory=Text)
    min_items: int = 0

    def json_schema(self) -> dict[str, Any]:
        s: dict[str, Any] = {
            "type": "object",
            "propertyNames": {"pattern": ID_PATTERN},
            "additionalProperties": self.value.json_schema(),
        }
        if self.min_items:
            s["minProperties"] = self.min_items
        return _doc(s, self.doc)


@dataclass(frozen=True)
class Tagged(Rule):
    """A mapping whose ``type`` field picks one of several records."""

    key: str = "type"
    variants: dict[str, Record] = field(default_factory=dict)
    what: str = "item"

    def json_schema(self) -> dict[str, Any]:
        branches = []
        for name, rec in self.variants.items():
            branches.append(
                {
                    "if": {"properties": {self.key: {"const": name}}, "required": [self.key]},
                    "then": rec.json_schema(),
                }
            )
        s: dict[str, Any] = {
            "type": "object",
            "required": ["id", self.key],
            "properties": {self.key: {"enum": list(self.variants)}},
            "allOf": branches,
        }
        return _doc(s, self.doc)


def _doc(s: dict[str, Any], doc: str) -> dict[str, Any]:
    if doc:
        s["description"] = doc
    return s


# --------------------------------------------------------------------------- the rules

MD = Text(markdown=True)
TAGS = ListOf(Text(max_len=60, doc="a topic tag"), doc="Topic tags used to build sessions.")
SOURCE_REF = OneOrList(Ident(what="a source key"), doc="Key(s) of `sources` this item cites.")

_common: dict[str, Field] = {
    "id": Field(Ident(doc="Stable id, unique in the deck; progress is stored under it."), True),
    "tags": Field(TAGS),
    "source": Field(SOURCE_REF),
    "objective": Field(Text(markdown=True, doc="The learning objective, shown after answering.")),
    "image": Field(
        Text(max_len=500, doc="Image path relative to the deck file, inside its folder.")
    ),
    "image_alt": Field(Text(doc="A text description of the image.")),
}

OPTION = Record(
    name="option",
    doc="One answer option.",
    fields={
        "text": Field(Text(markdown=True, doc="The option as shown."), True),
        "explanation": Field(Text(markdown=True, doc="Why this option is right or wrong.")),
    },
)
OPTIONS = ListOf(
    OPTION,
    min_items=2,
    max_items=MAX_OPTIONS,
    too_few="a question needs at least 2 options",
    doc="2 to 10 options, lettered A, B, C ... in the order written.",
)
LETTER = Ident(pattern=LETTER_PATTERN, what="an option letter", doc="An option letter, A-J.")

_question_fields: dict[str, Field] = {
    "stem": Field(Text(markdown=True, doc="The question."), True),
    "options": Field(OPTIONS, True),
    "explanation": Field(Text(markdown=True, doc="General teaching shown after answering.")),
    "shuffle": Field(Boolean(doc="Shuffle the options (default: the deck's default, true).")),
}

SINGLE = Record(
    name="single-best-answer question",
    fields={
        "type": Field(Text(), True),
        **_common,
        **_question_fields,
        "answer": Field(LETTER, True),
    },
)
MULTI = Record(
    name="select-all-that-apply question",
    fields={
        "type": Field(Text(), True),
        **_common,
        **_question_fields,
        "answers": Field(
            ListOf(LETTER, min_items=1, unique=True, too_few="select at least one correct option",
                   doc="Letters of every correct option."),
            True,
        ),
    },
)
FLASHCARD = Record(
    name="flashcard",
    fields={
        "type": Field(Text(), True),
        **_common,
        "front": Field(Text(markdown=True, doc="The prompt."), True),
        "back": Field(Text(markdown=True, doc="The answer."), True),
        "reversible": Field(Boolean(doc="Also ask back -> front.")),
        "explanation": Field(Text(markdown=True, doc="Extra teaching shown with the back.")),
    },
)

_stage_q_common = {
    "id": Field(Ident(doc="Unique within the case."), True),
    "type": Field(Text(), True),
    "objective": _common["objective"],
    "image": _common["image"],
    "image_alt": _common["image_alt"],
}
STAGE_QUESTION = Tagged(
    what="question",
    doc="A question asked at this stage.",
    variants={
        "single": Record(
            name="single-best-answer question",
            fields={**_stage_q_common, **_question_fields, "answer": SINGLE.fields["answer"]},
        ),
        "multi": Record(
            name="select-all-that-apply question",
            fields={**_stage_q_common, **_question_fields, "answers": MULTI.fields["answers"]},
        ),
    },
)
STAGE = Record(
    name="stage",
    doc="One step of a case: reveals information, then asks questions.",
    fields={
        "id": Field(Ident(doc="Unique within the case."), True),
        "title": Field(Text(doc="A short heading such as 'Examination'.")),
        "text": Field(Text(markdown=True, doc="The information this stage reveals.")),
        "image": _common["image"],
        "image_alt": _common["image_alt"],
        "questions": Field(
            ListOf(STAGE_QUESTION, min_items=1, too_few="a stage needs at least one question"),
            True,
        ),
    },
)
CASE = Record(
    name="case",
    fields={
        "type": Field(Text(), True),
        **_common,
        "title": Field(Text(doc="The case's title."), True),
        "stem": Field(Text(markdown=True, doc="The opening presentation."), True),
        "stages": Field(
            ListOf(STAGE, min_items=1, too_few="a case needs at least one stage"), True
        ),
    },
)
ITEM = Tagged(
    what="item",
    doc="A flashcard, question or case.",
    variants={"flashcard": FLASHCARD, "single": SINGLE, "multi": MULTI, "case": CASE},
)
SOURCE = Record(
    name="source",
    doc="A cited source.",
    fields={
        "citation": Field(Text(markdown=True, doc="Full citation (Markdown)."), True),
        "doi": Field(Text(max_len=300, doc="DOI, e.g. 10.1136/bcr-2016-218639.")),
        "url": Field(Text(max_len=2000, doc="Web address (shown, never fetched).")),
        "note": Field(Text(doc="Anything else about this source.")),
    },
)
MAX_REFERENCES = 50
REFERENCE = Record(
    name="reference sheet",
    doc="A titled Markdown table or text shown in the reference panel beside the questions.",
    fields={
        "id": Field(Ident(doc="Stable id, unique among the deck's reference sheets."), True),
        "title": Field(Text(max_len=200, doc="The sheet's title, e.g. 'Table 1: red flags'."),
                       True),
        "text": Field(Text(markdown=True, doc="The sheet: Markdown, usually a table."), True),
        "source": Field(OneOrList(Ident(what="a source key"),
                                  doc="Key(s) of `sources` this sheet cites.")),
    },
)
DEFAULTS = Record(
    name="defaults",
    doc="Values every item gets unless it sets its own.",
    fields={
        "source": Field(SOURCE_REF),
        "tags": Field(TAGS),
        "shuffle": Field(Boolean(doc="Shuffle question options (default true).")),
    },
)
DECK = Record(
    name="deck",
    doc="A quizapp deck (format v1). See decks/README.md.",
    fields={
        "format": Field(Integer(minimum=1, doc="Deck format version: 1."), True),
        "id": Field(Ident(doc="Stable deck id; progress is stored under it."), True),
        "title": Field(Text(doc="Deck title."), True),
        "description": Field(Text(markdown=True, doc="A paragraph about the deck.")),
        "authors": Field(ListOf(Text(), doc="Authors' names.")),
        "version": Field(Text(max_len=50, doc="Your version label; quote it.")),
        "license": Field(Text(max_len=200)),
        "language": Field(Text(max_len=20, doc="Language code, e.g. en.")),
        "sources": Field(MapOf(SOURCE, min_items=1, doc="Source key -> citation."), True),
        "defaults": Field(DEFAULTS),
        "references": Field(ListOf(
            REFERENCE, max_items=MAX_REFERENCES,
            doc="Optional reference sheets (tables or texts) shown beside the questions.")),
        "items": Field(
            ListOf(ITEM, min_items=1, too_few="a deck needs at least one item"), True
        ),
    },
)


def json_schema() -> dict[str, Any]:
    """The deck JSON Schema (draft-07, as editors' YAML language servers expect)."""
    s = DECK.json_schema()
    s["properties"]["format"]["const"] = FORMAT_VERSION
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://quizapp.invalid/deck.schema.json",
        "title": "quizapp deck (format v1)",
        **s,
    }


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
