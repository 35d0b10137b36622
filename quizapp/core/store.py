"""The score store, format 1 (a snapshot plus a journal; see ``resources/score-store-format.md``).

A facade: the code lives in :mod:`quizapp.core.progress`, one module per job --

* :mod:`~quizapp.core.progress.store1` -- :class:`Store`, the format-1 store itself (open, record,
  query, compact, back up, export and import);
* :mod:`~quizapp.core.progress.records1` -- its public records (:class:`Attempt`,
  :class:`SessionRecord`, :class:`UnitState`, :class:`ImportPlan`, :class:`ImportCounts`);
* :mod:`~quizapp.core.progress.state1` -- the in-memory state and the merge of two states;
* :mod:`~quizapp.core.progress.validate1` -- the checks of every stored record;
* :mod:`~quizapp.core.progress.format1` -- file names, parse / salvage / dump of the document;
* :mod:`~quizapp.core.progress.lock` -- the data folder's lock;
* :mod:`~quizapp.core.progress.errors` -- the store's errors.

Score-store format 2 (:mod:`quizapp.core.progress.history_store`) builds on these.
"""

from __future__ import annotations

from quizapp.core.model import MODES, Mode
from quizapp.core.progress.errors import (
    LockOwner,
    StoreDataError,
    StoreError,
    StoreFormatError,
    StoreLockedError,
    StoreUnsafeFileError,
)
from quizapp.core.progress.format1 import (
    BACKUP_DIR,
    BACKUPS_KEPT,
    COMPACT_MIN_BYTES,
    FORMAT,
    JOURNAL_NAME,
    PREVIOUS_NAME,
    SNAPSHOT_NAME,
    aside_path,
    read_progress_document,
)
from quizapp.core.progress.lock import LOCK_NAME, FolderLock
from quizapp.core.progress.records1 import (
    Attempt,
    ImportCounts,
    ImportNotConfirmedError,
    ImportPlan,
    SessionRecord,
    UnitState,
    new_record_id,
)
from quizapp.core.progress.state1 import (
    UNDO_DEPTH,
    HotState,
    UnitEntry,
    check_unit_entry,
)
from quizapp.core.progress.store1 import Store
from quizapp.core.progress.validate1 import check_session

__all__ = [
    "BACKUPS_KEPT",
    "BACKUP_DIR",
    "COMPACT_MIN_BYTES",
    "FORMAT",
    "JOURNAL_NAME",
    "LOCK_NAME",
    "MODES",
    "PREVIOUS_NAME",
    "SNAPSHOT_NAME",
    "UNDO_DEPTH",
    "Attempt",
    "FolderLock",
    "HotState",
    "ImportCounts",
    "ImportNotConfirmedError",
    "ImportPlan",
    "LockOwner",
    "Mode",
    "SessionRecord",
    "Store",
    "StoreDataError",
    "StoreError",
    "StoreFormatError",
    "StoreLockedError",
    "StoreUnsafeFileError",
    "UnitEntry",
    "UnitState",
    "aside_path",
    "check_session",
    "check_unit_entry",
    "new_record_id",
    "read_progress_document",
]
