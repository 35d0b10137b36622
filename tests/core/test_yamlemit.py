"""The fast deck writer (quizapp.core.yamlemit) writes exactly what PyYAML writes."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.core import authoring
from quizapp.core.authoring import FlowList, dump_deck
from quizapp.core.yamlemit import Emitter
from tests.conftest import DECKS
from tests.helpers import examples


def pyyaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=authoring._Dumper, **authoring._DUMP_OPTIONS)


def fast(data: dict[str, Any]) -> str:
    return Emitter(authoring._Dumper, FlowList, authoring._DUMP_OPTIONS).dump(data)


# Text that exercises every quoting rule: indicators, ": ", " #", quotes, spaces at either
# end, line breaks (with trailing spaces, blank lines, a final break), tabs, control and
# Unicode characters, and words YAML reads as other types.
_ALPHABET = st.sampled_from([*"ab Z09-:#'\"\n\t,[]{}&*!|>%@`?.()\\/_~=+<",
    "\x85", "\u2028", "\ufeff", "\xa0", "é", "\U0001f600", "\x07", "\ud7ff", "\ue000"])
_WORDS = st.sampled_from(["yes", "No", "null", "~", "true", "1.0", "12", "0x1F", "2025-03-14",
                          ".5", "-x", "- x", "a: b", "a #b", "a#b", "x:", "", " ", "'q'", "=",
                          "<<", "é"])
TEXT = st.one_of(_WORDS, st.text(_ALPHABET, max_size=30),
                 st.lists(st.one_of(_WORDS, st.text(_ALPHABET, max_size=8)), max_size=4).map(
                     "\n".join))
KEY = st.one_of(st.sampled_from(["id", "front", "options", "a b", "x-y", "1", "yes", "k:"]),
                st.text(_ALPHABET, min_size=1, max_size=6))
SCALAR = st.one_of(TEXT, st.integers(-5, 10**20), st.booleans(), st.none())
VALUE = st.recursive(
    st.one_of(SCALAR, st.lists(TEXT, max_size=3).map(FlowList)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(KEY, inner, max_size=3)),
    max_leaves=12)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEY, VALUE, max_size=5))
def test_the_fast_writer_writes_what_pyyaml_writes(data: dict[str, Any]) -> None:
    assert fast(data) == pyyaml(data)


def test_the_bundled_decks_are_written_as_pyyaml_writes_them() -> None:
    def flow(x: Any) -> Any:  # tags and answers as the importer writes them
        if isinstance(x, dict):
            return {k: FlowList(v) if k in ("tags", "answers") and isinstance(v, list)
                    else flow(v) for k, v in x.items()}
        return [flow(v) for v in x] if isinstance(x, list) else x

    for path in sorted(DECKS.glob("*.yaml")):
        data = flow(yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader))
        assert fast(data) == pyyaml(data), path.name
        assert dump_deck(data, "# header\n").startswith("# header\nformat: 1\n")
