"""GUI figures: start-up against a bare PySide6 window, and answer -> next item latency.

Start-up runs each program as a fresh process (best of 5) and times it from launch until its
first window has been shown and rendered: in the event loop's first turn the window is drawn
with ``grab()`` (every widget's paint, as the first frame on screen; the offscreen platform,
and X11 in the first turn, deliver no paint event of their own). Peak memory is the child's
maximum resident set size. Uses the real display when $DISPLAY is set (e.g. Xvfb), else the
offscreen platform.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BARE = """
import os, sys, time
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication(sys.argv)
w = QWidget(); w.resize(1280, 800); w.show()
loop = QEventLoop()  # the event loop's first turn (app.quit() would also close the windows)
QTimer.singleShot(0, lambda: (w.grab(), loop.quit()))  # the first frame drawn
loop.exec()
print("ready", _peak_kib(), _cpu_s(), flush=True)
os._exit(0)
"""

# What the quizapp command (quizapp.cli.gui) does before app.exec(), in its order.
LAUNCH = """
import os
import quizapp.cli  # its entry point first,
quizapp.cli.prepare_gui()  # what it does before it imports Qt, then the window
from quizapp.ui.app import launch
from PySide6.QtCore import QEventLoop, QTimer
app, win, store = launch()
"""

QUIZAPP = LAUNCH + """
loop = QEventLoop()  # the event loop's first turn (app.quit() would also close the window)
QTimer.singleShot(0, lambda: (win.grab(), loop.quit()))  # the first frame drawn
loop.exec()
print("ready", _peak_kib(), _cpu_s(), flush=True)
os._exit(0)
"""

# The same start, until the score store is open and the library lists the decks (the window
# is usable before: this is when the student can start studying).
QUIZAPP_LOADED = LAUNCH + """
loop = QEventLoop()
win.decks_loaded.connect(loop.quit)
loop.exec()
print("ready", _peak_kib(), _cpu_s(), flush=True)
os._exit(0)
"""

# Peak memory from the child itself: /proc's VmHWM starts afresh at exec, unlike the rusage a
# parent gets, which on Linux can include the parent's size at fork time.
PEAK = """
def _peak_kib():
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

def _cpu_s():  # CPU seconds used (user + system): steadier than wall time on a busy machine
    import os
    t = os.times()
    return t.user + t.system
"""


def _run(code: str, env: dict[str, str]) -> tuple[float, float, float]:
    t = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-c", PEAK + code], env=env, cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert p.stdout is not None
    line = p.stdout.readline()
    elapsed = time.perf_counter() - t
    p.wait()
    if not line.startswith(b"ready"):
        raise RuntimeError(f"benchmark child failed (exit {p.returncode})")
    fields = line.split()
    return elapsed, int(fields[1]) / 1024, float(fields[2])  # s, MiB, CPU s


def bench_startup(tmp: Path) -> None:
    env = dict(os.environ)
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    env["QUIZAPP_DATA_DIR"] = str(tmp / "startup-data")
    env["PYTHONPATH"] = str(ROOT)
    # An installed wheel runs from compiled bytecode (pip compiles it at install time), as
    # PySide6 itself does; so the children may write and reuse .pyc files, outside the tree.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    platform = "offscreen" if env.get("QT_QPA_PLATFORM") == "offscreen" else "X11"
    print(f"Start-up to first window ({platform}; best of 5 fresh processes)")
    _run(QUIZAPP, env)  # warm the parse cache and the OS file cache, as a second start would
    bare, ours = [], []
    for _ in range(5):  # interleaved, so drifts in machine load hit both alike
        bare.append(_run(BARE, env))
        ours.append(_run(QUIZAPP, env))
    b_t, b_m, b_c = (min(r[i] for r in bare) for i in range(3))
    o_t, o_m, o_c = (min(r[i] for r in ours) for i in range(3))
    print(f"  {'baseline: bare PySide6 window':<46}{b_t:9.3f} s   {b_m:7.1f} MiB"
          f"   CPU {b_c:.3f} s")
    print(f"  {'quizapp main window, bundled decks':<46}{o_t:9.3f} s   {o_m:7.1f} MiB"
          f"   CPU {o_c:.3f} s")
    print(f"  {'ratio time':<46}{o_t / b_t:9.2f} x   (target <= 1.3)")
    print(f"  {'ratio peak memory':<46}{o_m / b_m:9.2f} x   (target <= 1.5)")
    print(f"  {'ratio CPU time (steadier on a busy machine)':<46}{o_c / b_c:9.2f} x")
    full = [_run(QUIZAPP_LOADED, env) for _ in range(5)]
    f_t, f_m, f_c = (min(r[i] for r in full) for i in range(3))
    print(f"  {'... until the decks are listed (store open)':<46}{f_t:9.3f} s   {f_m:7.1f} MiB"
          f"   CPU {f_c:.3f} s  ({f_t / b_t:.2f} x, {f_m / b_m:.2f} x, CPU {f_c / b_c:.2f} x)")


def bench_answer_latency(tmp: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from quizapp.core.library import load_deck
    from quizapp.core.selection import select_entries
    from quizapp.core.session import Session, SessionSettings
    from quizapp.core.store import Store
    from quizapp.ui.app import create_app
    from quizapp.ui.mainwindow import MainWindow
    from tests.benchmarks.bench_store import write_history
    from tests.benchmarks.gen import write_deck

    print("Answer -> next item shown (10,000-item deck, 100,000 recorded attempts)")
    deck = load_deck(write_deck(tmp / "latency-decks", 10_000)).deck
    assert deck is not None
    data = tmp / "latency-data"
    write_history(data, 100_000, 10_000)
    app = create_app()
    store = Store.open(data)
    import gc

    gc.freeze()  # as quizapp.ui.app.run does after opening the store
    win = MainWindow(store=store, data_dir=data,
                     settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat),
                     cache_dir=tmp / "cache")
    win.resize(1280, 800)
    win.show()
    win.registry.results = {}
    s = SessionSettings(mode="tutor", selection="all", limit=0, shuffle=True, seed=1)
    qs = [e for e in select_entries([deck], s, store) if e.kind == "single"][:120]
    win.flow.run_session(Session(qs, s, store))
    st = win.study
    submit, nxt = [], []
    for _ in range(len(qs) - 1):
        view = st.active_view()
        assert view is not None
        view.toggle(0)
        t0 = time.perf_counter()
        st.submit(view.part)  # record durably (fsync) + feedback shown
        app.processEvents()
        t1 = time.perf_counter()
        st.next()  # the next item rendered
        app.processEvents()
        t2 = time.perf_counter()
        submit.append(t1 - t0)
        nxt.append(t2 - t1)

    def p95(xs: list[float]) -> float:
        return statistics.quantiles(xs, n=20)[-1]

    print(f"  {'submit -> feedback shown (incl. fsync), p95':<46}{p95(submit) * 1000:9.2f} ms")
    print(f"  {'next -> next item shown, p95':<46}{p95(nxt) * 1000:9.2f} ms  (target < 16)")
    print(f"  {'next -> next item shown, median':<46}{statistics.median(nxt) * 1000:9.2f} ms")
    win.close()
    store.close()
    QApplication.processEvents()


def main(tmp: Path) -> None:
    bench_startup(tmp)
    print()
    bench_answer_latency(tmp)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as d:
        main(Path(d))
    _ = textwrap
