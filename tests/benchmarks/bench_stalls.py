"""The window's longest stall during each background job (target: under 100 ms).

A QTimer ticks every 10 ms on the GUI thread and the longest gap between two ticks is recorded
while a job runs, from the moment it is started until its result has been shown. The baseline
is the same meter on the idle window in the same run; each job's own duration says how long
the window would have frozen had the job run on the GUI thread. Jobs: loading a generated
10,000-item deck (no parse cache), importing a generated 30,000-note Anki package, exporting
attempts as CSV and progress as JSON, importing that progress file, and the Statistics page,
over 100,000 recorded answers. Run: ``python tests/benchmarks/run.py stalls``.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TICK_MS = 10


def write_apkg(path: Path, notes: int) -> Path:
    """A legacy Anki package of ``notes`` Basic notes, built as Anki writes one."""
    from tests.core.test_interchange_anki_package import BASIC, Note, Package

    path.write_bytes(Package([Note(BASIC, [f"Front {i}: which red flag? <b>{i}</b>",
                                           f"Back {i}: cauda equina"]) for i in range(notes)]
                             ).apkg("legacy2"))
    return path


class StallMeter:
    """The longest gap between ticks of a 10 ms timer on the GUI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self.last = 0.0
        self.longest = 0.0

    def tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def measure(self, start: Callable[[], object], finished: object | None = None,
                seconds: float = 0.0) -> tuple[float, float]:
        """Start the job and run the event loop until the signal ``finished`` (or, without
        one, for ``seconds``); returns (longest gap between ticks beyond 10 ms, duration)."""
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        if finished is not None:
            finished.connect(loop.quit)  # type: ignore[attr-defined]
        else:
            QTimer.singleShot(int(seconds * 1000), loop.quit)
        QTimer.singleShot(300_000, loop.quit)  # never wait forever
        self.longest, self.last = 0.0, time.perf_counter()
        self.timer.start()
        t0 = time.perf_counter()
        start()
        loop.exec()
        duration = time.perf_counter() - t0
        self.timer.stop()
        self.tick()
        if finished is not None:
            finished.disconnect(loop.quit)  # type: ignore[attr-defined]
        return self.longest - TICK_MS / 1000, duration


def main(tmp: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from quizapp.core.progress.history_store import open_store
    from quizapp.ui import dialogs
    from quizapp.ui.app import create_app
    from quizapp.ui.mainwindow import MainWindow
    from tests.benchmarks.bench_store import write_history
    from tests.benchmarks.gen import write_deck

    print("Longest GUI stall during background jobs (10 ms timer; target < 100 ms)")
    deck = write_deck(tmp / "stall-decks", 10_000)
    apkg = write_apkg(tmp / "stall-30000.apkg", 30_000)
    data = tmp / "stall-data"
    write_history(data, 100_000, 10_000)
    app = create_app()  # kept alive for the whole run
    store = open_store(data)  # as the app does: format 2 (migrated here, before measuring)
    gc.freeze()  # as quizapp.ui.app.launch does once the history is loaded
    win = MainWindow(store=store, data_dir=data,
                     settings=QSettings(str(tmp / "stall.ini"), QSettings.Format.IniFormat),
                     cache_dir=tmp / "stall-cache")
    win.resize(1280, 800)
    win.show()
    # no box may wait for a click
    dialogs.ReportDialog.show = classmethod(lambda *a, **k: None)  # type: ignore[method-assign,assignment]
    dialogs.ConfirmDialog.ask = classmethod(lambda *a, **k: True)  # type: ignore[method-assign,assignment]
    QMessageBox.information = staticmethod(lambda *a, **k: 0)  # type: ignore[method-assign,assignment]
    QMessageBox.warning = staticmethod(lambda *a, **k: 0)  # type: ignore[method-assign,assignment]
    meter = StallMeter()
    meter.measure(win.start, win.tasks.idle)  # the bundled decks
    baseline, _ = meter.measure(lambda: None, seconds=1.0)
    print(f"  {'baseline: idle window, 1 s':<46}{baseline * 1000:9.1f} ms")

    def job(name: str, start: Callable[[], object]) -> None:
        stall, duration = meter.measure(start, win.tasks.idle)
        print(f"  {name:<46}{stall * 1000:9.1f} ms  (job {duration:6.2f} s)")

    job("load a 10,000-item deck (no cache)", lambda: win.load_decks([deck]))
    out = tmp / "stall-import.yaml"
    job("import a 30,000-note .apkg (+ load it)",
        lambda: win.transfers.import_questions(apkg, out))
    csv, js = tmp / "stall.csv", tmp / "stall.json"
    QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (str(csv), ""))  # type: ignore[method-assign,assignment]
    job("export 100,000 answers as CSV", win.transfers.export_csv)
    QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (str(js), ""))  # type: ignore[method-assign,assignment]
    job("export progress (100,000 answers)", win.transfers.export_progress)
    QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (str(js), ""))  # type: ignore[method-assign,assignment]
    job("import that progress file", win.transfers.import_progress)
    job("Statistics, first open (imports the charts)", win.show_stats)
    win.show_library()
    job("Statistics, opened again (100,000 answers)", win.show_stats)
    win.close()
    store.close()
    del app


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        main(Path(d))
