"""People stage: who the sources name, with the roles they give them.

A reader needs a "who's who": each person once, with the role the sources state
("Commerce Secretary Howard Lutnick") and where they were named. Capitalized words
are not evidence enough (places, companies, teams, weekdays and sentence openings
are capitalized too), so a name counts only with evidence that it is a person: a
title or role before it, an appositive after it ("Jamieson Greer, the US trade
representative,"), an age, or weaker signs ("said", "who", "hurdler") backed by
"he" or "she". The rules and word lists are general English, nothing about one
story, and they are rules, not a model: an operator can see why a name is in or out.

Found names are then matched everywhere, headings too, and a bare "Trump" or "Xi"
joins the one full name it can mean: by its last word, or by its first for names
that put the family name first (within the article, or with a title that fits:
"President Xi"); by its role when two full names share it ("President Trump" is
not "First Lady Melania Trump"); and by what it meant elsewhere in the article.
Organizations are only recognized to be left out.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate

from .models import Citation, Document, Person, Role, Sentence, SourceInfo
from .text import STOPWORDS


@dataclass(frozen=True)
class Watch:
    """One watchlist entry from the config: a person the operator always wants shown."""

    name: str
    aliases: tuple[str, ...] = ()
    role: str | None = None  # shown first, before the roles the sources state


# --------------------------------------------------------------------------- vocabulary

# Words that stand before a person's name and say what they are.  "Titles" also
# stand before a bare surname ("President Trump", "Mr Blair"); the others
# ("star", "striker", "analyst") only before a full name.
_TITLES = frozenset(
    """
    president premier chancellor senator governor mayor king queen prince princess pope emperor
    empress sheikh ayatollah emir sultan minister secretary representative congressman
    congresswoman judge justice admiral colonel commander sergeant ambassador commissioner
    cardinal bishop archbishop rabbi imam chairman chairwoman chairperson speaker
    president-elect mr mrs ms miss mx dr prof professor sir dame lord lady baroness baron sen
    rep gov gen lt col capt sgt rev det insp supt solicitor barrister constable inspector
    detective superintendent
    """.split()
)
_DESCRIPTIVE = frozenset(
    """
    ceo cfo coo cto mp mep msp coach chief executive officer spokesman spokeswoman spokesperson
    leader chair director manager boss founder co-founder owner head deputy adviser advisor aide
    envoy negotiator diplomat official lawmaker legislator politician candidate nominee lawyer
    attorney prosecutor economist analyst strategist investor billionaire entrepreneur
    businessman businesswoman banker trader scientist researcher doctor surgeon editor reporter
    correspondent columnist presenter host broadcaster singer songwriter actor actress star
    rapper comedian producer author writer novelist poet playwright artist musician guitarist
    drummer composer conductor dancer critic supermodel legend designer architect photographer
    filmmaker film-maker player striker midfielder defender goalkeeper keeper winger captain
    batsman bowler champion athlete runner sprinter jockey trainer boxer golfer swimmer cyclist
    skipper referee umpire wife husband son daughter brother sister mother father uncle aunt
    nephew niece cousin widow fiancee girlfriend boyfriend colleague winner holder member
    medallist administrator assistant
    """.split()
)
_HEADS = _TITLES | _DESCRIPTIVE
_HEAD_PREFIXES = frozenset("co vice ex then deputy acting joint assistant".split())
_ACRONYM_HEADS = frozenset("ceo cfo coo cto mp mep msp".split())
# Role words that also describe companies ("car maker Aston Martin", "owner France Telecom"):
# like agent nouns, they need a pronoun or a bare surname to back them.
_WEAK_HEADS = frozenset("owner maker".split())
# Words before a verb: "will host", "to star", "they coach".
_BEFORE_VERBS = frozenset(
    "to not will would can could should must might may i you we they he she it never did do "
    "does".split()
)
_VERB_HEADS = frozenset("host star head chair coach model champion boss aide".split())
_AGENT_ENDINGS = ("er", "or", "ist", "ian", "ant", "ent")
_NOT_AGENTS = frozenset(
    """
    ever never whether later rather together however major minor prior latter former order other
    another either neither after over under under water winter summer center centre counter
    matter letter paper number percent recent present current different important event moment
    government parliament agreement statement tournament department carmaker retailer supplier
    manufacturer provider operator distributor exporter importer insurer lender broadcaster
    publisher brewer miner carrier developer builder seller buyer competitor newspaper tracker
    liner giant parent regulator sponsor processor computer server partner rival contractor
    discover remember consider deliver offer suffer enter answer gather register cover recover
    monitor render lower power tender transfer prefer refer differ alter filter wonder whatever
    """.split()
)
# Words that, as the last word of a name, are more likely a surname than a title.
_SURNAME_HEADS = frozenset("king bishop judge cardinal baron speaker".split())
# Social titles: evidence of a person, but not a role worth showing.
_HONORIFICS = frozenset("mr mrs ms miss mx sir dame lord lady baroness baron dr madam mme".split())
# Words that qualify a lower-case role word: "chief executive", "former US president".
_MODIFIERS = frozenset(
    """
    chief vice deputy foreign finance prime trade interior defence defense health home culture
    sport sports education environment energy transport treasury justice former acting executive
    managing general senior junior assistant associate opposition party club team national first
    press state new outgoing incoming interim joint co attorney supreme top lead commerce
    economic financial communications technical creative artistic marketing operating
    information security intelligence police army military union shadow independent
    """.split()
)
# The "of …" part of a title: "Secretary of State", "Chancellor of the Exchequer".
_DEPARTMENTS = frozenset(
    """
    state defence defense treasury exchequer finance foreign affairs justice health education
    trade culture media sport commerce labor labour energy interior homeland security
    agriculture transport transportation industry environment housing veterans work pensions
    employment economy home office development international science technology communications
    the and
    """.split()
)
# "American Justin Gatlin", "Democrat John Kerry": a nationality or party before a name is
# not part of it.
_DEMONYMS = frozenset(
    """
    democrat democrats republican republicans tory tories labour conservative liberal lib dem
    libdem socialist communist nationalist unionist american british english scottish welsh
    irish french german italian spanish portuguese dutch belgian swiss austrian danish swedish
    norwegian finnish polish czech hungarian romanian bulgarian greek turkish russian ukrainian
    serbian croatian chinese japanese korean indian pakistani afghan iranian iraqi syrian
    israeli palestinian lebanese saudi egyptian nigerian kenyan ethiopian namibian african
    canadian mexican brazilian argentine argentinian colombian chilean peruvian cuban jamaican
    australian european asian thai vietnamese indonesian filipino taiwanese briton scot
    """.split()
)
_PARTICLES = frozenset(
    "de da di del della der den van von le la du dos das ter ten bin ibn".split()
)
_SUFFIXES = frozenset("jr jnr sr snr ii iii iv".split())
# Abbreviations whose period belongs to the word ("Mr.", "Sen.", "J.").
_ABBREVIATIONS = frozenset("mr mrs ms dr sen rep gov gen lt col capt sgt rev prof jr sr st".split())
# Capitalized words that are never part of a person's name: calendar words and the
# head words of places, organizations, events and works.
_CALENDAR = frozenset(
    """
    january february march april may june july august september october november december monday
    tuesday wednesday thursday friday saturday sunday today tomorrow yesterday tonight christmas
    easter ramadan
    """.split()
)
_MONTHS = frozenset(
    "january february march april may june july august september october november december".split()
)
_NOT_NAMES = frozenset(
    """
    the a an this that these those it its he she they we i you his her their our my your and or
    but if in on at by for from of to with as after before during since until while when where
    what who why how not no yes all any some each every both many most more less other another
    house street road avenue square lane place city county province state states republic
    kingdom empire union party council ministry department office agency bank group inc corp ltd
    llc plc company co corporation airlines airways motors industries holdings fund trust
    university college school institute academy hospital clinic museum gallery church cathedral
    mosque temple court parliament congress senate assembly commission committee federation
    association league cup championship championships tournament open games olympics award
    awards prize prizes festival media news times post journal herald gazette telegraph guardian
    tribune social network networks systems technologies software oil gas airport station
    stadium arena park hall palace tower bridge island islands sea ocean river lake mountain
    mountains valley bay coast gulf channel centre center club united rovers athletic wanderers
    albion fc records studios pictures films entertainment foundation act treaty accord
    agreement forces army navy police service services authority board bureau exchange market
    markets index securities capital partners report survey review day week war wars era watch
    auto motor wireless telecom telecoms limited unit relations consort division plan
    broadcasting age north south east west northern southern eastern western central new street
    online web internet net dot com org mobile digital global international national federal
    royal
    """.split()
)
# Lower-case words after a name that make it a place: "King Cross station".
_PLACE_NOUNS = frozenset(
    """
    station airport street road avenue square stadium arena park hall palace tower bridge island
    river lake mountain valley bay hotel hospital university college school church cathedral
    museum gallery theatre centre center estate district county province region
    """.split()
)
# Capitalized words that open sentences without being names.
_OPENERS = frozenset(
    """
    despite although however meanwhile separately nevertheless similarly perhaps yet still
    overall instead indeed thus therefore moreover furthermore earlier later last next according
    following during since until unlike like among amid including especially even already also
    once now then there here while whether both either neither several few many much such
    """.split()
)
_SPEECH = frozenset(
    """
    said says told tells added adds announced announces wrote writes stated explained explains
    argued argues insisted insists warned warns noted notes claimed claims declared tweeted
    posted admitted admits confirmed confirms denied denies replied responded commented
    acknowledged urged urges suggested suggests revealed reveals emphasized emphasised stressed
    described describes hailed believes believed thinks thought predicted predicts conceded
    recalled complained complains asked asks vowed pledged promised
    """.split()
)
_INVERTED_SPEECH = frozenset(
    "said says added adds asked asks wrote writes explained continued".split()
)
_SPEECH_FILLERS = frozenset(
    "has had have was is also then later recently reportedly earlier previously once "
    "repeatedly".split()
)
_CLAUSE_OPENERS = frozenset("“ \" ‘ ' ( [ : — – -".split())
_PLURAL_VERBS = frozenset("have are were do did 've 're".split())
_PREPOSITIONS = frozenset("of for at from with by in on to".split())
_PRONOUNS = frozenset("he she his her him himself herself".split())
_DETERMINERS = frozenset("the a an his her its their our".split())

# A word runs on through an apostrophe or hyphen only into a letter or digit ("O'Brien",
# "Jean-Claude"); written as runs of word characters, which the matcher takes fastest.
_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|[^\W_]\w*(?:[’'-][^\W_]\w*)*|\S")
_PIECE = re.compile(r"\s+|" + _TOKEN.pattern)  # tokens and the spaces between them
_PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,4}")
_MAX_NAME_WORDS = 4
_MAX_ROLE_WORDS = 5


# --------------------------------------------------------------------------- tokens


class _Tok:
    """A word or punctuation mark, with what the rules ask of it worked out once.

    One object per distinct token of the input, shared by every sentence that has it
    (where it stands is the ``_Line``'s business), so never changed once made.
    """

    __slots__ = ("acronym", "key", "low", "name", "possessive", "text", "word")

    def __init__(self, text: str, word: bool, possessive: bool = False):
        self.text = text  # as written, without a possessive "’s"
        self.word = word
        self.possessive = possessive
        self.key = text.rstrip(".")
        self.low = self.key.lower()
        self.name = _name_shaped(self.key, word, text)
        letters = text.replace(".", "")
        self.acronym = word and len(letters) >= 2 and letters.isalpha() and letters.isupper()


@dataclass(frozen=True, slots=True)
class _Line:
    """A sentence's tokens, and where each one starts and ends in its text."""

    text: str
    tokens: tuple[_Tok, ...]
    # typed arrays, not tuples: a tuple holds an int object per offset above 256, and
    # every sentence of the run is tokenized at once (110 MB more at 10,000 articles)
    starts: array[int]
    ends: array[int]  # end of a token's text (a possessive "’s", if any, follows)

    def between(self, first: int, last: int) -> str:
        """The text from token ``first`` to token ``last``, both included."""
        return self.text[self.starts[first] : self.ends[last]]


def _tokenize(text: str, shared: dict[str, _Tok] | None = None) -> _Line:
    """Words and punctuation; "Mr." and "J." keep their period, "Trump’s" loses its "’s".

    ``shared`` holds the tokens made so far, by the text they were made from: most tokens
    of a long input are words seen before, and one object each keeps the input small.
    """
    known = {} if shared is None else shared
    tokens: list[_Tok] = []
    starts: list[int] = []
    ends: list[int] = []
    before, before_end = "", -1  # the word just read, and where it ends
    pieces = _PIECE.findall(text)  # spaces too, so that their lengths add up to positions
    for word, end in zip(pieces, accumulate(map(len, pieces)), strict=True):
        if word[0].isspace():
            continue
        start = end - len(word)
        if (
            word == "."
            and start == before_end
            and (before.lower() in _ABBREVIATIONS or (len(before) == 1 and before.isupper()))
        ):
            word = before + "."
            tok = known.get(word)
            if tok is None:
                tok = known[word] = _Tok(word, True)
            tokens[-1] = tok
            ends[-1] = end
            before, before_end = "", -1
            continue
        tok = known.get(word)
        if tok is None:
            if word[0].isalnum() and len(word) > 2 and word[-2:].lower() in ("’s", "'s"):
                tok = _Tok(word[:-2], True, True)
            else:
                tok = _Tok(word, word[0].isalnum())
            known[word] = tok
        tokens.append(tok)
        starts.append(start)
        ends.append(end - 2 if tok.possessive else end)
        before, before_end = (word, end) if tok.word else ("", -1)
    return _Line(text, tuple(tokens), array("I", starts), array("I", ends))


def _is_cjk(tok: _Tok) -> bool:
    return bool(_CJK.fullmatch(tok.text))


def _name_shaped(key: str, word: bool, text: str) -> bool:
    """Shaped like a word of a name: "Xi", "O'Brien", "Jean-Claude", "al-Assad", "J.", 习近平."""
    if not word or not key:
        return False
    if _CJK.fullmatch(text):
        return True
    if len(key) == 1:
        return key.isupper()
    if key[0].isupper():
        # "Jean-Claude", "Kilroy-Silk", but not "Man-of-the-match"
        parts = key.split("-")
        return any(c.islower() for c in key[1:]) and all(p[:1].isupper() for p in parts[1:])
    head, _, rest = key.partition("-")
    return head in ("al", "el", "bin", "ibn", "abu") and rest[:1].isupper()


def _is_head(tok: _Tok) -> bool:
    """A role word; in capitals only an acronym role ("CEO"), never "DR" (Congo) or "US"."""
    if not tok.word or tok.possessive or _head_word(tok) not in _HEADS:
        return False
    return not tok.acronym or tok.low in _ACRONYM_HEADS


def _head_word(tok: _Tok) -> str:
    """The role word of a compound: "co-chairman" is a chairman, "vice-president" a president."""
    prefix, _, last = tok.low.rpartition("-")
    return last if prefix in _HEAD_PREFIXES else tok.low


def _is_agent_noun(tok: _Tok) -> bool:
    """A lower-case "one who does": "hurdler", "novelist", "consultant", "comedian"."""
    low = tok.text
    return (
        tok.word
        and not tok.possessive
        and len(low) >= 5
        and low.isalpha()
        and low.islower()
        and low.endswith(_AGENT_ENDINGS)
        and low not in STOPWORDS
        and low not in _NOT_AGENTS
    )


def _is_role_word(tokens: Sequence[_Tok], i: int) -> bool:
    """A role word, or an agent noun used as one; not a verb ("will host Mr Brown's
    speech", "to star Tom Hanks")."""
    tok = tokens[i]
    if _is_head(tok):
        j = i - 1 if i > 1 and tokens[i - 1].low.endswith("ly") else i  # "to powerfully head"
        verb = tok.low in _VERB_HEADS and j > 0 and tokens[j - 1].low in _BEFORE_VERBS
        return not verb
    if not _is_agent_noun(tok):
        return False
    if i > 0 and tokens[i - 1].low == "to":  # "assistant to sculptor X", not "to smother X"
        return i > 1 and (_is_head(tokens[i - 2]) or tokens[i - 2].low in ("married", "next"))
    return not (i > 0 and tokens[i - 1].low in _BEFORE_VERBS)


def _ends_role(tokens: Sequence[_Tok], k: int) -> bool:
    """A role word, or "general" after one ("director general", "Attorney General")."""
    if tokens[k].low == "general":
        return k > 0 and _is_head(tokens[k - 1])
    return _is_role_word(tokens, k)


@dataclass(frozen=True)
class _Context:
    """What the whole input says about words: which ones also occur in lower case."""

    lower_words: frozenset[str]

    def common(self, tok: _Tok) -> bool:
        """A word that is not a name when it opens a sentence: "Despite", "Analysts"."""
        return self.opener(tok) or tok.low in _NOT_NAMES or tok.low in _CALENDAR

    def opener(self, tok: _Tok) -> bool:
        """A word that opens a sentence and is no part of a role: "However", "Despite"."""
        low = tok.low
        return (
            low in STOPWORDS
            or low in _OPENERS
            or low in self.lower_words
            or (low.endswith("s") and low[:-1] in self.lower_words)
        )


def _clause_start(tokens: Sequence[_Tok], i: int) -> bool:
    """The first word of a sentence, a quotation or a bracket: capitalized whatever it is."""
    return i == 0 or tokens[i - 1].text in _CLAUSE_OPENERS


# --------------------------------------------------------------------------- roles


@dataclass(frozen=True)
class _RoleSpan:
    text: str | None  # the role as written, None for a bare honorific ("Mr")
    start: int  # token index where the role begins
    titled: bool  # a title that also stands before a bare surname
    weak: bool = False  # "hurdler", "owner": says what people and companies do


def _role_before(line: _Line, at: int, context: _Context) -> _RoleSpan | None:
    """The role written just before the name starting at token ``at``."""
    tokens = line.tokens
    i = at - 1
    if i < 0:
        return None
    if _is_honorific(tokens, i):
        if i > 0 and tokens[i - 1].low in ("the", "a", "an"):
            return None  # "the Mr Nasty of books": a figure of speech
        if not (i > 0 and _is_role_word(tokens, i - 1)):
            return _RoleSpan(None, i, True)  # "Mr", "Sir": a person, but no role to show
        i -= 1  # "Federal Reserve chairman Mr Alan Greenspan"
    head: int | None = None
    if _is_role_word(tokens, i):
        head = i
    elif tokens[i].low == "general" and i > 0 and _is_head(tokens[i - 1]):
        head = i - 1  # "Attorney General", "Secretary General"
    else:
        # "Secretary of State Condoleezza Rice", "Chancellor of the Exchequer Gordon Brown"
        j = i
        while j >= 0 and tokens[j].word and tokens[j].low in _DEPARTMENTS and j > i - 4:
            j -= 1
        department = any(t.low not in ("the", "and") for t in tokens[j + 1 : i + 1])
        if department and j >= 1 and tokens[j].low in ("of", "for") and _is_head(tokens[j - 1]):
            head = j - 1
    if head is None:
        return None
    start = _modifiers_before(tokens, head, context)
    role = line.between(start, i).strip()
    # A title used as one is capitalized: "Chancellor Brown", not "the chancellor Britain has"
    title = _head_word(tokens[head]) in _TITLES and tokens[head].text[0].isupper()
    titled = title or at - 1 != i
    return _RoleSpan(role, start, titled, _is_weak(tokens[head]) and at - 1 == i)


def _is_weak(tok: _Tok) -> bool:
    """Before a name, "-er", "-or", "-ant" words name companies too ("tracker", "giant");
    "-ist" and "-ian" words ("novelist", "comedian") name people."""
    if tok.low in _WEAK_HEADS:
        return True
    return _is_agent_noun(tok) and tok.low not in _HEADS and not tok.low.endswith(("ist", "ian"))


def _is_honorific(tokens: Sequence[_Tok], i: int) -> bool:
    """A social title ("Mr", "Sir", "Lady"), but not the "Lady" of "First Lady"."""
    return (
        _is_head(tokens[i])
        and tokens[i].low in _HONORIFICS
        and not (i > 0 and tokens[i - 1].low == "first")
    )


def _modifiers_before(tokens: Sequence[_Tok], head: int, context: _Context) -> int:
    """Where a role begins: "U.S. Trade Representative", "former Labour leader"."""
    start = head
    while start > 0 and head - start < _MAX_ROLE_WORDS - 1:
        tok = tokens[start - 1]
        if not tok.word or tok.possessive:
            break
        known = (
            _is_head(tok)
            or tok.acronym
            or tok.low in _MODIFIERS
            or tok.low in _DEMONYMS
            or (tok.text[0].isupper() and "-" in tok.text)  # "Moscow-based", "Sixth-form"
        )
        if _clause_start(tokens, start - 1) and not known and context.opener(tok):
            break  # "Despite", "However" opening the sentence
        if not known and not (tok.name and tok.low not in STOPWORDS and tok.low not in _CALENDAR):
            break
        start -= 1
    return start


def _role_after(line: _Line, end: int) -> _RoleSpan | None:
    """An appositive role: "Jamieson Greer, the US trade representative, said"."""
    tokens = line.tokens
    if end >= len(tokens) or tokens[end].text != "," or tokens[end - 1].possessive:
        return None
    k = end + 1
    if k < len(tokens) and tokens[k].low == "its":
        return None  # "Morgan Stanley, its former banker": a company
    if k < len(tokens) and (tokens[k].low in _DETERMINERS or tokens[k].possessive):
        k += 1  # "the", "its", "Apple’s"
    start = k
    while k < len(tokens) and k - start < 6 and tokens[k].word:
        tok = tokens[k]
        if tok.low in STOPWORDS and tok.low not in ("of", "for") and not tok.acronym:
            return None
        if _ends_role(tokens, k):
            nxt = tokens[k + 1] if k + 1 < len(tokens) else None
            weak = tokens[k].low in _WEAK_HEADS
            if nxt is None or nxt.text in (",", ".", ";", ")", "—", "–", ":"):
                return _RoleSpan(line.between(start, k), start, not weak, weak)
            if nxt.low in ("of", "at", "for"):
                stop = k + 2
                while (
                    stop < len(tokens)
                    and stop - k < 6
                    and (
                        tokens[stop].low in ("the", "of", "and")
                        or tokens[stop].acronym
                        or (tokens[stop].word and tokens[stop].low not in STOPWORDS)
                    )
                ):
                    stop += 1
                if stop > k + 2 and (stop == len(tokens) or not tokens[stop].word):
                    role = line.between(start, stop - 1)
                    return _RoleSpan(role, start, not weak, weak)
        k += 1
    return None


def _role_key(role: str) -> str:
    """Role variants that differ only in case or "U.S."/"US" punctuation are one role."""
    return " ".join(role.replace(".", "").lower().split())


# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class _Candidate:
    """A name in a content sentence, with the evidence that it is a person."""

    form: tuple[str, ...]
    shown: str  # as written
    doc: tuple[str, str]
    role: str | None
    strong: bool  # a role, title, appositive or an age
    weak: bool  # a speech verb, "who", or a role companies have too ("owner", "hurdler")
    pronoun: bool  # "he"/"she"/"his"/"her" follows in this or the next sentence
    titled: bool  # evidence enough for a bare surname
    alias_of: tuple[str, ...] | None = None  # the same name in another script


def _runs(tokens: Sequence[_Tok]) -> Iterable[tuple[int, int]]:
    """Maximal spans of capitalized words, with particles and initials inside."""
    after = 0  # where the last span ended
    for i in [k for k, t in enumerate(tokens) if t.name or t.acronym]:  # the few that open one
        if i < after:
            continue
        j = i + 1
        while j < len(tokens) and not tokens[j - 1].possessive:
            tok = tokens[j]
            if (
                tok.name
                or tok.acronym
                or (
                    tok.low in _PARTICLES
                    and j + 1 < len(tokens)
                    and tokens[j + 1].name
                    and tokens[j].text.islower()
                )
            ):
                j += 1
            else:
                break
        yield i, j
        after = j


def _name_span(
    tokens: Sequence[_Tok], start: int, end: int, context: _Context
) -> tuple[int, int] | None:
    """The part of a capitalized run that can be a name: no role words, openers or places."""
    while end - start > 1 and tokens[end - 1].low in _SUFFIXES:
        end -= 1  # "Martin Luther King Jnr"
    while start < end and (
        (_clause_start(tokens, start) and context.common(tokens[start]))
        or (tokens[start].low in STOPWORDS and tokens[start].name)
        or tokens[start].low in _OPENERS
        or tokens[start].low in _CALENDAR
        or (end - start > 2 and tokens[start].low in _DEMONYMS)
    ):
        start += 1
    if (
        start >= 2
        and tokens[start - 1].low in ("of", "for")
        and (tokens[start - 2].name or tokens[start - 2].acronym)
    ):
        # "Secretary of State Condoleezza Rice", but "Institute of Fiscal Studies"
        k = start
        while k < end and tokens[k].low in _DEPARTMENTS:
            k += 1
        if k == start or not _is_head(tokens[start - 2]):
            return None
        start = k
    heads = [k for k in range(start, end - 1) if _is_head(tokens[k])]
    if heads:
        start = heads[-1] + 1
    elif (
        start < end
        and _is_head(tokens[end - 1])
        and not (end - start >= 2 and tokens[end - 1].low in _SURNAME_HEADS)
    ):
        return None  # "Chinese President", "First Lady": a role, not a name
    while start < end and tokens[start].low == "general" and start > 0:
        start += 1  # "Secretary General Kofi Annan"
    return _valid_name(tokens, start, end)


def _valid_name(tokens: Sequence[_Tok], start: int, end: int) -> tuple[int, int] | None:
    words = tokens[start:end]
    if not words:
        return None
    while len(words) > 1 and words[-1].low in _SUFFIXES:
        words = words[:-1]
    core = [t for t in words if t.low not in _PARTICLES and len(t.key) > 1]
    if not core or len(core) > _MAX_NAME_WORDS:
        return None
    if start > 0 and tokens[start - 1].low == "the":
        return None  # "the Liberal Democrats", "the Moroccan": names of people take no article
    end = start + len(words)
    if end < len(tokens) and tokens[end].text.islower() and tokens[end].low in _PLACE_NOUNS:
        return None  # "King Cross station"
    if len(core) == 1 and (core[0].low in _DEMONYMS or _PLURAL_ACRONYM.fullmatch(core[0].text)):
        return None  # "Moroccan", "MPs"
    if not words[0].name or not words[-1].name or len(words[-1].key) < 2:
        return None
    if any(t.low in _NOT_NAMES for t in core) or any(
        t.low in _HEADS and not (n == len(core) - 1 > 0 and t.low in _SURNAME_HEADS)
        for n, t in enumerate(core)
    ):
        return None  # but "Stephen King"
    if any(t.low in _CALENDAR for t in core[:-1]) or (
        core[-1].low in _CALENDAR and (len(core) == 1 or core[-1].low not in _MONTHS)
    ):
        return None  # but "Theresa May"
    if any(t.acronym for t in words):
        return None
    return start, end


def _form(tokens: Sequence[_Tok], start: int, end: int) -> tuple[str, ...]:
    return tuple(t.key for t in tokens[start:end])


def _evidence(
    line: _Line,
    start: int,
    end: int,
    sentence: Sentence,
    pronoun_to: int,
    context: _Context,
) -> _Candidate:
    """What around the name ``tokens[start:end]`` says that it is a person, and its role.

    A "he" or "she" follows the name if it ends at or before ``pronoun_to`` (see _pronoun_to).
    """
    tokens = line.tokens
    before = _role_before(line, start, context)
    after = _role_after(line, end)
    if (
        before is not None
        and end - start == 1
        and before.start >= 2
        and tokens[before.start - 1].text == ","
        and tokens[before.start - 2].name
        and tokens[before.start].text.islower()
    ):
        before = None  # "Dinesh Keskar, senior vice president Boeing": the role is Keskar's
    if (
        before is not None
        and end - start == 1
        and before.start == start - 1
        and tokens[before.start - 1 : before.start]
        and tokens[before.start - 1].low == "the"
    ):
        before = None  # "the Queen Phoenix is rising": a band, a ship, a pub
    follow = [t.low for t in tokens[end : end + 4] if t.word]
    # "who" makes a person of a name, but not of a group: "Toshiba, who have …"
    who = follow[:1] == ["who"] and not (follow[1:2] and follow[1] in _PLURAL_VERBS)
    age = (
        end + 2 < len(tokens)
        and tokens[end].text == ","
        and tokens[end + 1].text.isdigit()
        and 10 <= int(tokens[end + 1].text) <= 110
        and tokens[end + 2].text in (",", ")")
    )
    speech = False
    complement = start > 0 and tokens[start - 1].low in _PREPOSITIONS  # "a spokesman for X said"
    if end < len(tokens) and not tokens[end - 1].possessive and not complement:
        rest = [t for t in tokens[end : end + 4] if t.word]
        while rest and (rest[0].low in _SPEECH_FILLERS or rest[0].low.endswith("ly")):
            rest = rest[1:]
        commas = start > 0 and tokens[start - 1].text == "," and tokens[end].text == ","
        speech = bool(rest) and rest[0].low in _SPEECH and (tokens[end].word or commas)
    if start > 0 and tokens[start - 1].low in _INVERTED_SPEECH:
        speech = True  # "…,” said John Smith
    pronoun = end <= pronoun_to
    spans = [span for span in (after, before) if span is not None]
    return _Candidate(
        form=_form(tokens, start, end),
        shown=" ".join(line.between(start, end - 1).split()),
        doc=(sentence.source_id, sentence.doc_id),
        role=next((span.text for span in spans if span.text), None),
        strong=age or any(not span.weak for span in spans),
        weak=speech or who or any(span.weak for span in spans),
        pronoun=pronoun,
        # A bare name with only an appositive needs "he"/"she" too: "Canada, a key gold
        # producer," is no person.
        titled=age
        or (before is not None and before.titled)
        or (after is not None and after.titled and (end - start > 1 or pronoun)),
    )


def _discover(
    documents: Sequence[Sequence[Sentence]],
    tokenized: dict[int, _Line],
    context: _Context,
) -> list[_Candidate]:
    """Every capitalized name of a content sentence, with the evidence around it."""
    found: list[_Candidate] = []
    for sentences in documents:
        content = [s for s in sentences if s.role is Role.CONTENT]
        for n, sentence in enumerate(content):
            line = tokenized[id(sentence)]
            tokens = line.tokens
            pronoun_to: int | None = None  # worked out for the sentence's first name
            for run_start, run_end in _runs(tokens):
                span = _name_span(tokens, run_start, run_end, context)
                if span is None:
                    continue
                if pronoun_to is None:
                    following = content[n + 1] if n + 1 < len(content) else None
                    after = tokenized[id(following)].tokens if following is not None else ()
                    pronoun_to = _pronoun_to(tokens, after)
                candidate = _evidence(line, *span, sentence, pronoun_to, context)
                found.append(candidate)
                other = _other_script(tokens, span[1])
                if other is not None:
                    found.append(
                        replace(candidate, form=(other,), shown=other, alias_of=candidate.form)
                    )
    return found


def _pronoun_to(tokens: Sequence[_Tok], after: Sequence[_Tok]) -> int:
    """Where the last "he", "she", "his", "her" … stands: in the next sentence (the end of
    this one, then), in this one (its index), or nowhere (-1)."""
    if any(t.low in _PRONOUNS for t in after):
        return len(tokens)
    return max((k for k, t in enumerate(tokens) if t.low in _PRONOUNS), default=-1)


def _other_script(tokens: Sequence[_Tok], end: int) -> str | None:
    """A name in another script in brackets after a name: "Xi Jinping (习近平)"."""
    if (
        end + 2 < len(tokens)
        and tokens[end].text == "("
        and tokens[end + 2].text == ")"
        and _is_cjk(tokens[end + 1])
    ):
        return tokens[end + 1].text
    return None


def _cluster_key(form: tuple[str, ...]) -> tuple[str, ...]:
    """Name variants of one person share first and last word: "Donald J. Trump", "Donald Trump"."""
    words = [w for w in form if w.lower() not in _SUFFIXES] or list(form)  # "Jr III" alone
    words = [w for w in words if len(w) > 1 or w == words[0]]
    if len(words) == 1:
        return (words[0],)
    return (words[0], words[-1])


def _people_forms(
    candidates: Sequence[_Candidate],
) -> tuple[list[tuple[str, ...]], dict[str, set[tuple[str, str]]]]:
    """Which full names are people (by cluster key), and which bare names are (and in which
    articles), in the order found.

    A full name needs evidence: a role, title, appositive or age; or weaker evidence (a
    speech verb, "who", a role companies have too) backed by "he"/"she" or by the surname
    used alone; or, in the same article, its surname with a title ("Mr Thomas") or with
    backed weaker evidence ("Gerrard, who … he").
    """
    bare: dict[tuple[str, str], set[str]] = {}
    titled: dict[tuple[str, str], set[str]] = {}
    single: dict[str, set[tuple[str, str]]] = {}
    for c in candidates:
        if len(c.form) == 1 and c.alias_of is None:
            bare.setdefault(c.doc, set()).add(c.form[0])
            if c.titled or c.strong or (c.weak and c.pronoun):
                titled.setdefault(c.doc, set()).add(c.form[0])
            if c.titled:
                single.setdefault(c.form[0], set()).add(c.doc)
    full: dict[tuple[str, ...], None] = {}
    named: set[tuple[tuple[str, str], str]] = set()  # (article, surname) of a full name found
    for c in candidates:
        if len(c.form) < 2 or c.alias_of is not None:
            continue
        if c.strong or (c.weak and (c.pronoun or c.form[-1] in bare.get(c.doc, set()))):
            full[_cluster_key(c.form)] = None
            named.add((c.doc, c.form[-1]))
    for c in candidates:
        # "Mr Thomas" in the article makes "Richard Thomas" a person, unless another full
        # name already explains the surname ("At La Fenice Viotti was …")
        if (
            len(c.form) >= 2
            and c.alias_of is None
            and c.form[-1] in titled.get(c.doc, set())
            and (_cluster_key(c.form) in full or (c.doc, c.form[-1]) not in named)
        ):
            full[_cluster_key(c.form)] = None
    return list(full), single


# --------------------------------------------------------------------------- mentions


@dataclass(frozen=True)
class _Mention:
    sentence: Sentence
    position: int  # token index, for reading order
    form: tuple[str, ...]
    shown: str  # as written
    role: str | None
    titled: bool = False  # a title or "Mr" before it: "President Xi", "Sir Digby"
    cluster: str | None = None  # known already: a watch alias phrase


@dataclass
class _Gazetteer:
    """Known name forms and who each may refer to; built per call, never shared."""

    forms: dict[tuple[str, ...], str] = field(default_factory=dict)  # full form → cluster
    last: dict[str, list[str]] = field(default_factory=dict)  # last word → clusters
    first: dict[str, list[str]] = field(default_factory=dict)  # first word → clusters
    single: dict[str, str] = field(default_factory=dict)  # bare name → its own cluster
    single_docs: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # … found in
    roles: dict[str, set[str]] = field(default_factory=dict)  # cluster → role head words
    names: dict[str, Counter[str]] = field(default_factory=dict)  # cluster → full names seen
    phrases: dict[tuple[str, ...], str] = field(default_factory=dict)  # casefolded watch alias
    longest: int = 1
    longest_phrase: int = 0
    openings: frozenset[str] = frozenset()  # first words of ``forms``, once they are all in

    def add_full(self, form: tuple[str, ...], cluster: str) -> None:
        self.forms.setdefault(form, cluster)
        self.longest = max(self.longest, len(form))
        key = _cluster_key(form)
        for index, word in ((self.last, key[-1]), (self.first, key[0])):
            if cluster not in index.setdefault(word, []):
                index[word].append(cluster)

    def candidates(self, word: str) -> list[str]:
        return self.last.get(word) or self.first.get(word) or []


def _match(
    tokens: Sequence[_Tok], at: int, gazetteer: _Gazetteer
) -> tuple[int, tuple[str, ...]] | None:
    """The longest known form starting at token ``at``: (its end, its form)."""
    first = tokens[at]
    # A name of two words or more is known only if its first word opens a known form
    # (a suffix such as "Jr" is left out of a name's key, so it may open any).
    longest = gazetteer.longest if first.key in gazetteer.openings or first.low in _SUFFIXES else 1
    reach, stop = at, min(len(tokens), at + longest)  # words on, up to a possessive one
    while reach < stop and tokens[reach].word:
        reach += 1
        if tokens[reach - 1].possessive:
            break
    for length in range(reach - at, 0, -1):
        form = tuple(t.key for t in tokens[at : at + length])
        if length > 1 and form in gazetteer.forms:
            return at + length, form
        if (
            length > 1
            and _cluster_key(form) in gazetteer.forms
            and _valid_name(tokens, at, at + length)
        ):
            return at + length, form
        if length == 1 and (
            form in gazetteer.forms or form[0] in gazetteer.single or gazetteer.candidates(form[0])
        ):
            return at + 1, form
    return None


def _mentions(
    sentence: Sentence, line: _Line, gazetteer: _Gazetteer, context: _Context
) -> list[_Mention]:
    """Every known name in a sentence; content sentences also give the roles around them."""
    content = sentence.role is Role.CONTENT
    tokens = line.tokens
    phrases = bool(gazetteer.phrases)
    out: list[_Mention] = []
    # where a mention can start: a watch alias at any word, else only a name-shaped word or
    # a capitalized compound ("Trump-Xi"); most words are neither, and are passed over
    starts = (
        range(len(tokens))
        if phrases
        else [
            k
            for k, t in enumerate(tokens)
            if t.name or (t.word and "-" in t.text and t.text[0].isupper())
        ]
    )
    after = 0  # where the last mention ended
    for i in starts:
        if i < after:
            continue
        tok = tokens[i]
        phrase = _phrase(tokens, i, gazetteer) if phrases else None
        if phrase is not None:  # a watch alias such as "the Treasury chief"
            end, cluster = phrase
            shown = line.between(i, end - 1)
            out.append(_Mention(sentence, i, _form(tokens, i, end), shown, None, cluster=cluster))
            after = end
            continue
        found = _match(tokens, i, gazetteer) if tok.name else None
        if found is None and tok.word and "-" in tok.text and tok.text[0].isupper():
            out.extend(_hyphen_parts(sentence, i, tok, gazetteer))
        if found is None:
            continue
        end, form = found
        if not _stands_alone(line, i, end, form, gazetteer, context, content=content):
            continue
        role, titled = None, False
        if content:
            before = _role_before(line, i, context)
            spans = (_role_after(line, end), before)
            role = next((span.text for span in spans if span and span.text), None)
            titled = before is not None and before.titled
        shown = line.between(i, end - 1)
        out.append(_Mention(sentence, i, form, shown, role, titled))
        after = end
    return out


def _phrase(tokens: Sequence[_Tok], at: int, gazetteer: _Gazetteer) -> tuple[int, str] | None:
    """A watch alias that is not a name ("the Treasury chief"), in any case: (end, cluster)."""
    if not gazetteer.phrases or not tokens[at].word:
        return None
    for length in range(min(gazetteer.longest_phrase, len(tokens) - at), 0, -1):
        span = tokens[at : at + length]
        if all(t.word for t in span):
            cluster = gazetteer.phrases.get(tuple(t.key.casefold() for t in span))
            if cluster is not None:
                return at + length, cluster
    return None


def _stands_alone(
    line: _Line,
    start: int,
    end: int,
    form: tuple[str, ...],
    gazetteer: _Gazetteer,
    context: _Context,
    *,
    content: bool,
) -> bool:
    """Not a piece of a longer capitalized name ("Trump Tower") nor a common opening word.

    Titles and headings capitalize every word, so there only common words are ruled out.
    """
    tokens = line.tokens
    bare = len(form) == 1
    if bare and content and _clause_start(tokens, start) and context.common(tokens[start]):
        return False
    if (
        bare
        and form not in gazetteer.forms
        and not gazetteer.last.get(form[0])
        and form[0] not in gazetteer.single
        and tokens[start].low in context.lower_words
    ):
        return False  # a first name that is also a common word: "Will", "Mark"
    if not content:
        return True
    if end < len(tokens) and not tokens[end - 1].possessive:
        nxt = tokens[end]
        if nxt.name and nxt.low not in _PARTICLES and not _match(tokens, end, gazetteer):
            return False  # "Trump Tower"
    if start > 0 and not _clause_start(tokens, start - 1):
        prev = tokens[start - 1]
        return (
            not prev.name
            or prev.possessive
            or prev.low in _CALENDAR
            or prev.low in _DEMONYMS
            or _role_before(line, start, context) is not None
        )
    return True


def _hyphen_parts(sentence: Sentence, at: int, tok: _Tok, gazetteer: _Gazetteer) -> list[_Mention]:
    """Known names inside a compound: "the Trump-Xi call" mentions both."""
    parts = tok.text.split("-")
    if not all(p[:1].isupper() for p in parts):
        return []
    known = [p for p in parts if p in gazetteer.single or gazetteer.candidates(p)]
    if len(known) != len(parts):
        return []
    return [_Mention(sentence, at, (p,), p, None) for p in known]


# --------------------------------------------------------------------------- resolution


def _resolve(
    documents: Sequence[Sequence[_Mention]], gazetteer: _Gazetteer
) -> list[tuple[_Mention, str]]:
    """Give each mention its person; a bare name that stays ambiguous is left out."""
    out: list[tuple[_Mention, str]] = []
    for mentions in documents:
        introduced: list[str] = []
        pending: list[_Mention] = []
        meant: dict[str, set[str]] = {}
        for m in mentions:
            cluster = m.cluster or _direct(m, gazetteer, introduced)
            if cluster is None:
                cluster = _bare(m, gazetteer, introduced)
                if cluster is None:
                    pending.append(m)
                    continue
                meant.setdefault(m.form[0], set()).add(cluster)
            elif len(m.form) > 1 and cluster not in introduced:
                introduced.append(cluster)
            out.append((m, cluster))
        for m in pending:
            # One sense per article: "Trump" meant Donald Trump elsewhere in it; "Xi" in
            # the headline means the Xi Jinping the article names further down.
            senses = meant.get(m.form[0], set())
            named = [
                c
                for c in gazetteer.candidates(m.form[0])
                if c in introduced and not _role_clash(m, c, gazetteer)
            ]
            own = _own(m, gazetteer)
            if len(senses) == 1:
                out.append((m, next(iter(senses))))
            elif len(named) == 1:
                out.append((m, named[0]))
            elif own is not None:
                out.append((m, own))
    return out


def _direct(m: _Mention, gazetteer: _Gazetteer, introduced: Sequence[str]) -> str | None:
    """The person a mention can only mean; None when a bare name is ambiguous."""
    if m.form in gazetteer.forms:
        return gazetteer.forms[m.form]
    if len(m.form) > 1:
        return gazetteer.forms.get(_cluster_key(m.form))
    word = m.form[0]
    candidates = gazetteer.candidates(word)
    if len(candidates) == 1 and _fits(m, candidates[0], gazetteer, introduced):
        return candidates[0]
    return None if candidates else _own(m, gazetteer)


def _fits(m: _Mention, cluster: str, gazetteer: _Gazetteer, introduced: Sequence[str]) -> bool:
    """A surname always fits its full name. A first word ("Xi", "Digby", "Bill") fits only
    after the full name in the same article, or with a title that fits it: "President Xi"
    and "Sir Digby", but not "Prince Edward" for Edward Leigh, the chairman."""
    if _role_clash(m, cluster, gazetteer):
        return False
    return bool(gazetteer.last.get(m.form[0])) or cluster in introduced or m.titled


def _role_clash(m: _Mention, cluster: str, gazetteer: _Gazetteer) -> bool:
    """A first word whose role is not the full name's: "Prince Edward", "Edward Leigh, the
    chairman"."""
    if gazetteer.last.get(m.form[0]) or not m.role or not gazetteer.roles.get(cluster):
        return False
    return _role_key(m.role).split()[-1] not in gazetteer.roles[cluster]


def _own(m: _Mention, gazetteer: _Gazetteer) -> str | None:
    """A bare name that is a person by itself ("Mr Sans"), in the articles that show it:
    "Baroness Scotland" in one article does not make every "Scotland" a person."""
    word = m.form[0]
    if (m.sentence.source_id, m.sentence.doc_id) in gazetteer.single_docs.get(word, set()):
        return gazetteer.single.get(word)
    return None


def _bare(m: _Mention, gazetteer: _Gazetteer, introduced: Sequence[str]) -> str | None:
    """A surname two full names share: its role, or the one named so far, decides."""
    candidates = gazetteer.candidates(m.form[0])
    if m.role:
        head = _role_key(m.role).split()[-1]
        fitting = [c for c in candidates if head in gazetteer.roles.get(c, set())]
        if len(fitting) == 1:
            return fitting[0]
    seen = [c for c in candidates if c in introduced]
    return seen[0] if len(seen) == 1 else None


# --------------------------------------------------------------------------- the stage


def find(
    sentences: Sequence[Sentence],
    sources: Sequence[SourceInfo],
    watchlist: Sequence[Watch] = (),
    *,
    limit: int = 15,
    documents: Sequence[Document] = (),
    per_source: int = 3,
) -> tuple[Person, ...]:
    """The people the sources name: watched ones first, then the most widely mentioned.

    Titles and headings count as mentions; only content sentences are cited, at
    most ``per_source`` per source (those stating a role or the full name first).
    ``documents`` lets citations carry the article's URL and title.
    """
    used = [s for s in sentences if s.role in (Role.CONTENT, Role.TITLE, Role.HEADING)]
    by_doc: dict[tuple[str, str], list[Sentence]] = {}
    for s in used:
        by_doc.setdefault((s.source_id, s.doc_id), []).append(s)
    docs = [sorted(group, key=lambda s: s.index) for group in by_doc.values()]
    shared: dict[str, _Tok] = {}
    tokenized = {id(s): _tokenize(s.text, shared) for s in used}
    context = _Context(frozenset(t.text for t in shared.values() if t.word and t.text.islower()))
    candidates = _discover(docs, tokenized, context)
    gazetteer = _gazetteer(candidates, watchlist, context)
    mentions = [
        [m for s in group for m in _mentions(s, tokenized[id(s)], gazetteer, context)]
        for group in docs
    ]
    resolved = _resolve(mentions, gazetteer)
    numbers = {s.id: s.number for s in sources}
    articles = {(d.source_id, d.doc_id): d for d in documents}
    ranked = []
    for cluster, group in _group(resolved).items():
        known = gazetteer.names.get(cluster, Counter())
        person = _person(cluster, group, known, watchlist, numbers, articles, per_source)
        spread = len({m.sentence.source_id for m in group})
        ranked.append(((not person.pinned, -spread, -person.mentions, person.name), person))
    ranked.sort(key=lambda r: r[0])
    return tuple(person for _, person in ranked[:limit])


def _gazetteer(
    candidates: Sequence[_Candidate], watchlist: Sequence[Watch], context: _Context
) -> _Gazetteer:
    """Who is a person, under which written forms, and who a bare name may mean."""
    full, single = _people_forms(candidates)
    variants: dict[tuple[str, ...], dict[tuple[str, ...], None]] = {key: {} for key in full}
    for c in candidates:
        key = _cluster_key(c.form)
        if key in variants:
            variants[key][c.form] = None
    watched: dict[str, str] = {}  # a form the operator named (casefolded) → watch cluster
    for n, watch in enumerate(watchlist):
        for written in (watch.name, *watch.aliases):
            words = tuple(t.key for t in _tokenize(written).tokens if t.word)
            if words:  # "Jerome H. Powell" also claims "Jerome Powell"
                for form in (words, _cluster_key(words)):
                    watched.setdefault(" ".join(form).casefold(), f"watch:{n}")
    roots = _suffix_roots(variants)
    groups: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for key in variants:
        groups.setdefault(_root(roots, key), []).append(key)
    clusters: dict[tuple[str, ...], str] = {}
    for root, group in groups.items():
        cluster = _cluster_id(group, variants, watched, root)
        clusters.update(dict.fromkeys(group, cluster))
    gazetteer = _Gazetteer()
    for key, forms in variants.items():
        for form in (*forms, key):
            gazetteer.add_full(form, clusters[key])
    for c in candidates:
        if c.alias_of is not None and _cluster_key(c.alias_of) in clusters:
            gazetteer.forms[c.form] = clusters[_cluster_key(c.alias_of)]
            continue
        person = clusters.get(_cluster_key(c.form))
        if person is not None:
            gazetteer.names.setdefault(person, Counter())[c.shown] += 1
            if c.role:
                gazetteer.roles.setdefault(person, set()).add(_role_key(c.role).split()[-1])
    for n, watch in enumerate(watchlist):
        for written in (watch.name, *watch.aliases):
            tokens = [t for t in _tokenize(written).tokens if t.word]
            while len(tokens) > 1 and _is_head(tokens[0]):
                tokens = tokens[1:]  # "President Trump", "Mr Bessent": the name is the rest
            words = tuple(t.key for t in tokens)
            if not all(t.name for t in tokens):  # "the Treasury chief"
                gazetteer.phrases[tuple(w.casefold() for w in words)] = f"watch:{n}"
                gazetteer.longest_phrase = max(gazetteer.longest_phrase, len(words))
            elif len(words) > 1:
                gazetteer.add_full(words, f"watch:{n}")
            elif words:
                gazetteer.forms[words] = f"watch:{n}"
    for word, docs in single.items():
        if word.lower() in context.lower_words:
            continue  # "Justice Plan", when "plan" is a word of the text too
        gazetteer.single[word] = watched.get(word.casefold(), "name:" + word)
        gazetteer.single_docs[word] = docs
    gazetteer.openings = frozenset(form[0] for form in gazetteer.forms)
    return gazetteer


def _suffix_roots(
    variants: dict[tuple[str, ...], dict[tuple[str, ...], None]],
) -> dict[tuple[str, ...], tuple[str, ...]]:
    """A name that is the end of exactly one longer name is that person:
    "Saumarez Smith" is Charles Saumarez Smith."""
    ends = _name_ends(variants)
    roots: dict[tuple[str, ...], tuple[str, ...]] = {}
    for key, forms in variants.items():
        longer: set[tuple[str, ...]] = set()
        for form in (*forms, key):
            for other in ends.get(form, ()):
                if other != key:
                    longer.add(other)
                    if len(longer) > 1:
                        break
            if len(longer) > 1:
                break
        if len(longer) == 1:
            roots[key] = next(iter(longer))
    return roots


def _name_ends(
    variants: dict[tuple[str, ...], dict[tuple[str, ...], None]],
) -> dict[tuple[str, ...], set[tuple[str, ...]]]:
    """Each proper end of a known name ("Saumarez Smith", "Smith") → the keys whose names
    end so; built once, so matching a name against all the others is a lookup."""
    ends: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for key, forms in variants.items():
        for name in (*forms, key):
            for cut in range(1, len(name)):
                ends.setdefault(name[cut:], set()).add(key)
    return ends


def _root(roots: dict[tuple[str, ...], tuple[str, ...]], key: tuple[str, ...]) -> tuple[str, ...]:
    seen = {key}
    while key in roots and roots[key] not in seen:
        key = roots[key]
        seen.add(key)
    return key


def _cluster_id(
    group: Sequence[tuple[str, ...]],
    variants: dict[tuple[str, ...], dict[tuple[str, ...], None]],
    watched: dict[str, str],
    root: tuple[str, ...],
) -> str:
    for key in group:
        for form in (key, *variants[key]):
            cluster = watched.get(" ".join(form).casefold())
            if cluster is not None:
                return cluster
    return "name:" + " ".join(root)


def _group(resolved: Sequence[tuple[_Mention, str]]) -> dict[str, list[_Mention]]:
    groups: dict[str, list[_Mention]] = {}
    for mention, cluster in resolved:
        groups.setdefault(cluster, []).append(mention)
    return groups


def _display(m: _Mention) -> str:
    return " ".join(m.shown.split())


def _person(
    cluster: str,
    mentions: Sequence[_Mention],
    known: Counter[str],
    watchlist: Sequence[Watch],
    numbers: dict[str, int],
    articles: dict[tuple[str, str], Document],
    per_source: int,
) -> Person:
    watch = watchlist[int(cluster.split(":")[1])] if cluster.startswith("watch:") else None
    shown = Counter(_display(m) for m in mentions)
    order = {form: n for n, form in enumerate(dict.fromkeys(_display(m) for m in mentions))}
    if watch is not None:
        name = watch.name
    else:
        # The fullest form, even if only the surname was used here ("Gatlin").
        seen = shown + known
        name = min(seen, key=lambda f: (-len(f.split()), -seen[f], order.get(f, len(order)), f))
    aliases = sorted((f for f in shown if f != name), key=lambda f: (-shown[f], order[f]))
    roles = _roles(mentions, watch)
    return Person(
        name=name,
        roles=roles,
        aliases=tuple(aliases),
        mentions=len(mentions),
        citations=_citations(mentions, numbers, articles, per_source),
        pinned=watch is not None,
    )


def _roles(mentions: Sequence[_Mention], watch: Watch | None) -> tuple[str, ...]:
    """Up to three roles, most often stated first; "U.S." and "US" variants are one role."""
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for m in mentions:
        if m.role:
            key = _role_key(m.role)
            counts[key] += 1
            spellings.setdefault(key, Counter())[m.role] += 1
    ranked = sorted(counts, key=lambda k: -counts[k])  # stable: first stated wins a tie
    roles = [spellings[k].most_common(1)[0][0] for k in ranked]
    if watch is not None and watch.role:
        roles = [watch.role, *(r for r in roles if _role_key(r) != _role_key(watch.role))]
    return tuple(roles[:3])


def _citations(
    mentions: Sequence[_Mention],
    numbers: dict[str, int],
    articles: dict[tuple[str, str], Document],
    per_source: int,
) -> tuple[Citation, ...]:
    """The sentences naming the person, those stating who they are first, a few per source."""
    best: dict[tuple[str, str, int], tuple[bool, bool, _Mention]] = {}
    for m in mentions:
        s = m.sentence
        if s.role is not Role.CONTENT:
            continue
        place = (s.source_id, s.doc_id, s.index)
        rank = (m.role is None, len(m.form) < 2, m)
        if place not in best or rank[:2] < best[place][:2]:
            best[place] = rank
    chosen: list[_Mention] = []
    taken: Counter[str] = Counter()
    for _, _, m in sorted(best.values(), key=lambda r: (r[0], r[1], _where(r[2]))):
        if taken[m.sentence.source_id] < per_source:
            taken[m.sentence.source_id] += 1
            chosen.append(m)
    chosen.sort(key=lambda m: (numbers.get(m.sentence.source_id, 0), _where(m)))
    out = []
    for m in chosen:
        s = m.sentence
        article = articles.get((s.source_id, s.doc_id))
        out.append(
            Citation(
                source_id=s.source_id,
                number=numbers.get(s.source_id, 0),
                doc_id=s.doc_id,
                sentence_index=s.index,
                text=s.text,
                url=article.url if article else None,
                title=article.title if article else None,
            )
        )
    return tuple(out)


def _where(m: _Mention) -> tuple[str, str, int, int]:
    return (m.sentence.source_id, m.sentence.doc_id, m.sentence.index, m.position)
