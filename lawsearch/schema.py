"""The whoosh schema of a lawsearch index: one whoosh document per source document (report, law), and the version.

whoosh is the store of record and the commit point. Each whoosh document says which source file a document
came from, that file's content hash (for incremental re-indexing), the ranking segment that holds its passages
and postings (``ranking.py``), and the document's fields as JSON. A whoosh commit is atomic, so the set of
segments a commit names is always complete: segment files are written before the commit that names them.

Fields:
    doc_id        the document id (unique)
    source        the source file's absolute path (or ``api:…`` for documents added through ``Index.add``)
    source_hash   the source's content hash
    segment       the ranking segment file (content-addressed name) holding the document's passages
    data          JSON: the Document fields
"""

from __future__ import annotations

from whoosh.fields import ID, STORED, Schema

__all__ = ["SCHEMA_VERSION", "build_schema"]

#: Bump when the layout or the meaning of the stored data changes: an index of another version must be rebuilt.
SCHEMA_VERSION = 2


def build_schema() -> Schema:
    """A fresh Schema object (whoosh schemas are mutable, so never share one)."""
    return Schema(
        doc_id=ID(stored=True, unique=True),
        source=ID(stored=True),
        source_hash=STORED(),
        segment=ID(stored=True),
        data=STORED(),
    )
