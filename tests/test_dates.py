"""Dates and times as readers see them: the sample's own day, each source's date, a year on
"reported" marks from another year, and a zone on every time of day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from digest import config
from digest.mail import compose
from digest.models import Briefing, Citation, Item, Section, SourceInfo, SourceStatus, Status
from digest.render import coverage, render, short_day

from .conftest import ROOT
from .test_mail import make_settings

NEW_YORK = ZoneInfo("America/New_York")
SUMMER = datetime(2025, 6, 5, 22, 0, tzinfo=UTC)  # 18:00 EDT
WINTER = datetime(2025, 1, 9, 23, 0, tzinfo=UTC)  # 18:00 EST


def cite(number: int, doc: str, published: datetime | None, url: str | None = None) -> Citation:
    return Citation(f"s{number}", number, doc, 0, f"Sentence of {doc}.", url, doc, published)


def dated_briefing(*citations: Citation, sources: tuple[SourceInfo, ...] = ()) -> Briefing:
    """One item per citation, in one section; a source per number unless given."""
    items = tuple(Item(c.text, "news", 1.0, (c,)) for c in citations)
    numbers = sorted({c.number for c in citations})
    return Briefing(
        title="Dates",
        subtitle=None,
        date=date(2025, 6, 5),
        timezone="America/New_York",
        sections=(Section("news", "News", "", items),),
        sources=sources
        or tuple(SourceInfo(f"s{n}", n, f"Source {n}", "feed", "x") for n in numbers),
        statuses=tuple(SourceStatus(f"s{n}", Status.OK, 1) for n in numbers),
        top_lines=items[:1],
    )


def texts(briefing: Briefing) -> tuple[str, str]:
    out = render(briefing, ["md", "html"])
    return out["md"].decode("utf-8"), out["html"].decode("utf-8")


def source_line(md: str, number: int) -> str:
    return next(line for line in md.splitlines() if line.startswith(f"- [{number}] **"))


# --------------------------------------------------------------------------- the sample's day


def test_the_sample_is_built_for_the_day_of_the_call() -> None:
    day = config.load(ROOT / "config.yaml").config.briefing.date
    assert day == date(2025, 6, 5) and day.strftime("%A") == "Thursday"  # "on Thursday"


# --------------------------------------------------------------------------- the source list


def test_a_source_shows_when_its_article_was_published_with_the_zone() -> None:
    md, html = texts(dated_briefing(cite(1, "a", SUMMER)))
    assert source_line(md, 1) == "- [1] **Source 1**, 5 June 2025, 18:00 EDT"
    assert (
        '<time class="published" datetime="2025-06-05T18:00-04:00">5 June 2025, 18:00 EDT</time>'
        in html
    )


def test_a_feed_shows_the_span_of_its_articles_and_each_articles_date() -> None:
    earlier = datetime(2025, 6, 4, 13, 15, tzinfo=UTC)
    feed = dated_briefing(
        cite(1, "a", SUMMER, "https://feed.example/a"),
        cite(1, "b", earlier, "https://feed.example/b"),
        cite(1, "c", None, "https://feed.example/c"),  # undated: says nothing, spoils nothing
    )
    md, html = texts(feed)
    assert source_line(md, 1) == "- [1] **Source 1**, 4–5 June 2025"
    assert '<span class="published">4–5 June 2025</span>' in html
    assert (
        '<a href="https://feed.example/a">a</a>, <time class="published" '
        'datetime="2025-06-05T18:00-04:00">5 June 2025, 18:00 EDT</time></li>' in html
    )
    assert "4 June 2025, 09:15 EDT</time></li>" in html
    assert '<a href="https://feed.example/c">c</a></li>' in html


def test_one_article_is_dated_once_on_the_source_line() -> None:
    html = texts(dated_briefing(cite(1, "a", SUMMER, "https://x.example/a")))[1]
    assert html.count("5 June 2025, 18:00 EDT") == 1


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        (date(2025, 5, 30), date(2025, 6, 5), "30 May – 5 June 2025"),
        (date(2024, 12, 30), date(2025, 1, 2), "30 December 2024 – 2 January 2025"),
    ],
)
def test_spans_across_months_and_years(first: date, last: date, shown: str) -> None:
    noon = [
        datetime.combine(d, datetime.min.time(), NEW_YORK) + timedelta(hours=12)
        for d in (first, last)
    ]
    md = texts(dated_briefing(cite(1, "a", noon[0]), cite(1, "b", noon[1])))[0]
    assert source_line(md, 1).endswith(f", {shown}")


def test_a_date_without_a_time_keeps_its_day() -> None:
    """``published: 2025-06-05`` in the config is midnight UTC: in New York that is the 4th."""
    day_only = SourceInfo("s1", 1, "Page", "page", "x", published=datetime(2025, 6, 5, tzinfo=UTC))
    md, html = texts(dated_briefing(cite(1, "b", None), sources=(day_only,)))
    assert source_line(md, 1) == "- [1] **Page**, 5 June 2025"
    assert '<time class="published" datetime="2025-06-05">5 June 2025</time>' in html
    naive = dated_briefing(cite(1, "a", datetime(2025, 6, 5)))
    assert source_line(texts(naive)[0], 1).endswith(", 5 June 2025")


def test_an_undated_source_shows_no_date() -> None:
    md, html = texts(dated_briefing(cite(1, "a", None)))
    assert source_line(md, 1) == "- [1] **Source 1**"
    assert 'class="published"' not in html and "<time" not in html.split('id="sources"')[1]
    msg = compose(dated_briefing(cite(1, "a", None)), {}, make_settings(), stem="b")
    for part in ("plain", "html"):
        body = msg.get_body((part,))
        assert body is not None and "2025" not in body.get_content().split("Source 1")[1]


def test_the_email_dates_the_sources_it_lists() -> None:
    msg = compose(dated_briefing(cite(1, "a", SUMMER)), {}, make_settings(), stem="b")
    for part in ("plain", "html"):
        body = msg.get_body((part,))
        assert body is not None and "Source 1, 5 June 2025, 18:00 EDT" in body.get_content()


# --------------------------------------------------------------------------- reported marks


def test_reported_marks_carry_the_year_only_when_it_is_another() -> None:
    base = dated_briefing(cite(1, "a", None))
    this_year, last_year = date(2025, 6, 2), date(2024, 6, 6)
    for when, shown in ((this_year, "2 June"), (last_year, "6 June 2024")):
        item = replace(base.sections[0].items[0], first_reported=when)
        marked = replace(
            base, sections=(replace(base.sections[0], items=(item,)),), top_lines=(item,)
        )
        md, html = texts(marked)
        assert md.count(f"*(reported {shown})*") == 2  # top line and section
        assert html.count(f'<span class="repeat">&nbsp;reported {shown}</span>') == 2
    assert short_day(last_year, 2025) == "6 June 2024" and short_day(this_year, 2025) == "2 June"
    assert short_day(this_year) == "2 June 2025"  # without a year to compare: always the year


# --------------------------------------------------------------------------- zones


def windowed(end: datetime, hours: int = 12, zone: str = "America/New_York") -> Briefing:
    return replace(
        dated_briefing(cite(1, "a", None)),
        timezone=zone,
        window_start=end - timedelta(hours=hours),
        window_end=end,
    )


def test_times_carry_the_zone_of_their_date() -> None:
    assert coverage(windowed(SUMMER)) == "5 Jun 06:00 – 5 Jun 2025 18:00 EDT"
    assert coverage(windowed(WINTER)) == "9 Jan 06:00 – 9 Jan 2025 18:00 EST"
    md = texts(dated_briefing(cite(1, "a", WINTER)))[0]
    assert source_line(md, 1).endswith(", 9 January 2025, 18:00 EST")


def test_a_window_across_the_change_of_clocks_names_both_zones() -> None:
    end = datetime(2025, 3, 9, 12, 0, tzinfo=NEW_YORK)  # clocks went forward at 02:00
    assert coverage(windowed(end, 24)) == "8 Mar 12:00 EST – 9 Mar 2025 12:00 EDT"
    md, html = texts(windowed(end, 24))
    assert "covers 8 Mar 12:00 EST – 9 Mar 2025 12:00 EDT" in md and "12:00 EDT" in html


def test_zones_without_an_abbreviation_show_the_offset() -> None:
    assert coverage(windowed(SUMMER, zone="America/Sao_Paulo")).endswith("19:00 -03:00")
    assert coverage(windowed(SUMMER, zone="Etc/UTC")).endswith("22:00 UTC")
    assert coverage(windowed(SUMMER, zone="Not/AZone")).endswith("22:00 UTC")  # read from JSON
