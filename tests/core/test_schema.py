"""The shipped JSON Schema is generated from the loader's rules and agrees with the loader."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
import yaml

from quizapp.core import deckfile, deckschema
from quizapp.core.deckfile import DeckError
from quizapp.core.paths import bundled_decks_dir, resources_dir
from tests.conftest import DECKS
from tests.helpers import VALID_DECK

SCHEMA = deckschema.json_schema()


def test_shipped_schema_is_identical_to_generated() -> None:
    shipped = (resources_dir() / "deck.schema.json").read_text(encoding="utf-8")
    assert shipped == deckschema.json_schema_text(), (
        "resources/deck.schema.json is stale: run `quizapp schema > resources/deck.schema.json`")


def test_schema_is_valid_draft7() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def _deck_files() -> list:  # type: ignore[type-arg]
    return sorted(bundled_decks_dir().glob("*.yaml"))


@pytest.mark.parametrize("path", _deck_files(), ids=lambda p: p.name)
def test_bundled_decks_valid_for_schema_and_loader(path) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../resources/deck.schema.json\n")
    jsonschema.validate(yaml.safe_load(text), SCHEMA)
    deckfile.parse(text, str(path), path)


def test_readme_example_valid_for_schema_and_loader() -> None:
    readme = (DECKS / "README.md").read_text(encoding="utf-8")
    example = re.search(r"## A complete, commented example\n\n```yaml\n(.*?)```", readme,
                        re.S).group(1)  # type: ignore[union-attr]
    example = re.sub(r"\n\s*image(_alt)?: .*", "", example)  # no pictures beside the README
    jsonschema.validate(yaml.safe_load(example), SCHEMA)
    deck = deckfile.parse(example, "example.yaml")
    assert {it.kind for it in deck.items} == {"flashcard", "single", "multi", "case"}


BROKEN = [
    VALID_DECK.replace("front: Front", "frnt: Front"),           # unknown + missing field
    VALID_DECK.replace("type: flashcard", "type: flash"),        # unknown kind
    VALID_DECK.replace("answers: [A, C]", "answers: []"),        # no correct option
    VALID_DECK.replace("format: 1", "format: 2"),                # newer format
    VALID_DECK.replace("id: test-deck", "id: 'bad id!'"),        # bad id
    VALID_DECK.replace("answer: A", "answer: a"),                # not a letter
    VALID_DECK.replace("front: Front", "front: '<b>x</b>'"),     # raw HTML
    VALID_DECK.split("    stages:")[0] + "    stages: []\n",     # empty case
]


@pytest.mark.parametrize("text", BROKEN)
def test_schema_and_loader_both_reject(text: str) -> None:
    with pytest.raises(DeckError):
        deckfile.parse(text, "d.yaml")
    errors = list(jsonschema.Draft7Validator(SCHEMA).iter_errors(yaml.safe_load(text)))
    assert errors, "the JSON Schema accepted a deck the loader rejects"


def test_schema_json_roundtrip() -> None:
    assert json.loads(deckschema.json_schema_text()) == SCHEMA


def test_schema_accepts_what_the_loader_accepts_as_text_and_ids() -> None:
    text = VALID_DECK.replace("id: fc1", "id: 101").replace("back: Back", "back: No").replace(
        "front: Front", "front: 1.5")
    deckfile.parse(text, "d.yaml")
    jsonschema.validate(yaml.safe_load(text), SCHEMA)
