"""Ingest: files → decoded text → cleaned lines → documents with passages and section paths.

read_file(path)          one file (a report: .txt, .docx, .pdf, .html; or .jsonl records) → [ParsedDocument]
read_bytes(path)         a file's bytes, or an IngestError that says why not
parse_bytes(data, ...)   the same as read_file for bytes already read; the suffix of ``path`` picks the format
discover(paths)          the files to index under some paths, each with a stable document id
path_text(path)          a path as text that can be stored and printed, also when its name is not UTF-8
parse_report(text, ...)  pure: report text → ParsedDocument
parse_jsonl(text, ...)   pure: JSONL text → [ParsedDocument]

Word, PDF and web-page reports are first turned into report text, one paragraph a line, by their own module
(``docx.py``, ``pdf.py``, ``html.py``); ``parse_report`` then does the rest, as for a .txt report.
Word and PDF need the ``docx`` and ``pdf`` extras (``pip install 'lawsearch[formats]'`` for both).

Bad input is an ``IngestError`` that names the file (and the line, for JSONL). Where one bad part need not sink
the rest — a bad line of a JSONL file, a file of a folder that ``discover`` skips — the functions take an
``on_error`` callback: each such error is passed to it and that part left out; without it, the first one raises.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Protocol

import attrs

from lawsearch.analysis import lone_surrogate
from lawsearch.errors import IngestError, InvalidArgumentError
from lawsearch.ingest.decode import decode_bytes
from lawsearch.ingest.docx import SAVE_AS_DOCX, read_docx
from lawsearch.ingest.html import read_html
from lawsearch.ingest.jsonl import parse_jsonl
from lawsearch.ingest.pdf import read_pdf
from lawsearch.ingest.report import parse_report, split_report
from lawsearch.models import ParsedDocument

__all__ = [
    "CONVERT_FIRST",
    "INGEST_VERSION",
    "REPORT_SUFFIXES",
    "SUPPORTED_SUFFIXES",
    "SourceFile",
    "decode_bytes",
    "discover",
    "parse_bytes",
    "parse_jsonl",
    "parse_report",
    "path_text",
    "read_bytes",
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
#: Document formats that reports come in but lawsearch cannot read: in a folder they are reported (with how to
#: convert them), not passed over like the folder's images and spreadsheets.
CONVERT_FIRST = frozenset({".doc", ".wps", ".rtf", ".odt"})


def _convert_first(suffix: str) -> str:
    return f"a {suffix.lower()} document, which lawsearch cannot read; {SAVE_AS_DOCX}"


# Word and WPS keep "~$" + the document's name (its first characters replaced) beside a document that is open:
# 162 bytes of the user's name, no document
_OFFICE_LOCK = "~$"


@attrs.frozen
class SourceFile:
    """A file to index: its resolved path and the document id its passages get (path below its root)."""

    path: Path
    doc_id: str


def discover(paths: Iterable[str | Path], *, on_error: Callable[[IngestError], None] | None = None) -> list[SourceFile]:
    """The supported files under the given files and folders, sorted, each with a stable document id.

    A folder's files get ids relative to that folder (``sub/report`` for ``sub/report.txt``); a file named
    directly gets its stem. Hidden files and folders (``.name``) and the lock files of open Word/WPS documents
    (``~$name.docx``) are left out; a document of a folder that must be converted first (``CONVERT_FIRST``:
    ``.doc``, ``.wps`` …) is an error for ``on_error``, other files are passed over. Symlinks to folders are
    not followed (so a link to a parent folder is no loop).
    A symlinked file in a folder is skipped when it links outside that folder or to nothing, and so is a
    folder that cannot be listed: the error goes to ``on_error`` (or is raised); to index a linked file from
    elsewhere, name it as a path. A link to a file that is indexed anyway is left out quietly, so that no file
    is indexed twice.

    Raises:
        IngestError: a path does not exist, a named file has an unsupported suffix; without ``on_error``, also a
            file of a folder that is skipped (or must be converted first), and a second file of one id.
    """
    found: dict[str, SourceFile] = {}
    paths_found: set[Path] = set()
    # Links in folders are decided last: a link to a file that is indexed anyway (in the folder, or named as
    # a path) is left out quietly, so that file keeps its own id and is indexed once.
    links: list[tuple[SourceFile, IngestError | None]] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise IngestError("no such file or folder; check the path", path=path)
        if path.is_dir():
            root = path.resolve()
            for file in _walk(path, on_error):
                doc_id = _readable(file.relative_to(path).with_suffix("").as_posix())
                if file.suffix.lower() in CONVERT_FIRST:
                    unreadable = IngestError(_convert_first(file.suffix), path=file)
                    if on_error is None:
                        raise unreadable
                    on_error(unreadable)
                elif file.is_symlink():
                    links.append(_follow(file, root, doc_id))
                else:
                    _add(found, SourceFile(file.resolve(), doc_id), paths_found, on_error)
        elif path.name.startswith(_OFFICE_LOCK):
            raise IngestError(
                f"is the lock file that Word or WPS keeps while a document is open ({_OFFICE_LOCK}…), not a "
                "document; index the document itself",
                path=path,
            )
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            _add(found, SourceFile(path.resolve(), _readable(path.stem)), paths_found, on_error)
        elif path.suffix.lower() in CONVERT_FIRST:
            raise IngestError(_convert_first(path.suffix), path=path)
        else:
            raise IngestError(
                f"unsupported file type {path.suffix!r}; lawsearch reads {', '.join(sorted(SUPPORTED_SUFFIXES))}",
                path=path,
            )
    for link, error in links:
        if link.path in paths_found:
            continue
        if error is None:
            _add(found, link, paths_found, on_error)
        elif on_error is None:
            raise error
        else:
            on_error(error)
    return sorted(found.values(), key=lambda source: source.doc_id)


def _walk(folder: Path, on_error: Callable[[IngestError], None] | None) -> Iterator[Path]:
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        error = IngestError(f"cannot read folder ({exc.strerror or exc}); its files are not indexed", path=folder)
        if on_error is None:
            raise error from None
        on_error(error)
        return
    for entry in entries:
        if entry.name.startswith((".", _OFFICE_LOCK)):  # hidden files; the lock files of open Word/WPS documents
            continue
        if entry.is_symlink():
            if entry.suffix.lower() in SUPPORTED_SUFFIXES and not entry.is_dir():
                yield entry  # a link to a file, or a broken one: discover decides
        elif entry.is_dir():
            yield from _walk(entry, on_error)
        elif entry.is_file() and entry.suffix.lower() in SUPPORTED_SUFFIXES | CONVERT_FIRST:
            yield entry  # CONVERT_FIRST: for discover to say so, since a folder of .doc reports is no folder of images


def _follow(link: Path, root: Path, doc_id: str) -> tuple[SourceFile, IngestError | None]:
    """The file a symlink in the folder ``root`` leads to, and why it is not indexed (None: it is)."""
    try:
        target = Path(os.path.realpath(link))
        is_file = target.is_file()
        to = os.readlink(link)
    except OSError:  # a loop of links (some Pythons raise it from realpath); a link removed meanwhile
        target, is_file, to = link, False, "?"
    if not is_file:
        return SourceFile(link, doc_id), IngestError(f"is a broken link (to {to}); fix or remove it", path=link)
    if root not in target.parents:
        return SourceFile(target, doc_id), IngestError(
            f"links outside the corpus (to {target}); it is not indexed: name that file as a PATH to index it",
            path=link,
        )
    return SourceFile(target, doc_id), None


def _add(
    found: dict[str, SourceFile],
    source: SourceFile,
    paths: set[Path],
    on_error: Callable[[IngestError], None] | None,
) -> None:
    """Add a file under its id, unless it is there already (named twice, or through a link): once is enough.
    A second file of one id (``r.txt`` of two folders) is an error for ``on_error``: the first one is kept."""
    if source.path in paths:
        return
    paths.add(source.path)
    other = found.get(source.doc_id)
    if other is not None:
        clash = IngestError(
            f"two files would get the document id {source.doc_id!r} (also {other.path}); rename one of them, "
            "or index their folders into separate indexes",
            path=source.path,
        )
        if on_error is None:
            raise clash
        on_error(clash)
        return
    found[source.doc_id] = source


def path_text(path: str | Path) -> str:
    r"""``path`` as text that can be stored, compared and printed: ``str(path)``, unless a name in it is not UTF-8.

    Python keeps each byte of a file name that is not UTF-8 (a GBK name unpacked from a Windows zip archive) as a
    lone surrogate, which can be neither stored nor printed as UTF-8; here such bytes become ``\xb1`` escapes, so
    the text still names that one file (as ``ls -b`` shows it).

    >>> path_text("/reports/报告.txt")
    '/reports/报告.txt'
    >>> path_text(os.fsdecode("/reports/".encode() + "报告".encode("gbk") + b".txt"))
    '/reports/\\xb1\\xa8\\xb8\\xe6.txt'
    """
    text = str(path)
    if lone_surrogate(text) is None:
        return text
    return os.fsencode(text).decode("utf-8", "backslashreplace")


def _readable(name: str) -> str:
    """A document id made from a file name: each part of it that is not UTF-8 read as GB18030 if it is that
    (the names of Windows archives unpacked on Linux), else with U+FFFD for each byte that is neither."""
    if lone_surrogate(name) is None:
        return name
    parts = []
    for part in name.split("/"):
        raw = os.fsencode(part)
        try:
            parts.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                parts.append(raw.decode("gb18030"))
            except UnicodeDecodeError:
                parts.append(raw.decode("utf-8", "replace"))
    return "/".join(parts)


#: Bump when ingest makes other documents or passages of the same bytes (a title found otherwise, a law's articles
#: split otherwise): ``content_hash`` includes it, so an index reads its files again at its next update instead of
#: keeping what the older rules made of them (searching an index does not update it; ``lawsearch search`` without
#: ``--index`` updates the bundled reports' first).
# 1: the version joins the hash; laws numbered in digits (第1条) are split by articles and their 公布 notice is one
#    passage (2026-12-01)
# 2: a report's province and city; a report whose title names a city has no county from its text (2026-12-01)
INGEST_VERSION = 2


def content_hash(data: bytes) -> str:
    """The hash that decides whether a file must be read again since it was indexed: of its bytes, and of
    ``INGEST_VERSION``."""
    digest = hashlib.sha256(f"lawsearch ingest {INGEST_VERSION}\0".encode())
    digest.update(data)
    return digest.hexdigest()


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a file.

    Raises:
        IngestError: the file cannot be read (permission denied, gone, a folder …); the message says why.
    """
    path = Path(path)
    try:
        return path.read_bytes()
    except PermissionError:
        raise IngestError(
            "cannot read file: permission denied; make it readable or remove it from the corpus", path=path
        ) from None
    except OSError as exc:
        raise IngestError(
            f"cannot read file ({exc.strerror or exc}); check that it exists and is readable", path=path
        ) from None


def read_file(
    path: str | Path, *, doc_id: str | None = None, on_error: Callable[[IngestError], None] | None = None
) -> list[ParsedDocument]:
    """Read one report (.txt, .docx, .pdf, .html/.htm) or JSONL file into documents with passages.

    ``on_error``: as for ``parse_bytes``.

    Raises:
        IngestError: the file cannot be read or decoded, is broken, needs a missing extra, or has no content.
    """
    path = Path(path)
    return parse_bytes(read_bytes(path), path=path, doc_id=doc_id or _readable(path.stem), on_error=on_error)


def parse_bytes(
    data: bytes, *, path: Path, doc_id: str, on_error: Callable[[IngestError], None] | None = None
) -> list[ParsedDocument]:
    """Decode and parse a file's bytes (the suffix of ``path`` picks the format: see ``SUPPORTED_SUFFIXES``).

    ``on_error``: called with the error of each bad line of a JSONL file, which is then left out (the other
    lines are kept, and a file of bad lines only gives ``[]``); without it the first bad line raises.

    Raises:
        IngestError: as ``read_file``; for a JSONL file, a bad line unless ``on_error`` takes it.
    """
    try:
        return _parse_bytes(data, path=path, doc_id=doc_id, on_error=on_error)
    except InvalidArgumentError as exc:  # a document or passage field the file cannot give (Document checks)
        raise IngestError(str(exc), path=path) from None


def _parse_bytes(
    data: bytes, *, path: Path, doc_id: str, on_error: Callable[[IngestError], None] | None
) -> list[ParsedDocument]:
    if not data.strip():
        raise IngestError("file is empty; there is nothing to index", path=path)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        text = decode_bytes(data, path=path)
        return parse_jsonl(text, default_document=doc_id, path=path_text(path), on_error=on_error)
    reader = _FORMAT_READERS.get(suffix)
    text = reader(data, path=path) if reader is not None else decode_bytes(data, path=path)
    parsed = parse_report(text, doc_id=doc_id, path=path_text(path))
    if not parsed.passages:
        raise IngestError("no paragraphs of text found (only a title, chrome or blank lines)", path=path)
    return [parsed]
