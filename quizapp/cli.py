"""The ``quizapp`` command: the GUI by default, subcommands for everything else.

Nothing here imports Qt unless the GUI is started, so ``quizapp validate`` and friends work on
machines without a display and start fast.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import TextIO

import quizapp
from quizapp.core import deckfile, deckschema, paths
from quizapp.core.library import (
    DECK_SUFFIXES,
    DeckCache,
    LoadResult,
    bundled_decks_dir,
    find_deck_files,
    load_deck,
)

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def version_text() -> str:
    import yaml

    return (
        f"quizapp {quizapp.__version__}\n"
        f"Python {platform.python_version()}; PyYAML {yaml.__version__}, decks parsed with "
        f"{deckfile.parser_name()}; PySide6 {_dist_version('PySide6-Essentials')}; "
        f"fsrs {_dist_version('fsrs')}"
    )


class _VersionAction(argparse.Action):
    """Like argparse's version action, but without re-wrapping the text."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
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

    sub.add_parser("schema", help="print the deck JSON Schema",
                   description="Print the JSON Schema of deck format v1 (for editors).")

    s = sub.add_parser("stats", help="print a progress summary per deck",
                       description="Items seen, accuracy and what is due, per deck.")
    s.add_argument("decks", nargs="*", type=Path, metavar="DECK",
                   help="deck files or folders (default: bundled and user decks)")
    return p


# --------------------------------------------------------------------------- validate


def _check_paths(given: Sequence[Path]) -> list[Path]:
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
    files = _check_paths(args.paths)
    cache = None if args.no_cache else DeckCache(paths.cache_dir(args.data_dir) / "decks")
    results: list[LoadResult] = [load_deck(f, cache) for f in files]
    problems = sorted(p for r in results for p in r.problems)
    bad = sum(1 for r in results if not r.ok)
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
                    }
                    for r in results
                ],
                "problems": [p.as_dict() for p in problems],
            },
            out,
            indent=2,
            ensure_ascii=False,
        )
        out.write("\n")
    else:
        for p in problems:
            out.write(f"{p}\n")
        n = len(results)
        summary = (f"{n} deck file{'s' if n != 1 else ''} checked: {n - bad} valid, "
                   f"{bad} with problems ({len(problems)} problem"
                   f"{'s' if len(problems) != 1 else ''})")
        err.write(summary + "\n")
    return EXIT_PROBLEMS if bad else EXIT_OK


def cmd_schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    out.write(deckschema.json_schema_text())
    return EXIT_OK


def default_deck_paths(data_dir: Path) -> list[Path]:
    user = paths.user_decks_dir(data_dir)
    return [bundled_decks_dir()] + ([user] if user.is_dir() else [])


def cmd_stats(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from quizapp.core import stats

    data = paths.data_dir(args.data_dir)
    files = _check_paths(args.decks) if args.decks else find_deck_files(default_deck_paths(data))
    cache = DeckCache(paths.cache_dir(args.data_dir) / "decks")
    decks = []
    for f in files:
        r = load_deck(f, cache)
        if r.deck is None:
            err.write(f"skipping {f}: {len(r.problems)} problem(s); run 'quizapp validate {f}'\n")
        else:
            decks.append(r.deck)
    return stats.run_stats(data, decks, out)


COMMANDS = {"validate": cmd_validate, "schema": cmd_schema, "stats": cmd_stats}


def main(argv: Sequence[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
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


def gui(args: argparse.Namespace) -> int:
    from quizapp.ui.app import run

    return run(data_dir=args.data_dir, decks=list(getattr(args, "decks", None) or []))


def gui_main() -> int:
    """Entry point of ``quizapp-gui`` (no console window on Windows)."""
    return main()
