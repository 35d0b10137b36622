"""The study header's New · Learning · Due while a case is worked through stage by stage.

Found on the installed app: a tutor quiz on 14 new cases said "item 1 of 14 · New 14 ·
Learning 0 · Due 0"; after the first stage of the first case was answered the same case,
still on screen, was counted "New 13 · Learning 0 · Due 1", and "Due 0" again once its last
stage was answered. Nothing had fallen due: the questions just answered were counted with
the ones still open.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from quizapp.core.model import Case, Deck, Option, Question, Stage
from quizapp.core.session import Session, SessionSettings, save_stage_label
from quizapp.core.sessionmodel import Entry
from quizapp.core.store import Store


def _q(qid: str) -> Question:
    return Question(id=qid, kind="single", stem="Which?",
                    options=(Option("yes", True), Option("no", False)))


CASE = Case(id="c1", title="Back pain", stem="A 68-year-old man...",
            stages=(Stage(id="s1", questions=(_q("a"),)),
                    Stage(id="s2", questions=(_q("b"),)),
                    Stage(id="s3", questions=(_q("c"),))))
OTHER = Case(id="c2", title="Lump", stem="A 20-year-old woman...",
             stages=(Stage(id="s1", questions=(_q("a"),)),))
DECK = Deck(id="vignettes", title="Clinical vignettes", sources={}, items=(CASE, OTHER))


#: Midday: the questions answered wrong fall due again in minutes, well before the study
#: day ends (at 4 am); at the real time of day the test failed in the minute before 4 am.
NOON = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)


def _noon() -> datetime:
    return NOON


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = Store.open(tmp_path / "data", clock=_noon)
    yield s
    s.close()


def _session(store: Store) -> Session:
    st = SessionSettings(mode="tutor", deck_ids=(DECK.id,), shuffle=False, limit=0, seed=1)
    sess = Session([Entry(DECK.id, CASE), Entry(DECK.id, OTHER)], st, store, now=_noon)
    sess.start()
    return sess


@pytest.mark.parametrize("choice", [0, 1], ids=["right", "wrong"])
def test_a_new_case_stays_new_while_its_stages_are_answered(store: Store, choice: int) -> None:
    sess = _session(store)
    assert sess.counters() == (2, 0, 0)
    sess.answer("s1/a", [choice])
    assert sess.counters() == (2, 0, 0)  # the case on screen is still the new one it was
    sess.answer("s2/b", [choice])
    assert sess.counters() == (2, 0, 0)
    sess.answer("s3/c", [choice])
    assert sess.counters() == (1, 0, 0)  # answered in full: no longer to come


def test_a_due_case_counts_due_by_its_open_questions(store: Store) -> None:
    first = _session(store)
    for part in ("s1/a", "s2/b", "s3/c"):
        first.answer(part, [1])  # all wrong: every question of the case due again today
    sess = _session(store)
    assert sess.counters() == (1, 0, 1)
    sess.answer("s1/a", [0])
    assert sess.counters() == (1, 0, 1)  # two questions of it still due, and on screen


def test_the_exam_hint_names_the_button_the_stage_shows(store: Store) -> None:
    """Found too: on a case's last stage in an exam the button says "Save answer" (nothing
    follows), but the hint under each question still said: Press Enter or "Save answer and
    continue" to save this stage."""
    st = SessionSettings(mode="exam", deck_ids=(DECK.id,), shuffle=False, limit=0, seed=1,
                         seconds_per_question=60)
    sess = Session([Entry(DECK.id, CASE)], st, store)
    sess.start()
    assert save_stage_label(CASE, 0) == "Save answer and continue"
    sess.select("s1/a", 0)
    assert "“Save answer and continue”" in sess.part_view("s1/a").hint
    sess.save_stage()
    sess.select("s2/b", 0)
    sess.save_stage()
    assert save_stage_label(CASE, 2) == "Save answer"
    sess.select("s3/c", 0)
    assert "“Save answer”" in sess.part_view("s3/c").hint
    assert "continue" not in sess.part_view("s3/c").hint


def test_a_resumed_case_still_counts_as_it_did(store: Store) -> None:
    sess = _session(store)
    sess.answer("s1/a", [1])
    again = Session.resume(sess.to_state(), {DECK.id: DECK}, store)
    assert again.index == 0 and again.counters() == (2, 0, 0)
