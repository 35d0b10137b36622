"""Building blocks of score-store format 2 and of sync through a shared folder (issue 15).

Nothing in quizapp writes format 2 yet: :mod:`quizapp.core.store` still reads and writes
format 1. These modules are the parts that do not depend on the migration and are tested on
their own:

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
"""
