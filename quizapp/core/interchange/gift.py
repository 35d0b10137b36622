"""Moodle GIFT files -> questions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizapp.core.authoring import (
    short_hash,
    slugify,
)
from quizapp.core.interchange.formats import Guess, Importer
from quizapp.core.interchange.items import (
    ImportedItem,
    ParsedFile,
    apply_categories,
    gift_identity,
    graded_question,
)
from quizapp.core.interchange.markup import (
    HTML_HINT,
    finish_markdown,
    html_to_markdown,
    plain_to_markdown,
)
from quizapp.core.interchange.messages import message
from quizapp.core.interchange.records import tab_separated
from quizapp.core.interchange.teaching import add_teaching, split_objective

# Private-use placeholders for escaped characters while a GIFT question is taken apart.
_ESC = {"\\": "\ue001", ":": "\ue002", "#": "\ue003", "=": "\ue004", "{": "\ue005",
        "}": "\ue006", "~": "\ue007", "n": "\ue008"}
_UNESC = {v: ("\n" if k == "n" else k) for k, v in _ESC.items()}
_BLANK = "\ue011"  # where a "missing word" question's answers stood
WEIGHT = re.compile(r"^%\s*(-?\d+(?:\.\d*)?)\s*%")
_FORMATS = ("html", "markdown", "plain", "moodle")


def _gift_escape_pre(text: str) -> str:
    return re.sub(r"\\([\\:#=~{}n])", lambda m: _ESC[m.group(1)], text)


def _gift_unescape(text: str) -> str:
    for ph, ch in _UNESC.items():
        text = text.replace(ph, ch)
    return text


def _gift_text(raw: str, default: str) -> tuple[str, str, list[str]]:
    """A piece of GIFT text (escapes still as placeholders) -> (Markdown, format, media)."""
    raw = raw.strip()
    fmt = default
    m = re.match(r"^\[(\w+)\]", raw)
    if m and m.group(1).lower() in _FORMATS:
        fmt = m.group(1).lower()
        raw = raw[m.end():].strip()
    text = _gift_unescape(raw)
    if fmt == "markdown":
        return finish_markdown(text), fmt, []
    if fmt == "html":
        md, media = html_to_markdown(text)
        return md, fmt, media
    if fmt == "moodle" and HTML_HINT.search(text):
        md, media = html_to_markdown(text.replace("\n", "<br>"))
        return md, fmt, media
    return plain_to_markdown(text), fmt, []


@dataclass
class _Block:
    line: int
    lines: list[tuple[int, str]]


def _gift_blocks(text: str) -> Iterator[_Block]:
    current: list[tuple[int, str]] = []
    for no, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            current.append((no, line))
        elif current:
            yield _Block(current[0][0], current)
            current = []
    if current:
        yield _Block(current[0][0], current)


def parse_gift(text: str, file: str) -> ParsedFile:
    """Moodle GIFT questions -> single and multi questions."""
    out = ParsedFile("gift")
    category: str | None = None
    categories: list[str | None] = []
    blocks = list(_gift_blocks(text))
    i = 0
    while i < len(blocks):
        block = blocks[i]
        i += 1
        body_lines = [(n, s) for n, s in block.lines if not s.strip().startswith("//")]
        if not body_lines:
            continue
        joined = _gift_escape_pre("\n".join(s for _, s in body_lines).strip())
        # A blank line inside an answer block: Moodle would reject it; join the pieces when
        # the next block continues the answers (starts with =, ~, # or }).
        while joined.count("{") > joined.count("}") and i < len(blocks):
            nxt = [(n, s) for n, s in blocks[i].lines if not s.strip().startswith("//")]
            if nxt and not nxt[0][1].lstrip().startswith(("=", "~", "#", "}", "%")):
                break
            i += 1
            if nxt:
                out.warnings.append(message(file, blocks[i - 1].line, "blank line inside an "
                                            "answer block; read as one question (Moodle would "
                                            "reject this)", warning=True))
                joined += "\n\n" + _gift_escape_pre("\n".join(s for _, s in nxt).strip())
        line = body_lines[0][0]
        if joined.startswith("$CATEGORY:"):
            category = _gift_unescape(joined[len("$CATEGORY:"):]).strip()
            continue
        before = len(out.items)
        _gift_question(out, file, line, joined)
        if len(out.items) > before:
            categories.append(category)
    apply_categories(out, categories)
    return out


def _gift_question(out: ParsedFile, file: str, line: int, text: str) -> None:
    name: str | None = None
    if text.startswith("::"):
        end = text.find("::", 2)
        if end != -1:
            name = _gift_unescape(text[2:end]).strip() or None
            text = text[end + 2:].strip()
        else:
            text = text[2:]
    what = f"question '{name}'" if name else "question"

    def skip(reason: str) -> None:
        out.skipped.append(message(file, line, f"cannot convert {what}: {reason}"))

    start = text.find("{")
    finish = text.find("}", start + 1) if start != -1 else text.find("}")
    if start == -1 and finish == -1:
        skip("it has no answer block {...} (a description or text-only item)")
        return
    if start == -1 or finish == -1:
        skip("unbalanced braces: an answer block needs both { and } (write \\{ or \\} for a "
             "literal brace)")
        return
    answer = text[start + 1:finish].strip()
    after = text[finish + 1:]
    if "{" in after or "}" in after:
        skip("a second answer block or a stray { or } after the answers (embedded answers "
             "are not supported; write \\{ or \\} for a literal brace)")
        return
    # Answers inside the text: Moodle's "missing word" format shows a blank there.
    qtext = (text[:start].rstrip() + f" {_BLANK} " + after.lstrip()) if after.strip() \
        else text[:start]
    general = ""
    gf = answer.rfind("####")
    if gf != -1:
        general = answer[gf + 4:]
        answer = answer[:gf].strip()
    stem, fmt, media = _gift_text(qtext, "moodle")
    stem = stem.replace(_BLANK, "_____")
    if not answer:
        skip("an essay question (empty answer block {}) has no options to choose from")
        return
    if answer.startswith("#"):
        skip("a numerical question ({#...}) has no options to choose from")
        return
    tf_check = answer.split("#", 1)[0].strip()
    qtype: str
    if "~" in answer:
        qtype = "multichoice"
    elif "=" in answer and "->" in answer:
        skip("a matching question (->) cannot be converted")
        return
    elif tf_check in ("T", "TRUE", "F", "FALSE"):
        qtype = "truefalse"
    else:
        skip("a short-answer question ({=answer}) has no wrong options to choose from"
             + (" (for true/false write {T} or {F})" if tf_check.lower() in
                ("t", "true", "f", "false") else ""))
        return
    if not stem:
        skip("the question text is empty")
        return
    explanation, objective = None, None
    if general.strip():
        g, _, m2 = _gift_text(general, fmt)
        media += m2
        explanation, objective = split_objective(g)
    data: dict[str, Any] = {}
    if qtype == "truefalse":
        bits = answer.split("#", 2)
        wrong_fb = _gift_text(bits[1], fmt)[0] if len(bits) > 1 else ""
        right_fb = _gift_text(bits[2], fmt)[0] if len(bits) > 2 else ""
        is_true = tf_check in ("T", "TRUE")
        true_opt: dict[str, Any] = {"text": "True"}
        false_opt: dict[str, Any] = {"text": "False"}
        fb_true, fb_false = (right_fb, wrong_fb) if is_true else (wrong_fb, right_fb)
        if fb_true:
            true_opt["explanation"] = fb_true
        if fb_false:
            false_opt["explanation"] = fb_false
        data = {"type": "single", "stem": stem, "options": [true_opt, false_opt],
                "answer": "A" if is_true else "B", "shuffle": False}
    else:
        single = "=" in answer
        pieces = answer.replace("=", "~=").split("~")
        if pieces and not pieces[0].strip():
            pieces = pieces[1:]
        elif pieces:
            skip(f"text before the first answer in the answer block: {pieces[0].strip()[:40]!r}")
            return
        options: list[dict[str, Any]] = []
        weights: list[float] = []
        for k, piece in enumerate(pieces, start=1):
            piece = piece.strip()
            if piece.startswith("="):
                weight = 100.0
                piece = piece[1:]
            else:
                m = WEIGHT.match(piece)
                if m:
                    try:
                        weight = float(m.group(1))
                    except ValueError:  # pragma: no cover - the pattern allows only numbers
                        weight = 0.0
                    piece = piece[m.end():]
                else:
                    weight = 0.0
            ans_raw, _, fb_raw = piece.partition("#")
            opt_text, _, m3 = _gift_text(ans_raw, fmt)
            media += m3
            if not opt_text:
                skip(f"answer {k} is empty")
                return
            opt: dict[str, Any] = {"text": opt_text}
            if fb_raw.strip():
                fb, _, m4 = _gift_text(fb_raw, fmt)
                media += m4
                if fb:
                    opt["explanation"] = fb
            options.append(opt)
            weights.append(weight)
        graded = graded_question(out, file, line, what, stem, options, weights, single, skip,
                                 full="fully correct (=)", kind="single-answer",
                                 grade="weight")
        if graded is None:
            return
        data = graded
    if media:
        out.warnings.append(message(file, line, f"{what}: {', '.join(media)} dropped: quizapp "
                                    "does not import embedded media", warning=True))
    too_long = add_teaching(data, explanation, objective)
    if too_long:
        skip(too_long)
        return
    base = slugify(name) if name else ""
    if not base or not base[0].isalnum():
        base = "gift-" + short_hash(gift_identity(data))
    out.items.append(ImportedItem(line, what, data, base))


GIFT_STRONG = re.compile(r"^\s*(::|\$CATEGORY:|// question: )", re.M)
GIFT_BRACES = re.compile(r"\{\s*(=|~|T\s*[}#]|F\s*[}#]|TRUE\s*[}#]|FALSE\s*[}#])")


def sniff(name: str, text: str) -> Guess | None:
    """A ``.gift`` name; else ``::name::`` titles or ``$CATEGORY`` lines; else answer braces
    such as ``{=...}`` or ``{T}`` in lines that are not mostly tab-separated."""
    if Path(name).suffix.lower() == ".gift":
        return Guess(100, "from the .gift suffix")
    head = text[:200_000]
    if GIFT_STRONG.search(head):
        return Guess(60, "from GIFT question names (::name::) or $CATEGORY lines")
    if GIFT_BRACES.search(head) and not tab_separated(head):
        return Guess(50, "from answer braces such as {=...} or {T}")
    return None


IMPORTER = Importer(key="gift", name="Moodle GIFT file", suffixes=(".gift",), unit="question",
                    sniff=sniff, parse=parse_gift)
