"""Re-render the README screenshots offscreen at 1280x800:

    python tests/screenshots.py            # writes resources/screenshots/*.png
    python tests/screenshots.py --dark     # dark theme versions (*-dark.png)

Uses a throw-away data folder, so your own progress is untouched.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from quizapp.core.session import SessionSettings  # noqa: E402
from quizapp.core.store import Store  # noqa: E402
from quizapp.ui.app import create_app  # noqa: E402
from quizapp.ui.mainwindow import MainWindow  # noqa: E402


def main(argv: list[str]) -> None:
    dark = "--dark" in argv
    suffix = "-dark" if dark else ""
    out = ROOT / "resources" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="quizapp-shots-"))
    app = create_app()
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("view/theme", "dark" if dark else "light")
    store = Store.open(tmp / "data")
    win = MainWindow(store=store, data_dir=tmp / "data", settings=settings,
                     cache_dir=tmp / "cache")
    win.resize(1280, 800)
    win.show()
    win.start()
    while not win.results:
        QTest.qWait(20)
    app.processEvents()

    def shot(name: str) -> None:
        QTest.qWait(30)
        win.grab().save(str(out / f"{name}{suffix}.png"))
        print("wrote", out / f"{name}{suffix}.png")

    st = win.study
    # some history so the library shows due/seen counts and a last score
    win.flow.start_session(SessionSettings(mode="tutor", deck_ids=("asps-essentials",),
                                      selection="all", limit=4, shuffle=False))
    for _ in range(4):
        view = st.active_view()
        assert view is not None
        view.toggle(0)
        st.submit(view.part)
        st.next()
    shot("results")
    win.show_library()
    shot("library")
    win.flow.start_session(SessionSettings(mode="tutor", deck_ids=("clinical-vignettes",),
                                      selection="all", limit=1, shuffle=False))
    for _ in range(2):
        view = st.active_view()
        assert view is not None
        right = next(d for d, i in enumerate(view.order) if view.q.options[i].correct)
        view.toggle(right)
        st.submit(view.part)
    shot("case")
    win.flow.start_session(SessionSettings(mode="tutor", deck_ids=("back-pain-red-flags",),
                                      selection="all", limit=3, shuffle=False, confidence=True))
    while not (st.active_view() and st.active_view().q.kind == "single"):  # type: ignore[union-attr]
        st.session.index += 1  # type: ignore[union-attr]
        st.show_current()
    view = st.active_view()
    assert view is not None
    wrong = next(d for d, i in enumerate(view.order) if not view.q.options[i].correct)
    view.toggle(wrong)
    view.set_confidence(2)
    st.submit(view.part)
    st.scroll_area.verticalScrollBar().setValue(0)
    shot("tutor-feedback")
    win.close()
    store.close()


if __name__ == "__main__":
    main(sys.argv[1:])
