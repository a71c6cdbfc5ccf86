"""People: names with evidence, roles as stated, variants merged, the watchlist pinned."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any

import pytest

from digest.models import Document, Person, Role, Sentence, SourceInfo
from digest.normalize import Rules, normalize
from digest.people import Watch, find

from .conftest import ROOT, plain_document, shared_path

SOURCES = (
    SourceInfo("a", 1, "A", "file", "a.txt"),
    SourceInfo("b", 2, "B", "file", "b.txt"),
    SourceInfo("c", 3, "C", "file", "c.txt"),
)


def sentence(source: str, index: int, text: str, role: Role = Role.CONTENT) -> Sentence:
    return Sentence(source, f"{source}.txt", role, text, index, index)


def people(*texts: str, watchlist: Sequence[Watch] = (), **kwargs: int) -> tuple[Person, ...]:
    """Each text is one content sentence of source "a" (or "b:…", "c:…" for another source)."""
    sentences = []
    for n, text in enumerate(texts):
        source, _, rest = text.partition(":") if text[:2] in ("b:", "c:") else ("a", "", text)
        sentences.append(sentence(source, n, rest))
    return find(sentences, SOURCES, watchlist, **kwargs)


def by_name(found: Sequence[Person]) -> dict[str, Person]:
    return {p.name: p for p in found}


# --------------------------------------------------------------------------- recognition


def test_a_role_before_a_name_is_evidence_and_the_role_is_kept_as_written() -> None:
    found = people(
        "Commerce Secretary Howard Lutnick brings expertise in industrial policy.",
        "Officials said Prime Minister Keir Starmer would attend.",
        "The bank's chief executive Jane Fraser declined to comment.",
    )
    roles = {p.name: p.roles for p in found}
    assert roles == {
        "Howard Lutnick": ("Commerce Secretary",),
        "Keir Starmer": ("Prime Minister",),
        "Jane Fraser": ("chief executive",),
    }


@pytest.mark.parametrize(
    ("text", "name", "role"),
    [
        (
            "Jamieson Greer, the US trade representative, will lead the talks.",
            "Jamieson Greer",
            "US trade representative",
        ),
        (
            "Mitchell Kapor, chairman of the Mozilla Foundation, warned of lawsuits.",
            "Mitchell Kapor",
            "chairman of the Mozilla Foundation",
        ),
        ("Secretary of State Antony Blinken flew in.", "Antony Blinken", "Secretary of State"),
        (
            "Federal Reserve chairman Mr Alan Greenspan spoke.",
            "Alan Greenspan",
            "Federal Reserve chairman",
        ),
        (
            "British hurdler Sarah Claxton said she was confident.",
            "Sarah Claxton",
            "British hurdler",
        ),
        ("Gov. Ron DeSantis urged residents to leave.", "Ron DeSantis", "Gov."),
    ],
)
def test_roles_before_and_after_a_name(text: str, name: str, role: str) -> None:
    [person] = people(text)
    assert (person.name, person.roles) == (name, (role,))


def test_titles_age_and_backed_speech_are_evidence() -> None:
    found = by_name(
        people(
            "Mr. J. R. Smith arrived late.",
            "Maria Lopez, 45, lost her home in the flood.",
            "Carlos Ruiz said he would rebuild.",
            "“We are ready,” said Deanne Criswell. She visited Tampa.",
        )
    )
    assert set(found) == {"J. R. Smith", "Maria Lopez", "Carlos Ruiz", "Deanne Criswell"}


def test_unbacked_speech_is_not_enough() -> None:
    # Companies speak too: "Time Warner said … Its profits"
    assert (
        people("Time Warner said fourth quarter sales rose 2%.", "Its profits were buoyed.") == ()
    )


def test_a_name_found_once_with_evidence_is_recognized_everywhere() -> None:
    [person] = people(
        "Treasury Secretary Scott Bessent will lead the talks.",
        "b:Bessent and others met in Geneva.",
        "c:Scott Bessent was not available.",
    )
    assert person.name == "Scott Bessent"
    assert person.aliases == ("Bessent",)
    assert person.mentions == 3
    assert [c.number for c in person.citations] == [1, 2, 3]


def test_particles_hyphens_and_other_scripts() -> None:
    found = by_name(
        people(
            "Dutch coach Louis van Gaal praised striker Jean-Claude Mbemba.",
            "Chinese President Xi Jinping (习近平) spoke first.",
            "b:习近平 said little.",
        )
    )
    assert {"Louis van Gaal", "Jean-Claude Mbemba", "Xi Jinping"} <= set(found)
    assert found["Xi Jinping"].aliases == ("习近平",)
    assert found["Xi Jinping"].mentions == 3


# --------------------------------------------------------------------------- false positives


def test_places_days_months_openers_and_organizations_are_not_people() -> None:
    found = people(
        "Geneva hosted the talks on Monday, and Washington and Beijing agreed in April.",
        "President Trump announced it on Truth Social after the White House briefing.",
        "Chinese state media also confirmed the call.",
        "Despite the rain, Analysts said the Geneva deal would hold.",
        "General Motors and the Premier League said they would comply.",
        "A spokeswoman for Human Rights Watch said she was worried.",
        "The Moroccan, who won in Paris, was not available.",
        "Fans met at London's King Cross station.",
        "It was Liverpool who scored next.",
        "“Anyone who says so is wrong,” she said.",
    )
    assert [p.name for p in found] == ["Trump"]


def test_the_sentence_opening_word_is_not_a_name() -> None:
    found = people(
        "Financial markets rallied after Commerce Secretary Howard Lutnick spoke.",
        "Separately, financial analysts said little.",
    )
    assert [p.name for p in found] == ["Howard Lutnick"]


# --------------------------------------------------------------------------- merging


def test_name_variants_merge_into_the_fullest_form() -> None:
    [person] = people(
        "President Donald Trump announced talks on Thursday.",
        "Trump described the call as very good.",
        "b:President Trump announced it on Truth Social.",
        "c:“It was great,” Trump’s aide said of the call.",
    )
    assert person.name == "Donald Trump"
    assert person.aliases == ("Trump",)
    assert person.roles == ("President",)
    assert person.mentions == 4
    assert sorted({c.number for c in person.citations}) == [1, 2, 3]


def test_a_family_name_first_merges_by_its_first_token() -> None:
    [person] = people(
        "The call with Chinese President Xi Jinping lasted 90 minutes.",
        "b:Xi extended an invitation.",
        "b:For Xi Jinping, the balance is delicate.",
    )
    assert person.name == "Xi Jinping"
    assert person.aliases == ("Xi",)
    assert person.roles == ("Chinese President",)


def test_a_surname_two_full_names_share_is_not_merged() -> None:
    found = by_name(
        people(
            "John Smith, the chairman, said profits rose.",
            "Jane Smith, the chief executive, said costs fell.",
            "Smith said the company would grow.",
            "b:Smith was not available.",
        )
    )
    assert set(found) == {"John Smith", "Jane Smith"}
    assert found["John Smith"].aliases == found["Jane Smith"].aliases == ()
    assert found["John Smith"].mentions == found["Jane Smith"].mentions == 1


def test_a_shared_surname_is_decided_by_its_role_or_by_who_was_named_first() -> None:
    found = by_name(
        people(
            "President Donald Trump spoke on Thursday.",
            "Trump invited Xi and First Lady Melania Trump to dinner.",
            "Trump said he welcomed it.",
            "b:President Trump called it a great success.",
        )
    )
    assert set(found) == {"Donald Trump", "Melania Trump"}
    assert found["Donald Trump"].mentions == 4
    assert found["Donald Trump"].aliases == ("Trump",)
    assert found["Melania Trump"].roles == ("First Lady",)


def test_role_variants_differing_only_in_punctuation_are_one_role() -> None:
    [person] = people(
        "U.S. Trade Representative Jamieson Greer will lead.",
        "U.S. Trade Representative Jamieson Greer, a veteran trade negotiator, will focus.",
        "b:US Trade Representative Jamieson Greer would represent the US side.",
        "b:Jamieson Greer, the former lawyer, spoke.",
        "b:Jamieson Greer, a negotiator, spoke.",
        "c:Jamieson Greer, the former lawyer, spoke.",
    )
    assert person.roles == (
        "U.S. Trade Representative",
        "former lawyer",
        "veteran trade negotiator",
    )


def test_a_first_name_alone_needs_the_article_or_a_fitting_title() -> None:
    found = by_name(
        people(
            "Committee chairman Edward Leigh criticised the plan.",
            "b:Prince Edward opened the hospital.",
            "c:Edward said nothing.",
            "c:Sir Digby Jones, the CBI director general, spoke. Sir Digby added more.",
        )
    )
    assert found["Edward Leigh"].mentions == 1  # neither "Prince Edward" nor a bare "Edward"
    assert found["Edward"].roles == ("Prince",)
    assert found["Digby Jones"].aliases == ("Digby",)


def test_a_bare_name_is_a_person_only_where_the_evidence_is() -> None:
    found = by_name(
        people(
            "Home Office minister Baroness Scotland said crime had fallen.",
            "b:Scotland beat Wales on Saturday.",
            "c:Canada, a key gold producer, also expressed reservations.",
        )
    )
    assert set(found) == {"Scotland"}
    assert found["Scotland"].mentions == 1
    assert found["Scotland"].roles == ("Home Office minister",)


# --------------------------------------------------------------------------- watchlist


def test_a_watched_person_is_pinned_first_under_the_watch_name_and_role() -> None:
    found = people(
        "Treasury Secretary Scott Bessent will lead the talks.",
        "b:Scott Bessent and the Fed chair met.",
        "c:Bessent, a former hedge fund manager, agreed.",
        "The Fed said rates would stay put, and Powell smiled.",
        watchlist=[Watch("Jerome Powell", ("Powell", "Jay Powell"), "Fed chair")],
    )
    assert [p.name for p in found] == ["Jerome Powell", "Scott Bessent"]
    powell = found[0]
    assert powell.pinned and not found[1].pinned
    assert powell.roles == ("Fed chair",)
    assert powell.aliases == ("Powell",)
    assert [c.sentence_index for c in powell.citations] == [3]


def test_a_watch_alias_merges_what_the_sources_call_them() -> None:
    [person] = people(
        "Fed Chairman Jerome Powell said rates would stay put.",
        "b:Powell added that inflation was easing.",
        "c:Jay Powell spoke again on Friday.",
        watchlist=[Watch("Jerome H. Powell", ("Jay Powell",))],
    )
    assert person.name == "Jerome H. Powell" and person.pinned
    assert set(person.aliases) == {"Jerome Powell", "Powell", "Jay Powell"}
    assert person.roles == ("Fed Chairman",)
    assert person.mentions == 3


def test_a_watch_alias_may_be_a_phrase_or_carry_a_title() -> None:
    person, other = people(
        "The Treasury chief said talks would resume.",
        "b:Mr Bessent flew to Geneva. Mr Smith stayed.",
        "b:Smith was tired.",
        watchlist=[Watch("Scott Bessent", ("the Treasury chief", "Mr Bessent"))],
    )
    assert person.name == "Scott Bessent" and person.pinned
    assert (other.name, other.mentions, other.pinned) == ("Smith", 2, False)
    assert person.mentions == 2
    assert set(person.aliases) == {"The Treasury chief", "Bessent"}


def test_a_watched_person_not_mentioned_is_left_out() -> None:
    found = people(
        "Treasury Secretary Scott Bessent will lead.", watchlist=[Watch("Jerome Powell")]
    )
    assert [p.name for p in found] == ["Scott Bessent"]


# --------------------------------------------------------------------------- output


def test_headings_count_as_mentions_but_only_content_is_cited() -> None:
    sentences = [
        sentence("a", 0, "Trump Unveils Talks Following Call with Xi", Role.TITLE),
        sentence("a", 1, "President Donald Trump spoke with Chinese President Xi Jinping."),
        sentence("a", 2, "What Trump’s tariffs mean for you", Role.BOILERPLATE),
        sentence("a", 3, "Trump and Xi Call", Role.HEADING),
    ]
    found = by_name(find(sentences, SOURCES))
    assert found["Donald Trump"].mentions == found["Xi Jinping"].mentions == 3
    assert [c.sentence_index for c in found["Donald Trump"].citations] == [1]


def test_citations_prefer_sentences_that_say_who_and_carry_the_article() -> None:
    texts = ["Smith spoke again."] * 3 + ["Mayor Anna Smith announced the closure.", "Smith left."]
    sentences = [sentence("a", n, text) for n, text in enumerate(texts)]
    document = Document("a", "a.txt", "a.txt", (), title="Storm", url="https://example.org/storm")
    [person] = find(sentences, SOURCES, documents=[document], per_source=2)
    assert person.mentions == 5
    assert [c.sentence_index for c in person.citations] == [0, 3]  # the role first, in order
    assert person.citations[0].url == "https://example.org/storm"
    assert person.citations[0].title == "Storm"


def test_ranked_by_sources_then_mentions_then_name_and_limited() -> None:
    found = people(
        "Coach Anna Berg said she was pleased. Berg was happy. Berg smiled.",
        "Minister Ole Dahl spoke.",
        "b:Ole Dahl agreed.",
        "Minister Carl Ek spoke.",
        "b:Carl Ek agreed.",
        "Minister Bo Falk spoke.",
    )
    assert [p.name for p in found] == ["Carl Ek", "Ole Dahl", "Anna Berg", "Bo Falk"]
    assert [p.name for p in people("Minister Bo Falk spoke.", limit=0)] == []
    assert len(people("Minister Ole Dahl spoke.", "Minister Carl Ek spoke.", limit=1)) == 1


def test_deterministic() -> None:
    texts = (
        "President Donald Trump met Chinese President Xi Jinping and Premier Li Qiang.",
        "b:Trump, Xi and Li spoke; Mr Li said he was hopeful.",
    )
    assert people(*texts) == people(*texts)


# --------------------------------------------------------------------------- scale


def made_up_name(n: int, syllables: str) -> str:
    """A distinct made-up word for each ``n`` below 10,000: four syllables, capitalized."""
    parts = syllables.split()
    word = "".join(parts[n // 10**k % 10] for k in range(4))
    return word.capitalize()


def articles(count: int) -> list[Sentence]:
    """``count`` three-sentence articles over the three sources, each naming its own person
    with a role, a bare surname, an appositive and a pronoun."""
    out = []
    for n in range(count):
        first = made_up_name(n, "ba ko ri ve lu sa mi do te ny")
        last = made_up_name(n, "ar el im on us ag et ix ob uk")
        source = "abc"[n % 3]
        texts = (
            f"Chief executive {first} {last} said the company would grow.",
            f"{last} added that sales rose in the spring.",
            f"{first} {last}, the firm's founder, said he was pleased.",
        )
        for index, text in enumerate(texts):
            out.append(Sentence(source, f"{source}{n}.txt", Role.CONTENT, text, index, index))
    return out


def calls_made(count: int) -> int:
    """Every Python and built-in function call ``find`` makes for ``count`` articles (a
    generator expression counts as one per use), counted, not timed."""
    sentences = articles(count)
    calls = 0

    def hook(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    previous = sys.getprofile()
    sys.setprofile(hook)
    try:
        found = find(sentences, SOURCES, limit=count + 1)
    finally:
        sys.setprofile(previous)
    assert len(found) == count and all(len(p.name.split()) == 2 for p in found)
    return calls


def test_work_grows_linearly_with_the_input() -> None:
    """Nothing compares each name with every other: twice the articles (1,500 and 3,000
    sentences), twice the calls. When each name was checked against all the others for
    a longer name ending in it, the larger input took 3.5 times the calls."""
    small, large = calls_made(500), calls_made(1000)
    assert large <= 2.1 * small


# --------------------------------------------------------------------------- the seeds


def test_the_seed_stories_who_is_who() -> None:
    rules = Rules.make()
    sentences: list[Sentence] = []
    sources = []
    for number, name in enumerate(
        ("trump-xi-call-cnbc-adapted.txt", "trump-xi-call-short-report.txt"), start=1
    ):
        text = (ROOT / "samples" / name).read_text(encoding="utf-8")
        source = f"seed{number}"
        sentences += normalize(plain_document(text, name, source), rules)
        sources.append(SourceInfo(source, number, name, "file", name))
    found = by_name(find(sentences, sources))

    trump = found["Donald Trump"]
    assert "Trump" in trump.aliases and trump.roles[0] == "President"
    assert found["Xi Jinping"].roles == ("Chinese President",)
    assert "Xi" in found["Xi Jinping"].aliases
    assert found["Scott Bessent"].roles == ("Treasury Secretary",)
    assert found["Howard Lutnick"].roles == ("Commerce Secretary",)
    assert found["Jamieson Greer"].roles[0] == "U.S. Trade Representative"
    for name in ("Donald Trump", "Xi Jinping", "Scott Bessent", "Howard Lutnick", "Jamieson Greer"):
        assert {c.number for c in found[name].citations} == {1, 2}, name
    names = list(found)
    assert names[:5] == [
        "Donald Trump",
        "Xi Jinping",
        "Scott Bessent",
        "Jamieson Greer",
        "Howard Lutnick",
    ]
    not_people = {"White House", "Geneva", "Beijing", "Washington", "China", "Truth Social"}
    not_people |= {"Chinese", "Riyadh", "Moscow", "Europe", "Trade", "TACO", "Thursday", "CNBC"}
    assert not_people.isdisjoint(names)
    assert set(names) == {*names[:5], "Melania Trump"}


# --------------------------------------------------------------------------- generality

# Twenty BBC articles (2004–5), checked by hand: all 37 names found are people
# (precision 37/37; two roles are cut short or odd: "Industry Secretary" for the
# Trade and Industry Secretary, "Judy executive producer" for Richard and Judy's).
BBC = [
    f"{category}/{n:03d}.txt"
    for category in ("business", "entertainment", "politics", "sport", "tech")
    for n in range(1, 5)
]
# Capitalized words and phrases of those articles that are not people.
BBC_NOT_PEOPLE = {
    name.strip()
    for name in """
    Time Warner, TimeWarner, Google, AOL, Warner Bros, Lord of the Rings, Rings, Federal Reserve,
    Yukos, Yugansk, Rosneft, Menatep, Menatep Group, British Airways, BA, Tate, Bluetooth, Norway,
    Denmark, Parken, Odense, Labour, Labour Party, Manchester, Blackpool, Brighton, Bournemouth,
    Tories, The Tories, Liberal Democrats, Liberal Democrat, Cabinet Office, Hutton Inquiry,
    Freedom of Information Act, Information Act, GMTV, Parliament, Birmingham, Greece, Athens,
    Helsinki, IAAF, Microsoft, Windows, Sunday, Monday, December, General Election, Olympic,
    Kansas, China, Chinese, London, New York, Kyrgyz Republic, Wonderful Life, Spend Spend Spend,
    France, Scotland, European, Santry, Trade, Judy, Career, Women, Plans
    """.split(",")
}


def test_bbc_articles_precision() -> None:
    root = shared_path("data", "bbc")
    rules = Rules.make()
    source = SourceInfo("bbc", 1, "BBC", "file", str(root))
    found: list[str] = []
    for name in BBC:
        text = (root / name).read_text(encoding="utf-8", errors="replace")
        sentences = normalize(plain_document(text, name, "bbc"), rules)
        found += [p.name for p in find(sentences, [source])]
    assert len(found) >= 30
    assert BBC_NOT_PEOPLE.isdisjoint(found)
    assert {"Alan Greenspan", "Patricia Hewitt", "Maurice Greene", "Sarah Claxton"} <= set(found)
    assert all(name[0].isupper() for name in found)
