"""Where readers already are: an Atom feed of the briefings, and an index of the archive.

``output.feed`` writes a feed with one entry per briefing date (title, top lines, links
to its files), so a feed reader subscribes to the briefing like to any news site. The
feed file is also its own memory: each build reads the entries it holds, puts this
briefing's in (replacing an earlier build of the same date) and keeps the newest
``output.feed_entries``. ``output.archive`` (with ``output.index``) also writes
``index.html`` beside the archive folder: every archived briefing, newest first.

Both are rendered before anything is written and join the briefing's files in one
transaction (``deliver.write_outputs``). Both are deterministic: ids are derived from
the briefing's title and date, times from the briefing's date and its articles' dates,
never from the clock, so the same inputs give the same bytes.
"""

from __future__ import annotations

import html
import json
import logging
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urljoin

from . import deliver, render, safexml
from .config import OutputConfig
from .models import Briefing

log = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
INDEX = "index.html"
INDEX_TEMPLATE = "index.html.j2"
# Fixed, so an entry's urn:uuid is the same on every machine and every run.
_NAMESPACE = uuid.UUID("83a7e120-8ddb-5d40-b157-7af5e6a0569c")
MEDIA_TYPES = {
    "html": "text/html",
    "pdf": "application/pdf",
    "md": "text/markdown",
    "json": "application/json",
}
LABELS = {"html": "HTML", "pdf": "PDF", "md": "Markdown", "json": "JSON"}
_HEAD = 8_192  # bytes of an archived file read for its title (near the top in both)
_JSON_TITLE = re.compile(r'\n  "title": ("(?:[^"\\\n]|\\.)*"),?\n')
_HTML_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def files(
    output: OutputConfig,
    briefing: Briefing,
    directory: Path,
    stem: str,
    formats: Sequence[str],
    user_templates: Path | None = None,
) -> dict[Path, bytes]:
    """The feed and the archive index this build writes beside the briefing (none unless
    the config asks), keyed by where they go."""
    out: dict[Path, bytes] = {}
    if not output.feed_name and not (output.archive and output.index):
        return out
    deliver.recover(directory)  # an interrupted write finished first: it may hold the feed
    formats = [f for f in MEDIA_TYPES if f in formats]  # one fixed order
    if output.feed_name:
        path = directory / output.feed_name
        links = [(_href(output, output.archive, f"{stem}.{f}"), f) for f in formats]
        out[path] = feed(briefing, _read(path), links, output)
    if output.archive and output.index:
        out[directory / INDEX] = index(
            briefing, _archived(output, briefing, directory, stem, formats), output, user_templates
        )
    return out


# --------------------------------------------------------------------------- the feed


@dataclass(frozen=True)
class Entry:
    """One briefing in the feed, as written and as read back."""

    id: str
    title: str
    published: datetime
    updated: datetime
    summary: str  # HTML
    links: tuple[tuple[str, str], ...]  # (href, media type)

    @property
    def day(self) -> date:
        return self.published.date()


def entry(briefing: Briefing, links: Sequence[tuple[str, str]]) -> Entry:
    """The feed entry of a briefing: its top lines as the summary, its files as links."""
    start = render.briefing_start(briefing)
    return Entry(
        id=_urn(f"{briefing.title}\0{briefing.date.isoformat()}"),
        title=f"{briefing.title} — {render.human_date(briefing.date)}",
        published=start,
        updated=_updated(briefing, start),
        summary=_summary(briefing),
        links=tuple((href, MEDIA_TYPES[fmt]) for href, fmt in links),
    )


def feed(
    briefing: Briefing,
    previous: bytes | None,
    links: Sequence[tuple[str, str]],
    output: OutputConfig,
) -> bytes:
    """The Atom feed: this briefing's entry and the newest of the ``previous`` feed's, by
    date, one per date, at most ``output.feed_entries``."""
    current = entry(briefing, links)
    kept = [e for e in _entries(previous) if e.day != current.day and e.id != current.id]
    entries = sorted([current, *kept], key=lambda e: (e.day, e.id), reverse=True)
    entries = entries[: output.feed_entries]
    # Written with plain names under an xmlns attribute: ElementTree's default_namespace
    # refuses attributes without a namespace (rel, href), as Atom's are.
    root = ET.Element("feed", xmlns=ATOM)
    _text(root, "id", _urn(f"feed\0{briefing.title}"))
    _text(root, "title", briefing.title)
    if briefing.subtitle:
        _text(root, "subtitle", briefing.subtitle)
    _text(root, "updated", _when(max(e.updated for e in entries)))
    _text(ET.SubElement(root, "author"), "name", "digest")
    _text(root, "generator", "digest")
    if output.base_url and output.feed_name:
        _link(
            root, urljoin(output.base_url, quote(output.feed_name)), "application/atom+xml", "self"
        )
    if output.archive and output.index:
        _link(root, _href(output, None, INDEX), "text/html", "alternate")
    for each in entries:
        element = ET.SubElement(root, "entry")
        _text(element, "id", each.id)
        _text(element, "title", each.title)
        _text(element, "published", _when(each.published))
        _text(element, "updated", _when(each.updated))
        _text(element, "summary", each.summary).set("type", "html")
        for href, media_type in each.links:
            _link(element, href, media_type, "alternate")
    ET.indent(root, "  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _entries(previous: bytes | None) -> list[Entry]:
    """The entries of the feed an earlier build wrote; none from a file that is not one."""
    if not previous:
        return []
    try:
        root = safexml.parse(previous)
    except safexml.XMLRefused as exc:
        log.warning("the briefings' feed could not be read (%s); it starts again", exc)
        return []
    found = []
    for element in root.iter(_atom("entry")):
        try:
            found.append(
                Entry(
                    id=_child(element, "id"),
                    title=_child(element, "title"),
                    published=datetime.fromisoformat(_child(element, "published")),
                    updated=datetime.fromisoformat(_child(element, "updated")),
                    summary=_child(element, "summary"),
                    links=tuple(
                        (link.get("href", ""), link.get("type", ""))
                        for link in element.iter(_atom("link"))
                        if link.get("rel", "alternate") == "alternate" and link.get("href")
                    ),
                )
            )
        except (KeyError, ValueError):
            continue  # not an entry digest wrote: left out
    return found


def _child(element: ET.Element, name: str) -> str:
    child = element.find(_atom(name))
    if child is None:
        raise KeyError(name)
    return child.text or ""


def _updated(briefing: Briefing, start: datetime) -> datetime:
    """When the newest article the briefing cites was published, within its day; the
    day's start without one. A rebuild that brings news moves it, so readers look again;
    the clock never does."""
    zone = render.zone_of(briefing)
    end = datetime.combine(briefing.date + timedelta(days=1), start.timetz())
    times = [
        render.local_time(c.published, zone)
        for item in briefing.shown_items
        for c in item.citations
        if c.published is not None
    ]
    return max((t for t in times if start <= t < end), default=start)


def _summary(briefing: Briefing) -> str:
    """The top lines (or, without them, each section's first item) as an HTML list."""
    items = briefing.top_lines or tuple(s.items[0] for s in briefing.sections if s.items)
    if not items:
        return "<p>No items.</p>"
    lines = "".join(f"<li>{html.escape(i.text)}</li>" for i in items)
    return f"<ol>{lines}</ol>"


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cannot read the briefings' feed %s (%s); it starts again", path, exc)
        return None


def _atom(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def _text(parent: ET.Element, name: str, value: str) -> ET.Element:
    child = ET.SubElement(parent, name)
    child.text = safexml.clean(value)
    return child


def _link(parent: ET.Element, href: str, media_type: str, rel: str) -> None:
    ET.SubElement(parent, "link", rel=rel, type=media_type, href=safexml.clean(href))


def _when(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _urn(key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}"


def _href(output: OutputConfig | None, folder: str | None, name: str) -> str:
    """A file's link from ``directory``: relative, or absolute under ``output.base_url``."""
    relative = quote(f"{folder}/{name}" if folder else name)
    return urljoin(output.base_url, relative) if output and output.base_url else relative


# --------------------------------------------------------------------------- the index


@dataclass(frozen=True)
class Archived:
    """One briefing in the archive, as the index lists it."""

    date_iso: str
    date_human: str
    title: str
    links: tuple[tuple[str, str], ...]  # (label, href), HTML first


def index(
    briefing: Briefing,
    archived: Sequence[Archived],
    output: OutputConfig,
    user_templates: Path | None = None,
) -> bytes:
    """``index.html``: the archive's briefings, newest first, in the briefing's style."""
    context = {
        "title": briefing.title,
        "subtitle": briefing.subtitle,
        "briefings": archived,
        "feed": quote(output.feed_name) if output.feed_name else None,
    }
    return render.page(INDEX_TEMPLATE, context, user_templates).encode("utf-8")


def _archived(
    output: OutputConfig, briefing: Briefing, directory: Path, stem: str, formats: Sequence[str]
) -> list[Archived]:
    """Every briefing in the archive folder (its dated files), with this one as it is
    about to be written."""
    assert output.archive is not None
    folder = directory / output.archive
    pattern = _stem_pattern(output.file_name)
    found: dict[str, tuple[str, set[str]]] = {}  # date → (stem, formats)
    if pattern is not None and folder.is_dir():
        for path in folder.iterdir():
            fmt = path.suffix.removeprefix(".")
            match = pattern.fullmatch(path.stem)
            if fmt in MEDIA_TYPES and match and path.is_file():
                found.setdefault(match.group("date"), (path.stem, set()))[1].add(fmt)
    today = briefing.date.isoformat()
    found.setdefault(today, (stem, set()))[1].update(formats)
    out = []
    for day in sorted(found, reverse=True):
        name, present = found[day]
        title = briefing.title if day == today else _title(folder, name, present)
        links = tuple(
            (LABELS[f], _href(None, output.archive, f"{name}.{f}"))  # relative: works offline
            for f in MEDIA_TYPES
            if f in present
        )
        shown = render.human_date(date.fromisoformat(day)) if _is_date(day) else day
        out.append(Archived(day, shown, title or name, links))
    return out


def _stem_pattern(file_name: str) -> re.Pattern[str] | None:
    """``briefing-{date}`` → a pattern matching ``briefing-2025-06-05``, the date named;
    None for a name without ``{date}`` (one file, rewritten every day)."""
    parts = file_name.format(date="\0").split("\0")
    if len(parts) == 1:
        return None
    pattern = re.escape(parts[0]) + r"(?P<date>\d{4}-\d{2}-\d{2})" + re.escape(parts[1])
    return re.compile(pattern + "".join(r"(?P=date)" + re.escape(p) for p in parts[2:]))


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _title(folder: Path, stem: str, present: set[str]) -> str | None:
    """An archived briefing's title, from the head of its JSON or else its HTML."""
    for fmt, pattern in (("json", _JSON_TITLE), ("html", _HTML_TITLE)):
        if fmt not in present:
            continue
        try:
            with (folder / f"{stem}.{fmt}").open("rb") as handle:
                head = handle.read(_HEAD).decode("utf-8", "replace")
        except OSError:
            continue
        match = pattern.search(head)
        if match is None:
            continue
        if fmt == "json":
            try:
                value = json.loads(match.group(1))
            except ValueError:
                continue
            return value if isinstance(value, str) and value else None
        text = " ".join(html.unescape(match.group(1)).split())
        return re.sub(r" — \d{4}-\d{2}-\d{2}$", "", text) or None
    return None
