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


# --------------------------------------------------------------------------- scraped residue
# Shapes seen in real scraped articles (made-up text of the same shapes): each residue
# becomes a boilerplate record of its own and the sentence it was glued to comes out clean.

FLAT = " ".join(
    f"Sentence number {n} of a long article says something about trade and tariffs."
    for n in range(25)
)  # a whole article flattened into one line, as scraped text often is


def _content_and_boilerplate(text: str) -> tuple[list[str], list[str]]:
    found = roles(text)
    return (
        [t for r, t in found if r == "content"],
        [t for r, t in found if r == "boilerplate"],
    )


def test_script_residue_glued_to_the_last_sentence_is_cut_off() -> None:
    text = (
        "Headline\n\nThe talks ended on Sunday. The two sides will meet again in May. "
        'var addthis_config = {"data_track_addressbar":false};\n'
    )
    content, boiler = _content_and_boilerplate(text)
    assert content[-1] == "The two sides will meet again in May."
    assert boiler == ['var addthis_config = {"data_track_addressbar":false};']


def test_several_statements_and_json_residue_make_one_record() -> None:
    text = (
        "Headline\n\nPrices rose. window.dataLayer = window.dataLayer || []; "
        "googletag.cmd.push(function() { googletag.display('ad-1'); });\n"
    )
    content, boiler = _content_and_boilerplate(text)
    assert content == ["Prices rose."]
    assert len(boiler) == 1 and boiler[0].startswith("window.dataLayer")


def test_prose_that_mentions_a_function_is_not_code() -> None:
    text = "Headline\n\nThe agency's main function (oversight of exports) was cut. It objected.\n"
    content, boiler = _content_and_boilerplate(text)
    assert boiler == []
    assert content == ["The agency's main function (oversight of exports) was cut.", "It objected."]


def test_bracketed_credits_and_the_caption_before_them() -> None:
    text = (
        "China imposes tariffs on 128 items\n\n"
        "Shoppers walk past a display of fruit at a supermarket in Beijing, Friday, "
        "March 23, 2018. [Photo: IC] BEIJING, April 2 (Xinhua) -- China suspended tariff "
        "concessions on 128 items. (Photo/VCG) The list takes effect on Monday.\n"
    )
    found = roles(text)
    assert found[0] == ("title", "China imposes tariffs on 128 items")
    assert [r for r, _ in found[1:]] == [
        "boilerplate",  # the caption: it dates the picture
        "boilerplate",  # [Photo: IC]
        "content",  # the dateline stays with its sentence
        "boilerplate",  # (Photo/VCG)
        "content",
    ]
    assert found[3][1].startswith("BEIJING, April 2 (Xinhua) -- China suspended")


def test_a_datelined_lead_before_a_credit_is_not_a_caption() -> None:
    text = (
        "Title line\n\nBEIJING, June 16 -- China has unveiled a list of products. "
        "(Photo/VCG) Approved by the State Council, the commission decided.\n"
    )
    assert [r for r, _ in roles(text)] == ["title", "content", "boilerplate", "content"]


def test_an_undated_caption_that_opens_the_text_and_a_caption_without_a_full_stop() -> None:
    opening = "Title\n\nAn employee works at a steel plant in Duisburg. [Photo/Agencies] China urged talks.\n"
    assert [r for r, _ in roles(opening)] == ["title", "boilerplate", "boilerplate", "content"]
    unstopped = (
        "Title\n\nSpokesman Gao Feng at a press briefing in Beijing on Thursday, June 21, 2018 "
        "[Photo: mofcom.gov.cn] The United States must change course.\n"
    )
    assert roles(unstopped)[1:] == [
        (
            "boilerplate",
            "Spokesman Gao Feng at a press briefing in Beijing on Thursday, June 21, 2018",
        ),
        ("boilerplate", "[Photo: mofcom.gov.cn]"),
        ("content", "The United States must change course."),
    ]


def test_a_parenthesis_inside_a_sentence_is_not_a_credit() -> None:
    text = "Title\n\nThe ministry released images (photos of the port) on Monday.\n"
    assert [r for r, _ in roles(text)] == ["title", "content"]


def test_contributor_lines_author_notes_and_translation_notes() -> None:
    text = (
        "Title\n\nNote: The following is a translation of an article in Chinese. "
        "Exports rose in May. Zhao Huanxin in Washington and Ren Xiaojin in Beijing "
        "contributed to this story.\n\n"
        "Growth will slow. The author is a senior fellow at a university in Beijing.\n"
    )
    found = roles(text)
    assert [t for r, t in found if r == "content"] == ["Exports rose in May.", "Growth will slow."]
    assert len([r for r, _ in found if r == "boilerplate"]) == 3


def test_the_author_is_only_boilerplate_at_the_end() -> None:
    text = "Title\n\nThe author is a former diplomat, the book says. Sales rose. Prices fell. Demand held.\n"
    assert [r for r, _ in roles(text)][1] == "content"


LOWER = (
    "moreover, the tight export quotas have caused world prices to soar, even while holding "
    "steady in china, traders in beijing and tokyo said on thursday. the commerce ministry "
    "handles trade policy and also handles the quotas for the metals that are mined in the "
    "north of the country, where the town of baotou is the largest source. "
)  # stored lower-cased, names and all, as some corpora are


def test_a_bare_credit_word_in_lower_cased_text() -> None:
    text = (
        f"Title\n\n{LOWER}Photo officials in two departments of the customs administration "
        "declined to comment.\n"
    )
    found = roles(text)
    assert ("boilerplate", "Photo") in found
    assert (
        "content",
        "officials in two departments of the customs administration declined to comment.",
    ) in found


def test_a_credit_word_heading_a_sentence_of_ordinary_text_is_content() -> None:
    """Seen on BBC articles: ordinary casing, so "Images" starts a sentence."""
    text = (
        "Camera phones\n\nMobile phones with cameras sold well in Britain and Japan last year, "
        "Nokia and Sony Ericsson said on Monday. Images from camera phones have even made it "
        "into the art world. Photo exhibitions drew crowds.\n"
    )
    assert [r for r, _ in roles(text)] == ["title", "content", "content", "content"]


def test_subheadings_run_into_a_flattened_article() -> None:
    text = (
        f"Title\n\n{FLAT} Driver of global growth, not economic aggressor In his speech, "
        "the vice president accused China of unfair practices on trade.\n"
    )
    found = roles(text)
    assert ("heading", "Driver of global growth, not economic aggressor") in found
    assert found[-1] == (
        "content",
        "In his speech, the vice president accused China of unfair practices on trade.",
    )


def test_no_run_in_heading_in_an_ordinary_paragraph() -> None:
    text = "Title\n\nCritics praised the novel The Great Gatsby for its style and its plot.\n"
    assert [r for r, _ in roles(text)] == ["title", "content"]


def test_a_long_unpunctuated_first_line_is_the_headline() -> None:
    text = "China decides to impose additional tariffs on 50 bln USD of U.S. imports\n\nBEIJING -- It did.\n"
    assert roles(text)[0] == (
        "title",
        "China decides to impose additional tariffs on 50 bln USD of U.S. imports",
    )


def test_a_gloss_in_brackets_is_not_a_credit() -> None:
    text = "Title\n\nIts proponent is the former host and VJ (video jockey) Adam Curry. It works.\n"
    assert [r for r, _ in roles(text)] == ["title", "content", "content"]
