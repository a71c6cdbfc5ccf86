"""Dedupe stage: one item per statement, citing every source that made it.

Two sentences state the same thing when their rare words (names above all) and
their quantities agree: "Bessent, Lutnick and Greer will lead the American
delegation" and "… would represent the US side" share the three names; "a
90-minute phone conversation" and "a call that lasted one and a half hours" share
a duration once both are in minutes. A different number means a different fact.

Candidates come from an inverted index on each sentence's *anchors* (its rarest
stems, its quantities, its quotations), skipping anchors too common to tell
sentences apart; a candidate must share two rare stems, or a quantity or a
quotation. So the cost grows with the number of sentences, not with its square,
and only candidates get the precise comparison.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any

from .figures import Parser, parse_quantities
from .models import Citation, Document, Item, Role, Scored, SourceInfo
from .text import STOPWORDS, Stemmer, leans_on_context

SAME_SOURCE = 0.8  # one source repeating itself must be near-verbatim to merge
OTHER_SOURCE = 0.5  # across sources a paraphrase is enough
QUANTITY_BONUS = 0.3  # a shared quantity (not a year) is strong evidence of one fact
MIN_SHARED = 3  # shared content words needed, unless a quantity or quotation is shared
MIN_QUOTE_WORDS = 6
MAX_POSTINGS = 64  # an anchor in more sentences than this is too common to block on
NAME_WEIGHT = 1.5
_QUOTE = re.compile(r"[“\"]([^”\"]{10,})[”\"]")
# a capitalized word not opening a sentence; the capital is matched first, the look back
# made from it (the matcher skips ahead to capitals: four times as fast as looking first)
_NAME = re.compile(r"([A-Z](?<=(?<![.!?]\s)(?<!^)\b[A-Z])[a-z]+(?:-[A-Z][a-z]+)?)\b")
_UNCOMPARED = frozenset({"year", "date"})  # "in 2024" in two sentences proves nothing


@dataclass(frozen=True, slots=True)
class _Shape:
    scored: Scored
    # A tuple, not the set compared: every shape lives through the merge (98,000 at
    # 10,000 articles), and a set of ten words takes five times a tuple's memory (80 MB
    # against 14). The set is made again only for a pair compared, from the same words in
    # the same order, so that it is the same set, iterated (and its weights summed) alike.
    stems: tuple[str, ...]
    names: frozenset[str]
    quantities: frozenset[tuple[str, float]]
    quotes: frozenset[tuple[str, ...]]
    source: str  # the sentence's: read for every pair compared


def merge(
    scored: Sequence[Scored],
    sources: Sequence[SourceInfo],
    stemmer: Stemmer,
    documents: Sequence[Document] = (),
    quantities: Parser = parse_quantities,
) -> list[Item]:
    """Group content sentences that state the same thing; the best wording speaks for all.

    ``documents`` lets each citation name the article it came from (URL, title, date);
    ``quantities`` is ``parse_quantities``, or the run's memo of it.
    """
    numbers = {s.id: s.number for s in sources}
    weights = {s.id: s.weight for s in sources}
    articles = {(d.source_id, d.doc_id): d for d in documents}
    shapes = [_shape(s, stemmer, quantities) for s in scored if s.sentence.role is Role.CONTENT]
    idf = _idf(shapes)
    ranked = sorted(
        range(len(shapes)),
        key=lambda k: (
            -shapes[k].scored.score * weights.get(shapes[k].source, 1.0),
            _pos(shapes[k]),
        ),
    )
    rarest = {s: n for n, s in enumerate(sorted(idf, key=lambda s: (-idf[s], s)))}
    # each anchor as a number (its place in ``number``): hashed, counted and looked up at once
    number: dict[_Anchor, int] = {}
    found = [[number.setdefault(a, len(number)) for a in _anchors(s, rarest)] for s in shapes]
    frequency = Counter(chain.from_iterable(found))
    usable = bytes(frequency[n] <= MAX_POSTINGS for n in range(len(number)))
    strong = bytes(type(a) is tuple for a in number)  # a quantity or quotation
    del number, frequency
    totals = [_weight(frozenset(shape.stems), shape.names, idf) for shape in shapes]
    postings: list[list[int]] = [[] for _ in range(len(usable))]
    group_of = [0] * len(shapes)
    groups: list[list[int]] = []
    for k in ranked:
        shape = shapes[k]
        anchors = [a for a in found[k] if usable[a]]
        found[k] = []  # read once: free it
        pool: list[int] = []  # the sentences met so far under each anchor
        for anchor in anchors:
            holders = postings[anchor]
            if holders:
                pool += holders
                if strong[anchor]:  # a quantity or quotation alone is enough: counts twice
                    pool += holders
        best, best_group = 0.0, None
        for j in sorted([j for j, n in Counter(pool).items() if n >= 2]):
            score = similarity(shape, shapes[j], idf, (totals[k], totals[j]))
            if score > best:
                best, best_group = score, group_of[j]
        if best_group is None:
            best_group = len(groups)
            groups.append([])
        groups[best_group].append(k)
        group_of[k] = best_group
        for anchor in anchors:
            postings[anchor].append(k)
    del postings, found, group_of
    items = []
    for group in groups:  # each shape let go once its item is made: they weigh more
        items.append(_item([shapes[k] for k in group], numbers, weights, articles))
        for k in group:
            shapes[k] = None  # type: ignore[call-overload]
    return sorted(items, key=lambda i: (i.section, -i.score))


def similarity(
    a: _Shape,
    b: _Shape,
    idf: dict[str, float],
    totals: tuple[float, float] | None = None,
) -> float:
    """How surely two sentences state the same thing; 0 below the merge threshold.

    ``totals`` are the two sentences' own weights, when the caller has them already.
    """
    if _conflict(a.quantities, b.quantities):
        return 0.0
    a_stems, b_stems = frozenset(a.stems), frozenset(b.stems)
    shared = a_stems & b_stems
    if totals is None:
        totals = (_weight(a_stems, a.names, idf), _weight(b_stems, b.names, idf))
    smaller = min(totals)
    overlap = _weight(shared, a.names | b.names, idf) / smaller if smaller else 0.0
    common = {q for q in a.quantities & b.quantities if q[0] not in _UNCOMPARED}
    if common:
        overlap += QUANTITY_BONUS
    quoted = bool(a.quotes & b.quotes)
    if quoted:
        overlap = max(overlap, OTHER_SOURCE)
    if len(shared) < MIN_SHARED and not common and not quoted:
        return 0.0
    threshold = SAME_SOURCE if a.source == b.source else OTHER_SOURCE
    return overlap if overlap >= threshold else 0.0


def _weight(stems: frozenset[str], names: frozenset[str], idf: dict[str, float]) -> float:
    """Rare words weigh more, and names more still."""
    if not names:  # the same sum, in the same order, without a test per word
        return sum(map(idf.get, stems, repeat(1.0)))
    return sum(idf.get(s, 1.0) * (NAME_WEIGHT if s in names else 1.0) for s in stems)


def _conflict(a: frozenset[tuple[str, float]], b: frozenset[tuple[str, float]]) -> bool:
    """Both state a quantity of some unit, and no value of that unit agrees."""
    if not a or not b:  # most sentences state none
        return False
    for unit in {u for u, _ in a} & {u for u, _ in b}:
        if not {v for u, v in a if u == unit} & {v for u, v in b if u == unit}:
            return True
    return False


_Anchor = str | tuple[str, str]


def _anchors(shape: _Shape, rarest: dict[str, int]) -> list[_Anchor]:
    """What a sentence can be found by: its rarer words (the stems themselves, the strings
    the stemmer already holds), quantities and quotations (tagged tuples, the strong ones).
    ``rarest``: each stem's place among all, rarest first (then in alphabetical order)."""
    out: list[_Anchor] = []
    out += sorted(shape.stems, key=rarest.__getitem__)[:8]
    if shape.quantities:
        out += [("q", f"{u}:{v:g}") for u, v in sorted(shape.quantities) if u not in _UNCOMPARED]
    if shape.quotes:
        out += [("quote", " ".join(q)) for q in sorted(shape.quotes)]
    return out


def _idf(shapes: Sequence[_Shape]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for shape in shapes:
        df.update(shape.stems)
    n = len(shapes)
    return {stem: math.log((n + 1) / (count + 1)) + 1.0 for stem, count in df.items()}


def _shape(scored: Scored, stemmer: Stemmer, parse: Parser = parse_quantities) -> _Shape:
    text = scored.sentence.text
    stems = stemmer.content(text)
    quotes = set()
    if '"' in text or "“" in text:
        for quote in _QUOTE.findall(text):
            words = tuple(stemmer.stems(quote))
            if len(words) >= MIN_QUOTE_WORDS:
                quotes.add(words)
    names = {stemmer.stem(n.lower()) for n in _NAME.findall(text)}
    quantities = {(q.unit, round(q.value, 6)) for q, _, _ in parse(text)}
    return _Shape(
        scored=scored,
        stems=tuple([s for s in frozenset(stems) - STOPWORDS if not s[0].isdigit()]),
        names=_frozen(names.intersection(stems)),
        quantities=_frozen(quantities),
        quotes=_frozen(quotes),
        source=scored.sentence.source_id,
    )


_EMPTY: frozenset[Any] = frozenset()


def _frozen(found: set[Any]) -> frozenset[Any]:
    """Most sentences have no name, quantity or quotation: one empty set for all of them."""
    return frozenset(found) if found else _EMPTY


def _item(
    group: list[_Shape],
    numbers: dict[str, int],
    weights: dict[str, float],
    articles: dict[tuple[str, str], Document],
) -> Item:
    """One item for a group. Its wording is one source's sentence: the one that stands on
    its own (no opening pronoun or connective), then the most informative (content words
    and quantities), then the lead's. A source whose own sentence lacks a quotation the
    wording has is cited with its sentence shown beside the wording, so no source is
    credited with words it never printed; who said it, where the sentences disagree, is
    flagged as figures that differ are."""
    lead = group[0]  # highest score: it decides the section
    weight = weights.get(lead.source, 1.0)
    if len(group) == 1:  # most items: one sentence, nothing to choose or compare
        return Item(
            text=lead.scored.sentence.text,
            section=lead.scored.section,
            score=round(lead.scored.score * weight, 4),
            citations=(_citation(lead, numbers, articles),),
        )
    taught = next((m for m in group if m.scored.taught), None)
    if taught is not None:  # a correction places the statement, in every wording of it
        lead = taught
    wording = max(
        group,
        key=lambda s: (
            not leans_on_context(s.scored.sentence.text),
            len(s.stems) + 2 * len(s.quantities),
            s is lead,
        ),
    )
    citations = {id(m): _citation(m, numbers, articles) for m in group}
    quoted = _quoted(wording.scored.sentence.text)
    beside = tuple(
        citations[id(m)]
        for m in sorted(group, key=_pos)
        if m is not wording and not quoted <= _quoted(m.scored.sentence.text)
    )
    return Item(
        text=wording.scored.sentence.text,
        section=lead.scored.section,
        score=round(lead.scored.score * weight, 4),
        citations=tuple(citations[id(m)] for m in sorted(group, key=_pos)),
        beside=beside,
        differs=_attribution(wording, group, citations),
    )


def _citation(
    m: _Shape, numbers: dict[str, int], articles: dict[tuple[str, str], Document]
) -> Citation:
    article = _article(articles, m)
    return Citation(
        source_id=m.source,
        number=numbers.get(m.source, 0),
        doc_id=m.scored.sentence.doc_id,
        sentence_index=m.scored.sentence.index,
        text=m.scored.sentence.text,
        url=article.url,
        title=article.title,
        published=article.published,
    )


_QUOTED = re.compile(r"[“\"]([^”\"]+)[”\"]")


def _quoted(text: str) -> frozenset[str]:
    """The quotations a sentence prints, compared as lower-case words (a quotation that
    two sources print with other capitals or punctuation is still the same words)."""
    return frozenset(
        " ".join(re.findall(r"\w+", q.lower()))
        for q in _QUOTED.findall(text.replace("’", "'"))
        if len(q.split()) >= 2 or len(q) >= 8
    )


# Who said or did it: a name (or two joined by "and") right before a verb of saying or
# agreeing, or right after a closing quotation ("…," Trump wrote).
_SPEAKER = (
    r"((?:[A-Z][\w’'-]+\s){0,2}[A-Z][\w’'-]+(?:\s+and\s+(?:[A-Z][\w’'-]+\s){0,2}[A-Z][\w’'-]+)?)"
)
_VERBS = (
    r"(said|says|wrote|writes|agreed|agree|announced|told|added|stated|declared|posted|"
    r"tweeted|insisted|warned|noted|described|called|confirmed)"
)
_ATTRIBUTION = re.compile(
    rf"{_SPEAKER}\s+(?:\w+ly\s+)?{_VERBS}\b|[”\"],?\s+{_SPEAKER}\s+{_VERBS}\b"
)


def _attribution(
    wording: _Shape, group: list[_Shape], citations: dict[int, Citation]
) -> str | None:
    """Where the sources credit a shared quotation to different people ("Trump and Xi
    agreed" / "Trump wrote"), say so: the reader must know whose words they are."""
    quoted = _quoted(wording.scored.sentence.text)
    if not quoted:
        return None
    said: dict[int, tuple[frozenset[str], str]] = {}
    for m in sorted(group, key=_pos):
        if not quoted & _quoted(m.scored.sentence.text):
            continue
        found = _speakers(m.scored.sentence.text)
        if found is not None:
            said.setdefault(citations[id(m)].number, found)
    if len({who for who, _ in said.values()}) < 2:
        return None
    parts = "; ".join(f"[{n}] {words}" for n, (_, words) in sorted(said.items()))
    return f"attribution differs: {parts}"


def _speakers(text: str) -> tuple[frozenset[str], str] | None:
    """The people a sentence says spoke or agreed (their last names), and its words for it."""
    match = _ATTRIBUTION.search(text)
    if match is None:
        return None
    who = match.group(1) or match.group(3)
    verb = match.group(2) or match.group(4)
    names = {part.split()[-1] for part in re.split(r"\s+and\s+", who)}
    return frozenset(names), f"{who} {verb}"


_NO_DOCUMENT = Document("", "", "", ())


def _article(articles: dict[tuple[str, str], Document], shape: _Shape) -> Document:
    sentence = shape.scored.sentence
    return articles.get((sentence.source_id, sentence.doc_id), _NO_DOCUMENT)


def _pos(shape: _Shape) -> tuple[str, str, int]:
    s = shape.scored.sentence
    return (s.source_id, s.doc_id, s.index)
