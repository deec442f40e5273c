"""The query language: parse a query string into a small syntax tree (no whoosh here).

    法治副校长 培训            words; juxtaposed clauses are OR-ed and ranked by how many terms match
    A AND B, A OR B, NOT A     boolean operators (upper case); precedence NOT > AND > juxtaposition > OR
    "食品安全" or “食品安全”    a phrase: those characters in that order (punctuation and spaces between them ignored)
    (A OR B) AND C             grouping
    year:2024  year:2023..2024  org:汉阳区教育局  region:…  province:…  city:…  section:…  title:…  doc:…
    collection:…
                               filters: in a juxtaposed list they are required and do not change scores

Full-width forms are folded first, so （ ） ＂ ： work like ( ) " :.
Malformed queries raise QuerySyntaxError with the position of the problem; nothing is guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Union

import attrs

from lawsearch.analysis import fold, lone_surrogate
from lawsearch.citations import canonical_law_name
from lawsearch.errors import InvalidArgumentError, QuerySyntaxError
from lawsearch.sections import parse_kind

__all__ = ["FIELDS", "And", "Field", "Node", "Not", "Or", "Phrase", "Soft", "Words", "filter_nodes", "parse_query"]

#: Filter fields and what each matches.
FIELDS = {
    "year": "the year reported on: 2024, or a range 2023..2024",
    "org": "the reporting organization (words of it), e.g. 汉阳区教育局",
    "region": "the region: a county, e.g. 湟中区, or the city or province it lies in (西宁市, 青海)",
    "province": "the province the region lies in, e.g. 河南 (of 河南省)",
    "city": "the prefecture-level city the region lies in, e.g. 焦作 (of 焦作市)",
    "section": "words of the section headings, e.g. 存在问题",
    "title": "words of the document title (report title or law name)",
    "doc": "a document id, e.g. hanyang-edu-2024",
    "collection": "reports, records, laws …",
    "kind": "the kind of section: measures, problems, plans, leadership, other (or 成效, 问题, 计划, 第一责任人 …)",
    "cites": "a cited law or document, e.g. 未成年人保护法 (《》 and 中华人民共和国 optional)",
}
_OPERATORS = ("AND", "OR", "NOT")
# A closing ” or 」 with no opening one is only punctuation (questions pasted from documents have them).
_OPEN_QUOTES = '"“「'
_CLOSE_QUOTES = {'"': '"“”', "“": '”"“', "「": "」"}
_STOP_CHARS = set(" \t\n()") | set(_OPEN_QUOTES)
_WORD_RUN = re.compile("[^" + re.escape("".join(sorted(_STOP_CHARS))) + "]*")  # a word: up to a stop character
_FIELD = re.compile(r"([A-Za-z_]+):(.*)", re.S)
# what may make a folded query more than one run of words: a stop character of _WORD_RUN, or a field's colon
_SYNTAX = re.compile("[" + re.escape("".join(sorted(_STOP_CHARS | {":"}))) + r"\s]")
_YEAR = re.compile(r"^(\d{4})(?:\.\.(\d{4}))?$")


@attrs.frozen
class Words:
    """Plain words: analyzed into terms, OR-ed with coordination."""

    text: str
    position: int


@attrs.frozen
class Phrase:
    text: str
    position: int


@attrs.frozen
class Field:
    """A filter ``name:value``; for ``year`` the value is normalized to ``(first, last)``."""

    name: str
    value: str
    position: int
    years: tuple[int, int] | None = None


@attrs.frozen
class Not:
    child: Node


@attrs.frozen
class And:
    children: tuple[Node, ...]


@attrs.frozen
class Or:
    children: tuple[Node, ...]


@attrs.frozen
class Soft:
    """Juxtaposed clauses: words OR-ed (ranked by coordination), filters required, NOT clauses excluded."""

    children: tuple[Node, ...]


Node = Union[Words, Phrase, Field, Not, And, Or, Soft]

_Token = tuple[str, str, int]  # (kind, text, position); kinds: ( ) word phrase field op

#: How deep parentheses and NOTs may nest: far beyond any query a person writes, and far from Python's recursion
#: limit in the parser and in the code that walks the tree.
MAX_DEPTH = 32


def parse_query(query: str) -> Node:
    """Parse a query into a syntax tree.

    >>> parse_query('法治副校长 year:2024')  # doctest: +NORMALIZE_WHITESPACE
    Soft(children=(Words(text='法治副校长', position=0),
                   Field(name='year', value='2024', position=6, years=(2024, 2024))))

    Raises:
        QuerySyntaxError: unbalanced quotes or parentheses, a dangling operator, an unknown field or a bad value;
            a lone surrogate (a byte that is not UTF-8).
    """
    if not query.strip():
        raise QuerySyntaxError("the query is empty; type some words to search for", query=query, position=0)
    bad = lone_surrogate(query)
    if bad is not None:
        raise QuerySyntaxError(
            f"the query has {bad[1]}; give it as UTF-8 (a GB18030 file converts with: iconv -f GB18030 -t UTF-8)",
            query=query,
            position=bad[0],
        )
    # most queries are one run of words (a question, a keyword): no space, parenthesis, quote or colon, and not an
    # operator; that is what the lexer and parser would make of it, without them (a test compares the two)
    if _SYNTAX.search(fold(query)) is None and unicodedata.normalize("NFKC", query) not in _OPERATORS:
        return Words(query, 0)
    return _parse(query)


def _parse(query: str) -> Node:
    """``parse_query`` by the lexer and the parser, for any query."""
    parser = _Parser(query, _lex(query))
    node = parser.parse_or()
    if parser.peek() is not None:
        _, text, position = parser.peek()  # type: ignore[misc]
        raise QuerySyntaxError(f"unexpected {text!r}; remove it or add the missing '('", query=query, position=position)
    return node


def _lex(query: str) -> list[_Token]:
    text = fold(query)
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append((char, char, i))
            i += 1
        elif char in _OPEN_QUOTES:
            end = _closing_quote(query, text, i)
            tokens.append(("phrase", query[i + 1 : end], i))
            i = end + 1
        else:
            start = i
            i = _WORD_RUN.match(text, i).end()  # type: ignore[union-attr]  # * always matches
            word = text[start:i]
            field = _FIELD.fullmatch(word)
            # fold() lower-cases; operators are upper case only, so look at the query as typed (width-folded).
            typed = unicodedata.normalize("NFKC", query[start:i])
            if (field and field.group(2) and field.group(1).lower() in _NAMED) or (
                not field and typed not in _OPERATORS
            ):
                # cites:刑法修正案(十一), 刑法修正案（十一）第三条: brackets right after a word, with no space in them,
                # belong to it (a name's); a group follows a space or an operator: 法治 (A OR B), NOT(A)
                i = _bracketed(text, i)
                word = text[start:i]
            if typed in _OPERATORS:
                tokens.append(("op", typed, start))
            elif field:
                name = field.group(1).lower()
                value = query[start + len(field.group(1)) + 1 : i]
                if name not in FIELDS:
                    raise QuerySyntaxError(
                        f"unknown field {field.group(1)!r}; valid fields: {', '.join(sorted(FIELDS))}",
                        query=query,
                        position=start,
                    )
                if not value and i < len(text) and text[i] in _OPEN_QUOTES:
                    end = _closing_quote(query, text, i)
                    value = query[i + 1 : end]
                    i = end + 1
                if not value.strip():
                    grouped = i < len(text) and text[i] == "("  # year:(2023 OR 2024)
                    one_value = f"; a field takes one value: ({name}:A OR {name}:B), not {name}:(A OR B)"
                    raise QuerySyntaxError(
                        f"field {name!r} needs a value, e.g. {name}:{_example(name)}" + (one_value if grouped else ""),
                        query=query,
                        position=start,
                    )
                tokens.append(("field", f"{name}:{value}", start))
            else:
                tokens.append(("word", query[start:i], start))
    return tokens


#: Fields whose values are names that may hold brackets (刑法修正案（十一）, …纲要（2021—2025年）).
_NAMED = frozenset({"cites", "title", "org", "section"})


def _bracketed(text: str, i: int) -> int:
    """The end of a field value at ``i`` in the folded query, taking in what follows it in brackets without a
    space, and any characters after (刑法修正案(十一), 纲要(2021-2025年)》: full-width brackets fold to these): a
    field value right before ``(`` is otherwise a syntax error, a group must follow a space or an operator."""
    while i < len(text) and text[i] == "(":
        close = text.find(")", i)
        if close == -1 or any(char.isspace() or char == "(" for char in text[i + 1 : close]):
            break
        i = _WORD_RUN.match(text, close + 1).end()  # type: ignore[union-attr]  # * always matches
    return i


def _closing_quote(query: str, text: str, start: int) -> int:
    closers = _CLOSE_QUOTES.get(text[start], '"')
    for j in range(start + 1, len(text)):
        if text[j] in closers:
            if not text[start + 1 : j].strip():
                raise QuerySyntaxError("empty quotes; put a phrase between them", query=query, position=start)
            return j
    raise QuerySyntaxError("unclosed quote; add the closing quote", query=query, position=start)


_EXAMPLES = {
    "year": "2024",
    "org": "汉阳区教育局",
    "region": "湟中区",
    "province": "河南",
    "city": "焦作",
    "section": "存在问题",
    "title": "法治政府",
    "doc": "hanyang-edu-2024",
    "collection": "reports",
    "kind": "problems",
    "cites": "未成年人保护法",
}


def _example(name: str) -> str:
    return _EXAMPLES[name]


class _Parser:
    def __init__(self, query: str, tokens: list[_Token]) -> None:
        self.query = query
        self.tokens = tokens
        self.at = 0
        self.depth = 0  # parentheses and NOTs open around the term being parsed

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def _is_op(self, name: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "op" and token[1] == name

    def _error(self, message: str, position: int) -> QuerySyntaxError:
        return QuerySyntaxError(message, query=self.query, position=position)

    def parse_or(self) -> Node:
        children = [self.parse_soft()]
        while self._is_op("OR"):
            op = self.take()
            if self.peek() is None or (self.peek()[0] in (")", "op") and not self._is_op("NOT")):  # type: ignore[index]
                raise self._error("OR needs a term on both sides", op[2])
            children.append(self.parse_soft())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_soft(self) -> Node:
        children = [self.parse_and()]
        while True:
            token = self.peek()
            if token is None or token[0] == ")" or (token[0] == "op" and token[1] != "NOT"):
                break
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Soft(tuple(children))

    def parse_and(self) -> Node:
        children = [self.parse_unary()]
        while self._is_op("AND"):
            op = self.take()
            token = self.peek()
            if token is None or token[0] == ")" or (token[0] == "op" and token[1] != "NOT"):
                raise self._error("AND needs a term on both sides", op[2])
            children.append(self.parse_unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self) -> Node:
        token = self.peek()
        if token is None:
            raise self._error("the query ends where a term was expected", len(self.query))
        kind, text, position = token
        if kind in ("(", "op") and self.depth >= MAX_DEPTH:
            raise self._error(
                f"parentheses and NOTs nested more than {MAX_DEPTH} deep; write the query with fewer", position
            )
        if kind == "op":
            self.take()
            if text != "NOT":
                raise self._error(f"{text} needs a term on both sides", position)
            following = self.peek()
            if following is None or following[0] == ")" or (following[0] == "op" and following[1] != "NOT"):
                raise self._error("NOT needs a term after it", position)
            self.depth += 1
            negated = self.parse_unary()
            self.depth -= 1
            return Not(negated)
        if kind == "(":
            self.take()
            if self.peek() is not None and self.peek()[0] == ")":  # type: ignore[index]
                raise self._error("empty parentheses", position)
            self.depth += 1
            node = self.parse_or()
            self.depth -= 1
            if self.peek() is None or self.peek()[0] != ")":  # type: ignore[index]
                raise self._error("unclosed parenthesis; add the missing ')'", position)
            self.take()
            return node
        if kind == ")":
            raise self._error("unexpected ')' with no '(' before it", position)
        self.take()
        if kind == "phrase":
            return Phrase(text, position)
        if kind == "field":
            name, value = text.split(":", 1)
            return _field(name, value.strip(), position, self.query)
        return Words(text, position)


def filter_nodes(filters: Mapping[str, object]) -> tuple[Field, ...]:
    """Filters given as API arguments (``{"year": 2024, "kind": "问题", "cites": "未成年人保护法"}``) as the
    ``Field`` nodes the query syntax makes of ``year:2024 kind:问题 cites:未成年人保护法``.

    A year is an integer, ``"2023..2024"`` or a pair ``(2023, 2024)``; other values are strings.

    >>> [(f.name, f.value, f.years) for f in filter_nodes({"year": (2023, 2024), "kind": "问题"})]
    [('year', '2023..2024', (2023, 2024)), ('kind', 'problems', None)]

    Raises:
        InvalidArgumentError: an unknown field, or a value of the wrong kind or form (or with a lone surrogate).
    """
    nodes = []
    for name, value in filters.items():
        if name not in FIELDS:
            raise InvalidArgumentError(f"unknown filter {name!r}; filters: {', '.join(sorted(FIELDS))}")
        if name == "year" and isinstance(value, (tuple, list)) and len(value) == 2:
            value = f"{value[0]}..{value[1]}"
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
            raise InvalidArgumentError(
                f"filter {name!r} needs a non-empty string or an integer value, got {value!r}"
                + (" (a year range is a pair: (2023, 2024))" if name == "year" else "")
            )
        bad = lone_surrogate(str(value))
        if bad is not None:
            raise InvalidArgumentError(f"filter {name}={value!r}: the value has {bad[1]}; give it as UTF-8")
        text = f"{name}:{value}"
        try:
            nodes.append(_field(name, str(value).strip(), 0, text))
        except QuerySyntaxError as exc:
            raise InvalidArgumentError(f"filter {name}={value!r}: {str(exc).split(' (at character')[0]}") from None
    return tuple(nodes)


def _field(name: str, value: str, position: int, query: str) -> Field:
    if name == "kind":
        try:
            return Field(name, parse_kind(fold(value)), position)  # 問題, ＰＲＯＢＬＥＭＳ as 问题, problems
        except InvalidArgumentError as exc:
            raise QuerySyntaxError(str(exc), query=query, position=position) from None
    if name == "cites":
        return Field(name, canonical_law_name(fold(value).strip("《》<>〈〉")), position)
    if name != "year":
        return Field(name, value, position)
    match = _YEAR.match(fold(value))
    if not match:
        raise QuerySyntaxError(
            f"year must be a year like 2024 or a range like 2023..2024, got {value!r}", query=query, position=position
        )
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if last < first:
        raise QuerySyntaxError(f"year range {value!r} ends before it starts", query=query, position=position)
    return Field(name, value, position, years=(first, last))
