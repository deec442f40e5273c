"""Search: parse the query, select matching passages, rank them with BM25F, attach highlights.

Everything runs on the in-memory ranking core (``ranking.py``); whoosh is not touched while searching.
Matching and ranking are separate steps:

1. The syntax tree (``query.py``) decides *which* passages match, as boolean masks over the core's passages:
   words match in body, title or section headings; a phrase is found by scanning the folded text (its
   characters in order, punctuation and spaces between them allowed); filters use their fields. The
   sub-words of keywords (``Plan.rank_only``) are scored but match nothing by themselves.
2. Every matching passage is scored with BM25F over the body, title and section fields (Robertson & Zaragoza,
   "The Probabilistic Relevance Framework: BM25 and Beyond", 2009): for each query term the field term
   frequencies are length-normalized per field, weighted, summed, and saturated once::

       tf~(t, d) = Σ_f  w_f · tf(t, f, d) / (1 − b_f + b_f · len(f, d) / avglen(f))
       score(d)  = coord(d) · Σ_t  idf(t) · tf~ · (k1 + 1) / (k1 + tf~)      (Weights.lucene: no (k1 + 1))
       idf(t)    = ln(1 + (N − df + 0.5) / (df + 0.5))     df: passages with t in any scored field
       coord(d)  = (matched query terms / query terms) ** coordination

   Coordination ranks passages that match more of a long natural-language query first, so
   ``查处了多少家违规培训机构`` needs no AND. Filters and NOT clauses never change a score.
3. With ``semantic=True`` (``Weights.semantic`` > 0) the scores are fused with a sentence-embedding model's
   cosine similarity to the query, weighed by how much of the query the best lexical match leaves unsaid,
   and a question takes in the passages nearest in meaning (``_fuse``; the model and the passage vectors:
   ``semantic.py``).
4. The top ``page × limit`` are picked with a partial sort; only the requested page is highlighted.

``Weights.bm25()`` is plain BM25 on the body field with Lucene's formula; ``tests/test_ranking.py`` checks it
against bm25s (``method="lucene"``) to 1e-4.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import count
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs
import numpy as np
import numpy.typing as npt

from lawsearch.analysis import (
    analyze_query,
    fold,
    is_article_word,
    make_char_analyzer,
    query_terms,
    searched_text,
)
from lawsearch.citations import extract_citations
from lawsearch.compiled import speedups
from lawsearch.errors import InvalidArgumentError
from lawsearch.highlight import Matcher, best_fragments, matcher, phrase_pattern
from lawsearch.models import SORTS, Explanation, Facet, Hit, SearchResults, SplitWord, TermScore, trusted_hit
from lawsearch.query import And, Field, Node, Not, Or, Phrase, Soft, Words, filter_nodes, parse_query
from lawsearch.ranking import SCORED_FIELDS, Core, row_entry
from lawsearch.sections import KINDS, QUERY_KIND_WORDS
from lawsearch.semantic import load_model

if TYPE_CHECKING:
    from lawsearch.index import Index

__all__ = [
    "FACETS",
    "MAX_LIMIT",
    "SEMANTIC_WEIGHT",
    "SPLIT_EXAMPLES",
    "Fusion",
    "Plan",
    "Weights",
    "compile_query",
    "explain",
    "facet_counts",
    "search",
    "split_words",
]

MAX_LIMIT = 1000
#: The largest weight ``Weights`` takes: far above any useful one, far below what would overflow a score.
MAX_WEIGHT = 1000


@attrs.frozen(cache_hash=True)  # hashed by each search (its fields and score tables are cached by weights)
class Weights:
    """BM25F parameters: per-field weights and length normalization, k1, and the coordination exponent."""

    body: float = 1.0
    title: float = 2.0
    section: float = 1.5
    b_body: float = 0.75
    b_title: float = 0.5
    b_section: float = 0.5
    k1: float = 1.2
    coordination: float = 0.0
    subwords: float = 0.4
    expansion: float = 0.4
    kind: float = 1.0
    single: float = 0.5
    lucene: bool = False
    #: what an occurrence of a term counts in the body's tf when the passage has it only inside the titles it
    #: cites 《…》, not ending one (行政处罚 in a passage that lists 《中华人民共和国行政处罚法》 among the laws
    #: studied; ``analysis.cited_tokens``): the passage cites a law about it, it is not about it
    cited: float = 0.3
    #: the weight of an expansion whose words are all missing from the index (罚款 for 罚 where no passage has
    #: the word 罚): it stands in for what was typed (0: weighs ``expansion`` like any other)
    stand_in: float = 1.0
    #: λ of the fusion with the sentence-embedding model, before the query's coverage scales it (0: lexical only;
    #: ``search(semantic=True)``: ``SEMANTIC_WEIGHT``)
    semantic: float = 0.0
    #: a keyword that jieba cuts in two (经济补偿 → 经济 补偿, 执法队伍 → 执法 队伍) matches the passages that have
    #: both parts, and those that say it whole gain ``phrase`` × the idf of saying it, as a section kind's boost
    #: (``_compound``); 0: a passage with either part matches and none gains, as in plain BM25
    phrase: float = 1.0
    #: a document the query names by its title (劳动合同法 in 劳动合同法第三十九条, 民法典, 刑法 第20条: a stretch of
    #: the query between word boundaries that is a document's title, as ``cites:`` spells it): its passages gain
    #: ``named`` × the idf of its share of the passages, as a section kind's boost (``_named_boosts``), so
    #: 民法典第九条 is the 民法典's and not that of a judicial interpretation whose title also says 民法典
    named: float = 1.0
    #: a law's article the query names by its number (第三十九条 in 劳动合同法第三十九条; 第39条 is searched as
    #: 第三十九条): the passages that are that article (their section path ends in it, as a law's articles' do)
    #: gain ``article`` × the idf of their share of the passages, as a section kind's boost (``_article_boosts``),
    #: so the article itself comes before the articles and reports that cite it (``benchmarks.lookups``: of 2,870
    #: lookups of the law corpus the article came first for 0.998 at 2, 0.994 at 1, 0.978 at 0)
    article: float = 2.0

    @classmethod
    def bm25(cls, *, k1: float = 1.2, b: float = 0.75) -> Weights:
        """Plain BM25 on the body field as Lucene computes it: no title, section, coordination or expansion."""
        return cls(
            title=0.0,
            section=0.0,
            b_body=b,
            k1=k1,
            coordination=0.0,
            subwords=0.0,
            expansion=0.0,
            kind=0.0,
            single=1.0,
            lucene=True,
            cited=1.0,
            stand_in=0.0,
            phrase=0.0,
            named=0.0,
            article=0.0,
        )

    def __attrs_post_init__(self) -> None:
        for field in attrs.fields(Weights):
            if field.name == "lucene":
                continue
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_WEIGHT:
                raise InvalidArgumentError(
                    f"weight {field.name!r} must be a number from 0 to {MAX_WEIGHT:g}, got {value!r}"
                )
        for name in ("b_body", "b_title", "b_section"):
            if getattr(self, name) > 1:
                raise InvalidArgumentError(f"{name!r} must be between 0 and 1, got {getattr(self, name)!r}")
        if self.k1 == 0:  # tf / (tf + 0) is 0 / 0 for every term a passage lacks
            raise InvalidArgumentError("'k1' must be above 0 (1.2 is usual), got 0")
        if not isinstance(self.lucene, bool):
            raise InvalidArgumentError(f"'lucene' must be True or False, got {self.lucene!r}")

    def fields(self) -> Mapping[str, tuple[float, float]]:
        """``{field: (weight, b)}`` for the scored fields (read-only)."""
        return _fields_of(self)


@functools.lru_cache(maxsize=64)
def _fields_of(weights: Weights) -> Mapping[str, tuple[float, float]]:
    pairs = {name: (float(getattr(weights, name)), float(getattr(weights, f"b_{name}"))) for name in SCORED_FIELDS}
    return MappingProxyType(pairs)


_DEFAULT_WEIGHTS = Weights()


@attrs.frozen
class Plan:
    """A parsed query with the terms that score and highlight, each term's weight, and its phrases.

    ``terms`` start with the ``typed`` terms the user wrote (weight 1, or ``Weights.single`` for a one-character
    word of a question); sub-words and synonym expansions follow with their lower weights. ``sources`` says which
    each term is (``typed``, ``subword``, ``expansion``). Only typed terms count for coordination.
    ``rank_only`` are the terms that add to the score of a passage that matches but match nothing by themselves
    (the sub-words of keywords): they are not highlighted. ``origins``: for each term, the words of the query an
    expansion was added for (empty for the other terms); ``_term_weights`` raises an expansion whose words the
    index does not have to ``Weights.stand_in``.
    """

    node: Node
    terms: tuple[str, ...]
    phrases: tuple[str, ...]
    weights: tuple[float, ...] = ()
    typed: int = 0
    sources: tuple[str, ...] = ()
    rank_only: frozenset[str] = frozenset()
    origins: tuple[tuple[str, ...], ...] = ()
    #: terms typed only inside phrases: highlighted only where their phrase occurs (加强 of "加强校园" is not
    #: marked in 持续加强校外培训机构)
    phrase_only: frozenset[str] = frozenset()
    #: keywords that jieba cut in two (``_compound``), folded: 经济补偿; its parts are among ``terms``
    compounds: tuple[str, ...] = ()


def search(
    index: Index,
    query: str,
    *,
    page: int = 1,
    limit: int = 10,
    weights: Weights | None = None,
    fragments: int = 1,
    fragment_chars: int = 160,
    facets: bool | Sequence[str] = False,
    facet_size: int = 10,
    group: str | None = None,
    filters: Mapping[str, object] | None = None,
    semantic: bool = False,
    related: bool = True,
    sort: str = "score",
) -> SearchResults:
    """Ranked, highlighted passages for ``query``; ``page`` is 1-based, ``limit`` hits per page.

    ``facets`` (True for all of ``FACETS``, or some of their names) adds counts of each field's values over
    all matches, the ``facet_size`` most frequent first. ``group="report"`` returns each matching document's
    best passage once, with how many of its passages matched (``Hit.document_matches``); ``total`` and the
    facets then count documents. ``filters`` are the query syntax's filters as arguments
    (``{"year": (2023, 2024), "kind": "problems"}``, see ``query.filter_nodes``); with filters the query may be
    empty: all passages that pass them, in reading order. ``semantic=True`` fuses the ranking with a
    sentence-embedding model (``Weights.semantic``, see ``_fuse``): passages close in meaning rank higher and
    the 100 closest join the matches. ``related`` (ungrouped searches of keywords, with or without filters)
    lists after all the matches the passages that contain none of the keywords but a word inside one that is
    more than half of it (宪法 for 学宪法 讲宪法), best first, as ``Hit.related`` (``_related``);
    ``SearchResults.related`` counts them. ``sort`` (``SORTS``): ``"score"``, best first; ``"newest"`` or
    ``"oldest"``, by the year the document reports on, best first within a year, the documents of no known year
    last (the related passages still follow, best first).

    Raises:
        QuerySyntaxError: the query is malformed.
        InvalidArgumentError: page, limit, facets, group or sort out of range.
        ModelError: semantic search without an installed model (``semantic.py`` says how to install one).
    """
    _check_common(query, weights, semantic, filters)
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise InvalidArgumentError(f"page must be an integer >= 1, got {page!r}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidArgumentError(f"limit must be an integer from 1 to {MAX_LIMIT}, got {limit!r}")
    if group not in (None, "report"):
        raise InvalidArgumentError(f"group must be 'report' or None, got {group!r}")
    if sort not in SORTS:
        raise InvalidArgumentError(f"sort must be one of {', '.join(SORTS)}, got {sort!r}")
    wanted_facets = _facet_names(facets)
    for name, value, least in (("facet_size", facet_size, 1), ("fragments", fragments, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise InvalidArgumentError(f"{name} must be an integer >= {least}, got {value!r}")
    if isinstance(fragment_chars, bool) or not isinstance(fragment_chars, int) or fragment_chars < MIN_FRAGMENT:
        raise InvalidArgumentError(
            f"fragment_chars must be an integer >= {MIN_FRAGMENT} (160 is usual), got {fragment_chars!r}"
        )
    if not isinstance(related, bool):
        raise InvalidArgumentError(f"related must be True or False, got {related!r}")
    weights = _with_semantic(weights or _DEFAULT_WEIGHTS, semantic)
    plan = compile_query(_with_filters(query, filters), weights)
    core = index.core()
    rows, ranked, _, tail = _rank(index, core, plan, weights, related=related and not group)
    first = (page - 1) * limit
    counts: npt.NDArray[np.intp] | None = None
    matches = rows  # the facets count over all of them, grouped or not
    if group:
        rows, ranked, counts = _best_per_document(core, rows, ranked)
    if sort == "score":
        order = _top(ranked, first + limit)[first:]
    else:
        order = _by_year(core, rows, ranked, sort)[first : first + limit]
    terms = frozenset(plan.terms) - plan.rank_only - plan.phrase_only
    marked = matcher(terms, plan.phrases)
    highlighter = _Highlighter(core, marked, marked, _cited_filters(plan.node))
    hits = highlighter.hits(rows[order], ranked[order], first + 1, fragments, fragment_chars, counts)
    if len(hits) < limit and len(tail.rows):  # the page reaches past the matches: the related passages follow
        skip = max(0, first - len(rows))
        more = _top(tail.scores, skip + limit - len(hits))[skip:]
        inside = matcher(frozenset(tail.words))  # the words they were found by, as the header says
        highlighter = _Highlighter(core, inside, inside, frozenset(), related=True)
        hits += highlighter.hits(tail.rows[more], tail.scores[more], first + len(hits) + 1, fragments, fragment_chars)
    return SearchResults(
        query=query,
        total=len(rows),
        page=page,
        limit=limit,
        hits=tuple(hits),
        terms=plan.terms,
        facets=tuple(facet_counts(core, matches, name, facet_size, by_document=bool(group)) for name in wanted_facets),
        group=group,
        related=len(tail.rows),
        within=tail.words,
        apart=_apart(core, plan, weights) if len(rows) else (),
        sort=sort,
    )


def _by_year(
    core: Core, rows: npt.NDArray[np.intp], ranked: npt.NDArray[np.float64], sort: str
) -> npt.NDArray[np.intp]:
    """Positions of ``rows`` by their documents' year (``sort``: newest or oldest first), best first within a
    year, then in reading order; a document of no known year (0) last either way."""
    years = core.years[rows].astype(np.int64)
    key = np.where(years == 0, np.iinfo(np.int64).max, -years if sort == "newest" else years)
    return np.lexsort((rows, -ranked, key))


@attrs.frozen
class _Highlighter:
    """Turns ranked rows into hits: each passage's spans and fragments, its section path's spans. ``cited``:
    the laws a ``cites:`` filter names, whose citations are highlighted too."""

    core: Core
    in_text: Matcher
    in_section: Matcher
    cited: frozenset[str]
    related: bool = False

    def hits(
        self,
        rows: npt.NDArray[np.intp],
        scores: npt.NDArray[np.float64],
        first: int,
        fragments: int,
        fragment_chars: int,
        counts: npt.NDArray[np.intp] | None = None,
    ) -> list[Hit]:
        """Hits for ``rows`` with their ``scores``, ranked from ``first``; ``counts``: matches per document."""
        core, hits = self.core, []
        rows_list = rows.tolist()
        extras = [self._cited_in(core.texts[row]) for row in rows_list] if self.cited else ()
        found = self.in_text.spans_of([core.matching_text(row) for row in rows_list], extras)
        documents = core.passage_document[rows].tolist()
        passages = [core.passage(row) for row in rows_list]
        sections = self.in_section.sections_spans([passage.section for passage in passages], core.headings)
        for rank, passage, document, score, spans, section_spans in zip(
            count(first), passages, documents, scores.tolist(), found, sections
        ):
            hits.append(
                trusted_hit(
                    rank,
                    round(score, 6),
                    passage,
                    core.document(document),
                    spans,
                    best_fragments(passage.text, spans, max_chars=fragment_chars, count=fragments),
                    section_spans,
                    0 if counts is None else int(counts[document]),
                    self.related,
                )
            )
        return hits

    def _cited_in(self, text: str) -> list[tuple[int, int, str]]:
        """Occurrences ``(start, -end, "cites:<law>")`` of the citations of the laws a filter names."""
        return [
            (c.start, -c.end, f"cites:{c.canonical}")
            for c in extract_citations(text)
            if any(names_cited(value, c.canonical) for value in self.cited)
        ]


def explain(
    index: Index, query: str, passage_id: str, *, weights: Weights | None = None, semantic: bool = False
) -> Explanation:
    """Why ``passage_id`` scores what it does for ``query``: each term's frequency per field, idf and contribution.

    The score equals the hit's score in ``search`` (to rounding); ``matched`` says whether the passage matches
    the query at all (filters and NOT included).

    Raises:
        QuerySyntaxError: the query is malformed.
        InvalidArgumentError: no such passage.
    """
    _check_common(query, weights, semantic)
    weights = _with_semantic(weights or _DEFAULT_WEIGHTS, semantic)
    fields = weights.fields()
    index.passage(passage_id)  # raises for an unknown id
    core = index.core()
    row = core.ids[passage_id]
    plan = compile_query(parse_query(query), weights)
    parts = []
    for term, weight, source, words in zip(
        plan.terms, _term_weights(core, plan, weights), plan.sources, plan.origins or ((),) * len(plan.terms)
    ):
        frequencies, in_titles, tf, idf, contribution = core.explain_term(
            term, row, fields, k1=weights.k1, lucene=weights.lucene, cited=weights.cited
        )
        parts.append(
            TermScore(
                term,
                source,
                weight,
                frequencies.items(),
                round(tf, 6),
                round(idf, 6),
                round(weight * contribution, 6),
                cited=in_titles,
                stands_for=words if source == "expansion" and weight > weights.expansion else (),
            )
        )
    for compound, (mask, boost) in _phrase_boosts(core, plan, weights).items():
        parts.append(_boost_part(f'"{compound}"', "phrase", weights.phrase, "body", bool(mask[row]), boost))
    for name, (documents, boost) in _named_boosts(core, plan, weights).items():
        inside = bool(documents[core.passage_document[row]])
        parts.append(_boost_part(f"《{name}》", "named", weights.named, "title", inside, boost))
    for article, (rows, boost) in _article_boosts(core, plan, weights).items():
        inside = bool(np.any(rows == row))
        parts.append(_boost_part(article, "article", weights.article, "section", inside, boost))
    for number, boost in _kind_boosts(core, plan, weights):
        inside = int(core.section_kinds()[row]) == number
        parts.append(_boost_part(f"kind:{KINDS[number]}", "kind", weights.kind, "kind", inside, boost))
    total = sum(part.contribution for part in parts)
    coordination = 1.0
    if plan.typed and weights.coordination:
        hit_typed = sum(1 for part in parts[: plan.typed] if part.frequencies)
        coordination = (hit_typed / plan.typed) ** weights.coordination
    if _only_words(plan.node) and not plan.compounds and all(weight > 0 for weight, _ in fields.values()):
        matched = sum(p.contribution for p in parts if p.term not in plan.rank_only and p.source != "kind") > 0
    else:
        matched = bool(_matching(core, plan.node, weights)[row])
    related, fusion = False, None
    if weights.semantic or (not matched and plan.rank_only):
        _, _, fusion, tail = _rank(index, core, plan, weights, related=not matched and bool(plan.rank_only))
        related = row in tail.rows
        if related:  # listed after the matches, scored by the words inside the keywords alone: no coordination,
            coordination = 1.0  # and no section-kind boost (that ranks matches)
            parts = [attrs.evolve(p, contribution=0.0) if p.source in _BOOSTS else p for p in parts]
            total = sum(part.contribution for part in parts)
    if fusion is None:  # lexical only, or nothing for the model to read (a query of filters only)
        return Explanation(passage_id, round(total * coordination, 6), matched, parts, coordination, related=related)
    part = fusion.contribution(row, weights.semantic if related else fusion.weight)
    lexical = total * coordination / fusion.best if matched or related else 0.0
    return Explanation(
        passage_id,
        round(lexical + part, 6),
        matched or row in fusion.joined,
        parts,
        coordination,
        scale=round(1 / fusion.best, 6),
        similarity=round(float(fusion.similarity[row]), 6),
        semantic=round(part, 6),
        related=related,
        coverage=0.0 if related else round(fusion.coverage, 6),
        semantic_weight=round(weights.semantic if related else fusion.weight, 6),
    )


def _boost_part(term: str, source: str, weight: float, field: str, inside: bool, boost: float) -> TermScore:
    """A boost's part in an explanation (``_BOOSTS``): a match of weight ``weight`` in a virtual ``field``, tf 1,
    whose idf is ``boost / weight``; it adds ``boost`` where the passage is ``inside`` it."""
    return TermScore(
        term,
        source,
        weight,
        [(field, 1)] if inside else [],
        1.0 if inside else 0.0,
        round(boost / weight, 6),
        round(boost, 6) if inside else 0.0,
    )


# λ of search(semantic=True), scaled per query by 1 − coverage (``_fuse``). STARD nDCG@10 peaks at 1.5 (0.487,
# R@100 0.841; 1.0-2.0 within 0.002); the seed set is the same at every λ, its best matches saying all the
# words its questions have in common with the reports: benchmarks/README.md
SEMANTIC_WEIGHT = 1.5
SEMANTIC_NEIGHBOURS = 100  # at most this many passages closest in meaning join a semantic search's matches
SEMANTIC_MIN_Z = 2.0  # … and only those at least 2 standard deviations closer than the corpus's mean


#: The shortest fragment ``search`` makes: a span and a few characters around it.
MIN_FRAGMENT = 10


def split_words(
    index: Index, query: str, *, filters: Mapping[str, object] | None = None, weights: Weights | None = None
) -> tuple[SplitWord, ...]:
    """The keywords of ``query`` that passages say but the index cut into other words, so they do not match:
    学法 in 尊法学法 (cut 尊 法学 法). For each such word of two or more Chinese characters: how many passages,
    within the query's filters, have its characters side by side without matching the query (the phrase
    ``"学法"`` finds them, and those with punctuation between the characters), and how up to ``SPLIT_EXAMPLES``
    of them were cut. Only for queries of keywords (at most two words, with or without filters, as for
    ``search``'s related passages); () for others. It scans the text, as a phrase does (a few milliseconds on
    24,000 passages), so ``search`` leaves it to those who show it: the command line and the REPL, as a hint.

    Raises:
        QuerySyntaxError: the query is malformed.
        InvalidArgumentError: bad filters or weights.
    """
    _check_common(query, weights, False, filters)
    weights = weights or _DEFAULT_WEIGHTS
    plan = compile_query(_with_filters(query, filters), weights)
    core = index.core()
    scope = _open_scope(core, plan.node, weights) if plan.typed < _SUBWORDS_FROM else None
    words: list[str] = []
    for text in _plain_words(plan.node):  # a keyword jieba cut in two (执法队伍) as a whole
        parts = _compound(text) if weights.phrase else ()
        words.extend(w for w in (["".join(parts)] if parts else analyze_query(text).terms) if w not in words)
    words = [word for word in words if _chinese(word)]
    if scope is None or not words:
        return ()
    scope &= ~_matching(core, plan.node, weights)
    text, starts = core.folded_text()
    found = []
    for word in words:
        places = np.array([m.start() for m in re.finditer(re.escape(word), text)], dtype=np.int64)
        if not len(places):
            continue
        rows = np.searchsorted(starts, places, side="right") - 1
        inside = scope[rows]
        if inside.any():
            examples = dict.fromkeys(
                _cut_around(core, int(row), int(place - starts[row]), len(word))
                for row, place in zip(rows[inside], places[inside])
            )
            passages = len(np.unique(rows[inside]))
            found.append(SplitWord(word, passages, tuple(examples)[:SPLIT_EXAMPLES]))
    return tuple(found)


#: How many of the ways a keyword was cut ``split_words`` gives (the first, in reading order).
SPLIT_EXAMPLES = 3


def _chinese(word: str) -> bool:
    """Two or more Chinese characters (a run of letters or digits is one word wherever it stands)."""
    units = [token.text for token in make_char_analyzer()(word)]
    return len(units) == len(word) > 1 and not any(unit.isascii() for unit in units)


def _cut_around(core: Core, row: int, start: int, length: int) -> str:
    """How passage ``row`` was cut into words around ``text[start:start + length]``: 尊 法学 法."""
    text, starts = core.matching_text(row)
    first = next(i for i in range(start, -1, -1) if starts[i] or i == 0)
    last = next((i for i in range(start + length, len(text)) if starts[i]), len(text))
    cuts = [i for i in range(first + 1, last) if starts[i]]
    original = core.texts[row]
    return " ".join(original[a:b] for a, b in zip([first, *cuts], [*cuts, last]))


def _check_common(query: str, weights: Weights | None, semantic: bool, filters: object = None) -> None:
    """Raise ``InvalidArgumentError`` for an argument of ``search`` and ``explain`` of the wrong kind."""
    if not isinstance(query, str):
        raise InvalidArgumentError(f"query must be a string, got {query!r}")
    if weights is not None and not isinstance(weights, Weights):
        raise InvalidArgumentError(f"weights must be a lawsearch.Weights, got {weights!r}")
    if not isinstance(semantic, bool):
        raise InvalidArgumentError(f"semantic must be True or False, got {semantic!r}")
    if filters is not None and not isinstance(filters, Mapping):
        raise InvalidArgumentError(f"filters must be a dict like {{'year': 2024}}, got {filters!r}")


def _with_semantic(weights: Weights, semantic: bool) -> Weights:
    return attrs.evolve(weights, semantic=SEMANTIC_WEIGHT) if semantic and not weights.semantic else weights


def _rank(
    index: Index, core: Core, plan: Plan, weights: Weights, *, related: bool = False
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64], Fusion | None, _Related]:
    """The matching rows and their scores: BM25F, kind boosts and coordination, fused with the model's
    similarity when ``Weights.semantic`` is on (then also how, for ``explain``); with ``related``, the related
    passages and their scores (``_related``)."""
    rows, ranked, inside = _scored_matches(core, plan, weights)
    fusion = None
    if weights.semantic:
        rows, ranked, fusion = _fuse(index, core, plan, rows, ranked, weights, inside)
    if not related or inside is None:
        return rows, ranked, fusion, _NO_RELATED
    tail = _related(core, plan, weights, rows, inside)
    if fusion is not None and len(tail.rows):  # scored as the matches are: scaled, plus the model's part
        # they say none of the keywords, so the words say nothing of them: the model weighs in fully
        tail = attrs.evolve(tail, scores=tail.scores / fusion.best + fusion.meaning(tail.rows, weights.semantic))
    return rows, ranked, fusion, tail


def _scored_matches(
    core: Core, plan: Plan, weights: Weights
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64], npt.NDArray[np.float64] | None]:
    """The rows that match the plan, ascending, and their scores: BM25F, plus the boosts that rank the matches
    (section kind, keyword cut in two, document named), times coordination; and every passage's score for the
    terms that only rank (``Plan.rank_only``; None without them), which the matches' scores include."""
    coordinate = bool(plan.typed and weights.coordination)
    scores, matched = _plan_scores(core, plan, weights, count=plan.typed * coordinate)
    if _only_words(plan.node) and not plan.compounds and all(weight > 0 for weight, _ in weights.fields().values()):
        rows = np.flatnonzero(scores > 0)  # the common case, plain words: scoring already found who matches
    else:
        rows = np.flatnonzero(_matching(core, plan.node, weights))
    inside = None
    if plan.rank_only:
        inside = _plan_scores(core, plan, weights, rank_only=True)[0]
        scores += inside
    ranked = scores[rows]
    # the boosts rank the matches and match nothing by themselves (短板 matches the passages that say 短板, not
    # every passage of a problems section)
    for kind, boost in _kind_boosts(core, plan, weights):
        ranked[core.section_kinds()[rows] == kind] += boost
    for mask, boost in _phrase_boosts(core, plan, weights).values():
        ranked[mask[rows]] += boost
    for documents, boost in _named_boosts(core, plan, weights).values():
        ranked[documents[core.passage_document[rows]]] += boost
    for articles, boost in _article_boosts(core, plan, weights).values():
        ranked[np.isin(rows, articles, assume_unique=True)] += boost
    if coordinate:
        coverage = matched[rows] / plan.typed
        ranked *= coverage if weights.coordination == 1 else coverage**weights.coordination
    return rows, ranked, inside


def _related(
    core: Core, plan: Plan, weights: Weights, rows: npt.NDArray[np.intp], inside: npt.NDArray[np.float64]
) -> _Related:
    """The related passages of a query of keywords: those that contain none of the keywords but a word inside
    one that is more than half of it (``Plan.rank_only``: 宪法 of 学宪法, 副校长 of 法治副校长, 培训机构 of
    校外培训机构; not 行政 of 行政复议, nor 法治 of 法治副校长), within the query's filters. Their score is
    that of the words inside the keywords alone (no coordination: they match none of the typed words);
    ``search`` lists them after every match, so a keyword's matches still come first and ``total`` still
    counts only them."""
    # not inside an article number: 十七条 of 第五十七条 would relate every 第十七条 and 第二十七条
    keywords = [keyword for keyword in plan.terms[: plan.typed] if not is_article_word(keyword)]
    words = tuple(
        term
        for term in plan.terms[plan.typed :]
        if term in plan.rank_only and any(term in keyword and 2 * len(term) > len(keyword) for keyword in keywords)
    )
    scope = _open_scope(core, plan.node, weights) if words else None
    if scope is None:
        return _NO_RELATED
    mask = core.term_mask(words, SCORED_FIELDS)
    mask &= scope & (inside > 0)  # in a field that scores (not one a Weights turned off)
    mask[rows] = False
    if plan.compounds:  # a passage with one part of a keyword cut in two (第二十八条 of 教育法第二十八条), or a synonym
        # of one, is no match, nor related: it has one of the query's words
        mask &= ~core.term_mask([term for term in plan.terms if term not in plan.rank_only], SCORED_FIELDS)
    tail = np.flatnonzero(mask)
    return _Related(tail, inside[tail], words if len(tail) else ())


@attrs.frozen
class _Related:
    """Related passages (``_related``): their rows, scores, and the words inside the keywords they may have."""

    rows: npt.NDArray[np.intp]
    scores: npt.NDArray[np.float64]
    words: tuple[str, ...] = ()


_NO_RELATED = _Related(np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float64))


@attrs.frozen
class Fusion:
    """How a semantic search mixed the model in: every passage's cosine similarity to the query, their mean and
    standard deviation, the best lexical score of the matches (lexical scores are divided by it), the rows
    that joined the matches by meaning alone, the query's coverage by its best lexical match, and the λ that
    follows from it (``Weights.semantic`` × (1 − coverage))."""

    similarity: npt.NDArray[np.float32]
    mean: float
    spread: float
    best: float
    joined: frozenset[int]
    coverage: float = 0.0
    weight: float = 0.0

    def contribution(self, row: int, weight: float) -> float:
        """What the similarity adds to a passage's score: λ · z / 3, z its similarity in standard deviations."""
        return float(self.meaning(np.array([row]), weight)[0])

    def meaning(self, rows: npt.NDArray[np.intp], weight: float) -> npt.NDArray[np.float64]:
        """``contribution`` for each of ``rows``, at λ ``weight`` (``Fusion.weight`` for the matches)."""
        return weight * (self.similarity[rows] - self.mean) / self.spread / 3


def _fuse(
    index: Index,
    core: Core,
    plan: Plan,
    rows: npt.NDArray[np.intp],
    ranked: npt.NDArray[np.float64],
    weights: Weights,
    inside: npt.NDArray[np.float64] | None = None,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64], Fusion | None]:
    """Lexical and semantic scores fused: ``score / best score + λ · (1 − coverage) · z / 3`` (``Fusion``).

    The best score is the best match's; where nothing matches, the best score of the words inside the keywords
    (``inside``), which score the related passages, so theirs stay within 0 to 1 too.

    The lexical scores are scaled to the best one (1 for the top lexical match) and the similarity to standard
    deviations over the corpus, so λ (``Weights.semantic``) means the same for every query and corpus. The
    model weighs in as far as the words fall short: ``coverage`` is the idf-weighted share of the query's typed
    terms (of those the index has) that the best lexical match contains (``_coverage``): 1 where it says all
    of them (a keyword that matches, a report question whose answer uses its words: the ranking stays the
    lexical one), low for a layperson's question the law words differently. The
    ``SEMANTIC_NEIGHBOURS`` passages closest to the query join the matches, if their similarity is at least
    ``SEMANTIC_MIN_Z`` standard deviations above the mean (in a corpus of a hundred passages, not all of them
    do), where the query is words, with or without filters (the filters hold for them too); under AND, OR, NOT
    or a phrase only the matches are re-ranked. On the law corpus the 100 closest are all above that line, and a
    passage outside the matches and the neighbours scores below every neighbour, so the top 100 is the whole
    corpus's. Highlights stay honest: a passage that joined by meaning alone has no spans.
    """
    text = " ".join(_free_text(plan.node))
    if not text.strip() or not core.size or not plan.terms:
        # no word to search for (的 了, ！？, 😀): what the model would read is noise, and nothing matches
        return rows, ranked, None
    model = load_model()
    similarity = index.vectors(model) @ model.encode([text])[0]
    mean, spread = float(similarity.mean()), float(similarity.std()) or 1.0
    best = float(ranked.max()) if len(ranked) else 0.0
    if best <= 0:
        best = float(inside.max()) if inside is not None and inside.max() > 0 else 1.0
    joined = np.zeros(0, dtype=np.intp)
    # a keyword (fewer than three words) that matches keeps its matches, as with its sub-words: the model only
    # re-ranks them; a question, or a keyword no passage contains (网瘾), takes in the neighbours
    question = plan.typed >= _SUBWORDS_FROM
    scope = _open_scope(core, plan.node, weights) if question or not len(rows) else None
    if scope is not None:
        candidates = np.flatnonzero(scope & (similarity >= mean + SEMANTIC_MIN_Z * spread))
        count = min(SEMANTIC_NEIGHBOURS, len(candidates))
        if count:
            closest = candidates[np.argpartition(-similarity[candidates], count - 1)[:count]]
            joined = np.setdiff1d(closest, rows)
            rows = np.concatenate((rows, joined))
            ranked = np.concatenate((ranked, np.zeros(len(joined))))
            order = np.argsort(rows, kind="stable")  # rows ascending, as _top expects for ties in reading order
            rows, ranked = rows[order], ranked[order]
    coverage = _coverage(core, plan, int(rows[int(np.argmax(ranked))]), weights) if ranked.max(initial=0) > 0 else 0.0
    weight = weights.semantic * (1 - coverage)
    fusion = Fusion(similarity, mean, spread, best, frozenset(joined.tolist()), coverage, weight)
    return rows, ranked / best + fusion.meaning(rows, weight), fusion


def _coverage(core: Core, plan: Plan, row: int, weights: Weights) -> float:
    """How much of the query the passage ``row`` (the best lexical match) says in its own words: the idf-weighted
    share of the typed terms it contains, among those some passage contains (a word no passage has cannot be
    matched by words at all, whatever the passage)."""
    fields = weights.fields()
    total = found = 0.0
    for term in plan.terms[: plan.typed]:
        docs, _ = core.term_scores(term, fields, k1=weights.k1, lucene=weights.lucene, cited=weights.cited)
        if not len(docs):
            continue
        idf = core.idf(len(docs))
        total += idf
        if row_entry(docs, row) >= 0:
            found += idf
    return found / total if total else 0.0


def _free_text(node: Node) -> list[str]:
    """The words and phrases a query asks for (not its filters or NOT clauses): what the model reads."""
    if isinstance(node, (Words, Phrase)):
        return [node.text]
    if isinstance(node, (And, Or, Soft)):
        return [text for child in node.children for text in _free_text(child)]
    return []


def _open_scope(core: Core, node: Node, weights: Weights) -> npt.NDArray[np.bool_] | None:
    """Where passages beyond the matches may join them (by meaning, or as related passages): anywhere for
    plain words, within the filters for words with filters; None (the matches only) for any other query."""
    if isinstance(node, Words):
        return np.ones(core.size, dtype=bool)
    if isinstance(node, Soft) and all(isinstance(c, (Words, Field, Not)) for c in node.children):
        return _constraints(core, node, weights)
    return None


def _with_filters(query: str, filters: Mapping[str, object] | None) -> Node:
    fields = filter_nodes(filters) if filters else ()
    if not fields:
        return parse_query(query)
    if not query.strip():
        return Soft(fields)
    return Soft((parse_query(query), *fields))


#: The fields ``search(..., facets=True)`` counts.
FACETS = ("year", "org", "region", "province", "city", "kind", "cites")


def _facet_names(facets: bool | Sequence[str]) -> tuple[str, ...]:
    if facets is True:
        return FACETS
    if facets is False or facets is None:
        return ()
    names = (facets,) if isinstance(facets, str) else tuple(facets)
    unknown = [name for name in names if name not in FACETS]
    if unknown:
        raise InvalidArgumentError(f"unknown facet {unknown[0]!r}; facets: {', '.join(FACETS)}")
    return names


def _best_per_document(
    core: Core, rows: npt.NDArray[np.intp], ranked: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """Each document's best matching passage (rows in reading order) and every document's number of matches."""
    documents = core.passage_document[rows]
    counts = np.bincount(documents, minlength=len(core.documents))
    order = np.lexsort((rows, -ranked, documents))  # by document, best first, ties in reading order
    firsts = order[np.unique(documents[order], return_index=True)[1]]
    firsts.sort()
    return rows[firsts], ranked[firsts], counts


def facet_counts(core: Core, rows: npt.NDArray[np.intp], name: str, size: int, *, by_document: bool) -> Facet:
    """Counts of ``name``'s values over the passages ``rows`` (or over their documents), most frequent first."""
    counter: Counter[str] = Counter()
    if by_document:
        documents = np.unique(core.passage_document[rows])
        if name in ("kind", "cites"):  # a document counts once for each value any of its matching passages has
            seen: set[tuple[int, str]] = set()
            for row in rows.tolist():
                for value in _passage_values(core, row, name):
                    seen.add((int(core.passage_document[row]), value))
            counter.update(value for _, value in seen)
        else:
            counter.update(str(core.documents[d].get(name) or "") for d in documents.tolist())
    elif name in ("kind", "cites"):
        for row in rows.tolist():
            counter.update(_passage_values(core, row, name))
    else:
        per_document = np.bincount(core.passage_document[rows], minlength=len(core.documents))
        for d in np.flatnonzero(per_document).tolist():
            counter[str(core.documents[d].get(name) or "")] += int(per_document[d])
    counter.pop("", None)
    counter.pop("0", None)
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    return Facet(
        name=name,
        values=ranked[:size],
        unit="documents" if by_document else "passages",
        other=sum(count for _, count in ranked[size:]),
    )


def _passage_values(core: Core, row: int, name: str) -> tuple[str, ...]:
    if name == "kind":
        return (KINDS[core.section_kinds()[row]],)
    return core.cited_laws()[row]  # the facet lists laws and regulations; cites: also filters on documents


def _top(scores: npt.NDArray[np.float64], k: int) -> npt.NDArray[np.intp]:
    """Positions of the ``k`` best scores, best first, ties in reading order (positions ascend with rows).

    For a page (k up to ``_COMPILED_TOP``) ``_speedups.top`` keeps the best k in order in one pass. Otherwise a
    long array is first cut down to the scores at or above the k-th best of every 8th score: that bound is
    never above the true k-th best, so no top score is lost, and the few scores left (about 8k) are sorted.
    """
    if speedups is not None and 0 < k <= _COMPILED_TOP:
        positions = np.empty(k, dtype=np.intp)
        return positions[: speedups.top(np.ascontiguousarray(scores, dtype=np.float64), k, positions)]
    if len(scores) > _SAMPLE_FROM * k > 0:
        sample = scores[::8]
        positions = np.flatnonzero(scores >= np.partition(sample, len(sample) - k)[len(sample) - k])
        scores = scores[positions]
        return positions[np.lexsort((positions, -scores))[:k]]
    return np.lexsort((np.arange(len(scores)), -scores))[:k]


_SAMPLE_FROM = 32  # scores per wanted hit above which sampling pays off (measured on the law corpus)
_COMPILED_TOP = 100  # the most hits the compiled pass finds (it keeps them in order: k steps per better score)


# --- compiling and matching ------------------------------------------------------------------------------------


def compile_query(node: Node, weights: Weights | None = None) -> Plan:
    """Collect a syntax tree's scoring terms with their weights, and its phrases (pure: needs no index)."""
    weights = weights or _DEFAULT_WEIGHTS
    typed: dict[str, float] = {}
    extra: dict[str, tuple[float, str, tuple[str, ...]]] = {}
    phrases: dict[str, None] = {}
    matches: dict[str, bool] = {}  # whether a term matches by itself somewhere in the query
    _collect(node, weights, typed, extra, phrases, matches, negated=False)
    compounds = dict.fromkeys(
        "".join(parts) for parts in map(_compound, _plain_words(node)) if parts and weights.phrase
    )
    added = {term: found for term, found in extra.items() if term not in typed and found[0] > 0}
    return Plan(
        node=node,
        terms=(*typed, *added),
        phrases=tuple(phrases),
        weights=(*typed.values(), *(weight for weight, _, _ in added.values())),
        typed=len(typed),
        sources=("typed",) * len(typed) + tuple(source for _, source, _ in added.values()),
        rank_only=frozenset(term for term in added if not matches[term]),
        origins=((),) * len(typed) + tuple(origins for _, _, origins in added.values()),
        phrase_only=frozenset(term for term in typed if term not in matches),
        compounds=tuple(compounds),
    )


def _collect(
    node: Node,
    weights: Weights,
    typed: dict[str, float],
    extra: dict[str, tuple[float, str, tuple[str, ...]]],
    phrases: dict[str, None],
    matches: dict[str, bool],
    *,
    negated: bool,
) -> None:
    if isinstance(node, Phrase):
        if not negated:
            for term in query_terms(node.text):
                typed[term] = max(1.0, typed.get(term, 0.0))
            phrases[node.text] = None
    elif isinstance(node, Words):
        if not negated:
            for term, weight, source, matching, origins in _word_terms(node.text, weights):
                matches[term] = matches.get(term, False) or matching
                if source == "typed":
                    typed[term] = max(weight, typed.get(term, 0.0))
                elif weight > extra.get(term, (0.0,))[0]:
                    extra[term] = (weight, source, origins)
    elif isinstance(node, Not):
        _collect(node.child, weights, typed, extra, phrases, matches, negated=not negated)
    elif isinstance(node, (And, Or, Soft)):
        for child in node.children:
            _collect(child, weights, typed, extra, phrases, matches, negated=negated)


_SUBWORDS_FROM = 3


def _word_terms(text: str, weights: Weights) -> list[tuple[str, float, str, bool, tuple[str, ...]]]:
    """A run of query words → (term, weight, source, matches, origins): typed terms 1; the sub-words inside them;
    and the synonyms of ``synonyms.txt``, with the words each was added for (``QueryAnalysis.origins``). All
    match by themselves, except the sub-words of keywords (fewer than three terms): those only rank the passages
    that contain the keywords (法治副校长 still matches only the passages that say 法治副校长, and of those, the
    ones that also speak of 法治 and 校长 elsewhere first)."""
    analysis = analyze_query(text)
    question = len(analysis.terms) >= _SUBWORDS_FROM
    # in a question, a one-character word (家, 件, 人 in 多少家, 被人) says little: it weighs ``Weights.single``
    found: list[tuple[str, float, str, bool, tuple[str, ...]]] = [
        (term, weights.single if question and len(term) == 1 else 1.0, "typed", True, ()) for term in analysis.terms
    ]
    found.extend((term, weights.subwords, "subword", question, ()) for term in analysis.subwords)
    found.extend(
        (term, weights.expansion, "expansion", True, words)
        for term, words in zip(analysis.expansions, analysis.origins)
    )
    return found


def _plan_scores(
    core: Core, plan: Plan, weights: Weights, *, rank_only: bool = False, count: int = 0
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """BM25F scores of every passage for the plan's terms that match by themselves (> 0 where a passage matches a
    query of plain words), and how many of the first ``count`` (typed) terms each passage has; with
    ``rank_only``, the scores of the terms that only rank (``Plan.rank_only``). The section-kind boosts, which
    only rank too, are added by ``_scored_matches``."""
    terms, term_weights = plan.terms, _term_weights(core, plan, weights)
    if rank_only or plan.rank_only:
        keep = [number for number, term in enumerate(terms) if (term in plan.rank_only) == rank_only]
        terms, term_weights = tuple(terms[n] for n in keep), tuple(term_weights[n] for n in keep)
    scores, matched = core.bm25f(
        terms,
        weights.fields(),
        k1=weights.k1,
        lucene=weights.lucene,
        term_weights=term_weights,
        count=count,
        cited=weights.cited,
    )
    return scores, matched


def _term_weights(core: Core, plan: Plan, weights: Weights) -> tuple[float, ...]:
    """The plan's term weights over this index: an expansion whose words are none of them in it (罚款 and 处罚
    for 罚, a word the reports never use alone) stands in for them at ``Weights.stand_in`` instead of
    ``Weights.expansion``; a word that is in it keeps its expansions at their lower weight."""
    if not weights.stand_in or not any(plan.origins):
        return plan.weights
    return tuple(
        max(weight, weights.stand_in) if words and not any(core.has(word) for word in words) else weight
        for weight, words in zip(plan.weights, plan.origins)
    )


def _kind_boosts(core: Core, plan: Plan, weights: Weights) -> list[tuple[int, float]]:
    """For each typed word that asks for a kind of section (``QUERY_KIND_WORDS``): that kind, and what a
    passage of it gains — a match of weight ``Weights.kind`` in a virtual field, scored like a term (idf of the
    kind's share of passages, tf 1)."""
    if not weights.kind or not core.size:
        return []
    kinds = dict.fromkeys(QUERY_KIND_WORDS[t] for t in plan.terms[: plan.typed] if t in QUERY_KIND_WORDS)
    boosts = []
    for kind in kinds:
        number = KINDS.index(kind)
        df = int(np.count_nonzero(core.section_kinds() == number))
        if df:
            boosts.append((number, weights.kind * core.idf(df)))
    return boosts


#: The sources of the parts of a score that rank the matches and match nothing (related passages get none).
_BOOSTS = ("kind", "phrase", "named", "article")


def _article_boosts(core: Core, plan: Plan, weights: Weights) -> dict[str, tuple[npt.NDArray[np.intp], float]]:
    """The law articles the query names by number (``Weights.article``): for each typed article word (第三十九条),
    the passages that are that article, ascending, and what each gains, ``Weights.article`` × the idf of their
    share of the passages."""
    if not weights.article or not plan.typed or not core.size:
        return {}
    boosts = {}
    for word in plan.terms[: plan.typed]:
        if is_article_word(word):
            rows = core.article_rows().get(word)
            if rows is not None:
                boosts[word] = (rows, weights.article * core.idf(len(rows)))
    return boosts


def _named_boosts(core: Core, plan: Plan, weights: Weights) -> dict[str, tuple[npt.NDArray[np.bool_], float]]:
    """The documents the query names by title (``Weights.named``): for each name, which documents have it as
    their title, and what each of their passages gains, ``Weights.named`` × the idf of their share of the
    passages. A name is a stretch of a run of query words that begins and ends where words do (劳动合同法 in
    劳动合同法第三十九条; stop words inside it count, 人口与计划生育法, 军人地位和权益保障法, which the typed words
    alone, 人口 计划生育 法, did not spell); a name inside a longer one that is named too does not count (刑法 of
    刑法修正案(八))."""
    if not weights.named or not plan.typed or not core.size:
        return {}
    (titles, numbers), prefixes = core.title_names(), core.title_prefixes()
    named = set()
    for text in _plain_words(plan.node):
        analysis = analyze_query(text)  # cached: the plan's own
        folded, bounds = analysis.text, analysis.bounds
        for start in bounds:
            for end in range(start + 1, len(folded) + 1):
                name = folded[start:end]
                if name not in prefixes:  # at most a character or two past most words of a question
                    break
                if end in bounds and name in titles:
                    named.add(name)
    boosts = {}
    for name in sorted(named):
        if any(name != other and name in other for other in named):
            continue
        documents = numbers == titles[name]
        share = int(np.count_nonzero(documents[core.passage_document]))
        if share:
            boosts[name] = (documents, weights.named * core.idf(share))
    return boosts


def _compound(text: str) -> tuple[str, ...]:
    """The parts of a keyword that jieba cuts in two, every character in one of them (执法队伍 → 执法 队伍, 经济补偿
    → 经济 补偿), else (): a dictionary word is one part, a question three or more, and a run that lost a stop
    or question word (存在哪些问题 → 存在 问题) is a question too. Two parts, not one of them, make the keyword:
    matching either (OR, as for two words typed apart) found 人身 or 损害 for 人身损害, 29 articles say it and
    none of them came in the top 10 of the law corpus."""
    terms = analyze_query(text).terms
    if not 1 < len(terms) < _SUBWORDS_FROM:
        return ()
    # punctuation around it (执法队伍？, 《执法队伍》) and an article number's spelling (第15条) do not count;
    # punctuation inside (执法、队伍) makes two words
    return terms if "".join(terms) == _AROUND.sub("", searched_text(text)) else ()


_AROUND = re.compile(r"^[\W_]+|[\W_]+$")


def _plain_words(node: Node, negated: bool = False) -> list[str]:
    """The texts of the query's word runs that are not negated."""
    if isinstance(node, Words):
        return [] if negated else [node.text]
    if isinstance(node, Not):
        return _plain_words(node.child, not negated)
    if isinstance(node, (And, Or, Soft)):
        return [text for child in node.children for text in _plain_words(child, negated)]
    return []


def _phrase_boosts(core: Core, plan: Plan, weights: Weights) -> dict[str, tuple[npt.NDArray[np.bool_], float]]:
    """For each keyword jieba cut in two (``Plan.compounds``): the passages that say it whole (its characters in
    a row, as the phrase ``"经济补偿"`` finds them, among those with both parts), and what each gains,
    ``Weights.phrase`` × the idf of saying it."""
    boosts = {}
    for compound in plan.compounds:
        mask = _matching(core, Words(compound, 0), weights)  # it has both parts: only those can say it whole
        rows = np.flatnonzero(mask)
        if len(rows) > _SCAN_ROWS:
            mask &= _phrase_mask(core, compound)
        else:  # a few dozen rows at the median (65 in benchmarks/compounds.py): far less than a scan of all
            pattern = phrase_pattern(compound)
            mask[rows] = core.say(pattern, rows.tolist()) if pattern is not None else False
        df = int(np.count_nonzero(mask))
        if df:
            boosts[compound] = (mask, weights.phrase * core.idf(df))
    return boosts


#: Above this many passages with both parts of a keyword, ``_phrase_boosts`` scans the whole text at once.
_SCAN_ROWS = 2000


def names_cited(value: str, name: str) -> bool:
    """Whether ``cites:value`` names the cited ``name`` (canonical both): the same, or the same but for the
    brackets that end the name (天津市法治政府建设实施纲要 for …纲要(2021-2025年), 刑法修正案 for 刑法修正案(十一))."""
    return name == value or (name.startswith(value) and name[len(value)] == "(" and name.endswith(")"))


def _cited_filters(node: Node, negated: bool = False) -> frozenset[str]:
    """The laws a query's (not negated) ``cites:`` filters name: their citations are highlighted."""
    if isinstance(node, Field):
        return frozenset((node.value,)) if node.name == "cites" and not negated else frozenset()
    if isinstance(node, Not):
        return _cited_filters(node.child, not negated)
    if isinstance(node, (And, Or, Soft)):
        return frozenset().union(*(_cited_filters(child, negated) for child in node.children))
    return frozenset()


def _only_words(node: Node) -> bool:
    return isinstance(node, Words) or (isinstance(node, Soft) and all(isinstance(c, Words) for c in node.children))


def _matching(core: Core, node: Node, weights: Weights) -> npt.NDArray[np.bool_]:
    """A boolean mask over the core's passages: those that match ``node``."""
    if isinstance(node, Words):
        found = _word_terms(node.text, weights)
        together = _together(core, node.text, found, weights)
        if together is not None and together.any():  # else no passage has both parts: either
            return together
        terms = [term for term, weight, _, matching, _ in found if weight > 0 and matching]
        return core.term_mask(terms, SCORED_FIELDS)
    if isinstance(node, Phrase):
        return _phrase_mask(core, node.text)
    if isinstance(node, Field):
        return _filter_mask(core, node)
    if isinstance(node, Not):
        return ~_matching(core, node.child, weights)
    if isinstance(node, And):
        mask = _matching(core, node.children[0], weights)
        for child in node.children[1:]:
            mask &= _matching(core, child, weights)
        return mask
    if isinstance(node, Or):
        mask = np.zeros(core.size, dtype=bool)
        for child in node.children:
            mask |= _matching(core, child, weights)
        return mask
    assert isinstance(node, Soft)
    optional = [c for c in node.children if not isinstance(c, (Field, Not))]
    if not optional:
        return _constraints(core, node, weights)
    mask = np.zeros(core.size, dtype=bool)
    for child in optional:
        mask |= _matching(core, child, weights)
    return mask & _constraints(core, node, weights)


def _together(
    core: Core, text: str, found: list[tuple[str, float, str, bool, tuple[str, ...]]], weights: Weights
) -> npt.NDArray[np.bool_] | None:
    """For a keyword jieba cuts in two (``_compound``; ``found``: its ``_word_terms``): the passages that have
    both parts, each as typed or as one of its expansions; None for any other run of words. Where no passage has
    both (合法性审核问题, 不安抗辩权), ``_matching`` takes those with either, and ``SearchResults.apart`` says so."""
    parts = _compound(text) if weights.phrase else ()
    if not parts:
        return None

    def both() -> npt.NDArray[np.bool_]:
        mask = np.ones(core.size, dtype=bool)
        for part in parts:
            alike = [term for term, weight, _, _, origins in found if part in origins and weight > 0]
            mask &= core.term_mask([part, *alike], SCORED_FIELDS)
        return mask

    return core.memo(("together", parts, tuple(found)), both).copy()  # a copy: the callers change theirs


def _apart(core: Core, plan: Plan, weights: Weights) -> tuple[tuple[str, ...], ...]:
    """The parts of each keyword jieba cut in two that no passage has together (``SearchResults.apart``)."""
    apart = []
    for compound in plan.compounds:  # as _phrase_boosts asks for them: the passages with both parts are kept
        together = _together(core, compound, _word_terms(compound, weights), weights)
        if together is not None and not together.any():
            apart.append(_compound(compound))
    return tuple(apart)


def _constraints(core: Core, node: Soft, weights: Weights) -> npt.NDArray[np.bool_]:
    """The passages that pass a juxtaposition's filters and NOT clauses (all of them if it has none)."""
    mask = np.ones(core.size, dtype=bool)
    for child in node.children:
        if isinstance(child, Field):
            mask &= _matching(core, child, weights)
        elif isinstance(child, Not):
            mask &= ~_matching(core, child.child, weights)
    return mask


def _phrase_mask(core: Core, phrase: str) -> npt.NDArray[np.bool_]:
    """Passages containing the phrase's characters in order (punctuation and spaces between them allowed)."""
    mask = np.zeros(core.size, dtype=bool)
    pattern = phrase_pattern(phrase)
    if pattern is None or not core.size:
        return mask
    text, starts = core.folded_text()
    found = np.array([m.start() for m in pattern.finditer(text)], dtype=np.int64)
    if len(found):
        mask[np.searchsorted(starts, found, side="right") - 1] = True
    return mask


def _filter_mask(core: Core, node: Field) -> npt.NDArray[np.bool_]:
    if node.name == "kind":
        kind_mask: npt.NDArray[np.bool_] = core.section_kinds() == KINDS.index(node.value)
        return kind_mask
    if node.name == "cites":
        value = node.value
        return np.array([any(names_cited(value, name) for name in cited) for cited in core.citations()], dtype=bool)
    if node.years is not None:
        first, last = node.years
        return (core.years >= first) & (core.years <= last)
    if node.name in ("doc", "collection"):
        key = "id" if node.name == "doc" else "collection"
        wanted = np.array([doc[key] == node.value for doc in core.documents] or [False])
        if not wanted.any():  # typed in full width or another case (ｄｏｃ：ＨＡＮＹＡＮＧ…): as folded
            value = fold(node.value)
            wanted = np.array([name == value for name in core.folded_field(key)] or [False])
        return wanted[core.passage_document] if core.size else np.zeros(0, dtype=bool)
    if node.name in _PLACES:  # no postings: part of the name (河南 of 河南省)
        return _named_mask(core, node.name, fold(node.value))
    words = query_terms(node.value)
    mask = np.ones(core.size, dtype=bool) if words else np.zeros(core.size, dtype=bool)
    for word in words:
        mask &= core.term_mask(word, (node.name,))
    if node.name in _NAMED_BY_DOCUMENT and core.size:  # or part of the name: 陕州 of 陕州区, 中站 of 中站区教育局
        value = fold(node.value)
        mask |= _named_mask(core, node.name, value)
        if node.name == "region":  # a city or province is a region too: region:河南, region:西宁市
            for place in _PLACES:
                mask |= _named_mask(core, place, value)
    return mask


def _named_mask(core: Core, field: str, value: str) -> npt.NDArray[np.bool_]:
    """The passages of the documents whose ``field`` (folded) contains ``value``."""
    named = np.array([value in name for name in core.folded_field(field)] or [False])
    return named[core.passage_document] if core.size else np.zeros(0, dtype=bool)


#: The filters on a document's own fields, which a part of its value passes too (``region:陕州`` for 陕州区):
#: jieba keeps a place name whole (陕州区), so its words alone would not.
_NAMED_BY_DOCUMENT = ("org", "region", "title")
#: Where a document's region lies (``ingest.places``): filters by part of the name, without postings.
_PLACES = ("province", "city")
