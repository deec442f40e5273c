"""The command line and the REPL on the real seed reports: output, JSON, batch mode, errors and exit statuses."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from lawsearch import __version__
from lawsearch.cli import main
from lawsearch.index import Index, bundled_corpus, default_index_path
from lawsearch.repl import run_repl

from conftest import CORPUS

FIVE = {"hanyang-edu-2024", "shanzhou-edu-2023", "huangzhong-edu-2024", "heping-edu-2024", "zhongzhan-edu-2024"}
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def index_dir(seed_index: Index) -> str:
    return str(seed_index.path)


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache root, so the default index is never written into the real home cache."""
    monkeypatch.setenv("LAWSEARCH_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


# --- search ------------------------------------------------------------------------------------------------------


def test_search_json_finds_all_five_reports_with_spans_on_the_term(index_dir: str, capsys) -> None:
    assert main(["search", "法治副校长", "--index", index_dir, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["query"] == "法治副校长" and data["total"] == len(data["hits"]) == 8
    assert {h["document"]["id"] for h in data["hits"]} == FIVE
    assert {h["kind"] for h in data["hits"]} <= {"measures", "problems", "plans", "leadership", "other"}
    assert all(isinstance(h["cites"], list) for h in data["hits"])
    for h in data["hits"]:
        assert h["spans"]
        assert all(nfkc(h["text"][start:end]) == term == "法治副校长" for start, end, term in h["spans"])
    # each span names the index term it is an occurrence of: a phrase's, an expansion's (执法证 → 行政执法证)
    assert main(["search", '"双随机一公开" OR 执法证', "--index", index_dir, "--json", "--limit", "20"]) == 0
    spans = [(h["text"][s:e], term) for h in json.loads(capsys.readouterr().out)["hits"] for s, e, term in h["spans"]]
    assert ("双随机、一公开", "双随机一公开") in spans and ("行政执法证", "行政执法证") in spans
    assert {term for _, term in spans} <= {"双随机一公开", "执法证", "行政执法证", "执法资格证", "执法"}


def test_related_passages_are_marked_in_json_and_listings_and_can_be_left_out(index_dir: str, capsys) -> None:
    assert main(["search", "学宪法 讲宪法", "--index", index_dir, "--json", "--limit", "20"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 3 and data["related"] == len(data["hits"]) - 3 > 0 and data["within"] == ["宪法"]
    assert [h.get("related", False) for h in data["hits"]] == [False] * 3 + [True] * data["related"]
    assert main(["search", "学宪法 讲宪法", "--index", index_dir, "--json", "--no-related"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["related"] == 0 and len(data["hits"]) == 3 and "within" not in data
    assert main(["search", "学宪法 讲宪法", "--index", index_dir, "--limit", "4"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 passages match '学宪法 讲宪法'; ")
    assert "related passages follow (words inside it: 宪法) — showing 1–4, page 1 of " in out.splitlines()[0]
    listing = out.split("\n\n")
    assert listing[4] == "related — none of the query's words, only words inside it: 宪法"
    assert "【宪法】" in listing[5] and "【学宪法】" in listing[1]


def test_phrase_query_hits_contain_the_phrase(index_dir: str, capsys) -> None:
    assert main(["search", '"食品安全"', "--index", index_dir, "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert hits and all("食品安全" in nfkc(h["text"]) for h in hits)
    assert all("<mark>食品安全</mark>" in h["highlight"] for h in hits)


def test_plain_listing_when_stdout_is_not_a_terminal(index_dir: str, capsys) -> None:
    assert main(["search", "法治副校长", "--index", index_dir, "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("8 passages match '法治副校长' — showing 1–3, page 1 of 3\n")
    assert "【法治副校长】" in out and "\x1b[" not in out
    assert "next page: --page 2" in out
    assert main(["search", "法治副校长", "--index", index_dir, "--limit", "3", "--page", "3"]) == 0
    assert "showing 7–8, page 3 of 3" in capsys.readouterr().out


def test_color_always_and_no_color(index_dir: str, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["search", "法治副校长", "--index", index_dir, "--color", "always"]) == 0
    assert "\x1b[1;31m法治副校长\x1b[0m" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["search", "法治副校长", "--index", index_dir]) == 0
    assert "\x1b[" not in capsys.readouterr().out


def test_no_match_says_so_and_exits_zero(index_dir: str, capsys) -> None:
    assert main(["search", "year:1999", "--index", index_dir]) == 0
    out = capsys.readouterr().out
    assert out.startswith("no passages match 'year:1999'") and "hint:" in out
    # every passage has 法治 (in its report's title at least): NOT leaves none, which is not about stop words
    assert main(["search", "NOT 法治", "--index", index_dir]) == 0
    assert capsys.readouterr().out == (
        "no passages match 'NOT 法治'\n  hint: NOT leaves out every passage that has its words (titles and section "
        "headings count); add words to search for\n"
    )


def test_a_keyword_said_across_other_words_gets_a_hint_that_the_phrase_finds_it(
    seed_index: Index, index_dir: str, capsys
) -> None:
    """十届 is in the text only as 二十 届 (第二十届): no word matches, and the hint says why and what finds it."""
    assert main(["search", "十届", "--index", index_dir]) == 0
    assert capsys.readouterr().out == (
        "no passages match '十届'\n"
        '  hint: 6 passages say 十届 only as part of other words (二十 届): "十届" in quotes finds them\n'
    )
    assert main(["search", '"十届"', "--index", index_dir, "--json", "--limit", "20"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 6
    # after the matches: 学法 in 尊法学法 (尊 法学 法); the phrase itself and a question get no hint
    assert main(["search", "学法", "--index", index_dir, "--limit", "1"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("hint: 5 more passages say 学法 only as part of other words (法学 法; ") and last.endswith(
        '"学法" in quotes finds them'
    )
    for query in ('"学法"', "领导干部怎样带头学法用法"):
        assert main(["search", query, "--index", index_dir]) == 0
        assert "across other words" not in capsys.readouterr().out
    assert "hint: 5 more passages say 学法 only as part of other words" in repl(seed_index, "学法\n")


def test_control_characters_of_a_query_are_shown_not_sent_to_the_terminal(index_dir: str, capsys) -> None:
    assert main(["search", "法治副校长\x1b[2J", "--index", index_dir, "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and out.startswith("8 passages match '法治副校长\\x1b[2J'")


@pytest.mark.parametrize(
    ("query", "example"),
    [
        ("kind:", "kind:problems"),
        ("cites:", "cites:未成年人保护法"),
        ("section:", "section:存在问题"),
        ("year:", "year:2024"),
    ],
)
def test_a_field_without_a_value_gets_an_example_that_works(index_dir: str, capsys, query: str, example: str) -> None:
    assert main(["search", query, "--index", index_dir]) == 2
    assert f"needs a value, e.g. {example} (at character 1" in capsys.readouterr().err
    assert main(["search", f"{example} 法治", "--index", index_dir, "--json"]) == 0  # the example is a valid query
    capsys.readouterr()


def test_batch_mode_prints_one_json_line_per_query_and_reports_malformed_ones(
    index_dir: str, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('法治副校长\nfoo:bar\n"食品安全"\n'))
    assert main(["search", "-", "--index", index_dir, "--limit", "2"]) == 2
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 3
    first, bad, phrase = (json.loads(line) for line in lines)
    assert first["query"] == "法治副校长" and first["total"] == 8 and len(first["hits"]) == 2
    assert bad["query"] == "foo:bar" and "unknown field 'foo'" in bad["error"] and "hits" not in bad
    assert phrase["total"] == 3
    assert captured.err == ""


def test_batch_mode_takes_a_byte_order_mark_and_explains(
    index_dir: str, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\ufeff法治副校长\n执法证\n"))
    assert main(["search", "-", "--index", index_dir, "--limit", "2", "--explain"]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["query"] == "法治副校长" and first["total"] == 8  # the BOM of a file saved by Notepad is not a word
    for record in (first, second):
        for hit in record["hits"]:
            assert abs(sum(t["contribution"] for t in hit["explain"]["terms"]) - hit["score"]) < 1e-3


def test_batch_mode_with_good_queries_exits_zero(index_dir: str, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("培训\n\n依法治校\n"))
    assert main(["search", "-", "--index", index_dir]) == 0
    assert [json.loads(line)["query"] for line in capsys.readouterr().out.splitlines()] == ["培训", "依法治校"]


@pytest.mark.parametrize("query", ["foo:bar", "(法治", '"食品安全', "法治 AND", "year:abc", ")"])
def test_malformed_query_is_one_line_on_stderr_and_exit_2(index_dir: str, capsys, query: str) -> None:
    assert main(["search", query, "--index", index_dir]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("lawsearch: ") and captured.err.count("\n") == 1
    assert "Traceback" not in captured.err and repr(query) in captured.err


def test_index_option_on_an_empty_folder_that_is_no_index(tmp_path: Path, capsys) -> None:
    assert main(["search", "法治", "--index", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == f"lawsearch: {tmp_path} is not a lawsearch index; create one with: lawsearch index PATH --index {tmp_path}\n"
    )
    assert list(tmp_path.iterdir()) == []  # searching never creates an index where one was named
    assert main(["search", "法治", "--index", str(tmp_path / "missing")]) == 2
    assert "no index at" in capsys.readouterr().err


def test_usage_errors_exit_2_with_one_line(capsys) -> None:
    assert main(["search", "法治", "--limit", "0"]) == 2
    assert capsys.readouterr().err == (
        "lawsearch: argument --limit: expected a whole number >= 1, got '0'; see: lawsearch search --help\n"
    )
    assert main(["frobnicate"]) == 2
    assert capsys.readouterr().err.startswith("lawsearch: argument COMMAND: invalid choice: 'frobnicate'")
    assert main([]) == 2
    assert (
        capsys.readouterr().err == "lawsearch: the following arguments are required: COMMAND; see: lawsearch --help\n"
    )
    # a query that starts with '-' reads as an option: the message says where it goes
    assert main(["search", "-执法证"]) == 2
    assert "a query that starts with '-' goes last, after '--'" in capsys.readouterr().err
    assert main(["search", "--limit", "1", "--json", "--", "-执法证"]) == 0
    assert json.loads(capsys.readouterr().out)["query"] == "-执法证"
    assert main(["search"]) == 2
    assert (
        capsys.readouterr().err
        == "lawsearch: the following arguments are required: QUERY; see: lawsearch search --help\n"
    )


def test_default_index_is_created_in_the_cache_and_reused(cache: Path, capsys) -> None:
    expected = default_index_path(bundled_corpus())
    assert cache in expected.parents and not expected.exists()
    assert main(["search", "法治副校长", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 8
    assert (expected / "lawsearch.json").is_file()
    stamp = (expected / "lawsearch.json").stat().st_mtime_ns
    assert main(["search", "食品安全", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] > 0
    assert (expected / "lawsearch.json").stat().st_mtime_ns == stamp  # reused, not rebuilt


def test_stale_default_index_is_rebuilt_but_an_explicit_one_is_reported(cache: Path, tmp_path: Path, capsys) -> None:
    assert main(["index"]) == 0
    assert capsys.readouterr().out.startswith("indexed 108 passages from 5 files into ")
    default = default_index_path(bundled_corpus())
    explicit = tmp_path / "explicit"
    shutil.copytree(default, explicit)
    for folder in (default, explicit):
        meta = json.loads((folder / "lawsearch.json").read_text())
        (folder / "lawsearch.json").write_text(json.dumps({**meta, "schema_version": -1}))
    assert main(["search", "法治副校长", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 8
    assert main(["search", "法治副校长", "--index", str(explicit)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"lawsearch: the index at {explicit} was built") and "--rebuild" in err
    assert main(["index", str(CORPUS), "--index", str(explicit), "--rebuild"]) == 0
    assert capsys.readouterr().out.startswith("indexed 108 passages from 5 files")


# --- index ---------------------------------------------------------------------------------------------------------


def test_index_command_adds_then_reports_up_to_date(tmp_path: Path, capsys) -> None:
    target = tmp_path / "ix"
    assert main(["index", str(CORPUS), "--index", str(target)]) == 0
    assert capsys.readouterr().out == (
        f"indexed 108 passages from 5 files into {target} (5 added, 0 changed, 0 removed, 0 unchanged)\n"
    )
    assert main(["index", str(CORPUS), "--index", str(target)]) == 0
    assert capsys.readouterr().out == (
        f"{target} is up to date (0 added, 0 changed, 0 removed, 5 unchanged; 108 passages)\n"
    )


def test_unreadable_file_is_skipped_with_a_warning_and_exit_1(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "hanyang-edu-2024.txt", corpus)
    (corpus / "broken.txt").write_bytes(b"\x00\x01\x02binary\xff")
    assert main(["index", str(corpus), "--index", str(tmp_path / "ix")]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(f"lawsearch: skipped {corpus / 'broken.txt'}: looks like a binary file")
    assert "from 1 file into" in captured.out and "1 added" in captured.out


def test_rebuild_refuses_to_replace_a_folder_of_other_files(tmp_path: Path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["index", str(CORPUS), "--index", str(tmp_path), "--rebuild"]) == 2
    assert "holds files but no lawsearch index" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_missing_corpus_path_is_an_error(tmp_path: Path, capsys) -> None:
    assert main(["index", str(tmp_path / "nope"), "--index", str(tmp_path / "ix")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lawsearch: ") and "no such file or folder" in err


# --- analyze -------------------------------------------------------------------------------------------------------


def test_analyze_shows_words_and_their_sub_words(capsys) -> None:
    assert main(["analyze", "未成年人保护法"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert rows[0] == ["pos", "chars", "text", "term"]
    terms = {row[-1] for row in rows[1:]}
    assert {"未成年人保护法", "未成年人", "保护法"} <= terms
    assert ["0", "0-7", "未成年人保护法", "未成年人保护法"] in rows


def test_analyze_json_and_modes(capsys) -> None:
    assert main(["analyze", "《未成年人保护法》", "--mode", "query", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"position": 0, "start": 1, "end": 8, "text": "未成年人保护法", "term": "未成年人保护法"}
    ]
    assert main(["analyze", "ＡＢ法", "--mode", "chars", "--json"]) == 0
    assert [t["term"] for t in json.loads(capsys.readouterr().out)] == ["ab", "法"]
    assert main(["analyze", "x", "--mode", "bogus"]) == 2


# --- interrupts, pipes, version --------------------------------------------------------------------------------------


def test_ctrl_c_exits_130_without_a_traceback(index_dir: str, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Index, "search", interrupted)
    assert main(["search", "法治", "--index", index_dir]) == 130
    assert "Traceback" not in capsys.readouterr().err


def run_module(*args: str, env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "lawsearch", *args], capture_output=True, text=True, cwd=ROOT, env=env, **kwargs
    )


def test_python_m_lawsearch_version(tmp_path: Path) -> None:
    done = run_module("--version", env={**os.environ, "LAWSEARCH_CACHE": str(tmp_path)}, timeout=60)
    assert done.returncode == 0 and done.stdout == f"lawsearch {__version__}\n"


def test_closed_pipe_ends_quietly(index_dir: str, tmp_path: Path) -> None:
    env = {**os.environ, "LAWSEARCH_CACHE": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "lawsearch", "search", "-", "--index", index_dir],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env,
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    # far more output than a pipe buffer holds, so the writer meets the closed pipe
    process.stdin.write("法治副校长\n".encode() * 300)
    process.stdin.close()
    assert process.stdout.read(100)
    process.stdout.close()
    err = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=60) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_a_query_line_that_is_not_utf8_is_reported_on_its_line_and_the_others_go_on(
    index_dir: str, tmp_path: Path
) -> None:
    # a GB18030 line piped in with a strict UTF-8 stdin (what a UTF-8 locale gives): no UnicodeDecodeError
    env = {**os.environ, "LAWSEARCH_CACHE": str(tmp_path), "PYTHONIOENCODING": "utf-8:strict"}
    stdin = "法治副校长\n".encode("gb18030") + "执法证\n".encode()
    done = subprocess.run(
        [sys.executable, "-m", "lawsearch", "search", "-", "--index", index_dir, "--limit", "1"],
        input=stdin, capture_output=True, cwd=ROOT, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and done.stderr == b""
    bad, good = (json.loads(line) for line in done.stdout.decode("utf-8").splitlines())  # the output stays UTF-8
    assert bad["query"] == "\ufffd\ufffd\ufffdθ\ufffdУ\ufffd\ufffd" and "hits" not in bad  # θ У: bytes that are UTF-8
    assert bad["error"].startswith("the query has byte 0xb7, which is not UTF-8") and "iconv -f GB18030" in bad["error"]
    assert good["query"] == "执法证" and good["total"] == 3


def test_a_query_argument_that_is_not_utf8_is_one_line_and_exit_2(index_dir: str, tmp_path: Path) -> None:
    query = os.fsdecode("法治".encode("gb18030"))  # the argument as Python gets it from a UTF-8 locale
    done = run_module("search", query, "--index", index_dir, env={**os.environ, "LAWSEARCH_CACHE": str(tmp_path)})
    assert done.returncode == 2 and done.stdout == ""
    assert (
        done.stderr.startswith("lawsearch: the query has byte 0xb7, which is not UTF-8")
        and done.stderr.count("\n") == 1
    )


@pytest.mark.parametrize("encoding", ["gbk", "gb2312", "ascii", "latin-1"])
def test_output_in_a_locale_that_is_not_utf8(index_dir: str, tmp_path: Path, encoding: str) -> None:
    # a pipe on Chinese Windows writes GBK, which has no › (the section path's separator); ASCII has no Chinese
    env = {**os.environ, "LAWSEARCH_CACHE": str(tmp_path)}
    args = ("search", "法治副校长", "--index", index_dir, "--limit", "2")
    utf8 = run_module(*args, env={**env, "PYTHONIOENCODING": "utf-8"})
    done = subprocess.run(
        [sys.executable, "-m", "lawsearch", *args], capture_output=True, cwd=ROOT, env={**env, "PYTHONIOENCODING": encoding}
    )  # fmt: skip
    assert done.returncode == 0 and done.stderr == b""
    if encoding.startswith("gb"):  # GB18030 instead, the superset of GBK that has every character
        assert done.stdout.decode("gb18030") == utf8.stdout and " › " in utf8.stdout
    else:  # what it cannot encode as escapes
        assert done.stdout.decode(encoding).startswith("8 passages match '\\u6cd5\\u6cbb\\u526f\\u6821\\u957f'")
    as_json = subprocess.run(
        [sys.executable, "-m", "lawsearch", *args, "--json"],
        capture_output=True, cwd=ROOT, env={**env, "PYTHONIOENCODING": encoding},
    )  # fmt: skip
    expected = json.loads(run_module(*args, "--json", env={**env, "PYTHONIOENCODING": "utf-8"}).stdout)
    written = "gb18030" if encoding.startswith("gb") else encoding
    assert as_json.returncode == 0 and json.loads(as_json.stdout.decode(written)) == expected


# --- repl --------------------------------------------------------------------------------------------------------------


def repl(seed_index: Index, text: str) -> str:
    out = io.StringIO()
    assert run_repl(seed_index, input_stream=io.StringIO(text), output_stream=out, interactive=False) == 0
    return out.getvalue()


def test_repl_turns_related_passages_off_and_on(seed_index: Index) -> None:
    out = repl(seed_index, "学宪法 讲宪法\n:related\n:show 4\n:related\n:show 4\n:quit\n")
    blocks = out.split("\n\n")
    assert blocks[0].startswith("3 passages match '学宪法 讲宪法'; ") and "related passages follow" in blocks[0]
    assert "related — none of the query's words, only words inside it: 宪法" in out
    assert "related off\n\n3 passages match '学宪法 讲宪法'\n\n" in out
    assert "error: :show needs a hit number from 1 to 3, e.g. :show 1; got '4'" in out  # off: 3 hits only
    assert "related on\n\n3 passages match '学宪法 讲宪法'; " in out
    related = seed_index.search("学宪法 讲宪法").hits[3]
    assert f"▶ #{related.passage.number} " in out  # on again: hit 4 is the first related passage


def test_repl_session_pages_shows_helps_and_reports_errors(seed_index: Index) -> None:
    out = repl(seed_index, "法治副校长\n:next\n:show 1\n:help\nfoo:bar\n:quit\n法治\n")
    blocks = out.split("\n\n")
    assert "lawsearch> " not in out  # no prompt when not interactive
    assert blocks[0] == "8 passages match '法治副校长' — showing 1–5, page 1 of 2"
    assert "3 more passages — next page: :next" in out
    assert "8 passages match '法治副校长' — showing 6–8, page 2 of 2" in out
    first = seed_index.search("法治副校长", limit=1).hits[0]
    assert f"{first.document.id} · {first.document.title}" in out
    assert f"▶ #{first.passage.number} {first.passage.section[0]}" in out
    assert ":show N" in out and "year:" in out and "doc:" in out  # :help lists commands and filters
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "unknown field 'foo'" in errors[0]
    assert out.count("passages match '") == 2  # nothing after :quit ran


def test_sort_on_the_command_line_and_in_the_repl(index_dir: str, seed_index: Index, capsys) -> None:
    assert main(["search", "法治副校长", "--index", index_dir, "--json", "--sort", "oldest"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sort"] == "oldest" and data["hits"][0]["document"]["year"] == 2023
    assert main(["search", "法治副校长", "--index", index_dir, "--sort", "year"]) == 2
    assert "invalid choice: 'year'" in capsys.readouterr().err
    out = repl(seed_index, "法治副校长\n:sort oldest\n:show 6\n:sort by-year\n:sort score\n")
    assert "sort oldest\n\n8 passages match '法治副校长', oldest first — showing 1–5, page 1 of 2" in out
    sixth = seed_index.search("法治副校长", limit=10, sort="oldest").hits[5]  # on page 2: fetched in that order
    assert f"▶ #{sixth.passage.number} " in out
    assert "error: :sort takes score, newest, oldest, got 'by-year'" in out
    assert "sort score\n\n8 passages match '法治副校长' — showing 1–5" in out


def test_repl_switches_take_on_and_off_and_hit_numbers_are_decimal(seed_index: Index) -> None:
    out = repl(
        seed_index, "法治副校长\n:related off\n:related off\n:facets on\n:facets on\n:group maybe\n:show ²\n:show ３\n"
    )
    states = [line for line in out.splitlines() if line in ("related on", "related off", "facets on", "facets off")]
    assert states == ["related off", "related off", "facets on", "facets on"]  # said twice: still what was said
    assert "error: :group takes on or off (or nothing, to switch), got 'maybe'" in out
    assert "error: :show needs a hit number from 1 to 8, e.g. :show 1; got '²'" in out  # was a ValueError traceback
    third = seed_index.search("法治副校长").hits[2]
    assert f"▶ #{third.passage.number} " in out  # ３ (full width, as a Chinese input method types it) is 3


def test_repl_errors_keep_the_session_going(seed_index: Index) -> None:
    out = repl(seed_index, ':next\n:show 1\n:bogus\n"食品安全"\n:prev\n:show x\n:show 99\n:next\n:show 3\n')
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    assert errors == [
        "error: no previous query; type a query first",
        "error: no previous query; type a query first",
        "error: unknown command ':bogus'; type :help for the commands",
        "error: this is already the first page",
        "error: :show needs a hit number from 1 to 3, e.g. :show 1; got 'x'",
        "error: :show needs a hit number from 1 to 3, e.g. :show 1; got '99'",
        "error: no more pages: this is page 1 of 1",
    ]
    assert "3 passages match '\"食品安全\"'" in out
    assert out.rstrip().endswith(tuple("。；！？")) or "【食品安全】" in out.split("▶", 1)[1]


def test_repl_ends_at_end_of_input_and_via_cli(index_dir: str, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("法治副校长\n:show 2\n"))
    assert main(["repl", "--index", index_dir]) == 0
    out = capsys.readouterr().out
    assert out.startswith("8 passages match '法治副校长'") and "▶ #" in out


def test_interactive_repl_prompts_and_greets(seed_index: Index) -> None:
    out = io.StringIO()
    run_repl(seed_index, input_stream=io.StringIO("培训\n"), output_stream=out, interactive=True)
    text = out.getvalue()
    assert text.startswith(f"lawsearch {__version__} — 108 passages in 5 documents.")
    assert text.count("lawsearch> ") == 2 and text.endswith("lawsearch> \n")


def test_repl_facets_group_and_law_links(reports_and_laws: Index) -> None:
    out = repl(reports_and_laws, ":group\n:facets\ncollection:reports 未成年人保护 宣传\n:law 1\n:law 4\n:quit\n")
    assert "group on" in out and "facets on" in out
    assert "reports match 'collection:reports 未成年人保护 宣传'" in out
    assert "matching passage" in out and "in this report" in out
    assert "facets (documents per value):" in out and "cites" in out
    assert "中华人民共和国未成年人保护法" in out  # :law 1 — 汉阳's passage cites it
    fourth = reports_and_laws.search("collection:reports 未成年人保护 宣传", group="report").hits[3].passage
    assert fourth.document_id == "zhongzhan-edu-2024"  # a report that cites no law by its title
    assert f"error: hit 4 ({fourth.id}) cites no law" in out


def test_search_facets_and_group_in_json(index_dir: str, capsys) -> None:
    assert main(["search", "法治副校长", "--index", index_dir, "--json", "--facets", "--group", "report"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["group"] == "report" and data["total"] == 5
    assert data["facets"]["year"] == {"unit": "documents", "values": [["2024", 4], ["2023", 1]], "other": 0}
    assert sum(hit["document_matches"] for hit in data["hits"]) == 8


def test_search_explain_plain_and_json(index_dir: str, capsys) -> None:
    assert main(["search", "查处了多少家违规培训机构", "--index", index_dir, "--limit", "2", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "explain (score = sum of the terms' contributions):" in out
    assert " 1. hanyang-edu-2024#10  score " in out and "培训 " in out and "(sub-word ×0.4, body " in out
    assert main(["search", "执法证", "--index", index_dir, "--json", "--explain"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    for hit in hits:
        assert hit["explain"]["score"] == pytest.approx(hit["score"], abs=1e-4)
    assert {t["source"] for h in hits for t in h["explain"]["terms"]} == {"typed", "subword", "expansion"}


def test_an_empty_folder_and_an_empty_index_are_told(tmp_path: Path, capsys) -> None:
    folder, target = tmp_path / "reports", tmp_path / "index"
    folder.mkdir()
    (folder / "notes.xlsx").write_bytes(b"PK")
    assert main(["index", str(folder), "--index", str(target)]) == 0
    out, err = capsys.readouterr()
    assert err == (
        f"lawsearch: {folder} has no file lawsearch reads (.docx, .htm, .html, .jsonl, .pdf, .text, .txt); "
        "check the folder\n"
    )
    assert out == f"{target} is up to date (0 added, 0 changed, 0 removed, 0 unchanged; 0 passages)\n"
    assert main(["search", "法治", "--index", str(target)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("no passages match '法治'")
    assert (
        err
        == f"lawsearch: the index at {target} is empty; add reports to it with: lawsearch index PATH --index {target}\n"
    )
