"""Issue 15: a feed reader's subscription list (OPML) as sources, read at every build
(``kind: opml``) or copied once into config.yaml (``digest sources import``).

The OPML files are written here in the shapes three real readers export (rss2email,
Miniflux, Feedly) and served, with the feeds they list, from a real server on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from digest import config, opml, sources
from digest.build import analyze
from digest.cli import main
from digest.models import Status

from .conftest import ROOT, shared_path
from .loopback import Loopback, Reply
from .test_fetch import CALL, MARKETS, RARE_EARTHS, RSS_TYPE, TARIFFS, item, rss, write_config

OPML_TYPE = "text/x-opml; charset=utf-8"


def rss2email(base: str) -> str:
    """rss2email's ``opmlexport``: flat, one outline per feed, its name as text."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<opml version="1.0">
<head>
<title>rss2email OPML export</title>
</head>
<body>
<outline type="rss" text="trade-wire" xmlUrl="{base}/wire.xml"/>
<outline type="rss" text="markets" xmlUrl="{base}/markets.xml"/>
</body>
</opml>
"""


def miniflux(base: str) -> str:
    """Miniflux's export: OPML 2.0, one folder per category, no type attribute."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
    <head>
        <title>Miniflux</title>
        <dateCreated>Fri, 06 Jun 2025 07:00:00 UTC</dateCreated>
    </head>
    <body>
        <outline text="Trade">
            <outline title="Trade Wire" text="Trade Wire" xmlUrl="{base}/wire.xml" htmlUrl="https://tradewire.example/"></outline>
            <outline title="Metals &amp; Mining" text="Metals &amp; Mining" xmlUrl="{base}/metals.xml" htmlUrl="https://metals.example/"></outline>
        </outline>
        <outline text="Markets">
            <outline title="Markets Daily" text="Markets Daily" xmlUrl="{base}/markets.xml" htmlUrl="https://markets.example/"></outline>
        </outline>
    </body>
</opml>
"""


def feedly(base: str) -> str:
    """Feedly's export: folders with text and title, feeds with type="rss", one feed in
    two folders (listed twice), and a feed at a second level of folders."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>

<opml version="1.0">
  <head>
    <title>Analyst subscriptions in feedly Cloud</title>
  </head>
  <body>
    <outline text="China" title="China">
      <outline type="rss" text="Trade Wire" title="Trade Wire" xmlUrl="{base}/wire.xml" htmlUrl="https://tradewire.example/"/>
      <outline text="Supply chains" title="Supply chains">
        <outline type="rss" text="Metals &amp; Mining" title="Metals &amp; Mining" xmlUrl="{base}/metals.xml" htmlUrl="https://metals.example/"/>
      </outline>
    </outline>
    <outline text="Markets" title="Markets">
      <outline type="rss" text="Markets Daily" title="Markets Daily" xmlUrl="{base}/markets.xml" htmlUrl="https://markets.example/"/>
      <outline type="rss" text="Trade Wire" title="Trade Wire" xmlUrl="{base}/wire.xml" htmlUrl="https://tradewire.example/"/>
    </outline>
  </body>
</opml>
"""


def serve_feeds(server: Loopback) -> None:
    base = server.base
    day = "Fri, 06 Jun 2025 08:00:00 GMT"
    server.route(
        "/wire.xml",
        Reply(
            body=rss(item(f"{base}/news/call", "Call", " ".join(CALL), day)), content_type=RSS_TYPE
        ),
    )
    server.route(
        "/metals.xml",
        Reply(
            body=rss(
                item(f"{base}/news/re", "Rare earths", " ".join(RARE_EARTHS), day), title="Metals"
            ),
            content_type=RSS_TYPE,
        ),
    )
    server.route(
        "/markets.xml",
        Reply(
            body=rss(
                item(f"{base}/news/mk", "Markets", " ".join(MARKETS + TARIFFS), day),
                title="Markets",
            ),
            content_type=RSS_TYPE,
        ),
    )


@pytest.fixture
def server() -> Iterator[Loopback]:
    with Loopback() as running:
        serve_feeds(running)
        yield running


def collect(tmp_path: Path, source_list: list[dict[str, Any]]) -> sources.Collected:
    return sources.collect(config.load(write_config(tmp_path, source_list)))


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        (rss2email, [("trade-wire", "/wire.xml", ()), ("markets", "/markets.xml", ())]),
        (
            miniflux,
            [
                ("Trade Wire", "/wire.xml", ("Trade",)),
                ("Metals & Mining", "/metals.xml", ("Trade",)),
                ("Markets Daily", "/markets.xml", ("Markets",)),
            ],
        ),
        (
            feedly,
            [
                ("Trade Wire", "/wire.xml", ("China",)),
                ("Metals & Mining", "/metals.xml", ("China", "Supply chains")),
                ("Markets Daily", "/markets.xml", ("Markets",)),
            ],
        ),
    ],
)
def test_the_feeds_of_three_readers_exports(
    shape: Any, expected: list[tuple[str, str, tuple[str, ...]]]
) -> None:
    found = opml.read(shape("http://h").encode("utf-8"))
    assert [
        (f.title, f.url.removeprefix("http://h"), f.categories) for f in found.feeds
    ] == expected
    assert (found.skipped, found.repeated) == ((), 1 if shape is feedly else 0)


def test_categories_pick_folders_at_any_level_and_category_attributes() -> None:
    text = feedly("http://h").replace(
        'text="Markets Daily"', 'category="/Desk/Equities,Watch" text="Markets Daily"'
    )
    pick = lambda *names: [f.title for f in opml.read(text.encode(), names).feeds]  # noqa: E731
    assert pick("supply chains") == ["Metals & Mining"]
    assert pick("china") == ["Trade Wire", "Metals & Mining"]
    assert pick("equities") == ["Markets Daily"]
    found = opml.read(text.encode(), ["nothing"])
    assert found.feeds == () and found.outside == 4


def test_only_http_feed_urls_are_taken() -> None:
    text = b"""<opml version="2.0"><body>
      <outline text="Local" xmlUrl="file:///etc/passwd"/>
      <outline text="Script" xmlUrl="javascript:alert(1)"/>
      <outline text="Broken" xmlUrl="http://[::1"/>
      <outline text="Good" xmlURL=" https://example.com/rss " htmlUrl="javascript:x"/>
    </body></opml>"""
    found = opml.read(text)
    assert [(f.title, f.url, f.link) for f in found.feeds] == [
        ("Good", "https://example.com/rss", None)
    ]
    assert [s.split(":")[0] for s in found.skipped] == ["file", "javascript", "http"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
            b'"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><opml><body>&lol2;</body></opml>',
            "declares a DTD",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "file:///etc/passwd"><opml/>',
            "declares a DTD",
        ),
        (b"<opml><body>&ext;</body></opml>", "undefined entity"),
        (b"<html><body>Not found</body></html>", "root element is <html>"),
        (rss("").encode(), "it is a feed: use kind: feed"),
        (b"<opml><head/></opml>", "no <body>"),
        (b"<opml><body><outline text='x'", "not well-formed"),
    ],
)
def test_what_is_not_a_readable_opml_file_says_why(data: bytes, reason: str) -> None:
    with pytest.raises(opml.OpmlError, match=reason):
        opml.read(data)


# --------------------------------------------------------------------------- kind: opml


def test_an_opml_source_becomes_its_feeds_each_a_source(server: Loopback, tmp_path: Path) -> None:
    server.route("/subs.opml", Reply(body=feedly(server.base), content_type=OPML_TYPE))
    (tmp_path / "note.txt").write_text("The storm passed.", encoding="utf-8")
    collected = collect(
        tmp_path,
        [
            {"kind": "file", "path": "note.txt", "name": "Desk note"},
            {
                "kind": "opml",
                "url": server.url("/subs.opml"),
                "sections": ["rare_earths"],
                "publisher": "Wires",
                "weight": 2,
                "headers": {"Authorization": "Bearer opml-only"},
            },
            {"kind": "feed", "url": server.url("/markets.xml"), "name": "Markets (direct)"},
        ],
    )
    assert [(s.number, s.name, s.kind) for s in collected.sources] == [
        (1, "Desk note", "file"),
        (2, "Trade Wire", "feed"),
        (3, "Metals & Mining", "feed"),
        (4, "Markets (direct)", "feed"),  # listed in the OPML too: read once, as configured
    ]
    wire, metals = collected.sources[1:3]
    assert (wire.url, wire.location) == ("https://tradewire.example/", server.url("/wire.xml"))
    assert (metals.sections, metals.publisher, metals.weight) == (("rare_earths",), "Wires", 2.0)
    assert [s.status for s in collected.statuses] == [Status.OK] * 4
    assert {d.source_id for d in collected.documents} == {s.id for s in collected.sources}
    # the OPML's headers go to the OPML's server, never to the feeds it lists
    assert server.requests("/subs.opml")[0].headers["authorization"] == "Bearer opml-only"
    assert "authorization" not in server.requests("/wire.xml")[0].headers
    assert sorted(server.paths()) == ["/markets.xml", "/metals.xml", "/subs.opml", "/wire.xml"]


def test_section_hints_reach_the_listed_feeds_sentences(server: Loopback, tmp_path: Path) -> None:
    server.route("/subs.opml", Reply(body=miniflux(server.base), content_type=OPML_TYPE))
    loaded = config.load(
        write_config(
            tmp_path,
            [
                {
                    "kind": "opml",
                    "url": server.url("/subs.opml"),
                    "categories": ["Markets"],
                    "sections": ["market_reaction"],
                }
            ],
        )
    )
    analysis = analyze(loaded, on=date(2025, 6, 6))
    [info] = analysis.sources
    assert (info.name, info.sections) == ("Markets Daily", ("market_reaction",))
    hinted = [s for s in analysis.scored if any("hint" in r for r in s.reasons)]
    assert hinted and all(s.sentence.source_id == info.id for s in hinted)


def test_a_failing_feed_of_the_list_fails_alone(server: Loopback, tmp_path: Path) -> None:
    server.route("/subs.opml", Reply(body=rss2email(server.base), content_type=OPML_TYPE))
    server.route("/markets.xml", Reply(404, body="gone", content_type="text/plain"))
    collected = collect(tmp_path, [{"kind": "opml", "url": server.url("/subs.opml")}])
    assert [(s.source_id, s.status, s.reason) for s in collected.statuses] == [
        ("trade_wire", Status.OK, None),
        ("markets", Status.FAILED, "HTTP 404 Not Found"),
    ]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(404, body="no", content_type="text/plain"), "HTTP 404 Not Found"),
        (
            Reply(body="<html><body>Login</body></html>"),
            "not an OPML file: its root element is <html>",
        ),
        (
            Reply(body="<opml><body><outline", content_type=OPML_TYPE),
            "not an OPML file: not well-formed",
        ),
        (
            Reply(body='<!DOCTYPE x [<!ENTITY a "b">]><opml/>', content_type=OPML_TYPE),
            "declares a DTD",
        ),
        (
            Reply(body="<opml><body><outline text='a' xmlUrl='ftp://x/f'/></body></opml>"),
            "lists no http(s) feed to read (ftp://x/f: not an http(s) feed URL)",
        ),
    ],
)
def test_an_opml_file_that_cannot_be_used_is_one_failed_source(
    server: Loopback, tmp_path: Path, reply: Reply, reason: str
) -> None:
    server.route("/subs.opml", reply)
    collected = collect(
        tmp_path,
        [
            {"kind": "opml", "url": server.url("/subs.opml"), "name": "My subscriptions"},
            {"kind": "feed", "url": server.url("/wire.xml")},
        ],
    )
    assert [(s.name, s.kind) for s in collected.sources] == [
        ("My subscriptions", "opml"),
        ("127.0.0.1", "feed"),
    ]
    opml_status, feed_status = collected.statuses
    assert opml_status.status is Status.FAILED and reason in (opml_status.reason or "")
    assert feed_status.status is Status.OK


def test_a_briefing_reports_an_unreachable_opml_and_is_still_written(
    server: Loopback, tmp_path: Path
) -> None:
    path = write_config(
        tmp_path,
        [
            {"kind": "opml", "url": server.url("/missing.opml"), "name": "Reader export"},
            {"kind": "feed", "url": server.url("/wire.xml"), "name": "Trade Wire"},
        ],
    )
    result = CliRunner().invoke(
        main, ["build", "-c", str(path), "-f", "md,json", "--date", "2025-06-06"]
    )
    assert result.exit_code == 0, result.output
    assert "source reader_export (" in result.stderr and "HTTP 404" in result.stderr
    markdown = (tmp_path / "out" / "briefing-2025-06-06.md").read_text(encoding="utf-8")
    assert "Reader export" in markdown and "HTTP 404 Not Found" in markdown


def test_max_feeds_and_feeds_read_elsewhere(server: Loopback, tmp_path: Path) -> None:
    server.route("/subs.opml", Reply(body=miniflux(server.base), content_type=OPML_TYPE))
    collected = collect(
        tmp_path, [{"kind": "opml", "url": server.url("/subs.opml"), "max_feeds": 2}]
    )
    assert [s.name for s in collected.sources] == ["Trade Wire", "Metals & Mining"]
    both = collect(
        tmp_path,
        [
            {"kind": "opml", "url": server.url("/subs.opml"), "name": "First"},
            {"kind": "opml", "url": server.url("/subs.opml"), "name": "Again"},
        ],
    )
    assert [s.name for s in both.sources][-1] == "Again"
    assert both.statuses[-1].status is Status.EMPTY
    assert "every feed it lists is read as another source" in (both.statuses[-1].reason or "")


def test_an_opml_file_on_disk_and_the_access_rules(server: Loopback, tmp_path: Path) -> None:
    (tmp_path / "subs.opml").write_text(rss2email(server.base), encoding="utf-8")
    collected = collect(tmp_path, [{"kind": "opml", "path": "subs.opml"}])
    assert [s.name for s in collected.sources] == ["trade-wire", "markets"]
    outside = tmp_path.parent / f"{tmp_path.name}-outside.opml"
    outside.write_text(rss2email(server.base), encoding="utf-8")
    path = write_config(tmp_path, [{"kind": "opml", "path": f"../{outside.name}"}])
    result = CliRunner().invoke(main, ["validate", "-c", str(path)])
    assert result.exit_code == 2 and "sources[0].path" in result.stderr
    [status] = sources.collect(config.load(path)).statuses
    assert status.status is Status.FAILED and "outside the folders" in (status.reason or "")


def test_a_changed_opml_file_is_not_nothing_new(server: Loopback, tmp_path: Path) -> None:
    """A re-run reuses the last build only if the OPML file is the same too: a feed
    renamed there is renamed in the briefing."""
    server.route("/subs.opml", Reply(body=rss2email(server.base), content_type=OPML_TYPE))
    path = write_config(tmp_path, [{"kind": "opml", "url": server.url("/subs.opml")}])
    build = ["-v", "build", "-c", str(path), "-f", "md", "--date", "2025-06-06"]
    assert CliRunner().invoke(main, build).exit_code == 0
    assert "nothing new" in CliRunner().invoke(main, build).stderr
    server.route(
        "/subs.opml",
        Reply(
            body=rss2email(server.base).replace("trade-wire", "Trade Wire"), content_type=OPML_TYPE
        ),
    )
    again = CliRunner().invoke(main, build)
    assert "nothing new" not in again.stderr
    assert "Trade Wire" in (tmp_path / "out" / "briefing-2025-06-06.md").read_text(encoding="utf-8")


def test_real_feeds_listed_in_an_opml_file(tmp_path: Path) -> None:
    """Real-world feed snapshots, one of them broken, served and listed like a reader's."""
    feeds = shared_path("data", "feeds")
    files = {
        "/techcrunch.xml": feeds / "feedjira/spec/sample_feeds/TechCrunch.xml",
        "/aws.xml": feeds / "feedjira/spec/sample_feeds/AmazonWebServicesBlog.xml",
        "/saxerror.xml": feeds / "node-feedparser/test/feeds/saxerror.xml",
        "/notafeed.xml": feeds / "node-feedparser/test/feeds/notafeed.html",
    }
    with Loopback() as server:
        outlines = "".join(
            f'<outline type="rss" text="{name.strip("/")}" xmlUrl="{server.url(name)}"/>'
            for name in files
        )
        server.route(
            "/subs.opml",
            Reply(body=f"<opml><body>{outlines}</body></opml>", content_type=OPML_TYPE),
        )
        for name, file in files.items():
            server.route(name, Reply(body=file.read_bytes(), content_type="application/xml"))
        collected = collect(tmp_path, [{"kind": "opml", "url": server.url("/subs.opml")}])
    statuses = {s.source_id: s for s in collected.statuses}
    assert [s.name for s in collected.sources] == [
        "techcrunch.xml",
        "aws.xml",
        "saxerror.xml",
        "notafeed.xml",
    ]
    assert (
        statuses["techcrunch_xml"].status is Status.OK and statuses["aws_xml"].status is Status.OK
    )
    assert statuses["notafeed_xml"].status is Status.FAILED
    assert "not a feed" in (statuses["notafeed_xml"].reason or "")
    assert statuses["saxerror_xml"].status in (Status.OK, Status.FAILED)  # recovered, or says why
    assert statuses["saxerror_xml"].reason


# --------------------------------------------------------------------------- digest sources import


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    return tmp_path


def run_import(project: Path, opml_text: str, *options: str) -> Any:
    (project / "subs.opml").write_text(opml_text, encoding="utf-8")
    return CliRunner().invoke(
        main,
        [
            "sources",
            "import",
            "-c",
            str(project / "config.yaml"),
            str(project / "subs.opml"),
            *options,
        ],
    )


def test_import_appends_feeds_and_keeps_the_operators_comments(project: Path) -> None:
    before = (project / "config.yaml").read_text(encoding="utf-8")
    (project / "config.yaml").chmod(0o600)
    result = run_import(project, feedly("https://feeds.example"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "added: Trade Wire <https://feeds.example/wire.xml>",
        "added: Metals & Mining <https://feeds.example/metals.xml>",
        "added: Markets Daily <https://feeds.example/markets.xml>",
        f"3 feed(s) added, 0 already there; written to {project / 'config.yaml'}",
    ]
    after = (project / "config.yaml").read_text(encoding="utf-8")
    # every line the operator wrote is still there, in order; new lines only after the
    # last source, before the commented-out examples that follow it
    new = [line for line in after.splitlines() if line not in before.splitlines()]
    assert [line for line in after.splitlines() if line not in new] == before.splitlines()
    assert new[0] == "  # imported from subs.opml"
    assert after.index("samples/trump-xi-call-short-report.txt") < after.index(new[0])
    assert after.index(new[-1]) < after.index("# Feeds and pages work the same way")
    loaded = config.load(project / "config.yaml")
    assert [(s.kind, s.name, getattr(s, "link", None)) for s in loaded.config.sources[2:]] == [
        ("feed", "Trade Wire", "https://tradewire.example/"),
        ("feed", "Metals & Mining", "https://metals.example/"),
        ("feed", "Markets Daily", "https://markets.example/"),
    ]
    assert (project / "config.yaml").stat().st_mode & 0o777 == 0o600
    assert not [p for p in project.iterdir() if p.name.startswith(".config.yaml")]


def test_import_again_adds_only_what_is_new_and_writes_nothing_else(project: Path) -> None:
    assert run_import(project, rss2email("https://feeds.example")).exit_code == 0
    result = run_import(project, miniflux("https://FEEDS.example:443"))  # the same feeds
    assert result.exit_code == 0, result.output
    assert "already there: Trade Wire <https://FEEDS.example:443/wire.xml>" in result.stdout
    assert "added: Metals & Mining <https://FEEDS.example:443/metals.xml>" in result.stdout
    written = (project / "config.yaml").read_bytes()
    assert len(config.load(project / "config.yaml").config.sources) == 2 + 3
    result = run_import(project, miniflux("https://feeds.example"))
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(
        f"0 feed(s) added, 3 already there; nothing written to {project / 'config.yaml'}\n"
    )
    assert (project / "config.yaml").read_bytes() == written


def test_import_dry_run_and_categories(project: Path) -> None:
    before = (project / "config.yaml").read_bytes()
    result = run_import(project, feedly("https://f.example"), "--dry-run", "--category", "markets")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "would add: Markets Daily <https://f.example/markets.xml>",
        "would add: Trade Wire <https://f.example/wire.xml>",
        f"2 feed(s) to add, 0 already there, 2 outside the categories asked for; nothing written to {project / 'config.yaml'}",
    ]
    assert (project / "config.yaml").read_bytes() == before


def test_imported_names_are_data_never_yaml_or_variables(project: Path) -> None:
    title = "x&#10;sections: [call_details]&#10;# $" + "{HOME} &quot;quoted&quot; - [a]: {b}"
    url = "https://f.example/a?x=1&amp;y=$" + "{PATH}"
    result = run_import(
        project, f'<opml><body><outline title="{title}" xmlUrl="{url}"/></body></opml>'
    )
    assert result.exit_code == 0, result.output
    [feed] = config.load(project / "config.yaml").config.sources[2:]
    assert isinstance(feed, config.FeedSource)
    assert feed.name == "x sections: [call_details] # $" + '{HOME} "quoted" - [a]: {b}'
    assert feed.url == "https://f.example/a?x=1&y=$" + "{PATH}"
    assert feed.sections == []


def test_import_writes_nothing_when_the_result_would_be_invalid(project: Path) -> None:
    before = (project / "config.yaml").read_bytes()
    many = "".join(
        f'<outline text="{"n" * 190}" xmlUrl="https://f.example/{i}/{"p" * 300}"/>'
        for i in range(2000)
    )
    result = run_import(project, f"<opml><body>{many}</body></opml>")
    assert result.exit_code == 2
    assert "a config may have 1,000,000 at most" in result.stderr
    assert (project / "config.yaml").read_bytes() == before


@pytest.mark.parametrize(
    ("opml_text", "message"),
    [
        ("<opml><body><outline text='x'", "subs.opml:1: not an OPML file: not well-formed"),
        ('<!DOCTYPE opml [<!ENTITY e "x">]><opml/>', "declares a DTD"),
        ("<rss version='2.0'/>", "it is a feed: use kind: feed"),
    ],
)
def test_import_of_a_bad_opml_file_exits_2(project: Path, opml_text: str, message: str) -> None:
    before = (project / "config.yaml").read_bytes()
    result = run_import(project, opml_text)
    assert result.exit_code == 2 and message in result.stderr
    assert (project / "config.yaml").read_bytes() == before


def test_import_into_a_flow_list_or_an_invalid_config_exits_2(project: Path) -> None:
    config_path = project / "config.yaml"
    text = config_path.read_text(encoding="utf-8")
    start = text.index("sources:\n")
    end = text.index("  # Feeds and pages")
    flow = (
        text[:start]
        + "sources: [{kind: file, path: samples/trump-xi-call-cnbc-adapted.txt}]\n"
        + text[end:]
    )
    config_path.write_text(flow, encoding="utf-8")
    result = run_import(project, rss2email("https://f.example"))
    assert result.exit_code == 2 and "not a block list" in result.stderr
    assert config_path.read_text(encoding="utf-8") == flow
    config_path.write_text(text.replace("  title:", "  titel:", 1), encoding="utf-8")
    result = run_import(project, rss2email("https://f.example"))
    assert result.exit_code == 2 and "unknown key 'titel'" in result.stderr


def test_import_follows_a_symlinked_config(project: Path) -> None:
    real = project / "real.yaml"
    os.replace(project / "config.yaml", real)
    (project / "config.yaml").symlink_to(real.name)
    assert run_import(project, rss2email("https://f.example")).exit_code == 0
    assert (project / "config.yaml").is_symlink()
    assert "https://f.example/wire.xml" in real.read_text(encoding="utf-8")


def test_imported_feeds_build(server: Loopback, project: Path) -> None:
    """What the import writes is a working config: the feeds are read at the next build."""
    result = run_import(project, miniflux(server.base))
    assert result.exit_code == 0, result.output
    data = yaml.safe_load((project / "config.yaml").read_text(encoding="utf-8"))
    assert [s["kind"] for s in data["sources"]] == ["file", "file", "feed", "feed", "feed"]
    loaded = config.load(project / "config.yaml")
    statuses = analyze(loaded, on=date(2025, 6, 6)).statuses
    assert [s.status for s in statuses] == [Status.OK] * 5
