"""Normalization: text repair, line roles, sentence splitting."""

from __future__ import annotations

import pytest

from digest.models import Block, Document, Role
from digest.normalize import Rules, normalize, repair, split_sentences

from .conftest import plain_document


def roles(text: str, *patterns: str) -> list[tuple[str, str]]:
    doc = plain_document(text)
    return [(s.role.value, s.text) for s in normalize(doc, Rules.make(patterns))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. decision was made. It stands.", ["The U.S. decision was made.", "It stands."]),
        (
            "U.S. Trade Representative Jamieson Greer spoke. Then he left.",
            ["U.S. Trade Representative Jamieson Greer spoke.", "Then he left."],
        ),
        (
            "They met in the U.S. The talks went well.",
            ["They met in the U.S.", "The talks went well."],
        ),
        ("Mr. Smith and Dr. Jones met Gen. Lee.", ["Mr. Smith and Dr. Jones met Gen. Lee."]),
        (
            "It was signed on Dec. 5 in Geneva. Both sides agreed.",
            ["It was signed on Dec. 5 in Geneva.", "Both sides agreed."],
        ),
        (
            "President Donald J. Trump spoke. He smiled.",
            ["President Donald J. Trump spoke.", "He smiled."],
        ),
        (
            "Growth was 3.5 percent. Prices rose 1.2%.",
            ["Growth was 3.5 percent.", "Prices rose 1.2%."],
        ),
        ("Apple Inc. said so. The shares rose.", ["Apple Inc. said so.", "The shares rose."]),
        (
            "Apple Inc. Chief Executive Tim Cook spoke.",
            ["Apple Inc. Chief Executive Tim Cook spoke."],
        ),
        (
            "“The conversation was focused almost entirely on TRADE. Nothing was discussed,” Trump said.",
            [
                "“The conversation was focused almost entirely on TRADE.",
                "Nothing was discussed,” Trump said.",
            ],
        ),
        ("Is it over? “No,” she said. Really!", ["Is it over?", "“No,” she said.", "Really!"]),
        ("“Will it last?” he asked. Nobody knew.", ["“Will it last?” he asked.", "Nobody knew."]),
        (
            "The talks were “stalled.” Both sides blamed the other.",
            ["The talks were “stalled.”", "Both sides blamed the other."],
        ),
        ("It ended at 5 p.m. on Friday.", ["It ended at 5 p.m. on Friday."]),
        ("No final period here", ["No final period here"]),
        (
            "Wait... what happened next? Nobody knows",
            ["Wait... what happened next?", "Nobody knows"],
        ),
        ("See Fig. 3 for details.", ["See Fig. 3 for details."]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_split_never_loses_text() -> None:
    text = "A. B. C.  D? “E!” f. G… H"
    assert "".join(split_sentences(text)).replace(" ", "") == text.replace(" ", "")


def test_repair_fixes_mojibake_and_keeps_typography() -> None:
    assert repair("â€œQuotedâ€\x9d and itâ€™s") == "“Quoted” and it’s"
    assert repair("“Curly” — dash – kept") == "“Curly” — dash – kept"
    assert (
        repair("soft\u00adhyphen zero\u200bwidth  wide\u00a0space")
        == "softhyphen zerowidth wide space"
    )
    assert repair("Cafe\u0301") == "Café"  # NFC
    assert repair("习近平，北京") == "习近平，北京"  # full-width punctuation left alone


def test_title_heading_boilerplate_and_content() -> None:
    text = (
        "Big News Arrives Today\n\n"
        "The first paragraph says something. And more.\n\n"
        "What Comes Next\n\n"
        "A second paragraph.\n\n"
        "(Adapted from Example.com)\n\n"
        "Leave a comment"
    )
    assert roles(text) == [
        ("title", "Big News Arrives Today"),
        ("content", "The first paragraph says something."),
        ("content", "And more."),
        ("heading", "What Comes Next"),
        ("content", "A second paragraph."),
        ("boilerplate", "(Adapted from Example.com)"),
        ("boilerplate", "Leave a comment"),
    ]


def test_one_line_per_paragraph_with_quote_continued_on_next_line() -> None:
    text = (
        "A call took place Thursday.\n"
        "“Nothing was discussed concerning Iran,”\n"
        "Trump said. He added more.\n"
        "Read more: What it means for you\n"
        "A last line without a period"
    )
    assert roles(text) == [
        ("content", "A call took place Thursday."),
        ("content", "“Nothing was discussed concerning Iran,” Trump said."),
        ("content", "He added more."),
        ("boilerplate", "Read more: What it means for you"),
        ("content", "A last line without a period"),
    ]


def test_sentence_case_line_in_running_text_is_content_not_heading() -> None:
    text = "First line is a sentence.\nbessent and Greer led the talks for 90 days\nThird line."
    assert [r for r, _ in roles(text)] == ["content", "content", "content"]


def test_hard_wrapped_paragraph_is_joined() -> None:
    text = (
        "Officials from both countries met on\n"
        "Thursday in Geneva to discuss the terms\n"
        "of a truce that both sides have said\n"
        "they want to keep. It held."
    )
    assert roles(text) == [
        (
            "content",
            "Officials from both countries met on Thursday in Geneva to discuss the terms "
            "of a truce that both sides have said they want to keep.",
        ),
        ("content", "It held."),
    ]


def test_config_boilerplate_patterns_add_to_builtin() -> None:
    text = "Body sentence here.\n\nThis story was produced by Newsbot"
    assert roles(text)[-1][0] == "content"
    assert roles(text, r"this story was produced by .*")[-1][0] == "boilerplate"


def test_explicit_blocks_keep_their_kind_and_headings_are_tracked() -> None:
    doc = Document(
        "s",
        "d.html",
        "d.html",
        (
            Block("title", ("A Title",)),
            Block("heading", ("Part one",)),
            Block("paragraph", ("Text here. More text.",)),
        ),
    )
    out = normalize(doc, Rules.make())
    assert [s.role for s in out] == [Role.TITLE, Role.HEADING, Role.CONTENT, Role.CONTENT]
    assert out[2].heading == "Part one" and out[2].paragraph == out[3].paragraph
    assert [s.index for s in out] == [0, 1, 2, 3]


def test_short_report_has_no_title_when_first_line_is_a_sentence() -> None:
    out = roles("A call took place Thursday and talks restarted.\nSecond line here.")
    assert out[0][0] == "content"


def test_empty_and_whitespace_documents() -> None:
    assert roles("") == []
    assert roles("   \n\n \t \n") == []
