"""Render: search results and analyzer output → terminal text, plain text, HTML and JSON-ready dicts.

Pure functions only: no printing, no I/O, no index access. Three styles mark highlighted spans:

    ansi    bold red SGR around each span (reset after it), dim and bold for the chrome around it
    plain   spans in 【】 brackets, nothing else: for pipes, logs and tests
    html    HTML-escaped text, spans in <mark>…</mark>

Terminal layouts (``render_results``, ``render_passage_context``) wrap Chinese text by display width (a CJK
character takes two columns) and never break a highlighted span, a Latin word or a number across lines,
nor start a line with closing punctuation.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from typing import Any

from lawsearch.errors import InvalidArgumentError
from lawsearch.models import (
    SECTION_SEPARATOR,
    AnalyzedToken,
    Document,
    Explanation,
    Facet,
    Fragment,
    Hit,
    Passage,
    SearchResults,
    Span,
    SplitWord,
    TermScore,
)
from lawsearch.query import And, Node, Not, Or, Soft, parse_query

__all__ = [
    "STYLES",
    "display_width",
    "explanation_to_dict",
    "plural",
    "render_explanation",
    "render_facets",
    "render_fragment",
    "render_passage",
    "render_passage_context",
    "render_results",
    "render_tokens",
    "results_to_dict",
]

#: The rendering styles every ``render_*`` function accepts.
STYLES = ("ansi", "plain", "html")

ELLIPSIS = "…"
_DEFAULT_WIDTH = 100

# SGR sequences; each styled run ends with a full reset so nothing bleeds into the next line.
_RESET = "\x1b[0m"
_MATCH = "\x1b[1;31m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_SECTION = "\x1b[36m"

# Punctuation that must not begin a line (closing) or end one (opening), as in Chinese line-breaking rules.
_NO_LINE_START = set("，。、；：？！）》」』】〕〉”’,.;:?!)]}%…·")
_NO_LINE_END = set("（《「『【〔〈“‘([{")


def _check_style(style: str) -> None:
    if style not in STYLES:
        raise InvalidArgumentError(f"unknown style {style!r}; expected one of {STYLES!r}")


# --- width -------------------------------------------------------------------------------------------------------


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (CJK characters take two), ignoring ANSI escape sequences.

    >>> display_width("法治ab")
    6
    """
    width = 0
    in_escape = False
    for char in text:
        if in_escape:
            in_escape = not char.isalpha()
        elif char == "\x1b":
            in_escape = True
        else:
            width += _char_width(char)
    return width


def _truncate(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns, ending in an ellipsis when it was cut."""
    if display_width(text) <= width:
        return text
    out: list[str] = []
    used = 0
    for char in text:
        w = _char_width(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out).rstrip() + ELLIPSIS


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


# --- marking spans -------------------------------------------------------------------------------------------------


def _safe(text: str, style: str) -> str:
    """Escape for HTML, or make control characters harmless for a terminal (one character for one)."""
    if style == "html":
        return html.escape(text)
    # A report file may contain escape sequences or line breaks: never let them drive the terminal or the layout.
    return "".join(
        " " if char in "\t\n\r\v\f" else "\ufffd" if unicodedata.category(char) == "Cc" else char for char in text
    )


def _open_close(style: str) -> tuple[str, str]:
    return {"ansi": (_MATCH, _RESET), "plain": ("【", "】"), "html": ("<mark>", "</mark>")}[style]


def _mark(text: str, start: int, end: int, spans: Sequence[Span], style: str) -> str:
    """``text[start:end]`` with the parts of ``spans`` inside it marked in ``style``."""
    opening, closing = _open_close(style)
    out: list[str] = []
    at = start
    for span in sorted(spans, key=lambda s: s.start):
        lo, hi = max(span.start, at), min(span.end, end)
        if lo >= hi:
            continue  # outside the window, or overlapping a span already marked
        out.append(_safe(text[at:lo], style))
        out.append(opening + _safe(text[lo:hi], style) + closing)
        at = hi
    out.append(_safe(text[at:end], style))
    return "".join(out)


def render_fragment(text: str, fragment: Fragment, style: str) -> str:
    """A fragment of a passage's ``text`` with its spans marked, and "…" where the passage goes on.

    >>> render_fragment("为进一步充实法治副校长队伍。", Fragment(6, 11, (Span(6, 11),)), "plain")
    '…【法治副校长】…'

    Raises:
        InvalidArgumentError: ``style`` is not one of ``STYLES``.
    """
    _check_style(style)
    body = _mark(text, fragment.start, fragment.end, fragment.spans, style)
    prefix = ELLIPSIS if fragment.start > 0 else ""
    suffix = ELLIPSIS if fragment.end < len(text) else ""
    return prefix + body + suffix


def render_passage(text: str, spans: Sequence[Span], style: str) -> str:
    """The whole passage ``text`` with ``spans`` marked.

    >>> render_passage("a<b 法治", [Span(4, 6)], "html")
    'a&lt;b <mark>法治</mark>'

    Raises:
        InvalidArgumentError: ``style`` is not one of ``STYLES``.
    """
    _check_style(style)
    return _mark(text, 0, len(text), spans, style)


# --- wrapping ------------------------------------------------------------------------------------------------------


def _atoms(text: str, start: int, end: int, spans: Sequence[Span]) -> list[tuple[int, int]]:
    """Unbreakable ranges of ``text[start:end]``: highlighted spans, Latin words and numbers, single characters."""
    span_at = {s.start: min(s.end, end) for s in spans if start <= s.start < end}
    atoms: list[tuple[int, int]] = []
    i = start
    while i < end:
        if i in span_at and span_at[i] > i:
            j = span_at[i]
        elif text[i].isascii() and text[i].isalnum():
            j = i + 1
            while j < end and text[j].isascii() and (text[j].isalnum() or text[j] in ".-_%") and j not in span_at:
                j += 1
        else:
            j = i + 1
        atoms.append((i, j))
        i = j
    # Glue closing punctuation to what precedes it and opening punctuation to what follows it.
    glued: list[tuple[int, int]] = []
    for lo, hi in atoms:
        if glued and (text[lo] in _NO_LINE_START or text[glued[-1][1] - 1] in _NO_LINE_END):
            glued[-1] = (glued[-1][0], hi)
        else:
            glued.append((lo, hi))
    return glued


def _wrap(
    text: str, start: int, end: int, spans: Sequence[Span], style: str, width: int, *, ellipses: bool = True
) -> list[str]:
    """``text[start:end]`` with spans marked, wrapped into lines of at most about ``width`` columns."""
    marker = 2 if style == "plain" else 0  # 【 and 】 take two columns each; SGR sequences none
    starts = {s.start for s in spans}
    ends = {s.end for s in spans}

    def atom_width(lo: int, hi: int) -> int:
        extra = sum(marker for k in range(lo, hi) if k in starts) + sum(
            marker for k in range(lo + 1, hi + 1) if k in ends
        )
        return display_width(text[lo:hi]) + extra

    lead = ELLIPSIS if ellipses and start > 0 else ""
    tail = ELLIPSIS if ellipses and end < len(text) else ""
    width -= len(tail)  # room for the closing ellipsis, whichever line it lands on
    lines: list[tuple[int, int]] = []
    line_start, used = None, len(lead)
    for lo, hi in _atoms(text, start, end, spans):
        w = atom_width(lo, hi)
        if line_start is None:
            line_start, used = lo, used + w
        elif used + w > width:
            lines.append((line_start, lo))
            line_start, used = lo, w
        else:
            used += w
        last = hi
    if line_start is None:
        return [lead + tail] if lead or tail else []
    lines.append((line_start, last))
    rendered = []
    for lo, hi in lines:
        while lo < hi and text[lo].isspace() and lo not in starts:
            lo += 1
        inside = [s for s in spans if s.start < hi and s.end > lo]
        rendered.append(_mark(text, lo, hi, inside, style).rstrip())
    rendered[0] = lead + rendered[0]
    rendered[-1] += tail
    return rendered


# --- search results ------------------------------------------------------------------------------------------------


def _styled(text: str, sgr: str, style: str) -> str:
    if style == "ansi" and text:
        return f"{sgr}{text}{_RESET}"
    return text


def plural(count: int, noun: str) -> str:
    """``1 passage``, ``2 passages``.

    >>> plural(1, "passage"), plural(108, "passage")
    ('1 passage', '108 passages')
    """
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _header(results: SearchResults) -> str:
    # control characters typed into the query (an escape sequence) are shown, not sent to the terminal
    query = "".join(f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" else c for c in results.query)
    unit = "report" if results.group else "passage"
    if results.total == 0:
        head = f"no {unit}s match '{query}'"
    else:
        matches = f"{unit} matches" if results.total == 1 else f"{unit}s match"
        head = f"{results.total} {matches} '{query}'"
        if results.sort != "score" and results.total > 1:
            head += f", {results.sort} first"
    if results.related:
        follow = "follows" if results.related == 1 else "follow"
        head += f"; {plural(results.related, 'related passage')} {follow} ({_within(results)})"
    if results.listed == 0:
        return head
    if not results.hits:
        return f"{head} — page {results.page} is past the last page ({results.pages})"
    first, last = results.hits[0].rank, results.hits[-1].rank
    shown = f"showing {first}" if first == last else f"showing {first}–{last}"
    if results.pages == 1:
        return f"{head} — {shown}" if results.listed > len(results.hits) else head
    return f"{head} — {shown}, page {results.page} of {results.pages}"


def _no_match_hint(results: SearchResults) -> str:
    if results.terms or ":" in results.query:
        return "check the spelling, try fewer words, or remove filters (year:, org:, …)"
    if _negates(parse_query(results.query)):  # NOT 法治: nothing to search for, only what to leave out
        return (
            "NOT leaves out every passage that has its words (titles and section headings count); "
            "add words to search for"
        )
    return "the query has no searchable word: stop words (的, 了, 吗 …) and punctuation are not indexed"


def _split_hint(word: SplitWord, *, more: bool) -> str:
    """``5 more passages say 学法 only as part of other words (法学 法; 中小学 法治副校长): "学法" in quotes
    finds them``."""
    count = plural(word.passages, "more passage" if more else "passage")
    verb = "says" if word.passages == 1 else "say"
    them = "it" if word.passages == 1 else "them"
    cuts = "; ".join(word.examples)
    return f'{count} {verb} {word.word} only as part of other words ({cuts}): "{word.word}" in quotes finds {them}'


def _apart_notes(results: SearchResults) -> list[str]:
    """``no passage says both 不安 and 抗辩权 (不安抗辩权, as jieba cuts it): these say one of them``."""
    return [
        f"no passage says both {' and '.join(parts)} ({''.join(parts)}, as jieba cuts it): these say one of them"
        for parts in results.apart
    ]


def _negates(node: Node) -> bool:
    if isinstance(node, Not):
        return True
    return isinstance(node, (And, Or, Soft)) and any(_negates(child) for child in node.children)


def _within(results: SearchResults) -> str:
    return f"words inside it: {' '.join(results.within)}"


def _hit_title(document: Document) -> str:
    parts = [document.title or document.id]
    if document.year is not None:
        parts.append(str(document.year))
    if document.org:
        parts.append(document.org)
    return " · ".join(parts)


def render_results(
    results: SearchResults,
    style: str,
    *,
    width: int = _DEFAULT_WIDTH,
    next_hint: str | None = None,
    split: Sequence[SplitWord] = (),
) -> str:
    """A terminal listing of one page of results: a header, then each hit with its section path and fragments.

    ``width`` is the terminal's width in columns; ``next_hint`` (e.g. ``--page 2`` or ``:next``) is shown
    after the last hit when more pages follow; ``split`` (``Index.split_words``) adds a hint per keyword that
    passages say only as part of other words. The result has no trailing newline.

    Raises:
        InvalidArgumentError: ``style`` is not one of ``STYLES``.
    """
    _check_style(style)
    if style == "html":
        return _results_html(results)
    width = max(width, 40)
    lines = [_styled(_header(results), _BOLD, style)]
    if results.listed == 0:
        hints = [_split_hint(word, more=False) for word in split] or [_no_match_hint(results)]
        lines.extend(f"  hint: {hint}" for hint in hints)
        return "\n".join(lines)
    lines.extend(_styled(f"  note: {note}", _DIM, style) for note in _apart_notes(results))
    rank_width = len(str(results.hits[-1].rank)) if results.hits else 1
    indent = " " * (rank_width + 3)
    body_width = width - len(indent)
    for number, hit in enumerate(results.hits):
        lines.append("")
        if hit.related and (number == 0 or not results.hits[number - 1].related):
            line = f"related — none of the query's words, only {_within(results)}"
            lines.extend((_styled(line, _DIM, style), ""))
        lines.extend(_render_hit(hit, style, rank_width, indent, body_width))
    if next_hint and results.hits and results.page < results.pages:
        lines.append("")
        more = results.listed - results.hits[-1].rank
        unit = "more report" if results.group else "more passage"
        lines.append(_styled(f"{plural(more, unit)} — next page: {next_hint}", _DIM, style))
    if split:
        lines.append("")
        lines.extend(_styled(f"hint: {_split_hint(word, more=True)}", _DIM, style) for word in split)
    if results.facets:
        lines.append("")
        lines.extend(render_facets(results.facets, style))
    return "\n".join(lines)


def render_explanation(explanation: Explanation, rank: int | None = None) -> str:
    """One line: the score as the sum of its terms' parts, each with its fields and frequencies.

    >>> from lawsearch.models import TermScore
    >>> e = Explanation("d#1", 3.5, True, [TermScore("执法", "typed", 1.0, [("body", 2)], 1.1, 2.0, 2.5),
    ...                                   TermScore("执法证", "expansion", 0.4, [("title", 1)], 0.9, 3.0, 1.0)])
    >>> render_explanation(e, 1)
    ' 1. d#1  score 3.50 = 执法 2.50 (body 2) + 执法证 1.00 (expansion ×0.4, title 1)'
    """
    parts = []
    for term in explanation.terms:
        if not term.frequencies:
            continue
        where = ", ".join(f"{field} {count}{_cited(term, field)}" for field, count in term.frequencies)
        source = "" if term.source == "typed" else f"{term.source.replace('subword', 'sub-word')} ×{term.weight:g}, "
        if term.stands_for:  # an expansion in place of words the index has not got
            source = f"in place of {' '.join(term.stands_for)} ×{term.weight:g}, "
        parts.append(f"{term.term} {term.contribution:.2f} ({source}{where})")
    missing = [term.term for term in explanation.terms if not term.frequencies and term.source == "typed"]
    terms = " + ".join(parts) or "0 (filters only)"
    if explanation.similarity is not None:  # semantic search: the terms scaled, plus what the model adds
        terms = (
            f"({' + '.join(parts) or '0'}) × {explanation.scale:.3f} + meaning {explanation.semantic:.2f} "
            f"(similarity {explanation.similarity:.3f}, λ {explanation.semantic_weight:.2f} for coverage "
            f"{explanation.coverage or 0:.2f})"
        )
    line = f"{explanation.passage_id}  score {explanation.score:.2f} = {terms}"
    if explanation.coordination != 1:
        line += f", × coordination {explanation.coordination:.2f}"
    if missing:
        line += f"; not in it: {' '.join(missing)}"
    if explanation.related:
        line += " (related: listed after the matches)"
    return (f"{rank:>2}. " if rank is not None else "") + line


def render_facets(facets: Sequence[Facet], style: str = "plain") -> list[str]:
    """Facet counts as lines: a heading saying what is counted, then one line per field, values most first.

    >>> render_facets([Facet("year", [("2024", 7), ("2023", 1)])])
    ['facets (passages per value):', '  year    2024 7 · 2023 1']

    Raises:
        InvalidArgumentError: ``style`` is not one of ``STYLES``.
    """
    _check_style(style)
    unit = facets[0].unit if facets else "passages"
    lines = [_styled(f"facets ({unit} per value):", _BOLD, style)]
    width = max([6, *(len(facet.name) for facet in facets)])
    for facet in facets:
        values = " · ".join(f"{value} {count}" for value, count in facet.values) or "—"
        if facet.other:
            values += f" · other {facet.other}"
        lines.append(f"  {_styled(facet.name.ljust(width), _DIM, style)}  {values}")
    return lines


def _render_hit(hit: Hit, style: str, rank_width: int, indent: str, body_width: int) -> list[str]:
    score = f"score {hit.score:.2f}"
    rank = f"{hit.rank:>{rank_width}}. "
    # Leave room for the score on the title line; a long title is cut rather than wrapped.
    title = _truncate(_hit_title(hit.document), body_width + len(indent) - len(rank) - len(score) - 3)
    lines = [f" {rank}{_styled(title, _BOLD, style)}   {_styled(score, _DIM, style)}"]
    if hit.passage.section:
        lines.append(indent + _render_section(hit, style, body_width))
    text = hit.passage.text
    fragments = hit.fragments or (Fragment(0, max(1, min(len(text), 160)), hit.spans),)
    for fragment in fragments:
        spans = fragment.spans
        for line in _wrap(text, fragment.start, min(fragment.end, len(text)), spans, style, body_width):
            lines.append(indent + line)
    where = hit.passage.id
    if hit.document_matches:
        where += f" · {plural(hit.document_matches, 'matching passage')} in this report"
    lines.append(indent + _styled(where, _DIM, style))
    return lines


def _render_section(hit: Hit, style: str, width: int) -> str:
    """The hit's section path on one line, cut to ``width``, with the query terms it contains marked."""
    path = hit.passage.section_path
    opening, closing = _open_close(style)
    # ANSI marks take no columns; brackets do, so leave room for those of the matches still shown
    marks = 0 if style == "ansi" else display_width(opening + closing)
    budget = width
    while True:
        shown = _truncate(path, budget)
        cut = len(shown) - 1 if shown != path else len(path)  # the ellipsis is not part of the path
        visible = sum(1 for s in hit.section_spans if s.start < cut)
        if display_width(shown) + marks * visible <= width or budget <= 1:
            break
        budget -= 1
    marked = _mark(path, 0, cut, hit.section_spans, style) + shown[cut:]
    if style != "ansi":
        return marked
    # colour the path, and re-open the colour after each (reset-terminated) match
    return _SECTION + marked.replace(_RESET, _RESET + _SECTION) + _RESET


def _results_html(results: SearchResults) -> str:
    """The results as an HTML fragment: a header paragraph and an ordered list of hits."""
    out = [f'<p class="lawsearch-header">{html.escape(_header(results))}</p>']
    out.extend(f'<p class="lawsearch-note">{html.escape(note)}</p>' for note in _apart_notes(results))
    if results.hits:
        out.append(f'<ol class="lawsearch-hits" start="{results.hits[0].rank}">')
        for hit in results.hits:
            related = ' class="related"' if hit.related else ""
            out.append(
                f'<li id="{html.escape(hit.passage.id)}"{related}>'
                f"<strong>{html.escape(_hit_title(hit.document))}</strong>"
                f" <small>score {hit.score:.2f}{' · related' if hit.related else ''}</small>"
            )
            if hit.passage.section:
                section = _mark(hit.passage.section_path, 0, len(hit.passage.section_path), hit.section_spans, "html")
                out.append(f'<div class="section">{section}</div>')
            out.append(f"<p>{_highlight_html(hit)}</p></li>")
        out.append("</ol>")
    return "\n".join(out)


def _highlight_html(hit: Hit) -> str:
    """The hit's fragments in html style, joined by " … " (one ellipsis between fragments, not two)."""
    text = hit.passage.text
    fragments = sorted(hit.fragments, key=lambda f: f.start)
    if not fragments:
        return render_passage(text, hit.spans, "html")
    body = " … ".join(_mark(text, f.start, f.end, f.spans, "html") for f in fragments)
    prefix = ELLIPSIS if fragments[0].start > 0 else ""
    suffix = ELLIPSIS if fragments[-1].end < len(text) else ""
    return prefix + body + suffix


def results_to_dict(results: SearchResults) -> dict[str, Any]:
    """The results as a JSON-ready dict: paging fields and, per hit, the whole passage, its spans and its document.

    ``terms`` are the analyzed terms searched for. ``hits[i]["id"]`` is the passage id, ``text`` the whole
    passage, ``spans`` ``[start, end, term]``: character offsets into ``text`` and the index term found there,
    ``highlight`` the best fragments in html style.
    """
    return {
        "query": results.query,
        "total": results.total,
        "page": results.page,
        "limit": results.limit,
        "pages": results.pages,
        "related": results.related,
        **({"within": list(results.within)} if results.related else {}),
        **({"apart": [list(parts) for parts in results.apart]} if results.apart else {}),
        "hits": [_hit_to_dict(hit) for hit in results.hits],
        "terms": list(results.terms),
        **({"group": results.group} if results.group else {}),
        **({"sort": results.sort} if results.sort != "score" else {}),
        **({"facets": {f.name: _facet_to_dict(f) for f in results.facets}} if results.facets else {}),
    }


def explanation_to_dict(explanation: Explanation) -> dict[str, Any]:
    """An explanation as a JSON-ready dict (``--json --explain`` puts one in each hit)."""
    return {
        "score": explanation.score,
        "matched": explanation.matched,
        **({"related": True} if explanation.related else {}),
        "coordination": explanation.coordination,
        **(
            {
                "scale": explanation.scale,
                "similarity": explanation.similarity,
                "semantic": explanation.semantic,
                "coverage": explanation.coverage,
                "semantic_weight": explanation.semantic_weight,
            }
            if explanation.similarity is not None
            else {}
        ),
        "terms": [
            {
                "term": t.term,
                "source": t.source,
                "weight": t.weight,
                "frequencies": dict(t.frequencies),
                "cited": t.cited,
                **({"stands_for": list(t.stands_for)} if t.stands_for else {}),
                "tf": t.tf,
                "idf": t.idf,
                "contribution": t.contribution,
            }
            for t in explanation.terms
        ],
    }


def _cited(term: TermScore, field: str) -> str:
    """Marks a term that the passage's body has only inside cited titles (counted at ``Weights.cited``)."""
    return " [only in 《…》]" if field == "body" and term.cited else ""


def _facet_to_dict(facet: Facet) -> dict[str, Any]:
    return {"unit": facet.unit, "values": [[value, count] for value, count in facet.values], "other": facet.other}


def _hit_to_dict(hit: Hit) -> dict[str, Any]:
    document = hit.document.to_fields()
    return {
        "rank": hit.rank,
        "id": hit.passage.id,
        "score": hit.score,
        "text": hit.passage.text,
        "highlight": _highlight_html(hit),
        "spans": [[span.start, span.end, span.term] for span in hit.spans],
        "section": list(hit.passage.section),
        "section_path": hit.passage.section_path,
        "section_spans": [[span.start, span.end, span.term] for span in hit.section_spans],
        "document": document,
        **({"document_matches": hit.document_matches} if hit.document_matches else {}),
        **({"related": True} if hit.related else {}),
        "kind": hit.kind,
        "cites": list(hit.cites),
    }


# --- passages in context (the REPL's :show) -------------------------------------------------------------------------


def render_passage_context(
    passages: Sequence[Passage],
    focus_id: str,
    style: str,
    *,
    spans: Sequence[Span] = (),
    document: Document | None = None,
    width: int = _DEFAULT_WIDTH,
) -> str:
    """A passage with its neighbours: the focus passage marked ``▶`` with ``spans`` highlighted, the others dim.

    Each passage is headed by its number (段落序号) and section path: in full for the focus passage, elsewhere
    only where it changes (shared leading headings shown as "…"). ``document`` adds a title line.

    Raises:
        InvalidArgumentError: ``style`` is not one of ``STYLES``, or ``focus_id`` is not among ``passages``.
    """
    _check_style(style)
    if not any(p.id == focus_id for p in passages):
        raise InvalidArgumentError(f"passage {focus_id!r} is not among the passages given; pass its context")
    if style == "html":
        return _context_html(passages, focus_id, spans, document)
    width = max(width, 40)
    indent = "    "
    lines: list[str] = []
    if document is not None:
        lines.append(_styled(_truncate(f"{document.id} · {_hit_title(document)}", width), _BOLD, style))
    previous: tuple[str, ...] = ()
    for passage in passages:
        focus = passage.id == focus_id
        lines.append("")
        label = _styled(f"{'▶' if focus else ' '} #{passage.number}", _BOLD if focus else _DIM, style)
        section = _section_label(passage.section, () if focus else previous)
        room = width - display_width(f"▶ #{passage.number} ")
        if section and focus:
            # The focus passage's section path is shown whole, wrapped under itself.
            wrapped = _wrap(section, 0, len(section), (), style, room, ellipses=False)
            hang = " " * (width - room)
            label += " " + _styled(wrapped[0], _SECTION, style)
            label += "".join("\n" + hang + _styled(more, _SECTION, style) for more in wrapped[1:])
        elif section:
            label += " " + _styled(_truncate(_safe(section, style), room), _SECTION, style)
        lines.append(label)
        previous = passage.section
        marked = spans if focus else ()
        for line in _wrap(passage.text, 0, len(passage.text), marked, style, width - len(indent)):
            lines.append(indent + (line if focus else _styled(line, _DIM, style)))
    return "\n".join(lines)


def _section_label(section: tuple[str, ...], previous: tuple[str, ...]) -> str:
    """The section path, with the headings it shares with the previous passage's path elided as "…"."""
    if section == previous:
        return ""
    shared = 0
    while shared < min(len(section), len(previous)) and section[shared] == previous[shared]:
        shared += 1
    return SECTION_SEPARATOR.join(([ELLIPSIS] if shared else []) + list(section[shared:]))


def _context_html(passages: Sequence[Passage], focus_id: str, spans: Sequence[Span], document: Document | None) -> str:
    out = []
    if document is not None:
        out.append(f"<h2>{html.escape(_hit_title(document))}</h2>")
    for passage in passages:
        focus = passage.id == focus_id
        text = render_passage(passage.text, spans if focus else (), "html")
        css = ' class="focus"' if focus else ""
        out.append(f'<p id="{html.escape(passage.id)}"{css}>{text}</p>')
    return "\n".join(out)


# --- analyzer output ------------------------------------------------------------------------------------------------


def render_tokens(tokens: Sequence[AnalyzedToken], style: str) -> str:
    """An aligned table of tokens, like Elasticsearch's ``_analyze``: position, start-end, text, term.

    >>> print(render_tokens([AnalyzedToken("abc", "ＡＢＣ", 0, 0, 3)], "plain"))
    pos  chars  text    term
      0  0-3    ＡＢＣ  abc

    Raises:
        InvalidArgumentError: ``style`` is not one of ``STYLES``.
    """
    _check_style(style)
    if style == "html":
        rows = "".join(
            f"<tr><td>{t.position}</td><td>{t.start}-{t.end}</td><td>{html.escape(t.text)}</td>"
            f"<td>{html.escape(t.term)}</td></tr>"
            for t in tokens
        )
        return f"<table><tr><th>pos</th><th>chars</th><th>text</th><th>term</th></tr>{rows}</table>"
    if not tokens:
        return "(no tokens: the text is empty or only stop words and punctuation)"
    cells = [(str(t.position), f"{t.start}-{t.end}", _safe(t.text, style), _safe(t.term, style)) for t in tokens]
    header = ("pos", "chars", "text", "term")
    widths = [max(display_width(row[i]) for row in [header, *cells]) for i in range(4)]

    def row(values: tuple[str, str, str, str]) -> str:
        pos, chars, text, term = values
        return f"{pos:>{widths[0]}}  {_pad(chars, widths[1])}  {_pad(text, widths[2])}  {term}".rstrip()

    return "\n".join([_styled(row(header), _BOLD, style), *(row(values) for values in cells)])
