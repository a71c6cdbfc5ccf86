"""A re-run with nothing new (issue 7): the sources answer 304 or send the same bytes, the
config, templates and history are as they were, the files are untouched; the run stops
once the sources are fetched and leaves the last build's files as they are.

Through the command line, with feeds on a loopback server that answers conditional
requests with 304.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from digest.build import _stable_until
from digest.cli import main
from digest.models import Document, Window

from .loopback import Loopback, Reply
from .test_fetch import CALL, MARKETS, RARE_EARTHS, RSS_TYPE, TARIFFS, item, rss, write_config

DAY = "2025-06-06"
WHEN = "Thu, 05 Jun 2025 20:00:00 GMT"  # in the windows of 5 and 6 June


def feed(base: str, name: str, *texts: str) -> str:
    return rss(*(item(f"{base}/{name}/{n}", f"Story {n}", t, WHEN) for n, t in enumerate(texts)))


@pytest.fixture
def server() -> Iterator[Loopback]:
    with Loopback() as running:
        yield running


@pytest.fixture
def project(server: Loopback, tmp_path: Path) -> Path:
    body = feed(server.base, "wire", " ".join(CALL), " ".join(TARIFFS))
    server.route("/wire.xml", Reply(body=body, content_type=RSS_TYPE, etag='"v1"'))
    desk = feed(server.base, "desk", " ".join(RARE_EARTHS))
    server.route("/desk.xml", Reply(body=desk, content_type=RSS_TYPE))  # no ETag: 200 each time
    write_config(
        tmp_path,
        [
            {"kind": "feed", "id": "wire", "url": server.url("/wire.xml")},
            {"kind": "feed", "id": "desk", "url": server.url("/desk.xml")},
        ],
        window="36h",
    )
    return tmp_path


def build(project: Path, *extra: str, formats: str = "md,json") -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["-v", "build", "-c", str(project / "config.yaml"), "--date", DAY, "-f", formats, *extra],
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout + result.stderr


def files(project: Path) -> dict[str, tuple[int, bytes]]:
    """Each output's inode and bytes: an atomic rewrite changes the inode."""
    return {
        p.name: (os.stat(p).st_ino, p.read_bytes()) for p in sorted((project / "out").iterdir())
    }


def test_nothing_new_stops_after_fetching_and_leaves_the_files(
    server: Loopback, project: Path
) -> None:
    code, out = build(project)
    assert code == 0 and "nothing new" not in out
    before = files(project)
    assert set(before) == {f"briefing-{DAY}.md", f"briefing-{DAY}.json"}

    code, out = build(project)
    assert code == 0
    assert "nothing new since the build at" in out and f"briefing-{DAY}.md" in out
    assert files(project) == before  # not rewritten: same inodes, same bytes
    assert [r.status for r in server.requests("/wire.xml")] == [200, 304]
    assert [r.status for r in server.requests("/desk.xml")] == [200, 200]  # same bytes


def test_force_rebuilds(project: Path) -> None:
    build(project)
    before = files(project)
    code, out = build(project, "--force")
    assert code == 0 and "nothing new" not in out
    after = files(project)
    assert all(after[n][0] != before[n][0] for n in before)  # written again


def test_new_bytes_from_one_source_rebuild(server: Loopback, project: Path) -> None:
    build(project)
    more = feed(server.base, "desk", " ".join(RARE_EARTHS + MARKETS))
    server.route("/desk.xml", Reply(body=more, content_type=RSS_TYPE))
    code, out = build(project)
    assert code == 0 and "nothing new" not in out
    assert "Soybean prices rose" in (project / "out" / f"briefing-{DAY}.md").read_text()


@pytest.mark.parametrize(
    "change",
    ["config", "formats", "removed file", "edited file", "user template"],
)
def test_any_other_input_changed_rebuilds(project: Path, change: str) -> None:
    build(project)
    formats = "md,json"
    path = project / "out" / f"briefing-{DAY}.md"
    if change == "config":
        config = project / "config.yaml"
        config.write_text(config.read_text().replace("title: Trump", "title: The Trump"))
    elif change == "formats":
        formats = "md"
    elif change == "removed file":
        path.unlink()
    elif change == "edited file":
        path.write_text("edited by hand\n")
    else:
        (project / "templates").mkdir()
        (project / "templates" / "briefing.md.j2").write_text("{{ briefing.title }}\n")
        config = project / "config.yaml"
        config.write_text(config.read_text() + "output:\n  templates: templates\n")
        build(project)  # the config changed too: a rebuild; now change the template alone
        (project / "templates" / "briefing.md.j2").write_text("{{ briefing.title }}!\n")
    code, out = build(project, formats=formats)
    assert code == 0 and "nothing new" not in out
    assert path.exists() and path.read_text() != "edited by hand\n"


def test_a_failed_source_is_tried_in_full_again(server: Loopback, project: Path) -> None:
    server.route("/desk.xml", Reply(500))
    code, _ = build(project)
    assert code == 0
    code, out = build(project)  # the failure is reported again, not hidden by a skip
    assert code == 0 and "nothing new" not in out
    desk = feed(server.base, "desk", " ".join(RARE_EARTHS))
    server.route("/desk.xml", Reply(body=desk, content_type=RSS_TYPE))
    code, out = build(project)
    assert "nothing new" not in out  # the source is back: a new briefing
    code, out = build(project)
    assert "nothing new" in out


def test_a_rebuild_of_an_earlier_day_changes_the_history_and_so_the_briefing(
    project: Path,
) -> None:
    build(project)
    path = project / "out" / f"briefing-{DAY}.md"
    first = path.read_text()
    earlier = CliRunner().invoke(
        main, ["build", "-c", str(project / "config.yaml"), "--date", "2025-06-05", "-f", "md"]
    )
    assert earlier.exit_code == 0, earlier.output
    code, out = build(project)  # the same items were reported on the 5th: no longer new
    assert code == 0 and "nothing new" not in out
    assert path.read_text() != first


def test_email_not_yet_sent_is_not_skipped(project: Path) -> None:
    config = project / "config.yaml"
    config.write_text(
        config.read_text()
        + "email:\n  sender: digest@example.org\n  to: [analyst@example.org]\n"
        + "  smtp: {host: 127.0.0.1, port: 1, security: none}\n"
    )
    build(project)
    eml = project / "message.eml"
    code, out = build(project, "--eml", str(eml))
    assert code == 0 and "nothing new" not in out and eml.exists()


def test_the_moving_window_ends_the_reuse_when_a_document_leaves_or_enters() -> None:
    zone = ZoneInfo("UTC")
    day = date(2025, 6, 6)
    now = datetime(2025, 6, 6, 12, tzinfo=UTC)
    window = Window.ending(now, timedelta(hours=36))

    def doc(when: datetime | None) -> Document:
        return Document("s", "d", "x", (), published=when)

    old = now - timedelta(hours=30)  # inside: leaves in 6 h
    ahead = now + timedelta(hours=2)  # dated ahead: enters in 2 h
    gone = now - timedelta(hours=40)  # before the window: never comes back
    assert _stable_until([doc(old), doc(gone), doc(None)], window, day, zone) == old + timedelta(
        hours=36
    )
    assert _stable_until([doc(old), doc(ahead)], window, day, zone) == ahead
    assert _stable_until([doc(gone), doc(None)], window, day, zone) is None
    # after the day's close the window stops moving: a change then never comes
    late = now - timedelta(hours=24)  # would leave at midnight + 12 h
    assert _stable_until([doc(late)], window, day, zone) is None
    # a past day's window is fixed at its close
    fixed = Window.ending(datetime(2025, 6, 7, tzinfo=UTC), timedelta(hours=36))
    assert _stable_until([doc(old)], fixed, day, zone) is None
    assert _stable_until([doc(old)], Window(None, now), day, zone) is None


def test_templates_in_the_config_folder_still_allow_nothing_new(project: Path) -> None:
    """Issue 13 (17): with `templates: .` the outputs, state and cache, all under the
    config's folder, changed the templates' hash on every build."""
    config = project / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("output:\n", "output:\n  templates: .\n", 1)
        if "output:\n" in config.read_text(encoding="utf-8")
        else config.read_text(encoding="utf-8") + "output:\n  templates: .\n",
        encoding="utf-8",
    )
    code, out = build(project)
    assert code == 0 and "nothing new" not in out
    code, out = build(project)
    assert code == 0 and "nothing new since the build at" in out, out
    (project / "briefing.md.j2").write_text("# {{ briefing.title }}\n", encoding="utf-8")
    code, out = build(project)  # a template that is really there still counts
    assert code == 0 and "nothing new" not in out


def test_the_same_config_by_another_path_is_the_same_briefing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-c config.yaml` by hand, `-c /srv/…/config.yaml` from cron: one briefing, so the
    second run finds nothing new rather than building it again."""
    code, out = build(project)
    assert code == 0 and "nothing new" not in out
    monkeypatch.chdir(project)
    result = CliRunner().invoke(
        main, ["-v", "build", "-c", "config.yaml", "--date", DAY, "-f", "md,json"]
    )
    assert result.exit_code == 0, result.output
    assert "nothing new since the build at" in result.stdout + result.stderr
