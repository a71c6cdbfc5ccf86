"""Dedupe stage: one item per statement, citing every source that made it.

Two sentences are the same statement when they share most of their content words
and do not disagree on numbers (a different number is a different fact), or when
they quote the same words. This is the simple, exact version: the candidate
search compares each sentence with the items found so far.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .models import Citation, Document, Item, Role, Scored, SourceInfo
from .text import Stemmer

MIN_SHARED = 4
MIN_OVERLAP = 0.6
MIN_QUOTE_WORDS = 6
_QUOTE = re.compile(r"[“\"]([^”\"]{10,})[”\"]")


@dataclass(frozen=True)
class _Shape:
    scored: Scored
    stems: frozenset[str]
    numbers: frozenset[str]
    quotes: frozenset[tuple[str, ...]]


def merge(
    scored: Sequence[Scored],
    sources: Sequence[SourceInfo],
    stemmer: Stemmer,
    documents: Sequence[Document] = (),
) -> list[Item]:
    """Group content sentences that state the same thing; the best wording speaks for all.

    ``documents`` lets each citation name the article it came from (its URL and title).
    """
    numbers = {s.id: s.number for s in sources}
    articles = {(d.source_id, d.doc_id): d for d in documents}
    weights = {s.id: s.weight for s in sources}
    shapes = [_shape(s, stemmer) for s in scored if s.sentence.role is Role.CONTENT]
    ranked = sorted(
        shapes,
        key=lambda s: (-s.scored.score * weights.get(s.scored.sentence.source_id, 1.0), _pos(s)),
    )
    groups: list[list[_Shape]] = []
    for shape in ranked:
        best, best_group = 0.0, None
        for group in groups:
            score = max(similarity(shape, member) for member in group)
            if score > best:
                best, best_group = score, group
        if best_group is None:
            groups.append([shape])
        else:
            best_group.append(shape)
    items = [_item(group, numbers, weights, articles) for group in groups]
    return sorted(items, key=lambda i: (i.section, -i.score))


def similarity(a: _Shape, b: _Shape) -> float:
    """How surely two sentences state the same thing: 0 when they do not."""
    if a.numbers and b.numbers and not (a.numbers <= b.numbers or b.numbers <= a.numbers):
        return 0.0
    shared = len(a.stems & b.stems)
    overlap = shared / max(1, min(len(a.stems), len(b.stems)))
    if a.quotes & b.quotes:
        return max(overlap, MIN_OVERLAP)
    return overlap if shared >= MIN_SHARED and overlap >= MIN_OVERLAP else 0.0


def _shape(scored: Scored, stemmer: Stemmer) -> _Shape:
    text = scored.sentence.text
    stems = stemmer.content_stems(text)
    quotes = set()
    for quote in _QUOTE.findall(text):
        words = tuple(stemmer.stems(quote))
        if len(words) >= MIN_QUOTE_WORDS:
            quotes.add(words)
    return _Shape(
        scored=scored,
        stems=frozenset(s for s in stems if not s[0].isdigit()),
        numbers=frozenset(s for s in stems if s[0].isdigit()),
        quotes=frozenset(quotes),
    )


_NO_DOCUMENT = Document("", "", "", ())


def _article(articles: dict[tuple[str, str], Document], shape: _Shape) -> Document:
    sentence = shape.scored.sentence
    return articles.get((sentence.source_id, sentence.doc_id), _NO_DOCUMENT)


def _pos(shape: _Shape) -> tuple[str, str, int]:
    s = shape.scored.sentence
    return (s.source_id, s.doc_id, s.index)


def _item(
    group: list[_Shape],
    numbers: dict[str, int],
    weights: dict[str, float],
    articles: dict[tuple[str, str], Document],
) -> Item:
    lead = group[0]  # highest score: it decides the section
    # The most informative wording: most content words, then the lead's own.
    wording = max(group, key=lambda s: (len(s.stems) + len(s.numbers), s is lead))
    citations = tuple(
        Citation(
            source_id=m.scored.sentence.source_id,
            number=numbers.get(m.scored.sentence.source_id, 0),
            doc_id=m.scored.sentence.doc_id,
            sentence_index=m.scored.sentence.index,
            text=m.scored.sentence.text,
            url=_article(articles, m).url,
            title=_article(articles, m).title,
            published=_article(articles, m).published,
        )
        for m in sorted(group, key=_pos)
    )
    weight = weights.get(lead.scored.sentence.source_id, 1.0)
    return Item(
        text=wording.scored.sentence.text,
        section=lead.scored.section,
        score=round(lead.scored.score * weight, 4),
        citations=citations,
    )
