"""This computer's device id: 32 lowercase hex digits kept in the LOCAL data folder (file
``device-id``), never in a sync folder (a sync tool would carry it to the other computers,
which would then write into this computer's history files)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from quizapp.core import fileio

__all__ = ["DEVICE_FILE", "load_device_id", "new_device_id"]

DEVICE_FILE = "device-id"
_HEX32 = re.compile(r"[0-9a-f]{32}")


def new_device_id() -> str:
    return uuid.uuid4().hex


def load_device_id(folder: Path, *, write: bool) -> tuple[str, str | None]:
    """This computer's id, made (and, with ``write``, saved) on first use; and a warning when
    the file held something else (it is then kept aside as ``device-id.damaged``, never
    overwritten in place)."""
    path = folder / DEVICE_FILE
    warning = None
    try:
        text = fileio.read_regular(path, 4096).decode("ascii").strip()
    except FileNotFoundError:
        text = None
    except (OSError, UnicodeDecodeError) as exc:
        text = ""
        warning = f"{path}: not read ({getattr(exc, 'strerror', None) or exc}); a new " \
                  "device id is used for this computer"
    if text is not None and _HEX32.fullmatch(text):
        return text, None
    device = new_device_id()
    if text is not None and warning is None:
        warning = f"{path}: not a device id (32 hex digits); kept aside as " \
                  f"{DEVICE_FILE}.damaged and a new device id is used for this computer"
    if write:
        try:
            if text is not None and fileio.check_regular(path):
                path.replace(path.with_name(f"{DEVICE_FILE}.damaged"))
            fileio.atomic_write(path, device.encode("ascii") + b"\n")
        except OSError:
            pass  # the store reports an unwritable folder itself; the id lives in memory
    return device, warning
