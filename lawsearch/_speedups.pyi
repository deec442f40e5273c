"""Types of the compiled highlighter (``_speedups.c``); ``lawsearch.highlight`` has its Python."""

from collections.abc import Sequence
from types import NotImplementedType

from lawsearch.analysis import TokenRule
from lawsearch.models import Fragment, Span

def page_spans(
    text: str,
    starts: bytes,
    rules: tuple[TokenRule, ...],
    found: list[tuple[int, int, str]],
    bases: list[int],
    span_type: type[Span],
    /,
) -> list[tuple[Span, ...]]: ...
def best_fragments(
    text: str,
    spans: Sequence[Span],
    max_chars: int,
    count: int,
    span_type: type[Span],
    fragment_type: type[Fragment],
    /,
) -> tuple[Fragment, ...] | NotImplementedType: ...
def section_spans(
    sections: list[tuple[str, ...]],
    known: dict[str, tuple[frozenset[str], tuple[tuple[int, int, str], ...]]],
    terms: frozenset[str],
    separator: int,
    span_type: type[Span],
    /,
) -> list[tuple[Span, ...]] | NotImplementedType: ...
