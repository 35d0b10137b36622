"""convert(): one import or export, as the CLI and the GUI run it."""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import IO, TextIO

from quizapp.core import deckfile
from quizapp.core.authoring import (
    AuthoringError,
    check_output_path,
    is_valid_id,
    write_text_atomic,
)
from quizapp.core.deckfile import DeckError
from quizapp.core.interchange.anki_export import export_anki
from quizapp.core.interchange.building import ImportResult, build_deck
from quizapp.core.interchange.gift_export import export_gift
from quizapp.core.interchange.items import Format
from quizapp.core.interchange.messages import ConvertError, Message
from quizapp.core.interchange.reading import MAX_BYTES, decode_input, open_regular_file, same_file
from quizapp.core.interchange.registry import guess_format, guess_hint


def convert(data: bytes, file: str, *, fmt: str = "auto", deck_id: str | None = None,
            title: str | None = None, out_path: Path | None = None,
            today: _dt.date | None = None) -> ImportResult:
    """Convert the bytes of an Anki text export, a GIFT file or Moodle XML into deck YAML.

    Raises :class:`ConvertError` when nothing at all can be converted.
    """
    from quizapp.core.interchange.anki_package import is_package_name, looks_like_package

    if fmt == "apkg" or (fmt in ("auto", "anki") and (looks_like_package(data)
                                                       or is_package_name(file))):
        return convert_package(data, file, deck_id=deck_id, title=title, out_path=out_path,
                               today=today)
    text, warnings = decode_input(data, file)
    how = ""
    if fmt == "auto":
        found, how = guess_format(file, text)
        if found is None:
            raise ConvertError([Message(file, 1, "cannot tell whether this is an Anki text "
                                        "export, a GIFT file or Moodle XML; use --format anki, "
                                        "--format gift or --format moodle")])
        kind: Format = found
    elif fmt in ("anki", "gift", "moodle"):  # "apkg" is handled above
        kind = "anki" if fmt == "anki" else "gift" if fmt == "gift" else "moodle"
    else:
        raise ConvertError([Message(file, 1, f"unknown format {fmt!r}")])
    # When the format was guessed (not from Anki's own header lines) and most of the file fails,
    # the guess may be wrong: say so, and how to choose the other format.
    hint = guess_hint(file, text, kind, how) if fmt == "auto" and how != "header" else None
    try:
        return build_deck(text, file, kind, warnings, hint, deck_id=deck_id, title=title,
                           out_path=out_path, today=today)
    except ConvertError as e:
        if hint is not None:
            e.messages.append(hint)
        raise


def convert_package(source: bytes | IO[bytes], file: str, *, deck_id: str | None = None,
                    title: str | None = None, out_path: Path | None = None,
                    today: _dt.date | None = None) -> ImportResult:
    """Convert an Anki package (.apkg or .colpkg: its bytes, or a binary file open for reading,
    of which only the collection is read) into deck YAML."""
    from quizapp.core.interchange.anki_package import parse_apkg

    parsed = parse_apkg(source, file)
    return build_deck("", file, "apkg", [], None, deck_id=deck_id, title=title,
                       out_path=out_path, today=today, parsed=parsed)


def convert_path(src: Path, *, fmt: str = "auto", deck_id: str | None = None,
                 title: str | None = None, out_path: Path | None = None,
                 today: _dt.date | None = None) -> ImportResult:
    """Convert a file: an Anki package is read in place (its media, however large, are not
    read); any other file must be at most MAX_BYTES. Only a regular file is read (never a
    device such as /dev/zero, a FIFO or a socket). Raises OSError when it cannot be read."""
    from quizapp.core.interchange.anki_package import is_package_name, looks_like_package

    if out_path is not None and same_file(src, out_path):  # the GUI's import too
        raise ConvertError([Message(str(src), 1, "the deck would replace the file being "
                                    "imported; choose another name for the deck")])
    with open_regular_file(src) as fh:
        head = fh.read(4)
        if fmt == "apkg" or (fmt in ("auto", "anki") and (looks_like_package(head)
                                                           or is_package_name(src.name))):
            fh.seek(0)
            return convert_package(fh, str(src), deck_id=deck_id, title=title,
                                   out_path=out_path, today=today)
        size = os.fstat(fh.fileno()).st_size
        if size > MAX_BYTES:
            raise ConvertError([Message(str(src), 1, f"file is too large ({size:,} bytes; the "
                                        f"limit is {MAX_BYTES:,})")])
        fh.seek(0)
        data = fh.read(MAX_BYTES + 1)  # bounded even if the file grows meanwhile
    if len(data) > MAX_BYTES:
        raise ConvertError([Message(str(src), 1, f"file is too large (over {MAX_BYTES:,} "
                                    "bytes)")])
    return convert(data, str(src), fmt=fmt, deck_id=deck_id, title=title,
                   out_path=out_path, today=today)


def run_import(src: Path, output: Path, *, fmt: str = "auto", deck_id: str | None = None,
               title: str | None = None, force: bool = False, out: TextIO,
               err: TextIO, today: _dt.date | None = None) -> int:
    """``quizapp import``: 0 all converted, 1 some skipped, 2 usage error or nothing usable."""
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
    if output.suffix.lower() not in (".yaml", ".yml"):
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
    except ConvertError as e:
        for m in e.messages:
            err.write(f"{m}\n")
        err.write(f"quizapp import: nothing written to {output}\n")
        return 2
    for m in sorted(result.warnings + result.skipped, key=lambda m: (m.line, m.warning)):
        err.write(f"{m}\n")
    try:
        write_text_atomic(output, result.text)
    except OSError as e:
        raise AuthoringError(f"cannot write {output}: {e.strerror}") from None
    n = len(result.deck.items)
    err.write(f"{output}: {n} item{'s' if n != 1 else ''} imported from {src} "
              f"({result.format_label})"
              + (f"; {len(result.skipped)} skipped" if result.skipped else "") + "\n")
    return 1 if result.skipped else 0


def export_format_for(output: str, fmt: str) -> Format:
    if fmt in ("anki", "gift"):
        return "anki" if fmt == "anki" else "gift"
    if fmt != "auto":
        raise AuthoringError(f"unknown format {fmt!r} (expected anki or gift)")
    suffix = Path(output).suffix.lower()
    if suffix == ".gift":
        return "gift"
    if suffix in (".tsv", ".csv", ".txt"):  # Anki itself exports notes as .txt
        return "anki"
    raise AuthoringError("cannot tell the export format from the file name; add --format anki "
                         "or --format gift")


def run_export(deck_path: Path, output: str, *, fmt: str = "auto", force: bool = False,
               out: TextIO, err: TextIO, today: _dt.date | None = None) -> int:
    """``quizapp export``: 0 written, 1 the deck has problems, 2 usage error."""
    kind = export_format_for(output, fmt)
    if not deck_path.exists():
        raise AuthoringError(f"no such file: {deck_path}")
    to_stdout = output == "-"
    target = Path(output)
    if not to_stdout:
        check_output_path(target, force)
        if target.resolve() == deck_path.resolve():
            raise AuthoringError("the output would overwrite the deck itself")
    try:
        deck = deckfile.load(deck_path)
    except DeckError as e:
        for p in e.problems:
            err.write(f"{p}\n")
        err.write(f"quizapp export: {deck_path} has problems; fix them first (quizapp "
                  f"validate {deck_path})\n")
        return 1
    media = None
    if kind == "anki" and not to_stdout:
        media = target.with_name(target.stem + "-media")
    text, notes = export_anki(deck, media) if kind == "anki" else export_gift(deck, today)
    for n in notes:
        err.write(f"{n}\n")
    if to_stdout:
        out.write(text)
        return 0
    try:
        write_text_atomic(target, text)
    except OSError as e:
        raise AuthoringError(f"cannot write {target}: {e.strerror}") from None
    what = "Anki notes (tab-separated, HTML)" if kind == "anki" else "GIFT questions"
    err.write(f"{target}: {what} from {deck_path}\n")
    return 0
