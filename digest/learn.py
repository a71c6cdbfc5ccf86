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
  bar a sentence must clear to leave ``other``: the calibrated ``other``.
- Besides content words, a few function words that carry mood rather than topic
  ("if", "would", "could", "not") are learned, since risk is written in them.

The result stays explainable: ``digest explain`` lists the learned terms that decided a
sentence, with their weights in keyword points, beside the keywords.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from .classify import OTHER, Classifier, Match
from .config import ClassifyConfig, SectionConfig
from .models import Role, Scored
from .text import Stemmer, tokens

NONE = ""  # the vote of a sentence that fits no section
MIN_SUPPORT = 2  # sentences a word must appear in before it is learned
MIN_WEIGHT = 0.05  # weights below this are noise and are not kept

# Function words that carry mood rather than topic; content stems leave them out.
_MOOD = frozenset("if would could might may unless not no never".split())


@dataclass(frozen=True)
class Vocabulary:
    """What was learned: section (or NONE) → stem → weight in [0, 1]."""

    weights: Mapping[str, Mapping[str, float]]
    support: Mapping[str, float]  # stem → how many sentences it was learned from
    prior: Mapping[str, float]  # section (or NONE) → its share of the votes

    def evidence(self, stems: Sequence[str]) -> dict[str, list[tuple[str, float]]]:
        """Per section, the learned terms found among ``stems`` with their weights."""
        out: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for section, table in self.weights.items():
            for stem in stems:
                weight = table.get(stem)
                if weight:
                    out[section].append((stem, weight))
        return out

    def top_terms(self, section: str, n: int = 20) -> list[tuple[str, float]]:
        table = self.weights.get(section, {})
        return sorted(table.items(), key=lambda t: (-t[1], t[0]))[:n]


def terms(stemmer: Stemmer, text: str) -> list[str]:
    """The words of ``text`` the layer learns from: content stems and mood words."""
    found = [t for t in stemmer.content_stems(text) if len(t) > 2 and t.isalpha()]
    found += [t for t in tokens(text) if t in _MOOD]
    return list(dict.fromkeys(found))


def _votes(scores: Mapping[str, float], threshold: float) -> dict[str, float]:
    positive = {k: v for k, v in scores.items() if v > 0}
    if max(positive.values(), default=0.0) < threshold:
        return {NONE: 1.0}
    total = sum(positive.values())
    return {k: v / total for k, v in positive.items()}


def learn(
    scored: Sequence[Scored],
    matches: Mapping[int, Match],
    sections: Sequence[SectionConfig],
    settings: ClassifyConfig,
    stemmer: Stemmer,
    examples: Sequence[tuple[str, str]] = (),
) -> Vocabulary:
    """Learn the vocabulary from the keyword scores of ``scored``.

    ``matches``: each content sentence's own keyword hits, by index (so they can be
    left out); ``examples``: further (section, sentence) pairs, e.g. earlier briefings'.
    """
    counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    support: dict[str, float] = defaultdict(float)
    totals: dict[str, float] = defaultdict(float)
    n = 0.0

    def add(stems: Sequence[str], votes: Mapping[str, float], weight: float = 1.0) -> None:
        nonlocal n
        n += weight
        for k, v in votes.items():
            totals[k] += v * weight
        for stem in stems:
            support[stem] += weight
            table = counts[stem]
            for k, v in votes.items():
                table[k] += v * weight

    for i, item in enumerate(scored):
        if item.sentence.role is not Role.CONTENT:
            continue
        stems = terms(stemmer, item.sentence.text)
        if not stems:
            continue
        match = matches.get(i)
        if match is None or not match.hits:
            add(stems, _votes(item.scores, settings.min_score))
            continue
        own: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for hit in match.hits:  # a keyword's points, under each of its stems
            for stem in hit.stems:
                own[stem][hit.section] += hit.weight
        plain = [s for s in stems if s not in own]
        add(plain, _votes(item.scores, settings.min_score))
        for stem in stems:
            if stem in own:  # this word's sentence, as the rest of it votes
                left = {k: v - own[stem].get(k, 0.0) for k, v in item.scores.items()}
                votes = _votes(left, settings.min_score)
                n -= 1  # the sentence was counted once already
                add([stem], votes)
                for k, v in votes.items():
                    totals[k] -= v  # … and so were its votes
    known = {s.id for s in sections}
    labelled = [
        (s.id, text) for s in sections for text in (s.title, s.description, *s.examples) if text
    ]
    labelled += [(section, text) for section, text in examples if section in known]
    for section, text in labelled:
        add(terms(stemmer, text), {section: 1.0}, settings.learn_label_weight)

    prior = {k: v / n for k, v in totals.items() if v > 0} if n else {}
    mu = settings.learn_prior
    weights: dict[str, dict[str, float]] = defaultdict(dict)
    for stem, table in counts.items():
        seen = support[stem]
        if seen < MIN_SUPPORT:
            continue
        for k, p in prior.items():
            if p >= 1:
                continue
            share = (table.get(k, 0.0) + mu * p) / (seen + mu)
            weight = (share - p) / (1 - p)
            if weight >= MIN_WEIGHT:
                weights[k][stem] = round(weight, 4)
    return Vocabulary(weights, dict(support), prior)


def refine(
    scored: Sequence[Scored],
    classifier: Classifier,
    sections: Sequence[SectionConfig],
    settings: ClassifyConfig,
    stemmer: Stemmer,
    examples: Sequence[tuple[str, str]] = (),
) -> list[Scored]:
    """The keyword scores plus the learned evidence; each sentence's section is chosen
    again, and its reasons say which learned terms weighed in."""
    matches = {
        i: classifier.match(s.sentence.text)
        for i, s in enumerate(scored)
        if s.sentence.role is Role.CONTENT and any(v > 0 for v in s.scores.values())
    }
    vocab = learn(scored, matches, sections, settings, stemmer, examples)
    ids = [s.id for s in sections]
    scale = settings.learn_weight
    out: list[Scored] = []
    for i, item in enumerate(scored):
        if item.sentence.role is not Role.CONTENT:
            out.append(item)
            continue
        evidence = vocab.evidence(terms(stemmer, item.sentence.text))
        learned = {k: scale * sum(w for _, w in evidence.get(k, ())) for k in [*ids, NONE]}
        total = {k: item.scores.get(k, 0.0) + learned[k] for k in ids}
        best = max(ids, key=lambda k: (total[k], -ids.index(k)))
        base = item.threshold or settings.min_score
        threshold = base + learned[NONE]
        section = best if total[best] >= threshold else OTHER
        shown = sorted(evidence.get(best if section != OTHER else NONE, ()), key=lambda t: -t[1])
        top = tuple((stem, round(scale * w, 4)) for stem, w in shown[:8])
        reasons = _reasons(item, matches.get(i), section, best, top, base, threshold)
        out.append(
            replace(
                item,
                section=section,
                score=round(total[best], 4),
                scores={k: round(v, 4) for k, v in total.items()},
                reasons=reasons,
                threshold=round(threshold, 4),
                learned=top,
            )
        )
    return out


def _reasons(
    item: Scored,
    match: Match | None,
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
        reasons = list(match.terms.get(best, ())) if match else []
        if item.section != OTHER:
            reasons.append(f"keywords alone: {item.section} {item.score:.2f}")
    if top:
        label = "learned" if section != OTHER else "learned other"
        reasons.append(f"{label}: " + ", ".join(f"~{stem} {w:+.2f}" for stem, w in top[:5]))
    if section == OTHER:
        extra = [r for r in item.reasons if r.startswith("+")]
        reasons.append(f"below {threshold:.2f}")
        reasons.extend(extra)
        if threshold - base > 1e-9:
            reasons.append(f"+{threshold - base:.2f} learned other")
    return tuple(reasons)


def _keyword_best(item: Scored) -> str:
    return max(item.scores, key=lambda k: item.scores[k]) if item.scores else OTHER
