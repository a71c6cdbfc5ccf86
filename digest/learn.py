"""Learned layer of the classify stage: each section's vocabulary, learned from the day.

Keywords are what an operator thought of; tomorrow's articles use words nobody wrote
down ("soybean shipments", "carmakers", "consultations"). This layer learns, from the
run's own sentences, which words go with which section, and adds that evidence to the
keyword scores.

How a word is learned (and why it does not just learn the keywords' mistakes):

- Every content sentence votes for sections by its keyword scores, but a word is
  credited with the vote the *rest* of its sentence casts: the sentence's scores with
  the keywords containing that word left out. A keyword therefore learns where its
  sentences go on other evidence; one that misleads (``soybeans`` under tariffs in
  sentences about exporters and prices) learns the section its sentences really take.
- Section titles, descriptions and the operator's ``examples`` count as labelled
  sentences too, so a section with few keywords still has a vocabulary.
- Sentences with no keyword evidence vote for *none*: words common in sentences that
  fit no section (rhetoric, background) learn to pull towards ``other``.
- Shrinkage: a word's section share is pulled towards the corpus-wide share with the
  weight of ``classify.learn_prior`` sentences, so a handful of sentences cannot move it.

What decides a sentence stays explainable: each learned term's weight (its log-odds
for the section, in keyword points) appears in ``digest explain`` beside the keywords.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from .classify import OTHER, Classifier, Match
from .config import ClassifyConfig, SectionConfig
from .models import Role, Scored
from .text import Stemmer, tokens

NONE = ""  # the vote of a sentence that fits no section


@dataclass(frozen=True)
class Vocabulary:
    """Learned term weights: section → stem → log-odds (in keyword points)."""

    weights: Mapping[str, Mapping[str, float]]
    support: Mapping[str, float]  # stem → weight of the sentences it was learned from

    def evidence(self, stems: Sequence[str]) -> dict[str, list[tuple[str, float]]]:
        out: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for stem in dict.fromkeys(stems):
            for section, table in self.weights.items():
                w = table.get(stem)
                if w:
                    out[section].append((stem, w))
        return out


# Function words that carry mood rather than topic: a section about what could go wrong
# is written in "if", "would" and "could"; content stems leave them out.
_MOOD = frozenset("if would could might may unless not no never".split())


def _terms(stemmer: Stemmer, text: str) -> list[str]:
    found = [t for t in dict.fromkeys(stemmer.content_stems(text)) if len(t) > 2 and t.isalpha()]
    if os.environ.get("MOOD"):
        found += [f"{t}" for t in dict.fromkeys(tokens(text)) if t in _MOOD]
    return found


def _votes(
    scores: Mapping[str, float], left_out: float, section_of: str, settings: ClassifyConfig
) -> dict[str, float]:
    """The sentence's vote as shares per section (or NONE), ``left_out`` points of
    ``section_of`` removed."""
    adjusted = {k: v - (left_out if k == section_of else 0.0) for k, v in scores.items()}
    positive = {k: v for k, v in adjusted.items() if v > 0}
    top = max(positive.values(), default=0.0)
    if top < settings.min_score:
        return {NONE: 1.0}
    total = sum(positive.values())
    return {k: v / total for k, v in positive.items()}


def learn(
    scored: Sequence[Scored],
    matches: Mapping[int, Match],
    sections: Sequence[SectionConfig],
    settings: ClassifyConfig,
    stemmer: Stemmer,
) -> Vocabulary:
    counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    df: dict[str, float] = defaultdict(float)
    totals: dict[str, float] = defaultdict(float)
    n = 0.0
    for i, item in enumerate(scored):
        if item.sentence.role is not Role.CONTENT:
            continue
        stems = _terms(stemmer, item.sentence.text)
        if not stems:
            continue
        match = matches.get(i)
        base = _votes(item.scores, 0.0, NONE, settings)
        n += 1
        for k, v in base.items():
            totals[k] += v
        by_stem: dict[str, tuple[str, float]] = {}
        if match is not None:
            for term in match.hits:
                for stem in term.stems:
                    section, weight = by_stem.get(stem, (term.section, 0.0))
                    by_stem[stem] = (term.section, weight + term.weight)
        for stem in stems:
            df[stem] += 1
            hit = by_stem.get(stem)
            votes = base if hit is None else _votes(item.scores, hit[1], hit[0], settings)
            table = counts[stem]
            for k, v in votes.items():
                table[k] += v
    # section titles, descriptions and examples: labelled sentences of their own
    for section in sections:
        for text in (section.title, section.description, *section.examples):
            stems = _terms(stemmer, text)
            if not stems:
                continue
            n += settings.learn_label_weight
            totals[section.id] += settings.learn_label_weight
            for stem in stems:
                df[stem] += settings.learn_label_weight
                counts[stem][section.id] += settings.learn_label_weight
    if n == 0:
        return Vocabulary({}, {})
    prior = {k: v / n for k, v in totals.items()}
    mu = settings.learn_prior
    weights: dict[str, dict[str, float]] = defaultdict(dict)
    for stem, table in counts.items():
        seen = df[stem]
        if seen < float(os.environ.get("MINDF", "2")):
            continue
        for k, p in prior.items():
            if p <= 0:
                continue
            share = (table.get(k, 0.0) + mu * p) / (seen + mu)
            w = math.log(share / p)
            if abs(w) >= 0.05:
                weights[k][stem] = round(w, 4)
    return Vocabulary(weights, dict(df))


def refine(
    scored: Sequence[Scored],
    classifier: Classifier,
    sections: Sequence[SectionConfig],
    settings: ClassifyConfig,
    stemmer: Stemmer,
) -> list[Scored]:
    """The keyword scores plus learned evidence; the sentence's section is chosen again."""
    matches = {
        i: classifier.match(s.sentence.text)
        for i, s in enumerate(scored)
        if s.sentence.role is Role.CONTENT and any(v > 0 for v in s.scores.values())
    }
    vocab = learn(scored, matches, sections, settings, stemmer)
    ids = [s.id for s in sections]
    scale = settings.learn_weight
    out: list[Scored] = []
    for item in scored:
        if item.sentence.role is not Role.CONTENT:
            out.append(item)
            continue
        evidence = vocab.evidence(_terms(stemmer, item.sentence.text))
        learned = {k: sum(w for _, w in evidence.get(k, ())) for k in [*ids, NONE]}
        norm = os.environ.get("NORM", "")
        nterms = max(1, len(_terms(stemmer, item.sentence.text)))
        if norm == "sqrt":
            learned = {k: v / math.sqrt(nterms) for k, v in learned.items()}
        elif norm == "mean":
            learned = {k: v / nterms for k, v in learned.items()}
        if os.environ.get("NONONE"):
            learned[NONE] = 0.0
        total = {k: item.scores.get(k, 0.0) + scale * learned[k] for k in ids}
        best = max(ids, key=lambda k: (total[k], -ids.index(k)))
        threshold = settings.min_score + scale * learned[NONE]
        section = best if total[best] >= threshold else OTHER
        shown = best if section != OTHER else NONE
        top = sorted(evidence.get(shown, ()), key=lambda t: -t[1])
        reasons = [r for r in item.reasons if not r.startswith("below min_score")]
        if section == OTHER and item.section != OTHER:
            reasons = []
        if section != item.section and section != OTHER:
            reasons = [r for r in classifier_reasons(item, section)]
        learned_reasons = [f"~{stem} {scale * w:+.2f}" for stem, w in top[:5] if w > 0]
        if learned_reasons:
            label = "learned" if section != OTHER else "learned other"
            reasons.append(f"{label}: {', '.join(learned_reasons)}")
        if section == OTHER:
            reasons.append(f"below {threshold:.2f}")
        out.append(
            replace(
                item,
                section=section,
                score=round(total[best], 4),
                scores={k: round(v, 4) for k, v in total.items()},
                reasons=tuple(reasons),
            )
        )
    return out


def classifier_reasons(item: Scored, section: str) -> list[str]:
    return []
