"""Citations: every 《…》 of the five seed reports (golden), normalization, kinds, offsets, odd marks."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawsearch.citations import (
    CITATION_KINDS,
    Citation,
    canonical_law_name,
    citation_kind,
    extract_citations,
    is_law_name,
)
from lawsearch.models import ParsedDocument

from conftest import REPORTS, assert_golden, parse_seed


def citations_view(parsed: ParsedDocument) -> list[dict[str, object]]:
    """Each passage that cites anything, with its citations as written, canonical and kind."""
    return [
        {
            "passage": passage.id,
            "citations": [
                {"name": c.name, "canonical": c.canonical, "kind": c.kind} for c in extract_citations(passage.text)
            ],
        }
        for passage in parsed.passages
        if extract_citations(passage.text)
    ]


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.stem)
def test_golden_citations(path: Path) -> None:
    """Every citation of every passage, as reviewed by hand; LAWSEARCH_REGEN_GOLDEN=1 rewrites."""
    assert_golden(f"citations-{path.stem}.json", citations_view(parse_seed(path.stem)))


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.stem)
def test_every_title_mark_of_the_seeds_is_a_citation_at_its_offsets(path: Path) -> None:
    for passage in parse_seed(path.stem).passages:
        citations = extract_citations(passage.text)
        assert len(citations) == passage.text.count("《"), passage.id  # the seeds nest only with 〈〉
        for citation in citations:
            assert passage.text[citation.start : citation.end] == f"《{citation.name}》"


def test_the_seeds_most_cited_laws() -> None:
    counts: dict[str, int] = {}
    for path in REPORTS:
        for passage in parse_seed(path.stem).passages:
            for citation in extract_citations(passage.text):
                if citation.kind == "law":
                    counts[citation.canonical] = counts.get(citation.canonical, 0) + 1
    assert {law: count for law, count in counts.items() if count > 1} == {
        "未成年人保护法": 3,  # 《中华人民共和国未成年人保护法》 once, 《未成年人保护法》 twice
        "义务教育法": 2,
        "保守国家秘密法": 2,
        "民法典": 2,
        "行政处罚法": 2,
        "预防未成年人犯罪法": 2,
    }


# --- normalization ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "canonical"),
    [
        (["中华人民共和国未成年人保护法", "未成年人保护法", " 中华人民共和国 未成年人保护法 "], "未成年人保护法"),
        (["中华人民共和国教育法", "教育法", "《教育法》", "“教育法”"], "教育法"),
        (["中华人民共和国宪法", "宪法"], "宪法"),
        (
            ["中华人民共和国行政处罚法（2021年修订）", "行政处罚法(2021年修订)", "行政处罚法（2017年修正）"],
            "行政处罚法",
        ),
        (["中华人民共和国企业破产法（试行）", "企业破产法（草案）", "企业破产法（2006年）"], "企业破产法"),
        (["西宁市行政执法案卷评查标准(试行)", "西宁市行政执法案卷评查标准（试行）"], "西宁市行政执法案卷评查标准"),
        (
            ["天津市法治政府建设实施纲要(2021-2025年)", "天津市法治政府建设实施纲要（2021—2025年）"],
            "天津市法治政府建设实施纲要(2021-2025年)",
        ),
        (["ＡＢＣ法", "ABC法"], "ABC法"),
    ],
)
def test_spellings_of_one_law_share_a_canonical_name(names: list[str], canonical: str) -> None:
    assert {canonical_law_name(name) for name in names} == {canonical}


def test_normalization_keeps_what_tells_laws_apart() -> None:
    # the number of an amendment and the year of a constitutional amendment are part of the name
    assert canonical_law_name("中华人民共和国刑法修正案（十一）") == "刑法修正案(十一)"
    assert canonical_law_name("中华人民共和国宪法修正案（2018年）") == "宪法修正案(2018年)"
    assert canonical_law_name("宪法修正案") == "宪法修正案"
    # a nested title loses its marks and its own 中华人民共和国 prefix
    assert (
        canonical_law_name("最高人民法院关于适用〈中华人民共和国民法典〉总则编若干问题的解释")
        == canonical_law_name("最高人民法院关于适用《民法典》总则编若干问题的解释")
        == "最高人民法院关于适用民法典总则编若干问题的解释"
    )
    assert canonical_law_name("关于实施\\<中华人民共和国香港特别行政区基本法\\>第二十四条第二款的意见") == (
        "关于实施香港特别行政区基本法第二十四条第二款的意见"
    )
    # 中华人民共和国 that names an issuer stays
    assert canonical_law_name("中华人民共和国政府关于领海的声明") == "中华人民共和国政府关于领海的声明"
    assert canonical_law_name("（试行）") == "(试行)"  # nothing but a note: kept rather than emptied


# --- kinds ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("中华人民共和国行政处罚法", "law"),
        ("中华人民共和国民法典", "law"),
        ("宪法", "law"),
        ("宪法修正案", "law"),
        ("中华人民共和国刑法修正案（十一）", "law"),
        ("中华人民共和国民法通则", "law"),
        ("中华人民共和国香港特别行政区基本法", "law"),
        ("中华人民共和国涉外民事关系法律适用法", "law"),
        ("中华人民共和国公司法", "law"),
        ("中华人民共和国预算法", "law"),
        ("中华人民共和国长江保护法", "law"),
        ("中华人民共和国立法法", "law"),
        ("全国人民代表大会常务委员会关于加强经济工作监督的决定", "law"),
        ("全国人民代表大会常务委员会关于〈中华人民共和国刑法〉第三十条的解释", "law"),
        ("湖北省学校安全条例", "regulation"),
        ("天津市社会信用条例", "regulation"),
        ("信访条例", "regulation"),
        ("中华人民共和国民办教育促进法实施条例", "regulation"),
        ("校外培训行政处罚暂行办法", "regulation"),
        ("中小学法治副校长聘任与管理办法", "regulation"),
        ("党政主要负责人履行推进法治建设第一责任人职责规定", "regulation"),
        ("国务院关于职工工作时间的规定", "regulation"),
        ("社区矫正法实施办法", "regulation"),
        ("广东省经济特区条例", "regulation"),
        ("新疆维吾尔自治区实施〈中华人民共和国义务教育法〉办法", "regulation"),
        ("最高人民法院关于适用《民法典》物权编的解释（一）", "regulation"),
        ("关于审理非法行医刑事案件具体应用法律若干问题的解释", "regulation"),
        ("2024年全区教育法治建设工作要点", "document"),
        ("关于加强教育行政执法深入推进校外培训综合治理的意见", "document"),
        ("天津市法治政府建设实施纲要(2021-2025年)", "document"),
        ("和平区关于落实〈天津市法治政府建设实施纲要(2021-2025年)〉的实施方案", "document"),
        ("和平区教育局承诺审批事项事中事后监管实施办法", "document"),
        ("天津市和平区中学中层干部管理暂行办法(试行)", "document"),
        ("湟中区人民政府法律顾问工作规则", "document"),
        ("全区中小学幼儿园生命安全与健康教育重点任务清单", "document"),
        ("中共中央关于进一步全面深化改革、推进中国式现代化的决定", "document"),
        ("关于实施渐进式延迟法定退休年龄的决定", "document"),  # the NPCSC's, but the name does not say so
        ("习近平法治思想学习纲要", "document"),
        ("法宣在线", "document"),
        ("尊法学法守法用法", "document"),
        ("税目税率表", "document"),
    ],
)
def test_kinds(name: str, kind: str) -> None:
    assert citation_kind(name) == kind
    assert is_law_name(name) is (kind != "document")


# --- extraction -------------------------------------------------------------------------------------------


def test_offsets_index_the_bracketed_citation() -> None:
    text = "统筹抓好《中华人民共和国未成年人保护法》《中华人民共和国预防未成年人犯罪法》等普法宣传。"
    first, second = extract_citations(text)
    assert (first.start, first.end, second.start, second.end) == (4, 20, 20, 38)
    assert text[first.start : first.end] == "《中华人民共和国未成年人保护法》"
    assert first.name == "中华人民共和国未成年人保护法" and first.canonical == "未成年人保护法"
    assert second.canonical == "预防未成年人犯罪法" and second.kind == "law" and second.is_law


def test_nested_adjacent_and_broken_marks() -> None:
    def names(text: str) -> list[str]:
        return [c.canonical for c in extract_citations(text)]

    assert names("《A法》、《B条例》和《C办法》") == ["A法", "B条例", "C办法"]
    assert names("《和平区关于落实〈天津市纲要〉的方案》") == ["和平区关于落实天津市纲要的方案"]
    assert names("《关于贯彻《中华人民共和国教育法》的意见》") == ["关于贯彻教育法的意见"]
    assert names("《未完的标题 学习《宪法》《教育法》") == ["宪法", "教育法"]  # an unclosed 《 swallows nothing
    assert names("《宪法》》《》《 》") == ["宪法"]  # a stray 》 and empty marks are no citations
    assert names("批准《关于授予军队离休干部中国\n人民解放军功勋荣誉章的规定》") == [
        "关于授予军队离休干部中国人民解放军功勋荣誉章的规定"
    ]
    assert names("《" + "长" * 200 + "》 见《宪法》") == ["宪法"]  # no title is that long
    assert names("学习宪法、民法典和本法") == []  # unmarked mentions are out of scope
    assert extract_citations("") == ()


def test_citation_validates_its_fields() -> None:
    citation = extract_citations("《教育法》")[0]
    assert citation == Citation("教育法", "教育法", "law", 0, 5)
    with pytest.raises(ValueError, match="'kind' must be in"):
        attrs.evolve(citation, kind="statute")
    with pytest.raises(ValueError, match=r"Citation.start must be >= 0, got -1"):
        attrs.evolve(citation, start=-1)
    with pytest.raises(ValueError, match=r"Citation.end must be start \+ len\(name\) \+ 2 \(5\), got 4"):
        attrs.evolve(citation, end=4)


PIECES = st.sampled_from(
    ["《", "》", "〈", "〉", "法", "条例", "中华人民共和国", "（试行）", "2024年", "要点", "\n", " ", "。", "意见"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(max_size=3)), max_size=30))
def test_citations_are_ordered_disjoint_slices_of_the_text(pieces: list[str]) -> None:
    text = "".join(pieces)
    citations = extract_citations(text)
    end = 0
    for citation in citations:
        assert citation.start >= end
        assert text[citation.start : citation.end] == f"《{citation.name}》"
        assert citation.kind in CITATION_KINDS and citation.canonical
        end = citation.end
