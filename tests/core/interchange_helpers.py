"""What the interchange tests share: the sample files, a fixed date, the CLI runner."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from quizapp.cli import main
from quizapp.core import deckfile
from quizapp.core.interchange import (
    building,
)
from quizapp.core.interchange.conversion import convert
from quizapp.core.model import Case, Deck, Flashcard, Question
from tests.conftest import DECKS
from tests.helpers import VALID_DECK

DATA = Path(__file__).resolve().parent.parent / "data" / "interop"
TODAY = dt.date(2025, 3, 14)
BUNDLED = sorted(DECKS.glob("*.yaml"))
RAW_HTML = re.compile(r"<\s*/?\s*[A-Za-z!?]")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def imp(name: str, **kw: object) -> building.ImportResult:
    path = DATA / name
    return convert(path.read_bytes(), str(path), today=TODAY, **kw)  # type: ignore[arg-type]


def items(result: building.ImportResult) -> dict[str, Flashcard | Question | Case]:
    return {it.id: it for it in result.deck.items}


def line_of(name: str, needle: str) -> int:
    for no, line in enumerate((DATA / name).read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return no
    raise AssertionError(needle)



def load_valid(tmp_path: Path) -> Deck:
    p = tmp_path / "d.yaml"
    p.write_text(VALID_DECK, encoding="utf-8")
    return deckfile.load(p)


def load_unshuffled(tmp_path: Path) -> Deck:
    """The valid deck with ``shuffle: false``: options keep the order they were written in."""
    p = tmp_path / "d.yaml"
    p.write_text(VALID_DECK.replace("items:\n", "defaults:\n  shuffle: false\nitems:\n", 1),
                 encoding="utf-8")
    return deckfile.load(p)
