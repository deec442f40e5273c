"""``python -m benchmarks.lookups``: a law named in the query, with and without ``Weights.named``.

People look laws up by name: ``劳动合同法第三十九条``, ``民法典第九条``, or the name alone. A name is often inside
other titles (the judicial interpretations of the 民法典, the 刑法修正案, the 劳动合同法实施条例, 义务教育法 around
教育法), whose passages say it as well. Two measures on the law corpus, needing no judgments:

* **article lookups**: for up to 10 articles (drawn with a fixed seed) of each law with at least 20 articles,
  the query ``<short name><article number>`` (民法典第九条: the title as ``cites:`` spells it, and the article's
  number as the corpus writes it); the share whose own article comes first, over all laws and over the laws whose
  short name is inside another law's title; the share whose first hit is that article of a law of that title
  (the corpus holds a few laws twice: 商标法, 民法典); and the share whose own article comes first when the number
  is typed in digits (民法典第9条);
* **name alone**: for each law with at least 20 articles, the query ``<short name>``; the mean share of the top
  10 that are that law's own articles.

It prints them for ``Weights(named=0)``, ``Weights(article=0)`` and the default and writes
``benchmarks/results/lookups.json``.
"""

from __future__ import annotations

import argparse
import collections
import random
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.corpus import REPO_ROOT, cache_dir, default_corpus, read_records
from benchmarks.evaluate import open_index
from benchmarks.report import write_figures
from lawsearch import Weights
from lawsearch.analysis import chinese_numeral, fold
from lawsearch.citations import canonical_law_name

SEED = 20261130
MIN_ARTICLES = 20
PER_LAW = 10
RESULTS = REPO_ROOT / "benchmarks" / "results" / "lookups.json"


def lookups(records: Sequence[dict[str, Any]], *, seed: int = SEED) -> tuple[list[tuple[str, str, bool]], list[str]]:
    """The article lookups ``(query, docid, whether the short name is inside another title)`` and the short names
    of the laws with at least ``MIN_ARTICLES`` articles."""
    by_law: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for record in records:
        if record.get("law") and str(record.get("article_no", "")).startswith("第"):
            by_law[record["law"]].append(record)
    names = {law: canonical_law_name(fold(law)) for law in by_law}
    inside = {name for name in names.values() if any(name != other and name in other for other in names.values())}
    chooser = random.Random(seed)
    queries, laws = [], []
    for law in sorted(by_law):
        articles = by_law[law]
        if len(articles) < MIN_ARTICLES:
            continue
        laws.append(names[law])
        for record in chooser.sample(articles, min(PER_LAW, len(articles))):
            queries.append((names[law] + record["article_no"], record["docid"], names[law] in inside))
    return queries, laws


def _in_digits(query: str) -> str:
    """The lookup with its article number in digits: 民法典第九条 → 民法典第9条."""
    law, _, article = query.rpartition("第")
    return f"{law}第{_NUMBERS[article.removesuffix('条')]}条"


_NUMBERS = {chinese_numeral(number): number for number in range(1, 10000)}


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lookups", description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, help="law corpus JSONL (default: ../shared/lawcorpus, else the cache)")
    parser.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.relative_to(REPO_ROOT)}")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    corpus = args.corpus or default_corpus()
    records = list(read_records(corpus))
    queries, laws = lookups(records)
    law_of = {record["docid"]: canonical_law_name(fold(record["law"])) for record in records if record.get("law")}
    index, _ = open_index([corpus], cache_dir() / "eval", progress=lambda m: print(m, file=sys.stderr))
    article_of = {record["docid"]: (law_of.get(record["docid"]), record.get("article_no")) for record in records}
    settings = {"named=0": Weights(named=0), "article=0": Weights(article=0), "default": Weights()}
    summary: dict[str, dict[str, float]] = {}
    for name, weights in settings.items():
        first = [index.search(query, limit=1, related=False, weights=weights) for query, _, _ in queries]
        found = [bool(r.hits) and r.hits[0].passage.id == docid for r, (_, docid, _) in zip(first, queries)]
        same = [
            bool(r.hits) and article_of[r.hits[0].passage.id] == article_of[docid]
            for r, (_, docid, _) in zip(first, queries)
        ]
        typed = [index.search(_in_digits(query), limit=1, related=False, weights=weights) for query, _, _ in queries]
        digits = [bool(r.hits) and r.hits[0].passage.id == docid for r, (_, docid, _) in zip(typed, queries)]
        shares = []
        for law in laws:
            hits = index.search(law, limit=10, related=False, weights=weights).hits
            shares.append(sum(law_of.get(hit.passage.id) == law for hit in hits) / max(len(hits), 1))
        inside = [ok for ok, (_, _, hidden) in zip(found, queries) if hidden]
        summary[name] = {
            "lookup@1": round(sum(found) / len(found), 3),
            "lookup@1_name_inside_another": round(sum(inside) / max(len(inside), 1), 3),
            "lookup@1_same_title_and_article": round(sum(same) / len(same), 3),
            "lookup@1_in_digits": round(sum(digits) / len(digits), 3),
            "name_alone_own@10": round(statistics.mean(shares), 3),
        }
    print(f"{len(queries)} article lookups and {len(laws)} names alone, from {corpus} ({len(records):,} articles)")
    inside_count = sum(hidden for _, _, hidden in queries)
    inside_label = f"name inside another ({inside_count})"
    print(
        f"{'setting':<10} {'lookup first':>13} {inside_label:>30} {'same title':>11} {'in digits':>10}"
        f" {'name alone':>11}"
    )
    for name, figures in summary.items():
        print(
            f"{name:<10} {figures['lookup@1']:>13.3f} {figures['lookup@1_name_inside_another']:>30.3f}"
            f" {figures['lookup@1_same_title_and_article']:>11.3f} {figures['lookup@1_in_digits']:>10.3f}"
            f" {figures['name_alone_own@10']:>11.3f}"
        )
    if not args.no_write:
        write_figures(RESULTS, corpus, summary=summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
