"""Source stage: read every configured source into raw documents.

A source that fails is recorded with its reason and the others go on: a briefing
built from four of five sources, saying which one failed, beats no briefing.
Feeds and pages are fetched concurrently (bounded overall and per host); files
are read directly. Feeds are parsed on the executor's workers when there are enough
of them to be worth the workers' start (``FEED_UNIT``).
"""

from __future__ import annotations

import asyncio
import glob
import hashlib
import itertools
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, tzinfo
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from . import opml
from .config import (
    FeedSource,
    FileSource,
    LoadedConfig,
    OpmlSource,
    PageSource,
    Source,
    WebSource,
    file_url_path,
)
from .errors import SourceError
from .executor import Executor, Inline
from .fetch import Cache, Counters, Fetched, Fetcher, Policy, check_path, client
from .models import RawDocument, SourceInfo, SourceStatus, Status, Window
from .screen import canonical_url

MEDIA_TYPES = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
}
MAX_FILE_BYTES = 50 * 1024 * 1024
FRAGMENT = "text/html; digest=fragment"  # feed entry HTML: already the article, no page chrome
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain", "text/markdown"})
_TAG = re.compile(r"<[^>]+>")
# A unit of work (executor.POOL_MIN_ITEMS) per this many bytes of feed: parsing 10 kB takes
# about 2 ms on the 2-core machine, as long as reading one document (bench/scale.py, issue
# 16), so a day of 100 articles parses here and one of 1,000 (1.5 MB) on the workers.
FEED_UNIT = 10_000
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Collected:
    """What the source stage hands on: documents, and what happened to each source."""

    sources: tuple[SourceInfo, ...]
    documents: tuple[RawDocument, ...]
    statuses: tuple[SourceStatus, ...]
    fetched: Counters = field(default_factory=Counters, compare=False)


def describe(loaded: LoadedConfig) -> tuple[SourceInfo, ...]:
    """Number and name the configured sources as citations will show them (an OPML
    source once: its feeds are known only once it is read, see ``_Reader.expand``)."""
    infos: list[SourceInfo] = []
    taken = {s.id for s in loaded.config.sources if s.id}
    for number, source in enumerate(loaded.config.sources, start=1):
        infos.append(_info(source, number, taken))
    return tuple(infos)


def _info(source: Source, number: int, taken: set[str]) -> SourceInfo:
    """A source's number, name and links; its id is added to ``taken``."""
    location, link = _location(source)
    name = source.name or _default_name(location, source.kind)
    source_id = source.id or _unique(_slug(name), taken)
    taken.add(source_id)
    return SourceInfo(
        id=source_id,
        number=number,
        name=name,
        kind=source.kind,
        location=location,
        publisher=source.publisher,
        url=link,
        published=_as_datetime(source.published),
        weight=source.weight,
        sections=tuple(getattr(source, "sections", ())),
    )


Check = Callable[[str], None]


def collect(
    loaded: LoadedConfig,
    window: Window | None = None,
    zone: tzinfo = UTC,
    check: Check | None = None,
    executor: Executor | None = None,
) -> Collected:
    """Read every source; never raises for a source's sake (a worker lost by
    ``executor``, where feeds are parsed, is the run's ``ExecutorError``).

    The window only spares fetching the pages of feed entries that the screen stage
    would drop anyway; the screen stage itself decides and counts.

    ``check`` is called with a fingerprint of what every source delivered once all are
    fetched and before any is parsed (not at all if one failed), and may raise to stop
    the run there: a re-run with nothing new need not parse thousands of entries to learn
    that. Pages a ``full_text`` feed links to are not in it: they are fetched after.
    No feed is parsed, and no worker started, before ``check`` has passed.
    """
    box: list[Collected] = []

    async def main() -> None:
        # The result stays out of the task: on Python < 3.13 asyncio.run's exit reprs the
        # main task, result and all (signal._int_to_enum), which here is every fetched body.
        box.append(await _collect(loaded, window, zone, check, executor or Inline()))

    asyncio.run(main())
    return box[0]


async def _collect(
    loaded: LoadedConfig,
    window: Window | None,
    zone: tzinfo,
    check: Check | None,
    executor: Executor,
) -> Collected:
    infos = describe(loaded)
    config = loaded.config
    policy = Policy.from_config(
        config.fetch,
        _version(),
        private_networks=config.access.private_networks,
        file_roots=file_roots(loaded),
    )
    cache = Cache(loaded.resolve(config.fetch.cache_dir))
    pairs = list(zip(infos, config.sources, strict=True))
    async with client(policy) as http:
        fetcher = Fetcher(http, policy, cache)
        reader = _Reader(loaded, fetcher, window, zone)
        pairs, lists = await reader.expand(pairs)
        arrived = await asyncio.gather(*(reader.fetch(info, source) for info, source in pairs))
        if check is not None and not any(isinstance(a, SourceError) for a in arrived):
            check(_fingerprint(pairs, arrived, lists))
        feeds = [
            (info, arrival)
            for (info, source), arrival in zip(pairs, arrived, strict=True)
            if isinstance(source, FeedSource) and isinstance(arrival, Fetched)
        ]
        reader.parse(executor, feeds)
        results = await asyncio.gather(
            *(
                reader.read(info, source, arrival)
                for (info, source), arrival in zip(pairs, arrived, strict=True)
            )
        )
    documents = tuple(doc for docs, _ in results for doc in docs)
    statuses = tuple(status for _, status in results)
    return Collected(tuple(i for i, _ in pairs), documents, statuses, fetcher.counters)


_Arrival = Fetched | list[RawDocument] | SourceError  # a source's bytes, before parsing
# What an OPML source's options mean for each feed it lists (never its headers: those
# are for the OPML file's own server).
_SHARED_OPTIONS = {
    "publisher",
    "published",
    "weight",
    "timeout",
    "sections",
    "full_text",
    "max_entries",
}


def _fingerprint(
    pairs: list[tuple[SourceInfo, Source]], arrived: list[_Arrival], lists: Sequence[Fetched] = ()
) -> str:
    """What every source delivered, as one hash: ids, final URLs, bodies, in order; and
    the OPML files the feeds came from (a feed renamed there is renamed in the briefing)."""
    total = hashlib.sha256()
    for listing in lists:
        total.update(f"\0opml {listing.final_url}\0".encode())
        total.update(hashlib.sha256(listing.body).digest())
    for (info, _), arrival in zip(pairs, arrived, strict=True):
        total.update(f"\0source {info.id}\0".encode())
        if isinstance(arrival, SourceError):  # pragma: no cover - checked by the caller
            raise arrival
        bodies = (
            [(arrival.final_url, arrival.body)]
            if isinstance(arrival, Fetched)
            else [(document.location, document.body) for document in arrival]
        )
        for where, body in bodies:
            total.update(f"\0{where}\0{len(body)}\0".encode())
            total.update(hashlib.sha256(body).digest())
    return total.hexdigest()


class _Reader:
    """Reads one source of any kind: its bytes first, then documents and a status."""

    def __init__(
        self, loaded: LoadedConfig, fetcher: Fetcher, window: Window | None, zone: tzinfo
    ) -> None:
        self.loaded = loaded
        self.fetcher = fetcher
        self.teaser_words = loaded.config.fetch.teaser_words
        self.window = window
        self.zone = zone
        self.budget = loaded.config.fetch.budget
        self.deadline = asyncio.get_running_loop().time() + self.budget
        self.early: dict[str, _Arrival] = {}  # OPML sources with nothing to fetch, by id
        self.notes: dict[str, list[str]] = {}  # …and what their status should say
        self.parsed: dict[str, asyncio.Future[_Parsed]] = {}  # each fetched feed's, by id
        self._parsing: asyncio.Future[None] | None = None

    async def _get(self, url: str, source: WebSource) -> Fetched:
        """One URL within what is left of the run's fetch budget."""
        left = self.deadline - asyncio.get_running_loop().time()
        spent = SourceError(f"the run's fetch budget of {self.budget:g} s ran out first")
        if left <= 0:
            raise spent
        try:
            return await asyncio.wait_for(
                self.fetcher.get(url, headers=source.headers, timeout=source.timeout), left
            )
        except TimeoutError:
            raise spent from None

    async def expand(
        self, pairs: list[tuple[SourceInfo, Source]]
    ) -> tuple[list[tuple[SourceInfo, Source]], list[Fetched]]:
        """Each OPML source replaced by the feeds it lists, the sources numbered anew; and
        the OPML files read. One that cannot be read, or lists nothing to read, stays, to
        be reported as itself."""
        opmls = [(info, source) for info, source in pairs if isinstance(source, OpmlSource)]
        if not opmls:
            return pairs, []
        listings = await asyncio.gather(*(self._listing(source) for _, source in opmls))
        read = {info.id: listing for (info, _), listing in zip(opmls, listings, strict=True)}
        configured = {
            opml.same_feed(s.url) for _, s in pairs if isinstance(s, FeedSource) and s.url
        }
        taken = {info.id for info, _ in pairs}
        out: list[tuple[SourceInfo, Source]] = []
        for info, source in pairs:
            listing = read.get(info.id)
            if not isinstance(source, OpmlSource) or listing is None:
                out.append((info, source))
            elif isinstance(listing, SourceError):
                self.early[info.id] = listing
                out.append((info, source))
            elif feeds := self._listed(info, source, listing[1], configured):
                out += [(_info(feed, 0, taken), feed) for feed in feeds]
            else:
                out.append((info, source))
        numbered = [(replace(info, number=n), s) for n, (info, s) in enumerate(out, start=1)]
        return numbered, [r[0] for r in read.values() if not isinstance(r, SourceError)]

    async def _listing(
        self, source: OpmlSource
    ) -> tuple[Fetched, opml.Subscriptions] | SourceError:
        try:
            local_files(source, self.loaded)  # an OPML file: refused as validate says
            fetched = await self._get(_address(source, self.loaded), source)
            return fetched, await asyncio.to_thread(opml.read, fetched.body, source.categories)
        except opml.OpmlError as exc:
            return SourceError(str(exc))
        except SourceError as exc:
            return exc

    def _listed(
        self,
        info: SourceInfo,
        source: OpmlSource,
        found: opml.Subscriptions,
        configured: set[str],
    ) -> list[FeedSource]:
        """The feeds an OPML source reads, with its options. A feed also configured on its
        own (or in an earlier OPML) is read there, once. With none to read, the OPML
        source's own fate is set: empty when its feeds are read elsewhere, else failed."""
        fresh = [f for f in found.feeds if opml.same_feed(f.url) not in configured]
        configured.update(opml.same_feed(f.url) for f in fresh)
        if len(fresh) < len(found.feeds):
            log.info(
                "source %s: %d feeds already read as other sources",
                info.id,
                len(found.feeds) - len(fresh),
            )
        passed = list(found.skipped)
        if len(fresh) > source.max_feeds:
            passed.append(f"{len(fresh) - source.max_feeds} over max_feeds ({source.max_feeds})")
            fresh = fresh[: source.max_feeds]
        if passed:
            shown = "; ".join(passed[:5]) + ("; …" if len(passed) > 5 else "")
            log.warning("source %s (%s): feeds passed over: %s", info.id, info.location, shown)
        shared = source.model_dump(include=_SHARED_OPTIONS)
        feeds = []
        for f in fresh:
            entry = {**shared, "kind": "feed", "name": f.title, "url": f.url, "link": f.link}
            try:
                feeds.append(FeedSource.model_validate(entry))
            except ValidationError as exc:  # the OPML's data, not the operator's: skip it
                log.warning("source %s: feed %s passed over: %s", info.id, f.url, exc)
        if feeds:
            return feeds
        if found.feeds and not fresh:
            self.early[info.id] = []
            self.notes[info.id] = ["every feed it lists is read as another source"]
        else:
            outside = f"; {found.outside} outside its categories" if found.outside else ""
            why = f"lists no http(s) feed to read{outside}"
            self.early[info.id] = SourceError(why + (f" ({shown})" if passed else ""))
        return []

    async def fetch(self, info: SourceInfo, source: Source) -> _Arrival:
        """The source's bytes (a feed or page body; a file source's documents)."""
        if info.id in self.early:
            return self.early[info.id]
        try:
            if isinstance(source, FileSource):
                return await asyncio.to_thread(_read_files, info, source, self.loaded)
            local_files(source, self.loaded)  # a feed's file: refused as validate says
            return await self._get(_address(source, self.loaded), source)
        except SourceError as exc:
            return exc

    def parse(self, executor: Executor, feeds: list[tuple[SourceInfo, Fetched]]) -> None:
        """Start parsing the fetched feeds, each one's result in ``parsed`` as it comes:
        on the executor's workers if they hold enough bytes (``FEED_UNIT``), else here, off
        the event loop, one after another, so the first feeds' full-text pages are fetched
        while later ones parse. The executor is called from a thread: a pool forks there,
        not in the thread that runs the event loop, and a Dask client blocks there."""
        loop = asyncio.get_running_loop()
        self.parsed = {info.id: loop.create_future() for info, _ in feeds}
        if not feeds:
            return
        jobs = [(fetched, info) for info, fetched in feeds]
        units = sum(len(fetched.body) for fetched, _ in jobs) // FEED_UNIT
        waiting = list(self.parsed.values())

        async def deliver() -> None:
            try:
                results = await asyncio.to_thread(executor.map, _parse_job, jobs, units=units)
                for future in waiting:
                    future.set_result(await asyncio.to_thread(next, results))
            except Exception as exc:  # the executor's own (a lost worker): every feed's
                for future in waiting:
                    if not future.done():
                        future.set_exception(exc)

        self._parsing = asyncio.ensure_future(deliver())  # kept: a task only weakly held

    async def read(
        self, info: SourceInfo, source: Source, arrival: _Arrival
    ) -> tuple[list[RawDocument], SourceStatus]:
        notes: list[str] = list(self.notes.get(info.id, ()))
        status = Status.OK
        try:
            if isinstance(arrival, SourceError):
                raise arrival
            if isinstance(arrival, list):
                found = arrival
            elif isinstance(source, FeedSource):
                found = await self._feed(info, source, arrival, notes)
            else:
                found = [_page(info, arrival)]
            if isinstance(arrival, Fetched) and arrival.not_modified:
                status = Status.NOT_MODIFIED
        except SourceError as exc:
            return [], SourceStatus(info.id, Status.FAILED, reason=str(exc))
        if not found and status is Status.OK:
            notes.insert(0, "no readable documents")
            status = Status.EMPTY
        reason = "; ".join(notes) or None
        return found, SourceStatus(info.id, status, documents=len(found), reason=reason)

    # ----------------------------------------------------------------- feeds

    async def _feed(
        self, info: SourceInfo, source: FeedSource, fetched: Fetched, notes: list[str]
    ) -> list[RawDocument]:
        entries, found = await self.parsed[info.id]
        notes += found
        if isinstance(entries, SourceError):
            raise entries
        if len(entries) > source.max_entries:
            notes.append(f"{len(entries) - source.max_entries} entries over max_entries skipped")
            entries = entries[: source.max_entries]
        if source.full_text:
            entries = await self._full_text(entries, source, notes)
        return entries

    async def _full_text(
        self, entries: list[RawDocument], source: FeedSource, notes: list[str]
    ) -> list[RawDocument]:
        """Swap each teaser for the article on its page; keep the teaser if the page fails."""

        async def upgrade(entry: RawDocument) -> RawDocument:
            if not entry.url or _words(entry.body) >= self.teaser_words:
                return entry
            if (
                self.window
                and entry.published
                and not self.window.holds(entry.published, self.zone)
            ):
                return entry  # the screen stage drops it; fetching its page would be waste
            try:
                page = await self._get(canonical_url(entry.url), source)
                media_type = _page_type(page)
            except SourceError as exc:
                failures.append(f"{entry.url}: {exc}")
                return entry
            return RawDocument(
                source_id=entry.source_id,
                doc_id=entry.doc_id,
                location=page.final_url,
                media_type=media_type,
                body=page.body,
                title=entry.title,
                url=entry.url,
                published=entry.published,
                author=entry.author,
            )

        failures: list[str] = []
        upgraded = await asyncio.gather(*(upgrade(e) for e in entries))
        if failures:
            shown = "; ".join(failures[:3]) + ("; …" if len(failures) > 3 else "")
            notes.append(f"{len(failures)} teaser(s) kept, page not fetched: {shown}")
        return list(upgraded)


# --------------------------------------------------------------------------- pages


def _page(info: SourceInfo, fetched: Fetched) -> RawDocument:
    return RawDocument(
        source_id=info.id,
        doc_id=_doc_name(fetched.final_url),
        location=fetched.final_url,
        media_type=_page_type(fetched),
        body=fetched.body,
        url=fetched.final_url if fetched.final_url.startswith("http") else info.url,
        published=info.published,
    )


# --------------------------------------------------------------------------- feeds


_Parsed = tuple[list[RawDocument] | SourceError, list[str]]  # entries or why not; notes


def _parse_job(job: tuple[Fetched, SourceInfo]) -> _Parsed:
    """``parse_feed`` as an executor's task: its notes returned, and its SourceError as a
    value (raised on a worker, it would end every feed's parsing, not this one's)."""
    fetched, info = job
    notes: list[str] = []
    try:
        return parse_feed(fetched, info, notes), notes
    except SourceError as exc:
        return exc, notes


def parse_feed(fetched: Fetched, info: SourceInfo, notes: list[str]) -> list[RawDocument]:
    """Entries of an RSS, Atom or JSON feed as documents; raises SourceError for a non-feed.

    A malformed feed whose entries could still be read is used, with a note saying so.

    feedparser sanitizes entry HTML (scripts, styles, event handlers and elements it does
    not know go, and their text is kept or dropped as it decides; titles that look like
    HTML too). It is not asked to rewrite the URLs in that HTML's attributes (links, image
    sources) as absolute ones, blanking those of unsafe schemes (``resolve_relative_uris``,
    a fifth of its time): no attribute of an entry's HTML reaches a briefing, the extract
    stage reads its elements and text only, and the entry's own link is resolved either
    way. On the 2,185 files of the feed gate, every document's metadata, words, extracted
    text and notes are the same with and without it.
    """
    import feedparser  # imported here: 0.1 s that runs without feeds should not pay

    json_feed = _json_feed(fetched)
    if json_feed is not None:
        return _documents(json_feed, info, fetched, notes)
    try:
        parsed: Any = feedparser.parse(
            fetched.body,
            response_headers={
                "content-type": fetched.content_type or "application/xml",
                "content-location": fetched.final_url,
            },
            sanitize_html=True,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # feedparser has many odd corners; none may stop the briefing
        raise SourceError(f"feed could not be parsed: {type(exc).__name__}: {exc}") from None
    entries = list(parsed.get("entries") or [])
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not entries:
        if not parsed.get("version") and (problem or _looks_like_html(fetched)):
            kind = fetched.content_type.split(";")[0].strip() or "unknown content"
            raise SourceError(f"not a feed ({kind}): {_reason(problem) or 'no feed elements'}")
        if problem:
            raise SourceError(f"malformed feed, and no entries in it: {_reason(problem)}")
        return []
    if problem:
        notes.append(f"malformed feed ({_reason(problem)}); {len(entries)} entries recovered")
    return _documents(entries, info, fetched, notes)


def _documents(
    entries: list[Any], info: SourceInfo, fetched: Fetched, notes: list[str]
) -> list[RawDocument]:
    documents = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        document = _entry_document(entry, number, info, fetched)
        if document is None:
            continue
        doc_id, n = document.doc_id, 2
        while doc_id in seen:
            doc_id, n = f"{document.doc_id}#{n}", n + 1
        seen.add(doc_id)
        documents.append(document if n == 2 else replace(document, doc_id=doc_id))
    if len(documents) < len(entries):
        notes.append(f"{len(entries) - len(documents)} entries without text skipped")
    return documents


def _json_feed(fetched: Fetched) -> list[dict[str, Any]] | None:
    """Items of a JSON Feed (jsonfeed.org 1.0/1.1) in feedparser's entry shape, or None
    if the body is not one. feedparser 6.0 reads only XML feeds."""
    head = fetched.body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"{"):
        return None
    try:
        data = json.loads(fetched.body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        if "json" in fetched.content_type.lower():
            raise SourceError("malformed JSON feed: not valid JSON") from None
        return None
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str) or "jsonfeed.org" not in version:
        if "json" in fetched.content_type.lower():
            raise SourceError("not a feed: JSON without a jsonfeed.org version")
        return None
    items = data.get("items")
    if not isinstance(items, list):
        raise SourceError("malformed JSON feed: no items list")
    return [_json_entry(item) for item in items if isinstance(item, dict)]


def _json_entry(item: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    for key, target in (("title", "title"), ("url", "link"), ("id", "id")):
        if isinstance(item.get(key), str | int) and not isinstance(item.get(key), bool):
            entry[target] = str(item[key])
    content = []
    if isinstance(item.get("content_html"), str):
        content.append({"value": item["content_html"], "type": "text/html"})
    if isinstance(item.get("content_text"), str):
        content.append({"value": item["content_text"], "type": "text/plain"})
    entry["content"] = content
    if isinstance(item.get("summary"), str):
        entry["summary"] = item["summary"]
        entry["summary_detail"] = {"type": "text/plain"}
    authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
    names = [a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
    if names:
        entry["author"] = ", ".join(names)
    for key, target in (
        ("date_published", "published_parsed"),
        ("date_modified", "updated_parsed"),
    ):
        value = item.get(key)
        if isinstance(value, str):
            try:
                entry[target] = datetime.fromisoformat(value).astimezone(UTC).timetuple()
            except (ValueError, OverflowError):
                continue
    return entry


def _entry_document(
    entry: Any, number: int, info: SourceInfo, fetched: Fetched
) -> RawDocument | None:
    body, kind = _entry_body(entry)
    title = _plain(entry.get("title"))
    if not body.strip():
        if not title:
            return None
        body, kind = title, "text/plain"
    link = entry.get("link") if isinstance(entry.get("link"), str) else None
    guid = entry.get("id") if isinstance(entry.get("id"), str) else None
    return RawDocument(
        source_id=info.id,
        doc_id=(guid or link or f"entry-{number}")[:300],
        location=link or f"{fetched.final_url}#entry-{number}",
        media_type="text/plain" if kind == "text/plain" else FRAGMENT,
        body=body.encode("utf-8", "surrogatepass"),
        title=title,
        url=link if link and link.startswith(("http://", "https://")) else None,
        published=_entry_date(entry),
        author=_plain(entry.get("author")),
    )


def _entry_body(entry: Any) -> tuple[str, str]:
    """The fullest text an entry carries: its content, else its summary."""
    candidates = []
    for content in entry.get("content") or []:
        if isinstance(content, dict) and isinstance(content.get("value"), str):
            candidates.append((content["value"], str(content.get("type") or "text/html")))
    summary = entry.get("summary")
    if isinstance(summary, str):
        detail = entry.get("summary_detail") or {}
        candidates.append((summary, str(detail.get("type") or "text/html")))
    if not candidates:
        return "", "text/plain"
    return max(candidates, key=lambda c: len(c[0]))


def _entry_date(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                year, month, day, hour, minute, second = value[:6]
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    return None


def _plain(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(_TAG.sub(" ", value).split())
    return text or None


def _reason(problem: object) -> str:
    if problem is None:
        return ""
    text = " ".join(str(problem).split())
    return f"{type(problem).__name__}: {text}"[:200] if text else type(problem).__name__


def _looks_like_html(fetched: Fetched) -> bool:
    head = fetched.body[:1024].lstrip().lower()
    return "html" in fetched.content_type.lower() or head.startswith((b"<!doctype html", b"<html"))


def _words(body: bytes) -> int:
    return len(_TAG.sub(" ", body.decode("utf-8", "replace")).split())


# --------------------------------------------------------------------------- pages


def _page_type(fetched: Fetched) -> str:
    """The media type to extract a page as; refuses what is not text (images, PDFs, …)."""
    declared = fetched.content_type.split(";")[0].strip().lower()
    if not declared or declared == "application/octet-stream":
        head = fetched.body[:512].lstrip().lower()
        if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")):
            return "text/html"
        raise SourceError(f"no usable content type ({declared or 'none given'})")
    if declared not in PAGE_TYPES:
        raise SourceError(f"not a web page: content type {declared}")
    return fetched.content_type


def _doc_name(url: str) -> str:
    path = url.split("?", 1)[0].rstrip("/")
    return path.rsplit("/", 1)[-1] or url


# --------------------------------------------------------------------------- files


def file_roots(loaded: LoadedConfig) -> tuple[Path, ...]:
    """The folders local sources may read: the config's own, and those access.paths names."""
    return (
        loaded.base_dir.resolve(),
        *(loaded.resolve(p) for p in loaded.config.access.paths),
    )


def local_files(source: Source, loaded: LoadedConfig) -> list[Path]:
    """The files on this machine a source reads (a file source's matches, a feed's
    ``path``, a ``file://`` URL), each checked as the build checks it: SourceError, the
    reason the source then fails with, for one outside the folders sources may read or
    one missing. ``digest validate`` runs this same function, so it reports beforehand
    what the build would refuse."""
    roots = file_roots(loaded)
    if isinstance(source, FileSource):
        if glob.has_magic(source.path):  # refused whatever it matches, today or later
            fixed = Path(
                *itertools.takewhile(lambda p: not glob.has_magic(p), Path(source.path).parts)
            )
            check_path(loaded.base_dir / fixed, roots, shown=source.path)
        paths = _expand(source.path, loaded.base_dir)
    else:
        address = _address(source, loaded)
        if not address.startswith("file:"):
            return []
        try:
            paths = [Path(file_url_path(address))]
        except ValueError as exc:
            raise SourceError(str(exc)) from None
    for path in paths:
        check_path(path, roots, shown=_shown(path, loaded.base_dir))
        if not path.exists():
            raise SourceError(f"{_shown(path, loaded.base_dir)}: file not found")
    return paths


def _address(source: FeedSource | PageSource | OpmlSource, loaded: LoadedConfig) -> str:
    """The URL a feed, OPML list or page is fetched from; a ``path`` as a ``file://`` URL.
    A relative ``file:`` URL (``file:feeds/a.xml``) is relative to the config file, as a
    ``path`` is, not to wherever cron happens to start the run."""
    if isinstance(source, FeedSource | OpmlSource) and source.url is None:
        return loaded.resolve(source.path or "").as_uri()
    url = source.url or ""
    if url.startswith("file:"):
        try:
            local = Path(file_url_path(url))
        except ValueError:
            return url  # local_files and the fetcher say why
        if not local.is_absolute():
            return loaded.resolve(str(local)).as_uri()
    return url


def _shown(path: Path, base: Path) -> str:
    """A path as the config wrote it: relative to the config's folder when under it."""
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


def _read_files(info: SourceInfo, source: FileSource, loaded: LoadedConfig) -> list[RawDocument]:
    paths = local_files(source, loaded)
    single = len(paths) == 1
    documents = []
    for path in paths:
        media_type = MEDIA_TYPES.get(path.suffix.lower())
        if media_type is None:
            if single:
                known = ", ".join(sorted(MEDIA_TYPES))
                raise SourceError(f"{path.name}: unsupported file type (expected one of {known})")
            continue
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise SourceError(f"{path.name}: {size} bytes, over the {MAX_FILE_BYTES} limit")
            body = path.read_bytes()
        except OSError as exc:
            raise SourceError(f"{path.name}: cannot read ({exc.strerror or exc})") from None
        documents.append(
            RawDocument(
                source_id=info.id,
                doc_id=path.name if single else _relative(path, loaded.base_dir),
                location=str(path),
                media_type=media_type,
                body=body,
                url=info.url,
                published=info.published,
            )
        )
    return documents


def _expand(pattern: str, base: Path) -> list[Path]:
    """One file, every known file in a folder, or a glob; sorted so runs are repeatable."""
    target = base / pattern
    if glob.has_magic(pattern):
        matches = [Path(p) for p in glob.glob(str(target), recursive=True)]
        return sorted(p for p in matches if p.is_file() and p.suffix.lower() in MEDIA_TYPES)
    if target.is_dir():
        return sorted(
            p for p in target.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_TYPES
        )
    if not target.exists():
        raise SourceError(f"{pattern}: file not found")
    return [target]


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.name


# --------------------------------------------------------------------------- naming


def _location(source: Source) -> tuple[str, str | None]:
    """Where a source is read from, and where its readers can go (the link we show)."""
    if isinstance(source, FeedSource):
        return source.url or source.path or "", source.link or source.url
    if isinstance(source, PageSource):
        return source.url, source.url if source.url.startswith("http") else None
    if isinstance(source, OpmlSource):
        return source.url or source.path or "", None
    return source.path, source.url


def _default_name(location: str, kind: str) -> str:
    """A feed is named by its host; a page by its host and the last part of its path."""
    if "://" in location:
        parts = urlsplit(location)
        if parts.scheme != "file" and parts.hostname:
            host = parts.hostname.removeprefix("www.")
            tail = parts.path.rstrip("/").rsplit("/", 1)[-1]
            return f"{host}/{tail}" if kind in ("page", "opml") and tail else host
        return Path(parts.path).name or location
    return Path(location).name or location


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not slug or not slug[0].isalpha():
        slug = "s_" + slug
    return slug[:40]


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def _as_datetime(value: datetime | date | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time(), tzinfo=UTC)


def _version() -> str:
    try:
        return version("digest")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"
