"""Report text → title, metadata and passages with their section paths (章节路径).

The layout of a 法治政府建设 report:

    [web chrome]                          dropped (clean.py)
    title, possibly over two lines        汉阳区教育局关于2024年度法治政府建设 / 情况的报告
    [发布日期:… 发布者:…]                  publish date and publisher
    opening paragraph(s)
    [第一部分 heading]                     above level 1, where a report has parts
    一、heading                            level 1
    （一）heading。body on the same line   level 2, a heading and a passage at once (or heading：body)
    1.heading。body  /  （1）heading       level 3
    一是…。二是…。                         items: their own passage each (see below)
    [附件：1.… 2.…, signature, 抄送]       no section

Heading levels are ranked by their marker (第一部分 > 一、 > （一） > 1. > 一是), so a report that skips a level
still nests correctly. A heading line with body text after its first sentence (or colon) is both a heading and a
passage; a heading line
that is a whole sentence (ends with 。) is a passage too; a bare heading only labels the passages under it.

Items: a paragraph that packs ``一是…二是…`` (or ``一抓…二抓…``) items at sentence starts is split into one passage
per item, plus its lead-in; each item passage carries its own item heading (``一是列入中心组学习重要内容。``) at the end
of its section path. Items are self-contained: they do not label the paragraphs after them.
Paragraphs longer than ``MAX_PASSAGE_CHARS`` are cut at sentence ends (else at clause ends, else at spaces, else
hard at the limit), so no passage is longer, whatever the input.

A law's text (法律、条例 as published: a title, its history in brackets, 目录, 第一章 总则, 第一条　…) has another
layout, recognized by its lines that start articles, 第一条 (or 第1条) first (``_is_law``). Each article is a
passage (its lines, items （一）… included, cut like a long paragraph if need be) whose section path is its 编, 章
and 节 and ends in its number in words (``第一章 总则 › 第十三条``, also for 第13条), as a JSONL law article's
``article_no`` ends it; the title is the first short line before the articles that ends as a law's name does
(…法, …条例; not the 主席令 above it), the document has no organization or region, and its collection is ``laws``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence

import attrs

from lawsearch.analysis import article_in_words, fold
from lawsearch.ingest.clean import CleanLine, clean_lines, parse_meta_line
from lawsearch.ingest.places import Place, locate, names_city_or_province
from lawsearch.models import Document, ParsedDocument, Passage

__all__ = ["MAX_PASSAGE_CHARS", "ReportLayout", "is_heading_line", "parse_report", "split_report"]

MAX_PASSAGE_CHARS = 1500
_MAX_HEADING_CHARS = 60
_NUMERALS = "一二三四五六七八九十"

# (rank, pattern) — rank 0 is the outermost level.
_HEADINGS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (-1, re.compile(rf"^第[{_NUMERALS}]{{1,3}}部分")),  # 第一部分 …, above 一、 where a report has both
    (0, re.compile(rf"^[{_NUMERALS}]{{1,3}}\s*[、.．]")),
    (1, re.compile(rf"^[（(]\s*[{_NUMERALS}]{{1,3}}\s*[）)]")),
    (2, re.compile(r"^[0-9０-９]{1,2}\s*[.．、](?![0-9０-９])")),
    (2, re.compile(r"^[（(][0-9０-９]{1,2}[）)]")),
)
_ITEM_RANK = 3
_NUMBERED_RANK = 2  # 1. and （1）
_ATTACHMENTS = re.compile(r"^附\s*件\s*[0-9０-９]{0,2}\s*[:：]")
_ITEM = re.compile(rf"(?:^|(?<=[。；;：:！？!?\s]))([{_NUMERALS}]{{1,2}})(是|抓|要|方面)")
# the numbers of items in order, 一 to 二十 (a report lists up to a dozen: …十是…十一是…十二是…)
_ITEM_NUMBERS = [*_NUMERALS, *(f"十{digit}" for digit in _NUMERALS[:9]), "二十"]
_SENTENCE_END = re.compile(r"[。！？；!?;]")
_HEADING_END = re.compile(r"[。！？；!?;：]|(?<![0-9]):(?![0-9])")  # a colon too, but not in 8:30
_CLAUSE_END = re.compile(r"[，、：,:]")
_SPACE = re.compile(r"\s+")
_TITLE_END = re.compile(r"(报告|总结|情况|汇报|通报|要点|计划|方案|意见|通知|纲要|规划)$")
_TITLE_ORG = re.compile(
    r"^(?P<org>.{0,24}?(教育和体育局|教育体育局|教体局|教育局|局|委员会|委|办公室|政府|厅|院|中心|公司))(关于)?\s*(?=[0-9]{4}\s*年)"
)
_YEAR = re.compile(r"(20[0-9]{2}|19[0-9]{2})\s*年")
# above the title: an official document's number (汉教〔2025〕5号, 汉教[2025]5号), a site's name
_DOCUMENT_NUMBER = re.compile(r"^\S{1,12}[〔\[［【(（]\s*(19|20)[0-9]{2}\s*[〕\]］】)）]\s*第?\s*[0-9]{1,4}\s*号$")
_SITE_NAME = re.compile(r"(人民政府|门户网站|政府网站?|政务网|政务服务网)$")
_PLACE = re.compile(r"[\u4e00-\u9fff]{2,}[省市区县州旗]")
_MASTHEAD_LINES = 3
_REGION = re.compile(r"[\u4e00-\u9fff]{2,3}[区县]")
# an autonomous county (大通回族土族自治县): the name before 自治县, after its city or province (or 关于)
_AUTONOMOUS = re.compile(r"([\u4e00-\u9fff]{2,12}?)自治[县旗]")
# a plan period (《法治政府建设实施纲要（2021－2025年）》, 2021年至2025年): its years are not the report's
_YEAR_RANGE = re.compile(r"(?:19|20)[0-9]{2}\s*年?\s*[-－—–~～至到]+\s*(?:19|20)[0-9]{2}\s*年?")
# Two-character endings that make X区/X县 a generic word, not a place (全区, 辖区, 社区 …).
_GENERIC_REGION = frozenset({
    "全区", "城区", "辖区", "社区", "校区", "园区", "本区", "我区", "该区", "各区", "市区", "片区", "景区", "地区",
    "新区", "山区", "老区", "街区", "学区", "小区", "分区", "专区", "矿区", "灾区", "误区", "盲区", "禁区",
    "示范区", "功能区", "开发区", "保护区", "试验区", "集聚区", "全县", "本县", "我县", "该县", "各县", "郡县", "州县",
})  # fmt: skip
_ORG_IN_TEXT = re.compile(r"(?:[\u4e00-\u9fff]{2,3}[区县市])?(教育和体育局|教育体育局|教体局|教育局)")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# a law's layout: lines that start an article (第十三条　…, 第二百三十四条之一　…) and its 编, 分编, 章 and 节
_LAW_NUMBER = "零〇一二三四五六七八九十百千"
# (with or without a space after the number: 第一条　为了… and 第一条为了…; not 第一条例; in digits too, as some
# local regulations and drafts number them: 第1条, 第１条)
_ARTICLE_START = re.compile(rf"^第(?:[{_LAW_NUMBER}]+|\s*[0-9０-９]{{1,4}}\s*)条(?:之[{_NUMERALS}]+)?(?!例)")
_LAW_PART = re.compile(rf"^第[{_LAW_NUMBER}]+(编|分编|章|节)(?=[\s\u3000]|$)")
_LAW_PART_RANK = {"编": 0, "分编": 1, "章": 2, "节": 3}
_ARTICLE_RANK = len(_LAW_PART_RANK)  # an article's number ends the path, below its 节
_LAW_MIN_ARTICLES = 3
_LAW_NAME_END = re.compile(r"(法|条例|规定|办法|细则|规则|决定|解释|准则|章程)(（[^）]*）|\([^)]*\))?$")
_LAW_PREAMBLE_LINES = 10  # a 主席令 and its 公布 notice, a title, its history
_LAW_PREAMBLE_CHARS = 200  # the short lines before a law's articles are joined into passages up to this long


@attrs.frozen
class ReportLayout:
    """Everything parse_report found, including the lines it set aside (for tests and debugging)."""

    parsed: ParsedDocument
    title_lines: tuple[int, ...]
    dropped: tuple[CleanLine, ...]


def parse_report(text: str, *, doc_id: str, path: str = "") -> ParsedDocument:
    """Parse a decoded report into its Document and Passages (pure: no I/O)."""
    return split_report(text, doc_id=doc_id, path=path).parsed


def split_report(text: str, *, doc_id: str, path: str = "") -> ReportLayout:
    """Like parse_report, but also return which lines were the title and which were dropped."""
    lines = clean_lines(text)
    dropped = tuple(line for line in lines if line.dropped and line.dropped != "blank")
    meta: dict[str, str] = {}
    for line in lines:
        if line.dropped == "meta":
            meta.update(parse_meta_line(line.text))
    content = [line for line in lines if not line.dropped]

    law = _is_law(content)
    masthead = [] if law else _find_masthead(content)
    if masthead:
        dropped += tuple(attrs.evolve(line, dropped="masthead") for line in masthead)
        content = content[len(masthead) :]
    title_lines = _find_law_title(content) if law else _find_title(content)
    after = content[len(title_lines)] if title_lines and len(content) > len(title_lines) else None
    if after is not None and _DOCUMENT_NUMBER.match(after.text.strip()):  # the number under the title
        dropped += (attrs.evolve(after, dropped="masthead"),)
        content = [line for line in content if line is not after]
    title = "".join(line.text.strip() for line in title_lines)
    body = [line for line in content if line not in title_lines]
    body_text = "\n".join(line.text for line in body)

    region = "" if law else _find_region(title, body_text)
    org = "" if law else _find_org(title, body_text, region)
    if not region and org:  # named once, in the signature (汉阳区教育局): the organization's region
        region = _find_region(org, "")
    place = Place() if law else locate(region, f"{title}\n{body_text}", title)
    year = _find_year(title, body_text)  # a law's: of its enactment or last amendment, as its history says
    derived = not title
    if derived:
        title = doc_id if law else _derive_title(org or region, year, body_text)

    passages = tuple(_law_passages(body, doc_id) if law else _passages(body, doc_id))
    document = Document(
        id=doc_id,
        title=title,
        path=path,
        org=org,
        region=region,
        province=place.province,
        city=place.city,
        year=year,
        publisher=meta.get("发布者", meta.get("发布机构", meta.get("发文机关", ""))),
        published=_iso_date(meta.get("发布日期", meta.get("发布时间", meta.get("成文日期", "")))),
        title_derived=derived,
        collection="laws" if law else "reports",
    )
    return ReportLayout(
        parsed=ParsedDocument(document, passages),
        title_lines=tuple(line.number for line in title_lines),
        dropped=dropped,
    )


def _find_masthead(content: Sequence[CleanLine]) -> list[CleanLine]:
    """The lines above the title that are no part of it: an official document's header (汉阳区教育局文件) and
    number (汉教〔2025〕5号), and the site's name above a title that names its own organization (汉阳区人民政府
    over 汉阳区教育局关于2024年度…报告; over 关于2024年度…报告 it is the title's organization, and stays)."""
    masthead: list[CleanLine] = []
    for at, line in enumerate(content[:_MASTHEAD_LINES]):
        stripped = line.text.strip()
        following = content[at + 1].text.strip() if at + 1 < len(content) else ""
        # 汉阳区教育局文件, not 汉阳区教育局关于行政规范性文件 (the first line of a title)
        header = len(stripped) <= 20 and stripped.endswith("文件") and "关于" not in stripped
        # over 汉阳区教育局关于…, not over 办公室关于… (the rest of the government's own office's name)
        org = _TITLE_ORG.match(following)
        site = len(stripped) <= 30 and _SITE_NAME.search(stripped) and org and _PLACE.search(org.group("org"))
        if not (_DOCUMENT_NUMBER.match(stripped) or header or site):
            break
        masthead.append(line)
    return masthead


def _find_title(content: Sequence[CleanLine]) -> list[CleanLine]:
    """The leading short lines that read as a title; empty when the report opens with body text."""
    picked: list[CleanLine] = []
    for line in content[:3]:
        stripped = line.text.strip()
        if (
            len(stripped) > 50
            or _SENTENCE_END.search(stripped)
            or stripped.endswith(("：", ":", "，", ","))
            or _heading_rank(stripped) is not None
        ):
            break
        picked.append(line)
        if _TITLE_END.search(stripped):
            return picked
    joined = "".join(line.text.strip() for line in picked)
    # A lone short line with no title word could be a stray heading; keep it only if it reads as a title.
    return picked if picked and _TITLE_END.search(joined) else []


def is_heading_line(line: str) -> bool:
    """Whether a line starts with a heading marker (一、 （一） 1. （1） ① 第一部分).

    >>> is_heading_line("（一）加强组织领导"), is_heading_line("全年召开会议3次。")
    (True, False)
    """
    return _heading_rank(line.strip()) is not None


def _heading_rank(line: str) -> int | None:
    for rank, pattern in _HEADINGS:
        if pattern.match(line):
            return rank
    return None


def _find_region(title: str, body: str) -> str:
    """The county-level region (区/县) the report is about: from the title, else the most frequent in the text
    unless the title names a city or province (a 焦作市 report that speaks of its 中站区 is no 中站区 report)."""
    for source in (title, body):
        if source is body and names_city_or_province(title):
            break
        autonomous = _AUTONOMOUS.search(source)
        if autonomous and source is title:
            name = re.split(r"[省市州于]", autonomous.group(1))[-1]
            return name + autonomous.group(0)[len(autonomous.group(1)) :] if len(name) >= 2 else ""
        counts: Counter[str] = Counter(
            # a 3+1 match after the city's name (焦作市中站区 → 市中站区) is the 2+1 name after it
            found[1:] if len(found) == 4 and found[0] in "市省州" else found
            for found in _REGION.findall(source)
            if found[-2:] not in _GENERIC_REGION and found not in _GENERIC_REGION
        )
        # A 3+1 match can swallow the character before a place name (在汉阳区): fold it into the 2+1 form.
        for name in list(counts):
            if len(name) == 4 and name[1:] in counts:
                counts[name[1:]] += counts.pop(name)
        if counts:
            name, count = counts.most_common(1)[0]
            if source is title or count >= 2:
                return name
    return ""


def _find_org(title: str, body: str, region: str) -> str:
    """The reporting organization: from the title (汉阳区教育局关于2024年…), else the bureau named in the text."""
    match = _TITLE_ORG.match(title)
    if match:
        org = match.group("org")
        if region and not org.startswith(region) and org.startswith(("区", "县")):
            org = region + org[1:]
        return org
    counts = Counter(found.group(0) for found in _ORG_IN_TEXT.finditer(body))
    if counts:
        org = counts.most_common(1)[0][0]
        if region and org[0] in "区县" and not org.startswith(region):
            org = region + org[1:]
        elif region and not org.startswith(("区", "县")) and not re.match(r"[\u4e00-\u9fff]{2,3}[区县市]", org):
            org = region + org
        return org
    if (region and f"{region}教育系统" in body) or ("全区教育系统" in body and region):
        return f"{region}教育系统"
    return ""


def _find_year(title: str, body: str) -> int | None:
    """The year reported on: the title's year, else the commonest year of the opening, else of the whole text."""
    for source in (title, body[:400], body):
        years = Counter(int(y) for y in _YEAR.findall(_YEAR_RANGE.sub("", source)))
        if years:
            return years.most_common(1)[0][0]
    return None


def _derive_title(who: str, year: int | None, body: str) -> str:
    subject = "法治政府建设情况报告" if "法治政府建设" in body else "工作报告"
    when = f"{year}年度" if year else ""
    return f"{who}{when}{subject}" if who or when else subject


def _iso_date(value: str) -> str:
    match = _DATE.search(value)
    if not match:
        return value
    y, m, d = match.groups()
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def _passages(body: Sequence[CleanLine], doc_id: str) -> Iterator[Passage]:
    stack: list[tuple[int, str]] = []
    number = 0
    attachments = False  # after 附件：, numbered lines (1.… 2.…) list the attachments, they head no section
    for line in body:
        text = line.text.strip()
        rank = _heading_rank(text)
        if _ATTACHMENTS.match(text):
            attachments, stack = True, []  # the list and what follows it (signature, 抄送) are no part of a section
        elif attachments and rank == _NUMBERED_RANK:
            rank = None
        elif rank is not None and rank < _NUMBERED_RANK:
            attachments = False  # a 一、 or （一） after 附件： in the middle of a report: its sections go on
        is_heading = rank is not None
        if rank is not None:
            heading, rest = _split_heading(text)
            stack = [entry for entry in stack if entry[0] < rank]
            stack.append((rank, heading))
            if not rest and not _SENTENCE_END.search(text[-1]):
                continue  # a bare heading: it labels what follows and is no passage of its own
        section = tuple(heading for _, heading in stack)
        chunks = _split_items(text)
        for chunk, item_heading in chunks:
            if len(chunks) > 1 and is_heading and not item_heading and chunk == stack[-1][1]:
                continue  # the lead-in before 一是… is only the line's heading: it labels the items
            for piece in _split_long(chunk):
                number += 1
                yield _passage(
                    doc_id,
                    number,
                    piece,
                    section + ((item_heading,) if item_heading else ()),
                    is_heading or bool(item_heading),
                )
                is_heading = False


def _is_law(content: Sequence[CleanLine]) -> bool:
    """Whether the text is laid out as a law: at least ``_LAW_MIN_ARTICLES`` lines start articles, the first of
    them 第一条, and before it at most ``_LAW_PREAMBLE_LINES`` lines besides 目录 and the 编, 章 and 节 (a title,
    its history, a 公布 notice). A report that quotes an article or two is no law, nor one with a regulation
    attached after its own sections (附件：…办法 第一条 …)."""
    starts = [(at, start) for at, line in enumerate(content) if (start := _ARTICLE_START.match(line.text.strip()))]
    if len(starts) < _LAW_MIN_ARTICLES or _article_number(starts[0][1]) != "第一条":
        return False
    before = [line.text.strip() for line in content[: starts[0][0]]]
    preamble = [text for text in before if not _LAW_PART.match(text) and not _is_contents(text)]
    return len(preamble) <= _LAW_PREAMBLE_LINES


def _find_law_title(content: Sequence[CleanLine]) -> list[CleanLine]:
    """A law's title: of the short lines before its first article, part or 目录 that are no sentence or bracketed
    history, the first that ends as a law's name does (…法, …条例: not the 中华人民共和国主席令 and 第十五号 of a
    公布 notice above it), else the first."""
    candidates = []
    for line in content[: _LAW_PREAMBLE_LINES + 1]:
        text = line.text.strip()
        if _ARTICLE_START.match(text) or _LAW_PART.match(text) or _is_contents(text):
            break
        if len(text) <= 50 and not _SENTENCE_END.search(text) and not text.startswith(("（", "(")):
            candidates.append(line)
    named = [line for line in candidates if _LAW_NAME_END.search(line.text.strip())]
    return (named or candidates)[:1]


def _law_passages(body: Sequence[CleanLine], doc_id: str) -> Iterator[Passage]:
    """A law's passages: each article with its lines, under its 编, 章 and 节; the lines before the first article
    (its 公布 notice, history) as passages of up to ``_LAW_PREAMBLE_CHARS`` characters, a longer line or the
    bracketed history starting one, so the notice's 主席令, 第十五号, text, signature and date are one passage, not
    five; 目录 and its list of parts none."""
    stack: list[tuple[int, str]] = []
    parts: list[tuple[tuple[str, ...], list[str]]] = []  # (section, lines), in order
    in_article = False
    joinable = False  # whether the last part is preamble that the next preamble line may join
    for line in body:
        text = line.text.strip()
        part = _LAW_PART.match(text)
        start = _ARTICLE_START.match(text)
        if part and len(text) <= _MAX_HEADING_CHARS and not _SENTENCE_END.search(text):
            rank = _LAW_PART_RANK[part.group(1)]
            stack = [*(entry for entry in stack if entry[0] < rank), (rank, _SPACE.sub(" ", text))]
            in_article = joinable = False
        elif start:
            stack = [*(entry for entry in stack if entry[0] < _ARTICLE_RANK), (_ARTICLE_RANK, _article_number(start))]
            parts.append((tuple(heading for _, heading in stack), [text]))
            in_article, joinable = True, False
        elif in_article:
            parts[-1][1].append(text)
        elif _is_contents(text):
            joinable = False
        elif (
            joinable
            and not text.startswith(("（", "("))  # the history in brackets starts its own
            and sum(map(len, parts[-1][1])) + len(text) <= _LAW_PREAMBLE_CHARS
        ):
            parts[-1][1].append(text)
        else:
            parts.append((tuple(heading for _, heading in stack), [text]))
            joinable = True
    number = 0
    for section, lines in parts:
        for piece in _split_long("\n".join(lines)):
            number += 1
            yield _passage(doc_id, number, piece, section, False)


def _article_number(start: re.Match[str]) -> str:
    """The number of the article a line starts (its ``_ARTICLE_START`` match), as laws write it: 第十三条 (also for
    第13条 and 第１３条), 第十三条之一."""
    return article_in_words(fold(start.group()))


def _is_contents(text: str) -> bool:
    """Whether a line is 目录 (目　　录), the heading of a law's list of parts."""
    return _SPACE.sub("", text) == "目录"


def _passage(doc_id: str, number: int, text: str, section: tuple[str, ...], is_heading: bool) -> Passage:
    """The ``number``-th passage of document ``doc_id`` (its id ``doc_id#number``)."""
    return Passage(
        id=f"{doc_id}#{number}", document_id=doc_id, number=number, text=text, section=section, is_heading=is_heading
    )


def _split_heading(text: str) -> tuple[str, str]:
    """A heading line's heading (up to its first sentence end, or colon: （二）强化学习：全年学习10次。) and the
    body text after it."""
    match = _HEADING_END.search(text)
    if match is None or match.end() == len(text):
        return _shorten(text), ""
    return _shorten(text[: match.end()]), text[match.end() :].strip()


def _shorten(heading: str) -> str:
    return heading if len(heading) <= _MAX_HEADING_CHARS else heading[: _MAX_HEADING_CHARS - 1] + "…"


def _split_items(text: str) -> list[tuple[str, str]]:
    """Split ``…一是A。…二是B。…`` into the lead-in and one chunk per item: ``(chunk, item heading or "")``."""
    starts: list[int] = []
    suffix = ""
    for match in _ITEM.finditer(text):
        numeral, kind = match.groups()
        expected = _ITEM_NUMBERS[len(starts)] if len(starts) < len(_ITEM_NUMBERS) else None
        if numeral == expected and (not starts or kind == suffix):
            starts.append(match.start())
            suffix = kind
    if len(starts) < 2:
        # A paragraph of its own that starts with an item marker (二是…) is one item; 一方面… alone is a phrase
        # (一方面…另一方面…), no item
        single = _ITEM.match(text)
        return [(text, _split_heading(text)[0] if single and single.group(2) != "方面" else "")]
    chunks: list[tuple[str, str]] = []
    lead = text[: starts[0]].strip()
    if lead:
        chunks.append((lead, ""))
    for begin, end in zip(starts, [*starts[1:], len(text)]):
        chunk = text[begin:end].strip()
        chunks.append((chunk, _split_heading(chunk)[0]))
    return chunks


def _split_long(text: str) -> Iterator[str]:
    """Cut a paragraph longer than MAX_PASSAGE_CHARS into pieces of at most that many characters.

    Each cut is at the last sentence end of the piece, else at its last clause end (，、：…), else after its last
    space, else hard at the limit; a cut in the first third of a piece is not taken (it would leave a stub).

    >>> [len(piece) for piece in _split_long("法" * 3500)]
    [1500, 1500, 500]
    """
    start = 0
    while len(text) - start > MAX_PASSAGE_CHARS:
        window = text[start : start + MAX_PASSAGE_CHARS]
        cut = MAX_PASSAGE_CHARS
        for boundary in (_SENTENCE_END, _CLAUSE_END, _SPACE):
            ends = [m.end() for m in boundary.finditer(window, MAX_PASSAGE_CHARS // 3)]
            if ends:
                cut = ends[-1]
                break
        piece = window[:cut].strip()
        if piece:
            yield piece
        start += cut
    rest = text[start:].strip()
    if rest:
        yield rest
