"""Word .docx → report text: one paragraph a line, tables one row a line, in document order.

Reads the document body with python-docx (the ``docx`` extra). Page headers and footers, footnotes and text
boxes are left out; a line break inside a paragraph starts a new line, as it would in a .txt copy.
Numbering that Word generates (automatic 一、 / 1. list numbers) is not part of the text and is not restored.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from lawsearch.errors import IngestError

if TYPE_CHECKING:
    from docx.table import Table

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
        from docx.table import Table
        from docx.text.paragraph import Paragraph
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
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.extend(_table_rows(block))
    return "\n".join(lines)


def _table_rows(table: Table) -> Iterator[str]:
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            # A merged cell is returned once for every grid column it spans.
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            yield " ".join(cells)
