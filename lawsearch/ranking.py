"""The ranking core (排序核心): passages, postings and BM25F statistics in numpy arrays.

A *segment* holds everything one source file contributed: its passages (text and metadata), its documents, and
for each text field an inverted index in CSR form — for term ``t``, ``docs[offsets[t]:offsets[t + 1]]`` are the
passages that contain it, ``tf[...]`` how often, and ``cited[...]`` the same count where every occurrence is
inside a cited title 《…》 (``analysis.cited_tokens``), else 0: ranking counts those at ``Weights.cited`` — plus
each passage's exact field lengths. Segments are written once (content-addressed ``.npz`` files of one member, every
array packed into it: ``Segment.save``) and never changed;
``Core.merge`` joins the live segments into one in-memory core that a search reads without touching whoosh.

Fields: ``body`` (the passage text, jieba index-mode terms), ``title`` (document title), ``section`` (the
headings of the section path), ``org`` and ``region`` (filters only).
"""

from __future__ import annotations

import functools
import json
import math
import re
import threading
import uuid
import zipfile
import zlib
from array import array
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from itertools import repeat
from pathlib import Path
from typing import Any, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from lawsearch.analysis import cited_tokens, fold, heading_tokens, is_article_word, term_spans, term_spans_and_words
from lawsearch.citations import canonical_law_name, extract_citations
from lawsearch.compiled import speedups
from lawsearch.models import Document, ParsedDocument, Passage, trusted_passage
from lawsearch.sections import KINDS, section_kind

__all__ = ["FIELDS", "SCORED_FIELDS", "Core", "Segment", "build_segment"]

FIELDS = ("body", "title", "section", "org", "region")
SCORED_FIELDS = ("body", "title", "section")
#: Separates passages in the folded text that phrase queries scan; never part of a passage.
PASSAGE_SEPARATOR = "\x00"
_TABLES = 4  # weightings whose ScoreTable a core keeps
_MEMOS = 256  # values ``Core.memo`` keeps
_MISSING = object()
_T = TypeVar("_T")

IntArray = npt.NDArray[np.int64]


@attrs.frozen
class Postings:
    """One field's inverted index (CSR over term ids) and each passage's exact length in that field."""

    offsets: IntArray
    docs: npt.NDArray[np.int32]
    tf: npt.NDArray[np.float32]
    lengths: npt.NDArray[np.float32]
    cited: npt.NDArray[np.float32]  # each entry's tf where every occurrence is inside a cited title, else 0

    def of(self, term_id: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        start, end = _row(self.offsets, term_id)
        return self.docs[start:end], self.tf[start:end]

    def weighted_tf(self, cited: float) -> npt.NDArray[np.float32]:
        """Every entry's tf, the occurrences of an entry whose every occurrence is cited counted ``cited`` each."""
        if cited == 1.0 or not self.cited.any():
            return self.tf
        counted: npt.NDArray[np.float32] = _counted(self.tf, self.cited, np.float32(cited))
        return counted


def _counted(tf: Any, only_cited: Any, cited: Any) -> Any:
    """tf (an entry's, or an array of them) with the occurrences of a term its passage has only inside cited
    titles (``only_cited``: that tf, else 0) counted ``cited`` each."""
    return tf - (1 - cited) * only_cited


def _row(offsets: IntArray | list[int], term_id: int | None) -> tuple[int, int]:
    """Where term ``term_id``'s entries are in a CSR's arrays: ``start:end`` (empty for None or an unknown id)."""
    if term_id is None or term_id >= len(offsets) - 1:
        return 0, 0
    return offsets[term_id], offsets[term_id + 1]


def row_entry(docs: npt.NDArray[np.int32], row: int) -> int:
    """Where passage ``row`` is in a term's ascending ``docs``, or -1 if the term is not in it."""
    at = int(np.searchsorted(docs, row))
    return at if at < len(docs) and docs[at] == row else -1


_NO_DOCS = np.zeros(0, dtype=np.int32)
_NO_TF = np.zeros(0, dtype=np.float32)


@attrs.frozen
class ScoreTable:
    """One weighting's BM25F contribution of every term to every passage that has it, in CSR form over term ids
    (as ``Postings``, but over the scored fields together): ``scores[offsets[t]:offsets[t + 1]]`` for the passages
    ``docs[...]`` (ascending)."""

    offsets: IntArray
    docs: npt.NDArray[np.int32]
    scores: npt.NDArray[np.float64]
    # the offsets as Python ints: a query slices a dozen rows, and a numpy scalar slices slower than an int
    bounds: list[int] = attrs.field(eq=False, repr=False)

    @bounds.default
    def _bounds(self) -> list[int]:
        return self.offsets.tolist()  # type: ignore[no-any-return]

    def of(self, term_id: int | None) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]:
        """The passages that have term ``term_id`` and its contribution to each (none for None, an unknown id)."""
        start, end = _row(self.bounds, term_id)
        return self.docs[start:end], self.scores[start:end]


def _add_postings(
    summed: npt.NDArray[np.float64],
    counts: npt.NDArray[np.intp],
    table: ScoreTable,
    parts: Sequence[tuple[int, int, float]],
    counted: int,
) -> None:
    """Add each part's entries ``table[start:end]``, times its weight, to ``summed``, and count the passages of the
    first ``counted`` parts in ``counts`` (``_speedups.add_postings`` is this, compiled: the same additions in
    the same order, the same floats, as a test checks). One bincount over all parts is about four times faster
    than a fancy-indexed add per term."""
    docs = np.concatenate([table.docs[start:end] for start, end, _ in parts])
    weights = np.concatenate([table.scores[start:end] for start, end, _ in parts])
    at = 0
    for start, end, weight in parts:  # each term's weight, on its slice in place
        if weight != 1.0:
            weights[at : at + end - start] *= weight
        at += end - start
    # with weights, bincount sums float64 (numpy's stubs say int)
    summed += np.bincount(docs, weights=weights, minlength=len(summed))
    if counted:
        counts += np.bincount(docs[: sum(end - start for start, end, _ in parts[:counted])], minlength=len(counts))


@functools.lru_cache(maxsize=8)
def _zeros(size: int) -> npt.NDArray[np.intp]:
    """A read-only array of ``size`` zeros (no term counted: one shared array, not one per query)."""
    zeros = np.zeros(size, dtype=np.intp)
    zeros.flags.writeable = False
    return zeros


@attrs.frozen
class Segment:
    """The passages of one source and their postings (see the module docstring)."""

    terms: list[str]
    postings: dict[str, Postings]
    texts: list[str]
    passages: list[dict[str, Any]]  # id, document (index into documents), number, section, is_heading
    documents: list[dict[str, Any]]  # Document fields
    word_starts: npt.NDArray[np.bool_]  # over the texts joined by PASSAGE_SEPARATOR: a word starts here
    # each heading of the section paths → its tokens (start, -end, term), as the highlighter wants them: found
    # at build time, so a search never segments a heading (segments written before 2026-11-30 have none)
    headings: dict[str, tuple[tuple[int, int, str], ...]] = attrs.field(factory=dict)
    # a joined segment (``join``, as the index caches it): the segments it holds, in order, with their passage counts
    parts: tuple[tuple[str, int], ...] = ()

    def save(self, path: Path) -> None:
        """Write the segment as one ``.npz`` holding one array, ``segment``: every array of the segment packed
        into one buffer (``_pack_arrays``), deflated by the zip. One member, not one per array: numpy reads each
        member of an ``.npz`` at about 0.2 ms (a zip entry, a header parsed with ``ast``), which was 5 of the
        7 ms of loading a small segment, and an index of 2,000 reports loads 2,000 segments."""
        arrays: dict[str, npt.NDArray[Any]] = {
            "terms": _utf8("\n".join(self.terms)),
            "texts": _utf8(PASSAGE_SEPARATOR.join(self.texts)),
            "meta": _utf8(
                json.dumps(
                    {
                        "passages": self.passages,
                        "documents": self.documents,
                        "headings": self.headings,
                        **({"parts": self.parts} if self.parts else {}),
                    },
                    ensure_ascii=False,
                )
            ),
            "word_starts": np.packbits(self.word_starts),
        }
        for field, postings in self.postings.items():
            arrays[f"{field}_offsets"] = postings.offsets
            arrays[f"{field}_docs"] = _delta_encode(postings.docs, postings.offsets)
            arrays[f"{field}_tf"] = postings.tf.astype(np.uint16)
            arrays[f"{field}_lengths"] = postings.lengths.astype(np.uint32)
            arrays[f"{field}_cited"] = postings.cited.astype(np.uint16)
        tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")  # readers that cache a joined one may race
        try:
            with open(tmp, "wb") as handle:
                np.savez_compressed(handle, segment=_pack_arrays(arrays))
                handle.flush()
            tmp.replace(path)
        except BaseException:  # a full disk, Ctrl-C: no partial file left behind
            tmp.unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> Segment:
        """Read a segment file (never unpickles).

        Raises:
            OSError: the file cannot be opened.
            ValueError: it is not a whole, valid segment (truncated, corrupted, another format).
        """
        with open(path, "rb") as handle:
            try:
                return cls._read(handle)
            except (KeyError, EOFError, zipfile.BadZipFile, zlib.error, UnicodeDecodeError, ValueError) as exc:
                if "allow_pickle" in str(exc):  # numpy's advice to load pickles is the wrong advice here
                    raise ValueError("it holds pickled data, which lawsearch never loads") from None
                raise ValueError(f"{type(exc).__name__}: {exc}") from None

    @staticmethod
    def check(path: Path) -> None:
        """Check that a segment file is whole without loading it: a zip whose members match their CRCs (about
        0.3 ms for a small segment; loading takes 1 ms and more).

        Raises:
            OSError: the file cannot be opened.
            ValueError: it is truncated, corrupted or not a zip.
        """
        try:
            with zipfile.ZipFile(path) as archive:
                damaged = archive.testzip()
        except (EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise ValueError(f"{type(exc).__name__}: {exc}") from None
        if damaged is not None:
            raise ValueError(f"its member {damaged} does not match its checksum")

    @classmethod
    def _read(cls, handle: Any) -> Segment:
        with np.load(handle, allow_pickle=False) as data:
            if data.files == ["segment"]:
                arrays = _unpack_arrays(data["segment"])
                terms_text = arrays["terms"].tobytes().decode("utf-8")
                texts_blob = arrays["texts"].tobytes().decode("utf-8")
                meta_text = arrays["meta"].tobytes().decode("utf-8")
            else:  # written before 2026-11-30: one member per array, text zlib-compressed inside
                arrays = {name: data[name] for name in data.files}
                terms_text, texts_blob, meta_text = (_unzip(arrays[name]) for name in ("terms", "texts", "meta"))
        terms = terms_text.split("\n") if terms_text else []
        meta = json.loads(meta_text)
        postings = {}
        for field in FIELDS:
            offsets = arrays[f"{field}_offsets"].astype(np.int64)
            postings[field] = Postings(
                offsets=offsets,
                docs=_delta_decode(arrays[f"{field}_docs"], offsets),
                tf=arrays[f"{field}_tf"].astype(np.float32),
                lengths=arrays[f"{field}_lengths"].astype(np.float32),
                cited=arrays[f"{field}_cited"].astype(np.float32),
            )
        word_starts = np.unpackbits(arrays["word_starts"], count=len(texts_blob)).astype(bool)
        texts = texts_blob.split(PASSAGE_SEPARATOR) if meta["passages"] else []
        for passage in meta["passages"]:
            # a tuple, as built: then a passage's metadata holds nothing the garbage collector must keep
            # tracking (it stops visiting such tuples and dicts), so a full collection does not walk every passage
            passage["section"] = tuple(passage["section"])
        headings = {
            heading: tuple((start, negative_end, term) for start, negative_end, term in tokens)
            for heading, tokens in meta.get("headings", {}).items()
        }
        parts = tuple((name, count) for name, count in meta.get("parts", ()))
        return cls(terms, postings, texts, meta["passages"], meta["documents"], word_starts, headings, parts)

    @classmethod
    def join(cls, segments: Iterable[Segment]) -> Segment:
        """One segment of the passages of ``segments``, in the order given (their terms in one vocabulary)."""
        segments = list(segments)
        if len(segments) == 1:
            return segments[0]
        vocabulary: dict[str, int] = {}
        remaps = [
            np.array([vocabulary.setdefault(term, len(vocabulary)) for term in seg.terms], dtype=np.int64)
            for seg in segments
        ]
        bases = np.cumsum([0] + [len(seg.texts) for seg in segments])
        doc_bases = np.cumsum([0] + [len(seg.documents) for seg in segments])
        postings = {}
        for field in FIELDS:
            terms, docs, tfs, lengths, cited = [], [], [], [], []
            for seg, remap, base in zip(segments, remaps, bases):
                p = seg.postings[field]
                terms.append(np.repeat(remap, np.diff(p.offsets)) if len(remap) else np.zeros(0, np.int64))
                docs.append(p.docs.astype(np.int64) + base)
                tfs.append(p.tf)
                lengths.append(p.lengths)
                cited.append(p.cited)
            term_arr, doc_arr = np.concatenate(terms), np.concatenate(docs)
            order = np.lexsort((doc_arr, term_arr))
            offsets = np.zeros(len(vocabulary) + 1, dtype=np.int64)
            np.cumsum(np.bincount(term_arr, minlength=len(vocabulary)), out=offsets[1:])
            postings[field] = Postings(
                offsets,
                doc_arr[order].astype(np.int32),
                np.concatenate(tfs)[order],
                np.concatenate(lengths),
                np.concatenate(cited)[order],
            )
        passages = []
        for seg, doc_base in zip(segments, doc_bases):
            for meta in seg.passages:
                passages.append({**meta, "document": meta["document"] + int(doc_base)})
        documents = [doc for seg in segments for doc in seg.documents]
        texts = [text for seg in segments for text in seg.texts]
        separator = np.ones(len(PASSAGE_SEPARATOR), dtype=bool)
        pieces = [piece for seg in segments if seg.texts for piece in (separator, seg.word_starts)][1:]
        word_starts = np.concatenate(pieces) if pieces else np.zeros(0, dtype=bool)
        headings = {heading: tokens for seg in segments for heading, tokens in seg.headings.items()}
        return cls(list(vocabulary), postings, texts, passages, documents, word_starts, headings)

    def take(self, start: int, stop: int) -> Segment:
        """Passages ``start:stop`` as a segment of their own: whole parts of a joined segment (their documents
        hold no passage outside the range), so that a new join can reuse them instead of loading each part.

        Its terms keep this segment's order (a fresh join may order them otherwise: no score depends on it).
        """
        passages = self.passages[start:stop]
        if not passages:
            raise ValueError(f"no passages in rows {start}:{stop} of the segment")
        first, last = passages[0]["document"], passages[-1]["document"]
        lengths = np.fromiter((len(text) for text in self.texts), dtype=np.int64, count=len(self.texts))
        lengths += len(PASSAGE_SEPARATOR)
        begin = int(lengths[:start].sum())
        end = begin + int(lengths[start:stop].sum()) - len(PASSAGE_SEPARATOR)
        kept: dict[str, tuple[IntArray, npt.NDArray[np.bool_]]] = {}
        used = np.zeros(len(self.terms), dtype=bool)
        for field in FIELDS:
            postings = self.postings[field]
            term_of = np.repeat(np.arange(len(self.terms), dtype=np.int64), np.diff(postings.offsets))
            inside = (postings.docs >= start) & (postings.docs < stop)
            kept[field] = (term_of[inside], inside)
            used[term_of[inside]] = True
        renumbered = np.cumsum(used) - 1
        terms = [term for term, keep in zip(self.terms, used) if keep]
        fields = {}
        for field in FIELDS:
            postings, (term_of, inside) = self.postings[field], kept[field]
            offsets = np.zeros(len(terms) + 1, dtype=np.int64)
            np.cumsum(np.bincount(renumbered[term_of], minlength=len(terms)), out=offsets[1:])
            fields[field] = Postings(
                offsets,
                (postings.docs[inside] - start).astype(np.int32),
                postings.tf[inside],
                postings.lengths[start:stop],
                postings.cited[inside],
            )
        headings = {h: self.headings[h] for p in passages for h in p["section"] if h in self.headings}
        return Segment(
            terms,
            fields,
            self.texts[start:stop],
            [{**passage, "document": passage["document"] - first} for passage in passages],
            self.documents[first : last + 1],
            self.word_starts[begin:end],
            headings,
        )


_ALIGN = 8  # each packed array starts at a multiple of this, so viewing it needs no copy


def _pack_arrays(arrays: Mapping[str, npt.NDArray[Any]]) -> npt.NDArray[np.uint8]:
    """1-D arrays as one byte array: a uint32 header length, a JSON header of ``[name, dtype, length]``, and each
    array's bytes (little-endian) at the next multiple of ``_ALIGN``."""
    header = json.dumps([[name, values.dtype.newbyteorder("<").str, len(values)] for name, values in arrays.items()])
    head = header.encode("ascii")
    places, at = [], 4 + len(head)
    for values in arrays.values():
        at += -at % _ALIGN
        places.append(at)
        at += values.nbytes
    packed = np.zeros(at, dtype=np.uint8)  # filled in place: one copy of each array, not two
    packed[:4] = np.frombuffer(np.uint32(len(head)).astype("<u4").tobytes(), dtype=np.uint8)
    packed[4 : 4 + len(head)] = np.frombuffer(head, dtype=np.uint8)
    for place, values in zip(places, arrays.values()):
        packed[place : place + values.nbytes].view(values.dtype.newbyteorder("<"))[:] = values
    return packed


def _unpack_arrays(packed: npt.NDArray[np.uint8]) -> dict[str, npt.NDArray[Any]]:
    """The arrays of ``_pack_arrays`` (read-only views of ``packed``).

    Raises:
        ValueError: ``packed`` is cut short or its header is not what ``_pack_arrays`` writes.
    """
    buffer = np.ascontiguousarray(packed, dtype=np.uint8)
    if len(buffer) < 4:
        raise ValueError("the segment is cut short")
    size = int(np.frombuffer(buffer, dtype="<u4", count=1)[0])
    header = json.loads(buffer[4 : 4 + size].tobytes().decode("ascii"))
    arrays = {}
    at = 4 + size
    if not isinstance(header, list) or not all(
        isinstance(item, list) and len(item) == 3 and isinstance(item[1], str) and isinstance(item[2], int)
        for item in header
    ):
        raise ValueError("the segment's header is not a list of [name, dtype, length]")
    for name, dtype, length in header:
        at += -at % _ALIGN
        try:
            kind = np.dtype(dtype)
        except TypeError:
            raise ValueError(f"array {name!r} of the segment has no known type ({dtype!r})") from None
        if kind.hasobject or length < 0 or at + kind.itemsize * length > len(buffer):
            raise ValueError(f"array {name!r} of the segment is cut short or not plain data")
        arrays[name] = np.frombuffer(buffer, dtype=kind, count=length, offset=at)
        at += kind.itemsize * length
    return arrays


def _utf8(text: str) -> npt.NDArray[np.uint8]:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _unzip(array: npt.NDArray[np.uint8]) -> str:
    """The text of a segment written before 2026-11-30 (zlib-compressed UTF-8)."""
    return zlib.decompress(array.tobytes()).decode("utf-8")


def _delta_encode(docs: npt.NDArray[np.int32], offsets: IntArray) -> npt.NDArray[np.uint32]:
    """Each posting list's doc ids as gaps (small numbers compress well); the first of a list stays absolute."""
    deltas = np.diff(docs.astype(np.int64), prepend=0)
    starts = offsets[:-1][offsets[:-1] < offsets[1:]]
    deltas[starts] = docs[starts]
    return deltas.astype(np.uint32)


def _delta_decode(deltas: npt.NDArray[np.uint32], offsets: IntArray) -> npt.NDArray[np.int32]:
    running = np.cumsum(deltas.astype(np.int64))
    # subtract, within each list, what the lists before it added
    starts = offsets[:-1][offsets[:-1] < offsets[1:]]
    base = np.zeros(len(deltas), dtype=np.int64)
    if len(starts):
        before = running[starts] - deltas[starts].astype(np.int64)
        lengths = np.diff(np.append(starts, len(deltas)))
        base = np.repeat(before, lengths)
    return (running - base).astype(np.int32)


# --- building ------------------------------------------------------------------------------------------------


def build_segment(documents: Sequence[ParsedDocument]) -> Segment:
    """Analyze the documents' passages and build their segment.

    Titles, sections, organizations and regions repeat across passages: each distinct string is analyzed once.
    """
    vocabulary: dict[str, int] = {}
    texts: list[str] = []
    passages: list[dict[str, Any]] = []
    docs_meta: list[dict[str, Any]] = []
    # array('q'), not lists: 8 bytes a token instead of ~36 (a 100,000-article build stays well under 1 GB)
    pairs: dict[str, tuple[array[int], array[int]]] = {field: (array("q"), array("q")) for field in FIELDS}
    body_cited: array[int] = array("b")  # 1 for each body token inside a cited title, else 0
    cache: dict[str, list[int]] = {}
    word_starts: array[int] = array("q")
    offset = 0

    def term_ids(text: str) -> list[int]:
        return [vocabulary.setdefault(term, len(vocabulary)) for _, _, term in term_spans(text)]

    def cached_ids(text: str) -> list[int]:
        ids = cache.get(text)
        if ids is None:
            ids = cache[text] = term_ids(text)
        return ids

    for parsed in documents:
        doc_index = len(docs_meta)
        docs_meta.append(parsed.document.to_fields())
        doc = parsed.document
        for passage in parsed.passages:
            row = len(texts)
            texts.append(passage.text)
            passages.append(
                {
                    "id": passage.id,
                    "document": doc_index,
                    "number": passage.number,
                    "section": tuple(passage.section),
                    "is_heading": passage.is_heading,
                }
            )
            body, starts = term_spans_and_words(passage.text)
            word_starts.extend(offset + start for start in starts)
            offset += len(passage.text) + len(PASSAGE_SEPARATOR)
            body_ids = [vocabulary.setdefault(term, len(vocabulary)) for _, _, term in body]
            cited = cited_tokens(passage.text, body)
            body_cited.extend(bytes(len(body)) if cited is None else bytes(cited))
            for field, ids in (
                ("body", body_ids),
                ("title", cached_ids(doc.title)),
                ("section", cached_ids(" ".join(passage.section))),
                ("org", cached_ids(doc.org)),
                ("region", cached_ids(doc.region)),
            ):
                terms, rows = pairs[field]
                terms.extend(ids)
                rows.extend(repeat(row, len(ids)))
    count = len(texts)
    postings = {
        field: _csr(
            np.frombuffer(terms, dtype=np.int64),
            np.frombuffer(rows, dtype=np.int64),
            len(vocabulary),
            count,
            np.frombuffer(body_cited, dtype=np.int8) if field == "body" else None,
        )
        for field, (terms, rows) in pairs.items()
    }
    terms_by_id = sorted(vocabulary, key=vocabulary.__getitem__)
    starts_mask = np.zeros(max(offset - len(PASSAGE_SEPARATOR), 0), dtype=bool)
    starts_mask[np.frombuffer(word_starts, dtype=np.int64)] = True
    headings = {
        heading: heading_tokens(heading)
        for heading in dict.fromkeys(heading for passage in passages for heading in passage["section"])
    }
    return Segment(terms_by_id, postings, texts, passages, docs_meta, starts_mask, headings)


def _weighting(fields: Mapping[str, tuple[float, float]], k1: float, lucene: bool, cited: float) -> Hashable:
    """What a term's cached BM25F contributions depend on besides the term: the scored fields, k1, the formula,
    what a cited occurrence counts."""
    return (tuple((f, w, b) for f, (w, b) in fields.items() if w > 0), k1, lucene, cited)


def _csr(
    terms: IntArray, rows: IntArray, vocabulary: int, count: int, cited: npt.NDArray[np.int8] | None = None
) -> Postings:
    """Postings from parallel (term id, passage row) arrays, one entry per token; ``cited``: 1 for each token
    inside a cited title (none by default), of which the entries keep the count where every occurrence is one."""
    lengths = np.bincount(rows, minlength=count).astype(np.float32)
    token_keys = terms * max(count, 1) + rows
    keys, tf = np.unique(token_keys, return_counts=True)
    cited_tf = np.zeros(len(keys))
    if cited is not None:  # few tokens are cited: find their entries rather than invert the whole sort
        cited_tf = np.bincount(np.searchsorted(keys, token_keys[cited.view(bool)]), minlength=len(keys)).astype(float)
        cited_tf[cited_tf < tf] = 0  # a term the passage also uses outside the titles it cites: all count fully
    term_of = keys // max(count, 1)
    offsets = np.zeros(vocabulary + 1, dtype=np.int64)
    np.cumsum(np.bincount(term_of, minlength=vocabulary), out=offsets[1:])
    return Postings(
        offsets, (keys % max(count, 1)).astype(np.int32), tf.astype(np.float32), lengths, cited_tf.astype(np.float32)
    )


# --- the merged, searchable core ------------------------------------------------------------------------------


@attrs.define
class Core:
    """All live segments joined: global passage numbers, one vocabulary, one CSR per field."""

    vocabulary: dict[str, int]
    postings: dict[str, Postings]
    texts: list[str]
    passages: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    passage_document: npt.NDArray[np.int32]
    years: npt.NDArray[np.int32]
    ids: dict[str, int]
    word_starts: npt.NDArray[np.bool_]
    # the segments joined, in row order: (segment name, its passage count); set by the index that loads them
    segments: tuple[tuple[str, int], ...] = ()
    # each heading → the terms among its tokens, and its tokens (start, -end, term) (``Segment.headings``)
    headings: dict[str, tuple[frozenset[str], tuple[tuple[int, int, str], ...]]] = attrs.field(factory=dict)
    _folded: str | None = None
    _starts: IntArray | None = None
    _word_start_bytes: bytes | None = None
    _start_list: list[int] = attrs.field(factory=list)  # ``_start_ints``
    _document_objects: dict[int, Document] = attrs.field(factory=dict)
    _passage_objects: dict[int, Passage] = attrs.field(factory=dict)
    _annotations: tuple[npt.NDArray[np.int8], list[tuple[str, ...]], list[tuple[str, ...]]] | None = None
    _titles: tuple[dict[str, int], npt.NDArray[np.int32]] | None = None
    _folded_fields: dict[str, list[str]] = attrs.field(factory=dict)
    _prefixes: frozenset[str] | None = None
    _articles: dict[str, npt.NDArray[np.intp]] | None = None
    # per weighting (fields, k1, formula): every term's BM25F contributions (a few recent weightings)
    _tables: dict[Hashable, ScoreTable] = attrs.field(factory=dict)
    _cache_lock: threading.Lock = attrs.field(factory=threading.Lock)
    _averages: dict[str, float] = attrs.field(factory=dict)
    # per (field, weight, b): weight / (1 − b + b · len / avglen) of each passage, BM25F's per-field factor
    _factors: dict[tuple[str, float, float], npt.NDArray[np.float64]] = attrs.field(factory=dict)
    _memos: dict[Hashable, Any] = attrs.field(factory=dict)  # ``memo``'s

    @property
    def size(self) -> int:
        return len(self.texts)

    @classmethod
    def merge(cls, segments: Iterable[Segment]) -> Core:
        """Join segments, in the order given, into one core."""
        return cls._from_one(Segment.join(segments))

    @classmethod
    def _from_one(cls, segment: Segment) -> Core:
        vocabulary = {term: i for i, term in enumerate(segment.terms)}
        return cls._assemble(
            vocabulary,
            segment.postings,
            segment.texts,
            segment.passages,
            segment.documents,
            segment.word_starts,
            segment.headings,
        )

    @classmethod
    def _assemble(
        cls,
        vocabulary: dict[str, int],
        postings: dict[str, Postings],
        texts: list[str],
        passages: list[dict[str, Any]],
        documents: list[dict[str, Any]],
        word_starts: npt.NDArray[np.bool_],
        headings: dict[str, tuple[tuple[int, int, str], ...]] | None = None,
    ) -> Core:
        passage_document = np.array([p["document"] for p in passages], dtype=np.int32)
        headings = headings or {}
        doc_years = np.array([d["year"] or 0 for d in documents] or [0], dtype=np.int32)
        return cls(
            vocabulary=vocabulary,
            postings=postings,
            texts=texts,
            passages=passages,
            documents=documents,
            passage_document=passage_document,
            years=doc_years[passage_document] if len(passages) else np.zeros(0, np.int32),
            ids={p["id"]: i for i, p in enumerate(passages)},
            word_starts=word_starts,
            headings={heading: (frozenset(t for _, _, t in tokens), tokens) for heading, tokens in headings.items()},
        )

    @classmethod
    def empty(cls) -> Core:
        none = Postings(np.zeros(1, np.int64), _NO_DOCS, _NO_TF, np.zeros(0, np.float32), _NO_TF)
        return cls._assemble({}, dict.fromkeys(FIELDS, none), [], [], [], np.zeros(0, dtype=bool))

    # --- reading -------------------------------------------------------------------------------------------

    def passage(self, row: int) -> Passage:
        found = self._passage_objects.get(row)
        if found is None:
            meta = self.passages[row]
            found = self._passage_objects[row] = trusted_passage(
                meta["id"],
                self.documents[meta["document"]]["id"],
                meta["number"],
                self.texts[row],
                tuple(meta["section"]),
                meta["is_heading"],
            )
        return found

    def document(self, index: int) -> Document:
        found = self._document_objects.get(index)
        if found is None:
            found = self._document_objects[index] = Document(**self.documents[index])
        return found

    def folded_text(self) -> tuple[str, IntArray]:
        """All passages folded and joined by PASSAGE_SEPARATOR, and where each one starts (for phrase scans)."""
        if self._folded is None:
            self._folded = fold(PASSAGE_SEPARATOR.join(self.texts))
        return self._folded, self.starts()

    def starts(self) -> IntArray:
        """Where each passage starts in the texts joined by PASSAGE_SEPARATOR."""
        if self._starts is None:
            lengths = np.array([len(t) + len(PASSAGE_SEPARATOR) for t in self.texts], dtype=np.int64)
            self._starts = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(lengths) else lengths
        return self._starts

    def title_names(self) -> tuple[dict[str, int], npt.NDArray[np.int32]]:
        """Each document title as ``cites:`` spells it (``citations.canonical_law_name``: 民法典 for
        中华人民共和国民法典) with a number, and each document's title's number (-1: none); computed once per core."""
        if self._titles is None:
            names: dict[str, int] = {}
            numbers = np.full(len(self.documents), -1, dtype=np.int32)
            for index, document in enumerate(self.documents):
                if document["title"]:
                    numbers[index] = names.setdefault(canonical_law_name(fold(document["title"])), len(names))
            self._titles = (names, numbers)
        return self._titles

    def folded_field(self, name: str) -> list[str]:
        """Each document's ``name`` field (org, region, title …) folded, "" where it has none (once per core)."""
        found = self._folded_fields.get(name)
        if found is None:
            found = self._folded_fields[name] = [fold(document.get(name) or "") for document in self.documents]
        return found

    def title_prefixes(self) -> frozenset[str]:
        """Every beginning of each of ``title_names`` (民, 民法, 民法典): a run of words that is none is no title."""
        if self._prefixes is None:
            names = self.title_names()[0]
            self._prefixes = frozenset(name[:end] for name in names for end in range(1, len(name) + 1))
        return self._prefixes

    def article_rows(self) -> dict[str, npt.NDArray[np.intp]]:
        """Each article number that ends a passage's section path (a law's article: 第十五条, as the JSONL field
        ``article_no`` puts it there) → the passages that are that article, ascending (computed once per core)."""
        if self._articles is None:
            rows: dict[str, list[int]] = {}
            for row, meta in enumerate(self.passages):
                section = meta["section"]
                if section and "条" in section[-1]:
                    heading = fold(section[-1]).strip()
                    if is_article_word(heading):
                        rows.setdefault(heading, []).append(row)
            self._articles = {heading: np.array(found, dtype=np.intp) for heading, found in rows.items()}
        return self._articles

    def section_kinds(self) -> npt.NDArray[np.int8]:
        """Each passage's section kind, as an index into ``sections.KINDS`` (computed once per core)."""
        return self._annotate()[0]

    def citations(self) -> list[tuple[str, ...]]:
        """Each passage's cited laws and documents: canonical names, in order, without repeats."""
        return self._annotate()[1]

    def cited_laws(self) -> list[tuple[str, ...]]:
        """Each passage's cited laws and regulations (not local documents): canonical names."""
        return self._annotate()[2]

    def _annotate(self) -> tuple[npt.NDArray[np.int8], list[tuple[str, ...]], list[tuple[str, ...]]]:
        # From headings and text, at the first search that needs them (~1 µs a passage): nothing to re-index
        # when the rules improve.
        if self._annotations is None:
            kind_number = {kind: number for number, kind in enumerate(KINDS)}
            kinds = np.zeros(self.size, dtype=np.int8)
            cited: list[tuple[str, ...]] = []
            laws: list[tuple[str, ...]] = []
            for row, meta in enumerate(self.passages):
                year = self.documents[meta["document"]]["year"]
                kinds[row] = kind_number[section_kind(tuple(meta["section"]), report_year=year)]
                found = extract_citations(self.texts[row]) if "《" in self.texts[row] else ()
                cited.append(tuple(dict.fromkeys(c.canonical for c in found)))
                laws.append(tuple(dict.fromkeys(c.canonical for c in found if c.is_law)))
            self._annotations = (kinds, cited, laws)
        return self._annotations

    def matching_text(self, row: int) -> tuple[str, bytes]:
        """For passage ``row``: its folded text, and a byte per character that is 1 where a word starts.

        Both are slices of the whole core's, folded and packed once (the first search that highlights), so
        highlighting a hit neither folds its text nor copies its word starts again.
        """
        if self._word_start_bytes is None:
            self._word_start_bytes = self.word_starts.tobytes()
        folded = self._folded if self._folded is not None else self.folded_text()[0]
        start = self._start_ints()[row]
        end = start + len(self.texts[row])
        return folded[start:end], self._word_start_bytes[start:end]

    def memo(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """``compute()``, kept for ``key`` with the last ``_MEMOS`` others: what one search asks for more than once
        (a keyword's passages with both its parts: for matching, for its phrase boost, for ``apart``) and the
        next page's search again. The value is shared: callers must not change it."""
        found = self._memos.get(key, _MISSING)
        if found is _MISSING:
            found = compute()
            if len(self._memos) >= _MEMOS:
                self._memos.clear()
            self._memos[key] = found
        return found  # type: ignore[no-any-return]

    def _start_ints(self) -> list[int]:
        """``starts()`` as Python ints (a passage's slice of the joined text, for highlighting and ``say``)."""
        if len(self._start_list) != self.size:
            self._start_list = self.starts().tolist()
        return self._start_list

    def say(self, pattern: re.Pattern[str], rows: Iterable[int]) -> list[bool]:
        """Whether the folded text of each passage of ``rows`` has a match of ``pattern``: searched where it lies in
        the joined text (no copy; before and after it is the separator, no word character, as at a text's ends)."""
        folded = self._folded if self._folded is not None else self.folded_text()[0]
        search, starts, texts = pattern.search, self._start_ints(), self.texts
        return [search(folded, starts[row], starts[row] + len(texts[row])) is not None for row in rows]

    def word_starts_of(self, row: int) -> npt.NDArray[np.bool_]:
        """For passage ``row``: at which characters a word of the accurate cut starts."""
        start = int(self.starts()[row])
        return self.word_starts[start : start + len(self.texts[row])]

    # --- matching and scoring --------------------------------------------------------------------------------

    def _average(self, field: str) -> float:
        """The mean length of ``field`` over all passages (BM25's avgdl)."""
        average = self._averages.get(field)
        if average is None:
            average = self._averages[field] = max(
                float(self.postings[field].lengths.sum(dtype=np.float64)) / max(self.size, 1), 1e-9
            )
        return average

    def _factor(self, field: str, weight: float, b: float) -> npt.NDArray[np.float64]:
        """``weight / (1 − b + b · len(field, d) / avglen(field))`` for every passage d (computed once)."""
        key = (field, weight, b)
        factor = self._factors.get(key)
        if factor is None:
            lengths = self.postings[field].lengths.astype(np.float64)
            factor = weight / ((1 - b) + b * lengths / self._average(field))
            with self._cache_lock:
                self._factors[key] = factor
        return factor

    def _table(
        self, fields: Mapping[str, tuple[float, float]], k1: float, lucene: bool, cited: float = 1.0
    ) -> ScoreTable:
        """The weighting's ``ScoreTable``, built at its first use (0.1 s for the 24,434-article law corpus) and kept
        (the ``_TABLES`` most recent weightings): scoring a term is then a slice, whether the term is new or not."""
        weighting = _weighting(fields, k1, lucene, cited)
        table = self._tables.get(weighting)
        if table is None:
            table = self._build_table(fields, k1, lucene, cited)  # two threads may both build it: the same table
            with self._cache_lock:
                self._tables[weighting] = table
                if len(self._tables) > _TABLES:
                    self._tables.pop(next(iter(self._tables)))  # the oldest weighting
        return table

    def _build_table(
        self, fields: Mapping[str, tuple[float, float]], k1: float, lucene: bool, cited: float
    ) -> ScoreTable:
        """Every term's BM25F contribution to every passage that has it, in one vectorized pass.

        Each field's postings become sorted keys ``term · size + passage`` with ``tf · factor`` (tf with each
        cited occurrence counted ``cited``); the fields' keys
        are merged (a key already present adds its value, in field order, a new one is inserted), which is the
        per-term sum ``tf~`` of BM25F; then idf and saturation apply to all entries at once.
        """
        size, vocabulary = self.size, len(self.vocabulary)
        keys = np.zeros(0, dtype=np.int64)
        values = np.zeros(0, dtype=np.float64)
        for field, (weight, b) in fields.items():
            if weight <= 0 or not size:
                continue
            postings = self.postings[field]
            key = np.repeat(np.arange(len(postings.offsets) - 1, dtype=np.int64) * size, np.diff(postings.offsets))
            key += postings.docs
            value = postings.weighted_tf(cited) * self._factor(field, weight, b)[postings.docs]
            if not len(keys):
                keys, values = key, value
                continue
            at = np.searchsorted(keys, key)
            present = at < len(keys)
            present[present] = keys[at[present]] == key[present]
            values[at[present]] += value[present]  # keys are unique within a field: no position repeats
            absent = ~present
            keys = np.insert(keys, at[absent], key[absent])
            values = np.insert(values, at[absent], value[absent])
        terms = keys // max(size, 1)
        offsets = np.zeros(vocabulary + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=vocabulary), out=offsets[1:])
        df = np.diff(offsets)
        idf = np.log(1 + (size - df + 0.5) / (df + 0.5))
        saturation = values / (k1 + values) if lucene else values * (k1 + 1) / (k1 + values)
        saturation *= np.repeat(idf, df)
        return ScoreTable(offsets, (keys - terms * size).astype(np.int32), saturation)

    def term_scores(
        self,
        term: str,
        fields: Mapping[str, tuple[float, float]],
        *,
        k1: float,
        lucene: bool = False,
        cited: float = 1.0,
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]:
        """One term's BM25F contribution to each passage that has it (the passages, ascending, and the
        contributions)."""
        return self._table(fields, k1, lucene, cited).of(self.vocabulary.get(term))

    def explain_term(
        self,
        term: str,
        row: int,
        fields: Mapping[str, tuple[float, float]],
        *,
        k1: float,
        lucene: bool = False,
        cited: float = 1.0,
    ) -> tuple[dict[str, int], int, float, float, float]:
        """How ``term`` scores passage ``row``: its frequency per field (fields where it occurs), how many of those
        occurrences count ``cited`` (all when every one is inside a cited title, else none), the weighted,
        length-normalized frequency summed over fields (tf~), idf, and the contribution (as ``bm25f`` adds it)."""
        used = [(f, w, b) for f, (w, b) in fields.items() if w > 0]
        term_id = self.vocabulary.get(term)
        frequencies: dict[str, int] = {}
        in_titles = 0
        combined = 0.0
        if term_id is None:
            return frequencies, 0, 0.0, 0.0, 0.0
        for field, weight, b in used:
            postings = self.postings[field]
            start, end = _row(postings.offsets, term_id)
            at = row_entry(postings.docs[start:end], row)
            if at >= 0:
                at += start
                frequencies[field] = int(postings.tf[at])
                in_titles += int(postings.cited[at])
                weighted = _counted(postings.tf[at], postings.cited[at], cited)
                combined += float(weighted * self._factor(field, weight, b)[row])
        contribution = 0.0
        docs, scores = self.term_scores(term, fields, k1=k1, lucene=lucene, cited=cited)
        df = len(docs)
        idf = self.idf(df) if df else 0.0
        at = row_entry(docs, row)
        if at >= 0:
            contribution = float(scores[at])
        return frequencies, in_titles, combined, idf, contribution

    def idf(self, df: int) -> float:
        """BM25's idf of a term that ``df`` of the passages have: ln(1 + (N − df + 0.5) / (df + 0.5))."""
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def has(self, term: str) -> bool:
        """Whether some passage has ``term`` in a scored field."""
        term_id = self.vocabulary.get(term)
        for field in SCORED_FIELDS:
            start, end = _row(self.postings[field].offsets, term_id)
            if start < end:
                return True
        return False

    def term_mask(self, terms: str | Iterable[str], fields: Sequence[str]) -> npt.NDArray[np.bool_]:
        """Passages that contain ``terms`` (one term, or any of several) in any of ``fields``: one mask set at once."""
        mask = np.zeros(self.size, dtype=bool)
        vocabulary = self.vocabulary
        found = [
            docs
            for term in ((terms,) if isinstance(terms, str) else terms)
            if (term_id := vocabulary.get(term)) is not None
            for field in fields
            if len(docs := self.postings[field].of(term_id)[0])
        ]
        if found:
            mask[found[0] if len(found) == 1 else np.concatenate(found)] = True
        return mask

    def bm25f(
        self,
        terms: Sequence[str],
        fields: Mapping[str, tuple[float, float]],
        *,
        k1: float,
        lucene: bool = False,
        term_weights: Sequence[float] = (),
        count: int | None = None,
        cited: float = 1.0,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]:
        """BM25F scores of every passage for ``terms`` and how many of the first ``count`` terms (all by default)
        each passage matched.

        ``fields`` maps a field to ``(weight, b)``; fields of weight 0 are left out entirely (also from df).
        With ``lucene`` the saturation is Lucene's ``tf~ / (k1 + tf~)``, without the ``(k1 + 1)`` factor.
        ``cited``: what an occurrence counts in tf when every occurrence of the term in the passage is inside a
        cited title 《…》 (1: like any other).
        ``term_weights`` (1 for a missing one) multiply each term's contribution. With ``count=0`` the counts
        are one shared read-only array of zeros.
        """
        size = self.size
        if not size or not any(w > 0 for w, _ in fields.values()):
            return np.zeros(size, dtype=np.float64), np.zeros(size, dtype=np.intp)
        # each term's entries in the table, start:end, with its weight; the counted terms' first
        parts: list[tuple[int, int, float]] = []
        counted, counted_parts = len(terms) if count is None else count, 0
        table, vocabulary = self._table(fields, k1, lucene, cited), self.vocabulary
        for number, term in enumerate(terms):
            start, end = _row(table.bounds, vocabulary.get(term))
            if start < end:
                parts.append((start, end, term_weights[number] if number < len(term_weights) else 1.0))
                counted_parts += number < counted
        summed = np.zeros(size, dtype=np.float64)
        counts = np.zeros(size, dtype=np.intp) if counted_parts else _zeros(size)
        if speedups is not None:  # one pass over the entries, in C
            speedups.add_postings(
                summed, counts if counted_parts else None, table.docs, table.scores, parts, counted_parts
            )
        elif parts:
            _add_postings(summed, counts, table, parts, counted_parts)
        return summed, counts
