"""The whoosh schema of a lawsearch index: one whoosh document per source document (report, law), and the version.

whoosh is the writer lock and the commit point (see ``index.py``): a commit is atomic, and the generation it
creates names the manifest (``manifest-<generation>.json``) that holds the records. The whoosh documents only
carry ids, so that whoosh's own files hold nothing lawsearch needs to read back: nothing is stored (whoosh
stores fields with pickle).

Fields (indexed, not stored):
    doc_id        the document id (unique)
    source        the source file's absolute path (or ``api:…`` for documents added through ``Index.add``)
    segment       the ranking segment file (content-addressed name) holding the document's passages
"""

from __future__ import annotations

from whoosh.fields import ID, Schema

__all__ = ["SCHEMA_VERSION", "build_schema"]

#: Bump when the layout or the meaning of the stored data changes: an index of another version must be rebuilt.
SCHEMA_VERSION = 4


def build_schema() -> Schema:
    """A fresh Schema object (whoosh schemas are mutable, so never share one)."""
    return Schema(doc_id=ID(unique=True), source=ID(), segment=ID())
