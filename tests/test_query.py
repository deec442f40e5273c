"""The query language: what parses to what, and precise errors for malformed queries."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lawsearch.errors import LawsearchError, QuerySyntaxError
from lawsearch.query import And, Field, Not, Or, Phrase, Soft, Words, parse_query


def test_juxtaposed_words_and_filters_form_a_soft_group() -> None:
    assert parse_query("法治副校长 培训 year:2024") == Soft(
        (Words("法治副校长", 0), Words("培训", 6), Field("year", "2024", 9, years=(2024, 2024)))
    )


def test_operator_precedence_not_and_juxtaposition_or() -> None:
    tree = parse_query("A B AND C OR NOT D")
    assert tree == Or((Soft((Words("A", 0), And((Words("B", 2), Words("C", 8))))), Not(Words("D", 17))))


def test_brackets_right_after_a_word_belong_to_it_and_a_group_follows_a_space() -> None:
    """Chinese names hold brackets (刑法修正案（十一）, …纲要（2021—2025年）): typed right after a word, with no space
    inside, they are part of it, so the name can be named; a group follows a space or an operator."""
    assert parse_query("刑法修正案（十一）") == Words("刑法修正案（十一）", 0)
    assert parse_query("刑法修正案(十一)第三条 year:2024") == Soft(
        (Words("刑法修正案(十一)第三条", 0), Field("year", "2024", 13, years=(2024, 2024)))
    )
    assert parse_query("法治 (副校长 OR 校长)") == Soft((Words("法治", 0), Or((Words("副校长", 4), Words("校长", 11)))))
    assert parse_query("法治(副校长 OR 校长)") == Soft((Words("法治", 0), Or((Words("副校长", 3), Words("校长", 10)))))
    assert parse_query("NOT(培训)") == Not(Words("培训", 4))
    with pytest.raises(QuerySyntaxError, match="unclosed parenthesis"):
        parse_query("刑法修正案（十一")


def test_phrases_in_ascii_chinese_and_fullwidth_quotes() -> None:
    assert parse_query('"食品安全"') == Phrase("食品安全", 0)
    assert parse_query("“食品安全”") == Phrase("食品安全", 0)
    assert parse_query("＂食品 安全＂") == Phrase("食品 安全", 0)


def test_fields_fullwidth_colon_ranges_and_quoted_values() -> None:
    assert parse_query("year：2023..2024") == Field("year", "2023..2024", 0, years=(2023, 2024))
    assert parse_query('section:"存在 问题"') == Field("section", "存在 问题", 0)
    assert parse_query("（法治 OR 法制）") == Or((Words("法治", 1), Words("法制", 7)))


def test_lower_case_operators_are_words() -> None:
    assert parse_query("a and b") == Soft((Words("a", 0), Words("and", 2), Words("b", 6)))


@pytest.mark.parametrize(
    ("query", "message", "position"),
    [
        ('"食品安全', "unclosed quote", 0),
        ("法治 “食品", "unclosed quote", 3),
        ("(法治 培训", "unclosed parenthesis", 0),
        ("法治)", "unexpected ')'", 2),
        ("AND 法治", "AND needs a term on both sides", 0),
        ("法治 AND", "AND needs a term on both sides", 3),
        ("法治 OR", "OR needs a term on both sides", 3),
        ("法治 NOT", "NOT needs a term after it", 3),
        ("year:", "field 'year' needs a value", 0),
        (
            "foo:bar",
            "unknown field 'foo'; valid fields: cites, city, collection, doc, kind, org, province, region, section, title, "
            "year",
            0,
        ),
        ("year:去年", "year must be a year like 2024", 0),
        ("year:2024..2023", "ends before it starts", 0),
        ("   ", "the query is empty", 0),
        ('""', "empty quotes", 0),
        ("()", "empty parentheses", 0),
    ],
)
def test_malformed_queries_say_what_and_where(query: str, message: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    assert message in str(info.value)
    assert info.value.position == position and info.value.query == query
    assert isinstance(info.value, ValueError)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('法治 副校长"“”()（）:：ANDORNOTyear2024.-x\t')), max_size=30))
def test_any_string_parses_or_raises_a_query_syntax_error(query: str) -> None:
    try:
        parse_query(query)
    except LawsearchError as exc:
        assert isinstance(exc, QuerySyntaxError)


def _outcome(parse, query: str) -> object:  # type: ignore[no-untyped-def]
    try:
        return parse(query)
    except QuerySyntaxError as exc:
        return (str(exc), exc.position)


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("法治副校长ANDORNOTＡＮＤｏｒyear:：()（）「」“”\"'\u3000 \t年x2-…")), max_size=12
    )
)
def test_the_one_word_fast_path_parses_as_the_parser_does(query: str) -> None:
    from lawsearch.query import _parse

    assume(query.strip())  # a blank query is refused before either
    assert _outcome(parse_query, query) == _outcome(_parse, query)


def test_the_one_word_fast_path_on_real_questions_and_operators() -> None:
    from lawsearch.query import _parse

    for query in [
        "夫妻一方经营个体工商户所欠债务，谁偿还？",
        "第15条",
        "ＡＮＤ",
        "NOT",
        "year：2024",
        "法治（副校长）",
        "a-b",
    ]:
        assert _outcome(parse_query, query) == _outcome(_parse, query)


def test_a_stray_closing_quote_is_punctuation() -> None:
    query = "否则酒店对损失概不负责”的规定，是否成立保管合同关系？"
    assert parse_query(query) == Words(query, 0)
