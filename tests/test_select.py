"""Selection: the items that matter, no redundancy, within budget; top lines; summarize."""

from __future__ import annotations

from datetime import UTC, datetime

from digest.config import SectionConfig, SelectConfig
from digest.models import Citation, Item
from digest.select import select, summarize, top_lines
from digest.text import Stemmer


def item(
    text: str,
    score: float,
    section: str = "s",
    sources: tuple[int, ...] = (1,),
    day: int = 1,
    news: float = 0.0,
    standalone: bool = True,
) -> Item:
    when = datetime(2025, 6, day, tzinfo=UTC)
    citations = tuple(Citation(f"s{n}", n, "d", 0, text, published=when) for n in sources)
    return Item(text, section, score, citations, news=news, standalone=standalone)


SECTION = SectionConfig(id="s", title="S", max_items=2)
NO_TOP = SelectConfig(top_lines=0)


def test_best_items_first_within_max_items() -> None:
    items = [
        item("Stocks fell sharply on Monday.", 3),
        item("Oil prices rose to a record.", 9),
        item("The central bank held rates.", 6),
    ]
    [section], other, _ = select(items, [SECTION], settings=NO_TOP)
    assert [i.score for i in section.items] == [9, 6]
    assert other == ()


def test_a_second_wording_of_the_same_fact_gives_way_to_a_new_fact() -> None:
    items = [
        item("The central bank raised interest rates by half a point on Tuesday.", 10),
        item(
            "On Tuesday the central bank raised interest rates by half a point, its biggest move.",
            9.5,
        ),
        item("Unemployment fell to a four-year low in May.", 7),
    ]
    [section], _, _ = select(items, [SECTION], settings=NO_TOP)
    assert [i.score for i in section.items] == [10, 7]
    [kept], _, _ = select(items, [SECTION], settings=SelectConfig(redundancy=0, top_lines=0))
    assert [i.score for i in kept.items] == [10, 9.5]


def test_news_outranks_a_slightly_better_matching_item() -> None:
    """Corroboration, lead place and the rest reach selection as ``Item.news``."""
    items = [
        item("Ministers met in Geneva for talks.", 8, sources=(1,)),
        item("The truce runs for 90 days.", 6, sources=(1, 2), news=4.0),
    ]
    one = SECTION.model_copy(update={"max_items": 1})
    [section], _, _ = select(items, [one], settings=NO_TOP)
    assert section.items[0].source_numbers == (1, 2)


def test_a_second_source_before_a_third_item_from_one_source() -> None:
    items = [
        item("Fuel costs rose by a fifth at the largest carrier.", 9, sources=(1,)),
        item("The largest carrier added a fuel surcharge on long flights.", 8.5, sources=(1,)),
        item("A budget airline hedged its fuel for two years ahead.", 7, sources=(2,)),
    ]
    [section], _, _ = select(items, [SECTION], settings=NO_TOP)
    assert [i.source_numbers for i in section.items] == [(1,), (2,)]


def test_an_item_that_leans_on_an_unseen_sentence_gives_way() -> None:
    items = [
        item("It also cut its forecast for the year.", 9, standalone=False),
        item("The carrier cut its forecast for the year.", 6),
    ]
    one = SECTION.model_copy(update={"max_items": 1})
    [section], _, _ = select(items, [one], settings=NO_TOP)
    assert section.items[0].standalone


def test_top_lines_are_lifted_from_their_sections_not_repeated() -> None:
    items = [
        item("Tariffs were cut from 145 percent to 30 percent.", 12, news=9.0),
        item("A second tariff story about duties on steel.", 11),
        item("Exporters welcomed the lower duties on furniture.", 5),
    ]
    config = SectionConfig(id="s", title="S", max_items=2)
    [section], _, top = select(items, [config], settings=SelectConfig(top_lines=1))
    assert [i.text for i in top] == [items[0].text]
    assert section.lifted == (1,)
    assert items[0] not in section.items and len(section.items) == 1  # 2 in all


def test_word_budget_and_first_item_always_shown() -> None:
    long = item(" ".join(["word"] * 30) + ".", 9)
    short = item("A short one.", 5)
    config = SectionConfig(id="s", title="S", max_items=5, max_words=10)
    [section], _, _ = select([long, short], [config], settings=NO_TOP)
    assert section.items == (long,)  # over budget alone, still shown; nothing more fits


def test_order_by_time() -> None:
    items = [item("Late but important news.", 9, day=5), item("Early news story.", 5, day=2)]
    [section], _, _ = select(items, [SECTION], settings=SelectConfig(order="time", top_lines=0))
    assert [i.text for i in section.items] == ["Early news story.", "Late but important news."]


def test_top_lines_rank_by_news_and_take_turns_across_sections() -> None:
    items = [
        item("Tariffs were cut from 145 percent to 30 percent.", 12, "tariffs", news=9.0),
        item("A second tariff story about duties on steel.", 11, "tariffs", (2,), news=7.0),
        item("Stocks rallied after the call.", 6, "markets", (3,), news=6.0),
        item("Rare earth exports remain restricted.", 5, "minerals", (4,), news=5.0),
        item("A background sentence on older duties.", 14, "minerals", (5,), news=0.5),
    ]
    top = top_lines(items, 3, Stemmer())
    assert [i.section for i in top] == ["tariffs", "markets", "minerals"]
    assert top[2].news == 5.0  # news ranks top lines, not the section score
    assert top_lines(items, 0, Stemmer()) == ()


def test_summarize_picks_what_several_documents_say_within_budget() -> None:
    shared = "The storm made landfall near the port city on Tuesday with winds of 120 mph."
    documents = [
        f"{shared} Officials ordered the evacuation of coastal towns before it arrived.",
        f"Forecasters said {shared[0].lower()}{shared[1:]} Power was cut to thousands of homes across the region.",
        f"{shared} A local bakery reopened its doors to customers after repairs were finished.",
    ]
    summary = summarize(documents, words=20)
    assert summary and "landfall" in summary[0]
    assert sum(len(s.split()) for s in summary) < 20 + 30  # the last sentence may run over
    assert len(set(summary)) == len(summary)


def test_yesterdays_news_gives_way_in_the_top_lines_but_keeps_its_place() -> None:
    from datetime import date

    old = item("Tariffs were cut from 145 percent to 30 percent.", 12, news=9.0)
    old = Item(old.text, old.section, old.score, old.citations, date(2025, 6, 4), news=9.0)
    new = item("Exporters rushed orders out before the deadline.", 6, sources=(2,), news=5.0)
    [section], _, top = select([old, new], [SECTION], settings=SelectConfig(top_lines=1))
    assert top == (new,) and section.items == (old,)
