"""The score store's errors (format 1 and format 2 share them) and who holds a locked folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from quizapp.core.fileio import (
    UnsafeFileError,
)

# --------------------------------------------------------------------------------------------
# Errors


class StoreError(Exception):
    """Base class of the store's errors."""


class StoreFormatError(StoreError):
    """A progress file (to import) is not a store this version can read; the message says why."""


#: A file quizapp would read or write is a link, a special file or too large (see
#: :class:`quizapp.core.fileio.UnsafeFileError`; the store's name for it).
StoreUnsafeFileError = UnsafeFileError


@dataclass(frozen=True, slots=True)
class LockOwner:
    """Who holds the data folder's lock, as written in ``quizapp.lock``."""

    pid: int | None
    host: str | None
    started: str | None
    app: str | None = None

    def describe(self) -> str:
        who = f"process {self.pid}" if self.pid is not None else "an unknown process"
        where = f" on computer {self.host!r}" if self.host else ""
        since = f", running since {self.started}" if self.started else ""
        return f"{self.app or 'quizapp'} ({who}{where}{since})"


class StoreLockedError(StoreError):
    """Another quizapp process is using the data folder.

    ``owner`` names it; ``other_host`` is true when it ran on another computer, in which case
    quizapp cannot tell whether it is still running and :meth:`Store.open` takes the lock only
    with ``break_lock=True`` (after asking the user).
    """

    def __init__(self, folder: Path, owner: LockOwner, *, other_host: bool = False) -> None:
        self.folder = folder
        self.owner = owner
        self.other_host = other_host
        if other_host:
            advice = (
                "If quizapp is no longer running there (for example the folder is on a USB "
                "stick that was unplugged without closing quizapp), you can take over."
            )
        else:
            advice = "Close the other quizapp window first, then try again."
        super().__init__(
            f"The progress folder {folder} is in use by {owner.describe()}. "
            f"Two copies of quizapp writing the same progress would overwrite each other. "
            f"{advice}"
        )


class StoreDataError(Exception):
    """A problem found while validating stored data; the message names the field."""
