"""Learned layer of the classify stage: each section's vocabulary, learned from the day.

Keywords are what an operator thought of; tomorrow's articles use words nobody wrote
down ("shipments", "carmakers", "consultations"). This layer learns, from the run's own
sentences, which words go with which section, and adds that evidence to the keyword
scores. No model is loaded and nothing is kept between runs: the day's text, the
config's section titles, descriptions and ``examples`` are all it reads.

How a word is learned, and why it does not simply learn the keywords' mistakes:

- Every content sentence votes for the sections its keywords favour (shares of its
  positive scores), or for *none* when no section reaches ``min_score``. A word is
  credited with the vote the *rest* of its sentence casts: a keyword's own points are
  left out of the sentences it appears in, so a keyword learns where its sentences go
  on other evidence.
- Section titles, descriptions and ``examples`` count as labelled sentences of their
  own (``learn_label_weight`` each), so a section with few keywords still has words.
- A word's share of a section is shrunk towards the section's corpus-wide share with
  the weight of ``learn_prior`` sentences, so a handful of sentences cannot move it;
  its weight is how far above that share it stands, from 0 (no better than chance) to
  1 (only ever in that section). Words seen in fewer than two sentences learn nothing.
- Words common in sentences that fit no section learn weight for *none*, and raise the
  bar a sentence must clear to leave ``other`` (by at most a quarter of ``min_score``):
  the calibrated ``other``.
- Besides content words, a few function words that carry mood rather than topic
  ("if", "would", "could", "not") are learned, since risk is written in them.

The result stays explainable: ``digest explain`` lists the learned terms that decided a
sentence, with their weights in keyword points, beside the keywords.

Every sentence is scored *without its own votes* (leave-one-out): it must not vouch for
itself, or every word of a sentence that fits nowhere would learn "none" from that very
sentence. The counting and scoring are array arithmetic (NumPy) over one row per word of
each sentence, a block of sentences at a time, so the layer costs about what the keyword
pass does and its memory stays bounded however many articles a run reads.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import cast

import numpy as np

from .classify import OTHER
from .config import ClassifyConfig, SectionConfig
from .models import Role, Scored
from .text import Stemmer, learnable, tokens

NONE = ""  # the vote of a sentence that fits no section
MIN_SUPPORT = 2  # sentences a word must appear in before it is learned
# The learned other raises the bar by at most this share of min_score. Its weight grows
# with how many sentences fit no section, which a sparse config makes most of them; left
# unbounded it would undo what the keywords place (measured: issue 12's closing note).
OTHER_CAP = 0.25
MIN_WEIGHT = 0.05  # weights below this are noise and count for nothing
BLOCK = 2048  # sentences scored at once: bounds the arrays (and lists) of one block
SHOWN = 5  # learned terms named in a sentence's reasons


def terms(stemmer: Stemmer, text: str) -> tuple[str, ...]:
    """The words of ``text`` the layer learns from: content stems and mood words."""
    words = tokens(text)
    return learnable(words, [stemmer.stem(w) for w in words])


@dataclass(frozen=True)
class Vocabulary:
    """What was learned: per word, the votes of the sentences it was seen in.

    ``keys``: the sections, then NONE; ``counts[w, k]``: the votes word ``w`` got for
    ``keys[k]``; ``support[w]``: the sentences it was seen in (labels weighted);
    ``prior[k]``: ``keys[k]``'s share of all votes; ``mu``: shrinkage, in sentences.
    """

    keys: tuple[str, ...]
    index: Mapping[str, int]  # stem → row
    names: tuple[str, ...]  # row → stem
    counts: np.ndarray
    support: np.ndarray
    prior: np.ndarray
    mu: float

    def weights(self, rows: np.ndarray, own: np.ndarray | None = None) -> np.ndarray:
        """Weights in [0, 1] of the words ``rows`` for every key (one row each); ``own``:
        the votes of the sentence each row comes from, left out."""
        counts, seen = self.counts[rows], self.support[rows]
        if own is not None:
            counts = np.maximum(counts - own, 0.0)
            seen = seen - 1.0
        p = self.prior
        valid = (p > 0) & (p < 1)
        safe = np.where(valid, p, 0.5)
        share = (counts + self.mu * safe) / (seen + self.mu)[:, None]
        weight = np.round((share - safe) / (1 - safe), 4)
        keep = (weight >= MIN_WEIGHT) & valid & (seen >= MIN_SUPPORT)[:, None]
        return np.where(keep, weight, 0.0)

    def weight(self, stem: str, section: str) -> float:
        """How strongly ``stem`` goes with ``section``, in [0, 1]."""
        row = self.index.get(stem)
        if row is None or section not in self.keys:
            return 0.0
        return float(self.weights(np.array([row]))[0, self.keys.index(section)])

    def top_terms(self, section: str, n: int = 20) -> list[tuple[str, float]]:
        if section not in self.keys or not self.names:
            return []
        column = self.weights(np.arange(len(self.names)))[:, self.keys.index(section)]
        order = sorted(np.flatnonzero(column), key=lambda r: (-column[r], self.names[r]))
        return [(self.names[r], float(column[r])) for r in order[:n]]


@dataclass(frozen=True)
class _Rows:
    """One row per learned word of each content sentence, with the vote it learns."""

    sentences: list[int]  # index into ``scored`` of each sentence with words
    starts: np.ndarray  # its first row (and one past the last row at the end)
    words: np.ndarray  # the row's word (index into the vocabulary)
    base: np.ndarray  # each sentence's vote, one row per sentence
    scores: np.ndarray  # each sentence's keyword score for each section (not NONE)
    changed: np.ndarray  # rows that vote otherwise: the words of keywords …
    changed_votes: np.ndarray  # … with the vote of the rest of their sentence

    def votes(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        """Word rows and their votes for sentences ``first`` to ``last`` (exclusive)."""
        a, b = int(self.starts[first]), int(self.starts[last])
        lengths = np.diff(self.starts[first : last + 1])
        votes = np.repeat(self.base[first:last], lengths, axis=0)
        lo, hi = np.searchsorted(self.changed, [a, b])
        if hi > lo:
            votes[self.changed[lo:hi] - a] = self.changed_votes[lo:hi]
        return self.words[a:b], votes


def _vote(scores: list[float], threshold: float) -> list[float]:
    """A sentence's vote from its section scores (in section order): the positive ones as
    shares, or all of it for NONE (the last place) when none reaches ``threshold``."""
    if max(scores, default=0.0) < threshold:
        return [0.0] * len(scores) + [1.0]
    positive = [v if v > 0 else 0.0 for v in scores]
    total = sum(positive)
    return [v / total for v in positive] + [0.0]


def _collect(
    scored: Sequence[Scored],
    keys: Sequence[str],
    settings: ClassifyConfig,
    stemmer: Stemmer,
    index: dict[str, int],
) -> _Rows:
    # typed arrays, not lists: a list holds an object per number (at 10,000 articles the
    # lists of a million rows took 120 MB more than the arrays they became)
    sentences: list[int] = []
    starts = array("q")
    words = array("q")
    base = array("d")
    section_scores = array("d")
    changed = array("q")
    changed_votes = array("d")
    floor = settings.min_score
    sections = keys[:-1]
    column = {k: c for c, k in enumerate(sections)}
    add = index.setdefault
    for i, item in enumerate(scored):
        if item.sentence.role is not Role.CONTENT:
            continue
        stems = item.words or terms(stemmer, item.sentence.text)
        if not stems:
            continue
        sentences.append(i)
        starts.append(len(words))
        scores = [item.scores.get(k, 0.0) for k in sections]
        section_scores.extend(scores)
        base.extend(_vote(scores, floor))
        own: dict[str, list[float]] = {}
        for hit in item.hits:  # a keyword's points, under each of its stems
            for stem in hit.stems:
                points = own.get(stem)
                if points is None:
                    points = own[stem] = scores.copy()
                points[column[hit.section]] -= hit.weight
        if own:
            for k, stem in enumerate(stems):
                rest = own.get(stem)
                if rest is not None:  # this word's sentence, as the rest of it votes
                    changed.append(len(words) + k)
                    changed_votes.extend(_vote(rest, floor))
        found = list(map(index.get, stems))
        if None in found:  # words not met before are numbered in the order they come
            found = [add(stem, len(index)) for stem in stems]
        words.extend(cast(list[int], found))
    starts.append(len(words))
    width = len(keys)
    return _Rows(
        sentences,
        np.frombuffer(starts, dtype=np.int64),
        np.frombuffer(words, dtype=np.int64),
        np.frombuffer(base, dtype=np.float64).reshape(-1, width),
        np.frombuffer(section_scores, dtype=np.float64).reshape(len(sentences), width - 1),
        np.frombuffer(changed, dtype=np.int64),
        np.frombuffer(changed_votes, dtype=np.float64).reshape(-1, width),
    )


def learn(
    scored: Sequence[Scored],
    sections: Sequence[SectionConfig],
    settings: ClassifyConfig,
    stemmer: Stemmer,
    examples: Sequence[tuple[str, str]] = (),
) -> Vocabulary:
    """Learn the vocabulary from the keyword scores of ``scored`` (with their ``hits``,
    so that keywords can be left out); ``examples``: further (section, sentence) pairs."""
    return _learn(scored, sections, settings, stemmer, examples)[0]


def _learn(
    scored: Sequence[Scored],
    sections: Sequence[SectionConfig],
    settings: ClassifyConfig,
    stemmer: Stemmer,
    examples: Sequence[tuple[str, str]],
) -> tuple[Vocabulary, _Rows]:
    keys = (*(s.id for s in sections), NONE)
    index: dict[str, int] = {}
    rows = _collect(scored, keys, settings, stemmer, index)
    known = {s.id: j for j, s in enumerate(sections)}
    labelled = [
        (j, terms(stemmer, text))
        for j, s in enumerate(sections)
        for text in (s.title, s.description, *s.examples)
        if text
    ]
    labelled += [(known[k], terms(stemmer, text)) for k, text in examples if k in known]
    for _, stems in labelled:
        for stem in stems:
            index.setdefault(stem, len(index))

    size, width = len(index), len(keys)
    counts = np.zeros((size, width))
    n = len(rows.sentences)
    for first in range(0, n, BLOCK):
        words, votes = rows.votes(first, min(n, first + BLOCK))
        for k in range(width):
            counts[:, k] += np.bincount(words, weights=votes[:, k], minlength=size)
    support = np.bincount(rows.words, minlength=size).astype(np.float64)
    totals = rows.base.sum(axis=0) if n else np.zeros(width)
    label = settings.learn_label_weight
    votes_cast = float(n)
    for j, stems in labelled:
        if not stems:
            continue
        ids = [index[s] for s in stems]
        counts[ids, j] += label
        support[ids] += label
        totals[j] += label
        votes_cast += label
    prior = totals / votes_cast if votes_cast else np.zeros(width)
    names = tuple(index)  # rows were numbered in the order the stems were met
    vocab = Vocabulary(keys, index, names, counts, support, prior, settings.learn_prior)
    return vocab, rows


def refine(
    scored: Sequence[Scored],
    sections: Sequence[SectionConfig],
    settings: ClassifyConfig,
    stemmer: Stemmer,
    examples: Sequence[tuple[str, str]] = (),
    *,
    explain: bool = True,
    scores: Mapping[str, float] | None = None,
) -> list[Scored]:
    """The keyword scores plus the learned evidence; each sentence's section is chosen
    again, and its reasons say which learned terms weighed in. ``scored`` must carry
    its keyword hits (the classifier keeps them when ``settings.learn``). A list is
    refined in place, so a run never holds two copies of every sentence's score.
    Without ``explain`` (a build, which lets every reason go but a correction's, made
    later) no reason is written: 100,000 sentences' strings at 10,000 articles. Given
    ``scores``, each refined sentence holds that mapping instead of its every section's
    score, when nothing after reads them (a build without examples): 38 MB at 10,000
    articles, made only to be let go, and the memory they took stays the process's."""
    vocab, rows = _learn(scored, sections, settings, stemmer, examples)
    ids = [s.id for s in sections]
    none = len(ids)
    scale = settings.learn_weight
    cap = OTHER_CAP * settings.min_score
    out = scored if isinstance(scored, list) else list(scored)
    done = set(rows.sentences)
    for i, item in enumerate(out):  # content without words to learn: keywords decide
        if (item.hits or item.words) and i not in done:
            out[i] = replace(item, hits=(), words=())
    n = len(rows.sentences)
    names = vocab.names
    for first in range(0, n, BLOCK):
        last = min(n, first + BLOCK)
        words, votes = rows.votes(first, last)
        weights = vocab.weights(words, own=votes) * scale
        bounds = rows.starts[first : last + 1] - rows.starts[first]
        starts = bounds.tolist()
        learned = np.add.reduceat(weights, starts[:-1], axis=0)
        sums = (rows.scores[first:last] + learned[:, :none]).tolist()  # as float + float
        nones = learned[:, none].tolist()
        # each sentence's section first, then only its column of its words' weights is
        # read (not every column of every word: a million rows at 10,000 articles)
        chosen: list[tuple[Scored, str, str, dict[str, float], float, float]] = []
        columns: list[int] = []
        for j in range(first, last):
            item = out[rows.sentences[j]]
            values = sums[j - first]
            best = values.index(max(values))  # ties go to the earlier section
            base = item.threshold or settings.min_score
            threshold = base + min(cap, nones[j - first])
            section = ids[best] if values[best] >= threshold else OTHER
            columns.append(best if section != OTHER else none)
            chosen.append(
                (item, section, ids[best], dict(zip(ids, values, strict=True)), base, threshold)
            )
        picked = weights[np.arange(len(words)), np.repeat(columns, np.diff(bounds))].tolist()
        word_rows = words.tolist()
        for j in range(first, last):
            item, section, best, total, base, threshold = chosen[j - first]
            a, b = starts[j - first], starts[j - first + 1]
            found = [(picked[r], names[word_rows[r]]) for r in range(a, b) if picked[r]]
            found.sort(key=lambda t: -t[0])
            top = tuple((stem, round(w, 4)) for w, stem in found[:SHOWN])
            out[rows.sentences[j]] = Scored(  # not replace(): this loop is the hot one
                item.sentence,
                section,
                round(total[best], 4),
                {k: round(v, 4) for k, v in total.items()} if scores is None else scores,
                _reasons(item, section, best, top, base, threshold) if explain else (),
                round(threshold, 4),
            )
    return out


def _reasons(
    item: Scored,
    section: str,
    best: str,
    top: Sequence[tuple[str, float]],
    base: float,
    threshold: float,
) -> tuple[str, ...]:
    """The keyword layer's reasons for ``best`` (its own if it chose the same), then the
    learned terms, then why a sentence stayed in ``other``."""
    if best == item.section or (item.section == OTHER and best == _keyword_best(item)):
        reasons = [r for r in item.reasons if not r.startswith(("below ", "+"))]
    else:
        reasons = [hit.label for hit in item.hits if hit.section == best]
        if item.section != OTHER:
            reasons.append(f"keywords alone: {item.section} {item.score:.2f}")
    if top:
        label = "learned" if section != OTHER else "learned other"
        reasons.append(f"{label}: " + ", ".join(f"~{stem} {w:+.2f}" for stem, w in top))
    if section == OTHER:
        extra = [r for r in item.reasons if r.startswith("+")]
        reasons.append(f"below {threshold:.2f}")
        reasons.extend(extra)
        if threshold - base > 1e-9:
            reasons.append(f"+{threshold - base:.2f} learned other")
    return tuple(reasons)


_LEARNED = re.compile(r"~(\S+) ([+-]\d+\.\d+)")


def learned_terms(item: Scored) -> dict[str, float]:
    """The learned terms named in ``item``'s reasons, with their points. The reasons are
    the record (a sentence keeps no second copy of them: a run holds every sentence)."""
    for reason in item.reasons:
        if reason.startswith(("learned: ", "learned other: ")):
            return {stem: float(w) for stem, w in _LEARNED.findall(reason)}
    return {}


def _keyword_best(item: Scored) -> str:
    return max(item.scores, key=lambda k: item.scores[k]) if item.scores else OTHER
