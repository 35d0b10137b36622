"""A deck -> Anki notes (tab-separated, HTML, with header lines)."""

from __future__ import annotations

import datetime as _dt
import html
import shutil
from pathlib import Path

from quizapp.core.interchange.exporting import export_order, with_objective
from quizapp.core.interchange.formats import Exporter
from quizapp.core.interchange.markup import markdown_to_html
from quizapp.core.interchange.teaching import objective_suffix
from quizapp.core.model import LETTERS, Case, Deck, Flashcard, Item, Question


def _tsv_field(value: str) -> str:
    if any(c in value for c in '\t"\n\r') or value.startswith("#"):
        return '"' + value.replace('"', '""') + '"'
    return value


def _question_html(q: Question, context: str = "") -> tuple[str, str]:
    opts = "<br>".join(f"{LETTERS[i]}. {markdown_to_html(o.text)}"
                       for i, o in enumerate(q.options))
    front = (context + "<br><br>" if context else "") + markdown_to_html(q.stem)
    front += "<br><br>" + opts
    right = [i for i, o in enumerate(q.options) if o.correct]
    label = "Answer" if len(right) == 1 else "Answers"
    back = f"<b>{label}: {', '.join(LETTERS[i] for i in right)}</b><br>" + "<br>".join(
        f"{LETTERS[i]}. {markdown_to_html(q.options[i].text)}" for i in right)
    notes = [f"{LETTERS[i]} ({'correct' if o.correct else 'wrong'}): "
             f"{markdown_to_html(o.explanation)}"
             for i, o in enumerate(q.options) if o.explanation]
    teaching = objective_suffix(q.explanation, q.objective)
    tail = "<br>".join(notes)
    if teaching:
        tail = (tail + "<br><br>" if tail else "") + markdown_to_html(teaching)
    if tail:
        back += "<hr>" + tail
    return front, back


def _case_context(case: Case, upto: int) -> str:
    parts = [f"<b>{markdown_to_html(case.title)}</b>", markdown_to_html(case.stem)]
    for st in case.stages[: upto + 1]:
        if st.title or st.text:
            head = f"<b>{markdown_to_html(st.title)}</b>" if st.title else ""
            body = markdown_to_html(st.text) if st.text else ""
            parts.append("<br>".join(p for p in (head, body) if p))
    return "<br><br>".join(parts)


BASIC = "Basic"
BASIC_REVERSED = "Basic (and reversed card)"


def anki_guid(deck_id: str, key: str) -> str:
    """A stable Anki note GUID from the deck and item ids: re-importing a corrected export
    updates the notes instead of adding every card again."""
    import hashlib

    return "qz" + hashlib.sha256(f"{deck_id}/{key}".encode()).hexdigest()[:14]


def export_anki(deck: Deck, media: Path | None = None) -> tuple[str, list[str]]:
    """A deck -> Anki notes as tab-separated text with header lines, plus notes for stderr.

    Every note has a GUID column made from the deck and item ids, so importing a corrected
    export again updates the notes. When a flashcard is reversible, a column names each note's
    note type (Anki's ``#notetype column:``): *Basic (and reversed card)* for reversible
    flashcards, *Basic* for the rest. Options are shuffled (see :func:`export_order`).
    Pictures are copied into ``media`` (when given) and shown with ``<img>``; Anki finds them
    once they are in its ``collection.media`` folder. Without ``media`` each is named in the
    notes."""
    where = str(deck.path) if deck.path else deck.id
    with_type = any(isinstance(it, Flashcard) and it.reversible for it in deck.items)
    if with_type:
        rows = ["#separator:tab", "#html:true", "#guid column:1", "#notetype column:2",
                "#columns:GUID\tNotetype\tFront\tBack\tTags", "#tags column:5"]
    else:
        rows = ["#separator:tab", "#html:true", "#guid column:1",
                "#columns:GUID\tFront\tBack\tTags", "#tags column:4"]
    notes: list[str] = []
    copied: dict[Path, str] = {}

    def picture(it: Item, image: Path | None, label: str) -> str:
        if image is None:
            return ""
        if media is None:
            notes.append(f"{it.location or where}: {label}: picture {image.name} not exported; "
                         "add it to the note in Anki")
            return ""
        name = copied.get(image)
        if name is None:
            name = f"{deck.id}-{image.name}"
            media.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(image, media / name)
            copied[image] = name
        return f"<br><img src='{html.escape(name, quote=True)}'>"

    def add(key: str, front: str, back: str, tags: tuple[str, ...],
            reversible: bool = False) -> None:
        tag_text = " ".join(t.replace(" ", "_") for t in tags)
        fields = [anki_guid(deck.id, key), front, back, tag_text]
        if with_type:
            fields.insert(1, BASIC_REVERSED if reversible else BASIC)
        rows.append("\t".join(_tsv_field(f) for f in fields))

    for it in deck.items:
        if isinstance(it, Flashcard):
            front = markdown_to_html(it.front) + picture(it, it.image, f"item {it.id}")
            back = markdown_to_html(it.back)
            teaching = objective_suffix(it.explanation, it.objective)
            if teaching and it.reversible:
                # Anki shows the Back field as the question of the reversed card
                notes.append(f"{it.location or where}: item {it.id}: explanation not exported: "
                             "Anki's reversed card would show it on its question side")
            elif teaching:
                back += "<hr>" + markdown_to_html(teaching)
            add(it.id, front, back, it.tags, it.reversible)
        elif isinstance(it, Question):
            q = export_order(it, f"{deck.id}/{it.id}")
            front, back = _question_html(q)
            add(it.id, front + picture(it, it.image, f"item {it.id}"), back, it.tags)
        else:
            case_pic = picture(it, it.image, f"item {it.id}")
            for si, st in enumerate(it.stages):
                for q in st.questions:
                    if q.objective is None and it.objective:
                        q = with_objective(q, it.objective)
                    key = f"{it.id}/{st.id}/{q.id}"
                    q = export_order(q, f"{deck.id}/{key}")
                    front, back = _question_html(q, _case_context(it, si) + case_pic)
                    label = f"item {it.id}, stage {st.id}, question {q.id}"
                    add(key, front + picture(it, q.image, label), back, it.tags)
    if copied:
        notes.append(f"{len(copied)} picture{'s' if len(copied) != 1 else ''} copied to "
                     f"{media}: copy {'them' if len(copied) != 1 else 'it'} into Anki's "
                     "collection.media folder (Tools > Check Media shows where) before importing")
    return "\n".join(rows) + "\n", notes


def _write(deck: Deck, media: Path | None, today: _dt.date | None) -> tuple[str, list[str]]:
    return export_anki(deck, media)


EXPORTER = Exporter(key="anki", what="Anki notes (tab-separated, HTML)",
                    suffixes=(".tsv", ".csv", ".txt"),  # Anki itself exports notes as .txt
                    write=_write, takes_media=True)
