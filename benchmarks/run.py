"""``python -m benchmarks``: plan the jobs, run each in its own worker process, print the tables, write JSON.

For every selected system: a build job, then a query job in a fresh process (so the first query is cold);
rjieba is a tokenizer-only job; lawsearch also builds and queries the seed reports (corpus/). With
``--scale 1,2,4`` lawsearch, bm25s and tantivy are run again on the corpus repeated 2 and 4 times.
A system whose packages are missing is skipped with a note; a job that fails is reported and the rest go on.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.corpus import (
    REPO_ROOT,
    SEED_REPORTS,
    CorpusNotFoundError,
    default_corpus,
    read_records,
    text_bytes,
    write_records,
    write_scaled,
)
from benchmarks.queries import KEYWORD_QUERIES, SEED_QUERIES, SHARED_QUERIES, benchmark_queries, read_qrels
from benchmarks.report import render, summarize
from benchmarks.systems import REQUIREMENTS, TOKENIZER_SYSTEMS
from benchmarks.worker import PAIRED

__all__ = ["main", "parse_max_queries"]

SYSTEMS = ("lawsearch", "stock", "whoosh", "bm25s", "tantivy", "rjieba")
SCALING_SYSTEMS = ("lawsearch", "bm25s", "tantivy")
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results" / "latest.json"
QUICK_RECORDS = 2000
QUICK_QUERIES = 40
SEED_REPEAT = 20
QUICK_SEED_REPEAT = 3
JOB_TIMEOUT_S = 3600
VERSIONED = ("lawsearch", "whoosh-reloaded", "whoosh", "jieba", "rjieba", "bm25s", "tantivy", "numpy")


def parse_max_queries(text: str | None) -> tuple[int | None, dict[str, int]]:
    """``N`` caps every system, ``system=N,...`` some of them, ``N,system=M`` both.

    >>> parse_max_queries("300")
    (300, {})
    >>> parse_max_queries("stock=300,lawsearch=300")
    (None, {'stock': 300, 'lawsearch': 300})
    """
    default: int | None = None
    per_system: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        name, _, value = part.rpartition("=")
        if not value.isdigit() or int(value) < 1 or (name and name not in SYSTEMS):
            raise argparse.ArgumentTypeError(f"{part!r} is not N or SYSTEM=N (N >= 1; systems: {', '.join(SYSTEMS)})")
        if name:
            per_system[name] = int(value)
        else:
            default = int(value)
    return default, per_system


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark lawsearch against the stock whoosh+jieba recipe, bm25s, tantivy and rjieba.",
    )
    parser.add_argument("--corpus", type=Path, help="law corpus JSONL (default: ../shared/lawcorpus, else the cache)")
    parser.add_argument(
        "--queries",
        help="STARD queries.jsonl (default: ../shared/stard-train/queries.jsonl if present); 'none' for keywords only",
    )
    parser.add_argument(
        "--systems", type=_system_list, default=list(SYSTEMS), help="comma-separated (default: all available)"
    )
    parser.add_argument("--scale", type=_scale_list, default=[1], help="corpus scale factors, e.g. 1,2,4 (default: 1)")
    parser.add_argument(
        "--max-queries",
        type=parse_max_queries,
        default=(None, {}),
        metavar="N|SYSTEM=N,...",
        help="run only the first N of the (fixed, shuffled) query list: for all systems or per system",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON output (default: {DEFAULT_OUT})")
    parser.add_argument(
        "--quick", action="store_true", help=f"smoke run: {QUICK_RECORDS} articles, {QUICK_QUERIES} queries"
    )
    parser.add_argument("--workdir", type=Path, help="where indexes are built (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (indexes, job logs)")
    return parser.parse_args(argv)


def _system_list(text: str) -> list[str]:
    wanted = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in SYSTEMS]
    if unknown or not wanted:
        raise argparse.ArgumentTypeError(f"unknown system(s) {text!r}; choose from {', '.join(SYSTEMS)}")
    return wanted


def _scale_list(text: str) -> list[int]:
    try:
        scales = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        scales = []
    if not scales or scales[0] < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of integers >= 1 like 1,2,4")
    return scales


def _available(wanted: list[str]) -> tuple[list[str], list[str]]:
    """The systems whose packages are installed, and a note for each one skipped."""
    systems, notes = [], []
    for system in wanted:
        missing = [module for module in REQUIREMENTS[system] if importlib.util.find_spec(module) is None]
        if missing:
            notes.append(f"{system} skipped: {', '.join(missing)} not installed")
        else:
            systems.append(system)
    return systems, notes


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _commit() -> str | None:
    """The repository's commit, with ``+dirty`` when lawsearch/ has uncommitted changes (None outside git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "lawsearch"], cwd=REPO_ROOT, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def _machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    memory = None
    with contextlib.suppress(ValueError, OSError, AttributeError):  # no sysconf on Windows
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cores = os.cpu_count()
    summary = f"{cores} cores, {cpu}" + (f", {memory:.0f} GiB" if memory else "") + f", {platform.system()}"
    return {"cores": cores, "cpu": cpu, "memory_gib": memory, "platform": platform.platform(), "summary": summary}


class Runner:
    """Runs jobs in worker processes under ``workdir``, one log file per job."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.count = 0

    def run(self, job: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
        self.count += 1
        name = f"{self.count:02d}-{job['system']}-{job['phase']}-{meta['corpus']}-x{meta['scale']}"
        job_file, result_file, log_file = (self.workdir / f"{name}.{ext}" for ext in ("job.json", "result.json", "log"))
        job_file.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        label = f"{job['system']} {job['phase']}" + (f" ×{meta['scale']}" if meta["scale"] > 1 else "")
        label += " (seed reports)" if meta["corpus"] == "seed" else ""
        print(f"[{self.count:2d}] {label} …", end=" ", file=sys.stderr, flush=True)
        started = time.perf_counter()
        with open(log_file, "wb") as log:
            try:
                process = subprocess.run(
                    [sys.executable, "-m", "benchmarks.worker", str(job_file), str(result_file)],
                    cwd=REPO_ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=JOB_TIMEOUT_S,
                    check=False,
                )
                code: int | str = process.returncode
            except subprocess.TimeoutExpired:
                code = f"timed out after {JOB_TIMEOUT_S} s"
        elapsed = time.perf_counter() - started
        if result_file.exists():
            result: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
        else:
            tail = log_file.read_text(encoding="utf-8", errors="replace")[-800:]
            result = {"system": job["system"], "phase": job["phase"], "ok": False, "error": f"exit {code}: {tail}"}
        result["job"] = meta
        print(f"{elapsed:.1f} s" if result.get("ok") else f"FAILED ({result['error'][:200]})", file=sys.stderr)
        return result


def _inputs(args: argparse.Namespace) -> tuple[Path, Path | None, dict[str, set[str]]]:
    """The corpus, the STARD queries file (or None) and its judgments.

    Raises:
        CorpusNotFoundError: no corpus file, or a named queries file is missing; the message says what to do.
    """
    corpus: Path = args.corpus or default_corpus()
    if not corpus.is_file():
        raise CorpusNotFoundError(f"no corpus file at {corpus}; `python -m benchmarks.fetch_corpus` builds one")
    stard: Path | None
    if args.queries is None:
        stard = SHARED_QUERIES if SHARED_QUERIES.is_file() else None
    else:
        stard = None if args.queries.lower() in ("", "none") else Path(args.queries)
    if stard is not None and not stard.is_file():
        raise CorpusNotFoundError(f"no queries file at {stard}; --queries none runs the keyword queries only")
    qrels_file = stard.with_name("qrels.tsv") if stard else None
    qrels = read_qrels(qrels_file) if qrels_file and qrels_file.is_file() else {}
    return corpus, stard, qrels


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    systems, notes = _available(args.systems)
    scales: list[int] = args.scale
    try:
        source, stard, qrels = _inputs(args)
    except CorpusNotFoundError as exc:
        print(f"benchmarks: {exc}", file=sys.stderr)
        return 2
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="lawsearch-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    records = list(read_records(source, QUICK_RECORDS if args.quick else None))
    corpus = write_records(records, workdir / "corpus-quick.jsonl") if args.quick else source
    queries = benchmark_queries(stard)
    default_cap, caps = args.max_queries
    if args.quick:
        default_cap = min(default_cap or QUICK_QUERIES, QUICK_QUERIES)
    raw = text_bytes(records)
    sizes = {scale: raw * scale for scale in scales}
    meta: dict[str, Any] = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "argv": list(sys.argv[1:] if argv is None else argv),
        "machine": _machine(),
        "versions": _versions(),
        "commit": _commit(),
        "corpus": {
            "path": str(source),
            "label": (f"first {len(records):,} articles of " if args.quick else "") + _label(source),
            "records": len(records),
            "text_bytes": raw,
            "file_bytes": source.stat().st_size,
        },
        "queries": {"path": str(stard) if stard else None, "total": len(queries), "caps": {}},
        "notes": notes,
    }
    runner = Runner(workdir)
    results: list[dict[str, Any]] = []
    try:
        for scale in scales:
            scaled_corpus = corpus if scale == 1 else write_scaled(records, scale, workdir / f"corpus-x{scale}.jsonl")
            job_meta = {"corpus": "law", "scale": scale, "records": len(records) * scale, "text_bytes": sizes[scale]}
            for system in systems if scale == 1 else [s for s in systems if s in SCALING_SYSTEMS]:
                if system in TOKENIZER_SYSTEMS:
                    job = {"system": system, "phase": "tokenizer", "corpus": str(scaled_corpus), "scale": scale}
                    results.append(runner.run(job, job_meta))
                    continue
                cap = caps.get(system, default_cap)
                mine = queries[:cap] if cap else queries
                meta["queries"]["caps"][system] = len(mine)
                results.extend(_build_and_query(runner, system, scaled_corpus, mine, 1, job_meta))
            if scale == 1:
                results.extend(_paired(runner, results, queries, meta["queries"]["caps"], job_meta))
            if scale == 1 and "lawsearch" in systems:
                seed_queries = [{"qid": text, "text": text, "set": "seed"} for text in SEED_QUERIES]
                repeat = QUICK_SEED_REPEAT if args.quick else SEED_REPEAT
                seed_meta = {"corpus": "seed", "scale": 1, "records": None, "text_bytes": None}
                results.extend(_build_and_query(runner, "lawsearch", SEED_REPORTS, seed_queries, repeat, seed_meta))
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    meta["queries"]["label"] = _queries_label(meta["queries"], stard)
    query_sets = {query["qid"]: query["set"] for query in queries}
    summary = summarize(results, text_bytes=sizes, qrels=qrels, query_sets=query_sets)
    print(render(summary, meta))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"meta": meta, "summary": summary, "results": results}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    print(f"\nfigures written to {args.out}", file=sys.stderr)
    return 0 if all(r.get("ok") for r in results) else 1


def _build_and_query(
    runner: Runner,
    system: str,
    corpus: Path,
    queries: list[dict[str, str]],
    repeat: int,
    meta: dict[str, Any],
) -> list[dict[str, Any]]:
    """A build job, then (if it worked) a query job on its index in a fresh process."""
    index_dir = _index_dir(runner, system, meta)
    shutil.rmtree(index_dir, ignore_errors=True)
    built = runner.run({"system": system, "phase": "build", "corpus": str(corpus), "index": str(index_dir)}, meta)
    if not built.get("ok"):
        return [built]
    job = {"system": system, "phase": "query", "index": str(index_dir), "queries": queries, "repeat": repeat}
    return [built, runner.run(job, meta)]


def _index_dir(runner: Runner, system: str, meta: dict[str, Any]) -> Path:
    """Where ``_build_and_query`` builds a system's index for a corpus and scale."""
    return runner.workdir / f"index-{system}-{meta['corpus']}-x{meta['scale']}"


def _paired(
    runner: Runner,
    results: list[dict[str, Any]],
    queries: list[dict[str, str]],
    caps: dict[str, int],
    meta: dict[str, Any],
) -> list[dict[str, Any]]:
    """The paired job (``worker.PAIRED``) on the 1× indexes, when both systems built them; their common queries."""
    names = [system for system, _ in PAIRED]
    built = {r["system"] for r in results if r["phase"] == "build" and r.get("ok") and r["job"]["scale"] == 1}
    if not all(name in built for name in names):
        return []
    indexes = {name: str(_index_dir(runner, name, meta)) for name in names}
    common = queries[: min(caps.get(name, len(queries)) for name in names)]
    return [runner.run({"system": "+".join(names), "phase": "paired", "indexes": indexes, "queries": common}, meta)]


def _label(path: Path) -> str:
    """A path as a reader of the table knows it: relative to the repository, or under ``~``."""
    resolved = path.resolve()
    if resolved.is_relative_to(REPO_ROOT.parent):
        return os.path.relpath(resolved, REPO_ROOT)
    home = Path.home()
    return f"~/{resolved.relative_to(home)}" if resolved.is_relative_to(home) else str(resolved)


def _queries_label(queries: dict[str, Any], stard: Path | None) -> str:
    keywords = len(KEYWORD_QUERIES)
    source = f"{keywords} keyword queries"
    if stard:
        source = f"{queries['total'] - keywords} STARD questions ({stard.name}) + " + source
    capped = {system: n for system, n in queries["caps"].items() if n < queries["total"]}
    if capped:
        source += "; sampled (first N of the fixed shuffled list): " + ", ".join(f"{s} {n}" for s, n in capped.items())
    return source
