"""The one rule for what a text or an item may load (quizapp.core.resources)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizapp.core import deckfile
from quizapp.core.deckfile import DeckError
from quizapp.core.resources import (
    Refused,
    ResourceError,
    image_refs,
    read_image,
    resolve_image,
    svg_problem,
)
from tests.helpers import VALID_DECK


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "deck"
    (d / "img").mkdir(parents=True)
    (d / "img" / "ok.png").write_bytes(b"\x89PNG....")
    (tmp_path / "secret.png").write_bytes(b"\x89PNG secret")
    return d


def test_a_picture_inside_the_folder_is_allowed(folder: Path) -> None:
    assert resolve_image(folder, "img/ok.png") == (folder / "img" / "ok.png").resolve()
    assert resolve_image(folder, "img/%6Fk.png") == (folder / "img" / "ok.png").resolve()
    assert resolve_image(folder, "ok.png", base=folder / "img") == \
        (folder / "img" / "ok.png").resolve()


@pytest.mark.parametrize("ref", [
    "/etc/passwd", "../secret.png", "img/../../secret.png", "%2e%2e/secret.png",
    "file:///etc/passwd", "FILE:../secret.png", "http://example.com/a.png", "data:image/png,x",
    "qrc:/x.png", "C:/x.png", "//host/share/x.png", "img\\ok.png", "img/ok.png?x=1",
    "img/ok.png#frag", "", "  ", "img/ok.png\x00",
])
def test_anything_else_is_refused(folder: Path, ref: str) -> None:
    assert isinstance(resolve_image(folder, ref), Refused)


def test_no_folder_means_nothing(folder: Path) -> None:
    assert isinstance(resolve_image(None, "img/ok.png"), Refused)


def test_symlink_out_of_the_folder_is_refused_but_inside_is_fine(folder: Path) -> None:
    (folder / "out.png").symlink_to(folder.parent / "secret.png")
    (folder / "in.png").symlink_to(folder / "img" / "ok.png")
    (folder / "outdir").symlink_to(folder.parent)
    assert "outside the folder" in str(resolve_image(folder, "out.png"))
    assert isinstance(resolve_image(folder, "outdir/secret.png"), Refused)
    assert resolve_image(folder, "in.png") == (folder / "img" / "ok.png").resolve()


def test_special_files_and_big_files_are_refused(folder: Path) -> None:
    os.mkfifo(folder / "fifo.png")
    assert "not a regular file" in str(resolve_image(folder, "fifo.png"))
    assert "not a regular file" in str(resolve_image(folder, "img"))
    (folder / "zero.png").symlink_to("/dev/zero")
    assert isinstance(resolve_image(folder, "zero.png"), Refused)
    (folder / "big.png").write_bytes(b"x" * 2000)
    assert "too large" in str(resolve_image(folder, "big.png", max_bytes=1000))


def test_read_image_refuses_links_fifos_and_size(folder: Path) -> None:
    assert read_image(folder / "img" / "ok.png") == b"\x89PNG...."
    os.mkfifo(folder / "fifo.png")
    with pytest.raises(ResourceError, match="not a regular file"):
        read_image(folder / "fifo.png")  # would block forever if opened plainly
    (folder / "out.png").symlink_to(folder.parent / "secret.png")
    with pytest.raises(ResourceError, match="symbolic link"):
        read_image(folder / "out.png")
    with pytest.raises(ResourceError, match="larger than"):
        read_image(folder / "img" / "ok.png", max_bytes=4)


# --------------------------------------------------------------------------- Markdown


@pytest.mark.parametrize(("text", "target"), [
    ("![x](/abs/p.png)", "/abs/p.png"),
    ("![x] (/abs/p.png)", ""),  # md4c: not an image, but we count it
    ("![a [b] c](/abs/p.png)", "/abs/p.png"),
    ("![a \\] c](/abs/p.png)", "/abs/p.png"),
    ("![x](</abs/my p.png>)", "/abs/my p.png"),
    ("![x](/abs/p(1).png)", "/abs/p(1).png"),
    ("![x][r]\n\n[r]: /abs/p.png", "/abs/p.png"),
    ("![x][R  1]\n\n[r 1]:\n  </abs/p.png>", "/abs/p.png"),
    ("![r][]\n\n[r]: /abs/p.png", "/abs/p.png"),
    ("![r]\n\n> [r]: /abs/p.png", "/abs/p.png"),
    ("- ![r]\n- [r]: /abs/p.png", "/abs/p.png"),
    ("`![x](/abs/p.png)`", "/abs/p.png"),  # conservative: counted even in code
    ("![x]", ""),
])
def test_image_refs_finds_every_form(text: str, target: str) -> None:
    refs = image_refs(text)
    assert len(refs) == 1 and refs[0].target == target


@pytest.mark.parametrize("text", [
    "no images", "\\![x](/abs/p.png)", "a [link](/abs/p.png)", "[x]: /abs/p.png",
    "!\\[x](/abs/p.png)", "<https://example.com>",
])
def test_text_without_images(text: str) -> None:
    assert image_refs(text) == []


def test_escaped_backslash_before_an_image_does_not_hide_it() -> None:
    assert len(image_refs("\\\\![x](/abs/p.png)")) == 1


# --------------------------------------------------------------------------- SVG


@pytest.mark.parametrize("svg", [
    b'<svg><image href="/etc/x.png"/></svg>',
    b'<svg><image xlink:href="x.png"/></svg>',
    b"<svg><image xlink:href='data:image/svg+xml;base64,AAAA'/></svg>",
    b'<svg><rect style="fill: url(/x.svg#p)"/></svg>',
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "/etc/passwd">]><svg>&x;</svg>',
    b'<?xml-stylesheet href="/x.css"?><svg/>',
    b"<svg><style>@import '/x.css';</style></svg>",
])
def test_svg_that_would_load_anything_is_refused(svg: bytes) -> None:
    assert svg_problem(svg)


def test_svg_referring_to_its_own_parts_is_fine() -> None:
    assert svg_problem(b'<svg><defs><g id="a"/></defs><use href="#a"/>'
                       b'<rect fill="url(#g)"/></svg>') is None


# --------------------------------------------------------------------------- the deck checker


def _image_deck(folder: Path, raw: str) -> Path:
    path = folder / "d.yaml"
    path.write_text(VALID_DECK.replace("    back: Back\n", f"    back: Back\n    image: {raw}\n"),
                    encoding="utf-8")
    return path


def test_checker_refuses_an_image_field_that_links_out(folder: Path) -> None:
    (folder / "out.png").symlink_to(folder.parent / "secret.png")
    with pytest.raises(DeckError, match="leaves the deck's folder"):
        deckfile.load(_image_deck(folder, "out.png"))


def test_checker_refuses_a_fifo_image_without_blocking(folder: Path) -> None:
    os.mkfifo(folder / "pipe.png")
    with pytest.raises(DeckError, match="not a regular file"):
        deckfile.load(_image_deck(folder, "pipe.png"))


def test_checker_refuses_dotdot_even_when_it_stays_inside(folder: Path) -> None:
    with pytest.raises(DeckError, match="leaves the deck's folder"):
        deckfile.load(_image_deck(folder, "img/../img/ok.png"))


def test_checker_names_the_image_it_refuses_in_text() -> None:
    text = VALID_DECK.replace("front: Front", 'front: "![x][r]\\n\\n[r]: /etc/passwd"')
    with pytest.raises(DeckError) as e:
        deckfile.parse(text, "d.yaml")
    (p,) = e.value.problems
    assert p.message.startswith("images inside text are not allowed ('/etc/passwd')")
    assert (p.line, p.column, p.path) == (9, 12, "items[0].front")


def test_citation_is_checked_like_card_text() -> None:
    text = VALID_DECK.replace("citation: A source", 'citation: "![c](/etc/x.png)"')
    with pytest.raises(DeckError, match="images inside text are not allowed"):
        deckfile.parse(text, "d.yaml")


@pytest.mark.parametrize(("old", "new"), [
    ("id: fc1", 'id: "fc1\\n"'),
    ("id: test-deck", 'id: "test-deck\\n"'),
    ("  src: {citation: A source}", '  "src\\n": {citation: A source}'),
    ("answer: A", 'answer: "A\\n"'),
])
def test_ids_with_a_trailing_newline_are_refused(old: str, new: str) -> None:
    with pytest.raises(DeckError):
        deckfile.parse(VALID_DECK.replace(old, new), "d.yaml")


@given(st.text(alphabet="![]()\\<> \nab/:", max_size=30))
def test_text_the_checker_accepts_has_no_image(text: str) -> None:
    """Whatever the checker lets through, image_refs finds nothing in (the renderer then has
    nothing to refuse); and the checker never crashes on bracket soup."""
    deck = VALID_DECK.replace("front: Front", "front: " + _quote(text))
    try:
        d = deckfile.parse(deck, "d.yaml")
    except DeckError:
        return
    assert image_refs(d.items[0].front) == []  # type: ignore[union-attr]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def test_a_deck_an_older_checker_passed_is_checked_again(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The parse cache keeps decks that passed; one cached by the checker before these rules
    (cache format '/1') must not let a deck skip them."""
    import hashlib

    import quizapp
    from quizapp.core import library
    path = tmp_path / "d.yaml"
    path.write_text(VALID_DECK.replace("front: Front", 'front: "![x][r]\\n\\n[r]: /etc/passwd"'),
                    encoding="utf-8")
    cache = library.DeckCache(tmp_path / "cache")
    with monkeypatch.context() as m:  # what the older checker wrote: it passed the deck
        m.setattr(library, "CACHE_VERSION", f"{quizapp.__version__}/1")
        data = path.read_bytes()
        cache.put(path, path.stat(), hashlib.sha256(data).hexdigest(),
                  deckfile.parse(VALID_DECK, "d.yaml"))
    r = library.load_deck(path, cache)
    assert not r.ok and "images inside text are not allowed" in str(r.problems[0])


def test_svg_check_is_linear_and_not_fooled_by_long_values() -> None:
    assert svg_problem(b'<svg><image href="' + b"/" * 100_000 + b'x.png"/></svg>')
    assert svg_problem(b"<svg>" + b'<a href="' * 200_000)  # unterminated: no quadratic scan
    assert svg_problem(b"<svg>" + b"url(" * 200_000)


def test_svg_with_the_usual_doctype_is_fine() -> None:
    assert svg_problem(b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
                       b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg/>') is None


@pytest.mark.parametrize("soup", ["![" * 10_000, "![a](" * 4_000, "[" * 19_990 + "![x]",
                                  "![x](" + "(" * 19_990, "![x](" + "\\" * 19_990])
def test_image_refs_on_bracket_soup_of_the_longest_text(soup: str) -> None:
    """One pass over the text (this took 10 s per field with a scan per '![')."""
    assert image_refs(soup)
