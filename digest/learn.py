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
# The learned other raises the bar by at most this share of min_score. Its weight grows
# with how many sentences fit no section, which a sparse config makes most of them; left
# unbounded it would undo what the keywords place (measured: issue 12's closing note).
OTHER_CAP = 0.25
MIN_WEIGHT = 0.05  # weights below this are noise and count for nothing

# Function words that carry mood rather than topic; content stems leave them out.
MOOD = frozenset("if would could might may unless not no never".split())


@dataclass(frozen=True)
class Vocabulary:
    """What was learned: per word, the votes of the sentences it was seen in.

    Weights are computed on demand so that a sentence can be scored *without its own
    votes* (leave-one-out): a sentence must not vouch for itself, or every word of a
    sentence that fits nowhere would learn "none" from that very sentence.
    """

    counts: Mapping[str, Mapping[str, float]]  # stem → section (or NONE) → votes
    support: Mapping[str, float]  # stem → sentences it was seen in (labels weighted)
    prior: Mapping[str, float]  # section (or NONE) → its share of all votes
    mu: float  # shrinkage, in sentences

    def weight(self, stem: str, section: str, own: Mapping[str, float] | None = None) -> float:
        """How strongly ``stem`` goes with ``section``, in [0, 1]; ``own``: the votes of
        the sentence being scored, left out."""
        p = self.prior.get(section, 0.0)
        seen = self.support.get(stem, 0.0) - (1.0 if own is not None else 0.0)
        if seen < MIN_SUPPORT or not 0 < p < 1:
            return 0.0
        votes = self.counts[stem].get(section, 0.0) - (own or {}).get(section, 0.0)
        share = (max(0.0, votes) + self.mu * p) / (seen + self.mu)
        weight = (share - p) / (1 - p)
        return round(weight, 4) if weight >= MIN_WEIGHT else 0.0

    def evidence(
        self, votes: Mapping[str, Mapping[str, float]] | Sequence[str], *, own: bool = True
    ) -> dict[str, list[tuple[str, float]]]:
        """Per section (and NONE), the learned terms among a sentence's words with their
        weights. ``votes``: each word of the sentence with the votes it was learned with
        (left out when ``own``), or plain words of a text the layer did not learn from."""
        pairs = votes.items() if isinstance(votes, Mapping) else ((v, None) for v in votes)
        out: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for stem, cast in pairs:
            if stem not in self.counts:
                continue
            for section in self.prior:
                w = self.weight(stem, section, cast if own else None)
                if w:
                    out[section].append((stem, w))
        return out

    def top_terms(self, section: str, n: int = 20) -> list[tuple[str, float]]:
        found = [(stem, self.weight(stem, section)) for stem in self.counts]
        found = [t for t in found if t[1] > 0]
        return sorted(found, key=lambda t: (-t[1], t[0]))[:n]


def terms(stemmer: Stemmer, text: str) -> list[str]:
    """The words of ``text`` the layer learns from: content stems and mood words."""
    found = [t for t in stemmer.content_stems(text) if len(t) > 2 and t.isalpha()]
    found += [t for t in tokens(text) if t in MOOD]
    return list(dict.fromkeys(found))


def _votes(scores: Mapping[str, float], threshold: float) -> dict[str, float]:
    positive = {k: v for k, v in scores.items() if v > 0}
    if max(positive.values(), default=0.0) < threshold:
        return {NONE: 1.0}
    total = sum(positive.values())
    return {k: v / total for k, v in positive.items()}


def sentence_votes(
    item: Scored, match: Match | None, stems: Sequence[str], settings: ClassifyConfig
) -> dict[str, dict[str, float]]:
    """Each word of a sentence with the vote it learns: the sentence's, except for the
    words of its keywords, which get the vote of the rest of the sentence."""
    base = _votes(item.scores, settings.min_score)
    own: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    if match is not None:
        for hit in match.hits:  # a keyword's points, under each of its stems
            for stem in hit.stems:
                own[stem][hit.section] += hit.weight
    out: dict[str, dict[str, float]] = {}
    for stem in stems:
        if stem in own:
            left = {k: v - own[stem].get(k, 0.0) for k, v in item.scores.items()}
            out[stem] = _votes(left, settings.min_score)
        else:
            out[stem] = base
    return out


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

    def add(
        votes: Mapping[str, Mapping[str, float]], sentence: Mapping[str, float], w: float
    ) -> None:
        nonlocal n
        n += w
        for k, v in sentence.items():
            totals[k] += v * w
        for stem, cast in votes.items():
            support[stem] += w
            table = counts[stem]
            for k, v in cast.items():
                table[k] += v * w

    for i, item in enumerate(scored):
        if item.sentence.role is not Role.CONTENT:
            continue
        stems = terms(stemmer, item.sentence.text)
        if stems:
            votes = sentence_votes(item, matches.get(i), stems, settings)
            add(votes, _votes(item.scores, settings.min_score), 1.0)
    known = {s.id for s in sections}
    labelled = [
        (s.id, text) for s in sections for text in (s.title, s.description, *s.examples) if text
    ]
    labelled += [(section, text) for section, text in examples if section in known]
    for section, text in labelled:
        vote = {section: 1.0}
        add(dict.fromkeys(terms(stemmer, text), vote), vote, settings.learn_label_weight)
    prior = {k: v / n for k, v in totals.items() if v > 0} if n else {}
    frozen = {stem: dict(table) for stem, table in counts.items()}
    return Vocabulary(frozen, dict(support), prior, settings.learn_prior)


def fit(
    scored: Sequence[Scored],
    classifier: Classifier,
    sections: Sequence[SectionConfig],
    settings: ClassifyConfig,
    stemmer: Stemmer,
    examples: Sequence[tuple[str, str]] = (),
) -> tuple[Vocabulary, dict[int, Match]]:
    """The vocabulary learned from the keyword layer's ``scored``, and each content
    sentence's keyword hits (by index) that it was learned with."""
    matches = {
        i: classifier.match(s.sentence.text)
        for i, s in enumerate(scored)
        if s.sentence.role is Role.CONTENT and any(v > 0 for v in s.scores.values())
    }
    return learn(scored, matches, sections, settings, stemmer, examples), matches


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
    vocab, matches = fit(scored, classifier, sections, settings, stemmer, examples)
    ids = [s.id for s in sections]
    scale = settings.learn_weight
    out: list[Scored] = []
    for i, item in enumerate(scored):
        if item.sentence.role is not Role.CONTENT:
            out.append(item)
            continue
        stems = terms(stemmer, item.sentence.text)
        evidence = vocab.evidence(sentence_votes(item, matches.get(i), stems, settings))
        learned = {k: scale * sum(w for _, w in evidence.get(k, ())) for k in [*ids, NONE]}
        total = {k: item.scores.get(k, 0.0) + learned[k] for k in ids}
        best = max(ids, key=lambda k: (total[k], -ids.index(k)))
        base = item.threshold or settings.min_score
        threshold = base + min(OTHER_CAP * settings.min_score, learned[NONE])
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
