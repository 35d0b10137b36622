"""Anki packages (``.apkg``, ``.colpkg``) -> quizapp flashcards (``quizapp import deck.apkg``).

An Anki package is a zip archive. Packages written by Anki before 2.1.50, and by later versions
with *Support older Anki versions* ticked, hold the collection as a plain SQLite database:
``collection.anki21`` (or ``collection.anki2`` from Anki 2.0, AnkiDroid and genanki), with the
note types and decks as JSON in the ``col`` table (schema 11). Since 2.1.50 Anki's default is
``collection.anki21b``, the same database (schema 18: note types in tables) compressed with
zstd, beside a ``meta`` entry and a dummy ``collection.anki2`` whose one note asks to update
Anki. That is read with ``compression.zstd`` (Python 3.14+) or the ``zstandard`` package (a
dependency); were neither importable, such a package is refused with what to do instead.

Each note goes through the same conversion as a note of an Anki text export
(:func:`.anki_text.anki_note`): HTML becomes Markdown, pictures and sounds are dropped
with a warning, a Cloze note becomes one flashcard per cloze number, Image Occlusion
notes are skipped, and the GUID gives a stable id. Fields are taken by the note type's field
names (Front/Back, Text/Back Extra, Extra, Source, Add Reverse...) or else in order; a note type
whose second card asks the back (*Basic (and reversed card)*, in any language) gives reversible
flashcards, and one whose second card depends on a field (*Basic (optional reversed card)*)
gives a reversible flashcard when that field is filled in. When every note comes from one deck
its name is the title; with several decks each note is tagged with its deck's last name part.
Messages name the note by its position in the package (sorted by creation) and by its note id,
which Anki's browser finds with ``nid:ID``.

Hostile files: nothing is extracted to disk; only the collection (at most
:data:`MAX_COLLECTION_BYTES` once uncompressed, read with a bounded read) and ``meta`` are read;
the zip directory may list at most :data:`MAX_ENTRIES` files in at most
:data:`MAX_DIRECTORY_BYTES`; the database is opened in memory, read-only, with untrusted schema
features off, a time limit on its queries and no value longer than :data:`MAX_VALUE_BYTES`;
its schema is inspected before any table is read, and one that could run SQL of the package's
own (views, triggers, virtual tables, generated columns) is refused; at most
:data:`MAX_NOTES` notes are read, and a field of more than :data:`MAX_FIELD_CHARS` characters
is not converted. Every failure becomes a
:class:`ConvertError` naming the file.

Nothing here imports Qt.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import re
import sqlite3
import struct
import sys
import tempfile
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from quizapp.core.authoring import slugify
from quizapp.core.diagnostics import Diagnostic
from quizapp.core.interchange.anki_text import (
    CLOZE_OPEN,
    OCCLUSION,
    AnkiNote,
    anki_note,
    cloze_problems,
)
from quizapp.core.interchange.columns import (
    BACK_NAMES,
    EXTRA_NAMES,
    FRONT_NAMES,
    REVERSE_NAMES,
    SOURCE_NAMES,
    pick,
)
from quizapp.core.interchange.formats import Importer
from quizapp.core.interchange.items import MAX_TAG, MAX_TEXT, ParsedFile
from quizapp.core.interchange.messages import ConvertError, message

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
PACKAGE_SUFFIXES = (".apkg", ".colpkg")
MAX_COLLECTION_BYTES = 200 * 1024 * 1024  # the SQLite database, once uncompressed
MAX_ENTRIES = 1_000_000  # files listed in the zip directory (media files count)
MAX_DIRECTORY_BYTES = 64 * 1024 * 1024  # the zip directory itself
MAX_NOTES = 100_000
MAX_FIELD_CHARS = 10 * MAX_TEXT  # HTML of one field; longer notes are skipped unread
QUERY_SECONDS = 60.0  # time limit on reading the database
MAX_VALUE_BYTES = 32 * 1024 * 1024  # one value (a note's fields, the note types' JSON)

_SQLITE_MAGIC = b"SQLite format 3\x00"
_FIELD_SEP = "\x1f"
_NATIVE_DECK_SEP = "\x1f"  # schema 18 stores "A::B" as "A\x1fB"
_IMAGE_OCCLUSION_STOCK = 6  # StockNotetype.OriginalStockKind.IMAGE_OCCLUSION
_META_VERSIONS = {1: "collection.anki2", 2: "collection.anki21", 3: "collection.anki21b"}
# The one note of the dummy collection.anki2 that newer packages carry for old clients.
_DUMMY_TEXTS = ("Please update to the latest Anki version",
                "This file requires a newer version of Anki")
_ALWAYS_REVERSED = "yes"  # an "Add Reverse" value for note types that always add the reverse
_MARKUP = re.compile(r"<[^>]*>|&nbsp;|\s")

_TOO_NEW_HINT = ("in Anki, export the deck again with File > Export > Anki Deck Package and "
                 "'Support older Anki versions (slower/larger files)' ticked, or as 'Notes in "
                 "Plain Text (.txt)', and import that file")
_COMPRESSED = ("this Anki package uses the compressed format of Anki 2.1.50 and later "
               "(collection.anki21b), which quizapp cannot read; " + _TOO_NEW_HINT)
_DAMAGED_HINT = "export the deck from Anki again"


def looks_like_package(data: bytes) -> bool:
    """Whether these bytes start like a zip archive (every ``.apkg``/``.colpkg`` is one)."""
    return data.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC))


def is_package_name(name: str) -> bool:
    """Whether a file name has the suffix of an Anki package (``.apkg`` or ``.colpkg``)."""
    return name.lower().endswith(PACKAGE_SUFFIXES)


# --------------------------------------------------------------------------- errors


def _fail(file: str, text: str) -> ConvertError:
    return ConvertError([message(file, 1, text)])


# --------------------------------------------------------------------------- protobuf


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def _proto_fields(buf: bytes) -> dict[int, list[int | bytes]]:
    """The top-level fields of a protobuf message: number -> values (varints as int,
    length-delimited as bytes). Malformed input gives the fields read so far."""
    out: dict[int, list[int | bytes]] = {}
    pos = 0
    try:
        while pos < len(buf):
            key, pos = _varint(buf, pos)
            number, wire = key >> 3, key & 7
            value: int | bytes
            if wire == 0:
                value, pos = _varint(buf, pos)
            elif wire == 2:
                size, pos = _varint(buf, pos)
                if pos + size > len(buf):
                    break
                value, pos = buf[pos:pos + size], pos + size
            elif wire == 1:
                value, pos = int.from_bytes(buf[pos:pos + 8], "little"), pos + 8
            elif wire == 5:
                value, pos = int.from_bytes(buf[pos:pos + 4], "little"), pos + 4
            else:
                break
            out.setdefault(number, []).append(value)
    except ValueError:
        pass
    return out


def _proto_int(fields: dict[int, list[int | bytes]], number: int) -> int:
    values = [v for v in fields.get(number, []) if isinstance(v, int)]
    return values[-1] if values else 0


def _proto_str(fields: dict[int, list[int | bytes]], number: int) -> str:
    values = [v for v in fields.get(number, []) if isinstance(v, bytes)]
    return values[-1].decode("utf-8", "replace") if values else ""


# --------------------------------------------------------------------------- the zip archive


def _check_directory(fp: IO[bytes], file: str) -> None:
    """Refuse a zip whose directory lists more than MAX_ENTRIES files or takes more than
    MAX_DIRECTORY_BYTES, before :mod:`zipfile` builds an object for each entry."""
    try:
        fp.seek(0, os.SEEK_END)
        size = fp.tell()
        tail_len = min(size, 22 + 65_535)
        fp.seek(size - tail_len)
        tail = fp.read(tail_len)
    except (OSError, ValueError):
        return  # zipfile will say what is wrong
    at = tail.rfind(EMPTY_ZIP_MAGIC)
    if at == -1 or at + 22 > len(tail):
        return
    entries, dir_size = struct.unpack_from("<HI", tail, at + 10)
    if (entries == 0xFFFF or dir_size == 0xFFFFFFFF) and at >= 20 and (
            tail[at - 20:at - 16] == b"PK\x06\x07"):
        # Zip64: the locator before the end record points to the zip64 end record.
        offset = struct.unpack_from("<Q", tail, at - 20 + 8)[0]
        try:
            fp.seek(offset)
            rec = fp.read(56)
        except (OSError, ValueError, OverflowError):
            return
        if len(rec) == 56 and rec[:4] == b"PK\x06\x06":
            entries, dir_size = struct.unpack_from("<QQ", rec, 32)
    if entries > MAX_ENTRIES or dir_size > MAX_DIRECTORY_BYTES:
        raise _fail(file, f"this zip archive lists {entries:,} files ({dir_size:,} bytes of "
                    f"directory); an Anki package with more than {MAX_ENTRIES:,} files or "
                    f"{MAX_DIRECTORY_BYTES:,} bytes of directory is not read (export the deck "
                    "again without media: untick 'Include media')")


def _open_zip(source: bytes | IO[bytes], file: str) -> zipfile.ZipFile:
    fp: IO[bytes] = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    _check_directory(fp, file)
    try:
        fp.seek(0)
        return zipfile.ZipFile(fp)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            struct.error, UnicodeDecodeError) as e:
        raise _fail(file, "not an Anki package: this file is not a zip archive, or a damaged "
                    f"one ({e}); in Anki use File > Export > Anki Deck Package (.apkg)") from None


def _read_entry(zf: zipfile.ZipFile, name: str, limit: int, file: str) -> bytes:
    """The bytes of one zip entry, refusing more than ``limit`` (whatever the entry claims)."""
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise _fail(file, f"{name} in this package is too large ({info.file_size:,} bytes; the "
                    f"limit is {limit:,})")
    try:
        with zf.open(info) as f:
            data = f.read(limit + 1)
    except RuntimeError as e:  # an encrypted entry
        raise _fail(file, f"cannot read {name} in this package: {e}") from None
    except NotImplementedError as e:  # a compression method zipfile does not know
        raise _fail(file, f"cannot read {name} in this package: {e}") from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as e:
        raise _fail(file, f"{name} in this package is damaged ({e}); {_DAMAGED_HINT}") from None
    if len(data) > limit:
        raise _fail(file, f"{name} in this package is too large (over {limit:,} bytes)")
    return data


# --------------------------------------------------------------------------- zstd (optional)


def _load_zstd() -> Callable[[bytes, int], bytes] | None:
    """A bounded zstd decompressor ``(data, limit) -> at most limit + 1 bytes``, from
    ``compression.zstd`` (Python 3.14+) or the ``zstandard`` module, or None."""
    with contextlib.suppress(ImportError):
        std: Any = importlib.import_module("compression.zstd")

        def std_decompress(data: bytes, limit: int) -> bytes:
            out, rest = bytearray(), data
            while rest and len(out) <= limit:
                d = std.ZstdDecompressor()
                out += d.decompress(rest, max_length=limit + 1 - len(out))
                if not d.eof:
                    break  # stopped at the limit (or the data ends early)
                rest = d.unused_data
            return bytes(out)

        return std_decompress
    with contextlib.suppress(ImportError):
        zstandard: Any = importlib.import_module("zstandard")

        def zstandard_decompress(data: bytes, limit: int) -> bytes:
            reader = zstandard.ZstdDecompressor().stream_reader(
                io.BytesIO(data), read_across_frames=True)
            out = bytearray()
            while len(out) <= limit:
                chunk = reader.read(min(1 << 20, limit + 1 - len(out)))
                if not chunk:
                    break
                out += chunk
            return bytes(out)

        return zstandard_decompress
    return None


# --------------------------------------------------------------------------- choosing the DB


def _meta_version(zf: zipfile.ZipFile, names: set[str], file: str) -> int | None:
    if "meta" not in names:
        return None
    raw = _read_entry(zf, "meta", 4096, file)
    return _proto_int(_proto_fields(raw), 1)


def _collection_bytes(zf: zipfile.ZipFile, file: str) -> tuple[str, bytes]:
    """(entry name, SQLite bytes) of the package's collection."""
    names = set(zf.namelist())
    version = _meta_version(zf, names, file)
    if version is not None and version not in _META_VERSIONS:
        raise _fail(file, "this Anki package was written by a newer Anki than quizapp knows "
                    f"(package version {version}); " + _TOO_NEW_HINT)
    # Anki writes collection.anki21b (with a dummy collection.anki2 for old clients) by
    # default, and collection.anki21 (with the same dummy) for older clients.
    if "collection.anki21b" in names and "collection.anki21" not in names:
        decompress = _load_zstd()
        if decompress is None:
            raise _fail(file, _COMPRESSED)
        packed = _read_entry(zf, "collection.anki21b", MAX_COLLECTION_BYTES, file)
        try:
            raw = decompress(packed, MAX_COLLECTION_BYTES)
        except Exception as e:  # each zstd module raises its own error class
            raise _fail(file, f"collection.anki21b in this package is damaged ({e}); "
                        f"{_DAMAGED_HINT}") from None
        if len(raw) > MAX_COLLECTION_BYTES:
            raise _fail(file, "collection.anki21b in this package is too large once "
                        f"uncompressed (over {MAX_COLLECTION_BYTES:,} bytes)")
        return "collection.anki21b", raw
    for name in ("collection.anki21", "collection.anki2"):
        if name in names:
            return name, _read_entry(zf, name, MAX_COLLECTION_BYTES, file)
    if version == 3:
        raise _fail(file, _COMPRESSED)
    raise _fail(file, "not an Anki package: this zip archive holds no Anki collection "
                "(collection.anki2, collection.anki21 or collection.anki21b); in Anki use "
                "File > Export > Anki Deck Package (.apkg)")


@contextlib.contextmanager
def _database(raw: bytes, name: str, file: str) -> Iterator[sqlite3.Connection]:
    """An in-memory, read-only connection to the SQLite bytes, with a time limit on queries."""
    if not raw.startswith(_SQLITE_MAGIC):
        raise _fail(file, f"{name} in this package is not an SQLite database (the package is "
                    f"damaged or was not made by Anki); {_DAMAGED_HINT}")
    if raw[18:20] == b"\x02\x02":  # WAL mode: read the copy as a rollback-journal database
        raw = raw[:18] + b"\x01\x01" + raw[20:]
    temp: str | None = None
    conn: sqlite3.Connection | None = None
    try:
        if sys.version_info >= (3, 11):
            conn = sqlite3.connect(":memory:")
            conn.deserialize(raw)
        else:  # pragma: no cover - Python 3.10 has no deserialize: a private temporary copy
            fd, temp = tempfile.mkstemp(suffix=".sqlite")
            with os.fdopen(fd, "wb") as f:
                f.write(raw)
            conn = sqlite3.connect(f"file:{temp}?mode=ro", uri=True)
        deadline = time.monotonic() + QUERY_SECONDS
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        if sys.version_info >= (3, 11):  # no single value (string or blob) above the limit
            conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        for pragma in ("query_only = ON", "trusted_schema = OFF", "cell_size_check = ON"):
            conn.execute(f"PRAGMA {pragma}")
        conn.text_factory = lambda b: b.decode("utf-8", "replace")
        _check_schema(conn, name, file)
        if sys.version_info < (3, 11):  # pragma: no cover - no setlimit: measure instead
            _check_value_sizes(conn)
        # Nothing may grow the database (query_only already forbids writing to it).
        pages = _as_int(conn.execute("PRAGMA page_count").fetchone()[0]) or 1
        conn.execute(f"PRAGMA max_page_count = {pages}")
        yield conn
    except sqlite3.DataError as e:  # SQLITE_TOOBIG: a value over SQLITE_LIMIT_LENGTH
        raise _fail(file, f"{name} in this package holds a value larger than "
                    f"{MAX_VALUE_BYTES:,} bytes ({e}); it is not read") from None
    except sqlite3.OperationalError as e:
        if "interrupt" in str(e):
            raise _fail(file, f"reading {name} took too long (over {QUERY_SECONDS:.0f} "
                        "seconds); the package may be damaged") from None
        raise _fail(file, f"{name} in this package cannot be read ({e}); "
                    f"{_DAMAGED_HINT}") from None
    except (sqlite3.DatabaseError, OverflowError, MemoryError) as e:
        raise _fail(file, f"{name} in this package is damaged ({e}); {_DAMAGED_HINT}") from None
    finally:
        if conn is not None:
            conn.close()
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


# --------------------------------------------------------------------------- the schema

# The tables read (note types, decks and notes), in every schema Anki has written (11 to 18).
_READ_TABLES = frozenset({"col", "notes", "cards", "notetypes", "fields", "templates", "decks"})
_VIRTUAL_TABLE = re.compile(r"\s*create\s+virtual\s+table\b", re.I)
_HIDDEN_KIND = {1: "a hidden column", 2: "a generated column", 3: "a generated column"}


def _check_value_sizes(conn: sqlite3.Connection) -> None:
    """Where SQLITE_LIMIT_LENGTH cannot be set (Python 3.10), the same limit by measuring:
    every value of the tables read, without handing any to Python. Raises
    :class:`sqlite3.DataError`, as the limit itself would."""
    tables = [_text(t) for (t,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'") if _text(t).lower()
        in _READ_TABLES]
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        columns = [_text(row[1]) for row in conn.execute(f"PRAGMA table_info({quoted})")]
        for column in columns:
            col = '"' + column.replace('"', '""') + '"'
            row = conn.execute(f"SELECT 1 FROM {quoted} WHERE length(CAST({col} AS BLOB)) > ? "
                               "LIMIT 1", (MAX_VALUE_BYTES,)).fetchone()
            if row is not None:
                raise sqlite3.DataError("string or blob too big")


def _check_schema(conn: sqlite3.Connection, name: str, file: str) -> None:
    """Refuse a schema that could run SQL of the package's choosing when read: views and
    triggers (anywhere), virtual tables (anywhere), and generated or hidden columns in the
    tables read. Anki writes none of these (rslib's schema 11 and upgrades 14 to 18: plain
    tables and indexes), so nothing the package defines is evaluated by what follows; this
    reads only the schema table and the column lists, which run none of it."""
    def refuse(what: str) -> ConvertError:
        return _fail(file, f"{name} in this package holds {what}, which Anki never writes; "
                     "the package was not made by Anki (or was altered) and is not read; "
                     f"{_DAMAGED_HINT}")

    tables: list[str] = []
    for kind_raw, obj_raw, sql_raw in conn.execute(
            "SELECT type, name, sql FROM sqlite_master"):
        kind, obj, sql = _text(kind_raw).lower(), _text(obj_raw), _text(sql_raw)
        if kind in ("view", "trigger"):
            raise refuse(f"a {kind} ('{obj[:80]}')")
        if kind == "table" and _VIRTUAL_TABLE.match(sql):
            raise refuse(f"a virtual table ('{obj[:80]}')")
        if kind not in ("table", "index"):
            raise refuse(f"an unexpected schema entry ({kind[:20]} '{obj[:80]}')")
        if kind == "table" and obj.lower() in _READ_TABLES:
            tables.append(obj)
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        for row in conn.execute(f"PRAGMA table_xinfo({quoted})"):
            hidden = _as_int(row[6]) or 0
            if hidden:
                what = _HIDDEN_KIND.get(hidden, "an unusual column")
                raise refuse(f"{what} ('{_text(row[1])[:80]}' in the {table} table)")


# --------------------------------------------------------------------------- note types, decks


@dataclass
class _Model:
    """One note type: what decides how its notes become flashcards."""

    name: str
    cloze: bool
    fields: list[str]
    qfmts: list[str] = field(default_factory=list)  # question templates, by card number
    stock: int = 0  # Anki's original stock kind (6: Image Occlusion)


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value.strip())
    return None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _by_ord(entries: object, key: str) -> list[str]:
    """``[{"name": ..., "ord": 1}, ...]`` -> the values of ``key`` in ``ord`` order."""
    if not isinstance(entries, list):
        return []
    rows = [e for e in entries if isinstance(e, dict)]
    ords = [_as_int(e.get("ord")) for e in rows]
    if all(o is not None for o in ords) and len(set(ords)) == len(ords):
        rows = [r for _, r in sorted(zip(ords, rows, strict=True), key=lambda p: p[0] or 0)]
    return [_text(r.get(key)) for r in rows]


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {_text(r[0]) for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}


def _json_object(raw: object) -> dict[str, Any]:
    text = _text(raw).strip()
    if not text:
        return {}
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _models_and_decks(conn: sqlite3.Connection, tables: set[str], file: str,
                      warnings: list[Diagnostic]) -> tuple[dict[int, _Model], dict[int, str]]:
    models: dict[int, _Model] = {}
    decks: dict[int, str] = {}
    if {"notetypes", "fields"} <= tables:  # schema 15 and later
        for ntid, name, config in conn.execute("SELECT id, name, config FROM notetypes"):
            mid = _as_int(ntid)
            if mid is None:
                continue
            conf = _proto_fields(config if isinstance(config, bytes) else b"")
            models[mid] = _Model(_text(name), _proto_int(conf, 1) == 1, [],
                                 stock=_proto_int(conf, 9))
        for ntid, _ord, name in conn.execute(
                "SELECT ntid, ord, name FROM fields ORDER BY ntid, ord"):
            model = models.get(_as_int(ntid) or 0)
            if model is not None:
                model.fields.append(_text(name))
        if "templates" in tables:
            for ntid, _ord, config in conn.execute(
                    "SELECT ntid, ord, config FROM templates ORDER BY ntid, ord"):
                model = models.get(_as_int(ntid) or 0)
                if model is not None:
                    conf = _proto_fields(config if isinstance(config, bytes) else b"")
                    model.qfmts.append(_proto_str(conf, 1))
        if "decks" in tables:
            for did_raw, name in conn.execute("SELECT id, name FROM decks"):
                did = _as_int(did_raw)
                if did is not None:
                    decks[did] = _text(name).replace(_NATIVE_DECK_SEP, "::")
        return models, decks
    if "col" not in tables:
        warnings.append(message(file, 1, "the collection has no note types (no col table); "
                                "each note's first field was taken as the front and its second "
                                "as the back", warning=True))
        return models, decks
    row = conn.execute("SELECT models, decks FROM col LIMIT 1").fetchone()
    if row is None:
        return models, decks
    try:
        raw_models = _json_object(row[0])
    except (ValueError, RecursionError):
        warnings.append(message(file, 1, "the note types in this package cannot be read "
                                "(damaged JSON); each note's first field was taken as the "
                                "front and its second as the back", warning=True))
        raw_models = {}
    for key, m in raw_models.items():
        mid = _as_int(key)
        if mid is None or not isinstance(m, dict):
            continue
        kind = _as_int(m.get("type"))
        models[mid] = _Model(_text(m.get("name")), kind == 1, _by_ord(m.get("flds"), "name"),
                             _by_ord(m.get("tmpls"), "qfmt"),
                             _as_int(m.get("originalStockKind")) or 0)
    try:
        raw_decks = _json_object(row[1])
    except (ValueError, RecursionError):
        raw_decks = {}
    for key, d in raw_decks.items():
        did = _as_int(key)
        if did is not None and isinstance(d, dict):
            decks[did] = _text(d.get("name"))
    return models, decks


# --------------------------------------------------------------------------- field mapping

_REF = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def _reverse_switch(model: _Model, front: str, back: str) -> tuple[bool, str | None]:
    """(Whether a second card asks the back, the field that turns that card on, if any): the
    cards of *Basic (and reversed card)* and *Basic (optional reversed card)*, by their
    templates, whatever the note type and field names are in the user's language."""
    front, back = front.strip().lower(), back.strip().lower()
    for qfmt in model.qfmts[1:]:
        shown: set[str] = set()
        switches: list[str] = []
        for ref in _REF.findall(qfmt):
            if ref.startswith("#"):
                switches.append(ref[1:].strip())
            elif not ref.startswith(("/", "^", "!")):
                shown.add(ref.rsplit(":", 1)[-1].strip().lower())  # {{text:Back}} shows Back
        if back in shown and front not in shown:
            extra = [s for s in switches if s.lower() not in (front, back)]
            return True, (extra[0] if extra else None)
    return False, None


@dataclass
class _Mapping:
    """Which field (0-based; -1 for none) of a note type goes where."""

    front: int
    back: int = -1
    extra: int = -1
    source: int = -1
    reverse: int = -1
    always_reversed: bool = False
    problem: str | None = None

    def used(self) -> set[int]:
        return {self.front, self.back, self.extra, self.source, self.reverse} - {-1}


def _mapping(model: _Model | None, nfields: int) -> _Mapping:
    names = model.fields if model and model.fields else [""] * nfields
    if len(names) < 2:
        what = f"its note type '{model.name}'" if model else "it"
        return _Mapping(0, problem=f"{what} has only one field (a flashcard needs a front and a "
                        "back)")
    if model is not None and model.cloze:
        text = (pick(names, {"text"}, set()) or 1) - 1
        back = pick(names, EXTRA_NAMES | BACK_NAMES, {text + 1}) - 1
        if back < 0:
            back = next(i for i in range(len(names)) if i != text)
        return _Mapping(text, back, source=pick(names, SOURCE_NAMES, {text + 1, back + 1}) - 1)
    reverse = pick(names, REVERSE_NAMES, set())
    source = pick(names, SOURCE_NAMES, {reverse})
    named = {reverse, source} - {0}
    free = [i for i in range(1, len(names) + 1) if i not in named]
    if not free:
        return _Mapping(0, problem="it has no field for the front")
    front = pick(names, FRONT_NAMES, named) or free[0]
    extra = pick(names, EXTRA_NAMES, named | {front})
    back = pick(names, BACK_NAMES, named | {front, extra})
    if not back:
        rest = [i for i in free if i not in (front, extra)]
        back, extra = (rest[0], extra) if rest else (extra, 0)
    m = _Mapping(front - 1, back - 1, extra - 1, source - 1, reverse - 1)
    if model is not None and not reverse and back:
        asks_back, switch = _reverse_switch(model, names[front - 1], names[back - 1])
        if asks_back and switch is None:
            m.always_reversed = True
        elif asks_back and switch is not None:
            m.reverse = (pick(names, {switch.lower()}, set()) or 0) - 1
    return m


# --------------------------------------------------------------------------- notes


def _note_decks(conn: sqlite3.Connection, tables: set[str]) -> dict[int, int]:
    """note id -> the deck of its first card (the original deck of a card in a filtered one)."""
    if "cards" not in tables:
        return {}
    rows = conn.execute(
        "SELECT nid, CASE WHEN odid != 0 THEN odid ELSE did END, MIN(ord) FROM cards "
        "WHERE nid IN (SELECT id FROM notes) GROUP BY nid")
    out: dict[int, int] = {}
    for nid, did, _ord in rows:
        n, d = _as_int(nid), _as_int(did)
        if n is not None and d is not None:
            out[n] = d
    return out


def _deck_title(names: list[str]) -> str | None:
    """The title for notes from these decks: the deck's last name part, or that of the deck
    holding them all (``Medicine::Cardio`` and ``Medicine::Renal`` -> ``Medicine``)."""
    paths = [[p.strip() for p in n.split("::")] for n in names if n.strip()]
    if not paths:
        return None
    common = paths[0]
    for p in paths[1:]:
        k = 0
        while k < min(len(common), len(p)) and common[k] == p[k]:
            k += 1
        common = common[:k]
    if not common or common == ["Default"]:
        return None
    return common[-1] or None


def _convert_notes(conn: sqlite3.Connection, name: str, file: str) -> ParsedFile:
    out = ParsedFile("anki")
    tables = _tables(conn)
    if "notes" not in tables:
        raise _fail(file, f"{name} in this package has no notes table; it is not an Anki "
                    f"collection, or a damaged one; {_DAMAGED_HINT}")
    count = _as_int(conn.execute("SELECT count(*) FROM notes").fetchone()[0]) or 0
    if count == 0:
        raise _fail(file, "this Anki package holds no notes; there is nothing to import")
    if count > MAX_NOTES:
        raise _fail(file, f"this Anki package holds {count:,} notes; quizapp imports at most "
                    f"{MAX_NOTES:,} at a time (export one deck at a time)")
    models, deck_names = _models_and_decks(conn, tables, file, out.warnings)
    note_deck = _note_decks(conn, tables)
    rows = conn.execute("SELECT id, guid, mid, tags, flds FROM notes ORDER BY id LIMIT ?",
                        (MAX_NOTES,)).fetchall()
    if name == "collection.anki2" and len(rows) == 1 and any(
            t in _text(rows[0][4]) for t in _DUMMY_TEXTS):
        raise _fail(file, _COMPRESSED)
    used_decks: Counter[str] = Counter()
    for row in rows:
        d = note_deck.get(_as_int(row[0]) or 0)
        used_decks[deck_names.get(d, "") if d is not None else ""] += 1
    several = len([d for d in used_decks if d]) > 1
    ignored_told: set[int | None] = set()
    for n, (nid_raw, guid, mid_raw, tags_raw, flds_raw) in enumerate(rows, start=1):
        nid, mid = _as_int(nid_raw), _as_int(mid_raw)
        model = models.get(mid) if mid is not None else None
        values = _text(flds_raw).split(_FIELD_SEP)
        if model is not None and model.fields:
            values = (values + [""] * len(model.fields))[: len(model.fields)]
        tags = _text(tags_raw).split()
        deck = deck_names.get(note_deck.get(nid or 0, -1), "")
        if several and deck:
            tag = slugify(deck.split("::")[-1], MAX_TAG)
            if tag and tag not in tags:
                tags.append(tag)
        label = f"note {n}" + (f" (nid:{nid})" if nid is not None else "")
        _one_note(out, file, n, label, model, values, tags, _text(guid), ignored_told, mid)
    out.title = _deck_title([d for d in used_decks if d])
    return out


def _one_note(out: ParsedFile, file: str, n: int, label: str, model: _Model | None,
              values: list[str], tags: list[str], guid: str, ignored_told: set[int | None],
              mid: int | None) -> None:
    """Convert the ``n``-th note of the package; every message names it by ``label``
    (``note N (nid:ID)``: its position, and the id Anki's browser finds with ``nid:ID``)."""
    def skip(reason: str) -> None:
        out.skipped.append(message(file, n, f"cannot convert {label}: {reason}"))

    notetype = model.name if model else ""
    first = values[0] if values else ""
    if model is not None and model.stock == _IMAGE_OCCLUSION_STOCK and (
            "occlusion" not in notetype.lower()):
        notetype = "Image Occlusion"  # a stock Image Occlusion note type, renamed or translated
    if "occlusion" in notetype.lower() or OCCLUSION.search(first):
        anki_note(out, file, AnkiNote(n, first, tags=tags, notetype=notetype, label=label),
                  True)  # skipped
        return
    m = _mapping(model, len(values))
    if m.problem:
        skip(m.problem)
        return

    def value(i: int) -> str:
        return values[i] if 0 <= i < len(values) else ""

    for i, what in ((m.front, "front"), (m.back, "back"), (m.extra, "explanation")):
        if len(value(i)) > MAX_FIELD_CHARS:
            skip(f"the {what} is too long ({len(value(i)):,} characters of HTML; at most "
                 f"{MAX_FIELD_CHARS:,} are read)")
            return
    front = value(m.front)
    cloze_kind = model is not None and model.cloze
    if CLOZE_OPEN.search(front):
        problem, _stray = cloze_problems(front)
        if problem:  # checked first: an unclosed deletion makes the cloze regex slow
            skip(problem)
            return
    if cloze_kind and "cloze" not in notetype.lower() and not CLOZE_OPEN.search(front):
        skip("a Cloze note with no {{c1::...}} deletion")
        return
    add_reverse: str | None = None
    if m.reverse >= 0:
        add_reverse = value(m.reverse)
    elif m.always_reversed:
        add_reverse = _ALWAYS_REVERSED
    if model is not None and mid not in ignored_told:
        left = [model.fields[i] for i in range(len(model.fields))
                if i not in m.used() and _MARKUP.sub("", value(i))]
        if left:
            ignored_told.add(mid)
            kept = ", ".join(f"'{model.fields[i]}' ({what})" for i, what in (
                (m.front, "front"), (m.back, "explanation" if cloze_kind else "back"),
                (m.extra, "explanation"), (m.source, "source")) if i >= 0)
            out.warnings.append(message(
                file, n, f"{label}: field" + ("s " if len(left) > 1 else " ") +
                ", ".join(f"'{f}'" for f in left) + f" of the note type '{model.name}' not "
                f"imported (this note and others of its type); quizapp keeps {kept}",
                warning=True))
    note = AnkiNote(n, front, value(m.back), value(m.extra), tags, guid, notetype,
                    value(m.source), add_reverse, label)
    anki_note(out, file, note, True)  # Anki keeps every field as HTML


# --------------------------------------------------------------------------- entry point


def parse_apkg(data: bytes | IO[bytes], file: str) -> ParsedFile:
    """An Anki package (the bytes, or a binary file open for reading) -> flashcards, as
    :func:`quizapp.core.interchange.anki_text.parse_anki` makes them from a text export.

    Raises :class:`ConvertError` when the file is not a readable Anki package, or is one in a
    format quizapp cannot read (with what to do instead)."""
    with _open_zip(data, file) as zf:
        name, raw = _collection_bytes(zf, file)
    with _database(raw, name, file) as conn:
        return _convert_notes(conn, name, file)


def sniff_bytes(name: str, head: bytes) -> bool:
    """A zip archive, or a file named ``.apkg`` or ``.colpkg``."""
    return looks_like_package(head) or is_package_name(name)


IMPORTER = Importer(key="apkg", name="Anki package", suffixes=PACKAGE_SUFFIXES, unit="note",
                    binary=True, sniff_bytes=sniff_bytes, parse_binary=parse_apkg,
                    also=("anki",))
