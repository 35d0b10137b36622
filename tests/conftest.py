"""Test configuration shared by every test.

Qt must never open a real window or touch the user's folders during tests: the offscreen
platform is set before anything imports Qt, and every user path points into a temporary folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
_SANDBOX = Path(tempfile.mkdtemp(prefix="quizapp-tests-"))
os.environ["QUIZAPP_DATA_DIR"] = str(_SANDBOX / "data")
os.environ["QUIZAPP_CACHE_DIR"] = str(_SANDBOX / "cache")
os.environ["XDG_CONFIG_HOME"] = str(_SANDBOX / "config")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DECKS = ROOT / "decks"
SHARED = ROOT.parent / "shared"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty data folder used for this test only."""
    d = tmp_path / "data"
    monkeypatch.setenv("QUIZAPP_DATA_DIR", str(d))
    monkeypatch.setenv("QUIZAPP_CACHE_DIR", str(tmp_path / "cache"))
    return d


def _snapshot(folder: Path) -> dict[Path, bytes]:
    if not folder.is_dir():
        return {}
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(autouse=True)
def restore_user_settings() -> object:
    """No test leaks settings into the next: the sandboxed user config folder (where the app's
    QSettings, theme and zoom live when no data folder is given) is put back as it was."""
    config = Path(os.environ["XDG_CONFIG_HOME"])
    before = _snapshot(config)
    yield
    for path in set(_snapshot(config)) - set(before):
        path.unlink()
    for path, data in before.items():
        if not path.is_file() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

