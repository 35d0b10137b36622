"""Keeps PySide6's stable-ABI wheels safe on Python 3.10 and 3.11.

PySide6 6.12's wheels are built once for every Python (the stable ABI) against Python 3.12+
headers, where ``None``, ``True`` and ``False`` are immortal (PEP 683) and reference counting
on them is a no-op. Run on an older Python, every Qt call that returns nothing gives back a
reference to ``None`` it never took, and every ``emit`` or Qt method returning a bool does the
same to ``True``/``False``: after a few thousand calls the count reaches zero and Python aborts
("Fatal Python error: none_dealloc" / "bool_dealloc"). :func:`make_singletons_immortal` gives
the three singletons the effectively endless count they have on 3.12+, which is harmless:
they are static objects that are never freed while Python runs anyway.
"""

from __future__ import annotations

import ctypes
import sys

__all__ = ["make_singletons_immortal"]

_ENOUGH = 1 << 40


def make_singletons_immortal() -> bool:
    """On CPython before 3.12, raise the reference counts of None, True and False so that no
    number of unpaired releases can free them; returns whether it did anything."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    for obj in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt, PyObject's first field
        if count.value < _ENOUGH:
            count.value += _ENOUGH
    return True
