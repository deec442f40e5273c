"""The on-disk index: create, open, add, update and delete by document.

An index is a folder holding a whoosh index (the store of record: one whoosh document per source document, see
``schema.py``), ``segments/`` (the ranking segments with passages and postings, see ``ranking.py``) and
``lawsearch.json``, which records the schema version and the analyzer fingerprint it was built with. Opening an
index built by another schema or analyzer raises IndexMismatchError instead of silently mixing incompatible terms.

Re-indexing a corpus (``Index.update``) compares each file's content hash with the one recorded for it:
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
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import numpy as np
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
from lawsearch.ranking import Core, Segment, build_segment
from lawsearch.schema import SCHEMA_VERSION, build_schema

__all__ = ["Index", "ProgressCallback", "UpdateReport", "bundled_corpus", "default_index_path"]

META_FILE = "lawsearch.json"
SEGMENTS = "segments"
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
    _core: Core | None = attrs.field(default=None, repr=False)
    _generation: int = attrs.field(default=-2, repr=False)
    _listed: tuple[int, int] = attrs.field(default=(0, 0), repr=False)  # (folder mtime, when it was listed), ns
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
            self._core = None
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
        the index before stays. All changes are committed at once, at the end.

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
                        batches.append((str(source.path), digest, parsed))
            if progress is not None:
                progress(done, len(files), source.path)
        replaced = [b[0] for b in batches if b[0] in indexed]
        errors.extend(self._check_ids(batches, replaced + gone))
        failed = {str(e.path) for e in errors}
        batches = [b for b in batches if b[0] not in failed]
        if batches or gone:
            counts["passages"] = self._commit(batches, remove_sources=gone + [b[0] for b in batches if b[0] in indexed])
        return UpdateReport(removed=len(gone), errors=tuple(errors), **counts)

    def add(self, documents: Iterable[ParsedDocument], *, source: str = "", source_hash: str = "") -> int:
        """Add parsed documents, replacing any earlier version of the same document ids. Returns passages written.

        Without ``source`` each document is its own source (``api:<doc id>``).
        """
        documents = list(documents)
        core = self.core()
        stale = {core.documents[i]["id"] for i in range(len(core.documents))} & {d.document.id for d in documents}
        batches = (
            [(source, source_hash or uuid.uuid4().hex, documents)]
            if source
            else [(f"api:{d.document.id}", source_hash or uuid.uuid4().hex, [d]) for d in documents]
        )
        errors = self._check_ids(batches, [b[0] for b in batches])
        if errors:
            raise errors[0]
        with self._writer() as writer:
            for doc_id in stale:
                self._drop_document(writer, doc_id)
            return self._write_batches(writer, batches)

    def delete_document(self, doc_id: str) -> int:
        """Delete a document and its passages; returns how many passages were deleted."""
        with self._writer() as writer:
            return self._drop_document(writer, doc_id)

    def _commit(self, batches: Sequence[tuple[str, str, list[ParsedDocument]]], remove_sources: Sequence[str]) -> int:
        with self._writer() as writer:
            for source in remove_sources:
                writer.delete_by_term("source", source)
            return self._write_batches(writer, batches)

    def _write_batches(self, writer: Any, batches: Sequence[tuple[str, str, list[ParsedDocument]]]) -> int:
        """Write each batch's segment file, then its whoosh records (committed by the caller)."""
        written = 0
        for source, digest, documents in batches:
            name = _segment_name(source, digest)
            path = self.path / SEGMENTS / f"{name}.npz"
            if not path.exists():
                path.parent.mkdir(exist_ok=True)
                build_segment(documents).save(path)
            for parsed in documents:
                writer.add_document(
                    doc_id=parsed.document.id,
                    source=source,
                    source_hash=digest,
                    segment=name,
                    data=json.dumps(parsed.document.to_fields(), ensure_ascii=False),
                )
                written += len(parsed.passages)
        return written

    def _drop_document(self, writer: Any, doc_id: str) -> int:
        """Remove one document; the other documents of its source get a new segment without it."""
        core = self.core()
        doc_index = next((i for i, d in enumerate(core.documents) if d["id"] == doc_id), None)
        if doc_index is None:
            return 0
        with self._ix.searcher() as searcher:
            record = searcher.document(doc_id=doc_id)
        siblings = [
            fields for fields in self._records() if fields["source"] == record["source"] and fields["doc_id"] != doc_id
        ]
        writer.delete_by_term("source", record["source"])
        if siblings:
            kept = [_parsed_from_core(core, fields["doc_id"]) for fields in siblings]
            self._write_batches(writer, [(record["source"], f"{record['source_hash']}-{uuid.uuid4().hex}", kept)])
        return int(np.count_nonzero(core.passage_document == doc_index))

    @contextmanager
    def _writer(self) -> Iterator[Any]:
        try:
            writer = self._ix.writer(timeout=_WRITE_TIMEOUT)
        except whoosh.index.LockError:
            raise IndexLockedError(
                f"another process is writing to the index at {self.path} (waited {_WRITE_TIMEOUT:.0f} s); "
                "try again when it has finished",
                path=self.path,
            ) from None
        previous = {fields["segment"] for fields in self._records()}
        try:
            yield writer
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._collect_garbage(keep=previous)

    def _collect_garbage(self, *, keep: set[str]) -> None:
        """Remove segment files that neither this commit nor the one before names (replaced or abandoned).

        The previous commit's files stay until the next commit, so a reader that is still loading them finds them.
        """
        folder = self.path / SEGMENTS
        if not folder.is_dir():
            return
        live = keep | {fields["segment"] for fields in self._records()}
        for path in folder.iterdir():
            if path.suffix == ".npz" and path.stem not in live:
                path.unlink(missing_ok=True)

    def _check_ids(
        self, batches: Sequence[tuple[str, str, list[ParsedDocument]]], leaving: Sequence[str]
    ) -> list[IngestError]:
        """Passage ids must be unique across the index: report files whose ids another source already uses."""
        core = self.core()
        leaving_set = set(leaving)
        source_of_document = {fields["doc_id"]: fields["source"] for fields in self._records()}
        owner: dict[str, str] = {}
        errors: list[IngestError] = []
        for source, _, parsed in batches:
            for passage in (p for d in parsed for p in d.passages):
                other = owner.get(passage.id)
                if other is None and passage.id in core.ids:
                    doc_id = core.documents[core.passages[core.ids[passage.id]]["document"]]["id"]
                    holder = source_of_document.get(doc_id, "")
                    if holder not in leaving_set and holder != source:
                        other = holder
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

    def _records(self) -> list[dict[str, Any]]:
        with self._ix.searcher() as searcher:
            return [dict(fields) for fields in searcher.reader().all_stored_fields()]

    def core(self) -> Core:
        """The ranking core of the latest commit (loaded once per commit; safe to share between threads)."""
        with self._lock:
            generation = self._latest_generation()
            if self._core is None or generation != self._generation:
                self._core = self._load_core()
                self._generation = generation
            return self._core

    def _latest_generation(self) -> int:
        """The generation of the latest commit; the folder is listed again only if it may have changed.

        A commit adds a file to the folder, which changes its mtime. An unchanged mtime is trusted only when it
        was already 2 s old at the last listing ("racy" timestamps: on a file system with coarse times a
        commit in the same tick would not change it). This saves a listing (~20 µs) per search.
        """
        try:
            mtime = os.stat(self.path).st_mtime_ns
        except OSError:
            mtime = -1
        seen, listed_at = self._listed
        if mtime == seen and mtime >= 0 and listed_at - mtime > 2_000_000_000:
            return self._generation
        listed_at = time.time_ns()
        generation: int = self._ix.latest_generation()
        self._listed = (mtime, listed_at)
        return generation

    def _load_core(self) -> Core:
        records = sorted(self._records(), key=lambda fields: (fields["source"], fields["segment"]))
        names = list(dict.fromkeys(fields["segment"] for fields in records))
        if not names:
            return Core.empty()
        segments = []
        for name in names:
            path = self.path / SEGMENTS / f"{name}.npz"
            try:
                segments.append(Segment.load(path))
            except (OSError, ValueError, KeyError) as exc:
                raise IndexMismatchError(
                    f"the index at {self.path} is damaged: segment {name} cannot be read ({exc}); "
                    f"rebuild it with: lawsearch index PATH --rebuild --index {self.path}",
                    path=self.path,
                ) from None
        return Core.merge(segments)

    def __len__(self) -> int:
        return self.core().size

    def sources(self) -> dict[str, str]:
        """Indexed source files and the content hash each was indexed with."""
        return {fields["source"]: fields["source_hash"] for fields in self._records()}

    def documents(self) -> list[Document]:
        """Every indexed document, sorted by id."""
        core = self.core()
        return sorted((core.document(i) for i in range(len(core.documents))), key=lambda d: d.id)

    def document(self, doc_id: str) -> Document:
        """The document with this id.

        Raises:
            InvalidArgumentError: no such document.
        """
        core = self.core()
        for i, fields in enumerate(core.documents):
            if fields["id"] == doc_id:
                return core.document(i)
        raise InvalidArgumentError(f"no document {doc_id!r} in the index at {self.path}")

    def passage(self, passage_id: str) -> Passage:
        """The passage with this id.

        Raises:
            InvalidArgumentError: no such passage.
        """
        core = self.core()
        row = core.ids.get(passage_id)
        if row is None:
            raise InvalidArgumentError(f"no passage {passage_id!r} in the index at {self.path}")
        return core.passage(row)

    def passages(self, doc_id: str) -> list[Passage]:
        """A document's passages in reading order."""
        core = self.core()
        rows = [i for i, meta in enumerate(core.passages) if core.documents[meta["document"]]["id"] == doc_id]
        return sorted((core.passage(i) for i in rows), key=lambda p: p.number)

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


def _segment_name(source: str, digest: str) -> str:
    key = f"{SCHEMA_VERSION}\0{analyzer_fingerprint()}\0{source}\0{digest}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def _parsed_from_core(core: Core, doc_id: str) -> ParsedDocument:
    index = next(i for i, d in enumerate(core.documents) if d["id"] == doc_id)
    rows = np.flatnonzero(core.passage_document == index)
    return ParsedDocument(core.document(index), [core.passage(int(row)) for row in rows])


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
