"""Standalone: an item's opening reference shown in brackets, a dangling connective
dropped, and what still leans on an unseen sentence marked so."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest import config
from digest.build import analyze
from digest.models import Citation, Item, Role, Sentence
from digest.normalize import Rules, normalize
from digest.standalone import edit

from . import editorial
from .conftest import ROOT, plain_document


def article(*texts: str, title: str | None = None) -> list[Sentence]:
    """One article's sentences, in reading order: a headline, then content."""
    lines = [(Role.TITLE, title)] if title else []
    lines += [(Role.CONTENT, t) for t in texts]
    return [Sentence("s", "d", role, text, n, n) for n, (role, text) in enumerate(lines)]


def item_for(sentences: list[Sentence], index: int) -> Item:
    s = sentences[index]
    return Item(s.text, "news", 1.0, (Citation(s.source_id, 1, s.doc_id, s.index, s.text),))


def last(*texts: str, title: str | None = None) -> Item:
    """The article's last sentence as an item, edited to stand alone."""
    sentences = article(*texts, title=title)
    (edited,) = edit([item_for(sentences, len(sentences) - 1)], sentences)
    return edited


# --------------------------------------------------------------------------- references


def test_a_pronoun_subject_shows_the_person_in_brackets() -> None:
    item = last(
        "Harbour Tools chief executive Maria Lopez presented the results on Tuesday.",
        "Lopez said demand for drills had doubled.",
        "She added that a new factory would open in Leeds next year.",
    )
    assert item.text == "[Lopez] added that a new factory would open in Leeds next year."
    assert item.original == "She added that a new factory would open in Leeds next year."
    assert item.standalone


def test_a_definite_description_shows_the_company_as_the_article_shortens_it() -> None:
    item = last(
        "Shares in Northwind Airlines fell after it cut its forecast.",
        "Northwind said fuel costs had risen by a third.",
        "Last month, the carrier dropped four routes to Spain.",
        title="Northwind warns on profits",
    )
    assert item.text == "Last month, [Northwind] dropped four routes to Spain."
    assert item.standalone


@pytest.mark.parametrize(
    ("texts", "wanted"),
    [
        (  # "it": the organization the sentence before is about (named again as a modifier)
            (
                "Budget airline Skylark has ordered 30 new jets.",
                "It also holds options on 20 more, which would double the Skylark fleet.",
            ),
            "[Skylark] also holds options on 20 more, which would double the Skylark fleet.",
        ),
        (  # a possessive
            (
                "Senator Tom Brady of Ohio was found dead at his home on Sunday.",
                "Brady, 81, had served four terms.",
                "His death leaves the committee without a chairman.",
            ),
            "[Brady's] death leaves the committee without a chairman.",
        ),
        (  # a chain of references leads back to the name
            (
                "German carmaker Autowerk returned to profit in 2004.",
                "The company said sales rose in China.",
                "It also plans to hire 500 engineers.",
            ),
            "[Autowerk] also plans to hire 500 engineers.",
        ),
        (  # a demonstrative: the noun named before, with what says which
            (
                "The two governments signed a March ceasefire in Geneva.",
                "But that ceasefire collapsed within weeks.",
            ),
            "[The March ceasefire] collapsed within weeks.",
        ),
        (  # "they" after a plural subject
            ("Analysts expected a weaker quarter.", "They said prices would fall further."),
            "[Analysts] said prices would fall further.",
        ),
        (  # … after a dateline, in a lower-cased report
            (
                "Lagos ( reuters ) - city residents who live near the port should leave "
                "on friday, the governor said.",
                "Otherwise, they risk being cut off by the floods.",
            ),
            "[City residents] risk being cut off by the floods.",
        ),
    ],
)
def test_a_reference_shows_what_it_means(texts: tuple[str, ...], wanted: str) -> None:
    item = last(*texts)
    assert item.text == wanted
    assert item.original == texts[-1]
    assert item.standalone


# --------------------------------------------------------------------------- connectives


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("But the rally faded by noon.", "The rally faded by noon."),
        ("However, exports grew by 4%.", "Exports grew by 4%."),
        ("Yet with rates rising, buyers held back.", "With rates rising, buyers held back."),
        ("Meanwhile, Oslo raised its tariffs.", "Oslo raised its tariffs."),
        ("Even so, the index closed higher.", "The index closed higher."),
        ("And so, the talks ended.", "The talks ended."),
        ("So far, sales are flat.", "So far, sales are flat."),
        ("Still more rain is expected.", "Still more rain is expected."),
        ("But for the storm, the harvest would be good.", None),
        ("Yet another delay hit the project.", None),
    ],
)
def test_a_connective_that_no_longer_connects_is_dropped(text: str, wanted: str | None) -> None:
    item = last("The market opened on Monday.", text)
    assert item.text == (wanted or text)
    assert item.original == (None if item.text == text else text)
    assert item.standalone


# --------------------------------------------------------------------------- left alone


@pytest.mark.parametrize(
    "texts",
    [
        ("The launch was planned for May.", "It was delayed again."),  # the launch, not a name
        ("Talks resumed in Vienna.", "This is the third round."),  # "this" alone
        ("Talks resumed in Vienna.", "These three will meet again."),  # a number says nothing
        ("The man was arrested in Leeds.", "The man, 35, denies the charge."),
        ("Officials met on Monday.", "He declined to comment."),  # no one named
        ("Rain fell.", "Yet that decision was right."),  # "decision" was never named
    ],
)
def test_what_cannot_be_resolved_is_marked_as_leaning(texts: tuple[str, ...]) -> None:
    item = last(*texts)
    assert not item.standalone
    assert "[" not in item.text


def test_he_is_not_the_person_his_own_sentence_names() -> None:
    item = last(
        "Opposition leader Carl Brown attacked the budget.",
        "He accused Brown of hiding the cost.",
    )
    assert not item.standalone


@pytest.mark.parametrize(
    "text",
    [
        "Lopez said she would stay on as chair.",  # the pronoun refers within the sentence
        "It is unclear whether the plant will reopen.",  # an "it" that stands for nothing
        "It was the third time this year that Lopez had warned on profits.",
        "This week, the board meets in London.",  # "this week" is a date, not a reference
        "The airline industry has had a hard year.",  # "airline" is not the head
        "When asked about Harbour Tools, its founder declined to comment.",
        "“We are pleased with the year,” Lopez said.",
    ],
)
def test_what_stands_alone_is_left_as_it_is(text: str) -> None:
    item = last("Chief executive Maria Lopez spoke on Monday.", text)
    assert item.text == text
    assert item.original is None
    assert item.standalone


def test_a_quotation_is_never_edited_but_may_lean() -> None:
    item = last(
        "Skylark posted a record profit.",
        "“It is a great result for our staff,” Lopez said.",
    )
    assert item.text == "“It is a great result for our staff,” Lopez said."
    assert not item.standalone
    inside = last("Skylark posted a record profit.", 'It was hard work," he said.')
    assert inside.text == 'It was hard work," he said.'
    assert not inside.standalone


def test_items_without_their_sentence_are_only_stripped_of_connectives() -> None:
    stray = Item("But it grew.", "news", 1.0, ())
    (item,) = edit([stray], [])
    assert item.text == "It grew."
    assert not item.standalone


# --------------------------------------------------------------------------- real text


def test_the_sample_resolves_he_from_the_article_before_it() -> None:
    text = (ROOT / "samples" / "trump-xi-call-cnbc-adapted.txt").read_text(encoding="utf-8")
    sentences = normalize(plain_document(text, source_id="cnbc"), Rules.make([]))
    wanted = [s for s in sentences if s.text.startswith(("He revealed", "But that", "Yet with"))]
    edited = edit([item_for(sentences, s.index) for s in wanted], sentences)
    assert edited[0].text.startswith("[Trump] revealed that Treasury Secretary Scott Bessent")
    assert edited[1].text.startswith("With Riyadh and Moscow closely monitoring outcomes")
    assert all(i.standalone for i in edited)


def test_no_shown_item_of_the_sample_leans_on_an_unseen_sentence(tmp_path: Path) -> None:
    briefing = analyze(config.load(ROOT / "config.yaml")).briefing
    shown = [*briefing.top_lines, *briefing.shown_items]
    assert shown
    assert [i.text for i in shown if editorial.leans(i)] == []
    assert all(i.standalone for i in shown)
