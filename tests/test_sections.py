"""Section kinds: every section path of the five seed reports (golden), heading variants, aliases."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawsearch.errors import InvalidArgumentError
from lawsearch.models import ParsedDocument
from lawsearch.sections import KIND_ALIASES, KINDS, classify_heading, parse_kind, section_kind

from conftest import REPORTS, assert_golden, parse_seed


def kinds_view(parsed: ParsedDocument) -> dict[str, object]:
    """Each distinct section path of a report, in reading order, with its kind."""
    paths = dict.fromkeys(p.section for p in parsed.passages)
    year = parsed.document.year
    return {
        "report_year": year,
        "sections": [{"kind": section_kind(path, report_year=year), "section": list(path)} for path in paths],
    }


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.stem)
def test_golden_section_kinds(path: Path) -> None:
    """Every section path's kind, as reviewed by hand; LAWSEARCH_REGEN_GOLDEN=1 rewrites."""
    assert_golden(f"sections-{path.stem}.json", kinds_view(parse_seed(path.stem)))


# The top-level parts of each seed, in order: a check of the golden files that does not need reading them.
TOP_LEVEL = {
    "hanyang-edu-2024": ["other", "measures", "problems", "plans"],
    "heping-edu-2024": ["other", "leadership", "measures", "problems", "plans"],
    "huangzhong-edu-2024": ["other", "measures", "problems", "leadership", "plans"],
    "shanzhou-edu-2023": ["other", "measures", "problems", "plans"],
    "zhongzhan-edu-2024": ["other", "measures", "problems", "plans"],
}


@pytest.mark.parametrize("name", sorted(TOP_LEVEL))
def test_each_seed_has_its_parts_in_order(name: str) -> None:
    parsed = parse_seed(name)
    kinds = [section_kind(p.section, report_year=parsed.document.year) for p in parsed.passages]
    assert list(dict.fromkeys(kinds)) == TOP_LEVEL[name]
    assert kinds[0] == "other"  # the opening paragraph, before any heading


def test_passage_kind_comes_from_the_outermost_classified_heading() -> None:
    passages = parse_seed("hanyang-edu-2024").passages
    under_problems = [p for p in passages if p.section[:1] == ("二、存在的主要问题",)]
    assert len(under_problems) == 4 and {section_kind(p.section) for p in under_problems} == {"problems"}
    # an inner heading that reads like another kind does not change it (推动法治建设取得新成效 under 工作打算)
    plan = next(p for p in passages if p.section and p.section[-1].startswith("（二）推动法治副校长全覆盖"))
    assert classify_heading(plan.section[-1]) == "measures"
    assert section_kind(plan.section) == "plans"


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        # measures
        ("一、主要做法和成效", "measures"),
        ("一、2024年法治政府建设工作开展情况", "measures"),
        ("一、2023年法治政府建设基本情况", "measures"),
        ("一、法治政府建设工作情况", "measures"),
        ("一、主要工作及成效", "measures"),
        ("一、工作举措", "measures"),
        ("一、取得的成效", "measures"),
        ("一、2024年工作总结", "measures"),
        ("一、工作亮点", "measures"),
        ("一、推进法治政府建设的主要举措和成效", "measures"),
        ("二、推进法治政府建设的主要举措和成效", "measures"),
        # problems
        ("二、存在的问题", "problems"),
        ("二、存在的不足", "problems"),
        ("二、存在问题和不足", "problems"),
        ("二、问题与不足", "problems"),
        ("二、存在的短板和不足", "problems"),
        ("三、差距和不足", "problems"),
        ("二、工作中存在的问题", "problems"),
        ("三、工作中存在一些问题", "problems"),
        ("二、主要问题", "problems"),
        ("二、困难和问题", "problems"),
        ("二、面临的困难和挑战", "problems"),
        ("二、工作中的不足", "problems"),
        ("二、不足之处", "problems"),
        ("三、问题及原因分析", "problems"),
        ("三、推进法治政府建设存在的不足和原因", "problems"),
        # plans
        ("三、下一步工作打算", "plans"),
        ("四、下一步计划", "plans"),
        ("三、2025年工作打算", "plans"),
        ("四、2025年工作计划", "plans"),
        ("三、2025年工作思路", "plans"),
        ("三、今后努力方向", "plans"),
        ("三、下步工作安排", "plans"),
        ("四、下一年度推进法治政府建设的主要安排", "plans"),
        ("四、2025年度推进法治政府建设的主要安排", "plans"),
        ("三、工作展望", "plans"),
        ("(二)下一步工作措施", "plans"),
        # leadership
        ("一、党政主要负责人履行推进法治建设第一责任人职责", "leadership"),
        ("一、党政主要负责人履行推进法治建设第一责任人职责情况", "leadership"),
        ("一、区政府主要负责同志履行推进法治建设第一责任人职责情况", "leadership"),
        ("三、党政主要负责人履行推进法治建设第一责任人职责，加强法治政府建设的有关情况", "leadership"),
        ("四、主要负责人履行第一责任人职责情况", "leadership"),
        # other
        ("五、其他需要报告的情况", "other"),
        ("一、基本情况", "other"),
        ("（一）加强组织领导，强化责任落实", "other"),
        ("（一）统筹安排部署", "other"),
        ("（二）整改存在的问题", "other"),
        ("（三）补齐短板，提升能力", "other"),
        ("", "other"),
        # mixed: the first-mentioned kind
        ("三、存在的不足和下一步工作打算", "problems"),
        ("二、存在问题及整改措施", "problems"),
        ("二、2024年工作总结和2025年工作计划", "measures"),
        ("三、下一步工作打算及存在问题", "plans"),
    ],
)
def test_heading_variants(heading: str, kind: str) -> None:
    assert classify_heading(heading) == kind


def test_items_and_law_parts_are_never_a_kind() -> None:
    assert classify_heading("二是列入法治工作总体安排。") == "other"
    assert classify_heading("一是存在的问题") == "other"
    assert classify_heading("三抓政务公开。") == "other"
    assert classify_heading("第五章 保障措施") == "other"
    assert section_kind(("第二章 救助对象和措施", "第一节 一般规定")) == "other"


def test_a_later_year_means_plans_only_when_the_report_year_is_known() -> None:
    assert classify_heading("四、2025年重点任务") == "other"
    assert classify_heading("四、2025年重点任务", report_year=2024) == "plans"
    assert classify_heading("四、2025年重点工作", report_year=2024) == "plans"
    assert classify_heading("一、2024年重点工作", report_year=2024) == "measures"
    assert classify_heading("三、2024年工作计划", report_year=2023) == "plans"
    # a year does not outrank a problems keyword
    assert classify_heading("二、2025年仍存在的问题", report_year=2024) == "problems"


def test_a_mixed_heading_is_narrowed_by_the_heading_below_it() -> None:
    mixed = "三、存在的不足和下一步打算"
    assert section_kind((mixed,)) == "problems"
    assert section_kind((mixed, "（一）存在的不足")) == "problems"
    assert section_kind((mixed, "（二）下一步打算", "一是加强学习。")) == "plans"
    # an unclassified or unrelated heading below leaves the first-mentioned kind
    assert section_kind((mixed, "（二）加强学习")) == "problems"
    assert section_kind((mixed, "（二）党政主要负责人履职情况")) == "problems"


def test_section_kind_skips_other_headings_and_accepts_lists() -> None:
    assert section_kind(()) == "other"
    assert section_kind(("一、基本情况", "（一）存在的问题")) == "problems"
    assert section_kind(["四、下一步计划", "三是持续推动法治教育。"]) == "plans"


def test_kinds_and_aliases() -> None:
    assert KINDS == ("measures", "problems", "leadership", "plans", "other")
    for kind in KINDS:
        assert KIND_ALIASES[kind] == kind
    assert set(KIND_ALIASES.values()) == set(KINDS)
    expected = {
        "问题": "problems",
        "成效": "measures",
        "做法": "measures",
        "计划": "plans",
        "打算": "plans",
        "第一责任人": "leadership",
        "负责人": "leadership",
    }
    assert {alias: KIND_ALIASES[alias] for alias in expected} == expected
    # the aliases that are also heading words agree with the rules
    for alias in ("问题", "不足", "存在问题", "短板", "差距", "成效", "做法", "举措", "计划", "打算", "下一步", "思路"):
        assert classify_heading(f"二、{alias}") == KIND_ALIASES[alias], alias


def test_parse_kind() -> None:
    assert parse_kind("问题") == "problems"
    assert parse_kind("  Measures ") == "measures"
    assert parse_kind("ＰＬＡＮＳ") == "plans"  # full-width, as typed with a Chinese input method
    with pytest.raises(InvalidArgumentError, match=r"unknown section kind '成绩单'; use one of measures, problems"):
        parse_kind("成绩单")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=4), st.one_of(st.none(), st.integers(1990, 2030)))
def test_section_kind_is_always_a_kind(path: list[str], year: int | None) -> None:
    kind = section_kind(tuple(path), report_year=year)
    assert kind in KINDS
    assert all(classify_heading(heading, report_year=year) in KINDS for heading in path)
