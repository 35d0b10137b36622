"""Performance figures, each against a baseline measured in the same run.

    python tests/benchmarks/run.py            # everything
    python tests/benchmarks/run.py decks      # one section: decks, hostile, store, gui,
                                              # dashboard, imports, history

Figures are best-of-N wall-clock times on this machine; ratios are what matter (targets from
the engineering guide). Nothing here is asserted in the test suite: timings flake on shared
machines, so they are read by people, not by pytest.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from quizapp.core import deckfile  # noqa: E402
from quizapp.core.library import DeckCache, load_deck  # noqa: E402
from tests.benchmarks.gen import write_deck  # noqa: E402


def best(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def line(name: str, value: float, unit: str = "s", note: str = "") -> None:
    shown = f"{value * 1000:9.2f} ms" if unit == "ms" else f"{value:9.3f} s "
    print(f"  {name:<46}{shown}  {note}")


def ratio(name: str, value: float, target: str) -> None:
    print(f"  {name:<46}{value:9.2f} x   (target {target})")


def bench_decks(tmp: Path) -> None:
    print("Decks: a generated 10,000-item deck")
    path = write_deck(tmp, 10_000)
    text = path.read_text(encoding="utf-8")
    print(f"  {'file size':<46}{path.stat().st_size / 1e6:9.2f} MB")
    plain = best(lambda: yaml.load(text, Loader=yaml.CSafeLoader))
    line("baseline: yaml.load(CSafeLoader)", plain)
    full = best(lambda: load_deck(path, None))
    line("quizapp load + validate (no cache)", full)
    ratio("ratio full / baseline", full / plain, "<= 1.2")
    cache = DeckCache(tmp / "cache")
    first = load_deck(path, cache)
    assert first.ok and not first.from_cache, first.problems[:3]
    cached = best(lambda: load_deck(path, cache), 5)
    assert load_deck(path, cache).from_cache
    line("repeat load through the parse cache", cached)
    ratio("speed-up baseline / cached", plain / cached, ">= 10")


def bench_hostile(tmp: Path) -> None:
    print("Hostile files: time to refuse (each must be < 1 s)")
    laughs = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'] + [
        f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    cases = {
        "billion laughs": "\n".join(laughs).encode(),
        "100k nested [": b"[" * 100_000,
        "100k nested block seq": b"- " * 100_000 + b"x",
        "python object tag": b"!!python/object/apply:os.system ['true']\n",
        "invalid UTF-8": b"title: caf\xe9\n" * 1000,
        "binary": os.urandom(1_000_000).replace(b"\0", b"\1") + b"\0",
        "empty": b"",
    }
    for name, data in cases.items():
        p = tmp / "hostile.yaml"
        p.write_bytes(data)
        t = best(lambda p=p: load_deck(p, None), 3)  # type: ignore[misc]
        r = load_deck(p, None)
        assert not r.ok
        line(name, t, "ms", r.problems[0].message[:40])
    big = tmp / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(deckfile.MAX_BYTES + 1)
    line("over the size limit (20 MB + 1)", best(lambda: load_deck(big, None)), "ms")


def main(argv: list[str]) -> None:
    sections = {"decks": bench_decks, "hostile": bench_hostile}
    try:
        from tests.benchmarks import bench_store
        sections["store"] = lambda tmp: bench_store.main()
    except ImportError:
        pass
    try:
        from tests.benchmarks import bench_gui
        sections["gui"] = bench_gui.main
    except ImportError:
        pass
    try:
        from tests.benchmarks import bench_dashboard
        sections["dashboard"] = bench_dashboard.main
    except ImportError:
        pass
    try:
        from tests.benchmarks import bench_history
        sections["history"] = bench_history.main
    except ImportError:
        pass
    from tests.benchmarks import bench_imports
    sections["imports"] = bench_imports.main
    try:
        from tests.benchmarks import bench_stalls
        sections["stalls"] = bench_stalls.main
    except ImportError:
        pass
    chosen = argv or list(sections)
    print(f"quizapp benchmarks (Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, libyaml={deckfile.LIBYAML})")
    with tempfile.TemporaryDirectory() as d:
        for name in chosen:
            sections[name](Path(d))
            print()
    _ = statistics  # kept for sections that report percentiles


if __name__ == "__main__":
    main(sys.argv[1:])
