"""A hybrid logical clock (Kulkarni et al., 2014) for last-writer-wins fields.

A stamp is ``(wall_ms, counter, device)``: milliseconds of the wall clock, a counter that
orders changes within one millisecond or while the wall clock lags behind a stamp already
seen, and the id of the computer that made the change, which breaks every remaining tie.
Stamps compare as tuples, so any two changes are ordered the same way on every computer, and
a change made after seeing another always sorts after it even when the two computers' clocks
disagree.

In JSON a stamp is the list ``[wall_ms, counter, "device-id"]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["DEVICE_ID", "Clock", "Stamp", "parse_stamp"]

#: What a device id may look like: it names a folder, so nothing that could leave one.
DEVICE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")

#: Stamps further than this ahead of the wall clock are not believed when observed (a
#: computer whose clock was set years ahead must not freeze every later change).
MAX_WALL_MS = 2**53


class Stamp(NamedTuple):
    wall_ms: int
    counter: int
    device: str

    def to_json(self) -> list[object]:
        return [self.wall_ms, self.counter, self.device]


def parse_stamp(value: object) -> Stamp:
    """A stamp from its JSON form; :class:`ValueError` saying what is wrong otherwise."""
    if type(value) is list and len(value) == 3:  # the usual stamp, checked quickly
        wall, counter, device = value
        if (type(wall) is int and type(counter) is int and 0 <= wall < MAX_WALL_MS
                and 0 <= counter < MAX_WALL_MS and type(device) is str
                and DEVICE_ID.fullmatch(device)):
            return Stamp(wall, counter, device)
    if not (isinstance(value, list) and len(value) == 3):
        raise ValueError("a clock stamp is a list [milliseconds, counter, device]")
    wall, counter, device = value
    for name, n in (("milliseconds", wall), ("counter", counter)):
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n < MAX_WALL_MS:
            raise ValueError(f"the clock stamp's {name} is not a whole number 0..2^53")
    if not isinstance(device, str) or not DEVICE_ID.fullmatch(device):
        raise ValueError(f"the clock stamp's device {device!r:.70} is not a device id")
    return Stamp(wall, counter, device)


@dataclass
class Clock:
    """One computer's clock. :meth:`tick` stamps a local change, :meth:`observe` takes in a
    stamp read from another computer."""

    device: str
    last: Stamp | None = None

    def __post_init__(self) -> None:
        if not DEVICE_ID.fullmatch(self.device):
            raise ValueError(f"{self.device!r} is not a device id")

    def tick(self, wall_ms: int) -> Stamp:
        if self.last is None or wall_ms > self.last.wall_ms:
            stamp = Stamp(wall_ms, 0, self.device)
        else:
            stamp = Stamp(self.last.wall_ms, self.last.counter + 1, self.device)
        self.last = stamp
        return stamp

    def observe(self, other: Stamp) -> None:
        """Make every later :meth:`tick` sort after ``other``."""
        if self.last is None or (other.wall_ms, other.counter) > (self.last.wall_ms,
                                                                  self.last.counter):
            self.last = Stamp(other.wall_ms, other.counter, self.device)
