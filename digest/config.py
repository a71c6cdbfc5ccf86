"""The declarative config schema and its loader.

The loader reports every problem at once, each with file, line and field path,
because an operator editing YAML at 06:00 should fix the file in one pass. Unknown
keys are errors (with a "did you mean"): a typo silently ignored is a section
silently missing from tomorrow's briefing.
"""

from __future__ import annotations

import difflib
import glob
import os
import re
import re._constants as re_constants  # the parser behind re; no other way to read a pattern
import re._parser as re_parser
import types
import typing
from collections.abc import Iterator, Sequence
from datetime import date as Date
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union
from urllib.parse import urlsplit
from urllib.request import url2pathname
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .errors import ConfigError, ConfigProblem, SourceError
from .safeyaml import BoundedLoader, TooLarge

if TYPE_CHECKING:
    from .teach import Example

Format = Literal["md", "html", "pdf", "json"]
FORMATS: tuple[Format, ...] = typing.get_args(Format)
MAX_YAML_NODES = 100_000  # guards against alias bombs ("billion laughs")
MAX_YAML_DEPTH = 50  # a real config nests 4 levels; Python's recursion limit is 1,000
_ENV = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, use_attribute_docstrings=True, str_strip_whitespace=True
    )


def _is(check: typing.Callable[[Path], bool], path: Path) -> bool:
    """``path.is_file()`` and the like, False where the OS refuses the name (too long)."""
    try:
        return check(path)
    except OSError:
        return False


def _base_dir(info: ValidationInfo) -> Path:
    ctx = info.context or {}
    return Path(ctx.get("base_dir", "."))


class _Noted(_Model):
    """Something an editor can annotate, inline or from a file."""

    note: str | None = None
    """Editor's note in Markdown, shown in every format (HTML/PDF render the Markdown)."""
    note_file: str | None = None
    """A Markdown file holding the editor's note instead (relative to the config file)."""

    @field_validator("note_file")
    @classmethod
    def _note_file_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not _is(Path.is_file, _base_dir(info) / value):
            raise ValueError(f"file not found: {value}")
        return value

    @model_validator(mode="after")
    def _one_note(self) -> _Noted:
        if self.note and self.note_file:
            raise ValueError("give either note or note_file, not both")
        return self


class BriefingConfig(_Noted):
    """What the briefing is called and which day it covers."""

    title: str = Field(min_length=1)
    """Headline of the briefing, shown at the top of every format."""
    subtitle: str | None = None
    """One line under the title, e.g. the story's scope."""
    timezone: str = "UTC"
    """IANA time zone (e.g. ``America/New_York``) that decides what "today" means."""
    date: Date | None = None
    """The briefing date; defaults to today in ``timezone`` (``digest build --date`` overrides)."""
    window: str | None = None
    """Keep only documents published in this span before the briefing (``36h``, ``2d``,
    ``90m``, ``1w``): up to now for today's briefing, up to the end of the day for a past date."""
    undated: Literal["keep", "drop"] = "keep"
    """What the window does with a document that states no date: ``keep`` it (the source
    status says how many were kept undated) or ``drop`` it."""

    @field_validator("window")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None and parse_duration(value) > MAX_WINDOW:
            raise ValueError(f"{value!r} is longer than any briefing window (ten years at most)")
        return value

    @field_validator("date")
    @classmethod
    def _on_the_calendar(cls, value: Date | None) -> Date | None:
        if value is not None:
            check_date(value)
        return value

    @property
    def window_span(self) -> timedelta | None:
        return parse_duration(self.window) if self.window else None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # "America" is a folder
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    def today(self) -> Date:
        return datetime.now(ZoneInfo(self.timezone)).date()


class _SourceBase(_Model):
    id: str | None = None
    """Stable identifier used in citations and JSON; defaults to one made from the name."""
    name: str | None = None
    """Name readers see in citations and the source list; defaults to the file or URL."""
    publisher: str | None = None
    """Who published it (e.g. ``CNBC``)."""
    url: str | None = None
    """Where readers can find the original; linked from the source list."""
    published: datetime | Date | None = None
    """When it was published, if the source itself does not say."""
    weight: float = Field(default=1.0, gt=0)
    """Multiplies the relevance of this source's sentences (trusted sources rank higher)."""
    sections: list[str] = Field(default_factory=list)
    """Section hints: ids of sections this source is mostly about; its sentences that match
    any section get ``classify.hint_weight`` extra points towards these."""

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str | None) -> str | None:
        if value is not None and not _ID.match(value):
            raise ValueError("must be lower case letters, digits and _ , starting with a letter")
        return value


class FileSource(_SourceBase):
    """Local files: one path, a directory, or a glob. Text (.txt), Markdown (.md) and HTML."""

    kind: Literal["file"]
    """Source kind."""
    path: str = Field(min_length=1)
    """A file, a directory (every .txt/.md/.html in it) or a glob, relative to the config
    file; a ``file://`` URL also works."""

    @field_validator("path")
    @classmethod
    def _path_exists(cls, value: str, info: ValidationInfo) -> str:
        if value.startswith("file:"):
            value = file_url_path(value)
        if glob.has_magic(value):
            return value  # a glob may match nothing today; the source then reports "empty"
        if not _is(Path.exists, _base_dir(info) / value):
            raise ValueError(f"file not found: {value}")
        return value


class _WebSource(_SourceBase):
    """A source read over HTTP (or from a ``file://`` URL)."""

    timeout: float | None = Field(default=None, gt=0)
    """Read timeout in seconds for this source, instead of ``fetch.timeout``."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra HTTP request headers (e.g. ``Authorization: Bearer ${FEED_TOKEN}``)."""

    @field_validator("headers")
    @classmethod
    def _header_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name, header in value.items():
            if not _TOKEN.match(name):
                raise ValueError(f"{name!r} is not a valid header name")
            if "\r" in header or "\n" in header:
                raise ValueError(f"header {name!r} must be one line")
        return value


class _Feeds(_WebSource):
    """What a feed and a list of feeds (OPML) share: where it is, how entries are read."""

    url: str | None = None
    """The feed's address: ``http(s)://`` or ``file://``."""
    path: str | None = None
    """A feed in a local file instead of ``url`` (relative to the config file)."""
    full_text: bool = False
    """Fetch the linked page of each entry that carries only a teaser (under
    ``fetch.teaser_words`` words) and use the article extracted from it."""
    max_entries: int = Field(default=200, ge=1, le=100_000)
    """Read at most this many entries (the newest first, as feeds list them)."""

    @field_validator("url")
    @classmethod
    def _url_shape(cls, value: str | None) -> str | None:
        return _check_url(value) if value is not None else None

    @model_validator(mode="after")
    def _one_location(self) -> _Feeds:
        if (self.url is None) == (self.path is None):
            raise ValueError("give either url or path")
        return self


class FeedSource(_Feeds):
    """An RSS 0.9x/1.0/2.0, Atom or JSON Feed; each entry becomes a document."""

    kind: Literal["feed"]
    """Source kind."""
    link: str | None = None
    """Where readers can find the site the feed belongs to; linked from the source list."""


class OpmlSource(_Feeds):
    """A feed reader's subscription list (OPML, as Feedly, Miniflux or rss2email export it):
    each feed it lists is read as a ``kind: feed`` source with this entry's options (section
    hints, weight, publisher, timeout, ``full_text``, ``max_entries``). An OPML file that
    cannot be read fails as one source; each listed feed succeeds or fails on its own."""

    kind: Literal["opml"]
    """Source kind."""
    url: str | None = None
    """The OPML file's address: ``http(s)://`` or ``file://``. ``headers`` are sent when
    fetching it, never to the feeds it lists."""
    path: str | None = None
    """An OPML file on disk instead of ``url`` (relative to the config file)."""
    categories: list[str] = Field(default_factory=list)
    """Read only the feeds in these folders (an outline around them, or their ``category``
    attribute; any level, case-insensitive); without it, every feed listed."""
    max_feeds: int = Field(default=100, ge=1, le=1000)
    """Read at most this many of the feeds it lists (the first ones, in the file's order)."""


class PageSource(_WebSource):
    """One web page; its main text and metadata are extracted, its menus and footers dropped."""

    kind: Literal["page"]
    """Source kind."""
    url: str
    """The page's address: ``http(s)://`` or ``file://``."""

    @field_validator("url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        return _check_url(value)


Source = Annotated[
    Union[FileSource, FeedSource, PageSource, OpmlSource],  # noqa: UP007
    Field(discriminator="kind"),
]
WebSource = FeedSource | PageSource | OpmlSource
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def _no_control_characters(value: object) -> object:
    """A name of a file or folder must not hold a NUL or other control character: the
    operating system refuses it, mid-build, after some files were written."""
    if isinstance(value, str):
        for ch in value:
            if ord(ch) < 32 or ord(ch) == 127:
                raise ValueError(f"contains the control character U+{ord(ch):04X}")
    return value


MAX_WINDOW = timedelta(days=3660)  # ten years: the longest window a briefing may read
# Briefing dates for which "the day before, less the longest window" and "the day after"
# are still dates Python can represent (9999-12-31 + 1 day overflows).
FIRST_DATE, LAST_DATE = Date(1000, 1, 1), Date(9998, 12, 31)


def check_date(value: Date) -> Date:
    """A briefing date the calendar arithmetic can handle; ValueError otherwise."""
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(
            f"{value.isoformat()} is outside the dates a briefing can have "
            f"({FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()})"
        )
    return value


def parse_duration(value: str) -> timedelta:
    """``36h`` → 36 hours; minutes, hours, days and weeks, as operators write them."""
    match = _DURATION.match(value)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"{value!r} is not a duration such as 90m, 36h, 2d or 1w")
    try:
        return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2).lower()])
    except OverflowError:
        raise ValueError(f"{value!r} is longer than any briefing window") from None


def file_url_path(url: str) -> str:
    """The local path of a ``file://`` URL."""
    parsed = urlsplit(url)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        raise ValueError(f"{url!r} is not a local file:// URL")
    return url2pathname(parsed.path)


def _check_url(value: str) -> str:
    parsed = urlsplit(value)
    if parsed.scheme in ("http", "https") and parsed.hostname:
        return value
    if parsed.scheme == "file":
        file_url_path(value)
        return value
    raise ValueError(f"{value!r} is not an http(s):// or file:// URL")


class SectionConfig(_Noted):
    """One section of the briefing and what identifies the sentences that belong in it."""

    id: str
    """Identifier used in JSON and explain output (lower case, digits, ``_``)."""
    title: str = Field(min_length=1)
    """Heading readers see."""
    description: str = ""
    """What the section covers; its words also count, lightly, towards matching."""
    keywords: dict[str, float] | list[str] = Field(default_factory=dict)
    """Terms and phrases that mark a sentence as belonging here, each with a weight
    (a list gives every term weight 1). Matching is case-insensitive and stemmed,
    so ``tariff`` also matches ``tariffs``."""
    examples: list[str] = Field(default_factory=list)
    """Sentences that belong in this section, in the operator's words; the learned
    layer (``classify.learn``) takes them as labelled examples."""
    max_items: int = Field(default=5, ge=1, le=100)
    """At most this many items are shown in the section."""
    max_words: int | None = Field(default=None, ge=10)
    """At most about this many words in the section (the first item is always shown)."""

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("must be lower case letters, digits and _ , starting with a letter")
        if value == "other":
            raise ValueError("'other' is reserved for sentences that fit no section")
        return value

    @field_validator("keywords")
    @classmethod
    def _weights(cls, value: dict[str, float] | list[str]) -> dict[str, float]:
        terms = dict.fromkeys(value, 1.0) if isinstance(value, list) else dict(value)
        for term, weight in terms.items():
            if not term.strip():
                raise ValueError("empty keyword")
            if weight == 0:
                raise ValueError(f"keyword {term!r} has weight 0; remove it instead")
        return terms

    @property
    def terms(self) -> dict[str, float]:
        return dict(self.keywords) if isinstance(self.keywords, dict) else {}


class ClassifyConfig(_Model):
    """How sentences are sorted into sections; tune with ``digest explain``."""

    min_score: float = Field(default=1.0, ge=0)
    """A sentence whose best section scores below this goes to ``other``."""
    heading_weight: float = Field(default=1.5, ge=0)
    """Points added to the section that the heading a sentence stands under is most about."""
    context_weight: float = Field(default=1.5, ge=0)
    """Points added, at most, from the other sentences of the same paragraph (their
    average vote: each votes 1 for its best section, less for the others)."""
    description_weight: float = Field(default=0.3, ge=0)
    """Weight of each word of a section's description found in a sentence."""
    hint_weight: float = Field(default=1.0, ge=0)
    """Points a source's section hints (``sources[].sections``) add to those sections."""
    quiet_weight: float = Field(default=2.0, ge=0)
    """Points added, at most, to ``min_score`` for a sentence whose paragraph is off the
    briefing's topic (the share of its other sentences below ``min_score``): one economic
    word in an essay on something else is not market news."""
    adjunct_weight: float = Field(default=0.5, ge=0, le=1)
    """Share of its weight a keyword keeps inside an adjunct ("amid the trade war",
    "after tariffs took effect", "according to the commerce ministry"): such a phrase says
    when or why, while the main clause says what the sentence is about."""
    learn: bool = True
    """Learn each section's vocabulary from the run's own sentences and add it to the
    keyword scores (``digest explain`` shows the learned terms and their weights)."""
    learn_weight: float = Field(default=2.0, ge=0)
    """Keyword points a learned term adds at most (a term found only ever in one section's
    sentences); 0 turns the learned layer's evidence off."""
    learn_prior: float = Field(default=10.0, gt=0)
    """Shrinkage: how many sentences' worth of the corpus-wide share a learned term's
    section share starts from, so a handful of sentences cannot move a section."""
    learn_label_weight: float = Field(default=1.0, ge=0)
    """How many sentences a section's title, its description and each of its
    ``examples`` count as when the vocabulary is learned."""
    examples_file: str = "examples.yaml"
    """Where ``digest teach`` records corrections: a YAML file beside the config (relative
    to it), per section id (or ``other``) the sentences that belong there, in the shape of
    ``sections[].examples``. Read at every build; a missing file means none."""
    example_weight: float = Field(default=3.0, ge=0)
    """Keyword points an example (inline or taught) adds, at most, to its section for a
    sentence like it (by similarity to the nearest example; 0 turns this off). A taught
    sentence itself always lands where it was put."""
    encoder: str | None = None
    """A sentence-transformers model folder (config.json, model.safetensors,
    tokenizer.json, 1_Pooling/config.json), e.g. a Hugging Face cache snapshot of
    all-MiniLM-L6-v2, used when examples exist to find a sentence's nearest examples by
    meaning; needs ``pip install 'digest[encoder]'``. digest never downloads weights."""
    encoder_sha256: str | None = None
    """The SHA-256 of the encoder's model.safetensors; a folder that does not match is refused."""


class SelectConfig(_Model):
    """How items are chosen and ordered within the sections' budgets."""

    top_lines: int = Field(default=4, ge=0, le=10)
    """How many items the "top lines" at the head of the briefing show (0: none)."""
    order: Literal["importance", "time"] = "importance"
    """Order of items within a section: most important first, or earliest published first."""
    redundancy: float = Field(default=0.8, ge=0, le=1)
    """How much an item is discounted for repeating what chosen items already say
    (0: not at all; 1: only what is new counts)."""


class FiguresConfig(_Model):
    """The key-figures table: numbers with what they measure, checked across sources."""

    limit: int = Field(default=12, ge=0, le=100)
    """At most this many figures, most important first (0: no table)."""


class WatchConfig(_Model):
    """Someone the operator always wants in the who's who when the sources mention them."""

    name: str = Field(min_length=1)
    """The name as it should be shown, e.g. ``Scott Bessent``."""
    aliases: list[str] = Field(default_factory=list)
    """Other names the sources may use, e.g. ``[Bessent, the Treasury chief]``."""
    role: str | None = None
    """A role to show first, before the roles the sources state."""


class PeopleConfig(_Model):
    """The who's who: people the sources name, with their roles."""

    limit: int = Field(default=15, ge=0, le=200)
    """At most this many people, watched ones first, then the most widely mentioned (0: none)."""
    watchlist: list[WatchConfig] = Field(default_factory=list)
    """People pinned to the top of the who's who whenever they are mentioned."""


class BoilerplateConfig(_Model):
    """Lines that are never content (credits, calls to action), on top of the built-in list."""

    patterns: list[str] = Field(default_factory=list)
    """Regular expressions matched against a whole line, or a whole sentence of a paragraph
    (case-insensitive). One that repeats a repetition, such as ``(a+)+``, is refused: it
    can take exponential time on a line it almost matches."""

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern, re.IGNORECASE)  # as normalize.Rules compiles it
                nested = _nested_repeat(re_parser.parse(pattern, re.IGNORECASE))
            except (re.error, OverflowError, RecursionError) as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
            if nested:
                raise ValueError(
                    f"regular expression {pattern!r} repeats a repetition ({nested}): on a "
                    "line that almost matches it takes exponential time; write it without "
                    "the outer repeat, or make the inner one possessive (a++) or atomic"
                )
        return value


_REPEATS = {re_constants.MAX_REPEAT, re_constants.MIN_REPEAT}


def _nested_repeat(parsed: Any, inside: bool = False) -> str:
    """Where a pattern repeats something that itself repeats without bound, such as
    ``(a+)+`` or ``(\\w+\\s?)*``: the shape behind catastrophic backtracking. Possessive
    repeats and atomic groups cannot backtrack, so they are fine."""
    for op, av in parsed:
        if op in _REPEATS:
            _, high, sub = av
            unbounded = high == re_constants.MAXREPEAT
            if inside and unbounded:
                return "an unbounded repeat inside another"
            if found := _nested_repeat(sub, inside or high > 1):
                return found
        elif op is re_constants.SUBPATTERN:
            if found := _nested_repeat(av[3], inside):
                return found
        elif op is re_constants.BRANCH:
            for branch in av[1]:
                if found := _nested_repeat(branch, inside):
                    return found
        elif op in (re_constants.ASSERT, re_constants.ASSERT_NOT) and (
            found := _nested_repeat(av[1], inside)
        ):
            return found
    return ""


class FetchConfig(_Model):
    """How sources on the web are fetched: politely, in parallel, and never for ever."""

    cache_dir: str = ".digest-cache"
    """Folder (relative to the config file) keeping each URL's validators and last body,
    so an unchanged feed or page is not downloaded again (HTTP 304)."""
    timeout: float = Field(default=20.0, gt=0)
    """Seconds to wait for the server between bytes of a response."""
    connect_timeout: float = Field(default=10.0, gt=0)
    """Seconds to wait for a connection."""
    deadline: float = Field(default=60.0, gt=0)
    """Seconds one attempt at a URL may take in all, however slowly the bytes trickle in."""
    budget: float = Field(default=600.0, gt=0)
    """Seconds all of a run's fetching may take (feeds, pages, and the pages of
    ``full_text`` feeds). A source not fetched by then fails with that reason, and a
    teaser whose page was not fetched stays a teaser; the briefing is built from the rest."""
    max_bytes: int = Field(default=10_000_000, ge=1024)
    """A response body (after gzip/deflate decoding) larger than this fails its source."""
    max_redirects: int = Field(default=5, ge=0, le=30)
    """Redirects followed before giving up (a redirect loop fails its source)."""
    retries: int = Field(default=2, ge=0, le=10)
    """Further attempts after a timeout, a connection error, HTTP 429 or a 5xx."""
    backoff: float = Field(default=1.0, ge=0)
    """Seconds before the first retry; doubled for each further one (``Retry-After`` is
    honoured up to 8 times this)."""
    concurrency: int = Field(default=8, ge=1, le=64)
    """Requests in flight at once, across all sources."""
    per_host: int = Field(default=2, ge=1, le=16)
    """Requests in flight at once to any one host."""
    user_agent: str = "digest/{version} (news briefing builder)"
    """The ``User-Agent`` header; ``{version}`` is digest's version."""
    teaser_words: int = Field(default=150, ge=0)
    """A feed entry with fewer words is a teaser; ``full_text`` sources fetch its page."""


class PdfConfig(_Model):
    """The PDF: its paper size, and optionally an archival or accessible PDF standard."""

    page_size: Literal["A4", "Letter"] = "A4"
    """Paper size of the PDF's pages; it wins over any size a template's CSS sets."""
    variant: Literal["none", "pdf/a-3b", "pdf/ua-1"] = "none"
    """A PDF standard to follow: ``pdf/a-3b`` for archiving (XMP metadata, an sRGB output
    intent, a file identifier) or ``pdf/ua-1`` for accessibility (tagged, the title shown
    as the window title); ``none`` writes a plain PDF 1.7. Run a validator such as veraPDF
    if you must prove conformance."""


class BuildConfig(_Model):
    """Where the per-document work of a build runs (reading, extracting, splitting and
    classifying each article): this machine's cores, or a Dask cluster's workers. The
    briefing is the same bytes either way."""

    jobs: int | None = Field(default=None, ge=1)
    """Worker processes on this machine; unset: one per core. 1 runs everything in the
    build's own process. A build of fewer than 100 documents never starts them.
    ``digest build --jobs N`` overrides it."""
    executor: Literal["local", "dask"] = "local"
    """``local``: worker processes on this machine (``jobs``); ``dask``: the workers of the
    Dask cluster at ``scheduler`` (needs the ``dask`` extra: ``pip install 'digest[dask]'``)."""
    scheduler: str | None = None
    """The Dask scheduler's address, such as ``tcp://10.0.0.5:8786`` (``dask scheduler``
    prints it); needed with ``executor: dask``."""
    connect_timeout: float = Field(default=10.0, gt=0)
    """Seconds to reach the Dask scheduler before the build fails (nothing is written)."""

    @model_validator(mode="after")
    def _scheduler_named(self) -> BuildConfig:
        if self.executor == "dask" and not self.scheduler:
            raise ValueError("executor: dask needs scheduler: the address of a Dask scheduler")
        address = self.scheduler
        if address is not None and not re.match(r"^[a-z][a-z0-9+.-]*://\S+$", address):
            raise ValueError(f"scheduler {self.scheduler!r} is not an address like tcp://host:8786")
        return self


FEED_ENDINGS = (".xml", ".atom")


class OutputConfig(_Model):
    """Where and in which formats the briefing is written."""

    directory: str = "out"
    """Output folder, relative to the config file; ``digest build -o`` overrides it."""
    formats: list[Format] = Field(default_factory=lambda: list(FORMATS))
    """Any of ``md``, ``html``, ``pdf``, ``json``; ``digest build -f`` overrides it."""
    file_name: str = "briefing-{date}"
    """File name without extension; ``{date}`` is the briefing date (YYYY-MM-DD)."""
    templates: str | None = None
    """A folder of Jinja templates that override the built-in ones by file name."""
    archive: str | None = None
    """A sub-folder of ``directory`` for the dated files (e.g. ``archive``); without it
    the dated files go in ``directory`` itself."""
    latest: str | None = None
    """A stable file name (e.g. ``briefing-latest``) that always holds the newest briefing,
    next to the dated files, for links and scripts that should not know the date."""
    pdf: PdfConfig = Field(default_factory=PdfConfig)
    """The PDF's paper size and PDF standard."""
    feed: bool | str = False
    """Also write an Atom feed of the briefings in ``directory``, for feed readers: a file
    name ending in ``.xml`` or ``.atom``, or ``true`` for ``feed.xml``. One entry per
    briefing date (its title, top lines, links to its HTML and PDF); the newest
    ``feed_entries`` are kept from run to run."""
    feed_entries: int = Field(default=30, ge=1, le=1000)
    """How many briefings the feed keeps, newest first (30: a month of daily briefings)."""
    base_url: str | None = None
    """The address ``directory`` is served at (e.g. ``https://example.com/briefings/``):
    the feed's links become absolute and it names its own address, as feed readers prefer;
    without it they are relative to the feed file."""
    index: bool = True
    """With ``archive``: also write ``index.html`` in ``directory``, beside the archive
    folder, listing every archived briefing (date, title, links to its files), newest first."""

    @field_validator(
        "directory", "file_name", "templates", "archive", "latest", "feed", mode="before"
    )
    @classmethod
    def _printable(cls, value: object) -> object:
        return _no_control_characters(value)

    @field_validator("feed")
    @classmethod
    def _feed_name(cls, value: bool | str) -> bool | str:
        if isinstance(value, str) and (
            "/" in value
            or "\\" in value
            or value.startswith(".")
            or not value.endswith(FEED_ENDINGS)
        ):
            raise ValueError("must be a plain file name ending in .xml or .atom, or true")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise ValueError(f"{value!r} is not an http(s):// address of a folder")
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _index_free(self) -> OutputConfig:
        if self.archive and self.index and self.latest == "index":
            message = "would overwrite the archive's index.html (see output.index)"
            raise _AtPath([(("output", "latest"), message)])
        return self

    @property
    def feed_name(self) -> str | None:
        """The feed's file name, or None when no feed is written."""
        if self.feed is True:
            return "feed.xml"
        return self.feed or None

    @field_validator("archive")
    @classmethod
    def _plain_folder(cls, value: str | None) -> str | None:
        if value is not None and (not value or value.startswith((".", "/")) or ".." in value):
            raise ValueError("must be a sub-folder name inside the output directory")
        return value

    @field_validator("latest")
    @classmethod
    def _plain_latest(cls, value: str | None) -> str | None:
        if value is not None and ("/" in value or "\\" in value or value.startswith(".")):
            raise ValueError("must be a plain file name, without folders")
        return value

    @field_validator("file_name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        try:
            rendered = value.format(date="2000-01-01")
        except (KeyError, IndexError, ValueError, AttributeError, TypeError) as exc:
            raise ValueError(f"only {{date}} may be used in the file name ({exc})") from exc
        if not rendered or "/" in rendered or "\\" in rendered or rendered.startswith("."):
            raise ValueError("must be a plain file name, without folders")
        return value

    @field_validator("templates")
    @classmethod
    def _templates_exist(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not _is(Path.is_dir, _base_dir(info) / value):
            raise ValueError(f"folder not found: {value}")
        return value


class AccessConfig(_Model):
    """What sources may reach: limits for configs whose sources you do not fully control."""

    paths: list[str] = Field(default_factory=list)
    """Folders outside the config file's folder that ``file`` sources and ``file://`` URLs
    may read (relative to the config file). Anything else outside it is refused."""
    private_networks: bool = True
    """Whether feeds and pages may be fetched from loopback, private, link-local or reserved
    addresses (checked for every request and redirect). Set ``false`` when URLs come from
    others, so a feed list cannot make digest probe your own network."""


class StateConfig(_Model):
    """Memory between runs: what was seen and reported, each run, each delivery."""

    path: str = ".digest-state/state.sqlite"
    """The SQLite file (relative to the config file); its folder also holds the run lock."""

    @field_validator("path", mode="before")
    @classmethod
    def _printable(cls, value: object) -> object:
        return _no_control_characters(value)

    repeated: Literal["show", "mark", "hide"] = "mark"
    """Items an earlier briefing already carried: ``show`` them as if new, ``mark`` them
    ("reported 5 June"), or ``hide`` them."""


class SmtpConfig(_Model):
    """The mail server that sends the briefing."""

    host: str = Field(min_length=1)
    """Server name, e.g. ``smtp.example.com``."""
    port: int | None = Field(default=None, ge=1, le=65535)
    """Port; defaults to 465 for ``ssl``, 587 for ``starttls``, 25 for ``none``."""
    security: Literal["starttls", "ssl", "none"] = "starttls"
    """``ssl`` (SMTPS), ``starttls`` (upgrade after connecting) or ``none`` (trusted
    networks only)."""
    username: str | None = None
    """Login name; no login without it."""
    password_env: str | None = None
    """Name of the environment variable holding the password (never the password itself)."""
    timeout: float = Field(default=30.0, gt=0)
    """Seconds to wait for the server."""
    retries: int = Field(default=3, ge=0, le=10)
    """Further attempts when the server is down or answers with a temporary error."""
    backoff: float = Field(default=5.0, ge=0)
    """Seconds before the first retry; doubled for each further one."""
    ca_file: str | None = None
    """A CA bundle to trust for the server's certificate (a private CA); the system's otherwise."""

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", value):
            raise ValueError(
                "must be the name of an environment variable, e.g. DIGEST_SMTP_PASSWORD"
            )
        return value


class EmailConfig(_Model):
    """Sending the briefing by email: a short HTML body, a text alternative, the PDF attached."""

    smtp: SmtpConfig
    """The mail server."""
    sender: str = Field(min_length=3)
    """The From address, e.g. ``Briefings <briefings@example.com>``."""
    to: list[str] = Field(min_length=1)
    """Recipients."""
    cc: list[str] = Field(default_factory=list)
    """Copy recipients."""
    bcc: list[str] = Field(default_factory=list)
    """Blind-copy recipients (never shown in the headers)."""
    subject: str = "{title} — {date}"
    """Subject template: ``{title}``, ``{date}`` (YYYY-MM-DD), ``{new}`` (number of new items)."""
    attach: list[Format] = Field(default_factory=lambda: list[Format](["pdf"]))
    """Formats attached to the message (``pdf``, ``html``, ``md``, ``json``)."""

    @field_validator("subject")
    @classmethod
    def _subject_fields(cls, value: str) -> str:
        try:
            value.format(title="t", date="d", new=0)
        except (KeyError, IndexError, ValueError, AttributeError, TypeError) as exc:
            raise ValueError(f"only {{title}}, {{date}} and {{new}} may be used ({exc})") from exc
        return value

    @field_validator("sender", "to", "cc", "bcc")
    @classmethod
    def _addresses(cls, value: str | list[str]) -> str | list[str]:
        for address in [value] if isinstance(value, str) else value:
            if "\n" in address or "\r" in address or "@" not in address:
                raise ValueError(f"{address!r} is not an email address")
        return value


class Config(_Model):
    """A briefing: what it is, what it reads, how it is cut into sections, where it goes."""

    briefing: BriefingConfig
    """Title, date and editor's note."""
    sources: list[Source] = Field(min_length=1)
    """Where the news comes from."""
    sections: list[SectionConfig] = Field(min_length=1)
    """The sections, in the order they appear."""
    classify: ClassifyConfig = Field(default_factory=ClassifyConfig)
    """Tuning for sorting sentences into sections."""
    select: SelectConfig = Field(default_factory=SelectConfig)
    """Top lines, ordering and redundancy of the chosen items."""
    figures: FiguresConfig = Field(default_factory=FiguresConfig)
    """The key-figures table."""
    people: PeopleConfig = Field(default_factory=PeopleConfig)
    """The who's who and its watchlist."""
    boilerplate: BoilerplateConfig = Field(default_factory=BoilerplateConfig)
    """Extra boilerplate patterns."""
    fetch: FetchConfig = Field(default_factory=FetchConfig)
    """Timeouts, limits, retries and the HTTP cache for feeds and pages."""
    output: OutputConfig = Field(default_factory=OutputConfig)
    """Output folder, formats and templates."""
    access: AccessConfig = Field(default_factory=AccessConfig)
    """Which folders and networks sources may reach."""
    state: StateConfig = Field(default_factory=StateConfig)
    """Memory between runs: seen documents, reported items, runs and deliveries."""
    build: BuildConfig = Field(default_factory=BuildConfig)
    """Where the per-document work runs: this machine's cores or a Dask cluster."""
    email: EmailConfig | None = None
    """Email delivery (``digest build --email``, ``digest send``); none without it."""

    @model_validator(mode="after")
    def _unique_ids(self) -> Config:
        found: list[tuple[tuple[str | int, ...], str]] = []
        found += _duplicates(
            "section", [(("sections", i, "id"), s.id) for i, s in enumerate(self.sections)]
        )
        sections = {s.id for s in self.sections}
        for i, source in enumerate(self.sources):
            for j, hint in enumerate(getattr(source, "sections", ())):
                if hint not in sections:
                    close = difflib.get_close_matches(hint, sections, n=1)
                    better = f"; did you mean {close[0]!r}?" if close else ""
                    found.append((("sources", i, "sections", j), f"no section {hint!r}{better}"))
        ids = [(("sources", i, "id"), s.id) for i, s in enumerate(self.sources) if s.id is not None]
        found += _duplicates("source", ids)
        if found:
            raise _AtPath(found)
        return self


def access_problems(loaded: LoadedConfig) -> list[ConfigProblem]:
    """What ``build`` would fail for beyond the schema, each at its line: a local source's
    file outside the folders sources may read (the config's own and ``access.paths``) or
    missing (the build's own check, ``sources.local_files``); a template of
    ``output.templates`` that does not compile (``render.template_problems``); an
    ``email.smtp.ca_file`` that cannot be read."""
    from .render import template_problems  # both import this module
    from .sources import local_files

    found: list[tuple[tuple[str | int, ...], str]] = []
    for i, source in enumerate(loaded.config.sources):
        try:
            local_files(source, loaded)
        except SourceError as exc:
            field = "path" if getattr(source, "path", None) else "url"
            found.append((("sources", i, field), str(exc)))
    if folder := loaded.config.output.templates:
        found += [
            (("output", "templates"), why) for why in template_problems(loaded.resolve(folder))
        ]
    email = loaded.config.email
    ca_file = email.smtp.ca_file if email is not None else None
    if ca_file and not os.access(loaded.resolve(ca_file), os.R_OK):  # as the build resolves it
        why = f"{ca_file}: cannot be read (a CA bundle file in PEM format)"
        found.append((("email", "smtp", "ca_file"), why))
    if not found:
        return []
    return _placed(loaded.path, loaded.path.read_text(encoding="utf-8"), found)


def _placed(
    path: Path, text: str, found: Sequence[tuple[tuple[str | int, ...], str]]
) -> list[ConfigProblem]:
    """Problems found after the schema passed, each at the line of its field."""
    walker = _Walker(str(path))
    root = yaml.compose(text, Loader=_ConfigLoader)
    if root is not None:  # it was valid a moment ago; read again only for the lines
        walker.walk(root)
    return [
        ConfigProblem(str(path), _line(loc, walker.lines), _fmt(loc), message)
        for loc, message in found
    ]


def _duplicates(
    kind: str, named: Sequence[tuple[tuple[str | int, ...], str]]
) -> list[tuple[tuple[str | int, ...], str]]:
    """Each place an id is used more than once, naming the other places."""
    places: dict[str, list[tuple[str | int, ...]]] = {}
    for loc, value in named:
        places.setdefault(value, []).append(loc)
    out = []
    for value, locs in places.items():
        if len(locs) > 1:
            for loc in locs:
                others = ", ".join(_fmt(o) for o in locs if o != loc)
                out.append((loc, f"duplicate {kind} id {value!r} (also at {others})"))
    return sorted(out, key=lambda p: [str(x) for x in p[0]])


class _AtPath(ValueError):
    """Model-level problems that belong to fields; the loader re-homes each there."""

    def __init__(self, found: list[tuple[tuple[str | int, ...], str]]) -> None:
        super().__init__("; ".join(message for _, message in found))
        self.found = found


# --------------------------------------------------------------------------- loading


class LoadedConfig:
    """A validated config plus the folder its relative paths are relative to."""

    def __init__(self, config: Config, path: Path, examples: Sequence[Example] = ()) -> None:
        self.config = config
        self.path = path
        self.base_dir = path.parent
        self.examples = tuple(examples)  # the corrections of ``classify.examples_file``

    @property
    def examples_path(self) -> Path:
        return self.resolve(self.config.classify.examples_file)

    @property
    def identity(self) -> str:
        """The config as the state store knows it: its absolute path, so ``-c config.yaml``
        and ``-c /srv/brief/config.yaml`` are the same briefing's runs."""
        return str(self.path.resolve())

    def resolve(self, relative: str) -> Path:
        return (self.base_dir / relative).resolve()

    def note(self, owner: _Noted) -> str | None:
        """An editor's note, inline or from the file the config names."""
        if owner.note_file:
            return self.resolve(owner.note_file).read_text(encoding="utf-8")
        return owner.note


def load(path: str | Path) -> LoadedConfig:
    """Read, substitute ``${ENV}`` and validate a config file.

    Raises ConfigError carrying every problem found.
    """
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError([ConfigProblem(name, None, "", _too_big(size))])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigProblem(name, None, "", "config file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem(name, None, "", f"cannot read: {exc}")]) from None
    config = parse(text, name, base_dir=path.parent)
    from .teach import read

    examples = read(LoadedConfig(config, path).examples_path, [s.id for s in config.sections])
    loaded = LoadedConfig(config, path, examples)
    if found := [*_encoder_problems(loaded), *_dask_problems(config)]:
        raise ConfigError(_placed(path, text, found))
    return loaded


def _encoder_problems(loaded: LoadedConfig) -> list[tuple[tuple[str | int, ...], str]]:
    """A named encoder that cannot be used is the config's error, found before any build."""
    settings = loaded.config.classify
    if settings.encoder is None:
        return []
    from .encoder import EncoderError, check

    try:
        check(loaded.resolve(settings.encoder), settings.encoder_sha256)
    except EncoderError as exc:
        return [(("classify", "encoder"), str(exc).removeprefix("classify.encoder: "))]
    return []


def _dask_problems(config: Config) -> list[tuple[tuple[str | int, ...], str]]:
    """``executor: dask`` without Dask installed is the config's error, found before any
    build (looked up, not imported: importing distributed takes a second)."""
    import importlib.util

    if config.build.executor != "dask" or importlib.util.find_spec("distributed") is not None:
        return []
    why = "dask needs the dask extra, which is not installed: pip install 'digest[dask]'"
    return [(("build", "executor"), why)]


def parse(text: str, name: str = "config.yaml", base_dir: Path | None = None) -> Config:
    """Validate config text; ``name`` is what error messages call the file."""
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError([ConfigProblem(name, None, "", _too_big(len(text)))])
    try:
        root = yaml.compose(text, Loader=_ConfigLoader)
    except RecursionError:
        raise ConfigError([ConfigProblem(name, None, "", "nested too deeply")]) from None
    except TooLarge as exc:
        raise ConfigError([ConfigProblem(name, None, "", f"{exc} (alias bomb?)")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([ConfigProblem(name, line, "", f"not valid YAML: {reason}")]) from None
    if root is None:
        raise ConfigError([ConfigProblem(name, None, "", "the file is empty")])

    walker = _Walker(name)
    try:
        data = walker.walk(root)
    except TooLarge as exc:  # aliases expanded: counted again, as the walker meets them
        raise ConfigError([ConfigProblem(name, None, "", f"{exc} (alias bomb?)")]) from None
    problems = walker.problems
    if not isinstance(data, dict):
        problems.append(ConfigProblem(name, root.start_mark.line + 1, "", "must be a mapping"))
        raise ConfigError(problems)

    context = {"base_dir": str(base_dir or Path("."))}
    try:
        config = Config.model_validate(data, context=context)
    except ValidationError as exc:
        # a field the walker already faulted (an unset ${VAR}, a refused tag) gets no
        # second, misleading error from the schema about the value left in its place
        faulted = {p.path for p in problems if p.path}
        problems.extend(p for p in _explain(exc, data, walker.lines, name) if p.path not in faulted)
        config = None
    if problems or config is None:
        raise ConfigError(_sorted(problems))
    return config


MAX_CONFIG_BYTES = 1_000_000  # a real config is a few KB; this one is refused unread


def _too_big(size: int) -> str:
    return f"the file is {size:,} bytes; a config may have {MAX_CONFIG_BYTES:,} at most"


class _ConfigLoader(BoundedLoader):
    """Composes a config, counting nodes as it goes: the walker counts the expanded tree
    too (aliases), but a huge plain file must stop before its tree is built."""

    max_nodes = MAX_YAML_NODES
    max_depth = 1_000  # deeper nesting gets its own error, with a line, from the walker
    max_aliases = 10_000  # anchors for shared keyword lists are fine; the walker counts uses


class _Walker:
    """Builds plain data from a YAML node tree, recording each path's line.

    Doing this ourselves (rather than ``safe_load``) gives line numbers, catches
    duplicate keys that YAML would silently resolve to the last one, bounds alias
    expansion, and substitutes ``${ENV}`` where the line is still known.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: dict[tuple[str | int, ...], int] = {}
        self.problems: list[ConfigProblem] = []
        self.nodes = 0
        self.open: set[int] = set()  # ids of the collections being walked
        self.constructor = yaml.constructor.SafeConstructor()

    def problem(self, node: yaml.Node, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append(
            ConfigProblem(self.name, node.start_mark.line + 1, _fmt(path), message)
        )

    def walk(self, node: yaml.Node, path: tuple[str | int, ...] = ()) -> Any:
        self.nodes += 1
        if self.nodes > MAX_YAML_NODES:
            raise TooLarge(f"more than {MAX_YAML_NODES} YAML nodes")
        self.lines.setdefault(path, node.start_mark.line + 1)
        if not self._tag_allowed(node, path):
            return None
        if len(path) > MAX_YAML_DEPTH:
            self.problem(node, path, f"nested more than {MAX_YAML_DEPTH} levels deep")
            return None
        if id(node) in self.open:  # "a: &x [*x]": an alias inside its own anchor
            self.problem(node, path, "an alias refers to the node that contains it")
            return None
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                return [self.walk(child, (*path, i)) for i, child in enumerate(node.value)]
        finally:
            self.open.discard(id(node))
        value = self.scalar(node, path)
        if isinstance(value, str):
            value = self._substitute(value, node, path)
        return value

    def _tag_allowed(self, node: yaml.Node, path: tuple[str | int, ...]) -> bool:
        if not node.tag.startswith("tag:yaml.org,2002:") or "python" in node.tag:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.problem(node, path, f"YAML tag {tag} is not allowed")
            return False
        return True

    def scalar(self, node: yaml.Node, path: tuple[str | int, ...]) -> Any:
        """The value of a scalar; None, with a problem, when its tag cannot make one of
        it ("!!int x", "!!map x", a date such as 2025-02-30)."""
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, KeyError, AttributeError) as exc:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            reason = getattr(exc, "problem", None) or str(exc)
            self.problem(node, path, f"{node.value!r} is not a valid {tag}: {reason}")
            return None

    def _mapping(self, node: yaml.MappingNode, path: tuple[str | int, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *defaults"
                bases = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for base_node in bases:
                    base = self.walk(base_node, path)
                    if isinstance(base, dict):
                        merged = {**base, **merged}  # earlier mappings win, as YAML says
                    else:
                        self.problem(key_node, path, "<< needs a mapping")
                continue
            if not self._tag_allowed(key_node, path):
                continue
            key = self.scalar(key_node, path) if isinstance(key_node, yaml.ScalarNode) else None
            if key is None or not isinstance(key, str | int | float | bool):
                self.problem(key_node, path, "keys must be plain names")
                continue
            key = str(key)
            if key in out:
                self.problem(key_node, (*path, key), "duplicate key")
                continue
            self.lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = self.walk(value_node, (*path, key))
        return {**merged, **out}

    def _substitute(self, value: str, node: yaml.Node, path: tuple[str | int, ...]) -> str:
        def repl(match: re.Match[str]) -> str:
            if match.group(0) == "$$":
                return "$"
            var, default = match.group(1), match.group(2)
            if var in os.environ:
                return os.environ[var]
            if default is not None:
                return default
            self.problem(node, path, f"environment variable {var} is not set")
            return match.group(0)  # left as written, so no second, confusing error follows

        return _ENV.sub(repl, value) if "$" in value else value


def _fmt(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _explain(
    exc: ValidationError,
    data: dict[str, Any],
    lines: dict[tuple[str | int, ...], int],
    name: str,
) -> Iterator[ConfigProblem]:
    for error in exc.errors(include_url=False):
        ctx_error = (error.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _AtPath):
            for loc, message in ctx_error.found:
                yield ConfigProblem(name, _line(loc, lines), _fmt(loc), message)
            continue
        loc = _data_loc(tuple(error["loc"]), data)
        yield ConfigProblem(name, _line(loc, lines), _fmt(loc), _message(error, loc, data))


def _data_loc(loc: tuple[str | int, ...], data: Any) -> tuple[str | int, ...]:
    """Drop the parts of a pydantic location that are not in the data (union tags)."""
    out: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        if in_dict or (isinstance(node, list) and isinstance(part, int) and part < len(node)):
            node = node[part]
            out.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and node.get("kind") == part:
            continue  # discriminator tag of a union member
        else:
            out.append(part)
            node = None
    return tuple(out)


def _line(loc: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _message(error: Any, loc: tuple[str | int, ...], data: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1], data)
        key = str(loc[-1])
        hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        known = f" (known keys: {', '.join(sorted(allowed))})" if allowed and not hint else ""
        return f"unknown key {key!r}{suggestion}{known}"
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        tags = error.get("ctx", {}).get("expected_tags", "")
        return f"unknown source kind {error.get('input', {}).get('kind')!r}; expected one of {tags}"
    if kind == "union_tag_not_found":
        return "'kind' is missing (e.g. kind: feed)"
    message: str = error["msg"]
    return message.removeprefix("Value error, ")


def _allowed_keys(loc: tuple[str | int, ...], data: Any) -> list[str]:
    """Field names of the model that validates the mapping at ``loc``."""
    annotation: Any = Config
    node: Any = data
    for part in loc:
        annotation = _concrete(annotation, node)
        if isinstance(part, int) and typing.get_origin(annotation) is list:
            annotation = typing.get_args(annotation)[0]
        elif isinstance(part, str) and part in getattr(annotation, "model_fields", {}):
            annotation = annotation.model_fields[part].annotation
        else:
            return []
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    model = _concrete(annotation, node)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _concrete(annotation: Any, node: Any) -> Any:
    """Unwrap Annotated/Optional and pick a tagged union's member by the data's ``kind``."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _concrete(typing.get_args(annotation)[0], node)
    if origin in (Union, types.UnionType):
        members = [m for m in typing.get_args(annotation) if m is not type(None)]
        for member in members:
            kind = getattr(member, "model_fields", {}).get("kind")
            if kind is None or (
                isinstance(node, dict) and node.get("kind") in typing.get_args(kind.annotation)
            ):
                return _concrete(member, node)
        return None
    return annotation


def _sorted(problems: list[ConfigProblem]) -> list[ConfigProblem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.path))
