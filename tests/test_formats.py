"""Word, PDF and web-page reports ingest to the same passages, section paths and metadata as their .txt text.

The fixtures are made at test time from the seed reports in corpus/: a .docx written with python-docx, web pages
with navigation, breadcrumbs, footer and scripts around the report (UTF-8 and GBK), and a PDF typeset with
reportlab in a CJK font, its paragraphs wrapped over lines as a word processor would.
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

import attrs
import docx
import pytest
from docx.oxml import parse_xml
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from lawsearch.errors import IngestError
from lawsearch.index import Index
from lawsearch.ingest import decode_bytes, discover, read_file, split_report
from lawsearch.ingest.html import read_html
from lawsearch.ingest.pdf import TextLine, join_lines
from lawsearch.models import ParsedDocument

from conftest import CORPUS, REPORTS

NAMES = [path.stem for path in REPORTS]
# Bare section headings (一、… and （一）… without a full stop) become real headings in some fixtures.
_BARE_HEADING = re.compile(r"^([一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])[^。]*$")


def reference(name: str) -> ParsedDocument:
    (parsed,) = read_file(CORPUS / f"{name}.txt", doc_id=name)
    return parsed


def report_lines(name: str) -> tuple[list[str], set[int]]:
    """The lines of a seed report (as decoded) and the numbers of its title lines."""
    text = decode_bytes((CORPUS / f"{name}.txt").read_bytes())
    return text.split("\n"), set(split_report(text, doc_id=name).title_lines)


def view(parsed: ParsedDocument) -> tuple[dict[str, object], list[tuple[str, str, tuple[str, ...], bool]]]:
    """What must match between formats: every document field but the path, and each passage."""
    document = attrs.asdict(parsed.document)
    del document["path"]
    return document, [(p.id, p.text, p.section, p.is_heading) for p in parsed.passages]


def ingest(path: Path, name: str) -> ParsedDocument:
    (parsed,) = read_file(path, doc_id=name)
    return parsed


# --- Word -------------------------------------------------------------------------------------------------


def write_docx(name: str, target: Path, *, headings: bool) -> Path:
    lines, title = report_lines(name)
    document = docx.Document()
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if headings and number in title:
            document.add_heading(text, level=0)
        elif headings and _BARE_HEADING.match(text):
            document.add_heading(text, level=1 if "、" in text[:4] else 2)
        else:
            document.add_paragraph(text)  # blank lines too: real documents have empty paragraphs
    document.save(str(target))
    return target


@pytest.mark.parametrize("name", NAMES)
def test_docx_ingests_like_the_txt(name: str, tmp_path: Path) -> None:
    # Real Word headings (Title, Heading 1/2 styles) for two of the reports, plain paragraphs for the others.
    path = write_docx(name, tmp_path / f"{name}.docx", headings=name in ("hanyang-edu-2024", "shanzhou-edu-2023"))
    assert view(ingest(path, name)) == view(reference(name))


def test_docx_tables_are_read_one_row_a_line(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("某区教育局2024年度法治政府建设情况报告")
    document.add_paragraph("一、主要数据")
    table = document.add_table(rows=2, cols=3)
    table.rows[0].cells[1].merge(table.rows[0].cells[2])  # a merged cell is listed once for each column it spans
    for row, cells in zip(table.rows, [("项目", "件数", "件数"), ("行政复议", "3", "")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    document.add_paragraph("全年依法办理行政复议案件3件。")
    path = tmp_path / "table.docx"
    document.save(str(path))
    passages = ingest(path, "table").passages
    assert [(p.text, p.section_path) for p in passages] == [
        ("项目 件数", "一、主要数据"),
        ("行政复议 3", "一、主要数据"),
        ("全年依法办理行政复议案件3件。", "一、主要数据"),
    ]


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_RUN = "<w:r><w:t>{}</w:t></w:r>"


def _paragraph(*parts: str) -> str:
    return f"<w:p {_W}>{''.join(parts)}</w:p>"


def test_docx_text_inside_revisions_content_controls_fields_and_nested_tables_is_kept(tmp_path: Path) -> None:
    """python-docx's Paragraph.text leaves these out (and its body skips block content controls): Word shows
    them, so a report has them. Deleted text and text boxes stay out."""
    run = _RUN.format
    blocks = [
        _paragraph(
            run("全年依法办理行政复议案件"),
            f'<w:ins w:id="1" w:author="a">{run("3件，全部按期办结")}</w:ins>',
            run("。"),
        ),
        f"<w:sdt {_W}><w:sdtContent>{_paragraph(run('（一）加强组织领导。'))}{_paragraph(run('全年召开会议3次。'))}"
        "</w:sdtContent></w:sdt>",
        _paragraph(run("开展培训"), f"<w:sdt><w:sdtContent>{run('12')}</w:sdtContent></w:sdt>", run("场。")),
        _paragraph(
            run("聘任法治副校长"), f'<w:smartTag w:uri="urn:x" w:element="n">{run("19")}</w:smartTag>', run("名。")
        ),
        _paragraph(run("详见第"), f'<w:fldSimple w:instr="PAGEREF x">{run("3")}</w:fldSimple>', run("页。")),
        _paragraph(
            run("办结率"), '<w:del w:id="2" w:author="a"><w:r><w:delText>90%</w:delText></w:r></w:del>', run("100%。")
        ),
        f"<w:tbl {_W}><w:tr><w:tc>{_paragraph(run('外层'))}<w:tbl><w:tr><w:tc>{_paragraph(run('内层行政复议3件'))}"
        "</w:tc></w:tr></w:tbl></w:tc></w:tr></w:tbl>",
    ]
    document = docx.Document()
    document.add_paragraph("某区教育局2024年度法治政府建设情况报告")
    document.add_paragraph("一、主要做法和成效")
    end = document.element.body[-1]  # the section properties stay last
    for block in blocks:
        end.addprevious(parse_xml(block))
    path = tmp_path / "revisions.docx"
    document.save(str(path))
    assert [(p.text, p.section_path) for p in ingest(path, "revisions").passages] == [
        ("全年依法办理行政复议案件3件，全部按期办结。", "一、主要做法和成效"),
        ("（一）加强组织领导。", "一、主要做法和成效 › （一）加强组织领导。"),
        ("全年召开会议3次。", "一、主要做法和成效 › （一）加强组织领导。"),
        ("开展培训12场。", "一、主要做法和成效 › （一）加强组织领导。"),
        ("聘任法治副校长19名。", "一、主要做法和成效 › （一）加强组织领导。"),
        ("详见第3页。", "一、主要做法和成效 › （一）加强组织领导。"),
        ("办结率100%。", "一、主要做法和成效 › （一）加强组织领导。"),
        ("外层 内层行政复议3件", "一、主要做法和成效 › （一）加强组织领导。"),
    ]


# --- web pages --------------------------------------------------------------------------------------------

SITE = "某某区人民政府门户网站"


def page_html(name: str, *, charset: str) -> str:
    """The report inside a government page: head with script and style, nav bar, breadcrumb, sidebar, footer."""
    lines, title_numbers = report_lines(name)
    title = reference(name).document.title
    body: list[str] = []
    title_lines = [lines[n - 1].strip() for n in sorted(title_numbers)]
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        escaped = html.escape(text).replace("\xa0", "&nbsp;")
        if number == min(title_numbers, default=0):
            body.append("<h1>" + "<br>".join(html.escape(t) for t in title_lines) + "</h1>")
        elif number in title_numbers or not text:
            continue
        elif text.startswith(("发布日期", "发布者")):
            body.append(f'<div class="info"><span>{escaped}</span></div>')
        elif _BARE_HEADING.match(text):
            body.append(f"<h2>{escaped}</h2>" if "、" in text[:4] else f"<h3>{escaped}</h3>")
        else:
            body.append(f"<p style='text-indent:2em'>\n      {escaped}\n    </p>")
    page_title = f"{title}_{SITE}" if title_numbers else SITE  # a page for an untitled report has the site name only
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta http-equiv="Content-Type" content="text/html; charset={charset}">
  <title>{html.escape(page_title)}</title>
  <style>body {{ font-family: SimSun; }} .nav li {{ display: inline; }}</style>
  <script>var _hmt = _hmt || []; document.write("<p>统计代码</p>");</script>
</head>
<body class="has-sidebar">
  <div id="header"><div class="logo">{SITE}</div><div class="top-links">网站无障碍 | 关怀版 | English</div></div>
  <nav class="main-nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
    <li><a href="/zcjd/">政策解读</a></li><li><a href="/hdjl/">互动交流</a></li></ul></nav>
  <div>您的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 法治政府建设年度报告</div>
  <div class="article-content">
    {chr(10).join(body)}
    <div class="share-box">分享到：微信 微博</div>
  </div>
  <aside><h3>相关链接</h3><ul><li>国务院</li><li>省人民政府</li></ul></aside>
  <footer>
    <p>主办单位：{SITE}  承办单位：区政务服务数据管理局</p>
    <p>京ICP备12345678号-1  京公网安备11010102000001号  网站标识码：1101010001</p>
  </footer>
  <script type="text/javascript">document.getElementById("header").style.display = "block";</script>
</body>
</html>
"""


def test_a_small_sites_page_loses_its_unmarked_chrome_and_keeps_its_date(tmp_path: Path) -> None:
    """Chrome as plain lines with no class to tell it by, as many county sites write it; a UTF-8 page that says
    it is UTF-16 (the HTML standard reads such a label as UTF-8)."""
    page = """<html><head><meta charset="utf-16"><title>汉阳区教育局2024年度法治政府建设情况报告</title></head><body>
    <table><tr><td>
      <h1>汉阳区教育局2024年度法治政府建设情况报告</h1>
      <p align="center"><strong>汉阳区教育局2024年度法治政府建设情况报告</strong></p>
      <div>【发布时间：2025-03-20】【来源：汉阳区教育局】</div><div>【字体：大 中 小】</div>
      <p>一、主要做法和成效</p><p>全年依法办理行政复议案件3件，全部按期办结。</p>
      <p>二、存在问题</p><p>法治宣传的针对性还需加强。</p>
      <div>分享到：微信 微博 QQ空间</div><div>扫一扫在手机打开当前页</div>
      <div>上一篇：汉阳区教育局2023年度法治政府建设情况报告</div><div>下一篇：无</div>
      <div>责任编辑：张三</div>
      <div>主办：武汉市汉阳区人民政府</div><div>地址：武汉市汉阳区某某路1号 邮编：430050 联系电话：027-00000000</div>
    </td></tr></table></body></html>"""
    path = tmp_path / "page.html"
    path.write_bytes(page.encode("utf-8"))
    parsed = ingest(path, "page")
    assert (parsed.document.title, parsed.document.published) == (
        "汉阳区教育局2024年度法治政府建设情况报告",
        "2025-03-20",
    )
    assert [(p.text, p.section_path) for p in parsed.passages] == [
        ("全年依法办理行政复议案件3件，全部按期办结。", "一、主要做法和成效"),
        ("法治宣传的针对性还需加强。", "二、存在问题"),
    ]


def test_a_heading_in_bold_at_the_start_of_a_paragraph_is_a_line_of_its_own(tmp_path: Path) -> None:
    """<p><strong>（一）加强领导</strong>全年召开会议3次。</p>: the heading took the sentence with it."""
    page = (
        "<h1>汉阳区教育局2024年度法治政府建设情况报告</h1><p>一、主要成效</p>"
        "<p>&nbsp;&nbsp;<strong>（一）加强领导</strong>全年召开会议3次。</p>"
        "<p><b>（二）规范执法。</b>全年办理案件3件。</p><p><strong>注意</strong>这一句不是标题。</p>"
    )
    path = tmp_path / "bold.html"
    path.write_text(page, encoding="utf-8")
    assert [(p.text, p.section_path) for p in ingest(path, "bold").passages] == [
        ("全年召开会议3次。", "一、主要成效 › （一）加强领导"),
        (
            "（二）规范执法。全年办理案件3件。",
            "一、主要成效 › （二）规范执法。",
        ),  # as its .txt copy: heading and passage
        ("注意这一句不是标题。", "一、主要成效 › （二）规范执法。"),
    ]
    # where the line stays whole: a bold marker alone, punctuation after the bold, a table row
    for html_line, line in [
        ("<p><strong>一、</strong>加强组织领导，全年召开会议3次。</p>", "一、加强组织领导，全年召开会议3次。"),
        ("<p><strong>（一）加强组织领导</strong>。全年召开会议3次。</p>", "（一）加强组织领导。全年召开会议3次。"),
        ("<table><tr><td><b>（一）组织领导</b></td><td>成立领导小组</td></tr></table>", "（一）组织领导 成立领导小组"),
        ("<p>位置：汉阳区某某路1号，占地20亩。</p>", "位置：汉阳区某某路1号，占地20亩。"),  # no breadcrumb
    ]:
        assert read_html(html_line.encode(), path="x") == line


@pytest.mark.parametrize("name", NAMES)
def test_html_page_ingests_like_the_txt(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.html"
    path.write_text(page_html(name, charset="utf-8"), encoding="utf-8")
    assert view(ingest(path, name)) == view(reference(name))


@pytest.mark.parametrize("name", NAMES)
def test_gbk_html_page_is_decoded_by_its_meta_charset(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.htm"
    # characters GBK lacks (the footer's en spaces) become character references, as editors write them
    path.write_bytes(page_html(name, charset="gbk").encode("gbk", errors="xmlcharrefreplace"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert view(ingest(path, name)) == view(reference(name))


def test_html_title_tag_is_the_title_when_the_page_has_no_heading(tmp_path: Path) -> None:
    name = "zhongzhan-edu-2024"
    page = page_html(name, charset="utf-8")
    page = re.sub(r"<h1>.*?</h1>", "", page)
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    parsed = ingest(path, name)
    want = reference(name)
    assert parsed.document.title == want.document.title == "中站区教育局2024年度法治政府建设工作报告"
    assert view(parsed) == view(want)


def test_html_drops_chrome_and_keeps_headings() -> None:
    page = """<html><head><title>报告_某区政府</title><meta charset="utf-8"></head><body>
    <div class="crumbs">首页 » 信息公开</div><header><h1>某区人民政府</h1></header>
    <article><header><h1>某区教育局2024年度法治政府建设情况报告</h1></header>
    <div class="position-relative"><h2>一、主要成效</h2>
    <p>全年开展普法活动<b>30</b>场，
       覆盖师生两万人。</p><table><tr><td>项目</td><td>数量</td></tr></table></div></article>
    <div id="footer_box">版权所有</div><div role="navigation">上一篇</div></body></html>"""
    text = read_html(page.encode("utf-8"), path="page.html")
    assert text.split("\n") == [
        "某区教育局2024年度法治政府建设情况报告",
        "一、主要成效",
        "全年开展普法活动30场，覆盖师生两万人。",
        "项目 数量",
    ]


def test_html_with_a_wrong_charset_label_falls_back_to_guessing(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    page = '<meta charset="utf-8"><h1>某区教育局2024年度法治政府建设情况报告</h1><p>一、成效</p><p>依法行政。</p>'
    path.write_bytes(page.encode("gb18030"))
    assert [p.text for p in ingest(path, "page").passages] == ["依法行政。"]


# --- PDF --------------------------------------------------------------------------------------------------

FONT, SIZE, LEADING = "STSong-Light", 12, 20
# No line starts with closing punctuation (禁则): the character before it moves down with it.
_CLOSING = "，。、；：？！）》」』】”’"


def pdf_text(text: str) -> str:
    """The text as the PDF carries it: STSong-Light has no glyph for U+00A0 and other Unicode spaces (they would
    vanish), so the fixture sets them as plain spaces, as a word processor would."""
    return "".join(" " if unicodedata.category(c) == "Zs" and c != "\u3000" else c for c in text)


def wrap(text: str, width: float, indent: float) -> list[str]:
    lines: list[str] = []
    line, room = "", width - indent
    for char in text:
        if line and pdfmetrics.stringWidth(line + char, FONT, SIZE) > room:
            if char in _CLOSING:
                line, char = line[:-1], line[-1] + char
            lines.append(line)
            line, room = "", width
        line += char
    return [*lines, line]


def write_pdf(name: str, target: Path, *, header: str = "") -> Path:
    """The report typeset on A4: centred title, paragraphs with a two-character first-line indent, wrapped at the
    right margin, page numbers in the footer; ``header`` in small type at the top of every page."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    lines, title = report_lines(name)
    width, height = A4
    margin = 72
    pdf = canvas.Canvas(str(target), pagesize=A4)
    page, y = 1, height - margin

    def running_header() -> None:
        if header:
            pdf.setFont(FONT, 9)
            pdf.drawCentredString(width / 2, height - 40, pdf_text(header))

    def next_page() -> None:
        nonlocal page, y
        pdf.setFont(FONT, 10)
        pdf.drawCentredString(width / 2, 40, f"- {page} -")
        pdf.showPage()
        page, y = page + 1, height - margin
        running_header()

    running_header()

    for number, line in enumerate(lines, start=1):
        text = pdf_text(line.strip())
        if not text:
            continue
        if number in title:
            pdf.setFont(FONT, 16)
            pdf.drawCentredString(width / 2, y, text)
            y -= 28
            continue
        for row, part in enumerate(wrap(text, width - 2 * margin, 2 * SIZE)):
            if y < margin:
                next_page()
            pdf.setFont(FONT, SIZE)
            pdf.drawString(margin + (2 * SIZE if row == 0 else 0), y, part)
            y -= LEADING
    next_page()
    pdf.save()
    return target


@pytest.mark.parametrize("name", ["shanzhou-edu-2023", "heping-edu-2024"])
def test_a_pdf_whose_running_header_repeats_the_title_keeps_the_title(name: str, tmp_path: Path) -> None:
    """The header line and the title under it on page 1 were both dropped as the running header: the title was
    then derived (and heping's year taken from 2021-2025年)."""
    want = reference(name)
    path = write_pdf(name, tmp_path / f"{name}.pdf", header=want.document.title)
    parsed = ingest(path, name)
    assert (parsed.document.title, parsed.document.year, parsed.document.title_derived) == (
        pdf_text(want.document.title),
        want.document.year,
        False,
    )
    assert [p.text for p in parsed.passages] == [pdf_text(p.text) for p in want.passages]


@pytest.mark.parametrize("name", NAMES)
def test_pdf_ingests_like_the_txt(name: str, tmp_path: Path) -> None:
    """Exact, but for the one tolerance of the fixture: Unicode spaces other than U+3000 are plain spaces."""
    path = write_pdf(name, tmp_path / f"{name}.pdf")
    want = reference(name)
    want = attrs.evolve(want, passages=[attrs.evolve(p, text=pdf_text(p.text)) for p in want.passages])
    parsed = ingest(path, name)
    assert view(parsed) == view(want)
    # paragraphs wrapped over several lines (a line holds about 37 characters) came back whole; no page numbers
    assert max(len(p.text) for p in parsed.passages) > 3 * 37
    assert not any(re.search(r"- \d+ -", p.text) for p in parsed.passages)


def line(text: str, x0: float, x1: float, y0: float, size: float = 12) -> TextLine:
    return TextLine(text, x0, x1, y0, size)


def test_pdf_lines_join_without_first_line_indents() -> None:
    """Block paragraphs (no indent): a short line ends a paragraph; a heading after a full stop starts one."""
    page = [
        line("一、总体情况", 72, 144, 700),
        line("全年共办理行政复议案件十件，比上年增加两件，全部在法定", 72, 523, 680),
        line("期限内办结。", 72, 144, 660),
        line("本年度共开展普法活动三十场，覆盖师生两万人次，全年共计。", 72, 522, 640),
        line("（二）强化执法监督", 72, 180, 620),
        line("Annual training of all law", 72, 520, 600),
        line("enforcement staff.", 72, 200, 580),
    ]
    assert join_lines([page]) == [
        "一、总体情况",
        "全年共办理行政复议案件十件，比上年增加两件，全部在法定期限内办结。",
        "本年度共开展普法活动三十场，覆盖师生两万人次，全年共计。",
        "（二）强化执法监督",
        "Annual training of all law enforcement staff.",
    ]


def test_pdf_paragraphs_continue_across_pages_and_spacing_splits_them() -> None:
    first = [
        line("一、总体情况", 96, 168, 700),
        line("全年共办理行政复议案件十件，比上年增加两件，全部在法", 96, 523, 680),
        line("定期限内办结。依法行政水平进一步提高，各项工作扎实", 72, 523, 660),
    ]
    second = [
        line("推进，成效明显。", 72, 170, 760),
        line("二、存在问题", 96, 168, 740),
        line("执法队伍建设还需加强，部分执法人员的法治意识有待提升。", 72, 523, 700),  # after a blank line's space
        line("将持续推进。", 72, 160, 680),
    ]
    assert join_lines([first, second]) == [
        "一、总体情况",
        "全年共办理行政复议案件十件，比上年增加两件，全部在法定期限内办结。依法行政水平进一步提高，各项工作扎实推进，成效明显。",
        "二、存在问题",
        "执法队伍建设还需加强，部分执法人员的法治意识有待提升。将持续推进。",
    ]


# --- errors -----------------------------------------------------------------------------------------------


def uninstall(package: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every import of the package and its modules fail, as if it were not installed."""
    for name in [name for name in sys.modules if name == package or name.startswith(f"{package}.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, package, None)


@pytest.mark.parametrize(
    ("suffix", "module", "message"),
    [
        (".docx", "docx", r"\.docx files need python-docx: pip install 'lawsearch\[docx\]'"),
        (".pdf", "pdfminer", r"\.pdf files need pdfminer\.six: pip install 'lawsearch\[pdf\]'"),
    ],
)
def test_a_missing_library_names_the_file_and_the_extra(
    suffix: str, module: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / f"report{suffix}"
    path.write_bytes(b"PK\x03\x04 or %PDF-1.7: the content does not matter")
    uninstall(module, monkeypatch)
    with pytest.raises(IngestError, match=message) as info:
        read_file(path)
    assert info.value.path == path and str(info.value).startswith(f"{path}: ")
    assert "\n" not in str(info.value)


def test_a_folder_reports_and_skips_files_whose_library_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "hanyang.txt").write_bytes((CORPUS / "hanyang-edu-2024.txt").read_bytes())
    write_docx("zhongzhan-edu-2024", folder / "zhongzhan.docx", headings=False)
    uninstall("docx", monkeypatch)
    with Index.create(tmp_path / "index") as index:
        report = index.update([folder])
        assert report.added == 1
        assert [str(e) for e in report.errors] == [
            f"{folder.resolve() / 'zhongzhan.docx'}: .docx files need python-docx: pip install 'lawsearch[docx]'"
        ]


def old_doc(folder: Path) -> Path:
    path = folder / "report.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 an old binary Word file renamed to .docx")
    return path


def password_protected_docx(folder: Path) -> Path:
    path = folder / "report.docx"
    path.write_bytes((Path(__file__).parent / "data" / "password-protected.docx").read_bytes())
    return path


def zip_but_not_docx(folder: Path) -> Path:
    path = folder / "report.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a Word document")
    return path


def broken_pdf(folder: Path) -> Path:
    path = folder / "report.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n")
    return path


def encrypted_pdf(folder: Path) -> Path:
    path = folder / "report.pdf"
    pdf = canvas.Canvas(str(path), encrypt="secret")
    pdf.drawString(72, 720, "Annual report")
    pdf.save()
    return path


def scanned_pdf(folder: Path) -> Path:
    path = folder / "report.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.rect(72, 72, 400, 600, fill=1)  # pictures only, no text
    pdf.save()
    return path


def truncated_pdf(folder: Path) -> Path:
    whole = write_pdf("zhongzhan-edu-2024", folder / "whole.pdf").read_bytes()
    path = folder / "report.pdf"
    path.write_bytes(whole[: len(whole) // 3])
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (old_doc, r"this is an old binary Word \.doc file named \.docx; save it as \.docx first \(in Word or WPS"),
        (password_protected_docx, r"the \.docx is protected with a password; open it, remove the password"),
        (zip_but_not_docx, r"cannot open as a Word \.docx file \(.*\)"),
        (broken_pdf, r"cannot read the PDF \(.*\); check that the file is a complete, valid PDF"),
        (truncated_pdf, r"cannot read the PDF \(.*\); check that the file is a complete, valid PDF"),
        (encrypted_pdf, r"the PDF is encrypted with a password; save an unencrypted copy"),
        (scanned_pdf, r"the PDF has no text layer \(a scanned image\?\); run OCR on it first"),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_broken_files_raise_ingest_error_not_a_library_traceback(
    make: Callable[[Path], Path], message: str, tmp_path: Path
) -> None:
    path = make(tmp_path)
    with pytest.raises(IngestError, match=message) as info:
        read_file(path)
    assert info.value.path == path and str(info.value).startswith(f"{path}: ") and "\n" not in str(info.value)


# --- a folder of mixed formats -----------------------------------------------------------------------------


def test_a_folder_of_txt_docx_html_and_pdf_is_indexed_and_searchable(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    (folder / "web").mkdir(parents=True)
    (folder / "hanyang-edu-2024.txt").write_bytes((CORPUS / "hanyang-edu-2024.txt").read_bytes())
    write_docx("heping-edu-2024", folder / "heping-edu-2024.docx", headings=True)
    (folder / "web" / "shanzhou-edu-2023.html").write_text(
        page_html("shanzhou-edu-2023", charset="utf-8"), encoding="utf-8"
    )
    (folder / "web" / "huangzhong-edu-2024.htm").write_bytes(
        page_html("huangzhong-edu-2024", charset="gb2312").encode("gb18030")
    )
    write_pdf("zhongzhan-edu-2024", folder / "zhongzhan-edu-2024.pdf")
    ids = {
        "hanyang-edu-2024": "hanyang-edu-2024",
        "heping-edu-2024": "heping-edu-2024",
        "shanzhou-edu-2023": "web/shanzhou-edu-2023",
        "huangzhong-edu-2024": "web/huangzhong-edu-2024",
        "zhongzhan-edu-2024": "zhongzhan-edu-2024",
    }
    assert [s.doc_id for s in discover([folder])] == sorted(ids.values())
    with Index.create(tmp_path / "index") as index:
        report = index.update([folder])
        assert (report.added, report.errors) == (5, ())
        assert len(index) == sum(len(reference(name).passages) for name in ids)
        for name, doc_id in ids.items():
            document = index.document(doc_id)
            assert (document.title, document.org, document.year) == (
                reference(name).document.title,
                reference(name).document.org,
                reference(name).document.year,
            )
        # a phrase found in one report only leads to that document, whatever its format
        for phrase, doc_id in [
            ("诚信宣教", "hanyang-edu-2024"),
            ("精准普法", "heping-edu-2024"),
            ("焕发法治教育活力", "web/shanzhou-edu-2023"),
            ("信访诉求表达渠道", "web/huangzhong-edu-2024"),
            ("抓实学校普法工作", "zhongzhan-edu-2024"),
        ]:
            hits = index.search(f'"{phrase}"', limit=50).hits
            assert hits and {hit.document.id for hit in hits} == {doc_id}, phrase
        assert index.update([folder]).unchanged == 5
