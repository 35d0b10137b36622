"""How the study page shows one item: a flashcard's two sides, a case stage by stage, the
sources it cites, and the column that holds it. Questions themselves are
:class:`~quizapp.ui.widgets.QuestionView`, added by the page (which wires them to the engine)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QPushButton, QVBoxLayout, QWidget

from quizapp.core.model import Case, Deck, Flashcard, Question
from quizapp.core.scoring import format_marks
from quizapp.core.session import Entry, Session, save_stage_label
from quizapp.ui.theme import SPACE
from quizapp.ui.widgets import Markdown, Picture, label


class ItemColumn(QWidget):
    """The scrolled item. Its height follows its width: a wrapped label's minimum height is
    measured at its narrowest, which made the page 1.5 to 3 screens taller than the item, so
    End landed on blank space. The scroll area sizes it with heightForWidth instead."""

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), 0)


def sources_text(deck: Deck | None, entry: Entry) -> str:
    """The Markdown list of the sources ``entry``'s item cites, from ``deck``; "" if none."""
    if deck is None:
        return ""
    cites = []
    for key in entry.item.sources:
        s = deck.sources.get(key)
        if s is not None:
            doi = f" doi:{s.doi}" if s.doi and s.doi not in s.citation else ""
            cites.append(f"- {s.citation}{doi}")
    if not cites:
        return ""
    return ("*Sources:*\n\n" if len(cites) > 1 else "*Source:*\n\n") + "\n".join(cites)


def render_flashcard(lay: QVBoxLayout, entry: Entry, card: Flashcard, sources: str, *,
                     review: bool) -> QWidget:
    """A flashcard's front into ``lay``, then its back (with the explanation, objective and
    ``sources``), shown at once in ``review``; returns the back, to show on reveal."""
    front, back = (card.back, card.front) if entry.reverse else (card.front, card.back)
    lay.addWidget(label("Flashcard" + (" (reversed)" if entry.reverse else ""), "muted"))
    f = Markdown(front, "stem")
    f.setAccessibleName("Front")
    lay.addWidget(f)
    if card.image is not None and not entry.reverse:
        lay.addWidget(Picture(card.image, card.image_alt))
    if not review:  # as a question says its keys (true before and after the answer shows)
        lay.addWidget(label("Recall the answer, then Space or Enter shows it; rate how well "
                            "you knew it with keys 1–4", "muted"))
    back_box = QWidget()
    bl = QVBoxLayout(back_box)
    bl.setContentsMargins(0, 0, 0, 0)
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    bl.addWidget(line)
    b = Markdown(back, "stem")
    b.setAccessibleName("Back")
    bl.addWidget(b)
    if card.explanation:
        bl.addWidget(Markdown(card.explanation))
    if card.objective:
        bl.addWidget(Markdown(f"**Learning objective:** {card.objective}"))
    src = sources
    if src:
        bl.addWidget(Markdown(src, "muted"))
    back_box.setVisible(review)
    lay.addWidget(back_box)
    return back_box


def render_case(lay: QVBoxLayout, entry: Entry, case: Case, s: Session, *, review: bool,
                sources: str, add_question: Callable[[QVBoxLayout, str, Question, str], object],
                save_stage: Callable[[], object], stage_ready: Callable[[], bool]
                ) -> QPushButton | None:
    """A case into ``lay``: its presentation, the stages revealed so far (each question added
    by ``add_question(layout, part, question, number)``), then what is still to come or, once
    complete, its marks, objective and ``sources``. In an exam the active stage gets a
    "Save answer" button (calling ``save_stage``), which is returned."""
    button = None
    lay.addWidget(label(f"Case: {case.title}", "title"))
    stem = Markdown(case.stem, "stem")
    stem.setAccessibleName("Case presentation")
    lay.addWidget(stem)
    if case.image is not None:
        lay.addWidget(Picture(case.image, case.image_alt))
    shown = len(case.stages) if review else s.stages_revealed()
    active = s.active_stage()
    n_q = sum(len(st.questions) for st in case.stages)
    k = 0
    for si, st in enumerate(case.stages[:shown]):
        box = QFrame()
        box.setProperty("role", "card")
        bl = QVBoxLayout(box)
        bl.setContentsMargins(SPACE * 2, SPACE * 2, SPACE * 2, SPACE * 2)
        bl.setSpacing(SPACE * 3 // 2)
        saved = " — saved, locked" if s.is_exam and not review and si < active else ""
        bl.addWidget(label(f"Stage {si + 1} of {len(case.stages)}"
                           + (f": {st.title}" if st.title else "") + saved, "subtitle"))
        if st.text:
            bl.addWidget(Markdown(st.text))
        if st.image is not None:
            bl.addWidget(Picture(st.image, st.image_alt))
        for q in st.questions:
            k += 1
            add_question(bl, f"{st.id}/{q.id}", q, f"Question {k} of {n_q}")
        if s.is_exam and not review and si == active:
            b = QPushButton(save_stage_label(case, si))
            b.setProperty("role", "primary")
            b.setToolTip("Save this stage (Enter). It is then locked, and the next stage "
                         "opens." if si + 1 < len(case.stages) else
                         "Save this stage (Enter). It is then locked.")
            b.setAccessibleName(b.text())
            b.clicked.connect(save_stage)
            bl.addWidget(b, 0, Qt.AlignmentFlag.AlignLeft)
            button = b
            b.setEnabled(stage_ready())
        lay.addWidget(box)
    if shown < len(case.stages):
        more = len(case.stages) - shown
        lay.addWidget(label(f"{more} more stage{'s' if more != 1 else ''} "
                            + ("open" if more != 1 else "opens") + " as you "
                            + ("save" if s.is_exam else "answer") + ".", "muted"))
    elif review or (s.entry_answered(s.index) and not s.is_exam):
        marks = sum(r.mark.marks for (i, _p), r in s.responses.items()
                    if i == s.index and r.mark)
        best = sum(r.mark.max_marks for (i, _p), r in s.responses.items()
                   if i == s.index and r.mark)
        lay.addWidget(label(f"Case complete: {format_marks(marks)} of "
                            f"{format_marks(best)} marks.", "subtitle"))
        if case.objective:
            lay.addWidget(Markdown(f"**Learning objective:** {case.objective}"))
        src = sources
        if src:
            lay.addWidget(Markdown(src, "muted"))
    return button


def clock_text(seconds: float) -> str:
    """A timer's figure: m:ss, or h:mm:ss from an hour."""
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"
