"""What this installation is: the version line shown by ``quizapp --version`` and Help > About."""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

import quizapp
from quizapp.core import deckfile

__all__ = ["about_markdown", "dist_version", "version_text"]


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


def about_markdown(data_dir: Path) -> str:
    """Help > About: version, the data folder, the versions it runs on, the licences."""
    return (f"## quizapp {quizapp.__version__}\n\nOffline flashcards, quizzes and clinical "
            "vignettes for medicine.\n\n"
            f"**Your data folder:** `{data_dir}`\n\n"
            f"**Versions:** {version_text().replace(chr(10), ' — ')}\n\n"
            "**Licences:** quizapp is MIT-licensed. The bundled decks are CC BY 4.0 and cite "
            "their sources on every card. Qt and PySide6 are used under the LGPL v3; PyYAML "
            "(MIT), fsrs (MIT), platformdirs (MIT), pyqtgraph (MIT) and NumPy (BSD).\n\n"
            "Medical content is for study, not for patient care.")
