"""SIGKILL a process appending format-2 history records (across month files: a new segment
is started and the old one never written again) or migrating a format-1 folder, at random
moments; every acknowledged record must survive and the folder must read without damage.

``QUIZAPP_CRASH_KILLS`` (default 200) and ``QUIZAPP_CRASH_SEED`` tune and reproduce a run.
"""

from __future__ import annotations

import os
import random
from datetime import datetime, timezone
from pathlib import Path

import pytest

from quizapp.core.progress.migrate import migrate
from tests.benchmarks.gen import write_format1_history
from tests.crash import KILLS, folder_model, run_and_kill

WRITER = r"""
import os, random, sys
from datetime import datetime, timedelta, timezone
from quizapp.core.progress.syncfolder import append
from quizapp.core.scheduling import format_timestamp

root, seed, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
t = datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(days=16 * start)
n = start
while True:
    n += 1
    t += timedelta(days=16)  # a new month file every other answer
    rid = f"{seed:08x}{n:024x}"
    append(root, "pc-1", [{"t": "answer", "id": rid, "unit": f"d::q{rng.randrange(30)}",
                           "at": format_timestamp(t), "rating": rng.randint(1, 4),
                           "correct": True, "marks": 1, "confidence": None, "mode": "tutor",
                           "time_ms": 10, "answer": ["A"] * rng.randint(1, 300),
                           "session": None}])
    os.write(1, f"ack {rid}\n".encode())
"""

MIGRATOR = r"""
import sys
from pathlib import Path
from quizapp.core.progress.migrate import migrate
m = migrate(Path(sys.argv[1]), Path(sys.argv[2]), "pc-2")
print("done" if m.ok else "failed", flush=True)
"""


def _append_kills(tmp_path: Path, kills: int, seed: int) -> None:
    rng = random.Random(seed)
    acked: set[str] = set()
    for k in range(kills):
        out = run_and_kill(WRITER, [str(tmp_path), str(k), str(len(acked))],
                           rng.uniform(0.0, 0.4), first_line=True)
        acked |= {line.split()[1] for line in out if line.startswith("ack ")}
        live = folder_model(tmp_path).live()
        assert acked <= live, f"kill {k}: {len(acked - live)} acknowledged answers lost"
        assert len(live - acked) <= k + 1  # at most the one in flight at each kill
    assert len(acked) >= kills  # the writer got going before each kill
    assert len(os.listdir(tmp_path / "devices" / "pc-1")) > 2  # several month files


def test_appending_survives_sigkill_quick(tmp_path: Path) -> None:
    _append_kills(tmp_path, 6, int(os.environ.get("QUIZAPP_CRASH_SEED", "1")))


@pytest.mark.slow
@pytest.mark.soak
def test_appending_survives_sigkill(tmp_path: Path) -> None:
    _append_kills(tmp_path, KILLS, int(os.environ.get("QUIZAPP_CRASH_SEED", "2")))


@pytest.mark.slow
@pytest.mark.soak
def test_migration_survives_sigkill(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_format1_history(data, 20_000, units=500)
    rng = random.Random(int(os.environ.get("QUIZAPP_CRASH_SEED", "3")))
    for _ in range(max(KILLS // 10, 5)):
        run_and_kill(MIGRATOR, [str(data), str(tmp_path / "sync")], rng.uniform(0.3, 2.5))
        folder_model(tmp_path / "sync")  # whatever was written reads without damage
    m = migrate(data, tmp_path / "sync", "pc-2", now=datetime.now(timezone.utc))
    assert m.ok, m.problems[:5]
    assert m.answers == m.answers_read_back == 20_000
