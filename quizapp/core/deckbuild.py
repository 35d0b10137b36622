"""Checked deck records -> the model (:mod:`quizapp.core.model`), running the rules that span
fields: answers name options, sources are declared, ids are unique, images exist inside the
deck's folder and are pictures.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from quizapp.core import deckschema as S
from quizapp.core import resources
from quizapp.core.deckcheck import CheckedRecord
from quizapp.core.model import (
    LETTERS,
    Case,
    Deck,
    Flashcard,
    Item,
    Option,
    Question,
    Reference,
    Source,
    SourceLocation,
    Stage,
)
from quizapp.core.problems import ProblemCollector


class Builder:
    """Checked records -> model objects, running the rules that span fields."""

    def __init__(self, problems: ProblemCollector, path: Path | None, deck: CheckedRecord) -> None:
        self.p = problems
        self.path = path
        self.folder = path.resolve().parent if path is not None else None
        self.file = problems.file
        self.sources: dict[str, Any] = deck.get("sources") or {}
        defaults: CheckedRecord = deck.get("defaults") or CheckedRecord(0, 0)
        self.default_sources: list[str] | None = defaults.get("source")
        self.default_tags: list[str] = defaults.get("tags") or []
        self.default_shuffle: bool = defaults.get("shuffle", True)
        if self.default_sources:
            self._check_source_keys(defaults, self.default_sources, "defaults.source")

    def loc(self, rec: CheckedRecord) -> SourceLocation:
        return SourceLocation(self.file, rec.line, rec.col)

    def _check_source_keys(self, rec: CheckedRecord, keys: list[str], path: str) -> None:
        for k in keys:
            if k not in self.sources:
                line, col = rec.at("source")
                declared = ", ".join(self.sources) or "none"
                guess = difflib.get_close_matches(k, list(self.sources), n=1, cutoff=0.6)
                hint = f"; did you mean '{guess[0]}'?" if guess else f" (declared: {declared})"
                self.p.add(line, col, f"source '{k}' is not declared in sources{hint}", path)

    def item_sources(self, rec: CheckedRecord, path: str) -> tuple[str, ...]:
        keys = rec.get("source")
        if keys is None:
            if "source" in rec.pos:  # present but invalid: already reported
                return ()
            if self.default_sources is None:
                self.p.add(rec.line, rec.col,
                           "missing 'source' (cite a key from sources, or set defaults.source)",
                           path)
                return ()
            return tuple(self.default_sources)
        self._check_source_keys(rec, keys, f"{path}.source")
        return tuple(keys)

    def tags(self, rec: CheckedRecord) -> tuple[str, ...]:
        own = rec.get("tags") or []
        if not self.default_tags:
            return tuple(dict.fromkeys(own))
        return tuple(dict.fromkeys([*self.default_tags, *own]))

    def image(self, rec: CheckedRecord, path: str) -> Path | None:
        raw = rec.get("image")
        if raw is None:
            if rec.get("image_alt") is not None:
                line, col = rec.at("image_alt")
                self.p.add(line, col, "image_alt describes a picture, but there is no 'image' "
                           "here: add the image or remove image_alt", f"{path}.image_alt")
            return None
        line, col = rec.at("image")
        p = Path(raw)
        if p.is_absolute() or raw.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", raw) or (
            "://" in raw
        ):
            self.p.add(line, col, f"image path '{raw}' must be relative to the deck file",
                       f"{path}.image")
            return None
        if p.suffix.lower() not in S.IMAGE_SUFFIXES:
            self.p.add(line, col, f"image '{raw}' is not a supported picture "
                       f"({', '.join(S.IMAGE_SUFFIXES)})", f"{path}.image")
            return None
        if ".." in re.split(r"[/\\]", raw):
            self.p.add(line, col, f"image path '{raw}' leaves the deck's folder",
                       f"{path}.image")
            return None
        if self.folder is None:
            return p
        full = (self.folder / p).resolve()
        if not full.is_relative_to(self.folder):
            self.p.add(line, col, f"image path '{raw}' leaves the deck's folder (through a "
                       "symbolic link)", f"{path}.image")
            return None
        if not os.path.lexists(self.folder / p) or not _exact_case(full, self.folder):
            self.p.add(line, col, f"image '{raw}' does not exist (looked for {full})"
                       + _image_hint(raw, full, self.folder), f"{path}.image")
            return None
        # the very rule the GUI applies before it shows the picture
        res = resources.resolve_image(self.folder, raw)
        if isinstance(res, resources.Refused):
            self.p.add(line, col, f"image '{raw}' cannot be shown: {res.reason}",
                       f"{path}.image")
            return None
        problem = _picture_problem(res)
        if problem:
            self.p.add(line, col, f"image '{raw}' {problem}", f"{path}.image")
            return None
        return res

    def options(self, rec: CheckedRecord, path: str, kind: str) -> tuple[Option, ...] | None:
        opts: list[CheckedRecord] = rec.get("options") or []
        n = len(opts)
        if "options" not in rec:
            return None
        letters = LETTERS[:n]
        if not letters:  # no usable option: that problem is reported where the options are
            return None
        if kind == "single":
            ans = rec.get("answer")
            if ans is None:
                if "answers" in rec.pos:
                    line, col = rec.at("answers")
                    self.p.add(line, col, "a single-best-answer question takes 'answer: LETTER'; "
                               "use type: multi for several correct options", path)
                return None
            if ans not in letters:
                line, col = rec.at("answer")
                self.p.add(line, col, f"answer '{ans}' is not one of the options "
                           f"({letters[0]}-{letters[-1]})" + _answer_hint(ans, opts, letters),
                           f"{path}.answer")
                return None
            correct = {letters.index(ans)}
        else:
            answers: list[str] | None = rec.get("answers")
            if answers is None:
                return None
            bad = [a for a in answers if a not in letters]
            if bad:
                line, col = rec.at("answers")
                self.p.add(line, col, f"answer(s) {', '.join(bad)} not among the options "
                           f"({letters[0]}-{letters[-1]})" + _answer_hint(bad[0], opts, letters),
                           f"{path}.answers")
                return None
            correct = {letters.index(a) for a in answers}
        return tuple(
            Option(o.get("text", ""), i in correct, o.get("explanation"))
            for i, o in enumerate(opts)
        )

    def question(self, rec: CheckedRecord, path: str, *, tags: tuple[str, ...] = (),
                 sources: tuple[str, ...] = ()) -> Question | None:
        kind: Any = rec.get("type")
        opts = self.options(rec, path, kind)
        img = self.image(rec, path)
        if opts is None or "stem" not in rec:
            return None
        return Question(
            id=rec["id"],
            kind=kind,
            stem=rec["stem"],
            options=opts,
            explanation=rec.get("explanation"),
            objective=rec.get("objective"),
            tags=tags,
            sources=sources,
            image=img,
            image_alt=rec.get("image_alt"),
            shuffle=rec.get("shuffle", self.default_shuffle),
            location=self.loc(rec),
        )

    def item(self, rec: CheckedRecord, path: str) -> Item | None:
        kind = rec.get("type")
        sources = self.item_sources(rec, path)
        tags = self.tags(rec)
        if kind == "flashcard":
            img = self.image(rec, path)
            if not {"id", "front", "back"} <= rec.keys():
                return None
            return Flashcard(
                id=rec["id"], front=rec["front"], back=rec["back"],
                reversible=rec.get("reversible", False), explanation=rec.get("explanation"),
                objective=rec.get("objective"), tags=tags, sources=sources, image=img,
                image_alt=rec.get("image_alt"), location=self.loc(rec),
            )
        if kind in ("single", "multi"):
            if "id" not in rec:
                self.options(rec, path, kind)
                return None
            return self.question(rec, path, tags=tags, sources=sources)
        if kind == "case":
            return self.case(rec, path, tags, sources)
        return None  # pragma: no cover - the checker rejected other kinds

    def reference(self, rec: CheckedRecord, path: str) -> Reference | None:
        """A reference sheet: cites declared sources like an item (or the deck's default)."""
        sources = self.item_sources(rec, path)
        if not {"id", "title", "text"} <= rec.keys():
            return None
        return Reference(id=rec["id"], title=rec["title"], text=rec["text"], sources=sources,
                         location=self.loc(rec))

    def unique_id(self, rec: CheckedRecord, seen: dict[str, int], what: str, where: str, path: str
                  ) -> bool:
        """Report an id already in ``seen`` (id -> first line); remember new ones."""
        rid = rec.get("id")
        if rid is None:
            return True
        if rid in seen:
            line, col = rec.at("id")
            self.p.add(line, col, f"{what} '{rid}' is used twice{where} (first at line "
                       f"{seen[rid]})" + ("; ids must be unique" if not where else ""),
                       f"{path}.id")
            return False
        seen[rid] = rec.at("id")[0]
        return True

    def case(self, rec: CheckedRecord, path: str, tags: tuple[str, ...],
             sources: tuple[str, ...]) -> Case | None:
        img = self.image(rec, path)
        stages: list[Stage] = []
        stage_ids: dict[str, int] = {}
        q_ids: dict[str, int] = {}
        ok = True
        for si, srec in enumerate(rec.get("stages") or []):
            spath = f"{path}.stages[{srec.index if srec.index >= 0 else si}]"
            sid = srec.get("id")
            ok &= self.unique_id(srec, stage_ids, "stage id", " in this case", spath)
            qs: list[Question] = []
            for qi, qrec in enumerate(srec.get("questions") or []):
                qpath = f"{spath}.questions[{qrec.index if qrec.index >= 0 else qi}]"
                qid = qrec.get("id")
                ok &= self.unique_id(qrec, q_ids, "question id", " in this case", qpath)
                q = self.question(qrec, qpath, tags=tags, sources=sources) if qid else None
                if q is None:
                    ok = False
                else:
                    qs.append(q)
            simg = self.image(srec, spath)
            if sid is None or not qs or len(qs) != len(srec.get("questions") or []):
                ok = False
                continue
            stages.append(Stage(
                id=sid, questions=tuple(qs), title=srec.get("title"), text=srec.get("text"),
                image=simg, image_alt=srec.get("image_alt"), location=self.loc(srec),
            ))
        if not ok or not stages or not {"id", "title", "stem"} <= rec.keys():
            return None
        return Case(
            id=rec["id"], title=rec["title"], stem=rec["stem"], stages=tuple(stages),
            objective=rec.get("objective"), tags=tags, sources=sources, image=img,
            image_alt=rec.get("image_alt"), location=self.loc(rec),
        )


T = TypeVar("T")


def _each(rec: CheckedRecord, field: str, what: str,
          unique_id: Callable[[CheckedRecord, dict[str, int], str, str, str], object],
          make: Callable[[CheckedRecord, str], T | None]) -> list[T]:
    """Build each record of the list ``field`` (items, reference sheets) with ``make``,
    checking that their ids are unique (``what`` names the id in messages); records that
    cannot be built are left out (their problems are collected)."""
    out: list[T] = []
    seen: dict[str, int] = {}
    for i, r in enumerate(rec.get(field) or []):
        where = f"{field}[{r.index if r.index >= 0 else i}]"
        rid = r.get("id")
        unique_id(r, seen, what, "", where)
        built = make(r, f"{where} ({rid})" if rid else where)
        if built is not None:
            out.append(built)
    return out


def build(rec: CheckedRecord, problems: ProblemCollector, path: Path | None) -> Deck | None:
    b = Builder(problems, path, rec)
    items: list[Item] = _each(rec, "items", "item id", b.unique_id, b.item)
    refs: list[Reference] = _each(rec, "references", "reference sheet id", b.unique_id, b.reference)
    if problems.items:
        return None
    sources = {
        k: Source(k, v["citation"], _bare_doi(v.get("doi")), v.get("url"), v.get("note"))
        for k, v in (rec.get("sources") or {}).items()
    }
    return Deck(
        id=rec["id"], title=rec["title"], sources=sources, items=tuple(items),
        format=rec["format"], description=rec.get("description"),
        authors=tuple(rec.get("authors") or ()), version=rec.get("version"),
        license=rec.get("license"), language=rec.get("language"), path=path,
        references=tuple(refs),
    )



def _answer_hint(ans: str, opts: list[CheckedRecord], letters: str) -> str:
    """What the author probably meant by an answer that is not an option letter."""
    if len(ans) == 1 and ans.upper() in letters:
        return f"; write the capital letter {ans.upper()}"
    if len(ans) == 1 and ans.isalpha():
        return f"; this question has only {len(letters)} options"
    texts = [str(o.get("text", "")).strip().lower() for o in opts]
    if ans.strip().lower() in texts:
        return (f"; give the option's letter, not its text "
                f"(answer: {letters[texts.index(ans.strip().lower())]})")
    if "," in ans or " " in ans.strip():
        return "; for several correct options use type: multi with answers: [A, C]"
    return "; write the letter of the correct option, e.g. answer: B"



def _exact_case(full: Path, folder: Path) -> bool:
    """True when every part of the path below the deck folder has exactly this spelling
    (a deck that works on Windows or macOS must work on Linux too)."""
    try:
        rel = full.relative_to(folder)
    except ValueError:
        return True
    here = folder
    for part in rel.parts:
        try:
            if part not in os.listdir(here):
                return False
        except OSError:
            return True
        here = here / part
    return True


def _bare_doi(doi: str | None) -> str | None:
    """'https://doi.org/10.1/x' or 'doi:10.1/x' -> '10.1/x' (the form the app shows and links)."""
    if doi is None:
        return None
    return re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi.strip(), flags=re.I)


def _image_hint(raw: str, full: Path, folder: Path) -> str:
    if "\\" in raw:
        return "; use / between folders, not \\"
    try:
        names = os.listdir(full.parent)
    except OSError:
        return ""
    same = [n for n in names if n.lower() == full.name.lower() and n != full.name]
    if same:
        rel = Path(raw).parent / same[0]
        return f"; did you mean '{rel.as_posix()}'? (file names are case-sensitive)"
    return ""


_MAGIC = {
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".bmp": (b"BM",),
}


def _picture_problem(full: Path) -> str | None:
    """A cheap content check: the first bytes match the suffix (SVG: some XML with <svg that
    refers to nothing outside itself). None when the file looks right."""
    suffix = full.suffix.lower()
    try:  # an SVG is read whole (what it refers to can be anywhere in it), others' heads
        data = resources.read_image(full, head=None if suffix == ".svg" else 1024)
    except resources.ResourceError as e:
        return f"cannot be read: {e}"
    head = data[:1024]
    if suffix == ".svg":
        if b"<svg" not in head.lower() and not head.lstrip().startswith(b"<?xml"):
            return "is not a picture file (its content is not SVG)"
        why = resources.svg_problem(data)
        return f"cannot be shown: {why}" if why else None
    magic = _MAGIC.get(suffix)
    if magic is None or head.startswith(magic):
        return None
    return f"is not a picture file (its content is not {suffix.lstrip('.').upper()})"
