"""Problems found in a deck file, the error that carries them, and the size-limited read.

Kept apart from the YAML loader so that code which only reads deck files and reports problems
(the library, the GUI) does not import PyYAML: a start-up that finds every deck in the parse
cache never needs it.
"""

from __future__ import annotations

import stat
from pathlib import Path

from quizapp.core.diagnostics import Diagnostic

MAX_BYTES = 20 * 1024 * 1024  # a deck file larger than this is refused unread
MAX_PROBLEMS = 500  # problems reported for one file before checking stops


#: A problem found in a deck file: the one located-message type (see :mod:`diagnostics`).
Problem = Diagnostic


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


class TooManyProblems(Exception):
    """Raised by :class:`ProblemCollector` once its limit is reached."""


class ProblemCollector:
    """The problems found in one file so far; stops the check (:class:`TooManyProblems`)
    after ``limit`` of them."""

    def __init__(self, file: str, limit: int | None = None) -> None:
        self.file = file
        self.items: list[Problem] = []
        self.limit = MAX_PROBLEMS if limit is None else limit

    def add(self, line: int, col: int, message: str, path: str = "") -> None:
        self.items.append(Problem(self.file, line, col, message, path))
        if len(self.items) >= self.limit:
            self.items.append(
                Problem(self.file, line, col, f"too many problems; stopped after {self.limit}")
            )
            raise TooManyProblems

