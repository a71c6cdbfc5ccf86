"""Salience: what makes an item the day's news, by rules of news English."""

from __future__ import annotations

from digest.models import Citation, Item, Role, Sentence
from digest.salience import explain, weigh
from digest.text import Stemmer

TITLE = "Carrier warns it may run out of cash"
ARTICLE = [
    "Shares in the carrier tumbled after the firm warned it could run out of cash.",
    "Its chief executive said the airline must cut wage costs by $500m.",
    "The carrier flew 40 million passengers in a record year.",
    "Analysts said the sector faces a hard winter.",
    "In 2001, the carrier had cut 12,000 jobs after the attacks.",
]


def sentences(source: str = "a") -> list[Sentence]:
    out = [Sentence(source, "d", Role.TITLE, TITLE, 0, 0)]
    out += [Sentence(source, "d", Role.CONTENT, t, k + 1, k + 1) for k, t in enumerate(ARTICLE)]
    return out


def item(text: str, index: int, *sources: str, **extra: object) -> Item:
    cites = tuple(Citation(s, n + 1, "d", index, text) for n, s in enumerate(sources or ("a",)))
    return Item(text, "s", 5.0, cites, **extra)  # type: ignore[arg-type]


def news(i: Item, run: list[Sentence]) -> float:
    [weighed] = weigh([i], run, Stemmer())
    return weighed.news


def test_the_lead_that_states_the_title_outranks_later_sentences() -> None:
    run = sentences()
    lead = news(item(ARTICLE[0], 1), run)
    assert lead > news(item(ARTICLE[1], 2), run) > news(item(ARTICLE[3], 4), run)
    why = explain(item(ARTICLE[0], 1), run, Stemmer()).why
    assert any(w.startswith("lead") for w in why) and any(w.startswith("title") for w in why)


def test_the_hedge_someone_reported_is_news_the_writers_own_is_not() -> None:
    run = sentences()
    reported = explain(item(ARTICLE[0], 1), run, Stemmer())
    assert not any(w.startswith("hedged") for w in reported.why)  # "warned it could"
    guess = explain(item("Fares could potentially rise if fuel climbs.", 3), run, Stemmer())
    assert guess.factor < 1 and any(w.startswith("hedged") for w in guess.why)


def test_background_in_the_pluperfect_and_after_a_past_opener_is_demoted() -> None:
    run = sentences()
    assert explain(item(ARTICLE[4], 5), run, Stemmer()).factor <= 0.5  # "had cut"
    opener = explain(item("Last year, the carrier flew more passengers.", 3), run, Stemmer())
    assert opener.factor < 1


def test_may_the_month_is_no_hedge() -> None:
    signals = explain(item("The truce agreed in May cut tariffs for 90 days.", 3), [], Stemmer())
    assert signals.factor == 1


def test_corroboration_and_echo_from_other_sources_count() -> None:
    run = [
        *sentences("a"),
        Sentence("b", "d", Role.CONTENT, "The firm may run out of cash, its filing warned.", 1, 1),
    ]
    alone = news(item(ARTICLE[0], 1, "a"), sentences("a"))
    echoed = news(item(ARTICLE[0], 1, "a"), run)
    both = news(item(ARTICLE[0], 1, "a", "b"), run)
    assert alone < echoed < both
