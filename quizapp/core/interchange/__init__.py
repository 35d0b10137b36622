"""Decks to and from other tools: Anki text exports and packages, CSV question banks, Moodle
GIFT and Moodle XML files.

Import (``quizapp import``) turns a file into a valid YAML deck:

* **Anki** notes as plain text (what *File > Export > Notes in Plain Text* writes, and what
  Anki's *Import > Text file* reads): tab-, comma-, semicolon-, pipe-, colon- or
  space-separated fields, RFC-4180 quoting (``""`` inside quotes, newlines inside quoted
  fields), UTF-8 with or without a BOM (UTF-16 with a BOM and, with a warning, Windows-1252 are
  read too), the header lines of Anki 2.1.54+ (``#separator:``, ``#html:``, ``#columns:``,
  ``#tags:``, ``#deck:``, ``#notetype:``, ``#tags column:``, ``#guid column:``,
  ``#notetype column:``, ``#deck column:``) and the old ``tags:`` first line. Without a
  header the separator is sniffed (tab, semicolon, comma). A first row of known column names
  (``Question,Answer,Explanation,Source``, any case) maps the columns by name; other names are
  reported. HTML fields become Markdown (``<sup>``/``<sub>`` as Unicode ⁹/₂ or ``^(...)``/
  ``_(...)``; typed text that Markdown would read as a quote, heading or list is escaped);
  pictures and sounds are dropped with a warning. Each note becomes a flashcard (a *Cloze*
  note one flashcard per cloze number; a *Basic (and reversed card)* note, or an optional
  reversed one with *Add Reverse* filled in, a reversible one). Image Occlusion notes and
  nested clozes are skipped with the reason. A ``Tags`` column of a CSV file that is not an Anki
  export is split on commas and spaces (``neuro, anatomy``); Anki's own exports on spaces.
* **Multiple-choice questions in a CSV or TSV file** (a question bank from a spreadsheet): a
  first row naming a question column, option columns (``A``..``J``, ``Option 1``, ``Choice
  A``...) and an answer column (a letter, a number, the option's text, or several letters for a
  ``multi`` question), with optional explanation, per-option explanation, objective, tags,
  source and id columns; each row becomes a ``single`` or ``multi`` question. A first row of
  unknown column names, or rows that look like questions with no such row, are refused rather
  than read as flashcards from the wrong columns.
* **Anki packages** (``.apkg``, ``.colpkg``): read by :mod:`.anki_package`, each note converted
  as a note of a text export.
* **GIFT** (Moodle's text format): ``::name::`` titles, ``// comments``, ``$CATEGORY:``,
  ``[html]``/``[markdown]``/``[plain]``/``[moodle]`` text formats, ``\\`` escapes, per-answer
  ``#feedback`` and general ``####feedback``. Multiple choice with one ``=`` answer becomes a
  ``single`` question, weighted answers (``~%50%``) with no ``=`` a ``multi`` one, and true/false
  a ``single`` question with the options True and False. Short answer, matching, numerical,
  essay, description and embedded-answer questions cannot be converted; each is reported as
  ``FILE:LINE: cannot convert ...: reason`` and skipped.

Item ids are stable across re-imports: from a GIFT ``::name::``, from an Anki GUID column, or
else from a hash of the Anki front, or of a GIFT question's text with its options and answers,
so re-importing an edited file keeps the ids (and so the students' progress) of unchanged cards.
When the format was guessed and most of the file fails, the messages say so and suggest the
other ``--format``.

Export (``quizapp export``) writes Anki notes (tab-separated, HTML, with header lines; a note
type column when a flashcard is reversible) or GIFT.

Nothing here imports Qt or prints; every problem with an input names its file and line.

Where things are (adding a format means adding one module and one line in ``registry``):

* ``conversion``: ``convert``/``convert_path`` (a file -> deck YAML), ``import_deck`` and
  ``export_deck``, which ``quizapp import``/``export`` and File > Import all run;
* ``registry``: the formats, and format detection (each format's sniffer; the surest wins);
* ``formats``: the ``Importer``/``Exporter`` interface every format module fills in;
* one module per format: ``anki_text`` (with ``csv_questions`` for question banks),
  ``gift``, ``moodle_xml``, ``anki_package``; ``anki_export``, ``gift_export``;
* shared helpers: ``messages`` (``Diagnostic``, ``ConvertError``), ``reading`` (regular files,
  limits, decoding), ``markup`` (HTML <-> Markdown), ``records`` (delimited text),
  ``columns`` (column names), ``items`` (a converted item; tags, graded options),
  ``teaching`` (explanations and objectives), ``exporting`` (option order, pictures),
  ``building`` (items -> a checked deck and its YAML).
"""
