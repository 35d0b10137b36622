"""The bundled content decks: complete, cited, stable and faithful to the sources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from quizapp.core.library import load_deck
from quizapp.core.model import Case, Deck, Flashcard, Question
from quizapp.core.paths import bundled_decks_dir
from tests.conftest import ROOT

RED_FLAGS = {
    "rf-sphincter-gait": "Sphincter and gait disturbance",
    "rf-saddle-anaesthesia": "Saddle anaesthesia",
    "rf-motor-loss": "Severe or progressive motor loss",
    "rf-widespread-neuro": "Widespread neurological deficit",
    "rf-age": "Age <20 or >55 years",
    "rf-previous-malignancy": "Previous malignancy",
    "rf-systemic-illness": "Systemic illness",
    "rf-hiv": "Human immunodeficiency virus",
    "rf-weight-loss": "Weight loss",
    "rf-ivdu": "Intravenous drug use",
    "rf-steroids": "Steroid use",
    "rf-structural-deformity": "Structural deformity",
    "rf-non-mechanical-pain": "Non-mechanical pain (no relief with bed rest)",
    "rf-fever": "Fever",
    "rf-thoracic-pain": "Thoracic pain",
}


def _load(name: str) -> Deck:
    r = load_deck(bundled_decks_dir() / name)
    assert r.deck is not None, [str(p) for p in r.problems]
    return r.deck


@pytest.fixture(scope="module")
def decks() -> dict[str, Deck]:
    return {d.id: d for d in (_load("asps-essentials.yaml"), _load("back-pain-red-flags.yaml"),
                              _load("clinical-vignettes.yaml"))}


def questions(deck: Deck) -> list[Question]:
    out: list[Question] = []
    for it in deck.items:
        if isinstance(it, Question):
            out.append(it)
        elif isinstance(it, Case):
            out += [q for st in it.stages for q in st.questions]
    return out


def text_of(item: object) -> str:
    """Every piece of text in an item, for searching."""
    if isinstance(item, Flashcard):
        parts = [item.front, item.back, item.explanation or ""]
    elif isinstance(item, Question):
        parts = [item.stem, item.explanation or "", item.objective or ""]
        parts += [o.text + " " + (o.explanation or "") for o in item.options]
    elif isinstance(item, Case):
        parts = [item.title, item.stem, item.objective or ""]
        for st in item.stages:
            parts += [st.text or ""] + [text_of(q) for q in st.questions]
    else:
        parts = []
    return "\n".join(parts)


def test_three_decks_load_with_enough_items(decks: dict[str, Deck]) -> None:
    asps, rf, cases = decks["asps-essentials"], decks["back-pain-red-flags"], \
        decks["clinical-vignettes"]
    assert len(asps.items) >= 30
    assert {it.kind for it in asps.items} >= {"flashcard", "single"}
    assert len(rf.items) >= 40
    assert {it.kind for it in rf.items} >= {"flashcard", "single", "multi"}
    vignettes = [it for it in cases.items if isinstance(it, Case)]
    assert len(vignettes) >= 12
    assert all(len(c.stages) >= 3 and c.objective for c in vignettes)


def test_every_red_flag_has_a_flashcard_and_a_question(decks: dict[str, Deck]) -> None:
    rf = decks["back-pain-red-flags"]
    for tag, name in RED_FLAGS.items():
        tagged = [it for it in rf.items if tag in it.tags]
        assert len(tagged) >= 2, name
        assert any(isinstance(it, Flashcard) for it in tagged), f"no flashcard for {name}"
        assert any(isinstance(it, Question | Case) for it in tagged), f"no question for {name}"


def test_not_red_flag_discrimination_and_learning_point_items(decks: dict[str, Deck]) -> None:
    rf = decks["back-pain-red-flags"]
    tags = [t for it in rf.items for t in it.tags]
    assert tags.count("not-red-flag") >= 3
    assert sum(1 for it in rf.items if isinstance(it, Question) and it.kind == "multi") >= 3
    assert tags.count("learning-point") >= 2


def test_every_item_cites_a_declared_source(decks: dict[str, Deck]) -> None:
    for deck in decks.values():
        for s in deck.sources.values():
            assert len(s.citation) > 20
        for it in deck.items:
            assert it.sources, it.id
            assert all(k in deck.sources for k in it.sources), it.id


def test_sources_include_full_citations(decks: dict[str, Deck]) -> None:
    for deck in decks.values():
        bmj = deck.sources["thompson2017"]
        assert bmj.doi == "10.1136/bcr-2016-218639"
        assert "Thompson" in bmj.citation and "2017" in bmj.citation


def test_every_option_explained_every_question_has_an_objective(decks: dict[str, Deck]
                                                                 ) -> None:
    for deck in decks.values():
        for q in questions(deck):
            for o in q.options:
                assert o.explanation and len(o.explanation) > 15, (deck.id, q.id, o.text)
        for it in deck.items:
            if isinstance(it, Question | Case):
                assert it.objective, (deck.id, it.id)


def test_answers_are_not_given_away_by_position_or_length(decks: dict[str, Deck]) -> None:
    singles = [q for d in decks.values() for q in questions(d) if q.kind == "single"]
    positions = [q.correct_indices[0] for q in singles]
    for letter in range(4):
        assert positions.count(letter) >= len(singles) // 10, "answers bunch on one letter"

    def strictly_longest(q: Question) -> bool:
        lengths = sorted((len(o.text), i) for i, o in enumerate(q.options))
        return lengths[-1][1] == q.correct_indices[0] and lengths[-1][0] > lengths[-2][0] + 5

    assert sum(map(strictly_longest, singles)) <= 0.3 * len(singles)


def test_ids_are_stable() -> None:
    """Progress is keyed by these ids: renaming one must be a deliberate act."""
    listed = [ln for ln in (ROOT / "tests" / "data" / "study_unit_ids.txt").read_text(
        encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    now = []
    for name in ("asps-essentials.yaml", "back-pain-red-flags.yaml", "clinical-vignettes.yaml"):
        now += [u.key for u in _load(name).study_units()]
    assert len(set(now)) == len(now)
    missing = sorted(set(listed) - set(now))
    assert not missing, f"ids renamed or removed (students lose progress): {missing}"
    added = sorted(set(now) - set(listed))
    assert not added, f"new ids: add them to tests/data/study_unit_ids.txt: {added}"


def test_index_case_figures_exactly_as_in_the_source(decks: dict[str, Deck]) -> None:
    case = decks["clinical-vignettes"].item("case-index-asps-back-pain")
    assert isinstance(case, Case)
    text = text_of(case)
    for fact in ("35-year-old", "2 years", "L2", "16.4×12.4×19.4 cm", "30 Gy", "10 fractions",
                 "doxorubicin and ifosfamide", "8 months", "psoas"):
        assert fact in text, fact
    assert re.search(r"\b(six|6) cycles", text)
    assert "no red" in text.lower() or "none of the" in text.lower()
    asps = "\n".join(text_of(it) for it in decks["asps-essentials"].items)
    for fact in ("60%", "38%", "5 years", "10 years", "TFE3", "<1%", "3%"):
        assert fact in asps, fact


def test_no_sentence_copied_from_the_sources(decks: dict[str, Deck]) -> None:
    """Facts, not sentences: no run of 12 words from a source appears in a deck."""
    seeds = ROOT.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("../shared/seeds not present")

    def words(t: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", t.lower())

    grams: set[tuple[str, ...]] = set()
    for f in seeds.glob("*.txt"):
        # Table 1's rows are the red-flag *names* (terms students must learn), not sentences
        prose = "\n".join(ln for ln in f.read_text(encoding="utf-8").splitlines()
                          if "\t" not in ln)
        w = words(prose)
        grams |= {tuple(w[i:i + 12]) for i in range(len(w) - 11)}
    for deck in decks.values():
        for it in deck.items:
            w = words(text_of(it))
            copied = [" ".join(w[i:i + 12]) for i in range(len(w) - 11)
                      if tuple(w[i:i + 12]) in grams]
            assert not copied, (deck.id, it.id, copied[:1])


def test_bundled_decks_start_with_schema_line() -> None:
    for f in sorted(Path(bundled_decks_dir()).glob("*.yaml")):
        assert f.read_text(encoding="utf-8").startswith(
            "# yaml-language-server: $schema=../resources/deck.schema.json")


def test_every_declared_source_is_cited_and_every_cited_key_declared(
        decks: dict[str, Deck]) -> None:
    for deck in decks.values():
        cited = {k for it in deck.items for k in it.sources}
        cited |= {k for ref in deck.references for k in ref.sources}
        assert cited <= set(deck.sources), (deck.id, cited - set(deck.sources))
        unused = set(deck.sources) - cited
        assert not unused, f"{deck.id}: declared but never cited: {sorted(unused)}"


def _student_prompts(item: object) -> list[str]:
    """The text a student reads before answering: stems, fronts and stage texts."""
    if isinstance(item, Flashcard):
        return [item.front]
    if isinstance(item, Question):
        return [item.stem]
    if isinstance(item, Case):
        out = [item.stem]
        for st in item.stages:
            out += [st.text or ""] + [q.stem for q in st.questions]
        return out
    return []


def test_table_1_is_only_named_where_the_student_can_open_it(decks: dict[str, Deck]) -> None:
    """A stem may say "Table 1" only if the deck carries Table 1 as a reference sheet."""
    for deck in decks.values():
        has_sheet = any(r.title.startswith("Table 1") for r in deck.references)
        naming = [it.id for it in deck.items
                  if any("Table 1" in t for t in _student_prompts(it))]
        if naming:
            assert has_sheet, f"{deck.id}: {naming[:5]} name Table 1, but there is no sheet"


def test_table_1_sheet_lists_exactly_the_15_red_flags(decks: dict[str, Deck]) -> None:
    for deck_id in ("back-pain-red-flags", "clinical-vignettes"):
        (sheet,) = [r for r in decks[deck_id].references if r.title.startswith("Table 1")]
        assert {"thompson2017", "rcr-irefer2012"} <= set(sheet.sources)
        rows = [ln for ln in sheet.text.splitlines() if ln.startswith("|")][2:]
        flags = [ln.strip("| ").split(" | ")[-1] for ln in rows]
        assert sorted(flags) == sorted(RED_FLAGS.values()), deck_id


def test_no_sentence_copied_into_reference_sheets(decks: dict[str, Deck]) -> None:
    seeds = ROOT.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("../shared/seeds not present")
    text = "\n".join(f.read_text(encoding="utf-8") for f in seeds.glob("*.txt"))
    w = re.findall(r"[a-z0-9]+", text.lower())
    grams = {tuple(w[i:i + 10]) for i in range(len(w) - 9)}
    for deck in decks.values():
        for ref in deck.references:
            rw = re.findall(r"[a-z0-9]+", ref.text.lower())
            copied = [" ".join(rw[i:i + 10]) for i in range(len(rw) - 9)
                      if tuple(rw[i:i + 10]) in grams]
            assert not copied, (deck.id, ref.id, copied[:1])


def test_no_red_flags_keys_rest_on_negatives_the_student_can_read(
        decks: dict[str, Deck]) -> None:
    """Where "none of the red flags" is keyed, the history rules out each flag a history can
    show (the site of the pain, saddle numbness and feeling unwell included), so the key
    never rests on "not mentioned means absent"."""
    negatives = {
        "thoracic pain": r"lumbar|lower back",
        "saddle anaesthesia": r"saddle|anus|perine",
        "sphincter and gait": r"bladder.*walking|walking.*bladder",
        "systemic illness": r"feels well|well in himself|well in herself",
        "fever": r"fever", "weight loss": r"weight loss",
        "previous malignancy": r"cancer", "HIV": r"\bHIV\b", "steroid use": r"steroid",
        "intravenous drug use": r"inject",
        "non-mechanical pain": r"eases when (he|she) lies down",
    }
    for deck_id, case_id in (("back-pain-red-flags", "rf-case-index"),
                             ("clinical-vignettes", "case-index-asps-back-pain")):
        case = decks[deck_id].item(case_id)
        assert isinstance(case, Case)
        history = case.stem + "\n" + (case.stages[0].text or "")
        missing = [flag for flag, pat in negatives.items() if not re.search(pat, history)]
        assert not missing, (case_id, missing)
        exam = case.stages[1].text or ""
        assert "power" in exam.lower() and "spine" in exam.lower(), case_id
