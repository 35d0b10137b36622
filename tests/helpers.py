"""Shared test data (a small valid deck covering every item kind) and the size of property
runs."""

from __future__ import annotations

import os

#: ``QUIZAPP_TEST_SCALE=full`` (CI) runs every property-based test at its full size; plain
#: ``pytest`` (the quick loop) runs a fifth of the examples, so that it stays well under 30 s.
FULL = os.environ.get("QUIZAPP_TEST_SCALE", "") == "full"


def examples(full: int) -> int:
    """How many examples a hypothesis test runs: ``full`` in CI, a fifth in the quick loop."""
    return full if FULL else max(5, full // 5)


VALID_DECK = """\
format: 1
id: test-deck
title: Test deck
sources:
  src: {citation: A source}
items:
  - id: fc1
    type: flashcard
    front: Front
    back: Back
    source: src
  - id: q1
    type: single
    stem: Which one?
    options:
      - {text: Right, explanation: Yes}
      - {text: Wrong, explanation: No}
    answer: A
    source: src
  - id: m1
    type: multi
    stem: Which ones?
    options:
      - {text: One, explanation: Yes}
      - {text: Two, explanation: No}
      - {text: Three, explanation: Yes}
    answers: [A, C]
    source: src
  - id: c1
    type: case
    title: A case
    stem: A patient.
    source: src
    stages:
      - id: s1
        text: More information.
        questions:
          - id: q1
            type: single
            stem: Next?
            options:
              - {text: This, explanation: Yes}
              - {text: That, explanation: No}
            answer: B
"""
