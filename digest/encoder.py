"""An optional sentence encoder: a NumPy forward pass of a sentence-transformers BERT model.

Labelled sentences (an operator's corrections, a config's examples) teach the learned
layer more through an encoder's features than through words alone (issue 19), so digest
can run a small one such as all-MiniLM-L6-v2 from a folder the operator names
(``classify.encoder``): config.json, model.safetensors, tokenizer.json and
1_Pooling/config.json, as sentence-transformers saves them and as the Hugging Face cache
holds them. digest never downloads weights. Only ``tokenizers``, ``safetensors`` and
``threadpoolctl`` are needed (the ``encoder`` extra), not torch.

The same text gives byte-identical vectors whatever else is encoded with it, so a vector
cached yesterday equals the one computed today: token rows meet the weights in tiles of a
fixed number of rows (one matrix shape, whatever the batch), attention runs per sentence
over exactly its own tokens (sentences are grouped by exact length, so there is no padding
to mask), and BLAS runs on one thread while this module spreads whole chunks of
sentences over the cores itself (on a busy machine, BLAS's own threads made a product up
to 8x slower).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import DigestError
from .executor import cores

Matrix = npt.NDArray[np.float32]

REQUIRED = ("config.json", "model.safetensors", "tokenizer.json", "1_Pooling/config.json")
LAYOUT = (
    "point it at a sentence-transformers model folder "
    "(config.json, model.safetensors, tokenizer.json, 1_Pooling/config.json)"
)
EXTRA = "the encoder needs the encoder extra: pip install 'digest[encoder]'"
# Bumped whenever the arithmetic changes, so vectors cached by an older digest are not
# mixed with new ones: it is part of every model id.
VERSION = 1
TILE = 128  # token rows per matrix product: one shape for every batch (see the module doc)
CHUNK = 2048  # about this many tokens go to a worker at a time
MAX_THREADS = 4  # past this the Python between the products stops scaling
_MODULES = {
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
}
# erf by Abramowitz and Stegun 7.1.26 (|error| < 1.5e-7, below float32's own), in the
# form gelu(x) = max(x, 0) - |x| * q(t) * exp(-x^2 / 2) with t = 1 / (1 + p |x| / sqrt 2)
# and q the polynomial with its coefficients halved: no branch, no erf in NumPy.
_P = np.float32(0.3275911 / np.sqrt(2.0))
_Q = tuple(
    np.float32(c / 2) for c in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)
)


class EncoderError(DigestError):
    """The encoder cannot be used; the message says what to do about it."""


# ---------------------------------------------------------------------- checking


@dataclass(frozen=True)
class _Spec:
    """What the folder's small files say, checked."""

    folder: Path
    weights_sha256: str
    model_id: str
    hidden: int
    heads: int
    layers: int
    eps: float
    max_length: int
    lowercase: bool
    pooling: str  # "mean" or "cls"


_HASHES: dict[tuple[str, int, int], str] = {}


def check(folder: Path, sha256: str | None = None) -> str:
    """Check a model folder cheaply (files, config, the extra, the weights' hash) and
    return its model id, the key of its cached encodings. Raises EncoderError."""
    return _spec(Path(folder), sha256).model_id


def _spec(folder: Path, sha256: str | None) -> _Spec:
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a folder"
        raise EncoderError(f"classify.encoder: {folder} {what}: {LAYOUT}")
    for name in REQUIRED:
        if not (folder / name).is_file():
            raise EncoderError(f"classify.encoder: {folder} has no {name}: {LAYOUT}")
    config = _json(folder / "config.json")
    pooling_config = _json(folder / "1_Pooling" / "config.json")
    sbert = _json(folder / "sentence_bert_config.json", missing_ok=True)
    modules = _json(folder / "modules.json", missing_ok=True, kind=list)
    _need_extra()

    where = folder / "config.json"
    if config.get("model_type", "bert") != "bert":
        raise EncoderError(
            f"classify.encoder: {where}: model_type {config.get('model_type')!r} is not"
            " supported: digest runs BERT models such as all-MiniLM-L6-v2"
        )
    if config.get("hidden_act", "gelu") != "gelu":
        raise EncoderError(
            f"classify.encoder: {where}: hidden_act {config.get('hidden_act')!r} is not"
            " supported (only gelu)"
        )
    if config.get("position_embedding_type", "absolute") != "absolute":
        raise EncoderError(
            f"classify.encoder: {where}: position_embedding_type"
            f" {config.get('position_embedding_type')!r} is not supported (only absolute)"
        )
    hidden = _positive(config, "hidden_size", where)
    heads = _positive(config, "num_attention_heads", where)
    layers = _positive(config, "num_hidden_layers", where)
    positions = _positive(config, "max_position_embeddings", where, 512)
    if hidden % heads:
        raise EncoderError(
            f"classify.encoder: {where}: hidden_size {hidden} is not a multiple of"
            f" num_attention_heads {heads}"
        )
    eps = config.get("layer_norm_eps", 1e-12)
    if not isinstance(eps, int | float) or isinstance(eps, bool) or not 0 < eps < 1:
        raise EncoderError(f"classify.encoder: {where}: layer_norm_eps must be a small number")

    for module in modules:
        kind = module.get("type") if isinstance(module, dict) else None
        if kind not in _MODULES:
            raise EncoderError(
                f"classify.encoder: {folder / 'modules.json'}: module {kind!r} is not"
                " supported: digest runs a transformer, its pooling and normalization"
            )
        if kind == "sentence_transformers.models.Transformer" and module.get("path", "") != "":
            raise EncoderError(
                f"classify.encoder: {folder / 'modules.json'}: the transformer is in"
                f" {module.get('path')!r}; digest reads it from the folder itself: {LAYOUT}"
            )
    where = folder / "1_Pooling" / "config.json"
    modes = sorted(
        k[len("pooling_mode_") :].removesuffix("_tokens").removesuffix("_token")
        for k, v in pooling_config.items()
        if k.startswith("pooling_mode_") and v is True
    )
    if modes not in (["mean"], ["cls"]):
        raise EncoderError(
            f"classify.encoder: {where}: pooling {'+'.join(modes) or 'none'} is not"
            " supported: digest pools by mean or cls"
        )
    dimension = pooling_config.get("word_embedding_dimension", hidden)
    if dimension != hidden:
        raise EncoderError(
            f"classify.encoder: {where}: word_embedding_dimension {dimension} is not"
            f" config.json's hidden_size {hidden}"
        )
    max_length = sbert.get("max_seq_length", positions)
    if not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 2:
        raise EncoderError(
            f"classify.encoder: {folder / 'sentence_bert_config.json'}: max_seq_length"
            " must be a whole number of at least 2"
        )
    lowercase = bool(sbert.get("do_lower_case", False))

    weights = _file_sha256(folder / "model.safetensors")
    if sha256 is not None and weights != sha256.strip().lower():
        raise EncoderError(
            f"classify.encoder: {folder / 'model.safetensors'} sha256 is {weights},"
            f" classify.encoder_sha256 says {sha256.strip()}: the folder holds other"
            " weights than the config expects; point classify.encoder at the right folder"
            " or update classify.encoder_sha256"
        )
    tokenizer = _file_sha256(folder / "tokenizer.json")
    settings = {
        "version": VERSION,
        "weights": weights,
        "tokenizer": tokenizer,
        "max_length": min(max_length, positions),
        "lowercase": lowercase,
        "pooling": modes[0],
        "eps": eps,
    }
    model_id = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
    return _Spec(
        folder=folder,
        weights_sha256=weights,
        model_id=model_id,
        hidden=hidden,
        heads=heads,
        layers=layers,
        eps=float(eps),
        max_length=min(max_length, positions),
        lowercase=lowercase,
        pooling=modes[0],
    )


def _json(path: Path, *, missing_ok: bool = False, kind: type = dict) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return kind()
        raise EncoderError(f"classify.encoder: {path} is missing: {LAYOUT}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EncoderError(f"classify.encoder: cannot read {path}: {exc}") from exc
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EncoderError(
            f"classify.encoder: {path} is not valid JSON (line {exc.lineno}: {exc.msg}):"
            " restore the file from the model's release"
        ) from exc
    if not isinstance(value, kind):
        raise EncoderError(
            f"classify.encoder: {path} should hold a JSON {'object' if kind is dict else 'list'}:"
            " restore the file from the model's release"
        )
    return value


def _positive(config: dict[str, Any], key: str, where: Path, default: int | None = None) -> int:
    value = config.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise EncoderError(
            f"classify.encoder: {where}: {key} must be a positive whole number"
            f" (found {value!r}): restore the file from the model's release"
        )
    return value


def _need_extra() -> None:
    try:
        import safetensors.numpy  # noqa: F401
        import threadpoolctl  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError as exc:
        raise EncoderError(f"{EXTRA} ({exc})") from exc


def _file_sha256(path: Path) -> str:
    """A file's sha256, once per process for each (path, size, mtime): validate and build
    both ask, and 90 MB take about 0.07 s."""
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        if key not in _HASHES:
            with path.open("rb") as handle:
                _HASHES[key] = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        raise EncoderError(f"classify.encoder: cannot read {path}: {exc}") from exc
    return _HASHES[key]


# ---------------------------------------------------------------------- the model


@dataclass(frozen=True)
class _Layer:
    qkv: Matrix  # (hidden, 3 hidden); the query part pre-scaled by 1/sqrt(head size)
    qkv_bias: Matrix
    out: Matrix
    out_bias: Matrix
    norm1: tuple[Matrix, Matrix]
    up: Matrix
    up_bias: Matrix
    down: Matrix
    down_bias: Matrix
    norm2: tuple[Matrix, Matrix]


class Encoder:
    """A loaded model; :meth:`encode` turns sentences into unit vectors."""

    def __init__(
        self, spec: _Spec, tokenizer: Any, weights: dict[str, Matrix], threads: int | None
    ) -> None:
        self._spec = spec
        self._tokenizer = tokenizer
        self.threads = max(1, threads or min(MAX_THREADS, cores()))
        h = spec.hidden
        scale = np.float32(1 / np.sqrt(h // spec.heads))
        self._words = weights["embeddings.word_embeddings.weight"]
        self._positions = weights["embeddings.position_embeddings.weight"]
        self._type = weights["embeddings.token_type_embeddings.weight"][0]
        self._norm = (
            weights["embeddings.LayerNorm.weight"],
            weights["embeddings.LayerNorm.bias"],
        )
        self._layers = []
        for i in range(spec.layers):
            p = f"encoder.layer.{i}."
            w = {k[len(p) :]: v for k, v in weights.items() if k.startswith(p)}
            self._layers.append(
                _Layer(
                    qkv=_contiguous(
                        np.concatenate(
                            [
                                w["attention.self.query.weight"].T * scale,
                                w["attention.self.key.weight"].T,
                                w["attention.self.value.weight"].T,
                            ],
                            axis=1,
                        )
                    ),
                    qkv_bias=np.concatenate(
                        [
                            w["attention.self.query.bias"] * scale,
                            w["attention.self.key.bias"],
                            w["attention.self.value.bias"],
                        ]
                    ),
                    out=_contiguous(w["attention.output.dense.weight"].T),
                    out_bias=w["attention.output.dense.bias"],
                    norm1=(
                        w["attention.output.LayerNorm.weight"],
                        w["attention.output.LayerNorm.bias"],
                    ),
                    up=_contiguous(w["intermediate.dense.weight"].T),
                    up_bias=w["intermediate.dense.bias"],
                    down=_contiguous(w["output.dense.weight"].T),
                    down_bias=w["output.dense.bias"],
                    norm2=(w["output.LayerNorm.weight"], w["output.LayerNorm.bias"]),
                )
            )
        self._inner = self._layers[0].up.shape[1] if self._layers else h
        self._blas = _blas_controller()

    @classmethod
    def load(
        cls, folder: Path, sha256: str | None = None, *, threads: int | None = None
    ) -> Encoder:
        """Check the folder (as :func:`check`) and load the model; ``threads`` defaults to
        the usable cores (at most 4). Raises EncoderError."""
        spec = _spec(Path(folder), sha256)
        from safetensors import SafetensorError
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(spec.folder / "tokenizer.json"))
        except Exception as exc:  # tokenizers raises plain Exception
            raise EncoderError(
                f"classify.encoder: {spec.folder / 'tokenizer.json'} cannot be read ({exc}):"
                " restore the file from the model's release"
            ) from exc
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=spec.max_length)
        try:
            raw = load_file(str(spec.folder / "model.safetensors"))
        except (SafetensorError, OSError, ValueError) as exc:
            raise EncoderError(
                f"classify.encoder: {spec.folder / 'model.safetensors'} cannot be read"
                f" ({exc}): restore the file from the model's release"
            ) from exc
        weights = {k.removeprefix("bert."): v for k, v in raw.items()}
        _check_weights(spec, weights, tokenizer.get_vocab_size())
        return cls(spec, tokenizer, weights, threads)

    @property
    def model_id(self) -> str:
        """The key of this model's cached encodings: a hash of the weights, the tokenizer,
        the settings that change a vector, and this module's :data:`VERSION`."""
        return self._spec.model_id

    @property
    def weights_sha256(self) -> str:
        """The sha256 of model.safetensors, as ``classify.encoder_sha256`` gives it."""
        return self._spec.weights_sha256

    @property
    def dim(self) -> int:
        return self._spec.hidden

    @property
    def max_length(self) -> int:
        """Tokens per sentence, [CLS] and [SEP] included; the rest is cut off."""
        return self._spec.max_length

    def encode(self, texts: Sequence[str]) -> Matrix:
        """One unit vector (float32) a text, row for row; the same text gives the same
        bytes in any batch. Repeated texts are computed once."""
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts, not one text")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        prepared = [t.strip().lower() if self._spec.lowercase else t.strip() for t in texts]
        distinct = list(dict.fromkeys(prepared))
        # one at a time, as fast here as encode_batch, whose thread pool makes tokenizers
        # warn in every process forked afterwards
        ids = [np.asarray(self._tokenizer.encode(t).ids, dtype=np.intp) for t in distinct]
        order = sorted(range(len(ids)), key=lambda k: (len(ids[k]), k))
        vectors = np.empty((len(distinct), self.dim), dtype=np.float32)
        chunks = list(_chunks(order, [len(i) for i in ids]))
        with self._blas.limit(limits=1, user_api="blas"):
            if self.threads == 1 or len(chunks) == 1:
                for chunk in chunks:
                    vectors[chunk] = self._forward([ids[k] for k in chunk])
            else:
                with ThreadPoolExecutor(self.threads, thread_name_prefix="encoder") as pool:
                    results = pool.map(lambda c: self._forward([ids[k] for k in c]), chunks)
                    for chunk, result in zip(chunks, results, strict=True):
                        vectors[chunk] = result
        where = {text: k for k, text in enumerate(distinct)}
        out[:] = vectors[[where[t] for t in prepared]]
        return out

    # ------------------------------------------------------------------ forward pass

    def _forward(self, sentences: list[npt.NDArray[np.intp]]) -> Matrix:
        """Unit vectors of sentences sorted by length. Every token is a row of one matrix
        of whole tiles (padding rows at its end, read by nothing); attention runs per
        group of equal length, and the rest of each layer (and the next layer's query, key
        and value) a tile at a time, while the tile is still in the core's cache."""
        lengths = [len(s) for s in sentences]
        tokens = sum(lengths)
        rows = -(-tokens // TILE) * TILE
        h, eps = self.dim, self._spec.eps
        x = np.zeros((rows, h), dtype=np.float32)
        x[:tokens] = self._words[np.concatenate(sentences)]
        x[:tokens] += self._type
        x[:tokens] += self._positions[np.concatenate([np.arange(n) for n in lengths])]
        work = _Work(h, self._inner)
        qkv = np.empty((rows, 3 * h), dtype=np.float32)
        for start in range(0, rows, TILE):
            tile = x[start : start + TILE]
            _layer_norm(tile, *self._norm, eps, work)
            if self._layers:
                _linear(
                    tile, self._layers[0].qkv, self._layers[0].qkv_bias, qkv[start : start + TILE]
                )

        groups = _groups(lengths)
        context = np.zeros((rows, h), dtype=np.float32)
        for number, layer in enumerate(self._layers):
            for first, count, length in groups:
                self._attend(qkv, context, first, count, length)
            following = self._layers[number + 1] if number + 1 < len(self._layers) else None
            for start in range(0, rows, TILE):
                tile = x[start : start + TILE]
                _linear(context[start : start + TILE], layer.out, layer.out_bias, work.narrow)
                tile += work.narrow
                _layer_norm(tile, *layer.norm1, eps, work)
                _linear(tile, layer.up, layer.up_bias, work.wide)
                _gelu(work.wide, *work.scratch)
                _linear(work.wide, layer.down, layer.down_bias, work.narrow)
                tile += work.narrow
                _layer_norm(tile, *layer.norm2, eps, work)
                if following is not None:
                    _linear(tile, following.qkv, following.qkv_bias, qkv[start : start + TILE])

        vectors = np.empty((len(sentences), h), dtype=np.float32)
        first = 0
        for k, n in enumerate(lengths):  # one shape per sentence, so one summation order
            if self._spec.pooling == "cls":
                vectors[k] = x[first]
            else:
                vectors[k] = x[first : first + n].sum(axis=0) / np.float32(n)
            first += n
        norms = np.sqrt(np.square(vectors).sum(axis=1, keepdims=True))
        vectors /= np.maximum(norms, np.float32(1e-12))
        return vectors

    def _attend(self, qkv: Matrix, context: Matrix, start: int, count: int, length: int) -> None:
        h, heads = self.dim, self._spec.heads
        size = h // heads
        block = qkv[start : start + count * length].reshape(count, length, 3, heads, size)
        q = block[:, :, 0].transpose(0, 2, 1, 3)  # (count, heads, length, size)
        k = block[:, :, 1].transpose(0, 2, 3, 1)  # (count, heads, size, length)
        v = block[:, :, 2].transpose(0, 2, 1, 3)
        scores = np.matmul(q, k)
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        out = context[start : start + count * length].reshape(count, length, heads, size)
        np.matmul(scores, v, out=out.transpose(0, 2, 1, 3))


def _check_weights(spec: _Spec, weights: dict[str, Matrix], vocab: int) -> None:
    h = spec.hidden
    shapes: dict[str, tuple[int, ...]] = {
        "embeddings.word_embeddings.weight": (-1, h),
        "embeddings.token_type_embeddings.weight": (-1, h),
        "embeddings.LayerNorm.weight": (h,),
        "embeddings.LayerNorm.bias": (h,),
    }
    for i in range(spec.layers):
        p = f"encoder.layer.{i}."
        for name in ("query", "key", "value"):
            shapes[f"{p}attention.self.{name}.weight"] = (h, h)
            shapes[f"{p}attention.self.{name}.bias"] = (h,)
        shapes[f"{p}attention.output.dense.weight"] = (h, h)
        shapes[f"{p}intermediate.dense.weight"] = (-1, h)
        inner = weights.get(f"{p}intermediate.dense.weight", np.zeros((0, 0))).shape[0]
        shapes[f"{p}intermediate.dense.bias"] = (inner,)
        shapes[f"{p}output.dense.weight"] = (h, inner)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            shapes[f"{p}{norm}.weight"] = (h,)
            shapes[f"{p}{norm}.bias"] = (h,)
    shapes["embeddings.position_embeddings.weight"] = (-1, h)
    where = spec.folder / "model.safetensors"
    for name, shape in shapes.items():
        found = weights.get(name)
        if found is None:
            raise EncoderError(
                f"classify.encoder: {where} has no tensor {name}: it is not a BERT model's"
                " weights; point classify.encoder at a BERT sentence-transformers model"
            )
        if (
            found.dtype != np.float32
            or len(found.shape) != len(shape)
            or any(want not in (-1, got) for want, got in zip(shape, found.shape, strict=True))
        ):
            raise EncoderError(
                f"classify.encoder: {where}: tensor {name} is {found.dtype} {found.shape},"
                f" config.json implies float32 {shape}"
            )
    if weights["embeddings.word_embeddings.weight"].shape[0] < vocab:
        raise EncoderError(
            f"classify.encoder: {where} holds fewer word embeddings than tokenizer.json"
            f" has tokens ({vocab}): the two files are of different models"
        )
    positions = weights["embeddings.position_embeddings.weight"].shape[0]
    if positions < spec.max_length:
        raise EncoderError(
            f"classify.encoder: {where} holds {positions} positions, fewer than the"
            f" max_seq_length of {spec.max_length}"
        )


# ---------------------------------------------------------------------- arithmetic


class _Work:
    """One worker's scratch matrices, a tile high, reused by every layer."""

    def __init__(self, hidden: int, inner: int) -> None:
        self.narrow = np.empty((TILE, hidden), dtype=np.float32)
        self.square = np.empty((TILE, hidden), dtype=np.float32)
        self.stat = np.empty((TILE, 1), dtype=np.float32)
        self.wide = np.empty((TILE, inner), dtype=np.float32)
        self.scratch = tuple(np.empty((TILE, inner), dtype=np.float32) for _ in range(3))


def _linear(x: Matrix, weight: Matrix, bias: Matrix, out: Matrix) -> None:
    """out = x @ weight + bias, for one tile: always TILE rows, so always one shape and one
    code path in BLAS, and a row's product never depends on the rows around it."""
    np.matmul(x, weight, out=out)
    out += bias


def _layer_norm(x: Matrix, weight: Matrix, bias: Matrix, eps: float, work: _Work) -> None:
    """In place, as BERT's LayerNorm: biased variance, eps inside the root."""
    np.mean(x, axis=-1, keepdims=True, out=work.stat)
    x -= work.stat
    np.square(x, out=work.square)
    np.mean(work.square, axis=-1, keepdims=True, out=work.stat)
    work.stat += np.float32(eps)
    np.sqrt(work.stat, out=work.stat)
    x /= work.stat
    x *= weight
    x += bias


def _gelu(x: Matrix, a: Matrix, t: Matrix, r: Matrix) -> None:
    """In place, the exact (erf) GELU of BERT, to within float32; a, t, r are scratch."""
    np.abs(x, out=a)
    np.multiply(a, _P, out=t)
    t += np.float32(1)
    np.reciprocal(t, out=t)
    np.multiply(t, _Q[0], out=r)
    for c in _Q[1:]:
        r += c
        r *= t
    r *= a
    np.multiply(a, np.float32(-0.5), out=t)
    t *= a
    np.exp(t, out=t)
    r *= t
    np.maximum(x, np.float32(0), out=x)
    x -= r


def _groups(lengths: list[int]) -> list[tuple[int, int, int]]:
    """(first token row, sentences, length) for each run of equal lengths."""
    out: list[tuple[int, int, int]] = []
    start = 0
    for n in lengths:
        if out and out[-1][2] == n:
            first, count, _ = out[-1]
            out[-1] = (first, count + 1, n)
        else:
            out.append((start, 1, n))
        start += n
    return out


def _chunks(order: list[int], lengths: list[int]) -> Iterator[list[int]]:
    """Sentences (sorted by length) in runs of about CHUNK tokens, one run per worker task."""
    chunk: list[int] = []
    tokens = 0
    for k in order:
        if chunk and tokens + lengths[k] > CHUNK:
            yield chunk
            chunk, tokens = [], 0
        chunk.append(k)
        tokens += lengths[k]
    if chunk:
        yield chunk


def _contiguous(array: npt.NDArray[Any]) -> Matrix:
    return np.ascontiguousarray(array, dtype=np.float32)


def _blas_controller() -> Any:
    """BLAS runs on one thread while encoding: the workers are the parallelism, and one
    BLAS thread count means one code path in BLAS, hence the same bytes on every run."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()
