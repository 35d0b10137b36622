"""Reading an input file: ordinary files only, the size limit, bytes decoded to text."""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path
from typing import IO

from quizapp.core import deckfile
from quizapp.core.diagnostics import Diagnostic, line_col
from quizapp.core.interchange.messages import ConvertError, message

MAX_BYTES = deckfile.MAX_BYTES


def decode_input(data: bytes, file: str) -> tuple[str, list[Diagnostic]]:
    """Bytes of a text export -> text (newlines normalised to ``\\n``), plus warnings.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are read as such; other bytes that are not
    UTF-8 are read as Windows-1252 with a warning naming the first bad byte. Empty, binary and
    oversized files raise :class:`ConvertError`.
    """
    warnings: list[Diagnostic] = []
    if len(data) > MAX_BYTES:
        raise ConvertError([message(file, 1, f"file is too large ({len(data):,} bytes; the limit "
                                    f"is {MAX_BYTES:,})")])
    text: str | None = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise ConvertError([message(file, 1, f"invalid UTF-16 text (at byte {e.start}); "
                                        "save the file as UTF-8")]) from None
    else:
        if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            raise ConvertError([message(
                file, 1, "this is a zip archive, not a text export; if it is an Anki package "
                "(.apkg or .colpkg), import it without --format or with --format apkg")])
        nul = data.find(b"\0")
        if nul != -1:
            line, col = line_col(data, nul)
            raise ConvertError([message(
                file, line, "this is a binary file, not a text export (it contains NUL bytes); "
                "in Anki use File > Export > Notes in Plain Text, in Moodle export as GIFT or "
                "Moodle XML",
                column=col)])
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            line, col = line_col(data, e.start)
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise ConvertError([message(
                    file, line, f"invalid UTF-8 (byte 0x{data[e.start]:02x}) and not "
                    "Windows-1252 either; save the file as UTF-8", column=col)]) from None
            warnings.append(message(
                file, line, f"not valid UTF-8 (byte 0x{data[e.start]:02x}); read the file as "
                "Windows-1252 instead. Check accented letters and symbols, or save the file as "
                "UTF-8 and import it again", warning=True, column=col))
    text = text.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ConvertError([message(file, 1, "file is empty; there is nothing to import")])
    return text, warnings


def open_regular_file(path: Path) -> IO[bytes]:
    """``path`` opened for reading in binary, refusing anything but a regular file.

    The file is opened without blocking (a FIFO with no writer would otherwise hang here) and
    checked with ``fstat`` on the open descriptor, so what is checked is what is read. Raises
    :class:`ConvertError` for a device, FIFO or socket, OSError when it cannot be opened."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what = ("a folder" if stat.S_ISDIR(mode) else "a pipe (FIFO)" if stat.S_ISFIFO(mode)
                    else "a socket" if stat.S_ISSOCK(mode) else "a device" if (
                        stat.S_ISCHR(mode) or stat.S_ISBLK(mode)) else "not a regular file")
            raise ConvertError([message(str(path), 1, f"this is {what}, not a file; import "
                                        "reads only ordinary files (save the data to a file "
                                        "first)")])
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (through symlinks, hard links, ``..`` or case)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # b does not exist yet (or cannot be looked at)
        return False
