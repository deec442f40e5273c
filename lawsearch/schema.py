"""The whoosh schema of a lawsearch index, its field names and its version.

One whoosh document per passage. Document metadata is repeated on each of its passages, so filters
(``year:2024``, ``org:…``) are plain term lookups and a hit needs no second read.

Fields:
    body      passage text, jieba search-mode terms (sub-words too), frequencies, no positions; stored
    chars     passage text, one token per CJK character or letter/digit run, with positions: phrase queries
    title     document title (report title / law name), jieba terms
    section   the section path's headings, jieba terms
    org, region   jieba terms;   year   numeric;   collection, doc_id, id   exact ids, stored
    source, source_hash   the file a passage came from and its content hash (incremental re-indexing)
    data      JSON text: everything else needed to rebuild Passage and Document (index.py owns it)
"""

from __future__ import annotations

from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from lawsearch.analysis import make_analyzer, make_char_analyzer

__all__ = [
    "BODY",
    "CHARS",
    "FIELD_NAMES",
    "SCHEMA_VERSION",
    "SCORED_FIELDS",
    "SECTION",
    "TITLE",
    "build_schema",
]

#: Bump when fields or their meaning change: an index of another version must be rebuilt.
SCHEMA_VERSION = 1

BODY, CHARS, TITLE, SECTION = "body", "chars", "title", "section"
#: The text fields that BM25F ranks over.
SCORED_FIELDS = (BODY, TITLE, SECTION)
FIELD_NAMES = (
    "id", "doc_id", "collection", "source", "source_hash", "number",
    BODY, CHARS, TITLE, SECTION, "org", "region", "year", "data",
)  # fmt: skip


def build_schema() -> Schema:
    """A fresh Schema object (whoosh schemas are mutable, so never share one)."""
    words = make_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        doc_id=ID(stored=True),
        collection=ID(stored=True),
        source=ID(stored=True),
        source_hash=STORED(),
        number=NUMERIC(stored=True),
        body=TEXT(analyzer=words, phrase=False, stored=True),
        chars=TEXT(analyzer=make_char_analyzer(), phrase=True),
        title=TEXT(analyzer=words, phrase=False),
        section=TEXT(analyzer=words, phrase=False),
        org=TEXT(analyzer=words, phrase=False),
        region=TEXT(analyzer=words, phrase=False),
        year=NUMERIC(),
        data=STORED(),
    )
