"""From the workers' results to figures (JSON) and text tables. Pure functions; ``run.py`` prints.

Ratios are computed on the queries both systems ran (a system capped by ``--max-queries`` ran a prefix of the
same list), each without its own cold query:

* build **× stock** = the stock recipe's total build time / this system's (higher is faster);
* query **× stock** = the stock recipe's p50 / this variant's p50, highlights against the stock recipe with
  highlights (``hit.highlights``) and the rest against the stock recipe without;
* **lawsearch / bm25s** = lawsearch's p50 with highlights / bm25s's bare ``get_scores`` + top-k p50, from the
  *paired* job when it ran (both in one process, each query back to back: the same moments of a machine whose
  speed drifts), else from their separate query jobs.

Scaling fits ``figure ∝ scale^b`` (build time, query p50, build peak memory) through the scale factors run:
b = 1 is linear growth, b = 0 none. Fixed costs (dictionary load, imports) pull b below 1 at small sizes.
"""

from __future__ import annotations

import json
import math
import platform
import time
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.measure import latency_stats, percentile
from benchmarks.queries import relevance

__all__ = ["TARGETS", "render", "summarize", "write_figures"]

Result = dict[str, Any]

REFERENCE = "stock"
BARE_PEER = ("bm25s", "get_scores + top-k")

#: The issue's targets for lawsearch: name, threshold, and whether the measured figure must be above it.
TARGETS = (
    ("build ≥ 5× faster than the stock recipe", 5.0, True),
    ("build peak memory ≤ 1 GB (MB)", 1024.0, False),
    ("query p50 with highlights ≥ 10× faster than the stock recipe", 10.0, True),
    ("query p50 with highlights ≤ 3× bm25s get_scores + top-k", 3.0, False),
    ("index size ≤ 2× raw UTF-8 text", 2.0, False),
)


# --- figures -------------------------------------------------------------------------------------------------------


def _find(results: Sequence[Result], system: str, phase: str, scale: int = 1, corpus: str = "law") -> Result | None:
    for result in results:
        job = result.get("job", {})
        if (result["system"], result["phase"], job.get("scale", 1), job.get("corpus", "law")) == (
            system,
            phase,
            scale,
            corpus,
        ) and result.get("ok"):
            return result
    return None


def _latencies(variant: Mapping[str, Any]) -> dict[str, float]:
    return dict(variant.get("latencies", []))


def _p50_ratio(reference: Mapping[str, Any], other: Mapping[str, Any]) -> tuple[float | None, int]:
    """reference p50 / other p50 on their common queries, and how many those are."""
    ours, theirs = _latencies(reference), _latencies(other)
    common = ours.keys() & theirs.keys()
    if not common:
        return None, 0
    mine = percentile([ours[q] for q in common], 50)
    other_p50 = percentile([theirs[q] for q in common], 50)
    return (mine / other_p50 if other_p50 else None), len(common)


def summarize(
    results: Sequence[Result],
    *,
    text_bytes: Mapping[int, int],
    qrels: Mapping[str, set[str]],
    query_sets: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The tables' figures from the workers' results.

    ``text_bytes`` maps scale → raw text bytes; ``query_sets`` maps qid → its set (``keyword``, ``stard``) for
    per-set latencies.
    """
    systems = list(dict.fromkeys(r["system"] for r in results if r["phase"] in ("build", "query")))
    summary: dict[str, Any] = {
        "build": _build_rows(results, systems, text_bytes.get(1, 0)),
        "query": _query_rows(results, systems, qrels, query_sets or {}),
        "tokenizers": _tokenizer_rows(results),
        "scaling": _scaling_rows(results, systems, text_bytes),
        "seed": _seed_figures(results),
        "failures": [
            {"system": r["system"], "phase": r["phase"], "scale": r.get("job", {}).get("scale", 1), "error": r["error"]}
            for r in results
            if not r.get("ok")
        ],
    }
    summary["paired"] = _paired_figures(results)
    summary["targets"] = _targets(results, summary, text_bytes.get(1, 0))
    return summary


def _paired_figures(results: Sequence[Result]) -> dict[str, Any] | None:
    """The paired job's p50/p95 per system, the ratio of the p50s and the median of the per-query ratios."""
    paired = next((r for r in results if r["phase"] == "paired" and r.get("ok")), None)
    if paired is None or not paired["pairs"]:
        return None
    ours = [mine for _, mine, _ in paired["pairs"]]
    theirs = [peer for _, _, peer in paired["pairs"]]
    ratios = [mine / peer for _, mine, peer in paired["pairs"] if peer > 0]
    p50_ours, p50_peer = percentile(ours, 50), percentile(theirs, 50)
    return {
        "systems": paired["systems"],
        "queries": len(ours),
        "p50": [p50_ours, p50_peer],
        "p95": [percentile(ours, 95), percentile(theirs, 95)],
        "ratio": p50_ours / p50_peer if p50_peer else None,
        "median_ratio": percentile(ratios, 50) if ratios else None,
    }


def _build_rows(results: Sequence[Result], systems: list[str], raw: int) -> list[dict[str, Any]]:
    stock = _find(results, REFERENCE, "build")
    rows = []
    for system in systems:
        built = _find(results, system, "build")
        if built is None:
            continue
        rows.append(
            {
                "system": system,
                "tokenize_s": built.get("tokenize_s"),
                "index_s": built["index_s"],
                "total_s": built["total_s"],
                "mb_per_s": raw / 1e6 / built["total_s"] if built["total_s"] else None,
                "x_stock": stock["total_s"] / built["total_s"] if stock and built["total_s"] else None,
                "index_bytes": built["index_bytes"],
                "size_ratio": built["index_bytes"] / raw if raw else None,
                "peak_mb": built["peak_rss_mb"],
                "segmenter": built.get("segmenter"),
                "compiled": built.get("compiled"),
            }
        )
    return rows


def _query_rows(
    results: Sequence[Result], systems: list[str], qrels: Mapping[str, set[str]], query_sets: Mapping[str, str]
) -> list[dict[str, Any]]:
    stock = _find(results, REFERENCE, "query")
    rows = []
    for system in systems:
        served = _find(results, system, "query")
        if served is None:
            continue
        for name, variant in served["variants"].items():
            row: dict[str, Any] = {
                "system": system,
                "variant": name,
                "highlights": variant.get("highlights", False),
                "unsupported": variant.get("unsupported"),
                "errors": len(variant.get("errors", {})),
                "open_s": served["open_s"],
                "peak_mb": served["peak_rss_mb"],
                "cold_ms": served["cold"]["ms"] if served.get("cold") and served["cold"]["variant"] == name else None,
                **{k: variant["stats"][k] for k in ("n", "p50", "p95", "mean")},
                "query_tokenize": served.get("query_tokenize"),
            }
            if stock is not None:
                reference = stock["variants"].get("highlights" if row["highlights"] else "no highlights")
                if reference is not None:
                    row["x_stock"], row["x_stock_queries"] = _p50_ratio(reference, variant)
            row.update({f"rel_{k}": v for k, v in relevance(variant.get("top10", {}), qrels).items()})
            by_set: dict[str, list[float]] = {}
            for qid, ms in variant.get("latencies", []):
                by_set.setdefault(query_sets.get(qid, "other"), []).append(ms)
            row["by_set"] = {name: latency_stats(values) for name, values in by_set.items()}
            rows.append(row)
    return rows


def _tokenizer_rows(results: Sequence[Result]) -> dict[str, Any] | None:
    compared = _find(results, "rjieba", "tokenizer")
    rows: list[dict[str, Any]] = []
    out: dict[str, Any] = {"rows": rows}
    if compared is not None:
        for name, figures in compared["tokenizers"].items():
            rows.append({"tokenizer": name, **figures})
        out.update(texts=compared["texts"], identical=compared["identical"], text_bytes=compared["text_bytes"])
    for system in ("bm25s", "tantivy", "whoosh"):
        built = _find(results, system, "build")
        if built is not None and built.get("cut_s"):
            raw = built.get("job", {}).get("text_bytes", 0)
            rows.append(
                {
                    "tokenizer": f"lawsearch index_terms, {built.get('segmenter', '?')} inside (in {system} build)",
                    "load_s": built["tokenizer_load_s"],
                    "cut_s": built["cut_s"],
                    "mb_per_s": raw / 1e6 / built["cut_s"],
                }
            )
            break
    return out if rows else None


def _scaling_rows(results: Sequence[Result], systems: list[str], text_bytes: Mapping[int, int]) -> dict[str, Any]:
    scales = sorted(text_bytes)
    rows = []
    for system in systems:
        for scale in scales:
            built = _find(results, system, "build", scale)
            if built is None:
                continue
            served = _find(results, system, "query", scale)
            primary = next(iter(served["variants"].values())) if served else None
            rows.append(
                {
                    "system": system,
                    "scale": scale,
                    "records": built.get("job", {}).get("records"),
                    "total_s": built["total_s"],
                    "per_1x_s": built["total_s"] / scale,
                    "index_bytes": built["index_bytes"],
                    "size_ratio": built["index_bytes"] / text_bytes[scale] if text_bytes[scale] else None,
                    "build_peak_mb": built["peak_rss_mb"],
                    "p50": primary["stats"]["p50"] if primary else None,
                    "p95": primary["stats"]["p95"] if primary else None,
                    "query_peak_mb": served["peak_rss_mb"] if served else None,
                }
            )
    growth: dict[str, dict[str, float | None]] = {}
    for system in systems:
        mine = [row for row in rows if row["system"] == system]
        if len(mine) > 1:
            growth[system] = {
                figure: _exponent([(row["scale"], row[figure]) for row in mine if row[figure]])
                for figure in ("total_s", "p50", "build_peak_mb")
            }
    return {"rows": rows if len(scales) > 1 else [], "growth": growth}


def _exponent(points: Sequence[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(figure) on log(scale).

    >>> round(_exponent([(1, 2.0), (2, 4.0), (4, 8.0)]), 6)
    1.0
    """
    xs = [math.log(scale) for scale, _ in points]
    ys = [math.log(total) for _, total in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var if var else None


def _seed_figures(results: Sequence[Result]) -> dict[str, Any] | None:
    built = _find(results, "lawsearch", "build", corpus="seed")
    served = _find(results, "lawsearch", "query", corpus="seed")
    if built is None or served is None:
        return None
    variant = next(iter(served["variants"].values()))
    per_query: dict[str, list[float]] = {}
    for qid, ms in variant["latencies"]:
        per_query.setdefault(qid, []).append(ms)
    texts = {q["qid"]: q["text"] for q in served.get("job", {}).get("queries", [])}
    return {
        "build_s": built["total_s"],
        "passages": built.get("passages"),
        "index_bytes": built["index_bytes"],
        "cold_ms": served["cold"]["ms"] if served.get("cold") else None,
        "repeat": served["repeat"],
        "queries": [
            {"qid": qid, "text": texts.get(qid, qid), "hits": len(variant["top10"].get(qid, [])), **latency_stats(ms)}
            for qid, ms in per_query.items()
        ],
        "p50": variant["stats"]["p50"],
    }


def _targets(results: Sequence[Result], summary: Mapping[str, Any], raw: int) -> list[dict[str, Any]]:
    build = {row["system"]: row for row in summary["build"]}
    query = {(row["system"], row["variant"]): row for row in summary["query"]}
    ours = build.get("lawsearch")
    highlighted = query.get(("lawsearch", "highlights"))
    bare_ratio = None
    served, peer = _find(results, "lawsearch", "query"), _find(results, BARE_PEER[0], "query")
    if summary.get("paired"):
        bare_ratio = summary["paired"]["ratio"]
    elif served is not None and peer is not None:
        ratio, _n = _p50_ratio(served["variants"]["highlights"], peer["variants"][BARE_PEER[1]])
        bare_ratio = ratio
    measured = (
        ours.get("x_stock") if ours else None,
        ours["peak_mb"] if ours else None,
        highlighted.get("x_stock") if highlighted else None,
        bare_ratio,
        ours["size_ratio"] if ours else None,
    )
    return [
        {
            "target": name,
            "threshold": threshold,
            "measured": value,
            "met": None if value is None else (value >= threshold if above else value <= threshold),
        }
        for (name, threshold, above), value in zip(TARGETS, measured)
    ]


# --- text ----------------------------------------------------------------------------------------------------------

BUILD_HEADER = ["system", "tokenize s", "index s", "total s", "MB/s", "× stock", "size MB", "size/raw", "peak MB"]
QUERY_HEADER = ["system", "variant", "queries", "cold", "p50", "p95", "kw p50", "× stock p50"]
QUERY_HEADER += ["R@10", "nDCG@10", "open s", "peak MB"]
SCALING_HEADER = ["system", "scale", "articles", "build s", "s per 1×", "size/raw", "build MB"]
SCALING_HEADER += ["p50 ms", "p95 ms", "query MB"]


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _ms(value: float | None) -> str:
    """Milliseconds to three significant digits.

    >>> [_ms(v) for v in (0.0412, 1.234, 12.34, 123.4, None)]
    ['0.041', '1.23', '12.3', '123', '-']
    """
    if value is None:
        return "-"
    for limit, digits in ((1, 3), (10, 2), (100, 1)):
        if value < limit:
            return f"{value:.{digits}f}"
    return f"{value:.0f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}×" if value >= 1 else f"{value:.2f}×"


def _width(text: str) -> int:
    """Terminal columns of ``text``: CJK ideographs and fullwidth forms take two.

    >>> _width("食品安全 ok")
    11
    """
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> list[str]:
    """Columns padded to their widest cell; the first ``left`` columns left-aligned, the rest right-aligned."""
    widths = [max(_width(cell) for cell in column) for column in zip(header, *rows)]

    def pad(cell: str, width: int, align_left: bool) -> str:
        fill = " " * (width - _width(cell))
        return cell + fill if align_left else fill + cell

    def line(cells: Sequence[str]) -> str:
        return "  ".join(pad(cell, width, i < left) for i, (cell, width) in enumerate(zip(cells, widths))).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(row) for row in rows)]


def _lawsearch_setup(build_rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """How the lawsearch that was measured ran: its segmenter, and its compiled loops or their Python."""
    row = next((row for row in build_rows if row["system"] == "lawsearch"), None)
    if row is None or row.get("compiled") is None:
        return []
    loops = "compiled (lawsearch/_speedups.c)" if row["compiled"] else "Python (the C extension was not built)"
    return [f"lawsearch: segmenter {row.get('segmenter') or '?'}, highlighting and scoring loops {loops}"]


def render(summary: Mapping[str, Any], meta: Mapping[str, Any]) -> str:
    """The tables as text, with a header naming the date, machine, versions, corpus and queries."""
    out = [
        f"lawsearch benchmarks — {meta['date']} — {meta['machine']['summary']}",
        "versions: "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v)
        + (f" (commit {meta['commit']})" if meta.get("commit") else ""),
        f"corpus: {meta['corpus']['label']} — {meta['corpus']['records']:,} articles, "
        f"{meta['corpus']['text_bytes'] / 1e6:.2f} MB raw UTF-8 text",
        f"queries: {meta['queries']['label']}",
        *_lawsearch_setup(summary["build"]),
        "",
        "Build (corpus file → index on disk)",
    ]
    out += _table(
        BUILD_HEADER,
        [
            [
                row["system"],
                _num(row["tokenize_s"]),
                _num(row["index_s"]),
                _num(row["total_s"]),
                _num(row["mb_per_s"], 3),
                _ratio(row["x_stock"]),
                _num(row["index_bytes"] / 1e6, 1),
                _num(row["size_ratio"]),
                _num(row["peak_mb"], 0),
            ]
            for row in summary["build"]
        ],
    )
    out += [
        "",
        "Query → top 10 (ms; cold = first query in a fresh process, not in p50/p95; kw = the keyword queries alone)",
    ]
    query_rows = []
    for row in summary["query"]:
        if row["unsupported"]:
            query_rows.append([row["system"], row["variant"], "not supported: " + row["unsupported"][:60]])
            continue
        query_rows.append(
            [
                row["system"],
                row["variant"] + (f" ({row['errors']} errors)" if row["errors"] else ""),
                str(row["n"]),
                _ms(row["cold_ms"]),
                _ms(row["p50"]),
                _ms(row["p95"]),
                _ms(row["by_set"].get("keyword", {}).get("p50")),
                _ratio(row.get("x_stock")),
                _num(row.get("rel_r@10"), 3),
                _num(row.get("rel_ndcg@10"), 3),
                _num(row["open_s"]),
                _num(row["peak_mb"], 0),
            ]
        )
    out += _table(
        QUERY_HEADER,
        query_rows,
        left=2,
    )
    tokenizing = next((row["query_tokenize"] for row in summary["query"] if row.get("query_tokenize")), None)
    if tokenizing:
        out.append(
            "bm25s/tantivy/whoosh are timed on query tokens made beforehand by lawsearch.analysis.query_terms: "
            f"p50 {_ms(tokenizing['stats']['p50'])} ms, first call {_ms(tokenizing['cold_ms'])} ms (dictionary load)"
        )
    tokenizers = summary.get("tokenizers")
    if tokenizers:
        out += ["", "Tokenizers alone (same texts; MB/s of UTF-8 text, dictionary load apart)"]
        out += _table(
            ["tokenizer", "load s", "cut s", "MB/s"],
            [
                [r["tokenizer"], _num(r.get("load_s")), _num(r["cut_s"]), _num(r["mb_per_s"])]
                for r in tokenizers["rows"]
            ],
        )
        if "identical" in tokenizers:
            same, texts = tokenizers["identical"], tokenizers["texts"]
            out.append(f"rjieba.cut == jieba.Tokenizer().cut on {same:,} of {texts:,} articles")
    scaling = summary["scaling"]
    if scaling["rows"]:
        out += ["", "Scaling (the corpus repeated k times with new ids; the same queries)"]
        out += _table(
            SCALING_HEADER,
            [
                [
                    r["system"],
                    f"{r['scale']}×",
                    f"{r['records']:,}" if r["records"] else "-",
                    _num(r["total_s"]),
                    _num(r["per_1x_s"]),
                    _num(r["size_ratio"]),
                    _num(r["build_peak_mb"], 0),
                    _ms(r["p50"]),
                    _ms(r["p95"]),
                    _num(r["query_peak_mb"], 0),
                ]
                for r in scaling["rows"]
            ],
        )
        out.append("p50 of each system's first variant; growth fitted as figure ∝ scale^b (b = 1: linear):")
        for system, exponents in scaling["growth"].items():
            out.append(
                f"  {system}: build time b = {_num(exponents['total_s'])}, query p50 b = {_num(exponents['p50'])}, "
                f"build peak memory b = {_num(exponents['build_peak_mb'])}"
            )
    seed = summary.get("seed")
    if seed:
        out += [
            "",
            f"Seed reports (corpus/): lawsearch builds {seed['passages']} passages in {_num(seed['build_s'])} s, "
            f"{seed['index_bytes'] / 1e6:.2f} MB; cold query {_ms(seed['cold_ms'])} ms; "
            f"each query run {seed['repeat']}×",
        ]
        out += _table(
            ["query", "hits", "p50 ms", "p95 ms"],
            [[q["text"], str(q["hits"]), _ms(q["p50"]), _ms(q["p95"])] for q in seed["queries"]],
        )
    paired = summary.get("paired")
    if paired:
        ours, peer = paired["systems"]
        out += [
            "",
            f"Paired, in one process ({paired['queries']} queries, each run by both back to back, which goes first "
            "alternating; ms)",
        ]
        out += _table(
            ["system", "p50", "p95"],
            [
                [ours, _ms(paired["p50"][0]), _ms(paired["p95"][0])],
                [peer, _ms(paired["p50"][1]), _ms(paired["p95"][1])],
            ],
        )
        out.append(
            f"p50 / p50 = {_num(paired['ratio'])}; median of the per-query ratios = {_num(paired['median_ratio'])}"
        )
    out += ["", "Targets for lawsearch (benchmark figures, not tests)"]
    out += _table(
        ["target", "measured", "met"],
        [
            [
                t["target"],
                _num(t["measured"], 2 if t["measured"] is None or t["measured"] < 100 else 0),
                "-" if t["met"] is None else ("yes" if t["met"] else "NO"),
            ]
            for t in summary["targets"]
        ],
    )
    for failure in summary["failures"]:
        out.append(f"FAILED: {failure['system']} {failure['phase']} ×{failure['scale']}: {failure['error']}")
    for note in meta.get("notes", []):
        out.append(f"note: {note}")
    return "\n".join(out)


def write_figures(path: Path, corpus: Path, **figures: Any) -> None:
    """A measuring script's figures as JSON at ``path`` (under the git-ignored ``benchmarks/results/``, made if
    missing), with the date, the Python and lawsearch versions and the corpus measured."""
    import lawsearch  # here: the suite's parent process, which only reports, need not load it

    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "lawsearch": lawsearch.__version__,
        "corpus": str(corpus),
        **figures,
    }
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
