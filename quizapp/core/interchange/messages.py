"""Messages about one place in an input file (the core's one :class:`Diagnostic` type), and
the error that ends a conversion."""

from __future__ import annotations

from quizapp.core.diagnostics import Diagnostic


def message(file: str, line: int, text: str, *, warning: bool = False,
            column: int = 0) -> Diagnostic:
    """A problem (or with ``warning``, a warning) at ``file:line[:column]`` of an input file."""
    return Diagnostic(file, line, column, text, severity="warning" if warning else "error")


class ConvertError(Exception):
    """Nothing could be converted (unreadable, binary or empty input...): exit status 2."""

    def __init__(self, messages: list[Diagnostic]) -> None:
        self.messages = messages
        super().__init__("; ".join(map(str, messages)))
