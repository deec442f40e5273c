"""Relevance evaluation: judged queries → rankings of lawsearch and reference rankers → graded metrics.

::

    python -m benchmarks.evaluate                     # STARD train over the shared law corpus
    python -m benchmarks.evaluate --seed              # the judged seed-report set (benchmarks/judgments/)
    python -m benchmarks.evaluate --system lawsearch --weights title=1,section=1 --weights coordination=0.5

The run reads like its data flow:

1. **corpus** → a lawsearch index, reused from the cache folder when the corpus's content, the analyzer
   fingerprint and the lawsearch version are the ones it was built with (``open_index``);
2. **judgments** → relevance grades by passage id: a ``qid<TAB>docid<TAB>grade`` file as is, or snippet
   judgments (``{"qid", "doc", "snippet", "grade"}`` JSONL) resolved against the index's passages, so that
   they survive changes of passage numbering (``resolve_judgments``);
3. **systems** rank every query, top ``LIMIT`` (``make_systems``): ``lawsearch`` (default ``Weights``),
   ``bm25`` (lawsearch with ``Weights.bm25(k1=1.3, b=0.75)``), ``reference`` (bm25s over plain jieba words
   minus STARD's stop words, k1=1.3, b=0.75: the issue's reference BM25), ``reference+title`` (the same with
   the document title before the text), and one ``lawsearch[...]`` per ``--weights`` variant;
4. **metrics** per query (``benchmarks.queries.query_metrics``: nDCG@10 with gain = grade, MRR@10, R@10,
   R@100, hit@1, hit@10), their means over the queries that have a relevant judgment, and each system's
   per-query nDCG@10 against the first system's (``evaluate``);
5. a table (``render``) and JSON with versions, paths and settings (``to_json``); only ``main`` prints.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import logging
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

import lawsearch
from benchmarks.corpus import REPO_ROOT, SHARED_CORPUS, CorpusNotFoundError, cache_dir, default_corpus
from benchmarks.queries import METRICS, SHARED_QUERIES, query_metrics
from benchmarks.report import _table  # the suite's table layout (CJK-aware widths), shared on purpose
from benchmarks.run import _commit, _versions  # the suite's provenance: git commit and package versions
from lawsearch import Weights
from lawsearch.analysis import import_jieba

if TYPE_CHECKING:
    from lawsearch import Index

__all__ = [
    "LIMIT",
    "REFERENCE_EXTRA_STOPWORDS",
    "SEED_JUDGMENTS_FILE",
    "SEED_QUERIES_FILE",
    "STARD_QRELS",
    "STARD_QUERIES",
    "STARD_STOPWORDS",
    "SYSTEMS",
    "EvaluationError",
    "Judgment",
    "JudgmentError",
    "Qrels",
    "System",
    "SystemResult",
    "evaluate",
    "lawsearch_system",
    "load_qrels",
    "main",
    "make_systems",
    "open_index",
    "parse_weights",
    "read_judgments",
    "read_qrels",
    "read_queries",
    "read_stopwords",
    "reference_system",
    "render",
    "resolve_judgments",
    "to_json",
]

#: Hits asked of every system per query (R@100 needs 100).
LIMIT = 100
STARD_QUERIES = SHARED_QUERIES  # ../shared/stard-train/queries.jsonl
STARD_DIR = STARD_QUERIES.parent
STARD_QRELS = STARD_DIR / "qrels.tsv"
STARD_STOPWORDS = STARD_DIR / "cn_stopwords.txt"
JUDGMENTS = REPO_ROOT / "benchmarks" / "judgments"
SEED_QUERIES_FILE = JUDGMENTS / "seed-queries.jsonl"
SEED_JUDGMENTS_FILE = JUDGMENTS / "seed-qrels.jsonl"
SEED_CORPUS = REPO_ROOT / "corpus"
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results" / "evaluate.json"
DEFAULT_SYSTEMS = ("lawsearch", "bm25", "reference")
#: What STARD's own BM25 baseline (``src/BM25/test.py``) removes besides ``cn_stopwords.txt``: newlines,
#: spaces, full-width parentheses and the debris of escaped newlines (``\\``, ``n``) in its corpus.
REFERENCE_EXTRA_STOPWORDS = ("\n", "\\", "n", " ", ".", "（", "）")
REFERENCE_K1 = 1.3
REFERENCE_B = 0.75
REFERENCE_METHOD = "lucene"

#: Relevance grades by query id, then passage id: 0 = judged not relevant, 1 = related, 2 = answers it.
Qrels = dict[str, dict[str, int]]
#: A query's text → passage ids, best first, at most ``limit``.
Ranker = Callable[[str, int], list[str]]
Progress = Callable[[str], None]


class EvaluationError(Exception):
    """The evaluation cannot run: missing or malformed input, an unknown system or weight. Exit status 2."""


class JudgmentError(EvaluationError, ValueError):
    """Snippet judgments that do not name exactly one passage each; ``problems`` holds one line per judgment."""

    def __init__(self, problems: Sequence[str]) -> None:
        shown = list(problems[:20]) + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
        super().__init__(f"{len(problems)} judgment(s) do not resolve to one passage:\n  " + "\n  ".join(shown))
        self.problems = tuple(problems)


# --- reading queries and judgments -------------------------------------------------------------------------------


@attrs.frozen
class Judgment:
    """One snippet judgment: the passage of document ``doc`` whose text contains ``snippet`` has ``grade``."""

    qid: str
    doc: str
    snippet: str
    grade: int
    where: str = ""  # file:line, for messages


def _json_lines(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except OSError as exc:
        raise EvaluationError(f"cannot read {path}: {exc.strerror}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvaluationError(f"{path}:{number}: invalid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(record, dict):
            raise EvaluationError(f"{path}:{number}: expected a JSON object, got {record!r}")
        yield number, record


def read_queries(path: str | Path) -> dict[str, str]:
    """Query texts by qid, in file order, from ``{"qid", "text"}`` JSONL.

    Raises:
        EvaluationError: unreadable file, invalid line, missing field or repeated qid (the message names the line).
    """
    path = Path(path)
    queries: dict[str, str] = {}
    for number, record in _json_lines(path):
        qid, text = record.get("qid"), record.get("text")
        if not isinstance(qid, (str, int)) or not isinstance(text, str) or not text.strip():
            raise EvaluationError(f"{path}:{number}: a query needs a 'qid' and a non-empty 'text', got {record!r}")
        if str(qid) in queries:
            raise EvaluationError(f"{path}:{number}: qid {str(qid)!r} repeats an earlier query; qids must be unique")
        queries[str(qid)] = text
    return queries


def read_qrels(path: str | Path) -> Qrels:
    """Grades from a ``qid<TAB>docid<TAB>grade`` file (blank lines and ``#`` comments skipped).

    Raises:
        EvaluationError: a line without three fields, a grade that is not an integer >= 0, or a repeated pair.
    """
    path = Path(path)
    qrels: Qrels = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EvaluationError(f"cannot read {path}: {exc.strerror}") from None
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.rstrip("\r").split("\t")
        if len(fields) != 3 or not fields[2].strip().isdigit():
            raise EvaluationError(f"{path}:{number}: expected qid<TAB>docid<TAB>grade (grade 0, 1, 2...), got {line!r}")
        qid, doc, grade = fields[0].strip(), fields[1].strip(), int(fields[2])
        if doc in qrels.setdefault(qid, {}):
            raise EvaluationError(f"{path}:{number}: {qid!r} {doc!r} is judged twice")
        qrels[qid][doc] = grade
    return qrels


def read_judgments(path: str | Path) -> list[Judgment]:
    """Snippet judgments from JSONL: ``{"qid", "doc", "snippet", "grade"}`` per line (other fields ignored).

    Raises:
        EvaluationError: a line lacks a field or has one of the wrong type.
    """
    path = Path(path)
    judgments = []
    for number, record in _json_lines(path):
        qid, doc, snippet, grade = (record.get(key) for key in ("qid", "doc", "snippet", "grade"))
        if (
            not isinstance(qid, (str, int))
            or not isinstance(doc, str)
            or not isinstance(snippet, str)
            or not snippet.strip()
            or isinstance(grade, bool)
            or not isinstance(grade, int)
            or grade < 0
        ):
            raise EvaluationError(
                f"{path}:{number}: a judgment needs 'qid', 'doc', a non-empty 'snippet' and an integer 'grade' >= 0, "
                f"got {record!r}"
            )
        judgments.append(Judgment(str(qid), doc, snippet, grade, where=f"{path.name}:{number}"))
    return judgments


def resolve_judgments(judgments: Iterable[Judgment], index: Index) -> Qrels:
    """Snippet judgments → grades by passage id: each snippet must occur in exactly one passage of its document.

    Raises:
        JudgmentError: a document is not in the index, a snippet is in none or several of its passages, or two
            judgments of one query name the same passage; every such judgment is listed.
    """
    judgments = list(judgments)
    passages: dict[str, list[lawsearch.Passage]] = {}
    for doc in dict.fromkeys(j.doc for j in judgments):
        passages[doc] = index.passages(doc)
    qrels: Qrels = {}
    named: dict[tuple[str, str], Judgment] = {}
    problems = []
    for judgment in judgments:
        label = f"{judgment.where}: query {judgment.qid!r}, {judgment.doc!r}, snippet {judgment.snippet!r}"
        if not passages[judgment.doc]:
            problems.append(f"{label}: no document {judgment.doc!r} in the index")
            continue
        found = [p.id for p in passages[judgment.doc] if judgment.snippet in p.text]
        if not found:
            problems.append(f"{label}: unresolved, in no passage of the document; quote one passage verbatim")
        elif len(found) > 1:
            problems.append(f"{label}: ambiguous, in {len(found)} passages ({', '.join(found)}); lengthen it")
        elif (judgment.qid, found[0]) in named:
            problems.append(f"{label}: names {found[0]}, as {named[judgment.qid, found[0]].where} does already")
        else:
            named[judgment.qid, found[0]] = judgment
            qrels.setdefault(judgment.qid, {})[found[0]] = judgment.grade
    if problems:
        raise JudgmentError(problems)
    return qrels


def load_qrels(path: str | Path, index: Index) -> Qrels:
    """Grades by passage id from ``path``: snippet judgments (``.jsonl``, resolved in ``index``) or a TSV file."""
    path = Path(path)
    return resolve_judgments(read_judgments(path), index) if path.suffix == ".jsonl" else read_qrels(path)


def read_stopwords(path: str | Path) -> frozenset[str]:
    """One stop word a line (stripped; blank lines skipped), plus ``REFERENCE_EXTRA_STOPWORDS``.

    Raises:
        EvaluationError: the file cannot be read.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").split("\n")
    except OSError as exc:
        raise EvaluationError(
            f"cannot read the stop word list {path} ({exc.strerror}); the reference systems need STARD's "
            "cn_stopwords.txt: pass --stopwords PATH, or leave reference out (--system lawsearch,bm25)"
        ) from None
    return frozenset(line.strip() for line in lines if line.strip()) | frozenset(REFERENCE_EXTRA_STOPWORDS)


# --- the index, built once per corpus content and analyzer -------------------------------------------------------


def corpus_hash(paths: Sequence[str | Path]) -> str:
    """A digest of the files lawsearch would read under ``paths``: their document ids and contents.

    Raises:
        EvaluationError: a path does not exist or holds nothing lawsearch reads.
    """
    from lawsearch.ingest import discover

    try:
        sources = discover(paths)
    except lawsearch.IngestError as exc:
        raise EvaluationError(f"corpus: {exc}") from None
    if not sources:
        raise EvaluationError(f"corpus: no .txt, .text or .jsonl files under {', '.join(map(str, paths))}")
    digest = hashlib.sha256()
    for source in sources:
        digest.update(f"{source.doc_id}\0{hashlib.sha256(source.path.read_bytes()).hexdigest()}\0".encode())
    return digest.hexdigest()


def index_key(content: str) -> str:
    """The cache key of an index: corpus content, analyzer fingerprint, lawsearch version, and the source of
    lawsearch's ingest, analysis and segment code and its data files (a change there changes what is indexed
    without changing the version; the fingerprint changes only when ``ANALYZER_VERSION`` is bumped)."""
    package = Path(lawsearch.__file__).resolve().parent
    code = hashlib.sha256()
    sources = [*package.joinpath("ingest").glob("*.py"), *package.joinpath("data").glob("*.txt")]
    for path in sorted([*sources, package / "analysis.py", package / "ranking.py", package / "schema.py"]):
        code.update(path.read_bytes())
    parts = (content, lawsearch.analyzer_fingerprint(), lawsearch.__version__, code.hexdigest())
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def open_index(
    paths: Sequence[str | Path], cache: str | Path, *, rebuild: bool = False, progress: Progress | None = None
) -> tuple[Index, dict[str, Any]]:
    """The lawsearch index of the corpus at ``paths``, from ``cache`` when it holds one of this content and
    analyzer, else built there (into a temporary folder, then renamed, so a half-built index is never reused).

    Returns the open index and what was done: ``path``, ``key``, ``corpus_hash``, ``reused``, ``build_s``.

    Raises:
        EvaluationError: the corpus cannot be found or read.
    """
    content = corpus_hash(paths)
    key = index_key(content)
    cache = Path(cache).expanduser()
    final = cache / f"index-{key}"
    info: dict[str, Any] = {"path": str(final), "key": key, "corpus_hash": content, "reused": False, "build_s": None}
    if final.is_dir() and not rebuild:
        try:
            index = lawsearch.Index.open(final)
            info["reused"] = True
            with contextlib.suppress(OSError):
                os.utime(final)  # used now: the pruning below keeps the most recently used
            return index, info
        except lawsearch.IndexStateError:
            pass  # damaged or foreign: build it again
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".building-{key}-", dir=cache))
    try:
        started = time.perf_counter()
        with lawsearch.Index.create(work / "index") as index:
            report = index.update(paths)
        if report.errors:
            raise EvaluationError("corpus: " + "; ".join(str(error) for error in report.errors[:5]))
        info["build_s"] = round(time.perf_counter() - started, 3)
        if progress:
            progress(f"index: built {report.passages:,} passages in {info['build_s']:.1f} s → {final}")
        shutil.rmtree(final, ignore_errors=True)
        try:
            os.replace(work / "index", final)
        except OSError:
            if not final.is_dir():  # else another run finished the same index first: use theirs
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    prune_cache(cache, keep=final)
    return lawsearch.Index.open(final), info


#: How many cached indexes (and reference indexes) the cache keeps: each change of lawsearch's ingest or ranking
#: code keys a new one (the law corpus's is 5 MB, with its vectors 30 MB), so without a bound it only grows.
CACHE_KEEP = 6


def prune_cache(cache: Path, *, keep: Path) -> list[Path]:
    """Remove all but the ``CACHE_KEEP`` most recently used ``index-*`` folders of ``cache`` (never ``keep``), and
    as many ``reference-*`` ones; returns what was removed."""
    removed: list[Path] = []
    for prefix in ("index-", "reference-"):
        folders = [p for p in cache.glob(f"{prefix}*") if p.is_dir() and p != keep]
        folders.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for folder in folders[CACHE_KEEP - keep.name.startswith(prefix) :]:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


# --- systems --------------------------------------------------------------------------------------------------


@attrs.frozen
class System:
    """A named ranking of the index's passages; ``settings`` say how it ranks (they go into the JSON)."""

    name: str
    rank: Ranker = attrs.field(repr=False)
    settings: dict[str, Any] = attrs.field(factory=dict)


def lawsearch_system(index: Index, weights: Weights | None = None, *, name: str = "lawsearch") -> System:
    """lawsearch's own search, without fragments: ``index.search(text, limit=..., weights=..., fragments=0)``."""
    weights = weights or Weights()

    def rank(text: str, limit: int) -> list[str]:
        return [hit.passage.id for hit in index.search(text, limit=limit, weights=weights, fragments=0).hits]

    return System(name, rank, {"engine": "lawsearch", "weights": attrs.asdict(weights)})


def reference_system(
    index: Index,
    stopwords: frozenset[str],
    *,
    k1: float = REFERENCE_K1,
    b: float = REFERENCE_B,
    method: str = REFERENCE_METHOD,
    title: bool = False,
    name: str = "reference",
    cache: str | Path | None = None,
) -> System:
    """Plain BM25 with bm25s over the index's passages: ``jieba.lcut`` words (accurate mode, HMM on) of the
    passage text (after the document title with ``title``) without ``stopwords`` and whitespace.

    Ties are broken by passage order; passages that match no query word are not returned. Cutting a large
    corpus takes a while (about 6 s for the law corpus), so with ``cache`` the bm25s index is kept there,
    keyed by the texts, stop words, settings and the jieba and bm25s versions.

    Raises:
        EvaluationError: bm25s or jieba is not installed.
    """
    try:
        import bm25s
        import numpy as np

        jieba = import_jieba()
    except ImportError as exc:
        raise EvaluationError(f"{name} needs {exc.name}: python3 -m pip install -e '.[bench]'") from None
    jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" lines are noise in a report
    segmenter = jieba.Tokenizer()  # a private instance: same dictionary as jieba.lcut, no shared state

    def words(text: str) -> list[str]:
        return [word for word in segmenter.lcut(text) if word.strip() and word not in stopwords]

    core = index.core()
    ids, texts = [], []
    for row in range(core.size):
        passage = core.passage(row)
        ids.append(passage.id)
        heading = core.document(int(core.passage_document[row])).title if title else ""
        texts.append(f"{heading}\n{passage.text}" if heading else passage.text)
    started = time.perf_counter()
    key = hashlib.sha256()
    for part in (*ids, *texts, *sorted(stopwords), f"{k1} {b} {method}", jieba.__version__, bm25s.__version__):
        key.update(part.encode("utf-8") + b"\0")
    saved = Path(cache).expanduser() / f"reference-{key.hexdigest()[:16]}" if cache is not None else None
    model = None
    if saved is not None and saved.is_dir():
        try:
            model = bm25s.BM25.load(str(saved), show_progress=False)
            os.utime(saved)  # used now: prune_cache keeps the most recently used
        except (OSError, ValueError, KeyError):
            model = None  # damaged: build it again
    if model is None:
        model = bm25s.BM25(k1=k1, b=b, method=method)
        model.index([words(text) for text in texts], show_progress=False)
        if saved is not None:
            work = Path(tempfile.mkdtemp(prefix=".building-", dir=saved.parent))
            model.save(str(work / "model"), show_progress=False)
            shutil.rmtree(saved, ignore_errors=True)
            os.replace(work / "model", saved)
            shutil.rmtree(work, ignore_errors=True)

    def rank(text: str, limit: int) -> list[str]:
        tokens = [word for word in words(text) if word in model.vocab_dict]
        if not tokens:
            return []
        scores = model.get_scores(tokens)
        rows = np.flatnonzero(scores > 0)
        best = rows[np.lexsort((rows, -scores[rows]))][:limit]
        return [ids[row] for row in best]

    settings = {"engine": f"bm25s {bm25s.__version__}", "method": method, "k1": k1, "b": b, "title": title}
    settings |= {"tokenizer": f"jieba {jieba.__version__} lcut (accurate mode, HMM)", "stopwords": len(stopwords)}
    settings |= {"setup_s": round(time.perf_counter() - started, 3), "cache": str(saved) if saved else None}
    return System(name, rank, settings)


#: The systems ``--system`` can name (``--weights`` adds ``lawsearch[...]`` variants).
SYSTEMS = ("lawsearch", "bm25", "reference", "reference+title")


def parse_weights(spec: str) -> Weights:
    """``title=2,section=1.5,k1=1.2`` → ``Weights(title=2.0, section=1.5, k1=1.2)``; unnamed fields keep defaults.

    >>> parse_weights("title=1, coordination=0.5, lucene=true").title
    1.0

    Raises:
        EvaluationError: an unknown name, a value that is not a number, or one ``Weights`` refuses.
    """
    names = [field.name for field in attrs.fields(Weights)]
    values: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, sep, value = (text.strip() for text in item.partition("="))
        if not sep or name not in names:
            raise EvaluationError(f"--weights {spec!r}: {item!r} is not NAME=VALUE with NAME one of {', '.join(names)}")
        if name == "lucene":
            if value.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise EvaluationError(f"--weights {spec!r}: lucene must be true or false, got {value!r}")
            values[name] = value.lower() in ("1", "true", "yes")
            continue
        try:
            values[name] = float(value)
        except ValueError:
            raise EvaluationError(f"--weights {spec!r}: {name} must be a number, got {value!r}") from None
    try:
        return Weights(**values)
    except lawsearch.InvalidArgumentError as exc:
        raise EvaluationError(f"--weights {spec!r}: {exc}") from None


def make_systems(
    names: Sequence[str],
    index: Index,
    *,
    weights: Sequence[str] = (),
    stopwords: frozenset[str] | None = None,
    cache: str | Path | None = None,
) -> list[System]:
    """The named systems (``SYSTEMS``), then one ``lawsearch[SPEC]`` per ``weights`` spec, in that order.
    ``cache`` is where the reference systems keep their bm25s index.

    Raises:
        EvaluationError: an unknown name, a bad weights spec, or a reference system without ``stopwords``.
    """
    systems = []
    for name in names:
        if name == "lawsearch":
            systems.append(lawsearch_system(index))
        elif name == "bm25":
            weights_bm25 = Weights.bm25(k1=REFERENCE_K1, b=REFERENCE_B)
            systems.append(lawsearch_system(index, weights_bm25, name="bm25"))
        elif name in ("reference", "reference+title"):
            if stopwords is None:
                raise EvaluationError(f"{name} needs STARD's stop word list: pass --stopwords PATH")
            systems.append(reference_system(index, stopwords, title=name.endswith("title"), name=name, cache=cache))
        else:
            raise EvaluationError(f"unknown system {name!r}; choose from {', '.join(SYSTEMS)}")
    for spec in weights:
        label = ",".join(part.replace(" ", "") for part in spec.split(",") if part.strip())
        systems.append(lawsearch_system(index, parse_weights(spec), name=f"lawsearch[{label}]"))
    return systems


# --- running and scoring -------------------------------------------------------------------------------------------


@attrs.frozen
class SystemResult:
    """One system's rankings of every query, its per-query metrics (judged queries only) and their means.

    ``better``/``worse`` count the queries whose nDCG@10 is above/below the first system's (None for the first).
    """

    name: str
    settings: dict[str, Any]
    rankings: dict[str, list[str]]
    metrics: dict[str, dict[str, float]]
    means: dict[str, float]
    errors: dict[str, str]
    seconds: float
    better: int | None = None
    worse: int | None = None


def _means(rows: Iterable[Mapping[str, float]], names: Sequence[str]) -> dict[str, float]:
    rows = list(rows)
    return {name: (sum(row[name] for row in rows) / len(rows) if rows else math.nan) for name in names}


def evaluate(
    systems: Sequence[System],
    queries: Mapping[str, str],
    qrels: Mapping[str, Mapping[str, int]],
    *,
    limit: int = LIMIT,
    progress: Progress | None = None,
) -> list[SystemResult]:
    """Run every query through every system and score the rankings.

    A query is scored when it has a judgment with grade > 0; a query a system fails on (a lawsearch error)
    counts as an empty ranking and is listed in ``errors``. ``judged@10`` is the share of the top 10 that has
    any judgment (grade 0 included; 1.0 for an empty ranking): below 1 on a pooled set such as the seed
    judgments, the system returns passages nobody has judged yet, and the judgments need extending.
    """
    judged = [qid for qid in queries if any(grade > 0 for grade in qrels.get(qid, {}).values())]
    results: list[SystemResult] = []
    for system in systems:
        rankings: dict[str, list[str]] = {}
        errors: dict[str, str] = {}
        started = time.perf_counter()
        for qid, text in queries.items():
            try:
                rankings[qid] = system.rank(text, limit)
            except lawsearch.LawsearchError as exc:
                rankings[qid], errors[qid] = [], str(exc)
        seconds = time.perf_counter() - started
        metrics = {}
        for qid in judged:
            grades = qrels[qid]
            row = query_metrics(rankings[qid], grades)
            top = rankings[qid][:10]
            row["judged@10"] = sum(doc in grades for doc in top) / len(top) if top else 1.0
            metrics[qid] = row
        means = _means(metrics.values(), (*METRICS, "judged@10")) | {"n": len(metrics)}
        better = worse = None
        if results:
            first = results[0].metrics
            better = sum(metrics[q]["ndcg@10"] > first[q]["ndcg@10"] + 1e-9 for q in judged)
            worse = sum(metrics[q]["ndcg@10"] < first[q]["ndcg@10"] - 1e-9 for q in judged)
        results.append(
            SystemResult(system.name, system.settings, rankings, metrics, means, errors, seconds, better, worse)
        )
        if progress:
            progress(
                f"{system.name}: {len(queries):,} queries in {seconds:.1f} s"
                + (f", {len(errors)} failed" if errors else "")
            )
    return results


# --- presenting ------------------------------------------------------------------------------------------------

HEADINGS = {"ndcg@10": "nDCG@10", "mrr@10": "MRR@10", "r@10": "R@10", "r@100": "R@100", "hit@1": "hit@1"}
HEADINGS |= {"hit@10": "hit@10", "judged@10": "judged@10"}


def render(
    results: Sequence[SystemResult],
    meta: Mapping[str, Any],
    *,
    queries: Mapping[str, str] | None = None,
    qrels: Mapping[str, Mapping[str, int]] | None = None,
) -> str:
    """The table of means (one row per system; Δ and better/worse against the first row), after a header
    naming the inputs; with ``queries`` and ``qrels`` also every judged query's row and top 10 per system
    (``id[2]``: a judged passage and its grade)."""
    header = ["system", "queries", *(HEADINGS[m] for m in (*METRICS, "judged@10")), "Δ nDCG@10", "better/worse"]
    header += ["errors", "s"]
    rows = []
    for result in results:
        delta = result.means["ndcg@10"] - results[0].means["ndcg@10"]
        rows.append(
            [
                result.name,
                f"{result.means['n']:,.0f}",
                *(f"{result.means[m]:.3f}" for m in (*METRICS, "judged@10")),
                "-" if result.better is None else f"{delta:+.3f}",
                "-" if result.better is None else f"{result.better}/{result.worse}",
                str(len(result.errors)),
                f"{result.seconds:.1f}",
            ]
        )
    lines = [f"lawsearch relevance evaluation — {meta['date']}"]
    lines.append("versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v))
    lines.append(f"analyzer {meta['analyzer']}, commit {meta['commit']}")
    lines += [f"{name}: {value}" for name, value in meta["inputs"].items()]
    lines += ["", *_table(header, rows), *(f"note: {note}" for note in meta.get("notes", ()))]
    if queries is not None and qrels is not None:
        lines += ["", "Per query (nDCG@10, RR@10, top 10; id[g] = judged with grade g)"]
        for qid in results[0].metrics:
            relevant = sum(grade > 0 for grade in qrels[qid].values())
            lines.append(f"{qid}  {queries[qid]}  ({relevant} relevant)")
            width = max(len(result.name) for result in results)
            for result in results:
                row = result.metrics[qid]
                top = " ".join(
                    f"{doc}[{qrels[qid][doc]}]" if doc in qrels[qid] else doc for doc in result.rankings[qid][:10]
                )
                lines.append(f"  {result.name:<{width}}  {row['ndcg@10']:.3f}  {row['mrr@10']:.3f}  {top}")
    return "\n".join(lines)


def to_json(
    results: Sequence[SystemResult], meta: Mapping[str, Any], queries: Mapping[str, str], qrels: Qrels
) -> dict[str, Any]:
    """Everything as JSON: meta, each system's settings, means and errors, and per query its metrics and top ids."""
    return {
        "meta": dict(meta),
        "systems": [
            {
                "name": r.name,
                "settings": r.settings,
                "means": r.means,
                "better": r.better,
                "worse": r.worse,
                "errors": r.errors,
                "seconds": round(r.seconds, 3),
            }
            for r in results
        ],
        "queries": [
            {
                "qid": qid,
                "text": text,
                "judgments": qrels.get(qid, {}),
                "systems": {r.name: {"metrics": r.metrics.get(qid), "top": r.rankings[qid]} for r in results},
            }
            for qid, text in queries.items()
        ],
    }


# --- command line --------------------------------------------------------------------------------------------


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.evaluate",
        description="Relevance of lawsearch's ranking and reference rankers on judged queries (benchmarks/README.md).",
    )
    parser.add_argument(
        "--corpus", nargs="+", type=Path, help=f"files/folders lawsearch indexes (default: {SHARED_CORPUS})"
    )
    parser.add_argument("--queries", type=Path, help=f'{{"qid", "text"}} JSONL (default: {STARD_QUERIES})')
    parser.add_argument(
        "--qrels",
        type=Path,
        help="qid<TAB>docid<TAB>grade, or snippet judgments (.jsonl) (default: qrels.tsv beside --queries)",
    )
    parser.add_argument(
        "--seed", action="store_true", help="the judged seed set: corpus/ + benchmarks/judgments/seed-*.jsonl"
    )
    parser.add_argument(
        "--system",
        action="append",
        help=f"comma-separated, from {', '.join(SYSTEMS)} (default: {','.join(DEFAULT_SYSTEMS)})",
    )
    parser.add_argument(
        "--weights",
        action="append",
        default=[],
        metavar="SPEC",
        help="a lawsearch variant, e.g. title=2,section=1.5,k1=1.2,coordination=1 (repeatable)",
    )
    parser.add_argument("--stopwords", type=Path, help=f"the reference's stop word list (default: {STARD_STOPWORDS})")
    parser.add_argument("--per-query", action="store_true", help="print every query's row and top 10 ids per system")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON output (default: %(default)s)")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        help="where indexes are kept (default: $LAWSEARCH_CACHE/benchmarks/eval or ~/.cache/lawsearch/benchmarks/eval)",
    )
    parser.add_argument("--no-cache", action="store_true", help="build the index in a temporary folder")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached index even if it is current")
    return parser.parse_args(argv)


def _inputs(args: argparse.Namespace, notes: list[str]) -> tuple[list[Path], Path, Path]:
    """Corpus paths, queries and qrels from the options and the defaults, or an error saying what to pass."""
    queries = args.queries or (SEED_QUERIES_FILE if args.seed else STARD_QUERIES)
    if not queries.is_file():
        where = "" if args.queries or args.seed else " (the default: STARD train from ../shared beside the repository)"
        raise EvaluationError(
            f"no queries at {queries}{where}: pass --queries FILE.jsonl --qrels FILE "
            "(STARD train: queries.jsonl and qrels.tsv), or --seed for the judged seed-report set"
        )
    qrels = args.qrels or (SEED_JUDGMENTS_FILE if args.seed and not args.queries else queries.parent / "qrels.tsv")
    if not qrels.is_file():
        raise EvaluationError(
            f"no judgments at {qrels}: pass --qrels FILE (qid<TAB>docid<TAB>grade, or snippet .jsonl)"
        )
    if args.corpus:
        return list(args.corpus), queries, qrels
    if args.seed:
        return [SEED_CORPUS], queries, qrels
    try:
        corpus = default_corpus()
    except CorpusNotFoundError as exc:
        raise EvaluationError(str(exc)) from None
    if corpus != SHARED_CORPUS:
        notes.append(f"{SHARED_CORPUS} is absent; using the rebuilt {corpus}, which lacks STARD's own articles")
    return [corpus], queries, qrels


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation; 0 when every query ran, 1 when some failed, 2 for a usage or input error."""
    args = _arguments(argv)
    try:
        return _main(args)
    except EvaluationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _encode_passages(index: Index) -> None:
    """The passage vectors a semantic system needs (cached in the index folder after the first time)."""
    from lawsearch.semantic import prepare

    started = time.perf_counter()
    prepare(index, lambda message: _progress(f"{message} ({time.perf_counter() - started:.0f} s)"), every=30)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _main(args: argparse.Namespace) -> int:
    commit = _commit()  # of the code that runs: read before a run that can take minutes, not after it
    notes: list[str] = []
    corpus, queries_path, qrels_path = _inputs(args, notes)
    names = [
        name.strip() for spec in args.system or [",".join(DEFAULT_SYSTEMS)] for name in spec.split(",") if name.strip()
    ]
    stopwords_path = args.stopwords or STARD_STOPWORDS
    stopwords = None
    if any(name.startswith("reference") for name in names):
        if stopwords_path.is_file() or args.system or args.stopwords:
            stopwords = read_stopwords(stopwords_path)
        else:
            names = [name for name in names if not name.startswith("reference")]
            notes.append(f"reference left out: no stop word list at {stopwords_path} (pass --stopwords PATH)")
    queries = read_queries(queries_path)
    with tempfile.TemporaryDirectory(prefix="lawsearch-eval-") as scratch:
        cache = Path(scratch) if args.no_cache else (args.cache_dir or cache_dir() / "eval")
        index, index_info = open_index(corpus, cache, rebuild=args.rebuild, progress=_progress)
        with index:
            if index_info["reused"]:
                _progress(f"index: reused {index_info['path']}")
            qrels = load_qrels(qrels_path, index)
            systems = make_systems(names, index, weights=args.weights, stopwords=stopwords, cache=cache)
            if not systems:
                raise EvaluationError(f"no systems to run; choose from {', '.join(SYSTEMS)} or give --weights")
            if any(parse_weights(spec).semantic for spec in args.weights or ()):
                _encode_passages(index)  # once, with progress, rather than inside the first query's timing
            results = evaluate(systems, queries, qrels, progress=_progress)
            ids = index.core().ids
            passages = len(ids)
            missing = sum(grade > 0 and doc not in ids for grades in qrels.values() for doc, grade in grades.items())
    judged = results[0].means["n"] if results else 0
    unjudged = len(queries) - judged
    if unjudged:
        notes.append(f"{unjudged} of {len(queries)} queries have no relevant judgment and are not scored")
    if missing:
        notes.append(f"{missing} relevant judgments name passages that are not in the corpus (they count as missed)")
    if index_info["reused"]:
        index_info["build_s"] = None
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "analyzer": lawsearch.analyzer_fingerprint(),
        "commit": commit,
        "inputs": {
            "corpus": ", ".join(map(str, corpus)) + f" ({passages:,} passages)",
            "queries": f"{queries_path} ({len(queries):,}, {judged:,} with relevant judgments)",
            "qrels": f"{qrels_path} ({sum(map(len, qrels.values())):,} judgments)",
            "index": f"{index_info['path']} ({'reused' if index_info['reused'] else 'built'})",
        },
        "paths": {
            "corpus": [str(path) for path in corpus],
            "queries": str(queries_path),
            "qrels": str(qrels_path),
            "stopwords": str(stopwords_path) if stopwords is not None else None,
        },
        "index": index_info,
        "settings": {"limit": LIMIT, "fragments": 0, "systems": [s.name for s in systems], "weights": args.weights},
        "notes": notes,
    }
    print(render(results, meta, queries=queries if args.per_query else None, qrels=qrels))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(to_json(results, meta, queries, qrels), ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    _progress(f"wrote {args.out}")
    return 1 if any(result.errors for result in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
