"""Merging: one item per statement, every source cited; different numbers stay apart."""

from __future__ import annotations

import pytest

from digest.dedupe import merge
from digest.models import Role, Scored, Sentence, SourceInfo
from digest.text import Stemmer

SOURCES = (
    SourceInfo("a", 1, "A", "file", "a.txt"),
    SourceInfo("b", 2, "B", "file", "b.txt", weight=2.0),
)


def scored(source: str, index: int, text: str, score: float = 5.0, section: str = "s") -> Scored:
    sentence = Sentence(source, f"{source}.txt", Role.CONTENT, text, index, index)
    return Scored(sentence, section, score)


def test_same_statement_in_two_sources_is_one_item_citing_both() -> None:
    items = merge(
        [
            scored(
                "a",
                1,
                "He revealed that Treasury Secretary Scott Bessent, Commerce Secretary Howard Lutnick, and U.S. Trade Representative Jamieson Greer will lead the American delegation at the forthcoming trade talks.",
            ),
            scored(
                "b",
                4,
                "Trump announced that Treasury Secretary Scott Bessent, Commerce Secretary Howard Lutnick, and US Trade Representative Jamieson Greer would represent the US side.",
            ),
        ],
        SOURCES,
        Stemmer(),
    )
    [item] = items
    assert item.source_numbers == (1, 2)
    assert item.text.startswith("Trump announced")  # the wording that stands alone
    assert [c.sentence_index for c in item.citations] == [1, 4]
    assert item.beside == () and item.differs is None


def test_the_more_informative_wording_speaks_when_both_stand_alone() -> None:
    [item] = merge(
        [
            scored(
                "a",
                1,
                "Trump revealed that Treasury Secretary Scott Bessent, Commerce Secretary Howard Lutnick, and U.S. Trade Representative Jamieson Greer will lead the American delegation at the forthcoming trade talks.",
            ),
            scored(
                "b",
                4,
                "Trump announced that Treasury Secretary Scott Bessent, Commerce Secretary Howard Lutnick, and US Trade Representative Jamieson Greer would represent the US side.",
            ),
        ],
        SOURCES,
        Stemmer(),
    )
    assert item.text.startswith("Trump revealed")


def test_a_source_lacking_the_quotation_is_shown_beside_it() -> None:
    """No source is credited with words it never printed."""
    [item] = merge(
        [
            scored(
                "a",
                2,
                "The announcement follows a 90-minute phone conversation between Trump and Xi, their first call since January.",
            ),
            scored(
                "b",
                1,
                "“Our teams will be meeting shortly in London,” Trump announced after a “very good phone call” that lasted for one and a half hours.",
            ),
        ],
        SOURCES,
        Stemmer(),
    )
    assert item.source_numbers == (1, 2)
    assert item.text.startswith("“Our teams")
    assert [c.number for c in item.beside] == [1]
    assert item.beside[0].text.startswith("The announcement follows")


def test_attribution_that_differs_is_flagged() -> None:
    [item] = merge(
        [
            scored(
                "a",
                3,
                "During the call, Trump and Xi agreed that “there should no longer be any questions about the rare earth licences,” officials said.",
            ),
            scored(
                "b",
                7,
                "“There should no longer be any questions about the rare earth licences,” Trump wrote on Thursday.",
            ),
        ],
        SOURCES,
        Stemmer(),
    )
    assert item.source_numbers == (1, 2) and item.beside == ()
    assert item.differs == "attribution differs: [1] Trump and Xi agreed; [2] Trump wrote"


def test_the_same_speaker_is_not_flagged() -> None:
    [item] = merge(
        [
            scored(
                "a",
                3,
                "Trump said “the talks with China are back on track after the long call” on Thursday.",
            ),
            scored(
                "b", 7, "“The talks with China are back on track after the long call,” Trump said."
            ),
        ],
        SOURCES,
        Stemmer(),
    )
    assert item.differs is None


def test_shared_quotation_merges() -> None:
    items = merge(
        [
            scored(
                "a",
                1,
                "During the call, Trump and Xi agreed that “there should no longer be any questions respecting the complexity of rare earth products,” signaling mutual acknowledgment.",
            ),
            scored(
                "b",
                2,
                "“There should no longer be any questions respecting the complexity of Rare Earth products,” Trump wrote Thursday, without providing additional clarity.",
            ),
        ],
        SOURCES,
        Stemmer(),
    )
    assert len(items) == 1 and items[0].source_numbers == (1, 2)


def test_a_different_number_is_a_different_fact() -> None:
    items = merge(
        [
            scored("a", 1, "The United States cut tariffs on Chinese goods to 30 percent."),
            scored("b", 2, "The United States cut tariffs on Chinese goods to 40 percent."),
        ],
        SOURCES,
        Stemmer(),
    )
    assert len(items) == 2


def test_unrelated_sentences_stay_apart_and_weights_apply() -> None:
    items = merge(
        [
            scored("a", 1, "Stocks rallied on the news of talks."),
            scored("b", 2, "Rare earth exports remain restricted by Beijing."),
        ],
        SOURCES,
        Stemmer(),
    )
    assert len(items) == 2
    assert sorted(i.score for i in items) == [5.0, 10.0]  # source b has weight 2


def test_section_comes_from_the_best_scored_member() -> None:
    items = merge(
        [
            scored(
                "a",
                1,
                "Treasury Secretary Scott Bessent will lead the American delegation in Geneva.",
                3.0,
                "low",
            ),
            scored(
                "b",
                2,
                "Treasury Secretary Scott Bessent will lead the delegation in Geneva talks.",
                9.0,
                "high",
            ),
        ],
        (SourceInfo("a", 1, "A", "file", "a"), SourceInfo("b", 2, "B", "file", "b")),
        Stemmer(),
    )
    [item] = items
    assert item.section == "high" and item.score == 9.0


def test_non_content_is_never_an_item() -> None:
    heading = Sentence("a", "a.txt", Role.HEADING, "Tariffs and Trade", 0, 0)
    assert merge([Scored(heading, "other", 0.0)], SOURCES, Stemmer()) == []


def test_a_duration_in_other_words_is_the_same_fact() -> None:
    items = merge(
        [
            scored(
                "a",
                2,
                "The announcement follows a 90-minute phone conversation between Trump and Chinese President Xi Jinping, their first one-on-one call since Trump’s return to the White House.",
            ),
            scored(
                "b",
                1,
                "“Our respective teams will be meeting shortly at a location to be determined,” President Trump announced on Truth Social after what he described as a “very good phone call” that lasted for one and a half hours.",
            ),
        ],
        SOURCES,
        Stemmer(),
    )
    [item] = items
    assert item.source_numbers == (1, 2)


def test_the_same_words_with_another_duration_are_another_fact() -> None:
    items = merge(
        [
            scored(
                "a",
                2,
                "The announcement follows a 90-minute phone conversation between Trump and Chinese President Xi Jinping.",
            ),
            scored(
                "b",
                1,
                "The announcement follows a 40-minute phone conversation between Trump and Chinese President Xi Jinping.",
            ),
        ],
        SOURCES,
        Stemmer(),
    )
    assert len(items) == 2


def test_a_shared_number_alone_does_not_make_one_fact() -> None:
    items = merge(
        [
            scored(
                "a",
                1,
                "While both sides agreed to stand down for 90 days, tariffs could rise again if negotiations falter.",
            ),
            scored(
                "b",
                1,
                "Claims that China has violated the 90-day truce by not loosening trade restrictions on critical minerals top the list.",
            ),
        ],
        SOURCES,
        Stemmer(),
    )
    assert len(items) == 2


def test_one_source_repeating_itself_merges_only_near_verbatim() -> None:
    sentences = [
        scored(
            "a",
            1,
            "Markets rallied on Thursday after the phone call was announced by the White House.",
        ),
        scored(
            "a",
            9,
            "Markets rallied on Thursday after the phone call was announced by the White House press office.",
        ),
        scored(
            "a", 12, "Markets slipped on Friday as doubts about the phone call grew in Washington."
        ),
    ]
    items = merge(sentences, SOURCES, Stemmer())
    assert sorted(len(i.citations) for i in items) == [1, 2]


def test_candidates_are_not_all_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    import digest.dedupe as dedupe

    calls = 0
    real = dedupe.similarity

    def counting(*args: object) -> float:
        nonlocal calls
        calls += 1
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(dedupe, "similarity", counting)
    words = [f"w{i:04d}" for i in range(4000)]
    sentences = [
        scored(
            "a" if n % 2 else "b",
            n,
            " ".join(words[(7 * n + k * 13) % 4000] for k in range(12)) + " officials said.",
        )
        for n in range(2000)
    ]
    merge(sentences, SOURCES, Stemmer())
    assert calls < 20 * len(sentences)  # all pairs would be 2 million
