"""Generate large synthetic decks for benchmarks (all four item kinds, realistic text sizes)."""

from __future__ import annotations

from pathlib import Path

HEADER = """\
# yaml-language-server: $schema=../resources/deck.schema.json
format: 1
id: bench-{n}
title: Benchmark deck with {n} items
description: Generated for performance measurements.
sources:
  gen: {{citation: Generated text for benchmarks}}
defaults:
  source: gen
items:
"""


def item(i: int) -> str:
    kind = i % 10
    if kind < 4:
        return f"""\
  - id: fc-{i}
    type: flashcard
    tags: [topic-{i % 25}, flashcards]
    front: What is **fact number {i}** about the lumbar spine and its red flags?
    back: Fact {i} says that progressive symptoms over a short time deserve imaging.
"""
    if kind < 8:
        return f"""\
  - id: q-{i}
    type: single
    tags: [topic-{i % 25}, questions]
    stem: |
      A {20 + i % 60}-year-old presents with back pain for {1 + i % 9} weeks. There is no
      fever and no weight loss. Which is the **best** next step for patient {i}?
    options:
      - text: Reassure, advise activity and review in two weeks
        explanation: Right for mechanical pain without red flags.
      - text: Urgent MRI of the whole spine today
        explanation: Not indicated without red flags or progression.
      - text: Start high-dose oral steroids immediately
        explanation: Steroids do not treat simple back pain.
      - text: Refer for spinal fusion surgery
        explanation: Surgery is not a first step for acute pain.
    answer: A
    objective: Manage back pain without red flags ({i}).
"""
    if kind < 9:
        return f"""\
  - id: m-{i}
    type: multi
    tags: [topic-{i % 25}, questions]
    stem: Which of these features of patient {i} are red flags? Select all that apply.
    options:
      - {{text: Age 62, explanation: Over 55 is a red flag.}}
      - {{text: Pain eased by rest, explanation: Mechanical pain is not a red flag.}}
      - {{text: Fever, explanation: Suggests infection.}}
      - {{text: Pain after lifting, explanation: A common mechanical trigger.}}
    answers: [A, C]
"""
    return f"""\
  - id: case-{i}
    type: case
    title: Case {i}
    tags: [topic-{i % 25}, cases]
    stem: A 35-year-old has worsening back pain over two years (case {i}).
    stages:
      - id: history
        text: Left radicular pain and numbness in the L2 dermatome.
        questions:
          - id: q1
            type: single
            stem: Which red flag is present?
            options:
              - {{text: None of the listed red flags, explanation: Correct.}}
              - {{text: Fever, explanation: Not reported.}}
            answer: A
      - id: imaging
        text: CT shows a retroperitoneal mass invading L2.
        questions:
          - id: q2
            type: multi
            stem: Next steps?
            options:
              - {{text: Image-guided biopsy, explanation: Tissue is needed.}}
              - {{text: Discharge, explanation: A mass needs a diagnosis.}}
            answers: [A]
    objective: Absence of red flags does not exclude serious disease.
"""


def deck_text(n: int) -> str:
    return HEADER.format(n=n) + "".join(item(i) for i in range(n))


def write_deck(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"bench-{n}.yaml"
    p.write_text(deck_text(n), encoding="utf-8")
    return p
