"""The command line: exit codes, output formats, version and help."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from quizapp import __version__
from quizapp.cli import main
from tests.helpers import VALID_DECK


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def good(tmp_path: Path) -> Path:
    p = tmp_path / "good.yaml"
    p.write_text(VALID_DECK, encoding="utf-8")
    return p


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    p = tmp_path / "bad.yaml"
    p.write_text(VALID_DECK.replace("answer: A", "answer: F").replace("front:", "fronte:"),
                 encoding="utf-8")
    return p


def test_validate_valid_exits_0(good: Path) -> None:
    code, out, err = run("validate", str(good))
    assert code == 0 and out == ""
    assert "1 deck file checked: 1 valid, 0 with problems" in err


def test_validate_problems_one_line_each_sorted(bad: Path, good: Path) -> None:
    code, out, err = run("validate", str(good), str(bad))
    assert code == 1
    lines = out.splitlines()
    assert lines == [
        f"{bad}:7:5: item 1 (fc1): missing required field 'front' in flashcard; add a line "
        "'front: ...' (The prompt)",
        f"{bad}:9:5: item 1 (fc1), fronte: unknown field 'fronte' in flashcard; did you mean "
        "'front'?",
        f"{bad}:18:13: item 2 (q1), answer: answer 'F' is not one of the options (A-B); "
        "this question has only 2 options",
    ]
    assert "2 deck files checked: 1 valid, 1 with problems (3 problems)" in err


def test_validate_json(bad: Path) -> None:
    code, out, _ = run("validate", "--format", "json", str(bad))
    assert code == 1
    data = json.loads(out)
    assert data["ok"] is False
    assert data["problems"][2] == {"file": str(bad), "line": 18, "column": 13,
                                   "path": "items[1] (q1).answer",
                                   "where": "item 2 (q1), answer", "severity": "error",
                                   "message": "answer 'F' is not one of the options (A-B); "
                                              "this question has only 2 options"}


def test_validate_folder(tmp_path: Path, good: Path, bad: Path) -> None:
    code, out, _ = run("validate", str(tmp_path))
    assert code == 1 and all(line.startswith(str(bad)) for line in out.splitlines())


def test_validate_missing_path_is_usage_error(tmp_path: Path) -> None:
    code, _, err = run("validate", str(tmp_path / "missing.yaml"))
    assert code == 2 and "no such file or folder" in err


def test_validate_empty_folder_is_usage_error(tmp_path: Path) -> None:
    code, _, err = run("validate", str(tmp_path))
    assert code == 2 and "no deck files" in err


def test_validate_without_paths_is_usage_error() -> None:
    with pytest.raises(SystemExit) as ei:
        run("validate")
    assert ei.value.code == 2


def test_validate_bundled_decks_valid() -> None:
    code, out, _ = run("validate", "decks")
    assert code == 0, out


def test_schema_prints_json() -> None:
    code, out, _ = run("schema")
    assert code == 0 and json.loads(out)["title"].startswith("quizapp deck")


def test_version_and_help_and_module() -> None:
    v = subprocess.run([sys.executable, "-m", "quizapp", "--version"], capture_output=True,
                       text=True, check=True)
    assert v.stdout.startswith(f"quizapp {__version__}\n") and "libyaml" in v.stdout
    h = subprocess.run([sys.executable, "-m", "quizapp", "--help"], capture_output=True,
                       text=True, check=True)
    for word in ("validate", "schema", "stats", "--data-dir"):
        assert word in h.stdout


def test_preview_missing_file_is_usage_error(tmp_path: Path) -> None:
    code, _, err = run("preview", str(tmp_path / "nope.yaml"))
    assert code == 2 and "no such deck file" in err


def test_gui_without_display_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    assert main([]) == 2
    assert "no display found" in err.getvalue()


def test_data_dir_that_is_a_file_is_refused_clearly(tmp_path: Path) -> None:
    from quizapp.core.paths import check_data_dir

    blocker = tmp_path / "afile"
    blocker.write_text("x")
    assert check_data_dir(blocker) == f"The data folder {blocker} is a file, not a folder."
    assert "cannot be created" in (check_data_dir(blocker / "sub") or "")
    assert check_data_dir(tmp_path / "new" / "data") is None
    assert (tmp_path / "new" / "data").is_dir()


def test_data_dir_after_the_command(tmp_path: Path) -> None:
    code, out, _ = run("stats", "--data-dir", str(tmp_path / "d"))
    assert code == 0 and str(tmp_path / "d") in out
