"""Turn a Briefing into Markdown, HTML, PDF and JSON.

Templates are Jinja files looked up by name, first in the user's template folder
and then in the built-in one, so a user can replace one file (say ``briefing.css``)
and keep the rest. Every template sees the same context:

``briefing``
    the :class:`~digest.models.Briefing` itself;
``sections``
    ``briefing.sections`` (``briefing.other`` is never shown as a section);
``sources``
    one :class:`SourceView` per source, by number, with its read status joined in and
    ``published_shown``: when its cited articles were published (``5 June 2025, 18:00 EDT``,
    ``4–5 June 2025``), else its own date, None when undated;
``failed``
    the sources that could not be read (a reader must learn about them up front);
``date_iso`` / ``date_human``
    ``2026-11-21`` / ``Saturday, 21 November 2026``;
``created``
    midnight of the briefing day in its time zone, ISO 8601 (PDF creation date);
``coverage``
    the time window, as readers see it (``20 Nov 18:30 – 21 Nov 2026 06:30 EST``), or None;
``publishers``
    sorted, distinct publishers (PDF author metadata);
``figures``
    one :class:`FigureView` per key figure: the :class:`~digest.models.Figure` fields plus
    ``shown`` (``145% → 30%``), ``variants_shown`` and ``source_numbers``;
``person_sources``
    for each of ``briefing.people``, the source numbers that mention them;
``source_names``
    source number → name (the citation marks' tooltips);
``source_articles``
    source number → the articles of that source the briefing cites (``title``, ``url``,
    ``published_shown``);
``section_lifted``
    for each section, the top lines (1-based) taken from it and not repeated in its items;
``changes_chart`` / ``changes_chart_narrow``
    an inline SVG of the key figures that changed (before → after), or None; the narrow
    one puts each label above its row, for a phone's column;
``whats_new``
    the "What’s new" line (``3 of 26 items are new since the last briefing.``), or None
    without a state store;
``font_url``
    ``font_url("NotoSerif-Regular.woff2")``: a font of the templates' ``fonts/`` folder
    (``fonts.css`` names the shipped ones), inline in the HTML, and by an address the PDF
    renderer serves from the templates in the HTML it prints (:func:`font_urls`).

Filters: ``md_escape`` (source text into Markdown), ``markdown`` (trusted editor's
Markdown into HTML), ``http_url`` (a URL if it is safe to link, else ``None``),
``day`` (a date as ``5 June``, with the year when it is not the briefing's), ``marks``
(source numbers as citation marks, ``[1, 2]``). Every time of day is shown with its zone
(``18:00 EDT``), in the briefing's time zone.

Source text is untrusted. HTML templates autoescape; Markdown templates must pass
source text through ``md_escape``; the PDF renderer fetches no URL or file but the
templates' own fonts, by plain file name (:func:`html_to_pdf`).
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import traceback
import warnings
import xml.etree.ElementTree as etree
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
import markdown as markdown_lib
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from . import chart, style
from .config import FORMATS, PdfConfig
from .errors import RenderError
from .executor import Executor, Inline
from .models import (
    Briefing,
    Citation,
    Figure,
    Item,
    Person,
    Quantity,
    Section,
    SourceInfo,
    SourceStatus,
    Status,
)

SCHEMA_ID = "digest.briefing/1"
TEMPLATES = {"md": "briefing.md.j2", "html": "briefing.html.j2"}

# Fixed English names: strftime("%A") follows the process locale, which would make
# the same briefing render differently on different machines.
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_STATUS_LABELS = {
    Status.OK: "ok",
    Status.NOT_MODIFIED: "not modified",
    Status.EMPTY: "empty",
    Status.FAILED: "failed",
}

# Characters that mean something to Markdown anywhere on a line. "<" and ">" are
# handled apart: Python-Markdown does not honour "\<", so raw HTML would survive it.
_MD_INLINE = re.compile(r"([\\`*_{}\[\]#|~])")
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_MD_LINE_START = re.compile(r"^([-+=])")
_MD_ORDERED = re.compile(r"^(\d+)([.)])")
_MD_IMAGE = re.compile(r"!(?=\\\[)")


# --------------------------------------------------------------------------- public API


def builtin_templates() -> Path:
    """Folder of the shipped templates: inside the wheel, or the repo's ``templates/``."""
    packaged = resources.files("digest") / "templates"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "templates"


def environment(user_templates: Path | None) -> jinja2.Environment:
    """A fresh Jinja environment; built per call so no state leaks between briefings.

    Sandboxed: a template (the user's folder may hold one somebody else wrote) reaches
    only the briefing's data and our filters, never Python's internals
    (``cycler.__init__.__globals__`` and the like), so it cannot run commands, read
    files or call servers."""
    loaders: list[jinja2.BaseLoader] = []
    if user_templates is not None:
        loaders.append(jinja2.FileSystemLoader(str(user_templates)))
    loaders.append(jinja2.FileSystemLoader(str(builtin_templates())))
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        # "briefing.html.j2" ends in .j2, so the inner extension must be listed too.
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "xml", "html.j2", "htm.j2", "xml.j2"),
            disabled_extensions=(),
            default_for_string=False,
            default=False,
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md_escape"] = md_escape
    env.filters["markdown"] = markdown_to_html
    env.filters["http_url"] = http_url
    env.filters["day"] = _day_filter
    env.filters["marks"] = style.marks
    return env


def render(
    briefing: Briefing,
    formats: Sequence[str],
    user_templates: Path | None = None,
    pdf: PdfConfig | None = None,
    beside: Executor | None = None,
) -> dict[str, bytes]:
    """Render the requested formats; the PDF is printed from the HTML, so it says the same.
    ``pdf`` is ``output.pdf`` (paper size, PDF standard); the defaults without it. With
    ``beside`` (the build's workers), the PDF is printed beside the other formats."""
    wanted = list(dict.fromkeys(formats))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise RenderError(
            f"unknown output format(s): {', '.join(unknown)} (known: {', '.join(FORMATS)})"
        )
    env = environment(user_templates)
    context = {**template_context(briefing), "font_url": font_urls(user_templates, inline=True)}
    texts: dict[str, str] = {}
    if "md" in wanted:
        texts["md"] = _render_template(env, TEMPLATES["md"], context)
    # The HTML file holds its fonts (it fetches nothing); the HTML printed to PDF says the
    # same but names the fonts by an address the PDF renderer serves from the templates.
    for fmt, inline in (("html", True), ("pdf", False)):
        if fmt in wanted:
            fonts = {"font_url": font_urls(user_templates, inline=inline)}
            texts[fmt] = _render_template(env, TEMPLATES["html"], {**context, **fonts})
    printed = None
    if "pdf" in wanted:
        start, info = briefing_start(briefing), pdf_info(briefing)
        printed = (beside or Inline()).aside(
            html_to_pdf, texts.pop("pdf"), start, pdf, info, user_templates
        )
    out: dict[str, bytes] = {}
    for fmt in wanted:
        if fmt in texts:
            out[fmt] = texts[fmt].encode("utf-8")
        elif fmt == "json":
            out[fmt] = json_bytes(briefing)
    if printed is not None:
        out["pdf"] = printed()
    return {fmt: out[fmt] for fmt in wanted}


def template_problems(folder: Path) -> list[str]:
    """Why templates of the user's folder would fail the build before anything is
    rendered: each one's syntax error with its file and line (``digest validate``)."""
    if not folder.is_dir():
        return [f"{folder}: not a folder"]
    env = environment(folder)
    found = []
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if not path.is_file() or not name.endswith((".j2", ".css")):
            continue
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            found.append(f"{name}:{exc.lineno}: {exc.message}")
        except (OSError, UnicodeDecodeError) as exc:
            found.append(f"{name}: {exc}")
    return found


def page(name: str, context: Mapping[str, Any], user_templates: Path | None = None) -> str:
    """Render another template (the archive's ``index.html.j2``) as the briefing's are: the
    user's folder first, autoescaped by extension, sandboxed, the fonts inlined as the
    HTML briefing's are; failures name the file."""
    fonts = {"font_url": font_urls(user_templates, inline=True)}
    return _render_template(environment(user_templates), name, {**fonts, **context})


def to_json(briefing: Briefing) -> dict[str, Any]:
    """The JSON document described by ``digest/briefing.schema.json``."""
    statuses = _statuses(briefing)
    return {
        "schema": SCHEMA_ID,
        "title": briefing.title,
        "subtitle": briefing.subtitle,
        "date": briefing.date.isoformat(),
        "timezone": briefing.timezone,
        "window": (
            {"start": briefing.window_start.isoformat(), "end": briefing.window_end.isoformat()}
            if briefing.window_start and briefing.window_end
            else None
        ),
        "note": briefing.note,
        "tracked": briefing.tracked,
        "new_items": briefing.new_items if briefing.tracked else None,
        "top_lines": [_item_json(i) for i in briefing.top_lines],
        "figures": [_figure_json(f) for f in briefing.figures],
        "people": [_person_json(p) for p in briefing.people],
        "sections": [
            {
                "id": s.id,
                "title": s.title,
                "description": s.description,
                "note": s.note,
                "items": [_item_json(i) for i in s.items],
                "lifted": list(s.lifted),
            }
            for s in briefing.sections
        ],
        "other": [_item_json(i) for i in briefing.other],
        "sources": [_source_json(s, statuses.get(s.id)) for s in _by_number(briefing)],
    }


def from_json(data: Mapping[str, Any]) -> Briefing:
    """A Briefing back from :func:`to_json`'s document, so a written briefing can be
    sent again (``digest send``) without reading any source. Raises RenderError."""
    try:
        if data.get("schema") != SCHEMA_ID:
            raise ValueError(f"not a {SCHEMA_ID} document")
        window = data.get("window") or {}
        sources = tuple(_source_from(s) for s in data["sources"])
        statuses = tuple(
            SourceStatus(s["id"], Status(s["status"]), s["documents"], s["reason"])
            for s in data["sources"]
            if s.get("status")
        )
        return Briefing(
            title=data["title"],
            subtitle=data["subtitle"],
            date=date.fromisoformat(data["date"]),
            timezone=data["timezone"],
            sections=tuple(
                Section(
                    s["id"],
                    s["title"],
                    s["description"],
                    tuple(_item_from(i) for i in s["items"]),
                    s["note"],
                    tuple(s.get("lifted", ())),
                )
                for s in data["sections"]
            ),
            sources=sources,
            statuses=statuses,
            note=data["note"],
            other=tuple(_item_from(i) for i in data["other"]),
            window_start=_when(window.get("start")),
            window_end=_when(window.get("end")),
            top_lines=tuple(_item_from(i) for i in data["top_lines"]),
            figures=tuple(_figure_from(f) for f in data["figures"]),
            people=tuple(
                Person(
                    p["name"],
                    tuple(p["roles"]),
                    tuple(p["aliases"]),
                    p["mentions"],
                    tuple(_citation_from(c) for c in p["citations"]),
                    p["pinned"],
                )
                for p in data["people"]
            ),
            tracked=bool(data.get("tracked")),
        )
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise RenderError(f"not a briefing JSON document this digest can read: {exc!r}") from exc


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _citation_from(c: Mapping[str, Any]) -> Citation:
    return Citation(
        c["source_id"],
        c["source"],
        c["doc_id"],
        c["sentence_index"],
        c["text"],
        c.get("url"),
        c.get("title"),
        _when(c.get("published")),
    )


def _item_from(i: Mapping[str, Any]) -> Item:
    first = i.get("first_reported")
    return Item(
        i["text"],
        i["section"],
        i["score"],
        tuple(_citation_from(c) for c in i["citations"]),
        date.fromisoformat(first) if first else None,
        i.get("original"),
        bool(i.get("standalone", True)),
        float(i.get("news", 0.0)),
        tuple(_citation_from(c) for c in i.get("beside", ())),
        i.get("differs"),
    )


def _quantity_from(q: Mapping[str, Any] | None) -> Quantity | None:
    return Quantity(q["value"], q["unit"], q["text"]) if q else None


def _figure_from(f: Mapping[str, Any]) -> Figure:
    value = _quantity_from(f["value"])
    if value is None:
        raise ValueError("a figure without a value")
    return Figure(
        f["label"],
        value,
        tuple(_citation_from(c) for c in f["citations"]),
        _quantity_from(f["before"]),
        f["section"],
        f["consistent"],
        tuple(q for q in (_quantity_from(v) for v in f["variants"]) if q is not None),
        f["note"],
    )


def _source_from(s: Mapping[str, Any]) -> SourceInfo:
    return SourceInfo(
        s["id"],
        s["number"],
        s["name"],
        s["kind"],
        s["location"],
        s["publisher"],
        s["url"],
        _when(s["published"]),
    )


def json_bytes(briefing: Briefing) -> bytes:
    """Serialized JSON with a fixed key order and a trailing newline, for byte-stable output.

    The ``other`` items (every sentence no section took: most of them, on a large day)
    are written one at a time into the text of the rest, so the whole document never
    exists as one tree of dicts (at 10,000 articles that tree took 200 MB).
    """
    try:
        text = _dumps(to_json(replace(briefing, other=())))
        if not briefing.other:
            return (text + "\n").encode("utf-8")
        # A top-level key is the only text after a line break and two spaces: strings
        # hold no raw line breaks and nested keys are indented further.
        before, after = text.split('\n  "other": []', 1)
        out = io.BytesIO()  # one growing buffer: a list of pieces joined would be twice
        out.write(before.encode("utf-8") + b'\n  "other": [')
        for number, item in enumerate(briefing.other):
            nested = _dumps(_item_json(item)).replace("\n", "\n    ")  # two levels down
            out.write(((",\n    " if number else "\n    ") + nested).encode("utf-8"))
        out.write(b"\n  ]" + after.encode("utf-8") + b"\n")
    except ValueError as exc:  # NaN or infinite score
        raise RenderError(f"cannot write JSON: {exc}") from exc
    return out.getvalue()


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False)


def schema_path() -> Path:
    """Where the shipped JSON Schema of :func:`to_json` lives."""
    return Path(__file__).resolve().parent / "briefing.schema.json"


# --------------------------------------------------------------------------- context


@dataclass(frozen=True)
class SourceView:
    """A source as the source list shows it: its info joined with what happened reading it."""

    number: int
    id: str
    name: str
    kind: str
    location: str
    publisher: str | None
    url: str | None
    link: str | None  # the url, only when safe to link (http/https)
    published: str | None  # ISO date of SourceInfo.published
    status: str | None  # Status value, None if the source was not reported on
    status_label: str
    documents: int
    reason: str | None
    # the dates of its cited articles (else its own), None when undated:
    published_shown: str | None = None  # "5 June 2025, 18:00 EDT", "4–5 June 2025"
    published_iso: str | None = None  # for <time datetime>; None for a span of days

    @property
    def failed(self) -> bool:
        return self.status == Status.FAILED.value

    @property
    def publisher_shown(self) -> str | None:
        """The publisher, unless the name already says it: "CNBC (adapted)" is by CNBC, and
        "CNBC (adapted), CNBC" says so twice."""
        if not self.publisher:
            return None
        pattern = rf"(?<!\w){re.escape(self.publisher.strip())}(?!\w)"
        return None if re.search(pattern, self.name, re.IGNORECASE) else self.publisher


def template_context(briefing: Briefing) -> dict[str, Any]:
    """Everything a template may use; computed here so templates stay declarative."""
    statuses = _statuses(briefing)
    zone = zone_of(briefing)
    dates = _source_dates(briefing)
    sources = [
        _source_view(s, statuses.get(s.id), _dated(dates.get(s.number), zone))
        for s in _by_number(briefing)
    ]
    return {
        "briefing": briefing,
        "sections": briefing.sections,
        "sources": sources,
        "failed": [s for s in sources if s.failed],
        "date_iso": briefing.date.isoformat(),
        "date_human": human_date(briefing.date),
        "created": briefing_start(briefing).isoformat(),
        "coverage": coverage(briefing),
        "publishers": sorted({s.publisher for s in briefing.sources if s.publisher}),
        "figures": [_figure_view(f) for f in briefing.figures],
        "person_sources": [_numbers(p.citations) for p in briefing.people],
        "source_names": {s.number: s.name for s in briefing.sources},
        "changes_chart": chart.changes_svg(briefing.figures),
        "changes_chart_narrow": chart.changes_svg(
            briefing.figures, width=chart.NARROW_WIDTH, stacked=True
        ),
        "source_articles": _articles(briefing),
        "section_lifted": [_lifted(briefing, s) for s in briefing.sections],
        "anchor": _anchors(),
        "whats_new": whats_new(briefing),
        "font_url": font_urls(None, inline=True),
    }


def whats_new(briefing: Briefing) -> str | None:
    """The "What’s new" line, one wording for every format and the email: ``3 of 26 items
    are new since the last briefing.``; None without a state store to compare with."""
    if not briefing.tracked:
        return None
    new, shown = briefing.new_items, len(briefing.shown_items)
    if new == 0:
        return "nothing new since the last briefing."
    if new < shown:
        return f"{new} of {shown} items are new since the last briefing."
    if shown == 1:
        return "the one item; no earlier briefing carried it."
    return f"all {shown} items; no earlier briefing carried any of them."


def _anchors() -> Callable[[Item], str]:
    """Each item's permalink anchor, ``s-<sentence id>``; a sentence shown twice gets
    ``-2`` the second time, so every anchor on the page is unique."""
    seen: Counter[str] = Counter()

    def anchor(item: Item) -> str:
        seen[item.id] += 1
        n = seen[item.id]
        return f"s-{item.id}" if n == 1 else f"s-{item.id}-{n}"

    return anchor


def zone_of(briefing: Briefing) -> ZoneInfo:
    """The briefing's time zone; UTC for a name this machine's zone database lacks, so a
    briefing read back from JSON elsewhere still renders."""
    try:
        return ZoneInfo(briefing.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def briefing_start(briefing: Briefing) -> datetime:
    """Midnight of the briefing day in its time zone: the PDF's fixed creation date.

    A fixed instant (never "now") keeps the PDF reproducible; WeasyPrint ignores a
    W3C date with a time but no offset, hence an aware datetime.
    """
    return datetime.combine(briefing.date, time(0), zone_of(briefing))


def coverage(briefing: Briefing) -> str | None:
    """The window a briefing covers, in its time zone: ``20 Nov 18:30 – 21 Nov 2026 06:30 EST``.
    The start names its own zone when it differs (a window across a change of summer time)."""
    start, end = briefing.window_start, briefing.window_end
    if start is None or end is None:
        return None
    zone = zone_of(briefing)
    start, end = local_time(start, zone), local_time(end, zone)

    def when(moment: datetime, year: bool) -> str:
        day = f"{moment.day} {_MONTHS[moment.month - 1][:3]}" + (f" {moment.year}" if year else "")
        return f"{day} {moment:%H:%M}"

    first = when(start, start.year != end.year)
    if zone_name(start) != zone_name(end):
        first += f" {zone_name(start)}"
    return f"{first} – {when(end, True)} {zone_name(end)}"


def local_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment`` in ``zone``; a naive one is taken to be in it already (as the window does)."""
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def zone_name(moment: datetime) -> str:
    """``EDT``, ``EST``, ``UTC``; the offset (``+05:30``) where the zone has no abbreviation."""
    name = moment.tzname()
    if name and not name.startswith(("+", "-")):
        return name
    offset = moment.strftime("%z")  # "+0530"
    return f"{offset[:3]}:{offset[3:]}" if offset else "UTC"


def clock(moment: datetime, zone: ZoneInfo) -> str:
    """``5 June 2025, 18:00 EDT``: a time of day is never shown without its zone."""
    local = local_time(moment, zone)
    return f"{long_day(local.date())}, {local:%H:%M} {zone_name(local)}"


def short_day(day: date | None, this_year: int | None = None) -> str:
    """``5 June`` (in the briefing's year), ``6 June 2024`` (in another): when an item was
    first reported, in the what's-new marks. Without ``this_year`` the year is always shown."""
    if day is None:
        return ""
    return long_day(day) if day.year != this_year else f"{day.day} {_MONTHS[day.month - 1]}"


@jinja2.pass_context
def _day_filter(context: jinja2.runtime.Context, day: date | None) -> str:
    """The ``day`` filter: the year only when it is not the briefing's."""
    briefing = context.get("briefing")
    return short_day(day, briefing.date.year if isinstance(briefing, Briefing) else None)


def long_day(day: date) -> str:
    """``5 June 2025``."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def human_date(day: date) -> str:
    """``Saturday, 21 November 2026``, independent of the process locale."""
    return f"{_DAYS[day.weekday()]}, {long_day(day)}"


# --------------------------------------------------------------------------- filters


def md_escape(value: object) -> str:
    """Make untrusted text inert in Markdown while keeping it readable.

    Whitespace runs become one space, so the text cannot start a new block (a
    heading, a list, a code block) on a line of its own. ``<`` and ``>`` become
    entities because not every renderer honours ``\\<``; ``&`` only when it would
    start an entity. ``-`` ``+`` ``=`` and ``1.`` only mean something at the start.
    """
    if value is None:
        return ""
    text = " ".join(str(value).split())
    text = _MD_ENTITY.sub("&amp;", text)
    text = _MD_INLINE.sub(r"\\\1", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_IMAGE.sub(r"\\!", text)
    text = _MD_LINE_START.sub(r"\\\1", text)
    return _MD_ORDERED.sub(r"\1\\\2", text)


def markdown_to_html(value: str | None, top: int = 3) -> Markup:
    """Editor's Markdown (trusted config) as HTML. Its headings are shifted so the
    highest becomes ``top`` (3 inside a section, 2 for the briefing's note): one h1 per
    page, and no level skipped in the outline screen readers and PDF bookmarks use."""
    if not value:
        return Markup("")
    converter = markdown_lib.Markdown(extensions=[_DemoteHeadings(top), "sane_lists"])
    return Markup(converter.convert(value))


def http_url(value: str | None) -> str | None:
    """The URL if it is http(s) with a host, else None: never link javascript:, data:, file:."""
    if not value:
        return None
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(c.isspace() or ord(c) < 32 or c in "<>\"'`" for c in url):
        return None
    return url


class _DemoteHeadings(Extension):
    """Keeps the page to one h1 and sections as the h2s, whatever the editor typed."""

    def __init__(self, top: int) -> None:
        super().__init__()
        self.top = top

    def extendMarkdown(self, md: markdown_lib.Markdown) -> None:
        md.treeprocessors.register(_DemoteProcessor(md, self.top), "digest_demote_headings", 0)


class _DemoteProcessor(Treeprocessor):
    def __init__(self, md: markdown_lib.Markdown, top: int) -> None:
        super().__init__(md)
        self.top = top

    def run(self, root: etree.Element) -> None:
        headings = [e for e in root.iter() if re.fullmatch(r"h[1-6]", e.tag)]
        if not headings:
            return
        shift = self.top - min(int(e.tag[1]) for e in headings)
        for element in headings:
            element.tag = f"h{min(max(int(element.tag[1]) + shift, self.top), 6)}"


# --------------------------------------------------------------------------- fonts

FONTS = "fonts"  # the shipped fonts' folder, inside a templates folder
# The PDF's HTML is read as if it sat here. No file is at this address: the PDF renderer
# serves the templates' fonts/ under it and nothing else, and the PDF's bytes do not
# depend on where digest is installed.
PRINT_BASE_URL = "file:///digest-templates/"
_FONT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*\.(?:woff2|woff|ttf|otf)")
_FONT_TYPES = {"woff2": "font/woff2", "woff": "font/woff", "ttf": "font/ttf", "otf": "font/otf"}
MAX_FONT_BYTES = 10_000_000


def font_file(name: str, user_templates: Path | None = None) -> Path:
    """A font in a templates folder's ``fonts/``, by file name: the user's folder first, then
    the built-in one, as templates are found. Only a plain file name of a font file
    (``NotoSerif-Regular.woff2``): never a path, so nothing outside those folders is read.
    Raises ValueError."""
    if _FONT_NAME.fullmatch(name) is None:
        raise ValueError(f"not a font file name: {name!r}")
    for folder in (user_templates, builtin_templates()):
        if folder is None:
            continue
        fonts = (folder / FONTS).resolve()
        path = (fonts / name).resolve()  # a link out of the folder resolves out of it
        if path.parent == fonts and path.is_file():
            return path
    raise ValueError(f"no font {name!r} in the templates' {FONTS}/ folder")


def _font_bytes(path: Path) -> bytes:
    if path.stat().st_size > MAX_FONT_BYTES:
        raise ValueError(f"font {path.name} is over {MAX_FONT_BYTES} bytes")
    return path.read_bytes()


def font_urls(user_templates: Path | None, *, inline: bool) -> Callable[[str], str]:
    """The templates' ``font_url(name)``: the font file itself as a ``data:`` URL
    (``inline``: the HTML stays one file that fetches nothing), or its address under
    :data:`PRINT_BASE_URL`, for the PDF renderer to load from the templates."""

    def font_url(name: str) -> str:
        path = font_file(name, user_templates)
        if not inline:
            return f"{FONTS}/{path.name}"
        data = base64.b64encode(_font_bytes(path)).decode("ascii")
        return f"data:{_FONT_TYPES[path.suffix.lstrip('.')]};base64,{data}"

    return font_url


# --------------------------------------------------------------------------- PDF

# ``output.pdf.page_size`` as a CSS page size.
PAGE_SIZES = {"A4": "A4", "Letter": "letter"}


@dataclass(frozen=True)
class PdfInfo:
    """The PDF's document information, from the briefing. The HTML's ``<title>`` and
    ``<meta>`` tags win; these fill what a template leaves out (the built-in one has no
    description or keywords)."""

    title: str  # "<title> — <date>", as the HTML's <title>
    authors: tuple[str, ...]  # the publishers
    subject: str | None  # the subtitle
    keywords: tuple[str, ...]  # the section titles


def pdf_info(briefing: Briefing) -> PdfInfo:
    """Title, authors (publishers), subject (subtitle) and keywords (sections) of the PDF."""
    return PdfInfo(
        title=f"{briefing.title} — {briefing.date.isoformat()}",
        authors=tuple(sorted({s.publisher for s in briefing.sources if s.publisher})),
        subject=briefing.subtitle,
        keywords=tuple(s.title for s in briefing.sections),
    )


def html_to_pdf(
    html: str,
    created: datetime | None = None,
    settings: PdfConfig | None = None,
    info: PdfInfo | None = None,
    user_templates: Path | None = None,
) -> bytes:
    """Print HTML to PDF fetching no URL (defence in depth: text is escaped), except the
    templates' own fonts.

    The HTML is read as if it sat at :data:`PRINT_BASE_URL`, where ``fonts/<name>`` is a
    font of the templates' ``fonts/`` folder (``user_templates``' first, as for templates;
    :func:`font_file`). Nothing else is served: not another file, not a path out of that
    folder, not a server, so a hostile article or template can read nothing.

    ``created`` is the PDF's creation and modification date when the HTML's dcterms meta
    tags give none, and pins the timestamps embedded fonts carry, so the same HTML gives
    the same bytes. ``settings`` chooses the paper and a PDF standard (PDF/A-3b, PDF/UA-1);
    the paper size is a user stylesheet with ``!important``, so it wins over any template
    CSS and a template need not know it. ``info`` fills the document information the HTML
    does not give.
    """
    settings = settings or PdfConfig()
    with warnings.catch_warnings():
        # WeasyPrint warns at import when the system lacks libharfbuzz-subset; it still
        # works (subsetting falls back to fontTools), and the warning is not ours to fix.
        warnings.filterwarnings(
            "ignore", message="HarfBuzz-Subset will be required", category=DeprecationWarning
        )
        import weasyprint
        from weasyprint.urls import URLFetcher, URLFetcherResponse

    fonts = PRINT_BASE_URL + FONTS + "/"

    class TemplateFontsOnly(URLFetcher):
        """Serves the templates' fonts; for anything else it raises, and WeasyPrint logs
        the error and renders without the resource."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith(fonts):
                raise ValueError(f"digest does not fetch resources for PDFs: {url}")
            path = font_file(url.removeprefix(fonts), user_templates)
            kind = _FONT_TYPES[path.suffix.lstrip(".")]
            return URLFetcherResponse(url, _font_bytes(path), {"Content-Type": kind})

    fetcher = TemplateFontsOnly()
    options: dict[str, Any] = {
        "stylesheets": [
            weasyprint.CSS(
                string=f"@page {{ size: {PAGE_SIZES[settings.page_size]} !important }}",
                url_fetcher=fetcher,
            )
        ],
        "pdf_variant": None if settings.variant == "none" else settings.variant,
    }
    try:
        source = weasyprint.HTML(string=html, base_url=PRINT_BASE_URL, url_fetcher=fetcher)
        with _source_date_epoch(created):
            document = source.render(**options)
            _fill_metadata(document.metadata, info, created)
            with warnings.catch_warnings():
                # For PDF/A, WeasyPrint opens its bundled sRGB profile and leaves the file
                # to be closed when dropped, which CPython does at once, with this warning.
                warnings.simplefilter("ignore", ResourceWarning)
                pdf = document.write_pdf(**options)
    except Exception as exc:
        raise RenderError(f"cannot render PDF from {TEMPLATES['html']}: {exc}") from exc
    if not isinstance(pdf, bytes):
        raise RenderError("cannot render PDF: WeasyPrint returned no bytes")
    return pdf


def _fill_metadata(metadata: Any, info: PdfInfo | None, created: datetime | None) -> None:
    """Complete WeasyPrint's DocumentMetadata (read from the HTML) from the briefing.

    The authors become one entry, ``CNBC, Reuters``: PDF/A wants the XMP creator list to
    say what the Author field says, and that field is one string."""
    if info is not None:
        metadata.title = metadata.title or info.title
        metadata.authors = metadata.authors or list(info.authors)
        metadata.description = metadata.description or info.subject
        metadata.keywords = metadata.keywords or list(info.keywords)
    if created is not None:
        metadata.created = metadata.created or created.isoformat()
        metadata.modified = metadata.modified or metadata.created
    metadata.authors = [", ".join(metadata.authors)] if metadata.authors else []
    metadata.generator = metadata.generator or "digest"


@contextmanager
def _source_date_epoch(created: datetime | None) -> Iterator[None]:
    """Pin SOURCE_DATE_EPOCH to the briefing date while the PDF is written.

    Without libharfbuzz-subset, WeasyPrint subsets fonts with fontTools, which stamps
    each font with the current time unless SOURCE_DATE_EPOCH (the reproducible-builds
    convention) is set. A value the user set wins; ours is removed afterwards.
    """
    if created is None or "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(int(created.timestamp()))
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


# --------------------------------------------------------------------------- helpers


def _render_template(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render one template, turning any failure into a RenderError that names the file."""
    template: jinja2.Template | None = None
    try:
        template = env.get_template(name)
        return template.render(context)
    except jinja2.TemplateSyntaxError as exc:  # in this template or one it includes
        where = exc.filename or exc.name or name
        raise RenderError(
            f"{where}, line {exc.lineno}: template syntax error: {exc.message}"
        ) from exc
    except jinja2.TemplateNotFound as exc:
        owner = f"{template.filename or name}: " if template else ""
        raise RenderError(f"{owner}template not found: {exc.name}") from exc
    except SecurityError as exc:
        owner = template.filename if template and template.filename else name
        raise RenderError(
            f"{_where(exc, owner)}: refused by the template sandbox (templates may read the "
            f"briefing's data only): {exc}"
        ) from exc
    except Exception as exc:
        owner = template.filename if template and template.filename else name
        raise RenderError(f"{_where(exc, owner)}: {exc}") from exc


def _where(exc: BaseException, fallback: str) -> str:
    """The template file and line a runtime error happened at (Jinja rewrites tracebacks)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if not frame.filename.endswith(".py") and frame.filename != "<template>":
            return f"{frame.filename}, line {frame.lineno}"
    return fallback


def _statuses(briefing: Briefing) -> dict[str, SourceStatus]:
    return {s.source_id: s for s in briefing.statuses}


def _by_number(briefing: Briefing) -> list[SourceInfo]:
    return sorted(briefing.sources, key=lambda s: (s.number, s.id))


def _source_view(
    source: SourceInfo, status: SourceStatus | None, dated: Dated = (None, None)
) -> SourceView:
    return SourceView(
        number=source.number,
        id=source.id,
        name=source.name,
        kind=source.kind,
        location=source.location,
        publisher=source.publisher,
        url=source.url,
        link=http_url(source.url),
        published=source.published.date().isoformat() if source.published else None,
        status=status.status.value if status else None,
        status_label=_STATUS_LABELS[status.status] if status else "not reported",
        documents=status.documents if status else 0,
        reason=status.reason if status else None,
        published_shown=dated[0],
        published_iso=dated[1],
    )


@dataclass(frozen=True)
class FigureView:
    """A key figure as the table shows it."""

    label: str
    shown: str
    consistent: bool
    variants_shown: str
    note: str | None
    section: str | None
    source_numbers: tuple[int, ...]


def show_quantity(quantity: Quantity) -> str:
    """``145%``, ``115 points``; other units as the source wrote them (:func:`style.quantity`)."""
    return style.quantity(quantity.value, quantity.unit, quantity.text)


def _figure_view(figure: Figure) -> FigureView:
    shown = show_quantity(figure.value)
    if figure.before is not None:
        shown = f"{show_quantity(figure.before)} → {shown}"
    return FigureView(
        label=style.label(figure.label),
        shown=shown,
        consistent=figure.consistent,
        variants_shown=", ".join(show_quantity(v) for v in figure.variants),
        note=figure.note,
        section=figure.section,
        source_numbers=_numbers(figure.citations),
    )


@dataclass(frozen=True)
class ArticleView:
    """An article a source contributed to the briefing: where readers can read it whole."""

    title: str | None
    url: str
    published_shown: str | None = None  # "5 June 2025, 18:00 EDT"
    published_iso: str | None = None


def _cited(briefing: Briefing) -> list[Citation]:
    """The citations of what the briefing shows: top lines, section items, key figures."""
    cited = [c for i in briefing.shown_items for c in i.citations]
    return cited + [c for f in briefing.figures for c in f.citations]


def _articles(briefing: Briefing) -> dict[int, list[ArticleView]]:
    """For each source number, the articles the shown briefing cites, in citing order."""
    zone = zone_of(briefing)
    found: dict[int, dict[str, ArticleView]] = {s.number: {} for s in briefing.sources}
    sources = {s.number: s for s in briefing.sources}
    for citation in _cited(briefing):
        if citation.url and citation.number in found and citation.url not in found[citation.number]:
            source = sources[citation.number]
            if citation.url == source.url and citation.title in (None, "", source.name):
                continue  # the source's own line already links it: show it once
            shown, iso = _dated([citation.published] if citation.published else None, zone)
            found[citation.number][citation.url] = ArticleView(
                citation.title, citation.url, shown, iso
            )
    return {number: list(articles.values()) for number, articles in found.items()}


# (shown, iso): what the source list says of when something was published
Dated = tuple[str | None, str | None]


def _source_dates(briefing: Briefing) -> dict[int, list[datetime]]:
    """For each source number, when its cited documents were published (one date per
    document), else the source's own date: a feed's many articles, a page's one."""
    documents: dict[int, dict[str, datetime]] = {}
    for citation in _cited(briefing):
        if citation.published is not None:
            documents.setdefault(citation.number, {})[citation.doc_id] = citation.published
    dates = {number: list(docs.values()) for number, docs in documents.items()}
    for source in briefing.sources:
        if source.number not in dates and source.published is not None:
            dates[source.number] = [source.published]
    return dates


def _date_only(moment: datetime) -> bool:
    """A date given without a time (``published: 2025-06-05``, a feed's ``<dc:date>``):
    midnight, naive or UTC. Moving it into the briefing's zone would change its day."""
    return moment.time() == time(0) and moment.utcoffset() in (None, timedelta(0))


def _dated(moments: Sequence[datetime] | None, zone: ZoneInfo) -> Dated:
    """One publication with its time and zone, or the span of days of several; nothing
    for an undated source (never a stand-in date)."""
    if not moments:
        return None, None
    if len(set(moments)) == 1:
        moment = moments[0]
        if _date_only(moment):
            return long_day(moment.date()), moment.date().isoformat()
        local = local_time(moment, zone)
        return clock(local, zone), local.isoformat(timespec="minutes")
    days = sorted(m.date() if _date_only(m) else local_time(m, zone).date() for m in moments)
    return _span(days[0], days[-1]), None


def _span(first: date, last: date) -> str:
    """``4–5 June 2025``, ``30 May – 5 June 2025``, ``30 December 2024 – 2 January 2025``."""
    if first == last:
        return long_day(first)
    if first.year != last.year:
        return f"{long_day(first)} – {long_day(last)}"
    if first.month != last.month:
        return f"{first.day} {_MONTHS[first.month - 1]} – {long_day(last)}"
    return f"{first.day}–{long_day(last)}"


def _lifted(briefing: Briefing, section: Section) -> tuple[int, ...]:
    """The section's lifted top lines that exist, so no template names a missing one."""
    return tuple(n for n in section.lifted if 1 <= n <= len(briefing.top_lines))


def _numbers(citations: Sequence[Citation]) -> tuple[int, ...]:
    return tuple(sorted({c.number for c in citations}))


def _citation_json(c: Citation) -> dict[str, Any]:
    return {
        "source_id": c.source_id,
        "source": c.number,
        "doc_id": c.doc_id,
        "sentence_index": c.sentence_index,
        "text": c.text,
        "url": c.url,
        "title": c.title,
        "published": c.published.isoformat() if c.published else None,
    }


def _quantity_json(q: Quantity | None) -> dict[str, Any] | None:
    if q is None:
        return None
    return {"value": q.value, "unit": q.unit, "text": q.text}


def _figure_json(f: Figure) -> dict[str, Any]:
    return {
        "label": f.label,
        "value": _quantity_json(f.value),
        "before": _quantity_json(f.before),
        "consistent": f.consistent,
        "variants": [_quantity_json(v) for v in f.variants],
        "note": f.note,
        "section": f.section,
        "sources": list(_numbers(f.citations)),
        "citations": [_citation_json(c) for c in f.citations],
    }


def _person_json(p: Person) -> dict[str, Any]:
    return {
        "name": p.name,
        "roles": list(p.roles),
        "aliases": list(p.aliases),
        "mentions": p.mentions,
        "pinned": p.pinned,
        "sources": list(_numbers(p.citations)),
        "citations": [_citation_json(c) for c in p.citations],
    }


def _item_json(item: Item) -> dict[str, Any]:
    return {
        "text": item.text,
        "section": item.section,
        "score": round(item.score, 4),
        "sources": list(item.source_numbers),
        "first_reported": item.first_reported.isoformat() if item.first_reported else None,
        "citations": [_citation_json(c) for c in item.citations],
        "id": item.id,
        "original": item.original,
        "standalone": item.standalone,
        "news": round(item.news, 4),
        "beside": [_citation_json(c) for c in item.beside],
        "differs": item.differs,
    }


def _source_json(source: SourceInfo, status: SourceStatus | None) -> dict[str, Any]:
    return {
        "id": source.id,
        "number": source.number,
        "name": source.name,
        "kind": source.kind,
        "location": source.location,
        "publisher": source.publisher,
        "url": source.url,
        "published": source.published.isoformat() if source.published else None,
        "status": status.status.value if status else None,
        "documents": status.documents if status else 0,
        "reason": status.reason if status else None,
    }
