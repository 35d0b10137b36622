"""Multiple-choice questions in a CSV or TSV question bank -> questions."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from quizapp.core.authoring import (
    FlowList,
    is_valid_id,
    short_hash,
    slugify,
)
from quizapp.core.interchange.columns import KNOWN_COLUMNS, plain_text, source_key
from quizapp.core.interchange.items import (
    MAX_OPTIONS,
    ImportedItem,
    ParsedFile,
    clean_tags,
    gift_identity,
)
from quizapp.core.interchange.markup import HTML_HINT, field_to_markdown
from quizapp.core.interchange.messages import message
from quizapp.core.interchange.records import AnkiMeta, DelimitedRecord
from quizapp.core.interchange.teaching import add_teaching
from quizapp.core.model import LETTERS

LAYOUT_HELP = ("for flashcards use Front,Back[,Extra,Tags]; for multiple-choice questions use "
                "Question,A,B,C,D,Answer[,Explanation,Tags] (see the import section of "
                "decks/README.md)")
_MCQ_FORMAT = "CSV multiple-choice questions"
# Column names of a question bank, after _col_norm (lower case, "_-.:#()" as spaces).
_STEM_COLS = {"stem", "question", "question stem", "question text", "questiontext",
              "questionstem", "prompt", "q", "text", "item stem", "vignette"}
_ANSWER_COLS = {"answer", "answers", "correct", "correct answer", "correct answers",
                "correctanswer", "correct option", "correct options", "correct choice",
                "correct choices", "correct letter", "correct response", "right answer", "key",
                "answer key", "answerkey"}
_EXPLANATION_COLS = {"explanation", "explanations", "feedback", "general feedback",
                     "generalfeedback", "overall feedback", "rationale", "answer explanation",
                     "answer rationale", "extra", "back extra", "notes", "note", "comment",
                     "comments", "discussion", "teaching point", "teaching points"}
_OBJECTIVE_COLS = {"objective", "objectives", "learning objective", "learning objectives",
                   "learning outcome", "lo"}
_TAG_COLS = {"tags", "tag", "keywords", "keyword", "topic", "topics", "category", "categories"}
_SOURCE_COLS = {"source", "sources", "reference", "references", "citation", "ref"}
_ID_COLS = {"id", "question id", "questionid", "item id", "qid", "guid", "note id",
            "identifier", "uid"}
_LABEL = r"([a-j]|[1-9]|10)"
_OPTION_PREFIX = r"(?:option|choice|opt|alternative|alt|answer option|answer choice|answer)"
_OPTION_COL = re.compile(r"^(?:" + _OPTION_PREFIX + r"\s?)?" + _LABEL + r"$")
_OPTION_BEYOND = re.compile(r"^" + _OPTION_PREFIX + r"\s(?:[k-z]|1[1-9]|2[0-6])$")
_FEEDBACK = r"(?:explanation|feedback|rationale|reason|comment|why)"
_OPTION_EXPL_COL = re.compile(
    r"^(?:" + _FEEDBACK + r"\s?(?:for\s)?(?:(?:option|choice|answer)\s?)?" + _LABEL
    + r"|(?:(?:option|choice|answer)\s?)?" + _LABEL + r"\s?" + _FEEDBACK + r")$")
_DISTRACTOR_COL = re.compile(r"^(?:distractor|distracter|wrong answer|wrong option|"
                             r"incorrect answer|incorrect option|wrong choice|incorrect choice)"
                             r"s?(?:\s?(?:[a-j]|[1-9]|10))?$")
_LETTER_ANSWER = re.compile(r"^\(?([A-Ja-j])\)?[.)]?$")
_NUMBER_ANSWER = re.compile(r"^\(?(\d{1,2})\)?[.)]?$")
_ANSWER_SPLIT = re.compile(r"(?:[\s,;/&+]|\band\b)+", re.I)
_KEY_CELL = re.compile(r"^\(?[A-Ja-j]\)?[.)]?(?:(?:\s*[,;/&+]\s*|\s+)\(?[A-Ja-j]\)?[.)]?)*$")
_SEP_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", ":": "colon",
              " ": "space"}


def _col_norm(name: str) -> str:
    """``"Option_A"`` -> ``"option a"``, ``"Rationale1"`` -> ``"rationale 1"``."""
    n = re.sub(r"[\s_\-.:#()\[\]/]+", " ", name.strip().lower()).strip()
    return re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", n)


def _label_index(label: str) -> int:
    """``"a"`` or ``"1"`` -> 0, ``"j"`` or ``"10"`` -> 9."""
    return int(label) - 1 if label.isdigit() else ord(label) - ord("a")


def _mcq_role(name: str) -> tuple[str, int]:
    """What a column of a question bank holds: (role, option index or -1); role ``""`` when the
    name is not known. Roles: stem, answer, explanation, objective, tags, source, id, option,
    option-explanation, distractor, beyond (an option past J)."""
    n = _col_norm(name)
    for role, names in (("stem", _STEM_COLS), ("answer", _ANSWER_COLS),
                        ("explanation", _EXPLANATION_COLS), ("objective", _OBJECTIVE_COLS),
                        ("tags", _TAG_COLS), ("source", _SOURCE_COLS), ("id", _ID_COLS)):
        if n in names:
            return role, -1
    m = _OPTION_COL.match(n)
    if m:
        return "option", _label_index(m.group(1))
    if _OPTION_BEYOND.match(n):
        return "beyond", -1
    m = _OPTION_EXPL_COL.match(n)
    if m:
        return "option-explanation", _label_index(m.group(1) or m.group(2))
    if _DISTRACTOR_COL.match(n):
        return "distractor", -1
    return "", -1


@dataclass
class McqColumns:
    """Where the parts of a multiple-choice question are in each row (1-based columns)."""

    stem: int
    answer: int
    options: dict[int, int] = field(default_factory=dict)  # option index (0 = A) -> column
    distractors: list[int] = field(default_factory=list)  # the answer column holds the text
    option_explanations: dict[int, int] = field(default_factory=dict)
    explanations: list[int] = field(default_factory=list)
    tags: list[int] = field(default_factory=list)
    objective: int = 0
    source: int = 0
    id: int = 0
    unused: list[int] = field(default_factory=list)  # named columns that are not imported


def _names_of(names: list[str], cols: list[int]) -> str:
    return ", ".join(names[c - 1].strip() or f"column {c}" for c in cols)


def mcq_columns(names: list[str]) -> McqColumns | str | None:
    """The layout of a question bank from its column names; None when the names do not name
    options (not a question bank); a reason (text) when they name options but the layout is
    unusable."""
    by_role: dict[str, list[tuple[int, int]]] = {}
    for c, name in enumerate(names, start=1):
        if name.strip():
            role, label = _mcq_role(name)
            by_role.setdefault(role, []).append((c, label))

    def cols(role: str) -> list[int]:
        return [c for c, _ in by_role.get(role, [])]

    options, distractors = by_role.get("option", []), cols("distractor")
    if len(options) + len(cols("beyond")) < 2 and not distractors:
        return None
    if cols("beyond"):
        return (f"{_names_of(names, cols('beyond'))} would be an option past J: a quizapp "
                f"question has at most {MAX_OPTIONS} options")
    if options and distractors:
        return (f"it mixes option columns ({_names_of(names, [c for c, _ in options])}) with "
                f"distractor columns ({_names_of(names, distractors)}); use one or the other")
    missing = []
    if not cols("stem"):
        missing.append("no question column (Question or Stem)")
    if not cols("answer"):
        missing.append("no answer column (Answer, Correct or Key)")
    if missing:
        return "it has " + " and ".join(missing)
    for role, what in (("stem", "question"), ("answer", "answer")):
        if len(cols(role)) > 1:
            return f"it has several {what} columns ({_names_of(names, cols(role))}): keep one"
    layout = McqColumns(cols("stem")[0], cols("answer")[0], distractors=distractors,
                         explanations=cols("explanation"), tags=cols("tags"))
    for role, pairs in (("option", options), ("option-explanation",
                                                by_role.get("option-explanation", []))):
        seen: dict[int, list[int]] = {}
        for c, label in pairs:
            seen.setdefault(label, []).append(c)
        for label, same in seen.items():
            if len(same) > 1:
                what = "are all option" if role == "option" else "all explain option"
                return f"columns {_names_of(names, same)} {what} {LETTERS[label]}: keep one"
        target = layout.options if role == "option" else layout.option_explanations
        target.update({label: same[0] for label, same in seen.items()})
    for label in [k for k in layout.option_explanations if k not in layout.options]:
        layout.unused.append(layout.option_explanations.pop(label))
    for role in ("objective", "source", "id"):
        found = cols(role)
        if found:
            setattr(layout, role, found[0])
            layout.unused += found[1:]
    layout.unused += cols("")
    layout.unused.sort()
    return layout


def _column_like(name: str) -> bool:
    """Whether a cell reads like a column name: a few short words, no sentence punctuation."""
    n = name.strip()
    return (0 < len(n) <= 40 and len(n.split()) <= 4 and not HTML_HINT.search(n)
            and re.fullmatch(r"[^\W\d_][\w'()./&+# -]*", n) is not None)


def _known_column(name: str) -> bool:
    return name.strip().lower() in KNOWN_COLUMNS or _mcq_role(name)[0] not in ("", "beyond")


def loose_header(fields: list[str]) -> bool:
    """Whether a first row names the columns although not all of its names are known: most
    cells are short column-like names (``stem``, ``A``, ``answer``...) and either two of them
    are names quizapp knows or the single letters among them run A, B, C... (a row of two
    letters such as ``a,b`` is data)."""
    filled = [f.strip() for f in fields if f.strip()]
    if len(filled) < 2 or len(filled) < len(fields) / 2:
        return False
    if sum(1 for f in filled if _column_like(f)) < 0.75 * len(filled):
        return False
    letters = [f.lower() for f in filled if len(f) == 1]
    in_order = bool(letters) and letters == [chr(ord("a") + k) for k in range(len(letters))]
    words = sum(1 for f in filled if len(f) > 1 and _known_column(f))
    return words >= 2 or (in_order and (len(letters) >= 3 or (words >= 1 and len(letters) >= 2)))


def unknown_header_reason(names: list[str]) -> str:
    unknown = [n.strip() for n in names if n.strip() and n.strip().lower() not in KNOWN_COLUMNS]
    if not unknown:
        return "they do not say which column is the front and which the back"
    return (f"quizapp does not know the column{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(unknown)}")


def headerless_mcq(records: list[DelimitedRecord]) -> tuple[int, str] | None:
    """(column, example) when rows without a line of column names look like multiple-choice
    questions: a column past the third holds only answer letters (A, B, ... or A, C) that
    refer to the columns between the first and it."""
    rows = [r.fields for r in records[:500] if r.fields and not r.error]
    if not rows:
        return None
    width = Counter(len(f) for f in rows).most_common(1)[0][0]
    for c in range(4, width + 1):
        values = [f[c - 1].strip() for f in rows if len(f) >= c and f[c - 1].strip()]
        if not values or len(values) < 0.9 * len(rows):
            continue
        if not all(_KEY_CELL.match(v) for v in values):
            continue
        letters = {ch.upper() for v in values for ch in re.findall(r"[A-Ja-j]", v)}
        if max(ord(ch) - ord("A") for ch in letters) >= c - 2:
            continue
        if len(values) >= 4 and len({v.upper() for v in values}) < 2:
            continue  # one letter in every row: more likely a category than an answer key
        return c, values[0]
    return None


def split_tags(cell: str) -> list[str]:
    """A tags cell of a CSV file: ``"neuro, anatomy"`` -> ``["neuro", "anatomy"]`` (commas,
    semicolons and spaces separate tags; punctuation at either end of a tag is dropped)."""
    tags = (t.strip(",;:.!?\"'()[]{}") for t in re.split(r"[\s,;]+", cell))
    return [t for t in tags if t]


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _labels_text(labels: list[int]) -> str:
    """``[0, 1, 2, 3]`` -> ``"A-D"``, ``[0, 1, 3]`` -> ``"A, B, D"``."""
    if len(labels) > 2 and labels == list(range(labels[0], labels[-1] + 1)):
        return f"{LETTERS[labels[0]]}-{LETTERS[labels[-1]]}"
    return ", ".join(LETTERS[k] for k in labels)


def _resolve_answer(value: str, present: dict[int, str],
                    columns: set[int]) -> tuple[list[int], str | None]:
    """The options an answer cell names, as (option indexes as lettered in the file, None), or
    ([], reason). ``present``: index -> plain text of each non-empty option; ``columns``: every
    index that has a column, empty or not."""
    shown = value if len(value) <= 40 else value[:37] + "..."
    labels = sorted(present)
    readings: list[tuple[str, tuple[int, ...]]] = []  # (how the cell was read, options)
    errors: list[str] = []

    def check(k: int, token: str, kind: str) -> bool:
        if k in present:
            return True
        if k in columns:
            errors.append(f"the answer '{shown}' refers to option {LETTERS[k]}, which is empty")
        elif kind == "number":
            errors.append(f"the answer '{shown}' is not one of the options 1-{len(columns)} "
                          f"({_labels_text(labels)})")
        elif token == value:
            errors.append(f"the answer '{shown}' is not one of the options "
                          f"{_labels_text(labels)}")
        else:
            errors.append(f"the answer '{shown}' names {token}, which is not one of the options "
                          f"{_labels_text(labels)}")
        return False

    same = [k for k in labels if _same_text(present[k], value)]
    if len(same) > 1:
        return [], (f"the answer '{shown}' is the text of several options "
                    f"({_labels_text(same)}); write the letter of the right one")
    if same:
        readings.append(("the text of an option", (same[0],)))
    m = _LETTER_ANSWER.match(value)
    if m and check(ord(m.group(1).upper()) - ord("A"), value, "letter"):
        readings.append(("a letter", (ord(m.group(1).upper()) - ord("A"),)))
    m = _NUMBER_ANSWER.match(value)
    if m and check(int(m.group(1)) - 1, value, "number"):
        readings.append(("a number", (int(m.group(1)) - 1,)))
    tokens = [t for t in _ANSWER_SPLIT.split(value) if t]
    if len(tokens) >= 2 and all(_LETTER_ANSWER.match(t) or _NUMBER_ANSWER.match(t)
                                for t in tokens):
        picked: set[int] = set()
        ok = True
        for t in tokens:
            lm = _LETTER_ANSWER.match(t)
            nm = _NUMBER_ANSWER.match(t)
            k = (ord(lm.group(1).upper()) - ord("A") if lm
                 else int(nm.group(1)) - 1 if nm else -1)
            ok = check(k, t, "letter" if lm else "number") and ok
            picked.add(k)
        if ok:
            readings.append(("letters" if any(_LETTER_ANSWER.match(t) for t in tokens)
                             else "numbers", tuple(sorted(picked))))
    distinct = list(dict.fromkeys(opts for _, opts in readings))
    if len(distinct) == 1:
        return list(distinct[0]), None
    if len(distinct) > 1:
        means = "; ".join(f"as {how} it means option"
                          f"{'s' if len(opts) > 1 else ''} "
                          f"{', '.join(LETTERS[k] for k in opts)}" for how, opts in readings)
        return [], (f"the answer '{shown}' is ambiguous ({means}); write the letter of the "
                    "right option")
    if errors:
        return [], errors[0]
    return [], (f"the answer '{shown}' is neither an option letter ({_labels_text(labels)}), "
                f"an option number, several letters (A, C) nor the text of an option")


def parse_mcq(out: ParsedFile, file: str, layout: McqColumns, names: list[str], names_line: int,
               records: list[DelimitedRecord], is_html: bool, sep: str, meta: AnkiMeta) -> None:
    """Rows of a question bank -> single and multi questions."""
    out.format_name, out.unit = _MCQ_FORMAT, "row"
    out.tags = clean_tags(meta.tags, file, 1, out.warnings)
    if meta.deck:
        out.title = meta.deck.split("::")[-1].strip() or None
    unused = list(layout.unused)
    if unused:
        out.warnings.append(message(
            file, names_line, "column" + ("s " if len(unused) > 1 else " ") + ", ".join(
                f"{c} '{names[c - 1].strip()}'" for c in unused) + " not imported: quizapp does "
            "not know " + ("these column names" if len(unused) > 1 else "this column name")
            + " (it knows Question, options A-J or Option 1-10, Answer, Explanation, "
            "Explanation A..., Objective, Tags, Source, ID)", warning=True))
    unnamed = sorted({c for r in records for c in range(1, min(len(names), len(r.fields)) + 1)
                      if not names[c - 1].strip() and r.fields[c - 1].strip()})
    if unnamed:
        out.warnings.append(message(
            file, names_line, "column" + ("s " if len(unnamed) > 1 else " ")
            + ", ".join(map(str, unnamed)) + " not imported: the first line gives "
            + ("them" if len(unnamed) > 1 else "it") + " no name", warning=True))
    counts = Counter(len(r.fields) for r in records if r.fields and not r.error)
    usual = counts.most_common(1)[0][0] if counts else len(names)
    for rec in records:
        if rec.error:
            out.skipped.append(message(file, rec.line, f"cannot convert row: {rec.error}"))
        elif not rec.fields:
            out.warnings.append(message(file, rec.line, "line starts with '#' and is skipped "
                                        "as a comment (quote the field to import it)",
                                        warning=True))
        elif any(f.strip() for f in rec.fields):  # a row of empty cells is skipped silently
            _mcq_row(out, file, rec, layout, (len(names), usual), is_html, sep)


def _mcq_row(out: ParsedFile, file: str, rec: DelimitedRecord, layout: McqColumns,
             widths: tuple[int, int], is_html: bool, sep: str) -> None:
    """One row of a question bank -> a question. ``widths``: how many columns the first line
    names, and how many fields most rows have."""
    line, fields = rec.line, rec.fields

    def skip(reason: str) -> None:
        out.skipped.append(message(file, line, f"cannot convert row: {reason}"))

    def col(c: int) -> str:
        return fields[c - 1] if 0 < c <= len(fields) else ""

    ncols, usual = widths
    n = len(fields)
    sep_name = _SEP_NAMES.get(sep, repr(sep))
    # A row with more fields than the others (an unquoted separator in a field) has its
    # columns shifted: its answer column may hold another cell, so it is skipped rather than
    # read wrongly.
    if n > ncols and (any(f.strip() for f in fields[ncols:]) or n != usual):
        skip(f"it has {n} fields but the first line names {ncols} columns, so the columns may "
             f"be shifted (a field with a {sep_name} in it must be in double quotes)")
        return
    if layout.answer > n:  # (fewer fields are fine: trailing empty cells may be left out)
        skip(f"it has {n} field{'s' if n != 1 else ''} but the first line names {ncols} "
             "columns, so it has no answer column")
        return
    media: list[str] = []

    def md(c: int) -> str:
        text, dropped = field_to_markdown(col(c), is_html) if c else ("", [])
        media.extend(dropped)
        return text

    stem = md(layout.stem)
    if not stem:
        skip("the question is empty" + (" (only media)" if media else ""))
        return
    answer = plain_text(col(layout.answer), is_html)
    if not answer:
        skip("no answer given")
        return
    options: list[dict[str, Any]] = []
    right: list[int] = []
    if layout.distractors:
        for c in [layout.answer, *layout.distractors]:
            text = md(c)
            if text:
                options.append({"text": text})
        right = [0]
        if any(_same_text(o["text"], options[0]["text"]) for o in options[1:]):
            skip(f"the answer '{answer[:40]}' is also given as a distractor")
            return
    else:
        present: dict[int, str] = {}
        kept: list[int] = []
        for k in sorted(layout.options):
            text = md(layout.options[k])
            expl = md(layout.option_explanations.get(k, 0))
            if not text:
                if expl:
                    out.warnings.append(message(file, line, f"the explanation of option "
                                                f"{LETTERS[k]} is dropped: option {LETTERS[k]} "
                                                "is empty", warning=True))
                continue
            present[k] = plain_text(col(layout.options[k]), is_html)
            kept.append(k)
            options.append({"text": text, **({"explanation": expl} if expl else {})})
        if len(kept) < 2:
            skip(f"fewer than 2 options ({len(kept) or 'none'} filled in)")
            return
        chosen, problem = _resolve_answer(answer, present, set(layout.options))
        if problem:
            skip(problem)
            return
        right = [kept.index(k) for k in chosen]
    if len(options) < 2:
        skip("fewer than 2 options (a question needs a right option and at least one wrong one)")
        return
    if len(options) > MAX_OPTIONS:
        skip(f"it has {len(options)} options; a quizapp question has at most {MAX_OPTIONS}")
        return
    data: dict[str, Any] = {"type": "single", "stem": stem, "options": options}
    if len(right) == 1:
        data["answer"] = LETTERS[right[0]]
    else:
        data["type"] = "multi"
        data["answers"] = FlowList(LETTERS[k] for k in right)
    explanation = "\n\n".join(t for t in (md(c) for c in layout.explanations) if t)
    too_long = add_teaching(data, explanation, md(layout.objective))
    if too_long:
        skip(too_long)
        return
    tags = clean_tags([t for c in layout.tags for t in split_tags(plain_text(col(c), is_html))],
                       file, line, out.warnings)
    if tags:
        data["tags"] = FlowList(tags)
    source = source_key(out, file, line, col(layout.source), is_html) if layout.source else None
    if source:
        data["source"] = source
    if media:
        out.warnings.append(message(file, line, f"{', '.join(media)} dropped: quizapp does not "
                                    "import pictures or sounds (copy a picture beside the deck "
                                    "and set the item's image field)", warning=True))
    raw_id = plain_text(col(layout.id), is_html) if layout.id else ""
    base = raw_id if is_valid_id(raw_id) else slugify(raw_id)
    if not base or not base[0].isalnum():
        base = "mcq-" + short_hash(gift_identity(data))
    out.items.append(ImportedItem(line, "row", data, base))
