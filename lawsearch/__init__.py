"""lawsearch: embedded full-text search over Chinese government reports and laws.

>>> import lawsearch
>>> index = lawsearch.Index.open_or_create("/tmp/my-index")          # doctest: +SKIP
>>> index.update([lawsearch.bundled_corpus()])                       # doctest: +SKIP
>>> for hit in index.search("法治副校长").hits: print(hit.rank, hit.passage.id)   # doctest: +SKIP

The names below are imported when first used (PEP 562), so ``import lawsearch`` and ``import lawsearch.cli`` cost
only what they use, and the command line catches Ctrl-C from its first moment (``lawsearch.__main__``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # what the lazy names are, for type checkers and readers
    from lawsearch.analysis import analyze, analyzer_fingerprint, fold
    from lawsearch.errors import (
        IndexLockedError,
        IndexMismatchError,
        IndexNotFoundError,
        IndexStateError,
        IngestError,
        InvalidArgumentError,
        LawsearchError,
        ModelError,
        QuerySyntaxError,
    )
    from lawsearch.index import Index, UpdateReport, bundled_corpus, default_index_path
    from lawsearch.ingest import parse_jsonl, parse_report, read_file
    from lawsearch.models import (
        AnalyzedToken,
        Document,
        Explanation,
        Facet,
        Fragment,
        Hit,
        ParsedDocument,
        Passage,
        SearchResults,
        Span,
        SplitWord,
        TermScore,
    )
    from lawsearch.query import parse_query
    from lawsearch.search import Weights

#: Each public name and the module that defines it.
_EXPORTS = {
    "AnalyzedToken": "lawsearch.models",
    "Document": "lawsearch.models",
    "Explanation": "lawsearch.models",
    "Facet": "lawsearch.models",
    "Fragment": "lawsearch.models",
    "Hit": "lawsearch.models",
    "Index": "lawsearch.index",
    "IndexLockedError": "lawsearch.errors",
    "IndexMismatchError": "lawsearch.errors",
    "IndexNotFoundError": "lawsearch.errors",
    "IndexStateError": "lawsearch.errors",
    "IngestError": "lawsearch.errors",
    "InvalidArgumentError": "lawsearch.errors",
    "LawsearchError": "lawsearch.errors",
    "ModelError": "lawsearch.errors",
    "ParsedDocument": "lawsearch.models",
    "Passage": "lawsearch.models",
    "QuerySyntaxError": "lawsearch.errors",
    "SearchResults": "lawsearch.models",
    "Span": "lawsearch.models",
    "SplitWord": "lawsearch.models",
    "TermScore": "lawsearch.models",
    "UpdateReport": "lawsearch.index",
    "Weights": "lawsearch.search",
    "analyze": "lawsearch.analysis",
    "analyzer_fingerprint": "lawsearch.analysis",
    "bundled_corpus": "lawsearch.index",
    "default_index_path": "lawsearch.index",
    "fold": "lawsearch.analysis",
    "parse_jsonl": "lawsearch.ingest",
    "parse_query": "lawsearch.query",
    "parse_report": "lawsearch.ingest",
    "read_file": "lawsearch.ingest",
}


def __getattr__(name: str) -> Any:
    """Import a public name's module at its first use and keep the name here."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lawsearch' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names (loaded or not) and the module's own dunders; not its helpers."""
    return sorted({*_EXPORTS, *(name for name in globals() if name.startswith("__"))})


__all__ = [
    "AnalyzedToken",
    "Document",
    "Explanation",
    "Facet",
    "Fragment",
    "Hit",
    "Index",
    "IndexLockedError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IndexStateError",
    "IngestError",
    "InvalidArgumentError",
    "LawsearchError",
    "ModelError",
    "ParsedDocument",
    "Passage",
    "QuerySyntaxError",
    "SearchResults",
    "Span",
    "SplitWord",
    "TermScore",
    "UpdateReport",
    "Weights",
    "__version__",
    "analyze",
    "analyzer_fingerprint",
    "bundled_corpus",
    "default_index_path",
    "fold",
    "parse_jsonl",
    "parse_query",
    "parse_report",
    "read_file",
]
