"""STUB (replaced by the "aggregates" helper's module at merge): the rolled-up figures the
store keeps current. Only the interface the store relies on: ``Aggregates()``, ``add(rec)``,
``remove(rec)``, ``to_json()``, ``Aggregates.from_json(data)`` (ValueError when damaged)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["Aggregates"]


class Aggregates:
    """Answers and correct answers per unit (a throwaway minimal version)."""

    def __init__(self) -> None:
        self.units: dict[str, list[int]] = {}

    def add(self, rec: Mapping[str, Any]) -> None:
        row = self.units.setdefault(rec["unit"], [0, 0])
        row[0] += 1
        row[1] += bool(rec["correct"])

    def remove(self, rec: Mapping[str, Any]) -> None:
        row = self.units.setdefault(rec["unit"], [0, 0])
        row[0] -= 1
        row[1] -= bool(rec["correct"])

    def to_json(self) -> dict[str, Any]:
        return {"units": {k: list(v) for k, v in self.units.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Aggregates:
        out = cls()
        units = data.get("units") if isinstance(data, Mapping) else None
        if not isinstance(units, dict):
            raise ValueError("not rolled-up figures")
        for key, row in units.items():
            if not (isinstance(row, list) and len(row) == 2
                    and all(type(n) is int for n in row)):
                raise ValueError(f"damaged figures for {key!r:.60}")
            out.units[key] = list(row)
        return out
