"""Bytes → text: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030; line endings unified."""

from __future__ import annotations

import codecs
from pathlib import Path

from lawsearch.errors import IngestError

__all__ = ["decode_bytes"]

# Control characters other than tab/newline/carriage return mark a binary file, not a report.
_BINARY_BYTES = frozenset(range(9)) | frozenset(range(14, 32)) - {27}


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
            raise IngestError(
                "looks like a binary file (control bytes), not a text report; "
                "convert it to UTF-8 text or remove it from the corpus",
                path=path,
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode(data, "gb18030", path, tried="UTF-8 or GB18030")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    return any(b in _BINARY_BYTES for b in head)


def _decode(data: bytes, encoding: str, path: str | Path, *, tried: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"cannot decode as {tried} (bad byte at offset {exc.start}); save the file as UTF-8",
            path=path,
        ) from None
