"""What the SIGKILL tests share: run a writer script in a child process, kill it, and read
the history folder it left as a model of every record (a :class:`Replica`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from quizapp.core.progress.merge import Replica
from quizapp.core.progress.syncfolder import read_folder

ROOT = Path(__file__).resolve().parents[1]
#: ``QUIZAPP_CRASH_KILLS`` (default 200) sets how many kills the soak loops make.
KILLS = int(os.environ.get("QUIZAPP_CRASH_KILLS", "200"))


def run_and_kill(script: str, args: list[str], delay: float, *, first_line: bool = False
                 ) -> list[str]:
    """Run ``script`` with ``args`` and kill it ``delay`` seconds later (after its first
    line of output, with ``first_line``, so a slow start on a loaded machine does not leave
    it idle); the lines it wrote."""
    proc = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    assert proc.stdout is not None
    head = proc.stdout.readline() if first_line else b""
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate()
    return (head + out).decode().splitlines()


def folder_model(root: Path) -> Replica:
    """Every record under ``root/devices``, which must read without damage (a torn last line
    is not damage)."""
    devices, problems = read_folder(root)
    assert not problems
    model = Replica()
    for d in devices.values():
        assert not d.problems, d.problems[:3]
        model.add_all(d.records)
    return model
