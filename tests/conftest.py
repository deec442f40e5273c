"""Shared fixtures: the five real seed reports in corpus/."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
REPORTS = sorted(CORPUS.glob("*.txt"))
GOLDEN = Path(__file__).resolve().parent / "golden"


def parse_seed(name: str) -> Any:
    """The one ParsedDocument of the seed report ``name`` (e.g. hanyang-edu-2024)."""
    from lawsearch.ingest import read_file

    (parsed,) = read_file(CORPUS / f"{name}.txt", doc_id=name)
    return parsed


def assert_golden(file_name: str, view: object) -> None:
    """``view`` equals the reviewed golden file ``tests/golden/<file_name>``; LAWSEARCH_REGEN_GOLDEN=1 rewrites it."""
    path = GOLDEN / file_name
    if os.environ.get("LAWSEARCH_REGEN_GOLDEN"):
        path.write_text(json.dumps(view, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert view == json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One index of the five seed reports for the whole test session (read-only: do not write to it)."""
    from lawsearch.index import Index

    index = Index.create(tmp_path_factory.mktemp("seed-index") / "index")
    report = index.update([CORPUS])
    assert report.added == 5 and not report.errors
    yield index
    index.close()


LAWS = Path(__file__).resolve().parent / "data" / "cited-laws.jsonl"


@pytest.fixture(scope="session")
def reports_and_laws(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One index of the five reports and the articles of six laws they cite (read-only: do not write to it)."""
    from lawsearch.index import Index

    index = Index.create(tmp_path_factory.mktemp("reports-and-laws") / "index")
    report = index.update([CORPUS, LAWS])
    assert not report.errors
    yield index
    index.close()
