"""The Statistics page's charts: each ``draw_*`` function draws one chart of a
:class:`~quizapp.core.dashboard.Dashboard` into a pyqtgraph plot and returns the legend and the
note shown under it; plus the small text formatters the page shares with them.

pyqtgraph is imported inside the functions that draw (never at module level), so importing this
module costs nothing. The page (:mod:`quizapp.ui.pages.stats`) owns the widgets, the colours of
the current theme and what is shown when a chart has nothing to draw.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QStackedWidget, QVBoxLayout, QWidget

from quizapp.core.dashboard import FORECAST_DAYS, Bucket, Dashboard, MasteryRow, time_bin_labels
from quizapp.core.scoring import calibration_band, duration_text
from quizapp.core.sessionmodel import MODE_LABELS
from quizapp.ui import theme as look
from quizapp.ui.theme import SPACE
from quizapp.ui.widgets import CONFIDENCE_LABELS, label

#: Okabe-Ito colours per mode (colour-blind safe); the dark theme uses lighter tints.
MODE_COLORS = {
    "light": {"flashcards": "#0072b2", "tutor": "#cc79a7", "exam": "#e69f00"},
    "dark": {"flashcards": "#56b4e9", "tutor": "#e6a0c8", "exam": "#f0c050"},
}
MAX_TAG_BARS = 15
MAX_DECK_BARS = 12

#: A chart's colours by role ("fg", "bg", "muted", "grid", "accent", "correct", "incorrect",
#: "flag", "band"), as the page takes them from the current theme.
Palette = Mapping[str, str]
#: One legend entry: (colour, text) or (colour, text, mark).
LegendPart = tuple[str, str] | tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class ChartText:
    """What the page shows under a drawn chart: the legend and a note (also the plot's
    accessible description)."""

    legend: list[LegendPart]
    note: str


def palette(theme: str) -> dict[str, str]:
    """The charts' colours by role in ``theme`` ("light" or "dark")."""
    c = look.colors(theme)
    pal = look.palette(theme)
    return {
        "fg": pal.color(QPalette.ColorRole.WindowText).name(),
        "bg": c.card_bg,
        "muted": c.muted,
        "grid": c.border,
        "accent": c.accent,
        "correct": c.correct,
        "incorrect": c.incorrect,
        "flag": c.flag,
        "band": c.correct_bg,
    }


class ChartPanel(QWidget):
    """One chart tab: an optional row of controls, then a frame (what "Export chart as PNG"
    saves) with the chart's plots -- or a message in their place -- its legend and a note."""

    def __init__(self, header: QLayout | None = None) -> None:
        super().__init__()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, SPACE, 0, 0)
        lay.setSpacing(SPACE // 2)
        if header is not None:
            lay.addLayout(header)
        self.frame = QWidget()
        self.frame.setAutoFillBackground(True)
        fl = QVBoxLayout(self.frame)
        fl.setContentsMargins(SPACE, SPACE, SPACE, SPACE)
        fl.setSpacing(SPACE // 2)
        self.stack = QStackedWidget()
        holder = QWidget()
        self._holder = QHBoxLayout(holder)
        self._holder.setContentsMargins(0, 0, 0, 0)
        self._holder.setSpacing(SPACE)
        self.stack.addWidget(holder)
        self.empty = label("", "subtitle")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.empty)
        fl.addWidget(self.stack, 1)
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.hide()
        fl.addWidget(self.legend)
        self.note = label("", "muted")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        fl.addWidget(self.note)
        lay.addWidget(self.frame, 1)
        self.plots: dict[int, Any] = {}

    def plot(self, slot: int = 0) -> Any:
        """The ``slot``-th plot, created (and pyqtgraph imported) on first use."""
        plot = self.plots.get(slot)
        if plot is None:
            import pyqtgraph as pg

            pg.setConfigOptions(antialias=True)
            plot = pg.PlotWidget()
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.getPlotItem().layout.setContentsMargins(4, 4, 12, 4)
            plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            plot.setMinimumHeight(160)
            self._holder.addWidget(plot, 1)
            self.plots[slot] = plot
        return plot

    def set_empty(self, text: str | None) -> bool:
        """Show ``text`` instead of the chart (True) or the chart itself (False)."""
        self.empty.setText(text or "")
        self.stack.setCurrentIndex(1 if text else 0)
        if text:
            self.legend.hide()
            self.note.setText("")
        return bool(text)

    def show_text(self, text: ChartText) -> None:
        """Put a drawn chart's legend and note under it (the note also describes the plots)."""
        parts = text.legend
        self.legend.setText("&nbsp;&nbsp;&nbsp;&nbsp;".join(swatch(*part) for part in parts))
        self.legend.setAccessibleName("Legend: " + ", ".join(part[1] for part in parts))
        self.legend.setVisible(bool(parts))
        self.note.setText(text.note)
        for plot in self.plots.values():
            plot.setAccessibleDescription(text.note)

    def set_background(self, color: QColor) -> None:
        pal = self.frame.palette()
        pal.setColor(QPalette.ColorRole.Window, color)
        self.frame.setPalette(pal)


def pct(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.0f}%"


def day(d: date) -> str:
    return f"{d.day} {d:%b}"


def clip(text: str, width: int = 26) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def date_ticks(starts: Sequence[date], most: int = 8) -> list[tuple[float, str]]:
    """Tick labels for a day or week axis (x = index into ``starts``): evenly spaced dates
    for up to four months, month names (with the year where it changes) beyond that."""
    n = len(starts)
    if not n:
        return []
    if (starts[-1] - starts[0]).days > 120:
        firsts = [i for i in range(n) if i == 0 or starts[i].month != starts[i - 1].month]
        if starts[0].day > 7 and len(firsts) > 1:
            firsts = firsts[1:]  # a month that barely shows would crowd the next label
        every = next(k for k in (1, 2, 3, 6, 12, 24, 60) if len(firsts) / k <= most + 2)
        ticks = []
        last_year = None
        for i in firsts[::every]:
            d = starts[i]
            ticks.append((float(i), f"{d:%b} {d.year}" if d.year != last_year else f"{d:%b}"))
            last_year = d.year
        return ticks
    step = max(1, math.ceil(n / most))
    idx = list(range(0, n, step))
    if n - 1 - idx[-1] >= step / 2:
        idx.append(n - 1)
    return [(float(i), day(starts[i])) for i in idx]


def swatch(color: str, text: str, mark: str = "■") -> str:
    return (f'<span style="color:{color}; font-size:14pt">{mark}</span>&nbsp;'
            f"{html.escape(text)}")



def _text_pt(p: Palette) -> float:
    try:
        return float(p.get("text_pt", "0"))
    except ValueError:
        return 0.0


def text_item(text: str, color: str, anchor: tuple[float, float], p: Palette) -> Any:
    """A figure written on a chart, at the page's (zoomed) text size (``p["text_pt"]``)."""
    import pyqtgraph as pg
    from PySide6.QtGui import QFont

    item = pg.TextItem(text, color=color, anchor=anchor)
    body = _text_pt(p)
    if body > 0:
        font = QFont()
        font.setPointSizeF(body)
        item.setFont(font)
    return item


def style(plot: Any, p: Palette, title: str, left: str, bottom: str) -> None:
    """Clear ``plot`` and give it the theme's colours, a title and axis labels."""
    import pyqtgraph as pg

    plot.clear()
    plot.setBackground(p["bg"])
    item = plot.getPlotItem()
    body = _text_pt(p)  # the zoomed text size: titles follow it
    item.setTitle(html.escape(title), color=p["fg"],
                  size=f"{body + 2:g}pt" if body > 0 else "11pt")
    for side, text in (("left", left), ("bottom", bottom)):
        ax = plot.getAxis(side)
        ax.setPen(pg.mkPen(p["grid"]))
        ax.setTextPen(pg.mkPen(p["fg"]))
        ax.setLabel(text, color=p["muted"])
        ax.setTicks(None)
    plot.showGrid(x=False, y=True, alpha=0.3)
    plot.setAccessibleName(title)


def draw_accuracy(plot: Any, d: Dashboard, p: Palette, *, scope: str, weekly: bool
                  ) -> ChartText:
    """Share of right answers per day (or week), dots sized by the number of answers."""
    import pyqtgraph as pg

    buckets: tuple[Bucket, ...] = d.weeks if weekly else d.days
    unit = "week" if weekly else "day"
    style(plot, p, f"Accuracy per {unit} — {scope}", "Right (%)",
          "Week starting" if weekly else "Day")
    xs = [float(i) for i in range(len(buckets))]
    ys = [b.accuracy * 100 if b.accuracy is not None else math.nan for b in buckets]
    most = max((b.total for b in buckets), default=1) or 1
    sizes = [6 + 8 * math.sqrt(b.total / most) for b in buckets]
    plot.addItem(pg.PlotDataItem(xs, ys, pen=pg.mkPen(p["accent"], width=2),
                                 connect="finite"))
    pts = [(x, y, s) for x, y, s in zip(xs, ys, sizes, strict=True) if not math.isnan(y)]
    plot.addItem(pg.ScatterPlotItem(
        [q[0] for q in pts], [q[1] for q in pts], size=[q[2] for q in pts],
        brush=pg.mkBrush(p["accent"]), pen=pg.mkPen(p["bg"], width=1)))
    overall = d.totals.accuracy
    if overall is not None:
        line = pg.InfiniteLine(overall * 100, angle=0, pen=pg.mkPen(
            p["muted"], width=1, style=Qt.PenStyle.DashLine))
        plot.addItem(line)
    plot.getAxis("bottom").setTicks([date_ticks([b.start for b in buckets])])
    plot.setYRange(0, 100, padding=0.05)
    plot.setXRange(-0.5, max(len(xs) - 0.5, 0.5), padding=0.02)
    answered = [b for b in buckets if b.total]
    busy = [b for b in answered if b.total >= 5] or answered  # 1 of 1 is no "best day"
    best = max(busy, key=lambda b: (b.accuracy or 0, b.total))
    n = len(answered)
    return ChartText(
        [(p["accent"], f"Right per {unit}", "●"),
         (p["muted"], f"Average over the period: {pct(overall)}", "╌╌")],
        f"{d.totals.correct:,} of {d.totals.attempts:,} answers right ({pct(overall)}) on "
        f"{n} {unit}{'' if n == 1 else 's'}. Bigger dots mean more answers that {unit}. "
        f"Best {unit}: {day(best.start)} ({pct(best.accuracy)} of {best.total}).")


def draw_reviews(plot: Any, d: Dashboard, p: Palette, *, scope: str) -> ChartText:
    """Answers per day, right stacked under wrong."""
    import pyqtgraph as pg

    style(plot, p, f"Answers per day — {scope}", "Answers", "Day")
    xs = list(range(len(d.days)))
    right = [b.correct for b in d.days]
    wrong = [b.wrong for b in d.days]
    width = 0.8 if len(xs) < 200 else 1.0
    plot.addItem(pg.BarGraphItem(x=xs, height=right, width=width,
                                 brush=pg.mkBrush(p["correct"]), pen=pg.mkPen(None)))
    plot.addItem(pg.BarGraphItem(x=xs, y0=right, height=wrong, width=width,
                                 brush=pg.mkBrush(p["incorrect"]), pen=pg.mkPen(None)))
    plot.getAxis("bottom").setTicks([date_ticks([b.start for b in d.days])])
    top = max((b.total for b in d.days), default=1)
    plot.setYRange(0, max(top, 1), padding=0.08)
    plot.setXRange(-0.5, max(len(xs) - 0.5, 0.5), padding=0.02)
    busiest = max(d.days, key=lambda b: b.total)
    return ChartText(
        [(p["correct"], "Right"), (p["incorrect"], "Wrong")],
        f"{d.totals.attempts:,} answers on {d.totals.active_days} of {len(d.days)} days, "
        f"{d.totals.attempts / max(1, len(d.days)):.0f} a day on average. Busiest day: "
        f"{day(busiest.start)} ({busiest.total:,}).")


def draw_forecast(plot: Any, d: Dashboard, p: Palette, *, deck: str) -> ChartText:
    """Items due on each of the next FORECAST_DAYS days (today's overdue included)."""
    import pyqtgraph as pg

    style(plot, p, f"Due in the next {FORECAST_DAYS} days — {deck}", "Items due", "Day")
    xs = list(range(len(d.forecast)))
    brushes = [pg.mkBrush(p["flag"] if i == 0 else p["accent"]) for i in xs]
    plot.addItem(pg.BarGraphItem(x=xs, height=list(d.forecast), width=0.75,
                                 brushes=brushes, pen=pg.mkPen(None)))
    days = [d.today + timedelta(days=i) for i in xs]
    ticks = [(0.0, "Today")] + [(float(i), day(days[i])) for i in range(7, len(xs), 7)]
    plot.getAxis("bottom").setTicks([ticks])
    plot.setYRange(0, max(max(d.forecast), 1), padding=0.08)
    plot.setXRange(-0.6, len(xs) - 0.4, padding=0.01)
    today = text_item(f"{d.forecast[0]:,}", p["fg"], (0.5, 1), p)
    today.setPos(0, d.forecast[0])
    plot.addItem(today)
    return ChartText(
        [(p["flag"], "Today (overdue included)"), (p["accent"], "Later days")],
        f"{d.forecast[0]:,} due today, {sum(d.forecast[:7]):,} within 7 days, "
        f"{sum(d.forecast):,} within {FORECAST_DAYS} days. Reviewing a little every day "
        "keeps these bars low.")


def draw_mastery(deck_plot: Any, tag_plot: Any, d: Dashboard, p: Palette, *, light: bool
                 ) -> ChartText:
    """Mastery of the answered decks and of the weakest tags, as horizontal bars; the tag
    plot is hidden when no tag was answered."""
    decks = [r for r in d.decks if r.seen][:MAX_DECK_BARS]
    tags = [r for r in d.tags if r.seen][:MAX_TAG_BARS]
    hbars(deck_plot, p, "By deck", decks, light=light)
    shown = sum(1 for r in d.tags if r.seen)
    if tags:
        extra = f" ({len(tags)} weakest of {shown})" if shown > len(tags) else ""
        hbars(tag_plot, p, f"By tag{extra}", tags, light=light)
        tag_plot.show()
    else:
        tag_plot.hide()
    weakest = d.weakest[0]
    return ChartText(
        [(p["incorrect"], "Under 60%"), (p["accent"], "60–79%"), (p["correct"], "80% or more")],
        "Mastery: of the items you answered in this period, the share you got right the "
        f"last time. Weakest: {weakest.kind} “{weakest.label}” ({pct(weakest.mastery)}, "
        f"{weakest.mastered} of {weakest.seen}). Click it in the list on the right to "
        "practise.")


def hbars(plot: Any, p: Palette, title: str, rows: Sequence[MasteryRow], *, light: bool
          ) -> None:
    """One horizontal bar per row, weakest at the top, labelled with its share."""
    import pyqtgraph as pg

    style(plot, p, title, "", "Mastery (%)")
    n = len(rows)
    slots = max(n, 5)  # a lone deck gets a bar, not a wall
    ys = [float(slots - 1 - i) for i in range(n)]  # weakest at the top
    values = [(r.mastery or 0.0) * 100 for r in rows]
    inside = "#ffffff" if light else p["bg"]
    plot.addItem(pg.BarGraphItem(x0=0, y=ys, height=0.7, width=values,
                                 brushes=[pg.mkBrush(mastery_colour(p, v))
                                          for v in values], pen=pg.mkPen(None)))
    for y, v, r in zip(ys, values, rows, strict=True):
        label_text = f"{v:.0f}%  ({r.mastered:,} of {r.seen:,})"
        if v >= 50:  # inside the bar's end
            text = text_item(label_text, inside, (1, 0.5), p)
            text.setPos(v - 1.5, y)
        else:
            text = text_item(label_text, p["fg"], (0, 0.5), p)
            text.setPos(v + 1.5, y)
        plot.addItem(text)
    plot.getAxis("left").setTicks([[(y, clip(r.label, 24)) for y, r in
                                    zip(ys, rows, strict=True)]])
    plot.getAxis("bottom").setTicks([[(float(v), f"{v}") for v in range(0, 101, 20)]])
    plot.showGrid(x=False, y=False)  # grid lines would cross the labels in the bars
    plot.setXRange(-1, 106, padding=0)
    plot.setYRange(-0.6, slots - 0.4, padding=0)


def mastery_colour(p: Palette, percent: float) -> str:
    """Under 60% (as shown, rounded): the incorrect colour; 80% and up: correct."""
    shown = round(percent)
    return p["incorrect"] if shown < 60 else p["accent"] if shown < 80 else p["correct"]


def draw_calibration(plot: Any, d: Dashboard, p: Palette, *, scope: str) -> ChartText:
    """Share of right answers at each confidence level against its ideal range."""
    import pyqtgraph as pg

    style(plot, p, f"Right answers at each confidence level — {scope}",
          "Right (%)", "How sure you said you were")
    xs = [float(b.confidence) for b in d.calibration]
    lows = [b.ideal_low * 100 for b in d.calibration]
    highs = [b.ideal_high * 100 for b in d.calibration]
    band = QColor(p["correct"])
    band.setAlpha(50)
    plot.addItem(pg.BarGraphItem(
        x=xs, y0=lows, height=[h - lo for lo, h in zip(lows, highs, strict=True)],
        width=0.8, brush=pg.mkBrush(band),
        pen=pg.mkPen(p["correct"], width=1, style=Qt.PenStyle.DashLine)))
    shares = [(b.share or 0.0) * 100 for b in d.calibration]
    plot.addItem(pg.BarGraphItem(x=xs, height=shares, width=0.4,
                                 brush=pg.mkBrush(p["accent"]), pen=pg.mkPen(None)))
    for b, x, v in zip(d.calibration, xs, shares, strict=True):
        text = text_item(f"{v:.0f}% of {b.total}" if b.total else "no answers",
                         p["fg"], (0.5, 1), p)
        text.setPos(x, v + 1)
        plot.addItem(text)
    plot.getAxis("bottom").setTicks([[(float(c), f"{c} · {CONFIDENCE_LABELS[c]}")
                                      for c in (1, 2, 3)]])
    plot.setYRange(-4, 108, padding=0)  # room for the "0" tick label
    plot.setXRange(0.4, 3.6, padding=0)
    lines = [verdict_line(b) for b in d.calibration if b.total]
    return ChartText(
        [(p["accent"], "Your answers: share right"),
         (p["correct"], "Ideal range for that level")],
        "\n".join(lines) + "\nCertainty-based marks: right +1/+2/+3, wrong 0/−2/−6. "
        "“Fairly sure” pays from 67% right, “Sure” from 80%.")


def verdict_line(b: Any) -> str:
    """One confidence level's verdict in words."""
    name = f"{b.confidence} · {CONFIDENCE_LABELS[b.confidence]}"
    share = pct(b.share)
    ideal = calibration_band(b.confidence)
    v = b.verdict
    if v == "too few answers":
        return f"{name}: {b.total} answer(s) so far — too few to judge."
    if v == "overconfident":
        return (f"{name}: right {share} of {b.total} times; ideal is {ideal}. "
                "Overconfident — when in doubt, pick a lower level.")
    if v == "underconfident":
        return (f"{name}: right {share} of {b.total} times; ideal is {ideal}. "
                "You know more than you think — a higher level would earn more marks.")
    return f"{name}: right {share} of {b.total} times; ideal is {ideal}. Well judged."


def draw_time(plot: Any, d: Dashboard, p: Palette, *, scope: str, theme: str) -> ChartText:
    """How long answers took, per mode, as shares of that mode's answers."""
    import pyqtgraph as pg

    stats = [t for t in d.times if t.count]
    colours = MODE_COLORS[theme]
    style(plot, p, f"Time per answer — {scope}", "Share of answers (%)", "Time taken")
    labels = time_bin_labels()
    n = len(stats)
    width = 0.8 / n
    top = 0.0
    for k, t in enumerate(stats):
        xs = [i - 0.4 + width * (k + 0.5) for i in range(len(labels))]
        ys = [100 * c / t.count for c in t.histogram]
        top = max(top, *ys)
        plot.addItem(pg.BarGraphItem(x=xs, height=ys, width=width * 0.92,
                                     brush=pg.mkBrush(colours[t.mode]), pen=pg.mkPen(None)))
    plot.getAxis("bottom").setTicks([[(float(i), s) for i, s in enumerate(labels)]])
    plot.setYRange(0, max(top, 1), padding=0.08)
    plot.setXRange(-0.6, len(labels) - 0.4, padding=0)
    return ChartText(
        [(colours[t.mode], f"{MODE_LABELS.get(t.mode, t.mode)}: median "
          f"{duration_text(t.median_ms or 0)} ({t.count:,} answers)") for t in stats],
        "How long each answer took, as a share of that mode's answers. "
        + " ".join(f"{MODE_LABELS.get(t.mode, t.mode)}: half your answers took under "
                   f"{duration_text(t.median_ms or 0)}, 9 in 10 under "
                   f"{duration_text(t.p90_ms or 0)}." for t in stats))
