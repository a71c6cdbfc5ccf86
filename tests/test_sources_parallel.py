"""Feeds parsed on the executor's workers (issue 16): the same documents, notes and
statuses as parsed in the build's own process; nothing parsed, no worker started, before
the nothing-new check has passed; small feeds parsed in the build's own process."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import pytest

from digest import config, executor, extract, sources
from digest.executor import Dask, ExecutorError, Inline, Pool
from digest.models import Status

T = TypeVar("T")
R = TypeVar("R")

ENTRY = (
    "<item><title>Storm {n}</title><link>https://example.org/{n}</link>"
    "<pubDate>Mon, 02 Jun 2025 0{h}:00:00 GMT</pubDate>"
    "<description>{html}</description></item>"
)
HOSTILE = (
    '&lt;p onclick="steal()"&gt;A storm hit the &lt;a href="/coast"&gt;coast&lt;/a&gt; '
    'and the &lt;a href="javascript:steal()"&gt;port&lt;/a&gt;.&lt;/p&gt;'
    "&lt;script&gt;steal()&lt;/script&gt;&lt;style&gt;p {color: red}&lt;/style&gt;"
)


def _rss(entries: int, html: str = "&lt;p&gt;A storm hit the coast.&lt;/p&gt;") -> str:
    items = "".join(ENTRY.format(n=n, h=n % 10, html=html) for n in range(entries))
    return (
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title>{items}</channel></rss>"
    )


def _project(tmp_path: Path) -> config.LoadedConfig:
    """Feeds of every fate: good ones, a duplicate id, a malformed one whose entries are
    recovered, one that is not a feed, a JSON Feed, and entry HTML with scripts in it."""
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "a.xml").write_text(_rss(30), encoding="utf-8")
    (feeds / "b.xml").write_text(_rss(3, HOSTILE), encoding="utf-8")
    twice = _rss(2).replace("https://example.org/1", "https://example.org/0")
    (feeds / "twice.xml").write_text(twice, encoding="utf-8")
    (feeds / "broken.xml").write_text(_rss(4).replace("</channel></rss>", "<item>"), "utf-8")
    (feeds / "page.xml").write_text("<!doctype html><html><body>hi</body></html>", "utf-8")
    items = [{"id": "j1", "url": "https://example.org/j1", "content_html": "<p>Storm.</p>"}]
    json_feed = {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": items}
    (feeds / "j.json").write_text(json.dumps(json_feed), encoding="utf-8")
    listed = "".join(
        f"  - kind: feed\n    id: {name.split('.')[0]}\n    path: feeds/{name}\n"
        for name in ("a.xml", "b.xml", "twice.xml", "broken.xml", "page.xml", "j.json")
    )
    path = tmp_path / "config.yaml"
    path.write_text(
        f"briefing:\n  title: T\nsources:\n{listed}"
        "sections:\n  - id: s\n    title: S\n    keywords: [storm]\n",
        encoding="utf-8",
    )
    return config.load(path)


def _seen(collected: sources.Collected) -> tuple[object, ...]:
    return collected.sources, collected.documents, collected.statuses


@pytest.fixture
def every_feed_on_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool started for feeds of any size."""
    monkeypatch.setattr(executor, "POOL_MIN_ITEMS", 0)


def test_feeds_parsed_on_workers_are_the_same_as_parsed_here(
    tmp_path: Path, every_feed_on_workers: None
) -> None:
    loaded = _project(tmp_path)
    here = sources.collect(loaded, executor=Inline())
    pool = Pool(2)
    try:
        there = sources.collect(loaded, executor=pool)
        assert pool._pool is not None  # the feeds were parsed on the workers
    finally:
        pool.close()
    assert _seen(there) == _seen(here)
    states = {s.source_id: s.status for s in here.statuses}
    assert states == {
        "a": Status.OK,
        "b": Status.OK,
        "twice": Status.OK,
        "broken": Status.OK,
        "page": Status.FAILED,
        "j": Status.OK,
    }
    notes = {s.source_id: s.reason or "" for s in here.statuses}
    assert "malformed feed" in notes["broken"] and "not a feed" in notes["page"]
    assert [d.doc_id for d in here.documents if d.source_id == "twice"] == [
        "https://example.org/0",
        "https://example.org/0#2",
    ]


def test_entry_html_reaches_the_briefing_as_text_only(tmp_path: Path) -> None:
    """feedparser still sanitizes; the URLs in attributes it no longer rewrites are never
    read: what the extract stage makes of an entry is its text."""
    collected = sources.collect(_project(tmp_path))
    [first, *_] = [d for d in collected.documents if d.source_id == "b"]
    assert b"steal()</script>" not in first.body and b"onclick" not in first.body
    document = extract.extract(first)
    text = "\n".join(line for block in document.blocks for line in block.lines)
    assert text == "Storm 0\nA storm hit the coast and the port."
    assert "steal" not in text and "color" not in text


class _Recording:
    """An executor that records what it was asked to run, and runs it here."""

    workers = 1

    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []

    def map(
        self, func: Callable[[T], R], items: Sequence[T], *, units: int | None = None
    ) -> Iterator[R]:
        self.calls.append((len(items), units))
        return (func(item) for item in items)


class _NothingNew(Exception):
    pass


def test_nothing_is_parsed_before_the_check_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = _project(tmp_path)
    parsed: list[str] = []
    real = sources.parse_feed
    monkeypatch.setattr(sources, "parse_feed", lambda f, i, n: parsed.append(i.id) or real(f, i, n))
    recording = _Recording()

    def nothing_new(fingerprint: str) -> None:
        raise _NothingNew(fingerprint)

    with pytest.raises(_NothingNew):
        sources.collect(loaded, check=nothing_new, executor=recording)
    assert parsed == [] and recording.calls == []
    sources.collect(loaded, check=lambda _: None, executor=recording)
    assert sorted(parsed) == ["a", "b", "broken", "j", "page", "twice"]
    [(feeds, units)] = recording.calls  # one map for every feed, sized by their bytes
    total = sum(p.stat().st_size for p in (tmp_path / "feeds").iterdir())
    assert (feeds, units) == (6, total // sources.FEED_UNIT)


def test_small_feeds_are_parsed_in_the_builds_own_process(tmp_path: Path) -> None:
    pool = Pool(2)
    try:
        collected = sources.collect(_project(tmp_path), executor=pool)
        assert pool._pool is None  # a few kB of feeds: below POOL_MIN_ITEMS
    finally:
        pool.close()
    assert len(collected.documents) > 30


def _die(job: object) -> object:
    os._exit(3)


def test_a_worker_that_dies_parsing_is_the_runs_error(
    tmp_path: Path, every_feed_on_workers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "_parse_job", _die)
    pool = Pool(2)
    try:
        with pytest.raises(ExecutorError, match="a worker process died"):
            sources.collect(_project(tmp_path), executor=pool)
    finally:
        pool.close()


def test_feeds_parsed_on_a_dask_cluster_are_the_same(tmp_path: Path, scheduler: str) -> None:
    loaded = _project(tmp_path)
    dask = Dask(scheduler, 10.0)
    try:
        there = sources.collect(loaded, executor=dask)
    finally:
        dask.close()
    assert _seen(there) == _seen(sources.collect(loaded))
