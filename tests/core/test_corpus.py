"""Every file of the public yaml-test-suite gets a clean DeckError, never a crash."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from quizapp.core import deckfile
from quizapp.core.deckfile import DeckError
from tests.conftest import SHARED

CORPUS = SHARED / "corpora" / "yaml-test-suite"
FILES = sorted(CORPUS.glob("*.yaml")) if CORPUS.is_dir() else []

pytestmark = pytest.mark.skipif(not FILES, reason="../shared/corpora/yaml-test-suite not present")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_file_gives_clean_problems(path: Path) -> None:
    with pytest.raises(DeckError) as ei:
        deckfile.load(path)
    assert ei.value.problems
    for p in ei.value.problems:
        line = str(p)
        assert "\n" not in line
        assert line.startswith(f"{path}:{p.line}:{p.column}: ")
        assert p.line >= 1 and p.column >= 1


def test_validate_command_on_whole_corpus() -> None:
    out = subprocess.run([sys.executable, "-m", "quizapp", "validate", "--no-cache", str(CORPUS)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert "Traceback" not in out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert len({ln.split(":", 1)[0] for ln in lines}) == len(FILES)
    assert f"{len(FILES)} deck files checked: 0 valid" in out.stderr
