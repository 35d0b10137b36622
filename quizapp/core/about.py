"""What this installation is: the version line shown by ``quizapp --version`` and Help > About."""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

import quizapp
from quizapp.core import deckfile

__all__ = ["SYNC_HELP", "about_markdown", "dist_version", "sync_help_markdown", "version_text"]


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


SYNC_HELP = """\
quizapp keeps your progress on two or more computers in step through a folder that a sync
tool you already use carries between them. There is no account and no server: each computer
writes only its own files in that folder and reads the others', so the sync tool never sees
two computers edit one file, and nothing needs a "which side wins" choice.

**Set-up, on every computer:** make an empty folder *inside* the synced folder (for example
`Sync/quizapp` or `Dropbox/quizapp`), then in quizapp choose **File > Preferences > Sync
folder > Choose…** and pick it (or start quizapp with `--sync-dir FOLDER`, or set
`QUIZAPP_SYNC_DIR`). Use the same folder on every computer.

- **Syncthing:** share one folder between the computers (e.g. `~/Sync`) and point quizapp
  at `~/Sync/quizapp` on each. Syncthing's `.syncthing.*.tmp` files are ignored.
- **Dropbox:** point quizapp at `Dropbox/quizapp` on each computer; keep the folder
  "available offline" (not online-only) so quizapp can read it.
- **OneDrive, iCloud Drive, Nextcloud:** the same; mark the folder "always keep on this
  device". **git:** commit and pull the folder. **USB stick:** copy the folder both ways.

**Never put the whole data folder in a synced folder:** the lock that stops two quizapps
writing one folder must stay on each computer (quizapp refuses a sync folder that holds or
is inside the data folder). If a sync tool makes conflict copies (`*.sync-conflict-*`,
`(conflicted copy)`), leave them: quizapp reads them too and merges every answer once, by
its id. While quizapp runs it notices the other computer's new answers and says so in the
status bar ("12 new answers from laptop"); `quizapp sync --status` lists every computer
seen and how far behind each is.
"""


def sync_help_markdown(folder: Path | None, status: str) -> str:
    """Help > Sync between computers: how to set it up, and where this computer stands
    (``status``: the text of ``quizapp sync --status``)."""
    now = (f"This computer syncs through **{folder}**:\n\n```\n{status}```\n" if folder
           else "This computer does not sync yet.\n")
    return f"# Sync between computers\n\n{now}\n{SYNC_HELP}"
