"""PDF with a text layer → report text: characters → lines by position → paragraphs, one a line.

pdfminer.six gives every character with its box. Characters are put into lines by their vertical position and
ordered left to right (content-stream order is not reading order: word processors write a line's quotes and
digits, set in another font, after the rest of it). Page numbers and running headers are dropped, then the lines
a paragraph was wrapped into are joined again (``join_lines``) so that ``parse_report`` sees one paragraph a line,
as in a .txt report. Scanned PDFs (no text layer), encrypted and broken files raise ``IngestError``.
"""

from __future__ import annotations

import bisect
import io
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from lawsearch.errors import IngestError

if TYPE_CHECKING:
    from pdfminer.layout import LTChar, LTPage

__all__ = ["TextLine", "join_lines", "read_pdf"]

# A heading marker at a line start (一、 （一） 1. (1)): after a finished sentence it starts a paragraph.
_HEADING = re.compile(
    r"^([一二三四五六七八九十]{1,3}\s*[、.．]|[（(]\s*[一二三四五六七八九十0-9０-９]{1,3}\s*[）)]|[0-9]{1,2}\s*[.．、](?![0-9]))"
)
_SENTENCE_END = re.compile(r"[。！？；：!?;:]\s*$")
# Page furniture: "- 3 -", "第 3 页 共 9 页", "3/9", "Page 3 of 9".
_PAGE_NUMBER = re.compile(
    r"^[-—–~·\s]*(第\s*)?[0-9]+\s*页?\s*([/／]\s*[0-9]+|共\s*[0-9]+\s*页)?[-—–~·\s]*$|^page\s*[0-9]+(\s*(of|/)\s*[0-9]+)?$",
    re.IGNORECASE,
)
_UNMAPPED = re.compile(r"^\(cid:\d+\)$")


@attrs.frozen
class TextLine:
    """One line of text on a page, with its box in PDF points (y grows upwards) and its font size."""

    text: str
    x0: float
    x1: float
    y0: float
    size: float


def read_pdf(data: bytes, *, path: str | Path) -> str:
    """The report text of a PDF's text layer: one paragraph a line, headings on lines of their own.

    Raises:
        IngestError: pdfminer.six is not installed, the PDF is encrypted or broken, or it has no text layer.
    """
    pages = _drop_furniture(_read_pages(data, path))
    if not any(page for page in pages):
        raise IngestError(
            "the PDF has no text layer (a scanned image?); run OCR on it first (e.g. ocrmypdf) or index a text copy",
            path=path,
        )
    return "\n".join(join_lines(pages))


def _read_pages(data: bytes, path: str | Path) -> list[list[TextLine]]:
    try:
        from pdfminer.converter import PDFPageAggregator
        from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError
        from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
        from pdfminer.pdfpage import PDFPage
        from pdfminer.pdfparser import PDFParser
    except ImportError:
        raise IngestError(".pdf files need pdfminer.six: pip install 'lawsearch[pdf]'", path=path) from None
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        resources = PDFResourceManager()
        device = PDFPageAggregator(resources, laparams=None)  # no layout analysis: the raw characters
        interpreter = PDFPageInterpreter(resources, device)
        pages: list[list[LTChar]] = []
        for page in PDFPage.create_pages(document):
            interpreter.process_page(page)
            pages.append(list(_chars(device.get_result())))
    except PDFEncryptionError:
        raise IngestError(
            "the PDF is encrypted with a password; save an unencrypted copy (e.g. qpdf --decrypt) and index that",
            path=path,
        ) from None
    except Exception as exc:  # pdfminer raises many kinds (syntax, EOF, KeyError, zlib …) on a broken file
        reason = str(exc).splitlines()[0][:120] if str(exc) else ""
        raise IngestError(
            f"cannot read the PDF ({type(exc).__name__}: {reason}); check that the file is a complete, valid PDF",
            path=path,
        ) from None
    total = sum(len(chars) for chars in pages)
    unmapped = sum(1 for chars in pages for char in chars if _UNMAPPED.match(char.get_text()))
    if unmapped > total // 10:
        raise IngestError(
            f"the PDF's text layer cannot be decoded ({unmapped} of {total} characters have no Unicode mapping); "
            "run OCR on it (e.g. ocrmypdf) or index a text copy",
            path=path,
        )
    return [_lines([char for char in chars if not _UNMAPPED.match(char.get_text())]) for chars in pages]


def _chars(container: LTPage) -> Iterator[LTChar]:
    from pdfminer.layout import LTChar, LTContainer

    stack: list[object] = [container]
    while stack:
        item = stack.pop()
        if isinstance(item, LTChar):
            if item.upright and item.get_text():
                yield item
        elif isinstance(item, LTContainer):
            stack.extend(reversed(list(item)))


def _lines(chars: Sequence[LTChar]) -> list[TextLine]:
    """Group a page's characters into lines, top to bottom, each read left to right."""
    lines: list[TextLine] = []
    group: list[LTChar] = []
    middle = 0.0
    for char in sorted(chars, key=lambda c: -(c.y0 + c.y1) / 2):
        center = (char.y0 + char.y1) / 2
        if group and abs(middle - center) > 0.5 * min(char.height, group[0].height):
            lines.append(_line(group))
            group = []
        if not group:
            middle = center
        group.append(char)
    if group:
        lines.append(_line(group))
    return [line for line in lines if line.text.strip()]


def _line(chars: list[LTChar]) -> TextLine:
    chars.sort(key=lambda c: c.x0)
    size = statistics.median(c.size for c in chars)
    parts: list[str] = []
    previous: LTChar | None = None
    for char in chars:
        text = char.get_text()
        if previous is not None:
            if text == previous.get_text() and abs(char.x0 - previous.x0) < 0.3 * char.width:
                continue  # drawn twice, slightly offset: fake bold
            gap = char.x0 - previous.x1
            # Word processors leave a little room between Chinese and Latin text; only a wider gap is a space.
            wide = _is_wide(text) or _is_wide(previous.get_text())
            if gap > (size if wide else 0.2 * size) and not text.isspace() and not previous.get_text().isspace():
                parts.append(" ")
        parts.append(text)
        previous = char
    return TextLine("".join(parts), chars[0].x0, chars[-1].x1, min(c.y0 for c in chars), size)


def _is_wide(text: str) -> bool:
    return bool(text) and unicodedata.east_asian_width(text[0]) in "WF"


def _drop_furniture(pages: list[list[TextLine]]) -> list[list[TextLine]]:
    """Drop page numbers, and running headers and footers: first or last lines on at least half of the pages."""
    counts: Counter[str] = Counter()
    for page in pages:
        counts.update({_furniture_key(line) for line in page[:1] + page[-1:]})
    repeated = {key for key, n in counts.items() if n >= 2 and n * 2 >= len(pages)}

    def is_furniture(line: TextLine) -> bool:
        return bool(_PAGE_NUMBER.match(line.text.strip())) or _furniture_key(line) in repeated

    kept: list[list[TextLine]] = []
    for page in pages:
        start, end = 0, len(page)
        # a running header is one line: a second line of the same text under it is the page's own (the title
        # on the first page, when the header repeats it)
        seen: set[str] = set()
        while start < end and is_furniture(page[start]) and _furniture_key(page[start]) not in seen:
            seen.add(_furniture_key(page[start]))
            start += 1
        seen.clear()
        while end > start and is_furniture(page[end - 1]) and _furniture_key(page[end - 1]) not in seen:
            seen.add(_furniture_key(page[end - 1]))
            end -= 1
        kept.append(page[start:end])
    return kept


def _furniture_key(line: TextLine) -> str:
    return re.sub(r"[0-9]+", "#", re.sub(r"\s+", "", line.text))


@attrs.frozen
class _Frame:
    """Where a page's text block lies: its left and right edges, the body font size and the line pitch."""

    left: float
    right: float
    em: float
    pitch: float


def join_lines(pages: Sequence[Sequence[TextLine]]) -> list[str]:
    """Join the lines a paragraph was wrapped into; return one paragraph a string, in reading order.

    A line continues the one before it when that one runs to the right edge of the text block, the line is
    not indented (a first-line indent or a centred title starts a paragraph), no wider gap or change of font
    size lies between them, and it does not open with a heading marker right after a finished sentence.

    >>> page = [TextLine("一、总体情况", 96, 168, 700, 12), TextLine("全年共办理事项一百件，比上年", 96, 300, 680, 12),
    ...         TextLine("增加十件。", 72, 132, 660, 12)]
    >>> join_lines([page])
    ['一、总体情况', '全年共办理事项一百件，比上年增加十件。']
    """
    everything = [line for page in pages for line in page]
    if not everything:
        return []
    fallback = _frame(everything, None)
    paragraphs: list[str] = []
    previous: tuple[TextLine, _Frame] | None = None
    for page in pages:
        frame = _frame(page, fallback) if len(page) >= 3 else fallback
        for number, line in enumerate(page):
            if previous is not None and _continues(*previous, line, frame, same_page=number > 0):
                paragraphs[-1] = _glue(paragraphs[-1], line.text)
            else:
                paragraphs.append(line.text)
            previous = (line, frame)
    return [paragraph.strip() for paragraph in paragraphs]


def _frame(lines: Sequence[TextLine], fallback: _Frame | None) -> _Frame:
    em = fallback.em if fallback else statistics.median(line.size for line in lines)
    left = min(line.x0 for line in lines)
    # The right edge: the furthest line end that at least two other lines come within one em of.
    ends = sorted(line.x1 for line in lines)
    right = next(
        (
            x
            for x in reversed(ends)
            if bisect.bisect_right(ends, x) - bisect.bisect_left(ends, x - em) >= min(3, len(ends))
        ),
        fallback.right if fallback else ends[-1],
    )
    steps = [a.y0 - b.y0 for a, b in zip(lines, lines[1:]) if 0 < a.y0 - b.y0 < 3 * em]
    pitch = statistics.median(steps) if steps else (fallback.pitch if fallback else 0.0)
    return _Frame(left, right, em, pitch)


def _continues(before: TextLine, frame_before: _Frame, line: TextLine, frame: _Frame, *, same_page: bool) -> bool:
    if before.x1 < frame_before.right - 2.5 * frame_before.em:
        return False  # the line before ends short of the edge: its paragraph ended there
    if line.x0 > frame.left + 0.8 * frame.em:
        return False  # indented or centred
    if same_page and frame.pitch and before.y0 - line.y0 > 1.3 * frame.pitch:
        return False  # paragraph spacing
    if abs(line.size - before.size) > 0.15 * max(line.size, before.size):
        return False  # a title or heading in another size
    return not (_SENTENCE_END.search(before.text) and _HEADING.match(line.text.strip()))


def _glue(text: str, more: str) -> str:
    # Latin words were wrapped at a space, which the line break swallowed; Chinese is wrapped anywhere.
    if text[-1:].isascii() and text[-1:].isalpha() and more[:1].isascii() and more[:1].isalpha():
        return f"{text} {more}"
    return text + more
