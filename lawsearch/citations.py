"""Citations (引用): the laws, regulations and documents a passage names in title marks 《…》.

    extract_citations(text)     every 《…》 of a text, in order, as Citations with offsets
    canonical_law_name(name)    one spelling per law: 中华人民共和国未成年人保护法 → 未成年人保护法
    citation_kind(name)         "law" | "regulation" | "document"
    is_law_name(name)           law or regulation (法律法规), as opposed to a policy or local document

Only names in title marks count; an unmarked mention (``学习宪法、民法典``, ``本法``) is out of scope: without the
marks there is no telling where a name starts. A title nested in another (``《关于落实〈纲要〉的实施方案》``,
also ``《…《…》…》``) is part of the outer name and no citation of its own; adjacent titles (``《A》《B》``,
``《A》、《B》``) are separate citations. A name may wrap over a line break. A 《 without its 》 is skipped and
does not swallow the titles after it.

Canonical names (``canonical_law_name``), so that different spellings of one law count as one:
full-width letters, digits and brackets become half-width (NFKC); whitespace, quotes and inner title marks (〈〉《》<>)
go; the 中华人民共和国 prefix goes (also at the start of a nested title); a trailing bracketed note of revision or
status goes — （2018年修正）, (2021年修订), (试行), (草案), (征求意见稿), (节选), a bare year — but a period such as
（2021—2025年） stays (its dashes become ``-``), and so does the number of an amendment (刑法修正案（十一）).

Kinds (``citation_kind``, on the canonical name; the first rule that applies decides):

1. law: a decision, resolution or interpretation of the 全国人民代表大会 (常务委员会) (…关于…的决定/决议/解释).
2. regulation: a judicial interpretation (最高人民法院/最高人民检察院…, or …适用/应用法律…的解释).
3. document: a name that starts with a year (2024年全区…) or with 全区/全县/全市/全省/本区/我区 …
4. law: a name ending in 法典, 法 (not 办法, 方法, 做法, 普法, 学法, 守法, 用法, 执法 …: no statutes),
   法通则/法总则 (民法通则) or 法修正案 (宪法修正案 too).
5. regulation: a name ending in 条例, 规定, 办法, 细则, 规则 or 准则 (行政法规, 地方性法规, 规章, 党内法规) —
   unless a district or county (XX区, XX县, XX旗) issues it: those cannot make regulations (立法法), so
   《和平区教育局…实施办法》 and 《天津市和平区…暂行办法》 are documents (规范性文件).
6. document: everything else — 要点, 方案, 意见, 通知, 计划, 规划, 纲要, 指南, 清单, 标准, 决定 (not the NPC's),
   tables and forms (《税目税率表》), treaties (…公约, …议定书), books (《习近平法治思想学习纲要》), even platforms
   and programmes (《法宣在线》).

A name whose wording fits no rule falls to document, so ``is_law_name`` errs towards False.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import attrs

__all__ = [
    "CITATION_KINDS",
    "Citation",
    "canonical_law_name",
    "citation_kind",
    "cited_names",
    "extract_citations",
    "is_law_name",
]

#: The kinds of cited work, from binding statute to policy document.
CITATION_KINDS: tuple[str, ...] = ("law", "regulation", "document")

_MAX_NAME_CHARS = 120
# One level of nesting: 《A〈B〉C》 needs none, 《A《B》C》 needs this. A name may wrap over a line break (law texts
# have 《…中国\n人民解放军…》); a match longer than _MAX_NAME_CHARS is an unclosed 《 and is skipped.
_TITLE = re.compile(r"《((?:[^《》]|《[^《》]*》)+)》")
_SPACE = re.compile(r"\s+")
_QUOTES = re.compile(r"[\"'“”‘’「」『』]")
# Not before 政府/国务院/主席: 《中华人民共和国政府关于领海的声明》 names its issuer, not a law.
_PRC = re.compile(r"(^|[〈<《])中华人民共和国(?!政府|国务院|主席)")
# The backslash: some sources escape nested marks (\<…\>).
_MARKS = re.compile(r"[〈〉《》<>\\]")
_DASHED_YEARS = re.compile(r"((?:19|20)[0-9]{2})年?\s*[-—–―~～至－]+\s*((?:19|20)[0-9]{2})")
_TRAILING_NOTE = re.compile(r"\(([^()]*)\)$")
_REVISION_NOTE = re.compile(
    r"修正|修订|修改|试行|暂行|草案|征求意见稿|送审稿|节选|摘录|摘编|全文|施行|公布|通过|发布|年版|版本|最新"
)
_BARE_DATE = re.compile(r"(?:19|20)[0-9]{2}(?:年(?:[0-9]{1,2}月(?:[0-9]{1,2}日)?)?)?版?")

_NPC_ACT = re.compile(r"^(?:第[一二三四五六七八九十]+届)?全国人民代表大会(?:常务委员会)?关于.*(?:决定|决议|解释)$")
_JUDICIAL = re.compile(
    r"^最高人民(?:法院|检察院).*(?:解释|规定|批复|决定|规则)(?:\([^()]*\))?$|(?:适用|应用)法律.*解释(?:\([^()]*\))?$"
)
_LOCAL_START = re.compile(r"^(?:(?:19|20)[0-9]{2}|全[区县市省镇乡]|本[区县市省]|我[区县市省])")
_LAW = re.compile(r"法典$|法修正案(?:\([^()]*\))?$|法(?:通则|总则)?$")
# Words ending in 法 that are no statute (办法, a regulation, is taken out before). Not 算法, 司法, 护法, 立法:
# 预算法, 公司法, 保护法 and 立法法 are statutes; and 用法 only when not 适用法 (涉外民事关系法律适用法).
_NOT_A_STATUTE = re.compile(r"(?:方|做|书|说|想|看|写|画|语|手|技|兵|佛|执|普|学|守|懂|知|读|释|[^适]用)法$")
_REGULATION = re.compile(r"(?:条例|规定|办法|细则|规则|准则)$")
# A district or county as issuer, after an optional province or city: 和平区…, 天津市和平区…, 湟中县….
_COUNTY = re.compile(r"^(?:[\u4e00-\u9fff]{2,7}?[省市])?([\u4e00-\u9fff]{1,3}?[区县旗])")
# …区/…县 words that name no district (社区矫正法实施办法, 经济特区条例, 风景名胜区条例 …).
_NOT_A_COUNTY = frozenset({
    "社区", "地区", "校区", "园区", "景区", "山区", "城区", "小区", "学区", "矿区", "辖区", "片区", "灾区", "市区",
    "老区", "街区", "分区", "专区", "禁区", "特区", "新区", "林区", "牧区", "库区", "湖区", "边区", "军区", "战区",
    "港区", "郊区", "县区", "县级", "开发区", "保护区", "示范区", "功能区", "试验区", "自贸区", "高新区", "保税区",
    "合作区", "风景区", "旅游区", "经济区", "自治区", "自治县", "自治旗",
})  # fmt: skip


def _non_negative(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise ValueError(f"{type(instance).__name__}.{attribute.name} must be >= 0, got {value!r}")


@attrs.frozen
class Citation:
    """One title-marked name in a text: ``text[start:end]`` is ``《`` + ``name`` + ``》``.

    ``name`` is as written (inner marks and all); ``canonical`` is ``canonical_law_name(name)``, the key to count
    and filter by; ``kind`` is one of ``CITATION_KINDS``.
    """

    name: str
    canonical: str
    kind: str = attrs.field(validator=attrs.validators.in_(CITATION_KINDS))
    start: int = attrs.field(validator=_non_negative)
    end: int = attrs.field()

    @end.validator
    def _check_end(self, attribute: attrs.Attribute[int], value: int) -> None:
        if value != self.start + len(self.name) + 2:
            raise ValueError(
                f"Citation.end must be start + len(name) + 2 ({self.start + len(self.name) + 2}), got {value!r}"
            )

    @property
    def is_law(self) -> bool:
        """A law or a regulation (法律法规), not a policy document."""
        return self.kind != "document"


def cited_names(text: str) -> tuple[str, ...]:
    """The canonical names of the laws and documents ``text`` cites by title, in order, each once (``Hit.cites``,
    and what ``cites:`` filters and facets count)."""
    return tuple(dict.fromkeys(c.canonical for c in extract_citations(text))) if "《" in text else ()


def extract_citations(text: str) -> tuple[Citation, ...]:
    """The title-marked names 《…》 of a text, in order (rules in the module docstring).

    >>> [(c.canonical, c.kind) for c in extract_citations("学习《中华人民共和国未成年人保护法》《教育法》。")]
    [('未成年人保护法', 'law'), ('教育法', 'law')]
    >>> citation = extract_citations("制定《2024年全区教育法治建设工作要点》")[0]
    >>> citation.kind, citation.start, citation.end
    ('document', 2, 21)
    """
    if "《" not in text:
        return ()
    citations = []
    position = 0
    while (match := _TITLE.search(text, position)) is not None:
        name = match.group(1)
        if len(name) > _MAX_NAME_CHARS:
            position = match.start() + 1  # an unclosed 《: look for titles inside what it spanned
            continue
        position = match.end()
        canonical, kind = _describe(name)
        if canonical:
            citations.append(Citation(name, canonical, kind, match.start(), match.end()))
    return tuple(citations)


def canonical_law_name(name: str) -> str:
    """The name that all spellings of one law or document share (rules in the module docstring).

    >>> canonical_law_name("中华人民共和国未成年人保护法")
    '未成年人保护法'
    >>> canonical_law_name("《中华人民共和国行政处罚法》（2021年修订）")
    '行政处罚法'
    >>> canonical_law_name("和平区关于落实〈天津市法治政府建设实施纲要（2021—2025年）〉的实施方案")
    '和平区关于落实天津市法治政府建设实施纲要(2021-2025年)的实施方案'
    """
    return _describe(name)[0]


def citation_kind(name: str) -> str:
    """Whether a cited name is a ``"law"``, a ``"regulation"`` or a ``"document"`` (canonicalized first).

    >>> citation_kind("中华人民共和国行政处罚法"), citation_kind("湖北省学校安全条例")
    ('law', 'regulation')
    >>> citation_kind("关于加强教育行政执法深入推进校外培训综合治理的意见")
    'document'
    """
    return _describe(name)[1]


def is_law_name(name: str) -> bool:
    """Whether a cited name is a law or a regulation (法律法规) rather than a policy or local document.

    >>> is_law_name("宪法"), is_law_name("天津市社会信用条例"), is_law_name("2024年全区教育法治建设工作要点")
    (True, True, False)
    """
    return _describe(name)[1] != "document"


@functools.lru_cache(maxsize=8192)
def _describe(name: str) -> tuple[str, str]:
    canonical = _canonical(name)
    return canonical, _kind(canonical)


def _canonical(name: str) -> str:
    text = unicodedata.normalize("NFKC", name)
    text = _QUOTES.sub("", _SPACE.sub("", text))
    text = _PRC.sub(r"\1", text)
    text = _MARKS.sub("", text)
    text = _DASHED_YEARS.sub(r"\1-\2", text)
    while True:
        note = _TRAILING_NOTE.search(text)
        if note is None:
            break
        inner = note.group(1)
        head = text[: note.start()]
        is_revision = _REVISION_NOTE.search(inner) is not None
        is_date = _BARE_DATE.fullmatch(inner) is not None and not head.endswith("修正案")
        if not (is_revision or is_date) or not head:
            break
        text = head
    return text


def _kind(canonical: str) -> str:
    if _NPC_ACT.search(canonical):
        return "law"
    if _JUDICIAL.search(canonical):
        return "regulation"
    if _LOCAL_START.search(canonical):
        return "document"
    if _LAW.search(canonical) and not canonical.endswith("办法"):
        return "document" if _NOT_A_STATUTE.search(canonical) else "law"
    if _REGULATION.search(canonical):
        county = _COUNTY.search(canonical)
        if county is not None and not _names_no_county(county.group(1)):
            return "document"
        return "regulation"
    return "document"


def _names_no_county(found: str) -> bool:
    return found in _NOT_A_COUNTY or found[-2:] in _NOT_A_COUNTY or found[-3:] in _NOT_A_COUNTY
