"""Explanations and learning objectives: set on an item, split from and joined to text."""

from __future__ import annotations

from typing import Any

from quizapp.core.interchange.items import MAX_TEXT, too_long

OBJECTIVE_LABEL = "**Learning objective:**"


def add_teaching(data: dict[str, Any], explanation: str | None, objective: str | None) -> str:
    """Set the item's explanation and objective; return the reason to skip it when one of its
    texts is over the loader's limit, else ``""``."""
    if explanation:
        data["explanation"] = explanation
    if objective:
        data["objective"] = objective
    texts = [data["stem"], explanation or "", objective or ""] + [
        t for o in data["options"] for t in (o["text"], o.get("explanation", ""))]
    longest = max(texts, key=len)
    if too_long(longest):
        return f"a text is too long ({len(longest):,} characters; the limit is {MAX_TEXT:,})"
    return ""


def split_objective(text: str) -> tuple[str | None, str | None]:
    """``"teaching\\n\\n**Learning objective:** goal"`` -> ``("teaching", "goal")``."""
    idx = text.rfind(OBJECTIVE_LABEL)
    if idx == -1 or (idx > 0 and not text[:idx].endswith("\n")):
        return (text or None), None
    objective = text[idx + len(OBJECTIVE_LABEL):].strip()
    rest = text[:idx].strip()
    return (rest or None), (objective or None)


def objective_suffix(text: str | None, objective: str | None) -> str:
    parts = [p.strip() for p in (text or "",) if p and p.strip()]
    if objective and objective.strip():
        parts.append(f"{OBJECTIVE_LABEL} {objective.strip()}")
    return "\n\n".join(parts)
