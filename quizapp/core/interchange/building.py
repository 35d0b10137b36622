"""Parsed items -> a checked deck and its YAML text."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizapp.core import deckfile
from quizapp.core.authoring import (
    FlowList,
    IdAllocator,
    deck_id_for,
    dump_deck,
    schema_comment,
    title_for,
)
from quizapp.core.deckfile import DeckError
from quizapp.core.diagnostics import Diagnostic
from quizapp.core.interchange.formats import Importer
from quizapp.core.interchange.items import SOURCE_KEY, ParsedFile
from quizapp.core.interchange.messages import ConvertError, message
from quizapp.core.model import Deck


@dataclass
class ImportResult:
    """A converted deck and what the user needs to hear about the conversion."""

    text: str
    deck: Deck
    format: str  # the key of the format it was read as
    skipped: list[Diagnostic]
    warnings: list[Diagnostic]
    format_name: str = ""  # what the file was, if not the format's own name
    format_label: str = ""  # what the file was, as the messages say it


_ALL_PROBLEMS = 1 << 62  # the converted deck is validated with no limit on problems


def build_deck(parsed: ParsedFile, file: str, kind: Importer, warnings: list[Diagnostic],
               hint: Diagnostic | None, *, deck_id: str | None, title: str | None,
               out_path: Path | None, today: _dt.date | None) -> ImportResult:
    """The items a format's parser made of ``file`` -> a deck, checked by the loader's rules
    once (the items that fail are left out together, each with its message), and its YAML.
    Raises :class:`ConvertError` when no item is left."""
    warnings += parsed.warnings
    skipped = list(parsed.skipped)
    if not parsed.items:
        what = parsed.unit or kind.unit
        raise ConvertError([*skipped, message(file, 1, f"nothing to import: no {what} could "
                                              "be converted")])
    out = out_path or Path(Path(file).stem + ".yaml")
    did = deck_id or deck_id_for(out)  # never the id of a bundled deck
    ttl = title or parsed.title or title_for(Path(file))
    date = (today or _dt.date.today()).isoformat()
    name = Path(file).name
    fmt_name = parsed.format_name or kind.name
    items = list(parsed.items)
    # Each round validates the deck once, with every problem reported: the items that fail
    # are left out together, so a second round (to get the deck without them) is the last
    # one. Only then is the YAML written.
    for _attempt in range(3):
        ids = IdAllocator()
        for it in items:
            it.data = {"id": ids.take(it.id_base), **{k: v for k, v in it.data.items()
                                                      if k != "id"}}
        deck_map: dict[str, Any] = {
            "format": 1,
            "id": did,
            "title": ttl,
            "description": f"Imported with `quizapp import` from {name} ({fmt_name}) "
                           f"on {date}. Check every item and cite its real source.",
            "sources": {SOURCE_KEY: {
                "citation": f"Imported from {name} on {date}",
                "note": "Placeholder written by quizapp import: replace it with the real "
                        "source(s) of these facts.",
            }},
            "defaults": {"source": SOURCE_KEY},
            "items": [it.data for it in items],
        }
        used = {it.data.get("source") for it in items}
        for key, citation in parsed.sources.items():
            if key in used:
                deck_map["sources"][key] = {"citation": citation}
        if parsed.tags:
            deck_map["defaults"]["tags"] = FlowList(parsed.tags)
        try:  # the rules of deckfile.parse, on the data that is about to be written
            deck = deckfile.parse_data(deck_map, str(out), out.resolve() if out_path else None,
                                       max_problems=_ALL_PROBLEMS)
        except DeckError as e:
            bad: dict[int, str] = {}
            for p in e.problems:
                m = re.match(r"items\[(\d+)\]", p.path)
                if m is None:
                    raise ConvertError([message(file, 1, f"internal error: the converted deck "
                                                f"is not valid: {p}")]) from None
                bad.setdefault(int(m.group(1)), p.message)
            for idx in sorted(bad, reverse=True):
                it = items.pop(idx)
                skipped.append(message(file, it.line, f"cannot convert {it.what}: {bad[idx]}"))
            if not items:
                raise ConvertError([*sorted(skipped, key=lambda s: s.line), message(
                    file, 1, "nothing to import: no item could be converted")]) from None
            continue
        header = (
            schema_comment(out)
            + f"# Imported by `quizapp import` from {name} ({fmt_name}) on {date}: "
            f"{len(items)} item{'s' if len(items) != 1 else ''}"
            + (f", {len(skipped)} skipped" if skipped else "") + ".\n"
            + f"# Check it with: quizapp validate {out.name}\n"
        )
        yaml_text = dump_deck(deck_map, header)
        size, limit = len(yaml_text.encode("utf-8")), deckfile.MAX_BYTES
        if size > limit:  # the app would refuse to open it
            raise ConvertError([*sorted(skipped, key=lambda s: s.line), message(
                file, 1, f"the deck made from this file would be {size:,} bytes, more than the "
                f"{limit:,} a deck file may have; split the file and import each part")])
        skipped.sort(key=lambda s: s.line)
        if hint is not None and (len({s.line for s in skipped})
                                 > len({it.line for it in items})):
            warnings.append(message(hint.file, hint.line, hint.text, warning=True))
        warnings.sort(key=lambda s: s.line)
        return ImportResult(yaml_text, deck, kind.key, skipped, warnings,
                            parsed.format_name or "", fmt_name)
    raise ConvertError([message(file, 1, "internal error: could not build a valid deck")])


# --------------------------------------------------------------------------- export
