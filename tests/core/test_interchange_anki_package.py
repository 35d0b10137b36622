"""Anki package import (.apkg/.colpkg): packages built the way Anki writes them (schema 11 with
note types and decks as JSON; schema 18 with note types in tables), and hostile or broken ones.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
import struct
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from quizapp.core import authoring, deckfile
from quizapp.core.interchange import anki_package, anki_text, building, conversion
from quizapp.core.interchange.anki_package import is_package_name, looks_like_package, parse_apkg
from quizapp.core.interchange.anki_text import parse_anki
from quizapp.core.interchange.items import ParsedFile
from quizapp.core.interchange.messages import ConvertError
from quizapp.core.model import Flashcard

DATA = Path(__file__).resolve().parents[1] / "data" / "interop"
REAL_LOAD_ZSTD = anki_package._load_zstd
TODAY = dt.date(2025, 3, 14)
DECK_A, DECK_B, DEFAULT = 1700000000001, 1700000000002, 1
BASIC, REVERSED, OPTIONAL, TYPING, CLOZE, OCCLUSION = (
    1600000000001, 1600000000002, 1600000000003, 1600000000004, 1600000000005, 1600000000006)

# Anki's schema 11 (what every legacy package holds), as rslib's schema11.sql creates it.
SCHEMA_11 = """
CREATE TABLE col (id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL,
  scm integer NOT NULL, ver integer NOT NULL, dty integer NOT NULL, usn integer NOT NULL,
  ls integer NOT NULL, conf text NOT NULL, models text NOT NULL, decks text NOT NULL,
  dconf text NOT NULL, tags text NOT NULL);
CREATE TABLE notes (id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL,
  mod integer NOT NULL, usn integer NOT NULL, tags text NOT NULL, flds text NOT NULL,
  sfld integer NOT NULL, csum integer NOT NULL, flags integer NOT NULL, data text NOT NULL);
CREATE TABLE cards (id integer PRIMARY KEY, nid integer NOT NULL, did integer NOT NULL,
  ord integer NOT NULL, mod integer NOT NULL, usn integer NOT NULL, type integer NOT NULL,
  queue integer NOT NULL, due integer NOT NULL, ivl integer NOT NULL, factor integer NOT NULL,
  reps integer NOT NULL, lapses integer NOT NULL, left integer NOT NULL, odue integer NOT NULL,
  odid integer NOT NULL, flags integer NOT NULL, data text NOT NULL);
CREATE TABLE revlog (id integer PRIMARY KEY, cid integer NOT NULL, usn integer NOT NULL,
  ease integer NOT NULL, ivl integer NOT NULL, lastIvl integer NOT NULL,
  factor integer NOT NULL, time integer NOT NULL, type integer NOT NULL);
CREATE TABLE graves (usn integer NOT NULL, oid integer NOT NULL, type integer NOT NULL);
CREATE INDEX ix_notes_usn ON notes (usn);
CREATE INDEX ix_cards_usn ON cards (usn);
CREATE INDEX ix_revlog_usn ON revlog (usn);
CREATE INDEX ix_cards_nid ON cards (nid);
CREATE INDEX ix_cards_sched ON cards (did, queue, due);
CREATE INDEX ix_revlog_cid ON revlog (cid);
CREATE INDEX ix_notes_csum ON notes (csum);
"""

# Schema 18 (inside collection.anki21b): note types, fields, templates and decks in tables.
SCHEMA_18_EXTRA = """
CREATE TABLE notetypes (id integer NOT NULL PRIMARY KEY, name text NOT NULL,
  mtime_secs integer NOT NULL, usn integer NOT NULL, config blob NOT NULL);
CREATE TABLE fields (ntid integer NOT NULL, ord integer NOT NULL, name text NOT NULL,
  config blob NOT NULL, PRIMARY KEY (ntid, ord)) without rowid;
CREATE TABLE templates (ntid integer NOT NULL, ord integer NOT NULL, name text NOT NULL,
  mtime_secs integer NOT NULL, usn integer NOT NULL, config blob NOT NULL,
  PRIMARY KEY (ntid, ord)) without rowid;
CREATE TABLE decks (id integer PRIMARY KEY NOT NULL, name text NOT NULL,
  mtime_secs integer NOT NULL, usn integer NOT NULL, common blob NOT NULL, kind blob NOT NULL);
"""


@dataclass
class Model:
    id: int
    name: str
    fields: list[str]
    qfmts: list[str]
    kind: int = 0  # 1: cloze
    stock: int = 0  # originalStockKind (6: Image Occlusion)

    def schema11(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id, "name": self.name, "type": self.kind, "mod": 1700000000,
            "usn": -1, "sortf": 0, "did": None, "css": ".card { font-family: arial; }",
            "latexPre": "\\documentclass[12pt]{article}", "latexPost": "\\end{document}",
            "latexsvg": False, "req": [[0, "any", [0]]], "tags": [], "vers": [],
            "flds": [{"name": f, "ord": i, "sticky": False, "rtl": False, "font": "Arial",
                      "size": 20, "description": "", "plainText": False, "collapsed": False,
                      "excludeFromSearch": False, "media": []}
                     for i, f in enumerate(self.fields)],
            "tmpls": [{"name": f"Card {i + 1}", "ord": i, "qfmt": q,
                       "afmt": "{{FrontSide}}\n\n<hr id=answer>\n\n{{" + self.fields[-1] + "}}",
                       "bqfmt": "", "bafmt": "", "did": None, "bfont": "", "bsize": 0}
                      for i, q in enumerate(self.qfmts)],
        }
        if self.stock:
            d["originalStockKind"] = self.stock
        return d


STOCK = {
    BASIC: Model(BASIC, "Basic", ["Front", "Back"], ["{{Front}}"]),
    REVERSED: Model(REVERSED, "Basic (and reversed card)", ["Front", "Back"],
                    ["{{Front}}", "{{Back}}"]),
    OPTIONAL: Model(OPTIONAL, "Basic (optional reversed card)", ["Front", "Back", "Add Reverse"],
                    ["{{Front}}", "{{#Add Reverse}}{{Back}}{{/Add Reverse}}"]),
    TYPING: Model(TYPING, "Basic (type in the answer)", ["Front", "Back"],
                  ["{{Front}}\n\n{{type:Back}}"]),
    CLOZE: Model(CLOZE, "Cloze", ["Text", "Back Extra"], ["{{cloze:Text}}"], kind=1),
    OCCLUSION: Model(OCCLUSION, "Image Occlusion",
                     ["Occlusion", "Image", "Header", "Back Extra", "Comments"],
                     ['<div style="display: none">{{cloze:Occlusion}}</div>{{Image}}'],
                     kind=1, stock=6),
}


@dataclass
class Note:
    mid: int
    fields: list[str]
    deck: int = DECK_A
    tags: str = ""
    guid: str = ""


@dataclass
class Package:
    notes: list[Note]
    models: dict[int, Model] = field(default_factory=lambda: dict(STOCK))
    decks: dict[int, str] = field(default_factory=lambda: {
        DEFAULT: "Default", DECK_A: "Medicine::Cardiology", DECK_B: "Medicine::Renal"})

    def database(self, schema: int = 11) -> bytes:
        conn = sqlite3.connect(":memory:")
        conn.executescript(SCHEMA_11)
        models = json.dumps({str(m.id): m.schema11() for m in self.models.values()})
        decks = json.dumps({str(i): {"id": i, "name": n, "dyn": 0, "conf": 1, "usn": -1,
                                     "desc": "", "collapsed": False}
                            for i, n in self.decks.items()})
        if schema == 18:
            conn.executescript(SCHEMA_18_EXTRA)
            models = decks = ""
            for m in self.models.values():
                config = b"\x08" + bytes([m.kind]) + (b"\x48" + bytes([m.stock]) if m.stock
                                                      else b"")
                conn.execute("INSERT INTO notetypes VALUES (?, ?, 0, 0, ?)",
                             (m.id, m.name, config))
                for i, f in enumerate(m.fields):
                    conn.execute("INSERT INTO fields VALUES (?, ?, ?, x'')", (m.id, i, f))
                for i, q in enumerate(m.qfmts):
                    q_bytes = q.encode()
                    config = b"\x0a" + bytes([len(q_bytes)]) + q_bytes
                    conn.execute("INSERT INTO templates VALUES (?, ?, ?, 0, 0, ?)",
                                 (m.id, i, f"Card {i + 1}", config))
            for i, n in self.decks.items():
                conn.execute("INSERT INTO decks VALUES (?, ?, 0, 0, x'', x'')",
                             (i, n.replace("::", "\x1f")))
        conn.execute("INSERT INTO col VALUES (1, 1700000000, 1700000000000, 1700000000000, "
                     "?, 0, 0, 0, '{}', ?, ?, '{}', '{}')", (schema, models, decks))
        card_id = 1650000000000
        for i, note in enumerate(self.notes):
            nid = 1500000000000 + i * 1000
            flds = "\x1f".join(note.fields)
            conn.execute("INSERT INTO notes VALUES (?, ?, ?, 1700000000, -1, ?, ?, ?, 0, 0, '')",
                         (nid, note.guid or f"g{i:08d}", note.mid, note.tags, flds,
                          note.fields[0]))
            model = self.models.get(note.mid)
            for ord_ in range(max(1, len(model.qfmts) if model else 1)):
                card_id += 1
                conn.execute("INSERT INTO cards VALUES (?, ?, ?, ?, 0, -1, 0, 0, ?, 0, 0, 0, 0, "
                             "0, 0, 0, 0, '')", (card_id, nid, note.deck, ord_, i))
        conn.commit()
        return to_bytes(conn)

    def apkg(self, layout: str = "legacy2", media: dict[str, str] | None = None) -> bytes:
        """The zip archive, as Anki writes it: ``legacy1`` (Anki 2.0, AnkiDroid, genanki),
        ``legacy2`` (Anki 2.1 with 'Support older Anki versions'), ``latest`` (Anki 2.1.50+
        default, with collection.anki21b "compressed" by the identity function)."""
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            if layout == "legacy1":
                z.writestr("collection.anki2", self.database())
            elif layout == "legacy2":
                z.writestr("meta", b"\x08\x02")
                z.writestr("collection.anki21", self.database())
                z.writestr("collection.anki2", dummy_collection())
            else:
                z.writestr("meta", b"\x08\x03", zipfile.ZIP_STORED)
                z.writestr("collection.anki21b", self.database(18), zipfile.ZIP_STORED)
                z.writestr("collection.anki2", dummy_collection())
            z.writestr("media", json.dumps({str(i): n for i, n in enumerate(media or {})}))
            for i, content in enumerate((media or {}).values()):
                z.writestr(str(i), content)
        return buf.getvalue()


def to_bytes(conn: sqlite3.Connection) -> bytes:
    """The database file of a connection (Connection.serialize is Python 3.11+)."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "collection.db"
        dest = sqlite3.connect(path)
        conn.backup(dest)
        dest.close()
        conn.close()
        return path.read_bytes()


def from_bytes(data: bytes, folder: Path) -> sqlite3.Connection:
    path = folder / "collection.db"
    path.write_bytes(data)
    return sqlite3.connect(path)


def dummy_collection() -> bytes:
    """The collection.anki2 that Anki 2.1.50+ adds for older clients: one Basic note."""
    return Package([Note(BASIC, ["Please update to the latest Anki version, then import the "
                                 ".colpkg/.apkg file again.", ""], deck=DEFAULT)]).database()


def errors(data: bytes, file: str = "deck.apkg") -> list[str]:
    with pytest.raises(ConvertError) as e:
        parse_apkg(data, file)
    return [str(m) for m in e.value.messages]


def fronts(parsed: ParsedFile) -> list[tuple[str, str]]:
    return [(it.data["front"], it.data["back"]) for it in parsed.items]


def build_deck(parsed: ParsedFile, file: str, monkeypatch: pytest.MonkeyPatch
               ) -> building.ImportResult:
    """Run the rest of the import (ids, sources, validation) on a parsed package, the way
    conversion.convert does for a text export."""
    return building.build_deck(parsed, file, anki_text.IMPORTER, [], None, deck_id=None,
                               title=None, out_path=None, today=TODAY)


@pytest.fixture(autouse=True)
def no_zstd(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behave the same whether or not a zstd module happens to be installed."""
    monkeypatch.setattr(anki_package, "_load_zstd", lambda: None)


# --------------------------------------------------------------------------- what is read


STOCK_NOTES = [
    Note(BASIC, ["What does <b>ASPS</b> stand for?", "Alveolar soft part sarcoma"],
         tags=" sarcoma acronym ", guid="e)2Vh{k8Fq"),
    Note(BASIC, ["Which murmur is this?<br><img src=\"murmur.png\">",
                 "Aortic stenosis<hr>Ejection systolic, radiating to the carotids"]),
    Note(REVERSED, ["Tachycardia", "Heart rate over 100/min"]),
    Note(OPTIONAL, ["Bradycardia", "Heart rate under 60/min", "y"]),
    Note(OPTIONAL, ["QT interval", "Q wave to end of T wave", ""]),
    Note(TYPING, ["Normal potassium (mmol/L)?", "3.5&nbsp;to 5.0"]),
    Note(CLOZE, ["{{c1::Digoxin}} toxicity causes {{c2::yellow vision::a colour}}.",
                 "Also nausea."]),
    Note(OCCLUSION, ["{{c1::image-occlusion:rect:left=.2:top=.3:width=.1:height=.1:oi=1}}",
                     '<img src="heart.png">', "Heart", "", ""]),
]


@pytest.mark.parametrize("layout", ["legacy1", "legacy2"])
def test_stock_note_types_become_flashcards(layout: str) -> None:
    p = parse_apkg(Package(STOCK_NOTES).apkg(layout, {"murmur.png": "png"}), "cardio.apkg")
    assert fronts(p) == [
        ("What does **ASPS** stand for?", "Alveolar soft part sarcoma"),
        ("Which murmur is this?", "Aortic stenosis"),
        ("Tachycardia", "Heart rate over 100/min"),
        ("Bradycardia", "Heart rate under 60/min"),
        ("QT interval", "Q wave to end of T wave"),
        ("Normal potassium (mmol/L)?", "3.5 to 5.0"),
        ("[...] toxicity causes yellow vision.", "**Digoxin** toxicity causes yellow vision."),
        ("Digoxin toxicity causes [a colour].", "Digoxin toxicity causes **yellow vision**."),
    ]
    items = p.items
    assert items[1].data["explanation"] == "Ejection systolic, radiating to the carotids"
    assert [it.data.get("reversible", False) for it in items] == [
        False, False, True, True, False, False, False, False]
    assert items[0].data["tags"] == ["sarcoma", "acronym"]
    assert items[0].id_base == "anki-" + authoring.short_hash("e)2Vh{k8Fq")  # the note's GUID
    assert items[6].data["explanation"] == "Also nausea."
    assert [it.what for it in items[6:]] == ["note 7 (nid:1500000006000), cloze c1",
                                             "note 7 (nid:1500000006000), cloze c2"]
    assert p.title == "Cardiology"  # the one deck: last part of Medicine::Cardiology
    assert [str(m) for m in p.skipped] == [
        "cardio.apkg:8: cannot convert note 8 (nid:1500000007000): an Image Occlusion note "
        "(parts of a picture to uncover) has no text to ask; quizapp does not import Anki "
        "pictures"]
    assert [str(m) for m in p.warnings] == [
        "cardio.apkg:2: warning: note 2 (nid:1500000001000): image 'murmur.png' dropped: "
        "quizapp does not import Anki media (copy a picture beside the deck and set the item's "
        "image field)"]


def test_the_newer_compressed_format_is_refused_with_what_to_do() -> None:
    data = Package(STOCK_NOTES).apkg("latest")
    assert errors(data) == [
        "deck.apkg:1: this Anki package uses the compressed format of Anki 2.1.50 and later "
        "(collection.anki21b), which quizapp cannot read; in Anki, export the deck again with "
        "File > Export > Anki Deck Package and 'Support older Anki versions (slower/larger "
        "files)' ticked, or as 'Notes in Plain Text (.txt)', and import that file"]
    assert looks_like_package(data) and is_package_name("My Deck.APKG")
    assert is_package_name("all.colpkg") and not is_package_name("notes.txt")


def test_the_compressed_format_is_read_when_a_zstd_module_is_there(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []

    def identity(data: bytes, limit: int) -> bytes:  # stands in for zstd decompression
        seen.append(limit)
        return data[: limit + 1]

    monkeypatch.setattr(anki_package, "_load_zstd", lambda: identity)
    p = parse_apkg(Package(STOCK_NOTES).apkg("latest"), "new.apkg")  # schema 18 inside
    assert seen == [anki_package.MAX_COLLECTION_BYTES]
    assert len(p.items) == 8 and p.title == "Cardiology"
    assert [it.data.get("reversible", False) for it in p.items][2:4] == [True, True]
    assert "Image Occlusion" in str(p.skipped[0])
    monkeypatch.setattr(anki_package, "MAX_COLLECTION_BYTES", 100_000)
    monkeypatch.setattr(anki_package, "_load_zstd", lambda: lambda data, limit: bytes(limit + 1))
    assert errors(Package(STOCK_NOTES).apkg("latest")) == [
        "deck.apkg:1: collection.anki21b in this package is too large once uncompressed (over "
        "100,000 bytes)"]


def test_only_the_dummy_collection_gets_the_compressed_format_message() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("collection.anki2", dummy_collection())
    assert "compressed format of Anki 2.1.50" in errors(buf.getvalue())[0]


def test_a_package_from_a_newer_anki_than_known() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("meta", b"\x08\x04")
        z.writestr("collection.anki21c", b"?")
    assert errors(buf.getvalue())[0].startswith(
        "deck.apkg:1: this Anki package was written by a newer Anki than quizapp knows "
        "(package version 4); in Anki, export the deck again")


def test_several_decks_become_tags_and_their_common_parent_the_title() -> None:
    notes = [Note(BASIC, ["Cardio q", "a"], deck=DECK_A, tags="x"),
             Note(BASIC, ["Renal q", "a"], deck=DECK_B)]
    p = parse_apkg(Package(notes).apkg(), "med.apkg")
    assert [it.data["tags"] for it in p.items] == [["x", "cardiology"], ["renal"]]
    assert p.title == "Medicine"
    p = parse_apkg(Package(notes, decks={DECK_A: "Cardio", DECK_B: "Nephro & Renal"}).apkg(),
                   "med.apkg")
    assert [it.data["tags"] for it in p.items] == [["x", "cardio"], ["nephro-renal"]]
    assert p.title is None  # no common parent: the title comes from the file name


def test_the_default_deck_gives_no_title() -> None:
    p = parse_apkg(Package([Note(BASIC, ["q", "a"], deck=DEFAULT)]).apkg(), "x.apkg")
    assert p.title is None and "tags" not in p.items[0].data


def test_translated_stock_note_types_are_recognised_by_their_templates() -> None:
    models = {
        10: Model(10, "Einfach (mit umgekehrter Karte)", ["Vorderseite", "Rückseite"],
                  ["{{Vorderseite}}", "{{Rückseite}}"]),
        11: Model(11, "Einfach (optional umgekehrte Karte)",
                  ["Vorderseite", "Rückseite", "Umgekehrte Karte hinzufügen"],
                  ["{{Vorderseite}}", "{{#Umgekehrte Karte hinzufügen}}{{Rückseite}}"
                   "{{/Umgekehrte Karte hinzufügen}}"]),
        12: Model(12, "Lückentext", ["Text", "Rückseite Extra"], ["{{cloze:Text}}"], kind=1),
        13: Model(13, "Bildverdeckung", ["Verdeckung", "Bild", "Kopf", "Extra", "Kommentar"],
                  ["{{cloze:Verdeckung}}"], kind=1, stock=6),
    }
    notes = [Note(10, ["Herz", "heart"]), Note(11, ["Niere", "kidney", "ja"]),
             Note(11, ["Leber", "liver", ""]), Note(12, ["{{c1::Insulin}} senkt Zucker", "x"]),
             Note(12, ["kein Lückentext", ""]), Note(13, ["", "<img src='a.png'>", "", "", ""])]
    p = parse_apkg(Package(notes, models=models).apkg(), "de.apkg")
    assert [(it.data["front"], it.data.get("reversible", False)) for it in p.items] == [
        ("Herz", True), ("Niere", True), ("Leber", False), ("[...] senkt Zucker", False)]
    assert [str(m).split(": ", 1)[1] for m in p.skipped] == [
        "cannot convert note 5 (nid:1500000004000): a Cloze note with no {{c1::...}} deletion",
        "cannot convert note 6 (nid:1500000005000): an Image Occlusion note (parts of a picture "
        "to uncover) has no text to ask; quizapp does not import Anki pictures"]


def test_other_note_types_by_field_names_or_order() -> None:
    models = {
        20: Model(20, "USMLE", ["Question", "Answer", "Explanation", "Lecture Notes", "Source"],
                  ["{{Question}}"]),
        21: Model(21, "Vocab", ["Term", "Meaning"], ["{{Term}}"]),
        22: Model(22, "Zweifeld", ["Seite A", "Seite B"], ["{{Seite A}}"]),
        23: Model(23, "One field", ["Only"], ["{{Only}}"]),
        24: Model(24, "AnKingOverhaul", ["Text", "Extra", "Lecture Notes", "First Aid"],
                  ["{{cloze:Text}}"], kind=1),
    }
    notes = [
        Note(20, ["Which drug?", "Adenosine", "Blocks the AV node", "<br>", "First Aid p. 312"]),
        Note(20, ["Which lead?", "II", "", "Seen in the lecture", ""]),
        Note(21, ["tachy-", "fast"]),
        Note(22, ["Seite eins", "Seite zwei"]),
        Note(23, ["alone"]),
        Note(24, ["{{c1::Warfarin}} is reversed by vitamin K", "Also PCC", "", "p. 400"]),
    ]
    p = parse_apkg(Package(notes, models=models).apkg(), "mixed.apkg")
    assert fronts(p) == [("Which drug?", "Adenosine"), ("Which lead?", "II"),
                         ("tachy-", "fast"), ("Seite eins", "Seite zwei"),
                         ("[...] is reversed by vitamin K",
                          "**Warfarin** is reversed by vitamin K")]
    assert p.items[0].data["explanation"] == "Blocks the AV node"
    assert p.sources == {"first-aid-p.-312": "First Aid p. 312"}
    assert p.items[0].data["source"] == "first-aid-p.-312"
    assert p.items[4].data["explanation"] == "Also PCC"
    assert [str(m).split(": ", 1)[1] for m in p.skipped] == [
        "cannot convert note 5 (nid:1500000004000): its note type 'One field' has only one "
        "field (a flashcard needs a front and a back)"]
    assert [str(m) for m in p.warnings] == [
        "mixed.apkg:2: warning: note 2 (nid:1500000001000): field 'Lecture Notes' of the note "
        "type 'USMLE' not imported (this note and others of its type); quizapp keeps "
        "'Question' (front), 'Answer' (back), 'Explanation' (explanation), 'Source' (source)",
        "mixed.apkg:6: warning: note 6 (nid:1500000005000): field 'First Aid' of the note type "
        "'AnKingOverhaul' not imported (this note and others of its type); quizapp keeps "
        "'Text' (front), 'Extra' (explanation)"]


def test_note_problems_are_reported_like_in_a_text_export() -> None:
    notes = [Note(BASIC, ["", "no front"]), Note(BASIC, ["no back", "<br>"]),
             Note(BASIC, ["x" * 25_000, "too long"]),
             Note(BASIC, ["y" * (anki_package.MAX_FIELD_CHARS + 1), "far too long"]),
             Note(CLOZE, ["{{c1::a {{c2::b}} }}", ""]),
             Note(CLOZE, ["{{c1::never closed", ""]),
             Note(BASIC, ["{{c1::" * 500, "b"]),
             Note(999, ["unknown note type", "its second field"]),
             Note(BASIC, ["ok", "fine"])]
    p = parse_apkg(Package(notes).apkg(), "bad.apkg")
    assert fronts(p) == [("unknown note type", "its second field"), ("ok", "fine")]
    assert [str(m) for m in p.skipped] == [
        "bad.apkg:1: cannot convert note 1 (nid:1500000000000): the front has no text",
        "bad.apkg:2: cannot convert note 2 (nid:1500000001000): the back is empty (a flashcard "
        "needs a front and a back)",
        "bad.apkg:3: cannot convert note 3 (nid:1500000002000): the front is too long (25,000 "
        "characters; the limit is 20,000)",
        "bad.apkg:4: cannot convert note 4 (nid:1500000003000): the front is too long (200,001 "
        "characters of HTML; at most 200,000 are read)",
        "bad.apkg:5: cannot convert note 5 (nid:1500000004000): nested clozes ({{c1::... "
        "{{c2::...}} ...}}) are not supported; un-nest them in Anki first",
        "bad.apkg:6: cannot convert note 6 (nid:1500000005000): a cloze deletion {{c...:: is "
        "never closed with }}",
        "bad.apkg:7: cannot convert note 7 (nid:1500000006000): a cloze deletion {{c...:: is "
        "never closed with }}"]


def test_every_message_about_a_note_names_it_by_position_and_note_id() -> None:
    """The messages are built with the note's label (they used to be rewritten afterwards by
    matching their English beginnings): skipped cloze cards, dropped tags, a stray '}}'."""
    long_tag = "t" * 61
    notes = [Note(CLOZE, ["{{c1::kept}} and {{c2:: }}", ""], tags=f"ok {long_tag}"),
             Note(CLOZE, ["{{c1::a}} b}}", ""])]
    p = parse_apkg(Package(notes).apkg(), "x.apkg")
    assert [it.what for it in p.items] == ["note 1 (nid:1500000000000), cloze c1",
                                           "note 2 (nid:1500000001000), cloze c1"]
    assert [str(m) for m in p.skipped] == [
        "x.apkg:1: cannot convert note 1 (nid:1500000000000), cloze c2: the hidden part is "
        "empty"]
    assert [str(m) for m in p.warnings] == [
        f"x.apkg:1: warning: note 1 (nid:1500000000000): tag '{long_tag[:30]}...' dropped: "
        "tags are at most 60 characters",
        "x.apkg:2: warning: note 2 (nid:1500000001000): a '}}' is left over after a cloze "
        "deletion, which may have ended early (braces such as {2^{n}} inside a cloze need a "
        "space: {2^{n} }); check this card"]
    # The same notes in a text export: the line names them, so the messages do not repeat it.
    text = f"#notetype:Cloze\n{{{{c1::kept}}}} and {{{{c2:: }}}}\t\t{long_tag}\n"
    r = parse_anki(text, "x.txt")
    assert [it.what for it in r.items] == ["cloze c1"]
    assert [str(m) for m in r.skipped] == [
        "x.txt:2: cannot convert cloze c2: the hidden part is empty"]
    assert [str(m) for m in r.warnings] == [
        f"x.txt:2: warning: tag '{long_tag[:30]}...' dropped: tags are at most 60 characters"]


def test_damaged_note_type_json_falls_back_to_field_order(tmp_path: Path) -> None:
    conn = from_bytes(Package([Note(BASIC, ["q", "a"])]).database(), tmp_path)
    conn.execute("UPDATE col SET models = '{not json', decks = '[1]'")
    conn.commit()
    p = parse_apkg(zip_of({"collection.anki2": to_bytes(conn)}), "x.apkg")
    assert fronts(p) == [("q", "a")] and p.title is None
    assert "note types in this package cannot be read" in str(p.warnings[0])


def test_end_to_end_the_converted_deck_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    notes = [*STOCK_NOTES, Note(BASIC, ["Second deck", "b"], deck=DECK_B)]
    parsed = parse_apkg(Package(notes).apkg(), "cardio.apkg")
    r = build_deck(parsed, "cardio.apkg", monkeypatch)
    deck = deckfile.parse(r.text, "cardio.yaml")
    assert deck.title == "Medicine" and len(deck.items) == 9
    assert [it.id for it in deck.items][:2] == ["anki-" + authoring.short_hash("e)2Vh{k8Fq"),
                                                "anki-" + authoring.short_hash("g00000001")]
    assert isinstance(deck.items[2], Flashcard) and deck.items[2].reversible
    assert deck.items[0].tags == ("sarcoma", "acronym", "cardiology")
    assert [str(m) for m in r.skipped] == [str(parsed.skipped[0])]


# Two packages written by Anki itself (Anki 26.9.3's own Python library: a new collection with
# the decks Medicine::Cardiology and Medicine::Renal, a note of each stock note type and an Image
# Occlusion note in Default, a picture in one note; then export_anki_package of all decks without
# scheduling, with media, legacy=True and legacy=False). The first holds meta (version 2),
# collection.anki21 (schema 11) and the dummy collection.anki2; the second meta (version 3),
# collection.anki21b (schema 18, zstd) and the dummy.
REAL_NOTES = [
    ("What does **ASPS** stand for?", "Alveolar soft part sarcoma"),
    ("Which murmur?", "Aortic stenosis"),
    ("Tachycardia", "Heart rate over 100/min"),
    ("Bradycardia", "Heart rate under 60/min"),
    ("QT interval", "Q to end of T"),
    ("Normal K+?", "3.5 to 5.0"),
    ("[...] toxicity causes yellow vision.", "**Digoxin** toxicity causes yellow vision."),
    ("Digoxin toxicity causes [a colour].", "Digoxin toxicity causes **yellow vision**."),
]


def check_real(p: ParsedFile, file: str) -> None:
    assert fronts(p) == REAL_NOTES
    assert [it.data.get("reversible", False) for it in p.items] == [
        False, False, True, True, False, False, False, False]
    assert [it.data["tags"] for it in p.items][:2] == [["acronym", "sarcoma", "cardiology"],
                                                       ["cardiology"]]
    assert p.items[6].data["tags"] == ["renal"] and p.title is None  # decks in Default too
    assert [str(m) for m in p.skipped + p.warnings] == [
        f"{file}:8: cannot convert note 8 (nid:1795450068709): an Image Occlusion note (parts "
        "of a picture to uncover) has no text to ask; quizapp does not import Anki pictures",
        f"{file}:2: warning: note 2 (nid:1795450068701): image 'murmur.png' dropped: quizapp "
        "does not import Anki media (copy a picture beside the deck and set the item's image "
        "field)"]


def test_a_package_written_by_anki_for_older_versions() -> None:
    path = DATA / "anki-26.9-legacy.apkg"
    check_real(parse_apkg(path.read_bytes(), "anki-26.9-legacy.apkg"), "anki-26.9-legacy.apkg")


def test_a_package_in_ankis_default_format(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (DATA / "anki-26.9-latest.apkg").read_bytes()
    assert "compressed format of Anki 2.1.50" in errors(data)[0]
    if REAL_LOAD_ZSTD() is None:
        pytest.skip("no zstd module (compression.zstd or zstandard) to read it with")
    monkeypatch.setattr(anki_package, "_load_zstd", REAL_LOAD_ZSTD)
    check_real(parse_apkg(data, "new.apkg"), "new.apkg")


# --------------------------------------------------------------------------- hostile files


def zip_of(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_not_a_zip_archive() -> None:
    for data in (b"#separator:tab\nq\ta\n", b"PK\x03\x04 truncated", b""):
        assert errors(data)[0].startswith(
            "deck.apkg:1: not an Anki package: this file is not a zip archive, or a damaged "
            "one (")
    assert not looks_like_package(b"#separator:tab")


def test_a_zip_without_a_collection() -> None:
    assert errors(zip_of({"word/document.xml": b"<w/>"}), "notes.apkg") == [
        "notes.apkg:1: not an Anki package: this zip archive holds no Anki collection "
        "(collection.anki2, collection.anki21 or collection.anki21b); in Anki use File > Export "
        "> Anki Deck Package (.apkg)"]


@pytest.mark.parametrize(("content", "expected"), [
    (b"not a database at all", "collection.anki2 in this package is not an SQLite database"),
    (b"SQLite format 3\x00" + b"\xff" * 4000, "collection.anki2 in this package is damaged"),
    (Package([Note(BASIC, ["q", "a"])]).database()[:3000],
     "collection.anki2 in this package is damaged"),
])
def test_a_corrupt_collection(content: bytes, expected: str) -> None:
    (msg,) = errors(zip_of({"collection.anki2": content}))
    assert msg.startswith(f"deck.apkg:1: {expected}") and "export the deck from Anki again" in msg


def test_a_database_that_is_not_an_anki_collection() -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript("CREATE TABLE t (x);")
    assert "has no notes table" in errors(zip_of({"collection.anki2": to_bytes(conn)}))[0]
    empty = Package([]).database()
    assert errors(zip_of({"collection.anki2": empty})) == [
        "deck.apkg:1: this Anki package holds no notes; there is nothing to import"]


def test_an_oversized_or_lying_collection_entry_is_not_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(anki_package, "MAX_COLLECTION_BYTES", 100_000)
    bomb = zip_of({"collection.anki2": b"SQLite format 3\x00" + bytes(5_000_000)})
    assert len(bomb) < 10_000  # 5 MB of zeros squeezed into a few kilobytes
    assert errors(bomb) == ["deck.apkg:1: collection.anki2 in this package is too large "
                            "(5,000,016 bytes; the limit is 100,000)"]
    # The same entry claiming to be 1,000 bytes in the zip directory: reading stops there.
    at = bomb.rindex(b"PK\x01\x02")
    lying = bomb[:at + 24] + struct.pack("<I", 1000) + bomb[at + 28:]
    assert "collection.anki2 in this package is damaged" in errors(lying)[0]


def test_too_many_zip_entries_or_notes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(anki_package, "MAX_ENTRIES", 5)
    many = zip_of({str(i): b"" for i in range(6)})
    assert errors(many)[0].startswith("deck.apkg:1: this zip archive lists 6 files (282 bytes "
                                      "of directory); an Anki package with more than 5 files")
    # A directory that claims fewer entries than it holds is bounded by its size.
    at = many.rindex(b"PK\x05\x06")
    lying = many[:at + 8] + struct.pack("<HH", 1, 1) + many[at + 12:]
    monkeypatch.setattr(anki_package, "MAX_DIRECTORY_BYTES", 280)
    assert "(282 bytes of directory)" in errors(lying)[0]
    monkeypatch.setattr(anki_package, "MAX_NOTES", 2)
    data = Package([Note(BASIC, [f"q{i}", "a"]) for i in range(3)]).apkg()
    assert errors(data) == ["deck.apkg:1: this Anki package holds 3 notes; quizapp imports at "
                            "most 2 at a time (export one deck at a time)"]


def test_an_encrypted_entry() -> None:
    data = bytearray(zip_of({"collection.anki2": Package([]).database()}))
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):  # set the "encrypted" flag bit in both headers
        at = data.index(sig)
        flag_at = at + (6 if sig == b"PK\x03\x04" else 8)
        data[flag_at] |= 1
    (msg,) = errors(bytes(data))
    assert msg.startswith("deck.apkg:1: cannot read collection.anki2 in this package:")


def test_slow_queries_are_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(anki_package, "QUERY_SECONDS", -1.0)
    data = Package([Note(BASIC, [f"q{i}", "a"]) for i in range(2000)]).apkg()
    assert "took too long" in errors(data)[0]


def hostile_schema(tmp_path: Path, table: str, sql: str | None, extra: str = "") -> bytes:
    """A package whose collection's schema has been rewritten (as an attacker would, with
    writable_schema, so that nothing in the new SQL runs while the file is made): ``table``
    gets the definition ``sql``, and the statement ``extra`` is run."""
    conn = from_bytes(Package([Note(BASIC, [f"q{i}", "a"]) for i in range(3)]).database(),
                      tmp_path)
    if extra:
        conn.executescript(extra)
    conn.execute("PRAGMA writable_schema = ON")
    if sql is not None:
        conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = ?", (sql, table))
    conn.commit()
    conn.close()
    return zip_of({"collection.anki2": (tmp_path / "collection.db").read_bytes()})


NOTES_SQL = ("CREATE TABLE notes (id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT "
             "NULL, mod integer NOT NULL, usn integer NOT NULL, tags text NOT NULL, flds text "
             "NOT NULL, sfld integer NOT NULL, csum integer NOT NULL, flags integer NOT NULL, "
             "data text NOT NULL{})")


@pytest.mark.parametrize(("table", "sql", "extra", "what"), [
    # A generated column that would build a 900 MB string (or blob) for every note read.
    ("notes", NOTES_SQL.format(", x text GENERATED ALWAYS AS (printf('%.*c', 900000000, 'x'))"),
     "", "a generated column ('x' in the notes table)"),
    ("notes", NOTES_SQL.replace("tags text NOT NULL", "tags GENERATED ALWAYS AS "
                                "(zeroblob(900000000)) VIRTUAL").format(""),
     "", "a generated column ('tags' in the notes table)"),
    ("col", None, "CREATE VIEW evil AS WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
     "FROM r) SELECT i FROM r", "a view ('evil')"),
    ("notes", None, "CREATE TRIGGER evil BEFORE DELETE ON notes BEGIN SELECT 1; END",
     "a trigger ('evil')"),
    ("notes", None, "CREATE VIRTUAL TABLE evil USING fts5(a)", "a virtual table ('evil')"),
])
def test_a_schema_that_would_run_its_own_sql_is_refused_before_any_query(
        tmp_path: Path, table: str, sql: str | None, extra: str, what: str) -> None:
    """The schema is inspected before any table is read: a column computed by the package's
    own SQL, a view, a trigger or a virtual table is refused at once (before the fix, the
    generated columns cost 31-47 s and 4-5 GB before the package was refused or accepted)."""
    data = hostile_schema(tmp_path, table, sql, extra)
    assert errors(data) == [
        f"deck.apkg:1: collection.anki2 in this package holds {what}, which Anki never writes; "
        "the package was not made by Anki (or was altered) and is not read; export the deck "
        "from Anki again"]


def test_a_view_named_like_an_anki_table_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript("CREATE TABLE t (x); CREATE VIEW notes AS "
                       "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
                       "SELECT i AS id FROM r;")
    assert "holds a view ('notes')" in errors(zip_of({"collection.anki2": to_bytes(conn)}))[0]


def test_a_value_larger_than_the_limit_refuses_the_package(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLITE_LIMIT_LENGTH bounds every value SQLite hands back (a row-size limit)."""
    monkeypatch.setattr(anki_package, "MAX_VALUE_BYTES", 10_000)
    data = Package([Note(BASIC, ["q", "a" * 20_000])]).apkg()
    assert errors(data) == [
        "deck.apkg:1: collection.anki21 in this package holds a value larger than 10,000 bytes "
        "(string or blob too big); it is not read"]
    assert fronts(parse_apkg(Package([Note(BASIC, ["q", "a" * 5000])]).apkg(), "x.apkg")) == [
        ("q", "a" * 5000)]


def test_a_database_saved_in_wal_mode_is_read() -> None:
    raw = bytearray(Package([Note(BASIC, ["q", "a"])]).database())
    raw[18:20] = b"\x02\x02"
    assert fronts(parse_apkg(zip_of({"collection.anki2": bytes(raw)}), "x.apkg")) == [("q", "a")]


def test_a_file_object_is_read_without_loading_the_media(tmp_path: Path) -> None:
    path = tmp_path / "big.apkg"
    path.write_bytes(Package([Note(BASIC, ["q", "a"])]).apkg(media={"x.mp3": "x" * 100_000}))
    with path.open("rb") as fh:
        assert fronts(parse_apkg(fh, str(path))) == [("q", "a")]


# --------------------------------------------------------------------------- wired into import


def test_convert_reads_a_package(monkeypatch: pytest.MonkeyPatch) -> None:
    r = conversion.convert(Package(STOCK_NOTES).apkg(), "cardio.apkg", today=TODAY)
    assert r.format == "apkg" and r.deck.title == "Cardiology" and len(r.deck.items) == 8
    assert "(Anki package) on 2025-03-14" in r.text
    deckfile.parse(r.text, "cardio.yaml")


def test_import_command_reads_a_package_larger_than_a_text_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from quizapp.cli import main

    monkeypatch.setattr(conversion, "MAX_BYTES", 1000)  # the media make the package larger
    src = tmp_path / "Cardio.apkg"
    src.write_bytes(Package(STOCK_NOTES[:3]).apkg(media={"big.png": "x" * 5000}))
    out, err = io.StringIO(), io.StringIO()
    code = main(["import", str(src), "-o", str(tmp_path / "cardio.yaml")], out, err)
    assert code == 0, err.getvalue()
    assert err.getvalue().endswith(f"3 items imported from {src} (Anki package)\n")
    deckfile.load(tmp_path / "cardio.yaml")
    monkeypatch.undo()
    code = main(["import", str(src), "-o", str(tmp_path / "g.yaml"), "--format", "gift"], out,
                err)
    assert code == 2 and "this is a zip archive, not a text export" in err.getvalue()
