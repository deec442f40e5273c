"""The on-disk index: round trips, incremental updates, JSONL input, errors, locking, default location."""

from __future__ import annotations

import json
import random
import shutil
import threading
import time
from pathlib import Path

import pytest
import whoosh.index

import lawsearch.index
import lawsearch.ingest
from lawsearch.errors import IndexLockedError, IndexMismatchError, IndexNotFoundError, IngestError, InvalidArgumentError
from lawsearch.index import Index, bundled_corpus, default_index_path
from lawsearch.ingest import discover, read_file
from lawsearch.models import Document, ParsedDocument, Passage

from conftest import CORPUS


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture()
def fresh(tmp_path: Path, corpus_copy: Path) -> Index:
    index = Index.create(tmp_path / "index")
    index.update([corpus_copy])
    yield index
    index.close()


def test_passages_and_documents_survive_the_round_trip(seed_index) -> None:
    for source in discover([CORPUS]):
        for parsed in read_file(source.path, doc_id=source.doc_id):
            assert seed_index.passages(parsed.document.id) == list(parsed.passages)
            assert seed_index.document(parsed.document.id) == parsed.document
            assert seed_index.passage(parsed.passages[0].id) == parsed.passages[0]
    assert len(seed_index) == 108
    assert [d.id for d in seed_index.documents()] == sorted(s.doc_id for s in discover([CORPUS]))


def test_context_returns_neighbours_in_reading_order(seed_index) -> None:
    around = seed_index.context("hanyang-edu-2024#10", before=1, after=2)
    assert [p.id for p in around] == [f"hanyang-edu-2024#{n}" for n in (9, 10, 11, 12)]
    assert [p.id for p in seed_index.context("hanyang-edu-2024#1", before=3)] == [
        "hanyang-edu-2024#1",
        "hanyang-edu-2024#2",
    ]
    with pytest.raises(InvalidArgumentError, match="no passage 'nope'"):
        seed_index.passage("nope")


def test_reindexing_skips_unchanged_files(fresh: Index, corpus_copy: Path) -> None:
    report = fresh.update([corpus_copy])
    assert (report.added, report.changed, report.removed, report.unchanged, report.passages) == (0, 0, 0, 5, 0)
    assert len(fresh) == 108


def test_files_are_read_again_when_ingest_changes(fresh: Index, corpus_copy: Path, monkeypatch) -> None:
    """A newer lawsearch whose ingest makes other passages of the same bytes (``INGEST_VERSION``) reads the files
    again at the next update, instead of keeping what the older rules made of them; then they are unchanged."""
    before = [(d, fresh.passages(d.id)) for d in fresh.documents()]
    monkeypatch.setattr(lawsearch.ingest, "INGEST_VERSION", lawsearch.ingest.INGEST_VERSION + 1)
    report = fresh.update([corpus_copy])
    assert (report.changed, report.unchanged, report.passages) == (5, 0, 108)
    assert [(d, fresh.passages(d.id)) for d in fresh.documents()] == before
    assert fresh.update([corpus_copy]).unchanged == 5


def test_an_unchanged_update_and_len_load_no_segment(fresh: Index, corpus_copy: Path) -> None:
    # the manifest counts each document's passages: an update that writes nothing, and len(), read only it
    reader = Index.open(fresh.path)
    assert reader.update([corpus_copy]).unchanged == 5 and len(reader) == 108 and reader._core is None
    assert reader.core().size == 108
    fresh.delete_document("heping-edu-2024")  # a commit by another writer: len() sees it
    assert len(reader) == 108 - 22
    # a manifest written before the counts: len() loads the core and still answers
    manifest = max(fresh.path.glob("manifest-*.json"), key=lambda p: int(p.stem.split("-")[1]))
    records = json.loads(manifest.read_text(encoding="utf-8"))["records"]
    assert all(record.pop("passages") >= 1 for record in records)
    manifest.write_text(json.dumps({"records": records}), encoding="utf-8")
    older = Index.open(fresh.path)
    assert len(older) == 108 - 22 and older._core is not None


def test_a_reader_lists_the_folder_only_while_its_time_may_hide_a_commit(
    fresh: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Searching checks the folder's mtime, and lists it only while a commit could still leave that unchanged (the
    first 0.1 s after a change on a file system with sub-second times): a commit any later shows at once."""
    reader = Index.open(fresh.path)
    listings = []
    latest_toc = lawsearch.index._latest_toc
    monkeypatch.setattr(lawsearch.index, "_latest_toc", lambda path: listings.append(path) or latest_toc(path))
    reader.search("法治副校长")
    time.sleep(0.25)  # the folder's mtime is now older than its tick
    reader.search("法治副校长")
    listed = len(listings)
    for _ in range(5):
        reader.search("法治副校长")
    assert len(listings) == listed  # the unchanged mtime was trusted
    fresh.delete_document("heping-edu-2024")  # another writer commits: the folder's mtime changes
    assert reader.search("法治副校长").total < 8 and len(listings) > listed
    assert lawsearch.index._racy_window(1_700_000_000_000_000_000) == 2_000_000_000  # whole seconds: FAT, ext3


def test_a_changed_file_is_replaced_and_a_deleted_file_removed(fresh: Index, corpus_copy: Path) -> None:
    report_file = corpus_copy / "zhongzhan-edu-2024.txt"
    text = report_file.read_text(encoding="utf-8")
    report_file.write_text(text.replace("法治副校长19名", "法治副校长23名"), encoding="utf-8")
    (corpus_copy / "heping-edu-2024.txt").unlink()
    report = fresh.update([corpus_copy])
    assert (report.changed, report.removed, report.unchanged) == (1, 1, 3)
    assert report.passages == 21
    assert len(fresh) == 108 - 22
    assert fresh.search('"法治副校长23名"').total == 1
    assert fresh.search('"法治副校长19名"').total == 0
    assert "heping-edu-2024" not in {d.id for d in fresh.documents()}


def test_a_bad_file_is_reported_and_skipped_and_old_passages_kept(fresh: Index, corpus_copy: Path) -> None:
    (corpus_copy / "zhongzhan-edu-2024.txt").write_bytes(b"\x00\x01binary")
    (corpus_copy / "new.txt").write_text(
        "中站区教育局\n2025年度法治政府建设工作报告\n新的一年，法治副校长全覆盖。\n", encoding="utf-8"
    )
    report = fresh.update([corpus_copy])
    assert report.added == 1 and len(report.errors) == 1
    assert report.errors[0].path == (corpus_copy / "zhongzhan-edu-2024.txt").resolve()
    assert len(fresh.passages("zhongzhan-edu-2024")) == 21  # nothing already indexed is lost
    assert fresh.search("doc:new").total == 1


def test_jsonl_records_keep_their_ids(tmp_path: Path) -> None:
    laws = tmp_path / "laws.jsonl"
    records = [
        {
            "docid": "l1",
            "text": "第一条 为了保护未成年人身心健康，保障未成年人合法权益，制定本法。",
            "law": "未成年人保护法",
        },
        {"docid": "l2", "text": "第二条 本法所称未成年人是指未满十八周岁的公民。", "law": "未成年人保护法"},
    ]
    laws.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    with Index.create(tmp_path / "index") as index:
        assert index.update([laws]).passages == 2
        hits = index.search("未成年人 合法权益").hits
        assert hits[0].passage.id == "l1" and hits[0].document.title == "未成年人保护法"
        other = tmp_path / "other.jsonl"
        other.write_text(json.dumps({"id": "l1", "text": "重复"}, ensure_ascii=False), encoding="utf-8")
        report = index.update([other])
        assert report.passages == 0 and "passage id 'l1' is already used" in str(report.errors[0])
        assert index.delete_document("未成年人保护法") == 2
        assert len(index) == 0


def _api_report(doc_id: str, passage_ids: list[str]) -> ParsedDocument:
    document = Document(doc_id, "某区教育局2024年法治政府建设情况报告", year=2024)
    return ParsedDocument(
        document, [Passage(p, doc_id, n, f"全员持执法证上岗{n}。") for n, p in enumerate(passage_ids)]
    )


def test_a_document_id_stays_unique_between_files_and_added_documents(fresh: Index, corpus_copy: Path) -> None:
    """``add`` replaces what an earlier ``add`` put under an id, never a file's document (it did, and the file was
    then refused by every later update); a file whose id an added document has is reported, not doubled."""
    assert fresh.update(str(corpus_copy)).unchanged == 5  # one path as a string: that path, not its characters
    with pytest.raises(IngestError, match=r"document id 'hanyang-edu-2024' is already used by .*hanyang-edu-2024\.txt"):
        fresh.add([_api_report("hanyang-edu-2024", ["hy-api#1"])])
    assert fresh.passages("hanyang-edu-2024") == list(read_file(corpus_copy / "hanyang-edu-2024.txt")[0].passages)
    # an added document is replaced by the next add of its id, whose passage ids may be the same
    fresh.add([_api_report("notes", ["notes#1", "notes#2"])])
    fresh.add([_api_report("notes", ["notes#1"])])
    assert [p.id for p in fresh.passages("notes")] == ["notes#1"]
    # a file that gets the id of an added document later is reported and skipped; the rest are indexed
    (corpus_copy / "notes.txt").write_text(
        "某区教育局2024年度法治政府建设情况报告\n一、主要做法\n全员持证上岗。\n", encoding="utf-8"
    )
    report = fresh.update([corpus_copy])
    assert (report.added, report.skipped, report.unchanged) == (0, 1, 5)
    assert str(report.errors[0]) == (
        f"{corpus_copy.resolve() / 'notes.txt'}: document id 'notes' is already used by api:notes; ids must be unique "
        "(delete that document first, or give this one another id)"
    )
    assert [d.id for d in fresh.documents()].count("notes") == 1
    assert fresh.delete_document("notes") == 1
    assert fresh.update([corpus_copy]).added == 1
    assert len(fresh.passages("notes")) == 1


def test_two_writers_adding_one_document_id_leave_one_document(tmp_path: Path) -> None:
    """Which documents ``add`` replaces is decided under the write lock: racing adds of one id never both stay."""
    path = tmp_path / "index"
    Index.create(path).close()
    for round_ in range(4):
        writers = [Index.open(path) for _ in range(2)]
        for writer in writers:
            writer.core()  # each has read the index before either adds
        threads = [
            threading.Thread(target=w.add, args=([_api_report("same", [f"same#{round_}-{n}"])],))
            for n, w in enumerate(writers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with Index.open(path) as reader:
            assert [d.id for d in reader.documents()] == ["same"] and len(reader) == 1
        for writer in writers:
            writer.close()


def test_opening_what_is_not_an_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="no index at"):
        Index.open(tmp_path / "missing")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("x", encoding="utf-8")
    with pytest.raises(IndexNotFoundError, match="is not a lawsearch index"):
        Index.open(tmp_path / "notes")
    with pytest.raises(IndexNotFoundError):
        Index.open_or_create(tmp_path / "notes")  # never overwrite a folder of someone's files
    assert (tmp_path / "notes" / "a.txt").exists()


def test_an_index_built_by_another_analyzer_must_be_rebuilt(fresh: Index) -> None:
    meta = fresh.path / lawsearch.index.META_FILE
    data = json.loads(meta.read_text(encoding="utf-8"))
    meta.write_text(json.dumps({**data, "analyzer": "0123456789abcdef"}), encoding="utf-8")
    with pytest.raises(
        IndexMismatchError, match=r"analyzer 0123456789abcdef.*rebuild it with: lawsearch index PATH --rebuild"
    ):
        Index.open(fresh.path)
    rebuilt = Index.create(fresh.path)
    assert len(rebuilt) == 0 and Index.open(fresh.path) is not None


def test_a_second_writer_gets_a_clear_error(fresh: Index, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lawsearch.index, "_WRITE_TIMEOUT", 0.2)
    (corpus_copy / "hanyang-edu-2024.txt").write_text("汉阳区教育局\n2025年度报告\n法治副校长。\n", encoding="utf-8")
    holder = whoosh.index.open_dir(str(fresh.path)).writer()
    try:
        with pytest.raises(IndexLockedError, match="another process is writing"):
            fresh.update([corpus_copy])
    finally:
        holder.cancel()
    assert fresh.update([corpus_copy]).changed == 1


def test_default_index_path_is_per_user_and_per_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAWSEARCH_CACHE", str(tmp_path / "cache"))
    one = default_index_path(CORPUS)
    assert one.parent == tmp_path / "cache" / "indexes" and one.name.startswith("corpus-")
    assert default_index_path(CORPUS) == one
    assert default_index_path(tmp_path) != one
    assert bundled_corpus() == CORPUS


def test_create_never_replaces_a_folder_that_is_not_an_index(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.txt").write_text("我的论文", encoding="utf-8")
    with pytest.raises(IndexNotFoundError, match="holds files but no lawsearch index"):
        Index.create(tmp_path / "mine")
    assert (tmp_path / "mine" / "thesis.txt").read_text(encoding="utf-8") == "我的论文"


def test_replaced_segments_are_removed_one_commit_later(fresh: Index, corpus_copy: Path) -> None:
    segments = fresh.path / "segments"
    first = {p.name for p in segments.iterdir()}
    report_file = corpus_copy / "zhongzhan-edu-2024.txt"
    report_file.write_text(report_file.read_text(encoding="utf-8") + "\n新增一段。\n", encoding="utf-8")
    fresh.update([corpus_copy])
    second = {p.name for p in segments.iterdir()}
    assert first < second  # the replaced segment stays for readers of the previous commit
    report_file.write_text(report_file.read_text(encoding="utf-8") + "\n再增一段。\n", encoding="utf-8")
    fresh.update([corpus_copy])
    third = {p.name for p in segments.iterdir()}
    assert len(third) == len(first) + 1 and not (first - second) and (second - first) - third == set()
    assert len(first - third) == 1  # the oldest version of the changed report is gone


def _many_sources(folder: Path, copies: int) -> Path:
    """The seed reports, each ``copies`` times under other names: 5 × copies source files (segments)."""
    folder.mkdir()
    for path in sorted(CORPUS.glob("*.txt")):
        for copy in range(copies):
            shutil.copy(path, folder / f"{path.stem}-{copy}.txt")
    return folder


def _answers(index: Index) -> list[list[tuple[str, float]]]:
    queries = ("法治副校长", "执法证", '"食品安全"', "行政复议 OR 行政诉讼", "year:2023 普法", "夫妻一方所欠债务谁偿还")
    return [[(hit.passage.id, hit.score) for hit in index.search(query, limit=50).hits] for query in queries]


def test_an_index_of_many_sources_is_loaded_from_one_joined_segment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = _many_sources(tmp_path / "corpus", 4)  # 20 sources: JOIN_MIN or more
    assert len(list(corpus.iterdir())) >= lawsearch.index.JOIN_MIN
    path = tmp_path / "index"
    with Index.create(path) as writer:
        writer.update([corpus])
    segments = path / "segments"
    first = Index.open(path)
    answers, parts = _answers(first), first.core().segments
    (joined,) = segments.glob("joined-*.npz")  # written by the first reader
    assert len(parts) == 20 and len(first) == 108 * 4

    loads: list[Path] = []
    load = lawsearch.index.Segment.load
    monkeypatch.setattr(lawsearch.index.Segment, "load", lambda p: loads.append(p) or load(p))
    again = Index.open(path)
    assert _answers(again) == answers and again.core().segments == parts and loads == [joined]

    monkeypatch.setattr(lawsearch.index, "JOIN_MIN", 10**6)  # the segments one by one: the same answers
    assert _answers(Index.open(path)) == answers
    monkeypatch.setattr(lawsearch.index, "JOIN_MIN", 16)

    joined.write_bytes(b"not a segment")  # damaged: loaded from the segments, and written whole again
    assert _answers(Index.open(path)) == answers and load(joined).parts == parts

    def read_only(*args: object) -> None:
        raise PermissionError(13, "Permission denied")

    joined.unlink()
    monkeypatch.setattr(lawsearch.index.Segment, "save", read_only)
    assert _answers(Index.open(path)) == answers and not list(segments.glob("joined-*"))
    monkeypatch.undo()

    assert _answers(Index.open(path)) == answers  # writes it again


def _core_terms(index: Index) -> dict[tuple[str, str], tuple[list[int], list[float], list[float]]]:
    """Each field's postings by term (a joined segment's term ids depend on how it was joined; these do not)."""
    core = index.core()
    table = {}
    for field, postings in core.postings.items():
        for term, number in core.vocabulary.items():
            start, end = postings.offsets[number], postings.offsets[number + 1]
            if end > start:
                entries = (postings.docs[start:end].tolist(), postings.tf[start:end].tolist())
                table[field, term] = (*entries, postings.cited[start:end].tolist())
    return table


def test_after_a_commit_the_joined_segment_is_made_from_the_previous_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = _many_sources(tmp_path / "corpus", 4)
    path, segments = tmp_path / "index", tmp_path / "index" / "segments"
    with Index.create(path) as writer:
        writer.update([corpus])
    Index.open(path).core()  # the first reader writes the joined segment
    (previous,) = segments.glob("joined-*.npz")
    # a file changed in the middle, one added, the first one removed
    middle = corpus / "hanyang-edu-2024-2.txt"
    middle.write_text(middle.read_text(encoding="utf-8").replace("法治副校长", "法治辅导员"), encoding="utf-8")
    shutil.copy(CORPUS / "heping-edu-2024.txt", corpus / "new.txt")
    (corpus / "hanyang-edu-2024-0.txt").unlink()
    with Index.open(path) as writer:
        report = writer.update([corpus])
    assert (report.added, report.changed, report.removed) == (1, 1, 1) and previous.exists()  # kept one commit

    loads: list[str] = []
    load = lawsearch.index.Segment.load
    monkeypatch.setattr(lawsearch.index.Segment, "load", lambda p: (p.exists() and loads.append(p.name)) or load(p))
    incremental = Index.open(path)
    answers, terms, parts = _answers(incremental), _core_terms(incremental), incremental.core().segments
    # the previous joined segment, the changed file's and the new file's segments: not the 19 others
    assert len(loads) == 3 and loads[0] == previous.name
    assert len(list(segments.glob("joined-*.npz"))) == 2
    monkeypatch.setattr(lawsearch.index, "JOIN_MIN", 10**6)  # from the segments one by one
    fresh = Index.open(path)
    assert _answers(fresh) == answers and _core_terms(fresh) == terms and fresh.core().segments == parts
    assert fresh.core().texts == incremental.core().texts and len(fresh) == len(incremental) == fresh.core().size
    monkeypatch.undo()

    with Index.open(path) as writer:
        writer.delete_document("new")
    assert not previous.exists() and len(list(segments.glob("joined-*.npz"))) == 1  # the older one collected


def _core_state(index: Index) -> tuple[object, ...]:
    core = index.core()
    answers = _answers(index)
    return _core_terms(index), answers, core.texts, core.segments, [passage["id"] for passage in core.passages]


@pytest.mark.parametrize("seed", [1, 2])
def test_joined_segments_equal_every_segment_loaded_through_random_commits(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # files added, removed and changed, a commit at a time; after each, a reader that joins (JOIN_MIN 2: from the
    # previous joined segment where a reader wrote one) and one that loads every segment must see the same core
    rng = random.Random(seed)
    seeds = sorted(CORPUS.glob("*.txt"))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number in range(6):
        shutil.copy(rng.choice(seeds), corpus / f"f{number}.txt")
    path = tmp_path / "index"
    with Index.create(path) as writer:
        writer.update([corpus])
    added = 100
    for step in range(10):
        for _ in range(rng.randint(1, 3)):
            files = sorted(corpus.iterdir())
            action = rng.choice(["add", "remove", "change", "change"])
            if action == "add" or len(files) < 3:
                added += 1
                shutil.copy(rng.choice(seeds), corpus / f"f{added}.txt")
            elif action == "remove":
                rng.choice(files).unlink()
            else:
                changed = rng.choice(files)
                lines = changed.read_text(encoding="utf-8").split("\n")
                line = rng.randrange(1, len(lines))
                lines[line] += f"补充第{step}项。"
                changed.write_text("\n".join(lines), encoding="utf-8")
        with Index.open(path) as writer:
            writer.update([corpus])
        monkeypatch.setattr(lawsearch.index, "JOIN_MIN", 2)
        joined = _core_state(Index.open(path)) if rng.random() < 0.7 else None  # some commits have no reader
        monkeypatch.setattr(lawsearch.index, "JOIN_MIN", 10**6)
        if joined is not None:
            assert joined == _core_state(Index.open(path)), step
    assert len(list((path / "segments").glob("joined-*.npz"))) <= 2
