"""The one located-message type: every problem and warning about a place in a file (a deck,
an import, a progress file) is a :class:`Diagnostic`, produced by the core and printed by the
CLI or shown by the GUI as ``file:line:col: [warning: ]where: message``.

Lines and columns are 1-based and count characters (not bytes); 0 means unknown and is left
out when printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """Something wrong (``severity="error"``) or worth a word (``"warning"``) at one place."""

    file: str
    line: int
    column: int
    message: str
    path: str = ""  # the field path, counted from 0: items[10].stages[2].text
    where: str = ""  # the same for a person: item 11 (case-x), stage 3 (next-day), text
    severity: str = "error"  # or "warning": reported, but the file is still used

    @property
    def warning(self) -> bool:
        return self.severity == "warning"

    @property
    def text(self) -> str:
        return self.message

    def __str__(self) -> str:
        """``file:line:col: [warning: ]where: message`` on one line (control characters
        escaped; an unknown line or column left out)."""
        place = self.file + (f":{self.line}" if self.line else "") + (
            f":{self.column}" if self.line and self.column else "")
        where = self.where or self.path
        level = "warning: " if self.warning else ""
        return _one_line(f"{place}: {level}{where + ': ' if where else ''}{self.message}")

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


def line_col(data: bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in characters) of a byte offset in UTF-8-ish data."""
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, len(data[start:offset].decode("utf-8", "replace")) + 1
