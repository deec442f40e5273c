"""Measuring: wall-clock timers, peak memory, bytes on disk, percentiles. Stdlib only.

* Times are ``time.perf_counter_ns`` wall time (the benchmark is about what a user waits for, and the
  systems differ in threading: tantivy indexes on several threads, the others on one).
* Peak memory is ``ru_maxrss`` of the calling process: the high-water mark of its resident set since it
  started, so each system runs in its own worker process.
* Percentiles interpolate linearly between order statistics (numpy's default ``linear`` method).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Stopwatch", "dir_size", "latency_stats", "peak_rss_mb", "percentile", "stopwatch"]


class Stopwatch:
    """Elapsed wall time of a ``with stopwatch() as sw:`` block, in ``sw.seconds`` once the block ends."""

    def __init__(self) -> None:
        self.start_ns = time.perf_counter_ns()
        self.elapsed_ns = 0

    @property
    def seconds(self) -> float:
        return self.elapsed_ns / 1e9


@contextmanager
def stopwatch() -> Iterator[Stopwatch]:
    watch = Stopwatch()
    try:
        yield watch
    finally:
        watch.elapsed_ns = time.perf_counter_ns() - watch.start_ns


def peak_rss_mb() -> float:
    """This process's peak resident set size in MiB (``ru_maxrss`` is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def dir_size(path: str | Path) -> int:
    """Bytes of all files under ``path`` (a file's own size if it is one)."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            total += os.stat(os.path.join(root, name)).st_size
    return total


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, interpolated linearly.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.5
    >>> percentile([5.0], 95)
    5.0
    """
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_stats(latencies_ms: Sequence[float]) -> dict[str, float | int | None]:
    """``n``, ``p50``, ``p95``, ``mean`` and ``max`` of some latencies in ms (``None`` when there are none)."""
    if not latencies_ms:
        return {"n": 0, "p50": None, "p95": None, "mean": None, "max": None}
    return {
        "n": len(latencies_ms),
        "p50": percentile(latencies_ms, 50),
        "p95": percentile(latencies_ms, 95),
        "mean": sum(latencies_ms) / len(latencies_ms),
        "max": max(latencies_ms),
    }
