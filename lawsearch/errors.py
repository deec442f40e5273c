"""The lawsearch error tree.

Every error lawsearch raises on purpose is a ``LawsearchError``; each subclass also inherits the builtin
that fits, so ``except ValueError`` keeps working for callers that do not know lawsearch::

    LawsearchError
    ├── IngestError(ValueError)            a file or record cannot be read      .path .line
    ├── QuerySyntaxError(ValueError)       a query cannot be parsed             .query .position
    ├── InvalidArgumentError(ValueError)   a bad page, limit, weight, mode ...
    ├── ModelError(FileNotFoundError)      semantic search without a usable embedding model
    └── IndexStateError                    the on-disk index cannot be used     .path
        ├── IndexNotFoundError(FileNotFoundError)   no index at that path
        ├── IndexMismatchError             built by another schema or analyzer; rebuild it
        └── IndexLockedError               another writer holds the lock

Messages say what went wrong, show the offending value with ``!r`` and end with the fix.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "IndexLockedError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IndexStateError",
    "IngestError",
    "InvalidArgumentError",
    "LawsearchError",
    "ModelError",
    "QuerySyntaxError",
]


class LawsearchError(Exception):
    """Root of every error lawsearch raises on purpose."""


class IngestError(LawsearchError, ValueError):
    """A report file or JSONL record cannot be ingested."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None) -> None:
        where = ""
        if path is not None:
            where = f"{path}"
            if line is not None:
                where += f":{line}"
            where += ": "
        super().__init__(where + message)
        self.path = None if path is None else Path(path)
        self.line = line


class QuerySyntaxError(LawsearchError, ValueError):
    """A query string cannot be parsed; ``position`` is the 0-based character offset of the problem."""

    def __init__(self, message: str, *, query: str, position: int) -> None:
        shown = query
        if len(query) > _SHOWN_QUERY:  # a 10,000-character query: quote the part around the problem
            start = max(0, min(position - _SHOWN_QUERY // 2, len(query) - _SHOWN_QUERY))
            end = start + _SHOWN_QUERY
            shown = ("…" if start else "") + query[start:end] + ("…" if end < len(query) else "")
        super().__init__(f"{message} (at character {position + 1} of {shown!r})")
        self.query = query
        self.position = position


_SHOWN_QUERY = 80


class InvalidArgumentError(LawsearchError, ValueError):
    """An API argument is out of range or of the wrong kind."""


class ModelError(LawsearchError, FileNotFoundError):
    """No usable sentence-embedding model for semantic search: none installed, or its files are incomplete."""


class IndexStateError(LawsearchError):
    """The on-disk index cannot be used as it is."""

    def __init__(self, message: str, *, path: str | Path) -> None:
        super().__init__(message)
        self.path = Path(path)


class IndexNotFoundError(IndexStateError, FileNotFoundError):
    """There is no lawsearch index at the given path."""


class IndexMismatchError(IndexStateError):
    """The index was built with another schema version or analyzer; it must be rebuilt."""


class IndexLockedError(IndexStateError):
    """Another writer holds the index's write lock."""
