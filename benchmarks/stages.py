"""Where a query's time goes: ``lawsearch.search`` stage by stage, a question's first run against its second.

::

    python -m benchmarks.stages                  # 600 STARD questions over the law corpus
    python -m benchmarks.stages --limit 100 --corpus corpus/ --queries my-queries.jsonl

The benchmark runs every question once in a fresh process, so it pays each question's first-use costs
(segmenting it, scoring terms not seen before, segmenting headings not seen before); a long-running process
that sees a question, its terms or its passages again does not. This runs each question twice in one process
through the same steps ``search`` takes for a plain question (``run_stages``; a question has no related passages,
and the check leaves out those of keywords), timing each step, and prints the
median (what the benchmark's p50 compares) and the mean per stage for the first run ("new") and the second
("again"): a one-off cost (the section kinds at the first query that asks for one) moves the mean, not the
median. It checks that the staged steps return the
same ten passages as ``Index.search`` for every question, so it cannot drift from what ``search`` does.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.corpus import CorpusNotFoundError, cache_dir, default_corpus
from benchmarks.evaluate import open_index
from benchmarks.queries import SHARED_QUERIES, read_stard
from benchmarks.report import _table  # the suite's table layout (CJK-aware widths), shared on purpose
from lawsearch import Index, parse_query
from lawsearch import search as engine
from lawsearch.highlight import best_fragments, matcher
from lawsearch.models import trusted_hit

__all__ = ["STAGES", "StageMismatchError", "run_stages"]

#: The stages, in the order ``search`` runs them.
STAGES = (
    ("plan", "query analysis (parse, jieba, sub-words, synonyms)"),
    ("rank", "BM25F over the postings, matches, boosts"),
    ("top", "top 10"),
    ("rules", "highlight rules for the query"),
    ("spans", "the 10 passages' spans"),
    ("passages", "10 passages and their fragments"),
    ("sections", "section-path spans"),
    ("hits", "hit objects"),
)


class StageMismatchError(Exception):
    """The staged steps ranked differently from ``Index.search``: this module no longer mirrors it."""


def run_stages(index: Index, query: str, limit: int = 10) -> tuple[list[str], dict[str, float]]:
    """The top ``limit`` passage ids for a plain query, and the seconds each stage took."""
    clock = time.perf_counter
    weights = engine.Weights()
    core = index.core()
    seconds = dict.fromkeys((name for name, _ in STAGES), 0.0)

    started = clock()
    plan = engine.compile_query(parse_query(query), weights)
    seconds["plan"] = clock() - started

    started = clock()
    rows, ranked, _ = engine._scored_matches(core, plan, weights)
    seconds["rank"] = clock() - started

    started = clock()
    order = engine._top(ranked, limit)
    top, top_scores = rows[order], ranked[order]
    seconds["top"] = clock() - started

    started = clock()
    terms = frozenset(plan.terms) - plan.rank_only - plan.phrase_only
    in_text = in_section = matcher(terms, plan.phrases)
    seconds["rules"] = clock() - started

    ids = []
    started = clock()
    found = in_text.spans_of([core.matching_text(row) for row in top.tolist()])
    seconds["spans"] = clock() - started
    numbers = core.passage_document[top].tolist()
    started = clock()
    passages = [core.passage(row) for row in top.tolist()]
    seconds["passages"] += clock() - started
    started = clock()
    sections = in_section.sections_spans([passage.section for passage in passages], core.headings)
    seconds["sections"] = clock() - started
    for rank, (passage, number, score, spans, section_spans) in enumerate(
        zip(passages, numbers, top_scores.tolist(), found, sections), 1
    ):
        started = clock()
        document = core.document(number)
        fragments = best_fragments(passage.text, spans)
        between = clock()
        trusted_hit(rank, round(score, 6), passage, document, spans, fragments, section_spans, 0, False)  # as search
        seconds["passages"] += between - started
        seconds["hits"] += clock() - between
        ids.append(passage.id)
    return ids, seconds


def measure(index: Index, queries: Sequence[str]) -> dict[str, tuple[float, float, float, float]]:
    """Milliseconds per stage over ``queries``: median and mean of the first runs, median and mean of the second
    runs, and the ``all`` row (each query's stages summed).

    Raises:
        StageMismatchError: for some query the staged steps and ``Index.search`` disagree on the top 10.
    """
    first = [run_stages(index, query) for query in queries]
    second = [run_stages(index, query) for query in queries]
    for query, (ids, _) in zip(queries, first):
        expected = [hit.passage.id for hit in index.search(query, related=False).hits]
        if ids != expected:
            raise StageMismatchError(f"{query!r}: staged top 10 {ids[:3]}… differs from search's {expected[:3]}…")
    figures: dict[str, tuple[float, float, float, float]] = {}
    for name, _ in (*STAGES, ("all", "")):
        new = np.array([sum(s.values()) if name == "all" else s[name] for _, s in first]) * 1e3
        again = np.array([sum(s.values()) if name == "all" else s[name] for _, s in second]) * 1e3
        figures[name] = (float(np.median(new)), float(new.mean()), float(np.median(again)), float(again.mean()))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stages", description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, help="corpus to index (default: the law corpus)")
    parser.add_argument("--queries", type=Path, help="queries JSONL with qid and text (default: STARD's)")
    parser.add_argument("--limit", type=int, default=600, help="questions to run, from a fixed shuffle (default 600)")
    args = parser.parse_args(argv)
    try:
        corpus = args.corpus or default_corpus()
        queries_path = args.queries or SHARED_QUERIES
        if not queries_path.is_file():
            raise FileNotFoundError(f"no queries at {queries_path}: pass --queries")
        texts = [query["text"] for query in read_stard(queries_path)]
    except (CorpusNotFoundError, OSError, ValueError, KeyError) as exc:
        print(f"python -m benchmarks.stages: {exc}", file=sys.stderr)
        return 2
    random.Random(2).shuffle(texts)
    texts = texts[: max(args.limit, 1)]
    index, _ = open_index([corpus], cache_dir() / "eval")
    index.search("个体工商户")  # imports, dictionary load, core load: not a stage
    figures = measure(index, texts)
    rows = [(label, *(f"{value:.3f}" for value in figures[name])) for name, label in (*STAGES, ("all", "all"))]
    print(f"{len(texts)} queries over {corpus}, each run twice; ms per stage")
    print("\n".join(_table(("stage", "new p50", "new mean", "again p50", "again mean"), rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
