"""The compiled loops of ``_speedups.c`` (highlighting's per occurrence, scoring's per posting), when the build
could compile them: ``speedups`` is the module, or None and the callers run their Python, which gives the
same results (tests/test_speedups.py compares the two).

A module built from an older ``_speedups.c`` (an editable install whose source moved on without a rebuild)
lacks some of the functions: it is not used then, rather than failing at the first search that needs one."""

from __future__ import annotations

#: What the callers use of the module.
FUNCTIONS = (
    "add_postings",
    "best_fragments",
    "dictionary_frequency",
    "dictionary_index",
    "gelu",
    "page_spans",
    "section_spans",
    "top",
)

try:
    from lawsearch import _speedups as speedups
except ImportError:  # no C compiler when lawsearch was installed, or LAWSEARCH_NO_EXTENSION=1
    speedups = None  # type: ignore[assignment]
else:
    if not all(hasattr(speedups, name) for name in FUNCTIONS):  # built from an older source: rebuild to use it
        speedups = None  # type: ignore[assignment]

#: Whether the compiled loops run (the benchmark reports it).
COMPILED = speedups is not None

__all__ = ["COMPILED", "FUNCTIONS", "speedups"]
