"""A running session as JSON and back: what the store keeps as the pending block, so a
session paused or interrupted (quit, crash) resumes after a restart with nothing lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from quizapp.core.model import Deck
from quizapp.core.scheduling import Rating
from quizapp.core.sessionmodel import (
    STATE_VERSION,
    Draft,
    Entry,
    Response,
    SessionError,
    SessionSettings,
)
from quizapp.core.store import Store

if TYPE_CHECKING:
    from quizapp.core.session import Session

S = TypeVar("S", bound="Session")


def session_state(self: Session) -> dict[str, Any]:
    """Everything needed to resume ``self`` after a restart (JSON)."""
    return {
        "version": STATE_VERSION,
        "session_id": self.session_id,
        "settings": self.settings.to_dict(),
        "index": self.index,
        "time_used": self.time_used(),
        "entries": [
            {"deck": e.deck_id, "item": e.item.id, "reverse": e.reverse,
             "orders": {p: list(o) for p, o in e.orders.items()}}
            for e in self.entries
        ],
        "responses": [
            {"entry": i, "part": p, "selected": list(r.selected),
             "confidence": r.confidence, "time_ms": r.time_ms, "recorded": r.recorded}
            for (i, p), r in self.responses.items()
        ],
        "ratings": {str(i): int(r) for i, r in self.ratings.items()},
        "history": list(self.history),  # Ctrl+Z still works after a restart
        "struck": [{"entry": i, "part": p, "options": sorted(s)}
                   for (i, p), s in self.struck.items() if s],
        # unsaved selections: nothing the student did is lost by quitting
        "drafts": [{"entry": i, "part": p, "selected": sorted(d.selected),
                    "confidence": d.confidence}
                   for (i, p), d in self.drafts.items() if d.selected or d.confidence],
        "relearn": [{"due": d.isoformat(), "entry": i} for d, i in self.relearn],
        "made_by": {str(i): j for i, j in self.made_by.items()},
    }


def resume_session(cls: type[S], state: Mapping[str, Any], decks: Mapping[str, Deck],
                   store: Store, *, clock: Callable[[], float] = time.monotonic) -> S:
    """Rebuild a paused session. Entries whose deck or item no longer exists are dropped;
    raises :class:`SessionError` if nothing is left or the state is unreadable."""
    try:
        if state.get("version") != STATE_VERSION:
            raise SessionError("the paused session was saved by another quizapp version")
        settings = SessionSettings.from_dict(state["settings"])
        remap: dict[int, int] = {}
        entries: list[Entry] = []
        for old, raw in enumerate(state["entries"]):
            deck = decks.get(raw["deck"])
            item = deck.item(raw["item"]) if deck else None
            if item is None:
                continue
            orders = {p: tuple(o) for p, o in raw.get("orders", {}).items()}
            e = Entry(raw["deck"], item, bool(raw.get("reverse")), orders)
            ok = all(sorted(e.orders.get(p, range(len(q.options)))) ==
                     list(range(len(q.options))) for p, q, _ in e.parts())
            if not ok:
                e.orders = {}
            remap[old] = len(entries)
            entries.append(e)
        sess = cls(entries, settings, store, clock=clock)
        sess.session_id = state.get("session_id")
        sess.index = min(remap.get(int(state.get("index", 0)), 0), len(entries) - 1)
        resume_at = sess.index
        for r in state.get("responses", []):
            i = remap.get(int(r["entry"]))
            if i is None:
                continue
            try:
                q = entries[i].question(r["part"])
            except KeyError:
                continue
            sel = tuple(int(x) for x in r["selected"] if 0 <= int(x) < len(q.options))
            if not sel:
                continue  # a blank answer is never kept
            conf = r.get("confidence")
            sess.responses[(i, r["part"])] = Response(
                sel, conf, int(r.get("time_ms", 0)), sess.mark_of(q, sel, conf),
                bool(r.get("recorded")))
        for k, v in state.get("ratings", {}).items():
            i = remap.get(int(k))
            if i is not None:
                sess.ratings[i] = Rating(int(v))
        for h in state.get("history", []):
            i = remap.get(int(h))
            if i is not None and i in sess.ratings:
                sess.history.append(i)
        for s in state.get("struck", []):
            i = remap.get(int(s["entry"]))
            if i is not None:
                sess.struck[(i, s["part"])] = {int(x) for x in s["options"]}
        for d in state.get("drafts", []):
            i = remap.get(int(d["entry"]))
            if i is None:
                continue
            try:
                q = entries[i].question(d["part"])
            except KeyError:
                continue
            conf = d.get("confidence")
            sess.drafts[(i, d["part"])] = Draft(
                {int(x) for x in d["selected"] if 0 <= int(x) < len(q.options)},
                conf if conf in (1, 2, 3) else None)
        for d in state.get("relearn", []):
            i = remap.get(int(d["entry"]))
            if i is not None:
                sess.relearn.append((datetime.fromisoformat(d["due"]), i))
        for k, v in state.get("made_by", {}).items():
            i, j = remap.get(int(k)), remap.get(int(v))
            if i is not None and j is not None:
                sess.made_by[i] = j
        sess.elapsed_before = float(state.get("time_used", 0.0))
        if settings.mode != "exam":  # carry on with the first item not yet answered
            open_items = [i for i in range(len(entries)) if not sess.entry_answered(i)]
            resume_at = open_items[0] if open_items else len(entries) - 1
        sess.index = resume_at
        return sess
    except SessionError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise SessionError(f"the paused session could not be read ({e})") from None
