"""Select stage: what each section shows, the briefing's top lines, and a plain summary.

What a briefing leaves out matters as much as what it keeps. Every choice here is
greedy over *concepts* (stemmed word pairs that carry content), so two wordings of
one fact do not both make the cut. In a section, an item is worth its section
score plus a bonus per backing source, discounted by the share of its word pairs
that chosen items already say (maximal marginal relevance). For a plain
multi-document summary (:func:`summarize`, what ``bench/duc2004.py`` measures) a
sentence is worth the concepts it adds, each weighted by the number of documents
that state it, after Gillick & Favre's concept model.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from .classify import OTHER
from .config import SectionConfig, SelectConfig
from .models import Citation, Item, RawDocument, Role, Section
from .text import STOPWORDS, Stemmer, tokens

SUMMARY_MIN_WORDS = 8  # shorter sentences are datelines, captions and fragments
SUMMARY_MAX_WORDS = 50
DIVERSITY = 0.75  # a section's item from a source already shown there counts ×0.75 per item
TURNS = 0.6  # a top line from an article or section already leading counts ×0.6 per line
TOPICAL = 0.2  # share of the section score in a top line's worth
LEANS = 0.4  # an item that leans on an unseen sentence, when another would do
REPEATED = 0.3  # a top line an earlier briefing already carried: yesterday's news
LENGTH_EXPONENT = 0.7  # gain per word**0.7: between favouring short and long sentences
LEAD_WEIGHT = 10.0  # worth of a document's first sentence (1/2 of it for the second, …)


@dataclass(frozen=True, eq=False)
class _Candidate:
    key: int
    words: int
    worth: float  # what the candidate is worth on its own, before coverage
    read: Callable[[], frozenset[str]] = field(repr=False)  # its concepts, when first needed
    groups: tuple[str, ...] = ()  # its source (or article and section), for ``diversity``

    @cached_property
    def concepts(self) -> frozenset[str]:
        return self.read()


def _known(found: frozenset[str]) -> Callable[[], frozenset[str]]:
    return lambda: found


def concepts(text: str, stemmer: Stemmer) -> frozenset[str]:
    """Stemmed bigrams with at least one content word, and the content words themselves.

    Bigrams tell "trade talks" from "talks" and "trade"; unigrams let a short item
    that names one thing still count as covering it.
    """
    words = [w for w in tokens(text) if w.isalnum() or "%" in w]
    stems = [stemmer.stem(w) for w in words]
    out = {s for w, s in zip(words, stems, strict=True) if w not in STOPWORDS and len(w) > 2}
    for i in range(len(words) - 1):
        if words[i] not in STOPWORDS or words[i + 1] not in STOPWORDS:
            out.add(f"{stems[i]} {stems[i + 1]}")
    return frozenset(out)


def _greedy(
    candidates: Sequence[_Candidate],
    gain: Callable[[_Candidate, set[str]], float],
    *,
    max_items: int | None = None,
    max_words: int | None = None,
    overflow: bool = False,
    covered: frozenset[str] = frozenset(),
    bound: Callable[[_Candidate], float] | None = None,
    diversity: float = 1.0,
) -> list[int]:
    """Pick, one at a time, the candidate that gains most given what is covered so far
    (the lowest key among equal gains).

    With ``overflow`` the last pick may run past ``max_words`` (DUC-style evaluation
    cuts the text itself); otherwise the first pick is always allowed, so a section
    with a tight word budget still shows its best item.

    Lazily (Minoux's accelerated greedy): a gain never grows as more is covered, so a
    candidate whose gain, computed against what is covered now, still tops every other
    candidate's last known gain is the best, and the others need no new gain. The picks
    are those of recomputing every gain at every pick, at a fraction of the cost (a
    section of a large day has thousands of candidates and shows five). ``bound`` gives
    each candidate a first gain no later one exceeds (its worth), so even the first
    gains, and the concepts behind them, are computed only near the top.

    ``diversity`` multiplies a candidate's gain once for each pick already made in each of
    its groups (its source, say): a second source's fact beats a third from the same
    source when both are worth it. Gains still only fall as picks are made, so the lazy
    greedy holds.
    """
    chosen: list[int] = []
    said = set(covered)
    used = 0
    picked: Counter[str] = Counter()

    def current(c: _Candidate) -> float:
        found = gain(c, said)
        repeats = sum(picked[g] for g in c.groups)
        return found * diversity**repeats if repeats else found

    # (-gain, key, the pick the gain was computed for, position); -1: a bound, not a gain
    heap = [
        (-bound(c), c.key, -1, i) if bound else (-current(c), c.key, 0, i)
        for i, c in enumerate(candidates)
    ]
    heapq.heapify(heap)
    while heap and (max_items is None or len(chosen) < max_items):
        if max_words is not None and used >= max_words:
            break
        negative, key, computed, i = heapq.heappop(heap)
        best = candidates[i]
        if max_words is not None and not overflow and chosen and used + best.words > max_words:
            continue  # it will never fit: the words used only grow
        if computed != len(chosen):  # stale: against less than is covered now
            heapq.heappush(heap, (-current(best), key, len(chosen), i))
            continue
        if -negative <= 0:
            break
        chosen.append(best.key)
        said |= best.concepts
        used += best.words
        picked.update(best.groups)
    return chosen


def _novel(redundancy: float) -> Callable[[_Candidate, set[str]], float]:
    """Briefing items: worth, discounted by the share of their word pairs already said."""

    def gain(c: _Candidate, covered: set[str]) -> float:
        pairs = [x for x in c.concepts if " " in x]
        said = sum(1 for x in pairs if x in covered) / len(pairs) if pairs else 0.0
        return c.worth * (1.0 - redundancy * said)

    return gain


def _coverage(weight: Callable[[str], float]) -> Callable[[_Candidate, set[str]], float]:
    """Plain summaries: the weight of the concepts a sentence adds, per word (damped)."""

    def gain(c: _Candidate, covered: set[str]) -> float:
        fresh = sum(weight(x) for x in c.concepts if x not in covered)
        if fresh <= 0:  # says nothing new: a lede repeated word for word is still a repeat
            return 0.0
        return (c.worth + fresh) / max(c.words, 1) ** LENGTH_EXPONENT

    return gain


# --------------------------------------------------------------------------- the briefing


def select(
    items: Sequence[Item],
    sections: Sequence[SectionConfig],
    notes: Mapping[str, str | None] | None = None,
    settings: SelectConfig | None = None,
    stemmer: Stemmer | None = None,
) -> tuple[tuple[Section, ...], tuple[Item, ...], tuple[Item, ...]]:
    """The shown sections, the ``other`` items (kept for JSON and explain) and the top lines.

    The top lines are chosen first, from every sectioned item, and are not repeated in
    their sections (a section's ``lifted`` names them), so the reader's five minutes are
    not spent reading a line twice.
    """
    settings = settings or SelectConfig()
    stemmer = stemmer or Stemmer()
    gain = _novel(settings.redundancy)
    ids = {c.id for c in sections}
    top = top_lines([i for i in items if i.section in ids], settings.top_lines, stemmer)
    lifted: dict[str, list[int]] = {}
    for n, line in enumerate(top, start=1):
        lifted.setdefault(line.section, []).append(n)
    taken = {id(i) for i in top}
    chosen_sections = []
    members: dict[str, list[int]] = {}
    for k, item in enumerate(items):
        if id(item) not in taken:
            members.setdefault(item.section, []).append(k)
    for config in sections:
        candidates = [
            _Candidate(
                k,
                _words(items[k].text),
                _worth(items[k]),
                _reader(items[k], stemmer),
                (_source(items[k]),),
            )
            for k in members.get(config.id, ())
        ]
        room = config.max_items - len(lifted.get(config.id, ()))
        keys = _greedy(
            candidates,
            gain,
            max_items=max(room, 0),
            max_words=config.max_words,
            bound=_upper,
            diversity=DIVERSITY,
        )
        shown = [items[k] for k in keys]
        if settings.order == "time":
            shown.sort(key=_when)
        chosen_sections.append(
            Section(
                id=config.id,
                title=config.title,
                description=config.description,
                items=tuple(shown),
                note=(notes or {}).get(config.id, config.note),
                lifted=tuple(lifted.get(config.id, ())),
            )
        )
    other = tuple(sorted((i for i in items if i.section == OTHER), key=_first))
    return tuple(chosen_sections), other, top


def _reader(item: Item, stemmer: Stemmer) -> Callable[[], frozenset[str]]:
    return lambda: concepts(item.text, stemmer)


def _upper(c: _Candidate) -> float:
    """What a briefing item can gain at most: its worth (nothing it says is said yet)."""
    return max(c.worth, 0.0)


def top_lines(items: Sequence[Item], count: int, stemmer: Stemmer) -> tuple[Item, ...]:
    """The few items a reader must not miss: the day's news (``Item.news``: lead, title,
    corroboration, novelty, less background and hedging), each a different fact; articles
    and sections take turns (a second article's headline before a first's detail, one
    line per topic before a second on any)."""
    if count <= 0 or not items:
        return ()
    pool = [i for i in items if i.news > 0] or list(items)
    candidates = [
        _Candidate(k, _words(i.text), _headline(i), _telling(i, stemmer), (_article(i), i.section))
        for k, i in enumerate(pool)
    ]
    keys = _greedy(candidates, _novel(1.0), max_items=count, bound=_upper, diversity=TURNS)
    return tuple(pool[k] for k in keys)


def _telling(item: Item, stemmer: Stemmer) -> Callable[[], frozenset[str]]:
    """What a top line tells the reader: its wording and the sentences shown beside it."""
    return lambda: frozenset().union(*(concepts(t, stemmer) for t in _texts(item)))


def _texts(item: Item) -> tuple[str, ...]:
    return (item.text, *(c.text for c in item.beside))


def _headline(item: Item) -> float:
    """Top lines rank by news, and yesterday's news is not news; what the item is about
    only breaks near-ties."""
    worth = item.news + TOPICAL * item.score
    if not item.is_new:
        worth *= REPEATED
    return worth if item.standalone else worth * LEANS


def _worth(item: Item) -> float:
    """In a section: what the item is about (section score) and how much it is news
    (which counts corroboration: a fact two sources state outranks a slightly
    better-matching one that only one source states)."""
    worth = item.score + item.news
    return worth if item.standalone else worth * LEANS


def _wording(item: Item) -> Citation:
    """The citation whose sentence is the item's wording."""
    said = item.original or item.text
    return next((c for c in item.citations if c.text == said), item.citations[0])


def _source(item: Item) -> str:
    return _wording(item).source_id


def _article(item: Item) -> str:
    c = _wording(item)
    return f"{c.source_id}\x00{c.doc_id}"


def _when(item: Item) -> tuple[float, int, int]:
    stamps = [c.published.timestamp() for c in item.citations if c.published]
    first = _first(item)
    return (min(stamps) if stamps else math.inf, *first)


def _words(text: str) -> int:
    return len(text.split())


def _first(item: Item) -> tuple[int, int]:
    c = item.citations[0]
    return (c.number, c.sentence_index)


# --------------------------------------------------------------------------- plain summary


def summarize(documents: Sequence[str], words: int = 100) -> list[str]:
    """A multi-document summary of about ``words`` words: the selection, on its own.

    Sentences come from the same extract and normalize stages as a briefing's;
    a concept is worth the number of documents that state it, and the first
    sentences of each document (where news puts its point) get a small lead.
    """
    from .extract import extract
    from .normalize import Rules, normalize
    from .salience import hedging, without_quotations

    rules = Rules.make()
    stemmer = Stemmer()
    known: dict[str, tuple[str, bool] | None] = {}  # token -> (stem, stop word), this call's
    stated: dict[str, set[str]] = {}  # sentence -> its word pairs, this call's
    texts: list[str] = []
    counts: list[int] = []
    leads: list[float] = []
    found: list[set[str]] = []
    document_frequency: Counter[str] = Counter()
    for number, body in enumerate(documents):
        raw = RawDocument("doc", str(number), str(number), "text/plain", body.encode("utf-8"))
        sentences = [s for s in normalize(extract(raw), rules) if s.role is Role.CONTENT]
        seen: set[str] = set()
        for position, sentence in enumerate(sentences):
            split = sentence.text.split()
            text = " ".join(split)
            pairs = stated.get(text)  # a wire story runs in several papers word for word
            if pairs is None:
                pairs = stated[text] = _pairs(text, known, stemmer)
            seen |= pairs
            if not SUMMARY_MIN_WORDS <= len(split) <= SUMMARY_MAX_WORDS or _unfit(text):
                continue
            leads.append(LEAD_WEIGHT / (1 + position))  # the lede says what the story is
            texts.append(text)
            counts.append(len(split))
            found.append(pairs)
        document_frequency.update(seen)
    floor = 2 if len(documents) > 2 else 1  # a concept one document mentions is its detail
    # Only the word pairs at or over the floor are worth anything: a candidate keeps those
    # alone, so its gain is the same sum over fewer concepts.
    shared = {x for x, n in document_frequency.items() if n >= floor}
    candidates = [
        _Candidate(k, counts[k], leads[k], _known(frozenset(shared.intersection(pairs))))
        for k, pairs in enumerate(found)
    ]

    def weight(concept: str) -> float:
        return float(document_frequency[concept])

    coverage = _coverage(weight)
    hedged = [hedging(without_quotations(t))[0] for t in texts]

    def gain(c: _Candidate, covered: set[str]) -> float:  # a guess is not the news
        return coverage(c, covered) * hedged[c.key]

    keys = _greedy(candidates, gain, max_words=words, overflow=True)
    return [texts[k] for k in keys]


def _unfit(text: str) -> bool:
    """Questions and quotations without their speaker read badly out of context."""
    return text.endswith("?") or text.startswith(("“", '"')) or text.count('"') % 2 == 1


def _pairs(text: str, known: dict[str, tuple[str, bool] | None], stemmer: Stemmer) -> set[str]:
    """The word pairs of :func:`concepts` (its single words are worth nothing in a plain
    summary), each token's stem and stop-word test looked up once per call in ``known``."""
    out: set[str] = set()
    previous: tuple[str, bool] | None = None
    for token in tokens(text):
        try:
            word = known[token]
        except KeyError:
            keep = token.isalnum() or "%" in token
            word = known[token] = (stemmer.stem(token), token in STOPWORDS) if keep else None
        if word is None:
            continue  # left out before pairing, as in concepts: its neighbours pair up
        if previous is not None and not (previous[1] and word[1]):
            out.add(f"{previous[0]} {word[0]}")
        previous = word
    return out
