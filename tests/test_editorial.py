"""The editorial gate: top lines that are the news, sentences that stand alone, honest
merges and sources taking turns, on the sample and on stories assembled from
../shared/data (``tests/stories/``). Print any story with ``python -m tests.editorial NAME``.

The headline facts are written down by hand, one per thing an editor would lead with;
the top lines must state most of them (three quarters, rounded up).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from digest.models import Briefing

from . import editorial
from .conftest import shared_path

pytestmark = pytest.mark.gate


@pytest.fixture(scope="module")
def briefings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Briefing]:
    built = {}
    for name in editorial.names():
        story = editorial.story(name)
        needs = story.needs()
        if needs is not None and not needs.exists():
            continue
        built[name] = editorial.briefing(story, tmp_path_factory.mktemp(name))
    return built


def _get(briefings: dict[str, Briefing], name: str) -> Briefing:
    if name not in briefings:
        needs = editorial.story(name).needs()
        shared_path(*Path(str(needs)).relative_to(editorial.SHARED).parts)  # skips, with why
    return briefings[name]


@pytest.mark.parametrize("name", editorial.names())
def test_top_lines_state_most_headline_facts(briefings: dict[str, Briefing], name: str) -> None:
    b = _get(briefings, name)
    covered = editorial.covered(b, editorial.story(name))
    floor = math.ceil(0.75 * len(covered))
    assert sum(covered.values()) >= floor, covered


@pytest.mark.parametrize("name", editorial.names())
def test_each_top_line_a_different_fact_and_not_read_twice(
    briefings: dict[str, Briefing], name: str
) -> None:
    b = _get(briefings, name)
    texts = [i.text for i in b.top_lines]
    assert len(set(texts)) == len(texts)
    assert not set(texts) & {i.text for s in b.sections for i in s.items}
    assert sorted(n for s in b.sections for n in s.lifted) == list(range(1, len(texts) + 1))


@pytest.mark.parametrize("name", editorial.names())
def test_no_shown_item_leans_on_an_unseen_sentence(
    briefings: dict[str, Briefing], name: str
) -> None:
    assert editorial.findings(_get(briefings, name))["leans"] == []


@pytest.mark.parametrize("name", editorial.names())
def test_no_source_is_credited_with_a_quotation_it_lacks(
    briefings: dict[str, Briefing], name: str
) -> None:
    assert editorial.findings(_get(briefings, name))["miscredited"] == []


@pytest.mark.parametrize("name", editorial.names())
def test_no_section_is_one_source_when_three_have_material(
    briefings: dict[str, Briefing], name: str
) -> None:
    assert editorial.one_source_sections(_get(briefings, name)) == []


def test_the_checks_can_fail() -> None:
    """Each check finds what it is for, so a clean briefing means something."""
    from datetime import date

    from digest.models import Citation, Item, Section

    def cite(n: int, text: str) -> Citation:
        return Citation(f"s{n}", n, "d", n, text)

    leaning = Item("But that truce began to teeter.", "s", 5, (cite(1, "But that truce …"),))
    quoted = Item(
        "“Our teams will meet shortly,” Trump wrote.",
        "s",
        5,
        (
            cite(1, "The call lasted 90 minutes."),
            cite(2, "“Our teams will meet shortly,” Trump wrote."),
        ),
    )
    mono = [Item(f"Fact {k} from one source.", "s", 5, (cite(1, f"Fact {k}."),)) for k in range(2)]
    others = tuple(Item("Other.", "s", 1, (cite(n, "Other."),)) for n in (2, 3))
    b = Briefing(
        "T",
        None,
        date(2025, 6, 5),
        "UTC",
        (Section("s", "S", "", (leaning, quoted, *mono)),),
        (),
        (),
        other=others,
    )
    assert editorial.leans(leaning) == "But"
    assert editorial.miscredited(quoted) == [1]
    assert editorial.one_source_sections(
        Briefing(
            "T",
            None,
            date(2025, 6, 5),
            "UTC",
            (Section("s", "S", "", tuple(mono)),),
            (),
            (),
            other=others,
        )
    ) == ["s"]
    assert editorial.findings(b)["leans"] and editorial.findings(b)["miscredited"]
