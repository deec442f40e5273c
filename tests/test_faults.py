"""Faults and concurrency, with real processes: a writer killed mid-commit, readers during commits, two writers,
a stale lock, damaged files. Nothing committed may be lost, and every search sees one whole commit."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import lawsearch.index
from lawsearch.errors import IndexLockedError, IndexMismatchError
from lawsearch.index import Index

from conftest import CORPUS

QUERIES = ("法治副校长", "执法证", '"食品安全"', "行政复议 OR 行政诉讼", "year:2023 普法")

# Runs in a child process: patch one step of a commit so the process SIGKILLs itself there, then update.
_KILL_AT = {
    # segments are written, the manifest of the new generation is not
    "before-manifest": "lawsearch.index._write_json",
    # the manifest is written, whoosh has not committed
    "before-commit": "whoosh.writing.SegmentWriter.commit",
    # inside whoosh's commit: the new table of contents is written to a temporary file, not yet renamed
    "toc-rename": "whoosh.filedb.filestore.FileStorage.rename_file",
}
_CHILD = textwrap.dedent(
    """
    import importlib, os, signal, sys
    from lawsearch.index import Index
    target, index_path, corpus = sys.argv[1], sys.argv[2], sys.argv[3]
    if target:
        module_name, _, attribute = target.rpartition(".")
        owner = None
        try:
            owner = importlib.import_module(module_name)
        except ImportError:
            module_name, _, class_name = module_name.rpartition(".")
            owner = getattr(importlib.import_module(module_name), class_name)
        original = getattr(owner, attribute)
        def kill(*args, **kwargs):
            if attribute == "rename_file" and not str(args[2]).endswith(".toc"):
                return original(*args, **kwargs)
            if attribute == "_write_json" and "manifest" not in str(args[0]):
                return original(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)
        setattr(owner, attribute, kill)
    Index.open(index_path).update([corpus])
    """
)


def _run_child(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _answers(index: Index, queries: tuple[str, ...] = QUERIES) -> dict[str, list[tuple[str, float]]]:
    return {q: [(h.passage.id, h.score) for h in index.search(q, limit=50).hits] for q in queries}


def _hold_write_lock(index_path: Path, seconds: float) -> subprocess.Popen[str]:
    """A process that takes the index's write lock (as any whoosh writer does), says so, and keeps it ``seconds``
    (then cancels); killed, it leaves the lock file behind."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, whoosh.index; w = whoosh.index.open_dir(sys.argv[1]).writer(); "
            "print('locked', flush=True); time.sleep(float(sys.argv[2])); w.cancel()",
            str(index_path),
            str(seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


def _change(corpus: Path) -> None:
    """An edit that every kill point must survive: one report changed, one removed, one added."""
    hanyang = corpus / "hanyang-edu-2024.txt"
    hanyang.write_text(
        hanyang.read_text(encoding="utf-8") + "\n六、附记\n本年度新增法治副校长三名。\n", encoding="utf-8"
    )
    (corpus / "heping-edu-2024.txt").unlink()
    (corpus / "extra.txt").write_text(
        "某区教育局2024年法治政府建设工作报告\n一、执法证管理\n全员持执法证上岗。\n", "utf-8"
    )


@pytest.mark.parametrize("point", sorted(_KILL_AT))
def test_a_writer_killed_mid_commit_loses_nothing(tmp_path: Path, corpus_copy: Path, point: str) -> None:
    index = Index.create(tmp_path / "index")
    index.update([corpus_copy])
    before = _answers(index)
    _change(corpus_copy)

    killed = _run_child(_KILL_AT[point], str(index.path), str(corpus_copy))
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    # the last commit opens and answers exactly as before, in this process and in a new one
    assert _answers(index) == before
    assert _answers(Index.open(index.path)) == before
    # the next run finishes the job
    finished = _run_child("", str(index.path), str(corpus_copy))
    assert finished.returncode == 0, finished.stderr
    after = Index.open(index.path)
    assert {d.id for d in after.documents()} == {
        "extra",
        "hanyang-edu-2024",
        "huangzhong-edu-2024",
        "shanzhou-edu-2023",
        "zhongzhan-edu-2024",
    }
    assert any("新增法治副校长三名" in h.passage.text for h in after.search("法治副校长", limit=50).hits)
    # and what the killed writer left behind is collected: only the live and previous generation's files remain
    manifests = sorted(p.name for p in index.path.glob("manifest-*"))
    assert len(manifests) <= 2 and not any(name.endswith(".tmp") for name in manifests)
    assert not list((index.path / "segments").glob("*.tmp"))


@pytest.mark.parametrize("join_min", [16, 2], ids=["segments", "joined"])
def test_readers_see_one_whole_commit_while_a_writer_commits(
    tmp_path: Path, corpus_copy: Path, join_min: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # joined: the readers also write and read the joined segment that the writer's commits collect
    monkeypatch.setattr(lawsearch.index, "JOIN_MIN", join_min)
    live = tmp_path / "live"  # the indexed folder: the writer fills it with corpus_copy's or other's files
    shutil.copytree(corpus_copy, live)
    index = Index.create(tmp_path / "index")
    index.update([live])
    state_a = _answers(index)
    other = tmp_path / "other"
    shutil.copytree(corpus_copy, other)
    _change(other)
    probe = Index.create(tmp_path / "probe")
    probe.update([other])
    state_b = _answers(probe)  # the same content as the writer's second state (ids and scores)
    assert state_a != state_b

    # the writer flips the index between the two states, in another process, as fast as it can
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import shutil, sys
                from pathlib import Path
                from lawsearch.index import Index
                index, a, b = Index.open(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
                live = Path(sys.argv[4])
                for n in range(int(sys.argv[5])):
                    shutil.rmtree(live)
                    shutil.copytree(b if n % 2 == 0 else a, live)
                    index.update([live])
                """
            ),
            str(index.path),
            str(corpus_copy),
            str(other),
            str(live),
            "12",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    errors: list[BaseException] = []
    shared = Index.open(index.path)

    def read(target: Index | None) -> None:
        while writer.poll() is None:
            for query in QUERIES:  # each search must see one whole commit (two searches may see two commits)
                try:
                    answer = _answers(target or Index.open(index.path), (query,))[query]
                except BaseException as exc:  # any error is a failure
                    errors.append(exc)
                    return
                a, b = answer == state_a[query], answer == state_b[query]
                seen.append("a" if a else "b" if b else json.dumps({query: answer}, ensure_ascii=False))

    threads = [threading.Thread(target=read, args=(t,)) for t in (shared, shared, None)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    _, stderr = writer.communicate(timeout=120)
    assert writer.returncode == 0, stderr
    assert not errors, errors[:3]
    mixed = [s for s in seen if s not in ("a", "b")]
    assert not mixed, mixed[:1]
    assert seen.count("a") and seen.count("b"), (seen.count("a"), seen.count("b"))
    Index.open(index.path).search("法治")
    # (a reader that wrote its joined file after the next commit's collection leaves it until the commit after)
    assert bool(list((index.path / "segments").glob("joined-*.npz"))) == (join_min == 2)


def test_a_second_writer_process_waits_then_fails_clearly(
    tmp_path: Path, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = Index.create(tmp_path / "index")
    index.update([corpus_copy])
    holder = _hold_write_lock(index.path, 3)
    _change(corpus_copy)
    monkeypatch.setattr("lawsearch.index._WRITE_TIMEOUT", 0.3)
    with pytest.raises(IndexLockedError, match="another process is writing"):
        index.update([corpus_copy])
    assert _answers(index) == _answers(Index.open(index.path))  # nothing changed, nothing lost
    # a writer that waits long enough gets its turn
    monkeypatch.setattr("lawsearch.index._WRITE_TIMEOUT", 30.0)
    report = index.update([corpus_copy])
    assert report.added == 1 and report.changed == 1 and report.removed == 1
    assert holder.wait(timeout=30) == 0
    holder.stdout.close()


def test_a_lock_left_by_a_killed_writer_does_not_block(tmp_path: Path, corpus_copy: Path) -> None:
    index = Index.create(tmp_path / "index")
    index.update([corpus_copy])
    holder = _hold_write_lock(index.path, 60)
    holder.kill()
    holder.wait(timeout=10)
    holder.stdout.close()
    assert (index.path / "MAIN_WRITELOCK").exists()  # the lock file stays; the lock died with its process
    _change(corpus_copy)
    started = time.monotonic()
    assert index.update([corpus_copy]).added == 1
    assert time.monotonic() - started < 5


DAMAGES = (
    "truncated segment",
    "garbage segment",
    "missing segment",
    "truncated manifest",
    "missing manifest",
    "wrong manifest",
    "manifest record without its source",
)


def _damage(index: Index, how: str) -> None:
    manifest = max(index.path.glob("manifest-*.json"), key=lambda p: int(p.stem.split("-")[1]))
    segment = sorted((index.path / "segments").glob("*.npz"))[0]
    if how == "truncated segment":
        segment.write_bytes(segment.read_bytes()[:100])
    elif how == "garbage segment":
        segment.write_bytes(os.urandom(2000))
    elif how == "missing segment":
        segment.unlink()
    elif how == "truncated manifest":
        manifest.write_bytes(manifest.read_bytes()[:50])
    elif how == "missing manifest":
        manifest.unlink()
    elif how == "wrong manifest":  # a manifest of the wrong shape
        manifest.write_text('{"records": {"a": 1}}', encoding="utf-8")
    else:  # records of the right shape, one of which lacks a key (was a KeyError from search and update)
        records = json.loads(manifest.read_text(encoding="utf-8"))["records"]
        del records[0]["source"]
        manifest.write_text(json.dumps({"records": records}), encoding="utf-8")


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_index_gives_a_clear_error_and_can_be_rebuilt(tmp_path: Path, how: str) -> None:
    index = Index.create(tmp_path / "index")
    index.update([CORPUS])
    _damage(index, how)
    with pytest.raises(IndexMismatchError, match=r"is damaged: .* rebuild it with: lawsearch index PATH --rebuild"):
        Index.open(index.path).search("法治副校长")
    rebuilt = Index.create(index.path)
    rebuilt.update([CORPUS])
    assert rebuilt.search("法治副校长").total == 8


def test_searching_writes_nothing(tmp_path: Path) -> None:
    """Readers never take a lock or write a file: searching works in a read-only folder."""
    index = Index.create(tmp_path / "index")
    index.update([CORPUS])
    files = {p: p.stat().st_mtime_ns for p in index.path.rglob("*")}
    reader = Index.open(index.path)
    _answers(reader)
    reader.close()
    assert {p: p.stat().st_mtime_ns for p in index.path.rglob("*")} == files


def test_a_rebuild_waits_for_a_writer_and_never_pulls_the_folder_from_under_it(
    tmp_path: Path, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = Index.create(tmp_path / "index")
    index.update([corpus_copy])
    holder = _hold_write_lock(index.path, 2)
    monkeypatch.setattr("lawsearch.index._WRITE_TIMEOUT", 0.3)
    with pytest.raises(IndexLockedError, match="another process is writing"):
        Index.create(index.path)
    assert _answers(Index.open(index.path))["法治副校长"]  # the index is untouched
    monkeypatch.setattr("lawsearch.index._WRITE_TIMEOUT", 30.0)
    rebuilt = Index.create(index.path)  # waits for the writer to finish, then swaps
    assert holder.wait(timeout=30) == 0
    holder.stdout.close()
    assert len(rebuilt) == 0 and not list(tmp_path.glob("index.*"))  # no .new or .old left behind


def test_first_searches_at_once_build_the_default_index_once(tmp_path: Path) -> None:
    # four `lawsearch search` at once with an empty cache (two terminals, a tool's parallel workers): each used to
    # clear and rename the others' half-made folder, and three of four failed with "cannot create the default index"
    env = {**os.environ, "LAWSEARCH_CACHE": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "lawsearch", "search", "法治副校长", "--limit", "1"]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(4)
    ]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0 and err == "" and out.startswith("8 passages match '法治副校长'")
    (folder,) = (tmp_path / "cache" / "indexes").glob("corpus-*[0-9a-f]")  # and no .new or .old left
    with Index.open(folder) as index:
        assert len(index) == index.core().size == 108 and len(index.documents()) == 5


def test_an_update_that_another_process_overtook_adds_nothing_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # B lists the (empty) index, then, while B reads the files, A indexes them all and commits; B commits after
    first, second = Index.create(tmp_path / "index"), Index.open(tmp_path / "index")
    original = lawsearch.index.parse_bytes
    overtaken: list[bool] = []

    def parse_after_the_other(*args: object, **kwargs: object) -> object:
        if not overtaken:
            overtaken.append(True)
            monkeypatch.setattr(lawsearch.index, "parse_bytes", original)
            assert first.update([CORPUS]).added == 5
            monkeypatch.setattr(lawsearch.index, "parse_bytes", parse_after_the_other)
        return original(*args, **kwargs)

    monkeypatch.setattr(lawsearch.index, "parse_bytes", parse_after_the_other)
    second.update([CORPUS])
    assert overtaken
    for index in (first, second, Index.open(tmp_path / "index")):
        assert len(index) == index.core().size == 108 and index.search("法治副校长").total == 8
