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


# -- score-store histories ------------------------------------------------------------------

HISTORY_DECK = "bench"


def write_format1_history(folder: Path, attempts: int, units: int = 10_000,
                          days: int = 5 * 365, seed: int = 20251201) -> Path:
    """A format-1 data folder (resources/score-store-format.md) with ``attempts`` answers.

    The answers are spread over ``days`` days (oldest first) and over ``units`` units of deck
    ``bench`` (item ids ``i0`` .. ``i{units-1}``, the deck of ``bench_dashboard.bench_deck``),
    a mix of flashcard, tutor and exam answers, 60% of question answers with a confidence. The
    snapshot is streamed to disk one record per line, as quizapp writes it, so a million
    answers need no more memory than a thousand; the per-unit state holds one scheduler review
    of each unit's last answer. Returns the path of ``progress.json``.
    """
    import json
    import random
    import uuid
    from datetime import datetime, timedelta, timezone

    from quizapp.core.scheduling import Rating, Scheduler, format_timestamp

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    start = now - timedelta(days=days)
    step = timedelta(days=days) / max(attempts, 1)
    last: dict[int, tuple[bool, str]] = {}
    path = folder / "progress.json"
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{\n"format": 1,\n"app": "quizapp-benchmark",\n'
                 f'"saved": "{format_timestamp(now)}",\n"seq": {attempts},\n"attempts": [\n')
        for i in range(attempts):
            u = rng.randrange(units)
            flash = u % 5 < 2
            ok = rng.random() < 0.45 + (u % 25) / 50
            mode = "flashcards" if flash else ("tutor" if rng.random() < 0.7 else "exam")
            conf = None if flash or rng.random() < 0.4 else rng.choice((1, 2, 2, 3, 3, 3))
            stamp = format_timestamp(start + step * i)
            record = {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4).hex,
                "deck_id": HISTORY_DECK, "item_id": f"i{u}", "part": "",
                "answer": "Good" if flash else ["A" if ok else "B"], "correct": ok,
                "marks": 1.0 if ok else 0.0, "confidence": conf, "mode": mode,
                "time_ms": int(rng.lognormvariate(2.3 if flash else 3.3, 0.6) * 1000),
                "timestamp": stamp, "session_id": None, "rating": 3 if ok else 1,
            }  # fmt: skip
            fh.write(("" if i == 0 else ",\n") + json.dumps(record, separators=(",", ":")))
            last[u] = (ok, stamp)
        fh.write('\n],\n"sessions": {},\n"items": {\n')
        scheduler = Scheduler()
        for n, (u, (ok, stamp)) in enumerate(sorted(last.items())):
            when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            card = scheduler.review(None, Rating.GOOD if ok else Rating.AGAIN, when)
            item = {"fsrs": card, "flagged": u % 50 == 0, "last_correct": ok,
                    "last_seen": stamp, "updated": stamp, "undo": []}
            fh.write(("" if n == 0 else ",\n") + json.dumps(f"{HISTORY_DECK}::i{u}") + ": "
                     + json.dumps(item, separators=(",", ":")))
        fh.write('\n},\n"undone": [],\n"pending_session": null\n}\n')
    return path
