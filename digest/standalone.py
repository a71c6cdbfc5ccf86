"""Standalone stage: a shown item must make sense without the sentence before it.

An item is one sentence lifted out of its article, so an opening "He revealed …", "The
airline said …" or "But that truce …" leans on text the reader never sees. Newsrooms
quoting such a sentence put the referent in brackets ("[Trump] revealed …") and drop a
connective that no longer connects; this stage does the same. References are resolved
with the article's own preceding sentences (a bounded look-back), by general English
rules, not a model: he/she is the person most recently named as a subject, "it" and "the
company" the organization, "that truce" the same noun named just before with something
that says which. What stays unresolved marks the item ``standalone=False``, so that
select can prefer another sentence.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import NamedTuple

from .models import Item, Role, Sentence

LOOKBACK = 5  # preceding sentences searched for a referent
EVIDENCE = 30  # … and read for what the names in them are (a role, "he")
_SAME_NOUN_LOOKBACK = 2  # … and for the noun of "that truce"
_CHAIN = 3  # "It …" after "The airline …" after "Delta …": references followed this deep

# --------------------------------------------------------------------------- vocabulary

# Connectives that tie a sentence to the one before it. Those in _BARE drop with or
# without a comma; the rest only before a comma ("Still, …" but not "Still more …").
_BARE = frozenset(
    "but yet and or so meanwhile moreover furthermore nevertheless nonetheless".split()
)
_WITH_COMMA = frozenset(
    """
    however similarly separately still also instead likewise besides additionally
    consequently thus therefore hence otherwise then indeed regardless accordingly
    """.split()
)
_PHRASES = (
    "even so",
    "in addition",
    "by contrast",
    "in contrast",
    "on the other hand",
    "at the same time",
    "as a result",
    "all the same",
    "that said",
    "having said that",
    "in turn",
)
_CONNECTIVE_STARTS = _BARE | _WITH_COMMA | {p.split()[0] for p in _PHRASES}
_FIRST = re.compile(r"[A-Za-z]+")
# What a bare connective must not stand before: "But for …", "Yet another …", "So far …".
_NOT_AFTER = {
    "but": frozenset("for also then".split()),
    "yet": frozenset("another more again to unknown unclear".split()),
    "so": frozenset("far much many long too few little".split()),
}
_LEANING = frozenset("he she it they his her its their this that these those such".split())

# "the airline", "the company": heads of a definite description that names an
# organization (values: the kinds it may be) or a person (a role it must have).
_ORG_HEADS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("company", "firm", "group", "business", "conglomerate"), frozenset()),
    **dict.fromkeys(("airline", "carrier"), frozenset({"airline"})),
    **dict.fromkeys(("bank", "lender"), frozenset({"bank"})),
    **dict.fromkeys(("carmaker", "automaker", "manufacturer", "maker"), frozenset({"maker"})),
    **dict.fromkeys(("retailer", "supermarket", "chain"), frozenset({"retailer"})),
    **dict.fromkeys(("insurer",), frozenset({"insurer"})),
    **dict.fromkeys(("broadcaster", "network", "channel"), frozenset({"broadcaster"})),
    **dict.fromkeys(("publisher", "newspaper"), frozenset({"publisher"})),
    **dict.fromkeys(("club", "team", "side"), frozenset({"club"})),
    **dict.fromkeys(("party",), frozenset({"party"})),
    **dict.fromkeys(("union",), frozenset({"union"})),
    **dict.fromkeys(("agency", "regulator"), frozenset({"agency"})),
    **dict.fromkeys(("giant", "operator", "producer", "miner", "brewer"), frozenset()),
}
# Words in an organization's name that say what it is: "Continental Airlines".
_ORG_SUFFIXES: dict[str, str] = {
    **dict.fromkeys(("airlines", "airways", "air", "lines"), "airline"),
    **dict.fromkeys(("bank", "bancorp"), "bank"),
    **dict.fromkeys(("motors", "motor"), "maker"),
    **dict.fromkeys(("insurance", "assurance"), "insurer"),
    **dict.fromkeys(
        ("inc", "corp", "corporation", "ltd", "plc", "co", "company", "holdings", "group"),
        "company",
    ),
    **dict.fromkeys(("fc", "united", "rovers", "athletic"), "club"),
    **dict.fromkeys(
        """
        services systems technologies industries international partners capital securities
        university college school institute academy council ministry department office
        committee association federation foundation trust league
        court police army government parliament assembly network news times post journal
        media studios records
        """.split(),
        "organization",
    ),
    **dict.fromkeys(("party",), "party"),
    **dict.fromkeys(("union",), "union"),
    **dict.fromkeys(("agency", "authority", "board", "bureau", "commission"), "agency"),
}
# Roles: a person's role word (lower case) → the role it counts as.
_ROLES: dict[str, str] = {
    **dict.fromkeys(("president", "president-elect"), "president"),
    **dict.fromkeys(("minister", "premier", "chancellor"), "minister"),
    **dict.fromkeys(("chairman", "chairwoman", "chair", "chairperson"), "chairman"),
    **dict.fromkeys(("chief", "executive", "boss", "ceo", "head"), "chief"),
    **dict.fromkeys(("spokesman", "spokeswoman", "spokesperson"), "spokesman"),
    **dict.fromkeys(("senator", "sen"), "senator"),
    **dict.fromkeys(("governor", "gov"), "governor"),
    **dict.fromkeys(("justice", "judge"), "judge"),
    **dict.fromkeys(("coach", "manager"), "coach"),
    **dict.fromkeys(
        """
        secretary representative rep mayor king queen prince princess pope ambassador
        commissioner speaker director founder leader officer official analyst economist
        strategist lawyer attorney prosecutor adviser advisor aide envoy negotiator diplomat
        lawmaker candidate nominee player striker captain singer actor actress author
        editor reporter correspondent researcher scientist professor prof dr investor
        banker trader cfo coo
        """.split(),
        "",
    ),
}
# Capitalized titles left off the name they stand before: "Treasury Secretary Scott Bessent".
_TITLES = frozenset(
    """
    president president-elect secretary minister premier chancellor senator sen governor gov
    mayor king queen prince princess pope ambassador commissioner speaker representative rep
    justice judge chairman chairwoman director officer executive chief dr prof professor
    """.split()
)
_HONORIFICS = {"mr": "m", "sir": "m", "lord": "m", "mrs": "f", "ms": "f", "miss": "f", "dame": "f"}
_HONORIFICS_ALSO = {"lady": "f", "baroness": "f"}
_PERSON_HEADS = frozenset({*_ROLES, "man", "woman"})
# Descriptions of a person that name nobody in particular: never resolved.
_VAGUE_PEOPLE = frozenset("man woman official spokesperson spokesman spokeswoman".split())

_FUNCTION = frozenset(
    """
    a an the of for at from with by in on to into onto over under about after before as than
    and or but nor if because while although though since until unless whether when where who
    whom whose which what that this these those there here it its he she they his her their
    we our i my you your not no all any some each every both many most more less other such
    """.split()
)
_PREPOSITIONS = frozenset(
    """
    in on at after before during since following despite amid among with without for from by
    under over unlike like as according through throughout across within upon between
    """.split()
)
_SUBORDINATORS = frozenset("when while although though because if once unless whereas as".split())
_TIME_OPENERS = frozenset(
    """
    last earlier later next this yesterday today tomorrow tonight now recently previously
    initially eventually finally currently overall already even
    """.split()
)
_AUX = frozenset(
    """
    is was are were be been being has have had will would can could may might should must
    shall does did do 's ’s
    """.split()
)
_VERBS = frozenset(
    """
    said says say told tells added adds announced announces warned warns made makes took
    takes gave gives got gets went goes came comes saw sees found finds left lost won began
    begins became becomes brought bought sold sells paid pays held holds kept keeps led leads
    met meets ran runs set sets put puts cut cuts hit hits fell falls rose rises grew grows
    spent spends sent sends built builds wrote writes chose chooses struck drew knew knows
    felt feels stood stands spoke speaks broke breaks flew flies meant means laid lays let
    lets expects plans wants hopes faces needs remains believes thinks claims insists argues
    reports employs owns operates offers provides continues intends aims agreed agree agrees
    expect plan want hope face need remain believe think claim insist argue report confirms
    confirm denies deny admits admit estimates estimate predicts predict describes describe
    calls call called stressed stresses emphasized emphasises emphasizes noted notes tweeted
    wrote explained explains revealed reveals hailed hails urged urges vowed vows
    """.split()
)
_ADVERBS = frozenset(
    """
    also now still then later recently previously earlier already reportedly last year
    originally once never quickly immediately further again first today yesterday
    """.split()
)
_RELATIVES = frozenset("which who whose where whom".split())
_CALENDAR = frozenset(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday christmas easter
    """.split()
)
# Titles that make the two words after them a name, even in a lower-cased article.
_LOWER_TITLES = frozenset(
    """
    president justice judge senator sen governor gov mayor secretary minister premier
    chancellor king queen prince princess pope ambassador rep representative speaker mr mrs
    ms dr sir
    """.split()
)
_TIME_NOUNS = frozenset(
    """
    week weekend month year season summer winter spring autumn fall morning afternoon evening
    night time quarter decade century
    """.split()
)
_DEMONYM_ENDINGS = ("ian", "ean", "ese", "ish")
_DEMONYMS = frozenset(
    """
    american german mexican african french dutch greek thai swiss kenyan moroccan cuban
    chilean dominican israeli iraqi saudi pakistani afghan iranian briton scot democrat
    republican conservative liberal tory tories socialist communist nationalist unionist
    """.split()
)
_PARTICLES = frozenset("de da di del van von der den le la du bin al".split())
_PERSON_PRONOUNS = {"he": "m", "his": "m", "him": "m", "she": "f", "her": "f"}
# "these three", "that one": a demonstrative whose noun says nothing.
_EMPTY_NOUNS = frozenset(
    """
    one ones two three four five six seven eight nine ten thing things way kind sort
    """.split()
)
# Modifiers that do not say which: "the recent talks" is no better than "the talks".
_VAGUE_MODIFIERS = frozenset(
    """
    recent new latest same other such first last previous current further latter former
    possible proposed said above following own whole entire very
    """.split()
)
# "It is unclear whether …", "It was the sixth time …": an "it" that stands for nothing.
_BE = (
    r"it(?:’s|'s|\s+(?:is|was|has\s+been|had\s+been|remains|remained|seems|seemed|appears|"
    r"appeared|(?:will|would|could|can|may|might|must|should)(?:\s+\w+)?\s+be))"
    r"(?:\s+(?:not|also|still|now|just|only|therefore|perhaps|certainly|too))*"
)
_EXPLETIVE = re.compile(
    rf"(?i){_BE}\s+(?:"
    r"(?:[\w’'-]+\s+){0,3}(?:whether|if|how|why|when|what)\b"
    r"|(?:[\w’'-]+\s+){0,4}(?:time|years?|months?|weeks?|days)\b"
    r"|(?:[\w-]+\s+)?(?:(?:un)?clear|(?:un)?likely|(?:im)?possible|important|necessary|hard|"
    r"easy|difficult|vital|essential|crucial|wrong|right|(?:un)?fair|good|better|best|early|"
    r"soon|enough|worth)\s+(?:that|to|for|whether|if)\b"
    r"|(?:understood|thought|believed|reported|said|claimed|alleged|suggested|rumoured|"
    r"rumored|known|estimated|feared|hoped|expected)\b(?!\s+(?:to|as|by|for|in)\b)"
    r"|to\s+be\s+seen)"
)
_DATELINE = re.compile(r"[\w .]{0,40}(?:\(|[-–—] )")
_QUOTE_MARK = re.compile('[“”"]')
_INNER_CAPITAL = re.compile(r"(?<=[\w,;] )[A-Z][\w’'.-]*\w")
_POSSESSIVES = frozenset(("’s", "'s"))
_CONTRACTED = frozenset("it he she that there what who where here this how".split())
_QUOTES_OPEN = frozenset("“\"‘'")
_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|[^\W_]+(?:[’'.-][^\W_]+)*|[^\w\s]")


# --------------------------------------------------------------------------- tokens


class _Tok(NamedTuple):  # a tuple: one is made per word of every sentence read
    text: str  # as written, without a possessive "’s"
    low: str
    start: int
    end: int  # where ``text`` ends; a possessive, if any, follows
    possessive: bool
    word: bool
    capital: bool


def _tokenize(text: str) -> list[_Tok]:
    """Words and punctuation; "Trump’s" loses its "’s" (a possessive), "it’s" is two words."""
    out: list[_Tok] = []
    add = out.append
    new = tuple.__new__  # a tuple made in C: this runs for every word read
    for m in _TOKEN.finditer(text):
        word = m.group()
        start, end = m.span()
        c = word[0]
        if not c.isalnum():
            add(new(_Tok, (word, word, start, end, False, False, False)))
            continue
        low = word.lower()
        up = c.isupper()
        if len(low) > 2 and low[-2:] in _POSSESSIVES:
            base = low[:-2]
            if base in _CONTRACTED:  # "it's": it is
                add(new(_Tok, (word[:-2], base, start, end - 2, False, True, up)))
                add(new(_Tok, (word[-2:], low[-2:], end - 2, end, False, True, False)))
            else:
                add(new(_Tok, (word[:-2], base.rstrip("."), start, end - 2, True, True, up)))
            continue
        possessive = (  # "Qantas' key routes"
            up
            and low[-1] == "s"
            and text[end : end + 1] in ("’", "'")
            and not text[end + 1 : end + 2].isalnum()
        )
        if low[-1] == ".":
            low = low.rstrip(".")
        add(new(_Tok, (word, low, start, end, possessive, True, up)))
    return out


def _word(word: str) -> _Tok:
    return _Tok(word, word.lower(), 0, len(word), False, True, word[0].isupper())


def _name_word(tok: _Tok) -> bool:
    """Capitalized like a word of a name: "Qantas", "BA", "U.S.", "Jean-Claude"."""
    if not tok.capital or tok.low in _FUNCTION or tok.low in _CALENDAR:
        return False
    if "-" in tok.text:
        return all(p[:1].isupper() for p in tok.text.split("-"))
    return not tok.text.isdigit()


def _verbish(tokens: Sequence[_Tok], k: int) -> bool:
    """A verb at ``k``, after at most two adverbs: "has", "warned", "also said"."""
    for _ in range(3):
        if k >= len(tokens):
            return False
        tok = tokens[k]
        if tok.low in _ADVERBS or (tok.low.endswith("ly") and tok.low != "only"):
            k += 1
            continue
        return (
            tok.word
            and not tok.capital
            and (
                tok.low in _AUX
                or tok.low in _VERBS
                or (tok.low.endswith("ed") and len(tok.low) > 3)
            )
        )
    return False


# --------------------------------------------------------------------------- openings


@dataclass(frozen=True, slots=True)
class _Ref:
    """A reference opening a sentence's subject: tokens ``first``…``last`` of the text."""

    kind: str  # "person" | "org" | "plural" | "same" (a demonstrative description) | "lost"
    first: int
    last: int
    possessive: bool = False
    gender: str | None = None
    role: str | None = None  # "the president": the role the person must have
    heads: frozenset[str] = frozenset()  # "the airline": what the organization must be
    noun: str | None = None  # "that truce": the noun to find before
    plural: bool = False
    pronoun: bool = False  # "it", not "the company": a thing as likely as an organization


@dataclass(frozen=True, slots=True)
class _Opening:
    """Where a sentence's subject starts, and what it is."""

    subject: int  # token index
    ref: _Ref | None  # a reference, or None
    quoted: bool = False  # the sentence opens with a quotation


def _drop_connectives(text: str) -> str:
    """ "But that truce …" → "That truce …"; "Yet with Riyadh …" → "With Riyadh …"."""
    for _ in range(3):
        m = _FIRST.match(text)
        if m is None or m.group().lower() not in _CONNECTIVE_STARTS:
            break
        low = text.lower()
        cut = 0
        for phrase in _PHRASES:
            if low.startswith(phrase + ","):
                cut = len(phrase) + 1
                break
        if not cut:
            word, end = m.group().lower(), m.end()
            after = low[end:]
            if after.startswith(",") and (word in _BARE or word in _WITH_COMMA):
                cut = end + 1
            elif word in _BARE and after.startswith(" "):
                following = re.match(r"\s+([\w’']+)", low[end:])
                nxt = following.group(1) if following else ""
                if nxt and nxt not in _NOT_AFTER.get(word, ()) and (word != "so" or _so_opens(nxt)):
                    cut = end
        if not cut:
            break
        rest = text[cut:].lstrip()
        if not rest or not (rest[0].isalnum() or rest[0] in _QUOTES_OPEN):
            break
        text = _capitalize(rest)
    return text


def _so_opens(word: str) -> bool:
    """ "So the company …", "So Trump …", not "So hard …"."""
    return word in _FUNCTION or word in ("we", "i", "you")


def _capitalize(text: str) -> str:
    for i, ch in enumerate(text[:3]):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1 :]
    return text


def _opening(tokens: Sequence[_Tok]) -> _Opening:
    """The subject of a sentence: after a dateline "( cnn )" and an opening clause
    ("Last month, …", "In a filing to US regulators …")."""
    i = _dateline(tokens)
    if i < len(tokens) and tokens[i].text in _QUOTES_OPEN:
        return _Opening(i, _ref(tokens, i + 1, quoted=True), quoted=True)
    if _inside_quote(tokens):  # the quotation began in the sentence before
        return _Opening(i, _ref(tokens, i, quoted=True), quoted=True)
    if i >= len(tokens):
        return _Opening(i, None)
    first = tokens[i]
    ref = _ref(tokens, i)
    if ref is not None and ref.kind == "time":  # "This week, the company …"
        ref = None
    elif ref is not None or not _opens_clause(first):
        return _Opening(i, ref)
    comma = _clause_end(tokens, i)
    if comma is not None:
        return _Opening(comma, _ref(tokens, comma))
    if first.low in _PREPOSITIONS:  # "In a filing to US regulators the airline warned"
        for k in range(i + 1, min(len(tokens), i + 16)):
            tok = tokens[k]
            if not tok.word or tok.low in _RELATIVES or tok.low == "that" or _verbish(tokens, k):
                break
            inner = _ref(tokens, k)
            if inner is not None:
                if inner.kind in ("person", "org") and _verbish(tokens, inner.last + 1):
                    return _Opening(k, inner)
                break
    return _Opening(i, None)


def _dateline(tokens: Sequence[_Tok]) -> int:
    """Where the sentence starts after a dateline: "( cnn )", "New york ( reuters ) -",
    "WASHINGTON —"."""
    opening = next((k for k in range(min(len(tokens), 5)) if tokens[k].text == "("), None)
    if opening is not None and all(t.word for t in tokens[:opening]):
        close = next(
            (k for k in range(opening, min(len(tokens), opening + 5)) if tokens[k].text == ")"),
            None,
        )
        if close is not None:
            after = close + 1
            if opening == 0:
                return after
            if after < len(tokens) and tokens[after].text in "-–—":
                return after + 1
    k = 0
    while k < min(len(tokens), 4) and tokens[k].word and tokens[k].text.isupper():
        k += 1
    if k and k < len(tokens) and tokens[k].text in "-–—":
        return k + 1
    return 0


def _inside_quote(tokens: Sequence[_Tok]) -> bool:
    """The sentence opens inside a quotation: its first quotation mark closes one."""
    marks = [k for k, t in enumerate(tokens) if t.text in '“”"']
    if not marks:
        return False
    first = marks[0]
    if tokens[first].text == "”":
        return True
    straight = tokens[first].text == '"' and sum(tokens[k].text == '"' for k in marks) % 2 == 1
    return straight and first > 0 and tokens[first - 1].text in (",", ".", "?", "!")


def _opens_clause(tok: _Tok) -> bool:
    low = tok.low
    return (
        low in _PREPOSITIONS
        or low in _SUBORDINATORS
        or low in _TIME_OPENERS
        or low in ("to", "this")
        or (low.endswith("ing") and len(low) > 5)
        or (low.endswith("ly") and len(low) > 4)
    )


def _clause_end(tokens: Sequence[_Tok], i: int) -> int | None:
    """The token after the comma closing an opening clause, past a relative clause."""
    depth = 0
    for k in range(i + 1, min(len(tokens), i + 40)):
        text = tokens[k].text
        if text in "([":
            depth += 1
        elif text in ")]":
            depth -= 1
        elif text in _QUOTES_OPEN or text in "”":
            continue
        elif text == "," and depth <= 0:
            nxt = k + 1
            if nxt < len(tokens) and tokens[nxt].low in _RELATIVES:
                return _clause_end(tokens, nxt)
            return nxt if nxt < len(tokens) else None
        elif text in ".;:":
            return None
    return None


def _ref(tokens: Sequence[_Tok], i: int, quoted: bool = False) -> _Ref | None:
    """The reference starting at token ``i``, if one does."""
    if i >= len(tokens) or not tokens[i].word:
        return None
    tok = tokens[i]
    low = tok.low
    if quoted:  # a quotation is the speaker's words: it leans, but is not edited
        return _Ref("lost", i, i) if low in _LEANING else None
    if low in ("he", "she"):
        return _Ref("person", i, i, gender=_PERSON_PRONOUNS[low])
    if low in ("his", "her"):
        return _Ref("person", i, i, possessive=True, gender=_PERSON_PRONOUNS[low])
    if low in ("it", "its"):
        return _Ref("org", i, i, possessive=low == "its", pronoun=True)
    if low in ("they", "their"):
        return _Ref("plural", i, i, possessive=low == "their", plural=True)
    if low == "such":
        return _Ref("lost", i, i)
    if low in ("this", "that", "these", "those"):
        return _demonstrative(tokens, i)
    if low == "the" and i + 1 < len(tokens):
        head = tokens[i + 1]
        last = i + 1
        if head.low == "chief" and i + 2 < len(tokens) and tokens[i + 2].low == "executive":
            head, last = tokens[i + 2], i + 2
        if head.capital or (last + 1 < len(tokens) and _name_word(tokens[last + 1])):
            return None  # "the Bank of England", "the official Xinhua agency" name themselves
        if not head.possessive and _verbish(tokens, last + 2) and not _verbish(tokens, last + 1):
            return None  # "the airline industry has …": the head is not the head
        if head.low in _ORG_HEADS:
            return _Ref("org", i, last, head.possessive, heads=_ORG_HEADS[head.low])
        if head.low in _VAGUE_PEOPLE:
            return _Ref("lost", i, last)
        if head.low in _PERSON_HEADS:
            role = _ROLES.get(head.low) or head.low
            return _Ref("person", i, last, head.possessive, role=role)
    return None


def _demonstrative(tokens: Sequence[_Tok], i: int) -> _Ref:
    """ "That truce", "These minerals": the noun to look for before; "This is" leans."""
    plural = tokens[i].low in ("these", "those")
    k = i + 1
    while k < len(tokens) and tokens[k].word and not tokens[k].capital:
        low = tokens[k].low
        if low in _FUNCTION or low in _AUX or _verbish(tokens, k) or low.endswith("ly"):
            break
        k += 1
    if k == i + 1:
        return _Ref("lost", i, i)
    noun = tokens[k - 1].low
    if noun in _TIME_NOUNS and tokens[i].low in ("this", "these"):  # "This week, …"
        return _Ref("time", i, k - 1)
    if noun in _EMPTY_NOUNS or noun.isdigit():
        return _Ref("lost", i, k - 1)
    if k == i + 2 and not plural:  # "This company" is "the company"
        described = _ref([_word("the"), tokens[i + 1]], 0)
        if described is not None:
            return replace(described, first=i, last=i + 1)
    return _Ref("same", i, k - 1, noun=noun, plural=plural)


# --------------------------------------------------------------------------- names


@dataclass(slots=True)
class _Entity:
    """Someone or something an article names, across the forms it uses."""

    words: tuple[str, ...]  # the fullest form, lower case
    named_person: bool = False  # a role, title or age says so
    roles: set[str] = field(default_factory=set)
    heads: set[str] = field(default_factory=set)
    genders: Counter[str] = field(default_factory=Counter)
    subjects: int = 0
    forms: Counter[str] = field(default_factory=Counter)  # as written

    @property
    def person(self) -> bool:
        """A role says so, or "he" follows it and nothing says it is a company."""
        return self.named_person or (bool(self.genders) and not self.heads)

    def gender(self) -> str | None:
        if not self.genders:
            return None
        ranked = [*self.genders.most_common(2), ("", 0)]
        return ranked[0][0] if ranked[0][1] > ranked[1][1] else None


@dataclass(frozen=True, slots=True)
class _Mention:
    entity: int  # index into the document's entities
    rank: int  # 2: the subject; 1: owns the subject ("BA's profits"); 0: elsewhere
    first: int  # token span
    last: int


@dataclass(slots=True)
class _Line:
    sentence: Sentence
    text: str  # the sentence without its opening connective
    tokens: list[_Tok]
    opening: _Opening
    mentions: list[_Mention]
    coordinated: tuple[int, ...] = ()  # "Bessent and Greer led …": the entities, in order


class _Article:
    """One document's sentences, read up to where they are needed."""

    def __init__(self, sentences: list[Sentence]) -> None:
        self.sentences = sentences
        self.position = {s.index: n for n, s in enumerate(sentences)}
        self.lines: list[_Line | None] = []
        self.entities: list[_Entity] = []
        self.keys: dict[tuple[str, ...], int] = {}
        self.recent: list[int] = []  # entities, most recently named last
        self.merged: set[int] = set()
        self.name_words: set[str] = set()  # words of people's names (lower-cased articles)
        self.resolved: dict[tuple[int, str], int | None] = {}
        self._tokens: dict[int, tuple[str, list[_Tok]] | None] = {}
        self._shown: dict[int, str] = {}

    @cached_property
    def capitals(self) -> frozenset[str]:
        """Words capitalized inside a sentence: names, whatever opens a sentence."""
        return frozenset(
            w.lower()
            for s in self.sentences
            if s.role in (Role.CONTENT, Role.TITLE)
            for w in _INNER_CAPITAL.findall(s.text)
        )

    @cached_property
    def lowercased(self) -> bool:
        return _lowercased([s.text for s in self.sentences[:20] if s.role is Role.CONTENT])

    def line(self, n: int) -> _Line | None:
        """Sentence ``n`` read, with the headline and at most ``EVIDENCE`` sentences before
        it (in order: what is known of a name is what came before)."""
        if n < len(self.lines):
            return self.lines[n]
        if not self.lines:
            self.lines.append(self._read(self.sentences[0]))
        skip = n - EVIDENCE - len(self.lines)
        if skip > 0:
            self.lines.extend([None] * skip)
        while len(self.lines) <= n:
            self.lines.append(self._read(self.sentences[len(self.lines)]))
        return self.lines[n]

    # ------------------------------------------------------------------- reading

    def tokens(self, n: int) -> tuple[str, list[_Tok]] | None:
        """Sentence ``n`` without its opening connective, and its words; None for what is
        not running text (headings, boilerplate, a headline in title case)."""
        if n not in self._tokens:
            s = self.sentences[n]
            if (s.role is Role.TITLE and not _title_case(s.text)) or s.role is Role.CONTENT:
                text = _drop_connectives(s.text)
                self._tokens[n] = (text, _tokenize(text))
            else:
                self._tokens[n] = None
        return self._tokens[n]

    def _read(self, s: Sentence) -> _Line | None:
        read = self.tokens(self.position[s.index])
        if read is None:
            return None
        text, tokens = read
        opening = _opening(tokens)
        line = _Line(s, text, tokens, opening, [])
        runs = self._runs(tokens)
        quotes = _QUOTE_MARK.search(text) is not None
        quoted = _quoted_spans(tokens) if quotes else []
        speaker = _speaker_start(tokens) if quotes else None
        coordinated: list[int] = []
        for first, last, name in runs:
            entity = self._entity(tokens, first, last, name)
            inside = any(a <= first <= b for a, b in quoted)
            rank = 0 if inside else _rank(tokens, first, last, opening.subject, speaker, runs)
            if rank == 3:
                coordinated.append(entity)
                rank = 2
            line.mentions.append(_Mention(entity, rank, first, last))
            e = self.entities[entity]
            if rank == 2:
                e.subjects += 1
                self._gendered(tokens, last, e, quoted)
        line.coordinated = tuple(coordinated)
        return line

    def _runs(self, tokens: Sequence[_Tok]) -> list[tuple[int, int, tuple[str, ...]]]:
        """Names: runs of capitalized words, titles left off ("President Donald Trump" is
        "Donald Trump"); in a lower-cased article, the words after a role."""
        out: list[tuple[int, int, tuple[str, ...]]] = []
        k = 0
        n = len(tokens)
        while k < n:
            if self.lowercased:
                found = self._lower_name(tokens, k)
                if found is not None:
                    out.append(found)
                    k = found[1] + 1
                else:
                    k += 1
                continue
            if not (_name_word(tokens[k]) and self._not_common(tokens, k)):
                k += 1
                continue
            last = k
            while last + 1 < n and not tokens[last].possessive and last - k < 6:
                nxt = tokens[last + 1]
                if _name_word(nxt):
                    last += 1
                elif (nxt.low in _PARTICLES or nxt.text == "&") and (
                    last + 2 < n and _name_word(tokens[last + 2])
                ):
                    last += 2
                else:
                    break
            start = k
            for j in range(k, last):  # leave titles off: "Treasury Secretary Scott Bessent"
                if tokens[j].low in _TITLES or tokens[j].low in _HONORIFICS:
                    start = j + 1
            if start <= last:
                words = tuple(t.low for t in tokens[start : last + 1])
                if not _demonym(words):
                    out.append((start, last, words))
            k = last + 1
        return out

    def _not_common(self, tokens: Sequence[_Tok], k: int) -> bool:
        """A capitalized word that opens a sentence or quotation may be any word."""
        if k > 0 and tokens[k - 1].text not in _QUOTES_OPEN and tokens[k - 1].text not in "(:—–-":
            return True
        low = tokens[k].low
        if tokens[k].text.isupper() and len(low) > 1:
            return True
        if k + 1 < len(tokens) and _name_word(tokens[k + 1]):
            return low not in _PREPOSITIONS and low not in _TIME_OPENERS  # "Delta Air Lines"
        return low in self.capitals

    def _lower_name(
        self, tokens: Sequence[_Tok], k: int
    ) -> tuple[int, int, tuple[str, ...]] | None:
        """In a lower-cased article: "justice antonin scalia" (a first name and a surname
        after a role), or a surname already found."""
        tok = tokens[k]
        if tok.low in self.name_words:
            return (k, k, (tok.low,))
        if tok.low not in _ROLES and tok.low not in _HONORIFICS:
            return None
        start = k + 2 if k + 1 < len(tokens) and tokens[k + 1].text == "." else k + 1  # "gov."
        if start + 1 >= len(tokens) or tokens[start].possessive:
            return None
        if not all(_plain_name(tokens, j) for j in (start, start + 1)):
            return None
        surname = tokens[start + 1].low
        # a title says so; a weaker role ("officer pulls out") needs the surname to open a
        # sentence somewhere, capitalized as names are even in these articles
        if tok.low not in _LOWER_TITLES and surname not in self.openers:
            return None
        return (start, start + 1, (tokens[start].low, surname))

    @cached_property
    def openers(self) -> frozenset[str]:
        """Words that open a sentence of the article, lower-cased."""
        return frozenset(
            m.group().lower() for s in self.sentences if (m := _FIRST.match(s.text)) is not None
        )

    def _entity(self, tokens: Sequence[_Tok], first: int, last: int, name: tuple[str, ...]) -> int:
        role = _role_before(tokens, first)
        appositive = _appositive(tokens, last)
        honorific = _honorific(tokens, first)
        person = bool(role or appositive or honorific or self.lowercased)
        index = self._key(name, person)
        e = self.entities[index]
        e.forms[" ".join(t.text for t in tokens[first : last + 1])] += 1
        if person:
            e.named_person = True
            self.name_words.add(name[-1])
        for r in (role, appositive):
            if r:
                e.roles.add(r)
        if honorific:
            e.genders[honorific] += 2
        head = _head_before(tokens, first)
        if head:
            e.heads.add(head)
        for word in name:
            if word in _ORG_SUFFIXES and len(name) > 1:
                e.heads.add(_ORG_SUFFIXES[word])
        if index in self.recent:
            self.recent.remove(index)
        self.recent.append(index)
        return index

    def _key(self, name: tuple[str, ...], person: bool) -> int:
        """The entity a name is: a one-word form joins the one fuller name it can be."""
        if name in self.keys:
            return self.keys[name]
        if len(name) == 1:
            word = name[0]
            fits = [
                n
                for n in reversed(self.recent)
                if n not in self.merged
                and len(self.entities[n].words) > 1
                and (
                    word in self.entities[n].words
                    if (self.entities[n].person or person)
                    else word in (self.entities[n].words[0], _initials(self.entities[n].words))
                )
            ]
            if fits:
                self.keys[name] = fits[0]
                return fits[0]
        index = len(self.entities)
        self.entities.append(_Entity(name))
        self.keys[name] = index
        if len(name) > 1:  # "Continental" in the title is "Continental Airlines"
            for n, e in enumerate(self.entities[:-1]):
                ends = (name[0], name[-1]) if person or e.person else (name[0],)
                if n not in self.merged and len(e.words) == 1 and e.words[0] in ends:
                    self.keys[e.words] = index
                    self._merge(n, index)
        return index

    def _merge(self, old: int, new: int) -> None:
        a, b = self.entities[old], self.entities[new]
        self.merged.add(old)
        if old in self.recent:
            self.recent.remove(old)
        b.named_person = b.named_person or a.named_person
        b.roles |= a.roles
        b.heads |= a.heads
        b.genders += a.genders
        b.subjects += a.subjects
        b.forms += a.forms
        for line in self.lines:
            if line is not None:
                line.mentions = [
                    replace(m, entity=new) if m.entity == old else m for m in line.mentions
                ]
                line.coordinated = tuple(new if c == old else c for c in line.coordinated)

    @staticmethod
    def _gendered(
        tokens: Sequence[_Tok], last: int, e: _Entity, quoted: Sequence[tuple[int, int]]
    ) -> None:
        """A subject that "he" or "his" follows in its own sentence is likely a person."""
        for k in range(last + 1, len(tokens)):
            low = tokens[k].low
            if low in _PERSON_PRONOUNS and not any(a <= k <= b for a, b in quoted):
                e.genders[_PERSON_PRONOUNS[low]] += 1
                return

    # ------------------------------------------------------------------- resolving

    def resolve(
        self, n: int, ref: _Ref, depth: int = 0, others: frozenset[str] = frozenset()
    ) -> int | None:
        """The entity the reference opening sentence ``n`` means, if the sentences before
        say so without doubt; not one named by ``others`` (the words of the names later in
        its own sentence: in "He accused Mr Brown", he is not Brown)."""
        key = (n, f"{ref.kind}{ref.gender}{ref.role}{sorted(ref.heads)}{ref.pronoun}")
        if others:
            return self._resolve(n, ref, depth, others)
        if key not in self.resolved:
            self.resolved[key] = self._resolve(n, ref, depth, others)
        return self.resolved[key]

    def _resolve(self, n: int, ref: _Ref, depth: int, others: frozenset[str]) -> int | None:
        for back, p in enumerate(range(n - 1, max(n - 1 - LOOKBACK, -1), -1)):
            line = self.line(p)
            if line is None:
                continue
            ranks: dict[int, int] = {}
            for m in line.mentions:
                if self._fits(m.entity, ref) and not self._named(m.entity, others):
                    ranks[m.entity] = max(ranks.get(m.entity, 0), m.rank)
            inner = line.opening.ref
            if inner is not None and depth < _CHAIN and inner.kind == ref.kind:
                chained = self.resolve(p, inner, depth + 1)
                if chained is not None and self._fits(chained, ref):
                    if self._named(chained, others):
                        return None
                    ranks[chained] = 2
            if ranks:
                return self._choose(ranks, ref, line)
            if back == 0 and self._blocks(line, ref):
                return None
        title = self.line(0) if n - 1 - LOOKBACK >= 0 else None  # what the headline is about
        if title is not None and title.sentence.role is Role.TITLE:
            subjects = {
                m.entity
                for m in title.mentions
                if m.rank == 2 and self._fits(m.entity, ref) and not self._named(m.entity, others)
            }
            if len(subjects) == 1:
                return subjects.pop()
        return None

    def _choose(self, ranks: dict[int, int], ref: _Ref, line: _Line) -> int | None:
        if ref.heads:  # "the airline": one known to be an airline, if any is
            known = {e: r for e, r in ranks.items() if self.entities[e].heads & ref.heads}
            ranks = known or ranks
        top = max(ranks.values())
        best = [e for e, r in ranks.items() if r == top]
        if len(best) != 1 or (best[0] in line.coordinated and len(line.coordinated) > 1):
            return None
        if ref.pronoun and top < 2 and self._common_subject(line):
            return None  # "The deal was signed with China. It …": the deal, not China
        return best[0]

    def _named(self, index: int, words: frozenset[str]) -> bool:
        """Is the entity named by one of ``words``: a person by the surname, an
        organization by its first word or initials?"""
        if not words:
            return False
        e = self.entities[index]
        forms = (e.words[-1],) if e.person else (e.words[0], _initials(e.words))
        return any(f in words for f in forms)

    def leaning(self, words: Sequence[str], ref: _Ref) -> bool:
        """Can a name in the sentence's own opening clause be what the pronoun means
        ("When asked if BMW …, its chief executive")? Unknown names can."""
        for word in words:
            index = self.keys.get((word,))
            if index is None:
                index = next((n for n, e in enumerate(self.entities) if word in e.words), None)
            if index is None or self._fits(index, ref):
                return False
        return True

    def _fits(self, index: int, ref: _Ref) -> bool:
        e = self.entities[index]
        if ref.kind == "person":
            gender = e.gender()
            if not e.person or (ref.gender and gender and gender != ref.gender):
                return False
            return ref.role is None or ref.role in e.roles
        if ref.kind == "org":
            if e.person or not (e.subjects or e.heads):
                return False  # a place is seldom the subject, and never "the airline"
            return not (ref.heads and e.heads and not e.heads & (ref.heads | {"company"}))
        return False

    def _blocks(self, line: _Line, ref: _Ref) -> bool:
        """The sentence before has a subject the reference more likely means."""
        if ref.kind == "person":
            s = line.opening.subject
            return (
                s < len(line.tokens)
                and line.tokens[s].low in ("a", "an", "the")
                and any(t.low in _PERSON_HEADS for t in line.tokens[s + 1 : s + 4])
            )
        return ref.pronoun and self._common_subject(line)

    @staticmethod
    def _common_subject(line: _Line) -> bool:
        s = line.opening.subject
        if line.opening.ref is not None or s >= len(line.tokens):
            return False
        tok = line.tokens[s]
        return tok.low in ("a", "an", "the") or (tok.word and not tok.capital)

    def shown(self, index: int) -> str:
        """The form the article uses for short: "Trump", "Continental", "BA"."""
        if index not in self._shown:
            e = self.entities[index]
            form = self._short(e) or max(e.forms, key=lambda f: (e.forms[f], -len(f)))
            if self.lowercased or form.islower():
                form = " ".join(w[:1].upper() + w[1:] for w in form.split())
            self._shown[index] = form
        return self._shown[index]

    def _short(self, e: _Entity) -> str | None:
        """One word of a longer name that the article uses alone: a person's any ("Trump",
        "Xi"); an organization's first word or initials, as a subject ("Continental said",
        "BA warned")."""
        words = e.words
        if len(words) < 2:
            return None
        person = e.person
        candidates = set(words) if person else {words[0], _initials(words)}
        counts: Counter[str] = Counter()
        written: dict[str, str] = {}
        for n, s in enumerate(self.sentences):
            low = s.text.lower()
            if not any(c in low for c in candidates):
                continue
            read = self.tokens(n)
            tokens = read[1] if read else []
            for k, t in enumerate(tokens):
                if t.low not in candidates or (not t.capital and not self.lowercased):
                    continue
                if (k > 0 and tokens[k - 1].low in words) or (
                    k + 1 < len(tokens) and tokens[k + 1].low in words
                ):
                    continue  # part of the full name
                if person or _verbish(tokens, k + 1):
                    counts[t.low] += 1
                    written.setdefault(t.low, t.text)
        if not counts:
            return None
        if person and words[-1] in counts:  # the surname, if the article uses it alone
            return written[words[-1]]
        return written[max(counts, key=lambda w: (counts[w], words.index(w) if w in words else 0))]

    def plural(self, n: int) -> str | None:
        """ "They": the names joined as the sentence before's subject ("Bessent and Greer"),
        or its short plural subject ("Analysts")."""
        line = self.line(n - 1) if n > 0 else None
        if line is None:
            return None
        if len(line.coordinated) > 1:
            names = [self.shown(c) for c in line.coordinated]
            return ", ".join(names[:-1]) + " and " + names[-1]
        s = line.opening.subject
        if line.opening.ref is not None or s >= len(line.tokens):
            return None
        tokens = line.tokens
        for h in range(s, min(len(tokens) - 1, s + 4)):
            t = tokens[h]
            if not t.word or t.low in _FUNCTION or t.possessive:
                return None
            nxt = tokens[h + 1]
            if (
                (not t.capital or (h == s and t.low not in self.capitals))
                and t.low.endswith("s")
                and not t.low.endswith(("ss", "us", "is"))
                and t.low not in _AUX
                and nxt.word
                and not nxt.capital
                and (nxt.low not in _FUNCTION or nxt.low in ("who", "that"))
            ):  # "Analysts expected", "Chinese officials emphasize", "Residents who …"
                return line.text[tokens[s].start : t.end]
        return None

    def same(self, n: int, ref: _Ref) -> str | None:
        """ "That truce" → "the May truce": the noun named just before with what says which."""
        assert ref.noun is not None
        for p in range(n - 1, max(n - 1 - _SAME_NOUN_LOOKBACK, -1), -1):
            line = self.line(p)
            if line is None:
                continue
            tokens = line.tokens
            for k in range(len(tokens) - 1, -1, -1):
                if tokens[k].low != ref.noun:
                    continue
                j = k
                while j > 0 and tokens[j - 1].word and tokens[j - 1].low not in _FUNCTION:
                    if _verbish(tokens, j - 1) and tokens[j - 1].low not in ("said",):
                        break
                    j -= 1
                article = j > 0 and tokens[j - 1].low in ("a", "an", "the")
                modifiers = [t.low for t in tokens[j:k]]
                if not modifiers or all(m in _VAGUE_MODIFIERS for m in modifiers):
                    continue  # "the truce": an earlier mention may say which
                if any(m.endswith("ed") for m in modifiers) and not article:
                    continue
                phrase = line.text[tokens[j].start : tokens[k].end]
                if not ref.plural or article:
                    return "the " + phrase
                return phrase
        return None


def _rank(
    tokens: Sequence[_Tok],
    first: int,
    last: int,
    subject: int,
    speaker: int | None,
    runs: Sequence[tuple[int, int, tuple[str, ...]]],
) -> int:
    """2 for the subject (3 when one of several joined by "and"), 1 for the owner of
    the subject ("BA's profits"), else 0."""
    starts = [subject] if speaker is None else [subject, speaker]
    for start in starts:
        if (
            speaker is not None
            and start == speaker
            and start < len(tokens)
            and tokens[start].low in _VERBS
        ):
            # "…," said analyst Ray Neidl
            between = tokens[start + 1 : first]
            if first > start and all(
                (t.word and not t.capital and t.low not in _FUNCTION) or _name_word(t)
                for t in between
            ):
                return 2
            continue
        if first < start or not _descriptors(tokens[start:first]):
            continue
        end = last
        joined = False
        while True:  # "Trump and Xi agreed", "Bessent, Lutnick and Greer will"
            nxt = end + 1
            if (
                nxt < len(tokens)
                and tokens[nxt].low in ("and", "or", ",")
                and not tokens[end].possessive
            ):
                following = next((r for r in runs if r[0] == nxt + 1), None)
                if following is None and nxt + 1 < len(tokens) and tokens[nxt + 1].low == "and":
                    following = next((r for r in runs if r[0] == nxt + 2), None)
                if following is not None:
                    end = following[1]
                    joined = True
                    continue
            break
        if tokens[last].possessive and not joined:
            return 1 if last == end else 0
        after = end + 1
        if after < len(tokens) and (tokens[after].text == "," or _verbish(tokens, after)):
            return 3 if joined else 2
    return 0


def _descriptors(tokens: Sequence[_Tok]) -> bool:
    """What may stand before a subject's name: "Budget airline", "BA chairman", "the"."""
    for k, t in enumerate(tokens):
        if not t.word:
            if t.text in "-–—" or t.text in _QUOTES_OPEN:
                continue
            return False
        if t.low in ("the",) and k == 0:
            continue
        if t.capital:
            continue
        if t.low in _FUNCTION or t.low in _AUX or t.low in _VERBS or t.low.endswith("ed"):
            return False
    return True


def _speaker_start(tokens: Sequence[_Tok]) -> int | None:
    """Where the speaker of a quotation stands: after ``,” …`` or ``.” …``."""
    for k in range(len(tokens) - 2, 0, -1):
        if tokens[k].text in '”"' and tokens[k - 1].text in (",", ".", "?", "!"):
            return k + 1
    return None


def _quoted_spans(tokens: Sequence[_Tok]) -> list[tuple[int, int]]:
    spans = []
    start: int | None = None
    for k, t in enumerate(tokens):
        if t.text == "“" or (t.text == '"' and start is None):
            start = k
        elif t.text in '”"' and start is not None:
            spans.append((start, k))
            start = None
    if start is not None:
        spans.append((start, len(tokens)))
    return spans


def _role_before(tokens: Sequence[_Tok], first: int) -> str | None:
    """ "chief executive Geoff Dixon", "analyst Mike Powell", "BA chairman Martin …"."""
    for k in range(first - 1, max(first - 4, -1), -1):
        t = tokens[k]
        if not t.word or (t.possessive and k != first - 1):
            return None
        if t.low in _ROLES:
            return _ROLES[t.low] or t.low
        if t.low in _FUNCTION:
            return None
    return None


def _honorific(tokens: Sequence[_Tok], first: int) -> str | None:
    if first > 0:
        low = tokens[first - 1].low
        return _HONORIFICS.get(low) or _HONORIFICS_ALSO.get(low)
    return None


def _appositive(tokens: Sequence[_Tok], last: int) -> str | None:
    """ "Rod Eddington, BA's chief executive, said", "Scalia, 79, was"."""
    if last + 2 >= len(tokens) or tokens[last + 1].text != ",":
        return None
    if tokens[last + 2].text.isdigit() and last + 3 < len(tokens) and tokens[last + 3].text == ",":
        return "age"
    for k in range(last + 2, min(len(tokens), last + 10)):
        t = tokens[k]
        if t.text == ",":
            return None
        if (t.low in _ROLES and not t.capital) or t.low in ("executive", "chief"):
            return _ROLES.get(t.low) or t.low
    return None


def _head_before(tokens: Sequence[_Tok], first: int) -> str | None:
    """ "Budget airline Ryanair", "low-cost carrier Virgin Blue": what the name is."""
    for k in (first - 1, first - 2):
        if k >= 0 and tokens[k].word and not tokens[k].capital:
            kinds = _ORG_HEADS.get(tokens[k].low)
            if kinds is not None:
                return next(iter(kinds), "company")
            if tokens[k].low in _FUNCTION:
                return None
    return None


def _demonym(words: tuple[str, ...]) -> bool:
    """ "Australian", "Chinese", "British": one word naming a people, not a name."""
    if len(words) != 1:
        return False
    word = words[0]
    single = word[:-1] if word.endswith("s") else word  # "Britons", "Democrats"
    return any(w.endswith(_DEMONYM_ENDINGS) or w in _DEMONYMS for w in (word, single))


def _initials(words: tuple[str, ...]) -> str:
    return "".join(w[0] for w in words if w not in _FUNCTION and w != "&")


def _title_case(text: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][\w’'-]*", text) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) / len(words) > 0.6


def _lowercased(texts: Sequence[str]) -> bool:
    """An article printed in lower case (as Multi-News is): names are not capitalized."""
    inner = [w for t in texts for w in re.findall(r"(?<=[a-z,;] )[A-Za-z]\w+", t)]
    return len(inner) >= 10 and sum(w[0].isupper() for w in inner) / len(inner) < 0.02


def _plain_name(tokens: Sequence[_Tok], j: int) -> bool:
    """Could the lower-case word at ``j`` be part of a name: no function word, verb, role,
    date or number."""
    t = tokens[j]
    low = t.low
    return (
        t.word
        and low.replace("'", "").replace("-", "").isalpha()
        and len(low) > 1
        and low not in _FUNCTION
        and low not in _AUX
        and low not in _ROLES
        and low not in _ADVERBS
        and low not in _CALENDAR
        and low not in _TIME_NOUNS
        and low not in _ORG_HEADS
        and low not in _ORG_SUFFIXES
        and not low.endswith(("ing", "ly", "ed"))
        and not _verbish(tokens, j)
    )


# --------------------------------------------------------------------------- the stage

_HEADS = "|".join(sorted({*_ORG_HEADS, *_PERSON_HEADS}))
# A reference after an opening clause: ", it …", "In a filing to US regulators the airline"
_LATER_REF = re.compile(
    rf"(?i),\s+[“\"]?(?:he|she|it|its|his|her|they|their|this|that|these|those|such|the\s+(?:{_HEADS}))\b"
    rf"|\b(?:he|she|it|they|the\s+(?:{_HEADS}))\s"
)


def edit(
    items: Sequence[Item], sentences: Sequence[Sentence], skip: str | None = None
) -> list[Item]:
    """Each item as it reads alone: its opening reference resolved in brackets, a
    connective that no longer connects dropped; ``standalone=False`` where neither does.
    Items of section ``skip`` (``other``: never shown) are left as they are."""
    by_doc: dict[tuple[str, str], list[Sentence]] = {}
    for s in sentences:
        by_doc.setdefault((s.source_id, s.doc_id), []).append(s)
    out = list(items)
    pending: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
    for k, item in enumerate(items):
        if item.section == skip:
            continue
        text = _drop_connectives(item.text)
        if not _may_lean(text):
            out[k] = _edited(item, text, True)
            continue
        where = next((c for c in item.citations if c.text == item.text), None)
        key = (where.source_id, where.doc_id) if where is not None else ("", "")
        if where is None or key not in by_doc:
            out[k] = _alone(item, text, _tokenize(text), None, None)
            continue
        pending.setdefault(key, []).append((where.sentence_index, k, text))
    for key, todo in pending.items():
        # in reading order: what the article knows when it reaches a sentence is only
        # what came before it, whichever item asks first
        article = _Article(sorted(by_doc[key], key=lambda s: s.index))
        for index, k, text in sorted(todo):
            n = article.position.get(index)
            read = None if n is None else article.tokens(n)
            tokens = read[1] if read is not None and read[0] == text else _tokenize(text)
            out[k] = _alone(items[k], text, tokens, article, n)
    return out


def _alone(
    item: Item, text: str, tokens: list[_Tok], article: _Article | None, n: int | None
) -> Item:
    """The item edited to stand alone, or marked as leaning."""
    ref = _opening(tokens).ref
    if ref is None or _stands(text, tokens, ref):
        return _edited(item, text, True)
    if ref.kind == "lost" or article is None or n is None:
        return _edited(item, text, False)
    return _bracketed(item, text, tokens, ref, _referent(article, n, ref, tokens))


def _may_lean(text: str) -> bool:
    """Whether the opening may hold a reference (most do not: a cheap look first)."""
    m = _FIRST.search(text)
    if m is None or m.start() > 5:
        return True
    first = m.group().lower()
    if m.start() > 0:  # a quotation leans on its first word only; a dateline "( cnn )"
        return first in _LEANING or text[0] not in _QUOTES_OPEN
    if first == "the":
        head = _FIRST.match(text, m.end() + 1)
        return head is not None and (head.group() in _ORG_HEADS or head.group() in _PERSON_HEADS)
    if first in _LEANING or _DATELINE.match(text):
        return True
    opens = (
        first in _PREPOSITIONS
        or first in _SUBORDINATORS
        or first in _TIME_OPENERS
        or first == "to"
        or first.endswith(("ing", "ly"))
    )
    return opens and _LATER_REF.search(text) is not None


def _stands(text: str, tokens: Sequence[_Tok], ref: _Ref) -> bool:
    """An opening that needs nothing before it: "This week", "It is unclear whether", or
    "their" after an opening clause that names them."""
    if ref.kind == "time":
        return True
    if ref.kind == "org" and ref.pronoun:
        return _EXPLETIVE.match(text[tokens[ref.first].start :]) is not None
    if ref.kind == "plural" and ref.first > 0:
        return any(_name_word(t) for t in tokens[1 : ref.first])
    return False


def _bracketed(item: Item, text: str, tokens: Sequence[_Tok], ref: _Ref, found: str | None) -> Item:
    """The item with the reference replaced by what it means, in brackets."""
    if found is None or found == _HERE:
        return _edited(item, text, found == _HERE)
    apostrophe = "’" if "’" in item.text else "'"
    if ref.possessive:
        found += apostrophe if found.endswith("s") else apostrophe + "s"
    start = tokens[ref.first].start
    end = tokens[ref.last].end
    if ref.possessive and tokens[ref.last].possessive:
        end = _possessive_end(text, end)
    if start == 0:
        found = _capitalize(found)
    return _edited(item, f"{text[:start]}[{found}]{text[end:]}", True)


_HERE = "\0"  # what the reference means is named in its own sentence


def _referent(article: _Article, n: int, ref: _Ref, tokens: Sequence[_Tok]) -> str | None:
    """What the reference means, as the article names it; ``_HERE`` when a name in the
    sentence's opening clause may be what it means; None when unresolved."""
    if ref.kind == "same":
        return article.same(n, ref)
    if ref.kind == "plural":
        return article.plural(n)
    if ref.pronoun or ref.last == ref.first:  # he, his, it, its
        opener = [t.low for t in tokens[1 : ref.first] if _name_word(t)]
        if opener and not article.leaning(opener, ref):
            return _HERE
    entity = article.resolve(n, ref, others=_named_after(tokens, ref.last + 1))
    return None if entity is None else article.shown(entity)


def _named_after(tokens: Sequence[_Tok], start: int) -> frozenset[str]:
    """The words of the names the rest of a sentence uses as someone ("accused Brown of",
    "Trump's plan"), not as a modifier ("the Ryanair/Boeing order book")."""
    words: set[str] = set()
    run: list[str] = []
    for k in range(start, len(tokens) + 1):
        t = tokens[k] if k < len(tokens) else None
        if t is not None and _name_word(t) and not (run and tokens[k - 1].possessive):
            run.append(t.low)
            continue
        if run:
            modifier = (
                t is not None
                and (t.text == "/" or (t.word and not t.capital and t.low not in _FUNCTION))
                and not tokens[k - 1].possessive
                and not _verbish(tokens, k)
            )
            if not modifier:
                words.update(run)
            run = []
    return frozenset(words)


def _possessive_end(text: str, end: int) -> int:
    if text[end : end + 2].lower() in ("’s", "'s"):
        return end + 2
    return end + 1 if text[end : end + 1] in ("’", "'") else end


def _edited(item: Item, text: str, standalone: bool) -> Item:
    if text == item.text and standalone == item.standalone:
        return item
    return replace(
        item,
        text=text,
        original=item.text if text != item.text else item.original,
        standalone=standalone,
    )
