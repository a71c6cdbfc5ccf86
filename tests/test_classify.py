"""Classification: generic, config-driven, explainable."""

from __future__ import annotations

from digest.classify import OTHER, Classifier
from digest.config import ClassifyConfig, SectionConfig
from digest.models import Role
from digest.normalize import Rules, normalize
from digest.text import Stemmer

from .conftest import plain_document

STORM = """\
Hurricane Mara Makes Landfall Near Port Lavaca

Hurricane Mara made landfall on Tuesday near Port Lavaca as a Category 3 storm with winds of 120 mph. Forecasters expect the storm to weaken as it moves inland toward San Antonio.

Damage Across the Coast

The storm flooded hundreds of homes and tore roofs off buildings along the coast. Power outages affected more than 400,000 customers.

The governor declared a state of emergency and deployed the National Guard. Shelters opened in twelve counties for evacuees.

Local officials said the harbor would stay closed for days.
"""

SECTIONS = [
    SectionConfig(
        id="track",
        title="Track",
        keywords={"landfall": 3, "forecast": 3, "winds": 2, "weaken": 3, "inland": 2},
    ),
    SectionConfig(
        id="damage", title="Damage", keywords={"flood": 3, "roof": 3, "power outage": 4, "homes": 2}
    ),
    SectionConfig(
        id="response",
        title="Response",
        keywords={"state of emergency": 4, "national guard": 4, "shelter": 3, "evacuee": 3},
    ),
]


def classify(text: str, sections: list[SectionConfig] = SECTIONS, **settings: float):
    doc = plain_document(text, "storm.txt")
    sentences = normalize(doc, Rules.make())
    return Classifier(sections, ClassifyConfig(**settings), Stemmer()).classify(sentences)


def test_same_engine_works_on_another_story_with_another_config() -> None:
    out = {
        s.sentence.text[:30]: s.section for s in classify(STORM) if s.sentence.role is Role.CONTENT
    }
    assert out == {
        "Hurricane Mara made landfall o": "track",
        "Forecasters expect the storm t": "track",
        "The storm flooded hundreds of ": "damage",
        "Power outages affected more th": "damage",
        "The governor declared a state ": "response",
        "Shelters opened in twelve coun": "response",
        "Local officials said the harbo": OTHER,
    }


def test_stemming_and_reasons() -> None:
    [scored] = [
        s
        for s in classify("Two shelters opened for the evacuees.")
        if s.sentence.role is Role.CONTENT
    ]
    assert scored.section == "response"
    assert set(scored.reasons) == {"shelter", "evacuee"}
    assert scored.score == 6.0


def test_a_phrase_hides_the_words_inside_it() -> None:
    sections = [
        SectionConfig(id="a", title="A", keywords={"critical minerals": 5, "minerals": 4}),
        SectionConfig(id="b", title="B", keywords={"cheating": 6}),
    ]
    [scored] = [
        s for s in classify("They accuse each other of cheating over critical minerals.", sections)
    ]
    assert scored.scores["a"] == 5.0
    assert scored.section == "b"


def test_min_score_sends_weak_sentences_to_other() -> None:
    [weak] = classify("The winds were noted.", min_score=3.0)
    assert weak.section == OTHER and weak.score == 2.0
    assert any("below min_score" in r for r in weak.reasons)


def test_heading_and_context_tip_a_vague_sentence() -> None:
    text = "Storm Update\n\nFlooded Homes\n\nRoofs were torn off and homes flooded. Repairs will take weeks."
    scored = [s for s in classify(text, description_weight=0) if s.sentence.role is Role.CONTENT]
    vague = scored[1]
    assert vague.sentence.text == "Repairs will take weeks."
    assert vague.section == "damage"
    assert vague.score == 3.0  # heading 1.5 + the paragraph's other sentence 1.5
    assert "heading +1.50" in vague.reasons and "context +1.50" in vague.reasons


def test_non_content_gets_no_section() -> None:
    out = classify(STORM)
    assert all(s.section == OTHER for s in out if s.sentence.role is not Role.CONTENT)


def test_deterministic() -> None:
    assert classify(STORM) == classify(STORM)


def test_source_hint_tips_an_on_topic_sentence_but_not_an_off_topic_one() -> None:
    text = "Roofs were torn off near the shelter.\n\nThe mayor spoke on Friday.\n"
    doc = plain_document(text, "wire.txt", source_id="wire")
    sentences = normalize(doc, Rules.make())
    plain = Classifier(SECTIONS, ClassifyConfig(min_score=0.5), Stemmer()).classify(sentences)
    hinted = Classifier(
        SECTIONS, ClassifyConfig(min_score=0.5, hint_weight=4.0), Stemmer(), {"wire": ["response"]}
    ).classify(sentences)
    on_topic = next(s for s in plain if s.sentence.text.startswith("Roofs"))
    assert on_topic.section == "damage"  # "roof" 3 and "shelter" 3: the first section wins
    tipped = next(s for s in hinted if s.sentence.text.startswith("Roofs"))
    assert tipped.section == "response" and "source hint +4.00" in tipped.reasons
    off_topic = next(s for s in hinted if s.sentence.text.startswith("The mayor"))
    assert off_topic.section == OTHER and off_topic.score == 0  # no keyword: no hint
