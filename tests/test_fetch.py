"""Feeds and pages over real HTTP (a loopback server): the fetch layer's limits, retries,
cache and failure reasons, and what they mean for sources, the screen stage and the CLI."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip as gzip_module
import json
import socket
import zlib
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from digest import config, sources
from digest.build import Analysis, analyze
from digest.cli import main
from digest.errors import SourceError
from digest.extract import extract
from digest.fetch import Cache, Counters, Fetched, Fetcher, Policy, client
from digest.models import SourceStatus, Status

from .conftest import ROOT
from .loopback import Loopback, Reply, redirect

# --------------------------------------------------------------------------- news text

CALL = (
    "President Donald Trump and Chinese President Xi Jinping spoke by phone for 90 minutes on Thursday, their first call since January.",
    "Trump wrote on Truth Social that the conversation ended in a very positive conclusion for both countries.",
    "Xi invited Trump to visit China, and the two leaders agreed that their trade delegations would meet again soon.",
)
TARIFFS = (
    "The Geneva truce cut U.S. tariffs on Chinese goods to 30 percent from 145 percent for 90 days.",
    "China lowered its duties on American imports to 10 percent under the same deal.",
    "Export controls on semiconductor chips remain a source of friction between the two sides.",
)
RARE_EARTHS = (
    "China agreed to resume exports of rare earth magnets that carmakers need for electric motors.",
    "Beijing began requiring export licenses for seven rare earth elements in April.",
    "Automakers warned of supply bottlenecks as stocks of neodymium magnets ran low.",
)
MARKETS = (
    "U.S. stocks rallied after the call as investors welcomed the prospect of new talks.",
    "Soybean prices rose in Chicago as traders bet on renewed agricultural purchases.",
)
TEASER = "Trump and Xi spoke by phone for 90 minutes. Read the full story."

RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def item(link: str, title: str, text: str, published: str | None = None) -> str:
    when = f"<pubDate>{published}</pubDate>" if published else ""
    return (
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>{when}"
        f"<description><![CDATA[<p>{text}</p>]]></description></item>"
    )


def rss(*items: str, title: str = "Trade Wire") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://tradewire.example/</link>"
        f"<description>Trade news</description>{''.join(items)}</channel></rss>"
    )


def atom(base: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Pacific Desk</title><id>urn:pacific-desk</id><updated>2025-06-06T09:00:00Z</updated>
  <entry>
    <title>Rare earth exports to resume</title><id>urn:pacific-desk:1</id>
    <link href="{base}/atom/rare-earths"/><updated>2025-06-06T09:00:00Z</updated>
    <content type="html">&lt;p&gt;{" ".join(RARE_EARTHS)}&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Markets cheer the call</title><id>urn:pacific-desk:2</id>
    <link href="{base}/atom/markets"/><updated>2025-06-06T08:00:00Z</updated>
    <summary>{" ".join(MARKETS)}</summary>
  </entry>
</feed>"""


def json_feed(base: str) -> str:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Beltway Brief",
            "items": [
                {
                    "id": f"{base}/json/call",
                    "url": f"{base}/json/call",
                    "title": "Trump and Xi talk trade",
                    "content_text": " ".join(CALL),
                    "date_published": "2025-06-06T08:00:00Z",
                },
                {
                    "id": f"{base}/json/tariffs",
                    "url": f"{base}/json/tariffs",
                    "title": "What the truce means for tariffs",
                    "content_html": f"<p>{' '.join(TARIFFS)}</p>",
                    "date_published": "2025-06-06T07:00:00Z",
                },
            ],
        }
    )


def page(title: str, *paragraphs: str, published: str | None = None) -> str:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    when = f'<meta property="article:published_time" content="{published}">' if published else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Trade Wire</title>{when}</head>
<body>
<nav><a href="/">Home</a> <a href="/markets">Markets</a> <a href="/world">World</a></nav>
<article><h1>{title}</h1>
{body}</article>
<footer>© 2025 Trade Wire. All rights reserved.</footer>
</body></html>"""


CALL_PAGE = page("Trump and Xi agree to more trade talks", *CALL, *TARIFFS)
RARE_PAGE = page("China to resume rare earth exports", *RARE_EARTHS)


def wire_feed(base: str) -> str:
    return rss(
        item(f"{base}/news/call", "Trump and Xi hold first call", " ".join(CALL)),
        item(f"{base}/news/tariffs", "Truce keeps tariffs lower", " ".join(TARIFFS)),
        item(f"{base}/news/markets", "Stocks rally on talks", " ".join(MARKETS)),
    )


# --------------------------------------------------------------------------- helpers

FAST = Policy(timeout=5, connect_timeout=5, deadline=10, retries=0, backoff=0.01)


@pytest.fixture
def server() -> Iterator[Loopback]:
    with Loopback() as running:
        yield running


def fetch_all(
    urls: Sequence[str], policy: Policy = FAST, cache: Cache | None = None, **kwargs: Any
) -> tuple[list[Fetched | SourceError], Counters]:
    """Fetch URLs concurrently through one Fetcher, as one run would."""

    async def run() -> tuple[list[Fetched | SourceError], Counters]:
        async with client(policy) as http:
            fetcher = Fetcher(http, policy, cache)
            results = await asyncio.gather(
                *(fetcher.get(url, **kwargs) for url in urls), return_exceptions=True
            )
        out: list[Fetched | SourceError] = []
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, SourceError):
                raise result
            out.append(result)
        return out, fetcher.counters

    return asyncio.run(run())


def fetch(
    url: str, policy: Policy = FAST, cache: Cache | None = None, **kwargs: Any
) -> tuple[Fetched, Counters]:
    [result], counters = fetch_all([url], policy, cache, **kwargs)
    assert isinstance(result, Fetched), result
    return result, counters


def failure(url: str, policy: Policy = FAST, **kwargs: Any) -> tuple[str, Counters]:
    [result], counters = fetch_all([url], policy, **kwargs)
    assert isinstance(result, SourceError), result
    return str(result), counters


SAMPLE = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def write_config(
    directory: Path,
    source_list: list[dict[str, Any]],
    fetch: dict[str, Any] | None = None,
    **briefing: Any,
) -> Path:
    """A config with the sample's sections, these sources and a fast fetch policy."""
    data = {
        "briefing": {"title": "Trump–Xi call and US–China trade", "timezone": "UTC", **briefing},
        "sources": source_list,
        "sections": SAMPLE["sections"],
        "classify": SAMPLE["classify"],
        "fetch": {"cache_dir": "cache", "backoff": 0.01, "retries": 0, **(fetch or {})},
    }
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def collect(
    directory: Path,
    source_list: list[dict[str, Any]],
    fetch: dict[str, Any] | None = None,
    **briefing: Any,
) -> sources.Collected:
    return sources.collect(config.load(write_config(directory, source_list, fetch, **briefing)))


def run_analysis(
    directory: Path,
    source_list: list[dict[str, Any]],
    fetch: dict[str, Any] | None = None,
    *,
    now: datetime = datetime(2025, 6, 6, 12, tzinfo=UTC),
    **briefing: Any,
) -> Analysis:
    """The pipeline up to the briefing of 6 June 2025, built at ``now`` (noon UTC)."""
    loaded = config.load(write_config(directory, source_list, fetch, **briefing))
    return analyze(loaded, on=date(2025, 6, 6), now=now)


def by_id(statuses: Sequence[SourceStatus]) -> dict[str, SourceStatus]:
    return {s.source_id: s for s in statuses}


def text_of(document: Any) -> str:
    return " ".join(line for block in extract(document).blocks for line in block.lines)


# --------------------------------------------------------------------------- fetch layer


def test_200_returns_body_type_and_counts_it(server: Loopback) -> None:
    server.route("/news/call", Reply(body=CALL_PAGE))
    fetched, counters = fetch(server.url("/news/call"))
    assert fetched.body == CALL_PAGE.encode("utf-8")
    assert fetched.content_type == "text/html; charset=utf-8"
    assert fetched.final_url == fetched.url == server.url("/news/call")
    assert not fetched.not_modified and fetched.downloaded == len(fetched.body)
    assert (counters.requests, counters.retries, counters.not_modified) == (1, 0, 0)
    assert counters.bytes == len(fetched.body) and counters.by_host == {"127.0.0.1": 1}


def test_user_agent_and_accept_encoding_are_sent(server: Loopback) -> None:
    server.route("/news/call", Reply(body=CALL_PAGE))
    fetch(server.url("/news/call"), Policy(user_agent="digest-test/9 (+loopback)", retries=0))
    [request] = server.log
    assert request.headers["user-agent"] == "digest-test/9 (+loopback)"
    assert "gzip" in request.headers["accept-encoding"]


MODIFIED = "Fri, 06 Jun 2025 08:00:00 GMT"


@pytest.mark.parametrize(
    ("etag", "modified", "asked"),
    [
        ('"v1-call"', None, {"if-none-match": '"v1-call"'}),
        (None, MODIFIED, {"if-modified-since": MODIFIED}),
    ],
    ids=["etag", "last-modified"],
)
def test_304_reuses_the_cached_body_and_downloads_nothing(
    server: Loopback, tmp_path: Path, etag: str | None, modified: str | None, asked: dict[str, str]
) -> None:
    feed = Reply(body=wire_feed(server.base), content_type=RSS_TYPE)
    server.route("/feed.xml", dataclasses.replace(feed, etag=etag, last_modified=modified))
    cache = Cache(tmp_path / "cache")
    first, _ = fetch(server.url("/feed.xml"), cache=cache)
    second, counters = fetch(server.url("/feed.xml"), cache=cache)
    assert [r.status for r in server.log] == [200, 304]
    assert asked.items() <= server.log[1].headers.items()
    assert second.not_modified and second.body == first.body
    assert second.content_type == RSS_TYPE
    assert second.downloaded == 0 and counters.bytes == 0 and counters.not_modified == 1


def test_without_validators_nothing_is_cached_and_nothing_asked_conditionally(
    server: Loopback, tmp_path: Path
) -> None:
    server.route("/news/call", Reply(body=CALL_PAGE))
    cache = Cache(tmp_path / "cache")
    fetch(server.url("/news/call"), cache=cache)
    second, _ = fetch(server.url("/news/call"), cache=cache)
    assert not second.not_modified and second.downloaded > 0
    assert not any(h.startswith("if-") for r in server.log for h in r.headers)
    assert not (tmp_path / "cache").exists()


def test_404_fails_at_once_without_retrying(server: Loopback) -> None:
    server.route("/gone", Reply(404, body="not here"))
    reason, counters = failure(server.url("/gone"), Policy(retries=2, backoff=0.01))
    assert reason == "HTTP 404 Not Found"
    assert server.paths() == ["/gone"] and counters.retries == 0


def test_500_then_200_is_retried_once_and_succeeds(server: Loopback) -> None:
    server.route("/feed.xml", Reply(500, body="oops"), Reply(body=wire_feed(server.base)))
    fetched, counters = fetch(server.url("/feed.xml"), Policy(retries=2, backoff=0.01))
    assert b"Trump and Xi hold first call" in fetched.body
    assert counters.retries == 1 and counters.requests == 2
    assert [r.status for r in server.log] == [500, 200]


def test_retries_run_out_and_the_reason_counts_the_attempts(server: Loopback) -> None:
    server.route("/busy", Reply(503, body="busy", headers={"Retry-After": "0"}))
    reason, counters = failure(server.url("/busy"), Policy(retries=2, backoff=0.01))
    assert reason.startswith("HTTP 503 Service Unavailable") and "3 attempts" in reason
    assert counters.retries == 2 and len(server.log) == 3


def test_slow_response_times_out(server: Loopback) -> None:
    server.route("/slow", Reply(body=CALL_PAGE, delay=30))
    reason, _ = failure(server.url("/slow"), Policy(timeout=0.3, retries=0))
    assert "timed out waiting for data" in reason and "0.3 s" in reason


def test_per_call_timeout_overrides_the_policy(server: Loopback) -> None:
    server.route("/slow", Reply(body=CALL_PAGE, delay=30))
    reason, _ = failure(server.url("/slow"), Policy(timeout=60, retries=0), timeout=0.3)
    assert "timed out" in reason and "0.3 s" in reason


def test_deadline_stops_a_body_that_trickles_in(server: Loopback) -> None:
    body = "x" * 40_000
    server.route("/drip", Reply(body=body, content_type="text/plain", chunk=500, trickle=0.05))
    reason, _ = failure(server.url("/drip"), Policy(timeout=5, deadline=0.5, retries=0))
    assert "no complete response within 0.5 s" in reason


def test_redirect_is_followed_to_the_final_url(server: Loopback) -> None:
    server.route("/old/call", redirect("/news/call", 301))
    server.route("/news/call", Reply(body=CALL_PAGE))
    fetched, _ = fetch(server.url("/old/call"))
    assert fetched.url == server.url("/old/call")
    assert fetched.final_url == server.url("/news/call")
    assert server.paths() == ["/old/call", "/news/call"]


def test_redirect_loop_fails_naming_redirects(server: Loopback) -> None:
    server.route("/a", redirect("/b"))
    server.route("/b", redirect("/a"))
    reason, _ = failure(server.url("/a"), Policy(max_redirects=3, retries=2, backoff=0.01))
    assert reason == "more than 3 redirects (a redirect loop?)"
    assert server.paths() == ["/a", "/b", "/a", "/b"]  # one try: a loop does not heal


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (True, "response of 10000 bytes is over the 2048 byte limit"),
        (False, "response body over the 2048 byte limit"),
    ],
)
def test_oversized_body_fails_naming_the_limit(
    server: Loopback, length: bool, expected: str
) -> None:
    server.route("/big", Reply(body="a" * 10_000, content_type="text/plain", length=length))
    reason, _ = failure(server.url("/big"), Policy(max_bytes=2048, retries=0))
    assert reason == expected


def test_the_size_limit_applies_after_gzip_decoding(server: Loopback) -> None:
    server.route("/bomb", Reply(body=" " * 500_000, content_type="text/plain", gzip=True))
    reason, _ = failure(server.url("/bomb"), Policy(max_bytes=10_000, retries=0))
    assert reason == "response body over the 10000 byte limit"


def test_gzip_body_is_decoded(server: Loopback) -> None:
    server.route("/feed.xml", Reply(body=wire_feed(server.base), content_type=RSS_TYPE, gzip=True))
    fetched, counters = fetch(server.url("/feed.xml"))
    assert fetched.body == wire_feed(server.base).encode("utf-8")
    assert 0 < counters.bytes < len(fetched.body)  # what crossed the wire: compressed


def test_broken_gzip_fails_with_a_decoding_reason(server: Loopback) -> None:
    server.route(
        "/feed.xml",
        Reply(body=b"not gzip at all", content_type=RSS_TYPE, headers={"Content-Encoding": "gzip"}),
    )
    reason, _ = failure(server.url("/feed.xml"))
    assert reason.startswith("cannot decode the gzip response body")


def test_a_body_cut_short_is_retried(server: Loopback) -> None:
    cut = Reply(body=CALL_PAGE[:200], length=False, headers={"Content-Length": "5000"})
    server.route("/news/call", cut, Reply(body=CALL_PAGE))
    fetched, counters = fetch(server.url("/news/call"), Policy(retries=1, backoff=0.01))
    assert fetched.body == CALL_PAGE.encode("utf-8") and counters.retries == 1


def test_a_redirected_page_is_revalidated_and_keeps_its_final_url(
    server: Loopback, tmp_path: Path
) -> None:
    server.route("/latest", redirect("/news/call"))
    server.route("/news/call", Reply(body=CALL_PAGE, etag='"call-1"'))
    cache = Cache(tmp_path / "cache")
    fetch(server.url("/latest"), cache=cache)
    again, counters = fetch(server.url("/latest"), cache=cache)
    assert again.not_modified and again.body == CALL_PAGE.encode("utf-8")
    assert again.final_url == server.url("/news/call") and counters.bytes == 0
    assert [(r.path, r.status) for r in server.log] == [
        ("/latest", 302),
        ("/news/call", 200),
        ("/latest", 302),
        ("/news/call", 304),
    ]


def test_connection_refused_is_retried_then_fails() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/feed.xml"
    reason, counters = failure(url, Policy(retries=1, backoff=0.01))
    assert reason.startswith("connection failed") and "2 attempts" in reason
    assert counters.retries == 1


def test_concurrency_bounds_requests_in_flight(server: Loopback) -> None:
    for n in range(6):
        server.route(f"/p/{n}", Reply(body=CALL_PAGE, delay=0.2))
    policy = Policy(concurrency=3, per_host=16, retries=0)
    results, _ = fetch_all([server.url(f"/p/{n}") for n in range(6)], policy)
    assert all(isinstance(r, Fetched) for r in results)
    assert 1 < server.max_in_flight("/p/") <= 3


def test_the_same_url_asked_twice_in_a_run_is_fetched_once(server: Loopback) -> None:
    server.route("/news/call", Reply(body=CALL_PAGE, delay=0.1))
    results, counters = fetch_all([server.url("/news/call")] * 3)
    assert all(isinstance(r, Fetched) for r in results)
    assert server.paths() == ["/news/call"] and counters.requests == 1


# --------------------------------------------------------------------------- sources


def test_feed_and_page_are_read_with_digest_user_agent(server: Loopback, tmp_path: Path) -> None:
    server.route("/feed.xml", Reply(body=wire_feed(server.base), content_type=RSS_TYPE))
    server.route("/news/rare-earths", Reply(body=RARE_PAGE))
    collected = collect(
        tmp_path,
        [
            {"kind": "feed", "id": "wire", "url": server.url("/feed.xml")},
            {"kind": "page", "id": "rare", "url": server.url("/news/rare-earths")},
        ],
    )
    assert [(s.source_id, s.status, s.documents) for s in collected.statuses] == [
        ("wire", Status.OK, 3),
        ("rare", Status.OK, 1),
    ]
    feed_docs = [d for d in collected.documents if d.source_id == "wire"]
    assert [d.title for d in feed_docs] == [
        "Trump and Xi hold first call",
        "Truce keeps tariffs lower",
        "Stocks rally on talks",
    ]
    assert feed_docs[0].url == server.url("/news/call")
    [rare] = [d for d in collected.documents if d.source_id == "rare"]
    assert rare.url == server.url("/news/rare-earths")
    assert RARE_EARTHS[1] in text_of(rare)
    agents = {r.headers["user-agent"] for r in server.log}
    assert agents == {f"digest/{version('digest')} (news briefing builder)"}


def test_per_source_headers_are_sent_to_that_source_only(server: Loopback, tmp_path: Path) -> None:
    teaser_feed = rss(item(f"{server.base}/news/call", "Trump and Xi hold first call", TEASER))
    server.route("/members/feed.xml", Reply(body=teaser_feed, content_type=RSS_TYPE))
    server.route("/news/call", Reply(body=CALL_PAGE))
    server.route("/news/rare-earths", Reply(body=RARE_PAGE))
    collect(
        tmp_path,
        [
            {
                "kind": "feed",
                "id": "members",
                "url": server.url("/members/feed.xml"),
                "full_text": True,
                "headers": {"Authorization": "Bearer s3cret", "X-Edition": "asia"},
            },
            {"kind": "page", "id": "rare", "url": server.url("/news/rare-earths")},
        ],
        {"user_agent": "newsroom-bot/{version}"},
    )
    for path in ("/members/feed.xml", "/news/call"):  # the feed and its teaser's page
        [request] = server.requests(path)
        assert request.headers["authorization"] == "Bearer s3cret"
        assert request.headers["x-edition"] == "asia"
    [other] = server.requests("/news/rare-earths")
    assert "authorization" not in other.headers and "x-edition" not in other.headers
    assert {r.headers["user-agent"] for r in server.log} == {f"newsroom-bot/{version('digest')}"}


def test_second_run_is_not_modified_and_downloads_no_body(server: Loopback, tmp_path: Path) -> None:
    server.route(
        "/feed.xml", Reply(body=wire_feed(server.base), content_type=RSS_TYPE, etag='"feed-v1"')
    )
    server.route(
        "/news/rare-earths",
        Reply(body=RARE_PAGE, last_modified="Fri, 06 Jun 2025 07:30:00 GMT"),
    )
    source_list = [
        {"kind": "feed", "id": "wire", "url": server.url("/feed.xml")},
        {"kind": "page", "id": "rare", "url": server.url("/news/rare-earths")},
    ]
    first = collect(tmp_path, source_list)
    second = collect(tmp_path, source_list)
    assert [s.status for s in first.statuses] == [Status.OK, Status.OK]
    assert [(s.status, s.documents) for s in second.statuses] == [
        (Status.NOT_MODIFIED, 3),
        (Status.NOT_MODIFIED, 1),
    ]
    assert [d.body for d in second.documents] == [d.body for d in first.documents]
    assert first.fetched.bytes > 0
    assert second.fetched.bytes == 0 and second.fetched.not_modified == 2
    assert [r.status for r in server.log[2:]] == [304, 304]


def test_second_run_with_new_content_downloads_again(server: Loopback, tmp_path: Path) -> None:
    newer = rss(item(f"{server.base}/news/rare", "Rare earth deal", " ".join(RARE_EARTHS)))
    server.route(
        "/feed.xml",
        Reply(body=wire_feed(server.base), content_type=RSS_TYPE, etag='"feed-v1"'),
        Reply(body=newer, content_type=RSS_TYPE, etag='"feed-v2"'),
    )
    source_list = [{"kind": "feed", "id": "wire", "url": server.url("/feed.xml")}]
    collect(tmp_path, source_list)
    second = collect(tmp_path, source_list)
    [status] = second.statuses
    assert (status.status, status.documents) == (Status.OK, 1)
    assert [d.title for d in second.documents] == ["Rare earth deal"]
    assert server.log[1].headers["if-none-match"] == '"feed-v1"'


def test_a_damaged_cache_entry_is_not_revalidated_and_heals(
    server: Loopback, tmp_path: Path
) -> None:
    server.route(
        "/feed.xml", Reply(body=wire_feed(server.base), content_type=RSS_TYPE, etag='"feed-v1"')
    )
    source_list = [{"kind": "feed", "id": "wire", "url": server.url("/feed.xml")}]
    collect(tmp_path, source_list)
    [body_file] = (tmp_path / "cache").rglob("*.body")
    body_file.write_bytes(body_file.read_bytes()[:100])  # a truncated, damaged copy
    [second] = collect(tmp_path, source_list).statuses
    [third] = collect(tmp_path, source_list).statuses
    assert (second.status, second.documents) == (Status.OK, 3)
    assert (third.status, third.documents) == (Status.NOT_MODIFIED, 3)
    assert "if-none-match" not in server.log[1].headers  # asked afresh, not conditionally
    assert [r.status for r in server.log] == [200, 200, 304]


def test_an_unusable_304_forgets_the_entry_and_asks_again(server: Loopback, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    server.route("/feed.xml", Reply(body=wire_feed(server.base), etag='"feed-v1"'))
    fetch(server.url("/feed.xml"), cache=cache)
    [body_file] = (tmp_path / "cache").rglob("*.body")
    body_file.write_bytes(b"damaged")
    # a server (or a cache going bad mid-run) answering 304 to a plain request
    server.route("/feed.xml", Reply(304), Reply(body=wire_feed(server.base), etag='"feed-v1"'))
    fetched, counters = fetch(server.url("/feed.xml"), Policy(retries=1, backoff=0.01), cache)
    assert not fetched.not_modified and fetched.body == wire_feed(server.base).encode("utf-8")
    assert counters.retries == 1 and [r.status for r in server.log] == [200, 304, 200]
    assert cache.load(server.url("/feed.xml")) is not None  # stored afresh


PNG_PAGE = Reply(body=PNG, content_type="image/png")
HTML_AS_FEED = Reply(body=CALL_PAGE)
JSON_NOT_FEED = Reply(body='{"tariff": 30}', content_type="application/json")
NOT_FOUND = Reply(404, body="<h1>Not found</h1>")
BIG = Reply(body="<p>" + "tariffs " * 1000 + "</p>")
LOOP = redirect("/x")


@pytest.mark.parametrize(
    ("kind", "reply", "expected"),
    [
        ("page", NOT_FOUND, "HTTP 404 Not Found"),
        ("page", PNG_PAGE, "not a web page: content type image/png"),
        ("feed", HTML_AS_FEED, "not a feed (text/html)"),
        ("feed", JSON_NOT_FEED, "not a feed: JSON without a jsonfeed.org version"),
        ("page", LOOP, "more than 5 redirects"),
        ("page", BIG, "over the 2048 byte limit"),
    ],
    ids=["404", "png-page", "html-feed", "json-not-feed", "redirect-loop", "oversized"],
)
def test_a_failure_fails_only_its_source_with_the_reason(
    server: Loopback, tmp_path: Path, kind: str, reply: Reply, expected: str
) -> None:
    server.route("/x", reply)
    server.route("/news/rare-earths", Reply(body=RARE_PAGE))
    collected = collect(
        tmp_path,
        [
            {"kind": kind, "id": "bad", "url": server.url("/x")},
            {"kind": "page", "id": "good", "url": server.url("/news/rare-earths")},
        ],
        {"max_bytes": 2048},
    )
    statuses = by_id(collected.statuses)
    assert statuses["bad"].status is Status.FAILED and statuses["bad"].documents == 0
    assert expected in (statuses["bad"].reason or "")
    assert statuses["good"].status is Status.OK
    assert {d.source_id for d in collected.documents} == {"good"}


def test_source_timeout_fails_the_source_saying_it_timed_out(
    server: Loopback, tmp_path: Path
) -> None:
    server.route("/slow", Reply(body=RARE_PAGE, delay=30))
    collected = collect(
        tmp_path,
        [{"kind": "page", "id": "slow", "url": server.url("/slow"), "timeout": 0.3}],
        {"timeout": 60},
    )
    [status] = collected.statuses
    assert status.status is Status.FAILED
    assert "timed out waiting for data (after 0.3 s)" in (status.reason or "")


def test_gzip_feed_yields_entries(server: Loopback, tmp_path: Path) -> None:
    server.route("/feed.xml", Reply(body=wire_feed(server.base), content_type=RSS_TYPE, gzip=True))
    collected = collect(tmp_path, [{"kind": "feed", "id": "wire", "url": server.url("/feed.xml")}])
    [status] = collected.statuses
    assert (status.status, status.documents) == (Status.OK, 3)
    assert CALL[1] in text_of(collected.documents[0])


def test_max_entries_and_an_empty_feed_are_reported(server: Loopback, tmp_path: Path) -> None:
    server.route("/feed.xml", Reply(body=wire_feed(server.base), content_type=RSS_TYPE))
    server.route("/quiet.xml", Reply(body=rss(), content_type=RSS_TYPE))
    collected = collect(
        tmp_path,
        [
            {"kind": "feed", "id": "wire", "url": server.url("/feed.xml"), "max_entries": 2},
            {"kind": "feed", "id": "quiet", "url": server.url("/quiet.xml")},
        ],
    )
    wire, quiet = collected.statuses
    assert (wire.status, wire.documents) == (Status.OK, 2)
    assert wire.reason == "1 entries over max_entries skipped"
    assert (quiet.status, quiet.documents, quiet.reason) == (
        Status.EMPTY,
        0,
        "no readable documents",
    )


def test_malformed_feed_with_readable_entries_is_used_and_says_so(
    server: Loopback, tmp_path: Path
) -> None:
    broken = rss(
        item(f"{server.base}/news/tariffs", "Tariffs & trade after the call", " ".join(TARIFFS)),
        item(f"{server.base}/news/rare", "Rare earths", " ".join(RARE_EARTHS)),
    )
    server.route("/feed.xml", Reply(body=broken, content_type=RSS_TYPE))
    collected = collect(tmp_path, [{"kind": "feed", "id": "wire", "url": server.url("/feed.xml")}])
    [status] = collected.statuses
    assert (status.status, status.documents) == (Status.OK, 2)
    assert "malformed feed" in (status.reason or "") and "2 entries recovered" in (
        status.reason or ""
    )


def test_atom_feed_entries_are_documents(server: Loopback, tmp_path: Path) -> None:
    server.route("/atom.xml", Reply(body=atom(server.base), content_type=ATOM_TYPE))
    collected = collect(tmp_path, [{"kind": "feed", "id": "desk", "url": server.url("/atom.xml")}])
    assert [(d.title, d.url) for d in collected.documents] == [
        ("Rare earth exports to resume", server.url("/atom/rare-earths")),
        ("Markets cheer the call", server.url("/atom/markets")),
    ]
    assert RARE_EARTHS[2] in text_of(collected.documents[0])
    assert collected.documents[0].published == datetime(2025, 6, 6, 9, tzinfo=UTC)


def test_json_feed_entries_are_documents(server: Loopback, tmp_path: Path) -> None:
    server.route(
        "/feed.json", Reply(body=json_feed(server.base), content_type="application/feed+json")
    )
    collected = collect(
        tmp_path, [{"kind": "feed", "id": "brief", "url": server.url("/feed.json")}]
    )
    [status] = collected.statuses
    assert (status.status, status.documents, status.reason) == (Status.OK, 2, None)
    assert [(d.title, d.url, d.published) for d in collected.documents] == [
        ("Trump and Xi talk trade", server.url("/json/call"), datetime(2025, 6, 6, 8, tzinfo=UTC)),
        (
            "What the truce means for tariffs",
            server.url("/json/tariffs"),
            datetime(2025, 6, 6, 7, tzinfo=UTC),
        ),
    ]
    assert CALL[2] in text_of(collected.documents[0])
    assert TARIFFS[1] in text_of(collected.documents[1])


def test_per_host_bounds_requests_in_flight(server: Loopback, tmp_path: Path) -> None:
    for n in range(6):
        server.route(f"/pages/{n}", Reply(body=page(f"Report {n}", RARE_EARTHS[n % 3]), delay=0.2))
    collected = collect(
        tmp_path,
        [{"kind": "page", "id": f"p{n}", "url": server.url(f"/pages/{n}")} for n in range(6)],
        {"per_host": 2, "concurrency": 8},
    )
    assert all(s.status is Status.OK for s in collected.statuses)
    assert len(server.paths("/pages/")) == 6
    assert 1 < server.max_in_flight("/pages/") <= 2


def test_full_text_swaps_a_teaser_for_the_linked_article(server: Loopback, tmp_path: Path) -> None:
    long_entry = " ".join((*TARIFFS, *RARE_EARTHS, *MARKETS) * 4)  # over 150 words: no page
    server.route(
        "/feed.xml",
        Reply(
            body=rss(
                item(f"{server.base}/news/call?utm_source=rss", "Trump and Xi talk", TEASER),
                item(f"{server.base}/news/long", "The long read", long_entry),
            ),
            content_type=RSS_TYPE,
        ),
    )
    server.route("/news/call", Reply(body=CALL_PAGE))
    server.route("/news/long", Reply(body=RARE_PAGE))
    collected = collect(
        tmp_path,
        [{"kind": "feed", "id": "wire", "url": server.url("/feed.xml"), "full_text": True}],
    )
    [status] = collected.statuses
    assert (status.status, status.documents, status.reason) == (Status.OK, 2, None)
    teaser, _ = collected.documents
    assert teaser.location == server.url("/news/call") and teaser.media_type.startswith("text/html")
    assert teaser.title == "Trump and Xi talk"
    text = text_of(teaser)
    assert CALL[1] in text and TARIFFS[0] in text
    assert "All rights reserved" not in text  # the page's chrome is not the article
    assert "/news/long" not in server.paths()  # a full entry needs no page
    assert server.paths() == ["/feed.xml", "/news/call"]  # fetched without utm_source


def test_full_text_page_linked_by_two_feeds_is_fetched_once(
    server: Loopback, tmp_path: Path
) -> None:
    teaser = item(f"{server.base}/news/call", "Trump and Xi talk", TEASER)
    server.route("/a.xml", Reply(body=rss(teaser), content_type=RSS_TYPE))
    server.route("/b.xml", Reply(body=rss(teaser, title="Other Wire"), content_type=RSS_TYPE))
    server.route("/news/call", Reply(body=CALL_PAGE, delay=0.1))
    analysis = run_analysis(
        tmp_path,
        [
            {"kind": "feed", "id": "a", "url": server.url("/a.xml"), "full_text": True},
            {"kind": "feed", "id": "b", "url": server.url("/b.xml"), "full_text": True},
        ],
    )
    assert server.paths("/news/") == ["/news/call"]
    statuses = by_id(analysis.statuses)
    assert (statuses["a"].documents, statuses["b"].documents) == (1, 0)
    assert statuses["b"].reason == "1 repeated article(s) already read from a"


def test_full_text_keeps_the_teaser_when_the_page_fails(server: Loopback, tmp_path: Path) -> None:
    server.route(
        "/feed.xml",
        Reply(
            body=rss(item(f"{server.base}/news/gone", "Trump and Xi talk", TEASER)),
            content_type=RSS_TYPE,
        ),
    )
    collected = collect(
        tmp_path,
        [{"kind": "feed", "id": "wire", "url": server.url("/feed.xml"), "full_text": True}],
    )
    [status] = collected.statuses
    assert (status.status, status.documents) == (Status.OK, 1)
    assert "1 teaser(s) kept, page not fetched" in (status.reason or "")
    assert "HTTP 404" in (status.reason or "")
    assert TEASER in text_of(collected.documents[0])


def test_full_text_fetches_no_page_for_an_entry_outside_the_window(
    server: Loopback, tmp_path: Path
) -> None:
    server.route(
        "/feed.xml",
        Reply(
            body=rss(
                item(
                    f"{server.base}/news/call",
                    "Trump and Xi talk",
                    TEASER,
                    "Fri, 06 Jun 2025 08:00:00 GMT",
                ),
                item(
                    f"{server.base}/news/old",
                    "Geneva truce agreed",
                    "Tariffs cut for 90 days.",
                    "Mon, 12 May 2025 08:00:00 GMT",
                ),
            ),
            content_type=RSS_TYPE,
        ),
    )
    server.route("/news/call", Reply(body=CALL_PAGE))
    server.route("/news/old", Reply(body=page("Geneva truce", *TARIFFS)))
    analysis = run_analysis(
        tmp_path,
        [{"kind": "feed", "id": "wire", "url": server.url("/feed.xml"), "full_text": True}],
        window="36h",
    )
    assert server.paths() == ["/feed.xml", "/news/call"]
    [status] = analysis.statuses
    assert status.documents == 1 and "1 outside the 36-hour window" in (status.reason or "")


def _same_article_sources(server: Loopback, case: str) -> list[dict[str, Any]]:
    call = server.url("/news/call")
    feed = rss(item(call, "Trump and Xi hold first call", " ".join(CALL)))
    server.route("/a.xml", Reply(body=feed, content_type=RSS_TYPE))
    server.route(
        "/b.xml", Reply(body=feed.replace("Trade Wire", "Other Wire"), content_type=RSS_TYPE)
    )
    server.route("/news/call", Reply(body=CALL_PAGE))
    server.route("/mirror/call", Reply(body=CALL_PAGE))
    a, b = {"id": "a"}, {"id": "b"}
    if case == "two feeds":
        return [
            {**a, "kind": "feed", "url": server.url("/a.xml")},
            {**b, "kind": "feed", "url": server.url("/b.xml")},
        ]
    if case == "feed and page":
        return [
            {**a, "kind": "page", "url": call},
            {**b, "kind": "feed", "url": server.url("/a.xml")},
        ]
    if case == "tracking parameter":
        return [
            {**a, "kind": "page", "url": call},
            {**b, "kind": "page", "url": call + "?utm_source=x&utm_medium=social"},
        ]
    assert case == "same text, two urls"
    return [
        {**a, "kind": "page", "url": call},
        {**b, "kind": "page", "url": server.url("/mirror/call")},
    ]


@pytest.mark.parametrize(
    "case", ["two feeds", "feed and page", "tracking parameter", "same text, two urls"]
)
def test_the_same_article_twice_is_one_document(
    server: Loopback, tmp_path: Path, case: str
) -> None:
    analysis = run_analysis(tmp_path, _same_article_sources(server, case))
    statuses = by_id(analysis.statuses)
    assert (statuses["a"].documents, statuses["b"].documents) == (1, 0)
    assert statuses["a"].reason is None
    assert statuses["b"].status is Status.EMPTY
    assert statuses["b"].reason == "1 repeated article(s) already read from a"
    if case == "tracking parameter":
        # both pages were asked for (concurrently, so in either order)
        assert sorted(server.paths()) == ["/news/call", "/news/call?utm_source=x&utm_medium=social"]
    # the article is cited once, by a: no fake corroboration from its copy
    items = list(analysis.briefing.shown_items)
    assert items and all({c.source_id for c in i.citations} == {"a"} for i in items)


WINDOW_FEED = (
    item(
        "https://tradewire.example/call",
        "Trump and Xi hold first call",
        " ".join(CALL),
        "Fri, 06 Jun 2025 08:00:00 GMT",
    ),
    item(
        "https://tradewire.example/geneva",
        "Geneva truce agreed",
        " ".join(TARIFFS),
        "Mon, 12 May 2025 08:00:00 GMT",
    ),
    item("https://tradewire.example/rare", "Rare earths", " ".join(RARE_EARTHS)),
)


@pytest.mark.parametrize(
    ("undated", "documents", "note"),
    [(None, 2, "1 undated, kept"), ("drop", 1, "1 undated, dropped")],
)
def test_window_drops_old_entries_and_counts_them(
    server: Loopback, tmp_path: Path, undated: str | None, documents: int, note: str
) -> None:
    server.route("/feed.xml", Reply(body=rss(*WINDOW_FEED), content_type=RSS_TYPE))
    briefing: dict[str, Any] = {"window": "36h"} | ({"undated": undated} if undated else {})
    analysis = run_analysis(
        tmp_path, [{"kind": "feed", "id": "wire", "url": server.url("/feed.xml")}], **briefing
    )
    [status] = analysis.statuses
    assert (status.status, status.documents) == (Status.OK, documents)
    assert status.reason == f"1 outside the 36-hour window; {note}"
    texts = " ".join(i.text for i in analysis.briefing.shown_items)
    assert "Geneva truce cut" not in texts
    assert ("rare earth" in texts) is (undated is None)


def test_window_reads_a_page_date_from_its_metadata(server: Loopback, tmp_path: Path) -> None:
    server.route(
        "/new", Reply(body=page("Rare earths", *RARE_EARTHS, published="2025-06-06T08:00:00Z"))
    )
    server.route(
        "/old", Reply(body=page("Geneva truce", *TARIFFS, published="2025-05-12T08:00:00Z"))
    )
    analysis = run_analysis(
        tmp_path,
        [
            {"kind": "page", "id": "new", "url": server.url("/new")},
            {"kind": "page", "id": "old", "url": server.url("/old")},
        ],
        window="36h",
    )
    statuses = by_id(analysis.statuses)
    assert (statuses["new"].status, statuses["new"].documents) == (Status.OK, 1)
    assert (statuses["old"].status, statuses["old"].documents) == (Status.EMPTY, 0)
    assert statuses["old"].reason == "1 outside the 36-hour window"


def test_window_keeps_a_page_published_after_the_window_opened(
    server: Loopback, tmp_path: Path
) -> None:
    server.route(
        "/p", Reply(body=page("Rare earths", *RARE_EARTHS, published="2025-06-05T10:00:00Z"))
    )
    analysis = run_analysis(
        tmp_path,
        [{"kind": "page", "id": "p", "url": server.url("/p")}],
        now=datetime(2025, 6, 6, 20, tzinfo=UTC),  # a 36-hour window opens 5 June, 08:00
        window="36h",
    )
    [status] = analysis.statuses
    assert (status.status, status.documents, status.reason) == (Status.OK, 1, None)


# --------------------------------------------------------------------------- command line


def cli_project(server: Loopback, tmp_path: Path, *, good: bool = True) -> Path:
    server.route("/feed.xml", Reply(body=wire_feed(server.base), content_type=RSS_TYPE))
    server.route("/news/rare-earths", Reply(body=RARE_PAGE))
    source_list: list[dict[str, Any]] = [
        {"kind": "feed", "id": "wire", "name": "Trade Wire", "url": server.url("/feed.xml")},
        {
            "kind": "page",
            "id": "rare",
            "name": "Rare earths report",
            "url": server.url("/news/rare-earths"),
        },
        {
            "kind": "page",
            "id": "missing",
            "name": "Missing page",
            "url": server.url("/news/missing"),
        },
    ]
    if not good:
        source_list = [
            {"kind": "page", "id": "missing", "url": server.url("/news/missing")},
            {"kind": "feed", "id": "html_feed", "url": server.url("/news/rare-earths")},
        ]
    return write_config(tmp_path, source_list)


def build(config_path: Path, out: Path, *extra: str) -> Result:
    args = ["build", "-c", str(config_path), "-o", str(out), "-f", "md,json"]
    return CliRunner().invoke(main, [*args, "--date", "2025-06-06", *extra])


def test_cli_builds_and_reports_the_failed_source(server: Loopback, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = build(cli_project(server, tmp_path), out)
    assert result.exit_code == 0, result.output
    missing = server.url("/news/missing")
    assert f"warning: source missing ({missing}) failed: HTTP 404 Not Found" in result.stderr
    md = (out / "briefing-2025-06-06.md").read_text(encoding="utf-8")
    assert "**1 of 3 sources could not be read:**" in md
    table = md[md.index("## Source status") :]
    assert "| 3 | Missing page | page | **failed** | 0 | HTTP 404 Not Found |" in table
    assert "| 1 | Trade Wire | feed | ok | 3 |" in table
    assert "| 2 | Rare earths report | page | ok | 1 |" in table
    assert "neodymium magnets ran low" in md and "Truth Social" in md  # page and feed text
    data = json.loads((out / "briefing-2025-06-06.json").read_text(encoding="utf-8"))
    status = {s["id"]: (s["status"], s["reason"]) for s in data["sources"]}
    assert status == {
        "wire": ("ok", None),
        "rare": ("ok", None),
        "missing": ("failed", "HTTP 404 Not Found"),
    }


def test_cli_every_source_failed_exits_3_and_writes_nothing(
    server: Loopback, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = build(cli_project(server, tmp_path, good=False), out)
    assert result.exit_code == 3, result.output
    assert "error: every source failed; nothing written" in result.stderr
    assert "missing: HTTP 404 Not Found" in result.stderr
    assert "html_feed: not a feed (text/html)" in result.stderr
    assert not out.exists()


def test_cli_strict_with_a_failed_source_exits_4_and_still_writes(
    server: Loopback, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = build(cli_project(server, tmp_path), out, "--strict")
    assert result.exit_code == 4, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "briefing-2025-06-06.json",
        "briefing-2025-06-06.md",
    ]
    assert result.stdout == ""  # off a terminal only warnings and errors, on stderr


# --------------------------------------------------------------------------- issue 13 (1, 18)


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize("coding", ["br", "zstd", "gzip, br", "compress"])
def test_codings_digest_did_not_ask_for_are_refused_without_decoding(
    server: Loopback, coding: str
) -> None:
    """A 3.4 KB brotli bomb took 6.2 GB: httpx decoded it a whole chunk at a time."""
    server.route(
        "/feed.xml",
        Reply(body=b"\x8b\x00" * 2000, content_type=RSS_TYPE, headers={"Content-Encoding": coding}),
    )
    reason, _ = failure(server.url("/feed.xml"))
    assert "did not ask for and does not decode" in reason


def test_stacked_gzip_is_decoded_in_turn(server: Loopback) -> None:
    body = wire_feed(server.base).encode("utf-8")
    twice = gzip_module.compress(gzip_module.compress(body))
    server.route(
        "/feed.xml",
        Reply(body=twice, content_type=RSS_TYPE, headers={"Content-Encoding": "gzip, gzip"}),
    )
    fetched, _ = fetch(server.url("/feed.xml"))
    assert fetched.body == body


def test_a_stacked_gzip_bomb_stops_at_the_cap(server: Loopback) -> None:
    bomb = gzip_module.compress(gzip_module.compress(b"\0" * 50_000_000))  # ~50 KB on the wire
    server.route(
        "/bomb",
        Reply(body=bomb, content_type="text/plain", headers={"Content-Encoding": "gzip, gzip"}),
    )
    reason, _ = failure(server.url("/bomb"), Policy(max_bytes=100_000, retries=0))
    assert reason == "response body over the 100000 byte limit"


@pytest.mark.parametrize("wrap", [zlib.compress, _raw_deflate], ids=["zlib", "raw"])
def test_deflate_with_or_without_its_zlib_header(server: Loopback, wrap: Any) -> None:
    body = wire_feed(server.base).encode("utf-8")
    server.route(
        "/feed.xml",
        Reply(body=wrap(body), content_type=RSS_TYPE, headers={"Content-Encoding": "deflate"}),
    )
    fetched, _ = fetch(server.url("/feed.xml"))
    assert fetched.body == body


# --------------------------------------------------------------------------- issue 13 (4)


def test_the_run_wide_fetch_budget_keeps_teasers_and_fails_what_is_unfinished(
    server: Loopback, tmp_path: Path
) -> None:
    """40 teasers whose pages stall took 121 s with 3 s timeouts. With a 1 s budget the
    teasers stay teasers, a stalled page source fails with the budget as its reason and
    a quick source is read as usual."""
    teasers = [item(f"{server.base}/news/{i}", f"Story {i}", TEASER) for i in range(40)]
    server.route("/feed.xml", Reply(body=rss(*teasers), content_type=RSS_TYPE))
    for i in range(40):
        server.route(f"/news/{i}", Reply(body=CALL_PAGE, delay=2.5))
    server.route("/stalled", Reply(body=CALL_PAGE, delay=2.5))
    server.route("/quick.xml", Reply(body=wire_feed(server.base), content_type=RSS_TYPE))
    collected = collect(
        tmp_path,
        [
            {"kind": "feed", "id": "quick", "url": server.url("/quick.xml")},
            {"kind": "feed", "id": "wire", "url": server.url("/feed.xml"), "full_text": True},
            {"kind": "page", "id": "stalled", "url": server.url("/stalled")},
        ],
        fetch={"budget": 1, "timeout": 3, "per_host": 8, "concurrency": 8},
    )
    status = by_id(collected.statuses)
    assert status["quick"].status is Status.OK and status["quick"].documents > 0
    assert status["wire"].status is Status.OK and status["wire"].documents == 40
    assert "40 teaser(s) kept" in (status["wire"].reason or "")
    assert "fetch budget of 1 s ran out" in (status["wire"].reason or "")
    assert status["stalled"].status is Status.FAILED
    assert "fetch budget of 1 s ran out" in (status["stalled"].reason or "")
