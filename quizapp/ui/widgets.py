"""Small reusable widgets: Markdown text, pictures, answer options, a question view."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPixmap,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from quizapp.core import resources
from quizapp.core.model import LETTERS, Question
from quizapp.core.scoring import Mark, verdict
from quizapp.ui.labels import label, plain_tooltip  # noqa: F401 (re-exported)
from quizapp.ui.theme import SPACE, TEXT_WIDTH

CONFIDENCE_LABELS = {1: "Unsure", 2: "Fairly sure", 3: "Sure"}


def restyle(w: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    w.style().unpolish(w)
    w.style().polish(w)
    w.update()


_IMAGE = QTextDocument.ResourceType.ImageResource.value
_TEXT_KINDS = (QTextDocument.ResourceType.MarkdownResource.value,
               QTextDocument.ResourceType.HtmlResource.value)
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024  # a Markdown page the help viewer follows a link to


def _placeholder() -> QImage:
    """What a refused picture shows: a small empty box (never a null image, which would make
    Qt load the file itself)."""
    img = QImage(16, 16, QImage.Format.Format_ARGB32)
    img.fill(QColor(0, 0, 0, 0))
    return img


def _reference(url: QUrl, folder: Path | None) -> str:
    """The reference ``url`` stands for, as the resolver takes it. A local-file URL (what a
    document with a base URL resolves names to) becomes a path relative to ``folder``, so
    anything outside it starts with '..' and is refused."""
    if url.isLocalFile() and folder is not None:
        local = url.toLocalFile()
        try:
            return Path(os.path.relpath(local, folder)).as_posix()
        except ValueError:  # another drive on Windows
            return local
    return url.toString(QUrl.ComponentFormattingOption.FullyEncoded)


def load_resource(folder: Path | None, kind: int, url: QUrl, refused: list[tuple[str, str]],
                  max_width: int = TEXT_WIDTH) -> object:
    """The one way a rendered document gets a resource: through
    :func:`quizapp.core.resources.resolve_image` in ``folder`` (None: nothing at all).
    Refusals are appended to ``refused`` as (reference, reason) and get a harmless stand-in,
    so Qt never falls back to opening the file itself."""
    ref = _reference(url, folder)
    res = resources.resolve_image(
        folder, ref, max_bytes=resources.MAX_IMAGE_BYTES if kind == _IMAGE else
        MAX_DOCUMENT_BYTES)
    data = b""
    if not isinstance(res, resources.Refused):
        try:
            data = resources.read_image(res, resources.MAX_IMAGE_BYTES)
        except resources.ResourceError as e:
            res = resources.Refused(str(e))
    if kind == _IMAGE:
        if not isinstance(res, resources.Refused) and res.suffix.lower() == ".svg":
            why = resources.svg_problem(data)
            if why:
                res = resources.Refused(why)
        image = QImage.fromData(data) if not isinstance(res, resources.Refused) else QImage()
        if image.isNull():
            refused.append((url.toString(), str(res) if isinstance(res, resources.Refused)
                            else "not a picture"))
            return _placeholder()
        if image.width() > max_width:
            image = image.scaledToWidth(max_width, Qt.TransformationMode.SmoothTransformation)
        return image
    if kind in _TEXT_KINDS and not isinstance(res, resources.Refused) and \
            res.suffix.lower() in (".md", ".markdown", ".txt"):
        return QByteArray(data)
    refused.append((url.toString(), str(res) if isinstance(res, resources.Refused)
                    else "not a document this viewer shows"))
    return QByteArray(b" ")  # not null: a null answer would make Qt read the file itself


class SafeDocument(QTextDocument):
    """A text document that loads resources only through :func:`load_resource`, that is only
    pictures inside ``folder`` (None, the default: nothing at all). Deck text uses the default:
    pictures come from an item's ``image`` field, which :class:`Picture` shows.

    :meth:`set_markdown` also replaces every picture the resolver refuses with its alt text;
    on a document no view shows yet that happens before Qt lays the text out, so Qt never
    asks for a refused picture at all."""

    def __init__(self, folder: Path | None = None, parent: QObject | None = None,
                 max_width: int = TEXT_WIDTH) -> None:
        super().__init__(parent)
        self.folder = folder
        self.max_width = max_width
        self.refused: list[tuple[str, str]] = []  # (reference, reason), for tests and authors

    def loadResource(self, kind: int, url: QUrl | str) -> object:
        url = QUrl(url) if isinstance(url, str) else url
        found = load_resource(self.folder, kind, url, self.refused, self.max_width)
        self.addResource(kind, url, found)  # asked once per document, not at every layout
        return found

    def set_markdown(self, text: str) -> None:
        self.refused.clear()
        self.setMarkdown(text)
        self.drop_refused_images()

    def drop_refused_images(self) -> None:
        """Replace each picture the resolver refuses by '[picture not shown: alt]'."""
        spans: list[tuple[int, int, str]] = []
        block = self.begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                frag = it.fragment()
                fmt = frag.charFormat()
                if fmt.isImageFormat():
                    name = fmt.toImageFormat().name()
                    res = resources.resolve_image(
                        self.folder, _reference(QUrl(name), self.folder))
                    if isinstance(res, resources.Refused):
                        alt = str(fmt.property(QTextFormat.Property.ImageAltText) or "")
                        spans.append((frag.position(), frag.length(), alt))
                        self.refused.append((name, res.reason))
                it += 1
            block = block.next()
        for pos, length, alt in reversed(spans):
            cur = QTextCursor(self)
            cur.setPosition(pos)
            cur.setPosition(pos + length, QTextCursor.MoveMode.KeepAnchor)
            cur.insertText(f"[picture not shown{': ' + alt if alt else ''}]", QTextCharFormat())


class Markdown(QTextBrowser):
    """Card text: Markdown rendered by Qt, wrapped to a readable width, selectable.

    A read-only text view that looks like a label (no frame, no scroll bars, as tall as its
    text). It is not a QLabel because a QLabel loads every local file its text names; this
    view's :class:`SafeDocument` loads nothing (see :mod:`quizapp.core.resources`)."""

    def __init__(self, text: str = "", role: str | None = None, parent: QWidget | None = None,
                 folder: Path | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.safe_document: SafeDocument | None = None  # made by setText
        self._text = ""
        self._heights: dict[int, int] = {}
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.viewport().setAutoFillBackground(False)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys belong to the page (Space, 1-4...)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setMaximumWidth(TEXT_WIDTH)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        if role:
            self.setProperty("role", role)
        self.setText(text)

    # the QLabel API the pages use
    def text(self) -> str:
        """The Markdown source."""
        return self._text

    def textFormat(self) -> Qt.TextFormat:
        return Qt.TextFormat.MarkdownText

    def setText(self, text: str) -> None:
        self._text = text
        # a fresh document, cleaned before this view lays it out (see SafeDocument)
        doc = SafeDocument(self.folder, self)
        doc.setDocumentMargin(0)
        doc.setDefaultFont(self.font())
        doc.set_markdown(text)
        old, self.safe_document = self.safe_document, doc
        self.setDocument(doc)
        if old is not None:
            old.deleteLater()
        self._heights.clear()
        if not self.isWindow():  # still being built: its layout asks for the size later
            self.updateGeometry()

    def setAlignment(self, alignment: Qt.AlignmentFlag) -> None:
        pass  # text starts top left, as the pages want

    def setTextInteractionFlags(self, flags: Qt.TextInteractionFlag) -> None:
        super().setTextInteractionFlags(flags)
        # without interaction, clicks go to the widget below (an option row selects itself)
        off = flags == Qt.TextInteractionFlag.NoTextInteraction
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, off)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, off)

    # as tall as the text at the width it is given
    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        # a layout offers its own width, not the view's: a view capped at TEXT_WIDTH in a
        # wider column wraps at the cap, so measure there (else the last line is cut off)
        width = min(width, self.maximumWidth())
        doc = self.safe_document  # never a clone: a plain QTextDocument loads files
        if width not in self._heights and doc is not None:
            m = self.contentsMargins()
            shown = doc.textWidth()
            text_width = max(1, width - m.left() - m.right())
            if shown != text_width:
                doc.setTextWidth(text_width)
            self._heights[width] = int(doc.size().height() + 0.999) + m.top() + m.bottom()
            if shown != text_width:
                doc.setTextWidth(shown)
        return self._heights.get(width, 0)

    def sizeHint(self) -> QSize:
        m = self.contentsMargins()
        ideal = self.safe_document.idealWidth() if self.safe_document is not None else 0
        width = min(int(ideal + 0.999) + m.left() + m.right() + 1, self.maximumWidth())
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        width = min(120, self.sizeHint().width())
        return QSize(width, self.heightForWidth(max(self.width(), width)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width() and \
                self.heightForWidth(event.size().width()) != event.size().height():
            self.updateGeometry()

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()  # the text always fits: the page around it scrolls

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._heights.clear()
            self.updateGeometry()


class Picture(QLabel):
    """An item's image, scaled to the text width; a click opens it full size.

    The file is read through :func:`quizapp.core.resources.read_image` (no symlink, FIFO or
    device, size-limited); an SVG that would load other files is refused."""

    def __init__(self, path: Path, alt: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.path = path
        self.full = QPixmap()
        self.refused = ""
        try:
            data = resources.read_image(path)
            why = resources.svg_problem(data) if path.suffix.lower() == ".svg" else None
            if why:
                self.refused = why
            else:
                self.full.loadFromData(data)
        except resources.ResourceError as e:
            self.refused = str(e)
        self.setAccessibleName(alt or f"Image {path.name}")
        self.setToolTip((alt + "\n" if alt else "") + "Click to open full size")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        if self.full.isNull():
            self.setText(f"(image could not be shown: {path.name}"
                         f"{' — ' + self.refused if self.refused else ''})")
        else:
            w = min(self.full.width(), TEXT_WIDTH)
            self.setPixmap(self.full.scaledToWidth(w, Qt.TransformationMode.SmoothTransformation))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self.full.isNull():
            ImageDialog.show_image(self, self.full, self.accessibleName())

    def sizeHint(self) -> QSize:
        return super().sizeHint()


class ImageDialog(QDialog):
    def __init__(self, parent: QWidget | None, pixmap: QPixmap, title: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        area = QScrollArea()
        lab = QLabel()
        lab.setPixmap(pixmap)
        area.setWidget(lab)
        lay = QVBoxLayout(self)
        lay.addWidget(area)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        lay.addWidget(close, alignment=Qt.AlignmentFlag.AlignRight)
        self.resize(min(pixmap.width() + 40, 1200), min(pixmap.height() + 80, 900))

    @classmethod
    def show_image(cls, parent: QWidget | None, pixmap: QPixmap, title: str) -> None:
        cls(parent, pixmap, title).exec()


class OptionRow(QFrame):
    """One answer option: letter, text, and after answering a verdict and the explanation.

    Left click selects, right click strikes the option out (and back in).

    Signals:
        clicked(int): the option (its display index) was clicked to select it.
        strike_toggled(int): the option (its display index) was struck out or back in.
    """

    clicked = Signal(int)
    strike_toggled = Signal(int)

    def __init__(self, display: int, text: str, multi: bool, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.display = display
        self.multi = multi
        self.selected = False
        self.struck = False
        self.locked = False
        self.setProperty("role", "option")
        self.setProperty("state", "")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(SPACE * 3 // 2, SPACE, SPACE * 3 // 2, SPACE)
        lay.setSpacing(SPACE)
        # few widgets per option: a question appears within a frame (see the benchmarks)
        self.letter = label("", "letter")
        self.letter.setWordWrap(False)
        self.letter.setMinimumWidth(self.letter.fontMetrics().horizontalAdvance("☑  W") + 4)
        self.col = QVBoxLayout()
        self.col.setSpacing(SPACE // 2)
        self.text = Markdown(text)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.text.setMaximumWidth(16777215)  # the row itself limits the width
        self.col.addWidget(self.text)
        self.verdict: QLabel | None = None  # made when the answer is shown
        self.explanation: Markdown | None = None
        lay.addWidget(self.letter, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(self.col, 1)
        self._plain = text
        self.setAccessibleName(f"Option {LETTERS[display]}: {text}")
        self._refresh()

    def _refresh(self) -> None:
        mark = ("☑" if self.selected else "☐") if self.multi else ("◉" if self.selected else "○")
        self.letter.setText(f"{mark}  {LETTERS[self.display]}")
        state = self.property("state")
        if state in ("", "selected"):
            self.setProperty("state", "selected" if self.selected else "")
        f = self.text.font()
        f.setStrikeOut(self.struck)
        self.text.setFont(f)
        self.text.setEnabled(not self.struck)
        restyle(self)

    def set_selected(self, on: bool) -> None:
        self.selected = on
        if on:
            self.struck = False
        self._refresh()

    def toggle_strike(self) -> None:
        if self.locked:
            return
        self.struck = not self.struck
        if self.struck:
            self.selected = False
        self._refresh()
        self.strike_toggled.emit(self.display)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.locked:
            return
        if event.button() == Qt.MouseButton.RightButton:
            self.toggle_strike()
        elif event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.display)

    def show_result(self, correct_option: bool, chosen: bool, explanation: str | None,
                    preview: bool = False) -> None:
        """After answering: mark with symbol + word + colour, and show the explanation.
        ``preview`` (for authors) says only which options are correct."""
        self.locked = True
        self.setCursor(Qt.CursorShape.ArrowCursor)
        if preview:
            state, text, role = ("correct", "✔ Correct option", "verdict-correct") \
                if correct_option else ("", "Incorrect option", "muted")
        elif correct_option and chosen:
            state, text, role = "correct", "✔ Correct answer — you chose it", "verdict-correct"
        elif correct_option:
            state, text, role = "missed", "✔ Correct answer — you did not choose it", \
                "verdict-correct"
        elif chosen:
            state, text, role = "incorrect", "✘ Incorrect — you chose it", "verdict-incorrect"
        else:
            state, text, role = "", "Incorrect option", "muted"
        self.setProperty("state", state)
        self.verdict = label(text, role)
        self.col.addWidget(self.verdict)
        self.verdict.show()
        if explanation:
            self.explanation = Markdown(explanation)
            self.explanation.setMaximumWidth(16777215)
            self.col.addWidget(self.explanation)
            self.explanation.show()
        self.setAccessibleName(f"Option {LETTERS[self.display]}: {self._plain}. {text}.")
        restyle(self)


class QuestionView(QWidget):
    """A stem, lettered options, optional confidence buttons and a Submit button.

    Options are shown in ``order`` (indices into the deck's option list); everything this
    widget reports uses deck-order indices.

    Signals:
        submitted(str): Submit was clicked for this part.
        changed(str): the selection or the confidence of this part changed.
    """

    submitted = Signal(str)  # part
    changed = Signal(str)  # part: the selection or the confidence changed

    def __init__(self, part: str, question: Question, order: tuple[int, ...], *,
                 confidence: bool, exam: bool, number: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.part = part
        self.q = question
        self.order = order
        self.multi = question.kind == "multi"
        self.exam = exam
        self.confidence_enabled = confidence
        self.confidence: int | None = None
        self.answered = False
        #: When set (the study page), a click or key on an option or a confidence button is
        #: forwarded here (deck-order option index / level) instead of changing the view;
        #: the page then shows the study engine's state with :meth:`show_state`.
        self.on_choose: Callable[[int], None] | None = None
        self.on_confidence: Callable[[int], None] | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(SPACE * 3 // 2)
        if number:
            lay.addWidget(label(number, "muted"))
        self.stem = Markdown(question.stem, "stem")
        self.stem.setAccessibleName("Question")
        lay.addWidget(self.stem)
        if question.image is not None:
            lay.addWidget(Picture(question.image, question.image_alt))
        hint = ("Select all that apply" if self.multi else "Choose one") + \
            " — keys A–" + LETTERS[len(order) - 1] + \
            ("" if confidence else f" or 1–{len(order)}") + \
            "; Shift+letter or right-click strikes an option out"
        self.hint = label(hint, "muted")
        self.key_hint = hint
        lay.addWidget(self.hint)
        self.verdict = label("")
        self.verdict.hide()
        lay.addWidget(self.verdict)
        self.rows: list[OptionRow] = []
        for display, deck_index in enumerate(order):
            row = OptionRow(display, question.options[deck_index].text, self.multi)
            row.setMaximumWidth(TEXT_WIDTH)
            row.clicked.connect(self.toggle)
            lay.addWidget(row)
            self.rows.append(row)
        self.conf_box = QWidget()
        cl = QHBoxLayout(self.conf_box)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(label("How sure are you?"))
        self.conf_group = QButtonGroup(self)
        self.conf_buttons: dict[int, QPushButton] = {}
        for level, text in CONFIDENCE_LABELS.items():
            b = QPushButton(f"{level} · {text}")
            b.setCheckable(True)
            b.setToolTip(f"Confidence {level}: {text} (key {level}). "
                         "Marks: right +1/+2/+3, wrong 0/−2/−6")
            b.setAccessibleName(f"Confidence {level}, {text}")
            self.conf_group.addButton(b, level)
            self.conf_buttons[level] = b
            cl.addWidget(b)
        cl.addStretch(1)
        self.conf_group.idClicked.connect(self.set_confidence)
        self.conf_box.setVisible(confidence)
        lay.addWidget(self.conf_box)
        self.submit_button = QPushButton("Save answer" if exam else "Submit answer")
        self.submit_button.setProperty("role", "primary")
        self.submit_button.setToolTip("Submit (Enter)")
        self.submit_button.clicked.connect(lambda: self.submitted.emit(self.part))
        actions = QHBoxLayout()
        actions.addWidget(self.submit_button)
        self.status = label("", "muted")
        actions.addWidget(self.status, 1)
        lay.addLayout(actions)
        self.feedback = QWidget()
        self.feedback_layout = QVBoxLayout(self.feedback)
        self.feedback_layout.setContentsMargins(0, 0, 0, 0)
        self.feedback.hide()
        lay.addWidget(self.feedback)
        self._update_submit()

    def show_keys_here(self, here: bool | None) -> None:
        """Whether the keys act on this question now, when several are open at once (None:
        it is the only one, nothing to say)."""
        if here is None:
            text = self.key_hint
        elif here:
            text = self.key_hint + " — keys act here; Tab moves them to the next question"
        else:
            text = "Tab (or a click on an option) moves the keys to this question"
        self.hint.setText(text)
        self.setAccessibleDescription("" if here is None else
                                      "keys act here" if here else "press Tab to answer by keys")

    # -- input ---------------------------------------------------------------------------

    def toggle(self, display: int) -> None:
        if self.answered or not 0 <= display < len(self.rows):
            return
        if self.on_choose is not None:  # the study engine decides; it re-renders this view
            self.on_choose(self.order[display])
            return
        row = self.rows[display]
        if self.multi:
            row.set_selected(not row.selected)
        else:
            for r in self.rows:
                r.set_selected(r is row)
        self._update_submit()
        self.changed.emit(self.part)

    def strike(self, display: int) -> None:
        if 0 <= display < len(self.rows):
            self.rows[display].toggle_strike()
            self._update_submit()

    def set_confidence(self, level: int) -> None:
        if self.answered or not self.confidence_enabled:
            return
        if self.on_confidence is not None:  # the study engine decides
            self.on_confidence(level)
            return
        self.confidence = level
        self.conf_buttons[level].setChecked(True)
        self._update_submit()
        self.changed.emit(self.part)

    def selected(self) -> list[int]:
        """Chosen options as deck-order indices."""
        return [self.order[r.display] for r in self.rows if r.selected]

    def set_selected(self, deck_indices: tuple[int, ...]) -> None:
        for r in self.rows:
            r.set_selected(self.order[r.display] in deck_indices)
        self._update_submit()

    def struck(self) -> set[int]:
        return {r.display for r in self.rows if r.struck}

    def set_struck(self, displays: set[int]) -> None:
        for r in self.rows:
            if (r.display in displays) != r.struck:
                r.toggle_strike()

    def can_submit(self) -> bool:
        if self.answered:
            return False
        if self.confidence_enabled and not self.exam and self.confidence is None:
            return False
        return bool(self.selected())  # a blank answer is never submitted (the rulebook)

    def _update_submit(self) -> None:
        self.submit_button.setEnabled(self.can_submit())
        if self.answered:
            return
        if not self.selected():
            self.status.setText("Choose at least one option first." if self.multi
                                else "Choose an option first.")
        elif self.confidence_enabled and not self.exam and self.confidence is None:
            self.status.setText("Now say how sure you are (1–3).")
        else:
            self.status.setText("Press Enter to submit.")

    # -- output --------------------------------------------------------------------------

    def show_state(self, selected: tuple[int, ...], struck: frozenset[int], confidence: int | None,
               can_submit: bool, hint: str) -> None:
        """Show state decided elsewhere (the study engine's view of this question)."""
        for r in self.rows:
            r.set_selected(self.order[r.display] in selected)
        self.set_struck(set(struck))
        self.confidence = confidence
        if confidence is not None:
            self.conf_buttons[confidence].setChecked(True)
        if not self.answered:
            self.submit_button.setEnabled(can_submit)
            self.status.setText(hint)

    def lock(self, text: str = "") -> None:
        self.answered = True
        for r in self.rows:
            r.locked = True
        for b in self.conf_buttons.values():
            b.setEnabled(False)
        self.submit_button.hide()
        self.status.setText(text)

    def show_feedback(self, mark: Mark, selected: tuple[int, ...], sources: str = "",
                      preview: bool = False) -> None:
        """Mark every option, show every explanation, the objective and the source."""
        self.lock()
        for r in self.rows:
            deck_index = self.order[r.display]
            opt = self.q.options[deck_index]
            r.show_result(opt.correct, deck_index in selected, opt.explanation, preview)
        while self.feedback_layout.count():
            item = self.feedback_layout.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        right = [LETTERS[r.display] for r in self.rows if self.q.options[self.order[r.display]]
                 .correct]
        answered = bool(selected) or bool(preview)
        said, kind = verdict(mark, self.multi, answered)
        symbol = {"correct": "✔", "partial": "◐", "wrong": "✘", "unanswered": "○"}[kind]
        text = f"{symbol} {said}"
        if kind != "correct":
            text += f" — the answer is {', '.join(right) or 'none'}"
        role = "verdict-correct" if kind == "correct" else "verdict-incorrect"
        self.verdict.setText(text)
        self.verdict.setProperty("role", role)
        self.verdict.setAccessibleName(text)
        restyle(self.verdict)
        self.verdict.setVisible(not preview)
        self.hint.hide()
        if self.multi:
            self.feedback_layout.addWidget(label(
                "Select-all questions: each option is a separate true/false judgement; "
                + ("with certainty-based marks only a fully right answer scores."
                   if mark.confidence else "partial credit is the share judged right."),
                "muted"))
        if self.q.explanation:
            self.feedback_layout.addWidget(Markdown(self.q.explanation))
        if self.q.objective:
            self.feedback_layout.addWidget(Markdown(f"**Learning objective:** {self.q.objective}"))
        if sources:
            self.feedback_layout.addWidget(Markdown(sources, "muted"))
        self.feedback.show()
        self.status.setText("")


class InkLabel(QLabel):
    """A one-line label never narrower than its text's ink: a label sized by the text's
    advance cut the "o" of "To" (kerned under the T) to a "c" beside the date box."""

    def _ink(self) -> int:
        text = self.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        r = self.fontMetrics().boundingRect(text)
        return max(r.right(), r.width()) + 2 - min(0, r.left())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(max(hint.width(), self._ink()), hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), self._ink()), hint.height())
