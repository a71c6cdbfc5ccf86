"""Word-level helpers shared by classification and merging: tokens, stems, stop words."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

import snowballstemmer

_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|\d+(?:[.,]\d+)*%?|\w+", re.UNICODE)

STOPWORDS = frozenset(
    (
        "a about above after again against all almost also am an and any are as at be because "
        "been before being below between both but by can could did do does doing down during each "
        "either few for from further had has have having he her here hers herself him himself his "
        "how i if in into is it its itself just may me might more most must my myself no nor not "
        "now of off on once only or other our ours ourselves out over own per same shall she "
        "should so some such than that the their theirs them themselves then there these they "
        "this those through to too under until up upon us very was we were what when where which "
        "while who whom why will with within without would yet you your yours yourself yourselves "
        "said says say also one two "
    ).split()
)


# Openings that make a sentence lean on the one before it: a pronoun or demonstrative
# subject, or a connective ("But", "Similarly,") that answers something unseen.
_LEANING = re.compile(
    r"^[\"“‘']?(?:he|she|it|they|his|her|its|their|this|these|those|that|such|but|yet|"
    r"similarly|however|meanwhile|also|moreover|furthermore|still|nevertheless|"
    r"nonetheless|thus|therefore|hence|so|and|or|likewise|separately|additionally|"
    r"consequently|instead|then|otherwise|besides|indeed)\b(?![-’'])",
    re.IGNORECASE,
)


def leans_on_context(text: str) -> bool:
    """Whether a sentence opens on a word whose meaning is in an earlier sentence."""
    return bool(_LEANING.match(text.lstrip()))


def sentence_id(text: str) -> str:
    """A short id for a sentence, the same on every run and machine: a hash of its text
    with whitespace collapsed and quotes straightened (what a re-fetch may change)."""
    normal = " ".join(text.split()).translate(_STRAIGHT)
    return hashlib.blake2b(normal.encode("utf-8"), digest_size=5).hexdigest()


_STRAIGHT = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def tokens(text: str) -> list[str]:
    """Lower-case word tokens; "U.S." becomes "us", so it matches "US"."""
    if text.isascii():  # most text: lower-cased whole, the tokens are the same (no "’" either)
        return [
            t.replace(".", "") if "." in t and t[0].isalpha() else t
            for t in _TOKEN.findall(text.lower())
        ]
    return [
        t.replace(".", "").lower() if "." in t and t[0].isalpha() else t.lower()
        for t in _TOKEN.findall(text.replace("’", "'"))
    ]


# Words that open an adjunct: a phrase that says when, why or despite what, not what
# the sentence is about ("amid the trade war", "after the tariffs took effect").
_ADJUNCT = re.compile(
    r"\b(?:amid(?:st)?|after|following|despite|since|before|during|ahead\s+of|due\s+to"
    r"|because\s+of|as\s+a\s+result\s+of|in\s+(?:response|reaction|retaliation)\s+to"
    r"|in\s+the\s+(?:wake|face|midst|context)\s+of|in\s+light\s+of|on\s+the\s+heels\s+of"
    r"|against\s+the\s+backdrop\s+of|according\s+to|while|although|though|even\s+as)\b",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[,;:()\[\]—–]|\s-\s|\s--\s")


# A word of each opener that is rarely anything else: only sentences holding one are
# searched for adjuncts at all (most are not, and the search is the costly part).
_ADJUNCT_WORDS = frozenset(
    "amid amidst after following despite since before during ahead due because result "
    "response reaction retaliation wake face midst context light heels backdrop according "
    "while although though even".split()
)


def adjunct_spans(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """Where ``text``'s adjunct phrases are (character offsets): each runs from its
    opening word to the next comma, dash, bracket or the sentence's end. ``words``: the
    text's ``tokens``, to skip the search when no opener can be there."""
    if _ADJUNCT_WORDS.isdisjoint(words):
        return []
    spans: list[tuple[int, int]] = []
    for match in _ADJUNCT.finditer(text.replace("’", "'")):
        end = _CLAUSE_END.search(text, match.end())
        spans.append((match.start(), end.start() if end else len(text)))
    return spans


def token_offsets(text: str) -> list[int]:
    """Where each of ``tokens(text)`` starts."""
    return [m.start() for m in _TOKEN.finditer(text.replace("’", "'"))]


# Function words that carry mood rather than topic ("if", "would", "not"): left out of
# content stems, but the learned layer reads them (risk is written in them).
MOOD = frozenset("if would could might may unless not no never".split())


def learnable(words: Sequence[str], stems: Sequence[str]) -> tuple[str, ...]:
    """What the learned layer reads of a text, from its ``tokens`` and their stems:
    content stems of three letters or more, then mood words, each once."""
    found = [
        s
        for w, s in zip(words, stems, strict=True)
        if w not in STOPWORDS and len(s) > 2 and s.isalpha()
    ]
    found += [_MOOD[w] for w in words if w in _MOOD]  # the set's own string, not the token's
    return tuple(dict.fromkeys(found))


_MOOD = {w: w for w in MOOD}


class Stemmer:
    """Snowball English stemmer with caches; one per run, never a module global.

    Several stages stem the same sentences (dedupe, then the state store's fingerprints),
    so the content stems of each text are kept for the run, as each word's stem is.
    """

    def __init__(self) -> None:
        self._stemmer = snowballstemmer.stemmer("english")
        self.stem = lru_cache(maxsize=1 << 18)(self._stem)
        self._content: dict[str, tuple[str, ...]] = {}

    def __reduce__(self) -> tuple[type[Stemmer], tuple[()]]:
        """Sent to a worker, a stemmer arrives new: its caches are its process's own."""
        return (Stemmer, ())

    def _stem(self, word: str) -> str:
        if word.isdigit() or len(word) <= 2:
            return word
        return str(self._stemmer.stemWord(word))

    def stems(self, text: str) -> list[str]:
        return list(map(self.stem, tokens(text)))

    def analysed(self, text: str) -> tuple[list[str], list[str]]:
        """``tokens(text)`` and their stems, the text's content stems kept on the way:
        what classification reads of a sentence, and then the reading stage (one pass
        over the text for both)."""
        words = tokens(text)
        stems = list(map(self.stem, words))
        if text not in self._content:
            kept = zip(words, stems, strict=True)
            self._content[text] = tuple([s for w, s in kept if w not in STOPWORDS])
        return words, stems

    def content(self, text: str) -> tuple[str, ...]:
        """The content stems of ``text``: its tokens' stems but stop words'. The tuple
        the stemmer keeps, not a copy (the reading stage hands it on)."""
        found = self._content.get(text)
        if found is None:
            stem = self.stem
            found = tuple([stem(t) for t in tokens(text) if t not in STOPWORDS])
            self._content[text] = found
        return found

    def content_stems(self, text: str) -> list[str]:
        return list(self.content(text))

    def remember(self, known: Mapping[str, tuple[str, ...]]) -> None:
        """Content stems made elsewhere (by a worker), so this run does not make them again
        (each word held once already: ``reading.Shared`` saw each batch arrive)."""
        self._content.update(known)

    def forget_texts(self) -> None:
        """Let the texts' stems go (a worker's, once sent); the words' stems stay."""
        self._content.clear()
