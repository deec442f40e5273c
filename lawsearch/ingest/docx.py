"""Word .docx → report text: one paragraph a line, tables one row a line, in document order.

Opens the file with python-docx (the ``docx`` extra) and reads the body's XML: the text of tracked insertions,
content controls, smart tags, fields and nested tables is kept (python-docx's ``Paragraph.text`` drops it), that of
deletions is not. Page headers and footers, footnotes and text boxes are left out; a line break inside a
paragraph starts a new line, as it would in a .txt copy.
Numbering that Word generates (automatic 一、 / 1. list numbers) is not part of the text and is not restored.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lawsearch.errors import IngestError

__all__ = ["SAVE_AS_DOCX", "read_docx"]

#: How to turn a document lawsearch cannot read (.doc, .wps, .rtf, .odt) into one it can.
SAVE_AS_DOCX = (
    "save it as .docx first (in Word or WPS: Save As, .docx; many at once: soffice --headless --convert-to docx FILES)"
)

# Word saves a password-protected .docx, and every old binary .doc, as an OLE compound file, not a zip;
# an encrypted one holds its zip as the stream "EncryptedPackage" (MS-OFFCRYPTO).
_COMPOUND_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def read_docx(data: bytes, *, path: str | Path) -> str:
    """The report text of a .docx file.

    Raises:
        IngestError: python-docx is not installed, or the file is not a Word .docx (an old .doc, a broken zip,
            a password-protected document).
    """
    if data.startswith(_COMPOUND_FILE):
        if _ENCRYPTED_PACKAGE in data:
            raise IngestError(
                "the .docx is protected with a password; open it, remove the password "
                "(Word: File › Info › Protect Document › Encrypt with Password, clear it; WPS: File › Document "
                "Encryption) and save, or index an unprotected copy",
                path=path,
            )
        raise IngestError(f"this is an old binary Word .doc file named .docx; {SAVE_AS_DOCX}", path=path)
    try:
        import docx
    except ImportError:
        raise IngestError(".docx files need python-docx: pip install 'lawsearch[docx]'", path=path) from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx lets zipfile, KeyError and lxml errors through on a broken file
        reason = str(exc).splitlines()[0][:120] if str(exc) else ""
        raise IngestError(
            f"cannot open as a Word .docx file ({type(exc).__name__}: {reason}); "
            "an old .doc or a .wps file must be saved as .docx first",
            path=path,
        ) from None
    return "\n".join(_blocks(document.element.body))


# WordprocessingML elements by their qualified names (``{namespace}tag``)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# Content of a paragraph that is not its text: text boxes (drawn shapes, and the fallback copy of each for old
# readers), deleted and moved-away text of tracked changes, field codes (w:instrText, never w:t)
_NOT_TEXT = frozenset(
    {f"{_W}txbxContent", f"{_MC}Fallback", f"{_W}del", f"{_W}moveFrom", f"{_W}pPr", f"{_W}rPr", f"{_W}rt"}
)  # w:rt: the phonetic guide over characters (ruby), not the text


def _blocks(container: Any) -> Iterator[str]:
    """The lines of the body (or a cell): a paragraph a line, a table a line per row.

    Walks the XML rather than python-docx's objects, whose ``Paragraph.text`` leaves out what sits inside tracked
    insertions (w:ins), content controls (w:sdt), smart tags and simple fields, and whose body skips block-level
    content controls: text a report has, which must not be lost.
    """
    for element in _children(container, (f"{_W}p", f"{_W}tbl")):
        if element.tag == f"{_W}p":
            yield _paragraph_text(element)
        else:
            yield from _table_rows(element)


def _paragraph_text(paragraph: Any) -> str:
    """A paragraph's text as Word shows it: its runs in order, tabs, line breaks as new lines."""
    parts: list[str] = []
    _collect_text(paragraph, parts)
    return "".join(parts)


def _collect_text(element: Any, parts: list[str]) -> None:
    for child in element.iterchildren():
        tag = child.tag
        if not isinstance(tag, str) or tag in _NOT_TEXT:
            continue  # comments and processing instructions have no str tag
        if tag == f"{_W}t":
            parts.append(child.text or "")
        elif tag in (f"{_W}tab", f"{_W}ptab"):
            parts.append("\t")
        elif tag == f"{_W}cr" or (tag == f"{_W}br" and child.get(f"{_W}type") in (None, "textWrapping")):
            parts.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
        else:
            _collect_text(child, parts)  # runs, w:ins, w:sdtContent, w:smartTag, w:fldSimple, w:hyperlink …


def _children(element: Any, tags: tuple[str, ...]) -> Iterator[Any]:
    """The children of ``element`` with one of ``tags``, also those inside content controls around them (a
    paragraph, table, row or cell in a w:sdt)."""
    for child in element.iterchildren():
        if child.tag in tags:
            yield child
        elif child.tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"):
            yield from _children(child, tags)


def _table_rows(table: Any) -> Iterator[str]:
    """A row a line, its cells' texts joined by spaces (a cell's own tables inside it, flattened)."""
    for row in _children(table, (f"{_W}tr",)):
        cells = [" ".join(" ".join(_blocks(cell)).split()) for cell in _children(row, (f"{_W}tc",))]
        # a cell merged over several rows (w:vMerge) is empty in the rows after its first; one over several
        # columns (w:gridSpan) is one w:tc
        text = " ".join(cell for cell in cells if cell)
        if text:
            yield text
