"""The compiled loops (lawsearch/_speedups.c) give exactly what their Python gives.

``lawsearch.highlight``, ``lawsearch.ranking`` and ``lawsearch.semantic`` run them when the build could compile them. Here both run on
the same inputs: the seed reports and the laws with real queries, and generated texts full of the characters
the algorithms branch on (sentence enders, closing quotes, clause marks, spaces).
"""

from __future__ import annotations

import contextlib
import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawsearch import analysis, highlight
from lawsearch.analysis import index_terms, query_terms
from lawsearch.compiled import COMPILED
from lawsearch.models import Fragment, Span

compiled = pytest.importorskip("lawsearch._speedups", reason="the C extension was not built (no compiler?)")

QUERIES = [
    "法治副校长",
    "查处了多少家违规培训机构",
    "双随机一公开 学宪法讲宪法",
    "行政复议 决定",
    "依法治校 法治 治校 校长 家 法",
]


def python_spans(texts: list[tuple[str, bytes]], terms: frozenset[str], phrases: tuple[str, ...] = ()) -> object:
    matcher = highlight.matcher(terms, phrases)
    saved = highlight._compiled_page_spans
    highlight._compiled_page_spans = None
    try:
        return matcher.spans_of(texts)
    finally:
        highlight._compiled_page_spans = saved


def test_the_compiled_loops_are_the_ones_that_run() -> None:
    assert COMPILED
    from lawsearch.compiled import FUNCTIONS

    assert sorted(name for name in vars(compiled) if not name.startswith("_")) == sorted(FUNCTIONS)


def test_a_module_built_from_an_older_source_is_not_used() -> None:
    """An editable install whose _speedups.c moved on without a rebuild runs the Python instead of failing."""
    code = (
        "import sys, types; old = types.ModuleType('lawsearch._speedups'); old.page_spans = print; "
        "sys.modules['lawsearch._speedups'] = old; import lawsearch.compiled as c; "
        "import lawsearch; print(c.COMPILED, c.speedups, lawsearch.Index.open_or_create is not None)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "None", "True"]


def test_page_spans_equal_the_python_on_the_reports_and_laws(reports_and_laws) -> None:  # type: ignore[no-untyped-def]
    core = reports_and_laws.core()
    compared = 0
    for first in range(0, core.size - 10, 5):
        texts = [core.matching_text(row) for row in range(first, first + 10)]
        # the query terms, and every term of a neighbouring passage: sub-words, near misses, straddling words
        for terms in [
            *(frozenset(query_terms(q)) for q in QUERIES),
            frozenset(index_terms(core.texts[(first + 11) % core.size])),
        ]:
            for phrases in [(), ("法治副校长", "双随机一公开")]:
                fast = highlight.matcher(terms, phrases).spans_of(texts)
                assert fast == python_spans(texts, terms, phrases), (first, sorted(terms)[:5])
                compared += sum(map(len, fast))
    assert compared > 10_000


def test_fragments_equal_the_python_on_the_reports_and_laws(reports_and_laws) -> None:  # type: ignore[no-untyped-def]
    core = reports_and_laws.core()
    compared = 0
    for row in range(0, core.size, 3):
        folded, starts = core.matching_text(row)
        text = core.texts[row]
        for query in QUERIES[:3]:
            (spans,) = highlight.matcher(frozenset(query_terms(query))).spans_of([(folded, starts)])
            for max_chars, count in [(160, 1), (40, 3), (12, 2)]:
                fast = highlight.best_fragments(text, spans, max_chars=max_chars, count=count)
                assert fast == highlight._best_fragments(text, spans, max_chars=max_chars, count=count), (row, query)
                compared += len(fast)
    assert compared > 1000


def test_section_spans_equal_the_python_on_the_reports_and_laws(reports_and_laws) -> None:  # type: ignore[no-untyped-def]
    core = reports_and_laws.core()
    sections = sorted({tuple(meta["section"]) for meta in core.passages})
    marked = 0
    for query in [*QUERIES, "第一条 总则 义务教育 工作 主要 问题 教育"]:
        found = highlight.matcher(frozenset(query_terms(query)))
        fast = found.sections_spans(sections, core.headings)
        assert fast == [found.section_spans(section, core.headings) for section in sections], query
        assert fast == compiled.section_spans(sections, core.headings, found.terms, 3, Span)
        marked += sum(map(len, fast))
    assert marked > 300
    # a heading the index does not know is segmented, by the Python
    unknown = [("第一章 法治副校长",)]
    assert compiled.section_spans(unknown, core.headings, found.terms, 3, Span) is NotImplemented
    assert found.sections_spans(unknown, core.headings) == [found.spans("第一章 法治副校长")]


def test_postings_add_up_to_the_same_floats_as_numpy(reports_and_laws) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from lawsearch.ranking import _add_postings, _row

    core = reports_and_laws.core()
    fields = {"body": (1.0, 0.75), "title": (2.0, 0.5), "section": (1.5, 0.6)}
    table = core._table(fields, 1.2, False)
    vocabulary = sorted(core.vocabulary)
    rng = np.random.default_rng(7)
    for _ in range(200):
        terms = rng.choice(vocabulary, size=int(rng.integers(1, 25)), replace=False)
        weights = rng.choice([1.0, 0.5, 0.35, 1.7], size=len(terms))
        parts = [(*_row(table.bounds, core.vocabulary[t]), float(w)) for t, w in zip(terms, weights)]
        counted = int(rng.integers(0, len(parts) + 1))
        expected, expected_counts = np.zeros(core.size), np.zeros(core.size, dtype=np.intp)
        _add_postings(expected, expected_counts, table, parts, counted)
        summed, counts = np.zeros(core.size), np.zeros(core.size, dtype=np.intp)
        compiled.add_postings(summed, counts, table.docs, table.scores, parts, counted)
        assert np.array_equal(summed, expected) and np.array_equal(counts, expected_counts)  # equal, not close
    with pytest.raises(ValueError, match="outside the"):
        compiled.add_postings(np.zeros(3), None, table.docs, table.scores, [(0, len(table.docs), 1.0)], 0)
    with pytest.raises(TypeError, match="docs must be"):
        compiled.add_postings(np.zeros(3), None, table.docs.astype(np.int64), table.scores, [], 0)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([0.0, -0.0, 0.5, 1.0, 1.5, 2.0, -1.0, math.inf, math.nan]), max_size=300),
    st.integers(0, 120),
)
def test_top_is_numpys_full_sort_ties_in_order_nan_last(values: list[float], k: int) -> None:
    import numpy as np

    scores = np.array(values, dtype=np.float64)
    out = np.empty(k, dtype=np.intp)
    found = compiled.top(scores, k, out)
    assert out[:found].tolist() == np.lexsort((np.arange(len(scores)), -scores))[:k].tolist()


def _frequencies_both_ways(path: str, entries: list[tuple[str, int | None, str | None]]) -> tuple[object, object]:
    """``analysis._read_frequencies`` compiled and in Python: (table, total) each, or the error it raised."""
    found = []
    for compiled_loops in (analysis.speedups, None):
        saved, analysis.speedups = analysis.speedups, compiled_loops
        try:
            found.append(analysis._read_frequencies(path, entries))
        except (ValueError, UnicodeDecodeError) as exc:
            found.append(type(exc))
        finally:
            analysis.speedups = saved
    return found[0], found[1]


def test_the_dictionary_frequencies_are_the_pythons_for_every_word_of_jiebas_dictionary() -> None:
    entries = [("双随机", None, None), ("法治副校长", 50, "n"), ("人民", 7, None), ("未登录词", None, None)]
    (table, total), (expected, expected_total) = _frequencies_both_ways(analysis._dictionary_path(None), entries)
    assert isinstance(table, analysis._FileFrequencies) and isinstance(expected, dict)
    assert total == expected_total
    assert [word for word, freq in expected.items() if table.get(word) != freq] == []
    assert table.get("人民") == 7 and table.get("未登录词") == 1 and table.get("法治副校长") == 50
    for absent in ("", "人民法院法", "xyzq", "\ud800", "人 民"):
        assert table.get(absent) is None and expected.get(absent) is None


_DICTIONARY_LINES = st.lists(  # well-formed lines (the compiled reading's), in any order, with duplicates
    st.tuples(
        st.text(alphabet="法治人民aBé", min_size=1, max_size=4),
        st.from_regex(r"[0-9]{1,3}", fullmatch=True),
        st.sampled_from(["", "n", "nr"]),
    ),
    max_size=40,
)
_ODD_LINES = st.one_of(  # or one line the compiled reading leaves to the Python
    st.none(),
    st.tuples(
        st.text(alphabet="法治 \t\u3000\xa0\x1c", min_size=0, max_size=3),
        st.sampled_from(["1", "", "+3", "x", "１", "1" * 20]),
        st.sampled_from(["", "n", "a b"]),
    ),
)


@settings(max_examples=300, deadline=None)
@given(_DICTIONARY_LINES, _ODD_LINES, st.integers(0, 40), st.sampled_from(["\n", "\n", "\r\n"]), st.booleans())
def test_the_dictionary_frequencies_equal_the_python_on_generated_files(
    tmp_path_factory: pytest.TempPathFactory,
    lines: list[tuple[str, str, str]],
    odd: tuple[str, str, str] | None,
    at: int,
    newline: str,
    last: bool,
) -> None:
    """Duplicates, lines out of order, tags or none; and an odd line (spaces of every kind in a word, numbers
    Python's int reads and the compiled reading does not): the compiled reading gives the Python's table and
    total, or leaves the file to the Python (which raises where it raises)."""
    if odd is not None:
        lines.insert(at, odd)
    text = newline.join(" ".join(part for part in line if part) for line in lines) + (newline if last else "")
    path = tmp_path_factory.mktemp("dictionary") / "dict.txt"
    path.write_text(text, encoding="utf-8")
    compiled_found, python_found = _frequencies_both_ways(str(path), [("法治", None, None), ("人民", 9, None)])
    if isinstance(python_found, type):
        assert compiled_found is python_found
        return
    assert isinstance(compiled_found, tuple)
    (table, total), (expected, expected_total) = compiled_found, python_found
    assert total == expected_total
    words = {word for line in lines for word in line} | set(expected)
    assert {word: table.get(word) for word in words} == {word: expected.get(word) for word in words}


def test_gelu_gives_the_same_floats_as_numpy() -> None:
    import numpy as np

    from lawsearch.semantic import _gelu

    rng = np.random.default_rng(11)
    special = [0.0, -0.0, 1e-30, -1e-30, 1e-7, 5.9, 6.0, -6.0, 40.0, -40.0, 3e38, -3e38, np.inf, -np.inf, np.nan]
    x = np.concatenate([rng.normal(0, 3, 40_000), rng.uniform(-1e4, 1e4, 1_000), special]).astype(np.float32)
    x = np.resize(x, (len(x) // 64 + 1, 64))  # 2-d, as the model's activations are
    fast, slow = x.copy(), x.copy()
    compiled.gelu(fast)
    _gelu(slow, *(np.empty_like(slow) for _ in range(3)))
    assert np.array_equal(fast.view(np.int32), slow.view(np.int32))  # bit for bit, NaN included
    finite = np.abs(x) < 1e4
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x[finite].astype(np.float64)])
    assert np.abs(fast[finite] - exact).max() < 1e-6
    for bad in (np.zeros(4), np.zeros(8, dtype=np.float32)[::2], "法治"):
        with pytest.raises((TypeError, ValueError)):
            compiled.gelu(bad)
    frozen = np.zeros(4, dtype=np.float32)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        compiled.gelu(frozen)


_HEADINGS = ["第一章 未成年人保护法总则", "第二节 法治副校长聘任与管理", "一、中华人民共和国行政复议法", "附则"]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_section_spans_equal_the_python_on_generated_paths(data: st.DataObject) -> None:
    from lawsearch.analysis import heading_tokens

    known = {
        heading: (frozenset(t for _, _, t in heading_tokens(heading)), heading_tokens(heading)) for heading in _HEADINGS
    }
    every = sorted({term for entry in known.values() for term in entry[0]})
    terms = frozenset(data.draw(st.sets(st.sampled_from(every), max_size=8)))  # sub-words without their word too
    sections = data.draw(st.lists(st.lists(st.sampled_from(_HEADINGS), max_size=3).map(tuple), max_size=4))
    found = highlight.matcher(terms)
    assert compiled.section_spans(sections, known, terms, 3, Span) == [
        found.section_spans(section, known) for section in sections
    ]


# texts of words and of the characters the algorithms look at: sentence enders, closing quotes, clause marks, spaces
_PIECES = [
    *"法治副校长。；！？!?;\n”’」』）)，、：:, 　\t",
    "法治副校长",
    "开展调研",
    "a1",
    "。)",
    "？”",
    "；」",
    "!’",
    "。』）",
]
_texts = st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)


@st.composite
def _page(
    draw: st.DrawFn,
) -> tuple[list[tuple[str, bytes]], tuple[highlight.TokenRule, ...], list[tuple[int, int, str]]]:
    texts = draw(st.lists(st.text(alphabet="法治副校长a1。，", max_size=40), min_size=1, max_size=4))
    page = [(text, bytes(draw(st.lists(st.integers(0, 1), min_size=len(text), max_size=len(text))))) for text in texts]
    terms = draw(st.lists(st.text(alphabet="法治副校长a1", min_size=1, max_size=4), max_size=6, unique=True))
    rules = tuple((term, len(term), None, draw(st.booleans())) for term in sorted(terms))
    joined = len("\x00".join(texts))
    found = []
    for _ in range(draw(st.integers(0, 3))):  # occurrences of phrases and citations, as Matcher adds them
        start = draw(st.integers(0, max(joined - 1, 0)))
        end = draw(st.integers(start + 1, start + 5))
        found.append((start, -end, draw(st.sampled_from(["cites:民法典", "法治副校长", "法治"]))))
    return page, rules, found


@settings(max_examples=400, deadline=None)
@given(_page())
def test_page_spans_equal_the_python_on_generated_pages(
    case: tuple[list[tuple[str, bytes]], tuple[highlight.TokenRule, ...], list[tuple[int, int, str]]],
) -> None:
    page, rules, found = case
    text = "\x00".join(folded for folded, _ in page)
    starts = b"\x01".join(word_starts for _, word_starts in page)
    bases = [0]
    for folded, _ in page[:-1]:
        bases.append(bases[-1] + len(folded) + 1)
    known = analysis.known_inner_words()
    for inner in (analysis.inner_words(), None):  # the index's sub-words, or every dictionary word inside a word
        python = highlight.page_spans(text, starts, rules, list(found), bases, inner)
        assert compiled.page_spans(text, starts, rules, list(found), bases, Span, inner, known) == python
        assert compiled.page_spans(text, starts, rules, list(found), bases, Span, inner, {}) == python  # no cache


@settings(max_examples=600, deadline=None)
@given(_texts, st.data(), st.integers(1, 60), st.integers(0, 3))
def test_fragments_equal_the_python_on_generated_texts(
    text: str, data: st.DataObject, max_chars: int, count: int
) -> None:
    cuts = sorted(data.draw(st.sets(st.integers(0, len(text)), max_size=12)))
    # non-overlapping spans between the cuts, some of them left out
    spans = [
        Span(start, end, data.draw(st.sampled_from(["法治", "校长", "法治 校长"])))
        for start, end in zip(cuts, cuts[1:])
        if end > start and data.draw(st.booleans())
    ]
    python = highlight._best_fragments(text, spans, max_chars=max_chars, count=count)
    assert compiled.best_fragments(text, spans, max_chars, count, Span, Fragment) == python


def test_what_the_compiled_fragments_do_not_handle_goes_to_the_python() -> None:
    text = "会同区司法局，开展法治副校长调研。" * 12
    overlapping = [Span(9, 14, "法治副校长"), Span(12, 14, "校长")]
    assert compiled.best_fragments(text, overlapping, 40, 1, Span, Fragment) is NotImplemented
    assert highlight.best_fragments(text, overlapping, max_chars=40) == highlight._best_fragments(
        text, overlapping, max_chars=40, count=1
    )
    assert compiled.best_fragments(text, [(9, 14, "法治副校长")], 40, 1, Span, Fragment) is NotImplemented
    with pytest.raises(TypeError, match="6 arguments"):
        compiled.best_fragments(text, [])
    with pytest.raises(ValueError, match="one start byte per character"):
        compiled.page_spans("法治", b"\x01", (), [], [0], Span, None, {})
    with pytest.raises(ValueError, match="bases must name where each text begins"):  # once a crash, found by fuzzing
        compiled.page_spans("法治副校长", b"\x01\x00\x01\x00\x00", (("法治", 2, None, True),), [], [], Span, None, {})
    assert compiled.page_spans("", b"", (), [], [], Span, None, {}) == []


_JUNK = st.sampled_from(
    [None, 1, -5, 2**70, "法治", b"\x01", (), [], {}, 1.5, Span, Fragment, ("法治", 2, None, True), (1, -2, "法治")]
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
            "page_spans",
            "best_fragments",
            "section_spans",
            "add_postings",
            "top",
            "dictionary_index",
            "dictionary_frequency",
            "gelu",
        ]
    ),
    st.lists(_JUNK, max_size=7),
)
def test_the_compiled_functions_refuse_bad_arguments_with_an_error(name: str, arguments: list[object]) -> None:
    """Whatever they are given, they return or raise a Python error: never a crash (which would end this run)."""
    with contextlib.suppress(TypeError, ValueError, OverflowError, BufferError):
        getattr(compiled, name)(*arguments)
