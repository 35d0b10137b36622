"""A converted item before it is checked, the parsed file that holds them, and what every
format uses to build items: tags, percent-graded options, categories, question identities."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from quizapp.core.authoring import (
    FlowList,
    slugify,
)
from quizapp.core.diagnostics import Diagnostic
from quizapp.core.interchange.messages import message
from quizapp.core.model import LETTERS

MAX_TEXT = 20_000  # the loader's limit on one text field
MAX_TAG = 60
MAX_OPTIONS = 10


SOURCE_KEY = "imported"


@dataclass
class ImportedItem:
    """One converted item, before it is checked: where it came from and what it is."""

    line: int
    what: str  # e.g. "note" or "question 'q1'"
    data: dict[str, Any]
    id_base: str


@dataclass
class ParsedFile:
    """What a format's parser made of one file: the items and every message about it."""

    kind: str  # the key of the format (its Importer's)
    items: list[ImportedItem] = field(default_factory=list)
    skipped: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    title: str | None = None
    tags: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # key -> citation, from a column
    format_name: str | None = None  # what the file is, when the format's name would mislead
    unit: str | None = None  # what one converted thing is called in messages ("row")


def too_long(text: str) -> bool:
    return len(text) > MAX_TEXT


def clean_tags(raw: list[str], file: str, line: int, warnings: list[Diagnostic], *,
               about: str = "") -> list[str]:
    """Tags stripped and without duplicates; one that is too long is dropped with a warning
    (after ``about``, what the message is about, when the line does not say it)."""
    out: list[str] = []
    for t in raw:
        t = t.strip()
        if not t:
            continue
        if len(t) > MAX_TAG:
            warnings.append(message(file, line, (f"{about}: " if about else "")
                                    + f"tag '{t[:30]}...' dropped: tags are at most "
                                    f"{MAX_TAG} characters", warning=True))
            continue
        if t not in out:
            out.append(t)
    return out


def graded_question(out: ParsedFile, file: str, line: int, what: str, stem: str,
                    options: list[dict[str, Any]], weights: list[float], single: bool,
                    skip: Callable[[str], None], *, full: str, kind: str,
                    grade: str) -> dict[str, Any] | None:
    """Options graded in percent, as GIFT and Moodle grade them -> a ``single`` item (exactly
    one option at 100%; partial credit is dropped with a warning) or a ``multi`` item (every
    option with a positive grade is right), or None after ``skip(reason)``. ``full``, ``kind``
    and ``grade`` word the messages in the source format's own terms."""
    if len(options) < 2:
        skip("a question needs at least 2 options")
        return None
    if len(options) > MAX_OPTIONS:
        skip(f"it has {len(options)} options; a quizapp question has at most {MAX_OPTIONS}")
        return None
    if single:
        right = [k for k, w in enumerate(weights) if w >= 100]
        partial = [k for k, w in enumerate(weights) if 0 < w < 100]
        if len(right) != 1:
            skip(f"no answer is marked {full}" if not right else
                 f"several answers are marked {full} in a {kind} question; quizapp's "
                 "single-best-answer question has exactly one")
            return None
        if partial:
            out.warnings.append(message(
                file, line, f"{what}: partial credit for option"
                f"{'s' if len(partial) > 1 else ''} {', '.join(LETTERS[k] for k in partial)} "
                "dropped (marked wrong)", warning=True))
        return {"type": "single", "stem": stem, "options": options, "answer": LETTERS[right[0]]}
    correct = [k for k, w in enumerate(weights) if w > 0]
    if not correct:
        skip(f"no answer has a positive {grade}, so none is correct")
        return None
    return {"type": "multi", "stem": stem, "options": options,
            "answers": FlowList(LETTERS[k] for k in correct)}


def last_category(path: str) -> str:
    """``$course$/top/Default for BIO101/Cardiology`` -> ``Cardiology`` (``""`` for top)."""
    last = path.rstrip("/").split("/")[-1].strip()
    return "" if last.lower() == "top" or last.startswith("$") else last


def apply_categories(out: ParsedFile, categories: list[str | None]) -> None:
    """Moodle categories of the converted items (in order): one category names the deck,
    several become a tag on each item."""
    named = {c for c in categories if c}
    if len(named) == 1:
        last = last_category(next(iter(named)))
        if last:
            out.title = last
    elif len(named) > 1:
        for item, cat in zip(out.items, categories, strict=True):
            tag = slugify(last_category(cat or ""), MAX_TAG)
            if tag:
                tags = item.data.setdefault("tags", FlowList())
                if tag not in tags:
                    tags.append(tag)


def gift_identity(data: dict[str, Any]) -> str:
    """What the id of a question without a ``::name::`` is a hash of: the stem and every option
    with its mark (``=`` right, ``~`` wrong), so that questions with the same text but other
    options get distinct ids that do not depend on their order in the file."""
    right = ({data["answer"]} if data["type"] == "single" else set(data["answers"]))
    return "\n".join([data["stem"]] + [("=" if LETTERS[k] in right else "~") + o["text"]
                                       for k, o in enumerate(data["options"])])
