"""``digest suggest``: what the day's articles say about the config's keywords.

For each section, the words the learned layer found with that section's sentences but
that no keyword covers (each with a weight to start from and how many sentences adding
it would move), and the keywords whose sentences, on the rest of their evidence, go to
another section (and how many would move without them). An operator tunes a new config
in minutes from this, then checks it with ``digest explain``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date as Date

from . import learn
from .build import analyze
from .classify import OTHER, Classifier
from .config import LoadedConfig
from .models import Role, Scored
from .text import MOOD, Stemmer

_WORD = re.compile(r"\w+")
MIN_LEARNED = 0.25  # below this a word is too loosely tied to the section to suggest
MIN_SENTENCES = 3  # a word must appear in at least this many sentences


@dataclass(frozen=True)
class Suggestion:
    """One term to add to a section, or one keyword of it that misleads."""

    section: str
    term: str  # as the articles most often write it
    weight: float  # keyword weight to add it with; for a misleading keyword, its weight
    learned: float  # how strongly its sentences go with ``leans`` (0–1)
    sentences: int  # content sentences that contain it
    moves: int  # sentences whose section would change with the edit
    moved_from: Mapping[str, int] = field(default_factory=dict)  # … and where they were
    leans: str = ""  # the section its sentences go to (itself for an addition)


@dataclass(frozen=True)
class Suggestions:
    add: Mapping[str, tuple[Suggestion, ...]]
    mislead: Mapping[str, tuple[Suggestion, ...]]
    sentences: int  # content sentences read


def suggest(loaded: LoadedConfig, *, on: Date | None = None, limit: int = 8) -> Suggestions:
    """Read the sources as a build would, and propose keyword edits per section."""
    config = loaded.config
    stemmer = Stemmer()
    analysis = analyze(loaded, on=on, stemmer=stemmer)
    final = list(analysis.scored)
    hints = {s.id: s.sections for s in analysis.sources}
    settings = config.classify.model_copy(update={"learn": True})  # keep the hits
    classifier = Classifier(config.sections, settings, stemmer, hints)
    keyword_only = classifier.classify([s.sentence for s in final])
    vocab = learn.learn(keyword_only, config.sections, settings, stemmer)

    content = [i for i, s in enumerate(final) if s.sentence.role is Role.CONTENT]
    having: dict[str, list[int]] = defaultdict(list)  # stem → sentences containing it
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for i in content:
        text = final[i].sentence.text
        for stem in learn.terms(stemmer, text):
            having[stem].append(i)
        for token in _WORD.findall(text):
            forms[stemmer.stem(token.lower())][token] += 1

    ids = [s.id for s in config.sections]
    add: dict[str, tuple[Suggestion, ...]] = {}
    mislead: dict[str, tuple[Suggestion, ...]] = {}
    for section in config.sections:
        covered = {stem for label in section.terms for stem in stemmer.stems(label)}
        found = []
        for stem, strength in vocab.top_terms(section.id, n=200):
            if strength < MIN_LEARNED or stem in covered or not stem.isalpha():
                continue
            rows = having.get(stem, [])
            if len(rows) < MIN_SENTENCES or stem in MOOD:
                continue
            weight = min(3.0, max(1.0, round((1 + 2 * strength) * 2) / 2))
            moved = _moves(final, rows, ids, {section.id: weight})
            found.append(
                Suggestion(
                    section.id,
                    forms[stem].most_common(1)[0][0] if forms[stem] else stem,
                    weight,
                    strength,
                    len(rows),
                    sum(moved.values()),
                    moved,
                    section.id,
                )
            )
        found.sort(key=lambda s: (-s.moves, -s.learned, s.term))
        add[section.id] = tuple(found[:limit])

        bad = []
        for label, weight in section.terms.items():
            stems = tuple(stemmer.stems(label))
            rows = [
                i
                for i in content
                if any(h.section == section.id and h.label == label for h in keyword_only[i].hits)
            ]
            if len(rows) < 2 or not stems:
                continue
            lean = {
                k: sum(vocab.weight(st, k) for st in stems) / len(stems) for k in [*ids, learn.NONE]
            }
            other = max((k for k in lean if k != section.id), key=lambda k: lean[k])
            if lean[other] < MIN_LEARNED or lean[other] <= lean[section.id]:
                continue
            moved = _moves(final, rows, ids, {section.id: -weight})
            bad.append(
                Suggestion(
                    section.id,
                    label,
                    weight,
                    round(lean[other], 4),
                    len(rows),
                    sum(moved.values()),
                    moved,
                    other or OTHER,
                )
            )
        bad.sort(key=lambda s: (-s.learned, -s.moves, s.term))
        mislead[section.id] = tuple(bad)
    return Suggestions(add, mislead, len(content))


def _moves(
    final: Sequence[Scored], rows: Sequence[int], ids: Sequence[str], change: Mapping[str, float]
) -> dict[str, int]:
    """How many of ``rows`` would change section with ``change`` added to their scores,
    counted by the section they would leave."""
    moved: Counter[str] = Counter()
    for i in rows:
        item = final[i]
        total = {k: item.scores.get(k, 0.0) + change.get(k, 0.0) for k in ids}
        best = max(ids, key=lambda k: (total[k], -ids.index(k)))
        section = best if total[best] >= (item.threshold or 0.0) else OTHER
        if section != item.section:
            moved[item.section] += 1
    return dict(moved)
