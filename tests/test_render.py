"""Rendering: span marking in the three styles, fragments' ellipses, wrapping, result listings and JSON dicts."""

from __future__ import annotations

import json
import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lawsearch.errors import InvalidArgumentError
from lawsearch.models import AnalyzedToken, Document, Fragment, Hit, Passage, SearchResults, Span
from lawsearch.render import (
    _atoms,
    _wrap,
    display_width,
    render_fragment,
    render_passage,
    render_passage_context,
    render_results,
    render_tokens,
    results_to_dict,
)
from lawsearch.sections import KINDS

ANSI = re.compile(r"\x1b\[[0-9;]*m")
TEXT = "会同区司法局，开展法治副校长调研。研究制定《中小学法治副校长聘任与管理办法》。"
# 法治副校长 at 9:14 and 25:30
SPANS = (Span(9, 14, "法治副校长"), Span(25, 30, "法治副校长"))


def test_plain_style_puts_spans_in_brackets() -> None:
    assert render_passage(TEXT, SPANS, "plain") == (
        "会同区司法局，开展【法治副校长】调研。研究制定《中小学【法治副校长】聘任与管理办法》。"
    )


def test_ansi_style_wraps_each_span_in_bold_colour_and_resets_after_it() -> None:
    out = render_passage(TEXT, SPANS, "ansi")
    assert out.count("\x1b[1;31m法治副校长\x1b[0m") == 2
    assert ANSI.sub("", out) == TEXT


def test_html_style_escapes_text_and_marks_spans() -> None:
    text = 'a<b & "c" 法治'
    out = render_passage(text, [Span(10, 12)], "html")
    assert out == "a&lt;b &amp; &quot;c&quot; <mark>法治</mark>"
    assert "<b" not in out


def test_fragment_gets_ellipses_only_where_the_passage_goes_on() -> None:
    middle = Fragment(7, 17, (SPANS[0],))
    assert render_fragment(TEXT, middle, "plain") == "…开展【法治副校长】调研。…"
    assert render_fragment(TEXT, Fragment(0, len(TEXT), SPANS), "plain").count("…") == 0
    assert (
        render_fragment(TEXT, Fragment(0, 17, (SPANS[0],)), "html")
        == "会同区司法局，开展<mark>法治副校长</mark>调研。…"
    )
    assert render_fragment(TEXT, Fragment(17, len(TEXT), (SPANS[1],)), "ansi").startswith("…研究制定")


def test_span_reaching_past_the_fragment_is_clipped_to_it() -> None:
    assert render_fragment(TEXT, Fragment(0, 12, SPANS), "plain") == "会同区司法局，开展【法治副】…"


def test_unknown_style_is_an_invalid_argument() -> None:
    with pytest.raises(InvalidArgumentError, match="'markdown'"):
        render_passage(TEXT, SPANS, "markdown")


def test_terminal_styles_neutralize_control_characters() -> None:
    out = render_passage("法治\x1b[2J副校长\n", [Span(0, 2)], "ansi")
    assert "\x1b[2J" not in out and "\n" not in out
    assert out.count("\x1b[") == 2  # only our own open and reset


def test_display_width_counts_cjk_as_two_columns_and_ignores_sgr() -> None:
    assert display_width("法治ab") == 6
    assert display_width("\x1b[1;31m法治\x1b[0m") == 4


texts = st.text(alphabet="法治副校长培训，。、（）《》ab12 ", min_size=1, max_size=300)


@given(texts, st.integers(10, 60), st.data())
def test_wrapping_loses_nothing_and_respects_the_width(text: str, width: int, data: st.DataObject) -> None:
    starts = sorted(data.draw(st.sets(st.integers(0, len(text) - 1), max_size=5)))
    spans = []
    for i, start in enumerate(starts):
        limit = starts[i + 1] if i + 1 < len(starts) else len(text)
        spans.append(Span(start, data.draw(st.integers(start + 1, limit))))
    lines = _wrap(text, 0, len(text), spans, "plain", width)
    joined = "".join(lines)
    assert re.sub(r"\s", "", joined) == re.sub(r"\s", "", render_passage(text, spans, "plain"))
    # Only an unbreakable unit (a span, a Latin word or number, glued punctuation) wider than the line overflows.
    widest = max(
        display_width(text[lo:hi]) + 4 * sum(1 for s in spans if s.start < hi and s.end > lo)
        for lo, hi in _atoms(text, 0, len(text), spans)
    )
    assert all(display_width(line) <= max(width, widest) for line in lines)


def test_wrapped_lines_never_start_with_closing_punctuation() -> None:
    text = "法治副校长，" * 40
    for line in _wrap(text, 0, len(text), (), "plain", 21)[1:]:
        assert line[0] != "，"


def hit(rank: int, text: str, spans: tuple[Span, ...], section: tuple[str, ...] = ()) -> Hit:
    document = Document(id="doc-a", title="某区教育局2024年度法治政府建设工作报告", org="某区教育局", year=2024)
    passage = Passage(id=f"doc-a#{rank}", document_id="doc-a", number=rank, text=text, section=section)
    return Hit(
        rank=rank,
        score=1.5,
        passage=passage,
        document=document,
        spans=spans,
        fragments=(Fragment(0, len(text), spans),),
    )


def test_results_header_counts_passages_honestly_and_shows_the_page() -> None:
    results = SearchResults("法治副校长", total=12, page=2, limit=5, hits=[hit(6, TEXT, SPANS), hit(7, TEXT, SPANS)])
    out = render_results(results, "plain", next_hint=":next")
    assert out.splitlines()[0] == "12 passages match '法治副校长' — showing 6–7, page 2 of 3"
    assert " 6. 某区教育局2024年度法治政府建设工作报告 · 2024 · 某区教育局   score 1.50" in out
    assert "5 more passages — next page: :next" in out
    one = SearchResults("x", total=1, page=1, limit=5, hits=[hit(1, TEXT, SPANS)])
    assert render_results(one, "plain").splitlines()[0] == "1 passage matches 'x'"


def test_results_with_no_hits_say_so_and_suggest_what_to_try() -> None:
    out = render_results(SearchResults("不存在", total=0, page=1, limit=10, hits=[], terms=("存在",)), "plain")
    assert out.startswith("no passages match '不存在'")
    assert "spelling" in out and "fewer words" in out and "filters" in out


def test_a_query_of_only_stop_words_is_told_so(seed_index) -> None:
    for query in ("的 了 吗", "，。！？", "😀🎉"):
        results = seed_index.search(query)
        assert results.total == 0 and results.terms == ()
        assert "no searchable word: stop words" in render_results(results, "plain")
    past = render_results(SearchResults("q", total=3, page=4, limit=10, hits=[]), "plain")
    assert "past the last page" in past


def test_related_passages_are_announced_set_apart_and_marked_in_html(seed_index) -> None:
    results = seed_index.search("宪法宣传周", limit=20)  # no passage says it; some say 宣传周
    plain = render_results(results, "plain").split("\n\n")
    assert plain[0] == (
        f"no passages match '宪法宣传周'; {results.related} related passages follow (words inside it: 宣传周)"
    )
    assert plain[1] == "related — none of the query's words, only words inside it: 宣传周"
    assert "【宣传周】" in plain[2]
    html = render_results(results, "html")
    assert html.count('class="related"') == results.related == len(results.hits) > 0
    assert "score" in html and "· related</small>" in html


def test_hit_shows_section_path_fragment_and_passage_id(seed_index) -> None:
    results = seed_index.search("法治副校长", limit=3)
    plain = render_results(results, "plain")
    for h in results.hits:
        assert h.passage.id in plain
        assert h.document.title in plain
    assert "一、主要做法和成效 › （五）提高法治教育实效，创新法治工作模式。" in plain
    assert "【法治副校长】" in plain
    ansi = render_results(results, "ansi")
    assert "\x1b[1;31m法治副校长\x1b[0m" in ansi
    assert "【" not in ansi


@pytest.mark.parametrize(
    "query", ["法治副校长", "培训", '"食品安全"', "行政执法 year:2023", "依法治校", "校外培训机构", "宪法宣传周"]
)
def test_every_listing_line_fits_a_100_column_terminal(seed_index, query: str) -> None:
    results = seed_index.search(query, limit=50)
    for style in ("plain", "ansi"):
        for line in render_results(results, style).splitlines():
            assert display_width(line) <= 100, line


def test_results_to_dict_is_json_ready_and_spans_index_the_text(seed_index) -> None:
    results = seed_index.search("法治副校长", limit=3)
    data = json.loads(json.dumps(results_to_dict(results), ensure_ascii=False))
    assert {k: data[k] for k in ("query", "total", "page", "limit", "pages")} == {
        "query": "法治副校长", "total": 8, "page": 1, "limit": 3, "pages": 3,
    }  # fmt: skip
    first = data["hits"][0]
    assert set(first) == {
        "rank",
        "id",
        "score",
        "text",
        "highlight",
        "spans",
        "section",
        "section_path",
        "section_spans",
        "document",
        "kind",
        "cites",
    }
    assert first["kind"] in KINDS and isinstance(first["cites"], list)
    assert set(first["document"]) == {
        "id", "title", "path", "org", "region", "province", "city", "year", "publisher", "published", "title_derived",
        "collection", "metadata",
    }  # fmt: skip
    assert first["document"]["metadata"] == {}
    for h in data["hits"]:
        assert h["id"].startswith(h["document"]["id"] + "#")
        assert all(unicodedata.normalize("NFKC", h["text"][s:e]) == "法治副校长" for s, e, _ in h["spans"])
        assert "<mark>法治副校长</mark>" in h["highlight"]
        assert h["section_path"] == " › ".join(h["section"])


def test_html_highlight_joins_several_fragments_with_one_ellipsis() -> None:
    text = "甲。" * 30 + "法治。" + "乙。" * 30 + "副校长。" + "丙。" * 30
    a, b = text.index("法治"), text.index("副校长")
    h = Hit(
        rank=1, score=1.0, passage=Passage(id="d#1", document_id="d", number=1, text=text), document=Document("d", "T"),
        spans=(Span(a, a + 2), Span(b, b + 3)), fragments=(Fragment(a, a + 3, (Span(a, a + 2),)), Fragment(b, b + 4, (Span(b, b + 3),))),
    )  # fmt: skip
    highlight = results_to_dict(SearchResults("q", 1, 1, 10, [h]))["hits"][0]["highlight"]
    assert highlight == "…<mark>法治</mark>。 … <mark>副校长</mark>。…"


def test_tokens_table_aligns_columns_by_display_width() -> None:
    tokens = [AnalyzedToken("未成年人保护法", "未成年人保护法", 0, 0, 7), AnalyzedToken("abc", "ＡＢＣ", 1, 8, 11)]
    lines = render_tokens(tokens, "plain").splitlines()
    assert lines[0].split() == ["pos", "chars", "text", "term"]
    assert lines[1].split() == ["0", "0-7", "未成年人保护法", "未成年人保护法"]
    term_column = {display_width(line[: line.rindex(term)]) for line, term in zip(lines[1:], ["未成年人保护法", "abc"])}
    assert len(term_column) == 1
    assert "(no tokens" in render_tokens([], "plain")


def test_passage_context_marks_the_focus_and_highlights_only_its_spans(seed_index) -> None:
    found = seed_index.search("法治副校长", limit=1).hits[0]
    passages = seed_index.context(found.passage.id, before=1, after=1)
    out = render_passage_context(passages, found.passage.id, "plain", spans=found.spans, document=found.document)
    lines = out.splitlines()
    assert lines[0].startswith(found.document.id)
    focus = [line for line in lines if line.startswith("▶")]
    assert focus == [f"▶ #{found.passage.number} " + focus[0].split(" ", 2)[2]]
    assert found.passage.section[0] in focus[0]
    for neighbour in passages:
        if neighbour.id != found.passage.id:
            assert f"  #{neighbour.number}" in out
    assert out.count("【") == len(found.spans)
    with pytest.raises(InvalidArgumentError):
        render_passage_context(passages, "nope#1", "plain")
