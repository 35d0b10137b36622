"""Conversion: one import (a file -> a deck file) or one export (a deck -> a file), the same
for the command line and the app. Nothing here prints: results and messages are returned, and
each front end words and shows them."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from quizapp.core import deckfile
from quizapp.core.authoring import (
    AuthoringError,
    check_output_path,
    is_valid_id,
    write_text_atomic,
)
from quizapp.core.diagnostics import Diagnostic
from quizapp.core.interchange import registry
from quizapp.core.interchange.building import ImportResult, build_deck
from quizapp.core.interchange.formats import Importer
from quizapp.core.interchange.messages import ConvertError, message
from quizapp.core.interchange.reading import MAX_BYTES, decode_input, open_regular_file, same_file

DECK_SUFFIXES = (".yaml", ".yml")


# --------------------------------------------------------------------------- import


def convert(data: bytes, file: str, *, fmt: str = "auto", deck_id: str | None = None,
            title: str | None = None, out_path: Path | None = None,
            today: _dt.date | None = None) -> ImportResult:
    """Convert the bytes of a file in any format of :data:`.registry.IMPORTERS` (``fmt``: its
    key, or ``auto`` to detect it) into deck YAML.

    Raises :class:`ConvertError` when nothing at all can be converted.
    """
    binary = registry.binary_importer(fmt, file, data)
    if binary is not None:
        return _convert_binary(binary, data, file, deck_id=deck_id, title=title,
                               out_path=out_path, today=today)
    text, warnings = decode_input(data, file)
    how = ""
    if fmt == "auto":
        found, how = registry.guess_format(file, text)
        if found is None:
            raise ConvertError([message(file, 1, "cannot tell whether this is an Anki text "
                                        "export, a GIFT file or Moodle XML; use --format anki, "
                                        "--format gift or --format moodle")])
        kind = found
    else:
        asked = registry.importer(fmt)
        if asked is None or asked.parse is None:
            raise ConvertError([message(file, 1, f"unknown format {fmt!r}")])
        kind = asked
    # When the format was guessed (not from the file's own header) and most of the file fails,
    # the guess may be wrong: say so, and how to choose the other format.
    hint = (registry.guess_hint(file, text, kind, how) if fmt == "auto" and how != "header"
            else None)
    try:
        assert kind.parse is not None  # a text format (guess_format only returns those)
        parsed = kind.parse(text, file)
        return build_deck(parsed, file, kind, warnings, hint, deck_id=deck_id, title=title,
                          out_path=out_path, today=today)
    except ConvertError as e:
        if hint is not None:
            e.messages.append(hint)
        raise


def _convert_binary(kind: Importer, source: bytes | IO[bytes], file: str, *,
                    deck_id: str | None, title: str | None, out_path: Path | None,
                    today: _dt.date | None) -> ImportResult:
    """Convert a binary file (an Anki package: its bytes, or a binary file open for reading,
    of which only what the format needs is read) into deck YAML."""
    assert kind.parse_binary is not None
    parsed = kind.parse_binary(source, file)
    return build_deck(parsed, file, kind, [], None, deck_id=deck_id, title=title,
                      out_path=out_path, today=today)


def convert_path(src: Path, *, fmt: str = "auto", deck_id: str | None = None,
                 title: str | None = None, out_path: Path | None = None,
                 today: _dt.date | None = None) -> ImportResult:
    """Convert a file: an Anki package is read in place (its media, however large, are not
    read); any other file must be at most MAX_BYTES. Only a regular file is read (never a
    device such as /dev/zero, a FIFO or a socket). Raises OSError when it cannot be read."""
    if out_path is not None and same_file(src, out_path):
        raise ConvertError([message(str(src), 1, "the deck would replace the file being "
                                    "imported; choose another name for the deck")])
    with open_regular_file(src) as fh:
        head = fh.read(4)
        binary = registry.binary_importer(fmt, src.name, head)
        if binary is not None:
            fh.seek(0)
            return _convert_binary(binary, fh, str(src), deck_id=deck_id, title=title,
                                   out_path=out_path, today=today)
        size = os.fstat(fh.fileno()).st_size
        if size > MAX_BYTES:
            raise ConvertError([message(str(src), 1, f"file is too large ({size:,} bytes; the "
                                        f"limit is {MAX_BYTES:,})")])
        fh.seek(0)
        data = fh.read(MAX_BYTES + 1)  # bounded even if the file grows meanwhile
    if len(data) > MAX_BYTES:
        raise ConvertError([message(str(src), 1, f"file is too large (over {MAX_BYTES:,} "
                                    "bytes)")])
    return convert(data, str(src), fmt=fmt, deck_id=deck_id, title=title,
                   out_path=out_path, today=today)


def suggested_deck_path(src: Path, folder: Path) -> Path:
    """Where a deck imported from ``src`` goes when the user has not named it: ``STEM.yaml``
    in ``folder``, or ``STEM-2.yaml``, ``STEM-3.yaml``... if that exists."""
    suggested = folder / (src.stem + ".yaml")
    n = 2
    while suggested.exists():
        suggested = folder / f"{src.stem}-{n}.yaml"
        n += 1
    return suggested


def with_deck_suffix(path: Path) -> Path:
    """A deck file name as typed in a save dialog: ``.yaml`` added when it has no deck
    suffix (a dialog may not add the one its filter shows)."""
    return path if path.suffix.lower() in DECK_SUFFIXES else path.with_name(path.name + ".yaml")


def import_deck(src: Path, output: Path, *, fmt: str = "auto", deck_id: str | None = None,
                title: str | None = None, force: bool = False,
                today: _dt.date | None = None,
                before_write: Callable[[], None] | None = None) -> ImportResult:
    """Convert ``src`` and write the deck to ``output`` (``quizapp import`` and the app's
    File > Import both run this).

    Raises :class:`AuthoringError` for a usage problem (the message says what and where) and
    :class:`ConvertError` when nothing could be converted; in both cases nothing is written.
    ``force`` allows replacing an existing deck file, never the input itself."""
    result = prepare_import(src, output, fmt=fmt, deck_id=deck_id, title=title, force=force,
                            today=today)
    if before_write is not None:
        before_write()  # e.g. the app's Cancel: raising here writes nothing
    write_deck_text(output, result.text)
    return result


def write_deck_text(output: Path, text: str) -> None:
    """Write an imported deck's text to ``output`` (atomically); :class:`AuthoringError` when
    it cannot be written."""
    try:
        write_text_atomic(output, text)
    except OSError as e:
        raise AuthoringError(f"cannot write {output}: {e.strerror}") from None


def prepare_import(src: Path, output: Path, *, fmt: str = "auto", deck_id: str | None = None,
                   title: str | None = None, force: bool = False,
                   today: _dt.date | None = None) -> ImportResult:
    """:func:`import_deck` up to the writing: the checks and the conversion; the deck's text
    is in the result."""
    if deck_id is not None and not is_valid_id(deck_id):
        raise AuthoringError(f"--id {deck_id!r} is not a valid deck id: use letters, digits, "
                             "'.', '_' or '-', starting with a letter or digit, at most 80 "
                             "characters")
    if title is not None and not title.strip():
        raise AuthoringError("--title must not be empty")
    if not src.exists():
        raise AuthoringError(f"no such file: {src}")
    if src.is_dir():
        raise AuthoringError(f"{src} is a folder; give an Anki text export, a GIFT file or "
                             "Moodle XML")
    if output.suffix.lower() not in DECK_SUFFIXES:
        raise AuthoringError(f"the output {output} must end in .yaml or .yml")
    check_output_path(output, force, "deck file")
    if same_file(src, output):
        raise AuthoringError(f"the output {output} is the file being imported; write the deck "
                             "to another file")
    try:
        result = convert_path(src, fmt=fmt, deck_id=deck_id, title=title, out_path=output,
                              today=today)
    except OSError as e:
        raise AuthoringError(f"cannot read {src}: {e.strerror}") from None
    return result


def import_messages(result: ImportResult) -> list[Diagnostic]:
    """Everything to tell the user about a conversion, in the order of the file."""
    return sorted(result.warnings + result.skipped, key=lambda m: (m.line, m.warning))


# --------------------------------------------------------------------------- export


@dataclass
class ExportResult:
    """What an export wrote (or, for standard output, is to show) and what to tell the user."""

    text: str
    notes: list[str]
    what: str  # e.g. "GIFT questions"
    target: Path | None  # None: the text goes to standard output


def export_deck(deck_path: Path, output: str, *, fmt: str = "auto", force: bool = False,
                today: _dt.date | None = None) -> ExportResult:
    """``quizapp export``: the deck at ``deck_path`` written in the format ``fmt`` (or the one
    ``output``'s name ends with) to ``output`` (``-``: not written; the text is returned).

    Raises :class:`AuthoringError` for a usage problem and :class:`~quizapp.core.deckfile.
    DeckError` when the deck has problems."""
    try:
        exporter = registry.exporter_for(output, fmt)
    except ValueError as e:
        raise AuthoringError(str(e)) from None
    if not deck_path.exists():
        raise AuthoringError(f"no such file: {deck_path}")
    to_stdout = output == "-"
    target = Path(output)
    if not to_stdout:
        check_output_path(target, force)
        if target.resolve() == deck_path.resolve():
            raise AuthoringError("the output would overwrite the deck itself")
    deck = deckfile.load(deck_path)
    media = None
    if exporter.takes_media and not to_stdout:
        media = target.with_name(target.stem + "-media")
    text, notes = exporter.write(deck, media, today)
    if not to_stdout:
        try:
            write_text_atomic(target, text)
        except OSError as e:
            raise AuthoringError(f"cannot write {target}: {e.strerror}") from None
    return ExportResult(text, notes, exporter.what, None if to_stdout else target)
