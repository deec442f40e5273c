"""The benchmark harness works end to end (correctness only: no timing is asserted anywhere).

A tiny corpus of 200 records made from the seed reports' passages stands in for the law corpus.
"""

from __future__ import annotations

import doctest
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import lawsearch

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `pytest` run without `python -m` does not put the repository on the path
    sys.path.insert(0, str(ROOT))

from benchmarks import corpus, measure, queries, report, run  # noqa: E402

RECORDS = 200


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 JSONL records (id, text, law, chapter) from the seed reports' passages, cycled with new ids."""
    passages: list[tuple[str, lawsearch.Passage]] = []
    for report_file in sorted(lawsearch.bundled_corpus().glob("*.txt")):
        for parsed in lawsearch.read_file(report_file):
            passages.extend((parsed.document.title, p) for p in parsed.passages)
    records = [
        {
            "docid": f"p{n}",
            "text": passage.text,
            "law": title,
            "chapter": passage.section[0] if passage.section else "",
        }
        for n, (title, passage) in zip(range(RECORDS), passages * (RECORDS // len(passages) + 1))
    ]
    return corpus.write_records(records, tmp_path_factory.mktemp("bench") / "tiny.jsonl")


def test_the_corpus_loader_reads_every_record(tiny_corpus: Path) -> None:
    records = list(corpus.read_records(tiny_corpus))
    assert len(records) == RECORDS
    assert len(list(corpus.read_records(tiny_corpus, limit=7))) == 7
    assert corpus.text_bytes(records) == sum(len(r["text"].encode("utf-8")) for r in records)
    tripled = corpus.scaled(records, 3)
    assert len(tripled) == 3 * RECORDS
    assert len({corpus.record_id(r) for r in tripled}) == 3 * RECORDS
    assert corpus.record_id(tripled[RECORDS]) == "p0~2"


def test_queries_put_keywords_first_and_shuffle_stard_the_same_way(tmp_path: Path) -> None:
    stard = tmp_path / "queries.jsonl"
    stard.write_text("".join(json.dumps({"qid": str(n), "text": f"问题{n}"}) + "\n" for n in range(30)), "utf-8")
    first, second = queries.benchmark_queries(stard), queries.benchmark_queries(stard)
    keywords = len(queries.KEYWORD_QUERIES)
    assert first == second
    assert [q["set"] for q in first] == ["keyword"] * keywords + ["stard"] * 30
    assert sorted(int(q["qid"]) for q in first[keywords:]) == list(range(30))
    assert queries.benchmark_queries(None) == first[:keywords]


def test_relevance_and_parsing_helpers() -> None:
    figures = queries.relevance({"1": ["a", "x", "b"], "2": ["y"], "3": ["z"]}, {"1": {"a", "b"}, "2": {"q"}})
    assert figures["n"] == 2
    assert figures["r@10"] == pytest.approx(0.5)
    assert figures["mrr@10"] == pytest.approx(0.5)
    assert run.parse_max_queries("50,stock=10") == (50, {"stock": 10})
    with pytest.raises(Exception, match="not N or SYSTEM=N"):
        run.parse_max_queries("nosuch=3")


@pytest.mark.parametrize("module", [corpus, measure, queries, report, run])
def test_doctests_of_the_harness(module: object) -> None:
    failures, _tests = doctest.testmod(module)  # type: ignore[arg-type]
    assert failures == 0


def _run_benchmarks(tmp_path: Path, tiny_corpus: Path, systems: str) -> dict[str, Any]:
    out = tmp_path / "out.json"
    command = [sys.executable, "-m", "benchmarks", "--quick", "--queries", "none", "--systems", systems]
    done = subprocess.run(
        [*command, "--corpus", str(tiny_corpus), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Build (corpus file → index on disk)" in done.stdout
    figures: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return figures


def test_quick_run_of_lawsearch_end_to_end(tmp_path: Path, tiny_corpus: Path) -> None:
    figures = _run_benchmarks(tmp_path, tiny_corpus, "lawsearch")
    meta, summary = figures["meta"], figures["summary"]
    assert {"python", "whoosh-reloaded", "jieba", "lawsearch"} <= set(meta["versions"])
    assert meta["corpus"]["records"] == RECORDS
    (build,) = summary["build"]
    keys = {"tokenize_s", "index_s", "total_s", "mb_per_s", "x_stock", "index_bytes", "size_ratio", "peak_mb"}
    assert keys <= set(build)
    assert build["system"] == "lawsearch" and build["index_bytes"] > 0 and build["peak_mb"] > 0
    rows = {row["variant"]: row for row in summary["query"] if row["system"] == "lawsearch"}
    assert rows["highlights"]["n"] == len(queries.KEYWORD_QUERIES) - 1  # all keyword queries but the cold one
    assert rows["highlights"]["errors"] == 0
    assert {"cold_ms", "p50", "p95", "open_s", "peak_mb"} <= set(rows["highlights"])
    assert summary["seed"]["passages"] > 0
    assert {q["text"] for q in summary["seed"]["queries"]} == set(queries.SEED_QUERIES)
    assert [t["target"] for t in summary["targets"]] == [t[0] for t in report.TARGETS]
    assert not summary["failures"]
    assert summary["paired"] is None  # bm25s did not run


def test_paired_run_times_lawsearch_and_bm25s_query_by_query(tmp_path: Path, tiny_corpus: Path) -> None:
    if not _importable("bm25s"):
        pytest.skip("bm25s is not installed")
    figures = _run_benchmarks(tmp_path, tiny_corpus, "lawsearch,bm25s")
    (job,) = [r for r in figures["results"] if r["phase"] == "paired"]
    assert job["ok"] and len(job["pairs"]) == len(queries.KEYWORD_QUERIES) - 1  # all but the cold query
    assert all(ours > 0 and peer > 0 for _, ours, peer in job["pairs"])
    paired = figures["summary"]["paired"]
    assert paired["queries"] == len(job["pairs"]) and paired["p50"][0] > 0 and paired["p50"][1] > 0
    assert paired["ratio"] == pytest.approx(paired["p50"][0] / paired["p50"][1])
    (bare,) = [t for t in figures["summary"]["targets"] if "bm25s" in t["target"]]
    assert bare["measured"] == paired["ratio"]  # the target reads the paired figure


def test_quick_run_of_the_pre_tokenized_peers(tmp_path: Path, tiny_corpus: Path) -> None:
    peers = [name for name in ("bm25s", "tantivy") if _importable(name)]
    if not peers:
        pytest.skip("neither bm25s nor tantivy is installed")
    figures = _run_benchmarks(tmp_path, tiny_corpus, ",".join(peers))
    built = {row["system"]: row for row in figures["summary"]["build"]}
    assert set(built) == set(peers)
    for row in built.values():
        assert row["tokenize_s"] > 0 and row["total_s"] >= row["index_s"]
    served = {row["system"] for row in figures["summary"]["query"] if row["n"]}
    assert served == set(peers)


def test_rjieba_comparison_counts_identical_cuts(tmp_path: Path, tiny_corpus: Path) -> None:
    pytest.importorskip("rjieba")
    figures = _run_benchmarks(tmp_path, tiny_corpus, "rjieba")
    tokenizers = figures["summary"]["tokenizers"]
    assert tokenizers["texts"] == RECORDS
    assert 0 <= tokenizers["identical"] <= RECORDS
    assert {row["tokenizer"] for row in tokenizers["rows"]} == {"jieba", "rjieba"}


def _importable(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def test_stages_mirror_search_on_the_seed_reports(seed_index: lawsearch.Index) -> None:
    from benchmarks import stages

    questions = ["法治副校长配备率是多少", "违规办学的培训机构被罚了多少钱", "明年的法治工作打算是什么", '"食品安全"']
    questions += ["法治副校长", "宪法宣传周"]  # keywords: their sub-words rank, but match nothing by themselves
    questions += ["执法队伍"]  # a keyword jieba cuts in two: both parts, and saying it whole ranks higher
    ids, seconds = stages.run_stages(seed_index, questions[0])
    assert ids == [hit.passage.id for hit in seed_index.search(questions[0]).hits]
    assert set(seconds) == {name for name, _ in stages.STAGES} and all(s >= 0 for s in seconds.values())
    figures = stages.measure(seed_index, questions)  # raises StageMismatchError where it ranks unlike search
    assert set(figures) == {*seconds, "all"}
    assert figures["all"][1] >= figures["plan"][1] + figures["rank"][1]  # means: the mean of sums is their sum


def test_stages_notice_when_they_stop_mirroring_search(
    seed_index: lawsearch.Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks import stages

    monkeypatch.setattr(stages, "run_stages", lambda index, query: (["not-a-passage"], {"all": 0.0}))
    with pytest.raises(stages.StageMismatchError, match="differs from search"):
        stages.measure(seed_index, ["法治副校长"])


def test_compound_keywords_come_from_the_text_and_saying_them_whole_ranks_higher(seed_index: lawsearch.Index) -> None:
    from benchmarks import compounds
    from lawsearch.search import _compound

    texts = [p.text for document in seed_index.documents() for p in seed_index.passages(document.id)]
    keywords = compounds.sample_keywords(texts, count=5)
    assert len(keywords) == 5 and all(_compound(k) and any(k in text for text in texts) for k in keywords)
    assert keywords == compounds.sample_keywords(texts, count=5)  # a fixed seed: the same sample each run
    for keyword in keywords:
        new = compounds.measure(seed_index, keyword, lawsearch.Weights())
        old = compounds.measure(seed_index, keyword, lawsearch.Weights(phrase=0))
        assert new["matches"] < old["matches"] and new["whole@10"] >= old["whole@10"], keyword


def test_law_lookups_are_drawn_from_the_articles_and_know_names_inside_other_titles() -> None:
    from benchmarks import lookups

    records = list(corpus.read_records(ROOT / "tests" / "data" / "cited-laws.jsonl"))
    for record in records:  # the fixture names its records by id; the law corpus by docid
        record["docid"] = record["id"]
    queries, laws = lookups.lookups(records)
    assert queries == lookups.lookups(records)[0]  # a fixed seed
    assert set(laws) == {"未成年人保护法", "教育法", "行政处罚法", "预防未成年人犯罪法", "义务教育法", "教师法"}
    assert len(queries) == lookups.PER_LAW * len(laws)
    by_id = {record["docid"]: record for record in records}
    for query, docid, inside in queries:
        name = query[: query.index("第")]
        assert by_id[docid]["law"].endswith(name) and query == name + by_id[docid]["article_no"]
        assert inside == (name == "教育法"), query  # 教育法 is inside 义务教育法 (and 犯罪法 is no title)


def test_stages_mirror_search_where_a_law_is_named(reports_and_laws: lawsearch.Index) -> None:
    from benchmarks import stages

    stages.measure(reports_and_laws, ["教育法第二十八条", "教育法", "学习教育法"])  # raises where unlike search
