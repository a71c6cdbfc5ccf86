"""Classify stage: give each content sentence a section and a score, with reasons.

The method is deliberately transparent: weighted, stemmed terms and phrases from
the config, a little of the section description, plus the heading a sentence
stands under and its neighbours in the paragraph. An operator reads the reasons
in ``digest explain`` and tunes the config; nothing here knows any story.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import compress

from .config import ClassifyConfig, SectionConfig
from .models import Hit, Role, Scored, Sentence
from .text import Stemmer, adjunct_spans, learnable, token_offsets

OTHER = "other"
_ZERO = 0.0


@dataclass(frozen=True)
class Match:
    scores: dict[str, float]
    hits: tuple[Hit, ...] = ()  # the keywords found, once each, in the order found
    words: tuple[str, ...] = ()  # what the learned layer reads (with settings.learn)


class Classifier:
    """Scores text against the configured sections; built once per run."""

    def __init__(
        self,
        sections: Sequence[SectionConfig],
        settings: ClassifyConfig,
        stemmer: Stemmer,
        hints: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.section_ids = [s.id for s in sections]
        self.settings = settings
        self.hints = {k: tuple(v) for k, v in (hints or {}).items() if v}
        self.stemmer = stemmer
        self._index: dict[str, list[Hit]] = defaultdict(list)
        for section in sections:
            own: set[tuple[str, ...]] = set()
            for label, weight in section.terms.items():
                stems = tuple(stemmer.stems(label))
                if stems:
                    own.add(stems)
                    self._index[stems[0]].append(Hit(section.id, label, stems, weight))
            if settings.description_weight:
                covered = {s for stems in own for s in stems}
                for stem in dict.fromkeys(stemmer.content_stems(section.description)):
                    if stem not in covered and not stem.isdigit():
                        term = Hit(section.id, f"~{stem}", (stem,), settings.description_weight)
                        self._index[stem].append(term)
        weights = (
            settings.heading_weight,
            settings.context_weight,
            *(hit.weight for hits in self._index.values() for hit in hits),
        )
        # finite weights: a section no vote reaches gains exactly 0.0 (``_score`` skips it)
        self._plain = all(math.isfinite(w) for w in weights)
        self._shared = _Shared(all(w >= 0 for w in weights))

    def match(self, text: str) -> Match:
        """Each term counts once per sentence, and a phrase hides the words inside it.

        Repetition is style, not relevance; and "critical minerals" should not also
        score as "minerals" in the same place.
        """
        words, stems = self.stemmer.analysed(text)
        read = learnable(words, stems) if self.settings.learn else ()
        spans: list[tuple[int, int, Hit]] = []
        starting = list(map(self._index.get, stems))  # the terms each word may start
        for i in compress(range(len(stems)), starting):  # only where some term starts
            for term in starting[i]:  # type: ignore[union-attr]
                n = len(term.stems)
                if tuple(stems[i : i + n]) == term.stems:
                    spans.append((i, i + n, term))
        if not spans:
            return Match(dict.fromkeys(self.section_ids, 0.0), (), read)
        factor = self.settings.adjunct_weight
        asides = adjunct_spans(text, words) if factor != 1.0 else []
        offsets = token_offsets(text) if asides else []
        spans.sort(key=lambda s: (s[0] - s[1], s[0]))  # longest first
        taken: dict[str, list[tuple[int, int]]] = defaultdict(list)
        found: dict[tuple[str, str], Hit] = {}
        for start, end, term in spans:
            inside = any(a <= start and end <= b for a, b in taken[term.section])
            if inside:
                continue
            taken[term.section].append((start, end))
            if asides and any(a <= offsets[start] < b for a, b in asides):  # an aside
                term = term._replace(weight=term.weight * factor)
            key = (term.section, term.label)
            if key not in found or found[key].weight < term.weight:
                found[key] = term
        scores: dict[str, float] = dict.fromkeys(self.section_ids, 0.0)
        for term in found.values():
            scores[term.section] += term.weight
        return Match(scores, tuple(found.values()), read)

    def classify(self, sentences: Sequence[Sentence]) -> list[Scored]:
        """Score every sentence; only content sentences get a section other than ``other``."""
        own: dict[int, Match] = {}
        for i, sentence in enumerate(sentences):
            if sentence.role in (Role.CONTENT, Role.HEADING):
                own[i] = self.match(sentence.text)
        heading_scores: dict[tuple[str, str, str], dict[str, float]] = {}
        for i, sentence in enumerate(sentences):
            if sentence.role is Role.HEADING:
                heading_scores[(sentence.source_id, sentence.doc_id, sentence.text)] = own[i].scores
        # each heading's vote made once, not once for every sentence under it
        heading_votes = {key: _vote(scores) for key, scores in heading_scores.items()}

        paragraphs: dict[tuple[str, str, int], list[int]] = defaultdict(list)
        for i, sentence in enumerate(sentences):
            if sentence.role is Role.CONTENT:
                key = (sentence.source_id, sentence.doc_id, sentence.paragraph)
                paragraphs[key].append(i)

        # each paragraph's votes added up once, so a sentence's neighbours are the sum less
        # its own vote: linear in the paragraph, however long a flattened article makes it
        votes = {i: _vote(own[i].scores) for key in paragraphs for i in paragraphs[key]}
        floor = self.settings.min_score
        quiet = {i: max(own[i].scores.values(), default=0.0) < floor for i in votes}
        context: dict[tuple[str, str, int], _Paragraph] = {}
        for key, members in paragraphs.items():
            total: dict[str, float] = defaultdict(float)
            for i in members:
                for section, v in votes[i].items():
                    total[section] += v
            context[key] = _Paragraph(len(members), dict(total), sum(quiet[i] for i in members))
        out: list[Scored] = []
        nothing = self._shared.nothing
        for i, sentence in enumerate(sentences):
            if sentence.role is not Role.CONTENT:
                out.append(Scored(sentence, OTHER, 0.0, nothing))
                continue
            key = (sentence.source_id, sentence.doc_id, sentence.paragraph)
            heading = heading_votes.get(
                (sentence.source_id, sentence.doc_id, sentence.heading or "")
            )
            out.append(
                self._score(sentence, context[key], own[i], heading or {}, votes[i], quiet[i])
            )
        return out

    def forget(self) -> None:
        """Let go of the values shared between the sentences scored so far (see ``_Shared``)."""
        self._shared = _Shared(self._shared.exact)

    def _score(
        self,
        sentence: Sentence,
        paragraph: _Paragraph,
        match: Match,
        heading: dict[str, float],
        vote: dict[str, float],
        self_quiet: bool,
    ) -> Scored:
        settings = self.settings
        ids = self.section_ids
        total = dict(match.scores)
        reasons: list[str] = []
        others = paragraph.size - 1
        if self._plain:  # the sections neither the heading nor a neighbour votes for gain 0.0
            touched = heading.keys() | paragraph.votes.keys() if others else heading.keys()
        else:
            touched = ids  # type: ignore[assignment]
        heading_weight, context_weight = settings.heading_weight, settings.context_weight
        for section in touched:
            from_heading = heading_weight * heading.get(section, 0.0)
            from_context = (
                context_weight
                * max(0.0, paragraph.votes.get(section, 0.0) - vote.get(section, 0.0))
                / others
                if others
                else 0.0
            )
            total[section] += from_heading + from_context
        hinted = self.hints.get(sentence.source_id, ())
        if not (settings.hint_weight and any(v > 0 for v in total.values())):
            hinted = ()
        for section in hinted:  # on topic somewhere: lean towards the source's own sections
            total[section] += settings.hint_weight

        quiet = (paragraph.quiet - self_quiet) / others if others else 0.0
        raise_by = round(settings.quiet_weight * quiet, 4)
        threshold = settings.min_score + raise_by
        best = max(ids, key=total.__getitem__)  # the first of equals
        score = total[best]
        section = best if score >= threshold else OTHER
        reasons.extend(hit.label for hit in match.hits if hit.section == best)
        h = round(settings.heading_weight * heading.get(best, 0.0), 4)
        if h:
            reasons.append(f"heading +{h:.2f}")
        hint = settings.hint_weight if best in hinted else 0.0
        if hint:
            reasons.append(f"source hint +{hint:.2f}")
        c = score - match.scores[best] - h - hint
        if c > 1e-9:
            reasons.append(f"context +{c:.2f}")
        if section == OTHER:
            reasons.append(f"below min_score {settings.min_score:g}")
            if raise_by:
                reasons.append(f"+{raise_by:.2f} off-topic paragraph")
        shared = self._shared
        return Scored(
            sentence=sentence,
            section=section,
            score=shared.number(round(score, 4)),
            scores=shared.scores(total),
            reasons=shared.reasons(reasons),
            threshold=shared.number(round(threshold, 4)),
            hits=match.hits,
            words=match.words,
        )


class _Shared:
    """Values many sentences hold alike (most scores are 0.0, and many sentences score
    alike), held once: a run keeps every sentence's scores until its section is final.
    Nobody changes a Scored's scores; a reader's are let go after each batch it reads.

    ``exact``: no score is ever below zero (no term has a negative weight), so equal
    scores are the same number (with a negative weight a score may round to -0.0, which
    equals 0.0 but does not print as it: then nothing is shared but the reasons)."""

    def __init__(self, exact: bool) -> None:
        self.exact = exact
        self.nothing: dict[str, float] = {}  # a sentence that is not content: never changed
        self._numbers: dict[float, float] = {}
        self._scores: dict[tuple[float, ...], dict[str, float]] = {}  # by the rounded scores
        self._totals: dict[tuple[float, ...], dict[str, float]] = {}  # by the scores as summed
        self._reasons: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._texts: dict[str, str] = {}

    def number(self, x: float) -> float:
        """``x``, or an equal number held already (never -0.0 for 0.0, or the reverse)."""
        if x > 0.0:
            return self._numbers.setdefault(x, x)
        return _ZERO if x == 0.0 and math.copysign(1.0, x) > 0.0 else x

    def scores(self, total: dict[str, float]) -> dict[str, float]:
        """``total`` rounded to 4 places (sentences that score alike share the dict)."""
        if not self.exact:
            return {k: round(v, 4) for k, v in total.items()}
        found = self._totals.get(raw := tuple(total.values()))
        if found is None:  # not these numbers before: perhaps these numbers rounded
            values = tuple([round(v, 4) for v in raw])
            found = self._scores.get(values)
            if found is None:
                numbers = self._numbers
                found = self._scores[values] = {
                    k: numbers.setdefault(v, v) for k, v in zip(total, values, strict=True)
                }
            self._totals[raw] = found
        return found

    def reasons(self, reasons: list[str]) -> tuple[str, ...]:
        found = self._reasons.get(shape := tuple(reasons))
        if found is None:
            texts = self._texts
            found = self._reasons[shape] = tuple([texts.setdefault(r, r) for r in reasons])
        return found


@dataclass(frozen=True)
class _Paragraph:
    """What a sentence's neighbours say, summed over its whole paragraph (itself included)."""

    size: int
    votes: dict[str, float]
    quiet: int  # sentences below min_score


def _vote(scores: dict[str, float]) -> dict[str, float]:
    """A heading's or neighbour's scores as a vote in [0, 1] per section.

    Context should tip a sentence, not swamp it: a keyword-dense neighbour counts
    no more than a plainly worded one.
    """
    top = max(scores.values(), default=0.0)
    if top <= 0:
        return {}
    return {k: v / top for k, v in scores.items() if v > 0}
