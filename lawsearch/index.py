"""The on-disk index: create, open, add, update and delete by document.

An index is a folder holding

* a whoosh index: the writer lock and the commit point (one whoosh document per source document, see
  ``schema.py``); each commit is a generation, named by whoosh's ``_MAIN_<generation>.toc``;
* ``manifest-<generation>.json``: the records of that generation — each document's source file, content hash,
  fields and ranking segment — written (atomically) before the whoosh commit that makes it live;
* ``segments/``: the ranking segments with passages and postings (``ranking.py``), content-addressed, written
  before the manifest that names them;
* ``lawsearch.json``: the schema version and the analyzer fingerprint it was built with. Opening an index built
  by another schema or analyzer raises IndexMismatchError instead of silently mixing incompatible terms.

Reading never opens whoosh: a reader lists the folder for the latest generation, then reads that generation's
manifest (JSON) and segments (``.npz`` without pickles). So searching never unpickles anything (whoosh's files
are pickles: see the README's security note), works in a read-only folder, and always sees one whole commit:
files of the previous generation are kept until the next commit, and a reader that loses a race with two
commits in a row retries. Writers open whoosh for its lock (another writer waits up to ``_WRITE_TIMEOUT``, then
gets IndexLockedError) and its atomic commit. A writer killed at any point leaves the last commit intact; the
next update redoes the rest (files are compared by content hash).

Re-indexing a corpus (``Index.update``) compares each file's content hash with the one recorded for it:
unchanged files are skipped, changed files are replaced, files that disappeared from an indexed folder are removed.
All changes of one update are committed at once: a failed or interrupted update leaves the last commit intact.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import attrs
import numpy as np
import numpy.typing as npt
import whoosh.filedb.filestore
import whoosh.index
from whoosh.util.filelock import try_for

from lawsearch import __version__
from lawsearch.analysis import analyzer_fingerprint, lone_surrogate
from lawsearch.errors import (
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
    IngestError,
    InvalidArgumentError,
    LawsearchError,
)
from lawsearch.ingest import content_hash, discover, parse_bytes, path_text, read_bytes
from lawsearch.models import Document, Explanation, ParsedDocument, Passage, SearchResults, SplitWord
from lawsearch.ranking import Core, Segment, build_segment
from lawsearch.schema import SCHEMA_VERSION, build_schema
from lawsearch.semantic import EncodeProgress, Model, passage_texts

# A record: {"doc_id", "source", "source_hash", "segment", "passages": how many (records written since
# 2026-11-30), "data": Document fields} — one per document.
Record = dict[str, Any]
_T = TypeVar("_T")

__all__ = ["Index", "ProgressCallback", "UpdateReport", "bundled_corpus", "default_index_path"]

META_FILE = "lawsearch.json"
SEGMENTS = "segments"
VECTORS = "vectors"
_TOC = re.compile(r"^_MAIN_([0-9]+)\.toc$")  # whoosh's name for the table of contents of a generation
_WRITE_TIMEOUT = 10.0
#: An index of this many segments (source files) or more is loaded from one joined segment that the first
#: reader of each commit writes (for 2,000 small files: 0.2 s instead of 2.5 s); fewer load fast anyway.
JOIN_MIN = 16
# Appended to the content hash of a file indexed without its bad records: it never equals the file's hash.
_INCOMPLETE = "+incomplete"

#: ``progress(done, total, path)`` is called after each file of an update.
ProgressCallback = Callable[[int, int, Path], None]


@attrs.frozen
class UpdateReport:
    """What an update did: file counts by outcome, passages written, and what was skipped, and why.

    ``skipped`` counts the files of which nothing was (re)indexed because of an error; ``skipped_records`` the bad
    records left out of JSONL files whose other records were indexed. ``errors`` holds one ``IngestError`` for
    each skipped file and each bad record (with its ``path`` and ``line``).
    """

    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    passages: int = 0
    errors: tuple[IngestError, ...] = ()
    skipped: int = 0
    skipped_records: int = 0


@attrs.define
class Index:
    """A lawsearch index on disk. Searching is safe from several threads; writing is serialized by a lock."""

    path: Path
    _ix: Any = attrs.field(default=None, repr=False)  # the whoosh index, opened by the first write
    _core: Core | None = attrs.field(default=None, repr=False)
    _generation: int = attrs.field(default=-2, repr=False)
    _manifest: tuple[int, list[Record]] = attrs.field(default=(-2, []), repr=False)
    # the folder's inode and mtime (ns) when it was last listed, and when that was (ns)
    _listed: tuple[int, int, int] = attrs.field(default=(-2, 0, 0), repr=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False)
    # per model key: (the core they belong to, every passage's vector); one encoding at a time
    _vectors: dict[str, tuple[Core, npt.NDArray[np.float32]]] = attrs.field(factory=dict, repr=False)
    _vector_lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False)

    # --- opening -------------------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | Path) -> Index:
        """Create an empty index at ``path``, replacing any lawsearch index that is there.

        The new index is built beside the old one and swapped in, so the old one stays usable until then.
        Processes that create the same index at once take turns (a lock file ``.NAME.lock`` beside it).

        Raises:
            IndexNotFoundError: ``path`` is a file, or a folder of other files (never replaced).
            IndexLockedError: another process kept creating it for 10 s.
        """
        path = Path(_path_argument(path, "path")).expanduser()
        with _creation_lock(path):
            return cls._create(path)

    @classmethod
    def _create(cls, path: Path) -> Index:
        """``create``, with the creation lock held."""
        if path.exists() and not path.is_dir():
            raise IndexNotFoundError(f"{path} is a file, not an index folder; choose another --index path", path=path)
        if path.is_dir() and any(path.iterdir()) and _read_meta(path) is None and not _damaged_index(path):
            raise IndexNotFoundError(
                f"{path} holds files but no lawsearch index; lawsearch will not replace it: "
                "choose an empty or new folder for --index",
                path=path,
            )
        fresh = path.with_name(path.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir()
        whoosh.index.create_in(str(fresh), build_schema())
        _write_json(fresh / _manifest_name(_latest_toc(fresh)), {"records": []})
        _write_meta(fresh)
        if path.exists():
            # A rebuild is a writer too: it waits for (and holds) the old index's write lock while swapping, so
            # it never pulls the folder from under another process's commit.
            with _write_lock(path):
                old = path.with_name(path.name + ".old")
                shutil.rmtree(old, ignore_errors=True)
                path.rename(old)
                fresh.rename(path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            fresh.rename(path)
        return cls(path)

    @classmethod
    def open(cls, path: str | Path) -> Index:
        """Open an existing index.

        Raises:
            IndexNotFoundError: there is no lawsearch index at ``path``.
            IndexMismatchError: it was built with another schema version or analyzer.
        """
        path = Path(_path_argument(path, "path")).expanduser()
        if path.exists() and not path.is_dir():
            raise IndexNotFoundError(f"{path} is a file, not an index folder; pass the folder of an index", path=path)
        if not path.is_dir():
            raise IndexNotFoundError(
                f"no index at {path}; create one with: lawsearch index PATH --index {path}", path=path
            )
        meta = _read_meta(path)
        if meta is None and _damaged_index(path):
            raise IndexMismatchError(
                f"the index at {path} is damaged: {META_FILE} cannot be read; "
                f"rebuild it with: lawsearch index PATH --rebuild --index {path}",
                path=path,
            )
        if meta is None or _latest_toc(path) < 0:
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
        return cls(path)

    @classmethod
    def open_or_create(cls, path: str | Path, *, replace_unusable: bool = False) -> Index:
        """Open the index at ``path``, creating an empty one when there is none yet.

        ``replace_unusable``: an index built with another schema or analyzer is replaced by an empty one, not
        reported (for an index that is only a cache, as the bundled reports' is). Processes that do this at once
        create the index once: the others wait, then open it.

        Raises:
            IndexNotFoundError: ``path`` is a file, or a folder of other files.
            IndexMismatchError: (without ``replace_unusable``) the index was built with another schema or analyzer.
        """
        unusable: tuple[type[LawsearchError], ...] = (IndexNotFoundError,)
        if replace_unusable:
            unusable += (IndexMismatchError,)
        try:
            return cls.open(path)
        except unusable:
            path = Path(path).expanduser()
            with _creation_lock(path):
                try:
                    return cls.open(path)  # another process made it meanwhile
                except unusable as exc:
                    if isinstance(exc, IndexNotFoundError) and path.is_dir() and any(path.iterdir()):
                        raise  # a non-empty folder that is no index: never overwrite someone's files
                    return cls._create(path)

    def close(self) -> None:
        with self._lock:
            self._core = None
            if self._ix is not None:
                self._ix.close()
                self._ix = None

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing -------------------------------------------------------------------------------------------

    def update(
        self, paths: Iterable[str | Path] | str | Path, *, progress: ProgressCallback | None = None
    ) -> UpdateReport:
        """Bring the index up to date with the files under ``paths`` (files or folders; or one of them).

        Unchanged files are skipped, changed ones replaced, files gone from an indexed folder removed.
        A file that cannot be read or parsed, and one that ``discover`` skips (a symlink leading out of its
        folder, a broken link, a folder that cannot be listed), is reported in ``UpdateReport.errors`` and
        skipped; whatever it had in the index before stays. A JSONL file's bad records are reported there too and
        its good records indexed; such a file is read again by the next update, so its bad records are reported
        until they are fixed. All changes are committed at once, at the end.

        Raises:
            IngestError: a path does not exist, or a named file is of a kind lawsearch cannot read.
            IndexLockedError: another writer holds the index.
        """
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        roots = [Path(_path_argument(p, "paths")).expanduser().resolve() for p in _items(paths, "paths")]
        errors: list[IngestError] = []
        files = discover(roots, on_error=errors.append)
        skipped = len(errors)
        indexed = self.sources()
        keys = [path_text(f.path) for f in files]  # each file's source key: its path as storable text
        root_keys = [Path(path_text(root)) for root in roots]
        wanted = set(keys)
        # what discover skipped (a second file of one id, a folder it cannot list …) keeps what it had
        held = [Path(path_text(error.path)) for error in errors if error.path is not None]
        gone = [
            source
            for source in indexed
            if source not in wanted
            and any(_is_within(Path(source), root) for root in root_keys)
            and not any(_is_within(Path(source), path) for path in held)
        ]
        unchanged = skipped_records = 0
        bad_records: dict[str, int] = {}  # source → bad records left out of it
        batches: list[tuple[str, str, list[ParsedDocument]]] = []
        for done, (source, key) in enumerate(zip(files, keys), start=1):
            file_errors: list[IngestError] = []
            try:
                data = read_bytes(source.path)
                digest = content_hash(data)
                previous = indexed.get(key)
                parsed: list[ParsedDocument] = []
                if previous != digest:  # new or changed; or indexed without its bad records: read them again
                    parsed = parse_bytes(data, path=source.path, doc_id=source.doc_id, on_error=file_errors.append)
                    if file_errors:
                        digest += _INCOMPLETE  # so the next update reads it again and reports them again
                if previous == digest:
                    unchanged += 1
                    skipped_records += len(file_errors)
                elif not parsed:
                    skipped += 1  # a JSONL file of bad records only
                else:
                    batches.append((key, digest, parsed))
                    bad_records[key] = len(file_errors)
            except IngestError as exc:
                file_errors.append(exc)
                skipped += 1
            errors.extend(file_errors)
            if progress is not None:
                progress(done, len(files), source.path)
        clashes = self._check_ids(batches, [b[0] for b in batches if b[0] in indexed] + gone)
        errors.extend(clashes)
        failed = {str(e.path) for e in clashes}
        batches = [b for b in batches if b[0] not in failed]
        skipped += len(failed)
        skipped_records += sum(bad_records[b[0]] for b in batches)
        added = sum(1 for b in batches if b[0] not in indexed)
        passages = 0
        if batches or gone:
            passages = self._commit(batches, remove_sources=gone + [b[0] for b in batches if b[0] in indexed])
        elif self._core is None:  # nothing to write, and no segment loaded: still say if one is damaged
            for name in dict.fromkeys(record["segment"] for record in self._records()):
                self._segment(name, Segment.check)
        return UpdateReport(
            added=added,
            changed=len(batches) - added,
            removed=len(gone),
            unchanged=unchanged,
            passages=passages,
            errors=tuple(errors),
            skipped=skipped,
            skipped_records=skipped_records,
        )

    def add(self, documents: Iterable[ParsedDocument], *, source: str = "", source_hash: str = "") -> int:
        """Add parsed documents, replacing what earlier adds put under the same document ids. Returns passages written.

        Without ``source`` each document is its own source (``api:<doc id>``).

        Raises:
            IngestError: a document or passage id that a file's document (or another source's) already uses — delete
                that document first —, or text with a lone surrogate
                (bytes that were not UTF-8, decoded with ``surrogateescape``); nothing is written then.
            InvalidArgumentError: ``documents`` is not ``ParsedDocument`` objects, or two of them share a
                document id or a passage id.
        """
        documents = [documents] if isinstance(documents, ParsedDocument) else list(_items(documents, "documents"))
        for parsed in documents:
            if not isinstance(parsed, ParsedDocument):
                raise InvalidArgumentError(
                    f"Index.add takes lawsearch.ParsedDocument objects (a Document with its Passages), got {parsed!r}"
                )
            _check_text(parsed)
        _check_unique(documents)
        batches = (
            [(source, source_hash or uuid.uuid4().hex, documents)]
            if source
            else [(f"api:{d.document.id}", source_hash or uuid.uuid4().hex, [d]) for d in documents]
        )
        sources = [batch[0] for batch in batches]
        with self._writer() as change:
            # decided under the write lock, from the records this commit starts from: another writer may have
            # added the same ids since this object last read the index. Replaced are documents that add put there
            # (api:…, or this source): a file's document is no one's to replace
            replaced = {d.document.id for d in documents} & {
                record["doc_id"]
                for record in change.records
                if record["source"].startswith("api:") or record["source"] in sources
            }
            errors = self._check_ids(batches, sources, replaced=replaced)
            if errors:
                raise errors[0]
            for doc_id in sorted(replaced):
                self._drop_document(change, doc_id)
            return self._write_batches(change, batches)

    def delete_document(self, doc_id: str) -> int:
        """Delete a document and its passages; returns how many passages were deleted."""
        with self._writer() as change:
            return self._drop_document(change, doc_id)

    def _commit(self, batches: Sequence[tuple[str, str, list[ParsedDocument]]], remove_sources: Sequence[str]) -> int:
        with self._writer() as change:
            # what the commit replaces, judged by the records it starts from: another process may have added the
            # same files since this update listed the index (two first searches at once), and they must not twice
            committed = {record["source"] for record in change.records}
            for source in dict.fromkeys([*remove_sources, *(batch[0] for batch in batches)]):
                if source in committed:
                    change.remove_source(source)
            return self._write_batches(change, batches)

    def _write_batches(self, change: _Change, batches: Sequence[tuple[str, str, list[ParsedDocument]]]) -> int:
        """Write each batch's segment file, then its records (committed when the change ends)."""
        written = 0
        for source, digest, documents in batches:
            name = _segment_name(source, digest)
            path = self.path / SEGMENTS / f"{name}.npz"
            if not path.exists():
                path.parent.mkdir(exist_ok=True)
                build_segment(documents).save(path)
            for parsed in documents:
                change.add(
                    {
                        "doc_id": parsed.document.id,
                        "source": source,
                        "source_hash": digest,
                        "segment": name,
                        "passages": len(parsed.passages),
                        "data": parsed.document.to_fields(),
                    }
                )
                written += len(parsed.passages)
        return written

    def _drop_document(self, change: _Change, doc_id: str) -> int:
        """Remove one document; the other documents of its source get a new segment without it."""
        core = self.core()
        doc_index = next((i for i, d in enumerate(core.documents) if d["id"] == doc_id), None)
        record = next((r for r in change.records if r["doc_id"] == doc_id), None)
        if doc_index is None or record is None:
            return 0
        siblings = [r for r in change.records if r["source"] == record["source"] and r["doc_id"] != doc_id]
        change.remove_source(record["source"])
        if siblings:
            kept = [_parsed_from_core(core, r["doc_id"]) for r in siblings]
            self._write_batches(change, [(record["source"], f"{record['source_hash']}-{uuid.uuid4().hex}", kept)])
        return int(np.count_nonzero(core.passage_document == doc_index))

    @contextmanager
    def _writer(self) -> Iterator[_Change]:
        """A change to the index: committed as one new generation when the block ends, cancelled on an error.

        Order: segments (by the block), then the manifest of the new generation, then the whoosh commit that
        makes it the latest. Whatever is written before a crash is invisible and collected later.
        """
        with self._lock:
            if self._ix is None:
                self._ix = whoosh.index.open_dir(str(self.path), schema=build_schema())
            ix = self._ix
        try:
            writer = ix.writer(timeout=_WRITE_TIMEOUT)
        except whoosh.index.LockError:
            raise IndexLockedError(
                f"another process is writing to the index at {self.path} (waited {_WRITE_TIMEOUT:.0f} s); "
                "try again when it has finished",
                path=self.path,
            ) from None
        generation = int(writer.generation)
        try:
            change = _Change(writer, list(self._read_manifest(generation - 1)))
            yield change
            _write_json(self.path / _manifest_name(generation), {"records": change.records})
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._collect_garbage(generation)

    def _collect_garbage(self, generation: int) -> None:
        """Remove manifests and segment files (and joined segments) that neither this commit nor the one before names.

        The previous commit's files stay until the next commit, so a reader that is still loading them finds them,
        and the first reader of this commit can take from the previous joined segment what did not change.
        """
        live_manifests = {_manifest_name(generation), _manifest_name(generation - 1)}
        live: set[str] = set()
        for gen in (generation, generation - 1):
            with contextlib.suppress(IndexMismatchError):  # the first commit has no previous manifest
                names = _segment_names(self._read_manifest(gen))
                live.update(names)
                live.add(_joined_name(names))  # the joined segment of each, if a reader wrote one
        for path in self.path.glob("manifest-*.json*"):
            if path.name not in live_manifests:
                path.unlink(missing_ok=True)
        folder = self.path / SEGMENTS
        if folder.is_dir():
            for path in folder.iterdir():
                if path.suffix in (".npz", ".tmp") and path.name.split(".")[0] not in live:
                    path.unlink(missing_ok=True)
        for path in self.path.glob(f"{VECTORS}/*/*.npy"):  # each model's vectors of segments no longer live
            if path.name.split(".")[0] not in live:
                path.unlink(missing_ok=True)

    def _check_ids(
        self,
        batches: Sequence[tuple[str, str, list[ParsedDocument]]],
        leaving: Sequence[str],
        *,
        replaced: Set[str] = frozenset(),
    ) -> list[IngestError]:
        """Document and passage ids must be unique across the index: report sources whose ids another uses.

        ``leaving``: sources this change removes; ``replaced``: documents ``add`` replaces. Their ids are free.
        """
        if not batches:  # nothing to write: no need to load the core (2,000 segments take 3 s)
            return []
        core = self.core()
        leaving_set = set(leaving)
        source_of_document: dict[str, str] = {record["doc_id"]: record["source"] for record in self._records()}

        def holder(doc_id: str, source: str) -> str | None:
            """The other source that keeps ``doc_id`` after this change, if any."""
            held = source_of_document.get(doc_id)
            if held is None or held in leaving_set or held == source or doc_id in replaced:
                return None
            return held

        document_owner: dict[str, str] = {}
        owner: dict[str, str] = {}
        errors: list[IngestError] = []
        for source, _, parsed in batches:
            for document in (d.document for d in parsed):
                other = document_owner.get(document.id) or holder(document.id, source)
                if other is not None and other != source:
                    errors.append(
                        IngestError(
                            f"document id {document.id!r} is already used by {other}; ids must be unique "
                            "(delete that document first, or give this one another id)",
                            path=source,
                        )
                    )
                    break
                document_owner[document.id] = source
            else:
                for passage in (p for d in parsed for p in d.passages):
                    other = owner.get(passage.id)
                    if other is None and passage.id in core.ids:
                        doc_id = core.documents[core.passages[core.ids[passage.id]]["document"]]["id"]
                        other = holder(doc_id, source)
                    if other is not None and other != source:
                        errors.append(
                            IngestError(
                                f"passage id {passage.id!r} is already used by {other}; ids must be unique",
                                path=source,
                            )
                        )
                        break
                    owner[passage.id] = source
        return errors

    # --- reading -------------------------------------------------------------------------------------------

    def _records(self) -> list[Record]:
        """The records of the latest commit."""
        for _ in range(_READ_ATTEMPTS):
            generation = self._latest_generation()
            try:
                return self._read_manifest(generation)
            except IndexMismatchError:
                if self._latest_generation(fresh=True) == generation:
                    raise
        return self._read_manifest(self._latest_generation(fresh=True))

    def _read_manifest(self, generation: int) -> list[Record]:
        """The records of one generation (the last one read is kept).

        Raises:
            IndexMismatchError: the manifest is missing or unreadable (the index is damaged).
        """
        cached_generation, records = self._manifest
        if cached_generation == generation:
            return records
        path = self.path / _manifest_name(generation)
        try:
            records = json.loads(path.read_text(encoding="utf-8"))["records"]
            if not isinstance(records, list):
                raise ValueError("records is not a list")
            for record in records:
                if not isinstance(record, dict) or not record.keys() >= _RECORD_KEYS:
                    raise ValueError(f"a record lacks one of {', '.join(sorted(_RECORD_KEYS))}")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexMismatchError(
                f"the index at {self.path} is damaged: {path.name} cannot be read ({exc}); "
                f"rebuild it with: lawsearch index PATH --rebuild --index {self.path}",
                path=self.path,
            ) from None
        self._manifest = (generation, records)
        return records

    def core(self) -> Core:
        """The ranking core of the latest commit (loaded once per commit; safe to share between threads).

        Raises:
            IndexMismatchError: the latest commit's files are damaged or missing.
        """
        with self._lock:
            generation = self._latest_generation()
            if self._core is not None and generation == self._generation:
                return self._core
            for _ in range(_READ_ATTEMPTS):
                try:
                    core = self._load_core(generation)
                except IndexMismatchError:
                    # a writer may have committed twice while this reader loaded: then read the newest commit
                    latest = self._latest_generation(fresh=True)
                    if latest == generation:
                        raise
                    generation = latest
                else:
                    self._core, self._generation = core, generation
                    return core
            raise IndexMismatchError(
                f"the index at {self.path} changed {_READ_ATTEMPTS} times while it was being read; try again",
                path=self.path,
            )

    def _latest_generation(self, *, fresh: bool = False) -> int:
        """The generation of the latest commit; the folder is listed again only if it may have changed.

        A commit adds a file to the folder, which changes its mtime. An unchanged mtime is trusted only when it
        was already older than the file system's tick at the last listing ("racy" timestamps: a commit in the
        same tick would not change it): 2 s where times are whole seconds (FAT keeps even seconds), else 0.1 s
        (sub-second times tick with the kernel's clock, every 10 ms or less). This saves a listing (~20 µs) per
        search, from 0.1 s after the last change of the folder (an update, even one that changes nothing, takes
        its lock file there) instead of 2 s: a benchmark that opens and then asks 1,254 questions at once
        listed before every one.
        """
        try:
            stat = os.stat(self.path)
            folder, mtime = stat.st_ino, stat.st_mtime_ns
        except OSError:
            folder, mtime = -1, -1
        seen_folder, seen, listed_at = self._listed
        if folder != seen_folder:  # Index.create swapped a new folder in: its generations start again
            self._core, self._generation, self._manifest = None, -2, (-2, [])
        elif not fresh and mtime == seen and mtime >= 0 and listed_at - mtime > _racy_window(mtime):
            return self._generation
        listed_at = time.time_ns()
        generation = _latest_toc(self.path)
        if generation < 0:
            raise IndexNotFoundError(f"the index at {self.path} is gone (no whoosh table of contents)", path=self.path)
        self._listed = (folder, mtime, listed_at)
        return generation

    def _load_core(self, generation: int) -> Core:
        names = _segment_names(self._read_manifest(generation))
        if not names:
            return Core.empty()
        joined_path = self.path / SEGMENTS / f"{_joined_name(names)}.npz" if len(names) >= JOIN_MIN else None
        joined = None if joined_path is None else _read_joined(joined_path, names)
        if joined is None:
            previous = self._previous_joined(generation) if joined_path is not None else None
            joined = self._join(names, previous)
            if joined_path is not None:
                with contextlib.suppress(OSError):  # a read-only index: load the segments each time
                    joined.save(joined_path)
        core = Core.merge([joined])
        core.segments = joined.parts
        return core

    def _previous_joined(self, generation: int) -> Segment | None:
        """The joined segment of the commit before ``generation``, if a reader wrote it (garbage collection keeps
        it for one commit); None if there is none."""
        try:
            names = _segment_names(self._read_manifest(generation - 1))
        except IndexMismatchError:  # the first commit, or a manifest already collected
            return None
        return _read_joined(self.path / SEGMENTS / f"{_joined_name(names)}.npz", names) if names else None

    def _join(self, names: Sequence[str], previous: Segment | None) -> Segment:
        """The joined segment of ``names``: runs of them that ``previous`` (a joined segment) holds in a row are
        taken from it, the others loaded; so after a commit that changed one file of 2,000, two runs and one
        segment instead of 2,000 segments."""
        rows: dict[str, tuple[int, int]] = {}
        if previous is not None:
            at = 0
            for name, count in previous.parts:
                rows[name], at = (at, at + count), at + count
        pieces: list[Segment] = []
        run: list[tuple[str, int]] = []  # parts of ``previous`` in a row, not yet taken
        start = stop = 0
        for name in [*names, ""]:
            if run and (name not in rows or rows[name][0] != stop):
                assert previous is not None
                pieces.append(attrs.evolve(previous.take(start, stop), parts=tuple(run)))
                run = []
            if name in rows:
                if not run:
                    start = rows[name][0]
                run.append((name, rows[name][1] - rows[name][0]))
                stop = rows[name][1]
            elif name:
                segment = self._segment(name, Segment.load)
                pieces.append(attrs.evolve(segment, parts=((name, len(segment.texts)),)))
        return attrs.evolve(Segment.join(pieces), parts=tuple(part for piece in pieces for part in piece.parts))

    def _segment(self, name: str, read: Callable[[Path], _T]) -> _T:
        """``read`` (``Segment.load`` or ``Segment.check``) of the segment ``name``.

        Raises:
            IndexMismatchError: it cannot be read: the index is damaged.
        """
        try:
            return read(self.path / SEGMENTS / f"{name}.npz")
        except (OSError, ValueError, KeyError) as exc:
            raise IndexMismatchError(
                f"the index at {self.path} is damaged: segment {name} cannot be read ({exc}); "
                f"rebuild it with: lawsearch index PATH --rebuild --index {self.path}",
                path=self.path,
            ) from None

    def vectors(self, model: Model, *, progress: EncodeProgress | None = None) -> npt.NDArray[np.float32]:
        """Every passage's vector under ``model`` (rows as the core's; see ``semantic.py``).

        Vectors are cached per segment in ``vectors/<model key>/<segment>.npy`` (float16): the first semantic
        search encodes the passages no cache holds (``progress(done, total)`` meanwhile), later ones read
        them. A read-only index keeps them in memory.
        """
        core = self.core()
        with self._vector_lock:
            cached = self._vectors.get(model.key)
            if cached is not None and cached[0] is core:
                return cached[1]
            folder = self.path / VECTORS / model.key
            parts: list[npt.NDArray[np.float16]] = []
            missing: list[tuple[int, str, range]] = []
            base = 0
            for name, count in core.segments:
                try:
                    part = np.load(folder / f"{name}.npy", allow_pickle=False)
                except (OSError, ValueError, EOFError):  # EOFError: an empty file
                    part = None
                if part is None or part.shape != (count, model.dimensions):
                    missing.append((len(parts), name, range(base, base + count)))
                    part = np.zeros((count, model.dimensions), dtype=np.float16)
                parts.append(part)
                base += count
            total, done = sum(len(rows) for _, _, rows in missing), 0
            for position, name, rows in missing:
                offset = done
                tell = None if progress is None else (lambda n, _t, offset=offset: progress(offset + n, total))
                parts[position] = model.encode(passage_texts(core, rows), progress=tell).astype(np.float16)
                done += len(rows)
                with contextlib.suppress(OSError):  # a read-only index: the vectors live in memory only
                    folder.mkdir(parents=True, exist_ok=True)
                    temporary = folder / f"{name}.{uuid.uuid4().hex}.tmp.npy"
                    np.save(temporary, parts[position], allow_pickle=False)
                    os.replace(temporary, folder / f"{name}.npy")
            matrix = np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, model.dimensions), np.float32)
            self._vectors[model.key] = (core, matrix)
            return matrix

    def __len__(self) -> int:
        """The number of passages, from the manifest when its records count them (those written since 2026-11-30):
        ``lawsearch index`` on 2,000 unchanged files then need not load 2,000 segments to say how many there are."""
        if self._core is None or self._generation != self._latest_generation():
            records = self._records()
            if all(isinstance(record.get("passages"), int) for record in records):
                return sum(record["passages"] for record in records)
        return self.core().size

    def sources(self) -> dict[str, str]:
        """Indexed source files and the content hash each was indexed with.

        (The hash of a JSONL file indexed without its bad records ends in ``+incomplete``.)
        """
        return {record["source"]: record["source_hash"] for record in self._records()}

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
        row = core.ids.get(passage_id) if isinstance(passage_id, str) else None
        if row is None:
            raise InvalidArgumentError(f"no passage {passage_id!r} in the index at {self.path}")
        return core.passage(row)

    def passages(self, doc_id: str) -> list[Passage]:
        """A document's passages in reading order."""
        core = self.core()
        rows = [i for i, meta in enumerate(core.passages) if core.documents[meta["document"]]["id"] == doc_id]
        return sorted((core.passage(i) for i in rows), key=lambda p: p.number)

    def context(self, passage_id: str, *, before: int = 1, after: int = 1) -> list[Passage]:
        """The passage with up to ``before`` passages before it and ``after`` after it in its document.

        Raises:
            InvalidArgumentError: no such passage, or ``before``/``after`` is not an integer >= 0.
        """
        for name, value in (("before", before), ("after", after)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidArgumentError(f"{name} must be an integer >= 0, got {value!r}")
        passage = self.passage(passage_id)
        siblings = self.passages(passage.document_id)
        at = next(i for i, p in enumerate(siblings) if p.id == passage.id)
        return siblings[max(0, at - before) : at + after + 1]

    def search(self, query: str, *, page: int = 1, limit: int = 10, **options: Any) -> SearchResults:
        """Search the index; see ``lawsearch.search.search`` for the query syntax and options."""
        from lawsearch.search import search

        return search(self, query, page=page, limit=limit, **options)

    def explain(self, query: str, passage_id: str, **options: Any) -> Explanation:
        """Why a passage scores what it does for ``query``; see ``lawsearch.search.explain``."""
        from lawsearch.search import explain

        return explain(self, query, passage_id, **options)

    def split_words(self, query: str, **options: Any) -> tuple[SplitWord, ...]:
        """The keywords of ``query`` that passages say but were cut into other words there (学法 in 尊法学法);
        see ``lawsearch.search.split_words``."""
        from lawsearch.search import split_words

        return split_words(self, query, **options)

    def cited_laws(self, passage_id: str) -> tuple[str, ...]:
        """The laws and regulations a passage cites (canonical names, e.g. 未成年人保护法).

        Raises:
            InvalidArgumentError: no such passage.
        """
        core = self.core()
        self.passage(passage_id)  # raises for an unknown id
        return core.cited_laws()[core.ids[passage_id]]

    def cited_articles(self, passage_id: str, query: str = "", *, limit: int = 3) -> SearchResults:
        """The articles of the laws a passage cites that best match ``query`` (in reading order without one).

        The laws are the indexed documents whose title is a cited law (``《未成年人保护法》`` and a law titled
        中华人民共和国未成年人保护法 are one law). The result is empty when the passage cites no law, or the
        index does not hold the laws it cites.

        Raises:
            InvalidArgumentError: no such passage.
            QuerySyntaxError: the query is malformed.
        """
        from lawsearch.citations import canonical_law_name
        from lawsearch.query import parse_query
        from lawsearch.search import compile_query

        cited = self.cited_laws(passage_id)
        own = self.passage(passage_id).document_id
        core = self.core()
        held = {d["id"]: canonical_law_name(d["title"]) for d in core.documents if d["id"] != own}
        laws = [doc_id for doc_id, name in held.items() if name in cited]
        # the query's words only: its filters (collection:reports, year: …) were meant for the reports
        plan = compile_query(parse_query(query)) if query.strip() else None
        words = " ".join(plan.terms[: plan.typed]) if plan is not None else ""
        in_index = {held[doc_id] for doc_id in laws}
        shown = f"{words} — in " + "".join(f"《{name}》" for name in cited if name in in_index)
        within = " OR ".join(f'doc:"{doc_id}"' for doc_id in laws)
        if not within:
            return SearchResults(query=shown, total=0, page=1, limit=limit, hits=())
        found = self.search(f"({words}) AND ({within})", limit=limit) if words else None
        if found is None or not found.total:
            found = self.search(within, limit=limit)  # no article has the words: the laws' first articles
        return attrs.evolve(found, query=shown)


def _segment_name(source: str, digest: str) -> str:
    key = f"{SCHEMA_VERSION}\0{analyzer_fingerprint()}\0{source}\0{digest}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def _parsed_from_core(core: Core, doc_id: str) -> ParsedDocument:
    index = next(i for i, d in enumerate(core.documents) if d["id"] == doc_id)
    rows = np.flatnonzero(core.passage_document == index)
    return ParsedDocument(core.document(index), [core.passage(int(row)) for row in rows])


@attrs.define
class _Change:
    """The records a writer is building: the committed ones, with sources removed and documents added."""

    writer: Any
    records: list[Record]

    def remove_source(self, source: str) -> None:
        self.writer.delete_by_term("source", source)
        self.records = [r for r in self.records if r["source"] != source]

    def add(self, record: Record) -> None:
        self.writer.add_document(doc_id=record["doc_id"], source=record["source"], segment=record["segment"])
        self.records.append(record)


_READ_ATTEMPTS = 5
# what every manifest record has ("passages" only since commit 100f718: counted from the segment without it)
_RECORD_KEYS = frozenset({"doc_id", "source", "source_hash", "segment", "data"})


@contextmanager
def _write_lock(path: Path) -> Iterator[None]:
    """Hold the write lock of the index at ``path`` (whoosh's, so whoosh writers respect it), if it is one.

    Raises:
        IndexLockedError: another process kept it for ``_WRITE_TIMEOUT`` seconds.
    """
    if _latest_toc(path) < 0:
        yield  # an empty folder or an index being created: nobody can be writing to it
        return
    with _file_lock(path, "MAIN_WRITELOCK", f"writing to the index at {path}", index=path, delay=0.1):
        yield


@contextmanager
def _file_lock(folder: Path, name: str, doing: str, *, index: Path, delay: float) -> Iterator[None]:
    """Hold whoosh's file lock ``name`` in ``folder`` (an OS lock, which a killed process does not leave behind).

    Raises:
        IndexLockedError: (for ``index``) another process held it for ``_WRITE_TIMEOUT`` seconds, ``doing`` what.
    """
    lock = whoosh.filedb.filestore.FileStorage(str(folder)).lock(name)
    if not try_for(lock.acquire, timeout=_WRITE_TIMEOUT, delay=delay):
        raise IndexLockedError(
            f"another process is {doing} (waited {_WRITE_TIMEOUT:.0f} s); try again when it has finished",
            path=index,
        )
    try:
        yield
    finally:
        lock.release()


def _manifest_name(generation: int) -> str:
    return f"manifest-{generation}.json"


def _segment_names(records: Sequence[Record]) -> list[str]:
    """The segments of a commit's records, in the order a core joins them (by source, then segment)."""
    ordered = sorted(records, key=lambda r: (r["source"], r["segment"]))
    return list(dict.fromkeys(record["segment"] for record in ordered))


def _joined_name(names: Sequence[str]) -> str:
    """The file name (without ``.npz``) of the joined segment of these segments, in this order.

    Segment files are content-addressed and never change, so their names decide the joined content. It is
    not a live segment: garbage collection keeps it for one more commit, whose first reader takes from it what
    did not change (``Index._join``), and then removes it.
    """
    return "joined-" + hashlib.sha256("\n".join(names).encode("utf-8")).hexdigest()[:24]


def _read_joined(path: Path, names: Sequence[str]) -> Segment | None:
    """The joined segment of ``names`` cached at ``path``; None if there is none, or it is damaged or foreign
    (then the segments are loaded, and the cache written again)."""
    try:
        joined = Segment.load(path)
    except (OSError, ValueError, KeyError):
        return None
    return joined if [name for name, _ in joined.parts] == list(names) else None


@contextmanager
def _creation_lock(path: Path) -> Iterator[None]:
    """Hold the lock on creating the index folder ``path``: a lock file ``.NAME.lock`` beside it.

    Raises:
        IndexLockedError: another process held it for ``_WRITE_TIMEOUT`` seconds.
        IndexNotFoundError: its parent folder cannot be made (a file is in the way, no permission).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        in_the_way = next((p for p in path.parents if p.exists()), None)
        reason = f"{in_the_way} is not a folder" if in_the_way and not in_the_way.is_dir() else exc.strerror or str(exc)
        raise IndexNotFoundError(
            f"cannot make the folder {path.parent} for the index at {path} ({reason}); choose another place for it",
            path=path,
        ) from None
    with _file_lock(path.parent, f".{path.name}.lock", f"creating the index at {path}", index=path, delay=0.05):
        yield


def _racy_window(mtime: int) -> int:
    """How old (ns) a folder's mtime must have been at a listing for an unchanged mtime to prove nothing was
    committed since (``Index._latest_generation``): more than a tick of the file system's clock."""
    return 2_000_000_000 if mtime % 1_000_000_000 == 0 else 100_000_000


def _latest_toc(path: Path) -> int:
    """The latest whoosh generation in ``path`` (-1 if none): what whoosh's own ``latest_generation`` lists."""
    try:
        names = os.listdir(path)
    except OSError:
        return -1
    return max((int(m.group(1)) for m in map(_TOC.match, names) if m), default=-1)


def _write_json(path: Path, data: Any) -> None:
    """Write JSON atomically and durably: a temporary file, flushed to disk, renamed over ``path``."""
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _write_meta(path: Path) -> None:
    meta = {"schema_version": SCHEMA_VERSION, "analyzer": analyzer_fingerprint(), "lawsearch": __version__}
    _write_json(path / META_FILE, meta)


def _read_meta(path: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def _damaged_index(path: Path) -> bool:
    """Whether ``path`` holds a lawsearch index whose ``lawsearch.json`` is missing or unreadable: its commits
    (whoosh's TOC and lawsearch's manifests) are there. Such a folder may be rebuilt; a folder of others' files not."""
    return _latest_toc(path) >= 0 and any(path.glob("manifest-*.json"))


def _path_argument(value: str | os.PathLike[str], name: str) -> str | os.PathLike[str]:
    """``value`` if it is a path (a string or ``pathlib.Path``).

    Raises:
        InvalidArgumentError: it is not.
    """
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
        raise InvalidArgumentError(f"{name} must be a path (a string or pathlib.Path), got {value!r}")
    return value


def _items(value: Iterable[Any], name: str) -> Iterable[Any]:
    """``value`` if it is an iterable of items, not a string (which would iterate its characters).

    Raises:
        InvalidArgumentError: it is a string, bytes or not iterable.
    """
    if isinstance(value, (str, bytes, os.PathLike)) or not isinstance(value, Iterable):
        raise InvalidArgumentError(f"{name} must be a list, got {value!r}")
    return value


def _check_unique(documents: Sequence[ParsedDocument]) -> None:
    """Raise ``InvalidArgumentError`` if two of ``documents`` share a document id or a passage id."""
    documents_seen: set[str] = set()
    passages_seen: set[str] = set()
    for parsed in documents:
        if parsed.document.id in documents_seen:
            raise InvalidArgumentError(f"two documents have the id {parsed.document.id!r}; ids must be unique")
        documents_seen.add(parsed.document.id)
        for passage in parsed.passages:
            if passage.id in passages_seen:
                raise InvalidArgumentError(f"two passages have the id {passage.id!r}; ids must be unique")
            passages_seen.add(passage.id)


def _check_text(parsed: ParsedDocument) -> None:
    """Raise ``IngestError`` for the first string of ``parsed`` that has a lone surrogate (which cannot be stored)."""
    document = parsed.document
    named = [("document id", document.id), ("title", document.title), ("path", document.path), ("org", document.org)]
    named += [("region", document.region), ("province", document.province), ("city", document.city)]
    named += [("publisher", document.publisher), ("published", document.published)]
    named += [("collection", document.collection), *((f"metadata {k!r}", f"{k}{v}") for k, v in document.metadata)]
    for passage in parsed.passages:
        named += [(f"passage {passage.id!r}", passage.id), (f"passage {passage.id!r}", passage.text)]
        named += [(f"section of passage {passage.id!r}", heading) for heading in passage.section]
    for what, text in named:
        bad = lone_surrogate(text)
        if bad is not None:
            raise IngestError(
                f"document {document.id!r}: the {what} has {bad[1]} at character {bad[0] + 1}; decode the text "
                "with its own encoding (lawsearch.read_file does) or remove that character"
            )


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

    Raises:
        InvalidArgumentError: ``corpus`` is not a path (one path: the command line keys an index of several
            corpora by the first).
    """
    corpus = Path(_path_argument(corpus, "corpus")).expanduser().resolve()
    key = hashlib.sha256(path_text(corpus).encode("utf-8")).hexdigest()[:12]
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
