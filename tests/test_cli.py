"""The command line: exit codes, output formats, version and help."""

from __future__ import annotations

import io
import json
import os
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


@pytest.mark.parametrize("argv", [[], ["--data-dir", "D", "--sync-dir", "S"], ["gui", "x.yaml"]])
def test_the_window_gets_what_the_command_line_says(monkeypatch: pytest.MonkeyPatch,
                                                    argv: list[str]) -> None:
    """Plain ``quizapp`` opens the window without building the parser (start-up), with the
    same defaults the parser gives; options and deck files still reach the window."""
    import quizapp.ui.app

    got: list[dict[str, object]] = []
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setattr(quizapp.ui.app, "run", lambda **kw: got.append(kw) or 0)
    monkeypatch.setattr(sys, "argv", ["quizapp", *argv])
    assert main() == 0
    expected = {"data_dir": None, "decks": [], "sync_dir": None}
    if "--data-dir" in argv:
        expected.update(data_dir="D", sync_dir="S")
    if "gui" in argv:
        expected["decks"] = [Path("x.yaml")]
    assert got == [expected]


def test_plain_quizapp_imports_none_of_the_deck_modules_before_the_window() -> None:
    check = ("import sys, quizapp.ui.app as a; a.run = lambda **kw: 0\n"
             "from quizapp.cli import main; main([])\n"
             "print(sorted(m for m in ('yaml', 'quizapp.core.library', 'quizapp.core.authoring',"
             " 'quizapp.core.deckschema', 'importlib.metadata', 'json') if m in sys.modules))")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.strip() == "[]", out.stderr


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


# --------------------------------------------------------------------------- sync --status

A_ID, B_ID = "a" * 32, "b" * 32


@pytest.fixture
def sync_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, str]:
    """A data folder whose computer id is known, and an empty sync folder."""
    from quizapp.core.store import Store

    monkeypatch.delenv("QUIZAPP_SYNC_DIR", raising=False)
    data, sync = tmp_path / "data", tmp_path / "sync"
    sync.mkdir()
    with Store.open(data) as store:
        me = store.device
    return data, sync, me


def test_sync_status_on_a_folder_no_computer_has_written(sync_env: tuple[Path, Path, str]
                                                        ) -> None:
    data, sync, me = sync_env
    code, out, err = run("--data-dir", str(data), "sync", "--status", "--sync-dir", str(sync))
    assert (code, err) == (0, "")
    assert out == (f"Sync folder: {sync.resolve()}\n"
                   "No computer has synced through this folder yet. Point quizapp at it on "
                   "each computer (Preferences > Sync folder, or --sync-dir).\n"
                   f"  {me} (this computer): no answers here yet\n")


def test_sync_status_lists_two_computers_then_damage_by_file_and_line(
        sync_env: tuple[Path, Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime, timezone

    from quizapp.core.progress.syncfolder import append
    from tests.core.test_progress_sync import answer

    data, sync, me = sync_env
    t = datetime(2025, 3, 3, 9, tzinfo=timezone.utc)
    append(sync, A_ID, [answer(1, "d::x", t), answer(2, "d::y", t.replace(day=5))])
    append(sync, B_ID, [answer(3, "d::x", t)])
    monkeypatch.setenv("QUIZAPP_SYNC_DIR", str(sync))  # found without --sync-dir
    code, out, err = run("sync", "--status", "--data-dir", str(data))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:2] == [f"Sync folder: {sync.resolve()}", "Computers seen: 3"]  # every line below
    assert sorted(lines[2:]) == sorted([
        f"  {me} (this computer): no answers here yet",
        f"  {A_ID}: 2 answers, last answer 2025-03-05 09:00 UTC, the newest",
        f"  {B_ID}: 1 answer, last answer 2025-03-03 09:00 UTC, 2 days behind the newest"])

    damaged = sync / "devices" / B_ID / "history-2025-03.jsonl"
    with damaged.open("ab") as fh:
        fh.write(b"{x\n")
    code, out, err = run("sync", "--status", "--data-dir", str(data))
    assert code == 1
    assert out.splitlines()[-1] == (f"damaged: {damaged.resolve()}, line 2: not JSON "
                                    "(Expecting property name enclosed in double quotes)")


def test_sync_status_usage_errors_exit_2(sync_env: tuple[Path, Path, str],
                                         tmp_path: Path) -> None:
    data, _sync, _me = sync_env
    code, out, err = run("--data-dir", str(data), "sync", "--status")
    assert (code, out) == (2, "")
    assert err == ("quizapp sync: error: no sync folder: give one with --sync-dir PATH, set "
                   "$QUIZAPP_SYNC_DIR, or choose one in the app's Preferences\n")
    code, _out, err = run("--data-dir", str(data), "sync", "--status", "--sync-dir",
                          str(data))
    assert code == 2 and err.startswith(f"quizapp sync: error: The sync folder {data} is the "
                                        "data folder itself")
    code, _out, err = run("--data-dir", str(data), "sync", "--status", "--sync-dir",
                          str(tmp_path / "gone"))
    assert code == 2 and err == (f"quizapp sync: error: The sync folder {tmp_path / 'gone'} "
                                 "does not exist. (set by --sync-dir)\n")


def test_sync_dir_beats_the_environment_which_beats_preferences(
        sync_env: tuple[Path, Path, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from quizapp.core.paths import save_sync_dir

    data, sync, _me = sync_env
    pref, env = tmp_path / "pref", tmp_path / "env"
    pref.mkdir()
    env.mkdir()
    save_sync_dir(data, pref)

    def shown(*extra: str) -> str:
        code, out, err = run("--data-dir", str(data), "sync", "--status", *extra)
        assert code == 0, err
        return out.splitlines()[0]

    assert shown() == f"Sync folder: {pref.resolve()}"
    monkeypatch.setenv("QUIZAPP_SYNC_DIR", str(env))
    assert shown() == f"Sync folder: {env.resolve()}"
    assert shown("--sync-dir", str(sync)) == f"Sync folder: {sync.resolve()}"


def test_sync_is_listed_in_help_and_imports_no_qt(tmp_path: Path) -> None:
    code = subprocess.run([sys.executable, "-m", "quizapp", "--help"], capture_output=True,
                          text=True)
    assert "sync" in code.stdout and "--sync-dir PATH" in code.stdout
    (tmp_path / "s").mkdir()
    check = ("import sys; from quizapp.cli import main; "
             f"r = main(['--data-dir', {str(tmp_path / 'd')!r}, 'sync', '--status', "
             f"'--sync-dir', {str(tmp_path / 's')!r}]);"
             "print(r, 'QT' if any(m.startswith('PySide6') for m in sys.modules) else 'NOQT',"
             " file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert out.stderr.strip().endswith("0 NOQT"), out.stderr


def test_stats_counts_the_other_computers_through_the_sync_folder(
        sync_env: tuple[Path, Path, str]) -> None:
    data, sync, _me = sync_env
    code, out, err = run("--data-dir", str(data), "stats", "--sync-dir", str(sync))
    assert code == 0, err
    assert f"Shared through the sync folder {sync.resolve()}\n" in out
    code, out, err = run("--data-dir", str(data), "stats", "--sync-dir", str(data))
    assert code == 0 and "showing this computer's progress only" in err
