"""Light and dark palettes, the spacing scale and the few colours that carry meaning.

Correct and incorrect use the Okabe-Ito colour-blind-safe pair (bluish green and vermillion)
and are never shown by colour alone: every mark also has a symbol and a word.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

SPACE = 8  # the spacing unit: margins and gaps are multiples of it
TEXT_WIDTH = 760  # pixels: a readable measure for stems and explanations (about 90 characters)
#: the platform's palette, kept by :func:`apply_look` before it first sets quizapp's own (a
#: Python reference: storing it as an application property would build the Qt namespace)
_system_palette: list[QPalette] = []


class Colors(NamedTuple):  # not a dataclass: dataclasses is not imported before the first frame
    correct: str
    incorrect: str
    correct_bg: str
    incorrect_bg: str
    selected_bg: str
    muted: str
    card_bg: str
    border: str
    accent: str
    flag: str
    warning_bg: str


LIGHT = Colors(
    correct="#00795a", incorrect="#b34700", correct_bg="#e3f4ee", incorrect_bg="#fbe9df",
    selected_bg="#dce8f8", muted="#5f6368", card_bg="#ffffff", border="#c9cdd2",
    accent="#1f5fbf", flag="#b07d00", warning_bg="#fff4d6",
)
DARK = Colors(
    correct="#4cc9a0", incorrect="#ff9a5c", correct_bg="#143a30", incorrect_bg="#44261a",
    selected_bg="#233a5a", muted="#a0a6ad", card_bg="#262a30", border="#4a5058",
    accent="#7fb0ff", flag="#f0c040", warning_bg="#4a3d10",
)


def system_is_dark() -> bool:
    """The desktop asks for dark colours: the platform's palette (the application's own
    before :func:`apply_look` first replaced it) has a darker window than its text. Qt
    derives that palette from the colour scheme ``QStyleHints.colorScheme()`` reports; the
    palette is read because its enums are already there before the first frame, where
    ``Qt.ColorScheme`` would build the whole ``Qt`` namespace (see :mod:`quizapp.ui.app`)."""
    p = _system_palette[0] if _system_palette else QGuiApplication.palette()
    return p.color(QPalette.ColorRole.Window).lightness() < \
        p.color(QPalette.ColorRole.WindowText).lightness()


def resolve(theme: str) -> str:
    """'light', 'dark' or 'system' -> 'light' or 'dark'."""
    if theme in ("light", "dark"):
        return theme
    return "dark" if system_is_dark() else "light"


def colors(theme: str) -> Colors:
    return DARK if resolve(theme) == "dark" else LIGHT


def palette(theme: str) -> QPalette:
    dark = resolve(theme) == "dark"
    p = QPalette()
    if dark:
        base, window, text = QColor("#1e2126"), QColor("#181a1e"), QColor("#e8eaed")
        button, highlight = QColor("#2c3037"), QColor("#3d6fb8")
        disabled = QColor("#7a8088")
    else:
        base, window, text = QColor("#ffffff"), QColor("#f4f5f7"), QColor("#1d1f23")
        button, highlight = QColor("#eceef1"), QColor("#2f6fd0")
        disabled = QColor("#9aa0a6")
    p.setColor(QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorRole.WindowText, text)
    p.setColor(QPalette.ColorRole.Base, base)
    p.setColor(QPalette.ColorRole.AlternateBase, window)
    p.setColor(QPalette.ColorRole.Text, text)
    p.setColor(QPalette.ColorRole.Button, button)
    p.setColor(QPalette.ColorRole.ButtonText, text)
    p.setColor(QPalette.ColorRole.Highlight, highlight)
    p.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    p.setColor(QPalette.ColorRole.ToolTipBase, base)
    p.setColor(QPalette.ColorRole.ToolTipText, text)
    p.setColor(QPalette.ColorRole.PlaceholderText, disabled)
    p.setColor(QPalette.ColorRole.Link, QColor(colors(theme).accent))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                 QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def stylesheet(theme: str, base_pt: float = 10.0) -> str:
    """The app style sheet; text sizes scale with ``base_pt`` (the zoomed font size)."""
    c = colors(theme)
    return f"""
    QLabel[role="title"] {{ font-size: {base_pt * 1.5:.1f}pt; font-weight: 600; }}
    QLabel[role="subtitle"] {{ font-size: {base_pt * 1.15:.1f}pt; font-weight: 600; }}
    QLabel[role="muted"], Markdown[role="muted"] {{ color: {c.muted}; }}
    QLabel[role="stem"], Markdown[role="stem"] {{ font-size: {base_pt * 1.12:.1f}pt; }}
    Markdown {{ background: transparent; border: none; }}
    QFrame[role="card"] {{ background: {c.card_bg}; border: 1px solid {c.border};
                           border-radius: 8px; }}
    QFrame[role="banner"] {{ background: {c.warning_bg}; border: 1px solid {c.border};
                             border-radius: 6px; }}
    QFrame[role="option"] {{ background: {c.card_bg}; border: 1px solid {c.border};
                             border-radius: 6px; }}
    QFrame[role="option"][state="selected"] {{ background: {c.selected_bg};
                             border: 2px solid {c.accent}; }}
    QFrame[role="option"][state="correct"] {{ background: {c.correct_bg};
                             border: 2px solid {c.correct}; }}
    QFrame[role="option"][state="incorrect"] {{ background: {c.incorrect_bg};
                             border: 2px solid {c.incorrect}; }}
    QFrame[role="option"][state="missed"] {{ background: {c.card_bg};
                             border: 2px dashed {c.correct}; }}
    QLabel[role="verdict-correct"] {{ color: {c.correct}; font-weight: 600; }}
    QLabel[role="verdict-incorrect"] {{ color: {c.incorrect}; font-weight: 600; }}
    QLabel[role="letter"] {{ font-weight: 700; min-width: 1.6em; }}
    QPushButton {{ padding: 6px 14px; }}
    QPushButton[role="primary"] {{ font-weight: 600; }}
    QToolButton[role="nav"] {{ min-width: 2.4em; min-height: 2.0em; border: 1px solid {c.border};
                               border-radius: 4px; }}
    QToolButton[role="nav"][answered="true"] {{ background: {c.selected_bg}; }}
    QToolButton[role="nav"][current="true"] {{ border: 2px solid {c.accent}; font-weight: 700; }}
    """ + (_dark_indicators(c) if resolve(theme) == "dark" else "")


def _dark_indicators(c: Colors) -> str:
    """Fusion draws an unticked box or radio button dark-on-dark (its outline is the window
    colour, darker): in the dark theme they are drawn here, light-edged and easy to see."""
    from quizapp.core.paths import resources_dir

    check = (resources_dir() / "check-mark.svg").as_posix()
    box = f"width: 14px; height: 14px; border: 1.5px solid {c.muted}; background: #1e2126;"
    return f"""
    QCheckBox::indicator {{ {box} border-radius: 3px; }}
    QListView::indicator, QTableView::indicator {{ width: 11px; height: 11px;
        border: 1px solid {c.muted}; background: #1e2126; border-radius: 2px; }}
    QCheckBox::indicator:checked, QListView::indicator:checked,
    QTableView::indicator:checked {{ background: {c.accent}; border-color: {c.accent};
        image: url("{check}"); }}
    QRadioButton::indicator {{ {box} border-radius: 8px; }}
    QRadioButton::indicator:checked {{ border-color: {c.accent}; background: qradialgradient(
        cx: 0.5, cy: 0.5, radius: 0.5, fx: 0.5, fy: 0.5, stop: 0 {c.accent},
        stop: 0.45 {c.accent}, stop: 0.55 #1e2126, stop: 1 #1e2126); }}
    QCheckBox::indicator:disabled, QRadioButton::indicator:disabled {{ border-color: {c.border};
        }}
    """


def apply_look(app: QApplication, theme_name: str, zoom: float) -> None:
    """Give the whole application the theme's palette and style sheet, at ``zoom`` times the
    base font size."""
    if not _system_palette:  # the platform's, for the "system" theme
        _system_palette.append(app.palette())  # a copy (QPalette(...) would build Qt)
    app.setPalette(palette(theme_name))
    if app.property("base_font") is None:  # the platform's, before any zoom
        app.setProperty("base_font", QFont(app.font()))
    font = QFont(app.property("base_font"))
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * zoom)
    app.setFont(font)
    app.setStyleSheet(stylesheet(theme_name, font.pointSizeF() if font.pointSizeF() > 0
                                 else 10.0))


THEMES = ("system", "light", "dark")


def saved_theme(settings: QSettings) -> str:
    """The theme chosen in View (``system`` when none, or a hand-edited unknown one)."""
    name = str(settings.value("view/theme", "system"))
    return name if name in THEMES else "system"


def saved_zoom(settings: QSettings) -> float:
    """The text size chosen in View, as a factor (1.0 when none, or unreadable; kept within
    0.5 and 3, so a hand-edited settings file cannot make the window unusable)."""
    try:
        zoom = float(str(settings.value("view/zoom", 1.0)))
    except (TypeError, ValueError):
        return 1.0
    return zoom if 0.5 <= zoom <= 3.0 else 1.0
