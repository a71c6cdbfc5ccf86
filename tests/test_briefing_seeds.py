"""The briefing's intelligence on the two seed articles, end to end through ``analyze``.

What an analyst reading both seeds expects: each statement they both make once,
citing both; the numbers that matter in one table, each cited; who is who.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from digest import config
from digest.build import Analysis, analyze
from digest.models import Item

# Statements both seeds make, in the words of each (hand-labelled).
BOTH = [
    ("90-minute phone conversation", "lasted for one and a half hours"),
    ("will lead the American delegation", "would represent the US side"),
    ("Russia, Ukraine, and Iran did not arise", "Nothing was discussed concerning Russia/Ukraine"),
    ("almost entirely focused on trade", "focused almost entirely on TRADE"),
    (
        "complexity of rare earth products",
        "complexity of Rare Earth products",
    ),
]


@pytest.fixture(scope="module")
def analysis(sample_config_path: Path) -> Analysis:
    return analyze(config.load(sample_config_path), on=date(2025, 6, 6))


@pytest.fixture(scope="module")
def sample_config_path() -> Path:
    return Path(__file__).resolve().parents[1] / "config.yaml"


def items(analysis: Analysis) -> list[Item]:
    briefing = analysis.briefing
    return [*briefing.shown_items, *briefing.other]


@pytest.mark.parametrize(("cnbc", "short"), BOTH)
def test_a_statement_both_seeds_make_appears_once_citing_both(
    analysis: Analysis, cnbc: str, short: str
) -> None:
    def holds(item: Item, words: str) -> bool:
        return any(words in c.text for c in item.citations)

    found = [i for i in items(analysis) if holds(i, cnbc) or holds(i, short)]
    shown = [i for i in found if holds(i, cnbc) and holds(i, short)]
    assert len(shown) == 1, [i.text for i in found]
    assert shown[0].source_numbers == (1, 2)
    assert len(found) == 1  # not also shown apart


def test_top_lines_lead_the_briefing(analysis: Analysis) -> None:
    top = analysis.briefing.top_lines
    assert 3 <= len(top) <= 5
    shown = {i.text for s in analysis.briefing.sections for i in s.items}
    assert not any(i.text in shown for i in top)  # not read twice
    lifted = sorted(n for s in analysis.briefing.sections for n in s.lifted)
    assert lifted == list(range(1, len(top) + 1))  # each named by the section it came from
    assert len({i.section for i in top}) >= 3  # across sections, not one section's best


def test_key_figures_table(analysis: Analysis) -> None:
    figures = analysis.briefing.figures

    def find(unit: str, value: float, before: float | None = None) -> list[int]:
        for f in figures:
            same = f.value.unit == unit and f.value.value == value
            if same and (before is None or (f.before is not None and f.before.value == before)):
                assert f.citations, f
                for c in f.citations:
                    assert c.text in {s.sentence.text for s in analysis.scored}
                return sorted({c.number for c in f.citations})
        raise AssertionError(f"no {before} → {value} {unit} in {figures}")

    assert 1 in find("percent", 30, before=145)  # US tariffs on Chinese goods
    assert 1 in find("percent", 10, before=125)  # China's duties on US goods
    assert find("USD", 300e9) == [1]  # the goods covered
    assert find("day", 90) == [1, 2]  # the truce
    assert find("minute", 90) == [1, 2]  # the call: "90-minute" = "one and a half hours"
    assert all(f.consistent for f in figures)


def test_whos_who(analysis: Analysis) -> None:
    people = {p.name: p for p in analysis.briefing.people}
    for name, role in [
        ("Donald Trump", "President"),
        ("Xi Jinping", "President"),
        ("Scott Bessent", "Treasury Secretary"),
        ("Howard Lutnick", "Commerce Secretary"),
        ("Jamieson Greer", "Trade Representative"),
    ]:
        person = people[name]
        assert any(role in r for r in person.roles), (name, person.roles)
        assert sorted({c.number for c in person.citations}) == [1, 2], name
    assert "Trump" in people["Donald Trump"].aliases
    assert not {"White House", "Geneva", "Beijing", "Truth Social"} & set(people)
