"""The systems under test: how each one builds its index and answers a query. Runs inside a worker process.

Each system has a ``build`` (corpus file → index folder) and a ``serve`` (open the index folder, return the
query variants to time); ``rjieba`` has a ``tokenize`` comparison instead. Third-party imports happen inside
the functions, so a missing package only skips its own system and import time is measured per process.

* ``lawsearch`` — the public API only: ``Index.create(dir).update([corpus.jsonl])``, ``Index.open(dir)``,
  ``index.search(q, limit=10)`` (highlights are computed inside search) and, without highlights,
  ``search(q, limit=10, fragments=0)`` when search accepts it (spans are still computed then).
* ``stock`` — the recipe from jieba's README: whoosh + ``jieba.analyse.ChineseAnalyzer`` on a stored body,
  ``QueryParser("body", group=OrGroup)``, top 10, ``hit.highlights("body")`` for highlights; also the default
  (AND) QueryParser with highlights.
* ``whoosh`` — whoosh alone on lawsearch's tokens joined by spaces (``SpaceSeparatedTokenizer``), an OR of
  ``Term`` queries: what whoosh's storage costs without any analyzer work.
* ``bm25s`` — ``bm25s.BM25(method="lucene")`` on lawsearch's tokens; bare ``get_scores`` + ``np.argpartition``
  top 10, and ``retrieve(k=10)``.
* ``tantivy`` — tantivy-py, a ``whitespace``-tokenized field of lawsearch's tokens joined by spaces; the query
  is the query tokens, each quoted, OR-ed by ``parse_query``.
* ``rjieba`` — tokenizer alone: ``rjieba.cut`` against ``jieba.Tokenizer().cut`` (both HMM on) on the same texts.

"lawsearch's tokens" are ``lawsearch.analysis.index_terms(text)`` for articles and ``query_terms(q)`` for
queries: the same jieba words (with sub-words and stop words removed) lawsearch indexes, so the peers rank the
same terms and only the engines differ.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.corpus import read_records, record_id
from benchmarks.measure import stopwatch

__all__ = ["BUILDERS", "REQUIREMENTS", "SERVERS", "TOKENIZER_SYSTEMS", "Serving", "Variant", "compare_tokenizers"]

TOP_K = 10

# A query variant: the prepared query (text, or tokens) → the ids of the top-10 passages.
Variant = Callable[[Any], list[str]]


@dataclasses.dataclass(frozen=True)
class Serving:
    """An opened index, ready to time: named variants (the first is the headline figure) and a query preparer.

    ``highlighting`` names the variants that also compute highlights; ``prepare`` runs untimed before the
    variants (tokenizing the query for the pre-tokenized systems, whose figures are then the bare engine's);
    ``unsupported`` lists exceptions that mean "this variant does not exist in this version" (then it is
    reported as such, not as failing queries); ``info`` goes into the result as is.
    """

    variants: dict[str, Variant]
    highlighting: tuple[str, ...] = ()
    prepare: Callable[[str], Any] | None = None
    unsupported: tuple[type[BaseException], ...] = ()
    info: dict[str, Any] = dataclasses.field(default_factory=dict)


# --- tokens shared by the pre-tokenized systems -----------------------------------------------------------------


def _quiet_imports() -> None:
    # jieba 0.42 imports pkg_resources (deprecated), and compiling its source (when pip did not) warns of invalid
    # escapes (lawsearch.analysis.import_jieba); it logs its dictionary load to stderr.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*pkg_resources.*")
    warnings.filterwarnings("ignore", message="invalid escape sequence", category=SyntaxWarning)


def tokenize_corpus(corpus: Path) -> tuple[list[str], list[list[str]], dict[str, Any]]:
    """Ids and lawsearch index tokens of every record, and the time taken: dictionary load, reading, cutting."""
    _quiet_imports()
    with stopwatch() as load:
        from lawsearch.analysis import index_terms

        index_terms("法")  # loads the dictionary
    segmenter = _lawsearch_segmenter()
    with stopwatch() as read:
        records = list(read_records(corpus))
    with stopwatch() as cut:
        tokens = [index_terms(str(record["text"])) for record in records]
    ids = [record_id(record) for record in records]
    timing = {
        "segmenter": segmenter,
        "tokenizer_load_s": load.seconds,
        "read_s": read.seconds,
        "cut_s": cut.seconds,
        "tokenize_s": load.seconds + read.seconds + cut.seconds,
        "tokens": sum(map(len, tokens)),
    }
    return ids, tokens, timing


def query_tokenizer() -> Callable[[str], list[str]]:
    _quiet_imports()
    from lawsearch.analysis import query_terms

    return query_terms


# --- lawsearch -----------------------------------------------------------------------------------------------------


def build_lawsearch(corpus: Path, index_dir: Path) -> dict[str, Any]:
    _quiet_imports()
    with stopwatch() as imports:
        import lawsearch
    with stopwatch() as build:
        index = lawsearch.Index.create(index_dir)
        report = index.update([corpus])
        index.close()
    if report.errors:
        raise RuntimeError(f"lawsearch could not index {corpus}: {report.errors[0]}")
    return {
        "import_s": imports.seconds,
        "index_s": build.seconds,
        "passages": report.passages,
        "segmenter": _lawsearch_segmenter(),
        "compiled": _lawsearch_compiled(),
    }


def _lawsearch_compiled() -> bool | None:
    """Whether lawsearch runs its compiled loops (``lawsearch/_speedups.c``); None for a version without them."""
    try:
        from lawsearch.compiled import COMPILED
    except ImportError:
        return None
    return COMPILED


def _lawsearch_segmenter() -> str:
    from lawsearch import analysis

    backend = getattr(analysis, "segmenter_backend", None)
    return str(backend()) if callable(backend) else "jieba"


def serve_lawsearch(index_dir: Path) -> Serving:
    _quiet_imports()
    import lawsearch

    index = lawsearch.Index.open(index_dir)

    def highlights(query: str) -> list[str]:
        # spans and fragments are computed inside search; the hits carry them
        return [hit.passage.id for hit in index.search(query, limit=TOP_K).hits]

    def no_highlights(query: str) -> list[str]:
        return [hit.passage.id for hit in index.search(query, limit=TOP_K, fragments=0).hits]

    return Serving(
        {"highlights": highlights, "fragments=0": no_highlights},
        highlighting=("highlights",),
        unsupported=(TypeError, lawsearch.InvalidArgumentError),
        info={"segmenter": _lawsearch_segmenter(), "compiled": _lawsearch_compiled(), "passages": len(index)},
    )


# --- the stock recipe: whoosh + jieba.analyse.ChineseAnalyzer -------------------------------------------------------


def build_stock(corpus: Path, index_dir: Path) -> dict[str, Any]:
    _quiet_imports()
    with stopwatch() as imports:
        import whoosh.index
        from jieba.analyse import ChineseAnalyzer
        from whoosh.fields import ID, TEXT, Schema
    with stopwatch() as build:
        schema = Schema(id=ID(stored=True), body=TEXT(stored=True, analyzer=ChineseAnalyzer()))
        index_dir.mkdir(parents=True, exist_ok=True)
        index = whoosh.index.create_in(str(index_dir), schema)
        writer = index.writer()
        for record in read_records(corpus):
            writer.add_document(id=record_id(record), body=str(record["text"]))
        writer.commit()
    return {"import_s": imports.seconds, "index_s": build.seconds}


def serve_stock(index_dir: Path) -> Serving:
    _quiet_imports()
    import jieba.analyse  # noqa: F401  (the stored schema's analyzer is unpickled from it)
    import whoosh.index
    from whoosh.qparser import OrGroup, QueryParser

    index = whoosh.index.open_dir(str(index_dir))
    searcher = index.searcher()
    or_parser = QueryParser("body", index.schema, group=OrGroup)
    and_parser = QueryParser("body", index.schema)

    def run(parser: Any, query: str, highlight: bool) -> list[str]:
        results = searcher.search(parser.parse(query), limit=TOP_K)
        ids = []
        for hit in results:
            ids.append(hit["id"])
            if highlight:
                hit.highlights("body")
        return ids

    return Serving(
        {
            "highlights": lambda q: run(or_parser, q, True),
            "no highlights": lambda q: run(or_parser, q, False),
            "AND parser, highlights": lambda q: run(and_parser, q, True),
        },
        highlighting=("highlights", "AND parser, highlights"),
        info={"documents": searcher.doc_count()},
    )


# --- whoosh alone on lawsearch's tokens ---------------------------------------------------------------------------


def build_whoosh(corpus: Path, index_dir: Path) -> dict[str, Any]:
    ids, tokens, timing = tokenize_corpus(corpus)
    with stopwatch() as imports:
        import whoosh.index
        from whoosh.analysis import SpaceSeparatedTokenizer
        from whoosh.fields import ID, TEXT, Schema
    with stopwatch() as build:
        schema = Schema(id=ID(stored=True), body=TEXT(analyzer=SpaceSeparatedTokenizer()))
        index_dir.mkdir(parents=True, exist_ok=True)
        index = whoosh.index.create_in(str(index_dir), schema)
        writer = index.writer()
        for doc_id, doc_tokens in zip(ids, tokens):
            writer.add_document(id=doc_id, body=" ".join(doc_tokens))
        writer.commit()
    return {**timing, "import_s": imports.seconds, "index_s": build.seconds}


def serve_whoosh(index_dir: Path) -> Serving:
    import whoosh.index
    from whoosh.query import Or, Term

    index = whoosh.index.open_dir(str(index_dir))
    searcher = index.searcher()

    def top10(tokens: list[str]) -> list[str]:
        if not tokens:
            return []
        query = Or([Term("body", token) for token in dict.fromkeys(tokens)])
        return [hit["id"] for hit in searcher.search(query, limit=TOP_K)]

    return Serving({"top-10": top10}, prepare=query_tokenizer())


# --- bm25s ---------------------------------------------------------------------------------------------------------

_BM25S_IDS = "lawsearch-bench-ids.json"


def build_bm25s(corpus: Path, index_dir: Path) -> dict[str, Any]:
    ids, tokens, timing = tokenize_corpus(corpus)
    with stopwatch() as imports:
        import bm25s  # type: ignore[import-untyped]
    with stopwatch() as indexing:
        retriever = bm25s.BM25(method="lucene")
        retriever.index(tokens, show_progress=False)
    with stopwatch() as saving:
        retriever.save(str(index_dir), show_progress=False)
        (index_dir / _BM25S_IDS).write_text(json.dumps(ids), encoding="utf-8")
    return {
        **timing,
        "import_s": imports.seconds,
        "index_s": indexing.seconds + saving.seconds,
        "save_s": saving.seconds,
        "vocabulary": len(retriever.vocab_dict),
    }


def serve_bm25s(index_dir: Path) -> Serving:
    import bm25s
    import numpy as np

    retriever = bm25s.BM25.load(str(index_dir), show_progress=False)
    ids: list[str] = json.loads((index_dir / _BM25S_IDS).read_text(encoding="utf-8"))
    k = min(TOP_K, len(ids))

    def bare(tokens: list[str]) -> list[str]:
        if not tokens:
            return []
        scores = retriever.get_scores(tokens)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [ids[i] for i in top]

    def retrieve(tokens: list[str]) -> list[str]:
        if not tokens:
            return []
        documents, _scores = retriever.retrieve([tokens], k=k, show_progress=False)
        return [ids[i] for i in documents[0]]

    return Serving({"get_scores + top-k": bare, "retrieve": retrieve}, prepare=query_tokenizer())


# --- tantivy -------------------------------------------------------------------------------------------------------


def _tantivy_schema(tantivy: Any) -> Any:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("body", stored=False, tokenizer_name="whitespace")
    return builder.build()


def build_tantivy(corpus: Path, index_dir: Path) -> dict[str, Any]:
    ids, tokens, timing = tokenize_corpus(corpus)
    with stopwatch() as imports:
        import tantivy
    with stopwatch() as build:
        index_dir.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(_tantivy_schema(tantivy), path=str(index_dir))
        writer = index.writer()  # tantivy's defaults: 128 MB heap, one indexing thread per core
        for doc_id, doc_tokens in zip(ids, tokens):
            writer.add_document(tantivy.Document(id=doc_id, body=" ".join(doc_tokens)))
        writer.commit()
        writer.wait_merging_threads()
    return {**timing, "import_s": imports.seconds, "index_s": build.seconds}


def _quote(token: str) -> str:
    return '"' + token.replace("\\", "\\\\").replace('"', '\\"') + '"'


def serve_tantivy(index_dir: Path) -> Serving:
    import tantivy

    index = tantivy.Index.open(str(index_dir))
    index.reload()
    searcher = index.searcher()

    def top10(tokens: list[str]) -> list[str]:
        if not tokens:
            return []
        query = index.parse_query(" ".join(_quote(t) for t in dict.fromkeys(tokens)), ["body"])
        return [searcher.doc(address)["id"][0] for _score, address in searcher.search(query, TOP_K).hits]

    return Serving({"top-10": top10}, prepare=query_tokenizer(), info={"documents": searcher.num_docs})


# --- rjieba against jieba: the tokenizer alone ----------------------------------------------------------------------


def compare_tokenizers(corpus: Path) -> dict[str, Any]:
    """MB/s of jieba and rjieba cutting the same texts (accurate mode, HMM on) and how often they agree."""
    _quiet_imports()
    texts = [str(record["text"]) for record in read_records(corpus)]
    size = sum(len(text.encode("utf-8")) for text in texts)
    with stopwatch() as jieba_import:
        import jieba
    with stopwatch() as jieba_load:
        segmenter = jieba.Tokenizer()
        segmenter.initialize()
    with stopwatch() as jieba_cut:
        expected = [list(segmenter.cut(text, HMM=True)) for text in texts]
    with stopwatch() as rjieba_import:
        import rjieba  # rjieba 0.2 builds a segmenter here already, for its module-level rjieba.cut
    with stopwatch() as rjieba_load:
        fast = rjieba.Jieba()  # a segmenter of one's own, as jieba.Tokenizer() above: the dictionary load
    with stopwatch() as rjieba_cut:
        actual = [fast.cut(text, True) for text in texts]
    identical = sum(a == b for a, b in zip(actual, expected))
    return {
        "texts": len(texts),
        "text_bytes": size,
        "identical": identical,
        "tokenizers": {
            "jieba": _tokenizer_figures(jieba_import.seconds, jieba_load.seconds, jieba_cut.seconds, size),
            "rjieba": _tokenizer_figures(rjieba_import.seconds, rjieba_load.seconds, rjieba_cut.seconds, size),
        },
    }


def _tokenizer_figures(import_s: float, load_s: float, cut_s: float, size: int) -> dict[str, Any]:
    return {"import_s": import_s, "load_s": load_s, "cut_s": cut_s, "mb_per_s": size / 1e6 / cut_s if cut_s else None}


# --- the registry --------------------------------------------------------------------------------------------------

BUILDERS: dict[str, Callable[[Path, Path], dict[str, Any]]] = {
    "lawsearch": build_lawsearch,
    "stock": build_stock,
    "whoosh": build_whoosh,
    "bm25s": build_bm25s,
    "tantivy": build_tantivy,
}
SERVERS: dict[str, Callable[[Path], Serving]] = {
    "lawsearch": serve_lawsearch,
    "stock": serve_stock,
    "whoosh": serve_whoosh,
    "bm25s": serve_bm25s,
    "tantivy": serve_tantivy,
}
TOKENIZER_SYSTEMS = ("rjieba",)

#: The modules each system needs (checked with importlib.util.find_spec before a worker is started).
REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "lawsearch": ("lawsearch",),
    "stock": ("whoosh", "jieba"),
    "whoosh": ("whoosh", "lawsearch"),
    "bm25s": ("bm25s", "numpy", "lawsearch"),
    "tantivy": ("tantivy", "lawsearch"),
    "rjieba": ("rjieba", "jieba"),
}
