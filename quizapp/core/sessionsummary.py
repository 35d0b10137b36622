"""The results page's figures for a session: questions answered and right, credit and CBM
marks, time, flashcard ratings, scores per tag, calibration per confidence level, what was
missed and each case's marks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quizapp.core.model import Case, Flashcard
from quizapp.core.sessionmodel import Summary, TagScore

if TYPE_CHECKING:
    from quizapp.core.session import Session


def summarize(self: Session) -> Summary:
    """The figures of the results page for ``self`` so far: marks and credit, time, flashcard
    ratings, per tag, calibration per confidence level, what was missed and each case's marks."""
    s = Summary(mode=self.settings.mode, cbm=self.settings.confidence,
                label=self.settings.label)
    tags: dict[str, TagScore] = {}
    cal: dict[int, list[int]] = {}
    rated: set[str] = set()
    for i, e in enumerate(self.entries):
        if isinstance(e.item, Flashcard):
            r = self.ratings.get(i)
            if r is not None:
                s.flashcards[r.label] = s.flashcards.get(r.label, 0) + 1
                rated.add(e.unit().key)
                s.time_ms += int(1000 * self.seconds_on(i))  # as recorded with the rating
            continue
        case_marks = [0.0, 0.0]
        reached = False
        for part, q, _st in e.parts():
            resp = self.responses.get((i, part))
            if resp is None and not self.is_exam:
                continue  # not reached (the session ended early): not part of the score
            reached = True
            s.questions += 1
            s.select_all += q.kind == "multi"
            mark = resp.mark if resp else None
            ok = bool(mark and mark.correct)
            credit = mark.fraction if mark else 0.0
            if resp is not None and resp.selected:
                s.answered += 1
            s.correct += ok
            s.credit += credit
            if mark:
                s.marks += mark.marks
                s.max_marks += mark.max_marks
                case_marks[0] += mark.marks
                case_marks[1] += mark.max_marks
            else:
                s.max_marks += 3.0 if self.settings.confidence else 1.0
                case_marks[1] += 3.0 if self.settings.confidence else 1.0
            if resp is not None:
                s.time_ms += resp.time_ms
                if resp.confidence:
                    c = cal.setdefault(resp.confidence, [0, 0])
                    c[0] += ok
                    c[1] += 1
            if not ok:
                s.missed.append((i, part))
            for t in e.tags:
                ts = tags.setdefault(t, TagScore(t))
                ts.total += 1
                ts.correct += ok
                ts.credit += credit
        if isinstance(e.item, Case) and reached:
            s.case_marks.append((i, case_marks[0], case_marks[1]))
    s.cards = len(rated)
    s.per_tag = sorted(tags.values(), key=lambda t: (t.percent, t.tag))
    s.calibration = {k: (v[0], v[1]) for k, v in sorted(cal.items())}
    if self.is_exam:  # the exam clock: every second of the block, none of the pauses
        s.time_ms = int(1000 * self.time_used())
    elif not s.questions:
        s.time_ms = int(1000 * sum(self.seconds_on(i) for i in range(len(self.entries))))
    return s
