"""Nothing the GUI renders loads a file from outside the deck's folder.

Each route the red team found (issue 12, critical 1 and high 1) gets a deck or a text that
names a *sentinel*: a bright magenta picture outside the deck's folder. Had Qt loaded it, the
rendered widget would show magenta pixels (and be at least its 240 px tall). The renderer must
instead ask our resolver, which refuses, and show the alt text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QTextDocument
from PySide6.QtWidgets import QLabel, QWidget

from quizapp.core import deckfile, resources
from quizapp.core.model import Option, Question
from quizapp.core.scoring import mark_question
from quizapp.ui import widgets
from quizapp.ui.app import create_app
from quizapp.ui.preview import PreviewWindow
from tests.helpers import VALID_DECK

MAGENTA = QColor(255, 0, 255)


@pytest.fixture
def sentinel(qapp, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A 240 x 240 magenta PNG outside the deck folder (tmp_path/deck)."""
    (tmp_path / "deck").mkdir()
    out = tmp_path / "outside" / "secret.png"
    out.parent.mkdir()
    img = QImage(240, 240, QImage.Format.Format_RGB32)
    img.fill(MAGENTA)
    assert img.save(str(out))
    return out


def shows_sentinel(w: QWidget) -> bool:
    if not w.isVisible():
        w.resize(w.sizeHint())
        w.show()
    img = w.grab().toImage()
    step = 4
    return any(img.pixelColor(x, y) == MAGENTA
               for y in range(0, img.height(), step) for x in range(0, img.width(), step))


@pytest.fixture
def asked(monkeypatch) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    """Every question put to the one resolver, with its answer."""
    calls: list[tuple[str, object]] = []
    real = resources.resolve_image

    def spy(folder, ref, base=None, **kw):  # type: ignore[no-untyped-def]
        res = real(folder, ref, base, **kw)
        calls.append((ref, res))
        return res

    monkeypatch.setattr(resources, "resolve_image", spy)
    return calls


def routes(secret: Path) -> dict[str, str]:
    s = secret.as_posix()
    return {
        "reference-style": f"See ![x][r] here.\n\n[r]: {s}",
        "reference, collapsed": f"See ![r][] here.\n\n[r]: <{s}>",
        "nested brackets": f"See ![a [b] c]({s}) here.",
        "escaped bracket": f"See ![a \\] c]({s}) here.",
        "file URL": f"See ![x](file://{s}) here.",
        "relative ..": "See ![x](../outside/secret.png) here.",
        "raw HTML": f'See <img src="{s}"> here.',
        "citation": f"*Source:* Smith J. ![cover]({s}) BMJ 2017.",
        "HTML background": f'<table background="{s}"><tr><td>x x x x</td></tr>'
                           "</table>\n\nx",
    }


ROUTES = list(routes(Path("/x")))
PICTURE_ROUTES = [r for r in ROUTES if r not in ("raw HTML", "citation", "HTML background")]


@pytest.mark.parametrize("route", ROUTES)
def test_markdown_text_never_shows_a_file_outside_the_deck(
        qtbot, sentinel: Path, route: str) -> None:  # type: ignore[no-untyped-def]
    w = widgets.Markdown(routes(sentinel)[route])
    qtbot.addWidget(w)
    assert not shows_sentinel(w)
    assert w.height() < 100  # no room taken by a 240 px picture


@pytest.mark.parametrize("route", [*PICTURE_ROUTES, "HTML background"])
def test_markdown_pictures_go_through_the_resolver_and_are_refused(
        qtbot, sentinel: Path, route: str, asked) -> None:  # type: ignore[no-untyped-def]
    w = widgets.Markdown(routes(sentinel)[route])
    qtbot.addWidget(w)
    shows_sentinel(w)
    assert asked and all(isinstance(res, resources.Refused) for _ref, res in asked)
    assert w.safe_document is not None and w.safe_document.refused
    if route in PICTURE_ROUTES:
        assert "picture not shown" in w.toPlainText()


@pytest.mark.parametrize("route", ROUTES)
def test_every_part_of_a_question_is_safe(qtbot, sentinel: Path, route: str) -> None:  # type: ignore[no-untyped-def]
    text = routes(sentinel)[route]
    q = Question(id="q", kind="single", stem=text,
                 options=(Option(text, True, text), Option("B", False, None)),
                 explanation=text, objective=text)
    view = widgets.QuestionView("q", q, (0, 1), confidence=False, exam=False)
    qtbot.addWidget(view)
    view.show_feedback(mark_question(q, (0,)), (0,), sources=text)
    assert not shows_sentinel(view)


def test_the_validator_refuses_the_same_pictures(sentinel: Path) -> None:
    for route, text in routes(sentinel).items():
        if route == "citation":
            deck = VALID_DECK.replace("citation: A source", f"citation: {_yaml(text)}")
        else:
            deck = VALID_DECK.replace("front: Front", f"front: {_yaml(text)}")
        with pytest.raises(deckfile.DeckError) as e:
            deckfile.parse(deck, "d.yaml", sentinel.parent.parent / "deck" / "d.yaml")
        msg = str(e.value)
        assert "images inside text are not allowed" in msg or "raw HTML" in msg, route


def _yaml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def hostile_titles_deck(sentinel: Path) -> Path:
    tag = f'<img src="{sentinel.as_posix()}">'
    text = (VALID_DECK.replace("title: Test deck", f"title: '{tag}'")
            .replace("title: A case", f"title: '{tag}'")
            .replace("      - id: s1\n", f"      - id: s1\n        title: '{tag}'\n"))
    path = sentinel.parent.parent / "deck" / "d.yaml"
    path.write_text(text, encoding="utf-8")
    deckfile.load(path)  # `quizapp validate` accepts it: titles are plain text
    return path


def test_titles_are_plain_text_in_the_preview(qtbot, sentinel: Path) -> None:  # type: ignore[no-untyped-def]
    create_app()
    win = PreviewWindow(hostile_titles_deck(sentinel))
    qtbot.addWidget(win)
    win.show()
    assert win.deck() is not None
    assert "<img" in win.header.text() and not shows_sentinel(win.header)
    win.items.setCurrentRow(3)  # the case: its title and the stage's title
    shown = [w for w in win.findChildren(QLabel) if "<img" in w.text()]
    assert len(shown) >= 3
    assert not any(shows_sentinel(w) for w in shown)
    assert not shows_sentinel(win)


def test_titles_are_plain_text_in_the_library(make_window, sentinel: Path) -> None:  # type: ignore[no-untyped-def]
    path = hostile_titles_deck(sentinel)
    win = make_window(extra=[path])
    win.library.select_path(str(path))
    assert "<img" in win.library.detail_title.text()
    assert not shows_sentinel(win.library.detail_title)
    assert not shows_sentinel(win)
    # the deck's tooltip, shown the way QToolTip shows it (HTML when it looks like HTML)
    table = win.library.table
    row = next(r for r in range(table.rowCount())
               if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == str(path))
    tip = QLabel(table.item(row, 0).toolTip())
    assert not shows_sentinel(tip)


def test_plain_tooltip_shows_markup_as_written(qtbot, sentinel: Path) -> None:  # type: ignore[no-untyped-def]
    text = f'Deck “<img src="{sentinel.as_posix()}">” & more'
    tip = QLabel(widgets.plain_tooltip(text))
    qtbot.addWidget(tip)
    assert not shows_sentinel(tip)
    assert tip.text() != text and html_as_plain_text(tip.text()) == text


def html_as_plain_text(html: str) -> str:
    doc = QTextDocument()
    doc.setHtml(html)
    return doc.toPlainText()


def svg_deck(sentinel: Path, svg: str) -> Path:
    folder = sentinel.parent.parent / "deck"
    (folder / "pic.svg").write_text(svg, encoding="utf-8")
    path = folder / "d.yaml"
    path.write_text(VALID_DECK.replace("    back: Back\n",
                                       "    back: Back\n    image: pic.svg\n"), encoding="utf-8")
    return path


HOSTILE_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
               ' width="240" height="240"><image {attr}="{href}" width="240" height="240"/>'
               '</svg>')


@pytest.mark.parametrize("attr", ["href", "xlink:href"])
def test_svg_that_loads_a_file_is_refused_by_validator_and_renderer(
        qtbot, sentinel: Path, attr: str) -> None:  # type: ignore[no-untyped-def]
    path = svg_deck(sentinel, HOSTILE_SVG.format(attr=attr, href=sentinel.as_posix()))
    with pytest.raises(deckfile.DeckError, match="an SVG may only refer to its own parts"):
        deckfile.load(path)
    pic = widgets.Picture(path.parent / "pic.svg", "a picture")
    qtbot.addWidget(pic)
    assert not shows_sentinel(pic)
    assert pic.full.isNull() and "could not be shown" in pic.text()


def test_plain_svg_is_shown(qtbot, sentinel: Path) -> None:  # type: ignore[no-untyped-def]
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><defs>'
           '<rect id="r" width="40" height="40" fill="#00f"/></defs>'
           '<use href="#r"/></svg>')
    path = svg_deck(sentinel, svg)
    deck = deckfile.load(path)
    pic = widgets.Picture(deck.items[0].image, None)  # type: ignore[union-attr, arg-type]
    qtbot.addWidget(pic)
    assert not pic.full.isNull()


def test_picture_never_opens_a_fifo_or_a_link_swapped_in_later(qtbot, sentinel: Path) -> None:  # type: ignore[no-untyped-def]
    import os
    folder = sentinel.parent.parent / "deck"
    link = folder / "link.png"
    link.symlink_to(sentinel)
    pic = widgets.Picture(link, None)
    qtbot.addWidget(pic)
    assert pic.full.isNull() and not shows_sentinel(pic)
    fifo = folder / "fifo.png"
    os.mkfifo(fifo)
    pic = widgets.Picture(fifo, None)  # would block forever if opened for reading
    qtbot.addWidget(pic)
    assert pic.full.isNull()


def test_help_viewer_loads_only_its_own_folder(qtbot, tmp_path: Path, sentinel: Path) -> None:  # type: ignore[no-untyped-def]
    from quizapp.ui.dialogs import TextDialog
    guide = tmp_path / "guide"
    (guide / "img").mkdir(parents=True)
    ok = QImage(30, 30, QImage.Format.Format_RGB32)
    ok.fill(QColor(0, 0, 255))
    ok.save(str(guide / "img" / "ok.png"))
    (guide / "README.md").write_text(
        f"# Guide\n\n![ok](img/ok.png)\n\n![bad]({sentinel.as_posix()})\n\n"
        "![up](../outside/secret.png)\n", encoding="utf-8")
    dialog = TextDialog(None, "Guide", "", source=guide / "README.md")
    qtbot.addWidget(dialog)
    assert not shows_sentinel(dialog)
    refused = [ref for ref, _why in dialog.view.safe_document.refused]  # type: ignore[attr-defined]
    assert any("secret.png" in r for r in refused)
    assert not any("ok.png" in r for r in refused)


def _qt_images(text: str) -> list[str]:
    """The pictures Qt's own Markdown parser (md4c) finds in ``text`` (nothing is loaded: the
    document is never laid out)."""
    doc = QTextDocument()
    doc.setMarkdown(text)
    names = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isImageFormat():
                names.append(fmt.toImageFormat().name())
            it += 1
        block = block.next()
    return names


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="![]()\\<>`:/ \nab", max_size=40))
def test_image_refs_sees_every_picture_qt_would_load(qapp, text: str) -> None:  # type: ignore[no-untyped-def]
    """The checker's extractor is at least as eager as md4c: whatever Qt would show as a
    picture, image_refs reports (so the checker refuses it)."""
    assert len(resources.image_refs(text)) >= len(_qt_images(text))


def test_qt_agrees_on_the_red_team_routes(sentinel: Path) -> None:
    for route, text in routes(sentinel).items():
        if route not in ("raw HTML", "HTML background"):
            assert _qt_images(text) and resources.image_refs(text), route


def test_help_viewer_follows_links_only_inside_its_folder(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QUrl

    from quizapp.ui.dialogs import TextDialog
    guide = tmp_path / "guide"
    (guide / "docs").mkdir(parents=True)
    (guide / "README.md").write_text("# Guide\n\n[more](docs/more.md)\n", encoding="utf-8")
    (guide / "docs" / "more.md").write_text("# More help\n", encoding="utf-8")
    (tmp_path / "private.md").write_text("# SECRET NOTES\n", encoding="utf-8")
    dialog = TextDialog(None, "Guide", "", source=guide / "README.md")
    qtbot.addWidget(dialog)
    dialog._follow(QUrl("docs/more.md"))
    assert "More help" in dialog.view.toPlainText()
    dialog._follow(QUrl("../../private.md"))
    dialog._follow(QUrl.fromLocalFile(str(tmp_path / "private.md")))
    assert "SECRET" not in dialog.view.toPlainText()
    assert "More help" in dialog.view.toPlainText()  # it stays on the page it was on
