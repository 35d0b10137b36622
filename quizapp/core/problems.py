"""Problems found in a deck file, the error that carries them, and the size-limited read.

Kept apart from the YAML loader so that code which only reads deck files and reports problems
(the library, the GUI) does not import PyYAML: a start-up that finds every deck in the parse
cache never needs it.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_BYTES = 20 * 1024 * 1024  # a deck file larger than this is refused unread


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with a deck file. Line and column are 1-based (0 when unknown)."""

    file: str
    line: int
    column: int
    message: str
    path: str = ""  # the field path, counted from 0: items[10].stages[2].text
    where: str = ""  # the same for a person: item 11 (case-x), stage 3 (next-day), text
    severity: str = "error"  # or "warning": reported, but the deck still loads

    def __str__(self) -> str:
        """``file:line:col: [warning: ]where: message`` on one line (control characters
        escaped)."""
        place = self.where or self.path
        where = f"{place}: " if place else ""
        level = "warning: " if self.severity == "warning" else ""
        return _one_line(f"{self.file}:{self.line}:{self.column}: {level}{where}{self.message}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "where": self.where or self.path,
            "severity": self.severity,
            "message": self.message,
        }


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def _one_line(s: str) -> str:
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], s)


class DeckError(Exception):
    """A deck could not be loaded; ``problems`` holds every problem found, sorted."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = sorted(problems)
        first = str(self.problems[0]) if self.problems else file
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + more)


def read_bytes(path: Path) -> bytes:
    """Read a deck file, refusing oversized files before reading them."""
    try:
        st = path.stat()
    except OSError as e:
        raise DeckError(str(path), [Problem(str(path), 0, 0, f"cannot read file: {e.strerror}")]
                        ) from None
    if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
        raise DeckError(str(path), [Problem(str(path), 0, 0, "not a regular file")])
    size = st.st_size
    if size > MAX_BYTES:
        raise DeckError(str(path), [Problem(str(path), 1, 1,
                        f"file is too large ({size:,} bytes; the limit is {MAX_BYTES:,})")])
    try:
        with path.open("rb") as fh:
            return fh.read(MAX_BYTES + 1)
    except OSError as e:
        raise DeckError(str(path), [Problem(str(path), 0, 0, f"cannot read file: {e.strerror}")]
                        ) from None
