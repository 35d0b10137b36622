"""Progress dashboard benchmark: ``python tests/benchmarks/bench_dashboard.py``.

Prints, for a store of 100,000 attempts over 10,000 units (a year of mixed flashcard, tutor and
exam answers, 60% of questions with a confidence rating, 25 tags):

* the time to generate that store (its snapshot is written directly in the documented format,
  as ``bench_store.py`` does, not by 100,000 fsyncs) and to open it;
* pyqtgraph's first import, in a fresh interpreter that has already imported Qt Widgets;
* :func:`quizapp.core.dashboard.compute` for all time and for the last 30 days;
* opening the Stats page after pyqtgraph is imported: build the page, compute, draw the
  visible chart and paint the whole page offscreen (target: under 300 ms), then a refresh
  and a switch to each other chart tab.
"""

from __future__ import annotations

import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from quizapp.core.dashboard import Filters, compute  # noqa: E402
from quizapp.core.model import Deck, Flashcard, Item, Option, Question  # noqa: E402
from quizapp.core.scheduling import Rating, Scheduler, format_timestamp  # noqa: E402
from quizapp.core.store import Store  # noqa: E402

ATTEMPTS = 100_000
UNITS = 10_000
TAGS = 25
TARGET_S = 0.300
NOW = datetime.now(timezone.utc)


def line(name: str, seconds: float, note: str = "") -> None:
    print(f"  {name:<46}{seconds * 1000:9.2f} ms  {note}", flush=True)


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_deck() -> Deck:
    """10,000 items: 40% flashcards, 60% single-answer questions, one of 25 tags each."""
    items: list[Item] = []
    for i in range(UNITS):
        tags = (f"topic-{i % TAGS:02d}",)
        if i % 5 < 2:
            items.append(Flashcard(id=f"i{i}", front=f"Front {i}", back=f"Back {i}", tags=tags))
        else:
            items.append(Question(id=f"i{i}", kind="single", stem=f"Stem {i}", tags=tags,
                                  options=(Option("right", True), Option("wrong", False))))
    return Deck(id="bench", title="Benchmark deck (10,000 items)", sources={},
                items=tuple(items))


def write_store(folder: Path, deck: Deck) -> Path:
    """A year of history: ``ATTEMPTS`` attempts over the deck's units, oldest first."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20250310)
    units = deck.study_units()
    flash = {it.id for it in deck.items if isinstance(it, Flashcard)}
    start = NOW - timedelta(days=365)
    step = timedelta(days=365) / ATTEMPTS
    skill = [rng.uniform(0.45, 0.95) for _ in range(TAGS)]
    records = []
    last: dict[str, tuple[bool, str]] = {}
    for i in range(ATTEMPTS):
        unit = units[rng.randrange(UNITS)]
        is_flash = unit.item_id in flash
        ok = rng.random() < skill[int(unit.item_id[1:]) % TAGS]
        mode = "flashcards" if is_flash else ("tutor" if rng.random() < 0.7 else "exam")
        conf = None if is_flash or rng.random() < 0.4 else rng.choice((1, 2, 2, 3, 3, 3))
        stamp = format_timestamp(start + step * i)
        records.append({
            "id": uuid.uuid4().hex, "deck_id": unit.deck_id, "item_id": unit.item_id,
            "part": unit.part, "answer": "Good" if is_flash else ["A" if ok else "B"],
            "correct": ok, "marks": 1.0 if ok else 0.0, "confidence": conf, "mode": mode,
            "time_ms": int(rng.lognormvariate(2.3 if is_flash else 3.3, 0.6) * 1000),
            "timestamp": stamp, "session_id": None, "rating": 3 if ok else 1,
        })  # fmt: skip
        last[unit.key] = (ok, stamp)
    scheduler = Scheduler()
    items: dict[str, dict[str, Any]] = {}
    for key, (ok, stamp) in last.items():
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        card = scheduler.review(None, Rating.GOOD if ok else Rating.AGAIN, when)
        items[key] = {"fsrs": card, "flagged": False, "last_correct": ok, "last_seen": stamp,
                      "updated": stamp, "undo": []}
    doc = {"format": 1, "seq": ATTEMPTS, "attempts": records, "sessions": {}, "items": items,
           "undone": [], "pending_session": None}
    path = folder / "progress.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def first_import_time() -> float:
    """Seconds to import pyqtgraph in a fresh interpreter that already has Qt Widgets."""
    code = ("import time, PySide6.QtWidgets; t = time.perf_counter(); import pyqtgraph; "
            "print(time.perf_counter() - t)")
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, timeout=120, env={**os.environ})
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return min(runs)


def main(tmp: Path) -> None:
    print(f"Progress dashboard: {ATTEMPTS:,} attempts over {UNITS:,} units")
    deck = bench_deck()
    t0 = time.perf_counter()
    path = write_store(tmp / "dashboard-100k", deck)
    line("generate the 100k-attempt store", time.perf_counter() - t0,
         f"snapshot written directly, {path.stat().st_size / 1e6:.1f} MB")
    t0 = time.perf_counter()
    store = Store.open(path.parent, read_only=True)
    line("open it (read-only)", time.perf_counter() - t0, "for scale; not part of the page")
    gc.freeze()  # as quizapp.ui.app.run does once the history is loaded
    try:
        line("pyqtgraph first import (fresh process)", first_import_time(),
             "paid once, when the page first opens; best of 3")
        decks = {deck.id: deck}
        local_now = NOW.astimezone()
        all_time = best(lambda: compute(store, [deck], Filters(), local_now), 5)
        line("compute(): all time", all_time, "best of 5")
        last30 = Filters.last_days(30, local_now.date())
        line("compute(): last 30 days", best(lambda: compute(store, [deck], last30, local_now),
                                             5), "best of 5")
        _bench_page(store, decks)
    finally:
        store.close()


def _bench_page(store: Store, decks: dict[str, Deck]) -> None:
    from PySide6.QtWidgets import QApplication

    from quizapp.ui.app import apply_look, create_app

    app = create_app()
    apply_look(app, "light", 1.0)
    t0 = time.perf_counter()
    import pyqtgraph  # noqa: F401  (the page imports it lazily; count it separately)

    line("pyqtgraph import (this process)", time.perf_counter() - t0, "")
    from quizapp.ui.pages.stats import CHARTS, StatsPage

    pages: list[StatsPage] = []

    def open_page(period: str = "") -> StatsPage:
        page = StatsPage(store, lambda: decks, lambda: "light")
        page.resize(1280, 800)
        if period:
            page.period_combo.setCurrentIndex(page.period_combo.findText(period))
        page.refresh()
        page.show()
        QApplication.processEvents()  # lays out and paints the first frame (offscreen)
        pages.append(page)
        return page

    t0 = time.perf_counter()
    page = open_page()
    first = time.perf_counter() - t0
    ok = "OK" if first < TARGET_S else "OVER TARGET"
    line("page open: build + compute + draw + paint", first,
         f"first time, after the import; last 30 days (target < {TARGET_S * 1000:.0f} ms: "
         f"{ok})")
    again = best(open_page, 3)
    line("page open again (new page)", again, "best of 3")
    worst = best(lambda: open_page("All time"), 3)
    line("page open, period 'All time'", worst, "every attempt counted; best of 3")

    def refresh() -> None:
        page.refresh()
        QApplication.processEvents()

    line("refresh (compute + redraw + paint)", best(refresh, 3), "last 30 days; best of 3")
    page.period_combo.setCurrentIndex(page.period_combo.findText("All time"))
    line("refresh, all time", best(refresh, 3), "best of 3")
    for i, (title, _key) in enumerate(CHARTS[1:], start=1):
        t0 = time.perf_counter()
        page.tabs.setCurrentIndex(i)
        QApplication.processEvents()
        line(f"  switch to tab '{title}'", time.perf_counter() - t0, "first draw of that chart")
    for p in pages:
        p.close()
        p.deleteLater()
    QApplication.processEvents()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-") as d:
        main(Path(d))
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown with live Qt objects (a PySide6 exit-time crash)
