"""Web page (.html, .htm) → report text: page chrome dropped, one block element a line.

Dropped whole: ``script``, ``style``, ``nav``, ``aside``, forms' controls, the site's ``header`` and ``footer``
(those of an ``article`` or ``main`` are kept: they hold its title and date), and elements whose class or id
names a navigation bar, breadcrumb, sidebar, share box or footer (``class="breadcrumb"``, ``id="footer"`` …).
Block elements (``p``, ``div``, ``h1``–``h6``, ``li``, ``tr``, ``br`` …) end a line; table cells are joined by
a space; a heading in bold that opens a paragraph with no sentence end (``<strong>（一）加强领导</strong>全年…``)
is a line of its own. White space collapses as in a browser, except that a line break in the page source
between two Chinese characters is dropped, not made a space (CSS Text 3: word processors and editors wrap Chinese
text anywhere).
Breadcrumbs written as plain text (``当前位置：首页 > …``) are dropped; the line-level cleaning of ``clean.py``
then applies as for any report.

The first ``<h1>``, else the ``<title>`` without its site name, is the title candidate: it is put first when the
page body does not open with a title of its own. Bytes are decoded by the page's ``<meta charset>``
(GB2312 and GBK read as GB18030), else like a .txt report (UTF-8, else GB18030).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

from lawsearch.ingest.decode import decode_bytes
from lawsearch.ingest.report import is_heading_line, split_report

__all__ = ["decode_html", "read_html"]

_DROPPED_TAGS = frozenset({
    "script", "style", "noscript", "template", "nav", "aside", "menu", "select", "button", "textarea",
    "iframe", "object", "svg", "canvas", "map",
})  # fmt: skip
_PAGE_PARTS = frozenset({"header", "footer"})
_BLOCK_TAGS = frozenset({
    "address", "article", "blockquote", "body", "br", "caption", "center", "dd", "div", "dl", "dt", "figcaption",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "main", "ol", "p", "pre", "section", "table",
    "tbody", "tfoot", "thead", "tr", "ul", "header", "footer", "form", "fieldset", "legend",
})  # fmt: skip
_CELL_TAGS = frozenset({"td", "th"})
_BOLD_TAGS = frozenset({"strong", "b"})
_ENDED = re.compile(r"[。！？；!?;：:]$")
_HEADING_WORDS = re.compile(r"[\u4e00-\u9fff](?<![一二三四五六七八九十])[\u4e00-\u9fff]")  # two, not numerals
_CLOSING = re.compile(r"[。，、；：！？,.;:!?）)]")
_VOID_TAGS = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
})  # fmt: skip
# Class or id words of page chrome: any part of a name (site-nav, footer_box, breadcrumbs) …
_CHROME_PARTS = frozenset({
    "nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "crumb", "crumbs", "footer", "copyright",
    "sidebar", "share", "bshare", "toolbar",
})  # fmt: skip
# … or a whole name (a part such as "position" would also drop bootstrap's position-relative).
_CHROME_NAMES = frozenset({"header", "head", "banner", "foot", "position", "location", "dqwz", "weizhi"})
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "complementary"})
# Never chrome, whatever their class says (<body class="has-sidebar">).
_CONTAINER_TAGS = frozenset({"html", "body", "main", "article"})
_NAME_SPLIT = re.compile(r"[-_\s]+")
# "当前位置：首页 > 政务公开 > …": a breadcrumb written as plain text.
_BREADCRUMB = re.compile(
    r"^\s*(当前位置|您的位置|您现在的位置|您当前的位置|现在位置|所在位置)\s*[:：]"
    r"|^\s*位置\s*[:：]\s*(网站)?首页"  # 位置：首页 > …, not 位置：汉阳区某某路1号
    r"|^\s*(网站)?首页\s*(>|＞|»|›|&gt;|/|→)"  # 首页 > 政务公开 > …, with no 当前位置 before it
)
_SPACE_RUN = re.compile(r"[ \t\n\r\f]+")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# 报告名_网站名, 报告名 | 网站名, 报告名-网站名 (a hyphen between digits is part of a date or a range).
_SITE_SEPARATOR = re.compile(r"\s*(?:[_|｜]|——|(?<![0-9])[-–—]|[-–—](?![0-9]))\s*")
# Codecs whose text GB18030 reads the same and more of (pages labelled gb2312 often use GBK characters).
_GB_CODECS = frozenset({"gb2312", "gbk", "gb18030"})


def read_html(data: bytes, *, path: str | Path) -> str:
    """The report text of a web page.

    Raises:
        IngestError: the bytes cannot be decoded (see ``decode_html``).
    """
    page = _PageParser()
    page.feed(decode_html(data, path=path))
    page.close()
    lines = [line for line in page.lines if not _BREADCRUMB.match(line)]
    candidate = next((c for c in (page.h1, _without_site_name(page.title)) if c and _reads_as_title(c)), "")
    if candidate and _title_of(lines) is None:
        rest = list(lines)
        if candidate in rest:
            rest.remove(candidate)
        lines = [candidate, *rest]
    if len(lines) > 1 and lines[1] == lines[0]:
        del lines[1]  # the title twice: the page's <h1>, then the article's own centred copy
    return "\n".join(lines)


def decode_html(data: bytes, *, path: str | Path = "<html>") -> str:
    """Decode a web page by its ``<meta charset>``, else like a .txt report.

    >>> decode_html('<meta charset="gb2312"><p>法治</p>'.encode("gbk"))
    '<meta charset="gb2312"><p>法治</p>'

    Raises:
        IngestError: the page is neither in its declared charset nor UTF-8 or GB18030.
    """
    declared = _CHARSET.search(data[:4096])
    if declared and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            encoding = codecs.lookup(declared.group(1).decode("ascii")).name
            if encoding.startswith(("utf-16", "utf-32")):
                # the label was read as ASCII bytes, so the page is not in UTF-16 (HTML: such a label means UTF-8)
                encoding = "utf-8"
            return data.decode("gb18030" if encoding in _GB_CODECS else encoding)
        except (LookupError, ValueError):  # ValueError: UnicodeError, which codecs such as punycode raise
            pass  # a wrong or unknown label: real pages have both; guess as for a .txt file
    return decode_bytes(data, path=path)


def _without_site_name(title: str) -> str:
    """The longest part of a ``<title>``: the report's name without the site's.

    >>> _without_site_name("汉阳区教育局2024年度法治政府建设情况的报告（2021—2025年）-武汉市汉阳区人民政府")
    '汉阳区教育局2024年度法治政府建设情况的报告（2021—2025年）'
    """
    parts = [part for part in _SITE_SEPARATOR.split(title) if part]
    return max(parts, key=len) if parts else ""


# the document id of text split only to see how it reads (its title, its passages); never stored
_PROBE = "probe"


def _reads_as_title(line: str) -> bool:
    layout = split_report(line, doc_id=_PROBE)
    return bool(layout.title_lines) and not layout.parsed.passages


def _title_of(lines: list[str]) -> str | None:
    document = split_report("\n".join(lines), doc_id=_PROBE).parsed.document
    return None if document.title_derived else document.title


class _PageParser(HTMLParser):
    """Collects the text lines of a page, skipping chrome; also its ``<title>`` and first ``<h1>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.title = ""
        self.h1 = ""
        self._parts: list[str] = []
        self._skipping: tuple[str, int] | None = None  # (tag, nesting depth) of the element being skipped
        self._in_content = 0  # open <article> and <main> elements: their header and footer are content
        self._in_title = False
        self._h1_parts: list[str] | None = None
        # a bold run that opens a line (<strong>（一）加强领导</strong>全年召开会议3次。): where its parts start, and
        # whether it was a heading with no sentence end, so that the text after it starts a line of its own
        self._bold_from: int | None = None
        self._after_heading = False
        self._in_cell = 0  # open <td>/<th>: a row is one line, bold or not

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping is not None:
            if tag == self._skipping[0]:
                self._skipping = (tag, self._skipping[1] + 1)
            return
        if tag not in _VOID_TAGS and self._is_chrome(tag, attrs):
            self._break()
            self._skipping = (tag, 1)
            return
        if tag in ("article", "main"):
            self._in_content += 1
        if tag == "title":
            self._in_title = True
        elif tag == "h1" and not self.h1:
            self._h1_parts = []
        if tag in _BLOCK_TAGS:
            self._break()
        elif tag in _CELL_TAGS:
            self._parts.append(" ")
            self._in_cell += 1
        elif tag in _BOLD_TAGS and not "".join(self._parts).strip():
            self._bold_from = len(self._parts)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping is not None:
            if tag == self._skipping[0]:
                depth = self._skipping[1] - 1
                self._skipping = (tag, depth) if depth else None
            return
        if tag in ("article", "main"):
            self._in_content = max(0, self._in_content - 1)
        if tag == "title":
            self._in_title = False
        if tag in _CELL_TAGS:
            self._in_cell = max(0, self._in_cell - 1)
        if tag in _BLOCK_TAGS:
            self._break()
        elif tag in _BOLD_TAGS and self._bold_from is not None:
            bold = _collapse("".join(self._parts[self._bold_from :])).strip()
            # a heading with words of its own (not 一、 alone), not ended, not in a table cell
            self._after_heading = (
                is_heading_line(bold) and _HEADING_WORDS.search(bold) is not None and not _ENDED.search(bold)
            ) and not self._in_cell
            self._bold_from = None
        if tag == "h1" and self._h1_parts is not None:
            self.h1 = _collapse("".join(self._h1_parts)).strip()
            self._h1_parts = None

    def handle_data(self, data: str) -> None:
        if self._skipping is not None:
            return
        if self._in_title:
            self.title = _collapse(self.title + data).strip()
            return
        if self._after_heading and data.strip():
            if not _CLOSING.match(data.strip()):  # （一）加强领导</strong>。全年… stays one line
                self._break()  # the heading in bold is a line; the body after it another, as in the .txt copy
            self._after_heading = False
        self._parts.append(data)
        if self._h1_parts is not None:
            self._h1_parts.append(data)

    def close(self) -> None:
        super().close()
        self._break()

    def _break(self) -> None:
        line = _collapse("".join(self._parts)).strip(" ")
        if line:
            self.lines.append(line)
        self._parts = []
        self._bold_from, self._after_heading = None, False

    def _is_chrome(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag in _DROPPED_TAGS or (tag in _PAGE_PARTS and not self._in_content):
            return True
        if tag in _CONTAINER_TAGS:
            return False
        for key, value in attrs:
            if not value:
                continue
            if key == "role" and value.strip().lower() in _CHROME_ROLES:
                return True
            if key in ("class", "id"):
                for name in value.lower().split():
                    if name in _CHROME_NAMES or not _CHROME_PARTS.isdisjoint(_NAME_SPLIT.split(name)):
                        return True
        return False


def _collapse(text: str) -> str:
    """HTML white space: a run becomes one space, or nothing where a line break joins two Chinese characters.

    >>> _collapse("法治\\n  政府  建设 report")
    '法治政府 建设 report'
    """

    def replace(match: re.Match[str]) -> str:
        if "\n" in match.group() or "\r" in match.group():
            before = text[match.start() - 1 : match.start()]
            after = text[match.end() : match.end() + 1]
            if _is_wide(before) and _is_wide(after):
                return ""
        return " "

    return _SPACE_RUN.sub(replace, text)


def _is_wide(char: str) -> bool:
    return bool(char) and unicodedata.east_asian_width(char) in "WF"
