"""Analysis (分词): turn text into the terms that are indexed and searched.

The body field's pipeline, as ``make_analyzer()`` builds it::

    value ─fold─▶ folded ─jieba─▶ words ─▶ Token(text=value[start:end])   JiebaTokenizer
                                            ─▶ folded term                    FoldFilter
                                            ─▶ stop words removed             StopFilter

* ``fold`` normalizes without changing the length (fullwidth → ASCII, lower case, every space → ' '),
  so offsets into the folded text are offsets into the original and every token keeps exact
  ``startchar``/``endchar`` for highlighting.
* jieba segments the folded text with a private dictionary: jieba's own plus ``data/userdict.txt``
  (法治副校长, 双随机、一公开, ...) and the article numbers 第一条 … 第一千三百条 (``article_words``). Indexing
  adds the dictionary words inside each word that fit its cut
  (未成年人保护法 → 未成年人, 保护法, 保护, ...; not 成年人 or 护法, which straddle 未成年|人 and 保护|法)
  so a query's coarser words find finer text; queries use jieba's accurate
  mode. Compound terms written with separators (双随机、一公开) become one extra token 双随机一公开.
* Stop words (``data/stopwords.txt``: 的, 了, 多少, 如何 ...) are removed from the body field only.
* A body token inside a cited title (《…》) that does not end it is marked *cited* (``cited_tokens``): 行政处罚 in
  《中华人民共和国行政处罚法》 names a law the passage cites, not what the passage is about, and ranking counts a
  term that a passage has only in such places at ``Weights.cited``; 行政处罚法 itself, which ends the title, is
  not marked.

``make_char_analyzer()`` builds the phrase field's analyzer: one token per CJK character, one per run of
letters or digits, consecutive positions, no stop words, so ``"食品安全"`` matches however jieba cut it.

``analyzer_fingerprint()`` digests everything that decides which terms come out, for the index to check.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import importlib.machinery
import importlib.resources
import importlib.util
import logging
import math
import os
import re
import sys
import threading
import unicodedata
import warnings
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs
from whoosh.analysis import CompositeAnalyzer, Filter, StopFilter, Token, Tokenizer

from lawsearch.compiled import speedups
from lawsearch.errors import InvalidArgumentError
from lawsearch.models import AnalyzedToken

__all__ = [
    "ANALYZER_VERSION",
    "ANALYZE_MODES",
    "FOLD_VERSION",
    "JIEBA_MODES",
    "MAX_SUBWORD",
    "STOPWORDS",
    "CharTokenizer",
    "FoldFilter",
    "JiebaTokenizer",
    "QueryAnalysis",
    "analyze",
    "analyze_query",
    "analyzer_fingerprint",
    "article_in_words",
    "chinese_numeral",
    "cited_tokens",
    "fold",
    "index_terms",
    "inner_words",
    "known_inner_words",
    "lone_surrogate",
    "make_analyzer",
    "make_char_analyzer",
    "query_terms",
    "searched_text",
    "segmenter_backend",
    "term_spans",
    "term_spans_and_words",
    "token_rules",
]

#: Bump when a change here changes the terms for the same text (or which are cited); the index then asks to be
#: rebuilt.
# 2: only the sub-words that fit a cut of their word (not 民法 in 人民法院, 2026-11-30)
# 3: article numbers are words, 第二百三十四条 one token (``article_words``, 2026-12-01)
ANALYZER_VERSION = 3

#: Bump when the rules of ``_build_fold_table`` change.
FOLD_VERSION = 2

#: What ``analyze`` can show: the body field's index or query terms, or the phrase field's characters.
ANALYZE_MODES = ("index", "query", "chars")
#: ``JiebaTokenizer``'s modes: words and the dictionary words inside them, or jieba's accurate cut alone.
JIEBA_MODES = ("search", "default")


# ---------------------------------------------------------------------------------------------------------
# fold: length-preserving normalization

# Only these blocks hold characters that fold to another single character and matter in Chinese reports;
# scanning all of Unicode would cost ~1 s at import.
_FOLD_RANGES = (
    (0x0000, 0x0100),  # ASCII (A-Z, control spaces) and Latin-1
    (0x2000, 0x2070),  # general punctuation: en/em/thin spaces, ‐ ‑ ‒, ․ ‥
    (0x3000, 0x3040),  # CJK symbols: ideographic space
    (0xF900, 0xFB00),  # CJK compatibility ideographs → unified ideographs
    (0xFE10, 0xFE70),  # vertical, small and compatibility punctuation forms
    (0xFF00, 0xFFF0),  # halfwidth and fullwidth forms: ＡＢＣ１２３（），
)
# The only characters outside those ranges for which str.isspace() is true.
_OTHER_SPACES = "\u1680"


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for low, high in _FOLD_RANGES:
        for code in range(low, high):
            char = chr(code)
            if char.isspace():
                folded = " "
            else:
                folded = unicodedata.normalize("NFKC", char)
                if len(folded) != 1:  # ㈠ ½ ﬁ ¨: folding them would shift every later offset
                    continue
                lowered = folded.lower()
                if len(lowered) == 1:
                    folded = lowered
            if folded != char:
                table[code] = folded
    for char in _OTHER_SPACES:
        table[ord(char)] = " "
    # traditional → simplified, character for character (data/t2s.txt says which and why)
    t2s = (importlib.resources.files("lawsearch") / "data" / "t2s.txt").read_text(encoding="utf-8")
    for line in t2s.splitlines():
        if line and not line.startswith("#"):
            traditional, simplified = line.split()
            table.setdefault(ord(traditional), simplified)
    # one hop suffices (fold(fold(t)) == fold(t)): a compatibility ideograph folds to the simplified character
    for code, target in table.items():
        table[code] = table.get(ord(target), target) if len(target) == 1 else target
    return table


_FOLD_TABLE = _build_fold_table()
# str.translate looks every character up in a dict (13 µs for a 230-character article). Chinese text folds mostly
# its fullwidth punctuation: str.replace swaps those (C speed), and a regex finds the rest, which are rare.
_FOLD_BY_CHAR = {chr(code): target for code, target in _FOLD_TABLE.items()}
_FOLD_COMMON = tuple((char, _FOLD_BY_CHAR[char]) for char in "，；：（）！？\n\r\t\u3000")
_FOLD_RARE = {char: target for char, target in _FOLD_BY_CHAR.items() if char not in dict(_FOLD_COMMON)}
_FOLDABLE = re.compile("[" + re.escape("".join(_FOLD_RARE)) + "]")
_fold_one = _FOLD_RARE.__getitem__


def fold(text: str) -> str:
    """Normalize text for matching (归一化) without changing its length: fullwidth → ASCII, lower case,
    traditional → simplified characters.

    Each character becomes its NFKC form and then its lower case, wherever that is again one character;
    every whitespace character becomes a plain space; a traditional character that is no simplified character
    becomes its simplified one (``data/t2s.txt``). ``len(fold(t)) == len(t)`` always.

    >>> fold("ＧＤＰ增长５％，\u3000Ａ类")
    'gdp增长5%, a类'
    >>> fold("㈠½")  # NFKC would make these longer: they stay
    '㈠½'
    """
    for char, target in _FOLD_COMMON:
        if char in text:
            text = text.replace(char, target)
    return _FOLDABLE.sub(lambda match: _fold_one(match.group()), text) if _FOLDABLE.search(text) else text


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_UTF8 = "text in another encoding, such as GB18030?"


def lone_surrogate(text: str) -> tuple[int, str] | None:
    r"""The position of the first code point in ``text`` that is no character, and a description of it for a
    message (``f"the query has {description}"``); None if there is none.

    A lone surrogate cannot be encoded, stored or segmented. Python makes one from each byte that is not UTF-8
    in a command-line argument, a file name or piped input (``surrogateescape``: U+DC80–U+DCFF), most often
    text in GB18030 read as UTF-8; JSON's ``\ud800`` escapes make the others.

    >>> lone_surrogate("法治\udcb7")
    (2, 'byte 0xb7, which is not UTF-8 (text in another encoding, such as GB18030?)')
    >>> lone_surrogate("法治") is None
    True
    """
    match = _LONE_SURROGATE.search(text)
    if match is None:
        return None
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        return match.start(), f"byte 0x{code - 0xDC00:02x}, which is not UTF-8 ({_NOT_UTF8})"
    return match.start(), f"{match.group()!r}, a lone surrogate, which is no character"


# ---------------------------------------------------------------------------------------------------------
# data files


def _read_data(name: str) -> str:
    return (importlib.resources.files("lawsearch") / "data" / name).read_text(encoding="utf-8")


def _data_lines(text: str) -> Iterator[str]:
    """Non-empty lines without ``#`` comments (jieba's own loader knows no comments)."""
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            yield line


_STOPWORDS_TEXT = _read_data("stopwords.txt")

#: Folded stop words (停用词): function and question words the body field does not index.
STOPWORDS: frozenset[str] = frozenset(fold(line) for line in _data_lines(_STOPWORDS_TEXT))

# What may separate the parts of a compound term (双随机、一公开; 学宪法 讲宪法), in folded text.
_SEPARATOR_CHARS = r"\s、,，·・"
_SEPARATORS = re.compile(f"[{_SEPARATOR_CHARS}]+")

# jieba's userdict line format: word, then an optional frequency, then an optional part-of-speech tag.
_USERDICT_LINE = re.compile(r"^(?P<word>.+?)(?: (?P<freq>[0-9]+))?(?: (?P<tag>[a-z]+))?$")


@attrs.frozen
class _UserWord:
    """One line of ``userdict.txt``: the folded word, split into parts if it is a compound."""

    parts: tuple[str, ...]
    freq: int | None
    tag: str | None

    @property
    def joined(self) -> str:
        return "".join(self.parts)


def _parse_userdict(text: str) -> tuple[_UserWord, ...]:
    words = []
    for line in _data_lines(text):
        match = _USERDICT_LINE.match(" ".join(line.split()))
        assert match is not None  # the word group matches any non-empty line
        parts = tuple(part for part in _SEPARATORS.split(fold(match["word"])) if part)
        freq = None if match["freq"] is None else int(match["freq"])
        if not parts or freq == 0:
            # Frequency 0 makes jieba force-split the word in its process-wide HMM state.
            raise ValueError(f"userdict.txt: bad entry {line!r}; expected 'word [freq>0] [tag]'")
        words.append(_UserWord(parts, freq, match["tag"]))
    return tuple(words)


# ---------------------------------------------------------------------------------------------------------
# the jieba dictionary, loaded once per process


def import_jieba() -> Any:
    """The jieba package, imported quietly (lawsearch imports it on first use: its import alone costs ~80 ms).

    jieba 0.42.1 imports pkg_resources, which newer setuptools deprecates, and its source has regexes in plain
    strings (``"[\\.]"``): where pip installed it from its source archive without compiling it (a new Python 3.10
    virtual environment without ``wheel``), the first import compiles it and warns of each invalid escape — a
    DeprecationWarning before Python 3.12, a SyntaxWarning that everyone sees after, and a SyntaxError under
    ``-W error`` (the test suite's setting). These warnings are jieba's, not the caller's: they are not shown.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*pkg_resources", category=Warning)
        warnings.filterwarnings("ignore", message="invalid escape sequence", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message="invalid escape sequence", category=SyntaxWarning)
        import jieba
    # jieba logs "Building prefix dict ..." at DEBUG through its own stderr handler: a library must not print.
    logging.getLogger("jieba").setLevel(logging.WARNING)
    return jieba


#: (term, its length, its compound pattern or None, whether it may match inside a longer word)
TokenRule = tuple[str, int, "re.Pattern[str] | None", bool]


@attrs.frozen
class _Lexicon:
    """A private segmenter with the user dictionary, and the compound-term matcher.

    ``cut(text, hmm)`` is jieba's accurate mode, ``is_word(w)`` says whether ``w`` is a dictionary word (for the
    sub-words that indexing adds), ``frequencies()`` the dictionary's word frequencies (loaded at the first
    sub-word, for how a word splits). ``backend`` names the implementation: ``jieba`` (pure Python) or ``rjieba``
    (jieba-rs, about ten times faster, with the same dictionary — jieba-rs ships jieba's dict.txt — and the same
    user dictionary).
    """

    backend: str
    cut: Callable[[str, bool], list[str]]
    is_word: Callable[[str], bool]
    frequencies: Callable[[], tuple[FrequencyTable, float]]  # the table, and the log of its total
    compounds: re.Pattern[str] | None  # group i matches compound_terms[i - 1], separators and all
    compound_terms: tuple[str, ...]
    # word → its sub-words (start, end, sub-word) as ``_spans`` adds them: the same words come back all the time
    inner: dict[str, tuple[tuple[int, int, str], ...]] = attrs.field(factory=dict, eq=False, repr=False)
    # term → its ``token_rule``: the highlighter asks for the same terms query after query
    rules: dict[str, TokenRule] = attrs.field(factory=dict, eq=False, repr=False)

    def token_rule(self, term: str) -> TokenRule:
        """How the highlighter tells an occurrence of ``term`` that is one of a text's tokens: the term, its length,
        its compound pattern (separators and all) if it is a compound term, and whether it may match inside a
        longer word (a dictionary word of 2 to MAX_SUBWORD characters, as the sub-words indexing adds)."""
        rule = self.rules.get(term)
        if rule is None:
            compound = None
            if self.compounds is not None and term in self.compound_terms:  # its alternative of the pattern
                compound = re.compile(dict(zip(self.compound_terms, self.compounds.pattern.split("|")))[term])
            rule = (term, len(term), compound, 2 <= len(term) <= MAX_SUBWORD and self.is_word(term))
            if len(self.rules) >= _WORDS_KEPT:
                self.rules.clear()
            self.rules[term] = rule
        return rule

    def inner_words(self, word: str) -> tuple[tuple[int, int, str], ...]:
        """The dictionary words of 2 to MAX_SUBWORD characters inside ``word`` (not ``word`` itself) that are
        word-like and fit its cut (``_cuts``), by start, then end: 人民 法院 in 人民法院, not 民法; 未成年 in
        未成年人, not 成年人."""
        found = self.inner.get(word)
        if found is None:
            length, is_word, wordlike = len(word), self.is_word, _WORDLIKE.search
            inside = [
                (i, j, sub)
                for i in range(length - 1)
                for j in range(i + 2, min(length, i + MAX_SUBWORD) + 1)
                if j - i < length and is_word(sub := word[i:j])
            ]

            # Words that cross no other fit every cut (most words: 合同法, 校外培训机构): no cut to compute.
            if inside and (word[0] in _NEGATIONS or _crossing(inside)):
                cuts = self._cuts(word, inside)
                inside = [(i, j, sub) for i, j, sub in inside if i in cuts and j in cuts]
            found = tuple(item for item in inside if wordlike(item[2]))
            if len(self.inner) >= _WORDS_KEPT:
                self.inner.clear()
            self.inner[word] = found
        return found

    def _cuts(self, word: str, inside: list[tuple[int, int, str]]) -> frozenset[int]:
        """Where ``word`` splits into words: its most probable cut into two or more of the dictionary words
        ``inside`` it or single characters (jieba's route, the word itself left out), and within each part of
        three or more characters its own cut, down to two. A sub-word is kept only between two of these places,
        so a word made of the end of one part and the start of the next (民法 of 人民|法院, 裁员 of 仲裁|员, 护法
        of 保护|法) is not a term of it. A negation that starts a word (未 不 非) is not cut from what follows,
        which it turns into its opposite: 未成年人 is cut 未成年|人, never 未|成年人, so 成年人 (adult) is not a term
        of it (the law corpus's top 10 for 成年人 were all about minors), nor 动产 of 不动产, nor 公有制 of
        非公有制经济. (无 is left alone: 无过错责任 and 无民事行为能力人 are kinds of 过错责任 and of 民事行为能力.)"""
        frequencies, total = self.frequencies()
        ends: dict[int, list[tuple[int, float]]] = {}  # start → (end, log probability) of each word inside
        for i, j, sub in inside:
            ends.setdefault(i, []).append((j, math.log(frequencies.get(sub) or 1) - total))
        places = {0, len(word)}
        pending = [(0, len(word))]
        while pending:
            start, stop = pending.pop()
            negated = word[start] in _NEGATIONS
            best: dict[int, tuple[float, int]] = {stop: (0.0, stop)}
            for i in range(stop - 1, start - 1, -1):
                single = math.log(frequencies.get(word[i]) or 1) - total
                options = [] if negated and i == start else [(single + best[i + 1][0], i + 1)]
                options += [(p + best[j][0], j) for j, p in ends.get(i, ()) if j <= stop and (i, j) != (start, stop)]
                if negated and i == start:  # the negation with what follows, a dictionary word or not (非公有制)
                    known = {j for j, _ in options}
                    options += [
                        (math.log(frequencies.get(word[i:j]) or 1) - total + best[j][0], j)
                        for j in range(i + 2, stop)
                        if j not in known
                    ]
                best[i] = max(options) if options else (single + best[i + 1][0], i + 1)
            i = start
            while i < stop:
                j = best[i][1]
                places.add(j)
                if j - i > 2:
                    pending.append((i, j))
                i = j
        return frozenset(places)


def _crossing(inside: Sequence[tuple[int, int, str]]) -> bool:
    """Whether two of the words ``(start, end, word)`` overlap without one holding the other."""
    return any(a < c < b < d for a, b, _ in inside for c, d, _ in inside)


#: Characters that negate the word they start: 未成年人, 不动产, 非营利 (``_Lexicon._cuts``).
_NEGATIONS = frozenset("未不非")


_WORDS_KEPT = 1 << 17  # words whose sub-words, and terms whose highlight rules, a lexicon keeps (each)


#: ``LAWSEARCH_SEGMENTER``: ``auto`` (rjieba when installed, else jieba), ``jieba`` or ``rjieba``.
SEGMENTER_ENV = "LAWSEARCH_SEGMENTER"
SEGMENTERS = ("auto", "jieba", "rjieba")

_LEXICONS: dict[tuple[str, str | None], _Lexicon] = {}
_LEXICON_LOCK = threading.Lock()


def segmenter_backend() -> str:
    """The segmenter this process uses: ``rjieba`` or ``jieba`` (see ``LAWSEARCH_SEGMENTER``).

    Raises:
        InvalidArgumentError: the variable asks for an unknown segmenter, or for rjieba when it is not installed.
    """
    return _backend(os.environ.get(SEGMENTER_ENV, "auto"))


@functools.lru_cache(maxsize=8)
def _backend(setting: str) -> str:
    wanted = setting.strip().lower() or "auto"
    if wanted not in SEGMENTERS:
        raise InvalidArgumentError(f"{SEGMENTER_ENV}={wanted!r} is not one of {SEGMENTERS!r}")
    if wanted == "jieba":
        return "jieba"
    try:
        _rjieba_class()
    except ImportError:
        if wanted == "rjieba":
            raise InvalidArgumentError(
                f"{SEGMENTER_ENV}=rjieba but rjieba is not installed; pip install 'lawsearch[fast]'"
            ) from None
        return "jieba"
    return "rjieba"


_RJIEBA_LOCK = threading.Lock()


def _rjieba_class() -> Any:
    """rjieba's ``Jieba`` class, without the dictionary its package loads when imported.

    ``import rjieba`` builds a segmenter for its module-level functions (``rjieba.cut`` …: 0.2 s, the dictionary
    read and its trie made), which lawsearch never uses: it makes its own, to which it adds its words. So unless
    the package is already imported, the extension module is loaded by itself, under its own name: a later
    ``import rjieba`` finds it in ``sys.modules`` and works as usual.

    Raises:
        ImportError: rjieba is not installed, or has no extension module.
    """
    if "rjieba" in sys.modules:  # imported, or None: an import blocked on purpose (as if not installed)
        package = sys.modules["rjieba"]
        if package is None:
            raise ImportError("import of rjieba halted; None in sys.modules")
        return package.Jieba
    with _RJIEBA_LOCK:
        module = sys.modules.get("rjieba.rjieba")
        if module is None:
            found = importlib.util.find_spec("rjieba")  # finds the package without running it
            where = found.submodule_search_locations if found else None
            spec = importlib.machinery.PathFinder.find_spec("rjieba.rjieba", list(where)) if where else None
            if spec is None or spec.loader is None:
                raise ImportError("rjieba is not installed, or has no extension module")
            module = importlib.util.module_from_spec(spec)
            sys.modules["rjieba.rjieba"] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules["rjieba.rjieba"]
                raise
    return module.Jieba


def _lexicon(dictionary: str | None) -> _Lexicon:
    key = (segmenter_backend(), dictionary)
    lexicon = _LEXICONS.get(key)
    if lexicon is None:
        with _LEXICON_LOCK:
            lexicon = _LEXICONS.get(key)
            if lexicon is None:
                lexicon = _LEXICONS[key] = _load_lexicon(*key)
    return lexicon


def _load_lexicon(backend: str, dictionary: str | None) -> _Lexicon:
    userdict = _parse_userdict(_read_data("userdict.txt"))
    patterns = []
    terms = []
    for word in userdict:
        if len(word.parts) > 1:
            patterns.append("(" + f"[{_SEPARATOR_CHARS}]*".join(map(re.escape, word.parts)) + ")")
            terms.append(word.joined)
    compounds = re.compile("|".join(patterns)) if patterns else None
    # The parts too: jieba cannot hold 双随机、一公开, but it must cut 双随机 | 、| 一公开 around it.
    entries = [(entry, word.freq, word.tag) for word in userdict for entry in dict.fromkeys((word.joined, *word.parts))]
    entries += article_words()
    if backend == "rjieba":
        cut, is_word = _load_rjieba(dictionary, entries)
        frequencies = _frequencies_of(lambda: _read_frequencies(_dictionary_path(dictionary), entries))
    else:
        cut, is_word, table = _load_jieba(dictionary, entries)
        frequencies = _frequencies_of(lambda: (table, sum(table.values())))
    return _Lexicon(backend, cut, is_word, frequencies, compounds, tuple(terms))


class FrequencyTable(Protocol):
    """Word frequencies by word (a dict, or ``_FileFrequencies``): None for a word the dictionary lacks."""

    def get(self, word: str, /) -> int | None: ...


def _frequencies_of(load: Callable[[], tuple[FrequencyTable, int]]) -> Callable[[], tuple[FrequencyTable, float]]:
    """``_Lexicon.frequencies``: the table ``load`` gives and the log of its total, made at the first call (jieba's
    main dictionary is read again only for rjieba, and only when a word has sub-words to choose)."""

    @functools.cache
    def frequencies() -> tuple[FrequencyTable, float]:
        table, total = load()
        return table, math.log(max(total, 1))

    return frequencies


def _read_frequencies(path: str, entries: list[tuple[str, int | None, str | None]]) -> tuple[FrequencyTable, int]:
    """A jieba dictionary file's word frequencies with the user dictionary's entries over them, as jieba's own
    ``FREQ`` holds them after ``add_word`` (so both backends cut words into sub-words alike), and their total.

    Compiled (``compiled.COMPILED``), the words are looked up in the file itself (``_FileFrequencies``): 0.03 s
    to read and sort its lines instead of 0.3 s and 75 MB for a dict of jieba's 349,046 words, which every first
    search in a process that meets a word whose sub-words cross paid.
    """
    data = Path(path).read_bytes()
    made = speedups.dictionary_index(data) if speedups is not None else NotImplemented
    if made is not NotImplemented:
        return _FileFrequencies.of(data, *made, entries)
    text = data.decode("utf-8")
    fields = text.split()
    if len(fields) == 3 * text.count("\n") + (3 if text and not text.endswith("\n") else 0):
        # every line "word frequency tag", as in jieba's dict.txt: one split, no loop over 349,046 lines (0.4 s)
        table = dict(zip(fields[0::3], map(int, fields[1::3])))
    else:
        table = {}
        for line in text.splitlines():
            parts = line.split()
            if len(parts) >= 2:
                table[parts[0]] = int(parts[1])
    table.update(_entries_over(entries, table.get))
    return table, sum(table.values())


def _entries_over(
    entries: list[tuple[str, int | None, str | None]], known: Callable[[str], int | None]
) -> dict[str, int]:
    """The user dictionary's entries as jieba's ``add_word`` leaves them over a table whose frequencies ``known``
    gives: each at its own frequency, else at the one the word had (1 if none), a later entry over an earlier."""
    over: dict[str, int] = {}
    for entry, freq, _ in entries:
        if freq is None:
            had = over[entry] if entry in over else known(entry)
            freq = 1 if had is None else had
        over[entry] = freq
    return over


@attrs.frozen
class _FileFrequencies:
    """A dictionary file's frequencies found by binary search over its lines sorted by word
    (``_speedups.dictionary_index`` and ``dictionary_frequency``), the user dictionary's entries (``over``) first."""

    data: bytes
    index: bytes  # the lines' starts, by word
    over: dict[str, int]

    @classmethod
    def of(
        cls, data: bytes, index: bytes, total: int, entries: list[tuple[str, int | None, str | None]]
    ) -> tuple[FrequencyTable, int]:
        """The table with ``entries`` over the file's words, as ``_read_frequencies``'s dict has them, and its
        total (the file's ``total``, each entry's frequency in place of the file's)."""
        table = cls(data, index, {})
        table.over.update(_entries_over(entries, table.in_file))
        in_file = (table.in_file(entry) for entry in table.over)
        return table, total + sum(freq - (known or 0) for freq, known in zip(table.over.values(), in_file))

    def get(self, word: str, /) -> int | None:
        found = self.over.get(word)
        return self.in_file(word) if found is None else found

    def in_file(self, word: str) -> int | None:
        assert speedups is not None  # made only when it is
        return speedups.dictionary_frequency(self.data, self.index, word.encode("utf-8", "surrogatepass"))


def _load_jieba(
    dictionary: str | None, entries: list[tuple[str, int | None, str | None]]
) -> tuple[Callable[[str, bool], list[str]], Callable[[str], bool], Mapping[str, int]]:
    jieba = import_jieba()
    # Never jieba.dt: the global instance belongs to whoever else uses jieba in this process.
    segmenter = jieba.Tokenizer() if dictionary is None else jieba.Tokenizer(dictionary)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*pkg_resources", category=Warning)
        segmenter.initialize()
    for entry, freq, tag in entries:
        segmenter.add_word(entry, freq, tag)
    freq_table = segmenter.FREQ

    def cut(text: str, hmm: bool) -> list[str]:
        return list(segmenter.cut(text, HMM=hmm))

    def is_word(word: str) -> bool:
        return bool(freq_table.get(word))  # prefixes of words are in FREQ too, with frequency 0

    return cut, is_word, freq_table


# jieba splits a run that is no dictionary word into letter/digit runs (with a decimal part and %) and single
# characters; jieba-rs keeps runs like 2021-2025 or 3.5in whole. This regex redoes jieba's split.
_JIEBA_NON_HAN = re.compile(r"[a-zA-Z0-9]+(?:\.\d+)?%?|.", re.S)
_ASCII_ALNUM = re.compile("[a-zA-Z0-9]")


def _load_rjieba(
    path: str | None, entries: list[tuple[str, int | None, str | None]]
) -> tuple[Callable[[str, bool], list[str]], Callable[[str], bool]]:
    jieba_rs = _rjieba_class()
    if path is None:
        # jieba-rs ships jieba's dict.txt (built in, so it loads in 0.09 s instead of 0.35 s from the file)
        segmenter = jieba_rs()
    else:
        segmenter = jieba_rs.empty()
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                fields = line.split()
                if fields:
                    segmenter.add_word(fields[0], int(fields[1]), fields[2] if len(fields) > 2 else None)
    for entry, freq, tag in entries:
        segmenter.add_word(entry, freq, tag)
    has_word = segmenter.has_word
    fullmatch = _JIEBA_NON_HAN.fullmatch
    ascii_alnum = _ASCII_ALNUM.search

    def cut(text: str, hmm: bool) -> list[str]:
        words: list[str] = segmenter.cut(text, hmm)
        if not ascii_alnum(text):
            return words
        out: list[str] = []
        for word in words:
            if len(word) > 1 and word.isascii() and not fullmatch(word) and not has_word(word):
                out.extend(_JIEBA_NON_HAN.findall(word))
            else:
                out.append(word)
        return out

    return cut, has_word


def _dictionary_path(dictionary: str | None) -> str:
    if dictionary is not None:
        return dictionary
    # Found without importing jieba (its import pulls in pkg_resources: 0.1 s nobody needs with rjieba).
    return str(_jieba_folder() / "dict.txt")


def _jieba_folder() -> Path:
    spec = importlib.util.find_spec("jieba")
    assert spec is not None and spec.origin is not None, "jieba is a dependency of lawsearch"
    return Path(spec.origin).parent


def _jieba_version() -> str:
    """jieba's version (for ``analyzer_fingerprint``), as its ``__init__.py`` states it: found without importing
    jieba or ``importlib.metadata``, whose import alone (it parses e-mail headers) cost every command 25–50 ms.
    The installed distribution's metadata says the same (a test checks it) and is asked only if the file does not."""
    with open(_jieba_folder() / "__init__.py", encoding="utf-8", errors="replace") as source:
        stated = _STATED_VERSION.search(source.read(8192))
    if stated is not None:
        return stated.group(1)
    import importlib.metadata  # only where jieba's file does not say

    return importlib.metadata.version("jieba")


_STATED_VERSION = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)


# ---------------------------------------------------------------------------------------------------------
# tokenizers and filters

# A token must hold a letter, digit or ideograph: jieba also emits punctuation and spaces as words.
_WORDLIKE = re.compile(r"[^\W_]")

# Jieba's search mode adds only 2- and 3-character sub-words; we add every dictionary word inside a word,
# up to this length, which bounds the work on a long run of letters or digits.
MAX_SUBWORD = 8  # the longest sub-word indexing adds inside a word


def _check_jieba_mode(name: str, value: str) -> None:
    if value not in JIEBA_MODES:
        raise InvalidArgumentError(f"{name} must be one of {JIEBA_MODES!r}, got {value!r}")


class _OffsetTokenizer(Tokenizer):  # type: ignore[misc]
    """The whoosh Tokenizer contract over ``_spans``: subclasses say where the tokens are, this yields them.

    ``_spans(folded, mode)`` returns ``(start, end, term)`` triples in order; each token's ``text`` is the
    original slice ``value[start:end]``, its folded term travels in ``token.folded`` for ``FoldFilter``, and
    positions count the tokens from ``start_pos``.
    """

    def _spans(self, folded: str, mode: str) -> Iterable[tuple[int, int, str]]:
        raise NotImplementedError

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        """Yield one reused ``Token`` per token; see whoosh's ``RegexTokenizer.__call__`` for the arguments."""
        if not isinstance(value, str):
            raise InvalidArgumentError(f"{type(self).__name__} needs a str, got {type(value).__name__}: {value!r}")
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            yield _whole_value(token, value, positions, chars, start_pos, start_char)
            return
        pos = start_pos
        for start, end, term in self._spans(fold(value), mode):
            token.text = value[start:end]
            token.folded = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = token.text
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class JiebaTokenizer(_OffsetTokenizer):
    """Whoosh tokenizer that segments Chinese with jieba (结巴分词) and keeps exact character offsets.

    ``index_mode`` is used when whoosh indexes (``mode="index"`` or ``""``), ``query_mode`` when it parses
    a query (``mode="query"``): ``"search"`` emits each word and then the dictionary words inside it
    that fit its cut (未成年人保护法 → 未成年人保护法, 未成, 未成年, 未成年人, 保护, 保护法; not 成年人 or 护法,
    which cross it: ``_Lexicon._cuts``), ``"default"``
    is jieba's accurate mode (未成年人保护法 alone).
    ``dictionary`` replaces jieba's main dictionary file (``None``: the bundled one).

    Every token's ``text`` is the original slice ``value[start:end]``; the folded term travels in
    ``token.folded`` for ``FoldFilter``.
    """

    def __init__(
        self,
        index_mode: str = "search",
        query_mode: str = "default",
        hmm: bool = True,
        dictionary: str | None = None,
    ) -> None:
        _check_jieba_mode("index_mode", index_mode)
        _check_jieba_mode("query_mode", query_mode)
        self.index_mode = index_mode
        self.query_mode = query_mode
        self.hmm = hmm
        self.dictionary = dictionary  # the segmenter itself lives in a process-wide cache, never in the object

    def _config(self) -> tuple[str, str, bool, str | None]:
        return (self.index_mode, self.query_mode, self.hmm, self.dictionary)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, JiebaTokenizer)
        return self._config() == other._config()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        index_mode, query_mode, hmm, dictionary = self._config()
        return (
            f"{type(self).__name__}(index_mode={index_mode!r}, query_mode={query_mode!r}, "
            f"hmm={hmm!r}, dictionary={dictionary!r})"
        )

    def _spans(
        self,
        folded: str,
        mode: str,
        word_starts: list[int] | None = None,
        subwords: set[tuple[int, int, str]] | None = None,
    ) -> list[tuple[int, int, str]]:
        """The ``(start, end, term)`` of every token of already folded text, ordered by ``start``.

        ``word_starts``, when given, receives where each word of jieba's accurate cut starts (punctuation too);
        ``subwords`` the spans that are dictionary words inside a longer word (search mode adds them).
        """
        lexicon = _lexicon(self.dictionary)
        search = (self.query_mode if mode == "query" else self.index_mode) == "search"
        wordlike = _WORDLIKE.search
        spans: list[tuple[int, int, str]] = []
        start = 0
        for word in lexicon.cut(folded, self.hmm):
            length = len(word)
            if word_starts is not None:
                word_starts.append(start)
            if word.isalnum() or wordlike(word):  # isalnum: the fast answer for nearly every word
                spans.append((start, start + length, word))
                if search and length > 2:
                    for i, j, sub in lexicon.inner_words(word):
                        spans.append((start + i, start + j, sub))
                        if subwords is not None:
                            subwords.add((start + i, start + j, sub))
            start += length
        if lexicon.compounds is not None:
            self._add_compounds(lexicon, folded, spans)
        return spans

    @staticmethod
    def _add_compounds(lexicon: _Lexicon, folded: str, spans: list[tuple[int, int, str]]) -> None:
        assert lexicon.compounds is not None
        found = [
            (match.start(), match.end(), lexicon.compound_terms[match.lastindex - 1])
            for match in lexicon.compounds.finditer(folded)
            if match.lastindex is not None
        ]
        if found:
            seen = set(spans)  # jieba may already have cut 双随机一公开 written without separators
            spans.extend(span for span in found if span not in seen)
            spans.sort(key=lambda span: span[0])  # stable: jieba's tokens first at the same start


def _whole_value(token: Token, value: str, positions: bool, chars: bool, start_pos: int, start_char: int) -> Token:
    """The ``tokenize=False`` token: the whole value as one term (whoosh uses it for range ends)."""
    token.original = token.text = value
    token.folded = fold(value)
    token.boost = 1.0
    token.stopped = False
    if positions:
        token.pos = start_pos
    if chars:
        token.startchar = start_char
        token.endchar = start_char + len(value)
    return token


# Ideographs: unified (with extension A and B..H), compatibility, and 々 〆 〇 which read as characters.
_CJK_CHARS = "\u3005-\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
# The lookahead skips code points unassigned in this Python's Unicode (they are not word characters).
_CHAR_TOKEN = re.compile(f"(?=[^\\W_])[{_CJK_CHARS}]|[^\\W_{_CJK_CHARS}]+")


class CharTokenizer(_OffsetTokenizer):
    """Whoosh tokenizer for the phrase field (逐字): each ideograph one token, each letter/digit run one token.

    Positions are consecutive; punctuation and spaces make no token and take no position, so the phrase
    ``食品安全`` matches ``食品，安全`` as well. Like ``JiebaTokenizer``, ``text`` is the original slice.
    """

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return True

    __hash__ = None  # type: ignore[assignment]

    def _spans(self, folded: str, mode: str) -> Iterator[tuple[int, int, str]]:
        for match in _CHAR_TOKEN.finditer(folded):
            yield match.start(), match.end(), match.group()


class FoldFilter(Filter):  # type: ignore[misc]
    """Whoosh filter that sets each token's text to its folded term (see ``fold``).

    Our tokenizers hand over the term in ``token.folded`` (already folded, and for a compound the parts
    joined without separators); tokens from other tokenizers are folded here. Put it right after the
    tokenizer.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            term = getattr(token, "folded", None)
            token.text = fold(token.text) if term is None else term
            yield token


# ---------------------------------------------------------------------------------------------------------
# analyzers and helpers


@functools.cache
def make_analyzer() -> CompositeAnalyzer:
    """The body field's analyzer: ``JiebaTokenizer() | FoldFilter() | StopFilter(STOPWORDS)``, made once."""
    return JiebaTokenizer() | FoldFilter() | StopFilter(stoplist=STOPWORDS, minsize=1, renumber=False)


@functools.cache
def make_char_analyzer() -> CompositeAnalyzer:
    """The phrase field's analyzer: ``CharTokenizer() | FoldFilter()``, no stop words, made once."""
    return CharTokenizer() | FoldFilter()


def analyze(text: str, mode: str = "index") -> list[AnalyzedToken]:
    """The tokens of ``text`` as indexed (``"index"``), queried (``"query"``) or phrase-indexed (``"chars"``).

    Stop words are left out, as they are from the index.

    Raises:
        InvalidArgumentError: ``mode`` is not one of ``ANALYZE_MODES``, or ``text`` has a lone surrogate.
    """
    if mode == "chars":
        analyzer, whoosh_mode = make_char_analyzer(), "index"
    elif mode in ANALYZE_MODES:
        analyzer, whoosh_mode = make_analyzer(), mode
    else:
        raise InvalidArgumentError(f"unknown analysis mode {mode!r}; expected one of {ANALYZE_MODES!r}")
    bad = lone_surrogate(text)
    if bad is not None:
        raise InvalidArgumentError(f"the text has {bad[1]} at character {bad[0] + 1}; give it as UTF-8")
    return [
        AnalyzedToken(term=t.text, text=text[t.startchar : t.endchar], position=t.pos, start=t.startchar, end=t.endchar)
        for t in analyzer(text, positions=True, chars=True, mode=whoosh_mode)
    ]


_INDEX_TOKENIZER = JiebaTokenizer()


def term_spans(text: str, mode: str = "index") -> list[tuple[int, int, str]]:
    """``(start, end, term)`` of the body field's tokens: what ``make_analyzer()`` yields, without Token objects.

    The fast path for indexing and highlighting; ``start:end`` index the original ``text``.

    >>> term_spans("依法治校的法治副校长", "query")
    [(0, 4, '依法治校'), (5, 10, '法治副校长')]
    """
    return list(_term_spans(text, mode))


@functools.lru_cache(maxsize=8192)
def _term_spans(text: str, mode: str) -> tuple[tuple[int, int, str], ...]:
    # Cached: queries, section paths and titles come back again and again.
    stop = STOPWORDS
    return tuple(span for span in _INDEX_TOKENIZER._spans(fold(text), mode) if span[2] not in stop)


@functools.lru_cache(maxsize=1 << 16)
def heading_tokens(heading: str) -> tuple[tuple[int, int, str], ...]:
    """A section heading's tokens as the highlighter merges them, ``(start, -end, term)``: found once per heading
    (the law corpus's 48,000 section paths are made of 2,854 headings) and stored in the index."""
    return tuple((start, -end, term) for start, end, term in _term_spans(heading, "index"))


def term_spans_and_words(text: str) -> tuple[list[tuple[int, int, str]], list[int]]:
    """Like ``term_spans(text)`` (index mode), and also where each word of the accurate cut starts.

    The word starts let ``highlight.find_spans`` decide from stored data alone whether an occurrence of a
    term in the text is one of its tokens.
    """
    starts: list[int] = []
    spans = _INDEX_TOKENIZER._spans(fold(text), "index", starts)
    stop = STOPWORDS
    return [span for span in spans if span[2] not in stop], starts


_CITED_TITLE = re.compile(r"《[^《》\n]*》")


def cited_tokens(text: str, spans: Sequence[tuple[int, int, str]]) -> list[bool] | None:
    """For each ``(start, end, term)`` span of ``text``: whether it is inside a cited title 《…》 without ending
    it (the title's own last word — the law's name, 行政处罚法 — is not cited in this sense); None when ``text``
    cites no title.

    >>> text = "学习《中华人民共和国行政处罚法》，作出行政处罚11件"
    >>> spans = term_spans(text)
    >>> [(term, cited) for (_, _, term), cited in zip(spans, cited_tokens(text, spans)) if "行政" in term]
    [('行政处罚法', False), ('行政', True), ('行政处罚', True), ('行政处罚', False), ('行政', False)]
    """
    if "《" not in text:
        return None
    titles = [(match.start() + 1, match.end() - 1) for match in _CITED_TITLE.finditer(text)]
    if not titles:
        return None
    ends = [end for _, end in titles]
    cited = []
    for start, end, _ in spans:
        at = bisect.bisect_right(ends, start)  # the first title that ends after the token starts
        cited.append(at < len(titles) and titles[at][0] <= start and end < titles[at][1])
    return cited


def token_rules() -> Callable[[str], TokenRule]:
    """What the highlighter's token test needs from the dictionary: each term's ``_Lexicon.token_rule``."""
    return _lexicon(None).token_rule


def inner_words() -> Callable[[str], tuple[tuple[int, int, str], ...]]:
    """The sub-words indexing adds inside a word, ``(start, end, sub-word)`` (``_Lexicon.inner_words``)."""
    return _lexicon(None).inner_words


def known_inner_words() -> dict[str, tuple[tuple[int, int, str], ...]]:
    """The words whose ``inner_words`` this process has worked out already (the compiled highlighter looks there
    before it calls ``inner_words``)."""
    return _lexicon(None).inner


@attrs.frozen
class QueryAnalysis:
    """What a run of query words searches for (查询分析): the typed terms, and the expansions they add.

    ``terms`` are the query terms (question words dropped when there are three or more terms, see
    ``question_words.txt``); ``subwords`` the dictionary words inside them (as indexing adds them);
    ``expansions`` what ``synonyms.txt`` adds: the other forms of a term's variant group (法制 = 法治), and the
    legal terms of colloquial words in the text (欠钱 → 借款 债务).
    Expansions never repeat a term of an earlier list. ``origins`` holds, for each expansion, the words of the
    text it was added for (罚 for 罚款; none for the digits of an article number). ``text`` is the text as it
    was cut (``searched_text``) and ``bounds`` where the cut puts a boundary in it: each word's start (stop
    words and punctuation are words too) and the end.
    """

    terms: tuple[str, ...]
    subwords: tuple[str, ...]
    expansions: tuple[str, ...]
    origins: tuple[tuple[str, ...], ...] = ()
    text: str = ""
    bounds: frozenset[int] = frozenset()


def searched_text(text: str) -> str:
    """A run of query words as ``analyze_query`` cuts it: folded, article numbers in words (第15条 → 第十五条)."""
    return article_in_words(fold(text))


def article_in_words(text: str) -> str:
    """``text`` with its article numbers in digits written as laws write them (第15条 → 第十五条; the digits
    folded to half width first: ``fold``).

    >>> article_in_words("依照第15条、第 105 条和第十六条")
    '依照第十五条、第一百零五条和第十六条'
    """
    return _ARTICLE_NUMBER.sub(_article_in_words, text) if "第" in text else text


@functools.lru_cache(maxsize=4096)
def analyze_query(text: str) -> QueryAnalysis:
    """The terms a run of query words searches for, with its sub-words and synonym expansions.

    >>> analyze_query("欠钱不还怎么办").terms
    ('欠钱', '不')
    >>> analyze_query("老公欠钱不还怎么办").expansions
    ('配偶', '夫妻', '借款', '债务')
    """
    folded = fold(text)
    # article numbers as laws write them: 第15条 is searched as 第十五条 (and its digits, below)
    digits = [m.group(1) for m in _ARTICLE_NUMBER.finditer(folded) if 0 < int(m.group(1)) < 10000]
    if digits:
        folded = _ARTICLE_NUMBER.sub(_article_in_words, folded)
    # one cut gives both: the index-mode spans are the query-mode ones plus the sub-words (a test checks it)
    inside: set[tuple[int, int, str]] = set()
    starts: list[int] = []
    cut = _INDEX_TOKENIZER._spans(folded, "index", word_starts=starts, subwords=inside)
    spans = [span for span in cut if span[2] not in STOPWORDS]
    typed = list(dict.fromkeys(span[2] for span in spans if span not in inside))
    if len(typed) >= 3:
        typed = [term for term in typed if term not in _QUESTION_WORDS] or typed
    seen = set(typed)
    every = dict.fromkeys(span[2] for span in spans)
    subwords = [t for t in every if t not in seen and t not in _QUESTION_WORDS]
    seen.update(subwords)
    expansions: dict[str, list[str]] = {}  # expansion → the words it is added for
    variants, colloquial = _synonyms()
    found: list[tuple[tuple[str, ...], tuple[str, ...]]] = [((term,), variants.get(term, ())) for term in typed]
    # a colloquial word of two or more characters anywhere in the text (狗咬 in 被狗咬了: added for the typed
    # terms it covers, 狗 and 咬), one character as a term
    found.extend(
        (_covered(spans, typed, m.start(1), m.end(1)) or (m.group(1),), colloquial[m.group(1)])
        for m in _colloquial_pattern().finditer(folded)
    )
    found.extend(((term,), colloquial[term]) for term in typed if len(term) == 1 and term in colloquial)
    found.append(((), tuple(digits)))  # 第15条 written with digits, as reports do
    for origin, targets in found:
        for other in targets:
            if other not in seen or other in expansions:
                seen.add(other)
                words = expansions.setdefault(other, [])
                words.extend(word for word in origin if word not in words)
    return QueryAnalysis(
        tuple(typed),
        tuple(subwords),
        tuple(expansions),
        tuple(tuple(words) for words in expansions.values()),
        folded,
        frozenset((*starts, len(folded))),
    )


def _covered(spans: Sequence[tuple[int, int, str]], terms: Collection[str], start: int, end: int) -> tuple[str, ...]:
    """The ``terms`` among the tokens that overlap ``start:end`` of the text."""
    return tuple(dict.fromkeys(term for at, stop, term in spans if at < end and stop > start and term in terms))


_ARTICLE_NUMBER = re.compile(r"第\s*([0-9]{1,4})\s*条")
_DIGITS = "零一二三四五六七八九"


def chinese_numeral(number: int) -> str:
    """The Chinese numeral of 1 to 9999 as laws write article numbers (十五, 一百零五, 一千零一十).

    >>> [chinese_numeral(n) for n in (1, 10, 15, 20, 105, 110, 1001, 1010)]
    ['一', '十', '十五', '二十', '一百零五', '一百一十', '一千零一', '一千零一十']
    """
    if not 0 < number < 10000:
        raise InvalidArgumentError(f"an article number from 1 to 9999, got {number!r}")
    if number < 20:
        return ("十" if number >= 10 else "") + (_DIGITS[number % 10] if number % 10 or number < 10 else "")
    out = ""
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit:
            out += ("零" if zero and out else "") + _DIGITS[digit] + unit
            zero = False
        elif out:
            zero = True
    return out


#: Article numbers are words up to 第一千三百条 (the longest law, the 民法典, has 1,260 articles), at a frequency above
#: jieba's own for the 86 it has (第一条 269 … 第三十条 21): jieba's dictionary has 第二十六条 but not 第二百三十四条,
#: which it cut 第 | 二百三十 | 四条, so 刑法第二百三十四条 matched every 第, 二百三十 and 四条 and not the article as a
#: unit. With these, each of the 2,727 article numbers in the law corpus's and the reports' text is one token
#: (1,673 before), and the rest of the cut barely moves (25 other tokens changed: 技术成果 kept whole, jieba's
#: total being larger); a higher frequency starts to swallow neighbours (3,000: 225 changes, 处理方式 …).
ARTICLE_WORDS_UP_TO = 1300
ARTICLE_WORD_FREQ = 300


@functools.cache
def article_words() -> tuple[tuple[str, int, str], ...]:
    """The article numbers 第一条 … 第一千三百条 as user-dictionary entries ``(word, frequency, tag)``."""
    return tuple((f"第{chinese_numeral(n)}条", ARTICLE_WORD_FREQ, "m") for n in range(1, ARTICLE_WORDS_UP_TO + 1))


_ARTICLE_WORD = re.compile("第[零一二三四五六七八九十百千]+条")


def is_article_word(word: str) -> bool:
    """Whether ``word`` is an article number as laws write it (第十五条, 第一千零一十条; not 第15条).

    >>> [is_article_word(w) for w in ("第十五条", "第二百三十四条", "第15条", "第十五条之一", "十五条")]
    [True, True, False, False, False]
    """
    return _ARTICLE_WORD.fullmatch(word) is not None


def _article_in_words(match: re.Match[str]) -> str:
    number = int(match.group(1))
    return f"第{chinese_numeral(number)}条" if 0 < number < 10000 else match.group()


_QUESTION_WORDS: frozenset[str] = frozenset(fold(line) for line in _data_lines(_read_data("question_words.txt")))


@functools.cache
def _synonyms() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """``synonyms.txt``: variants (a term → the other forms of its group) and colloquial words → legal terms."""
    variants: dict[str, list[str]] = {}
    colloquial: dict[str, list[str]] = {}
    for line in _data_lines(_read_data("synonyms.txt")):
        if "=>" in line:
            left, right = line.split("=>", 1)
            pairs, table = [(fold(left.strip()), [fold(t) for t in right.split()])], colloquial
        else:
            group = [fold(part.strip()) for part in line.split("=") if part.strip()]
            pairs, table = [(word, [other for other in group if other != word]) for word in group], variants
        for source, targets in pairs:
            found = table.setdefault(source, [])
            found.extend(t for t in targets if t != source and t not in found)
    return (
        {source: tuple(targets) for source, targets in variants.items() if targets},
        {source: tuple(targets) for source, targets in colloquial.items() if targets},
    )


@functools.cache
def _colloquial_pattern() -> re.Pattern[str]:
    """Finds every colloquial source word of two or more characters in a text, overlapping ones too."""
    sources = sorted((source for source in _synonyms()[1] if len(source) > 1), key=len, reverse=True)
    # the class of first characters rules out most positions at once, before the alternatives are tried one by
    # one (three times faster on a question)
    firsts = "".join(sorted({source[0] for source in sources}))
    return re.compile(f"(?=[{re.escape(firsts)}])(?=({'|'.join(map(re.escape, sources))}))")


def query_terms(text: str) -> list[str]:
    """The folded, stop-filtered terms of a query string (查询词), in order, as the body field matches them."""
    return [term for _, _, term in term_spans(text, "query")]


def index_terms(text: str) -> list[str]:
    """The folded, stop-filtered terms that the body field indexes for ``text``, in order."""
    return [term for _, _, term in term_spans(text, "index")]


@functools.cache
def analyzer_fingerprint() -> str:
    """A short hex digest of everything that decides the terms; an index built under another one is stale."""
    tokenizer = make_analyzer()[0]
    path = _dictionary_path(tokenizer.dictionary)
    digest = hashlib.sha256()
    for part in (
        f"analyzer {ANALYZER_VERSION}",
        f"jieba {_jieba_version()}",
        f"dictionary {os.path.basename(path)} {os.path.getsize(path)}",
        f"hmm {tokenizer.hmm} index {tokenizer.index_mode} query {tokenizer.query_mode}",
        f"segmenter {segmenter_backend()}",
        f"fold {FOLD_VERSION} unicode {unicodedata.unidata_version}",
        "userdict",
        _read_data("userdict.txt"),
        f"articles {ARTICLE_WORDS_UP_TO} {ARTICLE_WORD_FREQ}",
        "stopwords",
        _STOPWORDS_TEXT,
    ):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]
