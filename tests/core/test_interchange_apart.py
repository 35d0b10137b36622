"""An import converted in a child process (the app does this for large files, so that the
parsers, which hold Python's global lock, never freeze the window) gives exactly what the
conversion in this process gives: the same deck file, the same messages, the same errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.core.authoring import AuthoringError
from quizapp.core.interchange import apart
from quizapp.core.interchange.apart import ImportCancelledError, import_apart
from quizapp.core.interchange.messages import ConvertError
from tests.core.test_interchange_anki_package import STOCK_NOTES, Package

IN_CHILD, HERE = 0, 1 << 40  # apart_bytes: every file / no file is converted apart


def _both(src: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    out = {}
    for name, limit in (("child", IN_CHILD), ("here", HERE)):
        target = tmp_path / name / "deck.yaml"
        target.parent.mkdir()
        summary = import_apart(src, target, apart_bytes=limit)
        out[name] = (summary, target.read_text(encoding="utf-8"))
    return out["child"], out["here"]


def test_an_anki_package_converted_in_a_child_is_the_same_deck_and_messages(
        tmp_path: Path) -> None:
    src = tmp_path / "cardio.apkg"
    src.write_bytes(Package(STOCK_NOTES).apkg("legacy2", {"murmur.png": "png"}))
    (child, child_text), (here, here_text) = _both(src, tmp_path)
    assert child_text == here_text
    assert child == here
    assert child.items == 8 and len(child.skipped) == 1
    assert [str(m) for m in child.messages] == [str(m) for m in here.messages]
    assert "Image Occlusion" in str(child.skipped[0])


def test_a_gift_file_converted_in_a_child_is_the_same_too(tmp_path: Path) -> None:
    src = tmp_path / "questions.gift"
    src.write_text("::q1:: 2+2? {=4 ~5}\n\n::q2:: Essay {}\n", encoding="utf-8")
    (child, child_text), (here, here_text) = _both(src, tmp_path)
    assert (child, child_text) == (here, here_text)
    assert child.items == 1 and len(child.skipped) == 1


@pytest.mark.parametrize("limit", [IN_CHILD, HERE])
def test_nothing_convertible_raises_the_same_located_messages(tmp_path: Path,
                                                              limit: int) -> None:
    src = tmp_path / "broken.apkg"
    src.write_bytes(b"PK\x03\x04 this is not a zip archive")
    with pytest.raises(ConvertError) as caught:
        import_apart(src, tmp_path / "deck.yaml", apart_bytes=limit)
    assert [str(m) for m in caught.value.messages]
    assert all("broken.apkg" in str(m) for m in caught.value.messages)
    assert not (tmp_path / "deck.yaml").exists()


def test_the_child_gives_the_same_messages_as_here_for_a_broken_file(tmp_path: Path) -> None:
    src = tmp_path / "broken.apkg"
    src.write_bytes(b"PK\x03\x04 this is not a zip archive")
    said = []
    for limit in (IN_CHILD, HERE):
        with pytest.raises(ConvertError) as caught:
            import_apart(src, tmp_path / "deck.yaml", apart_bytes=limit)
        said.append([str(m) for m in caught.value.messages])
    assert said[0] == said[1]


def test_a_usage_problem_in_the_child_is_the_same_message(tmp_path: Path) -> None:
    src = tmp_path / "questions.yaml"  # GIFT in a file named .yaml: the output is the input
    src.write_text("::q1:: 2+2? {=4 ~5}\n", encoding="utf-8")
    with pytest.raises(AuthoringError, match="is the file being imported"):
        import_apart(src, src, force=True, apart_bytes=IN_CHILD)
    assert src.read_text(encoding="utf-8") == "::q1:: 2+2? {=4 ~5}\n"


def test_cancel_stops_the_child_and_writes_nothing(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "cardio.apkg"
    src.write_bytes(Package(STOCK_NOTES).apkg("legacy2"))
    out = tmp_path / "deck.yaml"
    with pytest.raises(ImportCancelledError):
        import_apart(src, out, cancelled=lambda: True, apart_bytes=IN_CHILD)
    assert not out.exists()


def test_a_child_that_dies_is_said_in_a_message(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "cardio.apkg"
    src.write_bytes(Package(STOCK_NOTES).apkg("legacy2"))
    monkeypatch.setattr(apart, "_child", _die)
    with pytest.raises(AuthoringError, match=r"cardio\.apkg: the conversion stopped unexpectedly"):
        import_apart(src, tmp_path / "deck.yaml", apart_bytes=IN_CHILD)
    assert not (tmp_path / "deck.yaml").exists()


def _die(*_args: object) -> None:
    import os

    os._exit(3)
