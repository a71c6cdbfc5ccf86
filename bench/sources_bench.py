"""Benchmark: the source stage over HTTP, a 1,000-entry feed and 200 pages on loopback.

    .venv/bin/python bench/sources_bench.py [--runs N] [--entries N] [--pages N]
        [--per-host default 8 ...] [--delay MS] [--tracemalloc]

A server in its own process (its CPU is not the measured one's) serves real articles from
../shared/data on 127.0.0.1: an RSS feed of BBC articles (full text as description, dates over
the last day) and the pages: the 88 pages-dev news pages, then BBC articles not in the feed
wrapped as plain HTML pages. It gzips, sends ETag and Last-Modified, answers conditional
requests with 304 and counts requests, connections and body bytes; --delay adds latency per
request, as a distant server has. Each run is a fresh process timing `sources.collect` cold
(empty cache), then warm (same cache: all 304, no body bytes); the extract stage is timed apart,
after the peak memory is read. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import itertools
import json
import multiprocessing
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
MODIFIED = "Mon, 06 Jan 2025 08:00:00 GMT"
Resource = tuple[str, bytes, bytes, str]  # etag, body, gzipped body, content type
COLUMNS = [  # header, result key, format: medians over the runs
    ("wall s", "wall", ".3f"), ("peak RSS MiB", "rss", ".1f"), ("RSS before", "rss0", ".1f"),
    ("docs", "docs", ".0f"), ("requests", "requests", ".0f"), ("304s", "304", ".0f"),
    ("connections", "connections", ".0f"), ("server body KiB", "body KiB", ".1f"),
    ("digest read KiB", "KiB", ".1f"), ("extract s", "extract", ".3f"),
]  # fmt: skip


def bbc_articles() -> list[tuple[str, str, list[str]]]:
    """(name, title, paragraphs) of every BBC article, the five topics interleaved."""
    topics = [sorted(t.glob("*.txt")) for t in sorted((DATA / "bbc").iterdir()) if t.is_dir()]
    articles = []
    for path in itertools.chain.from_iterable(itertools.zip_longest(*topics)):
        if path is not None:
            text = path.read_bytes().decode("utf-8", "replace")
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            articles.append((f"{path.parent.name}-{path.stem}", lines[0], lines[1:]))
    return articles


def wrap(title: str, paragraphs: list[str]) -> tuple[bytes, str]:
    """A BBC article as a plain news page: menu, article, footer."""
    title, body = html.escape(title), "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title} - News</title></head>"
        "<body><nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/business'>Business"
        f"</a></nav><article><h1>{title}</h1>\n{body}</article><footer>Copyright BBC. "
        "<a href='/terms'>Terms of use</a></footer></body></html>"
    )
    return page.encode(), "text/html; charset=utf-8"


def build_site(base: str, entries: int, pages: int) -> tuple[dict[str, Resource], list[str]]:
    """Every resource the server answers, by path; and the paths of the page sources."""
    articles = bbc_articles()
    dev = sorted((DATA / "pages-dev" / "html").glob("*.html.gz"))[:pages]
    if entries + pages - len(dev) > len(articles):
        sys.exit(f"only {len(articles)} BBC articles: lower --entries or --pages")
    raw: dict[str, tuple[bytes, str]] = {}
    now, items = datetime.now(UTC), []
    for i, (name, title, paragraphs) in enumerate(articles[:entries]):
        link = f"{base}/bbc/{name}.html"
        raw[f"/bbc/{name}.html"] = wrap(title, paragraphs)
        when = format_datetime(now - timedelta(seconds=i * 86400 / entries), usegmt=True)
        text = escape("".join(f"<p>{html.escape(p)}</p>" for p in paragraphs))
        items.append(
            f"<item><title>{escape(title)}</title><link>{link}</link><guid>{link}</guid>"
            f"<pubDate>{when}</pubDate><description>{text}</description></item>\n"
        )
    feed = (
        f"<?xml version='1.0' encoding='utf-8'?>\n<rss version='2.0'><channel><title>BBC</title>"
        f"<link>{base}/</link><description>Bench</description>\n{''.join(items)}</channel></rss>"
    )
    raw["/feed.xml"] = (feed.encode(), "application/rss+xml; charset=utf-8")
    paths = [f"/dev/{path.name.removesuffix('.gz')}" for path in dev]
    for key, path in zip(paths, dev, strict=True):
        raw[key] = (gzip.decompress(path.read_bytes()), "text/html")  # charset: in the page
    for name, title, paragraphs in articles[entries : entries + pages - len(dev)]:
        paths.append(f"/bbc/{name}.html")
        raw[paths[-1]] = wrap(title, paragraphs)
    site = {
        key: (f'"{hashlib.sha256(body).hexdigest()[:20]}"', body, gzip.compress(body, 6), kind)
        for key, (body, kind) in raw.items()
    }
    return site, paths


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers
    disable_nagle_algorithm = True  # as nginx's tcp_nodelay: no 40 ms delayed-ACK stalls
    site: ClassVar[dict[str, Resource]] = {}
    delay = 0.0
    stats: ClassVar[Counter[str]] = Counter()
    lock = threading.Lock()

    def setup(self) -> None:
        super().setup()
        self._count(connections=1)

    def do_GET(self) -> None:
        if self.path in ("/_stats", "/_reset"):  # the bench's own calls, not counted
            with self.lock:
                self.stats["connections"] -= 1
                answer = json.dumps(self.stats).encode()
                if self.path == "/_reset":
                    self.stats.clear()
            self._send(200, answer, {"Content-Type": "application/json"})
            return
        time.sleep(self.delay)
        if (found := self.site.get(self.path)) is None:
            return self._count(requests=1, not_found=self._send(404, b"not found", {}))
        etag, body, zipped, kind = found
        validators = {"ETag": f"W/{etag}", "Last-Modified": MODIFIED}
        if (match := self.headers.get("If-None-Match")) is not None:  # it wins over the date
            fresh = etag in match or match.strip() == "*"
        else:
            fresh = self.headers.get("If-Modified-Since") == MODIFIED
        if fresh:
            return self._count(requests=1, not_modified=1, body=self._send(304, b"", validators))
        headers = {**validators, "Content-Type": kind}
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            body, headers["Content-Encoding"] = zipped, "gzip"
        self._count(requests=1, body=self._send(200, body, headers))

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> int:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return len(body)

    def _count(self, **counts: int) -> None:
        with self.lock:
            self.stats.update(counts)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server(ThreadingHTTPServer):
    request_queue_size = 511  # as nginx: the default 5 drops SYNs, a 1 s stall per burst
    daemon_threads = True


def child(config_path: str, trace: bool) -> None:
    """One measured process: collect, then (apart) extract; prints JSON."""
    import tracemalloc

    import feedparser  # noqa: F401  (before the clock: 0.1 s a long-lived process pays once)

    from digest import config, sources
    from digest.models import Status

    loaded = config.load(config_path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    collected = sources.collect(loaded)
    wall = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1] if trace else 0
    tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    from digest.build import _extract  # after the peak: the source stage does not import it

    start = time.perf_counter()
    _extract(collected)
    counts = collected.fetched
    result = {
        "wall": wall, "rss": peak / 1024, "rss0": before / 1024, "traced": traced / 2**20,
        "docs": len(collected.documents), "extract": time.perf_counter() - start,
        "requests": counts.requests, "304": counts.not_modified, "KiB": counts.bytes / 1024,
        "failed": [s.reason for s in collected.statuses if s.status is Status.FAILED],
    }  # fmt: skip
    print(json.dumps(result))


def measure(config_path: Path, base: str, trace: bool) -> dict[str, Any]:
    urllib.request.urlopen(f"{base}/_reset").close()
    cmd = [sys.executable, __file__, "--child", str(config_path)] + ["--trace"] * trace
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"the measured process failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    if result["failed"]:
        sys.exit(f"{len(result['failed'])} sources failed, e.g. {result['failed'][0]}")
    with urllib.request.urlopen(f"{base}/_stats") as response:
        server = json.loads(response.read())
    return {**result, "server": server, "connections": server["connections"],
            "body KiB": server.get("body", 0) / 1024}  # fmt: skip


def run(args: argparse.Namespace, base: str, pages: list[str], per_host: str) -> None:
    feed = {"kind": "feed", "id": "feed", "url": f"{base}/feed.xml", "max_entries": args.entries}
    config: dict[str, Any] = {
        "briefing": {"title": "Sources benchmark"},
        "sources": [feed] + [{"kind": "page", "url": base + path} for path in pages],
        "sections": [{"id": "news", "title": "News", "keywords": ["news"]}],
        "fetch": {} if per_host == "default" else {"per_host": int(per_host)},
    }
    runs: dict[str, list[dict[str, Any]]] = {"cold": [], "warm": []}
    for number in range(args.runs + args.tracemalloc):
        traced = number == args.runs  # the extra, traced run is not in the table
        with tempfile.TemporaryDirectory() as tmp:
            config["fetch"]["cache_dir"] = f"{tmp}/cache"
            path = Path(tmp, "config.yaml")
            path.write_text(json.dumps(config, indent=1), encoding="utf-8")  # JSON is YAML
            for cache, results in runs.items():
                result = measure(path, base, traced)
                if traced:
                    print(f"  {per_host} {cache}: tracemalloc peak {result['traced']:.1f} MiB")
                else:
                    results.append(result)
    for cache, results in runs.items():
        cells = [f"{statistics.median(r[key] for r in results):{fmt}}" for _, key, fmt in COLUMNS]
        print(
            f"{per_host:<9}{cache:<6}"
            + "".join(f"{c:>{len(h) + 2}}" for c, (h, *_) in zip(cells, COLUMNS, strict=True))
        )
    for result in runs["warm"]:  # all 304: nothing downloaded, both sides agree
        assert result["304"] == result["requests"] == result["server"].get("not_modified"), result
        assert result["KiB"] == result["body KiB"] == 0, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--per-host", nargs="+", default=["default", "8"])
    parser.add_argument("--delay", type=float, default=0.0, help="server latency, ms/request")
    parser.add_argument("--tracemalloc", action="store_true", help="one more run, traced")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.trace)
    if not (DATA / "bbc").is_dir() or not (DATA / "pages-dev" / "html").is_dir():
        sys.exit(f"{DATA} not found: this benchmark needs the shared evaluation data beside it")
    server = Server(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    Handler.site, pages = build_site(base, args.entries, args.pages)
    Handler.delay = args.delay / 1000
    size = sum(len(Handler.site[key][1]) for key in ["/feed.xml", *pages]) / 2**20
    process = multiprocessing.get_context("fork").Process(target=server.serve_forever)
    process.start()
    server.socket.close()  # the server process has its own copy
    print(
        f"source stage: 1 feed of {args.entries} entries + {len(pages)} pages ({size:.1f} MiB "
        f"before gzip) on {base}, server delay {args.delay:g} ms; median of {args.runs} runs, "
        "a fresh process each (RSS before: after imports and config; extract: the next stage)"
    )
    print(f"{'per_host':<9}{'cache':<6}" + "".join(f"{h:>{len(h) + 2}}" for h, *_ in COLUMNS))
    try:
        for per_host in args.per_host:
            run(args, base, pages, per_host)
    finally:
        process.terminate()
        process.join()


if __name__ == "__main__":
    main()
