"""The example model: logistic regression over keyword scores and sentence vectors,
trained on a config's examples, its L2 strength chosen by cross-validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from digest import config
from digest.errors import ConfigError
from digest.example_model import MIN_EXAMPLES, fit
from digest.models import Role, Scored, Sentence


def scored(n: int, section: str = "other") -> Scored:
    return Scored(
        Sentence("s", "d", Role.CONTENT, f"s{n}", n, n), section, 0.0, {"a": 0.0, "b": 0.0}, (), 1.0
    )


def test_it_learns_what_the_vectors_say_when_keywords_say_nothing() -> None:
    rng = np.random.default_rng(7)
    centres = {"a": rng.normal(size=16), "b": rng.normal(size=16), "other": rng.normal(size=16)}
    labels = [k for k in centres for _ in range(40)]
    vectors = np.array([centres[k] + rng.normal(scale=0.3, size=16) for k in labels])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rows = [scored(n) for n in range(len(labels))]
    model = fit(rows, vectors, labels, ["a", "b"])
    assert model is not None
    fresh = np.array([centres[k] for k in ("a", "b", "other")])
    fresh /= np.linalg.norm(fresh, axis=1, keepdims=True)
    p = model.probabilities([scored(100 + n) for n in range(3)], fresh)
    assert [model.classes[i] for i in p.argmax(axis=1)] == ["a", "b", "other"]
    again = fit(rows, vectors, labels, ["a", "b"])
    assert again is not None and np.array_equal(again.weights, model.weights)  # deterministic


def test_too_few_examples_or_one_section_is_no_model() -> None:
    few = MIN_EXAMPLES - 1
    assert fit([scored(n) for n in range(few)], np.ones((few, 4)), ["a"] * few, ["a", "b"]) is None
    many = MIN_EXAMPLES + 5
    assert (
        fit([scored(n) for n in range(many)], np.ones((many, 4)), ["a"] * many, ["a", "b"]) is None
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nowhere/model", "nowhere/model does not exist: point it at a sentence-transformers"),
        (".", "has no config.json"),
    ],
)
def test_an_unusable_encoder_is_a_config_error_with_its_line(
    tmp_path: Path, value: str, message: str
) -> None:
    (tmp_path / "a.txt").write_text("A sentence.", encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(
        "briefing:\n  title: T\nsources:\n  - kind: file\n    path: a.txt\n"
        "sections:\n  - id: s\n    title: S\n"
        f"classify:\n  encoder: {value}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    [problem] = caught.value.problems
    assert problem.line == 10 and problem.path == "classify.encoder" and message in problem.message
