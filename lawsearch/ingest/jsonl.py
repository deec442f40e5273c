"""JSONL passages from other tools: one JSON object a line, each one passage.

Fields: ``id`` (or ``docid``; required, string or integer), ``text`` (required, non-empty string),
optional ``title`` (the document title, e.g. the law's name; ``law`` is read as a title too),
``document`` (document id; default: the title, else the file name), ``section`` (string or list of strings),
``year`` (integer), ``org``, ``region``, ``collection``; any other scalar field is kept as metadata.
Passages of one document keep the order of their lines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lawsearch.errors import IngestError
from lawsearch.models import Document, ParsedDocument, Passage

__all__ = ["parse_jsonl"]

_KNOWN = {"id", "docid", "text", "title", "law", "document", "section", "year", "org", "region", "collection"}


def parse_jsonl(text: str, *, default_document: str, path: str | Path = "<jsonl>") -> list[ParsedDocument]:
    """Parse JSONL records into documents and passages, in first-seen order.

    Raises:
        IngestError: a line is not a JSON object, lacks ``id``/``text``, has a field of the wrong type,
            or repeats an id; the message names the line.
    """
    documents: dict[str, Document] = {}
    passages: dict[str, list[Passage]] = {}
    seen: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        record = _load(line, path, number)
        passage_id = _id(record, path, number)
        if passage_id in seen:
            raise IngestError(
                f"duplicate id {passage_id!r} (first on line {seen[passage_id]}); ids must be unique",
                path=path,
                line=number,
            )
        seen[passage_id] = number
        body = record.get("text")
        if not isinstance(body, str) or not body.strip():
            raise IngestError(
                f"record {passage_id!r} needs a non-empty string 'text', got {body!r}", path=path, line=number
            )
        title = _string(record, "title", path, number) or _string(record, "law", path, number)
        doc_id = _string(record, "document", path, number) or title or default_document
        # Validate every record's fields, not only those of the first record of each document.
        document = Document(
            id=doc_id,
            title=title or doc_id,
            path=str(path),
            org=_string(record, "org", path, number),
            region=_string(record, "region", path, number),
            year=_year(record, path, number),
            collection=_string(record, "collection", path, number) or "records",
            metadata={k: v for k, v in record.items() if k not in _KNOWN and isinstance(v, (str, int, float))},
        )
        section = _section(record, path, number)
        if doc_id not in documents:
            documents[doc_id] = document
            passages[doc_id] = []
        passages[doc_id].append(
            Passage(
                id=passage_id,
                document_id=doc_id,
                number=len(passages[doc_id]) + 1,
                text=body.strip(),
                section=section,
            )
        )
    return [ParsedDocument(documents[key], passages[key]) for key in documents]


def _load(line: str, path: str | Path, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise IngestError(f"invalid JSON ({exc.msg} at column {exc.colno})", path=path, line=number) from None
    if not isinstance(record, dict):
        raise IngestError(f"expected a JSON object, got {type(record).__name__}", path=path, line=number)
    return record


def _id(record: dict[str, Any], path: str | Path, number: int) -> str:
    value = record.get("id", record.get("docid"))
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
        raise IngestError(f"each record needs an 'id' (string or integer), got {value!r}", path=path, line=number)
    return str(value).strip()


def _string(record: dict[str, Any], key: str, path: str | Path, number: int) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise IngestError(f"field {key!r} must be a string, got {value!r}", path=path, line=number)
    return value.strip()


def _year(record: dict[str, Any], path: str | Path, number: int) -> int | None:
    value = record.get("year")
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)
    raise IngestError(f"field 'year' must be an integer like 2024, got {value!r}", path=path, line=number)


def _section(record: dict[str, Any], path: str | Path, number: int) -> tuple[str, ...]:
    value = record.get("section", record.get("chapter"))
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value.strip(),)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(item.strip() for item in value if item.strip())
    raise IngestError(f"field 'section' must be a string or a list of strings, got {value!r}", path=path, line=number)
