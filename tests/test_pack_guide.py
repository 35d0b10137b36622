"""quizapp pack / import of a package / guide: sharing a deck with its pictures, safely."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from quizapp.cli import guide_path, main
from tests.helpers import VALID_DECK

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def deck_with_picture(tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "ct.png").write_bytes(PNG)
    (folder / "unused.png").write_bytes(PNG)
    deck = folder / "spine.yaml"
    deck.write_text(VALID_DECK.replace("    back: Back\n",
                                       "    back: Back\n    image: img/ct.png\n"
                                       "    image_alt: CT of the spine\n"), encoding="utf-8")
    return deck


def test_pack_then_import_gives_the_same_deck_and_pictures(deck_with_picture: Path,
                                                           tmp_path: Path) -> None:
    code, out, err = run("pack", str(deck_with_picture))
    target = deck_with_picture.with_suffix(".zip")
    assert code == 0, err
    assert out.splitlines() == ["spine/spine.yaml", "spine/img/ct.png"]  # only what it uses
    assert "the deck and 1 picture" in err
    code, out, err = run("import", str(target), "-o", str(tmp_path / "colleague"))
    assert code == 0, out + err
    unpacked = tmp_path / "colleague" / "spine" / "spine.yaml"
    assert out.strip() == str(unpacked)
    assert unpacked.read_bytes() == deck_with_picture.read_bytes()
    assert (unpacked.parent / "img" / "ct.png").read_bytes() == PNG
    assert run("validate", "--no-cache", str(unpacked))[0] == 0


def test_pack_refuses_a_deck_with_problems(deck_with_picture: Path) -> None:
    deck_with_picture.write_text(VALID_DECK.replace("answer: A", "answer: Q"), encoding="utf-8")
    code, out, err = run("pack", str(deck_with_picture))
    assert code == 1 and "item 2 (q1), answer" in out and "no package was written" in err
    assert not deck_with_picture.with_suffix(".zip").exists()


def _zip(path: Path, entries: dict[str, bytes], link: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, "/etc/passwd")
    return path


@pytest.mark.parametrize(("entries", "link", "said"), [
    ({"d/d.yaml": VALID_DECK.encode(), "../evil.png": PNG}, None, "outside the package"),
    ({"d/d.yaml": VALID_DECK.encode(), "/abs.png": PNG}, None, "outside the package"),
    ({"d/d.yaml": VALID_DECK.encode()}, "d/link.png", "is a link"),
])
def test_hostile_packages_are_refused_and_leave_nothing(
        tmp_path: Path, entries: dict[str, bytes], link: str | None, said: str) -> None:
    bad = _zip(tmp_path / "bad.zip", entries, link)
    dest = tmp_path / "dest"
    code, _, err = run("import", str(bad), "-o", str(dest))
    assert code == 2 and said in err, err
    assert not dest.exists() or not any(dest.iterdir())
    assert not (tmp_path / "evil.png").exists()


def test_a_package_whose_deck_has_problems_is_not_unpacked(tmp_path: Path) -> None:
    bad = _zip(tmp_path / "bad.zip", {"d/d.yaml": VALID_DECK.replace("answer: A", "answer: Q")
                                      .encode()})
    dest = tmp_path / "dest"
    code, out, err = run("import", str(bad), "-o", str(dest))
    assert code == 1 and "bad.zip:d/d.yaml:" in out and "nothing was unpacked" in err
    assert not any(dest.iterdir())


def test_guide_prints_the_format_guide_without_a_display(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run("guide", "--print")
    assert code == 0 and out == guide_path().read_text(encoding="utf-8")
    assert "YAML traps" in out
    code, out, _ = run("guide", "--path")
    assert code == 0 and Path(out.strip()) == guide_path() and guide_path().is_file()


def test_new_files_get_the_users_normal_permissions(deck_with_picture: Path,
                                                    tmp_path: Path) -> None:
    """Exports, packages and imported decks are shared with colleagues: not owner-only."""
    old = os.umask(0o022)
    try:
        assert run("pack", str(deck_with_picture))[0] == 0
        assert run("export", str(deck_with_picture), "-o", str(tmp_path / "n.tsv"))[0] == 0
        assert run("new", str(tmp_path / "new.yaml"))[0] == 0
    finally:
        os.umask(old)
    for made in (deck_with_picture.with_suffix(".zip"), tmp_path / "n.tsv",
                 tmp_path / "new.yaml"):
        assert stat.S_IMODE(made.stat().st_mode) == 0o644, made
