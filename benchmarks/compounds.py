"""``python -m benchmarks.compounds``: keywords that jieba cuts in two, with and without ``Weights.phrase``.

A keyword such as 经济补偿 or 人身损害 is cut 经济 补偿, 人身 损害 when the dictionary lacks it. With
``Weights(phrase=0)`` (as lawsearch searched until 2026-11-30) either part matches, as two words typed apart
would; by default both parts must be there and the passages that say the keyword whole gain the idf of saying it
(``lawsearch.search._compound``). The keywords are sampled from the law corpus itself, so no judgment is needed:
adjacent two-character words of its text (jieba's cut of 3,000 articles drawn with a fixed seed) that occur at
least three times together and that lawsearch's query analysis cuts into exactly those two parts; 200 of them.

For each keyword and each setting it measures the share of the top 10 that say the keyword whole (its
characters side by side in the passage text), how many passages match, and the query time; it prints the
medians and means and writes ``benchmarks/results/compounds.json``.
"""

from __future__ import annotations

import argparse
import collections
import random
import re
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.corpus import REPO_ROOT, cache_dir, default_corpus, read_records
from benchmarks.evaluate import open_index
from benchmarks.report import write_figures
from lawsearch import Index, Weights
from lawsearch.analysis import fold, import_jieba
from lawsearch.search import _compound

SEED = 20261130
SAMPLED_ARTICLES = 3000
KEYWORDS = 200
RESULTS = REPO_ROOT / "benchmarks" / "results" / "compounds.json"
_FOUR_HAN = re.compile(r"[\u4e00-\u9fff]{4}")


def sample_keywords(texts: Sequence[str], *, count: int = KEYWORDS, seed: int = SEED) -> list[str]:
    """``count`` keywords of the corpus that lawsearch's query analysis cuts in two (see the module docstring)."""
    chooser = random.Random(seed)
    jieba = import_jieba()
    jieba.setLogLevel(60)
    pairs: collections.Counter[str] = collections.Counter()
    for text in chooser.sample(list(texts), min(SAMPLED_ARTICLES, len(texts))):
        words = jieba.lcut(text)
        for first, second in zip(words, words[1:]):
            if len(first) == len(second) == 2 and _FOUR_HAN.fullmatch(first + second):
                pairs[first + second] += 1
    keywords = sorted(word for word, seen in pairs.items() if seen >= 3 and _compound(word))
    chooser.shuffle(keywords)
    return keywords[:count]


def measure(index: Index, keyword: str, weights: Weights) -> dict[str, Any]:
    started = time.perf_counter()
    results = index.search(keyword, limit=10, related=False, weights=weights)
    elapsed = time.perf_counter() - started
    whole = sum(keyword in fold(hit.passage.text) for hit in results.hits)
    return {
        "whole@10": whole / len(results.hits) if results.hits else None,
        "matches": results.total,
        "ms": elapsed * 1000,
    }


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compounds", description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, help="law corpus JSONL (default: ../shared/lawcorpus, else the cache)")
    parser.add_argument("--keywords", type=int, default=KEYWORDS, help=f"how many keywords (default {KEYWORDS})")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.relative_to(REPO_ROOT)}")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    corpus = args.corpus or default_corpus()
    texts = [record["text"] for record in read_records(corpus)]
    keywords = sample_keywords(texts, count=args.keywords)
    index, _ = open_index([corpus], cache_dir() / "eval", progress=lambda m: print(m, file=sys.stderr))
    settings = {"either part (phrase=0)": Weights(phrase=0), "both parts + phrase (default)": Weights()}
    for weights in settings.values():  # warm: the score tables and the folded text, built once per process
        index.search(keywords[0], weights=weights)
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in settings}
    for keyword in keywords:
        for name, weights in settings.items():
            rows[name].append(measure(index, keyword, weights))
    summary = {}
    print(f"{len(keywords)} keywords cut in two, from {corpus} ({len(texts):,} passages)")
    print(f"{'setting':<32} {'says it whole in top 10':>24} {'median matches':>15} {'p50 ms':>7} {'p95 ms':>7}")
    for name, measured in rows.items():
        shares = [row["whole@10"] for row in measured if row["whole@10"] is not None]
        times = sorted(row["ms"] for row in measured)
        summary[name] = {
            "whole@10_mean": round(statistics.mean(shares), 3),
            "answered": len(shares),
            "matches_median": statistics.median(row["matches"] for row in measured),
            "p50_ms": round(statistics.median(times), 3),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 3),
        }
        s = summary[name]
        print(
            f"{name:<32} {s['whole@10_mean']:>24.3f} {s['matches_median']:>15,.0f} {s['p50_ms']:>7.2f}"
            f" {s['p95_ms']:>7.2f}"
        )
    if not args.no_write:
        write_figures(RESULTS, corpus, keywords=keywords, summary=summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
