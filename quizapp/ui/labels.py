"""Plain-text labels and tooltips: what the first window needs, without the card widgets of
:mod:`quizapp.ui.widgets` (which re-exports both)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

__all__ = ["label", "plain_tooltip"]

#: Qt.TextFormat.PlainText, set through the property: the first window's labels come from
#: here, and naming the enum would build the whole ``Qt`` namespace first (see quizapp.ui.app)
_PLAIN_TEXT = 0


def label(text: str, role: str | None = None) -> QLabel:
    """A label for plain text: deck and case titles, ids and messages are shown as written,
    never read as HTML (a QLabel would otherwise load an ``<img src=...>`` in a title)."""
    w = QLabel(text)
    w.setProperty("textFormat", _PLAIN_TEXT)
    w.setWordWrap(True)
    if role:
        w.setProperty("role", role)
    return w


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` as written. Qt reads a tooltip as HTML when its first line
    holds something like a tag, and would then load an ``<img src=...>`` in a deck or tag
    name; escaped, nothing in it is markup."""
    # as html.escape(text, quote=False), without importing html before the first paint
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "<p style='white-space:pre-wrap'>" + escaped + "</p>"
