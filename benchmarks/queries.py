"""The benchmark queries: short keyword queries, then the STARD questions in a fixed shuffled order.

Every system gets the same list. A system capped by ``--max-queries`` runs a prefix of it, so the keyword
queries come first (all of them are in any sample of at least their number) and the STARD questions follow in
an order shuffled with a fixed seed (the file is sorted by topic; a prefix of it would not be a fair sample).
The first query of the list is every system's cold query.

Relevance judgments (``qrels.tsv`` beside ``queries.jsonl``: ``qid<TAB>docid<TAB>1``) give R@10 and nDCG@10.
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
    "SEED_QUERIES",
    "SHARED_QUERIES",
    "Query",
    "benchmark_queries",
    "read_qrels",
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
    recall = mrr = ndcg = 0.0
    for qid in judged:
        wanted = qrels[qid]
        ranked = list(top10[qid])[:10]
        hits = [doc in wanted for doc in ranked]
        recall += sum(hits) / len(wanted)
        mrr += next((1 / rank for rank, hit in enumerate(hits, start=1) if hit), 0.0)
        dcg = sum(1 / math.log2(rank + 1) for rank, hit in enumerate(hits, start=1) if hit)
        ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(wanted), 10) + 1))
        ndcg += dcg / ideal
    n = len(judged)
    return {"n": n, "r@10": recall / n, "mrr@10": mrr / n, "ndcg@10": ndcg / n}
