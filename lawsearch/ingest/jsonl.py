"""JSONL passages from other tools: one JSON object a line, each one passage.

Fields: ``id`` (or ``docid``; required, string or integer), ``text`` (required, non-empty string),
optional ``title`` (the document title, e.g. the law's name; ``law`` is read as a title too),
``document`` (document id; default: the title, else the file name), ``section`` (or ``chapter``; string or list
of strings), ``article_no`` (a law article's number, 第十五条, or 15, "15", 第15条, which become 第十五条: it ends the
section path, so it is searchable),
``year`` (integer), ``org``, ``region``, ``province``, ``city`` (found from ``region`` where not given and its
name is of one county only: ``ingest.places``), ``collection``; any other scalar field is kept as metadata.
Passages of one document keep the order of their lines. Control characters in ``text`` (a ``\\u0000``) are dropped.

A bad line (not JSON, not an object, a missing or wrong field, an id an earlier line has) is one ``IngestError``
naming its line. ``parse_jsonl`` raises the first one, unless an ``on_error`` callback takes them: then each bad
line is passed to it and left out, and the good lines are kept (the first of two lines with one id is kept).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lawsearch.analysis import article_in_words, fold
from lawsearch.errors import IngestError
from lawsearch.ingest.clean import drop_control_characters
from lawsearch.ingest.places import Place, locate
from lawsearch.models import YEARS, Document, ParsedDocument, Passage

__all__ = ["parse_jsonl"]

_KNOWN = {
    "id",
    "docid",
    "text",
    "title",
    "law",
    "document",
    "section",
    "chapter",
    "article_no",
    "article",
    "year",
    "org",
    "region",
    "province",
    "city",
    "collection",
}


def parse_jsonl(
    text: str,
    *,
    default_document: str,
    path: str | Path = "<jsonl>",
    on_error: Callable[[IngestError], None] | None = None,
) -> list[ParsedDocument]:
    """Parse JSONL records into documents and passages, in first-seen order.

    ``on_error``: called with the error of each bad line, which is then left out; without it the first bad
    line raises.

    >>> errors = []
    >>> docs = parse_jsonl('{"id": 1, "text": "第一条"}\\n{"id": 1, "text": "重复"}', default_document="d",
    ...                    on_error=errors.append)
    >>> [p.text for d in docs for p in d.passages], [str(e) for e in errors]
    (['第一条'], ["<jsonl>:2: duplicate id '1' (first on line 1); ids must be unique"])

    Raises:
        IngestError: a line is not a JSON object, lacks ``id``/``text``, has a field of the wrong type,
            or repeats an id; the message names the line. Only without ``on_error``.
    """
    documents: dict[str, Document] = {}
    passages: dict[str, list[Passage]] = {}
    seen: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            passage_id, document, section, body = _record(line, default_document, path, number)
            if passage_id in seen:
                raise IngestError(
                    f"duplicate id {_shown(passage_id)} (first on line {seen[passage_id]}); ids must be unique",
                    path=path,
                    line=number,
                )
        except IngestError as exc:
            if on_error is None:
                raise
            on_error(exc)
            continue
        seen[passage_id] = number
        doc_id = document.id
        if doc_id not in documents:
            documents[doc_id] = document
            passages[doc_id] = []
        passages[doc_id].append(
            Passage(id=passage_id, document_id=doc_id, number=len(passages[doc_id]) + 1, text=body, section=section)
        )
    return [ParsedDocument(documents[key], passages[key]) for key in documents]


def _record(
    line: str, default_document: str, path: str | Path, number: int
) -> tuple[str, Document, tuple[str, ...], str]:
    """One line's passage id, document, section and text; every field is checked, not only the first record's."""
    record = _load(line, path, number)
    passage_id = _id(record, path, number)
    body = record.get("text")
    if isinstance(body, str):
        body = drop_control_characters(body).strip()
    if not isinstance(body, str) or not body:
        raise IngestError(
            f"record {_shown(passage_id)} needs a non-empty string 'text', got {_shown(record.get('text'))}",
            path=path,
            line=number,
        )
    region = _string(record, "region", path, number)
    province, city = _string(record, "province", path, number), _string(record, "city", path, number)
    place = locate(region) if region and not (province and city) else Place()
    title = _string(record, "title", path, number) or _string(record, "law", path, number)
    doc_id = _string(record, "document", path, number) or title or default_document
    document = Document(
        id=doc_id,
        title=title or doc_id,
        path=str(path),
        org=_string(record, "org", path, number),
        region=region,
        province=province or place.province,
        city=city or place.city,
        year=_year(record, path, number),
        collection=_string(record, "collection", path, number) or "records",
        metadata={k: v for k, v in record.items() if k not in _KNOWN and isinstance(v, (str, int, float))},
    )
    return passage_id, document, _section(record, path, number), body


def _load(line: str, path: str | Path, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise IngestError(f"invalid JSON ({exc.msg} at column {exc.colno})", path=path, line=number) from None
    except ValueError:  # Python refuses to convert integers of more than 4300 digits (CVE-2020-10735)
        raise IngestError("invalid JSON (a number of more than 4300 digits)", path=path, line=number) from None
    except RecursionError:
        raise IngestError("invalid JSON (arrays or objects nested too deep)", path=path, line=number) from None
    if not isinstance(record, dict):
        raise IngestError(f"expected a JSON object, got {type(record).__name__}", path=path, line=number)
    if "\\u" in line:  # only escapes can make a lone surrogate, which no file can store
        try:
            json.dumps(record, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise IngestError(
                f"invalid JSON (a lone surrogate {exc.object[exc.start : exc.end]!r} is no character)",
                path=path,
                line=number,
            ) from None
    return record


def _shown(value: Any) -> str:
    """``repr(value)``, shortened: a message is one line, whatever the record holds."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:59] + "…"


def _id(record: dict[str, Any], path: str | Path, number: int) -> str:
    value = record.get("id", record.get("docid"))
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
        raise IngestError(f"each record needs an 'id' (string or integer), got {_shown(value)}", path=path, line=number)
    return str(value).strip()


def _string(record: dict[str, Any], key: str, path: str | Path, number: int) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise IngestError(f"field {key!r} must be a string, got {_shown(value)}", path=path, line=number)
    return value.strip()


def _year(record: dict[str, Any], path: str | Path, number: int) -> int | None:
    value = record.get("year")
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value in YEARS:
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and int(value) in YEARS:
        return int(value)
    raise IngestError(f"field 'year' must be an integer like 2024, got {_shown(value)}", path=path, line=number)


def _section(record: dict[str, Any], path: str | Path, number: int) -> tuple[str, ...]:
    return _section_path(record, path, number) + _article(record, path, number)


def _section_path(record: dict[str, Any], path: str | Path, number: int) -> tuple[str, ...]:
    value = record.get("section", record.get("chapter"))
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value.strip(),)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(item.strip() for item in value if item.strip())
    raise IngestError(
        f"field 'section' must be a string or a list of strings, got {_shown(value)}", path=path, line=number
    )


def _article(record: dict[str, Any], path: str | Path, number: int) -> tuple[str, ...]:
    """A law article's number (``article_no``: 第十五条) ends its section path, so it can be searched for; a number
    in digits is written as laws write it (第15条, "15" and 15 become 第十五条), so it is found as one."""
    value = record.get("article_no", record.get("article"))
    if value is None or value == "":
        return ()
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10000:
        value = str(value)
    if isinstance(value, str):
        text = value.strip()
        folded = fold(text)
        numbered = f"第{folded}条" if folded.isascii() and folded.isdigit() and 0 < int(folded) < 10000 else folded
        in_words = article_in_words(numbered)
        return (in_words if in_words != folded else text,) if text else ()
    raise IngestError(
        f"field 'article_no' must be a string like 第十五条 or a number from 1 to 9999, got {_shown(value)}",
        path=path,
        line=number,
    )
