"""Key-figures stage: the numbers of the story, what each measures, and who stated it.

An analyst checks the numbers first, and numbers are where sources round, garble
or disagree. This stage finds percentages, money, durations, counts and dates in
content sentences, labels each with what it measures in the source's own words,
pairs "from A to B" and "compared with" changes, and merges the same figure across
sources: shown once when they agree (a 90-minute call is a call of one and a half
hours; a cut of 115 points is 145% → 30%), flagged when they do not. Every figure
cites the sentences it came from.

A row must be worth reading in a briefing of several stories: numbers the prose only
uses (three continents, the next seven years, a range's bounds) are not figures, and
each label says whose figure it is ("BA pre-tax profit", from the sentence's names or
the article's main name; ``_owner``). Figures of different owners are never one figure.

The method is plain rules on the sentence's words, not a language model: it must
work on any story, run in milliseconds and let an operator see why a figure was
read the way it was. Its limits are those of rules (see ``parse_quantities`` and
``extract``): a label is the noun phrase a number modifies or is governed by,
found from word shapes and small lists of function words, not from a parse.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, TypeVar

from . import style
from .classify import OTHER
from .models import Citation, Figure, Quantity, Role, Scored, Sentence, SourceInfo
from .text import STOPWORDS, Stemmer, tokens

MAX_LABEL_WORDS = 8
_WALK = 14  # words a phrase before a number may have
_CONTEXT = 10  # words either side that count as a figure's context

# --------------------------------------------------------------------------- numbers

_ONES = "one two three four five six seven eight nine".split()
_TEENS = "eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORD_VALUES = {
    **{w: i + 1 for i, w in enumerate(_ONES)},
    "ten": 10,
    **{w: i + 11 for i, w in enumerate(_TEENS)},
    **{w: (i + 2) * 10 for i, w in enumerate(_TENS)},
    "dozen": 12,
}
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORDNUM = (
    rf"\b(?:(?:{'|'.join(_TENS)})(?:-(?:{'|'.join(_ONES)}))?|{'|'.join(_TEENS)}|ten"
    rf"|{'|'.join(_ONES)}|(?:a\s+)?dozen)\b"
)
_NUM = rf"(?P<num>{_DIGITS}|{_WORDNUM})"
_HALF = r"(?P<half>\s+and\s+a\s+half)?"
_SCALES = {
    "hundred": 1e2,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "k": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "tn": 1e12,
    "trn": 1e12,
}
_SCALE = r"(?:\s+(?P<scale>hundred|thousand|million|billion|trillion)\b)?"
_APPROX_WORDS = (
    r"about|approximately|approx\.|nearly|almost|around|roughly|some|up\s+to|more\s+than|"
    r"over|less\s+than|under|at\s+least|at\s+most|as\s+(?:many|much)\s+as|close\s+to|"
    r"an\s+estimated|(?:just|well)\s+(?:over|under)|fewer\s+than|upwards\s+of"
)
_APPROX = rf"(?:\b(?:{_APPROX_WORDS})\s+)?"
_IS_APPROX = re.compile(rf"^(?:{_APPROX_WORDS})\s", re.IGNORECASE)
_LB = r"(?<![\w$€£¥.,/:-])"  # a number starts a word: not "G7", "COVID-19", "1.5"

_CURRENCY = {
    "$": "USD",
    "us$": "USD",
    "a$": "AUD",
    "c$": "CAD",
    "hk$": "HKD",
    "s$": "SGD",
    "nz$": "NZD",
    "r$": "BRL",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "cn¥": "CNY",
    "₹": "INR",
    "₩": "KRW",
    "rmb": "CNY",
    "dollars": "USD",
    "us dollars": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "yen": "JPY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "rupees": "INR",
    "rubles": "RUB",
    "roubles": "RUB",
}
_CODES = "USD|EUR|GBP|JPY|CNY|RMB|CHF|CAD|AUD|INR"
_DURATIONS = {  # unit word → (unit, factor): under a day in minutes, longer in days
    "second": ("minute", 1 / 60),
    "sec": ("minute", 1 / 60),
    "minute": ("minute", 1.0),
    "min": ("minute", 1.0),
    "hour": ("minute", 60.0),
    "hr": ("minute", 60.0),
    "day": ("day", 1.0),
    "week": ("day", 7.0),
    "month": ("day", 30.0),
    "year": ("day", 365.0),
    "decade": ("day", 3650.0),
}
_TO_MINUTES = {"minute": 1.0, "day": 1440.0}
_MEASURES = {
    "mph": "mph",
    "km/h": "km/h",
    "kph": "km/h",
    "mile": "mile",
    "miles": "mile",
    "km": "km",
    "kilometres": "km",
    "kilometers": "km",
    "metres": "m",
    "meters": "m",
    "feet": "ft",
    "foot": "ft",
    "inches": "inch",
    "tonnes": "tonne",
    "tons": "ton",
    "barrels": "barrel",
    "acres": "acre",
    "hectares": "hectare",
    "degrees": "degree",
}
_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_MONTH_ABBR = {"Jan.": 1, "Feb.": 2, "Mar.": 3, "Apr.": 4, "Jun.": 6, "Jul.": 7, "Aug.": 8}
_MONTH_ABBR |= {"Sep.": 9, "Sept.": 9, "Oct.": 10, "Nov.": 11, "Dec.": 12}
_MONTH = "|".join([*_MONTHS, *(re.escape(a) for a in _MONTH_ABBR)])
_PART_DAY = {"early": 5, "mid": 15, "late": 25}

_NUMBER, _DIGIT = 1, 2


@dataclass(frozen=True)
class _Needs:
    """What a pattern cannot match without, so that a sentence lacking it skips the pattern
    (most sentences state no number: running every pattern on each was most of the time).

    A gate is a tuple of strings one of which the folded, lower-cased text must hold, and,
    unless the strings say all the gate does, a regex it must then match there: the
    strings are looked for first, which costs a small part of a regex search."""

    number: int  # _NUMBER: digits or a number word; _DIGIT: digits; 0: neither
    gates: tuple[_Gate, ...]


_Gate = tuple[tuple[str, ...], re.Pattern[str] | None]


def _needs(number: int, *gates: tuple[tuple[str, ...], str | None]) -> _Needs:
    return _Needs(number, tuple((hints, re.compile(g) if g else None) for hints, g in gates))


def _any(*strings: str) -> str:
    return "|".join(re.escape(w) for w in strings)


def _word(*words: str) -> str:
    return rf"\b(?:{_any(*words)})\b"


_UNITS = ("minute", "hour", "day", "week", "month", "year", "decade")
_MONTH_WORDS = (*(m.lower() for m in _MONTHS), *(a.lower() for a in _MONTH_ABBR))
_DURATION_UNITS = (*("second", "sec", "minute", "min", "hour", "hr"), *_UNITS[2:])
_DURATION_WORDS = _word(*(w + s for w in _DURATION_UNITS for s in ("", "s")))
_MEASURE_WORDS = (
    *("mph", "km", "kph", "mile", "kilometres", "kilometers", "metres", "meters", "feet"),
    *("foot", "inches", "tonnes", "tons", "barrels", "acres", "hectares", "degrees"),
)
_CODE_WORDS = tuple(c.lower() for c in _CODES.split("|"))  # "USD5": no word boundary
_CURRENCY_WORDS = ("dollars", "euro", "yen", "yuan", "renminbi", "rupees", "rubles", "roubles")
_HALF_HINT = ("half",)
_I = re.IGNORECASE

# The patterns that ignore case are written in lower case and run on the folded,
# lower-cased text (the same length, each character where it was): a regex that
# ignores case tries each alternative in full where a case-sensitive one skips those
# whose first letter differs, which is most of the time a sentence takes here.
_LOW = True
_PATTERNS: tuple[tuple[str, _Needs, re.Pattern[str], bool], ...] = (
    (
        "money",
        _needs(_DIGIT, (("$", "€", "£", "¥", "₹", "₩", *_CODE_WORDS), None)),
        re.compile(
            rf"(?<![\w.]){_APPROX}(?P<cur>us\$|a\$|c\$|hk\$|s\$|nz\$|r\$|cn¥|\$|€|£|¥|₹|₩"
            rf"|(?:{_CODES.lower()})\s?)\s?(?P<num>{_DIGITS})(?:\s?(?P<abbr>bn|mn|tn|trn|b|m|k)\b"
            rf"|\s+(?P<scale>hundred|thousand|million|billion|trillion)\b)?"
        ),
        _LOW,
    ),
    (
        "money",
        _needs(
            _NUMBER,
            (
                (*_CURRENCY_WORDS, *_CODE_WORDS),
                rf"{_word('dollars', 'euro', 'euros', 'yen', 'yuan', 'renminbi')}"
                rf"|{_word('rupees', 'rubles', 'roubles')}|{'|'.join(_CODE_WORDS)}",
            ),
        ),
        re.compile(
            rf"{_LB}{_APPROX}{_NUM}(?:\s?(?P<abbr>bn|mn|tn|trn|b|m|k)\b|{_SCALE})"
            rf"\s+(?P<cur>(?:us\s+)?dollars|euros?|yen|yuan|renminbi"
            rf"|rupees|rubles|roubles|{_CODES.lower()})\b"
        ),
        _LOW,
    ),
    (
        "percent",
        _needs(_NUMBER, (("%", "cent", "pct", "basis"), None)),
        re.compile(
            rf"{_LB}{_APPROX}{_NUM}(?:\s?%|\s+per\s?cent\b|\s+pct\b"
            rf"|\s+(?P<points>percentage|basis)\s+points?\b)"
        ),
        _LOW,
    ),
    (
        "duration",
        _needs(_NUMBER, (_DURATION_UNITS, _DURATION_WORDS)),
        re.compile(
            rf"{_LB}{_APPROX}{_NUM}{_HALF}(?:\s+|-)(?P<unit>seconds?|secs?|minutes?|mins?"
            rf"|hours?|hrs?|days?|weeks?|months?|years?|decades?)(?:-long)?\b(?!-old)"
        ),
        _LOW,
    ),
    (
        "duration",  # "an hour and a half"
        _needs(0, (_HALF_HINT, r"and\s+a\s+half")),
        re.compile(
            rf"\b{_APPROX}(?:an?|one)\s+(?P<unit>minute|hour|day|week|month|year)"
            rf"(?P<half>\s+and\s+a\s+half)\b"
        ),
        _LOW,
    ),
    (
        "duration",  # "for an hour", "nearly a week"
        _needs(0, (_UNITS, rf"\ban?\s+{_word(*_UNITS)}")),
        re.compile(
            rf"(?:(?<=\bfor )|(?<=\blasted )|(?<=\blasting )|(?<=\btook )"
            rf"|\b(?:{_APPROX_WORDS})\s+)an?\s+(?P<unit>minute|hour|day|week|month|year|decade)"
            rf"\b(?!-)"
        ),
        _LOW,
    ),
    (
        "duration",  # "half an hour"
        _needs(0, (_HALF_HINT, r"half\s+an?\s")),
        re.compile(rf"\b{_APPROX}(?P<half>half)\s+an?\s+(?P<unit>minute|hour|day)\b"),
        _LOW,
    ),
    (
        "duration",  # "a half-hour", "an hour-long"
        _needs(0, (("half-", "-long"), None)),
        re.compile(
            r"\b(?:an?\s+)?(?:(?P<half>half)-(?P<unit>hour|day)|(?P<unit1>hour|day|week|month"
            r"|year)-long)\b"
        ),
        _LOW,
    ),
    (
        "measure",
        _needs(_NUMBER, (_MEASURE_WORDS, None)),
        re.compile(
            rf"{_LB}{_APPROX}{_NUM}{_SCALE}[\s-]?(?P<unit>mph|km/h|kph|miles?|kilometres|kilometers"
            rf"|km|metres|meters|feet|foot|inches|tonnes|tons|barrels|acres|hectares|degrees)\b"
        ),
        _LOW,
    ),
    (
        "date",  # "mid-May", "early June 2025"
        _needs(0, (("early", "mid", "late"), None), (_MONTH_WORDS, None)),
        re.compile(
            rf"\b(?P<part>(?i:early|mid|late))[\s-](?P<month>{_MONTH})(?:\s+(?P<year>(?:19|20)\d\d))?"
            rf"(?!\w)"
        ),
        not _LOW,
    ),
    (
        "date",  # "June 5", "June 5, 2025"
        _needs(_DIGIT, (_MONTH_WORDS, None)),
        re.compile(
            rf"\b(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?"
            rf"(?:,?\s+(?P<year>(?:19|20)\d\d))?(?![\w%])"
        ),
        not _LOW,
    ),
    (
        "date",  # "5 June 2025"
        _needs(_DIGIT, (_MONTH_WORDS, None)),
        re.compile(
            rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH})"
            rf"(?:,?\s+(?P<year>(?:19|20)\d\d))?(?!\w)"
        ),
        not _LOW,
    ),
    (
        "date",
        _needs(_DIGIT, (_MONTH_WORDS, None)),
        re.compile(rf"\b(?P<month>{_MONTH})\s+(?P<year>(?:19|20)\d\d)\b"),
        not _LOW,
    ),
    (
        "year",
        _needs(_DIGIT),
        re.compile(
            rf"{_LB}(?:(?P<part>(?i:early|mid|late))[\s-])?(?P<year>(?:1[89]|20)\d\d)"
            rf"(?![\w%]|[.,]\d)"
        ),
        not _LOW,
    ),
    ("count", _needs(_NUMBER), re.compile(rf"{_LB}{_APPROX}{_NUM}{_SCALE}(?=\s+\S)"), _LOW),
)

_TIME_REFERENCE = re.compile(r"\s+(?:ago|earlier|later|before|after|old)\b", _I)
_COUNT_WORD = re.compile(r"\s+((?:[A-Za-z]\.){2,}|[A-Za-z][A-Za-z’'-]*)")
_PLURAL_IRREGULAR = frozenset(
    "people children men women staff police personnel cattle troops aircraft".split()
)
_FRACTIONS = frozenset(
    "halves thirds quarters fifths sixths sevenths eighths ninths tenths hundredths".split()
)
_NOT_PLURAL = frozenset(
    "news series species always perhaps whereas thus across plus sometimes various previous "
    "serious famous nervous obvious analysis crisis basis thesis towards afterwards times".split()
)


_ANY_DIGIT = re.compile(r"\d")
_NUMBER_WORD = re.compile(_word(*_WORD_VALUES))
# Letters that IGNORECASE matches to an ASCII letter but ``str.lower`` does not make one.
_FOLD = str.maketrans({"İ": "i", "ı": "i", "ſ": "s"})
_GATES = tuple(dict.fromkeys(g for _, needs, _, _ in _PATTERNS for g in needs.gates))
# The patterns a sentence with no number (0), a number word (_NUMBER) or digits may match,
# each with its gates by their place in _GATES (several patterns share one: it is looked
# for once a sentence).
_PATTERNS_BY_NUMBER = {
    have: tuple(
        (priority, kind, tuple(_GATES.index(g) for g in needs.gates), regex, low)
        for priority, (kind, needs, regex, low) in enumerate(_PATTERNS)
        if needs.number <= have
    )
    for have in (0, _NUMBER, _DIGIT)
}
_NUMBER_WORDS: _Gate = (tuple(_WORD_VALUES), _NUMBER_WORD)
# What a sentence with no number needs for any pattern to match: "half an hour", "mid-May".
_WORDS_ONLY = tuple(
    dict.fromkeys(h for _, _, gates, _, _ in _PATTERNS_BY_NUMBER[0] for h in _GATES[gates[0]][0])
)


Parser = Callable[[str], list[tuple[Quantity, int, int]]]  # parse_quantities, or a memo of it


def parse_quantities(text: str) -> list[tuple[Quantity, int, int]]:
    """Every quantity stated in ``text``, with its character span, in reading order.

    Where forms overlap the earliest, then longest, reading wins ("one and a half
    hours" is a duration, not the count "one"). Counts need a plural noun after
    the number ("three U.S. envoys"); a bare number is never a quantity. Dates
    get ``unit="date"`` and value ``yyyymmdd`` (``mmdd`` without a year).
    """
    low = (text if text.isascii() else text.translate(_FOLD)).lower()
    if _ANY_DIGIT.search(text) is not None:
        patterns = _PATTERNS_BY_NUMBER[_DIGIT]
    elif _holds(low, _NUMBER_WORDS):
        patterns = _PATTERNS_BY_NUMBER[_NUMBER]
    elif _holds(low, (_WORDS_ONLY, None)):
        patterns = _PATTERNS_BY_NUMBER[0]
    else:
        return []  # most sentences
    gated: dict[int, bool] = {}  # gates some patterns share: looked for once
    found: list[tuple[int, int, int, Quantity]] = []
    for priority, kind, gates, regex, on_low in patterns:
        passed = True
        for gate in gates:
            hit = gated.get(gate)
            if hit is None:
                hit = gated[gate] = _holds(low, _GATES[gate])
            if not hit:
                passed = False
                break
        if not passed:
            continue
        for match in regex.finditer(low if on_low else text):
            quantity = _build(kind, match, text)
            if quantity is not None:
                found.append((match.start(), -(match.end() - match.start()), priority, quantity))
    if not found:
        return []
    found.sort(key=lambda f: (f[0], f[1], f[2]))
    out: list[tuple[Quantity, int, int]] = []
    taken = 0
    for start, negative_length, _, quantity in found:
        if start >= taken:
            out.append((quantity, start, start - negative_length))
            taken = start - negative_length
    return out


def _holds(low: str, gate: _Gate) -> bool:
    """Whether the folded, lower-cased text passes a gate (see ``_Needs``)."""
    hints, regex = gate
    for hint in hints:
        if hint in low:
            return regex is None or regex.search(low) is not None
    return False


def _number(text: str) -> float:
    """ "300", "1,200.5", "seven", "twenty-five", "a dozen" → a float."""
    text = (text if text.isascii() else text.translate(_FOLD)).strip().lower()
    if text[0].isdigit():
        return float(text.replace(",", ""))
    words = text.split()[-1].split("-")
    return float(sum(_WORD_VALUES[w] for w in words))


def _key(word: str) -> str:
    """A matched word as the tables spell it: the patterns match ``ſ``, ``ı`` and ``İ``
    as s and i (they run on folded text), so the lookups fold them too."""
    return (word if word.isascii() else word.translate(_FOLD)).lower()


def _build(kind: str, match: re.Match[str], text: str) -> Quantity | None:
    """The Quantity a pattern's match states, or None when the match is not one after all.
    ``match`` may be on the lower-cased text: what it matched is read from ``text``."""
    written = text[match.start() : match.end()]
    groups: dict[str, Any] = {  # as ``match.groupdict()`` types them
        name: text[match.start(name) : match.end(name)] if match.start(name) >= 0 else None
        for name in match.re.groupindex
    }
    if kind == "money":
        value = _number(groups["num"])
        scale = groups.get("abbr") or groups.get("scale")
        cur = re.sub(r"\s+", " ", _key(groups["cur"].strip()))
        unit = _CURRENCY.get(cur, cur.upper())
        return Quantity(value * _SCALES[_key(scale)] if scale else value, unit, written)
    if kind == "percent":
        value = _number(groups["num"])
        points = _key(groups.get("points") or "")
        if points == "basis":
            return Quantity(value / 100, "percentage_points", written)
        return Quantity(value, "percentage_points" if points else "percent", written)
    if kind == "duration":
        if _TIME_REFERENCE.match(text, match.end()):
            return None  # "two weeks ago" is a time, not a length
        word = _key(groups.get("unit") or groups.get("unit1") or "").rstrip("s")
        unit, factor = _DURATIONS[word]
        num = groups.get("num")
        half = groups.get("half")
        if num is not None:
            value = _number(num) + (0.5 if half else 0.0)
        elif half and _key(half.strip()) == "half":
            value = 0.5
        else:
            value = 1.5 if half else 1.0
        return Quantity(value * factor, unit, written)
    if kind == "measure":
        value = _number(groups["num"]) * _SCALES.get(_key(groups.get("scale") or ""), 1.0)
        return Quantity(value, _MEASURES[_key(groups["unit"])], written)
    if kind == "date":
        month_name = groups["month"]
        month = _MONTH_ABBR.get(month_name) or _MONTHS.index(month_name) + 1
        day = (
            int(groups["day"])
            if groups.get("day")
            else _PART_DAY.get(_key(groups.get("part") or ""), 0)
        )
        year = int(groups["year"]) if groups.get("year") else 0
        if not 0 <= day <= 31:
            return None
        return Quantity(float(year * 10000 + month * 100 + day), "date", written)
    if kind == "year":
        return Quantity(float(groups["year"]), "year", written)
    # a count: only with a plural noun after it ("three U.S. envoys", "12,000 jobs")
    value = _number(groups["num"]) * _SCALES.get(_key(groups.get("scale") or ""), 1.0)
    if value <= 1 or _count_noun(text, match.end()) is None:
        return None
    return Quantity(value, "count", written)


def _count_noun(text: str, end: int) -> tuple[int, int] | None:
    """The span of the plural noun phrase right after a count, if there is one."""
    start = None
    for _ in range(4):
        match = _COUNT_WORD.match(text, end)
        if match is None:
            return None
        word = match.group(1)
        low = word.lower()
        if word[:1].islower() and (low in STOPWORDS or low in _PREPOSITIONS or _verb_form(low)):
            return None
        if low in _WORD_VALUES or word in _MONTHS or low in _WEEKDAYS or low in _SCALES:
            return None
        if low.rstrip("s") in _DURATIONS or low in _MEASURES or low in _CURRENCY:
            return None  # "two years ago", "ten miles": not things counted
        if low in _FRACTIONS:
            return None  # "two thirds of its staff": a share, not a count
        start = match.start(1) if start is None else start
        end = match.end(1)
        if _plural(word):
            return start, end
    return None


def _plural(word: str) -> bool:
    low = word.lower()
    if low in _PLURAL_IRREGULAR:
        return True
    return (
        len(low) > 3
        and low.endswith("s")
        and not low.endswith(("ss", "us", "is", "’s", "'s", "ous"))
        and low not in _NOT_PLURAL
    )


# --------------------------------------------------------------------------- words

_DETERMINERS = frozenset(
    "a an the its their his her our my your this that these those some any each every both "
    "all such another".split()
)
_ARTICLES = frozenset("a an the its their his her our my your".split())
_POSSESSIVES = frozenset("its their his her our my your".split())
_PREPOSITIONS = frozenset(
    "of on in for against over into per across between among under about within without "
    "through".split()
)
_REL = frozenset("that which who whom whose".split())
_BE = frozenset("is are was were be been being".split())
_BEFORE_VERBS = frozenset(
    "have has had do does did will would could should can may might must shall".split()
)
_CLAUSE_STOPS = _REL | frozenset(
    "where when and or but while as because although though if whether than so yet since "
    "after before until unless whereas is are was were be been being has have had will would "
    "could should can may might must shall do does did to by from with at not no nor said says "
    "say according it he she they we i you them him me us there here then also".split()
)
_AUXILIARIES = frozenset(
    "will would could should can may might must shall has have had is are was were be been "
    "being do does did not".split()
)
_PARTICLES = frozenset("back down up off out away".split())
_VERBS = frozenset(
    "said says told made makes took takes came comes went goes gave gives found finds held holds "
    "kept keeps met meets paid pays ran saw sees sent sends stood stands won wrote writes became "
    "becomes began begins brought brings bought buys caught felt fell rose risen grew grown led "
    "lost meant means spent spends struck thought thinks drew drove hit hits sought seeks reach "
    "reaches exceeds remains follows includes shows represents affects lasts looms signals "
    "suggests got gets put puts set".split()
)
_NOT_VERBS = frozenset(
    "hundred speed need seed feed breed greed creed kindred sacred naked wicked rugged ragged "
    "beloved aged red bed shed".split()
)
_ING_NOUNS = frozenset(
    "spending funding housing lending borrowing shipping pricing building meeting morning "
    "evening thing nothing something anything everything ceiling offering earnings savings "
    "holdings financing training hearing ruling warning bombing shooting killing opening "
    "beginning ending trading manufacturing banking marketing timing setting listing rating "
    "polling landing reading recording wedding planning staffing processing engineering "
    "advertising accounting clothing feeling understanding being".split()
)
_LY_KEEP = frozenset(
    "supply family early daily weekly monthly quarterly yearly rally ally assembly monopoly "
    "anomaly reply only".split()
)
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_DOWN = frozenset(
    "cut lower reduc decreas slash trim drop fall fell fallen declin eas shrink shrank shrunk "
    "halv plung plummet sink sank sunk slid slide tumbl dip narrow lose lost slump".split()
)
_UP = frozenset(
    "rais increas hike boost rise rose risen climb jump grow grew grown gain surg soar doubl "
    "tripl expand widen add spike".split()
)
# A few general synonyms, so "goods" and "products", or "call" and "conversation", are
# seen to name the same thing. Stems map to the first of their group.
_SYNONYMS = {
    stem: group[0]
    for group in (
        ("good", "product", "merchandis"),
        ("call", "convers", "discuss", "chat"),
        ("death", "dead", "fatal", "kill"),
    )
    for stem in group
}
_LABEL_STOPWORDS = STOPWORDS - {"us"}  # "U.S." is a word in a label, not a pronoun
_QUOTES = frozenset("\"'“”‘’«»")
_QUANTIFIERS = frozenset(
    "swath range number lot lots host series variety share portion majority bulk array raft "
    "slew handful fraction part total sum value amount worth basket batch set group".split()
)

_TOKEN = re.compile(
    r"(?:(?:[A-Za-z]\.){2,}|[^\W_][\w’']*)(?:-(?:(?:[A-Za-z]\.){2,}|[^\W_][\w’']*))*|\S"
)


def _verb_form(low: str) -> bool:
    """A word that looks like a verb by its form alone (lower-case, no context)."""
    if low in _VERBS:
        return True
    if low.endswith("ed") and len(low) > 4 and low not in _NOT_VERBS:
        return True
    return low.endswith("ing") and len(low) > 5 and low not in _ING_NOUNS


class _Tok(NamedTuple):
    """A word, a punctuation mark, or a whole quantity (``q`` is its index, else -1)."""

    text: str
    start: int
    end: int
    q: int
    low: str  # lower-cased
    word: bool  # a word: not a quantity, not a mark

    @property
    def quote(self) -> bool:
        return self.text in _QUOTES

    @property
    def lower_case(self) -> bool:
        return self.text[0].islower()

    def stop(self, words: frozenset[str]) -> bool:
        """In ``words``, unless written as a name or abbreviation ("US", "U.S.")."""
        acronym = len(self.text) > 1 and self.text.isupper()  # "US", not "A" opening a sentence
        return self.low in words and "." not in self.text and not acronym


def _tokenize(text: str, spans: Sequence[tuple[int, int]]) -> tuple[_Tok, ...]:
    """Words and marks, each quantity one token (the first of the spans a word overlaps)."""
    first = min((a for a, _ in spans), default=0)
    last = max((b for _, b in spans), default=0)
    out: list[_Tok] = []
    new = tuple.__new__  # a _Tok made in C: one per word of every sentence with a figure
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        hit = -1
        if end > first and start < last:
            for i, (a, b) in enumerate(spans):
                if start < b and end > a:
                    hit = i
                    break
        if hit < 0:
            said = match.group()
            out.append(new(_Tok, (said, start, end, -1, said.lower(), said[0].isalnum())))
            continue
        if out and out[-1].q == hit:
            continue
        a, b = spans[hit]
        out.append(_Tok(text[a:b], a, b, hit, text[a:b].lower(), False))
    return tuple(out)


# --------------------------------------------------------------------------- names

# Words that refer back to the story's main company or person: "the airline made a
# profit", "its results". A general list of how news writing names a company again.
_PRONOUNS = frozenset("it its they their".split())  # "he" is more often a spokesman
_REPORTING = frozenset("said says say told added reported estimated according".split())
_REFERRING = frozenset(
    "company firm group airline carrier bank business retailer maker manufacturer insurer "
    "lender operator chain giant conglomerate corporation brand".split()
)
_DEFINITE = frozenset("the this these those".split())  # "that" mostly opens a clause
_HONORIFICS = frozenset("mr mrs ms miss dr sir dame lord lady prof".split())
_NOT_NAMES = (
    frozenset(m.lower() for m in _MONTHS) | frozenset(a.lower() for a in _MONTH_ABBR) | _WEEKDAYS
)
# What opens a clause with a subject of its own: a name before it is not that clause's.
_CLAUSE_OPENERS = frozenset(
    "that which who whom whose where when while whereas although though because if unless "
    "whether".split()
)
_BREAKS = frozenset(";:()")
_GOVERNING = _PREPOSITIONS | frozenset(
    "to from at by with like than via including toward towards despite".split()
)


class _Run(NamedTuple):
    """A name as a sentence writes it: tokens ``start`` to ``end``, possessive dropped."""

    start: int
    end: int
    text: str
    keys: frozenset[str]  # its ``tokens``: "US Airways" → us, airways
    possessive: bool
    governed: bool  # the object of a preposition: "in the United States", "at US Airways"


@dataclass(frozen=True)
class _Names:
    """The names a document uses: the words it capitalizes mid-sentence, and its main
    name (the most mentioned name of its headline), which "the airline", "it" and a
    sentence that names no one refer to."""

    known: frozenset[str] = frozenset()
    main: str | None = None
    main_keys: frozenset[str] = frozenset()


_NO_NAMES = _Names()


def _bare(text: str) -> tuple[str, bool]:
    """A word without its possessive ending, and whether it had one."""
    for end in ("'s", "’s", "'", "’"):
        if text.endswith(end) and len(text) > len(end):
            return text[: -len(end)], True
    return text, False


@functools.lru_cache(maxsize=1 << 16)
def _keys(text: str) -> frozenset[str]:
    return frozenset(tokens(text))


@functools.lru_cache(maxsize=1 << 16)
def _name_word(text: str) -> bool:
    """Written as a name: capitalized, not a month, weekday, title or capitalized function
    word, and not a capitalized compound adjective ("Houston-based")."""
    if not text[0].isupper():
        return False
    base, _ = _bare(text)
    low = base.lower()
    if low in _NOT_NAMES or low in _HONORIFICS or low.rstrip(".") in _HONORIFICS:
        return False
    if "-" in base and base.rsplit("-", 1)[1][:1].islower():
        return False
    acronym = len(base) > 1 and base.replace(".", "").isupper()
    return acronym or low not in STOPWORDS


class _Cap(NamedTuple):
    """A capitalized word, and how it joins the capitalized word before it."""

    at: int  # its token index in a sentence, or its offset in a document's sentence
    text: str
    initial: bool  # capitalized by position: first in the sentence or in a quotation
    joiner: str | None  # " ", "/" or " & " when right after the capitalized word before


_JOINERS = {"/": "/", "&": " & "}


def _caps(toks: Sequence[_Tok]) -> list[_Cap]:
    """A sentence's capitalized words."""
    first = next((k for k, t in enumerate(toks) if t.word), -1)
    out: list[_Cap] = []
    for i, tok in enumerate(toks):
        if not tok.word or not tok.text[0].isupper():
            continue
        joiner = None
        if out and out[-1].at == i - 1:
            joiner = " "
        elif out and out[-1].at == i - 2:
            joiner = _JOINERS.get(toks[i - 1].text)
        out.append(_Cap(i, tok.text, i == first or (i > 0 and toks[i - 1].quote), joiner))
    return out


def _runs(toks: Sequence[_Tok], known: frozenset[str]) -> list[_Run]:
    """The names in a sentence (``_named``), where they are and how they stand."""
    caps = _caps(toks)
    out: list[_Run] = []
    for a, b, text, possessive in _named(caps, known):
        start = caps[a].at
        out.append(
            _Run(start, caps[b - 1].at + 1, text, _keys(text), possessive, _governed(toks, start))
        )
    return out


def _named(caps: Sequence[_Cap], known: frozenset[str]) -> list[tuple[int, int, str, bool]]:
    """The names among capitalized words: (first, past the last, text, possessive). A word
    capitalized only because it opens the sentence is a name when the document
    capitalizes it elsewhere or a name follows it ("Delta Air Lines"); a possessive ends
    a name ("BA's chief"); "/" and "&" join one ("Ryanair/Boeing", "Marks & Spencer")."""
    out: list[tuple[int, int, str, bool]] = []
    k = 0
    while k < len(caps):
        cap = caps[k]
        base, possessive = _bare(cap.text)
        if not _name_word(cap.text):
            k += 1
            continue
        if cap.initial and known.isdisjoint(_keys(base)):
            nxt = caps[k + 1] if k + 1 < len(caps) else None
            if possessive or nxt is None or nxt.joiner != " " or not _name_word(nxt.text):
                k += 1
                continue
        start, text = k, base
        k += 1
        while k < len(caps) and not possessive:
            joiner = caps[k].joiner
            if joiner is None or not _name_word(caps[k].text):
                break
            base, possessive = _bare(caps[k].text)
            text += joiner + base
            k += 1
        out.append((start, k, text, possessive))
    return out


def _governed(toks: Sequence[_Tok], start: int) -> bool:
    """Is the name at ``start`` a preposition's object ("for 70 Boeing planes", "at
    bankrupt US Airways")? Up to three determiners, numbers or modifiers may come between."""
    j = start - 1
    for _ in range(3):
        if j < 0:
            return False
        tok = toks[j]
        modifier = tok.word and (tok.lower_case or tok.text[0].isdigit())
        if tok.q < 0 and not (modifier and not _verb_form(tok.low) and tok.low not in _GOVERNING):
            break
        j -= 1
    return j >= 0 and toks[j].word and toks[j].lower_case and toks[j].low in _GOVERNING


_UPPER = "".join(c for c in map(chr, range(0x250)) if c.isupper())
_WORD = r"(?:(?:[A-Za-z]\.){2,}|[^\W_][\w’']*)"  # a word as ``_TOKEN`` reads it
# ``_WORD`` led by a capital (not inside a word): the capital is matched first and the
# look back made from it (the matcher then skips ahead to capitals, twice as fast); an
# abbreviation ("U.S.") opens on an ASCII letter
_CAPITALIZED = re.compile(
    rf"[{_UPPER}](?<=(?<![\w’'-])[{_UPPER}])(?:(?<=[A-Z])\.(?:[A-Za-z]\.)+|[\w’']*)(?:-{_WORD})*"
)
_FIRST = re.compile(r"[^\W_]")


def _document_caps(text: str) -> list[_Cap]:
    """A sentence's capitalized words, found without reading the rest: a document's
    names are read from all of its sentences, most of which state no figure."""
    first = _FIRST.search(text)
    opening = first.start() if first is not None else -1
    out: list[_Cap] = []
    end = -1
    for match in _CAPITALIZED.finditer(text):
        start = match.start()
        gap = text[end:start] if end >= 0 else None
        joiner = " " if gap is not None and gap.isspace() else _JOINERS.get((gap or "").strip())
        if joiner == " & " and gap is not None and not gap.startswith(" "):
            joiner = None
        quoted = text[max(0, start - 3) : start].rstrip()[-1:] in _QUOTES
        out.append(_Cap(start, match.group(), start == opening or quoted, joiner))
        end = match.end()
    return out


def _names_of(sentences: Sequence[Sentence]) -> _Names:
    """A document's names (see ``_Names``)."""
    read = [(sentence, _document_caps(sentence.text)) for sentence in sentences]
    known: set[str] = set()
    for sentence, caps in read:
        if sentence.role is not Role.TITLE:  # a headline may capitalize every word
            for cap in caps:
                if not cap.initial and _name_word(cap.text):
                    known.update(_keys(_bare(cap.text)[0]))
    frozen = frozenset(known)
    mentions: dict[str, int] = defaultdict(int)  # by key, in the order first seen
    forms: dict[str, int] = defaultdict(int)
    headline: list[str] = []
    lead = min(
        read,
        key=lambda r: (r[0].role is not Role.TITLE, r[0].role is not Role.CONTENT, r[0].index),
        default=None,
    )
    for sentence, caps in read:
        runs = [text for _, _, text, _ in _named(caps, frozen)]
        if lead is not None and sentence is lead[0]:
            headline = runs
        for text in runs:
            forms[text] += 1
            for key in _keys(text):
                mentions[key] += 1
    keys = [k for text in headline for k in sorted(_keys(text)) if k in frozen]
    if not keys:
        return _Names(frozen)
    key = max(keys, key=lambda k: (mentions[k], -keys.index(k)))
    if mentions[key] < 2:
        return _Names(frozen)
    order = list(forms)
    main = max(
        (form for form in order if key in _keys(form)),
        key=lambda form: (forms[form], -order.index(form)),
    )
    return _Names(frozen, main, _keys(main))


# --------------------------------------------------------------------------- sentences


@dataclass(frozen=True)
class _Sentence:
    """One content sentence, tokenized, with its quantities (changes' bare "from" numbers too)."""

    scored: Scored
    toks: tuple[_Tok, ...]
    quantities: tuple[Quantity, ...]
    where: tuple[int, ...]  # the token index of each quantity
    stem: Callable[[str], str]
    names: _Names  # its document's
    runs: tuple[_Run, ...]  # the names it writes

    @property
    def text(self) -> str:
        return self.scored.sentence.text

    def verb(self, i: int) -> bool:
        """Is token ``i`` a verb, as far as word shapes and lists can tell?"""
        tok = self.toks[i]
        if not tok.word or not tok.lower_case:
            return False
        nxt = self.toks[i + 1] if i + 1 < len(self.toks) else None
        if nxt is not None and nxt.word and nxt.low in _PARTICLES and tok.low not in STOPWORDS:
            return True  # "stand down", "rolled back"
        if self.change(i):
            return True
        if i > 0 and self.toks[i - 1].low in _BEFORE_VERBS and tok.low not in STOPWORDS:
            return True  # "have forecast", "could move", "did receive": a verb, whatever its shape
        return _verb_form(tok.low)

    def change(self, i: int) -> int:
        """+1 or -1 when token ``i`` is a verb of change ("raised", "rolled back"), else 0."""
        tok = self.toks[i]
        if not tok.word or not tok.lower_case:
            return 0
        if i > 0 and self.toks[i - 1].low in _ARTICLES:
            return 0  # "a cut", "the increase": nouns
        nxt = self.toks[i + 1].low if i + 1 < len(self.toks) else ""
        stem = self.stem(tok.low)
        if nxt == "back" and (stem in _DOWN or _verb_form(tok.low) or len(tok.low) <= 5):
            return -1
        return -1 if stem in _DOWN else 1 if stem in _UP else 0


@dataclass(frozen=True)
class _Label:
    """What a figure measures, and the capitalized words before and after its first
    preposition ("U.S." | "German" in "U.S. fees on German cars"): whose it is is a
    capitalized word before the preposition, as in "BA pre-tax profit"."""

    text: str
    head: frozenset[str]
    tail: frozenset[str]
    words: tuple[int, ...] = ()  # its tokens in the sentence
    noun: str = ""  # the stem of its last word before any preposition: what it counts
    named: bool = False  # it says whose it is: a name or an owner is in it
    owner: str = ""  # the owner ``_owned`` put in front, with its space


@dataclass(frozen=True, eq=False)  # each statement is itself: compared by identity
class _Found:
    """One figure as one sentence states it."""

    kind: int  # _CHANGE, _DELTA or _VALUE
    label: _Label
    value: Quantity
    before: Quantity | None
    verb: str | None  # a delta's verb as written: "lowered"
    precision: int  # how the label was found: 0 (a modifier) is surest
    scored: Scored
    weight: float
    at: int  # character offset in the sentence
    stems: frozenset[str]  # the label's stems, synonyms mapped
    exact: frozenset[str]  # the label's stems as written
    words: frozenset[str]  # the label's and the nearby words' stems, synonyms mapped
    score: float  # the sentence's score times the source's weight
    place: tuple[str, str, int, int]  # source, document, sentence, character offset
    to: Quantity | None = None  # the level a delta reached: "rose 28% to A$458.4m"


_CHANGE, _DELTA, _VALUE = 0, 1, 2


def _sentence(
    scored: Scored,
    stem: Callable[[str], str],
    parsed: list[tuple[Quantity, int, int]],
    names: _Names = _NO_NAMES,
) -> _Sentence:
    """The sentence read, given the quantities ``parse_quantities`` found in it and the
    names its document uses."""
    text = scored.sentence.text
    parsed = _without_conversions(text, _with_bare_befores(text, parsed))
    toks = _tokenize(text, [(s, e) for _, s, e in parsed])
    where = [0] * len(parsed)
    for i, tok in enumerate(toks):
        if tok.q >= 0:
            where[tok.q] = i
    quantities = tuple(q for q, _, _ in parsed)
    runs = tuple(_runs(toks, names.known))
    return _Sentence(scored, toks, quantities, tuple(where), stem, names, runs)


_CONVERSION = re.compile(r"\s*[(;]\s*")
# "648m (", "59.2 trillion rupiah (": an amount this module does not read
_CONVERTED = re.compile(r"\d[\d.,]*(?=[\w\s]*[A-Za-z])[A-Za-z]*(?:\s+[A-Za-z]+){0,2}\s*\(\s*\Z")
_MONEY = frozenset(_CURRENCY.values()) | frozenset(_CODES.split("|"))


def _without_conversions(
    text: str, parsed: list[tuple[Quantity, int, int]]
) -> list[tuple[Quantity, int, int]]:
    """Drop amounts converted into other currencies in brackets ("£75m ($141m)",
    "400m euros ($527.61m; £274.73m)"): the same figure again, not another one."""
    out: list[tuple[Quantity, int, int]] = []
    end = -1  # where the last amount (kept or dropped) ends, while amounts follow in brackets
    for quantity, start, stop in parsed:
        if quantity.unit not in _MONEY:
            end = -1
        elif (end >= 0 and _CONVERSION.fullmatch(text, end, start)) or _CONVERTED.search(
            text, max(0, start - 30), start
        ):
            end = stop
            continue
        else:
            end = stop
        out.append((quantity, start, stop))
    return out


_BARE_FROM = re.compile(rf"\bfrom\s+(?P<all>{_APPROX}{_NUM}{_SCALE})\s+to\s+\Z", _I)
_STATED = re.compile(
    rf"(?P<num>{_DIGITS}|{_WORDNUM})(?:\s?(?P<abbr>bn|mn|tn|trn|b|m|k)\b"
    rf"|\s+(?P<scale>hundred|thousand|million|billion|trillion)\b)?",
    _I,
)


def _with_bare_befores(
    text: str, parsed: list[tuple[Quantity, int, int]]
) -> list[tuple[Quantity, int, int]]:
    """Add the unit-less first number of "from 145 to 30 percent", in the second's unit
    (and scale: "from 2 to 3 billion dollars" starts at 2 billion)."""
    out = list(parsed)
    for after, start, _ in parsed:
        match = _BARE_FROM.search(text, 0, start)
        stated = _STATED.search(after.text)
        if match is None or stated is None or after.unit in ("date", "year"):
            continue
        number, scale = _scaled(stated)
        factor = after.value / (number * scale or 1.0)  # e.g. 60 for hours, in minutes
        own, own_scale = _scaled(match)
        value = own * (own_scale if match.group("scale") else scale) * factor
        out.append((Quantity(value, after.unit, match.group("all")), *match.span("all")))
    return sorted(out, key=lambda p: p[1])


def _scaled(match: re.Match[str]) -> tuple[float, float]:
    """A match's number and the scale word after it ("2.5", "bn" → 2.5, 1e9)."""
    groups = match.groupdict()
    scale = groups.get("abbr") or groups.get("scale") or ""
    return _number(match.group("num")), _SCALES.get(scale.lower(), 1.0)


# --------------------------------------------------------------------------- labels


def _walk_left(s: _Sentence, end: int) -> tuple[list[int], int]:
    """The words of the clause before token ``end`` (in order), and the token it stopped at.

    A quantity inside the phrase is dropped with its "of" or "by" ("fees on $300
    million of goods" → "fees on goods"), or after a verb of change ("fell 8 percent");
    any other quantity ends the phrase.
    """
    got: list[int] = []
    i = end - 1
    while i >= 0 and len(got) < _WALK:
        tok = s.toks[i]
        if tok.quote:
            i -= 1
            continue
        if tok.low == "of" and i > 0 and s.toks[i - 1].q >= 0:
            i -= 2
            continue
        if tok.q >= 0 and i > 0 and s.toks[i - 1].low == "by":
            i -= 2
            continue
        if tok.q >= 0 and i > 0 and s.change(i - 1):
            i -= 1  # "revenue fell 8 percent to $4 billion": the verb's amount
            continue
        if tok.q >= 0 and i > 1 and s.toks[i - 1].low in _PARTICLES and s.toks[i - 2].low in _BE:
            i -= 2  # "Turnover was up 4.3% to £1.97bn"
            continue
        if not tok.word or tok.stop(_CLAUSE_STOPS):
            return got[::-1], i
        got.append(i)
        i -= 1
    return got[::-1], i


def _walk_right(s: _Sentence, start: int, *, limit: int = 4, participle: bool = False) -> list[int]:
    """The noun phrase starting at token ``start``: words up to a function word or a verb."""
    got: list[int] = []
    i = start
    while i < len(s.toks) and len(got) < limit:
        tok = s.toks[i]
        if tok.quote:
            i += 1
            continue
        if not tok.word or tok.stop(STOPWORDS | _PREPOSITIONS | _CLAUSE_STOPS):
            break
        if tok.text in _MONTHS or tok.low in _WEEKDAYS:
            break
        if got and s.verb(i):
            if participle and tok.low.endswith("ed"):
                got.append(i)
            break
        got.append(i)
        i += 1
    return got


def _parts(s: _Sentence, words: list[int]) -> tuple[list[int], list[int], list[int]]:
    """Split a clause at its last verb group: (subject, verb group, object)."""
    flags = [s.verb(i) for i in words]
    for k, i in enumerate(words):  # "temporarily rolled back": adverbs and particles join
        near = (k > 0 and flags[k - 1]) or (k + 1 < len(words) and flags[k + 1])
        low = s.toks[i].low
        if near and (low in _PARTICLES or (low.endswith("ly") and low not in _LY_KEEP)):
            flags[k] = True
    if not any(flags):
        return words, [], []
    last = max(k for k, f in enumerate(flags) if f)
    first = last
    while first > 0 and flags[first - 1]:
        first -= 1
    previous = max((k for k in range(first) if flags[k]), default=-1)
    return words[previous + 1 : first], words[first : last + 1], words[last + 1 :]


def _np_before(s: _Sentence, end: int, *, verb_phrase: bool = False, depth: int = 0) -> list[int]:
    """What the words before token ``end`` are about: the object of the clause's verb,
    else its subject, else the noun before "that" ("a call that lasted") or before an
    auxiliary ("fares will rise"). With ``verb_phrase``, the action itself ("walked out")."""
    words, stop = _walk_left(s, end)
    subject, verb, obj = _parts(s, words)
    if verb_phrase and verb and (obj or subject):
        return verb + obj if obj else subject + verb  # "lowered fees", "workers walked out"
    if obj and _useful(s, obj):
        return obj
    if subject and _useful(s, subject):
        return subject
    if stop >= 0 and depth < 2 and s.toks[stop].stop(_REL | _AUXILIARIES):
        return _np_before(s, stop, depth=depth + 1)
    if stop >= 0 and depth < 2 and _timed(s, stop):
        # "Net profit in the six months ending 31 December rose": the subject is before the time
        for k in range(stop - 1, max(-1, stop - 6), -1):
            if s.toks[k].word and s.toks[k].low in ("in", "for", "during", "over"):
                return _np_before(s, k, verb_phrase=verb_phrase, depth=depth + 1)
    return verb if verb_phrase else []


def _timed(s: _Sentence, i: int) -> bool:
    """Is token ``i`` a date, a year or a length of time?"""
    q = s.toks[i].q
    return q >= 0 and (s.quantities[q].unit in _DATED or s.quantities[q].unit in _TO_MINUTES)


def _tail(s: _Sentence, after: int) -> list[int]:
    """ "on German imports" after a number, dropping "a broad swath of"-like quantifiers."""
    if after >= len(s.toks) or s.toks[after].low not in ("on", "for", "in", "against"):
        return []
    noun: list[int] = []
    i = after + 1
    while i < len(s.toks) and len(noun) < 7:
        tok = s.toks[i]
        if not tok.word or tok.stop(_CLAUSE_STOPS) or (noun and s.verb(i)):
            break
        noun.append(i)
        i += 1
    for k in range(len(noun) - 1, 0, -1):
        if s.toks[noun[k]].low == "of" and s.toks[noun[k - 1]].low in _QUANTIFIERS:
            noun = noun[k + 1 :]
            break
    noun = _trim(s, noun)
    return [after, *noun] if _useful(s, noun) else []


def _useful(s: _Sentence, words: list[int]) -> bool:
    return any(
        s.toks[i].word
        and s.toks[i].text.isalpha()
        and not s.toks[i].stop(_LABEL_STOPWORDS | _DETERMINERS | _PREPOSITIONS | _QUANTIFIERS)
        for i in words
    )


def _trim(s: _Sentence, words: list[int]) -> list[int]:
    edge = STOPWORDS | _DETERMINERS | _PREPOSITIONS
    words = [i for i in words if s.toks[i].word]
    while words and (
        s.toks[words[0]].stop(edge)
        or (s.toks[words[0]].low.endswith("ly") and s.toks[words[0]].low not in _LY_KEEP)
    ):
        words = words[1:]
    while words and s.toks[words[-1]].stop(edge - _PARTICLES):  # keep "walked out"
        words = words[:-1]
    return words


def _label(s: _Sentence, words: list[int], *, near_end: bool = True) -> _Label | None:
    """Render token indices as a label; None when nothing useful is left. A possessive
    determiner opens the noun phrase: "top its target" is a target."""
    words = _trim(s, words)
    owned = [k for k, i in enumerate(words) if k and s.toks[i].stop(_POSSESSIVES)]
    if owned and not any(s.toks[i].stop(_PREPOSITIONS) for i in words[: owned[0]]):
        words = words[owned[0] + 1 :]
    if len(words) > MAX_LABEL_WORDS:
        words = _trim(s, words[-MAX_LABEL_WORDS:] if near_end else words[:MAX_LABEL_WORDS])
    if not words or not _useful(s, words):
        return None
    return _labelled(s, _text(s, words), words)


def _text(s: _Sentence, words: Sequence[int]) -> str:
    """Token indices written out, as the sentence spaces them where they are adjacent."""
    text = s.toks[words[0]].text
    for a, b in itertools.pairwise(words):
        gap = s.text[s.toks[a].end : s.toks[b].start] if b == a + 1 else " "
        text += gap + s.toks[b].text
    return " ".join(text.split())


def _labelled(s: _Sentence, text: str, words: Sequence[int]) -> _Label:
    """The label ``text``, written from the sentence's tokens ``words``."""
    first_word = next((i for i, t in enumerate(s.toks) if t.word), -1)
    head: set[str] = set()
    tail: set[str] = set()
    side = head
    noun = ""
    for i in words:
        tok = s.toks[i]
        if tok.stop(_PREPOSITIONS):
            side = tail
        elif tok.text[0].isupper() and i != first_word:
            side.update(s.stem(t) for t in tokens(tok.text))
        if side is head and tok.word:
            noun = s.stem(tok.low)
    named = any(r.start <= i < r.end for r in s.runs for i in words)
    return _Label(
        text, frozenset(head), frozenset(tail), tuple(words), _SYNONYMS.get(noun, noun), named
    )


def _value_label(s: _Sentence, qi: int) -> tuple[_Label | None, int]:
    """Label a quantity that is not part of a change, and say how sure the rule is."""
    q = s.quantities[qi]
    at = s.where[qi]
    prev = s.toks[at - 1] if at > 0 else None
    nxt = s.toks[at + 1] if at + 1 < len(s.toks) else None
    if q.unit == "count":
        span = _count_noun(s.text, s.toks[at].end)
        if span is not None:
            words = [i for i, t in enumerate(s.toks) if t.word and span[0] <= t.start < span[1]]
            return _label(s, words, near_end=False), 1
    if prev is not None and prev.word and prev.lower_case and q.unit in _MONEY:
        nominal = _NOMINALS.get(prev.low)
        if nominal is not None:  # "lost $646m": a loss; "save $1.1bn in costs": cost savings
            return _nominal(s, at, nominal), 1
    hyphenated = re.search(r"-[a-z]+$", q.text, _I) is not None  # "90-minute", "an hour-long"
    attributive = hyphenated and q.unit not in ("date", "year")
    if not attributive and prev is not None and nxt is not None and nxt.word:
        attributive = prev.low in _DETERMINERS or prev.low.endswith(("’s", "'s"))
    if attributive and nxt is not None:
        label = _label(s, _walk_right(s, at + 1, limit=3), near_end=False)
        if label is not None:
            return label, 0
    if nxt is not None and nxt.low == "of":
        noun = _walk_right(s, at + 2, participle=True)
        label = _label(s, noun, near_end=False)
        if label is not None:
            return _covered(s, label, at), 1
    if prev is not None and prev.low == "of":
        noun = _np_before(s, at - 1)
        if _useful(s, noun):
            label = _label(s, noun + _tail(s, at + 1))
            if label is not None:
                return label, 1
    duration = q.unit in _TO_MINUTES
    if prev is not None and prev.word and prev.low in ("for", "over", "during") and duration:
        label = _label(s, _np_before(s, at - 1, verb_phrase=True))
        if label is not None:
            return label, 2
    if prev is not None and prev.word and prev.low in ("at", "to", "by", "around", "near"):
        label = _label(s, _np_before(s, at - 1))
        if label is not None:
            return label, 2
    if nxt is not None and nxt.low == "in" and q.unit not in ("percent", "date", "year"):
        label = _label(s, _walk_right(s, at + 2, participle=True), near_end=False)
        if label is not None:
            return label, 1
    appositive = _appositive(s, at)
    if appositive:
        return _label(s, appositive), 2
    if prev is not None and prev.word:
        return _label(s, _np_before(s, at)), 3
    return None, 3


# A verb whose object is an amount of money, and the noun for what the amount is.
_NOMINALS = {
    form: noun
    for noun, forms in (
        ("savings", "save saves saved saving"),
        ("loss", "lose loses lost losing"),
        ("earnings", "earn earns earned"),
        ("spending", "spend spends spent"),
        ("investment", "invest invests invested"),
        ("borrowing", "borrow borrows borrowed"),
        ("debt", "owe owes owed"),
    )
    for form in forms.split()
}


def _nominal(s: _Sentence, at: int, noun: str) -> _Label:
    """An amount a verb governs, named by the verb's noun and what the amount is "in"."""
    text = noun
    if at + 1 < len(s.toks) and s.toks[at + 1].low == "in":
        what = _trim(s, _walk_right(s, at + 2))
        if what and all(s.toks[i].text.isalpha() for i in what):
            last = s.toks[what[-1]].text
            if _plural(last):
                last = last[:-3] + "y" if last.endswith("ies") else last[:-1]
            text = " ".join([*(s.toks[i].text for i in what[:-1]), last, noun])
    label = _labelled(s, text, [at - 1])
    return replace(label, noun=s.stem(noun))


def _covered(s: _Sentence, label: _Label, at: int) -> _Label:
    """ "tariffs on $300 billion of Chinese goods": the goods are the ones the tariffs
    cover, and "Chinese goods" alone would not say so."""
    if at < 2 or s.toks[at - 1].low != "on":
        return label
    governor = _np_left(s, at - 1)
    if not _useful(s, governor):
        return label
    text = f"{label.text} covered by {_text(s, governor)}"
    return replace(_labelled(s, text, [*label.words, *governor]), noun=label.noun)


_APPOSITION = frozenset("-—–:(")
_APPOSITION_END = frozenset(".,;:-—–)")


def _appositive(s: _Sentence, at: int) -> list[int]:
    """The noun phrase an amount is set beside, between dashes or after a colon ("its
    fuel costs - a predicted extra £250m"): what the amount is."""
    k = at - 1
    while k >= 0 and at - k <= 3 and s.toks[k].word and s.toks[k].lower_case:
        k -= 1
    after = s.toks[at + 1].text if at + 1 < len(s.toks) else "."
    if k < 1 or s.toks[k].text not in _APPOSITION or after not in _APPOSITION_END:
        return []
    return _np_left(s, k)


def _np_left(s: _Sentence, end: int) -> list[int]:
    """The noun phrase that ends just before token ``end``: its modifiers and noun, up to a
    function word, a verb such as "says" or a possessive (the owner's, see ``_owner``).
    Participles before the noun modify it: "estimated revenues", "heating costs"."""
    edge = STOPWORDS | _PREPOSITIONS | _CLAUSE_STOPS | _DETERMINERS | _PARTICLES
    got: list[int] = []
    i = end - 1
    while i >= 0 and len(got) < 6:
        tok = s.toks[i]
        verb = tok.low in _VERBS or s.change(i)  # "says", "cut"; not "heating", "estimated"
        if not tok.word or tok.stop(edge) or _bare(tok.text)[1] or verb:
            break
        got.append(i)
        i -= 1
    return got[::-1]


# --------------------------------------------------------------------------- subjects


def _owned(s: _Sentence, label: _Label, at: int) -> _Label:
    """The label with whose figure it is in front ("BA pre-tax profit", "Continental cost
    savings"), when the label does not say and the sentence or its document does: in a
    briefing of several stories "pre-tax profit" alone could be anyone's, and figures
    of different owners are different figures (``_clash``). A figure someone expects
    says so ("Analysts have forecast profit will rise 11%": forecast profit)."""
    if _forecast(s, label, at):
        label = replace(label, text=f"forecast {_lowered(s, label)}")
    if label.named:
        return label
    owner = _owner(s, label, at)
    if owner is None:
        return label
    name, keys = owner
    head = label.head | {s.stem(k) for k in keys}
    text = f"{name} {_lowered(s, label)}"
    return replace(label, text=text, head=head, named=True, owner=f"{name} ")


def _lowered(s: _Sentence, label: _Label) -> str:
    """The label's text, not capitalized for opening the sentence ("Turnover for the
    quarter was up"), as it reads after another word."""
    text = label.text
    if not label.words or label.words[0] != next(i for i, t in enumerate(s.toks) if t.word):
        return text
    first = s.toks[label.words[0]]
    named = any(run.start == label.words[0] for run in s.runs)
    if text.startswith(first.text) and not first.text.isupper() and not named:
        return text[0].lower() + text[1:]
    return text


_OPENERS_BUT_THAT = _CLAUSE_OPENERS - {"that"}
_FORECASTING = frozenset(
    "forecast forecasts expect expects expected expecting predict predicts predicted "
    "anticipate anticipates anticipated".split()
)


def _forecast(s: _Sentence, label: _Label, at: int) -> bool:
    """Does a verb of expecting govern the figure, in its clause before the number (or the
    clause "that" opens: "expects that sales will rise 5%")?"""
    if any(w in _FORECASTING for w in label.text.lower().split()):
        return False
    words = set(label.words)
    i = at - 1
    while i >= 0 and s.toks[i].text not in _BREAKS and s.toks[i].low not in _OPENERS_BUT_THAT:
        if i not in words and s.toks[i].low in _FORECASTING and s.toks[i].lower_case:
            return True
        i -= 1
    return False


def _owner(s: _Sentence, label: _Label, at: int) -> tuple[str, frozenset[str]] | None:
    """Whose figure it is (``_whose``), in the words the article uses most for it: "British
    Airways" is its "BA", "Delta Air Lines" its "Delta"."""
    found = _whose(s, label, at)
    main = s.names.main
    if found is None or main is None:
        return found
    text, keys = found
    words, main_words = text.split(), main.split()
    longer = words[: len(main_words)] == main_words and len(words) - len(main_words) <= 2
    if keys <= s.names.main_keys or longer or _initials(text) == main.replace(".", ""):
        return main, s.names.main_keys
    return found


def _initials(text: str) -> str:
    words = text.split()
    return "".join(w[0] for w in words) if len(words) > 1 else ""


def _whose(s: _Sentence, label: _Label, at: int) -> tuple[str, frozenset[str]] | None:
    """Whose figure it is, from the sentence's words: a possessive before it ("BA's"); else
    the nearest name before it in its clause that is no preposition's object ("Budget
    airline Ryanair has placed an order for 70 Boeing planes, in a deal valued at $4bn");
    else the document's main name, when a word refers to it ("its", "the airline"), the
    label opens its clause bare ("Net profit rose") or follows the main clause's verb
    ("Analysts have forecast profit will rise"; not "a truce that lowered tariffs", whose
    subject is the truce), or the sentence names it. A definite label ("the 90-day truce") is one
    the reader knows: the subject of its clause is not its owner ("China has broken the
    truce"), though what "it" or "the airline" refers to is."""
    names = s.names
    main = (names.main, names.main_keys) if names.main is not None else None
    first = min(label.words[0], at) if label.words else at
    j = first - 1
    while j >= 0 and s.toks[j].quote:
        j -= 1
    definite = False
    if j >= 0:
        run = _run_ending(s, j)
        if run is not None and run.possessive:
            return run.text, run.keys
        if s.toks[j].low in ("its", "their") and main is not None:
            return main
        definite = s.toks[j].low in _DEFINITE
    i = first - 1
    unclaimed = True  # no clause boundary or other described subject before the figure
    while i >= 0:
        tok = s.toks[i]
        if tok.text == ",":
            i = _before_aside(s, i)  # "Delta, which lost $646m, was forced to cut 6,900 jobs"
            continue
        if tok.text in _BREAKS or tok.low in _CLAUSE_OPENERS:
            unclaimed = False
            if not definite:
                break
        run = _run_ending(s, i)
        if run is not None:
            reports = i + 1 < len(s.toks) and s.toks[i + 1].low in _REPORTING  # "X said"
            if not run.governed and not reports:
                return None if definite else (run.text, run.keys)
            i = run.start - 1
            continue
        described = i > 0 and s.toks[i - 1].low in _DEFINITE and tok.word and tok.lower_case
        if tok.low in _PRONOUNS or (described and tok.low in _REFERRING):
            if main is not None:
                return main  # else the name it refers to is further back, if anywhere
        elif described:
            unclaimed = False  # "The prince has paid income tax": someone, not the story's own
        i -= 1
    if main is None or s.quantities[s.toks[at].q].unit == "count":
        return None  # people counted are the story's only when it says so: "its 35,000 staff"
    opens = j < 0 or s.toks[j].text in _BREAKS or s.toks[j].text == ","
    if opens or s.toks[j].low in _CLAUSE_OPENERS or (unclaimed and not definite and s.verb(j)):
        return main  # "Net profit in the six months rose 28%": the story's own
    if any(run.keys & names.main_keys for run in s.runs):
        return main
    return None


def _before_aside(s: _Sentence, comma: int) -> int:
    """Where to go on left of a comma: past a relative clause it closes (", which ...,"),
    else just past the comma."""
    k = comma - 1
    while k > 0 and comma - k < 20 and s.toks[k].text != ",":
        k -= 1
    if k > 0 and s.toks[k].text == "," and s.toks[k + 1].low in ("which", "who", "whose"):
        return k - 1
    return comma - 1


def _run_ending(s: _Sentence, i: int) -> _Run | None:
    """The name whose last token is ``i``."""
    return next((run for run in s.runs if run.end == i + 1), None)


# --------------------------------------------------------------------------- finding


def _find(s: _Sentence, weight: float) -> list[_Found]:
    """Every figure the sentence states: changes, then deltas, then plain values."""
    out: list[_Found] = []
    used: set[int] = set()
    for bi, ai, anchor, said in _changes(s):
        used.update((bi, ai))
        label = _label(s, _np_before(s, anchor))
        if label is not None:
            label = _owned(s, label, s.where[min(bi, ai)])
            before, after = _results(s, bi, ai, said)
            out.append(_found(s, _CHANGE, label, after, bi, weight, 1, before=before))
    used.update(_ranges(s, used))
    for qi, q in enumerate(s.quantities):
        delta = None if qi in used or q.unit in ("date", "year") else _delta(s, qi)
        if delta is not None:
            used.add(qi)
            sign, verb, words = delta
            label = _label(s, words)
            if label is not None:
                label = _owned(s, label, s.where[qi])
                value = Quantity(sign * q.value, q.unit, q.text)
                to = _reached(s, qi, used)
                found = _found(s, _DELTA, label, value, qi, weight, 1, verb=verb)
                out.append(replace(found, to=to) if to is not None else found)
    for qi in range(len(s.quantities)):
        if qi not in used and not _incidental(s, qi):
            label, precision = _value_label(s, qi)
            if label is not None:
                label = _owned(s, label, s.where[qi])
                if not _vague(s, label, precision, qi):
                    value = s.quantities[qi]
                    out.append(_found(s, _VALUE, label, value, qi, weight, precision))
    return out


def _reached(s: _Sentence, qi: int, used: set[int]) -> Quantity | None:
    """The level a change by an amount reached, "rose 28% to A$458.4m": part of the same
    figure, not one of its own."""
    after = qi + 1
    if after >= len(s.quantities) or after in used or s.quantities[after].unit in _DATED:
        return None
    if not _FROM_TO.fullmatch(s.text, s.toks[s.where[qi]].end, s.toks[s.where[after]].start):
        return None
    used.add(after)
    return s.quantities[after]


def _results(s: _Sentence, bi: int, ai: int, said: str) -> tuple[Quantity, Quantity]:
    """A change's before and after, a loss below zero: "a profit of 400m euros compared
    with a loss of 984m euros" is loss of 984m euros → profit of 400m euros."""
    before, after = s.quantities[bi], s.quantities[ai]
    at = s.where[ai]
    word = s.toks[at - 2].low if at > 1 and s.toks[at - 1].low == "of" else ""
    was = next((k for k in (*_NEGATIVE, *_POSITIVE) if word.startswith(k)), "")
    if said not in _NEGATIVE and was not in _NEGATIVE:
        return before, after
    said = said or was  # "a loss of £5m compared with £8m": both losses
    was = was or _NEGATIVE.get(said, said)  # "400m euros compared with a loss": a profit
    return _result(before, said), _result(after, was)


def _result(q: Quantity, word: str) -> Quantity:
    sign = -1.0 if word in _NEGATIVE else 1.0
    return Quantity(sign * abs(q.value), q.unit, f"{word} of {q.text}")


def _ranges(s: _Sentence, used: set[int]) -> set[int]:
    """Both ends of each range, "a 2% to 3% rise": an estimate's bounds, not figures."""
    out: set[int] = set()
    for i in range(len(s.quantities) - 1):
        a, b = s.quantities[i], s.quantities[i + 1]
        if i in used or i + 1 in used or a.unit in _DATED or not _same_dimension(a, b):
            continue
        at = s.where[i]
        if at > 0 and (s.toks[at - 1].low == "by" or s.change(at - 1)):
            continue  # "rose 0.3 points to 4.2%": by how much, then to what
        if _RANGE.fullmatch(s.text, s.toks[at].end, s.toks[s.where[i + 1]].start):
            out.update((i, i + 1))
    return out


_PERIOD = _DEFINITE | frozenset("next last past first previous coming following".split())


def _incidental(s: _Sentence, qi: int) -> bool:
    """A number the sentence uses, not a figure it reports: a small count, written in
    words ("three continents", "two nations": news style spells out what it enumerates),
    a count of things already known ("the three envoys") or of where or with whom ("with
    about 40 people"), a period that dates something ("in the next seven years",
    "for the three months to 31 December")."""
    q = s.quantities[qi]
    at = s.where[qi]
    prev = s.toks[at - 1].low if at > 0 and s.toks[at - 1].word else ""
    if q.unit == "count":
        if q.value < 10 or _ANY_DIGIT.search(q.text) is None:
            return True
        return prev in _DEFINITE or (prev in _GOVERNING and prev != "of")
    if q.unit in _TO_MINUTES and "-" not in q.text:
        return prev in _PERIOD or prev in ("in", "within")
    return False


def _vague(s: _Sentence, label: _Label, precision: int, qi: int) -> bool:
    """A one-word label that does not say whose figure it is, and was not found as the
    noun the number modifies ("deal valued at $4bn", "jobs"), or that is the verb of
    which the amount is the object ("shave a further $48m": no noun takes an article
    between it and its number)."""
    if len(label.words) != 1 or s.quantities[qi].unit in _DATED:
        return False  # a date is shown only when nothing else is: "pact — mid-May"
    between = range(label.words[0] + 1, s.where[qi])
    if precision >= 3 and any(s.toks[i].low in ("a", "an", "the") for i in between):
        return True
    return not label.named and (precision >= 2 or s.quantities[qi].unit == "count")


def _found(
    s: _Sentence,
    kind: int,
    label: _Label,
    value: Quantity,
    qi: int,
    weight: float,
    precision: int,
    *,
    before: Quantity | None = None,
    verb: str | None = None,
) -> _Found:
    """A statement of a figure; ``qi`` is its first quantity (a change's "before")."""
    at = s.where[qi]
    where = s.scored.sentence
    said = label.text[len(label.owner) :]  # whose it is tells figures apart (``_clash``), not alike
    exact = frozenset(
        s.stem(t) for t in tokens(said) if t not in _LABEL_STOPWORDS and not t[0].isdigit()
    )
    near = [
        tok.text
        for tok in s.toks[max(0, at - _CONTEXT) : at + _CONTEXT + 3]
        if tok.word and not tok.stop(_LABEL_STOPWORDS)
    ]
    context = {s.stem(t) for w in near for t in tokens(w) if not t[0].isdigit()}
    stems = frozenset(_SYNONYMS.get(x, x) for x in exact)
    return _Found(
        kind=kind,
        label=label,
        value=value,
        before=before,
        verb=verb,
        precision=precision,
        scored=s.scored,
        weight=weight,
        at=s.toks[at].start,
        stems=stems,
        exact=exact,
        words=stems | frozenset(_SYNONYMS.get(x, x) for x in context),
        score=s.scored.score * weight,
        place=(where.source_id, where.doc_id, where.index, s.toks[at].start),
    )


_FROM_TO = re.compile(r"\s+to\s+", _I)
_TO_FROM = re.compile(r"\s+from\s+", _I)
_ASIDE = r"(?:\s*\([^()]*\))?"  # "£75m ($141m)": a conversion between them
_DOWN_FROM = re.compile(rf"{_ASIDE},?\s+(?:up|down)\s+from\s+", _I)
_COMPARED = re.compile(
    rf"{_ASIDE},?\s+(?:compared\s+(?:with|to)|versus|vs\.?|against)\s+"
    r"(?:(?:an?\s+)?(?P<sign>loss|deficit|profit|surplus)(?:es|s)?\s+of\s+)?",
    _I,
)
_RANGE = re.compile(r"\s*(?:to|-|–)\s*", _I)
_NEGATIVE = {"loss": "profit", "deficit": "surplus"}  # a result below zero, and above it
_POSITIVE = {v: k for k, v in _NEGATIVE.items()}


def _changes(s: _Sentence) -> list[tuple[int, int, int, str]]:
    """(before, after, anchor token, what the before is) for each "from A to B", "to B
    from A", "B, down from A" and "B compared with A" ("compared with a loss of A")."""
    out: list[tuple[int, int, int, str]] = []
    used: set[int] = set()
    spans = [(s.toks[w].start, s.toks[w].end) for w in s.where]
    for i in range(len(s.quantities) - 1):
        j = i + 1
        if i in used or not _same_dimension(s.quantities[i], s.quantities[j]):
            continue
        if s.quantities[i].unit in _DATED:
            continue
        between = s.text[spans[i][1] : spans[j][0]]
        ahead = s.toks[s.where[i] - 1].low if s.where[i] > 0 else ""
        compared = _COMPARED.fullmatch(between)
        if ahead == "from" and _FROM_TO.fullmatch(between):
            out.append((i, j, s.where[i] - 1, ""))
        elif _DOWN_FROM.fullmatch(between):
            out.append((j, i, s.where[i] - 1 if ahead == "to" else s.where[i], ""))
        elif ahead == "to" and _TO_FROM.fullmatch(between):
            out.append((j, i, s.where[i] - 1, ""))
        elif compared is not None:
            out.append((j, i, s.where[i], (compared.group("sign") or "").lower()))
        else:
            continue
        used.update((i, j))
    return out


def _delta(s: _Sentence, qi: int) -> tuple[int, str, list[int]] | None:
    """(sign, verb, label words) when the quantity is a change by an amount: "lowered
    fees by 15 points", "shares fell 5 percent"."""
    at = s.where[qi]
    if at == 0:
        return None
    prev = s.toks[at - 1]
    if prev.low == "by":
        words, _ = _walk_left(s, at - 1)
        subject, verb, obj = _parts(s, words)
        sign = next((s.change(i) for i in reversed(verb) if s.change(i)), 0)
        if sign:
            said = " ".join(s.toks[i].text for i in verb if not s.toks[i].low.endswith("ly"))
            return sign, said, obj or subject or _np_before(s, at - 1)  # "costs will rise by"
        return None
    money = s.quantities[qi].unit in _MONEY
    if money and prev.low in _NOMINALS:
        return None  # "lost $646m": a loss, labelled as one (``_nominal``)
    sign = s.change(at - 1)
    if not sign and prev.low in ("up", "down") and at > 1 and s.toks[at - 2].low in _BE:
        sign = 1 if prev.low == "up" else -1  # "Turnover was up 4.3%"
    amount = money or s.quantities[qi].unit in ("percent", "percentage_points")
    if sign and amount and (prev.low not in _PARTICLES or s.toks[at - 2].low in _BE):
        words, _ = _walk_left(s, at)
        subject, _, obj = _parts(s, words)
        if not _useful(s, subject):  # "Shares in the carrier had fallen 6.87%"
            subject = _np_before(s, at - 1)
        return sign, prev.text, subject
    if amount and prev.low in ("a", "an") and at + 2 < len(s.toks):
        noun, of = s.toks[at + 1], s.toks[at + 2]  # "a 40% drop in profits"
        stem = s.stem(noun.low) if noun.word and noun.lower_case else ""
        sign = -1 if stem in _DOWN else 1 if stem in _UP else 0
        if sign and of.low in ("in", "of"):
            return sign, noun.text, _walk_right(s, at + 3)
    return None


# --------------------------------------------------------------------------- comparing


def _dimension(q: Quantity) -> str:
    return "time" if q.unit in _TO_MINUTES else q.unit


def _same_dimension(a: Quantity, b: Quantity) -> bool:
    return _dimension(a) == _dimension(b)


def _base(q: Quantity) -> float:
    return q.value * _TO_MINUTES.get(q.unit, 1.0)


def _close(x: float, y: float, *, loose: bool, time: bool = False) -> bool:
    tolerance = 0.1 if loose else 0.02 if time else 0.005
    return abs(x - y) <= tolerance * max(abs(x), abs(y), 1e-9)


def _same(a: Quantity, b: Quantity) -> bool:
    """Equal once normalized: "90-minute" and "one and a half hours"."""
    if not _same_dimension(a, b):
        return False
    loose = bool(_IS_APPROX.match(a.text) or _IS_APPROX.match(b.text))
    return _close(_base(a), _base(b), loose=loose, time=a.unit in _TO_MINUTES)


def _comparable(a: _Found, b: _Found) -> bool:
    if (a.kind == _DELTA) != (b.kind == _DELTA):
        change, delta = (a, b) if b.kind == _DELTA else (b, a)
        if change.kind != _CHANGE:
            return False
        unit, kind = delta.value.unit, _dimension(change.value)
        return (
            unit == "percent"
            or _dimension(delta.value) == kind
            or (unit == "percentage_points" and kind == "percent")
        )
    return _same_dimension(a.value, b.value)


def _consistent(a: _Found, b: _Found) -> bool:
    """Do two statements of the same figure agree?"""
    if a.kind == _DELTA and b.kind == _DELTA:
        return _same(a.value, b.value)
    if _DELTA in (a.kind, b.kind):
        change, delta = (a, b) if b.kind == _DELTA else (b, a)
        assert change.before is not None
        return _agrees(change.before, change.value, delta.value)
    if a.kind == _CHANGE and b.kind == _CHANGE:
        assert a.before is not None and b.before is not None
        return _same(a.before, b.before) and _same(a.value, b.value)
    if a.kind == _CHANGE or b.kind == _CHANGE:
        change, value = (a, b) if a.kind == _CHANGE else (b, a)
        assert change.before is not None
        return _same(change.value, value.value) or _same(change.before, value.value)
    return _same(a.value, b.value)


def _agrees(before: Quantity, after: Quantity, delta: Quantity) -> bool:
    """Is a stated change by ``delta`` what going from ``before`` to ``after`` is?"""
    loose = bool(_IS_APPROX.match(delta.text))
    difference = _base(after) - _base(before)
    if delta.unit == "percent":
        relative = difference / _base(before) * 100 if before.value else None
        if relative is not None and _close(relative, delta.value, loose=loose):
            return True
        return before.unit == "percent" and _close(difference, delta.value, loose=loose)
    return _close(difference, _base(delta), loose=loose, time=delta.unit in _TO_MINUTES)


def _clash(a: _Found, b: _Found) -> bool:
    """Labels that name different things: "U.S. fees on German cars" and "fees on U.S.
    cars" differ in whose cars, though their words overlap; so do "BA jobs" and "Delta
    jobs" (whose a figure is, ``_owned``, is a capitalized word of its head)."""
    return any(
        x and y and not x & y
        for x, y in ((a.label.head, b.label.head), (a.label.tail, b.label.tail))
    )


def _relation(a: _Found, b: _Found, *, lead: bool) -> float | None:
    """How surely two statements are of the same figure; None when they are not.

    Statements that agree need a word in common: in their labels, or one's label
    among the words near the other's number, or (not for counts, whose small values
    often coincide) three words near both numbers. Statements that disagree are one
    figure only when ``b`` leads its group, their labels are alike, their sentences
    share two more words, the values are within a factor of ten and the labels count
    the same noun: a conflict is a claim, so it needs more evidence. Statements of
    different owners ("BA jobs", "Delta jobs") are never one figure (``_clash``).
    """
    if a.place[:3] == b.place[:3] or not _comparable(a, b) or _clash(a, b):
        return None
    consistent = _consistent(a, b)
    if not consistent and not lead:
        return None
    shared = a.stems & b.stems
    exact = len(a.exact & b.exact)
    weight = exact + 0.5 * (len(shared) - exact)  # a synonym is weaker evidence than a word
    similarity = weight / max(1, len(a.stems | b.stems))
    context = (a.words - a.stems) & (b.words - b.stems)
    if consistent:
        linked = shared or a.stems & b.words or b.stems & a.words
        if not linked and a.value.unit != "count" and len(context) >= 3:
            linked = context  # the same value amid the same words: "90 days" and "90-day"
        return 1.0 + weight + similarity if linked else None
    alike = bool(shared) and (similarity >= 0.5 or a.stems <= b.stems or b.stems <= a.stems)
    alike = alike and a.label.noun == b.label.noun  # "jobs" and "new jobs", not "staff"
    return similarity if lead and alike and _near(a, b) and len(context) >= 2 else None


def _near(a: _Found, b: _Found) -> bool:
    """Are the values within a factor of ten?"""
    x, y = _base(a.value), _base(b.value)
    return bool(x and y and 0.1 <= x / y <= 10)


# --------------------------------------------------------------------------- grouping


def extract(
    scored: Sequence[Scored],
    sources: Sequence[SourceInfo],
    *,
    limit: int = 12,
    stemmer: Stemmer | None = None,
    quantities: Parser | None = None,
) -> tuple[Figure, ...]:
    """The key figures of the content sentences, most important first, at most ``limit``.

    Changes come first, then figures more sources state, then figures in sentences
    the classifier scored higher. Dates and years are kept only when there is
    nothing else. A figure several sources state is one Figure citing all of them;
    when they disagree it is flagged (``consistent=False``, ``variants``).

    The work is linear in the sentences: a statement is compared only with the
    statements that share a value and a word with it, or a label word and an order of
    magnitude with a group's lead (see ``_group``), and only the figures shown are built.
    A document's names (``_Names``) are read once, and only for documents stating a figure.
    """
    numbers = {s.id: s.number for s in sources}
    weights = {s.id: s.weight for s in sources}
    stemmer = stemmer or Stemmer()  # the run's, if given: its words are stemmed already
    parse = quantities or parse_quantities  # the run's, if given: dedupe has read them
    documents: dict[tuple[str, str], list[Sentence]] = defaultdict(list)
    for item in scored:
        documents[(item.sentence.source_id, item.sentence.doc_id)].append(item.sentence)
    names: dict[tuple[str, str], _Names] = {}

    def find(item: Scored, parsed: list[tuple[Quantity, int, int]]) -> list[_Found]:
        weight = weights.get(item.sentence.source_id, 1.0)
        key = (item.sentence.source_id, item.sentence.doc_id)
        if key not in names:
            names[key] = _names_of(documents[key])
        return _find(_sentence(item, stemmer.stem, parsed, names[key]), weight)

    # Dates and years are shown only when nothing else is, and they group only among
    # themselves: sentences that state nothing else are read only if nothing else is found.
    def read(*, dated: bool) -> list[_Found]:
        found: list[_Found] = []
        for item in scored:
            if item.sentence.role is Role.CONTENT:
                parsed = parse(item.sentence.text)
                if parsed and (dated or any(q.unit not in _DATED for q, _, _ in parsed)):
                    found.extend(find(item, parsed))
        return found

    found = [f for f in read(dated=False) if f.value.unit not in _DATED] or read(dated=True)
    groups = _merge_linked(_group(found))
    ranks = [_rank(group) for group in groups]
    order = sorted(range(len(groups)), key=lambda g: ranks[g][0])
    return tuple(_figure(groups[g], ranks[g][1], numbers) for g in order[:limit])


_DATED = ("date", "year")
MAX_BLOCK = 64  # entries an index key holds (see _Index)
# Value buckets are ranges of log |value| this wide: values that _close calls equal (within
# 10 %: 0.105 apart) are at most one bucket apart, and so are values within a factor of ten
# (2.30 apart) in buckets of _NEAR_WIDTH.
_SAME_WIDTH = 0.11
_NEAR_WIDTH = 2.5
_TINY = 1e-6  # values closer to zero than this share a bucket
_Key = TypeVar("_Key")


def _bucket(x: float, width: float) -> int:
    if not math.isfinite(x):  # a number too long for a float
        return 1 << 30
    return math.floor(math.log(max(abs(x), _TINY)) / width)


def _near_buckets(x: float, width: float) -> tuple[int, int, int]:
    b = _bucket(x, width)
    return b - 1, b, b + 1


def _values(f: _Found) -> tuple[Quantity, ...]:
    """The values another statement may state the same as: a change's before and after."""
    return (f.value,) if f.before is None else (f.value, f.before)


@dataclass
class _Group:
    """Statements of one figure, strongest first, and what a newcomer must not clash with."""

    members: list[_Found] = field(default_factory=list)
    sentences: set[tuple[str, str, int]] = field(default_factory=set)
    heads: set[frozenset[str]] = field(default_factory=set)  # the members' non-empty heads
    tails: set[frozenset[str]] = field(default_factory=set)  # and tails

    def add(self, item: _Found) -> None:
        self.members.append(item)
        self.sentences.add(item.place[:3])
        if item.label.head:
            self.heads.add(item.label.head)
        if item.label.tail:
            self.tails.add(item.label.tail)

    def admits(self, item: _Found) -> bool:
        """No member is in the same sentence as ``item`` or clashes with it (``_clash``)."""
        if item.place[:3] in self.sentences:
            return False
        head, tail = item.label.head, item.label.tail
        return not (head and any(not head & h for h in self.heads)) and not (
            tail and any(not tail & t for t in self.tails)
        )


class _Index:
    """Where a statement's possible relations are, by the conditions ``_relation`` needs.

    A statement agrees with another (``_consistent``) only when their values are close,
    and is linked to it only by a word they share: ``same`` holds each placed statement
    under (class, dimension, value bucket, word) for each of its values and words, so a
    newcomer finds exactly the statements it may agree with, not the whole dimension. A
    stated change by an amount agrees with a change "from A to B" by the difference or the
    relative change: ``agree`` holds changes under those. A disagreeing statement joins
    only a group whose lead shares a label word and is within a factor of ten: ``leads``
    holds each group under (dimension, magnitude bucket, label stem).

    A member that states the same value with the same label as an earlier member of its
    group relates to a statement as that one does whenever a label word links them, so
    a word is held once for each such kind of member (a story's "Six Nations" said 150
    times is one entry under "nation", not 150): the entries grow with the distinct
    statements, not with repetitions. (What is given up: a statement linked only by
    three context words spread over several such members; see ``_relation``.) And a key
    holds at most ``MAX_BLOCK`` entries, the first and so strongest: a word that common
    no longer tells figures apart, and the cap keeps the work linear however many
    sentences share it.
    """

    def __init__(self) -> None:
        self.same: dict[tuple[int, str, int, str], list[tuple[int, _Found]]] = {}
        self.agree: dict[int, list[tuple[int, _Found]]] = {}
        self.leads: dict[tuple[str, int, str], list[tuple[int, _Found]]] = {}
        self.dimensions: set[str] = set()  # of the leads
        self.held: dict[tuple[object, ...], set[str]] = {}  # (group, what is stated) → words

    def add(self, g: int, item: _Found, *, lead: bool) -> None:
        dimension = _dimension(item.value)
        before = None if item.before is None else _as_compared(item.before)
        states = (g, item.kind, _as_compared(item.value), before, item.stems, item.exact)
        held = self.held.setdefault(states, set())
        words = item.words - held
        held.update(words)
        for q in _values(item):
            bucket = _bucket(_base(q), _SAME_WIDTH)
            for word in words:
                _put(self.same, (int(item.kind == _DELTA), dimension, bucket, word), (g, item))
        if item.kind == _CHANGE:
            assert item.before is not None
            difference = _base(item.value) - _base(item.before)
            buckets = {_bucket(difference, _SAME_WIDTH)}
            if item.before.value:
                buckets.add(_bucket(difference / _base(item.before) * 100, _SAME_WIDTH))
            for bucket in buckets:
                _put(self.agree, bucket, (g, item))
        if lead:
            self.dimensions.add(dimension)
            bucket = _bucket(_base(item.value), _NEAR_WIDTH)
            for stem in item.stems:
                _put(self.leads, (dimension, bucket, stem), (g, item))

    def candidates(self, item: _Found) -> dict[int, dict[int, _Found]]:
        """The groups ``item`` may relate to, each with the members it may relate to: a
        superset of the members ``_relation`` does not reject, found without looking at
        any other. A lead ``item`` agrees with and is linked to is found as any member is;
        one it disagrees with by its label stems and magnitude."""
        delta = item.kind == _DELTA
        dimension = _dimension(item.value)
        shared: dict[int, tuple[int, _Found, set[str]]] = {}  # by member: the words in common
        for q in _values(item):
            for bucket in _near_buckets(_base(q), _SAME_WIDTH):
                for word in item.words:
                    for g, m in self.same.get((int(delta), dimension, bucket, word), ()):
                        hit = shared.get(id(m))
                        if hit is None:
                            shared[id(m)] = (g, m, {word})
                        else:
                            hit[2].add(word)
        found: dict[int, dict[int, _Found]] = {}
        for g, m, words in shared.values():
            if _linked(item, m, words):
                found.setdefault(g, {})[id(m)] = m
        if delta:
            for value in {item.value.value, _base(item.value)}:
                for bucket in _near_buckets(value, _SAME_WIDTH):
                    for g, m in self.agree.get(bucket, ()):
                        found.setdefault(g, {})[id(m)] = m
        # deltas may join a change in another dimension: "fell 5 percent" of "$4 → $3.8"
        dimensions = self.dimensions if delta else (dimension,)
        for bucket in _near_buckets(_base(item.value), _NEAR_WIDTH):
            for d in dimensions:
                for stem in item.stems:
                    for g, lead in self.leads.get((d, bucket, stem), ()):
                        if _near(item, lead):
                            found.setdefault(g, {})[id(lead)] = lead
        return found


def _put(index: dict[_Key, list[tuple[int, _Found]]], key: _Key, entry: tuple[int, _Found]) -> None:
    entries = index.get(key)
    if entries is None:
        index[key] = [entry]
    elif len(entries) < MAX_BLOCK:
        entries.append(entry)


def _as_compared(q: Quantity) -> tuple[float, str, bool]:
    """All of a quantity that ``_consistent`` looks at."""
    return q.value, q.unit, _IS_APPROX.match(q.text) is not None


def _linked(a: _Found, b: _Found, shared: set[str]) -> bool:
    """Are statements whose words in common are ``shared`` linked, as ``_relation`` needs
    statements that agree to be: a label word in common, one's label word among the
    other's words, or (not for counts) three other words in common."""
    if not (shared.isdisjoint(a.stems) and shared.isdisjoint(b.stems)):
        return True
    return a.value.unit != "count" and len(shared - a.stems - b.stems) >= 3


def _group(found: list[_Found]) -> list[list[_Found]]:
    """Each statement joins the group it most surely belongs to, strongest statements first.

    A statement is compared only with the members ``_Index`` finds for it, which are
    those ``_relation`` could accept (but for the cases ``_Index`` gives up), so the
    groups are those of comparing it with every member of every group of its dimension,
    in linear rather than quadratic time.
    """
    groups: list[_Group] = []
    index = _Index()
    for item in sorted(found, key=lambda f: (f.kind, -f.score, f.place)):
        best: tuple[float, int] | None = None
        candidates = index.candidates(item)
        for g in sorted(candidates):
            group = groups[g]
            if not group.admits(item):
                continue
            lead = group.members[0]
            related = (_relation(item, m, lead=m is lead) for m in candidates[g].values())
            scores = [r for r in related if r is not None]
            if scores and (best is None or max(scores) > best[0]):
                best = (max(scores), g)
        if best is None:
            g = len(groups)
            groups.append(_Group())
        else:
            g = best[1]
        groups[g].add(item)
        index.add(g, item, lead=best is None)
    return [group.members for group in groups]


MERGE_BLOCK = 16  # groups of one stated value compared pairwise, at most
MERGE_MEMBERS = 8  # members of each group compared, the strongest


def _merge_linked(groups: list[list[_Found]]) -> list[list[_Found]]:
    """Join groups that state the same value and are linked through their members.

    Grouping is greedy, strongest statement first, so a statement can found a group of
    its own before the statement that links it to another group arrives ("stand down
    for 90 days" and "the 90-day truce", linked by "a May truce … for 90 days"). Which
    statement is strongest depends on its sentence's score, so without this the table
    would change with classification alone.
    """
    by_value: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for i, members in enumerate(groups):
        lead = members[0]
        before = None if lead.before is None else _as_compared(lead.before)
        by_value[(lead.kind, _as_compared(lead.value), before)].append(i)
    parent = list(range(len(groups)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for ids in by_value.values():
        if not 1 < len(ids) <= MERGE_BLOCK:
            continue
        for x, a in enumerate(ids):
            for b in ids[x + 1 :]:
                if root(a) != root(b) and _linked_groups(groups[a], groups[b]):
                    parent[root(b)] = root(a)
    merged: dict[int, list[_Found]] = {}
    for i, members in enumerate(groups):
        merged.setdefault(root(i), []).extend(members)
    return list(merged.values())


def _linked_groups(a: list[_Found], b: list[_Found]) -> bool:
    if {m.place[:3] for m in a} & {m.place[:3] for m in b}:
        return False
    return any(
        _relation(x, y, lead=False) is not None
        for x in a[:MERGE_MEMBERS]
        for y in b[:MERGE_MEMBERS]
    )


def _rank(group: list[_Found]) -> tuple[tuple[object, ...], _Found]:
    """A group's sort key, and the statement that leads it: of the strongest kind, the
    surest label, the most words in common with the others, the highest score."""
    kind = min(m.kind for m in group)
    shared: dict[str, int] = {}
    for m in group:
        for stem in m.stems:
            shared[stem] = shared.get(stem, 0) + 1

    def central(m: _Found) -> int:  # the label words it shares with the others, counted
        return sum(shared[stem] - 1 for stem in m.stems)

    lead = min(
        (m for m in group if m.kind == kind),
        key=lambda m: (m.precision, -central(m), -m.score, m.place),
    )
    sources = len({m.scored.sentence.source_id for m in group})
    dated = lead.value.unit in _DATED
    return (int(dated), kind, -sources, -max(m.score for m in group), lead.place), lead


def _figure(group: list[_Found], lead: _Found, numbers: dict[str, int]) -> Figure:
    """One Figure for a group."""
    members = sorted(group, key=lambda m: (numbers.get(m.scored.sentence.source_id, 0), m.place))
    differ = [m for m in members if m is not lead and not _consistent(lead, m)]
    variants: list[Quantity] = []
    for m in differ:
        for q in (m.before, m.value):
            stated = (lead.before, lead.value, *variants)
            if q is not None and not any(x is not None and _same(q, x) for x in stated):
                variants.append(q)
    notes = _notes(lead, members, differ, numbers)
    votes: dict[str, float] = {}
    for m in members:
        if m.scored.section != OTHER:
            votes[m.scored.section] = votes.get(m.scored.section, 0.0) + m.score
    section = max(votes, key=lambda k: (votes[k], k == lead.scored.section, k), default=None)
    return Figure(
        label=lead.label.text,
        value=_nouned(lead.value),
        citations=tuple(_citation(m, numbers) for m in members),
        before=None if lead.before is None else _nouned(lead.before),
        section=section,
        consistent=not differ,
        variants=tuple(_nouned(v) for v in variants),
        note="; ".join(notes) or None,
    )


def _nouned(q: Quantity) -> Quantity:
    """A duration written as a noun, as a figure shows it: a table cell has no noun for
    "90-minute" to modify, so it reads "90 minutes" (the citations keep the wording)."""
    return replace(q, text=shown(q)) if q.unit in _TO_MINUTES and "-" in q.text else q


def _notes(
    lead: _Found, members: list[_Found], differ: list[_Found], numbers: dict[str, int]
) -> list[str]:
    """The cross-checks: a stated change that matches, other wordings of the same value,
    and who says what when sources differ."""

    def cite(m: _Found) -> str:
        return f"[{numbers.get(m.scored.sentence.source_id, 0)}]"

    notes: list[str] = []
    if lead.kind == _DELTA:
        notes.append(_stated(lead))
    for m in members:
        if m.kind == _DELTA and lead.kind == _CHANGE and m not in differ:
            # the value column shows the change itself; the note says what agrees with it
            notes.append(f"{m.verb} by {shown(m.value, signed=False)}, as {cite(m)} says")
    wordings: dict[str, str] = {}
    for m in members:
        if m.kind != lead.kind or m in differ or m.kind == _DELTA:
            continue
        said = _as_noun(m.value.text) if m.value.unit in _TO_MINUTES else m.value.text
        wordings.setdefault(_wording(m.value.text), f"{said} {cite(m)}")
    if len(wordings) > 1:
        notes.append(" = ".join(wordings.values()))
    if differ:
        stated = [f"{_stated(lead)} {cite(lead)}"]
        stated += [f"{_stated(m)} {cite(m)}" for m in differ]
        notes.append("; ".join(dict.fromkeys(stated)))
    return list(dict.fromkeys(notes))


def _wording(text: str) -> str:
    """How a value is worded, ignoring hedges, hyphens, plurals and spellings of "percent"
    ("90-day" = "90 days", "30%" = "30 per cent")."""
    text = _IS_APPROX.sub("", text.lower())
    text = re.sub(r"\s*(?:%|per\s?cent\b|pct\b)", "%", text.replace("-", " "))
    return " ".join(w.rstrip("s") for w in text.split())


def _stated(m: _Found) -> str:
    if m.before is not None:
        return f"{shown(m.before)} → {shown(m.value)}"
    if m.kind != _DELTA:
        return shown(m.value)
    reached = f" to {shown(m.to)}" if m.to is not None else ""
    return f"{m.verb} by {m.value.text}{reached}"


def shown(q: Quantity, *, signed: bool = True) -> str:
    """As the briefing shows a quantity: "145%", "115 points", a duration as a noun ("a
    90-minute call" shows "90 minutes": the value column has no noun for "90-minute" to
    modify), else as written."""
    value = q.value if signed else abs(q.value)
    if q.unit in _TO_MINUTES and "-" in q.text:
        return _as_noun(q.text)
    return style.quantity(value, q.unit, q.text)


_ADJECTIVAL = re.compile(
    rf"(?P<lead>(?:{_APPROX_WORDS})\s+)?(?:an?\s+)?(?P<num>.+?)-(?P<unit>[a-z]+?)s?(?:-long)?",
    _I,
)
_SINGULAR = frozenset(("1", "one", "a", "an"))


def _as_noun(text: str) -> str:
    """ "90-minute" → "90 minutes", "a half-hour" → "half an hour", "hour-long" → "an hour"."""
    match = _ADJECTIVAL.fullmatch(text)
    if match is None:
        return text
    lead, num, unit = match.group("lead") or "", match.group("num"), match.group("unit")
    if num.lower() == "half":
        return f"{lead}half an {unit}" if unit.lower() == "hour" else f"{lead}half a {unit}"
    if num.lower() in ("hour", "day", "week", "month", "year"):  # "an hour-long", unit "long"
        return f"{lead}{'an' if num.lower() == 'hour' else 'a'} {num}"
    plural = "" if num.lower() in _SINGULAR else "s"
    return f"{lead}{num} {unit}{plural}"


def _citation(m: _Found, numbers: dict[str, int]) -> Citation:
    s = m.scored.sentence
    return Citation(s.source_id, numbers.get(s.source_id, 0), s.doc_id, s.index, s.text)
