"""Messages about one place in an input file, and the error that ends a conversion."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Message:
    """Something to tell the user about one place in an input file."""

    file: str
    line: int
    text: str
    warning: bool = False
    column: int = 0

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: warning: {self.text}" if self.warning else f"{where}: {self.text}"


class ConvertError(Exception):
    """Nothing could be converted (unreadable, binary or empty input...): exit status 2."""

    def __init__(self, messages: list[Message]) -> None:
        self.messages = messages
        super().__init__("; ".join(map(str, messages)))
