"""Types of the compiled loops (``_speedups.c``); ``lawsearch.highlight`` and ``lawsearch.ranking`` have their
Python."""

from collections.abc import Callable, Sequence
from types import NotImplementedType

import numpy as np
import numpy.typing as npt

from lawsearch.analysis import TokenRule
from lawsearch.models import Fragment, Span

def page_spans(
    text: str,
    starts: bytes,
    rules: tuple[TokenRule, ...],
    found: list[tuple[int, int, str]],
    bases: list[int],
    span_type: type[Span],
    inner: Callable[[str], tuple[tuple[int, int, str], ...]] | None,
    known: dict[str, tuple[tuple[int, int, str], ...]],
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
def add_postings(
    scores: npt.NDArray[np.float64],
    counts: npt.NDArray[np.intp] | None,
    docs: npt.NDArray[np.int32],
    values: npt.NDArray[np.float64],
    parts: list[tuple[int, int, float]],
    counted: int,
    /,
) -> None: ...
def top(scores: npt.NDArray[np.float64], k: int, out: npt.NDArray[np.intp], /) -> int: ...
def dictionary_index(data: bytes, /) -> tuple[bytes, int] | NotImplementedType: ...
def dictionary_frequency(data: bytes, index: bytes, word: bytes, /) -> int | None: ...
def gelu(x: npt.NDArray[np.float32], /) -> None: ...
