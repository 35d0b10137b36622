"""A deck -> a GIFT file for Moodle."""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

from quizapp.core.authoring import (
    AuthoringError,
    tidy_text,
)
from quizapp.core.interchange.exporting import (
    export_order,
    is_true_false,
    pictures_of,
    with_objective,
)
from quizapp.core.interchange.formats import Exporter
from quizapp.core.interchange.gift import WEIGHT
from quizapp.core.interchange.teaching import objective_suffix
from quizapp.core.model import Deck, Flashcard, Question


def gift_escape(text: str) -> str:
    """Escape GIFT's special characters the way Moodle's exporter does."""
    out = text.replace("\\", "\\\\")
    for ch in "~=#{}:":
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r", "").replace("\n", "\\n")


def _weight(n: int) -> str:
    return f"{100 / n:.5f}".rstrip("0").rstrip(".")


def _gift_question_text(name: str, stem: str, q: Question) -> str:
    lines = [f"// {name}", f"::{gift_escape(name)}::[markdown]{gift_escape(tidy_text(stem))}{{"]
    if is_true_false(q):  # Moodle's true/false type: {T#if wrong#if right}
        is_true = q.options[0].correct
        good, bad = (q.options[0], q.options[1]) if is_true else (q.options[1], q.options[0])
        feedback = [gift_escape(tidy_text(o.explanation)) if o.explanation else ""
                    for o in (bad, good)]  # GIFT: shown if answered wrong, then if right
        tail = f"#{feedback[0]}#{feedback[1]}" if any(feedback) else ""
        lines.append(f"\t{'T' if is_true else 'F'}{tail}")
        general = objective_suffix(q.explanation, q.objective)
        if general:
            lines.append(f"\t####{gift_escape(general)}")
        lines.append("}")
        return "\n".join(lines)
    right = [i for i, o in enumerate(q.options) if o.correct]
    wrong = [i for i, o in enumerate(q.options) if not o.correct]
    for o in q.options:
        if q.kind == "single":
            mark = "=" if o.correct else "~"
            if not o.correct and WEIGHT.match(o.text.strip()):
                mark = "~%0%"  # so that a text such as "%50% of cases" is not read as a weight
        else:
            mark = (f"~%{_weight(len(right))}%" if o.correct
                    else f"~%-{_weight(len(wrong))}%")
        fb = f"#{gift_escape(tidy_text(o.explanation))}" if o.explanation else ""
        lines.append(f"\t{mark}{gift_escape(tidy_text(o.text))}{fb}")
    general = objective_suffix(q.explanation, q.objective)
    if general:
        lines.append(f"\t####{gift_escape(general)}")
    lines.append("}")
    return "\n".join(lines)


def export_gift(deck: Deck, today: _dt.date | None = None) -> tuple[str, list[str]]:
    """A deck -> GIFT text for Moodle, plus notes for stderr (flashcards are skipped)."""
    where = str(deck.path) if deck.path else deck.id
    date = (today or _dt.date.today()).isoformat()
    category = re.sub(r"[/\n]+", "-", deck.title).strip()
    out = [f"// Exported from the quizapp deck {deck.id} ({deck.title.strip()}) on {date}.",
           "// Import into Moodle: Question bank > Import > GIFT format.", "",
           f"$CATEGORY: $course$/top/{category}", ""]
    notes: list[str] = []
    flashcards = 0
    count = 0
    for it in deck.items:
        if isinstance(it, Flashcard):
            flashcards += 1
            continue
        for label, image in pictures_of(it):
            notes.append(f"{it.location or where}: {label}: picture {image.name} not exported "
                         "(GIFT files carry no pictures; add it in Moodle's question editor)")
        if isinstance(it, Question):
            out += [_gift_question_text(it.id, it.stem, export_order(it, f"{deck.id}/{it.id}")),
                    ""]
            count += 1
        else:
            for si, st in enumerate(it.stages):
                context = [f"**{tidy_text(it.title)}**", tidy_text(it.stem)]
                for prev in it.stages[: si + 1]:
                    if prev.title or prev.text:
                        head = f"**{tidy_text(prev.title)}**" if prev.title else ""
                        context.append("\\\n".join(p for p in (head, tidy_text(prev.text or ""))
                                                   if p))
                for q in st.questions:
                    if q.objective is None and it.objective:
                        q = with_objective(q, it.objective)
                    stem = "\n\n".join([*context, tidy_text(q.stem)])
                    q = export_order(q, f"{deck.id}/{it.id}/{st.id}/{q.id}")
                    out += [_gift_question_text(f"{it.id}.{st.id}.{q.id}", stem, q), ""]
                    count += 1
    if flashcards:
        notes.append(f"{where}: {flashcards} flashcard{'s' if flashcards != 1 else ''} not "
                     "exported: GIFT has no flashcard question type (use --format anki)")
    if not count:
        raise AuthoringError(f"{where} has no questions to export as GIFT (only flashcards); "
                             "use --format anki")
    return "\n".join(out), notes


# --------------------------------------------------------------------------- commands


def _write(deck: Deck, media: Path | None, today: _dt.date | None) -> tuple[str, list[str]]:
    return export_gift(deck, today)


EXPORTER = Exporter(key="gift", what="GIFT questions", suffixes=(".gift",), write=_write)
