"""Highlights as data: which characters of a passage matched, and the best fragments to show.

* Spans come from the same analysis that indexed the passage, so a highlight is exactly a term that matched:
  each occurrence of a query term in the folded text is a candidate span if it is one of the text's tokens,
  which the index's stored word starts decide without re-segmenting (``Matcher``; without them the text is
  re-tokenized, with the same result — a test checks it). A ``Matcher`` is built once per query and searches a
  page of hits at once (``Matcher.spans_of``). Phrase queries add a span for each occurrence of the phrase
  (punctuation and spaces between its characters allowed, as the phrase field allows them). A section path's
  spans come from its headings' tokens, which the index stored at build time (``Matcher.section_spans``).
* The longest match wins over the sub-words inside it (未成年人保护法, not 未成年 + 保护), and overlapping or
  touching matches merge into one span (法治 + 副校长 → 法治副校长).
* Fragments are whole sentences (ending in 。；！？), the sentence with the most distinct matched terms first,
  widened by its neighbours while it stays within ``max_chars``; a single sentence longer than that is cut
  around its matches at a clause boundary (，、：).
"""

from __future__ import annotations

import bisect
import functools
import operator
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from types import MappingProxyType, NotImplementedType

import attrs
import numpy as np
import numpy.typing as npt

from lawsearch.analysis import (
    TokenRule,
    fold,
    heading_tokens,
    inner_words,
    known_inner_words,
    make_char_analyzer,
    term_spans,
    token_rules,
)
from lawsearch.compiled import speedups
from lawsearch.models import SECTION_SEPARATOR, Fragment, Span, trusted_fragment, trusted_span
from lawsearch.ranking import PASSAGE_SEPARATOR

__all__ = ["Matcher", "best_fragments", "find_spans", "highlight", "matcher", "page_spans"]

# the compiled loops, when the build could compile them (else None: the Python below, the same results)
_compiled_page_spans = None if speedups is None else speedups.page_spans
_compiled_fragments = None if speedups is None else speedups.best_fragments
_compiled_sections = None if speedups is None else speedups.section_spans


# A run of sentence enders with the closing quotes after it, or a line break alone. Written with one character
# class first (the lookbehind tells a line break's match from an ender's) so that re scans for it at C speed:
# "[。；！？!?;]+[”’」』）)]*|\n", the same matches, takes twice as long.
_SENTENCE_END = re.compile(r"[\n。；！？!?;](?:(?<=\n)|[。；！？!?;]*[”’」』）)]*)")
_CLAUSE_END = re.compile(r"[，、：:,]")
# Between a phrase's characters: anything that is not a letter, digit or ideograph (as analysis.py's word test),
# except \x00, which separates passages in the text a phrase query scans. Written with \w, not explicit ideograph
# ranges: a wide range costs ~2 ms to compile, once per gap of every new phrase.
_GAP = r"(?:[^\w\x00]|_)*"


def highlight(
    text: str,
    terms: Collection[str],
    phrases: Sequence[str] = (),
    *,
    max_chars: int = 160,
    count: int = 1,
    word_starts: npt.NDArray[np.bool_] | None = None,
) -> tuple[tuple[Span, ...], tuple[Fragment, ...]]:
    """Spans of ``terms`` and ``phrases`` in ``text`` and its best ``count`` fragments."""
    spans = find_spans(text, terms, phrases, word_starts=word_starts)
    return spans, best_fragments(text, spans, max_chars=max_chars, count=count)


def find_spans(
    text: str,
    terms: Collection[str],
    phrases: Sequence[str] = (),
    *,
    word_starts: npt.NDArray[np.bool_] | None = None,
) -> tuple[Span, ...]:
    """Merged, non-overlapping spans where the query's terms or phrases occur in ``text``.

    With ``word_starts`` (stored in the index: where each word of the accurate cut starts) no re-segmentation
    is needed: each occurrence of a term is kept only if it is one of the text's tokens (``Matcher``).
    Without it the text is tokenized again. Both give the same spans.

    >>> [(s.start, s.end) for s in find_spans("会同区司法局，开展法治副校长调研", {"法治", "副校长", "校长"})]
    [(9, 14)]
    """
    return matcher(frozenset(terms), tuple(phrases)).spans(text, word_starts)


def matcher(terms: frozenset[str], phrases: tuple[str, ...] = ()) -> Matcher:
    """The matcher for a query's terms and phrases (built once per query; search keeps it for all its hits)."""
    return _matcher(terms, phrases)  # one cache key for matcher(t) and matcher(t, ())


@functools.lru_cache(maxsize=256)
def _matcher(terms: frozenset[str], phrases: tuple[str, ...]) -> Matcher:
    rules = tuple(map(token_rules(), sorted(terms)))
    patterns = tuple((pattern, fold(phrase)) for phrase in phrases if (pattern := phrase_pattern(phrase)) is not None)
    return Matcher(terms, rules, patterns)


#: A heading's terms and its tokens ``(start, -end, term)``, as ``Core.headings`` holds them.
HeadingTokens = tuple[frozenset[str], tuple[tuple[int, int, str], ...]]


@attrs.frozen
class Matcher:
    """A query's terms with what deciding their occurrences needs, and its phrase patterns."""

    terms: frozenset[str]
    # (term, its length, its compound pattern if it has one, whether it may match inside a longer word)
    rules: tuple[TokenRule, ...]
    phrases: tuple[tuple[re.Pattern[str], str], ...]
    # how the terms' occurrences begin: a term's first two characters (a compound term's first: its text may
    # hold a separator after it), which a text that contains the term contains
    openings: frozenset[str] = attrs.field(init=False)

    # the compound terms with their patterns
    compounds: tuple[tuple[str, re.Pattern[str]], ...] = attrs.field(init=False)
    # the sub-words indexing adds inside a word (this process's dictionary), and the words it has worked out
    inner: Callable[[str], tuple[tuple[int, int, str], ...]] = attrs.field(init=False, repr=False)
    known: dict[str, tuple[tuple[int, int, str], ...]] = attrs.field(init=False, repr=False)

    @openings.default
    def _openings(self) -> frozenset[str]:
        return frozenset(term[: 2 if compound is None else 1] for term, _, compound, _ in self.rules)

    @compounds.default
    def _compounds(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        return tuple((term, compound) for term, _, compound, _ in self.rules if compound is not None)

    @inner.default
    def _inner(self) -> Callable[[str], tuple[tuple[int, int, str], ...]]:
        return inner_words()

    @known.default
    def _known(self) -> dict[str, tuple[tuple[int, int, str], ...]]:
        return known_inner_words()

    def spans(self, text: str, word_starts: npt.NDArray[np.bool_] | None = None) -> tuple[Span, ...]:
        """Merged spans of the terms and phrases in ``text`` (see ``find_spans``)."""
        if word_starts is not None:
            return self.spans_in(fold(text), word_starts.tobytes())
        found: list[tuple[int, int, str]] = []  # (start, -end, term): tuple order puts the longer match first
        if self.terms:
            found.extend((start, -end, term) for start, end, term in term_spans(text) if term in self.terms)
        if self.phrases:
            found.extend(self._phrase_occurrences(fold(text)))
        return _merge(found)

    def section_spans(
        self, section: Sequence[str], known: Mapping[str, HeadingTokens] = MappingProxyType({})
    ) -> tuple[Span, ...]:
        """``spans`` over the section path ``SECTION_SEPARATOR.join(section)``, found heading by heading.

        The separator is no word character, so no token crosses it. A heading's tokens ``(start, -end, term)``
        come from ``known`` (the index's ``Core.headings``, found at build time, with the set of their terms),
        else it is segmented once per process (``analysis.heading_tokens``): a law's chapter and article headings
        (第一条 …) repeat across hits and queries where whole paths never do.
        """
        found: list[tuple[int, int, str]] = []
        offset = 0
        terms = self.terms
        for heading in section:
            entry = known.get(heading)
            if entry is not None:  # stored: its tokens, unless it has none of the terms (most headings)
                tokens = () if terms.isdisjoint(entry[0]) else entry[1]
            else:  # segmented, unless it has none of the terms' openings
                tokens = () if self.openings.isdisjoint(_heading_grams(heading)) else heading_tokens(heading)
            for start, negative_end, term in tokens:
                if term in terms:
                    found.append((offset + start, negative_end - offset, term))
            offset += len(heading) + len(SECTION_SEPARATOR)
        if self.phrases:
            found.extend(self._phrase_occurrences(fold(SECTION_SEPARATOR.join(section))))
        return _merge(found)

    def sections_spans(
        self, sections: Sequence[tuple[str, ...]], known: Mapping[str, HeadingTokens]
    ) -> list[tuple[Span, ...]]:
        """``section_spans(section, known)`` for each section path of a page: compiled (``compiled.COMPILED``) when the
        query has no phrases and ``known`` has every heading, else heading by heading in Python."""
        if _compiled_sections is not None and not self.phrases and isinstance(known, dict):
            found = _compiled_sections(list(sections), known, self.terms, len(SECTION_SEPARATOR), Span)
            if not isinstance(found, NotImplementedType):
                return found
        return [self.section_spans(section, known) for section in sections]

    def spans_in(self, folded: str, starts: bytes, extra: Sequence[tuple[int, int, str]] = ()) -> tuple[Span, ...]:
        """``spans`` for a text already folded, with its word starts as bytes (as ``Core.matching_text`` has them);
        ``extra`` occurrences ``(start, -end, term)`` (a cited law a filter asked for) are merged in."""
        return self.spans_of([(folded, starts)], [extra])[0]

    def spans_of(
        self, texts: Sequence[tuple[str, bytes]], extras: Sequence[Sequence[tuple[int, int, str]]] = ()
    ) -> list[tuple[Span, ...]]:
        """``spans_in`` for several texts at once (a page of hits): they are joined by PASSAGE_SEPARATOR (a word
        start, and no word character: no match crosses it, none touches across it) and searched in one pass,
        so each term is looked for once a page, not once a hit."""
        if len(texts) <= 1:
            if not texts:
                return []
            joined, starts = texts[0]
        else:
            joined = PASSAGE_SEPARATOR.join(folded for folded, _ in texts)
            starts = b"\x01".join(word_starts for _, word_starts in texts)
        found = [(m.start(), -m.end(), term) for term, pattern in self.compounds for m in pattern.finditer(joined)]
        found.extend(self._phrase_occurrences(joined))
        bases = [0]
        for folded, _ in texts[:-1]:
            bases.append(bases[-1] + len(folded) + len(PASSAGE_SEPARATOR))
        for base, extra in zip(bases, extras):
            found.extend((base + start, negative_end - base, term) for start, negative_end, term in extra)
        if _compiled_page_spans is not None:
            return _compiled_page_spans(joined, starts, self.rules, found, bases, Span, self.inner, self.known)
        return page_spans(joined, starts, self.rules, found, bases, self.inner)

    def _phrase_occurrences(self, folded: str) -> list[tuple[int, int, str]]:
        """Occurrences ``(start, -end, phrase)`` of the phrases in a folded text."""
        return [(m.start(), -m.end(), phrase) for pattern, phrase in self.phrases for m in pattern.finditer(folded)]


def page_spans(
    text: str,
    starts: bytes,
    rules: Sequence[TokenRule],
    found: list[tuple[int, int, str]],
    bases: Sequence[int],
    inner: Callable[[str], tuple[tuple[int, int, str], ...]] | None = None,
) -> list[tuple[Span, ...]]:
    """The spans of the texts joined in ``text`` (text i begins at ``bases[i]``): the occurrences of the terms
    of ``rules`` that are tokens of the text (``starts``: a byte per character, 1 where a word of the accurate
    cut starts; ``inner(word)``: the sub-words ``(start, end, sub-word)`` that are tokens inside a word,
    ``analysis.inner_words()`` as indexing adds them, or None for every dictionary word inside), with the
    occurrences ``(start, -end, term)`` in ``found`` (compound terms, phrases, citations), merged
    (``_merge_texts``).

    ``lawsearch._speedups.page_spans`` is this function compiled (and takes the span type, ``inner`` and the dict
    of words ``inner`` has already worked out as its sixth to eighth arguments); ``Matcher`` uses it when the
    build could compile it, and a test checks both give the same spans.
    """
    found.extend(_token_occurrences(text, starts, rules, inner))
    return _merge_texts(found, bases)


def _token_occurrences(
    folded: str,
    starts: bytes,
    rules: Sequence[TokenRule],
    inner: Callable[[str], tuple[tuple[int, int, str], ...]] | None,
) -> list[tuple[int, int, str]]:
    """Occurrences ``(start, -end, term)`` of the terms that are tokens of the text, decided by ``starts``
    (1 where a word of the accurate cut starts).

    A token is a whole word of the accurate cut, or a dictionary word of 2 to MAX_SUBWORD characters inside a
    longer word where ``inner(word)`` says indexing adds it (``analysis.inner_words``); compound terms (their
    rule has a pattern) are left to their patterns. A test compares the result with re-tokenizing.
    """
    found: list[tuple[int, int, str]] = []
    starts += b"\x01"  # the text's end ends a word, like the start of the next word
    append, find, starts_find, starts_rfind = found.append, folded.find, starts.find, starts.rfind
    for term, size, compound, sub_word in rules:
        if compound is not None or not size:
            continue
        at = find(term)
        while at != -1:
            end = at + size
            # no word starts inside (it does not straddle two words), and it is a whole word or a sub-word
            if not starts[at + 1] if size == 2 else starts_find(1, at + 1, end) == -1:
                if starts[at] and starts[end]:
                    append((at, -end, term))
                elif sub_word:
                    first = max(starts_rfind(1, 0, at + 1), 0)
                    if inner is None or (at - first, end - first, term) in inner(folded[first : starts_find(1, end)]):
                        append((at, -end, term))
            at = find(term, at + 1)
    return found


@functools.lru_cache(maxsize=1 << 16)
def _heading_grams(heading: str) -> frozenset[str]:
    """The characters and character pairs of a folded heading: a heading that has none of a query's
    ``Matcher.openings`` contains none of its terms and is not segmented at all (most of a hit's headings:
    第一百二十三条, 第三章 合同的履行 …)."""
    folded = fold(heading)
    return frozenset(folded[i : i + size] for size in (1, 2) for i in range(len(folded) - size + 1))


@functools.lru_cache(maxsize=256)
def phrase_pattern(phrase: str) -> re.Pattern[str] | None:
    """A regex over folded text for the phrase: its characters (letter/digit runs whole) in order, with
    anything but letters, digits and ideographs allowed between them; None when the phrase has none."""
    units = [token.text for token in make_char_analyzer()(phrase)]
    if not units:
        return None
    parts = []
    for unit in units:
        escaped = re.escape(unit)
        # a letter/digit run only matches a whole run, as in the phrase field
        parts.append(f"(?<![0-9a-z]){escaped}(?![0-9a-z])" if unit[0].isascii() else escaped)
    return re.compile(_GAP.join(parts))


def _merge(found: list[tuple[int, int, str]]) -> tuple[Span, ...]:
    """Spans from the occurrences ``(start, -end, term)`` in one text (see ``_merge_texts``); none or one (most
    section paths) make their spans directly."""
    if len(found) <= 1:
        return tuple(trusted_span(start, -negative_end, term) for start, negative_end, term in found)
    return _merge_texts(found, [0])[0]


def _merge_texts(found: list[tuple[int, int, str]], bases: Sequence[int]) -> list[tuple[Span, ...]]:
    """The spans of texts joined into one, where text i begins at ``bases[i]``, from the occurrences
    ``(start, -end, term)`` in the joined text (no occurrence crosses or touches from one text into the next):
    overlapping or touching occurrences become one span (the terms that lengthened it, space-separated); one
    inside a longer one is dropped. Each text's spans are in text order and index that text."""
    found.sort()  # by start, the longer first
    out: list[list[Span]] = [[] for _ in bases]
    limits = [*bases[1:], 1 << 62]
    text, base, limit = 0, 0, limits[0]
    start = end = -1
    term = ""
    more: list[str] = []  # the terms that lengthened the span after its first
    for next_start, negative_end, next_term in found:
        next_end = -negative_end
        if next_start <= end:  # overlapping or touching: one span
            if next_end > end:
                end = next_end
                more.append(next_term)
            continue  # inside the longer match: the longest wins
        if term:
            out[text].append(trusted_span(start - base, end - base, " ".join([term, *more]) if more else term))
            more = []
        start, end, term = next_start, next_end, next_term
        while start >= limit:
            text += 1
            base, limit = bases[text], limits[text]
    if term:
        out[text].append(trusted_span(start - base, end - base, " ".join([term, *more]) if more else term))
    return [tuple(spans) for spans in out]


def best_fragments(text: str, spans: Sequence[Span], *, max_chars: int = 160, count: int = 1) -> tuple[Fragment, ...]:
    """The ``count`` best fragments of ``text`` for these spans, in text order; without spans, the opening.

    ``spans`` are in text order and do not overlap, as ``find_spans`` gives them. Runs compiled when it can
    (``compiled.COMPILED``): the compiled function leaves what it does not handle (spans that are not ``Span``s, or not
    in the text) to the Python one, ``_best_fragments``, and a test checks the two agree."""
    if _compiled_fragments is not None:
        found = _compiled_fragments(text, spans, max_chars, count, Span, Fragment)
        if not isinstance(found, NotImplementedType):
            return found
    return _best_fragments(text, spans, max_chars=max_chars, count=count)


def _best_fragments(text: str, spans: Sequence[Span], *, max_chars: int, count: int) -> tuple[Fragment, ...]:
    if count < 1:
        return ()
    if len(text) <= max_chars:  # the whole text fits: that is the one best fragment, whatever the spans
        start = len(text) - len(text.lstrip())
        return (trusted_fragment(start, max(len(text.rstrip()), start + 1), tuple(spans)),)  # none in outer spaces
    sentences = _sentences(text)
    if not spans:
        return (_widen(text, sentences, 0, max_chars, spans),)

    # one pass over the spans (both lists are in text order): the sentences each span touches, with how many
    # spans and which terms touch each
    terms: dict[int, set[str]] = {}
    hits: dict[int, int] = {}
    last = len(sentences)
    first = 0
    for span in spans:
        start, end, term = span.start, span.end, span.term
        while sentences[first][1] <= start:
            first += 1
        index = first
        while index < last and sentences[index][0] < end:
            if index in hits:
                terms[index].add(term)
                hits[index] += 1
            else:
                terms[index], hits[index] = {term}, 1
            index += 1
    ranked = sorted(hits, key=lambda i: (len(terms[i]), hits[i], -i), reverse=True)
    chosen: list[Fragment] = []
    for index in ranked:
        if len(chosen) == count:
            break
        fragment = _widen(text, sentences, index, max_chars, spans)
        if not any(f.start < fragment.end and fragment.start < f.end for f in chosen):
            chosen.append(fragment)
    return tuple(sorted(chosen, key=lambda f: f.start))


@functools.lru_cache(maxsize=4096)
def _sentences(text: str) -> tuple[tuple[int, int], ...]:
    """The sentences of a text, ``(start, end)``, covering it whole (kept for the texts seen last: a passage
    that is a hit once often is again)."""
    out: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        out.append((start, match.end()))  # a match is never empty: each sentence has a character
        start = match.end()
    if start < len(text):
        out.append((start, len(text)))
    return tuple(out) or ((0, len(text)),)


def _widen(
    text: str, sentences: Sequence[tuple[int, int]], index: int, max_chars: int, spans: Sequence[Span]
) -> Fragment:
    start, end = sentences[index]
    if end - start > max_chars:
        start, end = _cut_long_sentence(text, start, end, max_chars, spans)
    else:
        before, after = index - 1, index + 1
        while True:
            if after < len(sentences) and sentences[after][1] - start <= max_chars:
                end = sentences[after][1]
                after += 1
            elif before >= 0 and end - sentences[before][0] <= max_chars:
                start = sentences[before][0]
                before -= 1
            else:
                break
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    # the spans inside: spans do not overlap, so both their starts and their ends ascend
    inside = spans[bisect.bisect_left(spans, start, key=_start_of) : bisect.bisect_right(spans, end, key=_end_of)]
    return trusted_fragment(start, max(end, start + 1), tuple(inside))


_start_of = operator.attrgetter("start")
_end_of = operator.attrgetter("end")


def _cut_long_sentence(text: str, start: int, end: int, max_chars: int, spans: Sequence[Span]) -> tuple[int, int]:
    inside = [s for s in spans if s.start >= start and s.end <= end]
    anchor = inside[0].start if inside else start
    # begin at the clause boundary before the first match, end at a clause boundary within max_chars
    begin = start
    for match in _CLAUSE_END.finditer(text, start, anchor):
        if anchor - match.end() < max_chars // 2:
            begin = match.end()
            break
    stop = min(end, begin + max_chars)
    if stop < end:
        cuts = [m.end() for m in _CLAUSE_END.finditer(text, begin, stop)]
        if cuts and cuts[-1] > anchor:
            stop = cuts[-1]
    return begin, stop
