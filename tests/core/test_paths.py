"""One module owns every path: user folders (data, decks, cache, settings), portable use and
the bundled files. The command line and the GUI ask it; nothing else works a folder out."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import platformdirs
import pytest

from quizapp.core import paths

ROOT = Path(__file__).resolve().parents[2] / "quizapp"


def test_a_chosen_data_folder_holds_everything(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.ENV_DATA_DIR, raising=False)
    monkeypatch.delenv(paths.ENV_CACHE_DIR, raising=False)
    p = paths.resolve(tmp_path / "stick")
    assert p == paths.Paths(data=tmp_path / "stick", cache=tmp_path / "stick" / "cache",
                            portable=True, settings=tmp_path / "stick" / "settings.ini")
    assert p.user_decks == tmp_path / "stick" / "decks"
    assert p.deck_cache == tmp_path / "stick" / "cache" / "decks"
    assert paths.deck_cache_dir(tmp_path / "stick") == p.deck_cache


def test_the_environment_chooses_the_data_folder_as_the_option_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "env"))
    monkeypatch.delenv(paths.ENV_CACHE_DIR, raising=False)
    assert paths.resolve() == paths.resolve(tmp_path / "env")
    assert paths.resolve(tmp_path / "opt").data == tmp_path / "opt"  # the option wins


def test_without_a_choice_the_platform_folders_are_used(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.ENV_DATA_DIR, raising=False)
    monkeypatch.delenv(paths.ENV_CACHE_DIR, raising=False)
    p = paths.resolve()
    assert p.data == Path(platformdirs.user_data_dir("quizapp", appauthor=False, roaming=True))
    assert p.cache == Path(platformdirs.user_cache_dir("quizapp", appauthor=False))
    assert not p.portable and p.settings is None  # the GUI keeps settings where Qt does


def test_the_cache_can_be_moved_on_its_own(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.ENV_CACHE_DIR, str(tmp_path / "c"))
    assert paths.resolve(tmp_path / "d").cache == tmp_path / "c"


def test_the_bundled_files_are_found() -> None:
    assert (paths.bundled_decks_dir() / "asps-essentials.yaml").is_file()
    assert (paths.resources_dir() / "deck.schema.json").is_file()
    assert paths.readme_file().is_file()
    assert (paths.package_parent() / "quizapp" / "__init__.py").is_file()


#: Names that mean "working out a folder": only core/paths.py uses them.
PATH_NAMES = {"platformdirs", "QStandardPaths", "__file__", "user_data_dir", "user_cache_dir",
              "user_config_dir"}


def path_logic_outside_paths(root: Path = ROOT) -> list[str]:
    """``file:line: name`` for each use of a folder-finding name outside core/paths.py (code
    only: comments, docstrings and messages do not count)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if path == root / "core" / "paths.py":
            continue
        text = path.read_text(encoding="utf-8")
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.NAME and tok.string in PATH_NAMES:
                found.append(f"{path.relative_to(root.parent)}:{tok.start[0]}: {tok.string}")
    return found


def test_no_other_module_works_out_a_folder() -> None:
    assert path_logic_outside_paths() == []


def test_the_folder_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    pkg = tmp_path / "quizapp"
    (pkg / "core").mkdir(parents=True)
    (pkg / "core" / "paths.py").write_text("import platformdirs\n")
    (pkg / "a.py").write_text('"""platformdirs in words"""\nfrom pathlib import Path\n'
                              "HERE = Path(__file__).parent\n# QStandardPaths in a comment\n")
    assert path_logic_outside_paths(pkg) == ["quizapp/a.py:3: __file__"]
