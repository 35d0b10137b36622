"""Every folder quizapp uses, in one place. Qt-free; the command line and the GUI only ask here.

User folders: the ones ``platformdirs`` gives an application called ``quizapp`` with no
organisation (the same folders QStandardPaths gives the GUI), so the command line and the GUI
share one place. ``--data-dir`` or ``QUIZAPP_DATA_DIR`` moves everything (progress, user decks,
cache, the GUI's settings) under one folder, for portable use from a USB stick and for tests.

Bundled files: the decks, resources and README ship inside the wheel (``quizapp/_data``); in a
source checkout or an editable install they are read from the repository instead.

:func:`resolve` gives all user folders at once as a :class:`Paths`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

import quizapp

ENV_DATA_DIR = "QUIZAPP_DATA_DIR"
ENV_CACHE_DIR = "QUIZAPP_CACHE_DIR"
APP = "quizapp"
SETTINGS_FILE = "settings.ini"  # the GUI's settings inside a portable data folder

_PKG = Path(quizapp.__file__).resolve().parent


# --------------------------------------------------------------------------- user folders


def is_portable(override: str | os.PathLike[str] | None = None) -> bool:
    """True when the data folder was chosen (``--data-dir`` or $QUIZAPP_DATA_DIR): then nothing
    is kept outside it, the GUI's settings included."""
    return bool(override) or bool(os.environ.get(ENV_DATA_DIR))


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder for progress and user decks: ``override``, else $QUIZAPP_DATA_DIR, else the
    platform's user data folder."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP, appauthor=False, roaming=True))


def cache_dir(data_override: str | os.PathLike[str] | None = None) -> Path:
    """The folder for disposable caches (parsed decks). With a data-dir override the cache lives
    inside it, so a portable folder leaves nothing behind on the host."""
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        return Path(env).expanduser()
    if data_override or os.environ.get(ENV_DATA_DIR):
        return data_dir(data_override) / "cache"
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def deck_cache_dir(data_override: str | os.PathLike[str] | None = None) -> Path:
    """The parse cache of decks (see :class:`quizapp.core.library.DeckCache`)."""
    return cache_dir(data_override) / "decks"


def settings_file(data_override: str | os.PathLike[str] | None = None) -> Path | None:
    """The GUI's settings file (window, theme, zoom, last session) in portable use, inside the
    data folder; None: the platform's usual place for an application's settings (the GUI keeps
    them there with QSettings, in the user config folder)."""
    return data_dir(data_override) / SETTINGS_FILE if is_portable(data_override) else None


def check_data_dir(folder: Path) -> str | None:
    """Create the data folder if needed; a message saying what is wrong if it cannot be used
    at all (a file is in the way, the parent cannot be created). A folder that exists but is
    read-only is not refused here: the store then keeps progress in memory and says so."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return f"The data folder {folder} is a file, not a folder."
    except OSError as e:
        return f"The data folder {folder} cannot be created ({e.strerror or e})."
    if not folder.is_dir():
        return f"The data folder {folder} is not a folder."
    return None


def user_decks_dir(data: Path) -> Path:
    """Decks the user added; the library lists them beside the bundled ones."""
    return data / "decks"


@dataclass(frozen=True)
class Paths:
    """Every user folder for one run: what the command line and the GUI are given."""

    data: Path  # progress and user decks
    cache: Path  # disposable caches
    portable: bool  # everything under a chosen data folder
    settings: Path | None  # the GUI's settings file; None: the platform's usual place

    @property
    def user_decks(self) -> Path:
        return user_decks_dir(self.data)

    @property
    def deck_cache(self) -> Path:
        return self.cache / "decks"


def resolve(data_override: str | os.PathLike[str] | None = None) -> Paths:
    """All user folders, for ``--data-dir`` (``data_override``) and the environment."""
    return Paths(data_dir(data_override), cache_dir(data_override), is_portable(data_override),
                 settings_file(data_override))


# --------------------------------------------------------------------------- bundled files


def bundled(name: str) -> Path:
    """``decks``, ``resources`` or ``README.md``: inside the installed package, else the source
    tree."""
    installed = _PKG / "_data" / name
    if installed.exists():
        return installed
    return _PKG.parent / name


def bundled_decks_dir() -> Path:
    return bundled("decks")


def resources_dir() -> Path:
    return bundled("resources")


def readme_file() -> Path:
    """The README (the user guide), shown by Help."""
    return bundled("README.md")


def package_parent() -> Path:
    """The folder that holds the ``quizapp`` package (a child process started with
    ``python -m quizapp...`` needs it on its path)."""
    return _PKG.parent
