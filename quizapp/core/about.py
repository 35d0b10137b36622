"""What this installation is: the version line shown by ``quizapp --version`` and Help > About."""

from __future__ import annotations

import platform
from importlib import metadata

import quizapp
from quizapp.core import deckfile

__all__ = ["dist_version", "version_text"]


def dist_version(name: str) -> str:
    """The installed version of the distribution ``name``, or ``"not installed"``."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def version_text() -> str:
    """quizapp's version and the versions of what it runs on, on two lines."""
    import yaml

    return (
        f"quizapp {quizapp.__version__}\n"
        f"Python {platform.python_version()}; PyYAML {yaml.__version__}, decks parsed with "
        f"{deckfile.parser_name()}; PySide6 {dist_version('PySide6-Essentials')}; "
        f"fsrs {dist_version('fsrs')}"
    )
