"""Section kinds (章节类型): what part of a 法治政府建设 report a heading, and so a passage, belongs to.

《法治政府建设与责任落实督察工作规定》 (2019) prescribes the parts of the annual report, in this order, and
``KINDS`` follows it:

    measures     上一年度推进法治政府建设的主要举措和成效     主要做法和成效, 工作开展情况, 主要工作, 取得的成效
    problems     存在的不足和原因                           存在的问题/不足, 短板, 差距, 问题与不足, 困难和挑战
    leadership   党政主要负责人履行推进法治建设第一责任人职责  主要负责同志履行…第一责任人职责情况, 一把手, 述法
    plans        下一年度推进法治政府建设的主要安排          下一步工作打算/计划, 2025年工作思路, 今后努力方向
    other        其他需要报告的情况, 基本情况, any heading that names none of the above

``classify_heading`` reads one heading with keyword rules, not a list of known headings:

- leadership: 第一责任人, 主要负责人/主要负责同志, 党政主要领导/负责, 一把手, 述法. It wins over every other
  keyword, because its heading (…第一责任人职责，加强法治政府建设的有关情况) also reads as a progress report.
- problems: 存在(的/一些/一定…)问题/不足/短板/差距/困难, 主要问题, 问题与不足, 不足和原因, 差距和不足,
  短板弱项, 困难和挑战, 薄弱环节, 不足之处; a heading that opens with 问题/不足/短板/差距/困难 (``二、问题``)
  or ends with 不足/短板/差距. Not after a verb that fixes the problem
  (整改存在的问题, 补齐短板, 解决…问题 are measures taken).
- plans: 下一步/下步, 下一年度/下年度/下一阶段, 明年, 来年, 今后, 未来, 新的一年, 打算, 计划, 安排 (not 安排部署),
  思路, 展望, 努力方向/工作方向, 谋划, 设想, 工作重点; and, when ``report_year`` is given, a year after it
  (``2025年重点工作`` in a 2024 report), unless the heading names problems.
- measures: 做法, 成效, 成绩, 成果, 举措, 措施, 亮点, 经验, 总结, 回顾, 主要工作, 重点工作, 工作开展,
  工作/建设/开展/推进/落实/完成/执行/履职(的)(基本/总体/主要/有关)情况 (``2024年法治政府建设工作开展情况``).
  A bare 基本情况/总体情况 stays ``other``: it often describes the office, not what it did.

A heading that names several of problems, plans and measures (``存在的不足和下一步工作打算``,
``2024年工作总结和2025年工作计划``) gets the kind it mentions **first**, which is what its section opens with.
``section_kind`` then looks one level down: if the first classified heading below a mixed one names a single kind
of the mixed ones (``（二）下一步打算`` under ``三、存在的不足和下一步打算``), the passage gets that kind.

Item headings (``一是…``, ``二抓…``, ``三要…``) are bullets, not section titles: they are always ``other``, so the
words of a sentence-long item (``二是列入法治工作总体安排。``) cannot change a passage's kind. The parts of a law
(``第五章 保障措施``) are ``other`` too: kinds describe reports.
Headings are matched as written (full- or half-width numbering alike); they need no cleaning first.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from lawsearch.errors import InvalidArgumentError

__all__ = ["KINDS", "KIND_ALIASES", "QUERY_KIND_WORDS", "classify_heading", "parse_kind", "section_kind"]

#: The section kinds, in the order a report presents them.
KINDS: tuple[str, ...] = ("measures", "problems", "leadership", "plans", "other")

#: Query-syntax names of the kinds (``kind:问题``): the English names (and singulars) and Chinese aliases.
KIND_ALIASES: dict[str, str] = {
    **{kind: kind for kind in KINDS},
    "measure": "measures",
    "problem": "problems",
    "plan": "plans",
    "成效": "measures",
    "做法": "measures",
    "举措": "measures",
    "措施": "measures",
    "成绩": "measures",
    "工作情况": "measures",
    "问题": "problems",
    "不足": "problems",
    "存在问题": "problems",
    "短板": "problems",
    "差距": "problems",
    "第一责任人": "leadership",
    "负责人": "leadership",
    "主要负责人": "leadership",
    "责任人": "leadership",
    "计划": "plans",
    "打算": "plans",
    "安排": "plans",
    "下一步": "plans",
    "思路": "plans",
    "其他": "other",
}

#: Words that, in a query, ask for a kind of section (明年的工作打算是什么 → plans): ranking adds a
#: kind match for them (search.py, ``Weights.kind``). Narrower than ``KIND_ALIASES``: no 安排, 思路, 措施 ….
QUERY_KIND_WORDS: dict[str, str] = {
    "成效": "measures",
    "做法": "measures",
    "成绩": "measures",
    "问题": "problems",
    "不足": "problems",
    "短板": "problems",
    "差距": "problems",
    "第一责任人": "leadership",
    "计划": "plans",
    "打算": "plans",
    "下一步": "plans",
}

_LEADERSHIP = re.compile(r"第一责任人|主要负责(?:人|同志)|党政(?:主要)?(?:领导|负责)|一把手|述法")
# Verbs that make a problem word the object of a measure taken (整改存在的问题, 补齐短板).
_FIXING = "(?<!整改|解决|聚焦|化解|针对|破解|补齐|补强|弥补|查找|排查|补足|克服|正视)"
_PROBLEM_WORD = "问题|不足|短板|差距|困难|薄弱环节|弱项"
_PROBLEMS = re.compile(
    rf"{_FIXING}(?:"
    rf"存在[^，。；,;]{{0,4}}?(?:{_PROBLEM_WORD})"
    rf"|(?:{_PROBLEM_WORD})(?:和|与|及|、|以及)?(?:不足|差距|原因|问题|短板|困难|挑战|弱项|建议)"
    rf"|主要问题|面临的(?:问题|困难|挑战)|不足之处|(?:不足|短板|差距)[。.]?$"
    rf"|^[\s0-9０-９一二三四五六七八九十、.．()（）]*(?:{_PROBLEM_WORD})"
    r")"
)
_PLANS = re.compile(
    r"下一?步|下一?(?:年度?|阶段)|明年|来年|今后|未来|新的一年|打算|计划(?!生育)|安排(?!部署)|思路|展望"
    r"|(?:努力|工作)方向|谋划|设想|工作重点"
)
_MEASURES = re.compile(
    r"做法|成效|成绩|成果|举措|措施|亮点|经验|总结|回顾|主要工作|重点工作|工作开展"
    r"|(?:工作|建设|开展|推进|落实|完成|执行|履职)的?(?:基本|总体|主要|有关)?情况"
)
_YEAR = re.compile(r"((?:19|20)[0-9]{2})\s*年")
# An item (一是…, 二抓…, 三要…) is a bullet inside a section, not a section title: ingest puts it at the end of the
# section path of its own passage only. It is often a whole sentence, whose words say nothing of the section.
_ITEM = re.compile(r"^\s*[一二三四五六七八九十]{1,2}(?:是|抓|要|方面)")
# A law's 第…编/章/节 is no report section (第五章 保障措施 is not a measures section).
_LAW_PART = re.compile(r"^\s*第[一二三四五六七八九十百零〇0-9]+[编章节条]")


def classify_heading(heading: str, *, report_year: int | None = None) -> str:
    """The kind of one section heading: one of ``KINDS`` (rules in the module docstring).

    ``report_year`` (``Document.year``) lets a heading that only names a later year count as plans.

    >>> classify_heading("二、存在的主要问题")
    'problems'
    >>> classify_heading("三、2025年工作打算")
    'plans'
    >>> classify_heading("一、2024年法治政府建设工作开展情况")
    'measures'
    >>> classify_heading("（一）加强组织领导，强化责任落实")
    'other'
    >>> classify_heading("四、2025年重点任务", report_year=2024)
    'plans'
    """
    kinds = _kinds(heading, report_year)
    return kinds[0] if kinds else "other"


def section_kind(section_path: tuple[str, ...] | list[str], *, report_year: int | None = None) -> str:
    """The kind of a passage from its section path (章节路径, outermost heading first).

    The outermost heading that is not ``other`` decides; a passage before any heading is ``other``.
    Under a mixed heading (``存在的不足和下一步打算``) the next classified heading below may narrow it.

    >>> section_kind(("二、存在的问题", "（一）依法治教的体系还要进一步健全。"))
    'problems'
    >>> section_kind(("三、存在的不足和下一步打算", "（二）下一步打算"))
    'plans'
    >>> section_kind(())
    'other'
    """
    for depth, heading in enumerate(section_path):
        kinds = _kinds(heading, report_year)
        if not kinds:
            continue
        if len(kinds) > 1:
            for inner in section_path[depth + 1 :]:
                inner_kinds = _kinds(inner, report_year)
                if inner_kinds:
                    if len(inner_kinds) == 1 and inner_kinds[0] in kinds:
                        return inner_kinds[0]
                    break
        return kinds[0]
    return "other"


def parse_kind(value: str) -> str:
    """The kind a query value names (``问题``, ``Plans``, ``第一责任人`` …), via ``KIND_ALIASES``.

    Raises:
        InvalidArgumentError: the value names no kind; the message lists the kinds and aliases.

    >>> parse_kind(" 问题 ")
    'problems'
    >>> parse_kind("PLANS")
    'plans'
    """
    key = unicodedata.normalize("NFKC", value).strip().casefold()
    kind = KIND_ALIASES.get(key)
    if kind is None:
        choices = ", ".join(KINDS)
        aliases = ", ".join(alias for alias in KIND_ALIASES if alias not in KINDS)
        raise InvalidArgumentError(f"unknown section kind {value!r}; use one of {choices} (or {aliases})")
    return kind


@functools.lru_cache(maxsize=4096)
def _kinds(heading: str, report_year: int | None) -> tuple[str, ...]:
    """The kinds a heading names, first-mentioned first; leadership alone when it is named at all."""
    if _ITEM.match(heading) or _LAW_PART.match(heading):
        return ()
    if _LEADERSHIP.search(heading):
        return ("leadership",)
    found: list[tuple[int, str]] = []
    for kind, pattern in (("problems", _PROBLEMS), ("plans", _PLANS), ("measures", _MEASURES)):
        match = pattern.search(heading)
        if match:
            found.append((match.start(), kind))
    if report_year is not None and not any(kind in ("plans", "problems") for _, kind in found):
        later = next((m for m in _YEAR.finditer(heading) if int(m.group(1)) > report_year), None)
        if later is not None:
            found.append((later.start(), "plans"))
    return tuple(kind for _, kind in sorted(found))
