"""Classify stage: give each content sentence a section and a score, with reasons.

The method is deliberately transparent: weighted, stemmed terms and phrases from
the config, a little of the section description, plus the heading a sentence
stands under and its neighbours in the paragraph. An operator reads the reasons
in ``digest explain`` and tunes the config; nothing here knows any story.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .config import ClassifyConfig, SectionConfig
from .models import Hit, Role, Scored, Sentence
from .text import Stemmer, adjunct_spans, learnable, token_offsets, tokens

OTHER = "other"


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

    def match(self, text: str) -> Match:
        """Each term counts once per sentence, and a phrase hides the words inside it.

        Repetition is style, not relevance; and "critical minerals" should not also
        score as "minerals" in the same place.
        """
        words = tokens(text)
        to_stem = self.stemmer.stem
        stems = [to_stem(w) for w in words]
        read = learnable(words, stems) if self.settings.learn else ()
        spans: list[tuple[int, int, Hit]] = []
        for i, stem in enumerate(stems):
            for term in self._index.get(stem, ()):
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

        paragraphs: dict[tuple[str, str, int], list[int]] = defaultdict(list)
        for i, sentence in enumerate(sentences):
            if sentence.role is Role.CONTENT:
                key = (sentence.source_id, sentence.doc_id, sentence.paragraph)
                paragraphs[key].append(i)

        # each paragraph's votes added up once, so a sentence's neighbours are the sum less
        # its own vote: linear in the paragraph, however long a flattened article makes it
        votes = {i: _vote(own[i].scores) for key in paragraphs for i in paragraphs[key]}
        floor = self.settings.min_score
        context: dict[tuple[str, str, int], _Paragraph] = {}
        for key, members in paragraphs.items():
            total: dict[str, float] = defaultdict(float)
            for i in members:
                for section, v in votes[i].items():
                    total[section] += v
            quiet = sum(1 for i in members if max(own[i].scores.values(), default=0) < floor)
            context[key] = _Paragraph(len(members), dict(total), quiet)
        out: list[Scored] = []
        for i, sentence in enumerate(sentences):
            if sentence.role is not Role.CONTENT:
                out.append(Scored(sentence, OTHER, 0.0))
                continue
            key = (sentence.source_id, sentence.doc_id, sentence.paragraph)
            out.append(self._score(i, sentence, context[key], own, heading_scores, votes[i]))
        return out

    def _score(
        self,
        i: int,
        sentence: Sentence,
        paragraph: _Paragraph,
        own: dict[int, Match],
        heading_scores: dict[tuple[str, str, str], dict[str, float]],
        vote: dict[str, float],
    ) -> Scored:
        settings = self.settings
        match = own[i]
        total = dict(match.scores)
        reasons: list[str] = []
        key = (sentence.source_id, sentence.doc_id, sentence.heading or "")
        heading = _vote(heading_scores.get(key, {}))
        others = paragraph.size - 1
        for section in self.section_ids:
            from_heading = settings.heading_weight * heading.get(section, 0.0)
            from_context = (
                settings.context_weight
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

        self_quiet = max(match.scores.values(), default=0.0) < settings.min_score
        quiet = (paragraph.quiet - self_quiet) / others if others else 0.0
        raise_by = round(settings.quiet_weight * quiet, 4)
        threshold = settings.min_score + raise_by
        best = max(self.section_ids, key=lambda s: (total[s], -self.section_ids.index(s)))
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
        return Scored(
            sentence=sentence,
            section=section,
            score=round(score, 4),
            scores={k: round(v, 4) for k, v in total.items()},
            reasons=tuple(reasons),
            threshold=round(threshold, 4),
            hits=match.hits,
            words=match.words,
        )


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
