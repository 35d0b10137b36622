"""The ``quizapp`` command: the GUI by default, subcommands for everything else.

Nothing here imports Qt unless the GUI is started, so ``quizapp validate`` and friends work on
machines without a display and start fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from quizapp.core import paths
from quizapp.core.paths import bundled_decks_dir

# Each command imports what it needs: the window (no command) needs none of the deck, YAML
# and authoring modules before its first frame (start-up, issue 15).
if TYPE_CHECKING:
    from quizapp.core import authoring
    from quizapp.core.library import LoadResult
    from quizapp.core.problems import Problem

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


class _VersionAction(argparse.Action):
    """Like argparse's version action, but without re-wrapping the text."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from quizapp.core.about import version_text

        sys.stdout.write(version_text() + "\n")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="quizapp",
        description="Offline flashcards, quizzes and clinical vignettes for medicine. "
        "With no command, the app window opens on the bundled decks.",
        epilog="Run 'quizapp COMMAND --help' for a command's options.",
    )
    p.add_argument("--version", action=_VersionAction, nargs=0,
                   help="show the version, the YAML parser in use, and exit")
    p.add_argument(
        "--data-dir",
        metavar="PATH",
        help=f"keep progress, user decks and caches in PATH (also ${paths.ENV_DATA_DIR}); "
        "for portable use",
    )
    p.add_argument(
        "--sync-dir",
        metavar="PATH",
        help=f"share progress with your other computers through PATH, a folder inside one "
        f"that Syncthing, Dropbox, OneDrive... carries (also ${paths.ENV_SYNC_DIR}, or "
        "Preferences in the app)",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    g = sub.add_parser("gui", help="open the app window (the default)")
    g.add_argument("decks", nargs="*", type=Path, metavar="DECK", help="deck files to open")

    v = sub.add_parser(
        "validate",
        help="check deck files without opening a window",
        description="Check decks. Prints one line per problem as file:line:col: message. "
        "Exit status: 0 all valid, 1 problems found, 2 usage error.",
    )
    v.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="deck files or folders")
    v.add_argument("--format", choices=("text", "json"), default="text",
                   help="output format (json for editors and CI)")
    v.add_argument("--no-cache", action="store_true", help="do not use the parse cache")
    v.add_argument("--stats", action="store_true",
                   help="also print, per valid deck, items by kind, tag and source, what lacks "
                   "an explanation, objective or source, and the longest stems")

    sub.add_parser("schema", help="print the deck JSON Schema",
                   description="Print the JSON Schema of deck format v1 (for editors).")

    s = sub.add_parser("stats", help="print a progress summary per deck",
                       description="Items seen, accuracy and what is due, per deck.")
    s.add_argument("decks", nargs="*", type=Path, metavar="DECK",
                   help="deck files or folders (default: bundled and user decks)")
    _add_authoring_parsers(sub)
    _add_sync_parser(sub)
    for command in sub.choices.values():  # `quizapp stats --data-dir X` works as well
        command.add_argument("--data-dir", metavar="PATH", default=argparse.SUPPRESS,
                             help="keep progress, user decks and caches in PATH")
    for name in ("gui", "stats", "sync"):
        sub.choices[name].add_argument(
            "--sync-dir", metavar="PATH", default=argparse.SUPPRESS,
            help=f"the sync folder shared with your other computers (also "
            f"${paths.ENV_SYNC_DIR}, or Preferences in the app)")
    return p


def _add_sync_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    y = sub.add_parser(
        "sync", help="show the computers that share progress through your sync folder",
        description="With --status: list every computer seen in the sync folder (from "
        f"--sync-dir, else ${paths.ENV_SYNC_DIR}, else the folder chosen in Preferences), its "
        "answers, its last answer and how far it is behind the newest, and any damaged file "
        "by file and line. Needs no window; reads only. Exit status: 0 shown, 1 damage found "
        "in the sync folder, 2 usage error (e.g. no sync folder given, or it cannot be used).")
    y.add_argument("--status", action="store_true", required=True,
                   help="print the status (the only action)")


def _add_authoring_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``new``, ``import`` and ``export``: instructor tools (core.authoring, core.interchange)."""
    n = sub.add_parser(
        "new", help="write a commented starter deck",
        description="Write a new deck with one commented item of each kind (flashcard, single, "
        "multi, case). Exit status: 0 written, 2 usage error (e.g. the file exists).")
    n.add_argument("path", type=Path, metavar="PATH", help="the deck file to create (.yaml)")
    n.add_argument("--id", dest="deck_id", metavar="ID",
                   help="deck id (default: from the file name)")
    n.add_argument("--title", metavar="TITLE", help="deck title (default: from the file name)")
    n.add_argument("--force", action="store_true", help="overwrite PATH if it exists")

    i = sub.add_parser(
        "import", help="convert Anki notes (package or text export) or Moodle GIFT or XML "
        "questions into a deck",
        description="Convert an Anki package (.apkg/.colpkg), Anki notes in plain text "
        "(.txt/.csv/.tsv), a CSV/TSV of multiple-choice questions (Question,A,B,C,D,Answer,...),"
        " Moodle GIFT questions or a Moodle XML question export into a YAML deck. Items that "
        "cannot be converted are "
        "reported as FILE:LINE: cannot convert ...: reason and left out. Exit status: 0 "
        "everything converted, 1 some items skipped, 2 usage error or nothing convertible.")
    i.add_argument("file", type=Path, metavar="FILE", help="the file to import")
    i.add_argument("-o", "--output", type=Path, required=True, metavar="DECK.yaml",
                   help="the deck file to write")
    i.add_argument("--id", dest="deck_id", metavar="ID",
                   help="deck id (default: from the output file name)")
    i.add_argument("--title", metavar="TITLE", help="deck title (default: from the file)")
    i.add_argument("--format", dest="import_format",
                   choices=("auto", "anki", "apkg", "gift", "moodle"), default="auto",
                   help="input format (default: guessed from name and content; apkg: an Anki "
                   "package)")
    i.add_argument("--force", action="store_true", help="overwrite the output if it exists")

    e = sub.add_parser(
        "export", help="write a deck as Anki notes or Moodle GIFT questions",
        description="Export a deck: --format anki writes tab-separated notes with HTML for "
        "Anki's File > Import; --format gift writes questions for Moodle (flashcards are left "
        "out). Exit status: 0 written, 1 the deck has problems, 2 usage error.")
    e.add_argument("deck", type=Path, metavar="DECK", help="the deck file to export")
    e.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="the file to write, or - for standard output")
    e.add_argument("--format", dest="export_format", choices=("auto", "anki", "gift"),
                   default="auto",
                   help="anki or gift (default: from OUT's suffix: .gift, or .tsv/.csv)")
    e.add_argument("--force", action="store_true", help="overwrite OUT if it exists")

    pk = sub.add_parser(
        "pack", help="make one zip with a deck and its pictures, to share",
        description="Check a deck and write one zip holding the deck file and every picture it "
        "uses, at the same places. A colleague unpacks and checks it with `quizapp import "
        "DECK.zip -o FOLDER`. Exit status: 0 written, 1 the deck has problems, 2 usage error.")
    pk.add_argument("deck", type=Path, metavar="DECK", help="the deck file to pack")
    pk.add_argument("-o", "--output", type=Path, metavar="OUT.zip",
                    help="the zip to write (default: beside the deck, DECK.zip)")
    pk.add_argument("--force", action="store_true", help="overwrite OUT.zip if it exists")

    g = sub.add_parser(
        "guide", help="open the deck format guide (how to write decks)",
        description="Open the deck format guide that came with this installation: the format "
        "with a complete example, every field, the YAML traps and the validator's messages. "
        "Without a display it is printed.")
    g.add_argument("--print", action="store_true", help="print the guide (Markdown) instead")
    g.add_argument("--path", action="store_true", help="print where the guide file is")

    pv = sub.add_parser(
        "preview", help="open a live preview of a deck that reloads when you save it",
        description="Show a deck as students see it, with every answer and explanation, and "
        "reload it each time the file is saved. Problems appear with file:line:col; click "
        "one to copy it for your editor.")
    pv.add_argument("deck", type=Path, metavar="DECK", help="the deck file to preview")


# --------------------------------------------------------------------------- validate


def _check_paths(given: Sequence[Path]) -> list[Path]:
    from quizapp.core.library import DECK_SUFFIXES, find_deck_files

    for p in given:
        if not p.exists():
            raise UsageError(f"no such file or folder: {p}")
    files = find_deck_files(given)
    if not files:
        raise UsageError(
            "no deck files (" + ", ".join("*" + s for s in DECK_SUFFIXES) + ") in "
            + ", ".join(map(str, given))
        )
    return files


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import json

    from quizapp.core import authoring
    from quizapp.core.library import DeckCache, load_deck

    files = _check_paths(args.paths)
    cache = None if args.no_cache else DeckCache(paths.deck_cache_dir(args.data_dir))
    results: list[LoadResult] = [load_deck(f, cache) for f in files]
    problems = sorted(p for r in results for p in r.problems)
    bad = sum(1 for r in results if not r.ok)
    warnings = {r.path: _warnings(r) for r in results}
    all_warnings = sorted(w for ws in warnings.values() for w in ws)
    if args.format == "json":
        json.dump(
            {
                "ok": bad == 0,
                "files": [
                    {
                        "file": str(r.path),
                        "ok": r.ok,
                        "deck_id": r.deck.id if r.deck else None,
                        "items": len(r.deck.items) if r.deck else None,
                        "problems": [p.as_dict() for p in r.problems],
                        "warnings": [w.as_dict() for w in warnings[r.path]],
                        **({"stats": _deck_stats(r).as_dict()}
                           if getattr(args, "stats", False) and r.deck else {}),
                    }
                    for r in results
                ],
                "problems": [p.as_dict() for p in problems],
                "warnings": [w.as_dict() for w in all_warnings],
            },
            out,
            indent=2,
            ensure_ascii=False,
        )
        out.write("\n")
    else:
        for p in problems:
            out.write(f"{p}\n")
        for w in all_warnings:
            out.write(f"{w}\n")
        if getattr(args, "stats", False):
            for r in results:
                if r.deck is not None:
                    out.write(authoring.format_stats(_deck_stats(r)))
        n = len(results)
        summary = (f"{n} deck file{'s' if n != 1 else ''} checked: {n - bad} valid, "
                   f"{bad} with problems ({len(problems)} problem"
                   f"{'s' if len(problems) != 1 else ''})")
        if all_warnings:
            summary += (f"; {len(all_warnings)} warning{'s' if len(all_warnings) != 1 else ''} "
                        "(the deck still loads; fix them before students see it)")
        err.write(summary + "\n")
    return EXIT_PROBLEMS if bad else EXIT_OK


def _warnings(r: LoadResult) -> list[Problem]:
    """Warnings for one checked file (text YAML would change silently, missing explanations)."""
    from quizapp.core import authoring

    return authoring.file_warnings(r.path, r.deck, r.problems)


def _deck_stats(r: LoadResult) -> authoring.DeckContentStats:
    """``validate --stats`` for one loaded deck (computed in quizapp.core.authoring)."""
    from quizapp.core import authoring

    assert r.deck is not None
    return authoring.deck_stats(r.deck, str(r.path))


def cmd_schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from quizapp.core import deckschema

    out.write(deckschema.json_schema_text())
    return EXIT_OK


def default_deck_paths(data_dir: Path) -> list[Path]:
    user = paths.user_decks_dir(data_dir)
    return [bundled_decks_dir()] + ([user] if user.is_dir() else [])


def cmd_stats(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from quizapp.core import authoring, stats
    from quizapp.core.library import DeckCache, find_deck_files, load_deck
    from quizapp.core.store import StoreError

    data = paths.data_dir(args.data_dir)
    try:
        # Look before reading: a name longer than the file system allows or a folder without
        # read permission is a plain message and a non-zero exit, not a traceback.
        if data.exists() and not data.is_dir():
            raise UsageError(f"the data folder {data} is a file, not a folder")
        if data.exists():
            os.listdir(data)
    except OSError as e:
        err.write(f"quizapp stats: error: cannot read the data folder {data}: "
                  f"{e.strerror or e}\n")
        return EXIT_PROBLEMS
    files = _check_paths(args.decks) if args.decks else find_deck_files(default_deck_paths(data))
    cache = DeckCache(paths.deck_cache_dir(args.data_dir))
    decks = []
    for f in files:
        r = load_deck(f, cache)
        if r.deck is None:
            err.write(f"skipping {f}: {len(r.problems)} problem(s); run: "
                      f"quizapp validate {authoring.shell_quote(f)}\n")
        else:
            decks.append(r.deck)
    choice = paths.sync_dir(args.sync_dir, data, writable=False)
    if choice.problem:
        err.write(f"quizapp stats: warning: {choice.problem}; showing this computer's "
                  "progress only\n")
    try:
        report = stats.stats_report(data, decks, sync_dir=choice.folder)
    except (StoreError, OSError) as e:
        err.write(f"quizapp stats: error: cannot read the progress in {data}: "
                  f"{getattr(e, 'strerror', None) or e}\n")
        return EXIT_PROBLEMS
    out.write(report)
    return 0


def cmd_sync(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from quizapp.core.progress.history_store import open_store
    from quizapp.core.progress.sync import format_status
    from quizapp.core.store import StoreError

    data = paths.data_dir(args.data_dir)
    choice = paths.sync_dir(args.sync_dir, data, writable=False)
    if choice.problem:
        raise UsageError(choice.problem)
    if choice.folder is None:
        raise UsageError("no sync folder: give one with --sync-dir PATH, set "
                         f"${paths.ENV_SYNC_DIR}, or choose one in the app's Preferences")
    try:
        store = open_store(data, read_only=True, sync_dir=choice.folder)
    except (StoreError, OSError) as e:
        err.write(f"quizapp sync: error: cannot read the progress in {data}: "
                  f"{getattr(e, 'strerror', None) or e}\n")
        return EXIT_PROBLEMS
    try:
        news = store.check_sync()
        rows = store.sync_status()
        warnings = list(store.warnings)
    finally:
        store.close()
    root = os.fspath(choice.folder)
    damage = list(news.problems) + [w for w in warnings if root in w]
    out.write(format_status(choice.folder, rows))
    for problem in damage:
        out.write(f"damaged: {problem}\n")
    for warning in warnings:
        if warning not in damage:
            err.write(f"quizapp sync: warning: {warning}\n")
    return EXIT_PROBLEMS if damage else EXIT_OK


def cmd_new(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from quizapp.core import authoring
    from quizapp.core.library import DECK_SUFFIXES

    path: Path = args.path
    try:
        if path.suffix.lower() not in DECK_SUFFIXES:
            raise authoring.AuthoringError(f"{path}: a deck file name ends in .yaml or .yml")
        authoring.check_output_path(path, args.force, "deck file")
        text = authoring.starter_deck(path, deck_id=args.deck_id, title=args.title)
        authoring.write_text_atomic(path, text)
    except authoring.AuthoringError as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror}") from None
    err.write(f"{path}: new deck written; check it with: "
              f"quizapp validate {authoring.shell_quote(path)}\n")
    return EXIT_OK


def cmd_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from quizapp.core import authoring, deckpack
    from quizapp.core.interchange import conversion

    if args.file.suffix.lower() == ".zip" and deckpack.is_deck_package(args.file):
        return _import_package(args, out, err)

    from quizapp.core.interchange.messages import ConvertError

    src: Path = args.file
    output: Path = args.output
    try:
        result = conversion.import_deck(src, output, fmt=args.import_format,
                                        deck_id=args.deck_id, title=args.title,
                                        force=args.force)
    except authoring.AuthoringError as e:
        raise UsageError(str(e)) from None
    except ConvertError as e:
        for m in e.messages:
            err.write(f"{m}\n")
        err.write(f"quizapp import: nothing written to {output}\n")
        return EXIT_USAGE
    for m in conversion.import_messages(result):
        err.write(f"{m}\n")
    n = len(result.deck.items)
    err.write(f"{output}: {n} item{'s' if n != 1 else ''} imported from {src} "
              f"({result.format_label})"
              + (f"; {len(result.skipped)} skipped" if result.skipped else "") + "\n")
    return EXIT_PROBLEMS if result.skipped else EXIT_OK


def _import_package(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """A deck package from ``quizapp pack``: checked like any deck, then unpacked into the
    folder given with -o (the deck keeps its pictures beside it)."""
    from quizapp.core import deckpack
    from quizapp.core.library import DECK_SUFFIXES
    from quizapp.core.problems import DeckError

    dest: Path = args.output
    if dest.suffix.lower() in DECK_SUFFIXES:
        raise UsageError(f"{args.file} is a deck package: give a folder to unpack it into with "
                         "-o (e.g. -o ~/decks)")
    try:
        deck = deckpack.unpack(args.file, dest, force=args.force)
    except deckpack.PackError as e:
        raise UsageError(str(e)) from None
    except DeckError as e:
        for p in e.problems:
            out.write(f"{p}\n")
        err.write(f"{args.file}: the deck in this package has problems; nothing was unpacked\n")
        return EXIT_PROBLEMS
    out.write(f"{deck}\n")
    err.write(f"unpacked and checked: {deck}\n")
    return EXIT_OK


def cmd_pack(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from quizapp.core import authoring, deckpack
    from quizapp.core.problems import DeckError

    deck: Path = args.deck
    if not deck.is_file():
        raise UsageError(f"no such deck file: {deck}")
    target: Path = args.output or deck.with_suffix(".zip")
    try:
        authoring.check_output_path(target, args.force, "package")
        if target.resolve() == deck.resolve():
            raise UsageError("the package would replace the deck itself; choose another -o")
        packed = deckpack.pack(deck, target)
    except authoring.AuthoringError as e:
        raise UsageError(str(e)) from None
    except DeckError as e:
        for p in e.problems:
            out.write(f"{p}\n")
        err.write(f"{deck}: fix these problems first; no package was written\n")
        return EXIT_PROBLEMS
    for name in packed.files:
        out.write(f"{name}\n")
    pictures = len(packed.files) - 1
    err.write(f"wrote {target}: the deck and {pictures} picture{'s' if pictures != 1 else ''}; "
              f"a colleague imports it with: quizapp import {authoring.shell_quote(target)} "
              "-o FOLDER\n")
    return EXIT_OK


def guide_path() -> Path:
    """The deck format guide (decks/README.md) of this installation."""
    return bundled_decks_dir() / "README.md"


def cmd_guide(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    path = guide_path()
    if not path.is_file():
        raise UsageError(f"the format guide is missing from this installation ({path})")
    if args.path:
        out.write(f"{path}\n")
        return EXIT_OK
    if args.print or _no_display():
        out.write(path.read_text(encoding="utf-8"))
        return EXIT_OK
    from quizapp.ui.app import run_guide

    return run_guide(path)


def cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from quizapp.core import authoring
    from quizapp.core.interchange import conversion
    from quizapp.core.problems import DeckError

    deck: Path = args.deck
    try:
        result = conversion.export_deck(deck, args.output, fmt=args.export_format,
                                        force=args.force)
    except authoring.AuthoringError as e:
        raise UsageError(str(e)) from None
    except DeckError as e:
        for p in e.problems:
            err.write(f"{p}\n")
        err.write(f"quizapp export: {deck} has problems; fix them first (quizapp "
                  f"validate {deck})\n")
        return EXIT_PROBLEMS
    for n in result.notes:
        err.write(f"{n}\n")
    if result.target is None:
        out.write(result.text)
        return EXIT_OK
    err.write(f"{result.target}: {result.what} from {deck}\n")
    return EXIT_OK


def cmd_preview(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    deck: Path = args.deck
    if not deck.is_file():
        raise UsageError(f"no such deck file: {deck}")
    message = _no_display()
    if message:
        raise UsageError(message.removeprefix("quizapp: "))
    from quizapp.ui.app import run_preview

    return run_preview(deck)


COMMANDS = {"validate": cmd_validate, "schema": cmd_schema, "stats": cmd_stats,
            "pack": cmd_pack, "guide": cmd_guide,
            "new": cmd_new, "import": cmd_import, "export": cmd_export,
            "preview": cmd_preview, "sync": cmd_sync}


def main(argv: Sequence[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    if argv is None:
        argv = sys.argv[1:]
    if not argv:  # plain ``quizapp`` (a desktop icon): the window, sooner than via the parser
        return gui(argparse.Namespace(data_dir=None, sync_dir=None, command=None))
    parser = build_parser()
    args = parser.parse_args(argv)
    cmd = COMMANDS.get(args.command or "")
    if cmd is None:
        return gui(args)
    try:
        return cmd(args, out, err)
    except UsageError as e:
        err.write(f"quizapp {args.command}: error: {e}\n")
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `quizapp schema | head`
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


def _no_display() -> str | None:
    """On Linux/BSD without X11 or Wayland, Qt aborts with a misleading plugin message."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd")) and not any(
            os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        return ("quizapp: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set). Start "
                "it from a desktop session; the command-line tools work anywhere: "
                "quizapp --help")
    return None


def prepare_gui() -> None:
    """What ``quizapp`` does before it imports Qt: no garbage collection until the first
    window has been drawn (:func:`quizapp.core.gcpolicy.start_up_begins`; the window turns it
    back on). The platform's folders are looked up after the first paint."""
    from quizapp.core import gcpolicy

    gcpolicy.start_up_begins()


def gui(args: argparse.Namespace) -> int:
    message = _no_display()
    if message:
        sys.stderr.write(message + "\n")
        return EXIT_USAGE
    prepare_gui()
    from quizapp.ui.app import run

    return run(data_dir=args.data_dir, decks=list(getattr(args, "decks", None) or []),
               sync_dir=args.sync_dir)


def gui_main() -> int:
    """Entry point of ``quizapp-gui`` (no console window on Windows)."""
    return main()
