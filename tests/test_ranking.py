"""The ranking core: BM25 parity with Lucene's formula (bm25s), segment round trips, merging, CSR layout."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import pytest

from lawsearch.analysis import cited_tokens, index_terms, query_terms, term_spans
from lawsearch.ingest import discover, parse_jsonl, read_file
from lawsearch.ranking import PASSAGE_SEPARATOR, Core, Segment, _delta_encode, _row, _unpack_arrays, build_segment
from lawsearch.search import Weights

from conftest import CORPUS

LAWS = Path(__file__).resolve().parents[2] / "shared" / "lawcorpus" / "corpus.jsonl"


def seed_documents():  # type: ignore[no-untyped-def]
    return [d for s in discover([CORPUS]) for d in read_file(s.path, doc_id=s.doc_id)]


def law_sample(count: int) -> list:  # type: ignore[type-arg]
    """Real law articles: the shared corpus where it is (CI has it), else the seed passages as JSONL."""
    if LAWS.exists():
        with LAWS.open(encoding="utf-8") as lines:
            text = "".join(next(lines) for _ in range(count))
    else:
        passages = [p for d in seed_documents() for p in d.passages]
        text = "\n".join(
            json.dumps({"id": p.id, "text": p.text, "law": p.document_id}, ensure_ascii=False) for p in passages
        )
    return parse_jsonl(text, default_document="laws")


@pytest.mark.parametrize(("k1", "b"), [(1.2, 0.75), (1.3, 0.75), (0.9, 0.4)])
def test_plain_bm25_equals_lucene_bm25_of_bm25s(k1: float, b: float) -> None:
    bm25s = pytest.importorskip("bm25s")
    documents = law_sample(3000)
    passages = [p for d in documents for p in d.passages]
    core = Core.merge([build_segment(documents)])
    retriever = bm25s.BM25(method="lucene", k1=k1, b=b)
    retriever.index([index_terms(p.text) for p in passages], show_progress=False)
    weights = Weights.bm25(k1=k1, b=b)
    queries = [
        "夫妻一方经营个体工商户所欠债务，谁偿还？", "劳动合同解除的经济补偿", "专利权 保护期限", "行政处罚",
        "法治副校长 培训机构", "依法行政 执法 普法宣传教育",
    ]  # fmt: skip
    compared = 0
    for query in queries:
        terms = query_terms(query)
        ours, _ = core.bm25f(terms, weights.fields(), k1=weights.k1, lucene=weights.lucene)
        theirs = retriever.get_scores(terms)
        mask = (ours > 0) | (theirs > 0)
        np.testing.assert_allclose(ours[mask], theirs[mask], rtol=1e-4)
        compared += int(mask.sum())
    assert compared > 50


def _assert_same_segment(loaded: Segment, segment: Segment) -> None:
    assert loaded.terms == segment.terms and loaded.texts == segment.texts and loaded.headings == segment.headings
    assert loaded.passages == segment.passages and loaded.documents == segment.documents
    assert (loaded.word_starts == segment.word_starts).all() and loaded.word_starts.any()
    for field, postings in segment.postings.items():
        again = loaded.postings[field]
        assert (again.offsets == postings.offsets).all() and (again.docs == postings.docs).all()
        assert (again.tf == postings.tf).all() and (again.lengths == postings.lengths).all()
        assert (again.cited == postings.cited).all()


def test_segments_survive_save_and_load(tmp_path: Path) -> None:
    segment = build_segment(seed_documents())
    segment.save(tmp_path / "seg.npz")
    with np.load(tmp_path / "seg.npz") as data:
        assert data.files == ["segment"]  # one member: numpy reads each member of an .npz at about 0.2 ms
    loaded = Segment.load(tmp_path / "seg.npz")
    _assert_same_segment(loaded, segment)
    assert loaded.headings and loaded.postings["body"].cited.any()  # the reports cite laws: 《…行政处罚法》 …


def _save_as_before(segment: Segment, path: Path) -> None:
    """A segment in the layout written before 2026-11-30: one ``.npz`` member per array, texts zlib-compressed."""

    def pack(text: str) -> np.ndarray:  # type: ignore[type-arg]
        return np.frombuffer(zlib.compress(text.encode("utf-8"), 6), dtype=np.uint8)

    meta = {"passages": segment.passages, "documents": segment.documents, "headings": segment.headings}
    arrays = {
        "terms": pack("\n".join(segment.terms)),
        "texts": pack(PASSAGE_SEPARATOR.join(segment.texts)),
        "meta": pack(json.dumps(meta, ensure_ascii=False)),
        "word_starts": np.packbits(segment.word_starts),
    }
    for field, postings in segment.postings.items():
        arrays[f"{field}_offsets"] = postings.offsets
        arrays[f"{field}_docs"] = _delta_encode(postings.docs, postings.offsets)
        arrays[f"{field}_tf"] = postings.tf.astype(np.uint16)
        arrays[f"{field}_lengths"] = postings.lengths.astype(np.uint32)
        arrays[f"{field}_cited"] = postings.cited.astype(np.uint16)
    np.savez_compressed(path, **arrays)


def test_segments_written_before_the_one_member_layout_still_load(tmp_path: Path) -> None:
    segment = build_segment(seed_documents())
    _save_as_before(segment, tmp_path / "old.npz")
    with np.load(tmp_path / "old.npz") as data:
        assert len(data.files) == 29
    _assert_same_segment(Segment.load(tmp_path / "old.npz"), segment)


def test_a_packed_segment_cut_short_or_with_a_foreign_header_is_a_value_error(tmp_path: Path) -> None:
    build_segment(seed_documents()).save(tmp_path / "seg.npz")
    with np.load(tmp_path / "seg.npz") as data:
        packed = data["segment"]
    assert set(_unpack_arrays(packed)) >= {"terms", "texts", "meta", "body_docs"}
    with pytest.raises(ValueError, match="array 'region_cited' of the segment is cut short"):
        _unpack_arrays(packed[:-1])
    header = json.dumps([["terms", "|O", 1]]).encode()
    foreign = np.frombuffer(np.uint32(len(header)).tobytes() + header + bytes(8), dtype=np.uint8)
    with pytest.raises(ValueError, match="array 'terms' of the segment is cut short or not plain data"):
        _unpack_arrays(foreign)


def test_postings_count_every_token_exactly() -> None:
    documents = seed_documents()
    core = Core.merge([build_segment(documents)])
    passages = [p for d in documents for p in d.passages]
    for row in (0, 17, len(passages) - 1):
        terms = index_terms(passages[row].text)
        assert core.postings["body"].lengths[row] == len(terms)
        for term in set(terms):
            docs, tf = core.postings["body"].of(core.vocabulary[term])
            assert tf[list(docs).index(row)] == terms.count(term)


def test_a_term_only_inside_cited_titles_is_marked_in_its_postings() -> None:
    # cited[...] holds an entry's tf where every occurrence of the term is inside a cited title 《…》 without
    # ending it (analysis.cited_tokens), else 0: recomputed here passage by passage from the spans
    documents = seed_documents()
    core = Core.merge([build_segment(documents)])
    body = core.postings["body"]
    passages = [p for d in documents for p in d.passages]
    marked = 0
    for row, passage in enumerate(passages):
        spans = term_spans(passage.text)
        flags = cited_tokens(passage.text, spans) or [False] * len(spans)
        for term in {term for _, _, term in spans}:
            inside = [flag for (_, _, t), flag in zip(spans, flags) if t == term]
            start, _ = _row(body.offsets, core.vocabulary[term])
            at = start + list(body.of(core.vocabulary[term])[0]).index(row)
            assert body.cited[at] == (len(inside) if all(inside) else 0), (passage.id, term)
            marked += all(inside)
    assert marked > 100
    shanzhou = core.ids["shanzhou-edu-2023#5"]  # …《行政许可法》《行政处罚法》… : 行政处罚 only there
    at = list(body.of(core.vocabulary["行政处罚"])[0]).index(shanzhou)
    assert body.cited[_row(body.offsets, core.vocabulary["行政处罚"])[0] + at] == 1
    assert body.weighted_tf(0.3)[_row(body.offsets, core.vocabulary["行政处罚"])[0] + at] == pytest.approx(0.3)
    assert body.weighted_tf(1.0) is body.tf


def test_merging_segments_is_the_same_as_one_segment() -> None:
    documents = seed_documents()
    whole = Core.merge([build_segment(documents)])
    parts = Core.merge([build_segment(documents[:2]), build_segment(documents[2:])])
    assert parts.texts == whole.texts and parts.size == whole.size == 108
    weights = Weights()
    for query in ["法治副校长", "查处了多少家违规培训机构", "执法证 食品安全"]:
        terms = query_terms(query)
        a, _ = whole.bm25f(terms, weights.fields(), k1=weights.k1)
        b, _ = parts.bm25f(terms, weights.fields(), k1=weights.k1)
        np.testing.assert_allclose(a, b)
    assert parts.ids == whole.ids
    for field in whole.postings:
        a_field, b_field = whole.postings[field], parts.postings[field]
        for term, id_whole in list(whole.vocabulary.items())[:2000]:
            start, end = _row(a_field.offsets, id_whole)
            other_start, other_end = _row(b_field.offsets, parts.vocabulary[term])
            assert (a_field.cited[start:end] == b_field.cited[other_start:other_end]).all()


def test_bm25f_score_table_equals_the_formula_term_by_term() -> None:
    # The score table merges the fields' postings in one vectorized pass; here each contribution is recomputed
    # from the definition, passage by passage: tf~ = Σ_f w_f · tf_f / (1 − b_f + b_f · len_f / avglen_f),
    # idf · tf~ · (k1 + 1) / (k1 + tf~), with df over the scored fields together; a term a passage has only in
    # the titles it cites counts Weights.cited an occurrence.
    # the reports (titles and section paths) and, where the shared corpus is, law articles (law names, chapters)
    documents = seed_documents() + (law_sample(2000) if LAWS.exists() else [])
    core = Core.merge([build_segment(documents)])
    weights = Weights()
    fields = weights.fields()
    averages = {f: float(core.postings[f].lengths.sum(dtype=np.float64)) / core.size for f in fields}
    # terms in several fields (the merge adds them up) and in one
    where = {t: sum(len(core.postings[f].of(i)[0]) > 0 for f in fields) for t, i in core.vocabulary.items()}
    several = sorted(t for t, n in where.items() if n > 1)[:20]
    cited = ["行政处罚", "中华人民共和国", "义务教育"]  # terms that some report passages only cite
    terms = several + sorted(t for t, n in where.items() if n == 1)[:10] + cited
    for term in terms:
        combined: dict[int, float] = {}
        for field, (weight, b) in fields.items():
            docs, tf = core.postings[field].of(core.vocabulary[term])
            start, end = _row(core.postings[field].offsets, core.vocabulary[term])
            only_cited = core.postings[field].cited[start:end]
            length = core.postings[field].lengths
            for doc, freq, in_titles in zip(docs.tolist(), tf.tolist(), only_cited.tolist()):
                norm = 1 - b + b * float(length[doc]) / averages[field]
                counted = freq * weights.cited if in_titles else freq
                combined[doc] = combined.get(doc, 0.0) + weight * counted / norm
        df = len(combined)
        idf = np.log(1 + (core.size - df + 0.5) / (df + 0.5))
        expected = {d: idf * c * (weights.k1 + 1) / (weights.k1 + c) for d, c in combined.items()}
        docs, scores = core.term_scores(term, fields, k1=weights.k1, cited=weights.cited)
        assert docs.tolist() == sorted(expected)
        np.testing.assert_allclose(scores, [expected[d] for d in docs.tolist()], rtol=1e-6)
    assert len(several) >= 5 and len(terms) >= 15
    assert all(core.postings["body"].cited[slice(*_row(core.postings["body"].offsets, core.vocabulary[t]))].any()
               for t in cited)  # fmt: skip
    assert len(core.term_scores("不在词表里的词", fields, k1=1.2)[0]) == 0


def test_loaded_passage_metadata_is_not_walked_by_the_garbage_collector(tmp_path: Path) -> None:
    # A full collection visits every tracked object: if each passage's metadata stayed tracked, its pauses would
    # grow with the corpus (≈ 50,000 objects for the law corpus). Built from atoms and tuples, CPython untracks it.
    import gc

    build_segment(seed_documents()).save(tmp_path / "seg.npz")
    core = Core.merge([Segment.load(tmp_path / "seg.npz")])
    gc.collect()
    assert core.passages and not any(gc.is_tracked(meta) for meta in core.passages)
    assert all(isinstance(meta["section"], tuple) for meta in core.passages)


def test_check_finds_a_damaged_segment_without_loading_it(tmp_path: Path) -> None:
    path = tmp_path / "seg.npz"
    build_segment(seed_documents()).save(path)
    Segment.check(path)  # whole
    data = bytearray(path.read_bytes())
    for damaged in (data[: len(data) // 2], data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]):
        path.write_bytes(bytes(damaged))  # cut in half; one byte of the deflated member flipped
        with pytest.raises(ValueError):
            Segment.check(path)
        with pytest.raises(ValueError):
            Segment.load(path)


def test_take_gives_back_a_part_of_a_joined_segment(tmp_path: Path) -> None:
    parts = [build_segment([document]) for document in seed_documents()]  # the five reports
    joined = Segment.join(parts)
    for first, last in ((0, 1), (2, 3), (2, 5), (4, 5)):
        start = sum(len(part.texts) for part in parts[:first])
        stop = start + sum(len(part.texts) for part in parts[first:last])
        taken = joined.take(start, stop)
        expected = Segment.join(parts[first:last])
        assert taken.texts == expected.texts and taken.passages == expected.passages
        assert taken.documents == expected.documents and taken.headings == expected.headings
        assert (taken.word_starts == expected.word_starts).all()
        assert sorted(taken.terms) == sorted(expected.terms)
        number = {term: i for i, term in enumerate(taken.terms)}
        for field in expected.postings:
            mine, theirs = taken.postings[field], expected.postings[field]
            assert (mine.lengths == theirs.lengths).all()
            for b, term in enumerate(expected.terms):
                a = number[term]
                rows = slice(mine.offsets[a], mine.offsets[a + 1]), slice(theirs.offsets[b], theirs.offsets[b + 1])
                assert (mine.docs[rows[0]] == theirs.docs[rows[1]]).all()
                assert (mine.tf[rows[0]] == theirs.tf[rows[1]]).all()
                assert (mine.cited[rows[0]] == theirs.cited[rows[1]]).all()


def test_a_segment_that_cannot_be_written_whole_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    segment = build_segment(seed_documents())

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", disk_full)
    with pytest.raises(OSError, match="No space left"):
        segment.save(tmp_path / "seg.npz")
    assert list(tmp_path.iterdir()) == []
