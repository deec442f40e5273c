"""The benchmark queries: short keyword queries, then the STARD questions in a fixed shuffled order.

Every system gets the same list. A system capped by ``--max-queries`` runs a prefix of it, so the keyword
queries come first (all of them are in any sample of at least their number) and the STARD questions follow in
an order shuffled with a fixed seed (the file is sorted by topic; a prefix of it would not be a fair sample).
The first query of the list is every system's cold query.

Relevance judgments (``qrels.tsv`` beside ``queries.jsonl``: ``qid<TAB>docid<TAB>1``) give R@10 and nDCG@10.
The metric functions below are graded (gain = grade) and shared with ``benchmarks.evaluate``; with binary
judgments they are the usual binary metrics.
"""

from __future__ import annotations

import csv
import json
import math
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

from benchmarks.corpus import REPO_ROOT

__all__ = [
    "KEYWORD_QUERIES",
    "METRICS",
    "SEED_QUERIES",
    "SHARED_QUERIES",
    "Query",
    "benchmark_queries",
    "hit_at",
    "ndcg_at",
    "query_metrics",
    "read_qrels",
    "recall_at",
    "reciprocal_rank_at",
    "relevance",
]

SHARED_QUERIES = REPO_ROOT.parent / "shared" / "stard-train" / "queries.jsonl"
SHUFFLE_SEED = 20240101

#: Short keyword queries a user of a law search types: one or two words, common and rare.
KEYWORD_QUERIES = (
    "个体工商户",
    "劳动合同 解除",
    "专利权",
    "食品安全",
    "未成年人保护",
    "正当防卫",
    "离婚 财产分割",
    "交通事故 赔偿",
    "行政处罚",
    "著作权 侵权",
    "环境污染",
    "消费者权益",
    "网络安全",
    "违约金",
    "遗产继承",
    "抵押权",
    "个人所得税",
    "土地承包经营权",
    "破产清算",
    "仲裁协议",
)

#: The seed reports' queries (README examples): a word from the user dictionary, a phrase, a question.
SEED_QUERIES = ("法治副校长", '"食品安全"', "查处了多少家违规培训机构", "执法证", "双随机一公开")

Query = dict[str, str]  # {"qid", "text", "set"}: set is "keyword" or "stard"


def read_stard(path: str | Path) -> list[Query]:
    with open(path, encoding="utf-8") as lines:
        return [
            {"qid": str(record["qid"]), "text": str(record["text"]), "set": "stard"}
            for record in map(json.loads, filter(str.strip, lines))
        ]


def benchmark_queries(stard: str | Path | None) -> list[Query]:
    """Keyword queries (qid ``k1``...) followed by the STARD questions of ``stard`` (if any), shuffled."""
    queries: list[Query] = [
        {"qid": f"k{n}", "text": text, "set": "keyword"} for n, text in enumerate(KEYWORD_QUERIES, start=1)
    ]
    if stard is not None:
        questions = read_stard(stard)
        random.Random(SHUFFLE_SEED).shuffle(questions)
        queries.extend(questions)
    return queries


def read_qrels(path: str | Path) -> dict[str, set[str]]:
    """Relevant docids by qid, from a ``qid<TAB>docid<TAB>relevance`` file (relevance > 0 counts)."""
    relevant: dict[str, set[str]] = {}
    with open(path, encoding="utf-8", newline="") as rows:
        for row in csv.reader(rows, delimiter="\t"):
            if len(row) >= 3 and row[2].strip() not in ("", "0"):
                relevant.setdefault(row[0], set()).add(row[1])
    return relevant


def relevance(top10: Mapping[str, Sequence[str]], qrels: Mapping[str, set[str]]) -> dict[str, float | int]:
    """Mean R@10, MRR@10 and nDCG@10 (binary gains) over the queries of ``top10`` that have judgments.

    >>> relevance({"q": ["a", "b"]}, {"q": {"b"}})["mrr@10"]
    0.5
    """
    judged = [qid for qid in top10 if qrels.get(qid)]
    if not judged:
        return {"n": 0}
    rows = [query_metrics(list(top10[qid])[:10], dict.fromkeys(qrels[qid], 1)) for qid in judged]
    n = len(judged)
    return {"n": n, **{name: sum(row[name] for row in rows) / n for name in ("r@10", "mrr@10", "ndcg@10")}}


# --- graded relevance metrics ----------------------------------------------------------------------------------
# ``ranked``: ids best first; ``grades``: id -> grade (0 = judged not relevant; an id without a grade counts 0).

#: The metrics of ``query_metrics``, in table order.
METRICS = ("ndcg@10", "mrr@10", "r@10", "r@100", "hit@1", "hit@10")


def ndcg_at(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    """nDCG@k with linear gains (gain = grade, discount log2(rank + 1)); 0.0 when nothing is relevant.

    The ideal ranking orders all the judged grades, so a relevant id the ranking never returns still counts.

    >>> round(ndcg_at(["a", "b", "c"], {"b": 2, "c": 1}, 10), 4)  # (2/log2 3 + 1/2) / (2 + 1/log2 3)
    0.6697
    >>> ndcg_at(["b", "c"], {"b": 2, "c": 1}, 10), ndcg_at(["x"], {}, 10)
    (1.0, 0.0)
    """
    ideal = sum(grade / math.log2(rank + 1) for rank, grade in enumerate(sorted(grades.values(), reverse=True)[:k], 1))
    if ideal <= 0:
        return 0.0
    return sum(grades.get(doc, 0) / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], start=1)) / ideal


def reciprocal_rank_at(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    """1 / rank of the first relevant id (grade > 0) in the top ``k``, else 0.0.

    >>> reciprocal_rank_at(["a", "b", "c"], {"a": 0, "c": 1}, 10), reciprocal_rank_at(["a", "c"], {"c": 1}, 1)
    (0.3333333333333333, 0.0)
    """
    return next((1 / rank for rank, doc in enumerate(ranked[:k], start=1) if grades.get(doc, 0) > 0), 0.0)


def recall_at(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    """The share of the relevant ids (grade > 0, any grade alike) found in the top ``k``; 0.0 if none are relevant.

    >>> recall_at(["a", "b", "c"], {"a": 2, "c": 1, "d": 1, "e": 0}, 2)
    0.3333333333333333
    """
    relevant = {doc for doc, grade in grades.items() if grade > 0}
    return len(relevant.intersection(ranked[:k])) / len(relevant) if relevant else 0.0


def hit_at(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    """1.0 if a relevant id (grade > 0) is in the top ``k``, else 0.0.

    >>> hit_at(["a", "b"], {"b": 1}, 1), hit_at(["a", "b"], {"b": 1}, 2)
    (0.0, 1.0)
    """
    return 1.0 if any(grades.get(doc, 0) > 0 for doc in ranked[:k]) else 0.0


def query_metrics(ranked: Sequence[str], grades: Mapping[str, int]) -> dict[str, float]:
    """Every metric of ``METRICS`` for one query.

    >>> query_metrics(["a", "b"], {"b": 1})
    {'ndcg@10': 0.6309297535714575, 'mrr@10': 0.5, 'r@10': 1.0, 'r@100': 1.0, 'hit@1': 0.0, 'hit@10': 1.0}
    """
    return {
        "ndcg@10": ndcg_at(ranked, grades, 10),
        "mrr@10": reciprocal_rank_at(ranked, grades, 10),
        "r@10": recall_at(ranked, grades, 10),
        "r@100": recall_at(ranked, grades, 100),
        "hit@1": hit_at(ranked, grades, 1),
        "hit@10": hit_at(ranked, grades, 10),
    }
