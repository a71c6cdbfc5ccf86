"""`digest init`: a starter config and a sample note that validate and build as they are,
through the command line; the feed and the page it names are pointed at a loopback
server (working, or failing: a failing source never stops the briefing)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from digest.cli import main
from digest.starter import local_zone

from .loopback import Loopback, Reply
from .test_fetch import RSS_TYPE, item, page, rss

MARKETS = "Stocks in Northland rose 2 percent as investors cheered the bank's signal of a cut."
POLICY = "The central bank governor said inflation would keep easing through the summer."


def digest(*args: str) -> Any:
    result = CliRunner(env={"TZ": "Europe/Oslo"}).invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture
def started(tmp_path: Path) -> Path:
    """A briefing started with `digest init` in a new folder."""
    folder = tmp_path / "mine"
    result = digest("init", str(folder))
    assert result.exit_code == 0, result.output
    assert f"wrote {folder / 'config.yaml'}" in result.stdout
    assert f"  digest validate -c {folder / 'config.yaml'}" in result.stdout
    return folder


@pytest.fixture
def server() -> Iterator[Loopback]:
    with Loopback() as running:
        yield running


def point(folder: Path, feed: str, page_url: str) -> Path:
    """The config with its example feed and page at these addresses instead."""
    config = folder / "config.yaml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("https://example.com/news/rss.xml", feed)
    text = text.replace("url: https://example.com/ ", f"url: {page_url} ")
    assert "example.com/" not in text.split("# Email:")[0]
    config.write_text(text + "fetch: {retries: 0, cache_dir: cache}\n", encoding="utf-8")
    return config


def test_init_writes_a_commented_config_and_a_sample_note_and_nothing_else(
    started: Path,
) -> None:
    files = sorted(p.relative_to(started).as_posix() for p in started.rglob("*"))
    assert files == ["config.yaml", "samples", "samples/example-note.txt"]
    text = (started / "config.yaml").read_text(encoding="utf-8")
    assert "  timezone: Europe/Oslo " in text  # the machine's zone (TZ here)
    for part in ("kind: feed", "kind: page", "kind: file", "- id: policy", "- id: markets"):
        assert part in text
    assert "output:" in text and "state:" in text and "\n# email:\n#   smtp:" in text
    assert sum(line.lstrip().startswith("#") for line in text.splitlines()) >= 10


def test_the_started_config_validates(started: Path) -> None:
    result = digest("validate", "-c", str(started / "config.yaml"))
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("OK (3 sources, 2 sections)\n")


def test_it_builds_a_briefing_from_the_feed_the_page_and_the_notes(
    started: Path, server: Loopback
) -> None:
    now = datetime.now(UTC)  # inside the 36-hour window
    entry = item(server.url("/news/1"), "Northland stocks rise", MARKETS, format_datetime(now))
    server.route("/rss.xml", Reply(body=rss(entry), content_type=RSS_TYPE))
    article = page("Inflation to keep easing", POLICY, published=now.isoformat())
    server.route("/article", Reply(body=article))
    config = point(started, server.url("/rss.xml"), server.url("/article"))
    result = digest("build", "-c", str(config))
    assert result.exit_code == 0, result.output
    out = started / "out"
    [written] = out.glob("briefing-*.json")
    assert sorted(p.suffix for p in out.iterdir()) == [".html", ".json", ".md", ".pdf"]
    data = json.loads(written.read_text(encoding="utf-8"))
    assert [s["status"] for s in data["sources"]] == ["ok", "ok", "ok"]
    shown = [*data["top_lines"], *(i for s in data["sections"] for i in s["items"])]
    assert {n for i in shown for n in i["sources"]} == {1, 2, 3}  # each source is cited
    assert any("Northland central bank kept its main interest rate" in i["text"] for i in shown)
    assert [s["id"] for s in data["sections"]] == ["policy", "markets"]


def test_with_its_feed_and_page_failing_it_still_builds_from_the_notes(
    started: Path, server: Loopback
) -> None:
    config = point(started, server.url("/missing.xml"), server.url("/gone"))  # both 404
    result = digest("build", "-c", str(config), "-f", "md,json")
    assert result.exit_code == 0, result.output
    assert "warning: source example_feed" in result.stderr and "404" in result.stderr
    [written] = (started / "out").glob("briefing-*.json")
    data = json.loads(written.read_text(encoding="utf-8"))
    assert [s["status"] for s in data["sources"]] == ["failed", "failed", "ok"]
    assert data["top_lines"]


def test_init_never_overwrites_a_config(started: Path) -> None:
    config = started / "config.yaml"
    config.write_text("briefing: {title: Mine}\n", encoding="utf-8")
    (started / "samples" / "example-note.txt").unlink()
    result = digest("init", str(started))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {config}: a config is already here; digest init never overwrites one "
        "(edit it, or give init another folder)\n"
    )
    assert config.read_text(encoding="utf-8") == "briefing: {title: Mine}\n"
    assert not (started / "samples" / "example-note.txt").exists()  # nothing written


def test_init_keeps_a_note_already_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "samples").mkdir()
    (tmp_path / "samples" / "example-note.txt").write_text("My own note.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = digest("init")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == [
        "wrote config.yaml",
        "Next, check it, see how the sources are sorted, and build it:",
    ]
    assert "  digest validate\n" in result.stdout  # here: no -c needed
    assert (tmp_path / "samples" / "example-note.txt").read_text(
        encoding="utf-8"
    ) == "My own note.\n"


@pytest.mark.parametrize(
    ("tz", "zone"),
    [("Asia/Tokyo", "Asia/Tokyo"), (":America/Chicago", "America/Chicago"), ("Nowhere/City", None)],
)
def test_local_zone_reads_tz(monkeypatch: pytest.MonkeyPatch, tz: str, zone: str | None) -> None:
    monkeypatch.setenv("TZ", tz)
    found = local_zone()
    assert found == zone if zone else found != "Nowhere/City"  # then /etc/localtime, or UTC
