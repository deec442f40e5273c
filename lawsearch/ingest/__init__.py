"""Ingest: files → decoded text → cleaned lines → documents with passages and section paths.

read_file(path)          one file (a report: .txt, .docx, .pdf, .html; or .jsonl records) → [ParsedDocument]
parse_bytes(data, ...)   the same for bytes already read; the suffix of ``path`` picks the format
discover(paths)          the files to index under some paths, each with a stable document id
parse_report(text, ...)  pure: report text → ParsedDocument
parse_jsonl(text, ...)   pure: JSONL text → [ParsedDocument]

Word, PDF and web-page reports are first turned into report text, one paragraph a line, by their own module
(``docx.py``, ``pdf.py``, ``html.py``); ``parse_report`` then does the rest, as for a .txt report.
Word and PDF need the ``docx`` and ``pdf`` extras (``pip install 'lawsearch[formats]'`` for both).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

import attrs

from lawsearch.errors import IngestError
from lawsearch.ingest.decode import decode_bytes
from lawsearch.ingest.docx import read_docx
from lawsearch.ingest.html import read_html
from lawsearch.ingest.jsonl import parse_jsonl
from lawsearch.ingest.pdf import read_pdf
from lawsearch.ingest.report import parse_report, split_report
from lawsearch.models import ParsedDocument

__all__ = [
    "REPORT_SUFFIXES",
    "SUPPORTED_SUFFIXES",
    "SourceFile",
    "decode_bytes",
    "discover",
    "parse_bytes",
    "parse_jsonl",
    "parse_report",
    "read_file",
    "split_report",
]


class _FormatReader(Protocol):
    def __call__(self, data: bytes, *, path: str | Path) -> str: ...


# Formats that are turned into report text first, each by its own module: suffix → reader.
_FORMAT_READERS: dict[str, _FormatReader] = {
    ".docx": read_docx,
    ".pdf": read_pdf,
    ".html": read_html,
    ".htm": read_html,
}
REPORT_SUFFIXES = frozenset({".txt", ".text", *_FORMAT_READERS})
SUPPORTED_SUFFIXES = REPORT_SUFFIXES | {".jsonl"}


@attrs.frozen
class SourceFile:
    """A file to index: its resolved path and the document id its passages get (path below its root)."""

    path: Path
    doc_id: str


def discover(paths: Iterable[str | Path]) -> list[SourceFile]:
    """The supported files under the given files and folders, sorted, each with a stable document id.

    A folder's files get ids relative to that folder (``sub/report`` for ``sub/report.txt``); a file named
    directly gets its stem. Symlinks to folders are not followed.

    Raises:
        IngestError: a path does not exist, a named file has an unsupported suffix, or two files get one id.
    """
    found: dict[str, SourceFile] = {}
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise IngestError("no such file or folder; check the path", path=path)
        if path.is_dir():
            for file in _walk(path):
                _add(found, SourceFile(file.resolve(), file.relative_to(path).with_suffix("").as_posix()))
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            _add(found, SourceFile(path.resolve(), path.stem))
        else:
            raise IngestError(
                f"unsupported file type {path.suffix!r}; lawsearch reads {', '.join(sorted(SUPPORTED_SUFFIXES))}",
                path=path,
            )
    return sorted(found.values(), key=lambda source: source.doc_id)


def _walk(folder: Path) -> Iterator[Path]:
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            yield from _walk(entry)
        elif entry.is_file() and entry.suffix.lower() in SUPPORTED_SUFFIXES:
            yield entry


def _add(found: dict[str, SourceFile], source: SourceFile) -> None:
    other = found.get(source.doc_id)
    if other is not None and other.path != source.path:
        raise IngestError(
            f"two files would get the document id {source.doc_id!r} (also {other.path}); rename one of them",
            path=source.path,
        )
    found[source.doc_id] = source


def content_hash(data: bytes) -> str:
    """The hash that decides whether a file changed since it was indexed."""
    return hashlib.sha256(data).hexdigest()


def read_file(path: str | Path, *, doc_id: str | None = None) -> list[ParsedDocument]:
    """Read one report (.txt, .docx, .pdf, .html/.htm) or JSONL file into documents with passages.

    Raises:
        IngestError: the file cannot be read or decoded, is broken, needs a missing extra, or has no content.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(
            f"cannot read file ({exc.strerror}); check that it exists and is readable", path=path
        ) from None
    return parse_bytes(data, path=path, doc_id=doc_id or path.stem)


def parse_bytes(data: bytes, *, path: Path, doc_id: str) -> list[ParsedDocument]:
    """Decode and parse a file's bytes (the suffix of ``path`` picks the format: see ``SUPPORTED_SUFFIXES``).

    Raises:
        IngestError: as ``read_file``.
    """
    if not data.strip():
        raise IngestError("file is empty; there is nothing to index", path=path)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return parse_jsonl(decode_bytes(data, path=path), default_document=doc_id, path=path)
    reader = _FORMAT_READERS.get(suffix)
    text = reader(data, path=path) if reader is not None else decode_bytes(data, path=path)
    parsed = parse_report(text, doc_id=doc_id, path=str(path))
    if not parsed.passages:
        raise IngestError("no paragraphs of text found (only a title, chrome or blank lines)", path=path)
    return [parsed]
