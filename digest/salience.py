"""Salience stage: how much each item is the day's news, which ranks the top lines.

A section score says what an item is about, not whether it is news. News writing puts
its point first (the inverted pyramid): the headline and the first sentences of an
article carry it, the background comes later, in the pluperfect ("had imposed") or
after a past-time opener ("In April, …"), and the speculation is hedged ("could",
"potentially", "stand to"). A fact several sources state is likelier news than one
only one states. (A fact an earlier briefing carried is not news today either: the top
lines, in ``select``, count it less; its section keeps it, marked.)

Every signal is a rule of news English, the same for every story, and each is kept in
``Signals`` so ``digest explain`` can show why an item leads.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import chain

from .figures import Parser, parse_quantities
from .models import Item, Role, Sentence
from .text import Stemmer

LEAD = 6.0  # an article's first content sentence; half for the second, a third for the third…
LEAD_SENTENCES = 4  # past these, position says nothing
TITLE = 6.0  # for stating every content word of the article's title
CORROBORATION = 4.0  # per doubling of the sources that state it (log2)
ECHO = 4.0  # for the share of its words (by rarity) that other sources also use
FIGURE = 1.5  # per figure it states (not a year), up to FIGURES: hard news is specific
FIGURES = 2
BACKGROUND = 0.5  # pluperfect: what had happened before the news
PAST_OPENER = 0.8  # "In April, …", "Last year, …": told as background
HEDGE = 0.8  # per hedge outside reported speech, down to HEDGE_FLOOR
HEDGE_FLOOR = 0.5
QUESTION = 0.5

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_PAST_OPENER = re.compile(
    rf"^(?:in|by|since|until|back in|earlier in|late in|early in)\s+(?:(?:early|late|mid-?)\s*)?"
    rf"(?:{_MONTHS}|\d{{4}}|the (?:past|last|previous))\b"
    rf"|^(?:last|the previous|the past)\s+"
    rf"(?:year|month|week|decade|summer|winter|spring|autumn|fall)\b"
    rf"|^(?:earlier|previously|formerly|historically)\b"
    rf"|^\d+\s+(?:years?|months?|weeks?)\s+ago\b",
    re.IGNORECASE,
)
# had (not) (also/already …) (been) + a past participle: "had imposed", "had been cut"
_PLUPERFECT = re.compile(
    r"\bhad\s+(?:(?:not|never|also|already|long|once|just|previously|earlier)\s+)*"
    r"(?:been\s+)?(?:[a-z]+(?:ed|en|wn|ne|lt|pt|ght|un|ung|ade|id|ot|ld)|put|set|cut|hit|let)\b",
    re.IGNORECASE,
)
# lower case only: "May" in a sentence is the month, "If" opening one is seldom a guess
_HEDGES = re.compile(
    r"\b(?:could|might|may|would|potentially|possibly|perhaps|likely|unlikely|"
    r"stands? to|appears? to|seems? to|threatens? to|if)\b|^(?:Perhaps|Possibly|Potentially)\b"
)
# a hedge in what someone is reported to have said ("warned it could …", "announced
# that they would …") states what was said: the report is the news, not a guess
_REPORTING = (
    r"(?:said|says|saying|warned|warns|told|added|announced|expects|expected|predicted|"
    r"forecast|believes|argued|insisted|claimed|fears?|feared|noted|suggested|confirmed)"
)
_REPORTED = re.compile(
    rf"\b{_REPORTING}\s+(?:\w+\s+){{0,3}}$|\b{_REPORTING}\s+that\b", re.IGNORECASE
)
_QUOTED = re.compile(r"[“\"][^”\"]*[”\"]")


@dataclass(frozen=True)
class Signals:
    """What an item's news weight is made of, for ``digest explain``."""

    lead: float = 0.0  # points for its place in its article
    title: float = 0.0  # points for stating its article's title
    corroboration: float = 0.0
    echo: float = 0.0  # what it says that other sources also say, in other words
    figures: float = 0.0
    factor: float = 1.0  # background, hedges, questions
    why: tuple[str, ...] = ()

    @property
    def news(self) -> float:
        points = self.lead + self.title + self.corroboration + self.echo + self.figures
        return round(points * self.factor, 4)


@dataclass(frozen=True)
class _Article:
    title: frozenset[str]  # the title's content stems
    rank: dict[int, int]  # sentence index → place among the article's content sentences


@dataclass(frozen=True)
class _Run:
    """What the signals need to know of the run's sentences."""

    articles: dict[tuple[str, str], _Article]
    shared: frozenset[str]  # the stems more than one source uses
    idf: dict[str, float]
    quantities: Parser


def weigh(
    items: Sequence[Item],
    sentences: Sequence[Sentence],
    stemmer: Stemmer,
    quantities: Parser = parse_quantities,
    skip: str | None = None,
) -> list[Item]:
    """Each item with its ``news`` weight set (``quantities``: the run's memo of the
    parser); items of section ``skip`` (``other``: never shown) keep news 0."""
    run = _run(sentences, stemmer, quantities)
    return [
        i if i.section == skip else replace(i, news=signals(i, run, stemmer).news) for i in items
    ]


def explain(item: Item, sentences: Sequence[Sentence], stemmer: Stemmer) -> Signals:
    """Why an item weighs what it does."""
    return explainer(sentences, stemmer)(item)


def explainer(sentences: Sequence[Sentence], stemmer: Stemmer) -> Callable[[Item], Signals]:
    """Why each of many items weighs what it does, the run's sentences read once."""
    run = _run(sentences, stemmer, parse_quantities)
    return lambda item: signals(item, run, stemmer)


def _run(sentences: Iterable[Sentence], stemmer: Stemmer, quantities: Parser) -> _Run:
    titles: dict[tuple[str, str], set[str]] = {}
    ranks: dict[tuple[str, str], dict[int, int]] = {}
    used: dict[str, set[str]] = {}  # source → the stems its sentences use
    df: Counter[str] = Counter()
    for s in sentences:
        key = (s.source_id, s.doc_id)
        rank = ranks.setdefault(key, {})
        if s.role is Role.TITLE and not rank and key not in titles:
            titles[key] = set(stemmer.content(s.text))
        elif s.role is Role.CONTENT:
            rank[s.index] = len(rank)
            stems = set(stemmer.content(s.text))
            df.update(stems)
            used.setdefault(s.source_id, set()).update(stems)
    sources = Counter(chain.from_iterable(used.values()))  # stem → the sources using it
    shared = frozenset([stem for stem, count in sources.items() if count > 1])
    n = sum(len(r) for r in ranks.values())
    idf = {stem: math.log((n + 1) / (count + 1)) for stem, count in df.items()}
    articles = {key: _Article(frozenset(titles.get(key, ())), r) for key, r in ranks.items()}
    return _Run(articles, shared, idf, quantities)


def signals(item: Item, run: _Run, stemmer: Stemmer) -> Signals:
    lead = title = 0.0
    why: list[str] = []
    for c in item.citations:
        article = run.articles.get((c.source_id, c.doc_id))
        if article is None:
            continue
        place = article.rank.get(c.sentence_index)
        if place is not None and place < LEAD_SENTENCES:
            lead = max(lead, LEAD / (1 + place))
        if article.title and c.text:
            share = len(article.title.intersection(stemmer.content(c.text))) / len(article.title)
            title = max(title, TITLE * share)
    if lead:
        why.append(f"lead +{lead:g}")
    if title:
        why.append(f"title +{title:.1f}")
    sources = len(item.source_numbers)
    corroboration = CORROBORATION * math.log2(sources) if sources > 1 else 0.0
    if corroboration:
        why.append(f"{sources} sources +{corroboration:.1f}")
    echo = ECHO * _echoed(item, run, stemmer)
    if echo >= 0.05:
        why.append(f"echoed by other sources +{echo:.1f}")
    stated = {q.text for q, _, _ in run.quantities(item.original or item.text) if q.unit != "year"}
    figures = FIGURE * min(len(stated), FIGURES)
    if figures:
        why.append(f"{len(stated)} figure{'s' if len(stated) > 1 else ''} +{figures:g}")
    factor, demoted = _discount(item)
    return Signals(lead, title, corroboration, echo, figures, factor, tuple(why + demoted))


def _echoed(item: Item, run: _Run, stemmer: Stemmer) -> float:
    """The share of an item's words, weighed by rarity, that other sources also use: a fact
    reported everywhere is told in other words too ("the Geneva truce", "the 90-day
    pause"), so this finds what a sentence-level merge cannot."""
    stems = set(stemmer.content(item.original or item.text))
    weights = {s: run.idf.get(s, 0.0) for s in stems if not s[0].isdigit()}
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(w for s, w in weights.items() if s in run.shared) / total


def _discount(item: Item) -> tuple[float, list[str]]:
    """How much an item's tone lowers its news: background, hedges, a question."""
    text = item.original or item.text
    factor, why = 1.0, []
    unquoted = without_quotations(text)
    if _PLUPERFECT.search(unquoted):
        factor *= BACKGROUND
        why.append(f"background (pluperfect) ×{BACKGROUND:g}")
    elif _PAST_OPENER.search(text.lstrip("“\"'‘ ")):
        factor *= PAST_OPENER
        why.append(f"background (past-time opener) ×{PAST_OPENER:g}")
    hedged, hedges = hedging(unquoted)
    if hedges:
        factor *= hedged
        why.append(f"hedged ({', '.join(hedges)}) ×{hedged:.2f}")
    if text.rstrip("”\"' ").endswith("?"):
        factor *= QUESTION
        why.append(f"a question ×{QUESTION:g}")
    return factor, why


def without_quotations(text: str) -> str:
    """The writer's own words: hedges and tenses inside a quotation are the speaker's."""
    return _QUOTED.sub(" ", text)


def hedging(text: str) -> tuple[float, list[str]]:
    """The factor a sentence's own hedges (not those it reports someone saying) take off
    its worth, and the hedges. ``select.summarize`` uses it too: a guess is not what a
    summary of the news should spend its words on."""
    hedges = [
        m.group(0).lower()
        for m in _HEDGES.finditer(text)
        if not _REPORTED.search(text[: m.start()])
    ]
    return (max(HEDGE ** len(hedges), HEDGE_FLOOR) if hedges else 1.0), hedges
