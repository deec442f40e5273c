"""The on-disk index: create, open, add, update and delete by document; the only place Passage ↔ stored fields.

An index is a folder holding a whoosh index plus ``lawsearch.json``, which records the schema version and the
analyzer fingerprint it was built with. Opening an index built by another schema or analyzer raises
IndexMismatchError instead of silently mixing incompatible terms.

Re-indexing a corpus (``Index.update``) compares each file's content hash with the one stored on its passages:
unchanged files are skipped, changed files are replaced, files that disappeared from an indexed folder are removed.
All changes of one update are committed at once: a failed or interrupted update leaves the last commit intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import whoosh.index

from lawsearch import __version__
from lawsearch.analysis import analyzer_fingerprint
from lawsearch.errors import (
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
    IngestError,
    InvalidArgumentError,
)
from lawsearch.ingest import content_hash, discover, parse_bytes
from lawsearch.models import Document, ParsedDocument, Passage, SearchResults
from lawsearch.schema import SCHEMA_VERSION, build_schema

__all__ = ["Index", "ProgressCallback", "UpdateReport", "bundled_corpus", "default_index_path"]

META_FILE = "lawsearch.json"
_WRITE_TIMEOUT = 10.0

#: ``progress(done, total, path)`` is called after each file of an update.
ProgressCallback = Callable[[int, int, Path], None]


@attrs.frozen
class UpdateReport:
    """What an update did: file counts by outcome, passages written, and the files that could not be read."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    passages: int = 0
    errors: tuple[IngestError, ...] = ()


@attrs.define
class Index:
    """A lawsearch index on disk. Searching is safe from several threads; writing is serialized by a lock."""

    path: Path
    _ix: Any = attrs.field(repr=False)
    _searcher: Any = attrs.field(default=None, repr=False)
    _generation: int = attrs.field(default=-2, repr=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False)

    # --- opening -------------------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | Path) -> Index:
        """Create an empty index at ``path``, replacing any lawsearch index that is there.

        The new index is built beside the old one and swapped in, so the old one stays usable until then.

        Raises:
            IndexNotFoundError: ``path`` is a file, or a folder of other files (never replaced).
        """
        path = Path(path).expanduser()
        if path.exists() and not path.is_dir():
            raise IndexNotFoundError(f"{path} is a file, not an index folder; choose another --index path", path=path)
        if path.is_dir() and any(path.iterdir()) and _read_meta(path) is None:
            raise IndexNotFoundError(
                f"{path} holds files but no lawsearch index; lawsearch will not replace it: "
                "choose an empty or new folder for --index",
                path=path,
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = path.with_name(path.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir()
        whoosh.index.create_in(str(fresh), build_schema())
        _write_meta(fresh)
        if path.exists():
            old = path.with_name(path.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            path.rename(old)
            fresh.rename(path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            fresh.rename(path)
        return cls(path, whoosh.index.open_dir(str(path)))

    @classmethod
    def open(cls, path: str | Path) -> Index:
        """Open an existing index.

        Raises:
            IndexNotFoundError: there is no lawsearch index at ``path``.
            IndexMismatchError: it was built with another schema version or analyzer.
        """
        path = Path(path).expanduser()
        if not path.is_dir():
            raise IndexNotFoundError(
                f"no index at {path}; create one with: lawsearch index PATH --index {path}", path=path
            )
        meta = _read_meta(path)
        if meta is None or not whoosh.index.exists_in(str(path)):
            raise IndexNotFoundError(
                f"{path} is not a lawsearch index; create one with: lawsearch index PATH --index {path}", path=path
            )
        expected = {"schema_version": SCHEMA_VERSION, "analyzer": analyzer_fingerprint()}
        found = {key: meta.get(key) for key in expected}
        if found != expected:
            raise IndexMismatchError(
                f"the index at {path} was built by lawsearch {meta.get('lawsearch', '?')} with schema "
                f"{found['schema_version']} and analyzer {found['analyzer']}; this lawsearch uses schema "
                f"{SCHEMA_VERSION} and analyzer {expected['analyzer']}; rebuild it with: "
                f"lawsearch index PATH --rebuild --index {path}",
                path=path,
            )
        return cls(path, whoosh.index.open_dir(str(path)))

    @classmethod
    def open_or_create(cls, path: str | Path) -> Index:
        """Open the index at ``path``, creating an empty one when there is none yet."""
        try:
            return cls.open(path)
        except IndexNotFoundError:
            path = Path(path).expanduser()
            if path.is_dir() and any(path.iterdir()):
                raise  # a non-empty folder that is no index: never overwrite someone's files
            return cls.create(path)

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
        self._ix.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing -------------------------------------------------------------------------------------------

    def update(self, paths: Iterable[str | Path], *, progress: ProgressCallback | None = None) -> UpdateReport:
        """Bring the index up to date with the files under ``paths`` (files or folders).

        Unchanged files are skipped, changed ones replaced, files gone from an indexed folder removed.
        A file that cannot be read is reported in ``UpdateReport.errors`` and skipped; whatever it had in
        the index before stays.

        Raises:
            IngestError: a path does not exist or two files would get one document id.
            IndexLockedError: another writer holds the index.
        """
        roots = [Path(p).expanduser().resolve() for p in paths]
        files = discover(roots)
        indexed = self.sources()
        wanted = {str(f.path) for f in files}
        gone = [
            source
            for source in indexed
            if source not in wanted and any(_is_within(Path(source), root) for root in roots)
        ]
        counts = {"added": 0, "changed": 0, "unchanged": 0, "passages": 0}
        errors: list[IngestError] = []
        replaced: list[str] = []
        batches: list[tuple[str, str, list[ParsedDocument]]] = []
        for done, source in enumerate(files, start=1):
            try:
                data = source.path.read_bytes()
            except OSError as exc:
                errors.append(IngestError(f"cannot read file ({exc.strerror})", path=source.path))
            else:
                digest = content_hash(data)
                previous = indexed.get(str(source.path))
                if previous == digest:
                    counts["unchanged"] += 1
                else:
                    try:
                        parsed = parse_bytes(data, path=source.path, doc_id=source.doc_id)
                    except IngestError as exc:
                        errors.append(exc)
                    else:
                        counts["changed" if previous is not None else "added"] += 1
                        if previous is not None:
                            replaced.append(str(source.path))
                        batches.append((str(source.path), digest, parsed))
            if progress is not None:
                progress(done, len(files), source.path)
        errors.extend(self._check_ids(batches, replaced + gone))
        failed = {str(e.path) for e in errors}
        batches = [b for b in batches if b[0] not in failed]
        if batches or gone:
            with self._writer() as writer:
                for stale in gone + [b[0] for b in batches if b[0] in indexed]:
                    writer.delete_by_term("source", stale)
                for path, digest, parsed in batches:
                    counts["passages"] += _write(writer, parsed, path, digest)
        return UpdateReport(removed=len(gone), errors=tuple(errors), **counts)

    def add(self, documents: Iterable[ParsedDocument], *, source: str = "", source_hash: str = "") -> int:
        """Add parsed documents, replacing any earlier passages of the same document ids. Returns passages written."""
        documents = list(documents)
        with self._writer() as writer:
            for parsed in documents:
                writer.delete_by_term("doc_id", parsed.document.id)
            return _write(writer, documents, source, source_hash)

    def delete_document(self, doc_id: str) -> int:
        """Delete a document's passages; returns how many were deleted."""
        with self._writer() as writer:
            return int(writer.delete_by_term("doc_id", doc_id))

    @contextmanager
    def _writer(self) -> Iterator[Any]:
        try:
            writer = self._ix.writer(timeout=_WRITE_TIMEOUT, limitmb=256)
        except whoosh.index.LockError:
            raise IndexLockedError(
                f"another process is writing to the index at {self.path} (waited {_WRITE_TIMEOUT:.0f} s); "
                "try again when it has finished",
                path=self.path,
            ) from None
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def _check_ids(
        self, batches: Sequence[tuple[str, str, list[ParsedDocument]]], leaving: Sequence[str]
    ) -> list[IngestError]:
        """Passage ids must be unique across the index: report files whose ids another source already uses."""
        owner: dict[str, str] = {}
        errors: list[IngestError] = []
        leaving_set = set(leaving)
        with self.searcher() as searcher:
            for source, _, parsed in batches:
                for passage in (p for d in parsed for p in d.passages):
                    other = owner.get(passage.id)
                    if other is None:
                        stored = searcher.document(id=passage.id)
                        if stored and stored["source"] not in leaving_set and stored["source"] != source:
                            other = stored["source"]
                    if other is not None and other != source:
                        errors.append(
                            IngestError(
                                f"passage id {passage.id!r} is already used by {other}; ids must be unique", path=source
                            )
                        )
                        break
                    owner[passage.id] = source
        return errors

    # --- reading -------------------------------------------------------------------------------------------

    @contextmanager
    def searcher(self) -> Iterator[Any]:
        """A whoosh searcher on the latest commit (shared, refreshed when the index changed)."""
        with self._lock:
            generation = self._ix.latest_generation()
            if self._searcher is None or generation != self._generation:
                # A new searcher rather than whoosh's refresh(), which fails on an empty index. The old one
                # is left to the garbage collector: another thread may still be reading from it.
                self._searcher = self._ix.searcher()
                self._generation = generation
            searcher = self._searcher
        yield searcher

    def __len__(self) -> int:
        with self.searcher() as searcher:
            return int(searcher.doc_count())

    def sources(self) -> dict[str, str]:
        """Indexed source files and the content hash each was indexed with."""
        out: dict[str, str] = {}
        with self.searcher() as searcher:
            reader = searcher.reader()
            for raw in reader.lexicon("source"):
                text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                docnums = list(searcher.document_numbers(source=text))
                if docnums:
                    out[text] = reader.stored_fields(docnums[0])["source_hash"]
        return out

    def documents(self) -> list[Document]:
        """Every indexed document, sorted by id."""
        seen: dict[str, Document] = {}
        with self.searcher() as searcher:
            for fields in searcher.reader().all_stored_fields():
                if fields["doc_id"] not in seen:
                    seen[fields["doc_id"]] = document_from_stored(fields)
        return [seen[key] for key in sorted(seen)]

    def document(self, doc_id: str) -> Document:
        """The document with this id.

        Raises:
            InvalidArgumentError: no such document.
        """
        with self.searcher() as searcher:
            fields = searcher.document(doc_id=doc_id)
        if not fields:
            raise InvalidArgumentError(f"no document {doc_id!r} in the index at {self.path}")
        return document_from_stored(fields)

    def passage(self, passage_id: str) -> Passage:
        """The passage with this id.

        Raises:
            InvalidArgumentError: no such passage.
        """
        with self.searcher() as searcher:
            fields = searcher.document(id=passage_id)
        if not fields:
            raise InvalidArgumentError(f"no passage {passage_id!r} in the index at {self.path}")
        return passage_from_stored(fields)

    def passages(self, doc_id: str) -> list[Passage]:
        """A document's passages in reading order."""
        with self.searcher() as searcher:
            found = [passage_from_stored(fields) for fields in searcher.documents(doc_id=doc_id)]
        return sorted(found, key=lambda p: p.number)

    def context(self, passage_id: str, *, before: int = 1, after: int = 1) -> list[Passage]:
        """The passage with up to ``before`` passages before it and ``after`` after it in its document."""
        passage = self.passage(passage_id)
        siblings = self.passages(passage.document_id)
        at = next(i for i, p in enumerate(siblings) if p.id == passage.id)
        return siblings[max(0, at - before) : at + after + 1]

    def search(self, query: str, *, page: int = 1, limit: int = 10, **options: Any) -> SearchResults:
        """Search the index; see ``lawsearch.search.search`` for the query syntax and options."""
        from lawsearch.search import search

        return search(self, query, page=page, limit=limit, **options)


# --- stored fields ↔ value objects ---------------------------------------------------------------------------


def _write(writer: Any, documents: Iterable[ParsedDocument], source: str, source_hash: str) -> int:
    written = 0
    for parsed in documents:
        doc = parsed.document
        doc_data = {
            "title": doc.title, "path": doc.path, "org": doc.org, "region": doc.region, "year": doc.year,
            "publisher": doc.publisher, "published": doc.published, "title_derived": doc.title_derived,
            "metadata": dict(doc.metadata),
        }  # fmt: skip
        for passage in parsed.passages:
            fields: dict[str, Any] = dict(
                id=passage.id, doc_id=doc.id, collection=doc.collection, source=source, source_hash=source_hash,
                number=passage.number, body=passage.text, chars=passage.text, title=doc.title,
                section=" ".join(passage.section), org=doc.org, region=doc.region,
                data=json.dumps(
                    {"section": list(passage.section), "is_heading": passage.is_heading, "document": doc_data},
                    ensure_ascii=False,
                ),
            )  # fmt: skip
            if doc.year is not None:
                fields["year"] = doc.year
            writer.add_document(**fields)
            written += 1
    return written


def passage_from_stored(fields: Mapping[str, Any]) -> Passage:
    """Rebuild a Passage from a whoosh document's stored fields."""
    data = json.loads(fields["data"])
    return Passage(
        id=fields["id"],
        document_id=fields["doc_id"],
        number=fields["number"],
        text=fields["body"],
        section=tuple(data["section"]),
        is_heading=data["is_heading"],
    )


def document_from_stored(fields: Mapping[str, Any]) -> Document:
    """Rebuild a passage's Document from a whoosh document's stored fields."""
    data = json.loads(fields["data"])["document"]
    return Document(id=fields["doc_id"], collection=fields["collection"], **data)


def _write_meta(path: Path) -> None:
    meta = {"schema_version": SCHEMA_VERSION, "analyzer": analyzer_fingerprint(), "lawsearch": __version__}
    tmp = path / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path / META_FILE)


def _read_meta(path: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def _is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


# --- default locations -----------------------------------------------------------------------------------------


def bundled_corpus() -> Path:
    """The seed reports shipped with lawsearch: ``corpus/`` of a source checkout, else the copy in the wheel."""
    package = Path(__file__).resolve().parent
    for candidate in (package.parent / "corpus", package / "_corpus"):
        if candidate.is_dir():
            return candidate
    raise IndexNotFoundError("the bundled corpus is missing from this installation; pass a PATH", path=package)


def default_index_path(corpus: str | Path) -> Path:
    """A per-user cache folder for the index of ``corpus``, keyed by its absolute path.

    ``$LAWSEARCH_CACHE`` overrides the cache root; otherwise the platform's cache folder is used
    (``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows).
    """
    corpus = Path(corpus).expanduser().resolve()
    key = hashlib.sha256(str(corpus).encode("utf-8")).hexdigest()[:12]
    return _cache_root() / "indexes" / f"{corpus.name or 'root'}-{key}"


def _cache_root() -> Path:
    if os.environ.get("LAWSEARCH_CACHE"):
        return Path(os.environ["LAWSEARCH_CACHE"]).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "lawsearch"
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "lawsearch" / "Cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lawsearch"
