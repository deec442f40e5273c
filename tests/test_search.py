"""Search over the real seed reports: default semantics, phrases, filters, operators, ranking, pagination."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawsearch import render
from lawsearch import search as search_module
from lawsearch.analysis import analyze_query, chinese_numeral, fold, index_terms
from lawsearch.errors import InvalidArgumentError, QuerySyntaxError
from lawsearch.highlight import phrase_pattern
from lawsearch.index import Index
from lawsearch.ingest import discover, read_file
from lawsearch.models import Passage
from lawsearch.query import parse_query
from lawsearch.render import explanation_to_dict, render_explanation
from lawsearch.search import Weights, _top, compile_query
from lawsearch.sections import KINDS

from conftest import CORPUS, LAWS

FIVE = {"hanyang-edu-2024", "shanzhou-edu-2023", "huangzhong-edu-2024", "heping-edu-2024", "zhongzhan-edu-2024"}


def all_passages() -> list[Passage]:
    return [p for s in discover([CORPUS]) for d in read_file(s.path, doc_id=s.doc_id) for p in d.passages]


def squeeze(text: str) -> str:
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]", "", fold(text))


def test_keyword_finds_passages_in_all_five_reports_with_highlights(seed_index) -> None:
    results = seed_index.search("法治副校长", limit=20)
    expected = {p.id for p in all_passages() if "法治副校长" in p.text}
    assert {h.passage.id for h in results.hits} == expected
    assert results.total == len(expected)
    assert {h.document.id for h in results.hits} == FIVE
    for hit in results.hits:
        marked = [hit.passage.text[s.start : s.end] for s in hit.spans]
        assert "法治副校长" in marked
        assert hit.fragments and any("法治副校长" in hit.passage.text[f.start : f.end] for f in hit.fragments)
    assert [h.rank for h in results.hits] == list(range(1, len(expected) + 1))
    assert [h.score for h in results.hits] == sorted((h.score for h in results.hits), reverse=True)


@pytest.mark.parametrize("phrase", ["食品安全", "法治副校长", "校外培训机构", "依法治校"])
def test_phrase_query_returns_exactly_the_passages_containing_it(seed_index, phrase: str) -> None:
    results = seed_index.search(f'"{phrase}"', limit=100)
    expected = {p.id for p in all_passages() if phrase in squeeze(p.text)}
    assert expected and {h.passage.id for h in results.hits} == expected
    for hit in results.hits:
        assert any(squeeze(hit.passage.text[s.start : s.end]) == phrase for s in hit.spans)


@pytest.mark.parametrize("phrase", ["加强校园", "法治 教育", "依法 行政", "校外培训机构", "双随机一公开", "全面 推进"])
def test_a_phrase_is_highlighted_only_where_the_phrase_occurs(seed_index, phrase: str) -> None:
    """Its words alone are not marked: 加强 of "加强校园" was marked in 持续加强校外培训机构 too."""
    pattern = phrase_pattern(phrase)
    assert pattern is not None
    results = seed_index.search(f'"{phrase}"', limit=100)
    assert results.total > 0
    for hit in results.hits:
        occurrences = [m.span() for m in pattern.finditer(fold(hit.passage.text))]
        assert [(s.start, s.end) for s in hit.spans] == occurrences, hit.passage.id
        section = fold(hit.passage.section_path)
        assert [(s.start, s.end) for s in hit.section_spans] == [m.span() for m in pattern.finditer(section)]
    # a word typed outside the phrase too is marked wherever it occurs (touching spans merge: compare characters)
    mixed = seed_index.search(f'校园 "{phrase}"', limit=100)
    for hit in mixed.hits:
        text = fold(hit.passage.text)
        allowed = {i for m in [*pattern.finditer(text), *re.finditer("校园", text)] for i in range(*m.span())}
        assert {i for s in hit.spans for i in range(s.start, s.end)} <= allowed, hit.passage.id


_PASSAGES = all_passages()
_QUOTE_MARKS = "\"'“”‘’「」『』＂"


@settings(max_examples=60, deadline=None)
@given(st.integers(0, len(_PASSAGES) - 1), st.integers(0, 10**6), st.integers(2, 8))
def test_any_phrase_of_a_passage_finds_it_and_marks_only_the_phrase(
    seed_index, number: int, offset: int, length: int
) -> None:
    """A run of 2 to 8 characters of a seed passage, searched as a phrase, finds that passage, and every hit's
    spans lie inside occurrences of the phrase (1,437 of 1,500 random ones checked once, outside the suite)."""
    passage = _PASSAGES[number]
    text = passage.text
    start = offset % max(1, len(text) - 1)
    phrase = text[start : start + length].strip()
    pattern = phrase_pattern(phrase)
    if pattern is None or any(mark in phrase for mark in _QUOTE_MARKS) or not pattern.search(fold(text)):
        return  # only punctuation; a quote mark that would end the phrase; part of a number (20 of 2024)
    results = seed_index.search(f'"{phrase}"', limit=200)
    assert passage.id in {hit.passage.id for hit in results.hits}, phrase
    for hit in results.hits:
        inside = {i for m in pattern.finditer(fold(hit.passage.text)) for i in range(*m.span())}
        assert inside and {i for s in hit.spans for i in range(s.start, s.end)} <= inside, (phrase, hit.passage.id)


def test_phrase_order_matters_and_punctuation_between_characters_is_ignored(seed_index) -> None:
    assert seed_index.search('"全安品食"').total == 0
    # 安全、食品 (校园安全、食品安全) is 安全食品 with a comma between: punctuation never breaks a phrase
    reversed_order = seed_index.search('"安全食品"', limit=50)
    assert {h.passage.id for h in reversed_order.hits} == {
        p.id for p in all_passages() if "安全食品" in squeeze(p.text)
    }
    found = seed_index.search('"双随机一公开"', limit=50)
    assert found.total == len([p for p in all_passages() if "双随机、一公开" in p.text]) > 0
    assert all(any(hit.passage.text[s.start : s.end] == "双随机、一公开" for s in hit.spans) for hit in found.hits)


def test_natural_language_question_ranks_the_answering_passages_first(seed_index) -> None:
    results = seed_index.search("查处了多少家违规培训机构")
    assert {h.passage.id for h in results.hits[:2]} == {"hanyang-edu-2024#10", "huangzhong-edu-2024#5"}
    assert results.total > 2  # OR semantics: partial matches are still found, ranked lower


def test_filters_restrict_without_changing_scores(seed_index) -> None:
    plain = {h.passage.id: h.score for h in seed_index.search("法治副校长", limit=50).hits}
    filtered = seed_index.search("法治副校长 year:2024", limit=50)
    assert filtered.hits and all(h.document.year == 2024 for h in filtered.hits)
    assert all(plain[h.passage.id] == h.score for h in filtered.hits)
    assert {h.document.id for h in seed_index.search("法治副校长 year:2023").hits} == {"shanzhou-edu-2023"}
    assert {h.document.id for h in seed_index.search("培训 org:汉阳区教育局", limit=50).hits} == {"hanyang-edu-2024"}
    assert {h.document.id for h in seed_index.search("region:湟中区", limit=50).hits} == {"huangzhong-edu-2024"}
    assert seed_index.search("region:湟中区", limit=50).total == 19
    assert seed_index.search("year:2023..2024", limit=1).total == seed_index.search("year:2020..2030", limit=1).total
    assert seed_index.search("doc:heping-edu-2024").total == 22
    # a region is also the city and province it lies in; province: and city: name those alone
    henan = {"shanzhou-edu-2023", "zhongzhan-edu-2024"}
    for query in ("region:河南", "region:河南省", "province:河南", "province:河南省"):
        assert {h.document.id for h in seed_index.search(query, limit=100).hits} == henan, query
    assert {h.document.id for h in seed_index.search("city:焦作 OR region:西宁", limit=100).hits} == {
        "zhongzhan-edu-2024",
        "huangzhong-edu-2024",
    }
    assert seed_index.search("province:天津 法治副校长").total == 1
    assert seed_index.search("province:河北").total == seed_index.search("city:中站区").total == 0


@pytest.mark.parametrize(
    ("part", "whole", "document"),
    [
        ("region:陕州", "region:陕州区", "shanzhou-edu-2023"),
        ("org:中站", "org:中站区教育局", "zhongzhan-edu-2024"),
        ("title:湟中区教育", "title:湟中区教育系统", "huangzhong-edu-2024"),
    ],
)
def test_a_part_of_a_document_name_filters_too(seed_index, part: str, whole: str, document: str) -> None:
    """jieba keeps 陕州区 and 中站区 whole, so the word filter alone found nothing for a part of them."""
    in_it = sum(1 for p in all_passages() if p.document_id == document)
    for query in (part, whole):
        results = seed_index.search(query, limit=1)
        assert results.total == in_it and results.hits[0].document.id == document, query
    assert seed_index.search(part.split(":")[0] + ":西安").total == 0


def test_section_filter_matches_heading_words(seed_index) -> None:
    results = seed_index.search("section:存在问题", limit=100)
    assert results.total > 0
    for hit in results.hits:
        assert "存在" in hit.passage.section_path and "问题" in hit.passage.section_path


def test_boolean_operators(seed_index) -> None:
    both = seed_index.search("培训 AND 执法", limit=100)
    for hit in both.hits:
        terms = set(index_terms(hit.passage.text + " " + hit.document.title + " " + " ".join(hit.passage.section)))
        assert {"培训", "执法"} <= terms
    no_2024 = seed_index.search("法治副校长 NOT year:2024", limit=50)
    assert {h.document.id for h in no_2024.hits} == {"shanzhou-edu-2023"}
    either = seed_index.search("食品安全 OR 执法证", limit=100)
    assert either.total >= max(seed_index.search("食品安全").total, seed_index.search("执法证").total)
    without = seed_index.search("执法证 NOT region:和平区", limit=100)
    assert without.total == seed_index.search("执法证").total - 1
    assert "heping-edu-2024" not in {h.document.id for h in without.hits}


def test_pagination_is_consistent(seed_index) -> None:
    everything = seed_index.search("法治 教育", limit=30)
    page2 = seed_index.search("法治 教育", page=2, limit=10)
    assert page2.total == everything.total and page2.pages == -(-everything.total // 10)
    assert [h.passage.id for h in page2.hits] == [h.passage.id for h in everything.hits[10:20]]
    assert [h.rank for h in page2.hits] == list(range(11, 21))
    assert seed_index.search("法治", page=999).hits == ()


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"page": 0}, "page"), ({"limit": 0}, "limit"), ({"limit": 5000}, "limit")]
)
def test_bad_paging_arguments(seed_index, kwargs, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        seed_index.search("法治", **kwargs)


def test_malformed_query_raises(seed_index) -> None:
    with pytest.raises(QuerySyntaxError, match="unclosed quote"):
        seed_index.search('"食品安全')


def test_field_weights_change_the_ranking_contribution_of_titles(seed_index) -> None:
    # every 汉阳区 passage matches 汉阳区 in its title; without title weight only body mentions score
    with_title = seed_index.search("汉阳区", limit=50)
    no_title = seed_index.search("汉阳区", limit=50, weights=Weights(title=0.0))
    assert with_title.total == no_title.total
    zero = [h for h in no_title.hits if h.score == 0]
    assert zero and all("汉阳区" not in h.passage.text for h in zero)
    assert all(h.score > 0 for h in with_title.hits)
    with pytest.raises(InvalidArgumentError, match="'b_body' must be between 0 and 1"):
        Weights(b_body=2.0)


def test_highlights_are_honest(seed_index) -> None:
    for query in ["法治副校长", "查处了多少家违规培训机构", '"食品安全" 检查', "未成年人保护法"]:
        plan = compile_query(parse_query(query))
        allowed = set(plan.terms) | {fold(p) for p in plan.phrases}
        for hit in seed_index.search(query, limit=20).hits:
            if not hit.spans:  # matched only in the title or a section heading: nothing in the body to mark
                heading_terms = set(index_terms(hit.document.title + " " + " ".join(hit.passage.section)))
                assert heading_terms & set(plan.terms), (query, hit.passage.id)
            for span in hit.spans:
                assert set(span.term.split()) <= allowed
                assert 0 <= span.start < span.end <= len(hit.passage.text)
            starts = [s.start for s in hit.spans]
            assert starts == sorted(starts)
            assert all(a.end < b.start for a, b in zip(hit.spans, hit.spans[1:]))  # merged: never touching


def test_stopword_only_query_matches_nothing(seed_index) -> None:
    assert seed_index.search("的 了 吗").total == 0


def test_matches_in_section_headings_are_highlighted_there(seed_index) -> None:
    results = seed_index.search("培训 year:2023", limit=50)
    heading_only = [h for h in results.hits if not h.spans]
    assert heading_only, "expected a passage that matches 培训 only in its section path"
    for hit in heading_only:
        assert [hit.passage.section_path[s.start : s.end] for s in hit.section_spans] == ["培训"]


def test_the_stock_jieba_analyzer_cannot_do_what_we_do(tmp_path, seed_index) -> None:
    """Why lawsearch has its own tokenizer: whoosh + jieba.analyse.ChineseAnalyzer on the same passages."""
    import warnings

    import whoosh.index
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.qparser import QueryParser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from jieba.analyse import ChineseAnalyzer

    schema = Schema(id=ID(stored=True), body=TEXT(analyzer=ChineseAnalyzer()))
    stock = whoosh.index.create_in(str(tmp_path), schema)
    with stock.writer() as writer:
        for passage in all_passages():
            writer.add_document(id=passage.id, body=passage.text)
    with stock.searcher() as searcher:
        parse = QueryParser("body", stock.schema).parse
        # token.pos is a character offset, so phrases never match
        assert len(searcher.search(parse('"食品安全"'))) == 0
        # single digits and letters are dropped: "3名干部" cannot be found by 3
        assert len(searcher.search(parse("3"))) == 0
    assert seed_index.search('"食品安全"').total == 3
    assert seed_index.search('"3名"').total > 0


@pytest.fixture(params=["compiled", "numpy"])
def top_path(request, monkeypatch):  # type: ignore[no-untyped-def]
    """``_top`` as it runs: compiled for a page (when built), and numpy's sampling and sort without the extension."""
    if request.param == "numpy":
        monkeypatch.setattr("lawsearch.search.speedups", None)
    elif search_module.speedups is None:
        pytest.skip("the C extension was not built")
    return request.param


@given(st.lists(st.integers(0, 6), max_size=2000), st.integers(1, 12))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_top_k_equals_a_full_sort_ties_in_reading_order(top_path: str, values: list[int], k: int) -> None:
    # few distinct values: many ties at the boundary, and long arrays take the sampling path
    scores = np.array(values, dtype=np.float64) / 3
    expected = np.lexsort((np.arange(len(scores)), -scores))[:k]
    assert _top(scores, k).tolist() == expected.tolist()


def test_top_k_on_long_score_arrays_with_ties(top_path: str) -> None:
    rng = np.random.default_rng(7)
    for size, k in ((5000, 10), (400, 10), (321, 10), (2000, 50), (3000, 150)):
        scores = rng.integers(0, 40, size).astype(np.float64)
        expected = np.lexsort((np.arange(size), -scores))[:k]
        assert _top(scores, k).tolist() == expected.tolist()
        assert _top(scores[::3], k).tolist() == np.lexsort((np.arange(len(scores[::3])), -scores[::3]))[:k].tolist()


def test_variants_widen_a_keyword_and_are_highlighted_where_they_occur(seed_index) -> None:
    results = seed_index.search("执法证", limit=10)
    by_id = {hit.passage.id: hit for hit in results.hits}
    assert {"heping-edu-2024#12", "shanzhou-edu-2023#17", "huangzhong-edu-2024#8"} <= set(by_id)
    found = by_id["huangzhong-edu-2024#8"]  # says 执法资格证 only
    assert "执法证" not in found.passage.text
    assert {found.passage.text[s.start : s.end] for s in found.spans} == {"执法资格证"}
    assert results.hits[0].passage.id == "heping-edu-2024#12"  # the typed word outranks its variants


def test_a_question_matches_sub_words_at_a_lower_weight(seed_index) -> None:
    results = seed_index.search("查处了多少家违规培训机构", limit=50)
    assert [h.passage.id for h in results.hits[:2]] == ["hanyang-edu-2024#10", "huangzhong-edu-2024#5"]
    plain = seed_index.search("查处了多少家违规培训机构", limit=50, weights=Weights(subwords=0))
    assert results.total > plain.total  # 培训, 机构 inside 培训机构 also match


def test_a_keywords_sub_words_rank_its_matches_but_match_and_highlight_nothing(seed_index) -> None:
    query = "法治副校长"
    ranked = seed_index.search(query, facets=True)
    plain = seed_index.search(query, facets=True, weights=Weights(subwords=0))
    assert ranked.total == plain.total == 8  # the same passages match: those that say 法治副校长
    assert {h.passage.id for h in ranked.hits} == {h.passage.id for h in plain.hits}
    assert ranked.facets == plain.facets
    assert compile_query(parse_query(query)).rank_only == {"法治", "副校长", "校长"}
    # ... ranked differently: 陕州's passage on 法制副校长 speaks of 校长 in its heading and of 法治 in its text too
    order = [h.passage.id for h in ranked.hits]
    assert order.index("shanzhou-edu-2023#11") < [h.passage.id for h in plain.hits].index("shanzhou-edu-2023#11")
    for hit in ranked.hits:  # highlights show what matched: 法治副校长, never 法治 or 校长 alone
        assert {hit.passage.text[s.start : s.end] for s in hit.spans} == {"法治副校长"}
        assert all(hit.passage.section_path[s.start : s.end] == "法治副校长" for s in hit.section_spans)
        explanation = seed_index.explain(query, hit.passage.id)
        assert explanation.matched and explanation.score == pytest.approx(hit.score, abs=1e-4)
    assert any(t.source == "subword" and t.contribution > 0 for t in explanation.terms)
    # a keyword that no report says, though they say its sub-words 宪法 and 宣传 often: still no match
    assert compile_query(parse_query("宪法宣传周")).rank_only == {"宪法", "宣传", "宣传周"}
    assert seed_index.search("宪法宣传周").total == 0


def test_related_passages_follow_the_matches_of_keywords(seed_index) -> None:
    """学宪法 讲宪法: three passages say them; after those come the passages that speak of 宪法 (a word inside
    both, more than half of each) without saying either, marked related, their 宪法 highlighted."""
    query = "学宪法 讲宪法"
    results = seed_index.search(query, limit=20, facets=["year"])
    exact = {p.id for p in all_passages() if "学宪法" in p.text or "讲宪法" in p.text}
    related = {p.id for p in all_passages() if "宪法" in p.text} - exact
    assert results.total == len(exact) == 3 and results.related == len(related) >= 4
    assert results.within == ("宪法",) and results.listed == len(results.hits) == 3 + len(related)
    assert [h.related for h in results.hits] == [False] * 3 + [True] * len(related)
    assert {h.passage.id for h in results.hits[:3]} == exact and {h.passage.id for h in results.hits[3:]} == related
    assert sum(count for _, count in results.facets[0].values) == 3  # facets count the matches only
    scores = [h.score for h in results.hits[3:]]
    assert scores == sorted(scores, reverse=True) and max(scores) < min(h.score for h in results.hits[:3])
    for hit in results.hits[3:]:
        assert {hit.passage.text[s.start : s.end] for s in hit.spans} == {"宪法"}
        explanation = seed_index.explain(query, hit.passage.id)
        assert explanation.related and not explanation.matched
        assert explanation.score == pytest.approx(hit.score, abs=1e-4)
    # pages run on into them; with related=False, grouped, or as phrases, only the matches are listed
    page = seed_index.search(query, limit=2, page=3)
    assert [(h.rank, h.passage.id) for h in page.hits] == [(h.rank, h.passage.id) for h in results.hits[4:6]]
    assert page.pages == -(-results.listed // 2)
    assert [h.passage.id for h in seed_index.search(query, related=False).hits] == [
        h.passage.id for h in results.hits[:3]
    ]
    assert seed_index.search(query, group="report").related == 0
    assert seed_index.search('"学宪法" "讲宪法"').related == 0
    # within the query's filters
    in_2023 = seed_index.search(query + " year:2023", limit=20)
    assert in_2023.related and all(h.document.year == 2023 for h in in_2023.hits)
    # a word naming a section kind ranks the matches only: explain gave related passages its boost too
    mixed = seed_index.search("学宪法 成效", limit=60)
    assert mixed.related
    for hit in mixed.hits:
        assert seed_index.explain("学宪法 成效", hit.passage.id).score == pytest.approx(hit.score, abs=1e-4)
    # only the words they were found by are marked: 进一步提高's related passages had 提高 marked too
    further = seed_index.search("进一步提高", limit=200)
    assert further.within == ("进一步",) and further.related
    for hit in (h for h in further.hits if h.related):
        assert {fold(hit.passage.text[s.start : s.end]) for s in hit.spans} == {"进一步"}, hit.passage.id
    # a word inside that is not the larger part of the keyword relates nothing: 行政 of 行政复议, 法治 of 法治副校长
    assert seed_index.search("行政复议").related == seed_index.search("法治副校长").related == 0
    # a keyword no passage says can still have related passages: 宣传周 of 宪法宣传周
    nothing = seed_index.search("宪法宣传周")
    assert nothing.total == 0 and nothing.related > 0 and nothing.within == ("宣传周",)
    assert all("宣传周" in h.passage.text for h in nothing.hits)


@pytest.mark.parametrize("keyword", ["执法队伍", "普法宣传", "信访投诉", "未成年人保护"])
def test_a_keyword_jieba_cuts_in_two_needs_both_parts_and_saying_it_whole_ranks_higher(
    seed_index, keyword: str
) -> None:
    """执法队伍 is cut 执法 队伍: either part alone matched (a comparison counted 5 reports for it, 3 say it); now
    both parts must be there, and the passages that say it whole gain the idf of saying it (explain shows it)."""
    analysis = analyze_query(keyword)
    parts = analysis.terms
    assert len(parts) == 2 and "".join(parts) == keyword
    # each part as typed or as one of its synonyms (普法: 法治宣传, 宣传教育)
    alike = [{part, *(e for e, o in zip(analysis.expansions, analysis.origins) if part in o)} for part in parts]
    titles = {d.id: d.title for d in seed_index.documents()}
    words = {p.id: set(index_terms(f"{p.text} {p.section_path} {titles[p.document_id]}")) for p in all_passages()}
    whole = {p.id for p in all_passages() if keyword in fold(p.text)}
    results = seed_index.search(keyword, limit=200, related=False)
    both = {i for i, w in words.items() if all(forms & w for forms in alike)}
    assert {h.passage.id for h in results.hits} == both >= whole
    assert whole and results.hits[0].passage.id in whole
    for hit in results.hits:
        explanation = seed_index.explain(keyword, hit.passage.id)
        (phrase,) = [part for part in explanation.terms if part.source == "phrase"]
        assert phrase.term == f'"{keyword}"' and (phrase.contribution > 0) == (hit.passage.id in whole)
        assert explanation.score == pytest.approx(hit.score, abs=1e-4)
    # as two words typed apart, or with the weight off, either part matches, as before
    either = {i for i, w in words.items() if set().union(*alike) & w}
    assert seed_index.search(" ".join(parts), limit=200, related=False).total == len(either)
    assert seed_index.search(keyword, limit=200, related=False, weights=Weights(phrase=0)).total == len(either)
    # a run that lost a question word is a question, not a keyword: 存在哪些问题 matches 存在 or 问题
    assert seed_index.search("存在哪些问题", limit=1).total == seed_index.search("存在 问题", limit=1).total
    # punctuation around the keyword does not change it; inside, it makes two words
    assert seed_index.search(f"《{keyword}》？", limit=1).total == results.total
    assert seed_index.search(f"{parts[0]}、{parts[1]}", limit=1).total == len(either)


def test_a_keyword_whose_parts_no_passage_has_together_says_so(seed_index) -> None:
    """教师体罚: jieba cuts it 教师 | 体罚, and no report says both; the matches say one of them, and the results say
    that (``apart``) rather than pass them off as matches of 教师体罚."""
    results = seed_index.search("教师体罚", limit=50, related=False)
    assert results.apart == (("教师", "体罚"),) and results.total == len(results.hits) > 0
    for hit in results.hits:
        says = [part for part in ("教师", "体罚") if part in hit.passage.text + "".join(hit.passage.section)]
        assert len(says) == 1, hit.passage.id
    # a keyword some passage says both parts of, a question, two words typed apart: nothing to say
    for query in ("执法队伍", "教师是否可以体罚学生", "教师 体罚"):
        assert seed_index.search(query).apart == (), query
    assert seed_index.search("教师体罚 year:1999").apart == ()  # no matches at all: the header says so
    as_json = json.loads(json.dumps(render.results_to_dict(seed_index.search("教师体罚", limit=1))))
    assert as_json["apart"] == [["教师", "体罚"]]
    assert "apart" not in render.results_to_dict(seed_index.search("执法队伍", limit=1))
    # the passages with both parts are kept for the next search (paging): what a query does with them stays its own
    alone = seed_index.search("执法队伍", limit=1).total
    narrowed = [seed_index.search(q).total for q in ("执法队伍 AND 培训", "执法队伍 NOT 法治", "执法队伍 OR 教师")]
    assert seed_index.search("执法队伍", limit=1).total == alone and narrowed[0] < alone < narrowed[2]
    assert narrowed == [
        seed_index.search(q).total for q in ("执法队伍 AND 培训", "执法队伍 NOT 法治", "执法队伍 OR 教师")
    ]
    text = render.render_results(seed_index.search("教师体罚", limit=1), "plain")
    assert text.splitlines()[1] == (
        "  note: no passage says both 教师 and 体罚 (教师体罚, as jieba cuts it): these say one of them"
    )


@pytest.mark.parametrize(
    "query", ["合法性审核问题", "执法队伍", "教育法第二十八条", "教育法第28条", "未成年人保护法第15条"]
)
def test_every_hit_of_a_keyword_cut_in_two_is_explained_with_its_score(reports_and_laws, query: str) -> None:
    """A passage with only a synonym of one part (合法性审查 for 合法性审核) is neither a match nor related: it once
    came as related, scored without the synonym that explain counted."""
    results = reports_and_laws.search(query, limit=200)
    assert results.hits
    for hit in results.hits:
        explanation = reports_and_laws.explain(query, hit.passage.id)
        assert explanation.score == pytest.approx(hit.score, abs=1e-4), hit.passage.id
        assert explanation.related == hit.related


def test_an_article_number_in_digits_is_the_same_keyword(reports_and_laws) -> None:
    """第15条 is searched as 第十五条: 未成年人保护法第15条 is cut in two the same way and matches the same."""
    for law, article in (("未成年人保护法", "十五"), ("教育法", "二十八")):
        digits = {"十五": "15", "二十八": "28"}[article]
        words = reports_and_laws.search(f"{law}第{article}条", limit=50)
        assert [h.passage.id for h in reports_and_laws.search(f"{law}第{digits}条", limit=50).hits] == [
            h.passage.id for h in words.hits
        ]
        assert words.hits[0].passage.id == f"{law}-第{article}条"


def test_a_law_named_in_the_query_ranks_its_own_articles_first(reports_and_laws) -> None:
    """教育法 is inside 义务教育法: both titles say it, and 义务教育法's 第二十八条 came first for 教育法第二十八条.
    A query whose consecutive words are a document's title (as cites: spells it) gives its passages a boost."""
    index = reports_and_laws
    assert index.search("教育法第二十八条", limit=1).hits[0].passage.id == "教育法-第二十八条"
    off = Weights(named=0)
    assert index.search("教育法第二十八条", limit=1, weights=off).hits[0].passage.id == "义务教育法-第二十八条"
    alone = index.search("教育法", limit=10, related=False).hits
    assert all(hit.passage.id.startswith("教育法-") for hit in alone)
    assert not all(h.passage.id.startswith("教育法-") for h in index.search("教育法", limit=10, weights=off).hits)
    # the longer name wins over the one inside it; explain shows the boost; plain BM25 has none
    assert index.search("义务教育法第二十八条", limit=1).hits[0].passage.id == "义务教育法-第二十八条"
    named = [t for t in index.explain("教育法第二十八条", "教育法-第二十八条").terms if t.source == "named"]
    assert [(t.term, t.frequencies) for t in named] == [("《教育法》", (("title", 1),))] and named[0].contribution > 0
    other = index.explain("教育法第二十八条", "义务教育法-第二十八条")
    assert [t.contribution for t in other.terms if t.source == "named"] == [0.0]
    assert not [
        t for t in index.explain("教育法", "教育法-第一条", weights=Weights.bm25()).terms if t.source == "named"
    ]
    for hit in index.search("教育法第二十八条", limit=5).hits:
        assert index.explain("教育法第二十八条", hit.passage.id).score == pytest.approx(hit.score, abs=1e-4)


def _article_lookups() -> list[tuple[str, str, str]]:
    """For each article of the six laws in tests/data: its id, and the query ``<short name><article>`` in words
    (未成年人保护法第一百零五条) and in digits (未成年人保护法第105条)."""
    number = {f"第{chinese_numeral(n)}条": n for n in range(1, 200)}
    lookups = []
    for line in LAWS.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        short, article = record["id"].split("-")
        lookups.append((record["id"], short + article, f"{short}第{number[article]}条"))
    return lookups


def test_a_law_and_an_article_number_find_that_article_first(reports_and_laws) -> None:
    """For every one of the 478 articles of the six laws, ``<law><article>`` in words and in digits finds that
    article first (3 and 3 did not: 行政处罚法第五十七条 brought 第六十五条, which cites it, first). An article
    number is a word (``analysis.article_words``: jieba's dictionary has 第二十六条 but not 第一百零五条, which it
    cut 第 | 一百零五 | 条) and the passage that is the article gains ``Weights.article``."""
    index = reports_and_laws
    lookups = _article_lookups()
    assert len(lookups) == 478
    missed = [
        query
        for passage_id, words, digits in lookups
        for query in (words, digits)
        if index.search(query, limit=1, related=False).hits[0].passage.id != passage_id
    ]
    assert missed == []
    off = Weights(article=0)
    missed_off = [
        q for p, q, _ in lookups if index.search(q, limit=1, related=False, weights=off).hits[0].passage.id != p
    ]
    assert missed_off == ["行政处罚法第五十七条", "行政处罚法第六十九条"]  # cited in 第六十五条 and 第五十三条
    # the words inside an article number relate nothing: 十七条 of 第五十七条 is in every 第十七条 and 第二十七条
    assert index.search("行政处罚法第57条").within == ("行政处罚", "处罚法")
    assert index.search("第57条").related == 0
    assert compile_query(parse_query("未成年人保护法第一百零五条"), Weights()).terms[:2] == (
        "未成年人保护法",
        "第一百零五条",
    )
    parts = [t for t in index.explain("教育法第28条", "教育法-第二十八条").terms if t.source == "article"]
    assert [(t.term, t.frequencies) for t in parts] == [("第二十八条", (("section", 1),))] and parts[0].contribution > 0
    other = index.explain("教育法第28条", "义务教育法-第二十八条")  # that article of another law: no named boost
    assert {t.source: t.contribution > 0 for t in other.terms if t.source in ("article", "named")} == {
        "article": True,
        "named": False,
    }


def test_a_law_whose_title_holds_a_stop_word_is_named(tmp_path) -> None:
    """人口与计划生育法: the typed words are 人口 计划生育 法 (与 is a stop word), which do not spell the title, so
    the law was never named; a name is now a stretch of the query's text between word boundaries. Real articles:
    the law's 第十八条, and a clause of the 地方组织法's 第七十三条 that says 人口与计划生育 among a county's tasks."""
    population = "中华人民共和国人口与计划生育法"
    local = "中华人民共和国地方各级人民代表大会和地方各级人民政府组织法"
    records = [
        {
            "id": "人口与计划生育法-第十八条",
            "law": population,
            "article_no": "第十八条",
            "text": "国家提倡适龄婚育、优生优育。一对夫妻可以生育三个子女。\n符合法律、法规规定条件的，可以要求安排"
            "再生育子女。具体办法由省、自治区、直辖市人民代表大会或者其常务委员会规定。",
        },
        {
            "id": "地方组织法-第七十三条",
            "law": local,
            "article_no": "第七十三条",
            "text": "（五）编制和执行国民经济和社会发展规划纲要、计划和预算，管理本行政区域内的经济、教育、科学、"
            "文化、卫生、体育、城乡建设等事业和生态环境保护、自然资源、财政、民政、社会保障、公安、民族事务、"
            "司法行政、人口与计划生育等行政工作；",
        },
    ]
    corpus = tmp_path / "laws.jsonl"
    corpus.write_text("\n".join(json.dumps(record, ensure_ascii=False) for record in records), encoding="utf-8")
    index = Index.create(tmp_path / "index")
    index.update([corpus])
    for query in ("人口与计划生育法", "人口与计划生育法第18条"):
        named = {
            hit.passage.id: [t.contribution for t in index.explain(query, hit.passage.id).terms if t.source == "named"]
            for hit in index.search(query).hits
        }
        assert named["人口与计划生育法-第十八条"][0] > 0 and named["地方组织法-第七十三条"] == [0.0], query
        assert index.search(query).hits[0].passage.id == "人口与计划生育法-第十八条"
    assert compile_query(parse_query("人口与计划生育法"), Weights()).terms[:3] == ("人口", "计划生育", "法")
    parts = index.explain("人口与计划生育法", "人口与计划生育法-第十八条").terms
    assert [t.term for t in parts if t.source == "named"] == ["《人口与计划生育法》"]
    index.close()


def test_split_words_name_the_passages_that_say_a_keyword_across_other_words(seed_index) -> None:
    """jieba cuts 尊法学法 as 尊 法学 法: the hanyang report says 学法 twice without the word 学法, so the
    keyword does not match there. ``split_words`` counts the passages whose text says it without matching (the
    phrase "学法" finds them) and shows how they were cut."""
    passages = all_passages()
    matches = {h.passage.id for h in seed_index.search("学法", limit=100, related=False).hits}
    says = {p.id for p in passages if "学法" in fold(p.text)}
    (split,) = seed_index.split_words("学法")
    assert split.word == "学法" and split.passages == len(says - matches) >= 2
    assert "法学 法" in split.examples and len(split.examples) <= 3
    assert {"hanyang-edu-2024#2", "hanyang-edu-2024#20"} <= says - matches
    assert says - matches <= {h.passage.id for h in seed_index.search('"学法"', limit=100).hits}
    # within the query's filters; only for keywords: not for a question, a phrase, NOT or OR
    assert seed_index.split_words("学法", filters={"year": 2023}) == ()
    assert seed_index.split_words("学法 doc:hanyang-edu-2024")[0].passages == len(
        {i for i in says - matches if i.startswith("hanyang")}
    )
    for query in ('"学法"', "学法 OR 守法", "NOT 学法", "领导干部怎样带头学法用法守法", "学"):
        assert seed_index.split_words(query) == (), query
    # a word every passage that says it matches has nothing split
    assert seed_index.split_words("法治副校长") == ()


# --- section kinds, citations, facets, grouping (issue 6) ----------------------------------------------------


@pytest.mark.parametrize("word", ["短板", "不足", "成效", "计划", "问题"])
def test_a_word_that_names_a_section_kind_matches_only_the_passages_that_say_it(seed_index, word: str) -> None:
    """It ranks passages of that kind higher, and matches nothing by itself: 短板 matched all 14 passages of the
    problems sections, 13 of which never say it (no span), and a filter every passage passes left 1."""
    says_it = {p.id for p in all_passages() if word in index_terms(f"{p.text} {p.section_path}")}
    for query in (word, f"{word} collection:reports", f"{word} OR {word}"):
        results = seed_index.search(query, limit=200)
        assert {hit.passage.id for hit in results.hits if not hit.related} == says_it, query
        assert all(hit.spans or hit.section_spans for hit in results.hits)
    kind = seed_index.explain(word, next(iter(says_it)))
    assert kind.matched


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("ｃｏｌｌｅｃｔｉｏｎ：ｒｅｐｏｒｔｓ", "collection:reports"),
        ("collection:Reports", "collection:reports"),
        ("doc:ｈａｎｙａｎｇ－ｅｄｕ－２０２４", "doc:hanyang-edu-2024"),
        ("cites:未成年人保護法", "cites:未成年人保护法"),
        ("kind:問題", "kind:问题"),
        ("kind：ＰＲＯＢＬＥＭＳ", "kind:problems"),
    ],
)
def test_filter_values_in_full_width_other_case_or_traditional_characters(
    seed_index, typed: str, canonical: str
) -> None:
    """As words are (the first four found nothing, 問題 was an unknown kind)."""
    expected = [hit.passage.id for hit in seed_index.search(canonical, limit=200).hits]
    assert expected and [hit.passage.id for hit in seed_index.search(typed, limit=200).hits] == expected


def test_each_hit_says_its_section_kind_and_what_it_cites_as_the_filters_select_them(seed_index) -> None:
    """A tool comparing reports reads ``kind`` and ``cites`` off each hit (and JSON): they agree with what the
    ``kind:`` and ``cites:`` filters select, on every passage."""
    hits = seed_index.search("", filters={"collection": "reports"}, limit=200).hits
    assert len(hits) == 108
    for kind in KINDS:
        selected = {h.passage.id for h in seed_index.search(f"kind:{kind}", limit=200).hits}
        assert selected == {h.passage.id for h in hits if h.kind == kind}, kind
    citing = [h for h in hits if h.cites]
    assert len(citing) >= 10 and all("《" in h.passage.text for h in citing)
    for law in {"未成年人保护法", "行政处罚法", "宪法"}:
        selected = {h.passage.id for h in seed_index.search("", filters={"cites": law}, limit=200).hits}
        assert selected and selected == {h.passage.id for h in hits if law in h.cites}, law


def test_kind_filter_keeps_only_that_kind_and_takes_chinese_aliases(seed_index) -> None:
    from lawsearch.sections import section_kind

    problems = seed_index.search("kind:problems", limit=100)
    assert problems.total >= 12
    for hit in problems.hits:
        assert section_kind(hit.passage.section, report_year=hit.document.year) == "problems"
        assert hit.passage.section[0].startswith(("二", "三"))  # every report puts its problems second or third
    assert [h.passage.id for h in seed_index.search("kind:问题", limit=100).hits] == [
        h.passage.id for h in problems.hits
    ]
    assert {h.document.id for h in seed_index.search("kind:plans", limit=100).hits} == FIVE
    with pytest.raises(QuerySyntaxError, match=r"unknown section kind 'bogus'; use one of measures, problems"):
        seed_index.search("kind:bogus")


@pytest.mark.parametrize(
    "query",
    [
        "cites:天津市法治政府建设实施纲要（2021—2025年）",  # as written in the report: full-width brackets, em dash
        "cites:《天津市法治政府建设实施纲要（2021—2025年）》",
        "cites:天津市法治政府建设实施纲要(2021-2025年)",  # as the facet lists it
        "cites:天津市法治政府建设实施纲要",  # without the years in brackets
        '"纲要" cites:天津市法治政府建设实施纲要（2021—2025年）',
    ],
)
def test_a_cited_name_with_brackets_is_one_filter_value(seed_index, query: str) -> None:
    """The brackets of a name are part of the value, not a group: the filter once became 纲要 AND the word
    2021—2025年, and matched nothing."""
    node = parse_query(query)
    (field,) = [n for n in getattr(node, "children", [node]) if getattr(n, "name", None) == "cites"]
    assert field.value.startswith("天津市法治政府建设实施纲要")
    results = seed_index.search(query)
    assert [h.passage.id for h in results.hits] == ["heping-edu-2024#1"]
    assert "天津市法治政府建设实施纲要(2021-2025年)" in results.hits[0].cites


def test_cites_filter_merges_the_long_and_short_law_names_and_highlights_the_citation(seed_index) -> None:
    short = seed_index.search("cites:未成年人保护法", limit=20)
    long = seed_index.search("cites:《中华人民共和国未成年人保护法》", limit=20)
    assert [h.passage.id for h in short.hits] == [h.passage.id for h in long.hits]
    assert {h.document.id for h in short.hits} == {"hanyang-edu-2024", "huangzhong-edu-2024", "shanzhou-edu-2023"}
    for hit in short.hits:
        marked = [hit.passage.text[s.start : s.end] for s in hit.spans]
        assert any(m.startswith("《") and "未成年人保护法" in m for m in marked), marked


def test_facets_count_all_matches_not_only_the_page(seed_index) -> None:
    results = seed_index.search("法治副校长", limit=1, facets=True)
    facets = {f.name: f for f in results.facets}
    assert set(facets) == {"year", "org", "region", "province", "city", "kind", "cites"}
    assert sum(count for _, count in facets["year"].values) == results.total == 8
    assert dict(facets["year"].values) == {"2024": 7, "2023": 1}
    assert sum(count for _, count in facets["region"].values) + facets["region"].other == 8
    assert facets["kind"].unit == "passages"
    # only some, and an unknown one
    assert [f.name for f in seed_index.search("法治", facets=["kind"]).facets] == ["kind"]
    with pytest.raises(InvalidArgumentError, match="unknown facet 'colour'"):
        seed_index.search("法治", facets=["colour"])


def test_cites_facet_lists_laws_not_local_documents(seed_index) -> None:
    cites = seed_index.search("普法 OR 法律法规", facets=["cites"], facet_size=50).facets[0]
    names = dict(cites.values)
    assert names.get("未成年人保护法", 0) >= 2
    assert not any(name.startswith(("2024年", "全区")) or name.endswith(("要点", "方案")) for name in names)


def facet_values(index: Index, passage_id: str, name: str) -> tuple[str, ...]:
    """A passage's values of the ``kind`` or ``cites`` facet: its section's kind, the laws it cites."""
    core = index.core()
    row = core.ids[passage_id]
    return (KINDS[core.section_kinds()[row]],) if name == "kind" else core.cited_laws()[row]


def test_sort_by_year_lists_newest_or_oldest_first_best_first_within_a_year(seed_index, tmp_path) -> None:
    by_score = seed_index.search("法治 依法", limit=1000)
    for sort, years in (("newest", (2024, 2023)), ("oldest", (2023, 2024))):
        results = seed_index.search("法治 依法", limit=1000, sort=sort)
        assert results.sort == sort and results.total == by_score.total
        assert [h.rank for h in results.hits] == list(range(1, results.total + 1))
        assert [h.document.year for h in results.hits] == sorted(
            (h.document.year for h in results.hits), key=years.index
        )
        for year in years:  # within a year, as by score
            assert [h.passage.id for h in results.hits if h.document.year == year] == [
                h.passage.id for h in by_score.hits if h.document.year == year
            ]
        # the pages are slices of that order
        pages = [seed_index.search("法治 依法", limit=7, page=n, sort=sort).hits for n in (1, 2, 3)]
        assert [h.passage.id for page in pages for h in page] == [h.passage.id for h in results.hits[:21]]
    grouped = seed_index.search("法治副校长", group="report", sort="oldest")
    assert grouped.hits[0].document.id == "shanzhou-edu-2023" and grouped.total == 5
    assert render.render_results(grouped, style="plain").startswith("5 reports match '法治副校长', oldest first")
    assert render.results_to_dict(grouped)["sort"] == "oldest" and "sort" not in render.results_to_dict(by_score)
    with pytest.raises(InvalidArgumentError, match="sort must be one of score, newest, oldest, got 'year'"):
        seed_index.search("法治", sort="year")
    # a document of no known year comes last, newest or oldest first
    (tmp_path / "notes.jsonl").write_text(
        json.dumps({"id": "n1", "text": "聘请法治副校长的做法", "title": "工作笔记"}, ensure_ascii=False), "utf-8"
    )
    index = Index.create(tmp_path / "index")
    index.update([CORPUS, tmp_path / "notes.jsonl"])
    for sort in ("newest", "oldest"):
        assert index.search("法治副校长", limit=20, sort=sort).hits[-1].passage.id == "n1"
    assert index.search("法治副校长", limit=20).hits[-1].passage.id != "n1"
    index.close()


def test_group_by_report_gives_each_reports_best_passage_and_its_count(seed_index) -> None:
    plain = seed_index.search("法治副校长", limit=50)
    grouped = seed_index.search("法治副校长", limit=50, group="report", facets=["year"])
    assert grouped.group == "report" and grouped.total == 5
    per_document: dict[str, int] = {}
    for hit in plain.hits:
        per_document[hit.document.id] = per_document.get(hit.document.id, 0) + 1
    assert {h.document.id: h.document_matches for h in grouped.hits} == per_document
    best = {}
    for hit in plain.hits:  # ranked: the first hit of each document is its best
        best.setdefault(hit.document.id, hit.passage.id)
    assert {h.document.id: h.passage.id for h in grouped.hits} == best
    assert [h.rank for h in grouped.hits] == [1, 2, 3, 4, 5]
    assert grouped.facets[0].unit == "documents" and dict(grouped.facets[0].values) == {"2024": 4, "2023": 1}
    # kinds and citations of a report: those of all its matching passages, not only its best one's
    for name in ("kind", "cites"):
        (facet,) = seed_index.search("法治副校长", limit=1, group="report", facets=[name]).facets
        (ungrouped,) = seed_index.search("法治副校长", limit=1, facets=[name]).facets
        documents: dict[str, set[str]] = {}
        for hit in plain.hits:
            values = facet_values(seed_index, hit.passage.id, name)
            for value in values:
                documents.setdefault(value, set()).add(hit.document.id)
        assert dict(facet.values) == {value: len(ids) for value, ids in documents.items()}
        assert set(dict(facet.values)) == set(dict(ungrouped.values))  # it was kind: measures only, cites: one law
    with pytest.raises(InvalidArgumentError, match="group must be 'report'"):
        seed_index.search("法治", group="law")


def test_a_report_passage_links_to_the_articles_of_the_laws_it_cites(reports_and_laws) -> None:
    index = reports_and_laws
    assert "未成年人保护法" in index.cited_laws("hanyang-edu-2024#16")
    found = index.cited_articles("hanyang-edu-2024#16", "网络 保护", limit=3)
    assert found.total >= 3
    titles = {hit.document.title for hit in found.hits}
    assert titles <= {"中华人民共和国未成年人保护法", "中华人民共和国义务教育法", "中华人民共和国预防未成年人犯罪法"}
    assert all(any(t in hit.passage.text for t in ("网络", "保护")) for hit in found.hits)
    # without a matching article, the law's first articles; no law cited, nothing
    fallback = index.cited_articles("hanyang-edu-2024#16", "量子计算")
    assert fallback.hits and fallback.hits[0].passage.id.endswith("-第一条")
    assert index.cited_laws("hanyang-edu-2024#1") == () and index.cited_articles("hanyang-edu-2024#1").total == 0
    with pytest.raises(InvalidArgumentError):
        index.cited_articles("no-such-passage")


@pytest.mark.parametrize(
    "query", ["查处了多少家违规培训机构", "执法证", "法治副校长 year:2024", "section:存在问题 执法"]
)
def test_explain_adds_up_to_the_hit_score_and_names_fields_and_sources(seed_index, query: str) -> None:
    for hit in seed_index.search(query, limit=5).hits:
        explanation = seed_index.explain(query, hit.passage.id)
        assert explanation.matched != hit.related == explanation.related  # 执法证: 3 matches, then related
        assert explanation.score == pytest.approx(hit.score, abs=1e-4)
        assert explanation.score == pytest.approx(sum(t.contribution for t in explanation.terms), abs=1e-4)
        for term in explanation.terms:
            assert bool(term.frequencies) == (term.contribution > 0)
            assert set(dict(term.frequencies)) <= {"body", "title", "section"}
    sources = {t.term: t.source for t in seed_index.explain("执法证", "huangzhong-edu-2024#8").terms}
    assert sources == {"执法证": "typed", "执法": "subword", "执法资格证": "expansion", "行政执法证": "expansion"}
    section = seed_index.explain("section:存在问题 执法", "shanzhou-edu-2023#17")
    assert dict(next(t for t in section.terms if t.term == "执法").frequencies)["body"] >= 1
    unmatched = seed_index.explain("法治副校长", "hanyang-edu-2024#1")
    assert not unmatched.matched  # it speaks of 法治 (a sub-word, which ranks matches) but not of 法治副校长
    assert not unmatched.related  # … and 法治 is not the larger part of 法治副校长
    assert {t.term for t in unmatched.terms if t.contribution} == {"法治"}
    assert [t.source for t in unmatched.terms if t.term == "法治"] == ["subword"]


def test_a_system_finds_its_parts_and_a_part_the_system(seed_index) -> None:
    # synonyms.txt: 政务公开 => 信息公开 …; 执法全过程记录 => 三项制度 (行政执法公示, 全过程记录, 法制审核)
    def ids(query: str) -> list[str]:
        return [hit.passage.id for hit in seed_index.search(query, limit=10).hits]

    def passage_saying(doc: str, snippet: str) -> str:
        return next(p.id for p in seed_index.passages(doc) if snippet in p.text)

    # the passage that counts its disclosures (全年共办理信息公开5件) comes first, by its words on 信息公开
    disclosure = passage_saying("heping-edu-2024", "全年共办理信息公开5件")
    assert ids("政务公开")[0] == disclosure
    unexpanded = seed_index.search("政务公开", weights=Weights(expansion=0.0)).hits
    assert unexpanded[0].passage.id != disclosure
    three = passage_saying("huangzhong-edu-2024", "行政执法“三项制度”")
    assert "执法全过程记录" not in seed_index.passage(three).text and three in ids("执法全过程记录")
    hit = next(h for h in seed_index.search("执法全过程记录").hits if h.passage.id == three)
    assert [hit.passage.text[s.start : s.end] for s in hit.spans] == ["三项制度"]  # highlighted: what matched


def test_a_term_a_passage_has_only_in_the_titles_it_cites_counts_less(seed_index) -> None:
    # 陕州's passage lists 《行政许可法》《行政处罚法》 among the laws its staff studied; 和平's reports
    # 2024年，共作出行政处罚11件 — the one about administrative penalties
    ids = [hit.passage.id for hit in seed_index.search("行政处罚").hits]
    assert ids.index("heping-edu-2024#9") < ids.index("shanzhou-edu-2023#5")
    counted_fully = [hit.passage.id for hit in seed_index.search("行政处罚", weights=Weights(cited=1.0)).hits]
    assert counted_fully.index("shanzhou-edu-2023#5") < counted_fully.index("heping-edu-2024#9")
    cited = seed_index.explain("行政处罚", "shanzhou-edu-2023#5")
    term = next(t for t in cited.terms if t.term == "行政处罚")
    assert term.cited == dict(term.frequencies)["body"] == 1
    assert "行政处罚" in [s.term for s in seed_index.search("行政处罚").hits[ids.index("shanzhou-edu-2023#5")].spans]
    assert " (body 1 [only in 《…》])" in render_explanation(cited)  # and still highlighted: it matched
    free = seed_index.explain("行政处罚", "heping-edu-2024#9")
    assert next(t for t in free.terms if t.term == "行政处罚").cited == 0
    # the law's own name ends the title: a search for the law counts it fully
    law = seed_index.explain("行政处罚法", "shanzhou-edu-2023#5")
    assert next(t for t in law.terms if t.term == "行政处罚法").cited == 0


def test_a_synonym_of_words_the_index_has_not_got_stands_in_for_them(seed_index) -> None:
    # the reports never write 罚 alone (罚款, 处罚): asked 被罚了多少钱, its synonyms carry 罚's weight
    query = "违规办学的培训机构被罚了多少钱"
    fined = next(p.id for p in seed_index.passages("huangzhong-edu-2024") if "累计罚款56400元" in p.text)
    assert seed_index.search(query).hits[0].passage.id == fined
    assert seed_index.search(query, weights=Weights(stand_in=0.0)).hits[0].passage.id != fined
    terms = {t.term: t for t in seed_index.explain(query, fined).terms}
    assert (terms["罚款"].weight, terms["罚款"].stands_for) == (1.0, ("罚",))
    assert "罚款 2.55 (in place of 罚 ×1, body 1)" in render_explanation(seed_index.explain(query, fined))
    as_json = {t["term"]: t for t in explanation_to_dict(seed_index.explain(query, fined))["terms"]}
    assert as_json["罚款"]["stands_for"] == ["罚"] and "stands_for" not in as_json["违规"]
    hit = seed_index.search(query).hits[0]
    assert {hit.passage.text[s.start : s.end] for s in hit.spans} >= {"罚款", "违规"}  # highlighted: what matched
    # a word the index has keeps its synonyms at the expansion weight: 执法证 is in the reports
    kept = {t.term: t for t in seed_index.explain("执法证", "huangzhong-edu-2024#8").terms}
    assert (kept["执法资格证"].weight, kept["执法资格证"].stands_for) == (0.4, ())


def test_an_article_number_in_arabic_digits_finds_the_article(reports_and_laws) -> None:
    from lawsearch.analysis import chinese_numeral

    assert chinese_numeral(15) == "十五" and chinese_numeral(105) == "一百零五"
    for query in ("未成年人保护法第15条", "未成年人保护法 第十五条"):
        hits = reports_and_laws.search(query, limit=3).hits
        assert hits[0].passage.id == "未成年人保护法-第十五条", (query, [h.passage.id for h in hits])
        assert hits[0].passage.section[-1] == "第十五条"
        assert hits[0].section_spans  # the article number is highlighted in the section path


def test_a_query_in_traditional_characters_finds_simplified_text_and_back(seed_index, tmp_path) -> None:
    simplified = seed_index.search("法治副校长 执法证", limit=20)
    traditional = seed_index.search("法治副校長 執法證", limit=20)
    assert [h.passage.id for h in traditional.hits] == [h.passage.id for h in simplified.hits]
    index = Index.create(tmp_path / "index")
    text = (CORPUS / "heping-edu-2024.txt").read_text(encoding="utf-8")
    (tmp_path / "heping-tw.txt").write_text(text.replace("执法证", "執法證").replace("报告", "報告"), encoding="utf-8")
    index.update([tmp_path / "heping-tw.txt"])
    hit = index.search("执法证", limit=1).hits[0]
    assert any("執法證" in hit.passage.text[s.start : s.end] for s in hit.spans)  # marked as written


def test_filters_as_api_arguments_equal_the_query_syntax(seed_index) -> None:
    syntax = seed_index.search("法治副校长 year:2024 kind:measures region:汉阳区", limit=20)
    arguments = seed_index.search("法治副校长", limit=20, filters={"year": 2024, "kind": "成效", "region": "汉阳区"})
    assert syntax.total == arguments.total > 0
    assert [(h.passage.id, h.score) for h in syntax.hits] == [(h.passage.id, h.score) for h in arguments.hits]
    # with filters the query may be empty: every passage that passes them, in reading order
    only = seed_index.search("", filters={"kind": "problems", "year": (2023, 2024)}, limit=100)
    assert only.total == seed_index.search("kind:problems year:2023..2024", limit=100).total >= 12
    with pytest.raises(InvalidArgumentError, match="unknown filter 'colour'"):
        seed_index.search("法治", filters={"colour": "red"})
    with pytest.raises(InvalidArgumentError, match="year must be a year like 2024"):
        seed_index.search("法治", filters={"year": "20x4"})
    with pytest.raises(InvalidArgumentError, match="needs a non-empty string or an integer"):
        seed_index.search("法治", filters={"org": 3.5})
