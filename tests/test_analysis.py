"""Analysis: fold, the tokenizers' whoosh contract, user dictionary, stop words, analyzers, fingerprint."""

from __future__ import annotations

import contextlib
import doctest
import pickle
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lawsearch.analysis as analysis
from lawsearch.analysis import (
    STOPWORDS,
    CharTokenizer,
    FoldFilter,
    JiebaTokenizer,
    analyze,
    analyzer_fingerprint,
    fold,
    index_terms,
    make_analyzer,
    make_char_analyzer,
    query_terms,
)
from lawsearch.errors import InvalidArgumentError
from lawsearch.models import AnalyzedToken

CORPUS = Path(__file__).parent.parent / "corpus"
REPORTS = {path.stem: path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))}

WORDLIKE = re.compile(r"[^\W_]")
SEPARATORS = re.compile(r"[\s、,，·・]+")

# --- strategies: arbitrary text, a mix of what Chinese reports hold, and slices of the real reports

PIECES = st.sampled_from(
    [
        *"法治政府建设未成年人保护的了吗多少谁几",
        *"㐀䶵豈鶴𠀀〇々",  # extension A, compatibility ideographs, extension B, 〇 々
        *"ＡＢＺａｚ０９（），：；！？％",
        *"0123456789abcXYZé",
        *"，。、；：“”《》()[]-+%._·・",
        " ",
        "\u3000",
        "\xa0",
        "\t",
        "\n",
        "\r\n",
        "\u2002",
        "\u200b",
        "双随机、一公开",
        "双随机一公开",
        "学宪法 讲宪法",
        "谁执法、谁普法",
        "12345热线",
        "未成年人保护法",
        "法治副校长",
    ]
)
MIXED = st.lists(PIECES, max_size=60).map("".join)
REPORT_SLICES = st.sampled_from(sorted(REPORTS.values())).flatmap(
    lambda text: st.tuples(st.integers(0, len(text)), st.integers(0, 400)).map(lambda ij: text[ij[0] : ij[0] + ij[1]])
)
TEXTS = st.one_of(st.text(max_size=80), MIXED, REPORT_SLICES)
MODES = st.sampled_from(["index", "query", ""])

TOKENIZER = JiebaTokenizer()


def joined(text: str) -> str:
    return SEPARATORS.sub("", text)


# --- fold


@given(st.text())
def test_fold_preserves_length(text: str) -> None:
    assert len(fold(text)) == len(text)


def test_fold_examples() -> None:
    assert fold("ＧＤＰ１２（全文）：ＡＢ，") == "gdp12(全文):ab,"
    assert fold("Ａ\u3000B\xa0c\td\ne\u2002f") == "a b c d e f"
    assert fold("Ünïcode ÀÉ") == "ünïcode àé"
    assert fold("\uf900") == "岂"  # compatibility ideograph → unified 豈 (U+8C48) → simplified 岂
    assert fold("㈠½ﬁ¨") == "㈠½ﬁ¨"  # NFKC would make them longer
    assert fold("法治政府建设、依法行政。") == "法治政府建设、依法行政。"


def test_fold_maps_every_space_to_a_plain_space() -> None:
    spaces = "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())
    assert fold(spaces) == " " * len(spaces)


def test_fold_table_is_cheap_to_build() -> None:
    started = time.perf_counter()
    table = analysis._build_fold_table()
    assert time.perf_counter() - started < 0.05
    assert table == analysis._FOLD_TABLE


def test_doctests() -> None:
    result = doctest.testmod(analysis)
    assert result.attempted >= 2
    assert result.failed == 0


# --- the tokenizer's whoosh contract


@settings(max_examples=200, deadline=None)
@given(TEXTS, st.integers(0, 50), st.integers(0, 1000), MODES)
def test_tokenizer_offsets_and_positions(value: str, start_pos: int, start_char: int, mode: str) -> None:
    folded = fold(value)
    tokens = [
        (t.text, t.pos, t.startchar - start_char, t.endchar - start_char, t.boost, t.stopped)
        for t in TOKENIZER(value, positions=True, chars=True, start_pos=start_pos, start_char=start_char, mode=mode)
    ]
    assert [pos for _, pos, *_ in tokens] == list(range(start_pos, start_pos + len(tokens)))
    starts = [start for _, _, start, *_ in tokens]
    assert starts == sorted(starts)
    covered = set()
    for text, _, start, end, boost, stopped in tokens:
        assert 0 <= start < end <= len(value)
        assert value[start:end] == text
        assert folded[start:end] == fold(text)
        assert WORDLIKE.search(folded[start:end])
        assert boost == 1.0 and stopped is False
        covered.update(range(start, end))
    # No letter, digit or ideograph is lost.
    assert {i for i, char in enumerate(folded) if WORDLIKE.match(char)} <= covered


@settings(max_examples=200, deadline=None)
@given(TEXTS, st.integers(0, 50), st.integers(0, 1000), MODES)
def test_analyzer_terms_offsets_and_positions(value: str, start_pos: int, start_char: int, mode: str) -> None:
    tokens = [
        (t.text, t.pos, t.startchar - start_char, t.endchar - start_char)
        for t in make_analyzer()(
            value, positions=True, chars=True, start_pos=start_pos, start_char=start_char, mode=mode
        )
    ]
    positions = [pos for _, pos, _, _ in tokens]
    assert all(a < b for a, b in zip(positions, positions[1:]))
    assert all(pos >= start_pos for pos in positions)
    for term, _, start, end in tokens:
        assert 0 <= start < end <= len(value)
        source = fold(value[start:end])
        assert term in (source, joined(source))
        assert term not in STOPWORDS


@settings(max_examples=200, deadline=None)
@given(TEXTS, st.integers(0, 50), st.integers(0, 1000))
def test_char_analyzer_terms_offsets_and_positions(value: str, start_pos: int, start_char: int) -> None:
    tokens = [
        (t.text, t.pos, t.startchar - start_char, t.endchar - start_char)
        for t in make_char_analyzer()(value, positions=True, chars=True, start_pos=start_pos, start_char=start_char)
    ]
    assert [pos for _, pos, _, _ in tokens] == list(range(start_pos, start_pos + len(tokens)))
    for term, _, start, end in tokens:
        assert term == fold(value[start:end])
    # Every letter, digit and ideograph lands in exactly one token, in order.
    assert "".join(term for term, *_ in tokens) == "".join(WORDLIKE.findall(fold(value)))


def test_tokenize_false_yields_the_whole_value() -> None:
    value = "双随机、一公开 ＡＢ"
    (token,) = list(TOKENIZER(value, tokenize=False, positions=True, chars=True, start_pos=3, start_char=5))
    assert (token.text, token.pos, token.startchar, token.endchar) == (value, 3, 5, 5 + len(value))
    assert [t.text for t in make_analyzer()(value, tokenize=False)] == [fold(value)]
    assert [t.text for t in make_char_analyzer()(value, tokenize=False)] == [fold(value)]


def test_keeporiginal() -> None:
    tokens = [(t.text, t.original) for t in make_analyzer()("ＧＤＰ与法治副校长", keeporiginal=True)]
    assert tokens == [
        ("gdp", "ＧＤＰ"),
        ("法治副校长", "法治副校长"),
        ("法治", "法治"),
        ("副校长", "副校长"),
        ("校长", "校长"),
    ]


def test_one_token_object_is_reused() -> None:
    assert len({id(t) for t in TOKENIZER("依法行政，依法治校")}) == 1


def test_removestops_false_marks_stop_words() -> None:
    tokens = [(t.text, t.stopped, t.pos) for t in make_analyzer()("查处了多少家", positions=True, removestops=False)]
    assert tokens == [("查处", False, 0), ("了", True, 1), ("多少", True, 2), ("家", False, 3)]
    assert [t.text for t in make_analyzer()("查处了多少家")] == ["查处", "家"]


def test_modes() -> None:
    text = "预防未成年人犯罪法"
    index = [t.text for t in TOKENIZER(text, mode="index")]
    assert [t.text for t in TOKENIZER(text)] == index  # whoosh's default mode "" indexes
    assert [t.text for t in TOKENIZER(text, mode="query")] == ["预防未成年人犯罪法"]
    assert {"预防", "未成年人", "犯罪"} <= set(index)
    coarse = JiebaTokenizer(index_mode="default")
    assert [t.text for t in coarse(text, mode="index")] == ["预防未成年人犯罪法"]
    fine = JiebaTokenizer(query_mode="search")
    assert [t.text for t in fine(text, mode="query")] == index


@pytest.mark.parametrize("kwargs", [{"index_mode": "all"}, {"query_mode": "cut_all"}])
def test_bad_jieba_mode(kwargs: dict[str, str]) -> None:
    with pytest.raises(InvalidArgumentError, match=r"'search', 'default'"):
        JiebaTokenizer(**kwargs)


def test_non_str_value() -> None:
    with pytest.raises(InvalidArgumentError, match="needs a str"):
        list(TOKENIZER(b"bytes"))  # type: ignore[arg-type]


# --- segmentation, user dictionary, stop words


def test_index_mode_finds_sub_words() -> None:
    assert {"未成年人", "保护"} <= set(index_terms("未成年人保护"))
    assert query_terms("未成年人保护") == ["未成年人", "保护"]
    assert len(query_terms("未成年人保护")) < len(index_terms("未成年人保护"))
    # jieba's own search mode stops at 3-character sub-words; 未成年人 must still find 未成年人保护法.
    assert query_terms("未成年人保护法") == ["未成年人保护法"]
    assert {"未成年人", "保护法", "保护"} <= set(index_terms("未成年人保护法"))
    assert {"12345", "热线"} <= set(index_terms("12345热线"))


def test_latin_letters_and_digits_are_kept() -> None:
    assert query_terms("ＧＤＰ増长５％") == ["gdp", "増", "长", "5%"]
    assert query_terms("a 5 b") == ["a", "5", "b"]
    assert index_terms("Ａ类 ５ 个") == ["a", "类", "5"]  # 个 is a stop word


def test_userdict_terms_stay_whole_in_queries() -> None:
    words = analysis._parse_userdict(analysis._read_data("userdict.txt"))
    assert len(words) >= 60
    for word in words:
        assert word.joined in query_terms(word.joined)
        if len(word.parts) == 1:
            assert query_terms(word.joined) == [word.joined]


def test_userdict_terms_inside_longer_ones_are_indexed() -> None:
    words = {word.joined for word in analysis._parse_userdict(analysis._read_data("userdict.txt"))}
    for longer in words:
        terms = set(index_terms(longer))
        assert {word for word in words if word in longer and len(word) <= analysis.MAX_SUBWORD} <= terms


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("双随机、一公开", "双随机一公开"),
        ("双随机，一公开", "双随机一公开"),
        ("双随机 一公开", "双随机一公开"),
        ("双随机一公开", "双随机一公开"),
        ("学宪法 讲宪法", "学宪法讲宪法"),
        ("学宪法，讲宪法", "学宪法讲宪法"),
        ("学宪法、讲宪法", "学宪法讲宪法"),
        ("谁执法、谁普法", "谁执法谁普法"),
        ("谁执法谁普法", "谁执法谁普法"),
    ],
)
def test_compound_terms(text: str, term: str) -> None:
    assert query_terms(text).count(term) == 1
    assert index_terms(text).count(term) == 1


def test_compound_written_without_separators_is_one_query_term() -> None:
    assert query_terms("双随机一公开") == ["双随机一公开"]
    assert query_terms("法治副校长") == ["法治副校长"]


def test_compound_token_covers_the_whole_match() -> None:
    text = "开展“双随机、一公开”监管"
    (token,) = [t for t in analyze(text) if t.term == "双随机一公开"]
    assert token == AnalyzedToken(term="双随机一公开", text="双随机、一公开", position=2, start=3, end=10)
    assert [t.term for t in analyze(text)] == ["开展", "双随机", "双随机一公开", "随机", "一公开", "公开", "监管"]


def test_stop_words_removed_from_queries() -> None:
    assert query_terms("查处了多少家违规培训机构") == ["查处", "家", "违规", "培训机构"]
    assert query_terms("法治副校长是如何聘任的？") == ["法治副校长", "聘任"]


def test_stopwords_are_function_words_only() -> None:
    assert {"的", "了", "吗", "多少", "如何", "什么", "是否", "请问"} <= STOPWORDS
    assert not {"法", "年", "区", "局", "人", "保护", "问题", "法治", "教育", "学校"} & STOPWORDS
    assert all(fold(word) == word and word.strip() == word for word in STOPWORDS)


# --- the real reports


# How often each term is written in a report, with or without separators between its parts.
WRITTEN = {
    "法治副校长": re.compile("法治副校长"),
    "双随机一公开": re.compile(r"双随机[\s、,，]*一公开"),
    "谁执法谁普法": re.compile(r"谁执法[\s、,，]*谁普法"),
    "学宪法讲宪法": re.compile(r"学宪法[\s、,，]*讲宪法"),
}


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_real_reports(name: str) -> None:
    text = REPORTS[name]
    tokens = analyze(text)
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert all(a.position < b.position for a, b in zip(tokens, tokens[1:]))
    terms = [t.term for t in tokens]
    for term, written in WRITTEN.items():
        assert terms.count(term) == len(written.findall(fold(text))), term
    assert "的" not in terms


def test_real_reports_hold_the_dictionary_terms() -> None:
    terms = {term for text in REPORTS.values() for term in index_terms(text)}
    assert {
        "法治副校长",
        "双随机一公开",
        "谁执法谁普法",
        "学宪法讲宪法",
        "习近平法治思想",
        "三重一大",
        "12345",
    } <= terms


# --- char analyzer


def test_char_analyzer() -> None:
    assert [(t.term, t.position) for t in analyze("食品，安全", "chars")] == [
        ("食", 0),
        ("品", 1),
        ("安", 2),
        ("全", 3),
    ]
    assert [(t.term, t.text, t.position) for t in analyze("ＧＤＰ 12", "chars")] == [
        ("gdp", "ＧＤＰ", 0),
        ("12", "12", 1),
    ]
    # U+F900 (a compatibility ideograph) → U+8C48 豈 (NFKC) → 岂 (traditional → simplified)
    assert [t.term for t in analyze("的了㐀\uf900abc123", "chars")] == ["的", "了", "㐀", "岂", "abc123"]
    assert CharTokenizer() == CharTokenizer()


# --- analyze, pickling, the private jieba, fingerprint


def test_analyze() -> None:
    tokens = analyze("依法治校，依法治教")
    assert [(t.term, t.text, t.position, t.start, t.end) for t in tokens][:2] == [
        ("依法治校", "依法治校", 0, 0, 4),
        ("依法", "依法", 1, 0, 2),
    ]
    assert [t.term for t in analyze("依法治校，依法治教", "query")] == ["依法治校", "依法治教"]


def test_analyze_bad_mode() -> None:
    with pytest.raises(InvalidArgumentError, match=r"'bogus'.*'index', 'query', 'chars'"):
        analyze("法治", "bogus")
    with pytest.raises(ValueError):
        analyze("法治", "search")


def test_analyzers_are_reused() -> None:
    assert make_analyzer() is make_analyzer()
    assert make_char_analyzer() is make_char_analyzer()
    assert isinstance(make_analyzer()[1], FoldFilter)


def test_analyzer_pickles() -> None:
    analyzer = make_analyzer()
    list(analyzer("法治副校长"))  # loads the jieba dictionary into the tokenizer
    data = pickle.dumps(analyzer)
    assert len(data) < 2000  # no dictionary inside
    restored = pickle.loads(data)
    assert restored == analyzer and restored is not analyzer
    assert "_lexicon" not in vars(restored[0])  # the segmenter is process-wide, never pickled
    text = "学宪法，讲宪法；ＧＤＰ增长"
    assert [t.text for t in restored(text)] == [t.text for t in analyzer(text)]
    assert pickle.loads(pickle.dumps(make_char_analyzer())) == make_char_analyzer()


def test_tokenizer_equality() -> None:
    assert JiebaTokenizer() == JiebaTokenizer()
    assert JiebaTokenizer() != JiebaTokenizer(hmm=False)
    assert JiebaTokenizer() != JiebaTokenizer(query_mode="search")
    assert JiebaTokenizer() != CharTokenizer()


def test_jieba_instance_is_private_and_shared() -> None:
    jieba = analysis.import_jieba()

    list(JiebaTokenizer()("法治副校长"))
    assert analysis._lexicon(None) is analysis._lexicon(None)  # loaded once per process
    assert "法治副校长" not in jieba.dt.FREQ  # the global jieba never got our user dictionary


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_each_segmenter_backend_can_be_chosen(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if backend == "rjieba":
        pytest.importorskip("rjieba")
    monkeypatch.setenv(analysis.SEGMENTER_ENV, backend)
    assert analysis.segmenter_backend() == backend
    assert analysis._lexicon(None).backend == backend
    assert "法治副校长" in index_terms("开展法治副校长调研")


def _seed_passages():  # type: ignore[no-untyped-def]
    from lawsearch.ingest import discover, read_file

    corpus = Path(__file__).resolve().parent.parent / "corpus"
    return [p for s in discover([corpus]) for d in read_file(s.path, doc_id=s.doc_id) for p in d.passages]


def test_rjieba_gives_jieba_s_tokens_on_every_seed_passage(monkeypatch: pytest.MonkeyPatch) -> None:
    """The accelerator is only an accelerator: same dictionary, same user dictionary, same tokens."""
    pytest.importorskip("rjieba")
    texts = [p.text for p in _seed_passages()] + ["2021-2025年ＧＤＰ3.5in增长５％", "abc-def_12.5%x 双随机、一公开"]
    tokens = {}
    for backend in ("jieba", "rjieba"):
        monkeypatch.setenv(analysis.SEGMENTER_ENV, backend)
        tokens[backend] = [analysis.analyze(text) for text in texts]
    assert tokens["rjieba"] == tokens["jieba"]


def test_unknown_segmenter_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(analysis.SEGMENTER_ENV, "hanlp")
    with pytest.raises(InvalidArgumentError, match="LAWSEARCH_SEGMENTER='hanlp' is not one of"):
        analysis.segmenter_backend()


def test_loading_prints_nothing() -> None:
    code = "import lawsearch.analysis as a; a.index_terms('法治副校长'); a.analyzer_fingerprint()"
    command = [sys.executable, "-W", "error", "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    assert (result.stdout, result.stderr) == ("", "")


def test_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    fingerprint = analyzer_fingerprint()
    assert re.fullmatch(r"[0-9a-f]{16}", fingerprint)
    assert analyzer_fingerprint() == fingerprint
    monkeypatch.setattr(analysis, "ANALYZER_VERSION", analysis.ANALYZER_VERSION + 1)
    analyzer_fingerprint.cache_clear()
    try:
        assert analyzer_fingerprint() != fingerprint
    finally:
        analyzer_fingerprint.cache_clear()


def test_the_jieba_version_in_the_fingerprint_is_the_installed_distributions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.metadata

    assert analysis._jieba_version() == importlib.metadata.version("jieba")  # read from jieba's __init__.py
    (tmp_path / "__init__.py").write_text("# a jieba that does not state its version\n", encoding="utf-8")
    monkeypatch.setattr(analysis, "_jieba_folder", lambda: tmp_path)
    assert analysis._jieba_version() == importlib.metadata.version("jieba")  # then the metadata says it


def test_userdict_parsing() -> None:
    words = analysis._parse_userdict("# comment\n双随机、一公开 5000 n  # slogan\n\n12345\n学宪法  讲宪法 30\n")
    assert [(w.parts, w.freq, w.tag) for w in words] == [
        (("双随机", "一公开"), 5000, "n"),
        (("12345",), None, None),
        (("学宪法", "讲宪法"), 30, None),
    ]
    with pytest.raises(ValueError, match="bad entry"):
        analysis._parse_userdict("法治 0\n")


def test_whoosh_index_round_trip(tmp_path: Path) -> None:
    from whoosh import fields, index
    from whoosh.qparser import QueryParser

    schema = fields.Schema(
        id=fields.ID(stored=True),
        body=fields.TEXT(analyzer=make_analyzer()),
        chars=fields.TEXT(analyzer=make_char_analyzer(), phrase=True),
    )
    writer = index.create_in(tmp_path, schema).writer()
    for number, text in enumerate(["加强未成年人保护法宣传，推行“双随机、一公开”监管", "食品，安全检查与法治副校长"]):
        writer.add_document(id=str(number), body=text, chars=text)
    writer.commit()

    reopened = index.open_dir(tmp_path)  # the schema, analyzers and all, comes back from a pickle
    assert reopened.schema["body"].analyzer == make_analyzer()
    with reopened.searcher() as searcher:

        def ids(field: str, query: str) -> list[str]:
            parsed = QueryParser(field, reopened.schema).parse(query)
            return sorted(hit["id"] for hit in searcher.search(parsed))

        assert ids("body", "未成年人") == ["0"]
        assert ids("body", "双随机一公开") == ["0"]
        assert ids("body", "法治副校长") == ["1"]
        assert ids("body", "的") == []
        assert ids("chars", '"食品安全"') == ["1"]
        assert ids("chars", '"安全食品"') == []


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fold_is_its_translation_table(text: str) -> None:
    assert analysis.fold(text) == text.translate(analysis._FOLD_TABLE)


def test_rjieba_s_built_in_dictionary_is_jieba_s() -> None:
    rjieba = pytest.importorskip("rjieba")
    with open(analysis._dictionary_path(None), encoding="utf-8") as lines:
        words = [line.split()[0] for number, line in enumerate(lines) if number % 50 == 0]
    segmenter = rjieba.Jieba()
    assert len(words) > 6000 and all(segmenter.has_word(word) for word in words)


def test_rjieba_s_own_segmenter_is_not_built_and_importing_rjieba_later_still_works() -> None:
    pytest.importorskip("rjieba")
    # a fresh process: lawsearch loads jieba-rs's extension module alone, so ``import rjieba`` (which builds a
    # second segmenter, 0.2 s, for rjieba.cut) has not run; a user who imports rjieba afterwards gets it whole
    code = (
        "import sys, os; os.environ['LAWSEARCH_SEGMENTER'] = 'rjieba'\n"
        "from lawsearch import analysis\n"
        "terms = [t.term for t in analysis.analyze('法治副校长')]\n"
        "before = 'rjieba' in sys.modules\n"
        "import rjieba\n"
        "print(terms, before, rjieba.cut('法治副校长'), rjieba.Jieba is sys.modules['rjieba.rjieba'].Jieba)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[0] == "['法治副校长', '法治', '副校长', '校长'] False ['法治', '副校长'] True"


def test_without_rjieba_auto_is_jieba_and_asking_for_rjieba_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with contextlib.suppress(ImportError):
        analysis._rjieba_class()  # its extension module loaded already, as after any search with rjieba
    monkeypatch.setitem(sys.modules, "rjieba", None)  # as if it were not installed
    analysis._backend.cache_clear()
    try:
        monkeypatch.setenv(analysis.SEGMENTER_ENV, "auto")
        assert analysis.segmenter_backend() == "jieba"
        monkeypatch.setenv(analysis.SEGMENTER_ENV, "rjieba")
        with pytest.raises(InvalidArgumentError, match=r"rjieba is not installed; pip install 'lawsearch\[fast\]'"):
            analysis.segmenter_backend()
    finally:
        analysis._backend.cache_clear()


def test_every_synonym_target_is_one_query_term() -> None:
    variants, colloquial = analysis._synonyms()
    targets = {t for table in (variants, colloquial) for found in table.values() for t in found}
    assert len(targets) > 100
    split = {t: analysis.query_terms(t) for t in targets if analysis.query_terms(t) != [t]}
    assert not split, f"add these to userdict.txt or change synonyms.txt: {split}"


def test_query_analysis_of_questions_and_keywords() -> None:
    question = analysis.analyze_query("夫妻一方经营个体工商户所欠债务怎么办")
    assert "怎么办" not in question.terms and {"夫妻", "个体", "工商户", "债务"} <= set(question.terms)
    # the words inside a word that fit its cut (工商|户): 工商, not 商户 across the cut
    assert "工商" in question.subwords and "商户" not in question.subwords
    # colloquial words are found inside the text, variants only as whole terms
    assert {"饲养动物", "损害"} <= set(analysis.analyze_query("被狗咬了怎么办").expansions)
    assert analysis.analyze_query("执法证").expansions == ("执法资格证", "行政执法证")
    assert analysis.analyze_query("法治副校长").expansions == ()  # 法治 = 法制 is for the term 法治 itself
    assert analysis.analyze_query("法制").expansions == ("法治",)
    # a short query keeps its question words: they may be what is searched for
    assert analysis.analyze_query("怎么办").terms == ("怎么办",)
    # time words relative to the asker are question words: 去年 in a question is the report's 2024年
    assert analysis.analyze_query("一年作出了多少件行政处罚").terms == ("作出", "件", "行政处罚")
    assert analysis.analyze_query("去年").terms == ("去年",)


def test_each_expansion_knows_the_typed_words_it_was_added_for() -> None:
    fined = analysis.analyze_query("违规办学的培训机构被罚了多少钱")
    assert dict(zip(fined.expansions, fined.origins)) == {"罚款": ("罚",), "处罚": ("罚",)}
    # a colloquial phrase stands for the typed words it covers (狗咬 in 被狗咬了: 狗 and 咬), not for itself
    bitten = analysis.analyze_query("被狗咬了怎么办")
    assert set(bitten.origins) == {("狗", "咬")} and len(bitten.origins) == len(bitten.expansions)
    assert analysis.analyze_query("执法证").origins == (("执法证",), ("执法证",))
    numbered = analysis.analyze_query("第15条")  # the digits of an article number stand for no word
    assert numbered.expansions == ("15",) and numbered.origins == ((),)


def test_query_analysis_cuts_once_yet_equals_the_query_and_index_cuts() -> None:
    sentences = [s for text in REPORTS.values() for s in re.split(r"[。；\n]", text) if s.strip()]
    assert len(sentences) > 300
    for sentence in sentences:
        found = analysis.analyze_query(sentence)
        typed = list(dict.fromkeys(analysis.query_terms(sentence)))
        if len(typed) >= 3:
            typed = [t for t in typed if t not in analysis._QUESTION_WORDS] or typed
        inside = [t for t in dict.fromkeys(analysis.index_terms(sentence)) if t not in typed]
        assert list(found.terms) == typed, sentence
        assert list(found.subwords) == [t for t in inside if t not in analysis._QUESTION_WORDS], sentence


def test_fold_turns_traditional_characters_into_simplified_ones_that_are_not_simplified_already() -> None:
    assert analysis.fold("繁體字報告：執法證、法治副校長") == "繁体字报告:执法证、法治副校长"
    # 著 乾 於 後 are simplified characters too (著作权, 乾隆): folding them would break simplified text
    assert analysis.fold("著作權乾淨於後") == "著作权乾净於後"
    assert analysis.query_terms("執法證") == analysis.query_terms("执法证") == ["执法证"]


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert analysis.fold(analysis.fold(text)) == analysis.fold(text)


@pytest.mark.parametrize(
    ("word", "inside", "not_inside"),
    [
        ("人民法院", {"人民", "法院"}, {"民法"}),  # 民法 matched 2,805 articles of the law corpus, all 人民法院
        ("仲裁员", {"仲裁"}, {"裁员"}),  # 公司裁员 found the 仲裁法
        ("保护法", {"保护"}, {"护法"}),
        ("未成年人保护法", {"未成年人", "未成年", "保护法", "保护"}, {"成年人", "成年", "护法"}),  # 成年人: adult
        ("不动产登记", {"不动产", "登记"}, {"动产"}),  # a negation makes its opposite
        ("非公有制经济", {"经济"}, {"公有制"}),
        ("无过错责任", {"过错责任", "过错", "责任"}, set()),  # 无 is left alone: a kind of 过错责任
        ("校外培训机构", {"校外", "校外培训", "培训", "培训机构", "机构"}, set()),
        ("中华人民共和国", {"中华", "人民", "共和国", "人民共和国"}, {"华人"}),
    ],
)
def test_the_words_inside_a_word_are_those_that_fit_its_cut(word: str, inside: set[str], not_inside: set[str]) -> None:
    """Indexing adds the dictionary words inside a word, but only those between two places where the word
    splits (its most probable cut, jieba's route without the word itself, then each part's): a word across
    that cut is not a part of its meaning. Both segmenters agree (the parity test runs them on whole texts)."""
    terms = set(analysis.index_terms(word)) - {word}
    assert inside <= terms and not terms & not_inside, terms
