"""Issue 15: the briefings where readers already are: an Atom feed of them (``output.feed``)
and the archive's ``index.html`` (``output.archive``), across builds of several dates.

Both are read back as a reader would: the feed with feedparser, the index with
html.parser.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import feedparser
import pytest
import yaml
from click.testing import CliRunner

from digest.cli import main

NEWS = {
    "2025-06-04": (
        "The storm formed over warm water south of the islands on Wednesday. "
        "Forecasters said the storm could strengthen into a hurricane within two days."
    ),
    "2025-06-05": (
        "The storm reached hurricane strength on Thursday with winds of 120 km/h. "
        "Coastal towns opened shelters as the storm turned north."
    ),
    "2025-06-06": (
        "The storm made landfall on Friday near the port city, cutting power to 40,000 homes. "
        "Rescue teams reached the flooded districts by the afternoon."
    ),
}
BASE = "https://briefings.example/storm/"


def project(tmp_path: Path, title: str = "Storm watch", **output: Any) -> Path:
    data = {
        "briefing": {
            "title": title,
            "subtitle": "The season's first storm",
            "timezone": "America/New_York",
        },
        "sources": [{"kind": "file", "path": "news.txt", "name": "Weather desk"}],
        "sections": [
            {"id": "storm", "title": "The storm", "keywords": ["storm", "hurricane", "landfall"]},
            {"id": "relief", "title": "Relief", "keywords": ["shelters", "rescue", "power"]},
        ],
        "output": {"directory": "out", "archive": "archive", **output},
    }
    (tmp_path / "config.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    return tmp_path


def build(root: Path, day: str, formats: str = "md,html,json", *extra: str) -> Any:
    (root / "news.txt").write_text(NEWS[day], encoding="utf-8")
    result = CliRunner().invoke(
        main, ["build", "-c", str(root / "config.yaml"), "--date", day, "-f", formats, *extra]
    )
    assert result.exit_code == 0, result.output
    return result


class _Index(HTMLParser):
    """The archive page as a reader sees it: its list items' dates, titles and links."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict[str, Any]] = []
        self.heads: list[tuple[str, dict[str, str | None]]] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link":
            self.heads.append((tag, found))
        if tag == "li":
            self.items.append({"date": None, "title": "", "links": []})
        elif tag == "time" and self.items:
            self.items[-1]["date"] = found["datetime"]
        elif tag == "a" and self.items:
            self.items[-1]["links"].append(found["href"])
            self._in = "title" if found.get("class") == "title" else "a"

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.items[-1]["title"] += data


def read_index(root: Path) -> _Index:
    parser = _Index()
    parser.feed((root / "out" / "index.html").read_text(encoding="utf-8"))
    return parser


def test_three_builds_make_a_feed_of_three_briefings_newest_first(tmp_path: Path) -> None:
    root = project(tmp_path, feed=True, base_url=BASE.rstrip("/"))
    build(root, "2025-06-04", "html,pdf,json")
    build(root, "2025-06-06", "html,pdf,json")  # built out of order: the feed sorts by date
    build(root, "2025-06-05", "html,pdf,json")
    parsed = feedparser.parse((root / "out" / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Storm watch" and parsed.feed.subtitle == "The season's first storm"
    assert [link.href for link in parsed.feed.links] == [f"{BASE}feed.xml", f"{BASE}index.html"]
    assert parsed.feed.updated == "2025-06-06T00:00:00-04:00"
    assert [e.title for e in parsed.entries] == [
        "Storm watch — Friday, 6 June 2025",
        "Storm watch — Thursday, 5 June 2025",
        "Storm watch — Wednesday, 4 June 2025",
    ]
    for entry, day in zip(parsed.entries, ("2025-06-06", "2025-06-05", "2025-06-04"), strict=True):
        assert entry.id.startswith("urn:uuid:")
        assert entry.published == f"{day}T00:00:00-04:00"
        assert [(link.rel, link.type, link.href) for link in entry.links] == [
            ("alternate", "text/html", f"{BASE}archive/briefing-{day}.html"),
            ("alternate", "application/pdf", f"{BASE}archive/briefing-{day}.pdf"),
            ("alternate", "application/json", f"{BASE}archive/briefing-{day}.json"),
        ]
        assert entry.link == f"{BASE}archive/briefing-{day}.html"
        briefing = json.loads(
            (root / "out" / "archive" / f"briefing-{day}.json").read_text(encoding="utf-8")
        )
        top = [line["text"] for line in briefing["top_lines"]]
        assert top and all(line in entry.summary for line in top)
        assert entry.summary.startswith("<ol><li>")
    assert len({e.id for e in parsed.entries}) == 3


def test_a_rebuild_replaces_its_entry_and_gives_the_same_bytes(tmp_path: Path) -> None:
    root = project(tmp_path, feed="briefings.atom")
    build(root, "2025-06-04")
    build(root, "2025-06-05")
    out = root / "out"
    first = {name: (out / name).read_bytes() for name in ("briefings.atom", "index.html")}
    build(root, "2025-06-05", "md,html,json", "--force")
    assert {name: (out / name).read_bytes() for name in first} == first
    NEWS["2025-06-05"], saved = (
        "The storm weakened overnight and moved out to sea.",
        NEWS["2025-06-05"],
    )
    try:
        build(root, "2025-06-05")
    finally:
        NEWS["2025-06-05"] = saved
    parsed = feedparser.parse((out / "briefings.atom").read_bytes())
    assert [e.title.rsplit(" — ", 1)[1] for e in parsed.entries] == [
        "Thursday, 5 June 2025",
        "Wednesday, 4 June 2025",
    ]
    assert "weakened overnight" in parsed.entries[0].summary
    old = feedparser.parse(first["briefings.atom"])
    assert [e.id for e in parsed.entries] == [e.id for e in old.entries]  # same briefing, same id
    # without base_url, links are relative to the feed; a reader resolves them against it
    assert parsed.entries[0].links[0].href == "archive/briefing-2025-06-05.html"
    served = feedparser.parse(
        (out / "briefings.atom").read_bytes(),
        response_headers={"content-location": "https://host.example/b/briefings.atom"},
    )
    assert served.entries[0].link == "https://host.example/b/archive/briefing-2025-06-05.html"


def test_the_feed_keeps_the_newest_feed_entries(tmp_path: Path) -> None:
    root = project(tmp_path, feed=True, feed_entries=2, archive=None)
    for day in NEWS:
        build(root, day, "md")
    parsed = feedparser.parse((root / "out" / "feed.xml").read_bytes())
    assert [e.published[:10] for e in parsed.entries] == ["2025-06-06", "2025-06-05"]
    assert [e.links[0].href for e in parsed.entries] == [
        "briefing-2025-06-06.md",
        "briefing-2025-06-05.md",
    ]
    assert [e.links[0].type for e in parsed.entries] == ["text/markdown"] * 2
    assert not (root / "out" / "index.html").exists()  # no archive, no index


def test_a_damaged_feed_file_starts_again_and_the_build_goes_on(tmp_path: Path) -> None:
    root = project(tmp_path, feed=True)
    build(root, "2025-06-04")
    (root / "out" / "feed.xml").write_text(
        '<!DOCTYPE x [<!ENTITY a "b">]><feed/>', encoding="utf-8"
    )
    result = build(root, "2025-06-05")
    assert "the briefings' feed could not be read" in result.stderr
    parsed = feedparser.parse((root / "out" / "feed.xml").read_bytes())
    assert [e.published[:10] for e in parsed.entries] == ["2025-06-05"]


def test_the_archive_index_lists_every_briefing_newest_first(tmp_path: Path) -> None:
    root = project(tmp_path, feed=True)
    build(root, "2025-06-05", "html,pdf")
    build(root, "2025-06-04", "md,json")
    build(root, "2025-06-06", "md,html,json")
    index = read_index(root)
    assert [i["date"] for i in index.items] == ["2025-06-06", "2025-06-05", "2025-06-04"]
    assert [i["links"] for i in index.items] == [
        [
            "archive/briefing-2025-06-06.html",
            "archive/briefing-2025-06-06.html",
            "archive/briefing-2025-06-06.md",
            "archive/briefing-2025-06-06.json",
        ],
        [
            "archive/briefing-2025-06-05.html",
            "archive/briefing-2025-06-05.html",
            "archive/briefing-2025-06-05.pdf",
        ],
        [
            "archive/briefing-2025-06-04.md",
            "archive/briefing-2025-06-04.md",
            "archive/briefing-2025-06-04.json",
        ],
    ]
    assert all((root / "out" / href).is_file() for i in index.items for href in i["links"])
    assert [i["title"] for i in index.items] == ["Storm watch"] * 3
    assert (
        "link",
        {
            "rel": "alternate",
            "type": "application/atom+xml",
            "title": "Storm watch",
            "href": "feed.xml",
        },
    ) in index.heads
    html = (root / "out" / "index.html").read_text(encoding="utf-8")
    assert 'font-family: "Digest Serif"' in html  # the briefing's style and fonts, inline
    assert "@font-face" in html and "data:font/woff2;base64," in html
    assert sorted(p.name for p in (root / "out").iterdir()) == ["archive", "feed.xml", "index.html"]


def test_titles_are_escaped_in_the_index_and_the_feed(tmp_path: Path) -> None:
    hostile = 'Storm <script>alert("x")</script> &\x0bCo'
    root = project(tmp_path, title=hostile, feed=True)
    build(root, "2025-06-04")
    # an archived briefing of another day, with a title of its own in its JSON
    other = {"schema": "digest.briefing/1", "title": "<img src=x onerror=alert(1)>"}
    text = json.dumps(other, indent=2)
    (root / "out" / "archive" / "briefing-2025-06-01.json").write_text(
        text + "\n", encoding="utf-8"
    )
    build(root, "2025-06-05")
    html = (root / "out" / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "<img" not in html
    index = read_index(root)
    assert [i["title"] for i in index.items] == [
        hostile,
        hostile,
        "<img src=x onerror=alert(1)>",
    ]
    parsed = feedparser.parse((root / "out" / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == 'Storm <script>alert("x")</script> &Co'  # \x0b: not in XML


def test_the_index_template_can_be_overridden(tmp_path: Path) -> None:
    root = project(tmp_path, templates="mine")
    (root / "mine").mkdir()
    (root / "mine" / "index.html.j2").write_text(
        "{% for b in briefings %}{{ b.date_iso }} {{ b.title }}\n{% endfor %}", encoding="utf-8"
    )
    build(root, "2025-06-04")
    build(root, "2025-06-05")
    assert (root / "out" / "index.html").read_text(encoding="utf-8") == (
        "2025-06-05 Storm watch\n2025-06-04 Storm watch\n"
    )


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ({"feed": "feed.json"}, "output.feed: must be a plain file name ending in .xml or .atom"),
        ({"feed": "../feed.xml"}, "output.feed: must be a plain file name"),
        ({"base_url": "ftp://x"}, "output.base_url: 'ftp://x' is not an http(s):// address"),
        ({"latest": "index"}, "output.latest: would overwrite the archive's index.html"),
    ],
)
def test_feed_settings_are_checked(tmp_path: Path, output: dict[str, Any], message: str) -> None:
    root = project(tmp_path, **output)
    result = CliRunner().invoke(main, ["validate", "-c", str(root / "config.yaml")])
    assert result.exit_code == 2 and message in result.stderr


def test_the_feed_and_index_are_part_of_the_briefings_transaction(tmp_path: Path) -> None:
    root = project(tmp_path, feed=True)
    build(root, "2025-06-04")
    out = root / "out"
    (out / "feed.xml").unlink()
    build(root, "2025-06-04")  # nothing new, but a file of the last build is missing
    assert (out / "feed.xml").is_file()
    (out / "feed.xml").unlink()
    (out / "feed.xml").mkdir()  # in the way: the whole briefing fails before any file moves
    (root / "news.txt").write_text(NEWS["2025-06-05"], encoding="utf-8")
    result = CliRunner().invoke(
        main, ["build", "-c", str(root / "config.yaml"), "--date", "2025-06-05", "-f", "md"]
    )
    assert result.exit_code == 1 and "feed.xml: a folder" in result.stderr
    assert sorted(p.name for p in (out / "archive").iterdir()) == [
        "briefing-2025-06-04.html",
        "briefing-2025-06-04.json",
        "briefing-2025-06-04.md",
    ]
    assert [i["date"] for i in read_index(root).items] == ["2025-06-04"]


def test_no_index_when_it_is_turned_off(tmp_path: Path) -> None:
    root = project(tmp_path, index=False)
    build(root, "2025-06-04", "md")
    assert sorted(p.name for p in (root / "out").iterdir()) == ["archive"]


def test_the_archive_index_in_a_real_browser(tmp_path: Path) -> None:
    """Issue 15: the index as Chromium shows it: every briefing listed newest first, each
    link resolving to a file that exists, the feed discoverable, nothing scrolling sideways
    on a phone. Skips where Chromium is not installed (``apt-get install chromium``)."""
    from .test_look import PHONE, chromium, look

    binary = chromium()
    root = project(tmp_path, feed=True)
    for day in ("2025-06-04", "2025-06-06", "2025-06-05"):
        build(root, day, "html,json")
    index = root / "out" / "index.html"
    seen = (
        "({items: [...document.querySelectorAll('.archive li')].map(li =>"
        " [...li.querySelectorAll('a')].map(a => a.href)),"
        " feed: document.querySelector('link[type=\"application/atom+xml\"]').href,"
        " wide: document.documentElement.scrollWidth})"
    )
    with look._Browser(binary) as browser:
        page = browser.evaluate(index.as_uri(), seen, width=PHONE)
    hrefs = [links[0] for links in page["items"]]
    assert [h.rsplit("-", 3)[-3:] for h in hrefs] == [
        ["2025", "06", "06.html"],
        ["2025", "06", "05.html"],
        ["2025", "06", "04.html"],
    ]
    for links in page["items"]:
        for href in links:
            assert href.startswith("file://")
            assert Path(href.removeprefix("file://")).is_file(), href
    assert page["feed"] == (root / "out" / "feed.xml").as_uri()
    assert page["wide"] <= PHONE
