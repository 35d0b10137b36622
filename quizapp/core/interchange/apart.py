"""One import of questions converted in a child process, for the app.

Reading a large Anki package is C code (SQLite, zlib, the HTML parser) that holds Python's
global lock for long stretches, so converting it on a worker thread still freezes the window
now and then. :func:`import_apart` runs the same conversion as ``quizapp import``
(:func:`~quizapp.core.interchange.conversion.prepare_import`) in a child process started with
``spawn`` and gets back the deck's text and what to tell the user, then writes the deck here.
Cancelling kills the child at once; nothing is written. Small files are converted in this
process (starting a child costs more than it saves)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizapp.core.authoring import AuthoringError
from quizapp.core.diagnostics import Diagnostic
from quizapp.core.interchange.building import ImportResult
from quizapp.core.interchange.conversion import (
    import_deck,
    import_messages,
    prepare_import,
    write_deck_text,
)
from quizapp.core.interchange.messages import ConvertError

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

__all__ = ["APART_BYTES", "ImportCancelledError", "ImportSummary", "import_apart"]

#: Files at least this large are converted in a child process.
APART_BYTES = 1_000_000
#: How often the parent looks for the child's answer and for a cancel (seconds).
POLL_S = 0.05


class ImportCancelledError(Exception):
    """The user cancelled the import; the child was stopped and nothing was written."""


@dataclass(frozen=True)
class ImportSummary:
    """What an import wrote and what to tell the user (the deck itself is in the file)."""

    items: int
    format_label: str
    skipped: list[Diagnostic]
    messages: list[Diagnostic]  # warnings and skipped items, in the order of the file


def summarize(result: ImportResult) -> ImportSummary:
    return ImportSummary(len(result.deck.items), result.format_label, list(result.skipped),
                         import_messages(result))


def import_apart(src: Path, out: Path, *, force: bool = False,
                 cancelled: Callable[[], bool] = lambda: False,
                 before_write: Callable[[], None] | None = None,
                 apart_bytes: int | None = None) -> ImportSummary:
    """Convert ``src`` into the deck file ``out`` as :func:`import_deck` does (the same checks,
    messages and exceptions: :class:`AuthoringError`, :class:`ConvertError`), in a child
    process when ``src`` is at least ``apart_bytes`` (default :data:`APART_BYTES`) large.
    ``cancelled()`` is polled while the child works: when it turns true the child is killed
    and :class:`ImportCancelledError` raised. ``before_write()`` is called just before the deck
    is written (raising there writes nothing)."""
    limit = APART_BYTES if apart_bytes is None else apart_bytes
    try:
        small = src.stat().st_size < limit
    except OSError:
        small = True  # the conversion says what is wrong with the file
    if small or getattr(sys, "frozen", False):
        return summarize(import_deck(src, out, force=force, before_write=before_write))
    text, summary = _convert_in_child(src, out, force, cancelled)
    if before_write is not None:
        before_write()
    write_deck_text(out, text)
    return summary


def _convert_in_child(src: Path, out: Path, force: bool, cancelled: Callable[[], bool]
                      ) -> tuple[str, ImportSummary]:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, str(src), str(out), force), daemon=True,
                        name="quizapp-import")
    child.start()
    send.close()  # the child holds its own end: EOF here once it exits
    try:
        while not receive.poll(POLL_S):
            if cancelled():
                raise ImportCancelledError
            if not child.is_alive() and not receive.poll(0):
                raise AuthoringError(f"could not convert {src.name}: the conversion stopped "
                                     f"unexpectedly (exit code {child.exitcode})")
        try:
            answer: tuple[str, Any] = receive.recv()
        except EOFError:
            raise AuthoringError(f"could not convert {src.name}: the conversion stopped "
                                 "unexpectedly") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    kind, payload = answer
    if kind == "ok":
        text, summary = payload
        return text, summary
    if kind == "convert":
        raise ConvertError(payload)
    raise AuthoringError(payload)


def _child(send: Connection, src: str, out: str, force: bool) -> None:
    """The child's part: convert and send back ("ok", (text, summary)), ("convert",
    messages) or ("authoring", text); exceptions do not cross processes whole."""
    try:
        result = prepare_import(Path(src), Path(out), force=force)
        answer: tuple[str, Any] = ("ok", (result.text, summarize(result)))
    except ConvertError as e:
        answer = ("convert", e.messages)
    except AuthoringError as e:
        answer = ("authoring", str(e))
    except Exception as e:  # a bug in a converter: said in a message, not lost
        answer = ("authoring", f"could not convert {Path(src).name}: {type(e).__name__}: {e}")
    send.send(answer)
    send.close()
