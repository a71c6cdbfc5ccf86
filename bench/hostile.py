"""Benchmark: each hostile input alone, next to the sample's sources, in a fresh process.

    .venv/bin/python bench/hostile.py

For every input (the ones ``tests/test_hostile.py`` checks) it builds the sample briefing
plus that one source with ``digest build -f md,json`` and reports what happened to the
source, the exit code, the wall time and the peak RSS of the process. The baseline row is
the sample alone. A benchmark, not a test.
"""

from __future__ import annotations

import gzip
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.test_fetch import _raw_deflate  # noqa: E402
from tests.test_hostile import (  # noqa: E402  the very inputs the tests use
    FRONT_MATTERS,
    big_feed,
    gzip_bomb,
)

ROUTES: dict[str, tuple[bytes, dict[str, str]]] = {}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body, headers = ROUTES.get(self.path, (b"", {}))
        if self.path.startswith("/stall/"):  # a page that answers after the run gave up
            time.sleep(5)
            body, headers = b"<html><body><p>Late.</p></body></html>", {}
        self.send_response(200 if body else 404)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def cases(work: Path, base: str) -> list[tuple[str, str, str]]:
    """(name, source id, the YAML of the source)."""
    samples = work / "samples"
    with (samples / "huge.txt").open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    (samples / "garbage.txt").write_bytes(bytes(range(256)) * 400)
    deep = "<html><body>" + "<div>" * 100_000 + "<p>Deep text.</p>" + "</div>" * 100_000
    (samples / "deep.html").write_text(deep, encoding="utf-8")
    links = "".join(f'<a href="/l{i}">link {i}</a> ' for i in range(100_000))
    (samples / "links.html").write_text(
        f"<html><body><article><p>Tariffs fell.</p>{links}</article></body></html>",
        encoding="utf-8",
    )
    ROUTES["/bomb"] = (gzip_bomb(1 << 30), {"Content-Encoding": "gzip"})
    ROUTES["/br"] = (b"\x8b\x00" * 1700, {"Content-Encoding": "br"})  # 3.4 KB, never decoded
    ROUTES["/bomb2"] = (gzip.compress(gzip_bomb(1 << 30)), {"Content-Encoding": "gzip, gzip"})
    ROUTES["/deflate"] = (
        _raw_deflate(big_feed(50).encode()),
        {"Content-Encoding": "deflate", "Content-Type": "application/rss+xml"},
    )
    teasers = "".join(
        f"<item><title>Story {i}</title><link>{base}/stall/{i}</link>"
        f"<description>Tariffs {i}.</description></item>"
        for i in range(40)
    )
    ROUTES["/teasers"] = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{teasers}'
        "</channel></rss>".encode(),
        {"Content-Type": "application/rss+xml"},
    )
    for name, front in FRONT_MATTERS.items():
        (samples / f"front-{name}.md").write_text(
            f"---\n{front}\n---\n\nOfficials said tariffs would rise.\n", encoding="utf-8"
        )
    ROUTES["/feed"] = (big_feed(50_000).encode(), {"Content-Type": "application/rss+xml"})
    return [
        ("baseline: the sample's two sources", "", ""),
        ("200 MB file", "huge", "{kind: file, id: huge, path: samples/huge.txt}"),
        (
            "binary garbage as .txt",
            "garbage",
            "{kind: file, id: garbage, path: samples/garbage.txt}",
        ),
        ("HTML nested 100,000 deep", "deep", "{kind: file, id: deep, path: samples/deep.html}"),
        (
            "HTML page with 100,000 links",
            "links",
            "{kind: file, id: links, path: samples/links.html}",
        ),
        ("file outside the project", "outside", "{kind: file, id: outside, path: /etc/hostname}"),
        (
            "gzip bomb over HTTP (1 GB of zeros)",
            "bomb",
            f'{{kind: feed, id: bomb, url: "{base}/bomb"}}',
        ),
        (
            "feed with 50,000 entries",
            "feed",
            f'{{kind: feed, id: feed, url: "{base}/feed", max_entries: 50000}}',
        ),
        (
            "loopback URL, private_networks: false",
            "private",
            f'{{kind: page, id: private, url: "{base}/feed"}}',
        ),
        ("brotli body (3.4 KB, br)", "br", f'{{kind: feed, id: br, url: "{base}/br"}}'),
        (
            "gzip, gzip bomb (1 GB of zeros twice gzipped)",
            "bomb2",
            f'{{kind: feed, id: bomb2, url: "{base}/bomb2"}}',
        ),
        ("raw deflate feed", "deflate", f'{{kind: feed, id: deflate, url: "{base}/deflate"}}'),
        *(
            (
                f"front matter: {name.replace('_', ' ')}",
                f"front_{name}",
                f"{{kind: file, id: front_{name}, path: samples/front-{name}.md}}",
            )
            for name in FRONT_MATTERS
        ),
        (
            "full_text feed of 40 stalled pages (budget 3 s)",
            "stalled",
            f'{{kind: feed, id: stalled, url: "{base}/teasers", full_text: true}}',
        ),
    ]


def run(work: Path, source_id: str, source: str) -> tuple[str, int, float, float]:
    config = work / "config.yaml"
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    if source:
        text = text.replace("sections:\n", f"  - {source}\nsections:\n", 1)
    if source_id == "private":
        text += "\naccess:\n  private_networks: false\n"
    if source_id == "stalled":
        text = text.replace("fetch:\n", "fetch:\n  budget: 3\n  timeout: 10\n", 1)
    config.write_text(text, encoding="utf-8")
    shutil.rmtree(work / "out", ignore_errors=True)
    shutil.rmtree(work / ".digest-state", ignore_errors=True)
    command = [sys.executable, "-m", "digest", "build", "-c", str(config), "-f", "md,json"]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, code, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    outcome = "-"
    found = list((work / "out").glob("*.json"))
    if found and source_id:
        data = json.loads(found[0].read_text(encoding="utf-8"))
        status = next(s for s in data["sources"] if s["id"] == source_id)
        outcome = (
            f"{status['status']}: {status['reason'] or str(status['documents']) + ' documents'}"
        )
    elif found:
        outcome = "built"
    return outcome, os.waitstatus_to_exitcode(code), wall, usage.ru_maxrss / 1024


def main() -> int:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "samples", work / "samples")
        print("| input | what happened to the source | exit | wall | peak RSS |")
        print("|---|---|---|---|---|")
        for name, source_id, source in cases(work, base):
            outcome, code, wall, peak = run(work, source_id, source)
            print(
                f"| {name} | {outcome[:110]} | {code} | {wall:.2f} s | {peak:.0f} MiB |", flush=True
            )
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
