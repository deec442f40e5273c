"""lawsearch: embedded full-text search over Chinese government reports and laws.

>>> import lawsearch
>>> index = lawsearch.Index.open_or_create("/tmp/my-index")          # doctest: +SKIP
>>> index.update([lawsearch.bundled_corpus()])                       # doctest: +SKIP
>>> for hit in index.search("法治副校长").hits: print(hit.rank, hit.passage.id)   # doctest: +SKIP
"""

__version__ = "0.1.0"

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
