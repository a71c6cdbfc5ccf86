"""Selection: the items that matter, no redundancy, within budget; top lines; summarize."""

from __future__ import annotations

from datetime import UTC, datetime

from digest.config import SectionConfig, SelectConfig
from digest.models import Citation, Item
from digest.select import select, summarize, top_lines
from digest.text import Stemmer


def item(
    text: str, score: float, section: str = "s", sources: tuple[int, ...] = (1,), day: int = 1
) -> Item:
    when = datetime(2025, 6, day, tzinfo=UTC)
    citations = tuple(Citation(f"s{n}", n, "d", 0, text, published=when) for n in sources)
    return Item(text, section, score, citations)


SECTION = SectionConfig(id="s", title="S", max_items=2)


def test_best_items_first_within_max_items() -> None:
    items = [
        item("Stocks fell sharply on Monday.", 3),
        item("Oil prices rose to a record.", 9),
        item("The central bank held rates.", 6),
    ]
    [section], other, _ = select(items, [SECTION])
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
    [section], _, _ = select(items, [SECTION])
    assert [i.score for i in section.items] == [10, 7]
    [kept], _, _ = select(items, [SECTION], settings=SelectConfig(redundancy=0))
    assert [i.score for i in kept.items] == [10, 9.5]


def test_corroboration_outranks_a_slightly_better_single_source_item() -> None:
    items = [
        item("Ministers met in Geneva for talks.", 8, sources=(1,)),
        item("The truce runs for 90 days.", 6, sources=(1, 2)),
    ]
    [section], _, _ = select(items, [SECTION.model_copy(update={"max_items": 1})])
    assert section.items[0].source_numbers == (1, 2)


def test_word_budget_and_first_item_always_shown() -> None:
    long = item(" ".join(["word"] * 30) + ".", 9)
    short = item("A short one.", 5)
    config = SectionConfig(id="s", title="S", max_items=5, max_words=10)
    [section], _, _ = select([long, short], [config])
    assert section.items == (long,)  # over budget alone, still shown; nothing more fits


def test_order_by_time() -> None:
    items = [item("Late but important news.", 9, day=5), item("Early news story.", 5, day=2)]
    [section], _, _ = select(items, [SECTION], settings=SelectConfig(order="time"))
    assert [i.text for i in section.items] == ["Early news story.", "Late but important news."]


def test_top_lines_one_per_section_first() -> None:
    items = [
        item("Tariffs were cut from 145 percent to 30 percent.", 12, "tariffs"),
        item("A second tariff story about duties on steel.", 11, "tariffs"),
        item("Stocks rallied after the call.", 6, "markets"),
        item("Rare earth exports remain restricted.", 5, "minerals"),
    ]
    top = top_lines(items, 3, Stemmer())
    assert [i.section for i in top] == ["tariffs", "markets", "minerals"]
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
