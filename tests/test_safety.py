"""A hostile article, end to end: fetched over HTTP, built into HTML and PDF.

Nothing in it may become active markup, and the PDF renderer may fetch nothing: the
loopback server's request log must show the page itself and no other request.
"""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner

from digest.cli import main

from .conftest import ROOT
from .loopback import Loopback, Reply

HOSTILE = """<!doctype html><html><head><title>Tariff talks resume</title>
<style>body {{ background: url("{base}/css-bg.png") }} @import url("file:///etc/passwd");</style>
<link rel="stylesheet" href="{base}/evil.css"></head>
<body><article><h1>Tariff talks resume</h1>
<p>Officials said the tariff talks would resume next week <script>fetch("{base}/js")</script>
after a call between the two leaders on tariffs and rare earths.</p>
<p onmouseover="alert(1)">The tariff truce lasts <a href="javascript:alert(1)">90 days</a>,
officials said about the tariffs. <img src="file:///etc/passwd"> <img src="{base}/pixel.gif"></p>
<p style="background: url('{base}/inline.png')">Rare earths exports &lt;script&gt;alert(2)&lt;/script&gt;
stay restricted, officials said of the rare earth minerals, and markets rallied on the call.</p>
<svg><image href="{base}/svg.png"/></svg><iframe src="{base}/frame"></iframe>
</article></body></html>"""


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_a_hostile_article_stays_text_and_the_pdf_fetches_nothing(tmp_path: Path) -> None:
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    config = tmp_path / "config.yaml"
    with Loopback() as server:
        server.route("/story", Reply(body=HOSTILE.format(base=server.base)))
        text = config.read_text(encoding="utf-8")
        head, rest = text.split("\nsources:\n", 1)
        page = f"  - kind: page\n    id: hostile\n    url: {server.url('/story')}\n"
        config.write_text(
            head + "\nsources:\n" + page + "\nsections:\n" + rest.split("\nsections:\n", 1)[1],
            encoding="utf-8",
        )
        out = tmp_path / "out"
        result = CliRunner().invoke(
            main, ["build", "-c", str(config), "-o", str(out), "--date", "2025-06-06"]
        )
        assert result.exit_code == 0, result.stderr
        assert server.paths() == ["/story"]  # the page itself; the PDF asked for nothing
    data = json.loads((out / "briefing-2025-06-06.json").read_text(encoding="utf-8"))
    hostile = next(s for s in data["sources"] if s["id"] == "hostile")
    assert hostile["status"] == "ok"
    html = (out / "briefing-2025-06-06.html").read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(html)
    names = {tag for tag, _ in parser.tags}
    assert not names & {"script", "img", "iframe", "object", "embed", "link", "base", "image"}
    for _tag, attrs in parser.tags:
        assert not any(name.startswith("on") for name in attrs)
        for name in ("href", "src"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "file:", "data:")), value
    assert "etc/passwd" not in html.split("</style>", 1)[1]
    # the hostile sentences did reach the briefing, as text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html or "Rare earths exports" in html
    assert "tariff talks would resume" in html
    pdf = (out / "briefing-2025-06-06.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and b"/etc/passwd" not in pdf
