"""The formats quizapp reads and writes, and format detection: the one place that decides
what a file is. Adding a format means adding its module and one line here."""

from __future__ import annotations

import re
from pathlib import Path

from quizapp.core.diagnostics import Diagnostic
from quizapp.core.interchange import (
    anki_export,
    anki_package,
    anki_text,
    gift,
    gift_export,
    moodle_xml,
)
from quizapp.core.interchange.formats import Exporter, Guess, Importer
from quizapp.core.interchange.messages import message

IMPORTERS: tuple[Importer, ...] = (
    anki_package.IMPORTER,  # binary: tried on the first bytes, before any decoding
    anki_text.IMPORTER,
    gift.IMPORTER,
    moodle_xml.IMPORTER,
)
EXPORTERS: tuple[Exporter, ...] = (
    anki_export.EXPORTER,
    gift_export.EXPORTER,
)


def importer(key: str) -> Importer | None:
    """The importer whose ``--format`` value is ``key``."""
    return next((i for i in IMPORTERS if i.key == key), None)


def import_suffixes() -> tuple[str, ...]:
    """Every file ending some importer accepts (for a file dialog's filter)."""
    return tuple(dict.fromkeys(s for i in IMPORTERS for s in i.suffixes))


def binary_importer(fmt: str, name: str, head: bytes) -> Importer | None:
    """The binary format (an Anki package) to read this file as, before it is decoded: the one
    asked for with ``fmt``, or one whose sniffer recognises the name or the first bytes when
    ``fmt`` is ``auto`` or one of its ``also`` values."""
    for imp in IMPORTERS:
        if imp.binary and imp.sniff_bytes is not None and (
                fmt == imp.key or (fmt in ("auto", *imp.also) and imp.sniff_bytes(name, head))):
            return imp
    return None


def guess_format(name: str, text: str) -> tuple[Importer | None, str]:
    """(format, how it was guessed) for a text import file, from its name and content: the
    text format whose sniffer is surest."""
    best: tuple[Guess, Importer] | None = None
    for imp in IMPORTERS:
        guess = imp.sniff(name, text) if imp.sniff is not None else None
        if guess is not None and (best is None or guess.score > best[0].score):
            best = (guess, imp)
    return (best[1], best[0].how) if best else (None, "")


def detect_format(name: str, text: str) -> str | None:
    """Guess the format (its ``--format`` value) of an import file from its name and content."""
    found = guess_format(name, text)[0]
    return found.key if found else None


_OTHER = {"anki": "gift", "gift": "anki"}  # text formats that are easily taken for each other


def guess_hint(file: str, text: str, kind: Importer, how: str) -> Diagnostic | None:
    """The hint to give if most of a file fails in the guessed format, when the other format
    is plausible too (tabs after text for Anki; GIFT names or answer braces for GIFT)."""
    other_key = _OTHER.get(kind.key)
    other = importer(other_key) if other_key else None
    if other is None:
        return None
    head = text[:200_000]
    if other.key == "anki" and not re.search(r"\S\t", head):
        return None
    if other.key == "gift" and not (gift.GIFT_STRONG.search(head)
                                    or gift.GIFT_BRACES.search(head)):
        return None
    article = "an" if other.key == "anki" else "a"
    return message(file, 1, f"the format was guessed as {kind.name} ({how}) and most "
                   f"of the file could not be converted; if it is {article} "
                   f"{other.name}, import it again with --format {other.key}")


def exporter_for(output: str, fmt: str) -> Exporter:
    """The export format asked for with ``fmt``, or (``auto``) the one the output's name ends
    with. Raises ValueError with the message for the user."""
    keys = [e.key for e in EXPORTERS]
    for exp in EXPORTERS:
        if fmt == exp.key:
            return exp
    if fmt != "auto":
        raise ValueError(f"unknown format {fmt!r} (expected {' or '.join(keys)})")
    suffix = Path(output).suffix.lower()
    for exp in EXPORTERS:
        if suffix in exp.suffixes:
            return exp
    raise ValueError("cannot tell the export format from the file name; add "
                     + " or ".join(f"--format {k}" for k in keys))
