"""What a text or an item may load from disk: the one rule shared by the deck checker and
every renderer. Qt-free.

Qt's rich text loads any local file an image reference names (``![x](/etc/passwd)``,
``<img src="/dev/zero">``, a reference-style ``![x][r]`` with ``[r]: /abs/path``), and
Qt SVG loads the files an SVG's ``<image href=...>`` names. So:

* :func:`image_refs` finds every image a piece of Markdown could show, conservatively (inline,
  reference-style, collapsed and shortcut images, nested brackets and backslash escapes as
  md4c, Qt's Markdown parser, reads them; when unsure it counts an image). Deck text may show
  none (pictures come from an item's ``image`` field), so the checker refuses each one with
  its place and the renderer refuses to load them.
* :func:`resolve_image` is the only way a reference becomes a file: a relative path inside
  one folder and nothing else (no absolute path, no ``..``, no URL of any scheme, no link out
  of the folder, no FIFO or device, size-limited). The deck checker uses it for ``image``
  fields, the GUI for item pictures and for the bundled user guide.
* :func:`read_image` reads a resolved file without following a symlink swapped in since, and
  without blocking on a FIFO; :func:`svg_problem` refuses SVGs that would load anything.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

MAX_IMAGE_BYTES = 20 * 1024 * 1024  # the largest picture the app reads (a CT slice is ~1 MB)


@dataclass(frozen=True)
class Refused:
    """Why a reference is not loaded (a sentence fragment: 'is an absolute path')."""

    reason: str

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class ImageRef:
    """One image a Markdown text would show: ``target`` is what it loads ('' when unknown),
    ``start`` the offset of its ``!`` in the text."""

    target: str
    start: int


class ResourceError(OSError):
    """A file that :func:`read_image` will not read (message says why)."""


# --------------------------------------------------------------------------- Markdown

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_REF_DEF = re.compile(
    r"^[ \t>*+\-0-9.)]*\[((?:[^\[\]\\]|\\.)+)\]:[ \t]*\n?[ \t]*(<[^>\n]*>|\S+)", re.M)


def _escaped(text: str, i: int) -> bool:
    """True when text[i] is preceded by an odd number of backslashes."""
    n = 0
    while i - n - 1 >= 0 and text[i - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def _bracket_pairs(text: str) -> dict[int, int]:
    """Each '[' -> the ']' that closes it (nesting and backslash escapes as md4c), in one
    pass: a text full of unclosed brackets costs no more than any other."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    j, n = 0, len(text)
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            stack.append(j)
        elif c == "]" and stack:
            pairs[stack.pop()] = j
        j += 1
    return pairs


_DEST = re.compile(r"[ \t\n]*(?:<([^>\n]*)|((?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*))")


def _destination(text: str, j: int) -> str:
    """The link destination starting at text[j] (just after '('); at most 500 characters of
    it, which is enough to name it in a message."""
    m = _DEST.match(text, j, min(len(text), j + 500))
    if m is None:  # pragma: no cover - the pattern matches the empty string
        return ""
    return m.group(1) if m.group(1) is not None else m.group(2)


def _norm_label(label: str) -> str:
    return " ".join(label.split()).casefold()


def image_refs(text: str) -> list[ImageRef]:
    """Every image ``text`` could show when rendered as Markdown (Qt's md4c dialect), in order.

    Conservative: every unescaped ``![`` counts, even where md4c would print it literally (in
    a code span, or a reference to an undefined label); raw HTML is the checker's other rule.
    """
    if "![" not in text:
        return []
    defs: dict[str, str] = {}
    for m in _REF_DEF.finditer(text):
        defs.setdefault(_norm_label(m.group(1)), m.group(2).strip("<>"))
    out: list[ImageRef] = []
    pairs = _bracket_pairs(text)
    i = text.find("![")
    while i >= 0:
        if not _escaped(text, i):
            close = pairs.get(i + 1, -1)
            target = ""
            if close >= 0:
                after = close + 1
                if text.startswith("(", after):
                    target = _destination(text, after + 1)
                elif text.startswith("[", after):
                    end = pairs.get(after, -1)
                    label = text[after + 1:end] if end >= 0 else ""
                    target = defs.get(_norm_label(label or text[i + 2:close]), "")
                else:
                    target = defs.get(_norm_label(text[i + 2:close]), "")
            out.append(ImageRef(target, i))
        i = text.find("![", i + 2)
    return out


# --------------------------------------------------------------------------- files


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def resolve_image(folder: Path | None, ref: str, base: Path | None = None, *,
                  max_bytes: int = MAX_IMAGE_BYTES) -> Path | Refused:
    """The file ``ref`` names, if it is a regular file inside ``folder``; else why not.

    ``ref`` is relative to ``base`` (a folder inside ``folder``; default ``folder``). Refused:
    no folder (text that may load nothing), an empty reference, a URL of any scheme (``file:``,
    ``data:``, ``http:``, ``qrc:``, a drive letter), an absolute path, ``\\``, ``..``, a query
    or fragment, a path whose real location (after symlinks) leaves the folder, anything but a
    regular file (folder, FIFO, device, socket), and a file larger than ``max_bytes``.
    Percent escapes are decoded first, as Qt decodes them. Nothing is opened: only ``stat``.
    """
    if folder is None:
        return Refused("text may not load pictures")
    raw = ref.strip()
    if not raw:
        return Refused("the picture has no path")
    if _SCHEME.match(raw) or raw.startswith("//"):
        return Refused(f"'{_short(raw)}' is a URL; give a path relative to the file")
    if "?" in raw or "#" in raw:
        return Refused(f"'{_short(raw)}' has a query or fragment; give a plain file path")
    path = unquote(raw)
    if "\x00" in path or "\\" in path:
        return Refused(f"'{_short(raw)}' is not a plain relative path (use / between folders)")
    if path.startswith("/") or _SCHEME.match(path):
        return Refused(f"'{_short(raw)}' is an absolute path; give a path relative to the file")
    if ".." in path.split("/"):
        return Refused(f"'{_short(raw)}' uses '..' to leave the folder")
    try:
        root = os.path.realpath(folder)
        start = os.path.realpath(base) if base is not None else root
        if not _inside(start, root):
            return Refused("the document is outside its folder")
        real = os.path.realpath(os.path.join(start, path))
        if not _inside(real, root):
            return Refused(f"'{_short(raw)}' leads outside the folder (a symbolic link)")
        st = os.stat(real)
    except (OSError, ValueError) as e:
        return Refused(f"'{_short(raw)}' cannot be read ({getattr(e, 'strerror', None) or e})")
    if not stat.S_ISREG(st.st_mode):
        return Refused(f"'{_short(raw)}' is not a regular file")
    if st.st_size > max_bytes:
        return Refused(f"'{_short(raw)}' is too large ({st.st_size:,} bytes; the limit is "
                       f"{max_bytes:,})")
    return Path(real)


def read_image(path: Path, max_bytes: int = MAX_IMAGE_BYTES, head: int | None = None) -> bytes:
    """The bytes of a picture :func:`resolve_image` (or the deck checker) accepted (only the
    first ``head`` bytes when given).

    Opened without following a final symlink and without blocking on a FIFO; only a regular
    file of at most ``max_bytes`` is read. Raises :class:`ResourceError` otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | \
        getattr(os, "O_BINARY", 0)
    if os.path.realpath(path) != os.path.abspath(path):
        raise ResourceError(f"{path.name} is reached through a symbolic link")
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise ResourceError(f"{path.name} cannot be opened ({e.strerror or e})") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ResourceError(f"{path.name} is not a regular file")
        if st.st_size > max_bytes:
            raise ResourceError(f"{path.name} is larger than {max_bytes:,} bytes")
        data = f.read(max_bytes + 1 if head is None else head)
    if len(data) > max_bytes:
        raise ResourceError(f"{path.name} is larger than {max_bytes:,} bytes")
    return data


# where a reference starts; only what follows it is looked at (linear, however long the value)
_SVG_REF = re.compile(rb"""(?:(?:href|src)\s*=\s*["']?|url\(\s*["']?)\s*""", re.I)
# an entity can hide a reference (and blow up); a DOCTYPE alone is harmless: Qt fetches no DTD
_SVG_BANNED = re.compile(rb"<!ENTITY|@import|<\?xml-stylesheet", re.I)


def svg_problem(data: bytes) -> str | None:
    """Why an SVG would load something besides itself (None when it loads nothing).

    Only references to its own parts (``href="#id"``, ``url(#id)``) are allowed: no
    ``<image href=...>`` of a file or URL (not even ``data:``, which may hold another SVG),
    no external entities, style sheets or imports."""
    m = _SVG_BANNED.search(data)
    if m:
        return f"it declares {m.group(0).decode('ascii', 'replace')!r}, which can load files"
    for m in _SVG_REF.finditer(data):
        if not data.startswith(b"#", m.end()):
            shown = re.split(rb"""["')\s]""", data[m.end():m.end() + 60])[0]
            return (f"it refers to '{shown.decode('utf-8', 'replace')}'; an SVG may only refer "
                    "to its own parts (#id)")
    return None


def _short(s: str, n: int = 60) -> str:
    s = s.replace("\n", "\\n")
    return s if len(s) <= n else s[: n - 1] + "…"
