"""Every folder quizapp uses, in one place. Qt-free; the command line and the GUI only ask here.

User folders: the ones ``platformdirs`` gives an application called ``quizapp`` with no
organisation (the same folders QStandardPaths gives the GUI), so the command line and the GUI
share one place. ``--data-dir`` or ``QUIZAPP_DATA_DIR`` moves everything (progress, user decks,
cache, the GUI's settings) under one folder, for portable use from a USB stick and for tests.

Bundled files: the decks, resources and README ship inside the wheel (``quizapp/_data``); in a
source checkout or an editable install they are read from the repository instead.

:func:`resolve` gives all user folders at once as a :class:`Paths`.

The sync folder (progress shared with the student's other computers) comes from
``--sync-dir``, else ``QUIZAPP_SYNC_DIR``, else the choice made in Preferences (kept in the
data folder), else there is none: :func:`sync_dir`.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import NamedTuple

import quizapp

# json and platformdirs are imported where they are needed: the first window needs neither
# when the data folder is given and holds no preferences (start-up, issue 15); NamedTuple
# rather than dataclasses for the same reason

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
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False, roaming=True))


def cache_dir(data_override: str | os.PathLike[str] | None = None) -> Path:
    """The folder for disposable caches (parsed decks). With a data-dir override the cache lives
    inside it, so a portable folder leaves nothing behind on the host."""
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        return Path(env).expanduser()
    if data_override or os.environ.get(ENV_DATA_DIR):
        return data_dir(data_override) / "cache"
    import platformdirs

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


class Paths(NamedTuple):
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


# --------------------------------------------------------------------------- the sync folder

ENV_SYNC_DIR = "QUIZAPP_SYNC_DIR"
#: This computer's own choices kept in the data folder (never in the sync folder): the sync
#: folder chosen in Preferences. JSON, so the command line reads it without Qt.
PREFERENCES_NAME = "preferences.json"
_MAX_PREFERENCES = 64 * 1024


class SyncChoice(NamedTuple):
    """Which sync folder to use and where that choice came from.

    ``folder`` is None when there is none, or when the one named cannot be used: ``problem``
    then says what is wrong with it and where it was named."""

    folder: Path | None
    source: str  # "--sync-dir", "$QUIZAPP_SYNC_DIR", "Preferences" or "" (none named)
    problem: str | None = None


def sync_dir(override: str | os.PathLike[str] | None, data: Path, *,
             writable: bool = True) -> SyncChoice:
    """The sync folder: ``override`` (``--sync-dir``; an empty one means none for this run),
    else $QUIZAPP_SYNC_DIR, else the one chosen in Preferences, else none. The folder named
    is checked (:func:`check_sync_dir`); ``writable`` False for commands that only read it."""
    if override is not None:
        named, source = os.fspath(override), "--sync-dir"
    elif os.environ.get(ENV_SYNC_DIR):
        named, source = os.environ[ENV_SYNC_DIR], f"${ENV_SYNC_DIR}"
    else:
        named, source = saved_sync_dir(data) or "", "Preferences"
    if not named:
        return SyncChoice(None, source if override is not None else "")
    folder, problem = check_sync_dir(Path(named), data, writable=writable)
    if problem:
        return SyncChoice(None, source, f"{problem} (set by {source})")
    return SyncChoice(folder, source)


def check_sync_dir(folder: Path, data: Path, *, writable: bool = True
                   ) -> tuple[Path | None, str | None]:
    """The folder made absolute with its links resolved, or a message saying why it cannot
    be the sync folder: missing, not a folder, not writable, a loop of links, the data folder
    itself, inside it, or holding it (the lock and this computer's files must stay local)."""
    shown = folder
    folder = Path(os.path.abspath(folder.expanduser()))
    try:
        real = folder.resolve(strict=True)
    except FileNotFoundError:
        return None, f"The sync folder {shown} does not exist."
    except RuntimeError:  # Python < 3.13 reports a loop of symbolic links this way
        return None, f"The sync folder {shown} is a loop of symbolic links."
    except OSError as e:
        if e.errno == errno.ELOOP:
            return None, f"The sync folder {shown} is a loop of symbolic links."
        return None, f"The sync folder {shown} cannot be used ({e.strerror or e})."
    if not real.is_dir():
        return None, f"The sync folder {shown} is a file, not a folder."
    if not os.access(real, os.R_OK | os.X_OK):
        return None, f"The sync folder {shown} cannot be read (check its permissions)."
    if writable and not os.access(real, os.W_OK):
        return None, f"The sync folder {shown} cannot be written to (check its permissions)."
    try:
        home = Path(os.path.abspath(data.expanduser())).resolve()
    except (OSError, RuntimeError):
        home = Path(os.path.abspath(data))
    if real == home:
        return None, (f"The sync folder {shown} is the data folder itself: choose a folder "
                      "of its own inside the folder your sync tool carries.")
    if real.is_relative_to(home):
        return None, (f"The sync folder {shown} is inside the data folder {data}: choose a "
                      "folder outside it, inside the folder your sync tool carries.")
    if home.is_relative_to(real):
        return None, (f"The data folder {data} is inside the sync folder {shown}: never put "
                      "the whole data folder in a synced folder (its lock must stay on this "
                      "computer); choose an empty folder of its own.")
    return real, None


def saved_sync_dir(data: Path) -> str | None:
    """The sync folder chosen in Preferences on this computer, if any."""
    try:
        with open(data / PREFERENCES_NAME, "rb") as fh:
            raw = fh.read(_MAX_PREFERENCES + 1)
        import json

        prefs = json.loads(raw) if len(raw) <= _MAX_PREFERENCES else None
    except (OSError, ValueError):
        return None
    value = prefs.get("sync_dir") if isinstance(prefs, dict) else None
    return value if isinstance(value, str) and value else None


def save_sync_dir(data: Path, folder: Path | None) -> None:
    """Remember (None: forget) the sync folder chosen in Preferences; :class:`OSError` if the
    data folder cannot be written. Written atomically: a crash leaves the old choice."""
    import json

    path = data / PREFERENCES_NAME
    try:
        with open(path, "rb") as fh:
            prefs = json.loads(fh.read(_MAX_PREFERENCES + 1))
    except (OSError, ValueError):
        prefs = {}
    if not isinstance(prefs, dict):
        prefs = {}
    prefs["sync_dir"] = os.fspath(folder) if folder is not None else None
    tmp = path.with_name(f".{PREFERENCES_NAME}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(prefs, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
