"""Highlight spans and fragments as data."""

from __future__ import annotations

import numpy as np

from lawsearch import highlight as highlight_module
from lawsearch.analysis import term_spans_and_words
from lawsearch.highlight import best_fragments, find_spans, highlight
from lawsearch.models import Span

TEXT = (
    "健全协同创新的普法工作新格局。会同区司法局，开展法治副校长调研，研究制定《中小学法治副校长聘任与管理办法》。"
    "落实检察官、律师、司法行政人员、公安民警担任学校法治副校长工作。加强青少年法治教育实践基地建设。"
)


def test_longest_match_wins_over_its_sub_words() -> None:
    spans = find_spans(TEXT, {"法治副校长", "副校长", "校长", "法治"})
    marked = [TEXT[s.start : s.end] for s in spans]
    assert marked.count("法治副校长") == 3
    assert "副校长" not in marked and "校长" not in marked
    assert next(s for s in spans if TEXT[s.start : s.end] == "法治副校长").term == "法治副校长"


def test_a_term_inside_a_word_is_marked_only_where_indexing_put_it() -> None:
    """民法 is not a part of 人民法院 (人民|法院), nor 成年人 of 未成年人 (未成年|人): the index has neither there, so
    neither is marked; 法院 and 未成年 are."""
    text = "向人民法院起诉的未成年人"
    terms = {"民法", "成年人", "法院", "未成年"}
    spans = find_spans(text, terms)
    assert [(text[s.start : s.end], s.term) for s in spans] == [("法院", "法院"), ("未成年", "未成年")]
    starts = np.zeros(len(text), dtype=bool)
    starts[term_spans_and_words(text)[1]] = True
    assert find_spans(text, terms, word_starts=starts) == spans  # from stored word starts, as search does
    saved, highlight_module._compiled_page_spans = highlight_module._compiled_page_spans, None
    try:  # and without the compiled loops: the last word of a text once lost its last character there
        assert find_spans(text, terms, word_starts=starts) == spans
        for other in ("本市的专科学校", "县级以上人民政府"):
            other_starts = np.zeros(len(other), dtype=bool)
            other_starts[term_spans_and_words(other)[1]] = True
            assert find_spans(other, {"科学", "民政"}, word_starts=other_starts) == ()
    finally:
        highlight_module._compiled_page_spans = saved


def test_adjacent_matches_merge_into_one_span() -> None:
    spans = find_spans("开展法治副校长调研", {"法治", "调研", "开展"})
    assert [("开展法治副校长调研"[s.start : s.end]) for s in spans] == ["开展法治", "调研"]
    assert spans[0].term == "开展 法治"


def test_phrase_spans_allow_punctuation_between_characters() -> None:
    text = "制定2024年民办教育“双随机、一公开”抽查计划"
    (span,) = find_spans(text, set(), ["双随机一公开"])
    assert text[span.start : span.end] == "双随机、一公开"


def test_fullwidth_text_is_matched_with_exact_offsets() -> None:
    text = "全区ＧＤＰ增长，ＧＤＰ"
    spans = find_spans(text, {"gdp"})
    assert [text[s.start : s.end] for s in spans] == ["ＧＤＰ", "ＧＤＰ"]


def test_fragments_end_on_sentence_boundaries_and_prefer_the_densest_sentence() -> None:
    spans = find_spans(TEXT, {"法治副校长", "聘任"})
    (fragment,) = best_fragments(TEXT, spans, max_chars=60)
    shown = TEXT[fragment.start : fragment.end]
    assert shown.endswith("。")
    assert "聘任" in shown  # the sentence with both terms
    assert fragment.start == 0 or TEXT[fragment.start - 1] == "。"
    assert all(fragment.start <= s.start and s.end <= fragment.end for s in fragment.spans)


def test_long_sentences_are_cut_around_the_match() -> None:
    text = "，".join(f"第{i}项工作有序开展" for i in range(40)) + "，法治副校长全覆盖。"
    spans, (fragment,) = highlight(text, {"法治副校长"}, max_chars=50)
    assert fragment.end - fragment.start <= 50
    assert any(s.start >= fragment.start and s.end <= fragment.end for s in spans)


def test_several_fragments_do_not_overlap_and_come_in_text_order() -> None:
    spans = find_spans(TEXT, {"法治副校长", "基地"})
    fragments = best_fragments(TEXT, spans, max_chars=40, count=3)
    assert len(fragments) >= 2
    assert all(a.end <= b.start for a, b in zip(fragments, fragments[1:]))


def test_no_spans_gives_the_opening() -> None:
    (fragment,) = best_fragments(TEXT, [], max_chars=40)
    assert fragment.start == 0 and TEXT[fragment.end - 1] == "。"
    assert Span(0, 2) == Span(0, 2, "")


def test_stored_word_starts_give_exactly_the_spans_of_re_tokenizing(seed_index) -> None:
    """The fast highlighter (no jieba at query time) marks exactly what re-tokenizing would mark."""
    from lawsearch.analysis import index_terms, query_terms

    core = seed_index.core()
    queries = ["法治副校长", "查处了多少家违规培训机构", "双随机一公开 学宪法讲宪法", "依法治校 法治 治校 校长 家 法"]
    term_sets = [set(query_terms(q)) | set(q.split()) for q in queries]
    compared = 0
    for row in range(core.size):
        text = core.texts[row]
        # also every term of the neighbouring passage: many near misses and straddling occurrences
        neighbour = set(index_terms(core.texts[(row + 1) % core.size]))
        for terms in [*term_sets, neighbour]:
            slow = find_spans(text, terms)
            fast = find_spans(text, terms, word_starts=core.word_starts_of(row))
            assert fast == slow, (row, sorted(terms)[:5])
            compared += len(slow)
    assert compared > 1000


def test_a_page_of_texts_searched_together_gives_each_text_its_own_spans(seed_index) -> None:  # type: ignore[no-untyped-def]
    """``spans_of`` joins a page's texts: no match crosses from one text into the next, none merges across."""
    from lawsearch.analysis import index_terms
    from lawsearch.highlight import matcher

    core = seed_index.core()
    compared = 0
    for first in range(0, core.size - 10, 7):
        rows = list(range(first, first + 10))
        # the terms of the rows themselves and of their neighbours, and a phrase: every kind of occurrence
        terms = frozenset(term for row in (first - 1, first + 3, first + 10) for term in index_terms(core.texts[row]))
        found = matcher(terms, ("法治副校长",))
        texts = [core.matching_text(row) for row in rows]
        # and each text cut at a word start, so that a word ends right where the next text begins
        texts += [
            (folded[:cut], starts[:cut])
            for folded, starts in texts
            if (cut := starts.rfind(1, 1, len(starts) // 2)) > 0
        ]
        together = found.spans_of(texts)
        assert together == [found.spans_in(*text) for text in texts], rows
        assert all(span.end <= len(folded) for (folded, _), spans in zip(texts, together) for span in spans)
        compared += sum(map(len, together))
    assert compared > 1000


def test_section_spans_heading_by_heading_equal_spans_over_the_joined_path(reports_and_laws) -> None:  # type: ignore[no-untyped-def]
    from lawsearch.highlight import matcher
    from lawsearch.models import SECTION_SEPARATOR

    core = reports_and_laws.core()
    sections = {tuple(meta["section"]) for meta in core.passages if meta["section"]}
    terms = frozenset({"法治", "副校长", "第一条", "总则", "义务教育", "教育", "工作", "主要", "问题"})
    found = matcher(terms)
    assert len(sections) > 100
    marked = 0
    assert {heading for section in sections for heading in section} <= core.headings.keys()  # found at build
    for section in sections:
        path = SECTION_SEPARATOR.join(section)
        assert found.section_spans(section) == found.spans(path), path
        assert found.section_spans(section, core.headings) == found.spans(path), path  # the index's tokens
        marked += bool(found.spans(path))
    assert marked > 50  # the comparison is not over empty results


def test_sentence_ends_match_the_plain_pattern_on_every_passage(reports_and_laws) -> None:
    """The sentence pattern is written for speed; it must find what the plain alternation finds."""
    import re

    from lawsearch.highlight import _SENTENCE_END

    plain = re.compile(r"[。；！？!?;]+[”’」』）)]*|\n")
    tricky = ["甲。\n乙", "甲\n。乙", "甲\n”乙", "“甲！？”」\n\n乙；；）", "a;\n)b", "。"]
    texts = [*reports_and_laws.core().texts, *tricky]
    for text in texts:
        assert [m.span() for m in _SENTENCE_END.finditer(text)] == [m.span() for m in plain.finditer(text)], text
    assert len(texts) > 500
