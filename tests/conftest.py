"""Test configuration shared by every test.

Qt must never open a real window or touch the user's folders during tests: the offscreen
platform is set before anything imports Qt, and every user path points into a temporary folder.
Each test process has its own (every pytest-xdist worker imports this file), so workers running
side by side never share data, cache or settings folders; ``tmp_path`` is per worker too.
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
from hypothesis import HealthCheck, settings  # noqa: E402

# Property tests assert behaviour, never speed: no per-example deadline (hypothesis's default
# 200 ms failed examples at random on a loaded 2-core CI machine, and on Python 3.10 the
# explanation of such a failure then traced for minutes) and no "too slow" health check.
settings.register_profile("quizapp", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("quizapp")

ROOT = Path(__file__).resolve().parent.parent
DECKS = ROOT / "decks"
SHARED = ROOT.parent / "shared"


#: A run that names at most this many test files (and no folder) stays in one process.
FEW_FILES = 3


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` (in pyproject's addopts): the whole suite, or a folder of it, runs on every
    core; a run that names a few test files runs in this process (starting the workers costs
    more than it saves). None: pytest-xdist's own count (a worker per core)."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return None  # no paths given: the whole suite
    files = {arg.split("::", 1)[0] for arg in config.args}
    if len(files) <= FEW_FILES and all(Path(f).is_file() for f in files):
        return 0
    return None


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

