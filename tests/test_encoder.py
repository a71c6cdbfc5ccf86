"""The sentence encoder (digest/encoder.py) and its cache in the state store.

Three kinds of test: a tiny random BERT built here (the arithmetic against a plain
float64 forward pass, batch invariance, truncation, the errors), the real all-MiniLM-L6-v2
that dev.py fetches (values sentence-transformers publishes, paraphrases, the hash check;
skipped with the reason when it is absent), and the store's cache of vectors.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from digest.encoder import Encoder, EncoderError, check
from digest.state import Store
from tests.model import SHA256, minilm

# ---------------------------------------------------------------------- a tiny BERT

VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "bank", "rates", "rose", "fell", "shares",
    "central", "raised", "interest", "by", "half", "a", "point", ".", ",", "##s", "un",
    "##known", "market", "today",
]  # fmt: skip
HIDDEN, HEADS, LAYERS, INNER, POSITIONS, MAX_LENGTH = 8, 2, 2, 16, 16, 12


def needs_extra() -> None:
    for module in ("tokenizers", "safetensors", "threadpoolctl"):
        pytest.importorskip(module, reason="the encoder extra is not installed")


def tiny_weights(seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)

    def w(*shape: int, scale: float = 0.5) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    weights = {
        "embeddings.word_embeddings.weight": w(len(VOCAB), HIDDEN),
        "embeddings.position_embeddings.weight": w(POSITIONS, HIDDEN),
        "embeddings.token_type_embeddings.weight": w(2, HIDDEN),
        "embeddings.LayerNorm.weight": 1 + w(HIDDEN, scale=0.1),
        "embeddings.LayerNorm.bias": w(HIDDEN, scale=0.1),
        "embeddings.position_ids": np.arange(POSITIONS, dtype=np.int64)[None],
    }
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        for name in ("query", "key", "value"):
            weights[f"{p}attention.self.{name}.weight"] = w(HIDDEN, HIDDEN)
            weights[f"{p}attention.self.{name}.bias"] = w(HIDDEN, scale=0.1)
        weights[f"{p}attention.output.dense.weight"] = w(HIDDEN, HIDDEN)
        weights[f"{p}attention.output.dense.bias"] = w(HIDDEN, scale=0.1)
        weights[f"{p}intermediate.dense.weight"] = w(INNER, HIDDEN)
        weights[f"{p}intermediate.dense.bias"] = w(INNER, scale=0.1)
        weights[f"{p}output.dense.weight"] = w(HIDDEN, INNER)
        weights[f"{p}output.dense.bias"] = w(HIDDEN, scale=0.1)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            weights[f"{p}{norm}.weight"] = 1 + w(HIDDEN, scale=0.1)
            weights[f"{p}{norm}.bias"] = w(HIDDEN, scale=0.1)
    return weights


def make_model(
    folder: Path,
    *,
    weights: dict[str, np.ndarray] | None = None,
    pooling: str = "mean",
    config: dict[str, object] | None = None,
) -> Path:
    """A sentence-transformers folder of a tiny random BERT, in the real layout."""
    from safetensors.numpy import save_file
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = Tokenizer(models.WordPiece({t: i for i, t in enumerate(VOCAB)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer.enable_padding(length=POSITIONS)  # as all-MiniLM-L6-v2's file: digest undoes it
    tokenizer.save(str(folder / "tokenizer.json"))
    save_file(tiny_weights() if weights is None else weights, str(folder / "model.safetensors"))
    settings = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": HIDDEN,
        "num_attention_heads": HEADS,
        "num_hidden_layers": LAYERS,
        "intermediate_size": INNER,
        "max_position_embeddings": POSITIONS,
        "hidden_act": "gelu",
        "layer_norm_eps": 1e-12,
        "vocab_size": len(VOCAB),
        **(config or {}),
    }
    (folder / "config.json").write_text(json.dumps(settings), encoding="utf-8")
    (folder / "1_Pooling").mkdir(exist_ok=True)
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps(
            {
                "word_embedding_dimension": HIDDEN,
                "pooling_mode_cls_token": pooling == "cls",
                "pooling_mode_mean_tokens": pooling == "mean",
                "pooling_mode_max_tokens": pooling == "max",
            }
        ),
        encoding="utf-8",
    )
    (folder / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": MAX_LENGTH, "do_lower_case": False}), encoding="utf-8"
    )
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
        {
            "idx": 2,
            "name": "2",
            "path": "2_Normalize",
            "type": "sentence_transformers.models.Normalize",
        },
    ]
    (folder / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    return folder


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    needs_extra()
    return make_model(tmp_path / "tiny")


def reference(folder: Path, texts: Sequence[str], pooling: str = "mean") -> np.ndarray:
    """A plain float64 BERT forward pass, one sentence at a time, exact GELU: what the
    encoder's tiles, groups and erf approximation must agree with."""
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_LENGTH)
    raw = load_file(str(folder / "model.safetensors"))
    w = {k.removeprefix("bert."): v.astype(np.float64) for k, v in raw.items()}
    gelu = np.vectorize(lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2))))

    def norm(x: np.ndarray, p: str) -> np.ndarray:
        x = x - x.mean(-1, keepdims=True)
        return (
            x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-12) * w[p + ".weight"] + w[p + ".bias"]
        )

    def dense(x: np.ndarray, p: str) -> np.ndarray:
        return x @ w[p + ".weight"].T + w[p + ".bias"]

    out = []
    for text in texts:
        ids = tokenizer.encode(text.strip()).ids
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = norm(x + w["embeddings.position_embeddings.weight"][: len(ids)], "embeddings.LayerNorm")
        size = HIDDEN // HEADS
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            q, k, v = (
                dense(x, f"{p}attention.self.{n}").reshape(len(ids), HEADS, size).transpose(1, 0, 2)
                for n in ("query", "key", "value")
            )
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(size)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(len(ids), HIDDEN)
            x = norm(
                dense(context, f"{p}attention.output.dense") + x, f"{p}attention.output.LayerNorm"
            )
            x = norm(
                dense(gelu(dense(x, f"{p}intermediate.dense")), f"{p}output.dense") + x,
                f"{p}output.LayerNorm",
            )
        pooled = x[0] if pooling == "cls" else x.mean(0)
        out.append(pooled / np.linalg.norm(pooled))
    return np.array(out)


TEXTS = [
    "The bank raised rates.",
    "Shares fell today",
    "  The central bank raised interest rates by half a point.  ",
    "unknown",
    "",
    "Rates rose, shares fell, the market fell.",
    "Totally unheard-of words here",
]


def test_the_forward_pass_agrees_with_a_plain_float64_one(tiny: Path) -> None:
    encoder = Encoder.load(tiny)
    got = encoder.encode(TEXTS)
    assert got.dtype == np.float32 and got.shape == (len(TEXTS), HIDDEN)
    np.testing.assert_allclose(got, reference(tiny, TEXTS), atol=2e-6)


def test_cls_pooling_and_a_bert_prefix_on_the_tensors(tmp_path: Path) -> None:
    needs_extra()
    prefixed = {f"bert.{k}": v for k, v in tiny_weights().items()}
    folder = make_model(tmp_path / "cls", weights=prefixed, pooling="cls")
    np.testing.assert_allclose(
        Encoder.load(folder).encode(TEXTS), reference(folder, TEXTS, "cls"), atol=2e-6
    )


def test_a_text_gives_the_same_bytes_in_any_batch_and_on_any_thread_count(tiny: Path) -> None:
    words = VOCAB[4:]
    rng = np.random.default_rng(3)
    texts = [" ".join(rng.choice(words, size=rng.integers(0, 14))) for _ in range(400)]
    one, two = Encoder.load(tiny, threads=1), Encoder.load(tiny, threads=2)
    batch = one.encode(texts)
    assert batch.tobytes() == two.encode(texts).tobytes()
    for k in (0, 17, 399):
        assert one.encode([texts[k]]).tobytes() == batch[k].tobytes()
    shuffled = rng.permutation(len(texts))
    assert two.encode([texts[k] for k in shuffled]).tobytes() == batch[shuffled].tobytes()
    assert two.encode(texts[::7] * 2).tobytes() == np.concatenate([batch[::7]] * 2).tobytes()


def test_long_texts_are_cut_at_the_models_max_length(tiny: Path) -> None:
    encoder = Encoder.load(tiny)
    assert encoder.max_length == MAX_LENGTH
    words = "the bank raised rates by half a point"  # 8 tokens, 10 with [CLS] and [SEP]
    long, longer = words + " shares fell today", words + " shares fell today and more and more"
    vectors = encoder.encode([long, longer, words * 40])
    assert vectors[0].tobytes() == vectors[1].tobytes()
    assert np.isfinite(vectors).all()


def test_no_texts_no_rows(tiny: Path) -> None:
    assert Encoder.load(tiny).encode([]).shape == (0, HIDDEN)


def test_encoding_leaves_blas_threads_as_it_found_them(tiny: Path) -> None:
    from threadpoolctl import threadpool_info

    before = [i["num_threads"] for i in threadpool_info()]
    Encoder.load(tiny, threads=2).encode(TEXTS * 50)
    assert [i["num_threads"] for i in threadpool_info()] == before


def test_the_model_id_changes_with_weights_tokenizer_and_length(tmp_path: Path) -> None:
    needs_extra()
    first = check(make_model(tmp_path / "a"))
    assert len(first) == 64 and int(first, 16) >= 0
    assert check(make_model(tmp_path / "b")) == first  # the same files, elsewhere
    assert check(make_model(tmp_path / "c", weights=tiny_weights(seed=8))) != first
    shorter = make_model(tmp_path / "d")
    (shorter / "sentence_bert_config.json").write_text('{"max_seq_length": 8}', encoding="utf-8")
    assert check(shorter) != first


# ---------------------------------------------------------------------- errors


def test_a_missing_folder_or_a_file_is_an_error_saying_what_to_point_at(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match=r"does not exist: point it at a sentence-transformers"):
        check(tmp_path / "nowhere")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(EncoderError, match=r"is not a folder: point it at"):
        check(tmp_path / "file")


@pytest.mark.parametrize(
    "name", ["config.json", "model.safetensors", "tokenizer.json", "1_Pooling/config.json"]
)
def test_each_missing_file_is_named(tiny: Path, name: str) -> None:
    (tiny / name).unlink()
    with pytest.raises(EncoderError) as caught:
        check(tiny)
    assert str(caught.value) == (
        f"classify.encoder: {tiny} has no {name}: point it at a sentence-transformers model"
        " folder (config.json, model.safetensors, tokenizer.json, 1_Pooling/config.json)"
    )


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("config.json", '{"hidden_size": 8,', r"config.json is not valid JSON \(line 1"),
        ("config.json", "[1, 2]", r"config.json should hold a JSON object"),
        ("config.json", '{"model_type": "mpnet"}', r"model_type 'mpnet' is not supported"),
        ("config.json", '{"hidden_size": "8"}', r"hidden_size must be a positive whole number"),
        ("config.json", '{"hidden_act": "relu"}', r"hidden_act 'relu' is not supported"),
        ("1_Pooling/config.json", '{"pooling_mode_max_tokens": true}', r"pooling max"),
        ("1_Pooling/config.json", "{}", r"pooling none is not supported"),
        (
            "modules.json",
            '[{"type": "sentence_transformers.models.Dense"}]',
            r"Dense' is not supported",
        ),
        ("sentence_bert_config.json", '{"max_seq_length": 1}', r"max_seq_length must be"),
    ],
)
def test_malformed_settings_are_errors_naming_the_file(
    tiny: Path, name: str, text: str, message: str
) -> None:
    path = tiny / name
    if name == "config.json" and text.startswith("{") and text.endswith("}"):
        text = json.dumps({**json.loads(path.read_text(encoding="utf-8")), **json.loads(text)})
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EncoderError, match=message) as caught:
        check(tiny)
    assert str(path) in str(caught.value)


def test_without_the_extra_the_error_says_how_to_install_it(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tokenizers", None)  # import tokenizers now fails
    with pytest.raises(
        EncoderError, match=r"needs the encoder extra: pip install 'digest\[encoder\]'"
    ):
        check(tiny)
    with pytest.raises(EncoderError, match=r"encoder extra"):
        Encoder.load(tiny)


def test_unusable_weights_are_errors_at_load(tmp_path: Path) -> None:
    needs_extra()
    garbage = make_model(tmp_path / "garbage")
    (garbage / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(EncoderError, match=r"model.safetensors cannot be read"):
        Encoder.load(garbage)

    missing = tiny_weights()
    del missing["encoder.layer.1.output.dense.weight"]
    with pytest.raises(EncoderError, match=r"has no tensor encoder.layer.1.output.dense.weight"):
        Encoder.load(make_model(tmp_path / "missing", weights=missing))

    doubled = {
        k: v.astype(np.float64) if v.dtype == np.float32 else v for k, v in tiny_weights().items()
    }
    with pytest.raises(EncoderError, match=r"is float64 .* implies float32"):
        Encoder.load(make_model(tmp_path / "float64", weights=doubled))

    wider = make_model(tmp_path / "wider", config={"hidden_size": 16, "num_attention_heads": 2})
    with pytest.raises(EncoderError, match=r"word_embedding_dimension 8 is not config.json's"):
        Encoder.load(wider)

    (garbage / "model.safetensors").write_bytes(
        (make_model(tmp_path / "fine") / "model.safetensors").read_bytes()
    )
    (garbage / "tokenizer.json").write_text('{"model": 1}', encoding="utf-8")
    with pytest.raises(EncoderError, match=r"tokenizer.json cannot be read"):
        Encoder.load(garbage)


# ---------------------------------------------------------------------- all-MiniLM-L6-v2


@pytest.fixture(scope="module")
def minilm_encoder() -> Encoder:
    return Encoder.load(minilm())


def test_the_real_model_loads_and_names_itself() -> None:
    folder = minilm()
    model_id = check(folder)
    encoder = Encoder.load(folder, SHA256)
    assert encoder.model_id == model_id and len(model_id) == 64
    assert encoder.weights_sha256 == SHA256
    assert (encoder.dim, encoder.max_length) == (384, 256)


def test_published_values_of_all_minilm_l6_v2(minilm_encoder: Encoder) -> None:
    # sentence-transformers' own output for "hello world", as published by several
    # projects that test against it (e.g. fastembed's canonical vectors)
    hello = minilm_encoder.encode(["hello world"])[0]
    np.testing.assert_allclose(
        hello[:5], [-0.03447725, 0.03102322, 0.00673498, 0.02610897, -0.03936202], atol=1e-6
    )
    # the similarity matrix of sentence-transformers' quickstart, to its 4 decimals
    vectors = minilm_encoder.encode(
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    )
    np.testing.assert_allclose(
        vectors @ vectors.T,
        [[1.0, 0.6660, 0.1046], [0.6660, 1.0, 0.1411], [0.1046, 0.1411, 1.0]],
        atol=6e-5,
    )


def test_unit_vectors_and_the_same_bytes_in_any_batch(minilm_encoder: Encoder) -> None:
    texts = [
        "Quarterly profits at US media giant TimeWarner jumped 76% to $1.13bn.",
        "The dollar has hit its highest level against the euro in almost three months.",
        "Ad sales boost Time Warner profit",
        "hello world",
    ] * 3 + [f"Sentence number {k} of a long list of short ones." for k in range(60)]
    vectors = minilm_encoder.encode(texts)
    assert vectors.dtype == np.float32 and vectors.shape == (len(texts), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-6)
    for k in (0, 1, 2, 3, 30):
        assert minilm_encoder.encode([texts[k]]).tobytes() == vectors[k].tobytes()
    assert vectors[0].tobytes() == vectors[4].tobytes()  # a repeat in the batch
    single = Encoder.load(minilm(), threads=1).encode(texts[::-1])
    assert single.tobytes() == vectors[::-1].tobytes()


def test_paraphrases_are_near_and_unrelated_sentences_far(minilm_encoder: Encoder) -> None:
    a, b, c, d, e, f = minilm_encoder.encode(
        [
            "The central bank raised interest rates by half a percentage point.",
            "The central bank increased borrowing costs by 0.5 points.",
            "Shares in the carmaker fell 5% after it cut its profit forecast.",
            "The car company's stock dropped 5 percent following a lowered earnings outlook.",
            "The striker scored twice in the second half.",
            "Heavy rain is expected across the north tomorrow.",
        ]
    )
    near = [float(a @ b), float(c @ d)]
    far = [float(x @ y) for x, y in ((a, e), (a, f), (c, e), (c, f), (b, d), (e, f))]
    assert min(near) > 0.5
    assert min(near) - max(far) > 0.25


def test_the_weights_hash_is_checked_when_given(tmp_path: Path) -> None:
    folder = minilm()
    assert check(folder, SHA256) == check(folder, SHA256.upper()) == check(folder)
    wrong = "0" * 64
    with pytest.raises(EncoderError) as caught:
        Encoder.load(folder, wrong)
    assert f"sha256 is {SHA256}, classify.encoder_sha256 says {wrong}" in str(caught.value)


# ---------------------------------------------------------------------- the store's cache


def test_the_store_caches_vectors_by_model_and_sentence(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    vectors = {f"{k:012x}": rng.standard_normal(384).astype(np.float32) for k in range(1200)}
    with Store.open(tmp_path / "state.sqlite") as store:
        assert store.encodings("m1", vectors) == {}
        store.save_encodings("m1", vectors)
        store.save_encodings("m2", {"000000000000": np.ones(3, dtype=np.float32)})
    with Store.open(tmp_path / "state.sqlite") as store:  # committed, and read back whole
        got = store.encodings("m1", [*vectors, "absent"])
        assert got.keys() == vectors.keys()
        assert all(
            got[k].tobytes() == v.tobytes() and got[k].dtype == np.float32
            for k, v in vectors.items()
        )
        assert got["000000000005"].flags.writeable
        assert store.encodings("m2", ["000000000000", "000000000001"])["000000000000"].tolist() == [
            1,
            1,
            1,
        ]
        store.save_encodings("m1", {"000000000000": np.zeros(384, dtype=np.float32)})  # replaces
        assert not store.encodings("m1", ["000000000000"])["000000000000"].any()
        with pytest.raises(ValueError, match="float32 vector"):
            store.save_encodings("m1", {"x": np.zeros(384)})
        with pytest.raises(ValueError, match="float32 vector"):
            store.save_encodings("m1", {"x": np.zeros((2, 3), dtype=np.float32)})
        assert store.forget_encodings(keep_model="m1") == 1
        assert store.encodings("m2", ["000000000000"]) == {}
        assert store.forget_encodings() == 1200
        assert store.encodings("m1", vectors) == {}


def test_cached_encodings_equal_fresh_ones(tmp_path: Path, minilm_encoder: Encoder) -> None:
    texts = ["Ad sales boost Time Warner profit", "Dollar gains on Greenspan speech"]
    ids = ["a1", "b2"]
    with Store.open(tmp_path / "state.sqlite") as store:
        store.save_encodings(
            minilm_encoder.model_id, dict(zip(ids, minilm_encoder.encode(texts), strict=True))
        )
    with Store.open(tmp_path / "state.sqlite") as store:
        cached = store.encodings(minilm_encoder.model_id, ids)
    fresh = minilm_encoder.encode(texts[::-1])[::-1]
    assert np.stack([cached[k] for k in ids]).tobytes() == fresh.tobytes()
