"""Search: parse the query, select matching passages with whoosh, rank them with BM25F, attach highlights.

Matching and ranking are separate steps:

1. The syntax tree (``query.py``) decides *which* passages match, evaluated on sets of whoosh document
   numbers: words match in body, title or section headings; phrases on the phrase field; filters on their fields.
2. Every matching passage is scored with BM25F over the body, title and section fields (Robertson & Zaragoza,
   "The Probabilistic Relevance Framework: BM25 and Beyond", 2009): for each query term the field term
   frequencies are length-normalized per field, weighted, summed, and saturated once::

       tf~(t, d) = Σ_f  w_f · tf(t, f, d) / (1 − b_f + b_f · len(f, d) / avglen(f))
       score(d)  = coord(d) · Σ_t  idf(t) · tf~ · (k1 + 1) / (k1 + tf~)
       idf(t)    = ln(1 + (N − df + 0.5) / (df + 0.5))     df: passages with t in any scored field
       coord(d)  = (matched query terms / query terms) ** coordination

   Coordination ranks passages that match more of a long natural-language query first, so
   ``查处了多少家违规培训机构`` needs no AND. Filters and NOT clauses never change a score.
3. The requested page is loaded and highlighted (``highlight.py``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import attrs
from whoosh import query as wq

from lawsearch.analysis import make_char_analyzer, query_terms
from lawsearch.errors import InvalidArgumentError
from lawsearch.highlight import find_spans, highlight
from lawsearch.models import Hit, SearchResults
from lawsearch.query import And, Field, Node, Not, Or, Phrase, Soft, Words, parse_query
from lawsearch.schema import BODY, CHARS, SCORED_FIELDS, SECTION, TITLE

if TYPE_CHECKING:
    from lawsearch.index import Index

__all__ = ["MAX_LIMIT", "Plan", "Weights", "compile_query", "search"]

MAX_LIMIT = 1000


@attrs.frozen
class Weights:
    """BM25F parameters: per-field weights and length normalization, k1, and the coordination exponent."""

    body: float = 1.0
    title: float = 2.0
    section: float = 1.5
    b_body: float = 0.75
    b_title: float = 0.5
    b_section: float = 0.5
    k1: float = 1.2
    coordination: float = 1.0

    def __attrs_post_init__(self) -> None:
        for field in attrs.fields(Weights):
            value = getattr(self, field.name)
            if not isinstance(value, (int, float)) or value < 0 or math.isnan(value):
                raise InvalidArgumentError(f"weight {field.name!r} must be a number >= 0, got {value!r}")
        for name in ("b_body", "b_title", "b_section"):
            if getattr(self, name) > 1:
                raise InvalidArgumentError(f"{name!r} must be between 0 and 1, got {getattr(self, name)!r}")

    def field(self, name: str) -> tuple[float, float]:
        """``(weight, b)`` of a scored field."""
        return float(getattr(self, name)), float(getattr(self, f"b_{name}"))


@attrs.frozen
class Plan:
    """A parsed query with the terms that score and highlight, and its phrases."""

    node: Node
    terms: tuple[str, ...]
    phrases: tuple[str, ...]


def search(
    index: Index,
    query: str,
    *,
    page: int = 1,
    limit: int = 10,
    weights: Weights | None = None,
    fragments: int = 1,
    fragment_chars: int = 160,
) -> SearchResults:
    """Ranked, highlighted passages for ``query``; ``page`` is 1-based, ``limit`` hits per page.

    Raises:
        QuerySyntaxError: the query is malformed.
        InvalidArgumentError: page or limit out of range.
    """
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise InvalidArgumentError(f"page must be an integer >= 1, got {page!r}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidArgumentError(f"limit must be an integer from 1 to {MAX_LIMIT}, got {limit!r}")
    weights = weights or Weights()
    plan = compile_query(parse_query(query))
    from lawsearch.index import document_from_stored, passage_from_stored

    with index.searcher() as searcher:
        reader = searcher.reader()
        live: list[set[int]] = []

        def everything() -> set[int]:
            if not live:
                live.append(set(reader.all_doc_ids()))
            return live[0]

        candidates = _matching(searcher, plan.node, everything)
        scores = _bm25f(searcher, candidates, plan.terms, weights)
        ranked = sorted(candidates, key=lambda docnum: (-scores.get(docnum, 0.0), docnum))
        first = (page - 1) * limit
        hits = []
        for rank, docnum in enumerate(ranked[first : first + limit], start=first + 1):
            fields = searcher.stored_fields(docnum)
            passage = passage_from_stored(fields)
            spans, frags = highlight(passage.text, plan.terms, plan.phrases, max_chars=fragment_chars, count=fragments)
            section_spans = find_spans(passage.section_path, plan.terms) if passage.section else ()
            hits.append(
                Hit(
                    rank=rank,
                    score=round(scores.get(docnum, 0.0), 6),
                    passage=passage,
                    document=document_from_stored(fields),
                    spans=spans,
                    fragments=frags,
                    section_spans=section_spans,
                )
            )
    return SearchResults(query=query, total=len(candidates), page=page, limit=limit, hits=tuple(hits))


# --- compiling and matching ------------------------------------------------------------------------------------


def compile_query(node: Node) -> Plan:
    """Collect a syntax tree's scoring terms and phrases (pure: needs no index)."""
    terms: dict[str, None] = {}
    phrases: dict[str, None] = {}
    _collect(node, terms, phrases, negated=False)
    return Plan(node=node, terms=tuple(terms), phrases=tuple(phrases))


def _collect(node: Node, terms: dict[str, None], phrases: dict[str, None], *, negated: bool) -> None:
    if isinstance(node, (Words, Phrase)):
        if not negated:
            terms.update(dict.fromkeys(query_terms(node.text)))
            if isinstance(node, Phrase):
                phrases[node.text] = None
    elif isinstance(node, Not):
        _collect(node.child, terms, phrases, negated=not negated)
    elif isinstance(node, (And, Or, Soft)):
        for child in node.children:
            _collect(child, terms, phrases, negated=negated)


def _matching(searcher: Any, node: Node, everything: Callable[[], set[int]]) -> set[int]:
    """The live document numbers that match ``node``.

    Boolean structure is evaluated on sets here rather than by whoosh's compound matchers: whoosh 2.7's
    AndNot matcher drops exclusions coming from a numeric range (``法治副校长 NOT year:2024`` kept 2024 hits).
    """
    if isinstance(node, Words):
        found: set[int] = set()
        for term in query_terms(node.text):
            found |= _term_docs(searcher, term)
        return found
    if isinstance(node, Phrase):
        units = [token.text for token in make_char_analyzer()(node.text)]
        if not units:
            return set()
        query = wq.Term(CHARS, units[0]) if len(units) == 1 else wq.Phrase(CHARS, units)
        return set(query.docs(searcher))
    if isinstance(node, Field):
        return _filter_docs(searcher, node)
    if isinstance(node, Not):
        return everything() - _matching(searcher, node.child, everything)
    if isinstance(node, And):
        result = _matching(searcher, node.children[0], everything)
        for child in node.children[1:]:
            if not result:
                break
            result &= _matching(searcher, child, everything)
        return result
    if isinstance(node, Or):
        return set().union(*(_matching(searcher, child, everything) for child in node.children))
    assert isinstance(node, Soft)
    optional = [c for c in node.children if not isinstance(c, (Field, Not))]
    result = set().union(*(_matching(searcher, c, everything) for c in optional)) if optional else set(everything())
    for child in node.children:
        if isinstance(child, Field) and result:
            result &= _matching(searcher, child, everything)
        elif isinstance(child, Not) and result:
            result -= _matching(searcher, child.child, everything)
    return result


def _term_docs(searcher: Any, term: str) -> set[int]:
    reader = searcher.reader()
    found: set[int] = set()
    for field in SCORED_FIELDS:
        if (field, term) in reader:
            found.update(reader.postings(field, term).all_ids())
    return found


def _filter_docs(searcher: Any, node: Field) -> set[int]:
    if node.years is not None:
        first, last = node.years
        return set(wq.NumericRange("year", first, last).docs(searcher))
    if node.name in ("doc", "collection"):
        field = "doc_id" if node.name == "doc" else "collection"
        return set(wq.Term(field, node.value).docs(searcher))
    words = query_terms(node.value)
    if not words:
        return set()
    reader = searcher.reader()
    result: set[int] | None = None
    for word in words:
        docs = set(reader.postings(node.name, word).all_ids()) if (node.name, word) in reader else set()
        result = docs if result is None else result & docs
    return result or set()


# --- ranking ---------------------------------------------------------------------------------------------------


def _bm25f(searcher: Any, candidates: set[int], terms: Iterable[str], weights: Weights) -> dict[int, float]:
    terms = list(terms)
    if not candidates or not terms:
        return {}
    reader = searcher.reader()
    total = max(1, searcher.doc_count())
    average = {f: max(reader.field_length(f) / total, 1e-9) for f in SCORED_FIELDS}
    scores: dict[int, float] = defaultdict(float)
    matched: dict[int, int] = defaultdict(int)
    for term in terms:
        combined: dict[int, float] = defaultdict(float)
        containing: set[int] = set()
        for field in (BODY, TITLE, SECTION):
            weight, b = weights.field(field)
            if (field, term) not in reader:
                continue
            for docnum, tf in reader.postings(field, term).items_as("frequency"):
                containing.add(docnum)
                if docnum in candidates and weight:
                    length = reader.doc_field_length(docnum, field, 0)
                    combined[docnum] += weight * tf / (1 - b + b * length / average[field])
        df = len(containing)
        idf = math.log(1 + (total - df + 0.5) / (df + 0.5))
        k1 = weights.k1
        for docnum, tf_tilde in combined.items():
            scores[docnum] += idf * tf_tilde * (k1 + 1) / (k1 + tf_tilde)
            matched[docnum] += 1
    exponent = weights.coordination
    return {docnum: score * (matched[docnum] / len(terms)) ** exponent for docnum, score in scores.items()}
