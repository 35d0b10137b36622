"""Where the sync folder comes from (``--sync-dir`` > $QUIZAPP_SYNC_DIR > Preferences > none)
and the folders that cannot be one, each refused with a message naming it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.core import paths
from quizapp.core.paths import SyncChoice, check_sync_dir, save_sync_dir, saved_sync_dir


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(paths.ENV_SYNC_DIR, raising=False)
    d = tmp_path / "data"
    d.mkdir()
    return d


def folder(tmp_path: Path, name: str) -> Path:
    p = tmp_path / name
    p.mkdir()
    return p.resolve()


def test_precedence_command_line_then_environment_then_preferences(
        tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli, env, pref = (folder(tmp_path, n) for n in ("cli", "env", "pref"))
    assert paths.sync_dir(None, data) == SyncChoice(None, "")
    save_sync_dir(data, pref)
    assert paths.sync_dir(None, data) == SyncChoice(pref, "Preferences")
    monkeypatch.setenv(paths.ENV_SYNC_DIR, str(env))
    assert paths.sync_dir(None, data) == SyncChoice(env, "$QUIZAPP_SYNC_DIR")
    assert paths.sync_dir(str(cli), data) == SyncChoice(cli, "--sync-dir")
    # an empty --sync-dir: no syncing for this run, whatever else says
    assert paths.sync_dir("", data) == SyncChoice(None, "--sync-dir")
    save_sync_dir(data, None)
    monkeypatch.delenv(paths.ENV_SYNC_DIR)
    assert paths.sync_dir(None, data) == SyncChoice(None, "")


def test_a_bad_folder_is_refused_naming_it_and_where_it_was_set(
        tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nowhere"
    choice = paths.sync_dir(str(missing), data)
    assert choice.folder is None
    assert choice.problem == f"The sync folder {missing} does not exist. (set by --sync-dir)"
    monkeypatch.setenv(paths.ENV_SYNC_DIR, str(missing))
    assert paths.sync_dir(None, data).problem == \
        f"The sync folder {missing} does not exist. (set by $QUIZAPP_SYNC_DIR)"


def test_folders_that_cannot_be_the_sync_folder(tmp_path: Path, data: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(loop)
    inside = data / "sync"
    inside.mkdir()
    holder = tmp_path  # holds the data folder
    cases = {
        a_file: f"The sync folder {a_file} is a file, not a folder.",
        loop: f"The sync folder {loop} is a loop of symbolic links.",
        data: f"The sync folder {data} is the data folder itself: choose a folder of its own "
              "inside the folder your sync tool carries.",
        inside: f"The sync folder {inside} is inside the data folder {data}: choose a folder "
                "outside it, inside the folder your sync tool carries.",
        holder: f"The data folder {data} is inside the sync folder {holder}: never put the "
                "whole data folder in a synced folder (its lock must stay on this computer); "
                "choose an empty folder of its own.",
    }
    for bad, message in cases.items():
        assert check_sync_dir(bad, data) == (None, message)
    link = tmp_path / "link-to-data"
    link.symlink_to(data)  # the data folder under another name is still the data folder
    assert "is the data folder itself" in (check_sync_dir(link, data)[1] or "")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="permissions do not stop root (or Windows)")
def test_a_folder_that_cannot_be_written_is_refused_but_may_be_read(
        tmp_path: Path, data: Path) -> None:
    ro = folder(tmp_path, "ro")
    ro.chmod(0o555)
    try:
        assert check_sync_dir(ro, data) == (
            None, f"The sync folder {ro} cannot be written to (check its permissions).")
        assert check_sync_dir(ro, data, writable=False) == (ro, None)  # sync --status reads
    finally:
        ro.chmod(0o755)


def test_preferences_file_damage_means_no_choice_never_a_crash(tmp_path: Path, data: Path
                                                               ) -> None:
    for raw in (b"{", b"[]", b'{"sync_dir": 3}', b"\xff" * 10, b" " * (1 << 17)):
        (data / paths.PREFERENCES_NAME).write_bytes(raw)
        assert saved_sync_dir(data) is None
        assert paths.sync_dir(None, data) == SyncChoice(None, "")
    sync = folder(tmp_path, "sync")
    save_sync_dir(data, sync)  # a damaged file is replaced by the new choice
    assert saved_sync_dir(data) == str(sync)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "..", "."]), min_size=0, max_size=4),
       st.sampled_from(["data", "data/x", "other", "other/y", ""]))
def test_any_path_gives_a_folder_or_a_message_never_an_error(
        tmp_path_factory: pytest.TempPathFactory, parts: list[str], base: str) -> None:
    """The rule holds for every relation of the two folders: a sync folder is accepted
    exactly when it is an existing folder apart from the data folder (neither holds the
    other)."""
    root = tmp_path_factory.mktemp("rel").resolve()
    data = root / "data"
    for p in (data / "x" / "a" / "b", root / "other" / "y" / "a" / "b"):
        p.mkdir(parents=True, exist_ok=True)
    candidate = root.joinpath(base, *parts) if base else root.joinpath(*parts)
    got, problem = check_sync_dir(candidate, data)
    real = Path(os.path.normpath(candidate))
    apart = real.is_dir() and not (real.is_relative_to(data) or data.is_relative_to(real))
    assert (got is not None) == apart
    assert (problem is None) == apart
    if got is not None:
        assert got == real
    else:
        assert problem and str(candidate) in problem


def test_every_combination_the_first_named_wins_and_a_bad_one_is_never_skipped(
        tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """All 27 combinations of nothing / a good folder / a missing folder for --sync-dir,
    $QUIZAPP_SYNC_DIR and Preferences: the first one named decides; if it cannot be used
    the answer is its problem (naming where it was set), never the next one silently."""
    import itertools

    good = {s: folder(tmp_path, f"good-{i}") for i, s in enumerate(("cli", "env", "pref"))}
    bad = {s: tmp_path / f"missing-{s}" for s in ("cli", "env", "pref")}
    names = {"cli": "--sync-dir", "env": "$QUIZAPP_SYNC_DIR", "pref": "Preferences"}
    for combo in itertools.product((None, "good", "bad"), repeat=3):
        given = dict(zip(("cli", "env", "pref"), combo, strict=True))
        value = {s: None if k is None else (good if k == "good" else bad)[s]
                 for s, k in given.items()}
        if value["env"] is None:
            monkeypatch.delenv(paths.ENV_SYNC_DIR, raising=False)
        else:
            monkeypatch.setenv(paths.ENV_SYNC_DIR, str(value["env"]))
        save_sync_dir(data, value["pref"])
        got = paths.sync_dir(None if value["cli"] is None else str(value["cli"]), data)
        first = next((s for s in ("cli", "env", "pref") if given[s] is not None), None)
        if first is None:
            assert got == SyncChoice(None, ""), combo
        elif given[first] == "good":
            assert got == SyncChoice(good[first], names[first]), combo
        else:
            assert got == SyncChoice(None, names[first], f"The sync folder {bad[first]} does "
                                     f"not exist. (set by {names[first]})"), combo
