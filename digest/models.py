"""Typed hand-offs between pipeline stages.

Every stage takes and returns these small frozen dataclasses, so each stage can
be tested alone and no object accumulates everyone's state.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import NamedTuple

from .text import sentence_id


class Role(StrEnum):
    """What a line of a source is, as far as the briefing is concerned."""

    TITLE = "title"
    HEADING = "heading"
    BOILERPLATE = "boilerplate"
    CONTENT = "content"


class Status(StrEnum):
    """Outcome of reading one source."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    EMPTY = "empty"
    FAILED = "failed"


TAUGHT = "taught: "  # how a correction's reason begins (teach writes it, dedupe and build read it)


@dataclass(frozen=True)
class SourceInfo:
    """A configured source as readers see it in citations and the source list."""

    id: str
    number: int
    name: str
    kind: str
    location: str
    publisher: str | None = None
    url: str | None = None
    published: datetime | None = None
    weight: float = 1.0
    sections: tuple[str, ...] = ()  # section hints from the config


@dataclass(frozen=True)
class Window:
    """The span a briefing covers; ``start`` is None when there is no window."""

    start: datetime | None
    end: datetime
    undated: str = "keep"  # "keep" | "drop"

    @classmethod
    def ending(cls, end: datetime, span: timedelta | None, undated: str = "keep") -> Window:
        return cls(end - span if span else None, end, undated)

    def holds(self, when: datetime, zone: tzinfo) -> bool:
        if when.tzinfo is None:
            when = when.replace(tzinfo=zone)
        return self.start is None or self.start <= when <= self.end


@dataclass(frozen=True)
class SourceStatus:
    """What happened when a source was read; shown in the briefing so nothing is hidden."""

    source_id: str
    status: Status
    documents: int = 0
    reason: str | None = None


@dataclass(frozen=True)
class RawDocument:
    """Bytes as a source delivered them, before any parsing."""

    source_id: str
    doc_id: str
    location: str
    media_type: str
    body: bytes
    title: str | None = None
    url: str | None = None
    published: datetime | None = None
    author: str | None = None


@dataclass(frozen=True)
class Block:
    """A structural unit found by extraction: a title, a heading or a paragraph of text.

    A paragraph's ``lines`` keep the source's line breaks, which normalization needs
    to tell a heading from a sentence and to join a quotation broken across lines.
    """

    kind: str  # "title" | "heading" | "paragraph"
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    """A source document reduced to structure and metadata."""

    source_id: str
    doc_id: str
    location: str
    blocks: tuple[Block, ...]
    title: str | None = None
    url: str | None = None
    published: datetime | None = None
    author: str | None = None

    @functools.cached_property
    def digests(self) -> Digests:
        """What screening and the state store know this document by, made once (by the
        worker that read it, which asks first): a copy made with ``replace`` makes its own."""
        from .screen import digests  # screening imports this module

        return digests(self)


@dataclass(frozen=True, slots=True)
class Digests:
    """A document's keys: its canonical URL, and hashes of its case-folded words."""

    url_key: str | None  # "url:<canonical URL>", for a web document
    text_key: str | None  # "text:<sha256>" of the words outside titles, if there are enough
    content_hash: str  # "sha256:<...>": the same words, or the titles' if there is nothing else


@dataclass(frozen=True, slots=True)  # one per sentence of the run: no __dict__ each
class Sentence:
    """One sentence (or title, heading, boilerplate line) of a document, in reading order."""

    source_id: str
    doc_id: str
    role: Role
    text: str
    index: int
    paragraph: int
    heading: str | None = None


class Hit(NamedTuple):
    """A keyword found in a sentence, with the points it gave its section."""

    section: str
    label: str
    stems: tuple[str, ...]
    weight: float


@dataclass(frozen=True, slots=True)  # one per sentence of the run: no __dict__ each
class Scored:
    """A sentence with its section and why: the explanation an operator tunes by."""

    sentence: Sentence
    section: str
    score: float
    scores: Mapping[str, float] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    threshold: float = 0.0  # what the best section had to score (else: other)
    # kept for the learned layer (with classify.learn), which drops them once read:
    hits: tuple[Hit, ...] = ()  # its keywords
    words: tuple[str, ...] = ()  # the words it learns from (``text.learnable``)

    @property
    def taught(self) -> bool:
        """Placed by the reader's correction (``teach``), which leads its reasons."""
        return bool(self.reasons) and self.reasons[0].startswith(TAUGHT)


@dataclass(frozen=True, slots=True)
class Citation:
    """Where an item's statement was found."""

    source_id: str
    number: int
    doc_id: str
    sentence_index: int
    text: str
    url: str | None = None  # the article itself, where the source gives one (feed entries, pages)
    title: str | None = None
    published: datetime | None = None  # when the article was published, if known


@dataclass(frozen=True, slots=True)
class Item:
    """One statement of the briefing, citing every source that made it."""

    text: str
    section: str
    score: float
    citations: tuple[Citation, ...]
    first_reported: date | None = None  # set when an earlier briefing already carried it
    # what the editorial stages add (``salience``, ``standalone``, ``dedupe``):
    original: str | None = None  # the source's own wording, when ``text`` was edited to stand alone
    standalone: bool = True  # False: it leans on a sentence the reader does not see
    news: float = 0.0  # how much it is the day's news: lead, title, corroboration, tense, hedges
    beside: tuple[Citation, ...] = ()  # cited sources whose own sentence is shown with it
    differs: str | None = None  # how the cited sources' wordings disagree (attribution)

    @property
    def source_numbers(self) -> tuple[int, ...]:
        return tuple(sorted({c.number for c in self.citations}))

    @property
    def id(self) -> str:
        """Its sentence's id (the source's own wording), which ``digest teach`` takes."""
        return sentence_id(self.original or self.text)

    @property
    def is_new(self) -> bool:
        return self.first_reported is None


@dataclass(frozen=True)
class Quantity:
    """A number as a source stated it, and in a unit that can be compared across sources.

    ``value`` is normalized: durations in minutes (under a day) or days, money in units
    of its currency (``300e9`` for "$300 billion"), percentages as 145.0 for "145%".
    """

    value: float
    unit: str  # "percent", "percentage_points", "USD", "CNY", …, "minute", "day", "count", "year"
    text: str  # as written ("145 percent", "$300 billion", "one and a half hours"), but a
    # duration written as an adjective reads as a noun in a figure ("90-minute" → "90 minutes")


@dataclass(frozen=True)
class Figure:
    """A key figure: what it measures, its value (or change), and who reported it."""

    label: str  # what it measures, in the sources' words: "US tariffs on Chinese goods"
    value: Quantity  # the figure, or the value after a change
    citations: tuple[Citation, ...]
    before: Quantity | None = None  # set for a change: 145% → 30%
    section: str | None = None  # the section of the sentence it came from
    consistent: bool = True  # False when sources state different values for it
    variants: tuple[Quantity, ...] = ()  # the other values stated, when not consistent
    note: str | None = None  # e.g. "lowered by 115 points", "90-minute = one and a half hours"


@dataclass(frozen=True)
class Person:
    """Someone the sources name, with the roles they give them, merged across name variants."""

    name: str  # the fullest form: "Howard Lutnick"
    roles: tuple[str, ...]  # as stated: "Commerce Secretary"
    aliases: tuple[str, ...]  # other forms seen: "Lutnick"
    mentions: int
    citations: tuple[Citation, ...]
    pinned: bool = False  # on the config's watchlist


@dataclass(frozen=True)
class Section:
    """A section as rendered: its items already chosen and ordered."""

    id: str
    title: str
    description: str
    items: tuple[Item, ...]
    note: str | None = None  # Markdown, written by the editor
    lifted: tuple[int, ...] = ()  # top lines (1-based) taken from this section, not repeated in it


@dataclass(frozen=True)
class Briefing:
    """Everything a renderer needs; nothing a renderer must compute."""

    title: str
    subtitle: str | None
    date: date
    timezone: str
    sections: tuple[Section, ...]
    sources: tuple[SourceInfo, ...]
    statuses: tuple[SourceStatus, ...]
    note: str | None = None  # Markdown, written by the editor
    other: tuple[Item, ...] = ()  # kept for JSON and explain, not shown as a section
    window_start: datetime | None = None  # the coverage window, when the config sets one
    window_end: datetime | None = None
    top_lines: tuple[Item, ...] = ()  # the most important items across sections
    figures: tuple[Figure, ...] = ()
    people: tuple[Person, ...] = ()
    tracked: bool = False  # True when a state store marked items new or already reported

    @property
    def shown_items(self) -> tuple[Item, ...]:
        """Every item a reader sees once: the top lines, then each section's own items."""
        return (*self.top_lines, *(i for s in self.sections for i in s.items))

    @property
    def new_items(self) -> int:
        """Items shown that no earlier briefing carried (all of them without a state store)."""
        return sum(1 for i in self.shown_items if i.is_new)
