"""Deck packages: one zip with a deck file and the pictures it uses, to share with colleagues.

``pack`` checks the deck first and writes ``<folder>/<deck>.yaml`` plus every picture the deck
names, at the same places relative to the deck. ``unpack`` treats a package as untrusted input:
ordinary files only (no links, no absolute paths, no ``..``), a deck file and pictures only,
bounded in count and size, unpacked beside the destination first and checked like any deck
before it is moved into place.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from quizapp.core import deckfile
from quizapp.core.authoring import file_mode_for
from quizapp.core.fileio import atomic_write
from quizapp.core.model import Case, Deck

PICTURE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".svg"})
DECK_SUFFIXES = frozenset({".yaml", ".yml"})
MAX_ENTRIES = 2000
MAX_TOTAL = 200 * 1024 * 1024  # bytes, unpacked
MAX_PACKAGE = 200 * 1024 * 1024  # bytes, the zip itself
MAX_RATIO = 200  # unpacked / packed, per entry (a zip bomb is far beyond)


class PackError(Exception):
    """A package could not be written or read; the message says what and where."""


@dataclass(frozen=True)
class Packed:
    path: Path
    deck: Deck
    files: tuple[str, ...]  # names inside the zip


def pictures_of(deck: Deck) -> list[Path]:
    """Every picture file the deck names (items, cases), each once, in deck order."""
    seen: dict[Path, None] = {}
    for it in deck.items:
        image = getattr(it, "image", None)
        if image is not None:
            seen.setdefault(Path(image), None)
        if isinstance(it, Case):
            for st in it.stages:
                for q in st.questions:
                    if q.image is not None:
                        seen.setdefault(Path(q.image), None)
    return list(seen)


def pack(deck_path: Path, out: Path) -> Packed:
    """Check ``deck_path`` (raises :class:`DeckError` with every problem) and write ``out``."""
    deck = deckfile.load(deck_path)
    folder = deck_path.resolve().parent
    top = deck_path.stem
    members: list[tuple[Path, str]] = [(deck_path.resolve(), f"{top}/{deck_path.name}")]
    for pic in pictures_of(deck):
        rel = pic.resolve().relative_to(folder)  # the loader keeps pictures inside the folder
        members.append((pic.resolve(), f"{top}/{rel.as_posix()}"))
    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for src, name in members:
            zf.write(src, name)
    atomic_write(out, buffer.getvalue(), mode=file_mode_for(out))
    return Packed(out, deck, tuple(name for _, name in members))


def is_deck_package(path: Path) -> bool:
    """A zip whose entries are one deck file and pictures (cheap: reads the directory only)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [i.filename for i in zf.infolist() if not i.is_dir()]
    except (OSError, zipfile.BadZipFile):
        return False
    decks = [n for n in names if PurePosixPath(n).suffix.lower() in DECK_SUFFIXES]
    return len(decks) == 1 and all(
        PurePosixPath(n).suffix.lower() in DECK_SUFFIXES | PICTURE_SUFFIXES for n in names)


def _check_member(info: zipfile.ZipInfo, where: str) -> PurePosixPath:
    name = info.filename
    p = PurePosixPath(name)
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise PackError(f"{where}: {name}: is a link; a deck package holds ordinary files only")
    if "\\" in name or p.is_absolute() or ".." in p.parts or not p.parts or ":" in p.parts[0]:
        raise PackError(f"{where}: {name}: a path outside the package is not allowed")
    if p.suffix.lower() not in DECK_SUFFIXES | PICTURE_SUFFIXES:
        raise PackError(f"{where}: {name}: only a deck file (.yaml) and pictures "
                        f"({', '.join(sorted(PICTURE_SUFFIXES))}) may be in a deck package")
    if info.file_size > MAX_TOTAL or (
            info.compress_size and info.file_size / info.compress_size > MAX_RATIO
            and info.file_size > 1024 * 1024):
        raise PackError(f"{where}: {name}: unpacks to {info.file_size:,} bytes, too large")
    return p


def unpack(package: Path, dest: Path, *, force: bool = False) -> Path:
    """Unpack ``package`` into ``dest`` (a folder) after checking it; returns the deck file.

    Raises :class:`PackError` for an unsafe or malformed package and :class:`DeckError` when
    the deck inside has problems; nothing is left in ``dest`` then."""
    where = str(package)
    try:
        st = package.stat()
    except OSError as e:
        raise PackError(f"{where}: cannot read: {e.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise PackError(f"{where}: not an ordinary file")
    if st.st_size > MAX_PACKAGE:
        raise PackError(f"{where}: {st.st_size:,} bytes; the limit is {MAX_PACKAGE:,}")
    try:
        zf = zipfile.ZipFile(package)
    except (OSError, zipfile.BadZipFile) as e:
        raise PackError(f"{where}: not a zip file ({e})") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_ENTRIES:
            raise PackError(f"{where}: {len(infos):,} files; the limit is {MAX_ENTRIES:,}")
        paths = [_check_member(i, where) for i in infos]
        if sum(i.file_size for i in infos) > MAX_TOTAL:
            raise PackError(f"{where}: unpacks to more than {MAX_TOTAL:,} bytes")
        decks = [p for p in paths if p.suffix.lower() in DECK_SUFFIXES]
        if len(decks) != 1:
            raise PackError(f"{where}: a deck package holds exactly one deck file "
                            f"(found {len(decks)})")
        tops = {p.parts[0] for p in paths}
        top = decks[0].parts[0] if len(decks[0].parts) > 1 and len(tops) == 1 else package.stem
        target = dest / top
        if target.exists() and not force:
            raise PackError(f"{target} exists; use --force to replace it")
        dest.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{top}.", dir=dest))
        try:
            root = staging / top
            for info, p in zip(infos, paths, strict=True):
                rel = PurePosixPath(*p.parts[1:]) if top == p.parts[0] and len(p.parts) > 1 \
                    else p
                out = root.joinpath(*rel.parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(out, "xb") as dst:
                    shutil.copyfileobj(src, dst, 1024 * 1024)
                if out.stat().st_size != info.file_size:  # pragma: no cover - zipfile checks
                    raise PackError(f"{where}: {info.filename}: damaged entry")
            deck_rel = PurePosixPath(*decks[0].parts[1:]) if top == decks[0].parts[0] \
                and len(decks[0].parts) > 1 else decks[0]
            deck_file = root.joinpath(*deck_rel.parts)
            deckfile.load(deck_file, f"{package.name}:{decks[0]}")  # DeckError: not moved
            if target.exists():
                shutil.rmtree(target)
            os.replace(root, target)
            return target.joinpath(*deck_rel.parts)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
