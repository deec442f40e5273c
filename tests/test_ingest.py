"""Ingest of the five real seed reports: titles, metadata, passages, section paths, nothing lost, no chrome."""

from __future__ import annotations

import json
import re
from pathlib import Path

import attrs
import pytest

import lawsearch
from lawsearch.analysis import chinese_numeral
from lawsearch.errors import IngestError
from lawsearch.ingest import decode_bytes, discover, parse_jsonl, read_file, split_report
from lawsearch.models import ParsedDocument
from lawsearch.sections import section_kind

from conftest import CORPUS, LAWS, REPORTS, assert_golden, parse_seed

EXPECTED = {
    "hanyang-edu-2024": dict(
        title="汉阳区教育局关于2024年度法治政府建设情况的报告",
        org="汉阳区教育局",
        region="汉阳区",
        province="湖北省",
        city="武汉市",
        year=2024,
        publisher="",
        published="",
        title_derived=False,
        passages=25,
    ),
    "shanzhou-edu-2023": dict(
        title="2023年法治政府建设工作报告",
        org="陕州区教体局",
        region="陕州区",
        province="河南省",
        city="三门峡市",
        year=2023,
        publisher="",
        published="",
        title_derived=False,
        passages=21,
    ),
    "huangzhong-edu-2024": dict(
        title="湟中区教育系统2024年度法治政府建设情况报告",
        org="湟中区教育系统",
        region="湟中区",
        province="青海省",
        city="西宁市",
        year=2024,
        publisher="",
        published="",
        title_derived=True,
        passages=19,
    ),
    "heping-edu-2024": dict(
        title="区教育局2024年法治政府建设情况报告",
        org="和平区教育局",
        region="和平区",
        province="天津市",
        city="天津市",
        year=2024,
        publisher="和平区人民政府",
        published="2025-03-14",
        title_derived=False,
        passages=22,
    ),
    "zhongzhan-edu-2024": dict(
        title="中站区教育局2024年度法治政府建设工作报告",
        org="中站区教育局",
        region="中站区",
        province="河南省",
        city="焦作市",
        year=2024,
        publisher="",
        published="",
        title_derived=False,
        passages=21,
    ),
}

CHROME = [
    "无障碍",
    "关怀版",
    "关爱版",
    "法律声明",
    "关于我们",
    "网站地图",
    "主办单位",
    "版权所有",
    "公网安备",
    "ICP备",
    "网站标识码",
    "举报邮箱",
    "bookmark",
    "_GoBack",
    "`",
    "发布日期",
    "发布者",
]


def test_the_corpus_holds_the_five_seed_reports() -> None:
    assert [p.stem for p in REPORTS] == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_report_metadata(name: str) -> None:
    parsed = parse_seed(name)
    doc = parsed.document
    want = EXPECTED[name]
    got = dict(
        title=doc.title,
        org=doc.org,
        region=doc.region,
        province=doc.province,
        city=doc.city,
        year=doc.year,
        publisher=doc.publisher,
        published=doc.published,
        title_derived=doc.title_derived,
        passages=len(parsed.passages),
    )
    assert got == want
    assert doc.id == name and doc.path.endswith(f"{name}.txt")


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.stem)
def test_no_chrome_in_any_passage_or_title(path: Path) -> None:
    parsed = parse_seed(path.stem)
    texts = (
        [parsed.document.title] + [p.text for p in parsed.passages] + [h for p in parsed.passages for h in p.section]
    )
    for text in texts:
        for chrome in CHROME:
            assert chrome not in text, (chrome, text[:60])


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.stem)
def test_no_content_is_lost(path: Path) -> None:
    """Every content line of the raw file is in the title, a heading or the passages (whitespace aside)."""
    raw = decode_bytes(path.read_bytes())
    layout = split_report(raw, doc_id=path.stem)
    parsed = layout.parsed
    squeeze = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    body = squeeze("".join(p.text for p in parsed.passages))
    headings = {squeeze(h) for p in parsed.passages for h in p.section}
    dropped = {line.number for line in layout.dropped}
    for number, line in enumerate(raw.split("\n"), start=1):
        text = squeeze(re.sub(r"\[bookmark:[^\]]*\]", "", line))
        if not text or number in dropped or number in layout.title_lines:
            continue
        if text in body or text in headings:
            continue
        lead = next((h for h in headings if text.startswith(h)), None)
        assert lead is not None and text[len(lead) :] in body, f"line {number} lost: {line[:50]}"
    # and what was dropped is chrome, metadata or content-free, never a sentence of the report
    for line in layout.dropped:
        assert line.dropped in {"chrome", "meta", "no-content", "residue"}
        assert "。" not in line.text


def sections(name: str) -> list[str]:
    return [p.section_path for p in parse_seed(name).passages]


def test_section_paths_hanyang() -> None:
    paths = sections("hanyang-edu-2024")
    assert paths[0] == ""  # the opening paragraph sits before the first heading
    assert "一、主要做法和成效 › （三）规范履职行为，提高依法行政的能力。" in paths
    # the paragraph after the (三) heading line inherits its section path
    passage = next(p for p in parse_seed("hanyang-edu-2024").passages if p.text.startswith("规范民办教育发展"))
    assert passage.section_path == "一、主要做法和成效 › （三）规范履职行为，提高依法行政的能力。"
    assert not passage.is_heading
    assert paths[-1].startswith("三、2025年工作打算 › （三）进一步加强执法人员培训")


def test_heading_with_body_is_heading_and_passage() -> None:
    first = parse_seed("hanyang-edu-2024").passages[1]
    assert first.is_heading
    assert first.text.startswith("（一）加强组织领导，夯实法治政府建设工作基础。局主要负责同志")
    assert first.section == ("一、主要做法和成效", "（一）加强组织领导，夯实法治政府建设工作基础。")


def test_items_are_split_into_passages_with_their_item_heading() -> None:
    passages = parse_seed("hanyang-edu-2024").passages
    items = [
        p for p in passages if p.section[-1:] and p.section[-1].startswith(("一是", "二是", "三是", "四是", "五是"))
    ]
    assert [p.text[:2] for p in items] == ["一是", "二是", "三是", "四是", "五是"]
    assert items[0].section[-1] == "一是列入中心组学习重要内容。"
    lead = passages[items[0].number - 2]
    assert lead.text.startswith("（二）注重理论学习") and lead.text.endswith("维护稳定、应对风险情况的水平和能力。")
    # 一抓/二抓/三抓 items too
    assert [p.section[-1] for p in passages if p.section and p.section[-1].endswith("抓诚信宣教。")] == [
        "一抓诚信宣教。"
    ]


def test_items_past_ten_are_split_too() -> None:
    numbers = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
    text = "某区教育局2024年度法治政府建设情况报告\n一、主要做法和成效\n" + "".join(
        f"{n}是开展第{i}项工作。" for i, n in enumerate(numbers, 1)
    )
    passages = split_report(text, doc_id="r").parsed.passages
    assert [p.text for p in passages] == [
        f"{n}是开展第{i}项工作。" for i, n in enumerate(numbers, 1)
    ]  # 十一是… was in 十是…'s


def test_half_width_headings_and_numbered_levels() -> None:
    heping = sections("heping-edu-2024")
    assert (
        "二、推进法治政府建设的主要举措和成效 › (一)强化党对法治政府建设的领导 › 一是深入学习宣传贯彻新时代党的创新理论。"
        in heping
    )
    assert heping[-1] == "四、下一步计划 › 三是持续推动法治教育。"
    shanzhou = sections("shanzhou-edu-2023")
    assert "一、工作开展情况 › （一）加强组织领导，强化责任落实 › 2.加强执法队伍建设。" in shanzhou
    # a 1./2. heading line that is only a heading before 一是… items labels them and is no passage itself
    assert not any(p.text == "2.全员培训，提高执法水平。" for p in parse_seed("shanzhou-edu-2023").passages)
    assert (
        sum(
            path.startswith("一、工作开展情况 › （二）加强学习宣传，提升法治素养 › 2.全员培训，提高执法水平。 › ")
            for path in shanzhou
        )
        == 3
    )


def test_bare_headings_are_not_passages() -> None:
    for name in EXPECTED:
        for passage in parse_seed(name).passages:
            assert not re.fullmatch(r"[一二三四五六七八九十]+、[^。]*", passage.text), passage.text


def test_markup_residue_is_cut_but_the_sentence_kept() -> None:
    passage = next(p for p in parse_seed("zhongzhan-edu-2024").passages if p.text.startswith("一年来"))
    assert passage.section_path == "二、存在问题"
    assert "bookmark" not in passage.text


def test_passage_ids_are_stable_and_unique() -> None:
    ids = [p.id for name in EXPECTED for p in parse_seed(name).passages]
    assert len(ids) == len(set(ids))
    assert parse_seed("heping-edu-2024").passages[0].id == "heping-edu-2024#1"
    assert [p.id for p in parse_seed("heping-edu-2024").passages] == [
        p.id for p in parse_seed("heping-edu-2024").passages
    ]


# --- decoding -------------------------------------------------------------------------------------------


def test_gb18030_bom_and_utf16_decode_to_the_same_passages(tmp_path: Path) -> None:
    source = CORPUS / "zhongzhan-edu-2024.txt"
    text = source.read_text(encoding="utf-8")
    reference = [p.text for p in parse_seed("zhongzhan-edu-2024").passages]
    for encoding in ("gb18030", "utf-8-sig", "utf-16"):
        target = tmp_path / f"{encoding}.txt"
        target.write_bytes(text.replace("\n", "\r\n").encode(encoding))
        (parsed,) = read_file(target)
        assert [p.text for p in parsed.passages] == reference, encoding
        assert parsed.document.title == "中站区教育局2024年度法治政府建设工作报告"


def test_undecodable_binary_and_empty_files_raise_ingest_error(tmp_path: Path) -> None:
    png = tmp_path / "image.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(IngestError, match="binary") as info:
        read_file(png)
    assert info.value.path == png and "image.txt" in str(info.value)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b" \n\t\n")
    with pytest.raises(IngestError, match="empty"):
        read_file(empty)
    bad = tmp_path / "bad.txt"
    bad.write_bytes("法治".encode() + b"\xff\xff\xff\xff")
    with pytest.raises(IngestError, match="cannot decode"):
        read_file(bad)
    with pytest.raises(IngestError, match="no such file"):
        discover([tmp_path / "missing"])


# --- JSONL ----------------------------------------------------------------------------------------------


def test_jsonl_records_become_passages_grouped_by_document(tmp_path: Path) -> None:
    lines = [
        {
            "id": "l1",
            "text": "第一条 为了保护未成年人身心健康",
            "title": "未成年人保护法",
            "year": 2020,
            "chapter": "第一章 总则",
        },
        {"id": "l2", "text": "第二条 本法所称未成年人", "title": "未成年人保护法", "section": ["第一章 总则"]},
        {"docid": 7, "text": "教育是国家的事业", "law": "教育法", "status": "现行有效"},
    ]
    path = tmp_path / "laws.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines) + "\n\n", encoding="utf-8")
    docs = read_file(path)
    assert [d.document.title for d in docs] == ["未成年人保护法", "教育法"]
    minors, education = docs
    assert [p.id for p in minors.passages] == ["l1", "l2"]
    assert minors.passages[1].number == 2 and minors.passages[0].section == ("第一章 总则",)
    assert minors.document.year == 2020
    assert education.passages[0].id == "7" and education.document.metadata_dict() == {"status": "现行有效"}


def test_jsonl_article_numbers_in_digits_are_written_as_laws_write_them(tmp_path: Path) -> None:
    """``article_no`` 15, "15", "第15条" and "第１５条" all end the section path as 第十五条, so a lookup of the article
    finds them as it finds the law corpus's (第十五条 in words); other values are kept as given, bad ones named."""
    values = [15, "15", "第15条", "第１５条", "第十五条", "第十五条之一", "Art. 15"]
    records = [
        {"id": f"a{n}", "text": "用人单位应当依法建立劳动规章制度", "law": f"法{n}", "article_no": value}
        for n, value in enumerate(values)
    ]
    path = tmp_path / "laws.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    sections = [doc.passages[0].section for doc in read_file(path)]
    assert sections == [("第十五条",)] * 5 + [("第十五条之一",), ("Art. 15",)]
    for bad in (0, 10000, True, 1.5, ["第一条"]):
        path.write_text(json.dumps({"id": "b", "text": "正文", "article_no": bad}), encoding="utf-8")
        with pytest.raises(
            IngestError, match=r"laws.jsonl:1: field 'article_no' must be a string like 第十五条 or a number"
        ):
            read_file(path)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "invalid JSON"),
        ('["a"]', "expected a JSON object"),
        ('{"text": "x"}', "needs an 'id'"),
        ('{"id": "a"}', "non-empty string 'text'"),
        ('{"id": "a", "text": 5}', "non-empty string 'text'"),
        ('{"id": "a", "text": "x", "year": "二〇二四"}', "'year' must be an integer"),
        ('{"id": "a", "text": "x", "title": ["t"]}', "'title' must be a string"),
    ],
)
def test_jsonl_errors_name_the_line(line: str, message: str) -> None:
    text = '{"id": "ok", "text": "fine"}\n' + line
    with pytest.raises(IngestError, match=message) as info:
        parse_jsonl(text, default_document="d", path="x.jsonl")
    assert info.value.line == 2 and "x.jsonl:2" in str(info.value)


def test_jsonl_duplicate_ids_are_rejected() -> None:
    with pytest.raises(IngestError, match="duplicate id 'a' \\(first on line 1\\)"):
        parse_jsonl('{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}', default_document="d")


_BODY = "一、主要做法和成效\n全年召开会议3次，研究部署法治政府建设工作。\n"


@pytest.mark.parametrize(
    ("text", "region", "org", "year"),
    [
        # the city before the district: the region was 市中站区, 市汉阳区
        (f"焦作市中站区教育局2024年度法治政府建设工作报告\n{_BODY}", "中站区", "焦作市中站区教育局", 2024),
        (f"武汉市汉阳区教育局关于2024年度法治政府建设情况的报告\n{_BODY}", "汉阳区", "武汉市汉阳区教育局", 2024),
        (f"济南市市中区教育局2024年度法治政府建设情况报告\n{_BODY}", "市中区", "济南市市中区教育局", 2024),
        # an autonomous county: the region was 族自治县
        (
            f"大通回族土族自治县教育局2024年度法治政府建设情况报告\n{_BODY}",
            "大通回族土族自治县",
            "大通回族土族自治县教育局",
            2024,
        ),
        # no title; the opening cites a plan period (2021－2025年): the year was 2025
        (
            "根据《法治政府建设实施纲要（2021－2025年）》和《纲要（2021年至2025年）》要求，现将我局2024年度法治政府建设"
            f"情况报告如下：\n{_BODY}汉阳区教育局\n2025年3月20日\n",
            "汉阳区",
            "汉阳区教育局",
            2024,
        ),
        # the organization named only in the signature: its region (was empty)
        (f"关于2024年度法治政府建设情况的报告\n{_BODY}\n汉阳区教育局\n2025年3月20日\n", "汉阳区", "汉阳区教育局", 2024),
        # the county after its province and city, or after 关于
        (
            f"青海省西宁市大通回族土族自治县教育局2024年度法治政府建设情况报告\n{_BODY}",
            "大通回族土族自治县",
            None,
            2024,
        ),
        (f"关于大通回族土族自治县2024年度法治政府建设情况的报告\n{_BODY}", "大通回族土族自治县", None, 2024),
    ],
)
def test_region_org_and_year_from_titles_as_reports_write_them(
    text: str, region: str, org: str | None, year: int
) -> None:
    document = split_report(text, doc_id="r").parsed.document
    assert (document.region, document.year) == (region, year) and org in (None, document.org)


@pytest.mark.parametrize(
    ("text", "province", "city"),
    [
        # one county of the name; the 2020 list's 湟中县 is 湟中区 today
        (f"中站区教育局2024年度法治政府建设工作报告\n{_BODY}", "河南省", "焦作市"),
        (f"湟中区教育系统2024年度法治政府建设情况报告\n{_BODY}", "青海省", "西宁市"),
        (f"大通回族土族自治县教育局2024年度法治政府建设情况报告\n{_BODY}", "青海省", "西宁市"),
        # four counties are 市中区: the one whose city the report names; none where it names none
        (f"济南市市中区教育局2024年度法治政府建设情况报告\n{_BODY}", "山东省", "济南市"),
        (f"市中区教育局2024年度法治政府建设情况报告\n{_BODY}乐山市教育局指导下……\n", "四川省", "乐山市"),
        (f"市中区教育局2024年度法治政府建设情况报告\n{_BODY}", "", ""),
        # 和平区 of 天津 and of 沈阳: the city named most; as often, neither
        (f"和平区教育局2024年度法治政府建设情况报告\n{_BODY}沈阳市…沈阳…天津…\n", "辽宁省", "沈阳市"),
        (f"和平区教育局2024年度法治政府建设情况报告\n{_BODY}沈阳…天津…\n", "", ""),
        # no county: the city or province the title names (a county its text names twice is not the region);
        # a municipality is its own city
        (f"焦作市教育局2024年度法治政府建设工作报告\n{_BODY}指导中站区、解放区……中站区\n", "河南省", "焦作市"),
        (f"河南省教育厅2024年度法治政府建设工作报告\n{_BODY}", "河南省", ""),
        (f"朝阳区教育委员会2024年度法治政府建设情况报告\n{_BODY}北京市教委…\n", "北京市", "北京市"),
        # no place at all
        (f"关于2024年度法治政府建设情况的报告\n{_BODY}", "", ""),
    ],
)
def test_the_region_is_placed_in_its_city_and_province(text: str, province: str, city: str) -> None:
    document = split_report(text, doc_id="r").parsed.document
    assert (document.province, document.city) == (province, city)
    if "焦作市教育局" in text:
        assert document.region == ""


def test_jsonl_regions_are_placed_unless_the_records_say_where() -> None:
    lines = [
        {"id": "a", "text": "正文", "document": "a", "region": "陕州区"},
        {"id": "b", "text": "正文", "document": "b", "region": "和平区"},  # two counties: no text decides
        {"id": "c", "text": "正文", "document": "c", "region": "和平区", "province": "辽宁省", "city": "沈阳市"},
    ]
    parsed = parse_jsonl("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), default_document="x")
    assert [(d.document.province, d.document.city) for d in parsed] == [
        ("河南省", "三门峡市"),
        ("", ""),
        ("辽宁省", "沈阳市"),
    ]
    assert all(not d.document.metadata for d in parsed)


@pytest.mark.parametrize(
    "head",
    [
        "汉阳区教育局文件\n汉教〔2025〕5号\n",  # an official document's red header and number
        "",  # the number under the title, below
        "武汉市汉阳区人民政府\n",  # the site's name over a title that names its own organization
        "网站无障碍关怀版登录注册\n",  # navigation words run together (<span>s without spaces)
        "首页 政务公开 政务服务 互动交流\n",  # a site's section menu as a row of plain links
    ],
    ids=["red header", "number under title", "site name", "nav words run together", "section menu"],
)
def test_lines_above_the_title_are_not_glued_into_it(head: str) -> None:
    """The title took up to three leading short lines: 汉阳区教育局文件汉教〔2025〕5号汉阳区教育局关于…, org and region
    with them (an ingest audit)."""
    under = "汉教[2025]5号\n" if not head else ""
    text = f"{head}汉阳区教育局关于2024年度法治政府建设情况的报告\n{under}{_BODY}"
    layout = split_report(text, doc_id="r")
    document = layout.parsed.document
    assert (document.title, document.org, document.region) == (
        "汉阳区教育局关于2024年度法治政府建设情况的报告",
        "汉阳区教育局",
        "汉阳区",
    )
    assert [p.text for p in layout.parsed.passages] == ["全年召开会议3次，研究部署法治政府建设工作。"]
    assert set((head + under).split("\n")) - {""} <= {line.text.strip() for line in layout.dropped}  # kept aside


@pytest.mark.parametrize(
    ("lines", "title"),
    [
        (["汉阳区教育局关于行政规范性文件", "清理情况的报告"], "汉阳区教育局关于行政规范性文件清理情况的报告"),
        (
            ["武汉市汉阳区人民政府", "办公室关于2024年度法治政府建设情况的报告"],
            "武汉市汉阳区人民政府办公室关于2024年度法治政府建设情况的报告",
        ),
    ],
)
def test_a_two_line_title_that_looks_like_a_masthead_stays_whole(lines: list[str], title: str) -> None:
    """A first line ending in 文件 (with 关于: a title, not a red header), a government over its own 办公室."""
    assert split_report("\n".join([*lines, _BODY]), doc_id="r").parsed.document.title == title


def test_a_metadata_line_with_a_sentence_after_it_is_kept() -> None:
    text = f"汉阳区教育局关于2024年度法治政府建设情况的报告\n【来源：汉阳区教育局】全年召开会议3次。\n{_BODY}"
    assert split_report(text, doc_id="r").parsed.passages[0].text == "【来源：汉阳区教育局】全年召开会议3次。"


def test_headings_come_back_after_an_attachment_line_in_the_middle() -> None:
    text = (
        "汉阳区教育局关于2024年度法治政府建设情况的报告\n一、主要做法\n附件：执法统计表\n二、存在问题\n"
        "1.学习不够\n不深入。\n"
    )
    assert split_report(text, doc_id="r").parsed.passages[-1].section == ("二、存在问题", "1.学习不够")


def test_whole_numbers_of_other_types_are_taken_as_ints() -> None:
    import numpy as np

    document = lawsearch.Document("r", "t", year=np.int64(2024))
    passage = lawsearch.Passage("r#1", "r", np.int64(3), "法治")
    assert (type(document.year), type(passage.number)) == (int, int)


def test_a_government_above_its_own_report_title_is_the_titles_organization() -> None:
    document = split_report(
        f"武汉市汉阳区人民政府\n关于2024年度法治政府建设情况的报告\n{_BODY}", doc_id="r"
    ).parsed.document
    assert document.title == "武汉市汉阳区人民政府关于2024年度法治政府建设情况的报告"


def test_part_headings_colons_circled_items_and_one_hand_phrases() -> None:
    """第一部分 … above 一、 (it was body text, and 第二部分's passages lost their kind); a heading ended by a colon (the
    whole sentence was the heading); ① items and a paragraph of 一方面… are passages, no headings."""
    text = (
        "汉阳区教育局关于2024年度法治政府建设情况的报告\n第一部分 工作成效\n一、主要做法\n（二）强化学习：全年学习10次。\n"
        "①成立领导小组，召开会议3次。\n一方面，加强学习。另一方面，强化执法。\n（三）8:30开会。\n"
        "第二部分 存在问题\n一、学习不够\n不深入。\n"
    )
    passages = split_report(text, doc_id="r").parsed.passages
    learning = ("第一部分 工作成效", "一、主要做法", "（二）强化学习：")
    assert [(p.text, p.section, p.is_heading) for p in passages] == [
        ("（二）强化学习：全年学习10次。", learning, True),
        ("①成立领导小组，召开会议3次。", learning, False),
        ("一方面，加强学习。另一方面，强化执法。", learning, False),
        ("（三）8:30开会。", ("第一部分 工作成效", "一、主要做法", "（三）8:30开会。"), True),
        ("不深入。", ("第二部分 存在问题", "一、学习不够"), False),
    ]
    assert section_kind(passages[-1].section, report_year=2024) == "problems"


def test_an_attachment_list_heads_no_section() -> None:
    """2.法治副校长名单 under 附件： was a level-3 heading, and the signature and 抄送 went under it."""
    tail = (
        "附件：1.汉阳区教育局2024年度行政执法统计表\n2.法治副校长名单\n汉阳区教育局\n2025年3月20日\n抄送：区司法局。\n"
    )
    text = f"汉阳区教育局关于2024年度法治政府建设情况的报告\n{_BODY}二、存在问题\n学习不够深入。\n{tail}"
    passages = split_report(text, doc_id="r").parsed.passages
    assert [(p.text, p.section_path) for p in passages[-5:]] == [
        ("附件：1.汉阳区教育局2024年度行政执法统计表", ""),
        ("2.法治副校长名单", ""),
        ("汉阳区教育局", ""),
        ("2025年3月20日", ""),
        ("抄送：区司法局。", ""),
    ]
    assert passages[1].section_path == "二、存在问题"


def test_discover_gives_relative_ids_and_rejects_unsupported_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "r.txt").write_text("x", encoding="utf-8")
    (tmp_path / "a.jsonl").write_text("x", encoding="utf-8")
    (tmp_path / "skip.xlsx").write_bytes(b"PK")  # not a report: passed over (a .doc would be reported: test_bad_input)
    assert [s.doc_id for s in discover([tmp_path])] == ["a", "sub/r"]
    with pytest.raises(IngestError, match=r"unsupported file type '\.xlsx'"):
        discover([tmp_path / "skip.xlsx"])
    assert [s.doc_id for s in discover([CORPUS])] == sorted(EXPECTED)


# --- golden files: every passage of every report ---------------------------------------------------------------


def golden_view(parsed: ParsedDocument) -> dict[str, object]:
    document = attrs.asdict(parsed.document)
    document["metadata"] = parsed.document.metadata_dict()
    del document["path"]  # where the checkout lives
    return {
        "document": document,
        "passages": [
            {
                "id": p.id,
                "section": list(p.section),
                "is_heading": p.is_heading,
                "start": p.text[:24],
                "chars": len(p.text),
            }
            for p in parsed.passages
        ],
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_golden_passages(name: str) -> None:
    """Each report's passages (id, section path, opening, length) as reviewed; LAWSEARCH_REGEN_GOLDEN=1 rewrites."""
    assert_golden(f"{name}.json", golden_view(parse_seed(name)))


def _teachers_law_text() -> tuple[str, list[dict[str, str]]]:
    """The 教师法 as its text is published (title, history, 目录, 第一章　总则, 第一条　…), from its 43 real
    articles in tests/data/cited-laws.jsonl, and those records."""
    records = [json.loads(line) for line in LAWS.read_text(encoding="utf-8").splitlines()]
    articles = [record for record in records if record["law"] == "中华人民共和国教师法"]
    chapters = list(dict.fromkeys(record["section"] for record in articles))
    lines = [
        "中华人民共和国教师法",
        "（1993年10月31日第八届全国人民代表大会常务委员会第四次会议通过　根据2009年8月27日第十一届全国人民代表大会"
        "常务委员会第十次会议《关于修改部分法律的决定》修正）",
        "目　　录",
        *(chapter.replace(" ", "　") for chapter in chapters),
    ]
    chapter = None
    for record in articles:
        if record["section"] != chapter:
            chapter = record["section"]
            lines.append(chapter.replace(" ", "　"))
        lines.append(f"{record['article_no']}　{record['text']}")
    return "\n".join(lines), articles


def test_a_law_text_is_split_into_its_articles_under_their_chapters() -> None:
    """A law as a text file (not JSONL): each article one passage, its section path its chapter and number, as a
    JSONL article's; it was cut at every （一） item, which became the section of the next article."""
    text, articles = _teachers_law_text()
    parsed = split_report(text, doc_id="教师法").parsed
    document = parsed.document
    assert (document.title, document.collection, document.org, document.region) == (
        "中华人民共和国教师法",
        "laws",
        "",
        "",
    )
    history, *rest = parsed.passages
    assert history.text.startswith("（1993年10月31日") and history.section == ()
    assert [(p.section, p.text) for p in rest] == [
        ((record["section"], record["article_no"]), f"{record['article_no']}　{record['text']}") for record in articles
    ]
    # under the 主席令 that promulgated it (主席令第十五号, 1993), the title is still the law's
    decree = (
        "中华人民共和国主席令\n第十五号\n《中华人民共和国教师法》已由中华人民共和国第八届全国人民代表大会常务委员会"
        "第四次会议于1993年10月31日通过，现予公布，自1994年1月1日起施行。\n中华人民共和国主席　江泽民\n1993年10月31日\n"
    )
    promulgated = split_report(decree + text, doc_id="教师法").parsed
    assert promulgated.document.title == "中华人民共和国教师法"
    # the notice one passage (not its 主席令, 第十五号, text, signature and date each), the history another
    notice, history_again, *articles_again = promulgated.passages
    assert notice.text == decree.strip() and history_again.text == history.text
    assert [(p.section, p.text) for p in articles_again] == [(p.section, p.text) for p in rest]
    # published without the space after the number (第一条为了…), the same articles
    unspaced = split_report(text.replace("条　", "条"), doc_id="教师法").parsed.passages
    assert [p.section for p in unspaced] == [p.section for p in parsed.passages]
    # numbered in digits (第13条, 第１３条, as some local regulations are), the same articles, numbered in words
    for digits in ("0123456789", "０１２３４５６７８９"):
        numbered = text
        for n, record in enumerate(articles, 1):
            assert record["article_no"] == f"第{chinese_numeral(n)}条"
            in_digits = str(n).translate(str.maketrans("0123456789", digits))
            numbered = numbered.replace(f"{record['article_no']}　", f"第{in_digits}条　", 1)
        arabic = split_report(numbered, doc_id="教师法").parsed
        assert f"第{digits[1]}{digits[3]}条　" in numbered and arabic.document.collection == "laws"
        assert [p.section for p in arabic.passages] == [p.section for p in parsed.passages]
    # a report that quotes articles is no law: the five reports keep their layout, also with a regulation
    # attached after their own sections (附件：… 第一条 …)
    assert all(parse_seed(path.stem).document.collection == "reports" for path in REPORTS)
    report = (CORPUS / "hanyang-edu-2024.txt").read_text(encoding="utf-8")
    alone = split_report(report, doc_id="r").parsed
    attached = split_report(report + "\n附件：\n" + text, doc_id="r").parsed
    assert attached.document == alone.document
    assert attached.passages[: len(alone.passages)] == alone.passages


def test_a_law_file_is_searched_and_linked_like_a_jsonl_law(tmp_path: Path) -> None:
    text, _ = _teachers_law_text()
    (tmp_path / "laws").mkdir()
    (tmp_path / "laws" / "教师法.txt").write_text(text, encoding="utf-8")
    index = lawsearch.Index.create(tmp_path / "index")
    index.update([CORPUS, tmp_path / "laws"])
    assert index.search("教师法第13条", limit=1).hits[0].passage.section == ("第三章 资格和任用", "第十三条")
    assert index.search("collection:laws 教师资格").total >= 3
    # shanzhou-edu-2023#7 has its teachers study 《教师法》: the law file's articles are what it cites
    found = index.cited_articles("shanzhou-edu-2023#7", "教师 权利 义务", limit=3)
    assert found.hits and {hit.document.id for hit in found.hits} == {"教师法"}
    index.close()
