"""The importer and exporter interface that every format module fills in.

A format module (``anki_text``, ``gift``, ``moodle_xml``, ``anki_package``, ``anki_export``,
``gift_export``) ends with an :class:`Importer` or :class:`Exporter` describing it;
:mod:`.registry` lists them. Adding a format means adding one module and one registry line.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from quizapp.core.interchange.items import ParsedFile
from quizapp.core.model import Deck


@dataclass(frozen=True, slots=True)
class Guess:
    """How sure a sniffer is that a file is in its format (the highest score wins), and how
    it could tell, as the messages word it ("header" when the file says so itself)."""

    score: int
    how: str


@dataclass(frozen=True, slots=True)
class Importer:
    """A format quizapp reads.

    ``key`` is the ``--format`` value and ``name`` what the messages call such a file;
    ``suffixes`` are the file endings it accepts (the File > Import filter); ``unit`` is what one
    converted thing is called ("note", "question"). A text format's ``sniff(name, text)``
    looks at the file name and the decoded text and ``parse(text, name)`` converts it; a
    binary format (``binary=True``, read before any decoding) has ``sniff_bytes(name, head)``
    on the first bytes and ``parse_binary(source, name)`` on the bytes or the open file.
    ``also`` lists other ``--format`` values under which it is tried first (an Anki package
    given with ``--format anki``). Either parser returns the items and the messages
    (:class:`~.items.ParsedFile`) or raises :class:`~.messages.ConvertError`.
    """

    key: str
    name: str
    suffixes: tuple[str, ...]
    unit: str
    sniff: Callable[[str, str], Guess | None] | None = None
    parse: Callable[[str, str], ParsedFile] | None = None
    binary: bool = False
    sniff_bytes: Callable[[str, bytes], bool] | None = None
    parse_binary: Callable[[bytes | IO[bytes], str], ParsedFile] | None = None
    also: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Exporter:
    """A format quizapp writes: ``write(deck, media, today)`` -> (text, notes for the user).

    ``media`` is the folder pictures are copied into, when the format takes them
    (``takes_media``) and the text goes to a file; ``what`` says what was written."""

    key: str
    what: str
    suffixes: tuple[str, ...]
    write: Callable[[Deck, Path | None, _dt.date | None], tuple[str, list[str]]]
    takes_media: bool = False
