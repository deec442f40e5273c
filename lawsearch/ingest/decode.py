"""Bytes → text: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030; line endings unified.

A file is binary, not a report, when more than 1 in 100 of its first 8 KB are control bytes (a PNG, a zip, UTF-16
without a byte-order mark …). A few stray control bytes in a text file (a NUL or Ctrl-Z left by a conversion) do
not make it binary: ``clean.py`` cuts them out of the text.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from lawsearch.errors import IngestError

__all__ = ["decode_bytes"]

# Control bytes other than tab, line breaks, form feed and escape (ANSI colour codes): many of them mark a binary file.
_BINARY_BYTES = bytes(sorted(set(range(9)) | set(range(14, 32)) - {27}))
_SNIFF_BYTES = 8192
# What a report is made of: ASCII, CJK punctuation, ideographs and full-width forms.
_TEXT_LIKE = re.compile(r"[\t\n\r\x20-\x7e\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def decode_bytes(data: bytes, *, path: str | Path = "<bytes>") -> str:
    """Decode a report's bytes and unify line endings to ``\\n``.

    >>> decode_bytes("法治\\r\\n".encode("gb18030"))
    '法治\\n'

    Raises:
        IngestError: the bytes are empty, binary, or neither UTF-8, UTF-16 (with BOM) nor GB18030.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode(data, "utf-16", path, tried="UTF-16 (it starts with a UTF-16 byte-order mark)")
    elif data.startswith(codecs.BOM_UTF8):
        text = _decode(data[len(codecs.BOM_UTF8) :], "utf-8", path, tried="UTF-8 (it starts with a UTF-8 BOM)")
    else:
        if _looks_binary(data):
            if _looks_like_utf16(data):
                raise IngestError(
                    "looks like UTF-16 text without a byte-order mark; save it as UTF-8 (or UTF-16 with a BOM)",
                    path=path,
                )
            raise IngestError(
                "looks like a binary file (control bytes), not a text report; "
                "convert it to UTF-8 text or remove it from the corpus",
                path=path,
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as utf8:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError as gb18030:
                # Both offsets: the one further on tells which encoding the file is mostly in.
                raise IngestError(
                    f"cannot decode as UTF-8 (bad byte at offset {utf8.start}) or GB18030 (at offset "
                    f"{gb18030.start}); save the file as UTF-8",
                    path=path,
                ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _looks_binary(data: bytes) -> bool:
    head = data[:_SNIFF_BYTES]
    controls = len(head) - len(head.translate(None, _BINARY_BYTES))
    return controls > len(head) // 100


def _looks_like_utf16(data: bytes) -> bool:
    """The head reads as Chinese or ASCII text in UTF-16 (random bytes read as characters all over the table)."""
    head = data[: _SNIFF_BYTES & ~1]
    for codec in ("utf-16-le", "utf-16-be"):
        text = head.decode(codec, errors="replace")
        if len(_TEXT_LIKE.findall(text)) > 0.95 * len(text):
            return True
    return False


def _decode(data: bytes, encoding: str, path: str | Path, *, tried: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"cannot decode as {tried} (bad byte at offset {exc.start}); save the file as UTF-8",
            path=path,
        ) from None
