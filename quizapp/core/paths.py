"""Where quizapp keeps the user's files. Qt-free; the only module that knows user paths.

The folders are the ones ``platformdirs`` gives an application called ``quizapp`` with no
organisation (the same folders QStandardPaths gives the GUI), so the command line and the GUI
share one place. ``--data-dir`` or ``QUIZAPP_DATA_DIR`` moves everything (progress, user decks,
cache) under one folder, for portable use from a USB stick and for tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_DATA_DIR = "QUIZAPP_DATA_DIR"
ENV_CACHE_DIR = "QUIZAPP_CACHE_DIR"
APP = "quizapp"


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
