"""Bad input of every kind: broken files, bad JSONL lines, symlinks, damaged or foreign indexes, malformed queries.

Each one either is indexed correctly or gets a clear ``LawsearchError`` (on the command line: one line on stderr,
``lawsearch: skipped PATH: why`` and exit status 1 for a file of a folder, ``lawsearch: …`` and exit status 2 for
a fatal error); never a traceback, and nothing already indexed is lost. ``tests/README.md`` tabulates them all.

The 50 MB report and the 2,000 small files run only with ``LAWSEARCH_SLOW_TESTS=1`` (they print their figures).
"""

from __future__ import annotations

import codecs
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import attrs
import numpy as np
import pytest
import whoosh.index
from hypothesis import given, settings
from hypothesis import strategies as st
from test_faults import DAMAGES, _damage

import lawsearch
import lawsearch.index
import lawsearch.render
from lawsearch.analysis import fold, term_spans, term_spans_and_words
from lawsearch.cli import main
from lawsearch.errors import IndexMismatchError, IngestError, InvalidArgumentError, LawsearchError, QuerySyntaxError
from lawsearch.index import Index
from lawsearch.ingest import discover, parse_bytes, parse_jsonl, read_file
from lawsearch.ingest.report import MAX_PASSAGE_CHARS
from lawsearch.models import ParsedDocument, SearchResults
from lawsearch.query import parse_query

from conftest import CORPUS

SLOW = os.environ.get("LAWSEARCH_SLOW_TESTS") == "1"
slow = pytest.mark.skipif(not SLOW, reason="set LAWSEARCH_SLOW_TESTS=1 to run the 50 MB and 2,000-file runs")

SEED = {path.stem: path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*.txt"))}
VICTIM = "zhongzhan-edu-2024"  # the seed report the file cases are made of
TEXT = SEED[VICTIM]
REFERENCE = [p.text for p in read_file(CORPUS / f"{VICTIM}.txt")[0].passages]  # its 21 passages


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("report.txt", TEXT)
    return buffer.getvalue()


def _line_endings(text: str) -> str:
    lines = text.split("\n")
    return "".join(line + ("\r\n", "\r", "\n")[i % 3] for i, line in enumerate(lines))


@attrs.frozen
class Case:
    """A file: its bytes, and either the passages it gives (with REFERENCE's texts if ``same``) or an error."""

    name: str
    data: Callable[[], bytes]
    passages: int = 0
    error: str = ""
    same: bool = True


CASES = [
    Case("empty", lambda: b"", error="file is empty; there is nothing to index"),
    Case("whitespace only", lambda: b" \r\n\t\n  \n", error="file is empty; there is nothing to index"),
    Case(
        "ideographic spaces only",
        lambda: "\u3000\n\xa0 \n".encode(),
        error="no paragraphs of text found (only a title, chrome or blank lines)",
    ),
    Case(
        "PNG",
        lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
        error="looks like a binary file (control bytes), not a text report",
    ),
    Case("zip", _zip, error="looks like a binary file (control bytes), not a text report"),
    Case("NUL bytes inside text", lambda: TEXT.replace("。", "。\x00", 6).encode(), passages=21),
    Case("Ctrl-Z at the end", lambda: TEXT.encode() + b"\x1a", passages=21),
    Case("GBK", lambda: TEXT.replace("\xa0", " ").encode("gbk"), passages=21, same=False),
    Case("GB18030", lambda: TEXT.encode("gb18030"), passages=21),
    Case("UTF-8 with BOM", lambda: codecs.BOM_UTF8 + TEXT.encode(), passages=21),
    Case("UTF-16 LE with BOM", lambda: codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), passages=21),
    Case("UTF-16 BE with BOM", lambda: codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), passages=21),
    Case(
        "UTF-16 without BOM",
        lambda: TEXT.encode("utf-16-le"),
        error="looks like UTF-16 text without a byte-order mark; save it as UTF-8",
    ),
    Case("mixed line endings", lambda: _line_endings(TEXT).encode(), passages=21),
    Case("CR line endings only", lambda: TEXT.replace("\n", "\r").encode(), passages=21),
    Case(
        "undecodable bytes",
        lambda: TEXT.encode() + b"\xff\xfe\xff",
        error="cannot decode as UTF-8 (bad byte at offset 6319) or GB18030 (at offset 81); save the file as UTF-8",
    ),
]


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    """Two seed reports: the victim, later replaced by a bad file, and a bystander."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (VICTIM, "hanyang-edu-2024"):
        shutil.copy(CORPUS / f"{name}.txt", corpus)
    return corpus


def _texts(index: Index, doc_id: str) -> list[str]:
    return [p.text for p in index.passages(doc_id)]


# --- files, through Index.update ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_a_bad_file_is_indexed_or_reported_and_nothing_is_lost(case: Case, corpus_copy: Path, tmp_path: Path) -> None:
    with Index.create(tmp_path / "index") as index:
        assert index.update([corpus_copy]).added == 2
        bystander = _texts(index, "hanyang-edu-2024")
        victim = corpus_copy / f"{VICTIM}.txt"
        victim.write_bytes(case.data())
        report = index.update([corpus_copy])
        assert report.unchanged == 1 and _texts(index, "hanyang-edu-2024") == bystander
        if case.error:
            (error,) = report.errors
            assert isinstance(error, IngestError) and error.path == victim.resolve()
            assert str(error).startswith(f"{victim.resolve()}: {case.error}")
            assert (report.changed, report.skipped) == (0, 1)
            assert _texts(index, VICTIM) == REFERENCE  # the version indexed before stays
        else:
            assert not report.errors and report.changed == 1 and report.passages == case.passages
            texts = _texts(index, VICTIM)
            assert len(texts) == case.passages and all("\x00" not in t and "\x1a" not in t for t in texts)
            assert texts == (REFERENCE if case.same else [t.replace("\xa0", " ") for t in REFERENCE])


# --- files, through the command line ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_a_bad_file_on_the_command_line(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(case.data())
    target = tmp_path / "ix"
    status = main(["index", str(path), "--index", str(target)])
    out, err = capsys.readouterr()
    if case.error:
        assert status == 1
        assert err.startswith(f"lawsearch: skipped {path}: {case.error}") and err.count("\n") == 1
        assert (
            out == f"{target} is unchanged (0 added, 0 changed, 0 removed, 0 unchanged; 0 passages); skipped 1 file\n"
        )
    else:
        assert (status, err) == (0, "")
        assert out.startswith(f"indexed {case.passages} passages from 1 file into {target} (1 added,")


def test_a_5_mb_line_without_punctuation_is_cut_into_bounded_passages() -> None:
    words = re.sub(r"[\W_]", "", SEED["hanyang-edu-2024"])  # letters, digits and ideographs only
    line = (words * (5_000_000 // len(words.encode()) + 1))[: 5_000_000 // 3]
    (parsed,) = parse_bytes(line.encode(), path=Path("line.txt"), doc_id="line")
    lengths = [len(p.text) for p in parsed.passages]
    assert max(lengths) == MAX_PASSAGE_CHARS and len(lengths) >= len(line) // MAX_PASSAGE_CHARS
    assert parsed.document.title_derived
    nothing_lost = "".join(p.text for p in parsed.passages) == line  # (a bool: pytest would diff 1.7 M characters)
    assert nothing_lost


@pytest.mark.parametrize(
    ("unit", "cut_after"),
    [("依法行政，", "，"), ("依法行政、", "、"), ("law and order ", " "), ("依法行政。", "。")],
)
def test_a_long_paragraph_is_cut_at_sentence_then_clause_then_space(unit: str, cut_after: str) -> None:
    paragraph = "开头" + unit * (3 * MAX_PASSAGE_CHARS // len(unit))
    (parsed,) = parse_bytes(paragraph.encode(), path=Path("p.txt"), doc_id="p")
    pieces = [p.text for p in parsed.passages]
    assert len(pieces) >= 3 and all(len(piece) <= MAX_PASSAGE_CHARS for piece in pieces)
    assert all(piece.endswith(cut_after.strip() or unit.strip()[-1]) for piece in pieces)
    assert "".join(pieces).replace(" ", "") == paragraph.strip().replace(" ", "")


def _big_report(size: int) -> bytes:
    """A report of about ``size`` bytes: the seed reports' bodies over and over, every number changed."""
    rng = random.Random(size)
    parts = ["某区教育局2024年度法治政府建设情况报告\n"]
    total = 0
    bodies = [text.split("\n", 1)[1] for text in SEED.values()]
    while total < size:
        body = re.sub(r"\d+", lambda m: str(rng.randrange(1, 10 ** len(m.group()) + 10)), bodies[len(parts) % 5])
        parts.append(body + "\n")
        total += len(body.encode())
    return "".join(parts).encode()


def _index_in_a_child(path: Path, target: Path) -> tuple[int, str, str, float, int]:
    """Run ``lawsearch index`` in a fresh process: status, stdout, stderr, seconds and its own peak RSS in MB."""
    out, err = target.with_name(target.name + ".out"), target.with_name(target.name + ".err")
    started = time.monotonic()
    with out.open("w") as stdout, err.open("w") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-m", "lawsearch", "index", str(path), "--index", str(target)],
            stdout=stdout,
            stderr=stderr,
        )
        _, status, usage = os.wait4(child.pid, 0)  # the rusage of this child alone (Linux: ru_maxrss in KB)
        child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    return child.returncode, out.read_text(), err.read_text(), seconds, usage.ru_maxrss // 1024


def test_a_5_mb_report_is_indexed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "big.txt"
    report.write_bytes(_big_report(5 * 2**20))
    assert main(["index", str(report), "--index", str(tmp_path / "ix")]) == 0
    passages = int(capsys.readouterr().out.split()[1])
    assert passages > 10_000
    with Index.open(tmp_path / "ix") as index:
        assert len(index) == passages and index.search("法治副校长").total > 100


@slow
def test_a_50_mb_report_is_indexed_in_bounded_memory(tmp_path: Path) -> None:
    report = tmp_path / "big.txt"
    report.write_bytes(_big_report(50 * 2**20))
    status, out, err, seconds, peak_mb = _index_in_a_child(report, tmp_path / "ix")
    size_mb = report.stat().st_size / 2**20
    print(f"\n50 MB report ({size_mb:.1f} MB): {out.strip()}; {seconds:.1f} s, peak RSS {peak_mb} MB")
    assert status == 0 and not err, err
    assert peak_mb < 32 * size_mb  # a ceiling against a blow-up, not a goal: see tests/README.md


def _small_reports(folder: Path, count: int) -> None:
    folder.mkdir()
    rng = random.Random(count)
    paragraphs = [line for text in SEED.values() for line in text.split("\n") if "。" in line and len(line) > 20]
    for number in range(count):
        body = "\n".join(rng.sample(paragraphs, 2))
        body = re.sub(r"\d+", lambda m: str(rng.randrange(1, 1000)), body)
        (folder / f"r{number:04d}.txt").write_text(f"第{number}区教育局2024年度法治政府建设情况报告\n{body}\n", "utf-8")


def test_hundreds_of_small_files_are_indexed(tmp_path: Path) -> None:
    _small_reports(tmp_path / "many", 200)
    with Index.create(tmp_path / "ix") as index:
        report = index.update([tmp_path / "many"])
        assert (report.added, report.errors) == (200, ()) and len(index) == report.passages >= 400
        assert index.update([tmp_path / "many"]).unchanged == 200


@slow
def test_2000_small_files_are_indexed_in_reasonable_time(tmp_path: Path) -> None:
    _small_reports(tmp_path / "many", 2000)
    status, out, _, seconds, peak_mb = _index_in_a_child(tmp_path / "many", tmp_path / "ix")
    status_again, out_again, _, seconds_again, _ = _index_in_a_child(tmp_path / "many", tmp_path / "ix")
    loads = []
    for _ in range(2):  # the first reader joins the segments into one file, the second loads that
        started = time.monotonic()
        with Index.open(tmp_path / "ix") as index:
            index.search("法治副校长")
        loads.append(time.monotonic() - started)
    print(
        f"\n2,000 small files: {out.strip()}; {seconds:.1f} s, peak RSS {peak_mb} MB; "
        f"again (nothing changed) {seconds_again:.1f} s; opening and a first search {loads[0]:.1f} s, "
        f"then {loads[1]:.2f} s"
    )
    assert status == status_again == 0 and "2000 unchanged" in out_again  # the times are printed, not asserted


@pytest.mark.parametrize("label", ["punycode", "idna", "rot13", "base64", "utf-32", "no-such-codec"])
def test_a_web_page_with_a_bogus_charset_label_is_read_as_text(label: str) -> None:
    page = f"<meta charset={label}><h1>某区教育局2024年法治政府建设工作报告</h1><p>全员持执法证上岗。</p>"
    (parsed,) = parse_bytes(page.encode(), path=Path("page.html"), doc_id="page")
    assert [p.text for p in parsed.passages] == ["全员持执法证上岗。"]


# --- files the index cannot read -----------------------------------------------------------------------------------


def _refuse(monkeypatch: pytest.MonkeyPatch, name: str, error: OSError) -> None:
    original = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == name:
            raise error
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


@pytest.mark.parametrize("error", [PermissionError(13, "Permission denied"), PermissionError()])
def test_an_unreadable_file_is_named_and_skipped(
    error: OSError, corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Index.create(tmp_path / "index") as index:
        index.update([corpus_copy])
        victim = corpus_copy / f"{VICTIM}.txt"
        victim.write_text(TEXT + "\n新增一段。\n", encoding="utf-8")
        _refuse(monkeypatch, victim.name, error)
        report = index.update([corpus_copy])
        (skipped,) = report.errors
        assert str(skipped) == (
            f"{victim.resolve()}: cannot read file: permission denied; make it readable or remove it from the corpus"
        )
        assert report.skipped == 1 and _texts(index, VICTIM) == REFERENCE


def test_an_unreadable_file_on_the_command_line(
    corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _refuse(monkeypatch, f"{VICTIM}.txt", PermissionError(13, "Permission denied"))
    target = tmp_path / "ix"
    assert main(["index", str(corpus_copy), "--index", str(target)]) == 1
    out, err = capsys.readouterr()
    assert (
        err
        == f"lawsearch: skipped {corpus_copy / VICTIM}.txt: cannot read file: permission denied; make it readable or remove it from the corpus\n"
    )
    assert out == (
        f"indexed 25 passages from 1 file into {target} (1 added, 0 changed, 0 removed, 0 unchanged); skipped 1 file\n"
    )


def test_an_unreadable_folder_is_named_and_skipped(
    corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (corpus_copy / "locked").mkdir()
    original = Path.iterdir

    def iterdir(self: Path):  # type: ignore[no-untyped-def]
        if self.name == "locked":
            raise PermissionError(13, "Permission denied")
        return original(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    with Index.create(tmp_path / "index") as index:
        report = index.update([corpus_copy])
    assert report.added == 2 and report.skipped == 1
    assert str(report.errors[0]).endswith("locked: cannot read folder (Permission denied); its files are not indexed")


# --- symlinks ----------------------------------------------------------------------------------------------------


@pytest.fixture()
def linked(tmp_path: Path, corpus_copy: Path) -> Path:
    """The corpus with a link to its parent folder, links to a file inside and outside, and two broken links."""
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(CORPUS / "heping-edu-2024.txt", outside)
    (corpus_copy / "sub").mkdir()
    (corpus_copy / "sub" / "loop").symlink_to("..", target_is_directory=True)
    (corpus_copy / "alias.txt").symlink_to(f"{VICTIM}.txt")
    (corpus_copy / "elsewhere.txt").symlink_to(outside / "heping-edu-2024.txt")
    (corpus_copy / "dangling.txt").symlink_to("nowhere.txt")
    (corpus_copy / "self.txt").symlink_to("self.txt")
    return corpus_copy


def test_symlinks_neither_loop_nor_leave_the_corpus(linked: Path, tmp_path: Path) -> None:
    with Index.create(tmp_path / "index") as index:
        report = index.update([linked])
        # each file once, under its own id: the folder link is not followed, the alias is the victim itself
        assert [d.id for d in index.documents()] == ["hanyang-edu-2024", VICTIM]
        assert (report.added, report.skipped) == (2, 3)
        assert sorted(str(e) for e in report.errors) == [
            f"{linked / 'dangling.txt'}: is a broken link (to nowhere.txt); fix or remove it",
            f"{linked / 'elsewhere.txt'}: links outside the corpus (to {tmp_path / 'outside' / 'heping-edu-2024.txt'}); "
            "it is not indexed: name that file as a PATH to index it",
            f"{linked / 'self.txt'}: is a broken link (to self.txt); fix or remove it",
        ]
        # named as a PATH, the file outside is indexed (once) and the link to it is no longer an error
        report = index.update([linked, tmp_path / "outside" / "heping-edu-2024.txt"])
        assert report.added == 1 and report.skipped == 2
        assert "heping-edu-2024" in {d.id for d in index.documents()}


def test_symlinks_on_the_command_line(linked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "ix"
    assert main(["index", str(linked), "--index", str(target)]) == 1
    out, err = capsys.readouterr()
    assert out == (
        f"indexed 46 passages from 2 files into {target} (2 added, 0 changed, 0 removed, 0 unchanged); skipped 3 files\n"
    )
    assert err.count("\n") == 3 and f"lawsearch: skipped {linked / 'elsewhere.txt'}: links outside the corpus" in err


def test_discover_without_on_error_raises_for_a_link_outside(linked: Path) -> None:
    with pytest.raises(IngestError, match="is a broken link"):
        discover([linked])


# --- a folder of good and bad files --------------------------------------------------------------------------------


def test_office_lock_files_and_hidden_files_are_left_out(
    corpus_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Word and WPS keep ~$…docx beside a document that is open (162 bytes, no zip); editors and git keep .files
    (corpus_copy / "~$ngyang-edu-2024.docx").write_bytes(random.Random(1).randbytes(162))
    (corpus_copy / ".draft.txt").write_text(TEXT, encoding="utf-8")
    (corpus_copy / ".git").mkdir()
    (corpus_copy / ".git" / "notes.txt").write_text(TEXT, encoding="utf-8")
    target = str(tmp_path / "index")
    assert main(["index", str(corpus_copy), "--index", target]) == 0  # was exit 1: "skipped …~$….docx: cannot open"
    out, err = capsys.readouterr()
    passages = len(REFERENCE) + len(read_file(corpus_copy / "hanyang-edu-2024.txt")[0].passages)
    assert out.startswith(f"indexed {passages} passages from 2 files") and err == ""
    assert _fail(["index", str(corpus_copy / "~$ngyang-edu-2024.docx"), "--index", target], capsys) == (
        f"{corpus_copy / '~$ngyang-edu-2024.docx'}: is the lock file that Word or WPS keeps while a document is "
        "open (~$…), not a document; index the document itself"
    )


@pytest.mark.parametrize("suffix", [".doc", ".wps", ".rtf", ".odt", ".DOC"])
def test_a_report_that_must_be_converted_first_is_named_with_how(
    suffix: str, corpus_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a folder of .doc reports used to be passed over in silence ("indexed 0 passages from 0 files", exit 0)
    report = corpus_copy / f"报告{suffix}"
    report.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))  # an OLE2 header, as a .doc or .wps has
    (corpus_copy / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))  # not a document: passed over
    target = str(tmp_path / "index")
    advice = (
        f"a {suffix.lower()} document, which lawsearch cannot read; save it as .docx first (in Word or WPS: Save As, "
        ".docx; many at once: soffice --headless --convert-to docx FILES)"
    )
    assert main(["index", str(corpus_copy), "--index", target]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("indexed ") and "from 2 files" in out and out.rstrip().endswith("skipped 1 file")
    assert err == f"lawsearch: skipped {report}: {advice}\n"
    assert _fail(["index", str(report), "--index", target], capsys) == f"{report}: {advice}"


def test_a_folder_of_good_and_bad_files_reports_each_and_sums_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    target = tmp_path / "ix"
    assert main(["index", str(corpus), "--index", str(target)]) == 0
    capsys.readouterr()
    (corpus / "hanyang-edu-2024.txt").write_text(SEED["hanyang-edu-2024"] + "\n新增一段。\n", encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (corpus / "laws.jsonl").write_text('{"id": "l1", "text": "第一条 法治。"}\n{"id": "l2"}\n', encoding="utf-8")
    assert main(["index", str(corpus), "--index", str(target)]) == 1
    out, err = capsys.readouterr()
    assert out == (
        f"indexed 27 passages from 2 files into {target} (1 added, 1 changed, 0 removed, 4 unchanged); "
        "skipped 2 files and 1 record\n"
    )
    assert err.splitlines() == [
        f"lawsearch: skipped {corpus / 'empty.txt'}: file is empty; there is nothing to index",
        f"lawsearch: skipped {corpus / 'image.txt'}: looks like a binary file (control bytes), not a text report; "
        "convert it to UTF-8 text or remove it from the corpus",
        f"lawsearch: skipped {corpus / 'laws.jsonl'}:2: record 'l2' needs a non-empty string 'text', got None",
    ]
    with Index.open(target) as index:
        assert len(index) == 108 + 1 + 1


# --- JSONL -------------------------------------------------------------------------------------------------------

_GOOD = [
    {"id": f"hy{n}", "text": line, "title": "汉阳区教育局2024年度法治政府建设情况报告", "year": 2024}
    for n, line in enumerate(line for line in SEED["hanyang-edu-2024"].split("\n") if "。" in line)
][:5]
_BAD_LINES = {  # line → the start of its error message
    "{not json": "invalid JSON (Expecting property name enclosed in double quotes at column 2)",
    '["a"]': "expected a JSON object, got list",
    "42": "expected a JSON object, got int",
    '{"id": "x1", "title": "t"}': "record 'x1' needs a non-empty string 'text', got None",
    '{"id": "x2", "text": 5}': "record 'x2' needs a non-empty string 'text', got 5",
    '{"id": "x3", "text": " \\u0000 "}': "record 'x3' needs a non-empty string 'text', got ' \\x00 '",
    '{"id": ["a"], "text": "法治"}': "each record needs an 'id' (string or integer), got ['a']",
    '{"id": true, "text": "法治"}': "each record needs an 'id' (string or integer), got True",
    '{"id": "x4", "text": "法治", "year": "二〇二四"}': "field 'year' must be an integer like 2024, got '二〇二四'",
    '{"id": "x5", "text": "法治", "year": 99999999999}': "field 'year' must be an integer like 2024, got 99999999999",
    '{"id": "x6", "text": "法治", "title": 3}': "field 'title' must be a string, got 3",
    '{"id": "x7", "text": "法治", "section": [1]}': "field 'section' must be a string or a list of strings, got [1]",
    '{"id": "hy0", "text": "重复"}': "duplicate id 'hy0' (first on line 1); ids must be unique",
    '{"id": "x8", "text": "\\ud800"}': "invalid JSON (a lone surrogate '\\ud800' is no character)",
    "[" * 100_000: "invalid JSON (arrays or objects nested too deep)",
    "1" * 5000: "invalid JSON (a number of more than 4300 digits)",
}


def _mixed_jsonl() -> tuple[str, dict[int, str]]:
    """Good and bad lines interleaved; the line number of each bad line → its message."""
    lines = [json.dumps(_GOOD[0], ensure_ascii=False)]
    errors: dict[int, str] = {}
    for n, (bad, message) in enumerate(_BAD_LINES.items()):
        lines.append(bad)
        errors[len(lines)] = message
        if n % 4 == 3:
            lines.append(json.dumps(_GOOD[1 + n // 4], ensure_ascii=False))
    lines.append(json.dumps({"id": "nul", "text": "法治\x00副校长", "title": _GOOD[0]["title"]}, ensure_ascii=False))
    return "\n".join(lines) + "\n", errors


def test_parse_jsonl_keeps_the_good_lines_and_names_each_bad_one() -> None:
    text, expected = _mixed_jsonl()
    errors: list[IngestError] = []
    (document,) = parse_jsonl(text, default_document="d", path="x.jsonl", on_error=errors.append)
    assert [p.id for p in document.passages] == [*(g["id"] for g in _GOOD), "nul"]
    assert document.passages[-1].text == "法治副校长"  # a NUL never reaches a passage
    assert {e.line: str(e) for e in errors} == {line: f"x.jsonl:{line}: {m}" for line, m in expected.items()}
    with pytest.raises(IngestError) as first:  # without on_error, the first bad line raises
        parse_jsonl(text, default_document="d", path="x.jsonl")
    assert first.value.line == min(expected)


def test_a_jsonl_file_with_bad_lines_is_indexed_without_them(tmp_path: Path) -> None:
    laws = tmp_path / "records" / "laws.jsonl"
    laws.parent.mkdir()
    text, expected = _mixed_jsonl()
    laws.write_text(text, encoding="utf-8")
    with Index.create(tmp_path / "index") as index:
        report = index.update([laws.parent])
        assert (report.added, report.passages, report.skipped, report.skipped_records) == (1, 6, 0, len(expected))
        assert sorted(e.line for e in report.errors if e.line is not None) == sorted(expected)
        assert [h.passage.id for h in index.search("法治副校长").hits] == ["nul"]
        # the next update reads the file again and reports its bad lines again, changing nothing
        again = index.update([laws.parent])
        assert (again.unchanged, again.passages, again.skipped_records) == (1, 0, len(expected))
        assert [str(e) for e in again.errors] == [str(e) for e in report.errors]
        # fixed, it is indexed whole and is quiet
        laws.write_text("\n".join(json.dumps(g, ensure_ascii=False) for g in _GOOD), encoding="utf-8")
        fixed = index.update([laws.parent])
        assert (fixed.changed, fixed.passages, fixed.errors) == (1, 5, ())
        assert index.update([laws.parent]).unchanged == 1
        # only bad lines: the file is skipped and its records indexed before stay
        laws.write_text("{oops\n[1]\n", encoding="utf-8")
        broken = index.update([laws.parent])
        assert (broken.skipped, broken.skipped_records, len(broken.errors)) == (1, 0, 2)
        assert len(index) == 5


def test_bad_jsonl_lines_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    laws = tmp_path / "laws.jsonl"
    text, expected = _mixed_jsonl()
    laws.write_text(text, encoding="utf-8")
    target = tmp_path / "ix"
    assert main(["index", str(laws), "--index", str(target)]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"lawsearch: skipped {laws}:{line}: {m}" for line, m in sorted(expected.items())]
    assert out == (
        f"indexed 6 passages from 1 file into {target} (1 added, 0 changed, 0 removed, 0 unchanged); "
        f"skipped {len(expected)} records\n"
    )


def test_an_id_that_another_file_uses_skips_that_file(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"id": "l1", "text": "第一条"}', encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"id": "l1", "text": "重复"}\n{"id": "l2", "text": "第二条"}', "utf-8")
    with Index.create(tmp_path / "index") as index:
        report = index.update([tmp_path / "a.jsonl", tmp_path / "b.jsonl"])
        assert (report.added, report.skipped, len(index)) == (1, 1, 1)
        assert str(report.errors[0]).endswith(
            "passage id 'l1' is already used by " + str(tmp_path / "a.jsonl") + "; ids must be unique"
        )


# --- text that is not UTF-8: file names, API text (queries: QUERIES below; stdin and argv: test_cli.py) -----------

NEIGHBOUR = "heping-edu-2024"


def _name(raw: bytes) -> str:
    """A file name of these bytes, as Python's os functions give it (a byte that is not UTF-8: a lone surrogate)."""
    return os.fsdecode(raw)


def test_a_file_name_that_is_not_utf8_is_indexed_updated_and_removed(
    corpus_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a GBK name, as unzipping an archive made on Chinese Windows leaves it on Linux; and one of Latin-1
    gbk, latin = corpus_copy / _name("报告".encode("gbk") + b"2024.txt"), corpus_copy / _name(b"caf\xe9.txt")
    try:
        shutil.copy(CORPUS / f"{NEIGHBOUR}.txt", gbk)
        shutil.copy(CORPUS / f"{NEIGHBOUR}.txt", latin)
    except (OSError, UnicodeError):
        pytest.skip("this file system takes only UTF-8 names")
    total = sum(len(read_file(path)[0].passages) for path in corpus_copy.iterdir())
    target = tmp_path / "index"
    assert main(["index", str(corpus_copy), "--index", str(target)]) == 0
    assert capsys.readouterr().out.startswith(f"indexed {total} passages from 4 files")
    with Index.open(target) as index:
        # the id reads the GBK bytes as GB18030; bytes that are neither become U+FFFD; the path keeps every byte
        documents = {d.id: d for d in index.documents()}
        assert {"报告2024", "caf\ufffd"} <= set(documents)
        assert documents["报告2024"].path == str(corpus_copy.resolve()) + "/\\xb1\\xa8\\xb8\\xe62024.txt"
        assert _texts(index, "报告2024") == [p.text for p in read_file(CORPUS / f"{NEIGHBOUR}.txt")[0].passages]
    assert main(["search", "法治副校长", "--index", str(target), "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert "报告2024" in {hit["document"]["id"] for hit in hits}
    assert main(["index", str(corpus_copy), "--index", str(target)]) == 0
    assert f"(0 added, 0 changed, 0 removed, 4 unchanged; {total} passages)" in capsys.readouterr().out
    gbk.unlink()
    assert main(["index", str(corpus_copy), "--index", str(target)]) == 0
    assert "0 added, 0 changed, 1 removed, 3 unchanged" in capsys.readouterr().out
    with Index.open(target) as index:
        assert "报告2024" not in {d.id for d in index.documents()}
        assert len(index) == total - len(_texts(index, "caf\ufffd"))  # the same text under the other id


def test_add_refuses_a_document_with_a_lone_surrogate_and_writes_nothing(corpus_copy: Path, tmp_path: Path) -> None:
    with Index.create(tmp_path / "index") as index:
        index.update([corpus_copy])
        before = len(index)
        text = "关于2024年法治政府建设情况的报告\n一、主要做法\n依法行政\udcb7的要求。"
        with pytest.raises(IngestError) as caught:
            index.add([lawsearch.parse_report(text, doc_id="s1")])
        assert str(caught.value) == (
            "document 's1': the passage 's1#1' has byte 0xb7, which is not UTF-8 (text in another encoding, such as "
            "GB18030?) at character 5; decode the text with its own encoding (lawsearch.read_file does) or remove "
            "that character"
        )
        assert len(index) == before and "s1" not in {d.id for d in index.documents()}


def test_analyze_and_filters_refuse_a_lone_surrogate(seed_index: Index) -> None:
    with pytest.raises(InvalidArgumentError, match=r"^the text has '\\ud800', a lone surrogate, .* at character 3;"):
        lawsearch.analyze("法治\ud800")
    with pytest.raises(InvalidArgumentError, match=r"^filter org='\\udcb7': the value has byte 0xb7, which is not"):
        seed_index.search("", filters={"org": "\udcb7"})


# --- index states, through the command line ----------------------------------------------------------------------


def _fail(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert not out and err.startswith("lawsearch: ") and err.count("\n") == 1 and "Traceback" not in err
    return err[len("lawsearch: ") : -1]


@pytest.fixture()
def built(tmp_path: Path) -> Path:
    target = tmp_path / "index"
    with Index.create(target) as index:
        index.update([CORPUS])
    return target


def test_missing_and_foreign_index_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing"
    assert _fail(["search", "法治", "--index", str(missing)], capsys) == (
        f"no index at {missing}; create one with: lawsearch index PATH --index {missing}"
    )
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("mine", encoding="utf-8")
    notes = tmp_path / "notes"
    assert _fail(["search", "法治", "--index", str(notes)], capsys) == (
        f"{notes} is not a lawsearch index; create one with: lawsearch index PATH --index {notes}"
    )
    assert _fail(["index", str(CORPUS), "--index", str(notes)], capsys) == (
        f"{notes} holds files but no lawsearch index; lawsearch will not write into it: "
        "choose an empty or new folder for --index"
    )
    assert _fail(["index", str(CORPUS), "--index", str(notes), "--rebuild"], capsys) == (
        f"{notes} holds files but no lawsearch index; lawsearch will not replace it: "
        "choose an empty or new folder for --index"
    )
    assert (tmp_path / "notes" / "a.txt").read_text(encoding="utf-8") == "mine"
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert _fail(["index", str(CORPUS), "--index", str(tmp_path / "file")], capsys) == (
        f"{tmp_path / 'file'} is a file, not an index folder; choose another --index path"
    )
    assert _fail(["search", "法治", "--index", str(tmp_path / "file")], capsys) == (
        f"{tmp_path / 'file'} is a file, not an index folder; pass the folder of an index"
    )


def test_a_run_that_fails_before_indexing_leaves_the_index_as_it_was(
    built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped PATH stops the run before the index is touched: --rebuild kept nothing of the old index (it was
    replaced by an empty one, then the path was found missing), and a new --index folder was left behind, empty."""
    missing = tmp_path / "corpsu"
    for argv in (["--rebuild"], []):
        assert _fail(["index", str(missing), "--index", str(built), *argv], capsys) == (
            f"{missing}: no such file or folder; check the path"
        )
        with Index.open(built) as index:
            assert len(index) == 108
    picture = tmp_path / "scan.png"
    picture.write_bytes(b"\x89PNG")
    for argv in ([str(missing)], [str(CORPUS), str(picture)]):
        assert _fail(["index", *argv, "--index", str(tmp_path / "new")], capsys)
        assert not (tmp_path / "new").exists()


def test_a_damaged_settings_file_is_a_damaged_index_that_rebuild_replaces(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for damage in ("{bad", None):
        if damage is None:
            (built / "lawsearch.json").unlink()
        else:
            (built / "lawsearch.json").write_text(damage, encoding="utf-8")
        damaged = (
            f"the index at {built} is damaged: lawsearch.json cannot be read; "
            f"rebuild it with: lawsearch index PATH --rebuild --index {built}"
        )
        # it was "not a lawsearch index; create one with …", which then refused to write into it, even with --rebuild
        assert _fail(["search", "法治", "--index", str(built)], capsys) == damaged
        assert _fail(["index", str(CORPUS), "--index", str(built)], capsys) == damaged
        assert main(["index", str(CORPUS), "--index", str(built), "--rebuild"]) == 0
        assert capsys.readouterr().out.startswith("indexed 108 passages from 5 files")


def test_two_files_of_one_id_in_two_folders_skip_the_second_and_index_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "2023", tmp_path / "2024"
    for folder, name in ((first, "hanyang-edu-2024"), (second, "heping-edu-2024")):
        folder.mkdir()
        shutil.copy(CORPUS / f"{name}.txt", folder / "report.txt")
    shutil.copy(CORPUS / "zhongzhan-edu-2024.txt", second)
    target = tmp_path / "index"
    # it was a fatal error: exit 2, nothing indexed
    assert main(["index", str(first), str(second), "--index", str(target)]) == 1
    out, err = capsys.readouterr()
    assert err == (
        f"lawsearch: skipped {second.resolve() / 'report.txt'}: two files would get the document id 'report' (also "
        f"{first.resolve() / 'report.txt'}); rename one of them, or index their folders into separate indexes\n"
    )
    assert out.startswith("indexed 46 passages from 2 files") and out.endswith("; skipped 1 file\n")
    # the second folder alone: the clash with what the index has; nothing of the first folder's file is lost
    assert main(["index", str(second), "--index", str(target)]) == 1
    assert "document id 'report' is already used by" in capsys.readouterr().err
    with Index.open(target) as index:
        assert index.passages("report") == list(read_file(first / "report.txt")[0].passages)
    (second / "zhongzhan-edu-2024.txt").unlink()
    assert main(["index", str(second), "--index", str(target)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{target} no longer has the passages of 1 file (0 added, 0 changed, 1 removed, 0 unchanged;")


@pytest.mark.parametrize("key", ["schema_version", "analyzer"])
def test_an_index_of_another_schema_or_analyzer(key: str, built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    meta = json.loads((built / "lawsearch.json").read_text(encoding="utf-8"))
    (built / "lawsearch.json").write_text(json.dumps({**meta, key: 99}), encoding="utf-8")
    for argv in (["search", "法治"], ["index", str(CORPUS)]):
        message = _fail([*argv, "--index", str(built)], capsys)
        assert message.startswith(f"the index at {built} was built by lawsearch") and message.endswith(
            f"rebuild it with: lawsearch index PATH --rebuild --index {built}"
        )
    assert main(["index", str(CORPUS), "--rebuild", "--index", str(built)]) == 0


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_index_on_the_command_line(how: str, built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Index.open(built) as index:
        _damage(index, how)
    for argv in (["search", "法治"], ["index", str(CORPUS)]):
        message = _fail([*argv, "--index", str(built)], capsys)
        assert re.fullmatch(
            rf"the index at {re.escape(str(built))} is damaged: .* cannot be read \(.*\); "
            rf"rebuild it with: lawsearch index PATH --rebuild --index {re.escape(str(built))}",
            message,
        ), message
    assert main(["index", str(CORPUS), "--rebuild", "--index", str(built)]) == 0
    capsys.readouterr()
    assert main(["search", "法治副校长", "--index", str(built), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 8


def test_searching_an_index_writes_nothing_so_a_read_only_one_works(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p: p.stat().st_mtime_ns for p in built.rglob("*")}
    assert main(["search", "法治副校长", "--index", str(built), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 8
    assert {p: p.stat().st_mtime_ns for p in built.rglob("*")} == before


def test_indexing_into_a_folder_that_cannot_be_written(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "extra.txt").write_text("某区教育局2024年法治政府建设工作报告\n全员持执法证上岗。\n", encoding="utf-8")

    def refuse(path: Path, data: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(lawsearch.index, "_write_json", refuse)  # what a read-only folder does to a writer
    message = _fail(["index", str(corpus), "--index", str(built)], capsys)
    assert message.startswith(f"cannot write the index at {built} (Permission denied: {built}")
    assert message.endswith("it is as it was: choose a writable --index folder, or free some space")
    with Index.open(built) as index:
        assert len(index) == 108  # the last commit stands
    assert _fail(["index", str(CORPUS), "--index", "/dev/null/index"], capsys) == (
        "cannot make the folder /dev/null for the index at /dev/null/index (/dev/null is not a folder); "
        "choose another place for it"
    )


def test_a_second_writer_and_a_stale_lock_on_the_command_line(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = tmp_path / "extra.txt"
    extra.write_text("某区教育局2024年法治政府建设工作报告\n全员持执法证上岗。\n", encoding="utf-8")
    monkeypatch.setattr(lawsearch.index, "_WRITE_TIMEOUT", 0.2)
    holder = whoosh.index.open_dir(str(built)).writer()
    try:
        message = _fail(["index", str(extra), "--index", str(built)], capsys)
    finally:
        holder.cancel()
    assert message == (
        f"another process is writing to the index at {built} (waited 0 s); try again when it has finished"
    )
    assert (built / "MAIN_WRITELOCK").exists()  # left behind, as by a killed writer: it does not block
    assert main(["index", str(extra), "--index", str(built)]) == 0
    assert capsys.readouterr().out.startswith("indexed 1 passage from 1 file")


# --- queries -------------------------------------------------------------------------------------------------------

QUERIES = [  # query, exit status, the start of its one line on stderr (status 2) or of stdout (status 0)
    ('"食品安全', 2, "unclosed quote; add the closing quote (at character 1 of"),
    ("(执法 OR 普法", 2, "unclosed parenthesis; add the missing ')' (at character 1 of"),
    ("执法)", 2, "unexpected ')'; remove it or add the missing '(' (at character 3 of"),
    ("AND", 2, "AND needs a term on both sides (at character 1 of 'AND')"),
    ("执法 AND", 2, "AND needs a term on both sides (at character 4 of '执法 AND')"),
    ("NOT", 2, "NOT needs a term after it (at character 1 of 'NOT')"),
    ("year:", 2, "field 'year' needs a value, e.g. year:2024 (at character 1 of 'year:')"),
    ("year:20x4", 2, "year must be a year like 2024 or a range like 2023..2024, got '20x4'"),
    ("foo:bar", 2, "unknown field 'foo'; valid fields: "),
    ("", 2, "the query is empty; type some words to search for"),
    ("()", 2, "empty parentheses"),
    ('""', 2, "empty quotes; put a phrase between them"),
    ("\udcff法治", 2, "the query has byte 0xff, which is not UTF-8"),  # how Python passes on a byte that is not UTF-8
    ("法治\ud800", 2, "the query has '\\ud800', a lone surrogate, which is no character; give it as UTF-8"),
    ("😀🎉", 0, "no passages match '😀🎉'"),
    ("法治\x01\x02副校长\x7f", 0, "108 passages match"),  # control characters separate words
    ("的 了", 0, "no passages match '的 了'"),
    ("，。！？", 0, "no passages match '，。！？'"),
    ("法治" * 5000, 0, "108 passages match"),
    ("执法 " * 3334, 0, "26 passages match"),
]


@pytest.mark.parametrize(("query", "status", "start"), QUERIES, ids=[q[:12] for q, *_ in QUERIES])
def test_malformed_and_odd_queries(
    query: str, status: int, start: str, built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", query, "--index", str(built), "--limit", "1"]) == status
    out, err = capsys.readouterr()
    if status:
        assert not out and err.startswith(f"lawsearch: {start}") and err.count("\n") == 1
    else:
        assert not err and out.startswith(start)


# --- Hypothesis: nothing but results and LawsearchErrors ---------------------------------------------------------

_PIECES = st.sampled_from(
    [
        *SEED[VICTIM].split("\n")[:12],
        '{"id": 1, "text": "法治"}',
        '{"id": "a", "text": "\\u0000", "year": "2024"}',
        "{",
        "}",
        "[",
        '"',
        "\\u",
        "\\ud800",
        "<p>",
        "</p>",
        "<meta charset=gbk>",
        "<meta charset=idna>",
        "<meta charset=punycode>",
        "<meta charset=utf-16>",
        "<script>",
        "<h1>",
        "<!--",
        "<![CDATA[",
        "&#0;",
        "&#x110000;",
        "\n",
        "\r",
        "\x00",
        "\ufeff",
    ]
)
_TEXT_BYTES = st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=30).map(lambda parts: "".join(parts))
_BYTES = st.one_of(
    st.binary(max_size=2000),
    _TEXT_BYTES.map(lambda text: text.encode("utf-8", "surrogatepass")),
    _TEXT_BYTES.map(lambda text: text.encode("gb18030", "replace")),
    _TEXT_BYTES.map(lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le", "surrogatepass")),
)


@settings(max_examples=500, deadline=None)
@given(data=_BYTES, suffix=st.sampled_from([".txt", ".jsonl", ".html"]))
def test_parse_bytes_gives_documents_or_an_ingest_error(data: bytes, suffix: str) -> None:
    errors: list[IngestError] = []
    try:
        documents = parse_bytes(data, path=Path(f"x{suffix}"), doc_id="x", on_error=errors.append)
    except LawsearchError as exc:
        assert isinstance(exc, IngestError) and str(exc).startswith(f"x{suffix}")
        return
    assert all(isinstance(d, ParsedDocument) for d in documents) and all(e.line for e in errors)
    for passage in (p for d in documents for p in d.passages):
        assert passage.text and "\x00" not in passage.text
        assert suffix == ".jsonl" or len(passage.text) <= MAX_PASSAGE_CHARS  # a JSONL record is one passage


# st.text() has no lone surrogates, which Python makes of bytes that are not UTF-8 (in argv, file names, stdin)
_WITH_SURROGATES = st.lists(
    st.one_of(st.text(max_size=10), st.sampled_from(["\ud800", "\udcb7", "\udfff"])), max_size=6
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _WITH_SURROGATES))
def test_parse_query_gives_a_tree_or_a_query_syntax_error(query: str) -> None:
    try:
        parse_query(query)
    except QuerySyntaxError as exc:
        assert 0 <= exc.position <= len(query) and exc.query == query


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.text(),
        _WITH_SURROGATES,
        st.lists(
            st.sampled_from(
                ["法治", "执法证", " ", '"', "(", ")", "AND", "NOT", "OR", "year:", "org:", "：", "的", "\udcb7"]
            ),
            max_size=8,
        ).map("".join),
    )
)
def test_search_gives_results_or_a_lawsearch_error(seed_index: Index, query: str) -> None:
    try:
        results = seed_index.search(query, limit=5)
    except LawsearchError:
        return
    assert isinstance(results, SearchResults)
    for hit in results.hits:
        assert all(0 <= span.start < span.end <= len(hit.passage.text) for span in hit.spans)


_SEPARATORS = re.compile(r"[\s、,，·・]+")  # what compound terms may hold between their words (test_analysis.py)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["index", "query"]))
def test_term_spans_index_the_text_exactly(text: str, mode: str) -> None:
    spans = term_spans(text, mode)
    for start, end, term in spans:
        assert 0 <= start < end <= len(text)
        source = fold(text[start:end])
        assert term in (source, _SEPARATORS.sub("", source))
    if mode == "index":
        same, starts = term_spans_and_words(text)
        assert same == spans and starts == sorted(starts) and all(0 <= s < max(len(text), 1) for s in starts)


def test_a_long_malformed_query_quotes_only_the_part_around_the_problem() -> None:
    query = "法治 " * 3000 + '"食品'
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    message = str(caught.value)
    assert len(message) < 200 and '"食品' in message and message.startswith("unclosed quote")
    assert caught.value.query == query  # the whole query stays on the exception


@pytest.mark.parametrize(
    "argv",
    [["index", ""], ["index", "--index", "", "corpus"], ["search", "法治", "--index", ""], ["repl", "--index", ""]],
)
def test_an_empty_path_on_the_command_line_is_one_line_and_exit_2(  # type: ignore[no-untyped-def]
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """``lawsearch index "$DIR"`` with DIR unset indexed the current folder and all below it (Path('') is '.')."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LAWSEARCH_CACHE", str(tmp_path / "cache"))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "an empty path (an unset shell variable?); write . for the current folder" in err
    assert not (tmp_path / "cache").exists()


def test_an_unwritable_cache_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("LAWSEARCH_CACHE", "/dev/null/cache")
    assert main(["search", "法治"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "cannot create the default index" in err and "LAWSEARCH_CACHE" in err


def test_a_segment_holding_a_pickle_is_refused_without_advice_to_unpickle(tmp_path: Path) -> None:
    index = Index.create(tmp_path / "index")
    index.update([CORPUS])
    segment = sorted((index.path / "segments").glob("*.npz"))[0]
    np.savez(segment, terms=np.array([{"a": 1}], dtype=object))
    with pytest.raises(IndexMismatchError, match="pickled data, which lawsearch never loads") as caught:
        Index.open(index.path).search("法治")
    assert "allow_pickle" not in str(caught.value)


# --- library arguments of the wrong kind ---------------------------------------------------------------------------


def _report(doc_id: str, *texts: str) -> lawsearch.ParsedDocument:
    document = lawsearch.Document(doc_id, f"{doc_id}区教育局2024年法治政府建设情况报告", year=2024)
    passages = [lawsearch.Passage(f"{doc_id}#{n}", doc_id, n, text) for n, text in enumerate(texts, start=1)]
    return lawsearch.ParsedDocument(document, passages)


# (what, call, the error's start); each was a bare TypeError, AttributeError, OverflowError, RecursionError,
# FileExistsError or KeyError before, or was accepted and broke the index (a year of 10**30)
API_MISUSE: list[tuple[str, Callable[[Index], object], str]] = [
    ("year 10**30", lambda ix: lawsearch.Document("y", "t", year=10**30), "Document.year must be None or a year"),
    ("year '2024'", lambda ix: lawsearch.Document("y", "t", year="2024"), "Document.year must be None or a year"),
    ("year True", lambda ix: lawsearch.Document("y", "t", year=True), "Document.year must be None or a year"),
    ("empty id", lambda ix: lawsearch.Document("", "t"), "Document.id must be a non-empty string, got ''"),
    ("org 5", lambda ix: lawsearch.Document("y", "t", org=5), "Document.org must be a string, got 5"),
    ("text None", lambda ix: lawsearch.Passage("p", "y", 1, None), "Passage.text must be a string, got None"),
    ("section str", lambda ix: lawsearch.Passage("p", "y", 1, "x", section="一、"), "Passage.section must be a"),
    ("is_heading 'x'", lambda ix: lawsearch.Passage("p", "y", 1, "x", is_heading="x"), "Passage.is_heading must"),
    (
        "foreign passage",
        lambda ix: lawsearch.ParsedDocument(lawsearch.Document("y", "t"), [lawsearch.Passage("p", "z", 1, "x")]),
        "passage 'p' has document_id 'z', not its document's id 'y'",
    ),
    ("add a Document", lambda ix: ix.add([lawsearch.Document("y", "t")]), "Index.add takes lawsearch.ParsedDocument"),
    ("add a string", lambda ix: ix.add("报告"), "documents must be a list, got '报告'"),
    ("two documents y", lambda ix: ix.add([_report("y", "甲"), _report("y", "乙")]), "two documents have the id 'y'"),
    ("two passages y#1", lambda ix: ix.add([_twice()]), "two passages have the id 'y#1'; ids must be unique"),
    ("update 5", lambda ix: ix.update(5), "paths must be a list, got 5"),
    ("update [None]", lambda ix: ix.update([None]), "paths must be a path (a string or pathlib.Path), got None"),
    ("search None", lambda ix: ix.search(None), "query must be a string, got None"),
    ("search bytes", lambda ix: ix.search("法治".encode()), "query must be a string, got b'"),
    ("explain None", lambda ix: ix.explain(None, "hanyang-edu-2024#10"), "query must be a string, got None"),
    ("filters list", lambda ix: ix.search("法治", filters=[("year", 2024)]), "filters must be a dict like"),
    ("filter ''", lambda ix: ix.search("法治", filters={"org": ""}), "filter 'org' needs a non-empty string"),
    ("weights 'x'", lambda ix: ix.search("法治", weights="x"), "weights must be a lawsearch.Weights, got 'x'"),
    ("fragments None", lambda ix: ix.search("法治", fragments=None), "fragments must be an integer >= 0, got None"),
    ("fragment_chars 0", lambda ix: ix.search("法治", fragment_chars=0), "fragment_chars must be an integer >= 10"),
    ("semantic 'yes'", lambda ix: ix.search("法治", semantic="yes"), "semantic must be True or False, got 'yes'"),
    ("related None", lambda ix: ix.search("法治", related=None), "related must be True or False, got None"),
    ("weight inf", lambda ix: lawsearch.Weights(body=float("inf")), "weight 'body' must be a number from 0 to 1000"),
    ("k1 0", lambda ix: lawsearch.Weights.bm25(k1=0), "'k1' must be above 0 (1.2 is usual), got 0"),
    ("context before None", lambda ix: ix.context("hanyang-edu-2024#10", before=None), "before must be an integer"),
    ("250 parentheses", lambda ix: ix.search("(" * 250 + "法治" + ")" * 250), "parentheses and NOTs nested more"),
    ("1,000 NOTs", lambda ix: ix.search("法治 " + "NOT " * 1000 + "教育"), "parentheses and NOTs nested more"),
    ("create(None)", lambda ix: Index.create(None), "path must be a path (a string or pathlib.Path), got None"),
    ("open('')", lambda ix: Index.open(""), "path must be a path (a string or pathlib.Path), got ''"),
    ("default path [p]", lambda ix: lawsearch.default_index_path([CORPUS]), "corpus must be a path (a string or"),
    ("render_facets style", lambda ix: lawsearch.render.render_facets([], style="nope"), "unknown style 'nope'"),
]


def _twice() -> lawsearch.ParsedDocument:
    document = lawsearch.Document("y", "t")
    return lawsearch.ParsedDocument(document, [lawsearch.Passage("y#1", "y", n, "甲") for n in (1, 2)])


@pytest.mark.parametrize(("call", "message"), [case[1:] for case in API_MISUSE], ids=[case[0] for case in API_MISUSE])
def test_api_arguments_of_the_wrong_kind_are_one_clear_error_and_nothing_is_written(
    call: Callable[[Index], object], message: str, corpus_copy: Path, tmp_path: Path
) -> None:
    with Index.create(tmp_path / "index") as index:
        index.update([corpus_copy])
        generation, before = index._latest_generation(fresh=True), len(index)
        with pytest.raises(LawsearchError) as caught:
            call(index)
        assert str(caught.value).startswith(message) and "\n" not in str(caught.value)
        assert index._latest_generation(fresh=True) == generation and len(index) == before == 46
        assert index.search("法治副校长").total == 4


def test_a_folder_that_cannot_be_made_for_an_index_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "report.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    for make in (Index.create, Index.open_or_create):
        with pytest.raises(lawsearch.IndexNotFoundError) as caught:
            make(blocker / "sub" / "index")
        assert str(caught.value) == (
            f"cannot make the folder {blocker / 'sub'} for the index at {blocker / 'sub' / 'index'} ({blocker} is not "
            "a folder); choose another place for it"
        )


def test_a_file_whose_name_is_only_spaces_is_indexed_with_the_others(tmp_path: Path) -> None:
    """The id ' ' was refused by the document's check when made, which stopped the whole run (exit 2)."""
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(CORPUS / "zhongzhan-edu-2024.txt", folder / " .txt")
    shutil.copy(CORPUS / "heping-edu-2024.txt", folder / "ok.txt")
    with Index.create(tmp_path / "index") as index:
        report = index.update([folder])
        assert (report.added, report.errors) == (2, ()) and {d.id for d in index.documents()} == {" ", "ok"}
