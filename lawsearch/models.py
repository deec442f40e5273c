"""Frozen value objects that flow between the stages: Document, Passage, Span, Fragment, Hit, SearchResults.

They hold data only: no I/O, no markup. ``render`` turns them into text, HTML or JSON.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import attrs

from lawsearch.errors import InvalidArgumentError

__all__ = [
    "SECTION_SEPARATOR",
    "SORTS",
    "YEARS",
    "AnalyzedToken",
    "Document",
    "Fragment",
    "Hit",
    "ParsedDocument",
    "Passage",
    "SearchResults",
    "Span",
    "SplitWord",
]

#: Joins the headings of a section path (章节路径) for display.
SECTION_SEPARATOR = " › "


# Converters are spelled out per type: mypy's attrs plugin cannot infer a generic converter.
def _strings(items: Iterable[str]) -> tuple[str, ...]:
    return items if isinstance(items, str) else tuple(items)  # type: ignore[return-value]  # _headings refuses it


def _string_tuples(items: Iterable[Iterable[str]]) -> tuple[tuple[str, ...], ...]:
    return tuple(map(_strings, items))


def _path_text(value: str | os.PathLike[str]) -> str:
    return os.fspath(value) if isinstance(value, os.PathLike) else value


def _metadata_pairs(value: Mapping[str, Any] | tuple[tuple[str, str], ...] | None) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(k), str(v)) for k, v in items))


# Validators: a value object made by the caller (``Index.add`` takes them) is checked when it is made, so a bad
# field is refused with its name before it can reach an index. Objects read back from an index are made by the
# trusted constructors below, which skip these checks.
def _problem(instance: object, attribute: attrs.Attribute[Any], expected: str, value: object) -> InvalidArgumentError:
    return InvalidArgumentError(f"{type(instance).__name__}.{attribute.name} must be {expected}, got {value!r}")


def _text(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str):
        raise _problem(instance, attribute, "a string", value)


def _identifier(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value:  # " " is a file name (and so a document id) like any other
        raise _problem(instance, attribute, "a non-empty string", value)


def _whole(value: Any) -> Any:
    """A whole number of another integer type (numpy's int64) as a Python int; anything else as it is."""
    return int(value) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value


def _flag(instance: object, attribute: attrs.Attribute[bool], value: bool) -> None:
    if not isinstance(value, bool):
        raise _problem(instance, attribute, "True or False", value)


def _non_negative(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _problem(instance, attribute, "an integer >= 0", value)


#: The years a report can have: four digits, as the JSONL reader and the ``year:`` filter take them.
YEARS = range(1000, 10000)


def _year(instance: object, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value not in YEARS):
        raise _problem(instance, attribute, "None or a year from 1000 to 9999 (an int)", value)


def _headings(instance: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]) -> None:
    if isinstance(value, str) or not all(isinstance(heading, str) for heading in value):
        raise _problem(instance, attribute, "a sequence of heading strings, outermost first", value)


@attrs.frozen
class Document:
    """One report (报告) or other source document; passages point to it by ``id``.

    ``region`` is the county-level region (区/县) a report is about, ``province`` and ``city`` where that lies
    (``ingest.places``; "" where unknown).
    ``title_derived`` is true when the file had no title line and lawsearch made one up from region and year.
    ``metadata`` holds any further string fields (from JSONL records), as sorted ``(key, value)`` pairs.
    """

    id: str = attrs.field(validator=_identifier)
    title: str = attrs.field(validator=_text)
    path: str = attrs.field(default="", converter=_path_text, validator=_text)
    org: str = attrs.field(default="", validator=_text)
    region: str = attrs.field(default="", validator=_text)
    province: str = attrs.field(default="", validator=_text)
    city: str = attrs.field(default="", validator=_text)
    year: int | None = attrs.field(default=None, converter=_whole, validator=_year)
    publisher: str = attrs.field(default="", validator=_text)
    published: str = attrs.field(default="", validator=_text)
    title_derived: bool = attrs.field(default=False, validator=_flag)
    collection: str = attrs.field(default="reports", validator=_identifier)
    metadata: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_metadata_pairs)

    def metadata_dict(self) -> dict[str, str]:
        return dict(self.metadata)

    def to_fields(self) -> dict[str, Any]:
        """JSON-ready fields, metadata as a dict: what ``--json`` prints and what the index stores."""
        fields = attrs.asdict(self)
        fields["metadata"] = self.metadata_dict()
        return fields


@attrs.frozen
class Passage:
    """One paragraph (段落) of a document: the unit that is indexed, ranked and shown.

    ``text`` is the original text for display (boilerplate removed, nothing folded).
    ``section`` is the section path, outermost heading first; ``is_heading`` says the passage
    starts with a heading line that also carries body text.
    """

    id: str = attrs.field(validator=_identifier)
    document_id: str = attrs.field(validator=_identifier)
    number: int = attrs.field(converter=_whole, validator=_non_negative)
    text: str = attrs.field(validator=_text)
    section: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=_headings)
    is_heading: bool = attrs.field(default=False, validator=_flag)

    @property
    def section_path(self) -> str:
        """The section path joined for display, e.g. ``一、主要做法和成效 › （三）规范履职行为…``."""
        return SECTION_SEPARATOR.join(self.section)


def _passages(items: Iterable[Passage]) -> tuple[Passage, ...]:
    return tuple(items)


@attrs.frozen
class ParsedDocument:
    """What ingest makes of one document: its metadata and its passages, in reading order."""

    document: Document = attrs.field()
    passages: tuple[Passage, ...] = attrs.field(converter=_passages)

    @document.validator
    def _check_document(self, attribute: attrs.Attribute[Document], value: Document) -> None:
        if not isinstance(value, Document):
            raise _problem(self, attribute, "a lawsearch.Document", value)

    @passages.validator
    def _check_passages(self, attribute: attrs.Attribute[tuple[Passage, ...]], value: tuple[Passage, ...]) -> None:
        for passage in value:
            if not isinstance(passage, Passage):
                raise _problem(self, attribute, "lawsearch.Passage objects", passage)
            if passage.document_id != self.document.id:
                raise InvalidArgumentError(
                    f"passage {passage.id!r} has document_id {passage.document_id!r}, not its document's id "
                    f"{self.document.id!r}; make them equal"
                )


@attrs.frozen
class Span:
    """A highlighted match: characters ``start:end`` of a passage's text, and the index term that matched."""

    start: int = attrs.field(validator=_non_negative)
    end: int = attrs.field()
    term: str = ""

    @end.validator
    def _check_end(self, attribute: attrs.Attribute[int], value: int) -> None:
        if value <= self.start:
            raise ValueError(f"Span.end must be > start ({self.start}), got {value!r}")


def _spans(items: Iterable[Span]) -> tuple[Span, ...]:
    return tuple(items)


@attrs.frozen
class Fragment:
    """A window ``start:end`` of a passage's text chosen for display, with the spans inside it."""

    start: int = attrs.field(validator=_non_negative)
    end: int = attrs.field()
    spans: tuple[Span, ...] = attrs.field(default=(), converter=_spans)


def _fragments(items: Iterable[Fragment]) -> tuple[Fragment, ...]:
    return tuple(items)


@attrs.frozen
class Hit:
    """One ranked passage: 1-based ``rank`` over the whole result list, score, and its highlights.

    ``spans`` index ``passage.text``; ``section_spans`` index ``passage.section_path``, so a passage that
    matched only in a heading still shows what matched.
    """

    rank: int
    score: float
    passage: Passage
    document: Document
    spans: tuple[Span, ...] = attrs.field(default=(), converter=_spans)
    fragments: tuple[Fragment, ...] = attrs.field(default=(), converter=_fragments)
    section_spans: tuple[Span, ...] = attrs.field(default=(), converter=_spans)
    #: with results grouped by report: how many passages of this hit's document matched (else 0)
    document_matches: int = 0
    #: a related passage, listed after every match: it has none of the query's words, only words inside them
    #: (宪法 of 学宪法); its spans are those words
    related: bool = False

    @property
    def kind(self) -> str:
        """The kind of section the passage is in (``sections.KINDS``: measures, problems, plans, leadership,
        other), as ``kind:`` filters and facets count it (worked out when asked: a page of hits rarely needs it)."""
        from lawsearch.sections import section_kind

        return section_kind(self.passage.section, report_year=self.document.year)

    @property
    def cites(self) -> tuple[str, ...]:
        """The laws and documents the passage cites by title 《…》, canonical names in order, as ``cites:`` names
        them (worked out when asked)."""
        from lawsearch.citations import cited_names

        return cited_names(self.passage.text)


def _hits(items: Iterable[Hit]) -> tuple[Hit, ...]:
    return tuple(items)


def _pairs(items: Iterable[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    return tuple((str(value), int(count)) for value, count in items)


@attrs.frozen
class Facet:
    """Counts of one field's values over all matches (分面): ``values`` are ``(value, count)``, most first.

    ``unit`` says what is counted: ``passages``, or ``documents`` when the results are grouped by report.
    ``other`` counts the matches whose value is not among ``values`` (beyond the top ones shown).
    """

    name: str
    values: tuple[tuple[str, int], ...] = attrs.field(converter=_pairs)
    unit: str = "passages"
    other: int = 0


def _facets(items: Iterable[Facet]) -> tuple[Facet, ...]:
    return tuple(items)


@attrs.frozen
class SplitWord:
    """A keyword that passages say, but that the index cut into other words there, so they do not match it.

    Chinese is written without spaces and jieba cuts 尊法学法 as 尊 法学 法: the word 学法 is in the text, not
    among its words. ``passages`` counts the passages that have ``word``'s characters in a row (as the phrase
    ``"word"`` finds them) without matching the query; ``examples`` are how the first of them were cut around
    it, words separated by spaces (``尊 法学 法``), each way once.
    """

    word: str
    passages: int
    examples: tuple[str, ...] = attrs.field(converter=_strings)


@attrs.frozen
class TermScore:
    """One query term's part in a passage's score (see ``Explanation``).

    ``source`` is ``typed`` (the user wrote it), ``subword`` (a dictionary word inside a typed word; in a
    keyword query it only ranks the passages that match) or ``expansion`` (from synonyms.txt); ``weight`` the
    query weight that multiplies its contribution;
    ``frequencies`` its count per field where it occurs (body, title, section); ``cited`` its body count when
    the passage has it only inside cited titles 《…》 (each occurrence then counts ``Weights.cited``), else 0;
    ``tf`` the weighted, length-normalized count summed over the fields; ``contribution`` what it adds to the score;
    ``stands_for`` the words of the query an expansion replaces because the index has none of them (it then
    weighs ``Weights.stand_in``), else empty.
    """

    term: str
    source: str
    weight: float
    frequencies: tuple[tuple[str, int], ...] = attrs.field(converter=_pairs)
    tf: float = 0.0
    idf: float = 0.0
    contribution: float = 0.0
    cited: int = 0
    stands_for: tuple[str, ...] = ()


def _term_scores(items: Iterable[TermScore]) -> tuple[TermScore, ...]:
    return tuple(items)


@attrs.frozen
class Explanation:
    """Why a passage scored what it did: every query term with its part, and the factors applied after."""

    passage_id: str
    score: float
    matched: bool
    terms: tuple[TermScore, ...] = attrs.field(converter=_term_scores)
    coordination: float = 1.0
    #: semantic search: the terms' sum × coordination is multiplied by ``scale`` (1 / the best lexical score of
    #: the matches), and ``semantic`` (from the model's cosine ``similarity`` to the query) is added
    scale: float = 1.0
    similarity: float | None = None
    semantic: float = 0.0
    #: the passage does not match, but ``search`` lists it after the matches as related (``Hit.related``)
    related: bool = False
    #: semantic search: the share of the query the best lexical match says (idf-weighted typed terms), and the
    #: λ it left the model, ``Weights.semantic`` × (1 − coverage): ``semantic`` = λ × the similarity's z / 3
    coverage: float | None = None
    semantic_weight: float = 0.0


#: The orders ``search`` lists matches in: by score, or by the year reported on (newest or oldest first).
SORTS = ("score", "newest", "oldest")


@attrs.frozen
class SearchResults:
    """A page of hits for a query; ``total`` counts every matching passage, not only this page.

    ``related`` counts the related passages listed after the matches (``Hit.related``): for a query of
    keywords, those that contain none of them but words inside them (宪法 for 学宪法); ``within`` are those
    words. The pages list ``total + related`` hits.
    """

    query: str
    total: int
    page: int
    limit: int
    hits: tuple[Hit, ...] = attrs.field(converter=_hits)
    #: the analyzed terms the query searched for (stop words and punctuation are not among them)
    terms: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    #: facet counts over all matches, when asked for
    facets: tuple[Facet, ...] = attrs.field(default=(), converter=_facets)
    #: ``"report"`` when there is one hit per document (its best passage); ``total`` then counts documents
    group: str | None = None
    related: int = 0
    within: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    #: keywords jieba cuts in two whose parts no passage has together (不安 抗辩权 of 不安抗辩权): their matches
    #: have one of the parts, not the keyword
    apart: tuple[tuple[str, ...], ...] = attrs.field(default=(), converter=_string_tuples)
    #: the order of the matches: ``"score"`` (best first), ``"newest"`` or ``"oldest"`` (by year, best first
    #: within one)
    sort: str = "score"

    @property
    def listed(self) -> int:
        """How many hits the pages list: the matches, then the related passages."""
        return self.total + self.related

    @property
    def pages(self) -> int:
        return max(1, -(-self.listed // self.limit))


@attrs.frozen
class AnalyzedToken:
    """One token as the analyzer emits it (what ``lawsearch analyze`` shows).

    ``text`` is the original slice ``source[start:end]``; ``term`` the normalized form that is indexed.
    """

    term: str
    text: str
    position: int
    start: int
    end: int


# --- trusted constructors: for the objects a search makes by the dozen per query ----------------------------------
# They run no validator and no converter: their values are valid by construction (0 <= start < end, tuples
# already), and checking each span took as long as finding it. Each sets the slots directly, field by field.
_T = TypeVar("_T")


def _trusted(cls: type[_T]) -> Callable[..., _T]:
    """An unchecked constructor of ``cls`` from all its fields, in order: the object, then each slot set by its
    descriptor, written out (as ``collections.namedtuple`` writes its methods) — a span is made per match and a
    hit per result, and a loop over the fields would cost a third of it."""
    names = [field.name for field in attrs.fields(cls)]  # type: ignore[arg-type]
    scope: dict[str, Any] = {f"set_{name}": cls.__dict__[name].__set__ for name in names}
    scope.update(_new=object.__new__, _cls=cls)
    lines = [f"def make({', '.join(names)}):", "    _instance = _new(_cls)"]
    lines += [f"    set_{name}(_instance, {name})" for name in names]
    lines.append("    return _instance")
    exec("\n".join(lines), scope)  # the source is built from the class's own field names
    make: Callable[..., _T] = scope["make"]
    make.__qualname__ = make.__name__ = f"trusted_{cls.__name__.lower()}"
    return make


#: ``Span(start, end, term)``, unchecked.
trusted_span: Callable[[int, int, str], Span] = _trusted(Span)
#: ``Fragment(start, end, spans)``, unchecked: ``spans`` must be a tuple.
trusted_fragment: Callable[[int, int, tuple[Span, ...]], Fragment] = _trusted(Fragment)
#: ``Hit`` from all its fields in order, unchecked: the span and fragment fields must be tuples.
trusted_hit: Callable[..., Hit] = _trusted(Hit)
#: ``Passage`` from all its fields in order, unchecked (the index's stored passages): ``section`` a tuple.
trusted_passage: Callable[..., Passage] = _trusted(Passage)
