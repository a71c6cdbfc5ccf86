"""Key figures: quantities, their labels, changes, and agreement across sources."""

from __future__ import annotations

import random

import pytest

from digest import figures as figures_module
from digest.classify import Classifier
from digest.config import load
from digest.figures import _Found, _wording, extract, parse_quantities, shown
from digest.models import Figure, Quantity, Role, Scored, Sentence, SourceInfo
from digest.normalize import Rules, normalize
from digest.render import show_quantity
from digest.text import Stemmer

from .conftest import ROOT, plain_document

SOURCES = (
    SourceInfo("a", 1, "A", "file", "a.txt"),
    SourceInfo("b", 2, "B", "file", "b.txt"),
    SourceInfo("c", 3, "C", "file", "c.txt"),
)
BBC = ROOT.parent / "shared" / "data" / "bbc" / "business"


def one(text: str) -> Quantity:
    [(quantity, start, end)] = parse_quantities(text)
    assert text[start:end] == quantity.text
    return quantity


def scored(
    text: str, source: str = "a", index: int = 0, score: float = 5.0, section: str = "news"
) -> Scored:
    return Scored(Sentence(source, f"{source}.txt", Role.CONTENT, text, index, 0), section, score)


def figures(*sentences: Scored, limit: int = 12) -> tuple[Figure, ...]:
    return extract(sentences, SOURCES, limit=limit)


def article(source: str, title: str, *sentences: str) -> list[Scored]:
    """One source's article: its headline, then its sentences."""
    headline = Scored(Sentence(source, f"{source}.txt", Role.TITLE, title, 0, 0), "news", 1.0)
    return [headline, *(scored(text, source, k + 1) for k, text in enumerate(sentences))]


def by_label(found: tuple[Figure, ...], label: str) -> Figure:
    matches = [f for f in found if f.label == label]
    assert matches, f"no figure {label!r} in {[f.label for f in found]}"
    return matches[0]


# --------------------------------------------------------------------------- quantities


@pytest.mark.parametrize(
    ("text", "value", "unit", "written"),
    [
        ("rates of 145 percent", 145, "percent", "145 percent"),
        ("a 145% rate", 145, "percent", "145%"),
        ("ten per cent", 10, "percent", "ten per cent"),
        ("cut by 115 percentage points", 115, "percentage_points", "115 percentage points"),
        ("up 50 basis points", 0.5, "percentage_points", "50 basis points"),
        ("on $300 billion of goods", 300e9, "USD", "$300 billion"),
        ("worth nearly $600 billion a year", 600e9, "USD", "nearly $600 billion"),
        ("a deal of US$ 2.5bn", 2.5e9, "USD", "US$ 2.5bn"),
        ("fined €3 million", 3e6, "EUR", "€3 million"),
        ("a £40 fee", 40, "GBP", "£40"),
        ("300 billion yuan of bonds", 300e9, "CNY", "300 billion yuan"),
        ("a $1,200 fine", 1200, "USD", "$1,200"),
        ("a 90-minute call", 90, "minute", "90-minute"),
        ("spoke for 90 minutes", 90, "minute", "90 minutes"),
        ("lasted one and a half hours", 90, "minute", "one and a half hours"),
        ("talks of an hour and a half", 90, "minute", "an hour and a half"),
        ("half an hour", 30, "minute", "half an hour"),
        ("the call lasted an hour", 60, "minute", "an hour"),
        ("a 90-day pause", 90, "day", "90-day"),
        ("for 90 days", 90, "day", "90 days"),
        ("two weeks of talks", 14, "day", "two weeks"),
        ("a three-month pause", 90, "day", "three-month"),
        ("the three U.S. envoys", 3, "count", "three"),
        ("cut 12,000 jobs", 12000, "count", "12,000"),
        ("more than 400,000 customers", 400000, "count", "more than 400,000"),
        ("twenty-five people", 25, "count", "twenty-five"),
        ("a dozen firms", 12, "count", "a dozen"),
        ("1.5 million people", 1.5e6, "count", "1.5 million"),
        ("winds of 120 mph", 120, "mph", "120 mph"),
        ("reached in mid-May", 515, "date", "mid-May"),
        ("on June 5, 2025", 20250605, "date", "June 5, 2025"),
        ("in 2024", 2024, "year", "2024"),
    ],
)
def test_parse_quantities_forms(text: str, value: float, unit: str, written: str) -> None:
    quantity = one(text)
    assert (quantity.value, quantity.unit, quantity.text) == (pytest.approx(value), unit, written)


def test_durations_share_a_base_so_different_wordings_compare() -> None:
    assert one("one and a half hours").value == one("90-minute").value == 90
    assert one("an hour and a half").unit == one("90 minutes").unit == "minute"
    assert one("$300 billion") == Quantity(3e11, "USD", "$300 billion")


@pytest.mark.parametrize(
    "text",
    [
        "their first one-on-one call",
        "COVID-19 patients",
        "These three will carry a mandate",
        "two years ago",
        "a 30-year-old man",
        "one of the leaders",
        "a Category 3 storm",
        "in May the talks resumed",
    ],
)
def test_not_quantities(text: str) -> None:
    assert parse_quantities(text) == []


def test_forms_are_read_in_any_case_and_kept_as_written() -> None:
    # the patterns that ignore case run on the lower-cased text: what they read is the text's
    assert one("ABOUT 40 PER CENT") == Quantity(40, "percent", "ABOUT 40 PER CENT")
    assert one("Nearly US$5 Billion") == Quantity(5e9, "USD", "Nearly US$5 Billion")
    assert one("An Hour And A Half") == Quantity(90, "minute", "An Hour And A Half")
    assert one("TWENTY-FIVE Envoys") == Quantity(25, "count", "TWENTY-FIVE")
    # letters that ignoring case matches to ASCII though lower-casing does not
    assert one("ſome 30 days").text == "ſome 30 days"
    assert one("İt grew 12 pct") == Quantity(12, "percent", "12 pct")
    # and the words they match so are read as the letters they match (once a KeyError)
    assert one("It took 30 ſeconds") == Quantity(0.5, "minute", "30 ſeconds")
    assert one("3 thouſand jobs") == Quantity(3000, "count", "3 thouſand")
    assert one("$5 BİLLION") == Quantity(5e9, "USD", "$5 BİLLION")


def test_approximations_are_kept_as_written() -> None:
    assert one("up to 145 percent").text == "up to 145 percent"
    assert one("approximately $300 billion").value == 3e11


# --------------------------------------------------------------------------- labels and changes


def test_from_a_to_b_is_a_change_labelled_by_what_changed() -> None:
    text = (
        "The agreement temporarily rolled back U.S. tariffs on approximately $300 billion of "
        "Chinese goods from 145 percent to 30 percent and saw Beijing reciprocate by cutting "
        "duties on U.S. products from 125 percent to 10 percent."
    )
    found = figures(scored(text))
    first = by_label(found, "U.S. tariffs on Chinese goods")
    assert first.before is not None and (first.before.value, first.value.value) == (145, 30)
    second = by_label(found, "duties on U.S. products")
    assert second.before is not None and (second.before.value, second.value.value) == (125, 10)
    goods = by_label(found, "Chinese goods covered by U.S. tariffs")
    assert goods.value == Quantity(3e11, "USD", "approximately $300 billion")
    assert found[0].before is not None and found[1].before is not None  # changes first


@pytest.mark.parametrize(
    ("text", "label", "before", "after"),
    [
        ("Unemployment rose from 3.9% to 4.2% in May.", "Unemployment", 3.9, 4.2),
        ("The rate fell from 145 to 30 percent.", "rate", 145, 30),
        ("Fares on city buses will rise to $3 from $2.50 in July.", "Fares on city buses", 2.5, 3),
        ("The levy is now 10 percent, down from 25 percent.", "levy", 25, 10),
        ("Prices rose from 2 to 3 billion dollars.", "Prices", 2e9, 3e9),
    ],
)
def test_change_forms(text: str, label: str, before: float, after: float) -> None:
    [figure] = figures(scored(text))
    assert figure.label == label
    assert figure.before is not None
    assert (figure.before.value, figure.value.value) == (pytest.approx(before), after)


def test_a_change_by_an_amount_is_signed_and_noted() -> None:
    [figure] = figures(scored("The truce lowered fees by 115 percentage points."))
    assert figure.label == "fees"
    assert figure.value == Quantity(-115, "percentage_points", "115 percentage points")
    assert figure.note == "lowered by 115 percentage points"
    [rise] = figures(scored("Shares of Acme jumped 12% after the report."))
    assert (rise.label, rise.value.value) == ("Shares of Acme", 12)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        (
            "The announcement follows a 90-minute phone conversation between the two.",
            "phone conversation",
        ),
        ("Rebels have violated the 90-day truce by attacking.", "truce"),
        (
            "Officials imposed blanket duties of up to 145 percent on a broad swath of imports.",
            "blanket duties on imports",
        ),
        ("Power outages affected more than 400,000 Acme customers.", "Acme customers"),
        ("The storm brought winds of 120 mph.", "winds"),
        ("The Acme strike lasted two weeks, union leaders said.", "Acme strike"),
        (
            "It described a “very good phone call” that lasted for one and a half hours.",
            "good phone call",
        ),
        ("The city approved a $2.5 billion budget.", "budget"),
        # a figure someone expects says so
        (
            "Analysts have forecast that annual profit will rise about 11%.",
            "forecast annual profit",
        ),
        (
            "Budget airline Jetco expects its fuel costs will rise by £20m.",
            "Jetco forecast fuel costs",
        ),
        ("Jetco's fuel costs rose by £20m.", "Jetco's fuel costs"),
    ],
)
def test_labels_come_from_the_phrase_the_number_belongs_to(text: str, label: str) -> None:
    [figure] = figures(scored(text))
    assert figure.label == label


def test_figures_without_a_useful_label_are_dropped() -> None:
    assert figures(scored("After 30 days, it was over.")) == ()


# --------------------------------------------------------------------------- across sources


def test_the_same_figure_in_other_words_is_shown_once_citing_both() -> None:
    found = figures(
        scored("The leaders held a 90-minute call on Thursday.", "a", 3),
        scored("He called it a good call that lasted one and a half hours.", "b", 7),
    )
    [call] = found
    assert call.consistent and call.variants == ()
    assert call.value.value == 90
    assert [(c.number, c.sentence_index) for c in call.citations] == [(1, 3), (2, 7)]
    assert call.note == "90 minutes [1] = one and a half hours [2]"  # durations as nouns


def test_sources_that_disagree_are_flagged() -> None:
    found = figures(
        scored("The leaders held a 90-minute call on Thursday.", "a", 3, score=9),
        scored("The leaders held a 60-minute call on Thursday.", "b", 2),
    )
    [call] = found
    assert not call.consistent
    assert call.value.value == 90
    assert [v.text for v in call.variants] == ["60 minutes"]
    assert {c.number for c in call.citations} == {1, 2}
    assert call.note == "90 minutes [1]; 60 minutes [2]"


def test_a_stated_cut_agrees_with_the_change_it_describes() -> None:
    found = figures(
        scored("The pact cut fees on German cars from 145 percent to 30 percent.", "a", 1),
        scored("The pact lowered fees by 115 percentage points for 90 days.", "b", 4),
    )
    cars = by_label(found, "fees on German cars")
    assert cars.consistent
    assert {c.number for c in cars.citations} == {1, 2}
    assert cars.note == "lowered by 115 points, as [2] says"


def test_the_same_change_from_two_sources_is_one_figure() -> None:
    [fees] = figures(
        scored("The pact cut fees on German cars from 145 percent to 30 percent.", "a", 1),
        scored("Fees on German cars were cut from 145% to 30%, officials said.", "b", 1),
    )
    assert fees.consistent and fees.note is None
    assert {c.number for c in fees.citations} == {1, 2}


def test_changes_that_disagree_are_flagged() -> None:
    [fees] = figures(
        scored("The pact cut fees on German cars from 145 percent to 30 percent.", "a", 1, 9),
        scored("The pact cut fees on German cars from 145 percent to 35 percent.", "b", 1),
    )
    assert not fees.consistent
    assert [v.value for v in fees.variants] == [35]
    assert fees.note == "145% → 30% [1]; 145% → 35% [2]"


def test_similar_words_with_different_owners_are_different_figures() -> None:
    found = figures(
        scored("The pact cut fees on German cars from 145 percent to 30 percent.", "a", 1),
        scored("The pact cut fees on French cars from 125 percent to 10 percent.", "b", 1),
    )
    assert len(found) == 2 and all(f.consistent for f in found)


def test_same_value_and_context_merge_within_a_story() -> None:
    found = figures(
        scored("Both sides agreed to stand down for 90 days, easing fees on German cars.", "a", 1),
        scored("Rebels have violated the 90-day truce on fees for German cars.", "b", 2),
    )
    [truce] = found
    assert truce.label == "truce"
    assert truce.note is None  # "90 days" and "90-day" are the same wording


# --------------------------------------------------------------------------- ranking


def test_ranking_limit_dates_and_determinism() -> None:
    sentences = [
        scored("Storm Ada forced 12,000 residents from their homes.", "a", 1, score=9),
        scored("The budget of $2.5 billion was approved in mid-May.", "a", 2, score=2),
        scored("The council cut the levy from 5 percent to 3 percent.", "b", 3, score=1),
        scored("The budget of $2.5 billion passed.", "b", 4, score=1),
    ]
    found = figures(*sentences)
    assert [f.label for f in found] == ["levy", "budget", "Storm Ada residents"]  # no date
    assert figures(*reversed(sentences)) == found
    assert figures(*sentences, limit=1) == found[:1]
    [date] = figures(scored("The pact was signed in mid-May.", "a", 1))
    assert date.value.unit == "date"


def test_only_content_sentences_count() -> None:
    title = Scored(Sentence("a", "a.txt", Role.TITLE, "A 90-Minute Call", 0, 0), "news", 9.0)
    assert figures(title) == ()


# --------------------------------------------------------------------------- acceptance


def test_acceptance_on_the_two_seeds() -> None:
    loaded = load(ROOT / "config.yaml")
    config = loaded.config
    rules = Rules.make(config.boilerplate.patterns)
    sources: list[SourceInfo] = []
    sentences: list[Sentence] = []
    for number, source in enumerate(config.sources, 1):
        path = loaded.resolve(str(getattr(source, "path", "")))  # the seeds are file sources
        sources.append(
            SourceInfo(source.id or "", number, source.name or "", source.kind, path.name)
        )
        document = plain_document(path.read_text(encoding="utf-8"), path.name, source.id or "")
        sentences += normalize(document, rules)
    found = extract(
        Classifier(config.sections, config.classify, Stemmer()).classify(sentences), sources
    )
    numbers = {s.id: s.number for s in sources}

    def change(before: float, after: float) -> Figure:
        [figure] = [
            f
            for f in found
            if f.before
            and (f.before.value, f.value.value, f.value.unit) == (before, after, "percent")
        ]
        return figure

    us = change(145, 30)
    assert "tariffs" in us.label and "Chinese goods" in us.label
    assert {c.number for c in us.citations} == {1, 2}  # [2]: "lowered tariffs by 115 points"
    china = change(125, 10)
    assert "U.S. products" in china.label
    [goods] = [f for f in found if f.value.unit == "USD" and f.value.value == 300e9]
    assert "goods" in goods.label
    [truce] = [f for f in found if f.value.unit == "day" and f.value.value == 90]
    assert truce.label == "truce" and truce.consistent
    [call] = [f for f in found if f.value.unit == "minute" and f.value.value == 90]
    assert call.consistent
    assert {c.number for c in call.citations} == {numbers["cnbc"], numbers["short_report"]}
    texts = {c.text for c in call.citations}
    assert any("90-minute" in t for t in texts) and any("one and a half hours" in t for t in texts)
    for figure in found:  # as written, but for durations written as nouns ("90-day": 90 days)
        assert figure.citations
        texts = [_wording(c.text) for c in figure.citations]
        assert any(_wording(figure.value.text) in t for t in texts), figure
        if figure.before is not None:
            assert any(_wording(figure.before.text) in t for t in texts), figure
    assert all(f.value.unit not in ("date", "year") for f in found)
    labels = {f.label for f in found}
    assert not labels & {"continents", "nations", "U.S. envoys"}  # counts of the prose
    assert "Chinese goods covered by U.S. tariffs" in labels
    assert show_quantity(call.value) == "90 minutes" and show_quantity(truce.value) == "90 days"


# --------------------------------------------------------------------------- worth a row


@pytest.mark.parametrize(
    "text",
    [
        "Talks this week spanned three continents.",  # a count in words: the prose's
        "The two nations agreed to keep talking.",
        "The 12 envoys will travel to Rome next week.",  # already known: "the"
        "The senator dined with about 40 guests on Friday.",  # with whom, not how many
        "Rebels were seen in 15 villages.",  # where
        "Officials expect the work to finish in the next seven years.",  # a period
        "Reporting its results for the three months to June, it was upbeat.",
        "A deal valued at $2bn was signed.",  # one vague word, and nobody's
        "More than 30,000 residents were told to leave.",  # one plain noun, and nobody's
    ],
)
def test_numbers_that_measure_nothing_are_not_figures(text: str) -> None:
    assert figures(scored(text)) == ()


def test_counts_of_what_a_story_measures_stay() -> None:
    [jobs] = figures(scored("The carmaker Zenco will cut 1,200 jobs at its Leeds plant."))
    assert (jobs.label, jobs.value.value) == ("Zenco jobs", 1200)


def test_a_vague_word_gets_its_subject_or_the_phrase_it_stands_beside() -> None:
    [deal] = figures(scored("Budget carrier Jetco signed a deal valued at $2bn."))
    assert deal.label == "Jetco deal"
    found = figures(
        *article(
            "a",
            "Acme warns on costs",
            "Energy supplier Acme said its heating costs - a projected extra £40m - would "
            "hurt margins.",
        )
    )
    assert [(f.label, f.value.text) for f in found] == [("Acme heating costs", "£40m")]


# --------------------------------------------------------------------------- whose


def test_a_label_gets_its_subject_from_the_sentence() -> None:
    found = figures(
        scored("Since the strike in the United States, Skyline has cut 900 jobs.", "a", 1),
        scored(
            "Budget airline Jetco ordered 50 jets from Boeing, in a deal valued at $4bn.", "a", 2
        ),
        scored("Analysts say Jetco's annual fuel bill - $900m - is a worry.", "a", 3),
    )
    labels = {f.label for f in found}
    assert {"Skyline jobs", "Jetco deal", "Jetco annual fuel bill"} <= labels  # not Boeing's


def test_a_sentence_that_names_no_one_is_about_its_article() -> None:
    found = figures(
        *article(
            "a",
            "Zenco flies back to profit",
            "Shares in Zenco rose on Monday.",
            "The airline made a pre-tax profit of £75m.",
            "The company has managed to save $1.1bn in costs without cutting jobs.",
            "Turnover for the quarter was up 4.3% to £1.97bn.",
        )
    )
    assert {f.label: f.value.text for f in found} == {
        "Zenco pre-tax profit": "£75m",
        "Zenco cost savings": "$1.1bn",
        "Zenco turnover for the quarter": "4.3%",
    }
    turnover = by_label(found, "Zenco turnover for the quarter")
    assert turnover.note == "up by 4.3% to £1.97bn"  # the level reached, not a row of its own


def test_an_article_names_its_subject_one_way() -> None:
    """ "British Airways" is the article's "BA": one owner, so the stated drop is seen to be
    the change the next sentence gives."""
    [profit] = figures(
        *article(
            "a",
            "High costs hit BA's profits",
            "Shares in BA fell on Friday.",
            "British Airways has blamed fuel prices for a 40% drop in profits.",
            "The airline made a pre-tax profit of £75m compared with £125m a year earlier.",
        )
    )
    assert profit.label == "BA pre-tax profit"
    assert profit.note == "drop by 40%, as [1] says"


def test_what_it_refers_to_owns_even_a_known_thing() -> None:
    found = figures(
        *article(
            "a",
            "Skyline raises surcharges",
            "Fuel costs at Skyline rose again.",
            "In October, it raised the surcharge from £6 to £10.",
            "Critics say Ruritania has broken the 90-day truce with Skyline.",
        )
    )
    assert {f.label for f in found} == {"Skyline surcharge", "truce"}  # not Ruritania's


def test_a_relative_clause_has_its_own_subject() -> None:
    [tariffs] = figures(
        *article(
            "a",
            "Trump hails truce",
            "Trump spoke on Friday.",
            "Envoys met in Geneva, which led to a truce that lowered tariffs by 115 points.",
        )
    )
    assert tariffs.label == "tariffs"  # the truce's doing, not Trump's or the envoys'


def test_what_an_amount_of_goods_is_covered_by() -> None:
    [_, goods] = figures(scored("The pact cut tariffs on $300bn of steel from 25% to 10%."))
    assert (goods.label, goods.value.value) == ("steel covered by tariffs", 300e9)


def test_a_known_thing_is_not_given_the_clause_subject() -> None:
    [truce] = figures(scored("Critics say Ruritania has broken the 90-day truce."))
    assert truce.label == "truce"  # not Ruritania's truce


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize(
    ("text", "noun"),
    [
        ("a 90-minute call", "90 minutes"),
        ("the 90-day truce", "90 days"),
        ("a one-hour delay", "one hour"),
        ("a three-month-long pause", "three months"),
        ("a half-hour wait", "half an hour"),
        ("an hour-long talk", "an hour"),
        ("for 90 days", "90 days"),
        ("one and a half hours", "one and a half hours"),
    ],
)
def test_durations_are_shown_as_nouns(text: str, noun: str) -> None:
    assert shown(one(text)) == noun


def test_a_duration_figure_shows_a_noun_where_the_source_wrote_an_adjective() -> None:
    [call] = figures(
        scored("The leaders held a 90-minute call on Thursday.", "a", 1, score=9),
        scored("The leaders held a 60-minute call on Thursday.", "b", 2),
    )
    assert call.value.text == "90 minutes" and [v.text for v in call.variants] == ["60 minutes"]
    assert show_quantity(call.value) == "90 minutes"
    assert "90-minute call" in call.citations[0].text  # the source's own wording stays


# --------------------------------------------------------------------------- changes


@pytest.mark.parametrize(
    ("text", "before", "after"),
    [
        (
            "The airline made a profit of £75m ($141m) compared with £125m a year earlier.",
            "£125m",
            "£75m",
        ),
        ("Sales were $4bn, compared to $3.5bn in 2023.", "$3.5bn", "$4bn"),
        ("The fund returned 7%, down from 9% a year ago.", "9%", "7%"),
        ("Rates went from 2% to 3%.", "2%", "3%"),
        (
            "The group reported net profits of 400m euros ($527m), compared with a loss of "
            "984m euros in 2003.",
            "loss of 984m euros",
            "profit of 400m euros",
        ),
        (
            "It made a loss of £5m compared with £8m a year earlier.",
            "loss of £8m",
            "loss of £5m",
        ),
    ],
)
def test_changes_are_paired_where_the_sentence_states_them(
    text: str, before: str, after: str
) -> None:
    [change] = [f for f in figures(scored(text)) if f.before is not None]
    assert change.before is not None
    assert (show_quantity(change.before), show_quantity(change.value)) == (before, after)


def test_a_loss_is_below_zero() -> None:
    [change] = figures(
        scored(
            "The broadcaster Mediaco posted net profits of 400m euros, compared with a loss of 984m euros."
        )
    )
    assert change.before is not None
    assert (change.before.value, change.value.value) == (-984e6, 400e6)
    assert change.label == "Mediaco net profits"


def test_a_conversion_in_brackets_is_not_another_figure() -> None:
    found = figures(scored("Budget airline Jetco agreed a deal valued at $4bn (£2.1bn)."))
    assert [f.value.text for f in found] == ["$4bn"]


def test_a_range_is_not_a_figure() -> None:
    assert figures(scored("Jetco expects a 2% to 3% rise in revenue.")) == ()


# --------------------------------------------------------------------------- different subjects


def test_figures_of_different_subjects_are_never_one_figure() -> None:
    found = figures(
        scored("Since 2001 Skyline has cut 13,000 jobs as part of a cost drive.", "a", 1),
        scored("Reports say Jetco could move as many as 7,000 jobs offshore.", "b", 1),
        scored("Loss-making Flyco, which lost $646m, was forced to cut 6,900 jobs.", "c", 1),
    )
    jobs = {f.label: f for f in found if f.value.unit == "count"}
    assert set(jobs) == {"Skyline jobs", "Jetco jobs", "Flyco jobs"}
    assert all(f.consistent and len(f.citations) == 1 for f in jobs.values())


def test_the_same_subjects_figure_is_one_figure_across_sources() -> None:
    [jobs] = figures(
        scored("Reports say Jetco could move as many as 7,000 jobs offshore.", "a", 1),
        scored("If Jetco follows its rivals, 7,000 jobs could shift overseas.", "b", 4),
    )
    assert jobs.label == "Jetco jobs" and jobs.consistent
    assert {c.number for c in jobs.citations} == {1, 2}
    [disputed] = figures(
        scored("The airline Jetco will cut 7,000 jobs next year, the union said.", "a", 1, score=9),
        scored("The airline Jetco will cut 6,900 jobs next year, managers said.", "b", 1),
    )
    assert not disputed.consistent and [v.value for v in disputed.variants] == [6900]


def test_values_that_differ_are_one_disputed_figure_only_when_they_count_the_same_thing() -> None:
    found = figures(
        scored("The airline Jetco will cut 7,000 jobs next year, the union said.", "a", 1, score=9),
        scored("The airline Jetco will cut 6,900 staff next year, managers said.", "b", 1),
    )
    assert len(found) == 2 and all(f.consistent for f in found)


# --------------------------------------------------------------------------- the airline story


@pytest.mark.skipif(not BBC.is_dir(), reason="needs ../shared/data/bbc")
def test_airline_results_each_figure_is_its_companys() -> None:
    """Eight BBC airline articles (tests/stories/airlines.yaml): whose each figure is."""
    names = ("004", "047", "109", "128", "394", "395", "404", "455")
    sources = tuple(SourceInfo(f"s{n}", k + 1, n, "file", n) for k, n in enumerate(names))
    sentences: list[Sentence] = []
    for source, n in zip(sources, names, strict=True):
        text = (BBC / f"{n}.txt").read_text(encoding="utf-8")
        sentences += normalize(plain_document(text, f"{n}.txt", source.id), Rules.make())
    found = extract(
        [Scored(s, "news", 1.0) for s in sentences], sources, limit=100, stemmer=Stemmer()
    )
    shown_by_label = {
        f.label: (f"{show_quantity(f.before)} → " if f.before else "") + show_quantity(f.value)
        for f in found
    }
    assert shown_by_label["BA pre-tax profit"] == "£125m → £75m"
    assert shown_by_label["Lufthansa net profits"] == "loss of 984m euros → profit of 400m euros"
    assert shown_by_label["Continental cost savings"] == "$1.1bn"
    jobs = {f.label: f for f in found if f.value.unit == "count" and "jobs" in f.label}
    assert {"BA jobs", "Delta jobs", "Qantas jobs"} <= set(jobs)
    assert jobs["Qantas jobs"].consistent and len(jobs["Qantas jobs"].citations) == 3
    assert all(f.consistent for f in found)
    assert not {"extra", "deal", "costs", "jobs"} & set(shown_by_label)


# --------------------------------------------------------------------------- scale

OUTLETS = tuple(SourceInfo(f"s{k}", k + 1, f"S{k}", "file", f"s{k}.txt") for k in range(6))
TEMPLATES = (
    "The council approved a budget of ${v} million for {place}.",
    "{place} council passed a ${v} million budget on {day}.",
    "Shares of {company} fell {p} percent on {day}.",
    "{company} will cut {n} jobs at its {place} plant, officials said.",
    "Unemployment in {place} rose from {p} percent to {q} percent.",
    "Unemployment in {place} rose by {d} percentage points.",
    "The strike at {company} lasted {n} days, union leaders said.",
    "About {n} people attended the rally in {place} on {day}.",
    "The {company} deal is worth nearly ${v} billion.",
    "Leaders of {place} held a {m}-minute call about {company}.",
    "The call between {place} leaders lasted {h} hours.",
    "{company} was founded in {year}.",
    "{company} is valued at about ${w} billion.",
    "{company} is valued at ${w} billion, analysts said.",
)


def synthetic(n: int, seed: int = 7) -> list[Scored]:
    """``n`` news-like sentences from six outlets that restate, round and dispute a few
    dozen figures: the repetition that made comparing every statement with every other
    one slow."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        text = rng.choice(TEMPLATES).format(
            v=rng.choice((2, 2.5, 3, 40, 300)),
            w=rng.choice((2.3, 2.4, 2.5, 2.6, 2.7, 290, 300, 310, 330)),  # some rounded
            p=rng.choice((5, 10, 12, 19, 30)),
            q=rng.choice((4, 8, 20)),
            d=rng.choice((1, 2, 6, 10)),
            n=rng.choice((3, 12, 90, 400, 12000)),
            m=rng.choice((60, 90)),
            h=rng.choice(("one and a half", "two")),
            year=rng.choice((1998, 2004)),
            place=rng.choice("Leeds York Bath Derby Hull Ely".split()),
            company=rng.choice("Acme Globex Initech Umbrella Hooli Vandelay".split()),
            day=rng.choice("Monday Tuesday Friday".split()),
        )
        source = f"s{i % 6}"
        score = 1.0 + (i * 7919 % 13) / 13
        sentence = Sentence(source, f"{source}-{i // 60}.txt", Role.CONTENT, text, i % 60, 0)
        out.append(Scored(sentence, "news", score))
    return out


def every_pair_grouping(found: list[_Found]) -> list[list[_Found]]:
    """The grouping by comparing each statement with every member of every group of its
    dimension (deltas: of every group), as ``figures._group`` did before it was indexed."""
    f = figures_module
    groups: list[list[_Found]] = []
    by_dimension: dict[str, list[int]] = {}
    for item in sorted(found, key=lambda x: (x.kind, -x.score, x.place)):
        best: tuple[float, int] | None = None
        dimension = f._dimension(item.value)
        candidates = (
            range(len(groups)) if item.kind == f._DELTA else by_dimension.get(dimension, [])
        )
        for g in candidates:
            group = groups[g]
            if any(f._clash(item, m) or m.place[:3] == item.place[:3] for m in group):
                continue
            related = (f._relation(item, m, lead=k == 0) for k, m in enumerate(group))
            scores = [r for r in related if r is not None]
            if scores and (best is None or max(scores) > best[0]):
                best = (max(scores), g)
        if best is None:
            by_dimension.setdefault(dimension, []).append(len(groups))
            groups.append([item])
        else:
            groups[best[1]].append(item)
    return groups


def test_indexed_grouping_is_every_pair_grouping(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[_Found]] = []
    group = figures_module._group

    def spy(found: list[_Found]) -> list[list[_Found]]:
        seen.append(found)
        return group(found)

    monkeypatch.setattr(figures_module, "_group", spy)
    found = extract(synthetic(600), OUTLETS, limit=1000)
    [statements] = seen
    assert len(found) > 40 and any(len({c.source_id for c in f.citations}) > 3 for f in found)
    assert any(not f.consistent for f in found) and any(f.before for f in found)
    indexed = [[m.place for m in g] for g in group(statements)]
    assert indexed == [[m.place for m in g] for g in every_pair_grouping(statements)]


def test_work_is_linear_in_the_sentences(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted, not timed: the pairwise checks per sentence stay bounded as sentences grow
    (checking every pair was over 350 per sentence here at 3,000 sentences, and growing)."""
    calls = {"relation": 0, "linked": 0}
    relation, linked = figures_module._relation, figures_module._linked

    def counted_relation(a: _Found, b: _Found, *, lead: bool) -> float | None:
        calls["relation"] += 1
        return relation(a, b, lead=lead)

    def counted_linked(a: _Found, b: _Found, shared: set[str]) -> bool:
        calls["linked"] += 1
        return linked(a, b, shared)

    monkeypatch.setattr(figures_module, "_relation", counted_relation)
    monkeypatch.setattr(figures_module, "_linked", counted_linked)
    per_sentence = []
    for n in (1000, 3000):
        calls.update(relation=0, linked=0)
        found = extract(synthetic(n), OUTLETS, limit=1000)
        assert max(len(f.citations) for f in found) > n / 40  # figures stated over and over
        per_sentence.append((calls["relation"] / n, calls["linked"] / n))
    assert all(r < 20 and k < 20 for r, k in per_sentence), per_sentence
