"""The learned layer: what it learns from a day's sentences, and that it says why."""

from __future__ import annotations

from digest import learn
from digest.classify import OTHER, Classifier
from digest.config import ClassifyConfig, SectionConfig
from digest.models import Role, Scored, Sentence
from digest.text import Stemmer

MARKETS = SectionConfig(
    id="markets", title="Markets", keywords={"stocks": 3, "investors": 3, "prices": 3}
)
TARIFFS = SectionConfig(
    id="tariffs", title="Tariffs", keywords={"tariff": 4, "duties": 4, "soybeans": 3}
)
SECTIONS = [MARKETS, TARIFFS]


def _sentences(texts: list[str]) -> list[Sentence]:
    # one paragraph per sentence: no context votes, so only words decide
    return [
        Sentence("s", f"d{i}", Role.CONTENT, text, index=0, paragraph=i)
        for i, text in enumerate(texts)
    ]


def _run(texts: list[str], sections=SECTIONS, **settings: float | bool) -> list[Scored]:
    stemmer = Stemmer()
    config = ClassifyConfig(**{"min_score": 2.0, **settings})
    classifier = Classifier(sections, config, stemmer)
    scored = classifier.classify(_sentences(texts))
    if not config.learn:
        return scored
    return learn.refine(scored, sections, config, stemmer)


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
DAY = [
    # a day's worth of market news where carmakers and suppliers appear, always beside
    # market keywords …
    *(f"Stocks of carmakers and suppliers fell on {d} as investors sold." for d in WEEKDAYS),
    *(f"Carmakers led the decline in stocks on {d}, suppliers followed." for d in WEEKDAYS),
    *(f"Investors dumped carmakers and suppliers on {d} and prices slid." for d in WEEKDAYS),
    *(f"Prices of carmakers' bonds and suppliers' shares held on {d}." for d in WEEKDAYS),
    # … the tariff section has its own day …
    "The tariff on steel rose to 25 percent.",
    "New duties on aluminum take effect in May.",
    "The tariff list covers steel and aluminum.",
    "Duties on steel were doubled.",
    "A tariff on lumber was announced.",
    "Duties on solar panels were cut.",
    "The tariff on washing machines stays.",
    "Duties on copper wire were added.",
    # … and some sentences fit no section
    "The weather was mild across the region.",
    "A new bridge opened downtown.",
    "The festival drew large crowds.",
    "Schools reopened after the holiday.",
    "The mayor thanked the volunteers.",
    "A library extended its opening hours.",
]


def test_a_word_no_keyword_covers_is_learned_from_the_day() -> None:
    target = "Carmakers and their suppliers cut their outlook for the year."
    without = {s.sentence.text: s.section for s in _run([*DAY, target], learn=False)}
    with_ = {s.sentence.text: s for s in _run([*DAY, target])}
    assert without[target] == OTHER  # no keyword: keywords alone leave it out
    assert with_[target].section == "markets"
    learned = learn.learned_terms(with_[target])
    assert learned["carmak"] > 0.5 and learned["supplier"] > 0.5
    assert any(r.startswith("learned: ~carmak +") for r in with_[target].reasons)


def test_one_sentence_is_not_enough_to_learn_a_word() -> None:
    day = [*DAY[:1], *DAY[20:]]  # carmakers and suppliers seen once beside market words
    target = "Carmakers and their suppliers cut their outlook for the year."
    out = {s.sentence.text: s for s in _run([*day, target])}
    assert out[target].section == OTHER
    assert not learn.learned_terms(out[target])


def test_a_keyword_learns_where_its_sentences_go_on_other_evidence() -> None:
    """ "soybeans" is a tariffs keyword here, but the rest of its sentences speak of
    prices and investors: what it learns is markets, not tariffs."""
    day = [
        "Soybeans prices fell as investors fled.",
        "Investors watched soybeans prices slide again.",
        "Soybeans stocks and prices dropped on Monday.",
        "Prices for soybeans hit a low as investors sold.",
        *DAY[20:],
    ]
    stemmer = Stemmer()
    config = ClassifyConfig(min_score=2.0)
    classifier = Classifier(SECTIONS, config, stemmer)
    scored = classifier.classify(_sentences(day))
    vocab = learn.learn(scored, SECTIONS, config, stemmer)
    soy = stemmer.stem("soybeans")
    assert vocab.weight(soy, "markets") > 0.25
    assert vocab.weight(soy, "tariffs") == 0


def test_examples_and_descriptions_teach_words() -> None:
    sections = [
        MARKETS.model_copy(
            update={
                "description": "Stocks, investors, freight rates and shipping costs.",
                "examples": ["Freight rates jumped.", "Shipping rates and freight costs rallied."],
            }
        ),
        TARIFFS,
    ]
    target = "Freight rates rose sharply."
    with_examples = {
        s.sentence.text: s.section for s in _run([*DAY, target], sections, learn_label_weight=3.0)
    }
    without = {s.sentence.text: s.section for s in _run([*DAY, target])}
    assert without[target] == OTHER
    assert with_examples[target] == "markets"


def test_learn_false_is_keywords_alone() -> None:
    texts = [*DAY, "Carmakers and their suppliers cut their outlook for the year."]
    stemmer = Stemmer()
    plain = Classifier(SECTIONS, ClassifyConfig(min_score=2.0), stemmer).classify(_sentences(texts))
    off = _run(texts, learn=False)
    assert [(s.section, s.score) for s in off] == [(s.section, s.score) for s in plain]


def test_zero_learn_weight_changes_no_section() -> None:
    texts = [*DAY, "Carmakers and their suppliers cut their outlook for the year."]
    off = _run(texts, learn=False)
    zero = _run(texts, learn_weight=0.0)
    assert [s.section for s in zero] == [s.section for s in off]


def test_words_of_sentences_that_fit_no_section_raise_the_bar() -> None:
    """The calibrated other: "cooperation" is said only where no section fits, so a
    sentence with it needs more than bare min_score to be placed."""
    day = [
        *DAY,
        "Mutual cooperation benefits both peoples.",
        "Cooperation is the only right choice.",
        "Win-win cooperation serves the world.",
        "Both sides value cooperation and friendship.",
    ]
    target = "Cooperation will lift prices for all."  # "prices": exactly min_score 3 ≥ 2 …
    out = {s.sentence.text: s for s in _run([*day, target], min_score=3.0)}
    assert out[target].section == OTHER  # … but the learned other raised the bar above 3
    assert out[target].threshold > 3.0
    assert any("learned other" in r for r in out[target].reasons)


def test_mood_words_are_learned() -> None:
    assert "would" in learn.terms(Stemmer(), "Tariffs would hurt farmers if imposed.")
    assert "if" in learn.terms(Stemmer(), "Tariffs would hurt farmers if imposed.")
