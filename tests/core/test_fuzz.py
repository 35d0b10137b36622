"""Property-based: random mutations of a valid deck never raise anything but DeckError."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core import deckfile
from quizapp.core.deckfile import DeckError
from tests.helpers import VALID_DECK

LINES = VALID_DECK.splitlines(keepends=True)
SNIPPETS = ["", "- ", ": ", "{", "}", "[", "]", "&a ", "*a", "!!python/name:os.system",
            "<<: *a", "? ", "|", ">", "'", '"', "#", "\t", "---\n", "...\n", "%YAML 1.1\n",
            "~", "null", "yes", "0x1F", "1e9", "2001-12-14", "\\x00", "\x00", "\ufeff",
            "type: case", "answer: Z", "stages: []", "options: []", "source: nope",
            "image: ../../etc/passwd.png", "<b>", "![x](http://e/x.png)", "\u2028"]


def _load(text: str) -> None:
    try:
        deckfile.parse_bytes(text.encode("utf-8", "surrogatepass"), "fuzz.yaml")
    except DeckError as e:
        for p in e.problems:
            assert "\n" not in str(p)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_line_mutations(data: st.DataObject) -> None:
    lines = list(LINES)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.sampled_from(["delete", "dup", "insert", "indent", "dedent", "swap"]))
        if op == "delete":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "insert":
            lines.insert(i, data.draw(st.sampled_from(SNIPPETS)) + "\n")
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i][2:]
        else:
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        if not lines:
            lines = [""]
    _load("".join(lines))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(VALID_DECK)), st.sampled_from(SNIPPETS), st.integers(0, 5))
def test_character_splices(pos: int, snippet: str, cut: int) -> None:
    _load(VALID_DECK[:pos] + snippet + VALID_DECK[pos + cut:])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    with contextlib.suppress(DeckError):
        deckfile.parse_bytes(data, "fuzz.yaml")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_random_text_after_header(text: str) -> None:
    _load(VALID_DECK + text)
