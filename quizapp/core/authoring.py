"""Instructor tools that need no window: a starter deck, readable YAML output, deck statistics.

* :func:`starter_deck` writes the text of a new, commented deck with one item of each kind
  (``quizapp new``); it always passes the validator.
* :func:`dump_deck` turns a deck mapping into readable YAML (block scalars for multi-line
  text, flow lists for tags and answer letters, a blank line between items) under a header
  comment; :mod:`quizapp.core.interchange` writes imported decks with it.
* :func:`schema_comment` is the ``# yaml-language-server: $schema=...`` first line for a deck
  at a given place.
* :func:`deck_stats` and :func:`format_stats` are ``quizapp validate --stats``: items by kind,
  tag and source, what lacks an explanation, an objective or a source, and the longest stems.

Nothing here imports Qt.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import shlex
import stat
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from quizapp.core import deckschema, yamltext
from quizapp.core.fileio import atomic_write_text
from quizapp.core.model import LETTERS, Case, Deck, Flashcard, Question
from quizapp.core.problems import Problem

SCHEMA_NAME = "deck.schema.json"
_ID_RE = re.compile(deckschema.ID_PATTERN)


class AuthoringError(Exception):
    """A request that cannot be carried out (bad arguments, a file in the way); exit status 2."""


# --------------------------------------------------------------------------- ids


def is_valid_id(value: str) -> bool:
    return bool(_ID_RE.match(value))


def slugify(text: str, max_len: int = 60) -> str:
    """``"Red flags: Q3"`` -> ``"red-flags-q3"``; ``""`` when nothing usable is left."""
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    s = re.sub(r"[^a-z0-9._-]+", "-", s)
    s = re.sub(r"-{2,}", "-", s).strip("-._")
    if len(s) > max_len:
        s = s[:max_len].rstrip("-._")
    return s


def short_hash(text: str, n: int = 8) -> str:
    """A stable hex digest of ``text`` with its whitespace collapsed."""
    norm = " ".join(text.split())
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()[:n]


class IdAllocator:
    """Hands out unique ids: the second ``x`` becomes ``x-2``, the third ``x-3``, ..."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self._last: dict[str, int] = {}  # base -> the last suffix tried (linear, not n^2)

    def take(self, base: str) -> str:
        base = base[:76].rstrip("-._") or "item"
        n = self._last.get(base, 1)
        candidate = base if n == 1 else f"{base}-{n}"
        while candidate in self.used:
            n += 1
            candidate = f"{base}-{n}"
        self._last[base] = n
        self.used.add(candidate)
        return candidate


def bundled_deck_ids() -> set[str]:
    """Ids of the bundled decks, read cheaply from their ``id:`` lines."""
    from quizapp.core.paths import bundled_decks_dir  # local: keeps import cost low

    ids: set[str] = set()
    folder = bundled_decks_dir()
    if not folder.is_dir():
        return ids
    for f in folder.glob("*.y*ml"):
        try:
            with f.open(encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    m = re.match(r"id:\s*['\"]?([A-Za-z0-9._-]+)", line)
                    if m:
                        ids.add(m.group(1))
                        break
        except OSError:
            continue
    return ids


def deck_id_for(path: Path) -> str:
    """A fresh deck id from a file name: ``My Deck.yaml`` -> ``my-deck``. An id that a bundled
    deck already uses gets a suffix, since progress is stored under the deck id."""
    base = slugify(path.stem) or "deck"
    if not base[0].isalnum():
        base = "deck-" + base
    taken = bundled_deck_ids()
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def title_for(path: Path) -> str:
    """``red-flags_2025.yaml`` -> ``Red flags 2025``."""
    words = re.sub(r"[_\-.]+", " ", path.stem).strip()
    return (words[:1].upper() + words[1:]) if words else "New deck"


# --------------------------------------------------------------------------- schema line


def schema_comment(deck_path: Path) -> str:
    """The first line(s) of a deck at ``deck_path`` that point editors at the JSON Schema.

    A relative path to the bundled ``resources/deck.schema.json`` when the deck lies inside the
    same tree (a source checkout's ``decks/`` folder, say); otherwise a ``deck.schema.json``
    beside the deck, with a note on how to create it when it is not there yet.
    """
    from quizapp.core.paths import resources_dir

    folder = Path(os.path.abspath(deck_path)).parent
    schema = resources_dir() / SCHEMA_NAME
    if schema.is_file():
        root = schema.resolve().parent.parent
        try:
            real_folder = folder.resolve()
        except OSError:  # pragma: no cover - unusual file systems
            real_folder = folder
        if real_folder.is_relative_to(root):
            rel = os.path.relpath(schema.resolve(), real_folder).replace(os.sep, "/")
            return f"# yaml-language-server: $schema={rel}\n"
    line = f"# yaml-language-server: $schema={SCHEMA_NAME}\n"
    if (folder / SCHEMA_NAME).is_file():
        return line
    return (
        line
        + f"# For completion and checking as you type, create the schema beside this file once:\n"
        f"#     quizapp schema > {SCHEMA_NAME}\n"
    )


# --------------------------------------------------------------------------- YAML output


class FlowList(list[Any]):
    """A list written in flow style: ``tags: [a, b]``."""


class _Dumper(yaml.SafeDumper):
    """Safe dumper with indented block sequences (``items:\\n  - id: x``)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


def _represent_flow(dumper: yaml.SafeDumper, data: FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(FlowList, _represent_flow)


def tidy_text(text: str) -> str:
    """Normalise text for YAML block scalars: no trailing spaces, no tabs at line ends, at most
    one blank line in a row, no blank lines at either end."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


_DUMP_OPTIONS: dict[str, Any] = {"sort_keys": False, "allow_unicode": True,
                                 "width": 1_000_000, "default_flow_style": False, "indent": 2}


def dump_deck(deck: dict[str, Any], header: str = "") -> str:
    """A deck mapping -> readable YAML text, ``header`` (comment lines) first.

    The text is what ``yaml.dump`` with :class:`_Dumper` writes, produced by the faster
    :mod:`quizapp.core.yamlemit` (PyYAML's emitter took most of a large import's time)."""
    from quizapp.core.yamlemit import Emitter

    body = Emitter(_Dumper, FlowList, _DUMP_OPTIONS).dump(deck)
    # A blank line before each item (and before the top-level sections) for readability.
    body = re.sub(r"\n(  - id: )", r"\n\n\1", body)
    body = re.sub(r"\n(sources:|defaults:|items:)", r"\n\n\1", body)
    return header + body


def _umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it, and put it back at once
    os.umask(mask)
    return mask


def file_mode_for(path: Path) -> int:
    """The permissions a file written at ``path`` should get: those of the file it replaces,
    else what the user's umask gives a new file (a temporary file starts as owner-only)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically and durably (:func:`quizapp.core.fileio.
    atomic_write`), keeping the permissions of the file it replaces."""
    atomic_write_text(path, text, mode=file_mode_for(path))


def check_output_path(path: Path, force: bool, what: str = "file") -> None:
    """Refuse to overwrite ``path`` unless ``force``; the folder must exist."""
    if path.exists() and not force:
        raise AuthoringError(f"{path} already exists; choose another name or add --force to "
                             f"overwrite it")
    if path.exists() and path.is_dir():
        raise AuthoringError(f"{path} is a folder, not a {what}")
    if not path.parent.is_dir():
        raise AuthoringError(f"folder {path.parent} does not exist")


# --------------------------------------------------------------------------- quizapp new

_STARTER = """\
@SCHEMA@# A quizapp deck (format v1), started with `quizapp new` on @DATE@.
# Replace the example items with your own, then check the deck:
#     quizapp validate @FILE@            (add --stats for a summary)
#     quizapp preview @FILE@             (live preview; reloads each time you save)
# The format is described in decks/README.md. Text fields are Markdown (**bold**, *italic*,
# lists); raw HTML is not allowed. Long text: use `|` to keep line breaks or `>` to fold lines.

format: 1                         # the deck format version: always 1 for now
id: @ID@# stable deck id: progress is stored under it, never change it
title: @TITLE@
description: >                    # optional: one paragraph shown under the title
  What this deck covers and who it is for.
authors: [Your Name]              # optional: list of names
version: "0.1"                    # optional: your own version label (quote it)
license: CC BY 4.0                # optional: the licence of the deck's text
language: en                      # optional: language code

sources:                          # every source an item cites, under a short key
  main:
    citation: >-                  # required: authors, title, journal or publisher, year
      TODO Author A, Author B. Title of the article. Journal. Year.
    # doi: 10.1000/example        # optional: the DOI without https://doi.org/
    # url: https://example.org    # optional: shown as text, never fetched
    # note: How this source is used.

defaults:                         # optional: values every item gets unless it sets its own
  source: main                    # items cite this key unless they set `source:` themselves

items:
  # --- a flashcard: the student sees the front, presses Space for the back, rates recall ---
  - id: example-flashcard         # unique in the deck and stable: progress is keyed by it
    type: flashcard
    front: What does the **front** of a flashcard hold?
    back: The prompt's answer, which the student checks their recall against.
    explanation: Optional extra teaching, shown with the back.
    reversible: false             # true also asks back -> front
    tags: [example]

  # --- a single-best-answer question: 2-10 options, exactly one correct --------------------
  - id: example-single
    type: single
    stem: |
      Write the question stem here. A clinical stem usually gives age, sex, the presenting
      complaint and the key findings, then asks one clear question.
      Which option is the single best answer?
    options:                      # lettered A, B, C ... in the order written
      - text: The correct option
        explanation: Why this option is right.
      - text: A plausible distractor
        explanation: Why this option is wrong.
      - text: Another plausible distractor
        explanation: Why this option is wrong.
    answer: A                     # the letter of the one correct option
    explanation: General teaching shown after answering.
    objective: The learning objective this question tests.
    tags: [example]
    # shuffle: false              # keep the written order (e.g. for "all of the above")
    # image: images/figure.png    # a picture, relative to this file and inside its folder
    # image_alt: What the picture shows

  # --- a select-all-that-apply question: one or more correct options -----------------------
  - id: example-multi
    type: multi
    stem: Which of these statements are true? Select all that apply.
    options:
      - text: A true statement
        explanation: Correct, because ...
      - text: A false statement
        explanation: Incorrect, because ...
      - text: Another true statement
        explanation: Correct, because ...
    answers: [A, C]               # the letters of every correct option
    objective: The learning objective this question tests.
    tags: [example]

  # --- a case: a vignette revealed stage by stage; each stage asks questions ---------------
  - id: example-case
    type: case
    title: A short title for the case
    stem: The opening presentation, e.g. a 45-year-old woman with two weeks of back pain.
    objective: What the whole case teaches.
    tags: [example, cases]
    stages:                       # shown one at a time; earlier stages stay visible
      - id: history               # unique within the case
        title: History
        text: What the history reveals at this stage.
        questions:
          - id: q1                # unique within the case
            type: single
            stem: What is the most useful next question to ask?
            options:
              - text: The most useful question
                explanation: Why it helps most now.
              - text: A less useful question
                explanation: Why it helps less.
            answer: A
      - id: examination
        title: Examination
        text: What the examination shows.
        questions:
          - id: q2
            type: multi
            stem: Which findings need urgent action? Select all that apply.
            options:
              - text: A concerning finding
                explanation: Why it is concerning.
              - text: Another concerning finding
                explanation: Why it is concerning.
              - text: A reassuring finding
                explanation: Why it is reassuring.
            answers: [A, B]
"""


def shell_quote(arg: str | Path) -> str:
    """``arg`` as it must be typed in this system's shell (quoted when it has spaces etc.)."""
    text = str(arg)
    if os.name == "nt":
        return f'"{text}"' if re.search(r'[\s&()^%!"]', text) else text
    return shlex.quote(text)


def starter_deck(path: Path, *, deck_id: str | None = None, title: str | None = None,
                 today: _dt.date | None = None) -> str:
    """The text of a new deck for ``path``, commented, with one item of each kind."""
    did = deck_id or deck_id_for(path)
    if not is_valid_id(did):
        raise AuthoringError(f"{did!r} is not a valid deck id: use letters, digits, '.', '_' or "
                             "'-', starting with a letter or digit, at most 80 characters")
    ttl = title if title is not None else title_for(path)
    if not ttl.strip():
        raise AuthoringError("the title must not be empty")
    date = (today or _dt.date.today()).isoformat()
    return (
        _STARTER.replace("@SCHEMA@", schema_comment(path))
        .replace("@DATE@", date)
        .replace("@FILE@", shell_quote(path.name))
        .replace("@ID@", f"{did:<30}" if len(did) < 30 else did + " ")
        .replace("@TITLE@", json.dumps(ttl, ensure_ascii=False))
    )


# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class DeckContentStats:
    """What ``quizapp validate --stats`` reports about one valid deck."""

    file: str
    deck_id: str
    title: str
    by_kind: dict[str, int]
    case_questions: int
    study_units: int
    by_tag: list[tuple[str, int]]
    by_source: list[tuple[str, int]]
    unused_sources: list[str]
    options_without_explanation: list[tuple[str, str]]  # (question ref, letters)
    questions_without_objective: list[str]
    items_without_source: list[str]
    longest_stems: list[tuple[str, int]]
    untagged: list[str] = field(default_factory=list)
    placeholder_sources: list[str] = field(default_factory=list)  # "TODO ..." or "Imported ..."

    def as_dict(self) -> dict[str, Any]:
        return {
            "deck_id": self.deck_id,
            "title": self.title,
            "by_kind": self.by_kind,
            "case_questions": self.case_questions,
            "study_units": self.study_units,
            "by_tag": dict(self.by_tag),
            "untagged": self.untagged,
            "by_source": dict(self.by_source),
            "unused_sources": self.unused_sources,
            "placeholder_sources": self.placeholder_sources,
            "options_without_explanation": [
                {"question": q, "options": list(letters)}
                for q, letters in self.options_without_explanation
            ],
            "questions_without_objective": self.questions_without_objective,
            "items_without_source": self.items_without_source,
            "longest_stems": [{"id": i, "length": n} for i, n in self.longest_stems],
        }


def _missing_letters(q: Question) -> str:
    return "".join(LETTERS[i] for i, o in enumerate(q.options) if not o.explanation)


def deck_stats(deck: Deck, file: str = "", longest: int = 5) -> DeckContentStats:
    """Count and check what an instructor wants to know about ``deck``."""
    kinds: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    no_expl: list[tuple[str, str]] = []
    no_obj: list[str] = []
    no_src: list[str] = []
    untagged: list[str] = []
    stems: list[tuple[str, int]] = []
    case_questions = 0
    for it in deck.items:
        kinds[it.kind] += 1
        tags.update(it.tags)
        if not it.tags:
            untagged.append(it.id)
        sources.update(it.sources)
        if not it.sources:
            no_src.append(it.id)
        if isinstance(it, Question):
            stems.append((it.id, len(it.stem.strip())))
            missing = _missing_letters(it)
            if missing:
                no_expl.append((it.id, missing))
            if not it.objective:
                no_obj.append(it.id)
        elif isinstance(it, Case):
            stems.append((it.id, len(it.stem.strip())))
            any_objective = bool(it.objective)
            for st in it.stages:
                for q in st.questions:
                    case_questions += 1
                    ref = f"{it.id}/{st.id}/{q.id}"
                    stems.append((ref, len(q.stem.strip())))
                    missing = _missing_letters(q)
                    if missing:
                        no_expl.append((ref, missing))
                    any_objective = any_objective or bool(q.objective)
            if not any_objective:
                no_obj.append(it.id)
        else:
            assert isinstance(it, Flashcard)
    stems.sort(key=lambda s: (-s[1], s[0]))
    by_kind = {k: kinds.get(k, 0) for k in ("flashcard", "single", "multi", "case")}
    return DeckContentStats(
        file=file or (str(deck.path) if deck.path else deck.id),
        deck_id=deck.id,
        title=deck.title,
        by_kind=by_kind,
        case_questions=case_questions,
        study_units=len(deck.study_units()),
        by_tag=sorted(tags.items(), key=lambda t: (-t[1], t[0])),
        by_source=sorted(sources.items(), key=lambda t: (-t[1], t[0])),
        unused_sources=[k for k in deck.sources if k not in sources
                        and not any(k in r.sources for r in deck.references)],
        options_without_explanation=no_expl,
        questions_without_objective=no_obj,
        items_without_source=no_src,
        longest_stems=stems[:longest],
        untagged=untagged,
        placeholder_sources=[k for k, src in deck.sources.items()
                             if _PLACEHOLDER.match(src.citation.strip())],
    )


def deck_warnings(text: str, deck: Deck | None, file: str) -> list[Problem]:
    """What ``quizapp validate`` warns about without failing: text that YAML would change
    without a word (a ' #' comment cutting prose short, a list folded by '>', an anchor eating
    a word), and options without an explanation. ``deck`` is None when the deck has errors."""
    layout = yamltext.Layout(text)
    out: list[Problem] = []
    for c in yamltext.silent_changes(text):
        region = layout.region(c.line)
        where = ""
        if region is not None:
            where = (yamltext.item_label(region.item, region.item_id) if region.item >= 0
                     else region.key)
        out.append(Problem(file, c.line, c.col, c.message, "", where, "warning"))
    if deck is not None:
        for i, it in enumerate(deck.items):
            label = yamltext.item_label(i, it.id)
            if isinstance(it, Question):
                out.extend(_explanation_warning(it, label, file))
            elif isinstance(it, Case):
                for si, st in enumerate(it.stages):
                    for qi, q in enumerate(st.questions):
                        out.extend(_explanation_warning(
                            q, f"{label}, stage {si + 1} ({st.id}), question {qi + 1} ({q.id})",
                            file))
    return sorted(out)


def file_warnings(path: Path, deck: Deck | None, problems: Sequence[Problem]) -> list[Problem]:
    """:func:`deck_warnings` for a deck file just checked (``problems`` are its errors);
    nothing for a file that could not be read or decoded (its error says why)."""
    from quizapp.core import deckfile
    from quizapp.core.problems import read_bytes

    if any(p.line == 0 for p in problems):
        return []
    try:
        text = deckfile.decode(read_bytes(path))
    except Exception:  # not UTF-8, binary, too large: reported as an error already
        return []
    return deck_warnings(text, deck, problems[0].file if problems else str(path))


def _explanation_warning(q: Question, where: str, file: str) -> list[Problem]:
    missing = _missing_letters(q)
    if not missing:
        return []
    loc = q.location
    letters = ", ".join(missing)
    return [Problem(file, loc.line if loc else 0, loc.column if loc else 0,
                    f"option{'s' if len(missing) > 1 else ''} {letters} "
                    f"{'have' if len(missing) > 1 else 'has'} no explanation: a student who "
                    "picks it learns nothing from the feedback (add 'explanation:' under the "
                    "option)", "", where, "warning")]


# What `quizapp new` and `quizapp import` write until the author names the real source.
_PLACEHOLDER = re.compile(r"(TODO\b|Imported from \S.* on \d{4}-\d\d-\d\d$)", re.I)


def _ids(ids: list[str], limit: int = 8) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f", ... ({len(ids) - limit} more)" if len(ids) > limit else "")


def format_stats(s: DeckContentStats) -> str:
    """``DeckContentStats`` as indented text lines for the terminal."""
    total = sum(s.by_kind.values())
    kinds = ", ".join(f"{k} {n}" for k, n in s.by_kind.items())
    lines = [
        f"{s.file}: {s.deck_id} ({s.title})",
        f"  items: {total} ({kinds}); {s.case_questions} case question"
        f"{'s' if s.case_questions != 1 else ''}; {s.study_units} study units",
    ]
    if s.by_tag:
        tag_text = ", ".join(f"{t} {n}" for t, n in s.by_tag)
        lines.append(f"  by tag: {tag_text}")
    if s.untagged:
        lines.append(f"  items without tags: {len(s.untagged)}: {_ids(s.untagged)}")
    lines.append("  by source: " + (", ".join(f"{k} {n}" for k, n in s.by_source) or "none"))
    if s.unused_sources:
        lines.append(f"  sources declared but not cited: {', '.join(s.unused_sources)}")
    if s.placeholder_sources:
        lines.append(f"  placeholder citations to replace before sharing: "
                     f"{', '.join(s.placeholder_sources)}")
    n_opts = sum(len(letters) for _, letters in s.options_without_explanation)
    if s.options_without_explanation:
        refs = [f"{q} ({','.join(letters)})" for q, letters in s.options_without_explanation]
        lines.append(f"  options without explanation: {n_opts} in "
                     f"{len(refs)} question{'s' if len(refs) != 1 else ''}: {_ids(refs)}")
    else:
        lines.append("  options without explanation: 0")
    lines.append(f"  questions without objective: {len(s.questions_without_objective)}"
                 + (f": {_ids(s.questions_without_objective)}"
                    if s.questions_without_objective else ""))
    lines.append(f"  items without source: {len(s.items_without_source)}"
                 + (f": {_ids(s.items_without_source)}" if s.items_without_source else ""))
    if s.longest_stems:
        lines.append("  longest stems: " + ", ".join(f"{i} ({n})" for i, n in s.longest_stems))
    return "\n".join(lines) + "\n"
