"""One benchmark job in its own process: ``python -m benchmarks.worker JOB.json RESULT.json``.

A job is one system and one phase, so each phase starts cold and ``ru_maxrss`` is that phase's alone:

* ``build``     corpus → index folder. Figures: ``tokenize_s`` (pre-tokenized systems), ``index_s``,
                ``total_s`` = tokenize + index, ``index_bytes``, ``peak_rss_mb``.
* ``query``     open the index, run every query once per variant (``repeat`` times for the seed check).
                ``open_s`` = imports + opening; ``cold`` = the very first query (not in the latencies);
                ``variants[name].latencies`` = ``[qid, ms]`` of every other query; ``top10`` = the ids returned.
                Pre-tokenized systems get their query tokens untimed beforehand; ``query_tokenize`` says what
                that took (``cold_ms`` includes loading lawsearch's dictionary).
* ``paired``    lawsearch and its bare peer (bm25s ``get_scores`` + top-k) in **one** process, each query run by
                both back to back (which goes first alternates): ``pairs`` = ``[qid, ours_ms, peer_ms]``. On a
                machine whose speed drifts the two p50s of separate jobs drift apart; paired, both see the same
                moments, so their ratio is the one to trust.
* ``tokenizer`` rjieba against jieba on the corpus texts.

The result JSON always has ``ok``; when false, ``error`` holds the exception and the process exits 1.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks.measure import dir_size, latency_stats, peak_rss_mb, stopwatch
from benchmarks.systems import BUILDERS, SERVERS, Serving, compare_tokenizers

__all__ = ["main", "run_job"]


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Run a job description (``system``, ``phase``, ``corpus``, ``index``, ``queries``, ``repeat``)."""
    system, phase = job["system"], job["phase"]
    if phase == "build":
        return _build(system, Path(job["corpus"]), Path(job["index"]))
    if phase == "query":
        return _query(system, Path(job["index"]), job["queries"], int(job.get("repeat", 1)))
    if phase == "paired":
        return _paired(job["indexes"], job["queries"])
    if phase == "tokenizer":
        return compare_tokenizers(Path(job["corpus"]))
    raise ValueError(f"unknown phase {phase!r}; expected build, query or tokenizer")


def _build(system: str, corpus: Path, index_dir: Path) -> dict[str, Any]:
    figures = BUILDERS[system](corpus, index_dir)
    figures["total_s"] = figures.get("tokenize_s", 0.0) + figures["index_s"]
    figures["index_bytes"] = dir_size(index_dir)
    return figures


def _query(system: str, index_dir: Path, queries: list[dict[str, str]], repeat: int) -> dict[str, Any]:
    with stopwatch() as opening:
        serving = SERVERS[system](index_dir)
    prepared, tokenizing = _prepare(serving, queries)
    cold: dict[str, Any] | None = None
    variants: dict[str, Any] = {}
    for number, (name, run) in enumerate(serving.variants.items()):
        latencies: list[tuple[str, float]] = []
        errors: dict[str, str] = {}
        top10: dict[str, list[str]] = {}
        unsupported = None
        for _ in range(repeat):
            for query, argument in zip(queries, prepared):
                qid = query["qid"]
                start = time.perf_counter_ns()
                try:
                    ids = run(argument)
                except serving.unsupported as exc:
                    if number > 0 and not latencies and not errors:
                        unsupported = f"{type(exc).__name__}: {exc}"
                        break
                    ids, errors[qid] = [], f"{type(exc).__name__}: {exc}"
                except Exception as exc:
                    ids, errors[qid] = [], f"{type(exc).__name__}: {exc}"
                ms = round((time.perf_counter_ns() - start) / 1e6, 4)
                if cold is None:
                    cold = {"qid": qid, "variant": name, "ms": ms, "error": errors.get(qid)}
                    top10[qid] = ids
                    continue
                if qid not in errors:
                    latencies.append((qid, ms))
                top10.setdefault(qid, ids)
            if unsupported:
                break
        variants[name] = {
            "highlights": name in serving.highlighting,
            "unsupported": unsupported,
            "stats": latency_stats([ms for _, ms in latencies]),
            "latencies": latencies,
            "errors": errors,
            "top10": top10,
        }
    return {
        "open_s": opening.seconds,
        "cold": cold,
        "query_tokenize": tokenizing,
        "variants": variants,
        "queries": len(queries),
        "repeat": repeat,
        **serving.info,
    }


#: The paired job's systems: lawsearch with highlights, and the bare engine the issue's 3× target names.
PAIRED = (("lawsearch", "highlights"), ("bm25s", "get_scores + top-k"))


def _paired(indexes: dict[str, str], queries: list[dict[str, str]]) -> dict[str, Any]:
    (ours_system, ours_variant), (peer_system, peer_variant) = PAIRED
    ours = SERVERS[ours_system](Path(indexes[ours_system]))
    peer = SERVERS[peer_system](Path(indexes[peer_system]))
    run_ours, run_peer = ours.variants[ours_variant], peer.variants[peer_variant]
    prepared_ours, _ = _prepare(ours, queries)
    prepared_peer, _ = _prepare(peer, queries)
    pairs: list[tuple[str, float, float]] = []
    for number, (query, mine, theirs) in enumerate(zip(queries, prepared_ours, prepared_peer)):
        timed = {}
        order = ((run_ours, mine, "ours"), (run_peer, theirs, "peer"))
        for run, argument, who in order if number % 2 == 0 else order[::-1]:
            start = time.perf_counter_ns()
            run(argument)
            timed[who] = round((time.perf_counter_ns() - start) / 1e6, 4)
        if number > 0:  # the first query of each is its cold query, as in the query jobs
            pairs.append((query["qid"], timed["ours"], timed["peer"]))
    return {
        "systems": [f"{ours_system} {ours_variant}", f"{peer_system} {peer_variant}"],
        "pairs": pairs,
        "queries": len(queries),
    }


def _prepare(serving: Serving, queries: list[dict[str, str]]) -> tuple[list[Any], dict[str, Any] | None]:
    if serving.prepare is None:
        return [query["text"] for query in queries], None
    prepared, times = [], []
    for query in queries:
        with stopwatch() as watch:
            prepared.append(serving.prepare(query["text"]))
        times.append(watch.elapsed_ns / 1e6)
    return prepared, {"cold_ms": times[0] if times else None, "stats": latency_stats(times[1:])}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m benchmarks.worker JOB.json RESULT.json", file=sys.stderr)
        return 2
    job = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    result: dict[str, Any] = {"system": job["system"], "phase": job["phase"], "scale": job.get("scale", 1)}
    started = time.perf_counter()
    try:
        result.update(run_job(job))
        result["ok"] = True
    except BaseException as exc:  # reported to the parent, which goes on with the other systems
        result["ok"] = False
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc(limit=8)
    result["wall_s"] = time.perf_counter() - started
    result["peak_rss_mb"] = peak_rss_mb()
    result["pid"] = os.getpid()
    out = Path(args[1])
    partial = out.with_suffix(".partial")
    partial.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    partial.replace(out)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
