"""The example model: a small classifier trained on a config's examples, over a sentence
encoder's vectors and the keyword layer's own scores.

Measured before it was built (issue 19, and ``bench/learning.py``): without examples an
encoder adds nothing over keywords, and with examples a nearest-example vote adds little;
a linear model over [keyword scores, the keyword layer's decision, the sentence vector]
trained on the examples is what gains. So this is multinomial logistic regression, fitted
with NumPy by gradient descent (a few hundred examples, a few hundred features: well under
a second), deterministic for the same examples. Its L2 strength is fixed: chosen by
five-fold cross-validation on the examples among 0.001, 0.01 and 0.1 while it was built
(0.001 both times it was printed), and fixed because each strength tried costs five fits
in every build.

The features keep it explainable: ``digest explain`` shows the section it chose, its
probability, and the nearest example of that section.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .classify import OTHER
from .models import Scored

Matrix = npt.NDArray[np.float64]
KEYWORD_SCALE = 10.0  # keyword points are 0–20; vectors are unit rows
VECTOR_SCALE = 3.0  # so a vector's dimensions weigh about what the keyword features do
PENALTY = 0.001  # L2 strength (see the module's docstring)
STEPS = 1500
RATE = 0.5
# Fewer examples, and the nearest-example vote decides instead: a linear model over a few
# hundred features overfits ten examples a section (measured on the generalization set,
# taught from one half and scored on the other: 83.4 % → 63.7 %, where ~300 examples
# gain 6–8 points on articles they never contained; bench/learning.py).
MIN_EXAMPLES = 100


@dataclass(frozen=True)
class Model:
    classes: tuple[str, ...]  # the sections, then ``other``
    weights: Matrix

    def probabilities(self, scored: Sequence[Scored], vectors: Matrix) -> Matrix:
        return _softmax(features(scored, vectors, self.classes) @ self.weights)


def features(scored: Sequence[Scored], vectors: Matrix, classes: Sequence[str]) -> Matrix:
    """[keyword scores, the keyword layer's section (one-hot), the sentence vector, 1]."""
    ids = classes[:-1]
    keyword = np.array([[s.scores.get(k, 0.0) for k in ids] for s in scored], dtype=np.float64)
    decided = np.zeros((len(scored), len(classes)))
    for row, s in enumerate(scored):
        decided[row, classes.index(s.section) if s.section in classes else -1] = 1.0
    return np.hstack(
        [
            keyword.reshape(len(scored), len(ids)) / KEYWORD_SCALE,
            decided,
            vectors.astype(np.float64) * VECTOR_SCALE,
            np.ones((len(scored), 1)),
        ]
    )


def fit(
    scored: Sequence[Scored], vectors: Matrix, labels: Sequence[str], sections: Sequence[str]
) -> Model | None:
    """A model of ``labels`` (section ids or ``other``) from the examples' keyword
    scores and vectors; None when there are too few examples or only one section."""
    classes = (*sections, OTHER)
    y = np.array([classes.index(label) for label in labels], dtype=np.int64)
    if len(y) < MIN_EXAMPLES or len(set(y.tolist())) < 2:
        return None
    x = features(scored, vectors, classes)
    return Model(classes, _train(x, y, len(classes), PENALTY))


def _train(x: Matrix, y: npt.NDArray[np.int64], classes: int, penalty: float) -> Matrix:
    w = np.zeros((x.shape[1], classes))
    target = np.eye(classes)[y]
    for _ in range(STEPS):
        gradient = x.T @ (_softmax(x @ w) - target) / len(y) + penalty * w
        w -= RATE * gradient
    return w


def _softmax(z: Matrix) -> Matrix:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)
