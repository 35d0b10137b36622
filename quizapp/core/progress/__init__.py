"""The score store (formats 1 and 2) and sync through a shared folder (issue 15).

The app and the command line open every data folder with
:func:`quizapp.core.progress.history_store.open_store`: format 2, the format quizapp writes (a
format-1 folder opened for writing is migrated first; ``QUIZAPP_STORE_FORMAT=1`` keeps format 1):

* :mod:`.history_store` -- the format-2 store (:class:`HistoryStore`, the API of
  :class:`~quizapp.core.store.Store`), with its parts :mod:`.history_records` (one record
  taken in), :mod:`.history_queries` (answers by time and unit), :mod:`.history_sync` (the
  sync folder) and :mod:`.history_migration` (the move from format 1, :mod:`.migrate`);
* :mod:`.hotstate` -- the compacted hot state (``state.json``);
* :mod:`.exchange` -- export and import of progress;
* :mod:`.device` -- this computer's id, kept in the local data folder;
* :mod:`.aggregates` -- rolled-up figures for Statistics;

and the building blocks, tested on their own:

* :mod:`.hlc` -- a hybrid logical clock, the order of last-writer-wins changes;
* :mod:`.records` -- the JSON Lines records of a computer's history and their bounded,
  line-by-line reading (a torn last line is ignored, an unknown record type is skipped with a
  warning, every other unreadable line is reported with its file and line);
* :mod:`.merge` -- the conflict-free merge: answers a grow-only set by id, an undo a
  tombstone, flags and per-unit settings last-writer-wins per field on the clock, and the
  spaced-repetition state derived by replaying a unit's merged answers in time order with
  fuzz seeded by each answer's id;
* :mod:`.syncfolder` -- reading ``devices/<device-id>/`` folders that a sync tool carries,
  including the conflict copies and temporary files such tools leave behind.

Format 1 (still read: migration, read-only opening, ``QUIZAPP_STORE_FORMAT=1``, old export
files), re-exported by :mod:`quizapp.core.store`, and the parts format 2 shares with it:

* :mod:`.store1` -- the format-1 :class:`~quizapp.core.progress.store1.Store`;
* :mod:`.records1` -- its public records (attempts, sessions, unit states, import plans);
* :mod:`.state1` -- its in-memory state and the merge of two states;
* :mod:`.validate1` -- the checks of every stored record;
* :mod:`.format1` -- file names and limits, parse / salvage / migration / dump of a document;
* :mod:`.lock` -- the data folder's lock (shared with format 2);
* :mod:`.errors` -- the store's errors (shared with format 2).
"""
