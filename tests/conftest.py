"""Shared fixtures: the five real seed reports in corpus/."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
REPORTS = sorted(CORPUS.glob("*.txt"))


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
