"""The compiled loops of ``_speedups.c`` (highlighting's per occurrence, scoring's per posting), when the build
could compile them: ``speedups`` is the module, or None and the callers run their Python, which gives the
same results (tests/test_speedups.py compares the two)."""

from __future__ import annotations

try:
    from lawsearch import _speedups as speedups
except ImportError:  # no C compiler when lawsearch was installed, or LAWSEARCH_NO_EXTENSION=1
    speedups = None  # type: ignore[assignment]

#: Whether the compiled loops run (the benchmark reports it).
COMPILED = speedups is not None

__all__ = ["COMPILED", "speedups"]
